"""Which parameters Hugging Face's Trainer exempts from weight decay, for each tiny architecture fixture: the reference
of AdamW's no-decay rule (lib/training/optimizer.ts, spec/optimizer-decay.spec.ts).

    bench/.venv-torch2/bin/python bench/decay_names.py    # -> spec/fixtures/decay-names.json

transformers.Trainer.get_decay_parameter_names(model) on AutoModelForSequenceClassification of each folder: the
parameters outside every LayerNorm-type module and without "bias" in their name (transformers 5.24 also matches
norm-like names). Written: for each fixture, the sorted names that are NOT decayed.
"""
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
MODELS = HERE.parent / "spec" / "fixtures" / "models"
NAMES = ["tiny-bert-cross-encoder", "tiny-roberta-cross-encoder", "tiny-distilbert-cross-encoder", "tiny-xlm-roberta-cross-encoder",
         "tiny-electra-cross-encoder", "tiny-modernbert-cross-encoder", "tiny-deberta-v2-cross-encoder"]


def main():
    import transformers
    from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

    out = {"transformers": transformers.__version__, "no_decay": {}}
    for name in NAMES:
        model = AutoModelForSequenceClassification.from_pretrained(str(MODELS / name))
        trainer = Trainer(model=model, args=TrainingArguments(output_dir="/tmp/decay-names", report_to="none", use_cpu=True))
        decay = set(trainer.get_decay_parameter_names(model))
        out["no_decay"][name] = sorted(n for n, _ in model.named_parameters() if n not in decay)
    (HERE.parent / "spec" / "fixtures" / "decay-names.json").write_text(json.dumps(out, indent=1) + "\n")
    print({k: len(v) for k, v in out["no_decay"].items()})


if __name__ == "__main__":
    main()
