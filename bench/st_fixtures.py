"""Golden values for the SentenceTransformer (bi-encoder) side, written by the real sentence-transformers.

    bench/.venv/bin/python bench/st_fixtures.py tiny     # -> spec/fixtures/models/tiny-st-bert/ (+ expected.json)
    bench/.venv/bin/python bench/st_fixtures.py losses   # -> spec/fixtures/st-losses.json
    bench/.venv/bin/python bench/st_fixtures.py minilm   # -> bench/results/st-encode-minilm.{json,f32}

tiny: the committed random tiny BERT (spec/fixtures/models/tiny-bert-base) as a sentence-transformers model with
  mean pooling, a seeded Dense(32 -> 16, tanh) and Normalize, saved by SentenceTransformer.save; expected.json holds
  SentenceTransformer.encode of a few texts for that pipeline and for every pooling mode alone, several modes at
  once, a prompt left out of the pooling (include_prompt=False), and normalize_embeddings=True.
losses: seeded random embeddings and labels; each loss's value and gradient with respect to the embeddings, from the
  sentence-transformers loss classes themselves (their `model` is an identity module over the embedding tensors).
minilm: SentenceTransformer.encode of all 2758 STSb test sentences (sentence1 then sentence2 of each row) with
  bench/models/all-MiniLM-L6-v2 (bench/prepare_models.py), and EmbeddingSimilarityEvaluator's test metrics. Derived
  from real weights, so it is written under bench/results/ (not committed).
"""
import csv
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
import sentence_transformers
from sentence_transformers import SentenceTransformer, losses, models
from sentence_transformers.evaluation import EmbeddingSimilarityEvaluator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURES = REPO / "spec" / "fixtures"
STSB = Path(os.environ.get("STSB_DIR", REPO.parent / "shared" / "data" / "stsb"))

TEXTS = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "  The new movie is awesome.  ",
    "A man is riding a horse.",
    "Two dogs play in the snow while a third one watches from far away, near the red house by the lake.",
    "x",
    "THE CAT SAT ON THE MAT.",
]
PROMPT = "query: "


def versions():
    import transformers

    return {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__, "torch": torch.__version__}


def encode(model, texts, **kw):
    return model.encode(texts, batch_size=3, convert_to_numpy=True, **kw).astype(np.float64).tolist()


def tiny():
    src = FIXTURES / "models" / "tiny-bert-base"
    out = FIXTURES / "models" / "tiny-st-bert"
    torch.manual_seed(0)
    transformer = models.Transformer(str(src), max_seq_length=24)
    dim = transformer.get_word_embedding_dimension()
    pooling = models.Pooling(dim, pooling_mode="mean")
    dense = models.Dense(dim, 16, activation_function=torch.nn.Tanh())
    model = SentenceTransformer(modules=[transformer, pooling, dense, models.Normalize()], device="cpu")
    model.eval()
    if out.exists():
        shutil.rmtree(out)
    model.save(str(out), create_model_card=False)
    expected = {"versions": versions(), "texts": TEXTS, "prompt": PROMPT, "pipeline": encode(model, TEXTS)}
    expected["pipeline_normalized"] = encode(model, TEXTS, normalize_embeddings=True)
    pools = {}
    for mode in ["cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"]:
        m = SentenceTransformer(modules=[transformer, models.Pooling(dim, pooling_mode=mode)], device="cpu")
        pools[mode] = encode(m, TEXTS)
    multi = models.Pooling(dim, pooling_mode_cls_token=True, pooling_mode_max_tokens=True, pooling_mode_mean_tokens=True)
    pools["cls+max+mean"] = encode(SentenceTransformer(modules=[transformer, multi], device="cpu"), TEXTS)
    expected["pooling"] = pools
    no_prompt = models.Pooling(dim, pooling_mode="mean", include_prompt=False)
    expected["prompt_excluded_mean"] = encode(SentenceTransformer(modules=[transformer, no_prompt], device="cpu"), TEXTS, prompt=PROMPT)
    expected["prompt_included_mean"] = encode(SentenceTransformer(modules=[transformer, models.Pooling(dim, pooling_mode="mean")], device="cpu"), TEXTS, prompt=PROMPT)
    (out / "expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {out}")


