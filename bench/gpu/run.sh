#!/usr/bin/env bash
# The GPU run, on an NVIDIA machine with no network and no Node, from the repository root, after
# `bash bench/gpu/prepare.sh` made bench/gpu/pack/ here (it travels with the working tree, ≤ 64 MiB):
#
#   bash bench/gpu/run.sh [--out DIR] [--shapes minilm,distilroberta] [--steps N] [--software]
#
# In one run of at most ~8 minutes it:
#   1. unpacks Node, dawn.node and Debian's Vulkan loader / GLVND libraries, and points the Vulkan loader at NVIDIA's
#      ICD (the driver's own nvidia_icd.json, or one written for its libGLX_nvidia.so.0);
#   2. runs the parity suite (spec/parity) on webgpu: fixture logits, training replay, 1000 steps of flat numTensors,
#      save/load, kill -9 + resume;
#   3. runs `npm run bench`'s webgpu rows for the shapes (training and inference pairs/s, peak RSS, numTensors) and
#      PyTorch on CUDA on the very same token batches, when torch sees a CUDA device;
#   4. writes DIR/gpu-<date>.md: the adapter, the parity table and the speed table.
# --software runs it on a software Vulkan driver (VK_ICD_FILENAMES, e.g. SwiftShader) to prove the script on a machine
# without a GPU; the CUDA column is then empty.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PACK="$ROOT/bench/gpu/pack"
OUT="${OUT:-$ROOT/bench/results/gpu}"
SHAPES=minilm,distilroberta
STEPS=10
SOFTWARE=0
# Stage limits (s): the whole run must fit 8 minutes on the GPU machine; a software driver is ~25× slower.
PARITY_LIMIT=240
BENCH_LIMIT=300
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --shapes) SHAPES="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --software) SOFTWARE=1; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f "$PACK/node.xz" ]] || { echo "run.sh: $PACK is missing; run bash bench/gpu/prepare.sh first (on a machine with Node)" >&2; exit 1; }
mkdir -p "$OUT"
WORK="$(mktemp -d)"
LOG="$OUT/run.log"
: > "$LOG"
say() { printf '== %s\n' "$*" | tee -a "$LOG"; }
started=$(date +%s)

say "unpacking Node, dawn.node and the Vulkan/GLVND libraries into $WORK"
python3 - "$PACK" "$WORK" <<'EOF' || exit 1
import io, lzma, os, shutil, sys, tarfile
pack, work = sys.argv[1], sys.argv[2]
os.makedirs(f"{work}/bin", exist_ok=True)
for src, dst in [(f"{pack}/node.xz", f"{work}/bin/node"),
                 (f"{pack}/node_modules/webgpu/dist/linux-x64/dawn.node.xz", f"{pack}/node_modules/webgpu/dist/linux-x64/dawn.node")]:
    with lzma.open(src) as f, open(dst, "wb") as g:
        shutil.copyfileobj(f, g, 1 << 20)
    os.chmod(dst, 0o755)

def deb_members(path):
    """A .deb is an ar archive: yield (name, bytes) of its members."""
    with open(path, "rb") as f:
        assert f.read(8) == b"!<arch>\n", path
        while header := f.read(60):
            name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
            yield name, f.read(size)
            f.read(size % 2)

root = f"{work}/sysroot"
for deb in sorted(os.listdir(f"{pack}/debs")):
    for name, data in deb_members(f"{pack}/debs/{deb}"):
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                t.extractall(root, filter="tar") if sys.version_info >= (3, 12) else t.extractall(root)
print("unpacked", ", ".join(sorted(os.listdir(f"{pack}/debs"))))
EOF
export PATH="$WORK/bin:$PATH"
export LD_LIBRARY_PATH="$WORK/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR="$WORK"
node --version | tee -a "$LOG"

if [[ $SOFTWARE == 1 ]]; then
  export TFJS_CROSS_ENCODER_WEBGPU=swiftshader
  PARITY_LIMIT=1800
  BENCH_LIMIT=1800
  say "software Vulkan driver (--software): ${VK_ICD_FILENAMES:-SwiftShader from Chromium}"
elif [[ -z "${VK_ICD_FILENAMES:-}" ]]; then
  icd=""
  for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    [[ -f "$d/nvidia_icd.json" ]] && icd="$d/nvidia_icd.json" && break
  done
  if [[ -z $icd ]]; then
    lib=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')
    [[ -n $lib ]] || lib=$(find /usr/lib /usr/lib64 /usr/local/nvidia /usr/lib/x86_64-linux-gnu -name 'libGLX_nvidia.so.0' 2>/dev/null | head -n 1)
    [[ -n $lib ]] || { say "no NVIDIA Vulkan ICD and no libGLX_nvidia.so.0 found: the driver's graphics libraries are not mounted"; exit 1; }
    icd="$WORK/nvidia_icd.json"
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "%s", "api_version": "1.3.0" } }\n' "$lib" > "$icd"
  fi
  export VK_ICD_FILENAMES="$icd"
  say "NVIDIA Vulkan ICD: $icd"
  nvidia-smi -L 2>/dev/null | tee -a "$LOG" || true
fi

export XENC_REPO_ROOT="$ROOT" XENC_SHARED="$PACK/shared" XENC_BUNDLED_SCRIPTS="$PACK/bundle/scripts"
export TFJS_BACKEND=webgpu CROSS_ENCODER_LOG=warn

say "1/2 parity suite on webgpu"
XENC_PARITY_REPORT="$OUT/parity-webgpu.json" timeout "$PARITY_LIMIT" node "$PACK/bundle/scripts/gpu/run-parity.mjs" "$PACK"/bundle/spec/parity/*.spec.mjs </dev/null 2>&1 | tee "$OUT/parity.log"
parity_rc=${PIPESTATUS[0]}
parity_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/parity.log" | tail -n 1)
say "parity: ${parity_line:-did not finish (exit $parity_rc)}"

say "2/2 bench: webgpu rows for $SHAPES, PyTorch on CUDA beside them"
torch_args=(--no-torch)
if python3 -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then torch_args=(--torch-device cuda --torch-threads 1); fi
timeout "$BENCH_LIMIT" node "$PACK/bundle/scripts/bench.mjs" --backends webgpu --shapes "$SHAPES" --steps "$STEPS" --threads 1 "${torch_args[@]}" --out "$OUT" \
  > "$OUT/bench.md" 2> >(tee -a "$LOG" >&2)
bench_rc=$?
say "bench exit $bench_rc"

report="$OUT/gpu-$(date -u +%Y-%m-%dT%H-%M-%S).md"
{
  echo "# GPU run, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi'), $(nproc) CPU cores"
  echo "- Node $(node --version), Vulkan ICD: ${VK_ICD_FILENAMES:-SwiftShader from Chromium (set by the library: TFJS_CROSS_ENCODER_WEBGPU=swiftshader)}"
  echo "- torch: $(python3 -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "(no CUDA device)")' 2>/dev/null || echo 'not importable')"
  echo
  echo "## Parity suite on webgpu: ${parity_line:-did not finish}"
  echo
  node "$PACK/bundle/scripts/parity-report.mjs" "$OUT/parity-webgpu.json" 2>/dev/null || echo "(no parity report)"
  echo
  echo "## Speed (bench, same token batches for PyTorch)"
  echo
  cat "$OUT/bench.md"
  echo
  echo "Wall time of this run: $(( $(date +%s) - started )) s"
} > "$report"
say "wrote $report"
[[ $parity_rc == 0 && $bench_rc == 0 ]]
