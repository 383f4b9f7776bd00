"""What bench/train_st.py (cross-encoder) and bench/train_st_bi.py (bi-encoder) share: the recipe's command-line
options, the thread limits, and the STSb splits read with the same strict TSV reader as the other harness scripts."""
from pathlib import Path

from write_stsb_parquet import read_tsv


def add_recipe_args(ap, *, lr, weight_decay, data_dir):
    """The options both recipes take; lr and weight decay are each recipe's own defaults."""
    ap.add_argument("--model", required=True)
    ap.add_argument("--data-dir", default=data_dir)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--weight-decay", type=float, default=weight_decay)
    ap.add_argument("--warmup-ratio", type=float, default=0.1)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)


def add_limit_args(ap):
    """Smoke-test limits: the first N rows of each split."""
    ap.add_argument("--limit-train", type=int, default=None)
    ap.add_argument("--limit-dev", type=int, default=None)
    ap.add_argument("--limit-test", type=int, default=None)


def limit_threads(threads):
    """torch's intra-op pool and the BLAS pool to `threads`; keep the returned object alive for the run."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    return threadpool_limits(limits=threads, user_api="blas")


def load_splits(args):
    """(train, validation, test) rows of (sentence1, sentence2, score), each cut to its --limit-*."""
    def load(split, limit):
        s1, s2, score = read_tsv(Path(args.data_dir) / f"{split}.tsv")
        rows = list(zip(s1, s2, score))
        return rows[:limit] if limit is not None else rows

    return load("train", args.limit_train), load("validation", args.limit_dev), load("test", args.limit_test)
