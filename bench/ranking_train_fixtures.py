"""Three optimizer steps of cross-encoder training with each ranking loss, run by sentence-transformers 6.2 itself.

    bench/.venv-torch2/bin/python bench/ranking_train_fixtures.py     # -> spec/fixtures/ranking-training-steps.json

spec/cross-encoder/ranking-training.spec.ts replays every case through our TrainingLoop and RankingTask and compares
the loss of each step, the gradient norm before clipping, and the weights after the third step.

What runs: the start model is spec/fixtures/models/tiny-bert-cross-encoder, loaded as sentence-transformers'
CrossEncoder with every dropout probability 0 (so a step is deterministic; the replay loads it with dropout: 0). Each
case builds the loss class as sentence-transformers ships it, and each step feeds it a batch made by its own
CrossEncoderDataCollator from dataset rows in fixed order (no shuffling), calling the loss as CrossEncoderTrainer's
compute_loss does: `loss(features, labels)`, with the collator's columns in order and its `label` column split off.
So the pairing, ordering, padding, in-batch negatives, mini-batching and GradCache hook are sentence-transformers'.

What is done by hand: the optimizer step. bench/.venv-torch2 has no `accelerate`, which transformers' Trainer (and so
CrossEncoderTrainer) needs, so the loop below does what that Trainer does with our defaults: loss.backward(),
torch.nn.utils.clip_grad_norm_(parameters, 1.0), torch.optim.AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01,
none on the parameters Trainer.get_decay_parameter_names leaves out: biases and LayerNorm), a constant learning rate
(scheduler 'constant'), zero_grad. The learning rate is 5e-3 rather than our 2e-5 default, as in
spec/fixtures/training-steps.json: at 2e-5 three Adam steps barely move the weights and the check would be weak.

What is recorded, per case: the loss spec in our RankingLossSpec form, the rows (our row types), per step the loss
and the gradient norm before clipping, and after step 3 all values of the classifier head and of encoder layer 1
(`after.full`: each tensor's float32 values, little-endian, base64, in torch's row-major [out, in] layout; exact, and a
third of the size of decimal text, which keeps the fixture under 500 KB), plus max |w| and the L2 norm of every
parameter tensor (`after.digest`). Left out of the comparison (`noise_only`): the tensors whose gradient is zero in
exact arithmetic (expected_noise_only says which, and the script checks that exactly those have a gradient below
1e-5 of the largest in every step). Their ~1e-8 gradients are rounding noise, and Adam, dividing by their own
magnitude, turns noise into steps of up to lr in either sign, in torch and here alike.

In-batch negatives: MultipleNegativesRankingLoss's default num_negatives=4 with batches of 3 rows and one hard
negative is all (3 - 1) * 2 = 4 candidates, which sentence-transformers then takes in a fixed order (no
torch.multinomial), the case where our pickInBatchNegatives makes the same choice.
"""
import base64
import json
import math
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch
from torch import nn

import sentence_transformers
import transformers
from sentence_transformers.cross_encoder import CrossEncoder
from sentence_transformers.cross_encoder import losses as L
from sentence_transformers.cross_encoder.data_collator import CrossEncoderDataCollator
from transformers.trainer_pt_utils import get_parameter_names

REPO = Path(__file__).resolve().parent.parent
MODEL = "tiny-bert-cross-encoder"
OUT = REPO / "spec" / "fixtures" / "ranking-training-steps.json"
OPTIMIZER = {"type": "AdamW", "lr": 5e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01, "max_grad_norm": 1.0, "scheduler": "constant"}
BATCH = 3
STEPS = 3
# Encoder layer 1 in full and the head, less the tensors whose gradient is rounding noise (noise_only below).
FULL = lambda n: n.startswith("classifier.") or n.startswith("bert.encoder.layer.1.")
# A tensor counts as noise-only when its largest |gradient| stays below this fraction of the largest in every step.
NOISE_FRACTION = 1e-5


def expected_noise_only(spec, names):
    """The tensors whose gradient is zero in exact arithmetic: every attention key bias (softmax ignores a shift shared
    by all keys) and, for a loss that a shift of all logits leaves unchanged (ListNet's softmax, the pairwise
    differences of LambdaLoss / RankNet, MarginMSE's margins, all on identity activation), the classifier bias."""
    shift_invariant = spec["kind"] in ("ListNetLoss", "LambdaLoss", "RankNetLoss", "MarginMSELoss") and spec.get("activation", "identity") == "identity"
    return sorted(n for n in names if n.endswith("attention.self.key.bias") or (shift_invariant and n == "classifier.bias"))

