#!/usr/bin/env bash
# Prepare bench/gpu/pack/: everything bench/gpu/run.sh needs on a GPU machine that has no network and no Node.
#
#   bash bench/gpu/prepare.sh        # here, after npm ci; ~30 s; prints the pack's size (must stay ≤ 64 MiB)
#
# The pack (git-ignored) holds:
#   node.xz                       this machine's Node binary, xz-compressed (the official build needs glibc ≥ 2.28)
#   bundle/                       esbuild bundles of the parity suite (spec/parity), the CLI, the bench and its child,
#                                 with every pure-JS dependency inside (tfjs-core, -layers, -cpu, -webgpu, tokenizers,
#                                 hyparquet, mocha, chai): no node_modules to carry
#   node_modules/webgpu/          dawn.node (xz-compressed) and its loader: the one native module
#   debs/                         Debian's Vulkan loader and GLVND/EGL libraries (NVIDIA's Vulkan ICD needs
#                                 libGLdispatch), unpacked there by run.sh without dpkg
#   shared/                       the two tokenizers the bench's random-init models use, and STSb train/test
# The rest travels in the working tree: spec/fixtures, bench/torch_bench.py, bench/gpu/run.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PACK="$ROOT/bench/gpu/pack"
SHARED="${XENC_SHARED:-$ROOT/../shared}"
LIMIT=$((64 * 1024 * 1024))

say() { printf '== %s\n' "$*"; }
[[ -x node_modules/.bin/esbuild ]] || { echo "prepare.sh: run npm ci first" >&2; exit 1; }
command -v xz >/dev/null || { echo "prepare.sh: needs xz (apt-get install xz-utils)" >&2; exit 1; }

rm -rf "$PACK"
mkdir -p "$PACK/bundle" "$PACK/debs" "$PACK/node_modules/webgpu/dist/linux-x64" "$PACK/shared/models" "$PACK/shared/data/stsb"

say "bundling (esbuild)"
# module,main: the ESM builds, which the tfjs packages list as having side effects (their backend and kernel
# registrations); their Node CJS builds are not listed, so a bundler would drop `import '@tensorflow/tfjs-backend-cpu'`.
node_modules/.bin/esbuild scripts/gpu/run-parity.ts spec/parity/*.spec.ts scripts/cli.ts scripts/bench.ts scripts/bench/child.ts scripts/parity-report.ts \
  --bundle --splitting --format=esm --platform=node --target=node20 --main-fields=module,main \
  --outdir="$PACK/bundle" --outbase=. --out-extension:.js=.mjs \
  --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __xencRequire } from 'node:module'; const require = __xencRequire(import.meta.url);" \
  --log-level=warning

say "node $(node --version) → node.xz"
xz -T0 -9 -c "$(command -v node)" > "$PACK/node.xz"
node -p 'process.version' > "$PACK/node.version"

say "dawn.node (webgpu $(node -p 'require("./node_modules/webgpu/package.json").version'))"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$PACK/node_modules/webgpu/"
xz -T0 -9 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$PACK/node_modules/webgpu/dist/linux-x64/dawn.node.xz"

say "Vulkan loader and GLVND/EGL packages (apt-get download)"
(cd "$PACK/debs" && apt-get download -qq libvulkan1 libglvnd0 libegl1 libglx0 libgl1 2>/dev/null)
ls "$PACK/debs"/*.deb >/dev/null

say "tokenizers and STSb from $SHARED"
cp -r "$SHARED/models/bert-base-uncased-tokenizer" "$SHARED/models/roberta-base-tokenizer" "$PACK/shared/models/"
cp "$SHARED/data/stsb/train.tsv" "$SHARED/data/stsb/test.tsv" "$SHARED/data/stsb/validation.tsv" "$PACK/shared/data/stsb/"

size=$(du -sb "$PACK" | cut -f1)
say "pack: $((size / 1024 / 1024)) MiB in $PACK"
[[ $size -le $LIMIT ]] || { echo "prepare.sh: the pack is over 64 MiB" >&2; exit 1; }
