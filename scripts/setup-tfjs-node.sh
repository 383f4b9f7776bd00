#!/usr/bin/env bash
# `npm run setup:tfjs-node`: install @tensorflow/tfjs-node 4.22.0 (the native TensorFlow backend) into node_modules
# without Google's storage host, which its own install script downloads from.
#
# With internet access you do not need this: `npm i @tensorflow/tfjs-node` is the normal route. This script builds
# the same package from parts that come from the registries:
#   1. the npm package itself, installed with --ignore-scripts (its install script would download);
#   2. TensorFlow 2.9.1's C library, taken from PyPI's tensorflow-cpu==2.9.1 wheel: its
#      _pywrap_tensorflow_internal.so exports the whole C and eager C API that tfjs-node binds;
#   3. a stub for the 187 CPython symbols that library leaves undefined (nothing calls them outside Python: the
#      data symbols are zeroed blobs, the functions abort with a message);
#   4. the addon, compiled from the package's own sources against this Node's headers (node-gyp downloads nothing).
# It is never a package.json dependency: `npm ci` would run its downloading install script and fail. Because it is
# installed with --no-save, a later `npm install <pkg>` or `npm ci` removes it again; re-run this script then.
#
# Needs: python3 with pip (the wheel download; pip honours your index settings), a C/C++ compiler, make, readelf.
# Idempotent: exits at once when tfjs-node already loads. About 30 s and 700 MB (485 MB of it in deps/).
#
#   TFJS_NODE_WHEEL=/path/to/tensorflow_cpu-2.9.1-cp310-...whl   use a wheel you already have
#   TFJS_NODE_CACHE=DIR                                          where the wheel is kept (default node_modules/.cache)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TFJS_NODE_VERSION=4.22.0
TF_VERSION=2.9.1
WHEEL_NAME="tensorflow_cpu-${TF_VERSION}-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_SHA256=6666ddeae45e1f41da788cb4bdea3435aba16edb0bc17b7ac00631c7c9eb052e
PKG="$ROOT/node_modules/@tensorflow/tfjs-node"
CACHE="${TFJS_NODE_CACHE:-$ROOT/node_modules/.cache/tfjs-cross-encoder}"

say() { printf '== %s\n' "$*"; }
fail() { printf 'setup:tfjs-node: %s\n' "$*" >&2; exit 1; }

loads() {
  TF_CPP_MIN_LOG_LEVEL=2 node -e "const tf = require('@tensorflow/tfjs-node'); if (tf.getBackend() !== 'tensorflow') process.exit(1); console.log('TensorFlow ' + tf.backend().binding.TF_Version)" 2>/dev/null
}

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || fail "this route is for Linux x86_64 (PyPI's wheel); elsewhere use npm i @tensorflow/tfjs-node"
[[ -d "$ROOT/node_modules/@tensorflow/tfjs-core" ]] || fail "run npm ci first"
if [[ -f "$PKG/package.json" ]] && grep -q "\"version\": \"$TFJS_NODE_VERSION\"" "$PKG/package.json" && version="$(loads)"; then
  say "@tensorflow/tfjs-node $TFJS_NODE_VERSION already installed and loading ($version)"
  exit 0
fi

for tool in python3 make readelf cc c++; do
  command -v "$tool" >/dev/null || fail "needs $tool on PATH (node-gyp builds the addon with python3, make and a C++ compiler)"
done
NODE_PREFIX="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
[[ -f "$NODE_PREFIX/include/node/node_api.h" ]] || fail "Node's headers are not in $NODE_PREFIX/include/node (install Node with its headers, e.g. the nodejs or nodejs-dev package)"

say "npm install --no-save --ignore-scripts @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error "@tensorflow/tfjs-node@$TFJS_NODE_VERSION"

mkdir -p "$CACHE"
WHEEL="${TFJS_NODE_WHEEL:-$CACHE/$WHEEL_NAME}"
if [[ ! -f "$WHEEL" ]]; then
  say "pip download tensorflow-cpu==$TF_VERSION (207 MB, the wheel only)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.10 --platform manylinux2014_x86_64 \
    --dest "$CACHE" "tensorflow-cpu==$TF_VERSION" || fail "could not download tensorflow-cpu==$TF_VERSION from PyPI (set TFJS_NODE_WHEEL to a local copy)"
