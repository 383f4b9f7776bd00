"""Golden values for the reranking evaluators and CrossEncoder.rank, written by the real sentence-transformers 6.2.

    PYTHONPATH=bench/.venv-datasets/site bench/.venv-torch2/bin/python bench/rerank_eval_fixtures.py

(bench/.venv-datasets/site holds datasets + pyarrow for the torch2 venv, which has neither:
 bench/.venv-torch2/bin/pip install --no-deps --target bench/.venv-datasets/site -r bench/requirements-datasets.txt)

Writes:
- spec/fixtures/rerank-eval.json
  metric_cases: CrossEncoderRerankingEvaluator.compute_metrics (ST's MRR@k loop, sklearn's ndcg_score and
    average_precision_score) on fixed relevance labels and float32 scores, ties included.
  evaluator_cases: CrossEncoderRerankingEvaluator.__call__ on a stub model: its predict returns fixed float32 scores
    (seeded random, or a few levels where ties are wanted) for whatever pairs the evaluator sends, so the metric math
    and the sample handling are compared without a network. Each case records the pairs ST sent (in order, and the
    batch size), the scores the stub returned, the metrics dict, the primary metric, and the CSV after two calls
    (epoch -1/steps -1, then epoch 1/steps 10).
  Where scores tie, ST's MRR depends on np.argsort's order among equal scores, which numpy leaves unspecified (numpy
    2.x sorts with SIMD networks on AVX2/AVX-512, not stably). Every case is therefore also run with the reranking
    module's np.argsort made stable ("*_stable": equal scores keep their order, so after ST's [::-1] the later
    candidate ranks first); the library implements that rule. numpy's version and CPU features are recorded.
  model_case: the same evaluator on the real tiny model spec/fixtures/models/tiny-bert-cross-encoder, loaded by ST's
    CrossEncoder; its predicted scores are kept so the spec can see how close ours are.
- spec/fixtures/rank.json: CrossEncoder.rank of tiny models (the fixtures' own config; tiny-xlm-roberta-cross-encoder
  with the config's sentence_transformers block removed, the bge-reranker case where the 1-label default sigmoid
  applies; tiny-bert-cross-encoder saved by ST 6.2 with activation Identity, whose config_sentence_transformers.json
  overrides the stale block in config.json) for several top_k / return_documents / activation_fn, and sigmoid ties:
  float32 scores that saturate to 1.0, in ST's sorted() order.
- spec/fixtures/nano-beir/: a two-dataset NanoBEIR-shaped dataset folder (README.md with the datasets `configs`, and
  {corpus,queries,qrels,bm25}/Nano{Name}-00000-of-00001.parquet written by pyarrow), and expected.json: ST's
  CrossEncoderNanoBEIREvaluator loading that folder through datasets.load_dataset, with a stub model (scores from a
  seeded (query, document) table, stored) and with the real tiny model; metrics and every CSV it wrote.
"""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if os.environ.get("PYTHONHASHSEED") != "0":
    # ST keeps NanoBEIR positives in a set of ids: fix the string hash so their order (and the CSVs) repeat.
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import numpy as np
import torch
import sentence_transformers
from sentence_transformers import CrossEncoder
from sentence_transformers.cross_encoder.evaluation import reranking as reranking_module
from sentence_transformers.cross_encoder.evaluation import CrossEncoderNanoBEIREvaluator, CrossEncoderRerankingEvaluator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURES = REPO / "spec" / "fixtures"
MODELS = FIXTURES / "models"


def versions():
    import sklearn
    import transformers

    out = {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__,
           "torch": torch.__version__, "numpy": np.__version__, "sklearn": sklearn.__version__}
    try:
        import datasets
        import pyarrow

        out.update(datasets=datasets.__version__, pyarrow=pyarrow.__version__)
    except ImportError:
        pass
    try:
        from numpy._core._multiarray_umath import __cpu_features__

        out["numpy_cpu_features"] = sorted(k for k, v in __cpu_features__.items() if v and k.startswith("AVX"))
    except ImportError:
        pass
    return out


