"""Tiny random cross-encoders of the reranker architectures, with golden values from real transformers.

    bench/.venv/bin/python bench/make_arch_fixtures.py --arch xlm-roberta      # transformers 4.46, torch 1.13
    bench/.venv/bin/python bench/make_arch_fixtures.py --arch electra
    bench/.venv-torch2/bin/python bench/make_arch_fixtures.py --arch modernbert  # needs transformers >= 4.48
    bench/.venv/bin/python bench/make_arch_fixtures.py --arch deberta-v2           # v3 layout
    bench/.venv/bin/python bench/make_arch_fixtures.py --arch deberta-v2-separate  # v2 layout

Each writes spec/fixtures/models/tiny-<arch>-cross-encoder/: config.json (with the sentence_transformers block),
model.safetensors, the tokenizer files, expected.json (the format of the other fixtures: per case the pairs, the ids
the tokenizer gives, logits, sigmoid, last hidden state) and training-steps.json (the format of
spec/fixtures/training-steps.json: three AdamW steps on fixed batches, loss and grad norm per step, logits and some
weights after).

Weights: transformers' own init from a seed, then every LayerNorm weight and bias (which init to 1 and 0) and every
bias gets N(0, 0.1) noise, so that no parameter is an identity and each one shows in the outputs. Eager attention.

Tokenizers: xlm-roberta uses the SentencePiece Unigram tokenizer of spec/fixtures/tokenizers/xlmr-unigram-stsb
(bench/make_unigram_tokenizer.py); electra uses the WordPiece tokenizer of tiny-bert-cross-encoder (ELECTRA's is
BERT's); modernbert the byte-level BPE tokenizer of tiny-roberta-cross-encoder (ModernBERT's is byte-level BPE too,
with [CLS]/[SEP] where this one has <s>/</s>; the model does not care which ids frame the pair); deberta-v2 the
WordPiece one too (DeBERTa's own SentencePiece layout is checked in spec/tokenizer-unigram.spec.ts: same template,
[CLS] A [SEP] B [SEP] with type ids).
"""
import argparse
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "spec" / "fixtures"

PAIRS = [
    ["A man is playing a guitar.", "A man plays the guitar."],
    ["A woman is riding a horse.", "Someone is eating food."],
    ["It's a wonderful day outside.", "It's so sunny today!"],
    ["The plane is taking off.", "A dog is sleeping on the car, and a cat is sleeping on the plane with his girl."],
]
TRAIN_STEPS = [
    ([["A man is playing a guitar.", "A man plays the guitar."], ["A woman is riding a horse.", "Someone is eating food."]], [0.95, 0.1]),
    ([["A cat sits on the mat.", "A cat is sitting on a mat."], ["Two dogs run in the park.", "The stock market fell sharply."]], [0.9, 0.05]),
    ([["A child is reading a book.", "A kid reads."], ["He is cooking dinner.", "She is driving to work and listening to the radio."]], [0.7, 0.2]),
]
OPTIMIZER = {"type": "AdamW", "lr": 0.005, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.01,
             "no_decay": "names matching (^|.)bias$, (LayerNorm|layer_norm).(weight|bias)$ or (^|.|_)norm.(weight|bias)$ (lib/training/optimizer.ts defaultNoDecay, equal to transformers' get_decay_parameter_names: spec/optimizer-decay.spec.ts)",
             "schedule": "constant", "max_grad_norm": 1.0}


# lr 5e-3 as spec/fixtures/training-steps.json, except where Adam's normalised steps magnify float rounding past the
# replay's 1e-4 grad-norm check by step 3 (deberta-v2-separate: 1.07e-4 at 5e-3, while step 1 agrees to 5e-7 and the
# weights after 3 steps to 1e-5, i.e. the gradients are right).
LR = {"deberta-v2-separate": 1e-3}


