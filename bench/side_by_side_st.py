"""Side-by-side STSb bi-encoder fine-tuning: sentence-transformers (PyTorch) vs ours (TensorFlow.js), same model,
data and hyperparameters (issue 12's "side by side" item).

    /work/main/bench/.venv-torch2/bin/python bench/side_by_side_st.py --seeds 0     # full recipe, 4 epochs (PyPI torch 2)
    /work/main/bench/.venv/bin/python bench/side_by_side_st.py --seeds 0            # the same on Debian's torch 1.13
    /work/main/bench/.venv/bin/python bench/side_by_side_st.py --seeds 0 --epochs 1 # SHORTENED: 1 epoch (labelled so)
    /work/main/bench/.venv/bin/python bench/side_by_side_st.py --seeds 0 --table-only

For each seed S, one after the other (never both at once), each under /usr/bin/time -v with the 1-minute load
average read at its start and end:
  st:   python bench/train_st_bi.py --model M --data-dir D --seed S --epochs E --out bench/results/st-bi-eE-seedS
  ours: npm run train:stsb -- --bi-encoder --model M --data-dir D --seed S --epochs E --batch-size 16 --lr 5e-5
        --weight-decay 0 --warmup-steps W --max-grad-norm 1 --adam-eps 1e-8 --eval-steps 0 --no-progress
        --output bench/results/ours-bi-eE-seedS --overwrite
Hyperparameters on both sides (training_stsbenchmark.py's bi-encoder recipe; lr, weight decay, Adam and clipping are
the Hugging Face TrainingArguments defaults it keeps): CosineSimilarityLoss on score = gold/5, batch 16, E epochs
(4 in the recipe), AdamW lr 5e-5 betas (0.9, 0.999) eps 1e-8 weight decay 0, linear warm-up over
W = ceil(0.1 x total steps) then linear decay to 0, gradient clipping 1.0, max_seq_length 256 (the model's),
(sentence1, sentence2) in the file's order, validation (EmbeddingSimilarityEvaluator, cosine) at each epoch end
instead of every 100 steps (it does not change the training; ours also validates once before training).
Differences that stay: the data order (both seeded, different RNGs) and the dropout masks.
Result: test-split cosine Pearson / Spearman (each side's own EmbeddingSimilarityEvaluator). Writes
bench/results/side-by-side-st-eE.{md,json}.
"""
import argparse
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
from side_by_side_runs import cpu_seconds, run, run_seeds  # noqa: E402
PY = Path(sys.executable)
STEPS_PER_EPOCH = 360  # ceil(5749 / 16)


def paths(kind, seed, epochs):
    name = f"{kind}-bi-e{epochs}-seed{seed}"
    return RESULTS / name, RESULTS / f"{name}.log", RESULTS / f"{name}.time.txt"


def run_st(seed, a):
    out, log, tf = paths("st", seed, a.epochs)
    if a.force or not (out / "results.json").exists():
        run([PY, HERE / "train_st_bi.py", "--model", a.model, "--data-dir", a.data_dir, "--seed", seed, "--epochs", a.epochs,
             "--out", out, "--threads", 2], log, tf)


def run_ours(seed, a):
    out, log, tf = paths("ours", seed, a.epochs)
    if a.force or not (out / "results.json").exists():
        warmup = math.ceil(0.1 * STEPS_PER_EPOCH * a.epochs)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        (RESULTS / f"ours-bi-e{a.epochs}-seed{seed}.commit.txt").write_text(head + "\n")
        run(["npm", "run", "train:stsb", "--", "--bi-encoder", "--model", a.model, "--data-dir", a.data_dir, "--seed", seed,
             "--epochs", a.epochs, "--batch-size", 16, "--lr", "5e-5", "--weight-decay", 0, "--warmup-steps", warmup,
             "--max-grad-norm", 1, "--adam-eps", "1e-8", "--eval-steps", 0, "--no-progress", "--output", out, "--overwrite"], log, tf)


def torch_build(version):
    # Debian's python3-torch reports e.g. 1.13.0a0 and uses the system OpenBLAS; PyPI wheels carry their own BLAS.
    return "Debian, system OpenBLAS" if "a0" in version else "PyPI wheel"


