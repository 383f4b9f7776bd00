"""Per-step comparison of our trainer with sentence-transformers' old_fit loop on identical batches.

    bench/.venv/bin/python bench/step_compare.py [--steps 20] [--model bench/models/minilm-l6-cross-encoder]

Both sides train on the first STEPS*16 rows of STSb train.tsv in file order (no shuffling) with dropout 0 (so the only
differences left are numerics), BCEWithLogits on the 0-1 scores, AdamW lr 2e-5, weight decay 0.01 except bias and
LayerNorm weights, clip 1.0, and a linear schedule with WARMUP warm-up steps over TOTAL steps (defaults: the full-run
values 144 / 1440, so the learning rates are those of the real run's first steps).
  ours:   npx tsx scripts/cli.ts train --train <first rows> --no-shuffle --dropout 0 --max-steps STEPS
          --warmup-steps W --logging-steps 1 ... (TOTAL is then STEPS: see below) -> log.jsonl (loss, lr, grad_norm per step)
  python: the body of CrossEncoder.old_fit (sentence-transformers 4.0.1) written out so each step's loss and pre-clip
          gradient norm can be recorded: smart_batching_collate (strip + tokenizer(padding=True,
          truncation="longest_first", max_length)), model(**features).logits.view(-1), BCEWithLogitsLoss, backward,
          clip_grad_norm_(1.0), AdamW step, get_linear_schedule_with_warmup step.
Our --max-steps makes the schedule's total STEPS, so both sides use warm-up W over STEPS total here; pass --warmup to
choose W (default 2, so the run covers warm-up and decay). Writes bench/results/step-compare.json and prints a table.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from write_stsb_parquet import read_tsv  # noqa: E402


def python_steps(model_dir, rows, steps, warmup, lr, threads, strip):
    import torch
    import transformers
    from sentence_transformers import CrossEncoder

    torch.set_num_threads(threads)
    transformers.set_seed(0)
    ce = CrossEncoder(str(model_dir), num_labels=1, device="cpu",
                      config_kwargs={"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "classifier_dropout": 0.0})
    model = ce.model
    no_decay = ["bias", "LayerNorm.bias", "LayerNorm.weight"]
    params = list(model.named_parameters())
    groups = [{"params": [p for n, p in params if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
              {"params": [p for n, p in params if any(nd in n for nd in no_decay)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr)
    sched = transformers.get_linear_schedule_with_warmup(opt, num_warmup_steps=warmup, num_training_steps=steps)
    loss_fct = torch.nn.BCEWithLogitsLoss()
    model.train()
    out = []
    for s in range(steps):
        batch = rows[s * 16:(s + 1) * 16]
        a = [r[0].strip() if strip else r[0] for r in batch]
        b = [r[1].strip() if strip else r[1] for r in batch]
        feats = ce.tokenizer(a, b, padding=True, truncation="longest_first", return_tensors="pt", max_length=ce.max_length)
        labels = torch.tensor([r[2] for r in batch], dtype=torch.float32)
        step_lr = sched.get_last_lr()[0]
        logits = model(**feats, return_dict=True).logits.view(-1)
        loss = loss_fct(logits, labels)
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0))
        opt.step()
        opt.zero_grad()
        sched.step()
        out.append({"step": s + 1, "loss": float(loss), "grad_norm": norm, "lr": step_lr})
    model.eval()
    return out, ce


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(HERE / "models" / "minilm-l6-cross-encoder"))
    ap.add_argument("--data", default=str((ROOT / ".." / "shared" / "data" / "stsb" / "train.tsv").resolve()))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-strip", action="store_true", help="do not strip sentences on the Python side (old_fit does)")
    a = ap.parse_args()

    s1, s2, score = read_tsv(a.data)
    rows = list(zip(s1, s2, score))[: a.steps * 16]
    work = Path(tempfile.mkdtemp(prefix="step-compare-"))
    train = work / "train.tsv"
    train.write_text("sentence1\tsentence2\tscore\n" + "".join(f"{x}\t{y}\t{z!r}\n" for x, y, z in rows))
    ours_out = work / "ours"
    cmd = ["nice", "-n", "5", "npx", "tsx", "scripts/cli.ts", "train", "--model", a.model, "--train", str(train),
           "--output", str(ours_out), "--no-shuffle", "--dropout", "0", "--max-steps", str(a.steps),
           "--warmup-steps", str(a.warmup), "--logging-steps", "1", "--lr", str(a.lr), "--batch-size", "16",
           "--eval-steps", "0", "--no-progress"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"ours failed: {r.stderr[-3000:]}")
    ours = [json.loads(x) for x in (ours_out / "log.jsonl").read_text().splitlines() if x.strip()]
    ours = [x for x in ours if x.get("type") == "train"]

    py, ce = python_steps(a.model, rows, a.steps, a.warmup, a.lr, a.threads, not a.no_strip)
    # final weights after STEPS steps: score 64 test pairs with both final models
    ce_dir = work / "python-final"
    ce.save_pretrained(str(ce_dir))
    from safetensors.numpy import load_file
    pw, ow = load_file(str(ce_dir / "model.safetensors")), load_file(str(ours_out / "final" / "model.safetensors"))
    wdiff = {k: float(abs(pw[k].astype("float64") - ow[k].astype("float64")).max()) for k in pw if k in ow}
    worst = sorted(wdiff.items(), key=lambda kv: -kv[1])[:5]

    table = []
    print(f"{'step':>4} {'lr ours':>10} {'lr py':>10} {'loss ours':>11} {'loss py':>11} {'|Δloss|':>9} {'gnorm ours':>11} {'gnorm py':>11}")
    for o, p in zip(ours, py):
        d = abs(o["loss"] - p["loss"])
        table.append({"step": p["step"], "ours": {k: o[k] for k in ("loss", "lr", "grad_norm")}, "python": p, "abs_loss_diff": d})
        print(f"{p['step']:>4} {o['lr']:>10.3e} {p['lr']:>10.3e} {o['loss']:>11.7f} {p['loss']:>11.7f} {d:>9.2e} {o['grad_norm']:>11.6f} {p['grad_norm']:>11.6f}")
    res = {"model": a.model, "steps": a.steps, "warmup": a.warmup, "lr": a.lr, "strip_python": not a.no_strip,
           "max_abs_loss_diff": max(t["abs_loss_diff"] for t in table),
           "max_abs_grad_norm_diff": max(abs(t["ours"]["grad_norm"] - t["python"]["grad_norm"]) for t in table),
           "max_abs_weight_diff_after": max(wdiff.values()), "worst_weights_after": worst, "per_step": table, "work": str(work)}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "step-compare.json").write_text(json.dumps(res, indent=1) + "\n")
    print(f"max |Δloss| {res['max_abs_loss_diff']:.2e}, max |Δgrad_norm| {res['max_abs_grad_norm_diff']:.2e}, "
          f"max |Δweight| after {a.steps} steps {res['max_abs_weight_diff_after']:.2e} ({worst[0][0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