def config_for(arch, vocab_size):
    import transformers

    common = dict(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  num_labels=1, initializer_range=0.2)
    if arch == "xlm-roberta":
        return transformers.XLMRobertaConfig(**common, max_position_embeddings=66, type_vocab_size=1, layer_norm_eps=1e-5,
                                             pad_token_id=1, bos_token_id=0, eos_token_id=2, hidden_act="gelu")
    if arch == "electra":
        return transformers.ElectraConfig(**common, embedding_size=16, max_position_embeddings=64, type_vocab_size=2,
                                          layer_norm_eps=1e-12, pad_token_id=0, hidden_act="gelu")
    if arch == "modernbert":
        c = dict(common, num_hidden_layers=4)
        return transformers.ModernBertConfig(**c, max_position_embeddings=128, global_attn_every_n_layers=2, local_attention=8,
                                             global_rope_theta=160000.0, local_rope_theta=10000.0, pad_token_id=1, bos_token_id=0,
                                             eos_token_id=2, cls_token_id=0, sep_token_id=2, classifier_pooling="mean",
                                             hidden_activation="gelu", classifier_activation="gelu", norm_eps=1e-5)
    if arch == "deberta-v2":
        # DeBERTa-v3's layout (shared position keys, no absolute positions, LayerNorm on the relative embeddings),
        # with 8 position buckets over 32 positions so that the log buckets are used at these lengths.
        return transformers.DebertaV2Config(**common, max_position_embeddings=64, type_vocab_size=0, layer_norm_eps=1e-7, pad_token_id=0,
                                            hidden_act="gelu", relative_attention=True, position_buckets=8, max_relative_positions=32,
                                            pos_att_type=["p2c", "c2p"], share_att_key=True, norm_rel_ebd="layer_norm",
                                            position_biased_input=False, pooler_hidden_act="gelu", pooler_dropout=0.0)
    if arch == "deberta-v2-separate":
        # DeBERTa-v2's other layout: own pos_key_proj / pos_query_proj, absolute positions added to the input, token
        # types, embedding_size 16 projected to 32 (embed_proj), c2p only, no bucketing, no relative LayerNorm.
        return transformers.DebertaV2Config(**common, max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-7, pad_token_id=0,
                                            hidden_act="gelu", relative_attention=True, position_buckets=-1, max_relative_positions=16,
                                            pos_att_type="c2p", share_att_key=False, norm_rel_ebd="none", embedding_size=16,
                                            position_biased_input=True, pooler_hidden_act="gelu", pooler_dropout=0.0)
    raise SystemExit(f"unknown arch {arch}")


TOKENIZER_OF = {
    "xlm-roberta": FIXTURES / "tokenizers" / "xlmr-unigram-stsb",
    "electra": FIXTURES / "models" / "tiny-bert-cross-encoder",
    "modernbert": FIXTURES / "models" / "tiny-roberta-cross-encoder",
    "deberta-v2": FIXTURES / "models" / "tiny-bert-cross-encoder",
    "deberta-v2-separate": FIXTURES / "models" / "tiny-bert-cross-encoder",
}
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]


def perturb(model, seed):
    import torch

    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "norm" in name.lower():
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def flat(t):
    return [round(float(x), 7) for x in t.detach().reshape(-1).tolist()]


