"""Audit the shared golden fixtures against the real Hugging Face transformers classes.

    bench/.venv/bin/python bench/audit_fixtures.py [--fixtures ../shared/fixtures] [--out bench/results/fixture-audit.json]

The fixtures in shared/fixtures came from an independent PyTorch re-implementation. Here every model is loaded
with the real classes (AutoModelForSequenceClassification for *-cross-encoder*, AutoModel for tiny-*-base; eval mode;
float32, so F16/BF16 checkpoints are upcast exactly as from_pretrained does by default) and fed the fixture's own
input_ids / attention_mask / token_type_ids. Compared with expected.json:
  * logits (and sigmoid) of every case, last_hidden_state (output_hidden_states=True, hidden_states[-1]);
  * tokenization: AutoTokenizer(fixture dir)(pairs, max_length, truncation='longest_first', padding=True)
    vs the fixture's input_ids / attention_mask / token_type_ids (exact);
  * for tiny-*-base: the head keys AutoModelForSequenceClassification reports missing vs missing_head_keys;
  * training-steps.json replayed: tiny-bert-cross-encoder with dropout 0, torch.optim.AdamW with the fixture's
    lr/betas/eps/weight_decay and two param groups (no decay where the name contains bias / LayerNorm.weight /
    LayerNorm.bias, as sentence-transformers does), BCEWithLogitsLoss (mean) on logits.view(-1),
    clip_grad_norm_(max_grad_norm) (its return value is the pre-clip norm), constant lr, the batches in order;
    each step's loss and pre-clip grad norm, then the `after` logits and weights.
Prints a table of max |difference| per item and writes the JSON report. Exit status 1 if anything is off by more
than --tol (default 1e-5) or any token id differs. The fixture JSON stores values rounded to ~7 significant digits,
so about 5e-8 of every difference is rounding.
"""
import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=str((ROOT / ".." / "shared" / "fixtures").resolve()))
    ap.add_argument("--out", default=str(HERE / "results" / "fixture-audit.json"))
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()

    import numpy as np
    import torch
    import transformers
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(0)
    transformers.logging.set_verbosity_error()
    fx = Path(args.fixtures)
    manifest = json.loads((fx / "MANIFEST.json").read_text())
    rows = []  # (item, max_abs_diff or None, exact_ok or None, note)

    def arr(x, dtype=np.float64):
        return np.asarray(x, dtype=dtype)

    def diff(got, want, shape=None):
        g = np.asarray(got, dtype=np.float64).reshape(-1)
        w = arr(want).reshape(-1)
        if g.shape != w.shape:
            raise AssertionError(f"size {g.shape} vs {w.shape}")
        return float(np.max(np.abs(g - w))) if g.size else 0.0

    def add(item, d=None, exact=None, note="", extra=None):
        r = {"item": item, "max_abs_diff": d, "exact": exact, "note": note}
        if extra:
            r.update(extra)
        rows.append(r)

    def accepts(model, name):
        import inspect

        return name in inspect.signature(model.forward).parameters

    def batch(case, model):
        feats = {
            "input_ids": torch.tensor(case["input_ids"], dtype=torch.long),
            "attention_mask": torch.tensor(case["attention_mask"], dtype=torch.long),
        }
        if case.get("token_type_ids") is not None and accepts(model, "token_type_ids"):
            feats["token_type_ids"] = torch.tensor(case["token_type_ids"], dtype=torch.long)
        return feats

    def check_tokens(tok, pairs, max_length, case, label):
        kw = dict(truncation="longest_first", padding=True)
        if max_length is not None:
            kw["max_length"] = max_length
        enc = tok([p[0] for p in pairs], [p[1] for p in pairs], **kw)
        bad = []
        for key in ("input_ids", "attention_mask", "token_type_ids"):
            want = case.get(key)
            if want is None:
                if key in enc and key == "token_type_ids" and any(any(r) for r in enc[key]):
                    bad.append(f"{key}: tokenizer gives non-zero, fixture has none")
                continue
            if key not in enc:
                bad.append(f"{key}: tokenizer gives none")
                continue
            if enc[key] != want:
                bad.append(f"{key} differs: got {enc[key]} want {want}")
        add(f"{label} tokenization", exact=not bad, note="; ".join(bad) or "ids, mask, types identical",
            extra={"kwargs": {k: v for k, v in kw.items()}})

    for name, meta in manifest["models"].items():
        d = fx / name
        exp = json.loads((d / "expected.json").read_text())
        cross = "cross-encoder" in name
        cls = AutoModelForSequenceClassification if cross else AutoModel
        model, info = cls.from_pretrained(str(d), output_loading_info=True)
        model.eval()
        load_note = {k: v for k, v in info.items() if v}
        add(f"{name} load ({cls.__name__} -> {type(model).__name__})", exact=not (cross and load_note),
            note=json.dumps(load_note) if load_note else "no missing/unexpected keys")
        tok = AutoTokenizer.from_pretrained(str(d))
        if cross:
            for case in exp["cases"]:
                ml = case.get("max_length")
                label = f"{name} [max_length={ml}]"
                with torch.no_grad():
                    out = model(**batch(case, model), output_hidden_states=True)
                logits = out.logits.numpy()
                if case.get("logits_shape"):
                    assert list(logits.shape) == case["logits_shape"], (logits.shape, case["logits_shape"])
                add(f"{label} logits", diff(logits, case["logits"]),
                    extra={"got": [float(x) for x in logits.reshape(-1)]})
                if "sigmoid" in case:
                    add(f"{label} sigmoid", diff(torch.sigmoid(out.logits).numpy(), case["sigmoid"]))
                if "last_hidden_state" in case:
                    h = out.hidden_states[-1].numpy()
                    assert list(h.shape) == case["last_hidden_state_shape"], (h.shape, case["last_hidden_state_shape"])
                    add(f"{label} last_hidden_state", diff(h, case["last_hidden_state"]))
                check_tokens(tok, case["pairs"], ml, case, label)
        else:
            with torch.no_grad():
                out = model(**batch(exp, model))
            h = out.last_hidden_state.numpy()
            assert list(h.shape) == exp["last_hidden_state_shape"], (h.shape, exp["last_hidden_state_shape"])
            add(f"{name} last_hidden_state", diff(h, exp["last_hidden_state"]))
            if exp.get("missing_head_keys") is not None:
                _, info2 = AutoModelForSequenceClassification.from_pretrained(
                    str(d), num_labels=1, output_loading_info=True)
                got = sorted(info2["missing_keys"])
                want = sorted(exp["missing_head_keys"])
                add(f"{name} missing head keys (AutoModelForSequenceClassification)", exact=got == want,
                    note=f"transformers: {got}" + ("" if got == want else f"; fixture: {want}"))
            # tokenization of the base fixture's batch: pairs are the cross-encoder ones (same four pairs)
            pairs_src = fx / name.replace("-base", "-cross-encoder") / "expected.json"
            if pairs_src.exists():
                pairs = json.loads(pairs_src.read_text())["cases"][0]["pairs"]
                check_tokens(tok, pairs, None, exp, f"{name} (pairs of {pairs_src.parent.name})")

    # ---- training replay -------------------------------------------------------------------------------------
    ts = json.loads((fx / "training-steps.json").read_text())
    opt = ts["optimizer"]
    assert opt["type"] == "AdamW" and opt["schedule"] == "constant", opt
    start = fx / ts["start_model"]

    def replay(variant=None):
        """Run the fixture's steps. variant (negative controls only): 'decay_all', 'no_clip', 'gelu_tanh'."""
        extra = {"hidden_act": "gelu_new"} if variant == "gelu_tanh" else {}
        model = AutoModelForSequenceClassification.from_pretrained(
            str(start), hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **extra)
        model.train()
        no_decay = [] if variant == "decay_all" else opt["no_decay"]
        named = list(model.named_parameters())
        groups = [
            {"params": [p for n, p in named if not any(nd in n for nd in no_decay)],
             "weight_decay": opt["weight_decay"]},
            {"params": [p for n, p in named if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
        ]
        optim = torch.optim.AdamW(groups, lr=opt["lr"], betas=tuple(opt["betas"]), eps=opt["eps"])
        loss_fn = torch.nn.BCEWithLogitsLoss()
        log = []
        for step in ts["steps"]:
            feats = batch(step, model)
            labels = torch.tensor(step["labels"], dtype=torch.float32)
            logits = model(**feats).logits.view(-1)
            loss = loss_fn(logits, labels)
            loss.backward()
            max_norm = float("inf") if variant == "no_clip" else opt["max_grad_norm"]
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optim.step()
            optim.zero_grad()
            log.append({"loss": float(loss), "grad_norm_before_clip": float(norm)})
        model.eval()
        with torch.no_grad():
            logits = model(**batch(ts["after"], model)).logits.view(-1).numpy()
        return model, log, logits

    model, step_log, logits = replay()
    for i, (step, got) in enumerate(zip(ts["steps"], step_log)):
        add(f"training step {i + 1} loss", abs(got["loss"] - step["loss"]), extra={"got": got["loss"]})
        add(f"training step {i + 1} pre-clip grad norm",
            abs(got["grad_norm_before_clip"] - step["grad_norm_before_clip"]),
            extra={"got": got["grad_norm_before_clip"]})
    after = ts["after"]
    weight_keys = [k for k in after if k not in ("input_ids", "attention_mask", "token_type_ids", "logits")]
    add("training after: logits", diff(logits, after["logits"]), extra={"got": [float(x) for x in logits]})
    params = dict(model.named_parameters())
    for key in weight_keys:
        add(f"training after: {key}", diff(params[key].detach().numpy(), after[key]))

    # Negative controls: plausible mistakes must be caught by the same comparison (they are not counted as
    # failures; the audit only reports how far each lands from the fixture).
    controls = {}
    for variant in ("decay_all", "no_clip", "gelu_tanh"):
        m, _, lg = replay(variant)
        ps = dict(m.named_parameters())
        worst_c = max([diff(lg, after["logits"])] + [diff(ps[k].detach().numpy(), after[k]) for k in weight_keys])
        controls[variant] = worst_c
    print("negative controls (max |diff| of the `after` values if the replay made this mistake): "
          + ", ".join(f"{k} {v:.2e}" for k, v in controls.items()))

    # ---- report ------------------------------------------------------------------------------------------------
    bad = []
    for r in rows:
        if r["max_abs_diff"] is not None and r["max_abs_diff"] > args.tol:
            bad.append(r)
        if r["exact"] is False:
            bad.append(r)
    width = max(len(r["item"]) for r in rows)
    print(f"{'item':<{width}}  max |diff|   status")
    for r in rows:
        if r["max_abs_diff"] is not None:
            status = "OK" if r["max_abs_diff"] <= args.tol else f"DIFFERS (> {args.tol:g})"
            print(f"{r['item']:<{width}}  {r['max_abs_diff']:.3e}   {status}")
        else:
            status = "OK" if r["exact"] else "MISMATCH"
            print(f"{r['item']:<{width}}  {'exact':>9}   {status}  {r['note']}")
    worst = max((r["max_abs_diff"] for r in rows if r["max_abs_diff"] is not None), default=0.0)
    print(f"\n{len(rows)} items, worst numeric |diff| {worst:.3e}, tolerance {args.tol:g}: "
          + ("ALL AGREE" if not bad else f"{len(bad)} DISAGREE"))

    from importlib import metadata

    report = {
        "about": "shared/fixtures vs real transformers (bench/audit_fixtures.py)",
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": metadata.version("tokenizers"),
            "safetensors": metadata.version("safetensors"),
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "torch_threads": torch.get_num_threads(),
        "tolerance": args.tol,
        "worst_max_abs_diff": worst,
        "all_agree": not bad,
        "training_replay": step_log,
        "negative_controls": controls,
        "items": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {out}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
