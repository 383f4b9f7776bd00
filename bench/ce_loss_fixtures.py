"""Golden values for the cross-encoder ranking losses, written by sentence-transformers' own loss classes.

    bench/.venv-torch2/bin/python bench/ce_loss_fixtures.py     # -> spec/fixtures/ce-losses.json

How the losses are driven: each loss class is constructed as sentence-transformers ships it and its real `forward`
runs, with a stand-in model (TableCrossEncoder below). The stand-in is a CrossEncoder subclass (the losses check
isinstance and num_labels) whose "texts" are indices: the pair (query "i", document "j") scores table[i, j], where
`table` is a seeded random leaf tensor. So everything the loss does after the model call -- ragged lists padded with
-1e16 logits and -inf labels, sorting, masking, in-batch negative columns, mini-batching, GradCache's backward hook --
is ST's code, and the recorded gradient is d loss / d table, i.e. with respect to the logits. Table entries no pair
reads (padded documents) get gradient 0; the spec fills them with junk to show they are ignored.

Two cases call ST's computation on given logits instead of through forward: MultipleNegativesRankingLoss with
sampled negatives (num_negatives < the in-batch candidates) goes through `calculate_loss` on a given score matrix,
because ST samples those negatives with torch.multinomial, whose RNG we do not reproduce. With num_negatives=None
ST takes every in-batch candidate in a fixed order, so those cases run the full forward.

Inputs are rounded to 6 decimals (ties rounded to 0.5) so JSON round-trips them exactly as float32.
"""
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch
from torch import nn

import sentence_transformers
from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder import losses as L

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "spec" / "fixtures" / "ce-losses.json"
JUNK_LOGIT = 7.25  # in padded cells of a listwise table: never read by ST, must be ignored by us
JUNK_LABEL = -1.0  # ST has no label that marks padding; -1 here is junk the mask must hide


class TableCrossEncoder(CrossEncoder):
    """Scores the pair (query "i", document "j") as table[i, j]; all a loss needs of a CrossEncoder."""

    def __init__(self, table: torch.Tensor) -> None:
        nn.Module.__init__(self)  # no transformer: the losses only call preprocess, __call__, num_labels, device
        self.table = table

    num_labels = property(lambda self: 1)
    device = property(lambda self: torch.device("cpu"))

    def preprocess(self, pairs, prompt=None, task=None):
        return {"q": torch.tensor([int(q) for q, _ in pairs]), "d": torch.tensor([int(d) for _, d in pairs])}

    def forward(self, features, **kwargs):
        return {"scores": self.table[features["q"], features["d"]].unsqueeze(1)}


def versions():
    import transformers

    return {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__, "torch": torch.__version__}


def leaf(values):
    return torch.tensor(values, dtype=torch.float32, requires_grad=True)


def run(make, table_values, inputs, labels):
    table = leaf(table_values)
    loss = make(TableCrossEncoder(table))
    value = loss(inputs, labels)
    value.backward()
    return value.item(), table.grad.tolist()


g = np.random.default_rng(14)


def logits(shape, big=True):
    x = g.normal(scale=3.0, size=shape)
    if big:  # saturating logits: the stable formulas must not overflow or lose the gradient
        flat = x.reshape(-1)
        flat[0], flat[-1] = 30.0, -30.0
    return x.round(6)


# ---------------------------------------------------------------- listwise (ListNet, LambdaLoss, RankNet)


def ragged_case(docs, labels_fn, tie_logits=False):
    B, n = len(docs), max(docs)
    x = logits((B, n))
    if tie_logits:
        x = (np.round(x * 2) / 2).clip(-30, 30)
        x[0, : min(docs[0], 3)] = 1.5  # three tied documents in one list
    mask = [[j < d for j in range(n)] for d in docs]
    lab = [[labels_fn(i, j) if mask[i][j] else JUNK_LABEL for j in range(n)] for i in range(B)]
    if tie_logits:  # tied documents of different relevance: the loss depends on their order (torch.sort's, stable here)
        lab[0][:3] = [0.0, 1.0, 0.0] if labels_fn is binary else [1.0, 3.0, 0.0]
    table = [[float(x[i, j]) if mask[i][j] else JUNK_LOGIT for j in range(n)] for i in range(B)]
    return table, mask, lab


def listwise(name, make, docs, labels_fn, options, tie_logits=False):
    table, mask, lab = ragged_case(docs, labels_fn, tie_logits)
    inputs = [[str(i) for i in range(len(docs))], [[str(j) for j in range(d)] for d in docs]]
    ragged_labels = [torch.tensor([lab[i][j] for j in range(d)]) for i, d in enumerate(docs)]
    value, grad = run(make, table, inputs, ragged_labels)
    return {"name": name, "kind": "listwise", "options": options, "logits": table, "labels": lab, "mask": mask, "value": value, "grad": grad}