# Texts from the tiny tokenizer's vocabulary, so they tokenise into words rather than [UNK]s.
QUERIES = [
    "a man is playing a guitar", "a woman is riding a horse", "the dog is sleeping on the car", "people are eating food",
    "police said a bomb injured men", "a girl is dancing outside", "he drove his car to work", "the cat plays with her hat",
    "they are taking off in the plane",
]
DOCS = [
    "a man plays the guitar", "someone is playing a guitar", "the man is riding a horse", "a woman is dancing",
    "the horse is eating", "a woman rides another horse", "a dog sleeps on a car", "the cat is sleeping",
    "this car is so hard", "men are eating food", "the people play", "food is on the plane", "a blast killed people",
    "police says the bomb was in the car", "news of the day", "the girl dances outside today", "it's a sunny day",
    "she is dancing with her boy", "he is driving to work", "his car drove off", "my work is hard",
    "the cat has a hat", "a cat plays", "her hat is on the cat", "the plane is taking off", "they are in the air",
    "the first plane", "pakistan and china", "an unrelated sentence", "something that is wonderful",
]


def listwise_rows():
    docs_per_query = [3, 5, 2, 4, 1, 3, 2, 4, 3]  # ragged, one single-document list
    labels = [[3, 1, 0], [2, 2, 0, 1, 0], [1, 0], [0, 3, 1, 1], [1], [2, 0, 1], [0, 1], [3, 0, 2, 1], [1, 1, 0]]
    rows = []
    for i, (q, n) in enumerate(zip(QUERIES, docs_per_query)):
        docs = [DOCS[(3 * i + j) % len(DOCS)] for j in range(n)]
        rows.append({"query": q, "documents": docs, "labels": [float(x) for x in labels[i]]})
    return rows


def in_batch_rows():
    return [{"anchor": q, "positive": DOCS[(3 * i) % len(DOCS)], "negatives": [DOCS[(3 * i + 7) % len(DOCS)]]} for i, q in enumerate(QUERIES)]


def margin_rows():
    teacher = [[4.5, 1.25, -2.0], [3.0, 2.5, 0.5], [1.75, -1.5, -3.0], [2.0, 2.25, -0.5], [5.0, 0.0, 1.5], [0.5, -0.25, -1.0],
               [3.5, 1.0, 1.0], [2.75, -2.5, 0.25], [1.0, 0.75, -1.75]]
    return [{"query": q, "positive": DOCS[(3 * i + 1) % len(DOCS)], "negatives": [DOCS[(3 * i + 11) % len(DOCS)], DOCS[(3 * i + 19) % len(DOCS)]], "label": teacher[i]}
            for i, q in enumerate(QUERIES)]


def st_columns(kind, row):
    """Our row as the sentence-transformers dataset row (column order matters: it is the loss's input order)."""
    if kind == "listwise":
        return {"query": row["query"], "docs": row["documents"], "labels": row["labels"]}
    if kind == "in-batch":
        return {"anchor": row["anchor"], "positive": row["positive"], **{f"negative_{c + 1}": d for c, d in enumerate(row["negatives"])}}
    return {"query": row["query"], "positive": row["positive"], **{f"negative_{c + 1}": d for c, d in enumerate(row["negatives"])}, "label": row["label"]}


CASES = [
    ("ListNetLoss", "listwise", {"kind": "ListNetLoss"}, lambda m: L.ListNetLoss(m)),
    ("LambdaLoss", "listwise", {"kind": "LambdaLoss", "miniBatchSize": 4}, lambda m: L.LambdaLoss(m, mini_batch_size=4)),
    ("RankNetLoss", "listwise", {"kind": "RankNetLoss", "miniBatchSize": -1}, lambda m: L.RankNetLoss(m, mini_batch_size=-1)),
    ("MultipleNegativesRankingLoss", "in-batch", {"kind": "MultipleNegativesRankingLoss"}, lambda m: L.MultipleNegativesRankingLoss(m)),
    ("CachedMultipleNegativesRankingLoss", "in-batch", {"kind": "CachedMultipleNegativesRankingLoss", "miniBatchSize": 5},
     lambda m: L.CachedMultipleNegativesRankingLoss(m, mini_batch_size=5)),
    ("MarginMSELoss", "margin", {"kind": "MarginMSELoss"}, lambda m: L.MarginMSELoss(m)),
]
ROWS = {"listwise": listwise_rows, "in-batch": in_batch_rows, "margin": margin_rows}


