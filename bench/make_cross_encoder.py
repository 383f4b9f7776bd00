"""Turn a real pretrained encoder into a 1-label cross-encoder with a freshly initialised, seeded head.

    bench/.venv/bin/python bench/make_cross_encoder.py --base bench/models/all-MiniLM-L6-v2 --seed 0 \
        --out bench/models/minilm-l6-cross-encoder

transformers.set_seed(seed) (Python, NumPy and torch RNGs) runs right before sentence_transformers.CrossEncoder(base,
num_labels=1), which calls AutoModelForSequenceClassification.from_pretrained(base, config with num_labels=1): the
encoder (and BERT's pooler) keep their pretrained weights, and only the missing `classifier` Linear is initialised by
transformers' _init_weights (weight ~ N(0, initializer_range), bias 0). It is saved with CrossEncoder.save_pretrained,
so config.json gets `architectures: [...ForSequenceClassification]` and the `sentence_transformers` block
(activation_fn Sigmoid, version). The script then reloads the folder and checks that CrossEncoder.predict with an
Identity activation equals AutoModelForSequenceClassification's logits, and writes head.json (classifier values and
a few reference logits) next to the model.
"""
import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PAIRS = [
    ["A man is playing a guitar.", "A man plays the guitar."],
    ["A woman is riding a horse.", "Someone is eating food."],
    ["It's a wonderful day outside.", "It's so sunny today!"],
    ["The plane is taking off.", "A dog is sleeping on the car, and a cat is sleeping on the plane with his girl."],
]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="HF encoder folder (e.g. bench/models/all-MiniLM-L6-v2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import torch
    import transformers
    import sentence_transformers
    from sentence_transformers import CrossEncoder
    from transformers import AutoModelForSequenceClassification

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)

    transformers.set_seed(args.seed)  # random, numpy, torch.manual_seed
    ce = CrossEncoder(args.base, num_labels=1, device="cpu")
    missing = sorted(n for n, _ in ce.model.named_parameters() if n.startswith("classifier"))
    ce.save_pretrained(str(out))

    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architectures"][0].endswith("ForSequenceClassification"), cfg["architectures"]
    assert cfg["num_labels"] if "num_labels" in cfg else len(cfg["id2label"]) == 1, cfg
    assert "sentence_transformers" in cfg, "config.json lacks the sentence_transformers block"

    # Reload both ways and compare raw logits.
    ce2 = CrossEncoder(str(out), device="cpu")
    st_logits = ce2.predict(PAIRS, activation_fn=torch.nn.Identity(), convert_to_tensor=True).float()
    hf = AutoModelForSequenceClassification.from_pretrained(str(out)).eval()
    enc = ce2.tokenizer(PAIRS, padding=True, truncation="longest_first", return_tensors="pt")
    with torch.no_grad():
        hf_logits = hf(**enc).logits.view(-1)
    diff = (st_logits - hf_logits).abs().max().item()
    assert diff <= 1e-6, f"CrossEncoder.predict vs AutoModelForSequenceClassification: {diff}"

    w = hf.classifier.weight.detach().view(-1)
    head = {
        "base": str(args.base),
        "seed": args.seed,
        "initialised": missing,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "model_safetensors_sha256": sha256(out / "model.safetensors"),
        "classifier.weight_shape": list(hf.classifier.weight.shape),
        "classifier.weight": [float(x) for x in w],
        "classifier.bias": [float(x) for x in hf.classifier.bias.detach().view(-1)],
        "classifier.weight_std": float(w.std()),
        "pairs": PAIRS,
        "input_ids": enc["input_ids"].tolist(),
        "logits": [float(x) for x in hf_logits],
        "sigmoid": [float(x) for x in torch.sigmoid(hf_logits)],
    }
    (out / "head.json").write_text(json.dumps(head, indent=1) + "\n")
    print(f"saved {out}: config.sentence_transformers={cfg['sentence_transformers']}")
    print(f"fresh head {missing}: weight std {head['classifier.weight_std']:.5f}, bias {head['classifier.bias']}")
    print(f"logits {[round(x, 6) for x in head['logits']]} (CrossEncoder vs AutoModel max |diff| {diff:.1e})")
    print(f"model.safetensors sha256 {head['model_safetensors_sha256']}")


if __name__ == "__main__":
    main()