def graded(i, j):  # 0..3 relevance with ties; row 2 all zero
    return 0.0 if i == 2 else float(g.integers(0, 4))


def soft(i, j):
    return 0.0 if i == 2 else float(round(g.uniform(), 4))


def binary(i, j):
    return float(j == 0 or g.uniform() < 0.2)


def listwise_cases():
    docs = [5, 3, 1, 4, 6]  # ragged, one single-document list
    c = []
    c.append(listwise("ListNetLoss/graded", lambda m: L.ListNetLoss(m), docs, graded, {}))
    c.append(listwise("ListNetLoss/soft-sigmoid", lambda m: L.ListNetLoss(m, activation_fn=nn.Sigmoid(), mini_batch_size=4), docs, soft, {"activation": "sigmoid"}))
    c.append(listwise("ListNetLoss/binary-ties", lambda m: L.ListNetLoss(m), docs, binary, {}, tie_logits=True))
    schemes = {
        "NDCGLoss2PPScheme": lambda: L.NDCGLoss2PPScheme(),
        "NDCGLoss2Scheme": lambda: L.NDCGLoss2Scheme(),
        "NDCGLoss1Scheme": lambda: L.NDCGLoss1Scheme(),
        "LambdaRankScheme": lambda: L.LambdaRankScheme(),
        "NoWeightingScheme": lambda: L.NoWeightingScheme(),
    }
    for s, mk in schemes.items():
        c.append(listwise(f"LambdaLoss/{s}", lambda m, mk=mk: L.LambdaLoss(m, weighting_scheme=mk()), docs, graded, {"scheme": s}))
    c.append(listwise("LambdaLoss/default", lambda m: L.LambdaLoss(m), docs, soft, {}))
    c.append(listwise("LambdaLoss/NDCGLoss2PPScheme-mu3-k2", lambda m: L.LambdaLoss(m, weighting_scheme=L.NDCGLoss2PPScheme(mu=3.0), k=2), docs, graded, {"scheme": "NDCGLoss2PPScheme", "mu": 3, "k": 2}))
    c.append(listwise("LambdaLoss/natural-sigma0.5-sigmoid", lambda m: L.LambdaLoss(m, sigma=0.5, reduction_log="natural", activation_fn=nn.Sigmoid()), docs, graded, {"sigma": 0.5, "reductionLog": "natural", "activation": "sigmoid"}))
    c.append(listwise("LambdaLoss/NDCGLoss1Scheme-k3-eps", lambda m: L.LambdaLoss(m, weighting_scheme=L.NDCGLoss1Scheme(), k=3, eps=1e-3), docs, soft, {"scheme": "NDCGLoss1Scheme", "k": 3, "eps": 1e-3}))
    c.append(listwise("LambdaLoss/tied-logits", lambda m: L.LambdaLoss(m), docs, graded, {}, tie_logits=True))
    c.append(listwise("LambdaLoss/all-zero-labels", lambda m: L.LambdaLoss(m), [3, 2], lambda i, j: 0.0, {}))
    c.append(listwise("RankNetLoss/default", lambda m: L.RankNetLoss(m), docs, graded, {}))
    c.append(listwise("RankNetLoss/k2-natural", lambda m: L.RankNetLoss(m, k=2, reduction_log="natural"), docs, binary, {"k": 2, "reductionLog": "natural"}))
    return c


# ---------------------------------------------------------------- (cached) multiple negatives ranking


def mnrl_matrix(name, make, B, k, options):
    """ST's calculate_loss on a given [B, 1 + k] score matrix (sampled negatives; see the docstring)."""
    x = logits((B, 1 + k))
    columns = [leaf(x[:, c].tolist()) for c in range(1 + k)]
    loss = make(TableCrossEncoder(torch.zeros(1, 1)))
    value = loss.calculate_loss(columns, B)
    value.backward()
    grad = torch.stack([col.grad for col in columns], 1).tolist()
    return {"name": name, "kind": "mnrl-matrix", "options": options, "scores": x.tolist(), "value": value.item(), "grad": grad}


def mnrl_forward(name, make, B, C, options):
    """The full forward over a [B, B*C] table: anchor i against flat candidate c*B + r (column c, row r)."""
    table = logits((B, B * C)).tolist()
    inputs = [[str(i) for i in range(B)]] + [[str(c * B + r) for r in range(B)] for c in range(C)]
    value, grad = run(make, table, inputs, None)
    return {"name": name, "kind": "mnrl-forward", "options": options, "columns": C, "table": table, "value": value, "grad": grad}


