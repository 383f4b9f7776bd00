#!/usr/bin/env bash
# One-command, idempotent set-up of the Python reference harness (PyTorch + transformers + sentence-transformers).
#
#   bash bench/setup.sh            # apt packages (needs root), bench/.venv, pinned pip packages, readiness check
#   bash bench/setup.sh --torch2   # only bench/.venv-torch2: PyPI torch 2.x + current transformers (no root needed)
#
# CPU torch comes from Debian (python3-torch 1.13.1, linked against OpenBLAS); see bench/README.md for why.
# Everything else is pinned in bench/requirements.txt. Safe to re-run: each step is skipped when already done.
#
# --torch2: PyTorch as users install it, the fair speed anchor for `npm run bench`. A plain venv on /usr/bin/python3
# (no system site packages, so Debian's torch 1.13 and numpy 1.24 stay out of it) with bench/requirements-torch2.txt:
# PyPI's default torch 2.x wheel (MKL/oneDNN on CPU; it pulls the nvidia-* CUDA wheels, several GB, and runs on CPU
# all the same), current transformers and sentence-transformers. A few minutes and about 5.8 GB the first time.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
export HF_HUB_OFFLINE=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [[ "${1:-}" == "--torch2" ]]; then
  VENV2="$HERE/.venv-torch2"
  if [[ ! -x "$VENV2/bin/python" ]] || ! "$VENV2/bin/python" -c 'import sys; sys.exit(0 if sys.base_prefix == "/usr" else 1)'; then
    echo "== creating $VENV2 (/usr/bin/python3, no system site packages)"
    rm -rf "$VENV2"
    /usr/bin/python3 -m venv "$VENV2"
  fi
  if "$VENV2/bin/python" "$HERE/check_env.py" --torch2 --quiet 2>/dev/null; then
    echo "== pip packages already match bench/requirements-torch2.txt"
  else
    echo "== pip install -r bench/requirements-torch2.txt (PyPI torch with its nvidia-* wheels: several GB)"
    nice "$VENV2/bin/python" -m pip install -q -r "$HERE/requirements-torch2.txt"
  fi
  "$VENV2/bin/python" "$HERE/check_env.py" --torch2
  exit $?
elif [[ $# -gt 0 ]]; then
  echo "usage: bash bench/setup.sh [--torch2]" >&2
  exit 2
fi

# Debian bookworm packages, exact versions. libopenblas0-pthread is essential: without it python3-torch and
# python3-numpy fall back to the reference libblas3, which is many times slower.
APT_PKGS=(
  "python3-torch=1.13.1+dfsg-4"
  "python3-numpy=1:1.24.2-1+deb12u1"
  "python3-scipy=1.10.1-2"
  "libopenblas0-pthread=0.3.21+ds-4"
  "python3-venv"
)

need_apt=0
for spec in "${APT_PKGS[@]}"; do
  name="${spec%%=*}"
  want="${spec#*=}"
  have="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
  if [[ "$have" != "install ok installed"* ]]; then need_apt=1; break; fi
  if [[ "$spec" == *=* && "$have" != "install ok installed $want" ]]; then need_apt=1; break; fi
done

if [[ $need_apt == 1 ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "setup.sh: need root for: apt-get install ${APT_PKGS[*]}" >&2
    exit 1
  fi
  echo "== apt-get install ${APT_PKGS[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${APT_PKGS[@]}"
else
  echo "== Debian packages already installed"
fi

# The venv must be built on Debian's /usr/bin/python3 (3.11.2): python3-torch is compiled for it. A pyenv python
# on PATH would not see /usr/lib/python3/dist-packages.
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys; sys.exit(0 if sys.base_prefix == "/usr" else 1)'; then
  echo "== creating $VENV (system site packages, /usr/bin/python3)"
  rm -rf "$VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi

# Refuse to go on if torch would have to come from PyPI (that would be the CUDA build with GBs of nvidia-* wheels).
"$VENV/bin/python" - <<'EOF'
import sys
import torch
if not torch.__file__.startswith("/usr/lib/python3/dist-packages/"):
    sys.exit(f"torch is imported from {torch.__file__}, expected Debian's python3-torch")
EOF

if "$VENV/bin/python" "$HERE/check_env.py" --quiet 2>/dev/null; then
  echo "== pip packages already match bench/requirements.txt"
else
  echo "== pip install -r bench/requirements.txt"
  # (pip warns that transformers 4.46.0 is yanked; the pin is deliberate, see requirements.txt.)
  nice "$VENV/bin/python" -m pip install -q -r "$HERE/requirements.txt"
fi

"$VENV/bin/python" "$HERE/check_env.py"