class Identity(torch.nn.Module):
    """The `model` a loss calls: hands back the embedding tensor it is given (what the loss is tested on)."""

    def forward(self, features):
        return {"sentence_embedding": features["emb"]}

    def __getitem__(self, i):  # CachedMultipleNegativesRankingLoss inspects model[0]
        return self


def loss_case(name, make, columns, labels):
    leaves = [torch.tensor(c, dtype=torch.float32, requires_grad=True) for c in columns]
    loss = make(Identity())
    # input_ids only gives the batch size (CachedMultipleNegativesRankingLoss slices features by it)
    value = loss([{"emb": t, "input_ids": torch.zeros((t.shape[0], 1), dtype=torch.long)} for t in leaves], torch.tensor(labels, dtype=torch.float32) if labels is not None else None)
    value.backward()
    return {"name": name, "labels": labels, "columns": columns, "value": value.item(), "grads": [t.grad.tolist() for t in leaves]}


def losses_fixture():
    g = np.random.default_rng(0)
    B, D = 6, 8
    col = lambda: g.normal(size=(B, D)).round(6).tolist()
    labels = g.uniform(size=B).round(4).tolist()
    labels[3] = labels[1]  # a tie: CoSENT must skip pairs with equal labels
    pairs = [col(), col()]
    triplets = [col(), col(), col()]
    cases = [
        loss_case("CosineSimilarityLoss", lambda m: losses.CosineSimilarityLoss(m), pairs, labels),
        loss_case("CoSENTLoss", lambda m: losses.CoSENTLoss(m), pairs, labels),
        loss_case("AnglELoss", lambda m: losses.AnglELoss(m), pairs, labels),
        loss_case("MultipleNegativesRankingLoss", lambda m: losses.MultipleNegativesRankingLoss(m), pairs, None),
        loss_case("MultipleNegativesRankingLoss/triplets", lambda m: losses.MultipleNegativesRankingLoss(m), triplets, None),
        loss_case("MultipleNegativesSymmetricRankingLoss", lambda m: losses.MultipleNegativesSymmetricRankingLoss(m), pairs, None),
        loss_case("CachedMultipleNegativesRankingLoss/mini4", lambda m: losses.CachedMultipleNegativesRankingLoss(m, mini_batch_size=4), triplets, None),
    ]
    out = FIXTURES / "st-losses.json"
    out.write_text(json.dumps({"versions": versions(), "dtype": "float32", "cases": cases}) + "\n")
    print(f"wrote {out} ({len(cases)} cases)")


def read_tsv(name):
    with open(STSB / name, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r["sentence1"] for r in rows], [r["sentence2"] for r in rows], [float(r["score"]) / 5 for r in rows]


def minilm():
    folder = HERE / "models" / "all-MiniLM-L6-v2"
    if not folder.exists():
        sys.exit(f"{folder} is missing: run bench/.venv/bin/python bench/prepare_models.py first")
    s1, s2, scores = read_tsv("test.tsv")
    model = SentenceTransformer(str(folder), device="cpu")
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    emb = model.encode(s1 + s2, batch_size=32, convert_to_numpy=True).astype(np.float32)
    ev = EmbeddingSimilarityEvaluator(s1, s2, scores, name="sts-test", similarity_fn_names=["cosine", "euclidean", "manhattan", "dot"])
    metrics = {k: float(v) for k, v in ev(model).items()}
    res = HERE / "results"
    res.mkdir(exist_ok=True)
    (res / "st-encode-minilm.f32").write_bytes(emb.tobytes())
    meta = {"versions": versions(), "model": str(folder), "rows": len(s1), "texts": len(s1) + len(s2), "dim": int(emb.shape[1]), "order": "sentence1 of every test row, then sentence2", "metrics": metrics}
    (res / "st-encode-minilm.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta["metrics"], indent=2))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    {"tiny": tiny, "losses": losses_fixture, "minilm": minilm}.get(what, lambda: sys.exit(__doc__))()
