"""sentence-transformers' STSb cross-encoder recipe on CPU: the PyTorch baseline for quality and speed.

    bench/.venv/bin/python bench/train_st.py --model bench/models/minilm-l6-cross-encoder \
        --data-dir ../shared/data/stsb --seed 0 --out bench/results/st-minilm-seed0
    # smoke test (64 training pairs, 1 epoch, 64 test pairs):
    bench/.venv/bin/python bench/train_st.py --model ... --seed 0 --out /tmp/st-smoke --epochs 1 --limit-train 64 --limit-test 64

The recipe (sentence-transformers' examples/training/cross-encoder/training_stsb.py, classic `fit` API):
  * CrossEncoder(model, num_labels=1): a checkpoint with a trained/seeded head keeps it; a bare encoder gets a fresh
    head seeded by --seed (transformers.set_seed right before loading);
  * train pairs (sentence1, sentence2, score) from train.tsv; --both-orders also adds (sentence2, sentence1), which
    the sentence-transformers v2/v3 example did; default off, so one epoch is 5749 pairs = 360 steps;
  * DataLoader(shuffle=True, batch_size 16) seeded by --seed, 4 epochs;
  * CrossEncoder.old_fit (sentence-transformers 4.x's name for the pre-4.0 `fit` loop, no accelerate/Trainer):
    BCEWithLogitsLoss (mean) on logits.view(-1), torch.optim.AdamW lr 2e-5, weight decay 0.01 except parameters whose
    name contains bias / LayerNorm.bias / LayerNorm.weight, linear warm-up over ceil(10 % of all steps) then linear
    decay to 0 (transformers.get_linear_schedule_with_warmup), clip_grad_norm_ 1.0. Note that its collate
    strips each sentence (str.strip()); evaluation/predict does not;
  * evaluation: CrossEncoderCorrelationEvaluator on validation after each epoch (its time is excluded from the
    training throughput) and on test at the end: Pearson/Spearman (scipy) of sigmoid(logits) vs gold, which is what
    CrossEncoderCorrelationEvaluator computes. Inference speed is the time of that test predict (batch 32).
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


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_recipe_args(ap, lr=2e-5, weight_decay=0.01, data_dir=str((HERE.parent / ".." / "shared" / "data" / "stsb").resolve()))
    ap.add_argument("--max-length", type=int, default=None, help="CrossEncoder(max_length=...), default: its own")
    ap.add_argument("--eval-batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--both-orders", action="store_true", help="also train on (sentence2, sentence1)")
    ap.add_argument("--no-dev-eval", action="store_true", help="skip the validation evaluation after each epoch")
    ap.add_argument("--no-save", action="store_true")
    add_limit_args(ap)
    args = ap.parse_args()

    t_start = time.perf_counter()
    import numpy as np
    import torch
    import transformers
    import sentence_transformers
    from scipy.stats import pearsonr, spearmanr
    from sentence_transformers import CrossEncoder, InputExample
    from sentence_transformers.cross_encoder.evaluation import CrossEncoderCorrelationEvaluator
    from torch.utils.data import DataLoader

    blas_limit = limit_threads(args.threads)  # noqa: F841 (kept alive)

    train_rows, dev_rows, test_rows = load_splits(args)

    transformers.set_seed(args.seed)
    model = CrossEncoder(args.model, num_labels=1, device="cpu", max_length=args.max_length)

    examples = [InputExample(texts=[a, b], label=s) for a, b, s in train_rows]
    if args.both_orders:
        examples += [InputExample(texts=[b, a], label=s) for a, b, s in train_rows]
    transformers.set_seed(args.seed)  # the DataLoader's shuffling draws from torch's global RNG
    loader = DataLoader(examples, shuffle=True, batch_size=args.batch_size)
    steps_per_epoch = len(loader)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = math.ceil(total_steps * args.warmup_ratio)

    dev_eval = None
    eval_seconds = [0.0]
    dev_history = []
    if not args.no_dev_eval and dev_rows:
        inner = CrossEncoderCorrelationEvaluator(
            sentence_pairs=[[a, b] for a, b, _ in dev_rows], scores=[s for _, _, s in dev_rows], name="stsb-validation")

        class TimedEvaluator:
            # old_fit calls evaluator(model, output_path=..., epoch=..., steps=...)
            def __call__(self, m, output_path=None, epoch=-1, steps=-1):
                t = time.perf_counter()
                r = inner(m, output_path=None, epoch=epoch, steps=steps)
                eval_seconds[0] += time.perf_counter() - t
                dev_history.append({"epoch": epoch, **{k: float(v) for k, v in r.items()}})
                m.model.train()
                return r

            @property
            def primary_metric(self):
                return inner.primary_metric

            def __getattr__(self, name):
                return getattr(inner, name)

        dev_eval = TimedEvaluator()

    t_train = time.perf_counter()
    model.old_fit(
        train_dataloader=loader,
        evaluator=dev_eval,
        epochs=args.epochs,
        loss_fct=torch.nn.BCEWithLogitsLoss(),
        scheduler="WarmupLinear",
        warmup_steps=warmup_steps,
        optimizer_class=torch.optim.AdamW,
        optimizer_params={"lr": args.lr},
        weight_decay=args.weight_decay,
        max_grad_norm=args.max_grad_norm,
        save_best_model=False,  # with no output_path old_fit would try save(None)
        show_progress_bar=False,
    )
    train_wall = time.perf_counter() - t_train
    train_seconds = train_wall - eval_seconds[0]

    pairs = [[a, b] for a, b, _ in test_rows]
    gold = np.array([s for _, _, s in test_rows], dtype=np.float64)
    t_inf = time.perf_counter()
    pred = model.predict(pairs, batch_size=args.eval_batch_size, convert_to_numpy=True, show_progress_bar=False)
    inf_seconds = time.perf_counter() - t_inf
    pred = np.asarray(pred, dtype=np.float64).reshape(-1)
    test_pearson = float(pearsonr(gold, pred)[0])
    test_spearman = float(spearmanr(gold, pred)[0])

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_save:
        model.save_pretrained(str(out / "model"))

    from importlib import metadata

    res = {
        "recipe": "sentence-transformers CrossEncoder.old_fit STSb (BCEWithLogits, AdamW, WarmupLinear)",
        "model": str(args.model),
        "data_dir": str(args.data_dir),
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "weight_decay": args.weight_decay,
        "warmup_ratio": args.warmup_ratio,
        "warmup_steps": warmup_steps,
        "max_grad_norm": args.max_grad_norm,
        "both_orders": args.both_orders,
        "train_pairs": len(examples),
        "steps_per_epoch": steps_per_epoch,
        "total_steps": total_steps,
        "model_max_length": model.tokenizer.model_max_length,
        "dev": dev_history,
        "test_pairs": len(pairs),
        "test_pearson": test_pearson,
        "test_spearman": test_spearman,
        "train_seconds": train_seconds,
        "dev_eval_seconds": eval_seconds[0],
        "train_pairs_per_s": len(examples) * args.epochs / train_seconds,
        "inference_seconds": inf_seconds,
        "inference_pairs_per_s": len(pairs) / inf_seconds,
        "peak_rss_mb": peak_rss_mb(),
        "wall_seconds": time.perf_counter() - t_start,
        "torch_threads": torch.get_num_threads(),
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "numpy": np.__version__,
            "scipy": metadata.version("scipy"),
        },
        "saved_model": None if args.no_save else str(out / "model"),
    }
    (out / "results.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
