"""sentence-transformers' STSb bi-encoder recipe on CPU: the PyTorch side of bench/side_by_side_st.py.

    /work/main/bench/.venv/bin/python bench/train_st_bi.py --model bench/models/all-MiniLM-L6-v2 \
        --data-dir /work/shared/data/stsb --seed 0 --out bench/results/st-bi-seed0
    # smoke test: add --epochs 1 --limit-train 64 --limit-dev 64 --limit-test 64

The recipe is examples/sentence_transformer/training/sts/training_stsbenchmark.py's, run through the classic loop
(SentenceTransformer.old_fit; this venv has no `accelerate`, which SentenceTransformerTrainer needs), with the
hyperparameters the example gets from Hugging Face TrainingArguments written out explicitly:
  * SentenceTransformer(model) as saved (all-MiniLM-L6-v2: BERT, mean pooling, Normalize, max_seq_length 256);
  * (sentence1, sentence2, score) rows from train.tsv (score = gold/5 already in these files), one order;
  * DataLoader(shuffle=True, batch_size 16) seeded by --seed (transformers.set_seed), 4 epochs (360 steps each);
  * CosineSimilarityLoss (MSE of cos(u, v) against the score);
  * torch.optim.AdamW lr 5e-5, betas (0.9, 0.999), eps 1e-8, weight decay 0; linear warm-up over
    ceil(0.1 x total steps) then linear decay to 0 (WarmupLinear = get_linear_schedule_with_warmup); clip 1.0;
  * EmbeddingSimilarityEvaluator (cosine) on validation at each epoch end (its time is reported apart), and on test
    at the end: Pearson / Spearman of the cosine similarities against gold.
Threads: torch.set_num_threads(--threads) and the OpenBLAS pool limited to the same number (default 2).
Writes OUT/results.json (and OUT/model/ unless --no-save) and prints the JSON.
"""
import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from stsb_recipe import add_limit_args, add_recipe_args, limit_threads, load_splits  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_recipe_args(ap, lr=5e-5, weight_decay=0.0, data_dir="/work/shared/data/stsb")
    ap.add_argument("--eval-batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-dev-eval", action="store_true")
    ap.add_argument("--no-save", action="store_true")
    add_limit_args(ap)
    args = ap.parse_args()

    t_start = time.perf_counter()
    import numpy as np
    import torch
    import transformers
    import sentence_transformers
    from sentence_transformers import InputExample, SentenceTransformer, losses
    from sentence_transformers.evaluation import EmbeddingSimilarityEvaluator, SimilarityFunction
    from torch.utils.data import DataLoader

    blas_limit = limit_threads(args.threads)  # noqa: F841 (kept alive)

    train_rows, dev_rows, test_rows = load_splits(args)

    transformers.set_seed(args.seed)
    model = SentenceTransformer(args.model, device="cpu")
    examples = [InputExample(texts=[a, b], label=float(s)) for a, b, s in train_rows]
    transformers.set_seed(args.seed)  # the DataLoader's shuffling draws from torch's global RNG
    loader = DataLoader(examples, shuffle=True, batch_size=args.batch_size)
    steps_per_epoch = len(loader)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = math.ceil(total_steps * args.warmup_ratio)
    loss = losses.CosineSimilarityLoss(model)

    def evaluator(rows, name):
        return EmbeddingSimilarityEvaluator([a for a, _, _ in rows], [b for _, b, _ in rows], [float(s) for _, _, s in rows],
                                            main_similarity=SimilarityFunction.COSINE, name=name, batch_size=args.eval_batch_size,
                                            show_progress_bar=False)

    eval_seconds = [0.0]
    dev_history = []
    dev_eval = None
    if not args.no_dev_eval and dev_rows:
        inner = evaluator(dev_rows, "sts-dev")

        class TimedEvaluator:
            def __call__(self, m, output_path=None, epoch=-1, steps=-1):
                t = time.perf_counter()
                r = inner(m, output_path=None, epoch=epoch, steps=steps)
                eval_seconds[0] += time.perf_counter() - t
                dev_history.append({"epoch": epoch, "steps": steps, **{k: float(v) for k, v in r.items()}})
                return r[inner.primary_metric]  # old_fit compares the score with best_score

            def __getattr__(self, name):
                return getattr(inner, name)

        dev_eval = TimedEvaluator()

    t_train = time.perf_counter()
    model.old_fit(
        train_objectives=[(loader, loss)],
        evaluator=dev_eval,
        epochs=args.epochs,
        scheduler="WarmupLinear",
        warmup_steps=warmup_steps,
        optimizer_class=torch.optim.AdamW,
        optimizer_params={"lr": args.lr, "betas": (0.9, 0.999), "eps": 1e-8},
        weight_decay=args.weight_decay,
        max_grad_norm=args.max_grad_norm,
        save_best_model=False,
        show_progress_bar=False,
    )
    train_wall = time.perf_counter() - t_train
    train_seconds = train_wall - eval_seconds[0]

    t_test = time.perf_counter()
    test = evaluator(test_rows, "sts-test")(model)
    test_seconds = time.perf_counter() - t_test

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_save:
        model.save(str(out / "model"))

    from importlib import metadata

    res = {
        "recipe": "sentence-transformers SentenceTransformer.old_fit STSb bi-encoder (CosineSimilarityLoss, AdamW, WarmupLinear)",
        "model": str(args.model), "data_dir": str(args.data_dir), "seed": args.seed, "epochs": args.epochs,
        "batch_size": args.batch_size, "lr": args.lr, "weight_decay": args.weight_decay, "warmup_ratio": args.warmup_ratio,
        "warmup_steps": warmup_steps, "max_grad_norm": args.max_grad_norm, "max_seq_length": model.max_seq_length,
        "train_pairs": len(examples), "steps_per_epoch": steps_per_epoch, "total_steps": total_steps,
        "dev": dev_history, "test_pairs": len(test_rows),
        "test_pearson": float(test["sts-test_pearson_cosine"]), "test_spearman": float(test["sts-test_spearman_cosine"]),
        "train_seconds": train_seconds, "dev_eval_seconds": eval_seconds[0], "test_eval_seconds": test_seconds,
        "train_pairs_per_s": len(examples) * args.epochs / train_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "wall_seconds": time.perf_counter() - t_start, "torch_threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence_transformers": sentence_transformers.__version__, "numpy": np.__version__,
                     "scipy": metadata.version("scipy")},
        "saved_model": None if args.no_save else str(out / "model"),
    }
    (out / "results.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
