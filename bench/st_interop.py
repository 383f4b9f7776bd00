"""Interop both ways between our SentenceTransformer and Python's, on the real all-MiniLM-L6-v2 when present.

    bench/.venv/bin/python bench/st_interop.py [--model DIR] [--python PY2]

1. ours -> Python: we load --model and save it (bench/st_interop.ts save); Python's SentenceTransformer loads our
   folder; max |Δ| between its embeddings and ours on 200 STSb test sentences.
2. Python -> ours: Python fine-tunes --model for 20 steps (CosineSimilarityLoss, AdamW lr 5e-5, STSb train) with a Dense(→128, tanh)
   and Normalize added, saves it; we load that folder; max |Δ| between our embeddings and Python's.
--python also loads our saved folder with a second interpreter (e.g. bench/.venv-torch2/bin/python, a newer
sentence-transformers).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import numpy as np
import torch
from sentence_transformers import SentenceTransformer, losses, models

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STSB = REPO.parent / "shared" / "data" / "stsb"


def rows(name, n):
    with open(STSB / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:n]


def ours(*args):
    subprocess.run(["npx", "tsx", str(HERE / "st_interop.ts"), *args], cwd=REPO, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(HERE / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--python", default=None)
    a = ap.parse_args()
    test = rows("test.tsv", 100)
    texts = [r["sentence1"] for r in test] + [r["sentence2"] for r in test]
    tmp = Path(tempfile.mkdtemp(prefix="st-interop-"))
    (tmp / "texts.json").write_text(json.dumps(texts))
    report = {}

    ours("save", a.model, str(tmp / "ours-saved"), str(tmp / "texts.json"), str(tmp / "ours.json"))
    mine = np.array(json.loads((tmp / "ours.json").read_text()))
    py = SentenceTransformer(str(tmp / "ours-saved"), device="cpu").encode(texts, batch_size=32)
    report["ours_saved_loaded_by_python_max_abs_diff"] = float(np.abs(py - mine).max())
    if a.python:
        code = "import json,sys,numpy as np;from sentence_transformers import SentenceTransformer as S;t=json.load(open(sys.argv[2]));print(json.dumps(S(sys.argv[1],device='cpu').encode(t,batch_size=32).tolist()))"
        out = subprocess.run([a.python, "-c", code, str(tmp / "ours-saved"), str(tmp / "texts.json")], check=True, capture_output=True, text=True).stdout
        report["ours_saved_loaded_by_second_python_max_abs_diff"] = float(np.abs(np.array(json.loads(out.strip().splitlines()[-1])) - mine).max())

    torch.manual_seed(0)
    base = SentenceTransformer(a.model, device="cpu")
    dim = base.get_sentence_embedding_dimension()
    trained = SentenceTransformer(modules=[base[0], base[1], models.Dense(dim, 128, activation_function=torch.nn.Tanh()), models.Normalize()], device="cpu")
    # A plain loop (this venv has no accelerate, which SentenceTransformerTrainer needs): 20 steps of 16 pairs.
    train = rows("train.tsv", 320)
    loss_fn = losses.CosineSimilarityLoss(trained)
    opt = torch.optim.AdamW(trained.parameters(), lr=5e-5)
    trained.train()
    for s in range(0, len(train), 16):
        b = train[s : s + 16]
        feats = [trained.tokenize([r[c] for r in b]) for c in ("sentence1", "sentence2")]
        loss = loss_fn(feats, torch.tensor([float(r["score"]) for r in b]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    trained.eval()
    trained.save(str(tmp / "python-saved"))
    want = trained.encode(texts, batch_size=32)
    ours("encode", str(tmp / "python-saved"), str(tmp / "texts.json"), str(tmp / "ours-of-python.json"))
    got = np.array(json.loads((tmp / "ours-of-python.json").read_text()))
    report["python_trained_saved_loaded_by_ours_max_abs_diff"] = float(np.abs(got - want).max())
    report["python_modules"] = json.loads((tmp / "python-saved" / "modules.json").read_text())
    report["texts"] = len(texts)
    report["model"] = a.model
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