fi
echo "$WHEEL_SHA256  $WHEEL" | sha256sum --check --status || fail "$WHEEL does not have the sha256 of PyPI's $WHEEL_NAME ($WHEEL_SHA256)"

DEPS="$PKG/deps"
say "laying out $DEPS from the wheel"
rm -rf "$DEPS" "$PKG/lib" "$PKG/build"
mkdir -p "$DEPS/lib" "$DEPS/include"
python3 - "$WHEEL" "$DEPS" <<'EOF'
import os, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
wanted = {
    "tensorflow/python/_pywrap_tensorflow_internal.so": "lib/_pywrap_tensorflow_internal.so",
    "tensorflow/libtensorflow_framework.so.2": "lib/libtensorflow_framework.so.2",
}
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith("/"):
            continue
        if name in wanted:
            target = wanted[name]
        elif name.startswith("tensorflow/include/tensorflow/c/") or name.startswith("tensorflow/include/tensorflow/core/platform/ctstring"):
            target = "include/" + name[len("tensorflow/include/"):]
        else:
            continue
        path = os.path.join(deps, target)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(name) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.chmod(path, 0o755 if target.startswith("lib/") else 0o644)
missing = [t for t in wanted.values() if not os.path.exists(os.path.join(deps, t))]
if missing:
    sys.exit(f"the wheel lacks {missing}")
EOF

say "generating the CPython stub (libpystub.so)"
PYWRAP="$DEPS/lib/_pywrap_tensorflow_internal.so"
STUB_C="$DEPS/lib/pystub.c"
{
  echo '/* Generated by scripts/setup-tfjs-node.sh: the CPython symbols _pywrap_tensorflow_internal.so references. */'
  echo '#include <stdio.h>'
  echo '#include <stdlib.h>'
  echo 'static void called(const char *name) { fprintf(stderr, "tfjs-node (PyPI build): CPython function %s called outside Python\n", name); abort(); }'
  # The symbols are versioned (@@tensorflow is on the definitions; these are undefined): strip any @version.
  readelf --dyn-syms -W "$PYWRAP" | awk '$7 == "UND" && $8 ~ /^_?Py/ { sub(/@.*/, "", $8); print $8 }' | sort -u | while read -r sym; do
    # Type objects, exception objects and the None/True/False/NotImplemented singletons are data.
    if [[ "$sym" =~ _Type$|^PyExc_|Struct$ ]]; then
      echo "char $sym[1024] __attribute__((aligned(64)));"
    else
      echo "void $sym(void) { called(\"$sym\"); }"
    fi
  done
} > "$STUB_C"
count=$(grep -c '^char \|^void ' "$STUB_C")
[[ $count -gt 100 ]] || fail "found only $count CPython symbols in $PYWRAP; is this the tensorflow-cpu $TF_VERSION wheel?"
cc -shared -fPIC -O2 -o "$DEPS/lib/libpystub.so" "$STUB_C"
(
  cd "$DEPS/lib"
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
  # tfjs-node's scripts look for this file name; the addon links -ltensorflow through the linker script below.
  ln -sf _pywrap_tensorflow_internal.so "libtensorflow.so.$TF_VERSION"
  echo 'INPUT ( _pywrap_tensorflow_internal.so libpystub.so )' > libtensorflow.so
)
echo "stubbed $count CPython symbols"

say "building the addon from source against $NODE_PREFIX/include/node"
(
  cd "$PKG"
  export npm_config_nodedir="$NODE_PREFIX"
  "$ROOT/node_modules/.bin/node-pre-gyp" install --build-from-source --nodedir="$NODE_PREFIX" --loglevel=error >"$CACHE/addon-build.log" 2>&1 ||
    { tail -n 30 "$CACHE/addon-build.log" >&2; fail "the addon did not build (log: $CACHE/addon-build.log)"; }
)
rm -rf "$PKG/build"

version="$(loads)" || fail "@tensorflow/tfjs-node was built but does not load; run: node -e \"require('@tensorflow/tfjs-node')\""
say "@tensorflow/tfjs-node $TFJS_NODE_VERSION ready ($version). The library now picks it by default; TFJS_BACKEND=wasm still selects wasm."
