"""Tell in one line whether bench/.venv matches bench/requirements.txt (and bench/.venv-torch2 its own pins).

    bench/.venv/bin/python bench/check_env.py                 # one 'ready' line, exit 0; or what is wrong, exit 1.
                                                              # When bench/.venv-torch2 exists, a second line for it.
    bench/.venv/bin/python bench/check_env.py --quiet         # exit status only (bench/.venv only)
    bench/.venv-torch2/bin/python bench/check_env.py --torch2 # the PyPI torch 2.x venv against requirements-torch2.txt

The second line does not change the exit status: bench/.venv-torch2 is optional (bash bench/setup.sh --torch2).
"""
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
TORCH2_PYTHON = HERE / ".venv-torch2" / "bin" / "python"


def pins(file):
    out = {}
    for line in (HERE / file).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", line)
        if not m:
            raise SystemExit(f"{file}: not an exact pin: {line!r}")
        out[m.group(1)] = m.group(2)
    return out


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pin_problems(file):
    problems = []
    for name, want in pins(file).items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: not installed (want {want})")
            continue
        if have != want:
            problems.append(f"{name}: {have} installed, want {want}")
    return problems


def check_debian():
    """bench/.venv: Debian torch 1.13 + OpenBLAS, PyPI packages from requirements.txt. Returns (problems, line)."""
    problems = pin_problems("requirements.txt")
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
        return problems, ""
    return [], (
        f"bench env ready: python {sys.version.split()[0]}, torch {torch.__version__} (Debian, {blas}), "
        f"transformers {transformers.__version__}, sentence-transformers {sentence_transformers.__version__}, "
        f"tokenizers {metadata.version('tokenizers')}, safetensors {metadata.version('safetensors')}, "
        f"numpy {metadata.version('numpy')}, scipy {metadata.version('scipy')}, pyarrow {metadata.version('pyarrow')}, "
        f"datasets {metadata.version('datasets')}"
    )


def check_torch2():
    """bench/.venv-torch2: PyPI torch 2.x (MKL/oneDNN) + current transformers, from requirements-torch2.txt."""
    problems = pin_problems("requirements-torch2.txt")
    try:
        import torch
        import transformers
        import sentence_transformers

        if torch.__file__.startswith("/usr/lib/python3/"):
            problems.append(f"torch comes from {torch.__file__} (Debian's), not the venv's PyPI wheel")
        if int(torch.__version__.split(".")[0]) < 2:
            problems.append(f"torch {torch.__version__} is not 2.x")
        mkl = torch.backends.mkl.is_available()
        cap = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability") else "?"
        onednn = torch.backends.mkldnn.is_available()
    except Exception as e:  # noqa: BLE001
        problems.append(f"import failed: {type(e).__name__}: {e}")
    if problems:
        return problems, ""
    return [], (
        f"bench torch2 env ready: python {sys.version.split()[0]}, torch {torch.__version__} (PyPI; MKL {'yes' if mkl else 'NO'}, "
        f"oneDNN {'yes' if onednn else 'no'}, CPU capability {cap}), transformers {transformers.__version__}, "
        f"sentence-transformers {sentence_transformers.__version__}, tokenizers {metadata.version('tokenizers')}, "
        f"numpy {metadata.version('numpy')}"
    )


def main():
    quiet = "--quiet" in sys.argv
    torch2 = "--torch2" in sys.argv
    problems, line = check_torch2() if torch2 else check_debian()
    if not quiet:
        if problems:
            print(f"bench {'torch2 ' if torch2 else ''}env NOT ready:\n  " + "\n  ".join(problems))
        else:
            print(line)
        if not torch2 and TORCH2_PYTHON.exists() and Path(sys.prefix).resolve() != TORCH2_PYTHON.parent.parent.resolve():
            r = subprocess.run([str(TORCH2_PYTHON), __file__, "--torch2"], capture_output=True, text=True)
            print((r.stdout or r.stderr).strip() or f"bench/.venv-torch2: check exited with {r.returncode}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
