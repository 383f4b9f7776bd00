"""Golden outputs of sentence-transformers' mine_hard_negatives, for spec/data/hard-negatives.spec.ts.

    bench/.venv-torch2/bin/python bench/hard_negatives_fixtures.py   # -> spec/fixtures/hard-negatives.json

Data: the first 200 rows of ../shared/data/stsb/validation.tsv (scores already in [0, 1]); the 47 of them with
score >= 0.8 are the (anchor = sentence1, positive = sentence2) dataset. It has one anchor twice (with the same
positive), so the deduplication and the "repeated row counts as a positive" rule of the default range_max are in
play. The optional corpus is the sentence2 of all 200 rows (153 more candidates, the positives among them).

Models: the committed tiny random spec/fixtures/models/tiny-st-bert (the spec's CI variant), and the real
bench/models/all-MiniLM-L6-v2 (bench/prepare_models.py; the spec skips that part where the folder is absent).
Every case uses sampling_strategy="top": "random" draws from Python's global `random`, which no port can replay.

topk: torch.topk(x, k) on rows full of equal values and -inf (the order torch gives ties, which the TypeScript
replica of it must reproduce), on both of its CPU paths (k * 64 <= n: partial_sort; else nth_element + sort).

Texts are stored once (`texts`) and rows refer to them by index, to keep the file small.

mine_hard_negatives needs `datasets`, which bench/.venv-torch2 does not pin; it is installed beside it, without
touching the venv (only the packages the venv lacks, so the venv's numpy, fsspec and huggingface_hub stay in use):

    bench/.venv-torch2/bin/pip install --no-deps --target bench/.venv-datasets/site -r bench/requirements-datasets.txt
"""
import csv
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Appended, not prepended: a package the venv has is always the venv's.
sys.path.append(str(Path(__file__).resolve().parent / ".venv-datasets" / "site"))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
import transformers
import sentence_transformers
from sentence_transformers import SentenceTransformer
from sentence_transformers.util import mine_hard_negatives
import datasets.arrow_dataset
from datasets import Dataset

# datasets' fingerprint (a cache key; no effect on the data) pickles the Arrow table with its dill Pickler, which
# fails here on pyarrow's MonthDayNano type ("not found as builtins.MonthDayNano", pyarrow 22 and 26 alike).
datasets.arrow_dataset.generate_fingerprint = lambda dataset: "hard-negatives-fixture"

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STSB = Path(os.environ.get("STSB_DIR", REPO.parent / "shared" / "data" / "stsb"))
OUT = REPO / "spec" / "fixtures" / "hard-negatives.json"
MODELS = {
    "tiny-st-bert": REPO / "spec" / "fixtures" / "models" / "tiny-st-bert",
    "all-MiniLM-L6-v2": HERE / "models" / "all-MiniLM-L6-v2",
}


class Per:
    """A threshold that depends on the model: the random tiny model scores every pair of texts 0.64-1 (median 0.97),
    so the real model's thresholds would let it keep all or nothing."""

    def __init__(self, tiny, real):
        self.values = {"tiny-st-bert": tiny, "all-MiniLM-L6-v2": real}


# (name, options); "corpus": True stands for the 200 sentence2 texts.
CASES = [
    ("triplet, defaults", {}),
    ("n-tuple, 5 negatives, range_min 2, max_score", {"output_format": "n-tuple", "num_negatives": 5, "range_min": 2, "max_score": Per(0.98, 0.8)}),
    ("labeled-pair, relative_margin, scores", {"output_format": "labeled-pair", "relative_margin": Per(0.005, 0.05), "output_scores": True}),
    ("labeled-list, absolute_margin, min_score, 4 negatives", {"output_format": "labeled-list", "absolute_margin": Per(0.01, 0.1), "min_score": Per(0.95, 0.2), "num_negatives": 4}),
    ("triplet, corpus, range_max 20, 2 negatives, scores", {"corpus": True, "range_max": 20, "num_negatives": 2, "output_scores": True}),
    ("include_positives (becomes n-tuple), 4 negatives", {"include_positives": True, "num_negatives": 4}),
    ("n-tuple, corpus, max_score, min_score, scores", {"output_format": "n-tuple", "corpus": True, "max_score": Per(0.985, 0.9), "min_score": Per(0.95, 0.3), "output_scores": True}),
    ("labeled-list, corpus, range_min 1, relative_margin, scores", {"output_format": "labeled-list", "corpus": True, "range_min": 1, "relative_margin": Per(0.01, 0.1), "output_scores": True}),
    ("labeled-pair, corpus, absolute_margin 0", {"output_format": "labeled-pair", "corpus": True, "absolute_margin": 0.0}),
    ("triplet, query_prompt and corpus_prompt", {"query_prompt": "query: ", "corpus_prompt": "passage: "}),
]

