#!/usr/bin/env python3
"""Is PyTorch's matmul kernel the one this CPU deserves? The rule `npm run bench` uses to refuse a comparison.

    python3 bench/blas_kernel.py              # this CPU's ISA, and the verdict for this interpreter's torch
    python3 bench/blas_kernel.py --self-test  # the rule on fake cpuinfo / kernel pairs; exit 1 on a failure

Why: on Intel AVX-512 machines Debian's OpenBLAS 0.3.21 does not recognise the CPU unless OPENBLAS_CORETYPE is set,
and falls back to its Prescott (SSE3) kernels, about 5x slower (bench notes 2026-12-01). A bench that lets PyTorch
run on such a fallback kernel compares against a crippled PyTorch and its ratios are wrong by that factor.

The rule (`verdict`): a kernel is a fallback when the instruction-set level it is written for is below the level
the CPU supports (sse < avx < avx2 < avx512). Kernel names are OpenBLAS core names (threadpoolctl's `architecture`:
Prescott, Core2, Nehalem, Sandybridge, Haswell, Zen, SkylakeX, Cooperlake, ...) or an ISA level read from MKL's
verbose line (on AMD CPUs MKL 2024 prints only "Intel(R) Architecture processors", which names no ISA) or torch's
CPU capability (AVX2, AVX512, DEFAULT). A name that does not tell is not refused (the note says so). Only the standard library is used, so the self-test runs on any python3.
"""
import re
import sys

LEVELS = ["sse", "avx", "avx2", "avx512"]

# OpenBLAS core names (lower case) by the widest vector ISA their SGEMM kernels use.
OPENBLAS_CORES = {
    "sse": {"katmai", "coppermine", "northwood", "prescott", "banias", "yonah", "core2", "penryn", "dunnington", "nehalem",
            "atom", "nano", "opteron", "opteron_sse3", "barcelona", "bobcat", "athlon", "generic"},
    "avx": {"sandybridge", "bulldozer", "piledriver", "steamroller", "excavator"},
    "avx2": {"haswell", "zen", "skylake", "atom_goldmont"},
    "avx512": {"skylakex", "cooperlake", "sapphirerapids"},
}


def cpu_isa(cpuinfo_text):
    """The widest x86 vector ISA level in the first `flags` line of /proc/cpuinfo text, or None (not x86/Linux)."""
    m = re.search(r"^flags\s*:\s*(.*)$", cpuinfo_text, re.M)
    if not m:
        return None
    flags = set(m.group(1).split())
    if "avx512f" in flags:
        return "avx512"
    if "avx2" in flags and "fma" in flags:
        return "avx2"
    if "avx" in flags:
        return "avx"
    return "sse"


PREFIX = {"openblas": "OpenBLAS ", "mkl": "MKL path: ", "isa": "ATen CPU capability "}


def kernel_level(kind, name):
    """The ISA level of a kernel: kind 'openblas' (core name), 'mkl' (MKL_VERBOSE's "... enabled processors" phrase)
    or 'isa' (ATen's CPU capability: AVX2, AVX512, DEFAULT). None when the name does not tell."""
    n = (name or "").strip().lower()
    if kind == "openblas":
        for level, names in OPENBLAS_CORES.items():
            if n in names:
                return level
        return None
    n = n.replace("-", "").replace("_", "").replace(" ", "")
    if "avx512" in n:
        return "avx512"
    if "avx2" in n:
        return "avx2"
    if "avx" in n:
        return "avx"
    if "sse" in n or n in ("default", "noavx"):
        return "sse"
    return None


