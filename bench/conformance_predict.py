"""Score STSb pairs with sentence-transformers' CrossEncoder and write the raw logits (the PyTorch side of the
TS-vs-PyTorch conformance check).

    bench/.venv/bin/python bench/conformance_predict.py --model bench/models/minilm-l6-cross-encoder \
        --out bench/results/conformance-minilm-l6.json [--data ../shared/data/stsb/test.tsv] [--batch-size 32]

CrossEncoder(model_dir).predict(pairs, activation_fn=torch.nn.Identity()) returns the raw logits (sentence-transformers
4.x: `activation_fn`; apply_softmax stays False). predict tokenizes each batch with padding=True and truncation=True
(= longest_first) at tokenizer.model_max_length. CrossEncoder (without max_length) passes
model_max_length=config.max_position_embeddings to AutoTokenizer, overriding tokenizer_config.json: 512 for BERT,
514 for RoBERTa checkpoints. The value used is written to the JSON. For RoBERTa that is 2 more than the position
table allows (positions start at pad_token_id + 1), so a pair longer than max_position_embeddings - 2 tokens makes
sentence-transformers itself fail with "IndexError: index out of range in self" (never for distilroberta-base on STSb,
but it does happen with the tiny fixture model, max_position_embeddings 66); pass --max-length (e.g. 64 there)
to give CrossEncoder(max_length=...) explicitly. Sentences are used exactly as in the TSV
(split on tab only, no trimming: predict does not strip, unlike the old fit() collate). input_ids are the unpadded ids
of each pair from the same tokenizer with the same truncation. Output JSON:
  {model, data, n, batch_size, model_max_length, torch_threads, versions, seconds, pairs_per_s,
   logits: [n floats], input_ids: [[...] x n]}
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from write_stsb_parquet import read_tsv  # noqa: E402  (same strict TSV reader)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", default=str((HERE.parent / ".." / "shared" / "data" / "stsb" / "test.tsv").resolve()))
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads and BLAS threads (default 1)")
    ap.add_argument("--max-length", type=int, default=None,
                    help="CrossEncoder(max_length=...); default: sentence-transformers' own choice (see above)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pairs")
    args = ap.parse_args()

    import torch
    import transformers
    import sentence_transformers
    from sentence_transformers import CrossEncoder
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    s1, s2, _ = read_tsv(args.data)
    pairs = [[a, b] for a, b in zip(s1, s2)]
    if args.limit is not None:
        pairs = pairs[: args.limit]

    ce = CrossEncoder(args.model, device="cpu", max_length=args.max_length)
    if ce.config.num_labels != 1:
        raise SystemExit(f"{args.model}: num_labels={ce.config.num_labels}, expected a 1-label cross-encoder")
    with threadpool_limits(limits=args.threads):
        t0 = time.perf_counter()
        try:
            logits = ce.predict(pairs, batch_size=args.batch_size, activation_fn=torch.nn.Identity(),
                                apply_softmax=False, convert_to_numpy=True, show_progress_bar=False)
        except IndexError as e:
            raise SystemExit(
                f"sentence-transformers failed ({e}): model_max_length {ce.tokenizer.model_max_length} exceeds the "
                f"position table (max_position_embeddings {ce.config.max_position_embeddings}, "
                f"pad_token_id {ce.config.pad_token_id}); rerun with --max-length") from e
        seconds = time.perf_counter() - t0
    enc = ce.tokenizer([p[0] for p in pairs], [p[1] for p in pairs], truncation=True)
    out = {
        "model": str(args.model),
        "data": str(args.data),
        "n": len(pairs),
        "batch_size": args.batch_size,
        "model_max_length": ce.tokenizer.model_max_length,
        "truncation": "longest_first",
        "activation": "identity (raw logits)",
        "torch_threads": torch.get_num_threads(),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "sentence_transformers": sentence_transformers.__version__},
        "seconds": seconds,
        "pairs_per_s": len(pairs) / seconds,
        "logits": [float(x) for x in logits.reshape(-1)],
        "input_ids": enc["input_ids"],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out) + "\n")
    lens = [len(x) for x in enc["input_ids"]]
    print(f"{len(pairs)} pairs in {seconds:.2f} s ({out['pairs_per_s']:.1f} pairs/s, {torch.get_num_threads()} thread(s)); "
          f"token lengths {min(lens)}..{max(lens)}; logits[:3] {[round(x, 6) for x in out['logits'][:3]]}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
