"""Side-by-side reranker fine-tuning (issue 14's real-data acceptance): sentence-transformers' training_gooaq_bce.py
recipe (bench/train_st_reranker.py, PyTorch) against ours (`npm run train:reranker`, TensorFlow.js), from the same
start, on the STSb retrieval task of bench/make_stsb_retrieval.py, one after the other.

    python3 bench/make_stsb_retrieval.py
    bench/.venv/bin/python bench/make_cross_encoder.py --base bench/models/all-MiniLM-L6-v2 --seed 0 --out bench/models/minilm-l6-cross-encoder
    PYTHONPATH=bench/.venv-datasets/site bench/.venv-torch2/bin/python bench/side_by_side_reranker.py [--only st|ours] [--table-only]

Both sides: base bench/models/minilm-l6-cross-encoder (all-MiniLM-L6-v2's encoder + a head seeded in Python: the same
weights on both sides), hard negatives mined with bench/models/all-MiniLM-L6-v2 (5 per question, top-ranked 0–100,
absolute margin 0, labelled pairs), BCE with pos_weight 5, 1 epoch, batch 64, lr 2e-5, warm-up 10 %, weight decay 0,
seed 12; PyTorch with 2 threads, ours on its default backend (tfjs-node uses both cores itself); evaluation: CrossEncoderRerankingEvaluator (MRR@10, NDCG@10, MAP) on the test questions with 30
mined candidates each (positives included, always_rerank_positives False), before and after training. Each side mines
with its own library; the table says whether the two mined training sets are identical. Differences that stay: the
batch order (both seeded, different RNGs) and the dropout masks. Writes bench/results/side-by-side-reranker.{md,json}.
"""
import argparse
import datetime
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
from side_by_side_runs import cpu_seconds, run  # noqa: E402

DATA = HERE / "data" / "stsb-retrieval"
BASE = "bench/models/minilm-l6-cross-encoder"
EMBEDDER = "bench/models/all-MiniLM-L6-v2"
KEYS = ("ndcg@10", "mrr@10", "map")


def read_jsonl(p):
    return [json.loads(line) for line in Path(p).read_text(encoding="utf-8").splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["st", "ours"])
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    st_out, ours_out = RESULTS / "st-reranker", RESULTS / "ours-reranker"
    common = ["--train", DATA / "train.jsonl", "--eval", DATA / "test.jsonl"]
    if not a.table_only and a.only in (None, "st") and (a.force or not (st_out / "results.json").exists()):
        run([sys.executable, HERE / "train_st_reranker.py", "--model", BASE, "--embedding-model", EMBEDDER, *common, "--out", st_out],
            RESULTS / "st-reranker.log", RESULTS / "st-reranker.time.txt")
    if not a.table_only and a.only in (None, "ours") and (a.force or not (ours_out / "results.json").exists()):
        run(["npm", "run", "train:reranker", "--", "--model", BASE, "--embedding-model", EMBEDDER, *common,
             "--no-progress", "--output", ours_out, "--overwrite"], RESULTS / "ours-reranker.log", RESULTS / "ours-reranker.time.txt")
    table(st_out, ours_out)


def table(st_out, ours_out):
    rows = []
    for kind, out in (("st", st_out), ("ours", ours_out)):
        if not (out / "results.json").exists():
            continue
        r = json.loads((out / "results.json").read_text())
        tf = RESULTS / f"{kind}-reranker.time.txt"
        meta = json.loads(Path(str(tf) + ".meta.json").read_text())
        before, after = (r["before"], r["after"]) if kind == "st" else (r["reranking"]["before"], r["reranking"]["after"])
        pick = lambda m: {k: next(v for key, v in m.items() if key.endswith("_" + k) and "_base_" not in key) for k in KEYS}  # noqa: E731
        rows.append({"framework": kind, "before": pick(before), "after": pick(after), "steps": r["steps"],
                     "train_seconds": r["train_seconds"] if kind == "st" else r["trainSeconds"], "wall_seconds": meta["wall_seconds"],
                     "cpu_seconds": cpu_seconds(tf), "loadavg": [meta["loadavg_start"][0], meta["loadavg_end"][0]],
                     "versions": r.get("versions")})
    same = differing = None
    if (st_out / "mined-train.jsonl").exists() and (ours_out / "mined-train.jsonl").exists():
        a, b = read_jsonl(st_out / "mined-train.jsonl"), read_jsonl(ours_out / "mined-train.jsonl")
        same = a == b
        differing = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
        total = max(len(a), len(b))
    lines = ["# Side-by-side reranker fine-tuning (STSb retrieval task, bench/make_stsb_retrieval.py)", "",
             f"Written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} by bench/side_by_side_reranker.py on "
             f"{os.cpu_count()} vCPUs shared with other jobs (wall times are pessimistic; CPU time is the steadier figure).", "",
             "| framework | steps | NDCG@10 before → after | MRR@10 before → after | MAP before → after | training | wall | CPU | load avg |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        b, f = r["before"], r["after"]
        lines.append(f"| {'sentence-transformers' if r['framework'] == 'st' else 'ours'} | {r['steps']} | {b['ndcg@10']:.4f} → {f['ndcg@10']:.4f} | "
                     f"{b['mrr@10']:.4f} → {f['mrr@10']:.4f} | {b['map']:.4f} → {f['map']:.4f} | {r['train_seconds'] / 60:.1f} min | "
                     f"{r['wall_seconds'] / 60:.1f} min | {r['cpu_seconds'] / 60:.1f} min | {r['loadavg'][0]:.1f} → {r['loadavg'][1]:.1f} |")
    if len(rows) == 2:
        d = rows[1]["after"]["ndcg@10"] - rows[0]["after"]["ndcg@10"]
        lines += ["", f"NDCG@10 after training: ours − sentence-transformers {d:+.4f} (target |Δ| ≤ 0.01)."]
    if same is not None:
        lines += ["", f"Mined training pairs identical on both sides: {'yes' if same else f'NO, {differing} of {total} rows differ'}."]
    md = "\n".join(lines) + "\n"
    (RESULTS / "side-by-side-reranker.md").write_text(md)
    (RESULTS / "side-by-side-reranker.json").write_text(json.dumps({"runs": rows, "mined_identical": same, "mined_rows_differing": differing}, indent=1) + "\n")
    print(md)


if __name__ == "__main__":
    sys.exit(main())