def encode(tok, pairs, max_length, arch):
    kw = dict(padding=True, return_tensors="pt")
    if max_length is not None:
        kw.update(truncation="longest_first", max_length=max_length)
    enc = tok([p[0] for p in pairs], [p[1] for p in pairs], **kw)
    types = enc.get("token_type_ids") if arch in ("electra", "deberta-v2", "deberta-v2-separate") else None
    return enc["input_ids"], enc["attention_mask"], types


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=sorted(TOKENIZER_OF))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import torch
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(1)
    name = f"tiny-{args.arch}-cross-encoder"
    out = FIXTURES / "models" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for f in TOKENIZER_FILES:
        if (TOKENIZER_OF[args.arch] / f).exists():
            shutil.copy(TOKENIZER_OF[args.arch] / f, out / f)
    tcfg = json.loads((out / "tokenizer_config.json").read_text())
    tcfg["model_max_length"] = 64
    (out / "tokenizer_config.json").write_text(json.dumps(tcfg, indent=2, ensure_ascii=False) + "\n")
    tok = AutoTokenizer.from_pretrained(str(out))

    cfg = config_for(args.arch, max(tok.get_vocab().values()) + 1)
    transformers.set_seed(args.seed)
    model = AutoModelForSequenceClassification.from_config(cfg, attn_implementation="eager")
    perturb(model, args.seed)
    model.eval()
    model.save_pretrained(str(out), safe_serialization=True)
    saved = json.loads((out / "config.json").read_text())
    saved["sentence_transformers"] = {"activation_fn": "torch.nn.modules.activation.Sigmoid", "version": "4.0.1"}
    (out / "config.json").write_text(json.dumps(saved, indent=2) + "\n")

    base = model.base_model
    cases = []
    with torch.no_grad():
        for max_length in (None, 16, 12):
            ids, mask, types = encode(tok, PAIRS, max_length, args.arch)
            kw = dict(input_ids=ids, attention_mask=mask)
            if types is not None:
                kw["token_type_ids"] = types
            logits = model(**kw).logits
            hidden = base(**kw).last_hidden_state
            cases.append({
                "pairs": PAIRS, "max_length": max_length, "truncation": None if max_length is None else "longest_first",
                "input_ids": ids.tolist(), "attention_mask": mask.tolist(), "token_type_ids": None if types is None else types.tolist(),
                "logits": flat(logits), "logits_shape": list(logits.shape), "sigmoid": flat(torch.sigmoid(logits)),
                "last_hidden_state": flat(hidden), "last_hidden_state_shape": list(hidden.shape),
            })
    expected = {"model": name, "generator": "bench/make_arch_fixtures.py", "transformers": transformers.__version__,
                "torch": torch.__version__, "attn_implementation": "eager", "cases": cases}
    if args.arch == "modernbert":
        # The same weights with classifier_pooling "cls" (first token instead of the masked mean), case 0's batch.
        model.config.classifier_pooling = "cls"
        with torch.no_grad():
            ids, mask, _ = encode(tok, PAIRS, None, args.arch)
            expected["cls_pooling_logits"] = flat(model(input_ids=ids, attention_mask=mask).logits)
        model.config.classifier_pooling = "mean"
    (out / "expected.json").write_text(json.dumps(expected) + "\n")

    # Three AdamW steps, dropout 0 (the replay loads with dropout: 0), clipping at 1.0.
    train_cfg = json.loads((out / "config.json").read_text())
    for k in list(train_cfg):
        if "dropout" in k:
            train_cfg[k] = 0.0
    cfg2 = type(cfg).from_dict({k: v for k, v in train_cfg.items() if k != "sentence_transformers"})
    tmodel = AutoModelForSequenceClassification.from_pretrained(str(out), config=cfg2, attn_implementation="eager")
    tmodel.train()
    import re

    nd = re.compile(r"(^|\.)bias$|(LayerNorm|layer_norm)\.(weight|bias)$|(^|\.|_)norm\.(weight|bias)$")
    groups = [
        {"params": [p for n, p in tmodel.named_parameters() if not nd.search(n)], "weight_decay": OPTIMIZER["weight_decay"]},
        {"params": [p for n, p in tmodel.named_parameters() if nd.search(n)], "weight_decay": 0.0},
    ]
    optimizer = dict(OPTIMIZER, lr=LR.get(args.arch, OPTIMIZER["lr"]))
    opt = torch.optim.AdamW(groups, lr=optimizer["lr"], betas=tuple(optimizer["betas"]), eps=optimizer["eps"])
    loss_fn = torch.nn.BCEWithLogitsLoss()
    steps = []
    for pairs, labels in TRAIN_STEPS:
        ids, mask, types = encode(tok, pairs, None, args.arch)
        kw = dict(input_ids=ids, attention_mask=mask)
        if types is not None:
            kw["token_type_ids"] = types
        logits = tmodel(**kw).logits.view(-1)
        loss = loss_fn(logits, torch.tensor(labels, dtype=torch.float32))
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(tmodel.parameters(), OPTIMIZER["max_grad_norm"])
        opt.step()
        steps.append({"pairs": pairs, "labels": labels, "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                      "token_type_ids": (types if types is not None else torch.zeros_like(ids)).tolist(),
                      "loss": float(loss), "grad_norm_before_clip": float(norm)})
    tmodel.eval()
    ids, mask, types = encode(tok, PAIRS, None, args.arch)
    kw = dict(input_ids=ids, attention_mask=mask)
    if types is not None:
        kw["token_type_ids"] = types
    with torch.no_grad():
        after_logits = tmodel(**kw).logits
    named = dict(tmodel.named_parameters())
    keep = [n for n in named if n.startswith("classifier") or n.startswith("head.") or n.startswith("pooler.") or "rel_embeddings" in n]
    keep += [n for n in named if ("layer.1." in n or "layers.1." in n) and n.endswith("weight")][:3]
    keep += [n for n in named if "embeddings" in n and "norm" in n.lower()][:1]
    after = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
             "token_type_ids": (types if types is not None else torch.zeros_like(ids)).tolist(), "logits": flat(after_logits)}
    for n in keep:
        after[n] = [[round(float(x), 7) for x in row] for row in named[n].detach().tolist()] if named[n].dim() == 2 else flat(named[n])
    training = {"start_model": name, "generator": "bench/make_arch_fixtures.py", "transformers": transformers.__version__,
                "torch": torch.__version__, "optimizer": optimizer, "loss": "BCEWithLogits, mean over the batch", "steps": steps, "after": after}
    (out / "training-steps.json").write_text(json.dumps(training) + "\n")
    print(json.dumps({"model": name, "params": sum(p.numel() for p in model.parameters()), "steps": [s["loss"] for s in steps]}))


if __name__ == "__main__":
    main()