def cmnrl_forward(name, B, C, mini):
    """CachedMultipleNegativesRankingLoss's forward + backward hook; `cache` is its per-mini-batch d loss / d logits."""
    table = leaf(logits((B, B * C)).tolist())
    loss = L.CachedMultipleNegativesRankingLoss(TableCrossEncoder(table), num_negatives=None, mini_batch_size=mini)
    caught = {}
    inner = loss.calculate_loss_and_cache_gradients

    def catch(logits_list, batch_size):
        value, cache = inner(logits_list, batch_size)
        caught["cache"] = [t.tolist() for t in cache]
        return value, cache

    loss.calculate_loss_and_cache_gradients = catch
    inputs = [[str(i) for i in range(B)]] + [[str(c * B + r) for r in range(B)] for c in range(C)]
    value = loss(inputs, None)
    value.backward()  # runs the hook: per-mini-batch forward with grad, backward of the cached gradient
    return {"name": name, "kind": "cmnrl-forward", "options": {"miniBatchSize": mini}, "columns": C, "table": table.detach().tolist(), "value": value.item(), "grad": table.grad.tolist(), "cache": caught["cache"]}


def ranking_cases():
    return [
        mnrl_matrix("MultipleNegativesRankingLoss/matrix-default", lambda m: L.MultipleNegativesRankingLoss(m), 5, 4, {}),
        mnrl_matrix("MultipleNegativesRankingLoss/matrix-identity-scale20", lambda m: L.MultipleNegativesRankingLoss(m, scale=20.0, activation_fn=None), 4, 3, {"scale": 20, "activation": "identity"}),
        mnrl_matrix("MultipleNegativesRankingLoss/matrix-scale0", lambda m: L.MultipleNegativesRankingLoss(m, scale=0), 3, 2, {"scale": 0}),
        mnrl_forward("MultipleNegativesRankingLoss/forward-pairs", lambda m: L.MultipleNegativesRankingLoss(m, num_negatives=None), 4, 1, {"numNegatives": None}),
        mnrl_forward("MultipleNegativesRankingLoss/forward-triplets", lambda m: L.MultipleNegativesRankingLoss(m, num_negatives=None), 3, 2, {"numNegatives": None}),
        mnrl_forward("MultipleNegativesRankingLoss/forward-enough", lambda m: L.MultipleNegativesRankingLoss(m, num_negatives=6), 4, 2, {"numNegatives": 6}),
        cmnrl_forward("CachedMultipleNegativesRankingLoss/forward-mini5", 4, 2, 5),
    ]


# ---------------------------------------------------------------- pointwise / pairwise


def margin_case(name, make, B, k, labels, options):
    table = logits((B, 1 + k)).tolist()
    inputs = [[str(i) for i in range(B)]] + [[str(c)] * B for c in range(1 + k)]
    value, grad = run(make, table, inputs, torch.tensor(labels, dtype=torch.float32))
    return {"name": name, "kind": "margin", "options": options, "logits": table, "labels": labels, "value": value, "grad": grad}


def bce_case(name, make, labels, options):
    B = len(labels)
    table = logits((B, 1)).tolist()
    inputs = [[str(i) for i in range(B)], ["0"] * B]
    value, grad = run(make, table, inputs, torch.tensor(labels, dtype=torch.float32))
    return {"name": name, "kind": "bce", "options": options, "logits": [r[0] for r in table], "labels": labels, "value": value, "grad": [r[0] for r in grad]}


def pointwise_cases():
    B, k = 5, 3
    teacher = g.normal(scale=4.0, size=(B, 1 + k)).round(4)
    margins = (teacher[:, :1] - teacher[:, 1:]).round(4)
    hard = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    soft_labels = g.uniform(size=6).round(4).tolist()
    return [
        margin_case("MarginMSELoss/margins", lambda m: L.MarginMSELoss(m), B, k, margins.tolist(), {}),
        margin_case("MarginMSELoss/teacher-scores", lambda m: L.MarginMSELoss(m), B, k, teacher.tolist(), {}),
        margin_case("MarginMSELoss/one-negative-flat", lambda m: L.MarginMSELoss(m), B, 1, margins[:, 0].tolist(), {}),
        margin_case("MarginMSELoss/sigmoid", lambda m: L.MarginMSELoss(m, activation_fn=nn.Sigmoid()), B, k, g.uniform(-1, 1, size=(B, k)).round(4).tolist(), {"activation": "sigmoid"}),
        bce_case("BinaryCrossEntropyLoss/default", lambda m: L.BinaryCrossEntropyLoss(m), hard, {}),
        bce_case("BinaryCrossEntropyLoss/pos-weight", lambda m: L.BinaryCrossEntropyLoss(m, pos_weight=torch.tensor(2.5)), hard, {"posWeight": 2.5}),
        bce_case("BinaryCrossEntropyLoss/soft-sigmoid", lambda m: L.BinaryCrossEntropyLoss(m, activation_fn=nn.Sigmoid()), soft_labels, {"activation": "sigmoid"}),
    ]


def main():
    torch.manual_seed(0)
    cases = listwise_cases() + ranking_cases() + pointwise_cases()
    OUT.write_text(json.dumps({"versions": versions(), "dtype": "float32", "junk": {"logit": JUNK_LOGIT, "label": JUNK_LABEL}, "cases": cases}) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases, {OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