def read_rows():
    with open(STSB / "validation.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:200]
    return rows


def topk_cases():
    g = torch.Generator().manual_seed(0)
    cases = []
    for n, ks in [(5, [3, 5]), (17, [1, 9, 17]), (40, [6, 40]), (70, [1, 2, 20]), (130, [2, 3, 60]), (300, [4, 5, 150])]:
        for k in ks:
            for levels in [2, 5]:
                x = torch.randint(0, levels, (n,), generator=g).float()
                x[torch.randint(0, n, (n // 4,), generator=g)] = -float("inf")
                _, idx = torch.topk(x, k)
                cases.append({"row": [None if v == -float("inf") else int(v) for v in x.tolist()], "k": k, "indices": idx.tolist()})
    return cases


def report_closest(model, anchors, candidates):
    """How close the nearest two scores of one anchor come: a port whose scores differ by more than that (ours:
    a few 1e-7) could order those two candidates otherwise, so the fixture is only as strict as this gap allows."""
    q = model.encode(list(dict.fromkeys(anchors)), normalize_embeddings=True, convert_to_tensor=True)
    c = model.encode(list(dict.fromkeys(candidates)), normalize_embeddings=True, convert_to_tensor=True)
    s = model.similarity(q, c).sort(dim=1, descending=True).values[:, :40]
    gaps = (s[:, :-1] - s[:, 1:]).flatten()
    gaps = gaps[gaps > 0]
    print(f"closest distinct scores among any anchor's top 40: {gaps.min().item():.2e} apart; exact ties: {int((s[:, :-1] == s[:, 1:]).sum())}")


def main():
    rows = read_rows()
    pairs = [(r["sentence1"], r["sentence2"]) for r in rows if float(r["score"]) >= 0.8]
    corpus = [r["sentence2"] for r in rows]
    texts = list(dict.fromkeys([t for p in pairs for t in p] + corpus))
    tid = {t: i for i, t in enumerate(texts)}
    dataset = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))

    out = {
        "versions": {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "data": "first 200 rows of stsb validation.tsv; (sentence1, sentence2) where score >= 0.8; corpus: sentence2 of all 200",
        "texts": texts,
        "anchors": [tid[a] for a, _ in pairs],
        "positives": [tid[p] for _, p in pairs],
        "corpus": [tid[t] for t in corpus],
        "models": {},
        "topk": topk_cases(),
    }
    for name, folder in MODELS.items():
        if not folder.exists():
            print(f"skipping {name}: {folder} is missing (bench/prepare_models.py)")
            continue
        model = SentenceTransformer(str(folder), device="cpu")
        report_closest(model, [a for a, _ in pairs], corpus + [p for _, p in pairs])
        cache = tempfile.mkdtemp(prefix="hardneg-")  # each text set is embedded once per model
        cases = []
        for label, per_model in CASES:
            opts = {k: v.values[name] if isinstance(v, Per) else v for k, v in per_model.items()}
            kw = dict(opts)
            if kw.pop("corpus", False):
                kw["corpus"] = corpus
            res = mine_hard_negatives(dataset, model, sampling_strategy="top", batch_size=16, verbose=False, cache_folder=cache, **kw)
            cols = res.column_names
            encoded = []
            for row in res:
                cells = []
                for c in cols:
                    v = row[c]
                    if isinstance(v, str):
                        cells.append(tid[v])
                    elif isinstance(v, list) and v and isinstance(v[0], str):
                        cells.append([tid[t] for t in v])
                    else:
                        cells.append(v)
                encoded.append(cells)
            cases.append({"name": label, "options": opts, "columns": cols, "rows": encoded})
            print(f"{name}: {label}: {len(encoded)} rows, columns {cols}")
        out["models"][name] = cases
        shutil.rmtree(cache)
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