class _StableArgsortNumpy:
    """numpy, except that argsort is stable: swapped in as the reranking module's `np` for the *_stable values."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return np.argsort(a, *args, **kwargs)


class stable_argsort:
    def __enter__(self):
        reranking_module.np = _StableArgsortNumpy()

    def __exit__(self, *exc):
        reranking_module.np = np


class _CardData:
    def set_evaluation_metrics(self, *args, **kwargs):
        pass


class StubModel:
    """What the evaluators call: predict(pairs, ...) -> float32 scores from `score_fn`, every call recorded."""

    def __init__(self, score_fn):
        self.score_fn = score_fn
        self.calls = []
        self.model_card_data = _CardData()

    def predict(self, pairs, batch_size=None, **kwargs):
        pairs = [list(p) for p in pairs]
        scores = np.asarray(self.score_fn(pairs), dtype=np.float32)
        assert scores.shape == (len(pairs),)
        self.calls.append({"pairs": pairs, "batch_size": batch_size, "scores": [float(s) for s in scores]})
        return scores


def floats(d):
    return {k: float(v) for k, v in d.items()}


def f32(values):
    return [float(np.float32(v)) for v in values]


def compute(y_true, y_pred, at_k):
    ev = CrossEncoderRerankingEvaluator(samples=[], at_k=at_k)
    mrr, ndcg, ap = ev.compute_metrics(y_true, np.asarray(y_pred, dtype=np.float32))
    with stable_argsort():
        mrr_s, ndcg_s, ap_s = ev.compute_metrics(y_true, np.asarray(y_pred, dtype=np.float32))
    return {"mrr": float(mrr), "ndcg": float(ndcg), "ap": float(ap), "mrr_stable": float(mrr_s),
            "ndcg_stable": float(ndcg_s), "ap_stable": float(ap_s)}


def metric_cases():
    g = np.random.default_rng(1)
    cases = []

    def add(name, y_true, scores, at_k):
        scores = f32(scores)
        cases.append({"name": name, "y_true": list(map(int, y_true)), "scores": scores, "at_k": at_k, **compute(y_true, scores, at_k)})

    add("no ties", [1, 0, 0, 1, 0, 0, 0], g.normal(size=7), 10)
    add("no ties, k below the first positive", [0, 0, 0, 0, 1, 0], [0.9, 0.8, 0.7, 0.6, 0.1, 0.5], 3)
    add("all relevant", [1, 1, 1], [0.3, 0.2, 0.9], 10)
    add("one relevant, ranked last", [1, 0, 0, 0], [0.0, 1.0, 2.0, 3.0], 10)
    add("tie between a positive and a negative at the top", [1, 0, 0], [0.5, 0.5, 0.1], 10)
    add("tie group straddling k", [0, 1, 0, 1, 0, 0], [0.9, 0.4, 0.4, 0.4, 0.4, 0.1], 3)
    add("all scores equal", [0, 1, 0, 0, 1], [0.25] * 5, 2)
    add("graded ties, k 1", [1, 0, 0, 1, 0], [1, 1, 0, 0, 1], 1)
    add("k larger than the list", [0, 1], [0.2, 0.1], 50)
    add("negative scores and -0", [0, 1, 0, 1], [-0.0, 0.0, -1.5, -1.5], 10)
    levels = g.integers(0, 4, size=40)
    add("40 candidates on 4 levels (many ties)", (g.uniform(size=40) < 0.2).astype(int), levels / 4, 10)
    add("200 candidates, no ties", (g.uniform(size=200) < 0.05).astype(int) | np.eye(200, dtype=int)[7], g.normal(size=200), 10)
    return cases


def run_evaluator(samples, scores, **kwargs):
    """ST's evaluator twice (for the CSV) on a stub model; then again with a stable argsort for the *_stable values."""
    out_dir = Path(tempfile.mkdtemp())
    model = StubModel(scores)
    ev = CrossEncoderRerankingEvaluator(samples=samples, **kwargs)
    metrics = ev(model, output_path=str(out_dir))
    ev(model, output_path=str(out_dir), epoch=1, steps=10)
    with stable_argsort():
        stable = CrossEncoderRerankingEvaluator(samples=samples, **kwargs)(StubModel(scores))
    csv_text = (out_dir / ev.csv_file).read_bytes().decode("utf-8")
    shutil.rmtree(out_dir)
    call = model.calls[0] if model.calls else {"pairs": [], "batch_size": None, "scores": []}
    return {"metrics": floats(metrics), "metrics_stable": floats(stable), "primary_metric": ev.primary_metric,
            "csv_file": ev.csv_file, "csv": csv_text, "pairs": call["pairs"], "batch_size": call["batch_size"],
            "scores": call["scores"], "predict_calls": len(model.calls) // 2}


def seeded_scores(seed, levels=None):
    def fn(pairs):
        g = np.random.default_rng(seed)
        if levels:
            return g.integers(0, levels, size=len(pairs)) / levels
        return g.normal(size=len(pairs))

    return fn


def evaluator_cases():
    negatives = [
        {"query": "what is a man playing", "positive": ["a man plays the guitar", "the man is playing"], "negative": ["a dog is sleeping", "a cat", "the plane is taking off", "people eating food"]},
        {"query": "who is riding a horse", "positive": "a woman is riding a horse", "negative": ["a boy drove the car", "news today", "he said so"]},
        {"query": "a sunny day", "positive": ["it's so sunny today!"], "negative": ["police said", "a bomb blast in pakistan", "two men", "the girl", "his hat", "china"]},
        {"query": "no negatives here", "positive": ["a", "b"], "negative": []},
    ]
    documents = [
        # two positives inside the ranked list, one outside it
        {"query": "man playing guitar", "positive": ["a man plays the guitar", "guitar player", "a man is playing"], "documents": ["a dog", "a man plays the guitar", "the car", "guitar player", "food", "the plane"]},
        # no positive among the candidates: base metrics 0; reranked only with always_rerank_positives
        {"query": "a woman riding", "positive": ["a woman is riding a horse"], "documents": ["a boy", "a cat is sleeping", "news"]},
        # a duplicate candidate, and the positive first
        {"query": "police", "positive": ["police said"], "documents": ["police said", "the man", "the man", "a girl"]},
        {"query": "china", "positive": ["china news", "pakistan news"], "documents": ["pakistan news", "airplane", "china news"]},
    ]
    cases = []

    def add(title, samples, scores, **kwargs):
        cases.append({"title": title, "samples": samples, "kwargs": kwargs, **run_evaluator(samples, scores, **kwargs)})

    add("negative lists, defaults", negatives, seeded_scores(2))
    add("negative lists, named, at_k 2, batch 3", negatives, seeded_scores(3), name="dev", at_k=2, batch_size=3)
    add("negative lists, ties (3 levels), at_k 3", negatives, seeded_scores(4, levels=3), name="ties", at_k=3)
    add("ranked documents, always_rerank_positives", documents, seeded_scores(5), name="docs")
    add("ranked documents, always_rerank_positives False", documents, seeded_scores(5), name="docs", always_rerank_positives=False)
    add("ranked documents, ties, at_k 1", documents, seeded_scores(6, levels=2), name="docs-ties", at_k=1, always_rerank_positives=False)
    add("always_rerank_positives False with negative lists (ignored)", negatives[:2], seeded_scores(7), always_rerank_positives=False)
    many = [{"query": f"query {i}", "positive": [f"pos {i} {j}" for j in range(1 + i % 3)], "negative": [f"neg {i} {j}" for j in range(25)]} for i in range(6)]
    add("six queries of 26-28 candidates on 4 levels", many, seeded_scores(8, levels=4), name="many", at_k=10)
    return cases


def model_case():
    name = "tiny-bert-cross-encoder"
    samples = [
        {"query": "A man is playing a guitar.", "positive": ["A man plays the guitar.", "A man is playing."], "negative": ["A dog is sleeping on the car.", "Someone is eating food.", "The plane is taking off."]},
        {"query": "A woman is riding a horse.", "positive": ["A woman rides a horse."], "documents": ["A girl is riding.", "News today.", "A woman rides a horse.", "The boy drove his car."]},
        {"query": "It's a wonderful day outside.", "positive": ["It's so sunny today!"], "documents": ["Police said a bomb killed people.", "Two men are eating.", "The cat is sleeping."]},
    ]
    model = CrossEncoder(str(MODELS / name), device="cpu")
    model.eval()
    calls = []
    predict = model.predict

    def recording_predict(pairs, **kwargs):
        scores = predict(pairs, **kwargs)
        calls.append(([list(p) for p in pairs], [float(s) for s in scores]))
        return scores

    model.predict = recording_predict
    out_dir = Path(tempfile.mkdtemp())
    ev = CrossEncoderRerankingEvaluator(samples=samples, name="tiny", at_k=3, batch_size=4)
    metrics = ev(model, output_path=str(out_dir))
    [(pairs, scores)] = calls
    csv_text = (out_dir / ev.csv_file).read_bytes().decode("utf-8")
    shutil.rmtree(out_dir)
    return {"model": name, "samples": samples, "kwargs": {"name": "tiny", "at_k": 3, "batch_size": 4}, "metrics": floats(metrics),
            "primary_metric": ev.primary_metric, "csv_file": ev.csv_file, "csv": csv_text, "pairs": pairs, "scores": scores}


# ---------------------------------------------------------------------------------------------------------------
# rank()

RANK_QUERY = "A man is playing a guitar."
RANK_DOCS = [
    "A man plays the guitar.",
    "Someone is eating food.",
    "A man plays the guitar.",  # a duplicate: equal scores, so the tie order shows
    "The plane is taking off.",
    "",
    "A dog is sleeping on the car, and a cat is sleeping on the plane with his girl.",
    "a man",
]

# The three small files CrossEncoder.save (ST 6.2) adds beside config.json, as the spec writes them too.
ST62_FILES = {
    "modules.json": [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"}],
    "sentence_bert_config.json": {"transformer_task": "sequence-classification", "modality_config": {"text": {"method": "forward", "method_output_name": "logits"}}, "module_output_name": "scores"},
    "config_sentence_transformers.json": {"activation_fn": "torch.nn.modules.linear.Identity", "default_prompt_name": None, "model_type": "CrossEncoder", "prompts": {}},
}


def rank_model_dirs(tmp):
    """(label, fixture, how the spec derives the folder, folder) for each rank case."""
    out = [("tiny-bert-cross-encoder", "tiny-bert-cross-encoder", "as committed", MODELS / "tiny-bert-cross-encoder")]
    bge = tmp / "bge-style-xlmr"
    shutil.copytree(MODELS / "tiny-xlm-roberta-cross-encoder", bge)
    cfg = json.loads((bge / "config.json").read_text())
    del cfg["sentence_transformers"]
    (bge / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    out.append(("bge-style xlm-roberta (no sentence_transformers block)", "tiny-xlm-roberta-cross-encoder", "drop-st-block", bge))
    st62 = tmp / "st62-identity"
    shutil.copytree(MODELS / "tiny-bert-cross-encoder", st62)
    for f, content in ST62_FILES.items():
        (st62 / f).write_text(json.dumps(content, indent=2) + "\n")
    out.append(("tiny-bert saved by ST 6.2 with activation Identity", "tiny-bert-cross-encoder", "st62-identity", st62))
    return out


def rank_fixture():
    tmp = Path(tempfile.mkdtemp())
    cases = []
    for label, fixture, derive, folder in rank_model_dirs(tmp):
        model = CrossEncoder(str(folder), device="cpu")
        model.eval()
        runs = []
        for kwargs in [{}, {"top_k": 3}, {"top_k": 0}, {"top_k": 100, "return_documents": True}, {"return_documents": True, "batch_size": 2},
                       {"activation_fn": "identity"}, {"activation_fn": "sigmoid", "top_k": 2}]:
            call = dict(kwargs)
            if "activation_fn" in call:
                call["activation_fn"] = {"identity": torch.nn.Identity(), "sigmoid": torch.nn.Sigmoid()}[call["activation_fn"]]
            ranked = model.rank(RANK_QUERY, RANK_DOCS, **call)
            runs.append({"kwargs": kwargs, "result": [{k: (float(v) if k == "score" else v) for k, v in r.items()} for r in ranked]})
        cases.append({"label": label, "fixture": fixture, "derive": derive, "activation_fn": type(model.activation_fn).__name__, "runs": runs})
    shutil.rmtree(tmp)
    # Sigmoid ties: in float32, logits past ~17 all give exactly 1.0, so sorted() keeps them in document order.
    logits = [17.0, -2.0, 30.0, 16.5, 18.25, 40.0, -30.0, 0.0]
    sig = torch.sigmoid(torch.tensor(logits, dtype=torch.float32)).tolist()
    order = [r["corpus_id"] for r in sorted(({"corpus_id": i, "score": s} for i, s in enumerate(sig)), key=lambda x: x["score"], reverse=True)]
    out = {"versions": versions(), "query": RANK_QUERY, "documents": RANK_DOCS, "st62_files": ST62_FILES, "cases": cases,
           "sigmoid_ties": {"logits": logits, "scores": sig, "order": order}}
    path = FIXTURES / "rank.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(cases)} models)")


# ---------------------------------------------------------------------------------------------------------------
# NanoBEIR

NANO = {
    "msmarco": {
        "corpus": ["a man plays the guitar", "the man is playing the guitar today", "a dog is sleeping on the car", "people are eating food",
                   "the plane is taking off", "a woman is riding a horse", "a girl rides her horse", "police said a bomb killed people",
                   "a blast in pakistan", "two men are driving", "it's sunny today", "the cat is sleeping"],
        "queries": ["who plays the guitar", "what is the dog doing", "a woman on a horse", "news of a bomb"],
        "qrels": {0: [0, 1], 1: [2], 2: [5, 6], 3: [7, 8]},
        # BM25-style candidate lists (best first); query 2's second positive is absent, query 3's lists are long
        "bm25": {0: [3, 1, 4, 0, 9, 11, 2], 1: [11, 2, 10, 0], 2: [6, 9, 3, 4, 1, 0, 2, 7], 3: [9, 10, 8, 4, 3, 2, 1, 0, 7]},
    },
    "nfcorpus": {
        "corpus": ["eating food is good", "food and work", "a man with his hat", "the woman is dancing", "china and pakistan",
                   "the boy is playing", "a pair of men", "something unrelated"],
        "queries": ["is food good", "who is dancing", "countries"],
        # query 2's judgement is listed twice (ST keeps a set); its positive is not among its candidates
        "qrels": {0: [0, 1], 1: [3], 2: [4]},
        "bm25": {0: [1, 7, 0, 2], 1: [5, 2, 6, 7, 0], 2: [7, 6, 5]},
    },
}
HUMAN = {"msmarco": "MSMARCO", "nfcorpus": "NFCorpus"}


def write_nano_folder(root):
    import pyarrow as pa
    import pyarrow.parquet as pq

    if root.exists():
        shutil.rmtree(root)
    configs = {"corpus": [], "queries": [], "qrels": [], "bm25": []}
    for key, d in NANO.items():
        split = f"Nano{HUMAN[key]}"
        cid = lambda i: f"{key[:2]}-doc{i}"
        qid = lambda i: f"{key[:2]}-q{i}"
        qrel_rows = [(qid(q), cid(c)) for q, cs in d["qrels"].items() for c in cs]
        if key == "nfcorpus":
            qrel_rows.append((qid(2), cid(4)))  # a duplicate judgement: ST keeps a set
        tables = {
            "corpus": pa.table({"_id": [cid(i) for i in range(len(d["corpus"]))], "text": d["corpus"]}),
            "queries": pa.table({"_id": [qid(i) for i in range(len(d["queries"]))], "text": d["queries"]}),
            "qrels": pa.table({"query-id": [q for q, _ in qrel_rows], "corpus-id": [c for _, c in qrel_rows], "score": [1] * len(qrel_rows)}),
            "bm25": pa.table({"query-id": [qid(q) for q in d["bm25"]], "corpus-ids": pa.array([[cid(c) for c in cs] for cs in d["bm25"].values()], type=pa.list_(pa.string()))}),
        }
        for subset, table in tables.items():
            (root / subset).mkdir(parents=True, exist_ok=True)
            pq.write_table(table, root / subset / f"{split}-00000-of-00001.parquet")
            configs[subset].append(split)
    lines = ["---", "configs:"]
    for subset, splits in configs.items():
        lines += [f"- config_name: {subset}", "  data_files:"]
        for split in splits:
            lines += [f"  - split: {split}", f"    path: {subset}/{split}-*"]
    lines += ["---", "", "A NanoBEIR-shaped test dataset (made-up texts) written by bench/rerank_eval_fixtures.py.", ""]
    (root / "README.md").write_text("\n".join(lines))


def nano_table_scores():
    """A seeded score for every (query, document) of each dataset: what the stub model returns."""
    g = np.random.default_rng(9)
    table = {}
    for d in NANO.values():
        for q in d["queries"]:
            for doc in d["corpus"]:
                table[f"{q}\u0000{doc}"] = float(np.float32(g.normal()))
    return table


def run_nano(model, root, **kwargs):
    out_dir = Path(tempfile.mkdtemp())
    ev = CrossEncoderNanoBEIREvaluator(dataset_id=str(root), **kwargs)
    metrics = ev(model, output_path=str(out_dir))
    csvs = {p.name: p.read_bytes().decode("utf-8") for p in sorted(out_dir.iterdir())}
    shutil.rmtree(out_dir)
    samples = {e.name: e.samples for e in ev.evaluators}
    return {"kwargs": kwargs, "metrics": floats(metrics), "primary_metric": ev.primary_metric, "csvs": csvs, "samples": samples}


def nano_fixture():
    root = FIXTURES / "nano-beir" / "dataset"
    write_nano_folder(root)
    cache = Path(tempfile.mkdtemp())
    os.environ["HF_DATASETS_CACHE"] = str(cache)
    table = nano_table_scores()
    stub = StubModel(lambda pairs: [table[f"{q}\u0000{d}"] for q, d in pairs])
    runs = [
        {"model": "stub", **run_nano(stub, root, dataset_names=["msmarco", "NFCorpus"], rerank_k=6, at_k=5)},
        {"model": "stub", **run_nano(stub, root, dataset_names=["nfcorpus"], rerank_k=100, at_k=10, always_rerank_positives=False)},
    ]
    tiny = CrossEncoder(str(MODELS / "tiny-bert-cross-encoder"), device="cpu")
    tiny.eval()
    runs.append({"model": "tiny-bert-cross-encoder", **run_nano(tiny, root, dataset_names=["msmarco", "nfcorpus"], rerank_k=5, at_k=3)})
    shutil.rmtree(cache)
    out = {"versions": versions(), "dataset_dir": "spec/fixtures/nano-beir/dataset", "stub_scores": table, "runs": runs}
    path = FIXTURES / "nano-beir" / "expected.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {root} and {path} ({len(runs)} runs)")


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    out = {"versions": versions(), "metric_cases": metric_cases(), "evaluator_cases": evaluator_cases(), "model_case": model_case()}
    path = FIXTURES / "rerank-eval.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({len(out['metric_cases'])} metric cases, {len(out['evaluator_cases'])} evaluator cases)")
    rank_fixture()
    nano_fixture()


if __name__ == "__main__":
    main()