def load_model():
    zero = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout": 0.0}
    return CrossEncoder(str(REPO / "spec" / "fixtures" / "models" / MODEL), config_kwargs=zero)


def hf_name(n):
    return n.removeprefix("0.model.")


def optimizer_for(model):
    # transformers' Trainer.get_decay_parameter_names (5.24), which needs no Trainer instance.
    forbidden = [r"bias", r"layernorm", r"rmsnorm", r"(?:^|\.)norm(?:$|\.)", r"_norm(?:$|\.)"]
    decay = set(get_parameter_names(model, [nn.LayerNorm], forbidden))
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    groups = [
        {"params": [p for n, p in named if n in decay], "weight_decay": OPTIMIZER["weight_decay"]},
        {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=OPTIMIZER["lr"], betas=tuple(OPTIMIZER["betas"]), eps=OPTIMIZER["eps"])


def min_logit_gap(model, rows, layout):
    """Smallest score gap between two documents of a query: the listwise losses sort by score, and a near-tie could
    sort differently under float rounding (LambdaLoss's weights depend on the order)."""
    if layout != "listwise":
        return None
    gap = math.inf
    with torch.no_grad():
        for r in rows:
            s = model.predict([(r["query"], d) for d in r["documents"]], activation_fn=nn.Identity(), convert_to_tensor=True).view(-1).tolist()
            gap = min([gap] + [abs(a - b) for i, a in enumerate(s) for b in s[i + 1:]])
    return gap


def run_case(name, layout, spec, make):
    torch.manual_seed(0)
    model = load_model()
    model.train()
    loss_fn = make(model)
    opt = optimizer_for(model)
    collator = CrossEncoderDataCollator(preprocess_fn=model.preprocess)
    rows = ROWS[layout]()
    steps = []
    gaps = []
    quiet = []
    for s in range(STEPS):
        batch_rows = rows[s * BATCH:(s + 1) * BATCH]
        gaps.append(min_logit_gap(model, batch_rows, layout))
        model.train()
        inputs = collator([st_columns(layout, r) for r in batch_rows])
        inputs.pop("prompt", None)
        inputs.pop("task", None)
        labels = inputs.pop("label", None)  # CrossEncoderTrainer.collect_features
        features = list(inputs.values())
        loss = loss_fn(features, labels)
        loss.backward()
        grads = {hf_name(n): float(p.grad.abs().max()) for n, p in model.named_parameters()}
        quiet.append({n for n, g in grads.items() if g < NOISE_FRACTION * max(grads.values())})
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), OPTIMIZER["max_grad_norm"])
        opt.step()
        opt.zero_grad()
        steps.append({"loss": loss.item(), "grad_norm_before_clip": float(norm)})
    params = {hf_name(n): p.detach() for n, p in model.named_parameters()}
    noise_only = sorted(set.intersection(*quiet))
    if noise_only != expected_noise_only(spec, params):
        raise SystemExit(f"{name}: tensors with a noise-only gradient {noise_only}, expected {expected_noise_only(spec, params)}")
    full = {n: base64.b64encode(p.float().contiguous().numpy().astype("<f4").tobytes()).decode() for n, p in params.items() if FULL(n) and n not in noise_only}
    digest = {n: {"shape": list(p.shape), "max_abs": float(p.abs().max()), "l2": float(p.double().norm())} for n, p in params.items()}
    listwise_gap = [g for g in gaps if g is not None]
    return {
        "name": name,
        "loss": spec,
        "st_loss": repr(loss_fn.get_config_dict()),
        "batch_size": BATCH,
        "rows": rows,
        "steps": steps,
        "min_listwise_logit_gap": min(listwise_gap) if listwise_gap else None,
        "noise_only": noise_only,
        "after": {"full": full, "digest": digest},
    }


def main():
    torch.set_num_threads(1)
    cases = [run_case(*c) for c in CASES]
    versions = {"sentence_transformers": sentence_transformers.__version__, "transformers": transformers.__version__, "torch": torch.__version__}
    out = {"generator": "bench/ranking_train_fixtures.py", "versions": versions, "start_model": MODEL, "dropout": 0.0, "optimizer": OPTIMIZER, "cases": cases}
    OUT.write_text(json.dumps(out) + "\n")
    for c in cases:
        print(f"{c['name']:36s} losses {[round(s['loss'], 6) for s in c['steps']]}  min gap {c['min_listwise_logit_gap']}")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
