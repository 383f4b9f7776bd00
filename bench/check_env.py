"""Tell in one line whether bench/.venv matches bench/requirements.txt.

    bench/.venv/bin/python bench/check_env.py          # prints one 'ready' line, exit 0; or what is wrong, exit 1
    bench/.venv/bin/python bench/check_env.py --quiet  # exit status only
"""
import os
import re
import sys
from importlib import metadata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent


def pins():
    out = {}
    for line in (HERE / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        if not m:
            raise SystemExit(f"requirements.txt: not an exact pin: {line!r}")
        out[m.group(1)] = m.group(2)
    return out


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def main():
    quiet = "--quiet" in sys.argv
    problems = []
    for name, want in pins().items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed (want {want})")
            continue
        if have != want:
            problems.append(f"{name}: {have} installed, want {want}")
    blas = "?"
    try:
        import numpy  # noqa: F401
        import torch
        import transformers
        import sentence_transformers
        import threadpoolctl

        if not torch.__file__.startswith("/usr/lib/python3/dist-packages/"):
            problems.append(f"torch comes from {torch.__file__}, not Debian's python3-torch")
        infos = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if not infos or infos[0].get("internal_api") != "openblas":
            problems.append(f"BLAS is not OpenBLAS: {infos} (apt-get install libopenblas0-pthread)")
        else:
            blas = f"OpenBLAS {infos[0].get('version')} {infos[0].get('threading_layer')} ({infos[0].get('architecture')})"
    except Exception as e:  # noqa: BLE001
        problems.append(f"import failed: {type(e).__name__}: {e}")
    if problems:
        if not quiet:
            print("bench env NOT ready:\n  " + "\n  ".join(problems))
        return 1
    if not quiet:
        print(
            f"bench env ready: python {sys.version.split()[0]}, torch {torch.__version__} (Debian, {blas}), "
            f"transformers {transformers.__version__}, sentence-transformers {sentence_transformers.__version__}, "
            f"tokenizers {metadata.version('tokenizers')}, safetensors {metadata.version('safetensors')}, "
            f"numpy {metadata.version('numpy')}, scipy {metadata.version('scipy')}, pyarrow {metadata.version('pyarrow')}, "
            f"datasets {metadata.version('datasets')}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