def collect(kind, seed, a):
    out, log, tf = paths(kind, seed, a.epochs)
    if not (out / "results.json").exists():
        return None
    r = json.loads((out / "results.json").read_text())
    meta = json.loads(Path(str(tf) + ".meta.json").read_text())
    row = {"framework": kind, "seed": seed, "wall_seconds": meta["wall_seconds"], "cpu_seconds": cpu_seconds(tf),
           "loadavg_start": meta["loadavg_start"], "loadavg_end": meta["loadavg_end"], "started": meta["started"],
           "command": " ".join(meta["command"])}
    if kind == "st":
        row.update(test_pearson=r["test_pearson"], test_spearman=r["test_spearman"], steps=r["total_steps"],
                   train_seconds=r["train_seconds"], backend=f"PyTorch {r['versions']['torch']} CPU ({torch_build(r['versions']['torch'])}), "
                   f"{r['torch_threads']} threads; sentence-transformers {r['versions']['sentence_transformers']}")
    else:
        test = next(m for m in r["metrics"] if m["split"] == "test")
        text = log.read_text()
        backend = next((l.split("backend: ", 1)[1].split(":")[0] for l in text.splitlines() if "backend: " in l), "?")
        row.update(test_pearson=test["pearson"], test_spearman=test["spearman"], steps=r["steps"],
                   train_seconds=r["trainSeconds"], backend=backend)
    return row


def table(seeds, a):
    runs = {k: [r for s in seeds if (r := collect(k, s, a))] for k in ("st", "ours")}
    short = "" if a.epochs == 4 else f" — SHORTENED: {a.epochs} epoch(s), not the recipe's 4 (the schedule spans {a.epochs} epoch(s))"
    lines = [f"# Side-by-side STSb bi-encoder fine-tuning ({Path(a.model).name}, test split, 1379 pairs){short}", "",
             f"Written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} by bench/side_by_side_st.py. "
             f"Machine: {os.cpu_count()} vCPUs shared with other jobs (other sessions' test suites and runs), so wall times are pessimistic. "
             "Runs one after the other. Recipe on both sides: CosineSimilarityLoss, batch 16, AdamW lr 5e-5 eps 1e-8 wd 0, "
             "linear warm-up ceil(10 %) then linear decay, clip 1.0, max_seq_length 256.", "",
             "| framework | backend | seed | steps | test Pearson | test Spearman | wall time | CPU time | load avg (start → end) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for k in ("st", "ours"):
        for r in runs[k]:
            lines.append(f"| {'sentence-transformers' if k == 'st' else 'ours'} | {r['backend']} | {r['seed']} | {r['steps']} | "
                         f"{r['test_pearson']:.4f} | {r['test_spearman']:.4f} | {r['wall_seconds'] / 60:.1f} min | "
                         f"{r['cpu_seconds'] / 60:.1f} min | {r['loadavg_start'][0]:.1f} → {r['loadavg_end'][0]:.1f} |")
    st = {r["seed"]: r for r in runs["st"]}
    ou = {r["seed"]: r for r in runs["ours"]}
    common = sorted(set(st) & set(ou))
    if common:
        ms, mo = statistics.mean(st[s]["test_spearman"] for s in common), statistics.mean(ou[s]["test_spearman"] for s in common)
        lines += ["", f"Seeds {','.join(map(str, common))}: mean test Spearman sentence-transformers {ms:.4f}, ours {mo:.4f}, "
                  f"ours − ST {mo - ms:+.4f} (target |Δ| ≤ 0.005)."]
    md = "\n".join(lines) + "\n"
    (RESULTS / f"side-by-side-st-e{a.epochs}.md").write_text(md)
    (RESULTS / f"side-by-side-st-e{a.epochs}.json").write_text(json.dumps({"model": a.model, "epochs": a.epochs, "runs": runs}, indent=1) + "\n")
    print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="bench/models/all-MiniLM-L6-v2")
    ap.add_argument("--data-dir", default="/work/shared/data/stsb")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--epochs", type=int, default=4, help="the recipe's 4; anything else is labelled SHORTENED")
    ap.add_argument("--only", choices=["st", "ours"])
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    run_seeds(a, RESULTS, run_st, run_ours, table)


if __name__ == "__main__":
    sys.exit(main())
