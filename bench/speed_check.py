"""Short back-to-back speed check of both frameworks under the same machine conditions (the side-by-side runs take
hours, so on a shared machine their speeds depend on what else ran; this takes about 10 minutes).

    bench/.venv/bin/python bench/speed_check.py [--steps 40] [--model bench/models/minilm-l6-cross-encoder]

Runs, one after the other (niced), on the same model and data:
  * ST training: train_st.py --epochs 1 --limit-train STEPS*16 --no-dev-eval --no-save (threads 2, and 1) -> train pairs/s
    over STEPS shuffled batches, plus its test predict over all 1379 pairs (batch 32) -> inference pairs/s;
  * ours training: cli.ts train --train train.tsv --train-limit STEPS*16 --max-steps STEPS --eval-steps 0 (no
    validation) --threads 1, and 2 -> pairsPerSecond; ours inference: bench/ts_helper.mjs predict --threads 1 / 2 on
    the same model over all 1379 test pairs.
The 1-minute load average is sampled before and after each command. Writes bench/results/speed-check.{json,md}.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = HERE / ".venv" / "bin" / "python"


def run(cmd):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    before = os.getloadavg()[0]
    r = subprocess.run(["nice", "-n", "5", *map(str, cmd)], cwd=ROOT, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, cmd))}\n{r.stderr[-3000:]}")
    return r.stdout, [before, os.getloadavg()[0]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="bench/models/minilm-l6-cross-encoder")
    ap.add_argument("--data-dir", default="../shared/data/stsb")
    ap.add_argument("--steps", type=int, default=40)
    a = ap.parse_args()
    n = a.steps * 16
    work = Path(tempfile.mkdtemp(prefix="speed-check-"))
    rows = []
    for threads in (2, 1):
        out = work / f"st-{threads}"
        _, load = run([PY, HERE / "train_st.py", "--model", a.model, "--data-dir", a.data_dir, "--seed", "0", "--out", out,
                       "--epochs", "1", "--limit-train", n, "--no-dev-eval", "--no-save", "--threads", threads])
        r = json.loads((out / "results.json").read_text())
        rows.append({"framework": f"sentence-transformers, torch {threads} thread(s)", "train_pairs_per_s": r["train_pairs_per_s"],
                     "inference_pairs_per_s": r["inference_pairs_per_s"], "peak_rss_mb": r["peak_rss_mb"], "loadavg": load})
        print(rows[-1], flush=True)
    for threads in (1, 2):
        out = work / f"ours-{threads}"
        _, load = run(["npx", "tsx", "scripts/cli.ts", "train", "--model", a.model, "--train", Path(a.data_dir) / "train.tsv",
                       "--train-limit", n, "--max-steps", a.steps, "--eval-steps", "0", "--seed", "0", "--no-progress",
                       "--threads", threads, "--output", out])
        r = json.loads((out / "results.json").read_text())
        _, load2 = run(["npx", "tsx", HERE / "ts_helper.mjs", "predict", "--model", a.model, "--data", Path(a.data_dir) / "test.tsv",
                        "--threads", threads, "--out", work / f"ours-predict-{threads}.json"])
        p = json.loads((work / f"ours-predict-{threads}.json").read_text())
        rows.append({"framework": f"ours, {p['backend'].split(':')[0]}, {threads} thread(s)", "train_pairs_per_s": r["pairsPerSecond"],
                     "inference_pairs_per_s": p["pairsPerSecond"], "peak_rss_mb": None, "loadavg": load + load2})
        print(rows[-1], flush=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    res = {"date": date, "model": a.model, "steps": a.steps, "train_pairs": n, "rows": rows}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "speed-check.json").write_text(json.dumps(res, indent=1) + "\n")
    md = [f"Speed check {date}: {a.steps} training steps of 16 (seed-0 shuffled STSb train rows), then a predict over the 1379 test pairs (batch 32).", "",
          "| framework | train pairs/s | inference pairs/s | 1-min load before/after each command |", "|---|---|---|---|"]
    md += [f"| {x['framework']} | {x['train_pairs_per_s']:.1f} | {x['inference_pairs_per_s']:.1f} | {' / '.join(f'{v:.1f}' for v in x['loadavg'])} |" for x in rows]
    (HERE / "results" / "speed-check.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