def verdict(cpu_level, kind, name):
    """(ok, why). ok is False when the kernel is a fallback: written for an older ISA than the CPU supports."""
    level = kernel_level(kind, name)
    label = f"{PREFIX.get(kind, '')}{name}"
    if cpu_level is None:
        return True, f"{label} (CPU ISA unknown: not checked)"
    if level is None:
        return True, f"{label} (names no ISA known here: not checked against the CPU's {cpu_level})"
    if LEVELS.index(level) < LEVELS.index(cpu_level):
        hint = ""
        if kind == "openblas":
            hint = "; set OPENBLAS_CORETYPE (e.g. Cooperlake or SkylakeX on AVX-512, Haswell or Zen on AVX2)"
        return False, f"{label} is a fallback kernel ({level}) on a CPU with {cpu_level}{hint}"
    return True, f"{label} ({level}) matches the CPU's {cpu_level}"


def _self_test():
    flags = {
        "intel_avx512": "flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2 avx512f avx512bw avx512_bf16 amx_tile\n",
        "zen3": "processor\t: 0\nflags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx sse4a avx2 bmi2\n",
        "sandy": "flags : fpu sse sse2 ssse3 sse4_1 sse4_2 avx\n",
        "old": "flags : fpu sse sse2 sse3\n",
    }
    cases = [
        # (cpu, kind, kernel, expected ok)
        ("intel_avx512", "openblas", "Prescott", False),  # the 2026-12-01 Intel machine without OPENBLAS_CORETYPE
        ("intel_avx512", "openblas", "Haswell", False),
        ("intel_avx512", "openblas", "Zen", False),
        ("intel_avx512", "openblas", "Cooperlake", True),
        ("intel_avx512", "openblas", "SkylakeX", True),
        ("zen3", "openblas", "Zen", True),  # this machine: AMD EPYC Zen 3, avx2, no avx512
        ("zen3", "openblas", "Haswell", True),
        ("zen3", "openblas", "Sandybridge", False),
        ("zen3", "openblas", "Nehalem", False),
        ("zen3", "openblas", "Core2", False),
        ("sandy", "openblas", "Sandybridge", True),
        ("old", "openblas", "Prescott", True),
        ("zen3", "openblas", "SomeFutureCore", True),  # unknown: reported, not refused
        ("intel_avx512", "isa", "AVX512", True),  # torch 2.x CPU capability / MKL's ISA
        ("intel_avx512", "isa", "AVX2", False),
        ("zen3", "isa", "AVX2", True),
        ("zen3", "isa", "DEFAULT", False),
        ("zen3", "mkl", "Intel(R) Streaming SIMD Extensions 4.2 (Intel(R) SSE4.2) enabled processors", False),
        ("intel_avx512", "mkl", "Intel(R) Advanced Vector Extensions 512 (Intel(R) AVX-512) enabled processors", True),
        ("intel_avx512", "mkl", "Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors", False),
        ("zen3", "mkl", "Intel(R) Architecture processors", True),  # MKL on AMD names no ISA: reported, not refused
    ]
    failures = 0
    assert cpu_isa(flags["intel_avx512"]) == "avx512" and cpu_isa(flags["zen3"]) == "avx2" and cpu_isa("no flags here") is None
    for cpu, kind, name, want in cases:
        ok, why = verdict(cpu_isa(flags[cpu]), kind, name)
        mark = "ok  " if ok == want else "FAIL"
        failures += ok != want
        print(f"{mark} {cpu:13s} {name:55s} -> {'accept' if ok else 'refuse'}: {why}")
    print(f"{len(cases) - failures}/{len(cases)} passed")
    return 1 if failures else 0


def _here():
    try:
        with open("/proc/cpuinfo") as f:
            level = cpu_isa(f.read())
    except OSError:
        level = None
    print(f"CPU ISA: {level}")
    try:
        try:
            import torch  # noqa: F401  (threadpoolctl sees only the libraries loaded so far)
        except ImportError:
            import numpy  # noqa: F401
        from threadpoolctl import threadpool_info  # type: ignore

        for i in threadpool_info():
            if i.get("internal_api") == "openblas":
                ok, why = verdict(level, "openblas", i.get("architecture"))
                print(f"{'accept' if ok else 'REFUSE'}: {why} ({i.get('filepath')})")
    except Exception as e:  # noqa: BLE001
        print(f"threadpoolctl: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(_self_test() if "--self-test" in sys.argv else _here())
