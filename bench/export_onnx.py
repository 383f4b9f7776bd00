"""Export a *ForSequenceClassification folder to ONNX with torch.onnx (for scripts/bench/ort-proposal.ts only).

    bench/.venv/bin/python bench/export_onnx.py bench/models/bench-random-minilm /tmp/ort/minilm.onnx

Inputs input_ids / attention_mask / token_type_ids (int64, dynamic batch and length), output logits. Opset 14.
Do not pip-install onnx or onnxruntime into bench/.venv: they pull numpy 2, which breaks Debian's torch 1.13
("Numpy is not available"); torch.onnx.export needs neither.
"""
import sys

import torch
from transformers import AutoModelForSequenceClassification

src, dst = sys.argv[1], sys.argv[2]
model = AutoModelForSequenceClassification.from_pretrained(src).eval()
names = ["input_ids", "attention_mask", "token_type_ids"]
example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long), torch.zeros(2, 8, dtype=torch.long))
axes = {n: {0: "batch", 1: "tokens"} for n in names}
axes["logits"] = {0: "batch"}
torch.onnx.export(model, example, dst, input_names=names, output_names=["logits"], dynamic_axes=axes, opset_version=14)
print(f"wrote {dst}")
