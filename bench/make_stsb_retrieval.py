"""A retrieval task built from the real STSb (issue 14's fallback when no IR dataset can be had here), in the shape of
sentence-transformers/gooaq (question, answer), so train:reranker and bench/train_st_reranker.py read it as local
files exactly as they would read gooaq:

    python3 bench/make_stsb_retrieval.py        # -> bench/data/stsb-retrieval/{train,test}.jsonl

Each STSb pair whose gold score is at least 4 of 5 (score >= 0.8 here; "mostly equivalent" or better) becomes one
(question = sentence1, answer = sentence2) row: train from the train split (1394 rows after 12 exact
duplicates), test from the test split (338 rows). Rows keep the file's order; exact duplicate rows are kept once. The corpus the negatives are mined from is
every answer of both files (as the gooaq recipe mines its evaluation set against the full dataset's answers), so
relevance is binary: a question's own answer is relevant, every other sentence is not.
"""
import argparse
import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rows(path, threshold):
    seen, out = set(), []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if float(r["score"]) >= threshold and (r["sentence1"], r["sentence2"]) not in seen:
                seen.add((r["sentence1"], r["sentence2"]))
                out.append({"question": r["sentence1"], "answer": r["sentence2"]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str((HERE.parent / ".." / "shared" / "data" / "stsb").resolve()))
    ap.add_argument("--out", default=str(HERE / "data" / "stsb-retrieval"))
    ap.add_argument("--threshold", type=float, default=0.8)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        r = rows(Path(a.data_dir) / f"{split}.tsv", a.threshold)
        (out / f"{split}.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in r), encoding="utf-8")
        print(f"{out / f'{split}.jsonl'}: {len(r)} rows")


if __name__ == "__main__":
    main()
