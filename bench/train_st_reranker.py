"""sentence-transformers' reranker recipe (examples/cross_encoder/training/rerankers/training_gooaq_bce.py) on CPU, on
local (question, answer) files: the PyTorch side of the reranker side by side (bench/side_by_side_reranker.py).

    PYTHONPATH=bench/.venv-datasets/site bench/.venv-torch2/bin/python bench/train_st_reranker.py \
        --model bench/models/minilm-l6-cross-encoder --embedding-model bench/models/all-MiniLM-L6-v2 \
        --train bench/data/stsb-retrieval/train.jsonl --eval bench/data/stsb-retrieval/test.jsonl --out OUT

The recipe, as the example has it, with what this machine needs written out:
  * mine_hard_negatives(train, embedding model, num_negatives=5, range_min=0, range_max=100, absolute_margin=0,
    sampling_strategy="top", output_format="labeled-pair") (the example's margin=0 is 6.2's absolute_margin);
    corpus: the train answers (the function's default);
  * the evaluation set mined with num_negatives=30, include_positives=True, output_format="n-tuple", corpus = every
    answer of both files (the example uses the full dataset's answers), into CrossEncoderRerankingEvaluator samples
    {query, positive: [answer], documents}, always_rerank_positives=False, at_k 10;
  * BinaryCrossEntropyLoss(pos_weight = num_negatives);
  * CrossEncoderTrainingArguments: 1 epoch, batch 64, lr 2e-5, warmup_ratio 0.1, seed 12, dataloader_drop_last
    True; weight decay 0, AdamW (torch), eps 1e-8, clip 1.0, linear decay: the Hugging Face defaults the example keeps;
    no fp16/bf16 (CPU); the evaluator runs before and after training (not every 1000 steps: it does not change training).
The base model is a CrossEncoder made by bench/make_cross_encoder.py (a real encoder + a seeded head), so both sides
start from the same weights. Writes OUT/results.json (metrics, times, versions) and OUT/mined-train.jsonl (the
labeled pairs it trained on, for comparison with ours).
"""
import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from stsb_recipe import limit_threads  # noqa: E402


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--embedding-model", required=True)
    ap.add_argument("--train", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--num-negatives", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit-train", type=int, default=None, help="smoke test: the first N train rows")
    ap.add_argument("--limit-eval", type=int, default=None, help="smoke test: the first N eval rows")
    a = ap.parse_args()
    t0 = time.perf_counter()

    import sentence_transformers
    import torch
    import transformers
    import datasets.arrow_dataset
    from datasets import Dataset
    from sentence_transformers import CrossEncoder, SentenceTransformer
    from sentence_transformers.cross_encoder import CrossEncoderTrainer, CrossEncoderTrainingArguments
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderRerankingEvaluator
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss
    from sentence_transformers.util import mine_hard_negatives

    # datasets 5.2 fingerprints a new in-memory Dataset by pickling its state with dill, which fails on pyarrow 26's
    # MonthDayNano type here; a fingerprint only names cache files, and this script caches nothing.
    datasets.arrow_dataset.generate_fingerprint = lambda _dataset: os.urandom(8).hex()
    blas = limit_threads(a.threads)  # noqa: F841 (kept alive)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    train_rows, eval_rows = read_jsonl(a.train)[:a.limit_train], read_jsonl(a.eval)[:a.limit_eval]
    train = Dataset.from_list(train_rows)
    evals = Dataset.from_list(eval_rows)
    embedder = SentenceTransformer(a.embedding_model, device="cpu")

    t = time.perf_counter()
    mined = mine_hard_negatives(train, embedder, num_negatives=a.num_negatives, range_min=0, range_max=100,
                                absolute_margin=0, sampling_strategy="top", batch_size=256, output_format="labeled-pair",
                                verbose=False)
    corpus = [r["answer"] for r in train_rows] + [r["answer"] for r in eval_rows]
    hard_eval = mine_hard_negatives(evals, embedder, corpus=corpus, num_negatives=30, batch_size=256,
                                    include_positives=True, output_format="n-tuple", verbose=False)
    mine_seconds = time.perf_counter() - t
    with open(out / "mined-train.jsonl", "w", encoding="utf-8") as f:
        for r in mined:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    samples = [{"query": r["question"], "positive": [r["answer"]], "documents": [r[c] for c in hard_eval.column_names[2:]]}
               for r in hard_eval]
    evaluator = CrossEncoderRerankingEvaluator(samples=samples, batch_size=a.batch_size, name="stsb-retrieval-test",
                                               always_rerank_positives=False)

    transformers.set_seed(a.seed)
    model = CrossEncoder(a.model, num_labels=1, device="cpu")
    t = time.perf_counter()
    before = evaluator(model)
    eval_seconds = time.perf_counter() - t
    loss = BinaryCrossEntropyLoss(model=model, pos_weight=torch.tensor(a.num_negatives))
    args = CrossEncoderTrainingArguments(
        output_dir=str(out / "trainer"), num_train_epochs=a.epochs, per_device_train_batch_size=a.batch_size,
        learning_rate=a.lr, warmup_ratio=0.1, seed=a.seed, dataloader_drop_last=True, eval_strategy="no",
        save_strategy="no", logging_steps=20, report_to="none", use_cpu=True, dataloader_num_workers=0)
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=mined, loss=loss)
    t = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - t
    after = evaluator(model)
    result = {
        "recipe": "sentence-transformers training_gooaq_bce.py (BCE + mined hard negatives, CrossEncoderTrainer)",
        "model": a.model, "embedding_model": a.embedding_model, "train": a.train, "eval": a.eval, "seed": a.seed,
        "epochs": a.epochs, "batch_size": a.batch_size, "lr": a.lr, "num_negatives": a.num_negatives,
        "train_positives": len(train_rows), "train_pairs": len(mined), "eval_queries": len(samples),
        "steps": trainer.state.global_step, "before": before, "after": after,
        "mine_seconds": mine_seconds, "eval_seconds": eval_seconds, "train_seconds": train_seconds,
        "wall_seconds": time.perf_counter() - t0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "torch_threads": torch.get_num_threads(),
        "versions": {"sentence_transformers": sentence_transformers.__version__, "torch": torch.__version__,
                     "transformers": transformers.__version__},
    }
    (out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
