"""A reranker fine-tuned and saved by this library loads in Python's sentence-transformers CrossEncoder with the same
scores (issue 14 acceptance), for the tiny XLM-R, ELECTRA, ModernBERT and DeBERTa-v2 fixtures.

    bench/.venv/bin/python bench/arch_interop.py --arch xlm-roberta          # sentence-transformers 4.0.1
    bench/.venv/bin/python bench/arch_interop.py --arch electra
    bench/.venv/bin/python bench/arch_interop.py --arch deberta-v2                # also deberta-v2-separate
    bench/.venv-torch2/bin/python bench/arch_interop.py --arch modernbert    # sentence-transformers 6.2, transformers 5.24

Runs bench/arch_interop.mts (3 training steps on STSb, save), loads the folder with CrossEncoder and compares its raw
logits (activation Identity) and default scores on the first 32 STSb test pairs with ours. Prints one JSON line.
"""
import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=["xlm-roberta", "electra", "modernbert", "deberta-v2", "deberta-v2-separate"])
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    import sentence_transformers
    import torch
    from sentence_transformers import CrossEncoder

    src = ROOT / "spec" / "fixtures" / "models" / f"tiny-{args.arch}-cross-encoder"
    out = ROOT / "bench" / "results" / f"interop-{args.arch}"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(["npx", "tsx", "bench/arch_interop.mts", "--model", str(src), "--out", str(out), "--steps", str(args.steps)], cwd=ROOT, check=True)
    ours = json.loads((out / "ours-logits.json").read_text())
    kw = {"model_kwargs": {"attn_implementation": "eager"}} if args.arch == "modernbert" else {}
    ce = CrossEncoder(str(out), device="cpu", **kw)
    # Default scores first: sentence-transformers 4 keeps an activation_fn passed to predict() for later calls.
    activation = type(ce.activation_fn).__name__
    scores = ce.predict(ours["pairs"], convert_to_numpy=True).reshape(-1).tolist()
    logits = ce.predict(ours["pairs"], activation_fn=torch.nn.Identity(), convert_to_numpy=True).reshape(-1).tolist()
    print(json.dumps({
        "arch": args.arch, "sentence_transformers": sentence_transformers.__version__, "pairs": len(logits),
        "max_abs_logit_diff": max(abs(a - b) for a, b in zip(logits, ours["logits"])),
        "max_abs_score_diff": max(abs(a - b) for a, b in zip(scores, ours["scores"])),
        "default_activation": activation,
    }))


if __name__ == "__main__":
    main()
