"""A SentencePiece Unigram tokenizer shaped like XLM-R's, and the ids HF tokenizers gives for it (fixture).

    PYTHONPATH=bench/.venv-spm/site bench/.venv/bin/python bench/make_unigram_tokenizer.py

No XLM-R / bge-reranker tokenizer.json could be had from a package here (the Hub is not reachable), so this builds
one the way XLM-R's was built:
  1. sentencepiece (PyPI `sentencepiece`, installed with `pip install --target bench/.venv-spm/site sentencepiece
     protobuf`) trains a Unigram model on the STSb train sentences plus MULTILINGUAL below, with sentencepiece's own
     nmt_nfkc normalization rule, so `precompiled_charsmap` is sentencepiece's real compiled nmt_nfkc map (the
     double-array trie plus the normalized-string blob), as in XLM-R's sentencepiece.bpe.model;
  2. transformers' XLMRobertaTokenizerFast(vocab_file=...) converts it (XLMRobertaConverter: fairseq ids
     <s>=0 <pad>=1 </s>=2 <unk>=3, <mask> last, Precompiled + Strip + Replace normalizer, Metaspace, the
     <s> A </s></s> B </s> template) and save_pretrained writes tokenizer.json;
  3. a second variant, `-legacy` (derived, not committed), has the normalizer and pre-tokenizer of the tokenizer.json files on the Hub
     (xlm-roberta-base, BAAI/bge-reranker-*): [Precompiled, Replace(" {2,}", " ")] and Metaspace with
     add_prefix_space;
  4. expected ids: transformers' fast tokenizer `tok(a, b, truncation=True, max_length=L)` (which runs HF's Rust
     tokenizers) for every STSb sentence and pair of all three splits, truncated pairs, and the odd-Unicode texts
     of ODD_TEXTS. STSb cases are stored as one FNV-1a hash of the ids per case (base64 of little-endian uint32),
     the odd texts with their full ids; spec/tokenizer-unigram.spec.ts checks them.
"""
import base64
import hashlib
import json
import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
STSB = ROOT.parent / "shared" / "data" / "stsb"
OUT = ROOT / "spec" / "fixtures" / "tokenizers"
SPLITS = ["train", "validation", "test"]
# Per STSb row: single s1, single s2, the pair untruncated, the pair cut to 24 and to 12 ids (longest_first).
VARIANTS = ["s1", "s2", "pair", "pair24", "pair12"]

# Extra training text so that the vocab has pieces for these scripts (else everything is <unk> and the Viterbi
# search over multi-character pieces is never exercised for them).
MULTILINGUAL = [
    "北京是中国的首都。上海是一个大城市。我们喜欢学习语言。",
    "日本語のテキストです。東京は日本の首都です。カタカナとひらがな。",
    "한국어 텍스트입니다. 서울은 한국의 수도입니다.",
    "مرحبا بالعالم. القاهرة هي عاصمة مصر. اللغة العربية جميلة.",
    "नमस्ते दुनिया। दिल्ली भारत की राजधानी है। हिन्दी भाषा।",
    "Привет, мир! Москва — столица России. Русский язык.",
    "Γειά σου κόσμε. Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "שלום עולם. ירושלים היא עיר.",
    "สวัสดีชาวโลก กรุงเทพเป็นเมืองหลวง",
    "Größe, Straße, naïve café, façade, jalapeño, smörgåsbord, İstanbul, Ångström.",
]

ODD_TEXTS = [
    "", " ", "   ", "x", "  leading and trailing  ", "many     spaces\t\ttabs", "a\nb\r\nc\u000bd\u000ce",
    "e\u0301 vs \u00e9", "a\u0300\u0301\u0302\u0303\u0304 stacked", "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307lgo",
    "\u0041\u030a \u212b \u00c5", "\uff21\uff22\uff23\uff11\uff12\uff13 \uff48\uff45\uff4c\uff4c\uff4f\u3000\uff57\uff4f\uff52\uff4c\uff44",
    "\uff21\u0301 full-width with accent", "\uff76\uff9e\uff8a\uff9f half-width kana", "\u2460\u2461 \u00bd \u2163 \u2122 \ufb01 \u00b5 \u33a1",
    "ctrl\u0001\u0002\u001f\u007f\u0080\u0085\u009fchars", "nul\u0000byte", "\u200bzero\u200cwidth\u200djoin\ufefffeff\u2060wj",
    "\u00ad soft\u00adhyphen", "bidi \u200e\u200f\u202a\u202b\u202c\u202d\u202e marks", "nbsp\u00a0\u2007\u202f\u2009thin\u3000ideo",
    "\U0001F44D\U0001F3FD thumbs", "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 family", "\U0001F1E9\U0001F1EA flag",
    "\u2764\ufe0f heart 1\ufe0f\u20e3 keycap", "\U0001F600\U0001F601\U0001F602 smileys", "\U0001F9D1\U0001F3FF\u200d\U0001F4BB coder",
    "北京是中国的首都。", "日本語のテキスト、カタカナ。", "한국어 텍스트", "\u1100\u1161\u11a8 jamo", "\U00020000\U00020001\U0002A6D6 ext-B",
    "مرحبا بالعالم", "\ufefb \ufdfa arabic ligatures", "नमस्ते दुनिया", "क्षत्रिय द्वार", "Привет, мир", "ΣΊΣΥΦΟΣ σίσυφος",
    "שלום עולם", "สวัสดีชาวโลก", "İstanbul ıi Straße", "``quoted'' text", "<mask>", "hello<mask>world", "x <mask> y",
    "<s>inside</s>", "<unk> <pad>", "\u2581\u2581meta\u2581space", "3.14159 1,000,000 $5 €10", "https://example.com/a?b=c&d=e",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism", "\u2122\u001eg", "\ufe0f\u200d leading joiners",
    "tab\there", "\u0130\u0307 dotted", "\u1e9b\u0323 long s", "\u0958\u0959 nukta", "\u0f73\u0f75 tibetan",
]


# The normalizer and pre-tokenizer of the xlm-roberta-base / bge-reranker tokenizer.json files on the Hub.
LEGACY_PRE_TOKENIZER = {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}


def legacy_normalizer(normalizer):
    precompiled = [n for n in normalizer["normalizers"] if n["type"] == "Precompiled"]
    return {"type": "Sequence", "normalizers": precompiled + [{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}


def fnv1a(ids):
    h = 2166136261
    for i in ids:
        for b in struct.pack("<i", i):
            h ^= b
            h = (h * 16777619) & 0xFFFFFFFF
    return h


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_split(split):
    rows = []
    with open(STSB / f"{split}.tsv", encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")[1:]
    for line in lines:
        if line == "":
            continue
        a, b, _ = line.split("\t")
        rows.append((a, b))
    return rows


def train(work):
    import sentencepiece as spm

    corpus = work / "corpus.txt"
    with open(corpus, "w", encoding="utf-8") as f:
        for a, b in read_split("train"):
            f.write(a + "\n" + b + "\n")
        for _ in range(20):
            for line in MULTILINGUAL:
                f.write(line + "\n")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(work / "spm"), model_type="unigram", vocab_size=3000,
        character_coverage=1.0, normalization_rule_name="nmt_nfkc", seed_sentencepiece_size=100000,
        num_threads=1, shuffle_input_sentence=False, minloglevel=2,
    )
    return work / "spm.model"


def encode_all(tok):
    # Batch calls, as sentence-transformers' CrossEncoder makes them: a single call tok(a, "") would treat the empty
    # second text as no pair at all (transformers tests `if text_pair`), a batch call keeps it a pair.
    def singles(xs, max_length=512):
        return tok(list(xs), truncation=True, max_length=max_length)["input_ids"]

    def pairs(xs, ys, max_length=512):
        return tok(list(xs), list(ys), truncation=True, max_length=max_length)["input_ids"]

    stsb = {}
    count = 0
    for split in SPLITS:
        rows = read_split(split)
        a, b = [r[0] for r in rows], [r[1] for r in rows]
        cols = [singles(a), singles(b), pairs(a, b), pairs(a, b, 24), pairs(a, b, 12)]
        hashes = [fnv1a(col[i]) for i in range(len(rows)) for col in cols]
        count += len(hashes)
        stsb[split] = base64.b64encode(struct.pack(f"<{len(hashes)}I", *hashes)).decode()
    odd = []
    b = ODD_TEXTS[1:] + ODD_TEXTS[:1]
    cols = {"single": singles(ODD_TEXTS), "pair": pairs(ODD_TEXTS, b), "pair16": pairs(ODD_TEXTS, b, 16), "pair8": pairs(ODD_TEXTS, b, 8)}
    for i, t in enumerate(ODD_TEXTS):
        odd.append({"a": t, "b": b[i], **{k: v[i] for k, v in cols.items()}})
        count += len(cols)
    return stsb, odd, count


class RustTokenizer:
    """tokenizers.Tokenizer.from_file called like a transformers tokenizer (batch, longest_first truncation)."""

    def __init__(self, folder):
        from tokenizers import Tokenizer

        self.tk = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))

    def __call__(self, xs, ys=None, truncation=True, max_length=512):
        self.tk.enable_truncation(max_length, strategy="longest_first")
        batch = list(xs) if ys is None else list(zip(xs, ys))
        return {"input_ids": [e.ids for e in self.tk.encode_batch(batch, add_special_tokens=True)]}


def verify():
    """--verify [--transformers]: recompute the ids with this environment's Rust tokenizers (or its transformers
    AutoTokenizer) and compare with the fixture."""
    import tokenizers
    import transformers
    from transformers import AutoTokenizer

    expected = json.loads((OUT / "unigram-expected.json").read_text(encoding="utf-8"))
    work = ROOT / "bench" / "results" / "unigram-work"
    name = "xlmr-unigram-stsb"
    legacy = work / f"{name}-verify-legacy"
    shutil.rmtree(legacy, ignore_errors=True)
    shutil.copytree(OUT / name, legacy)
    tj = json.loads((legacy / "tokenizer.json").read_text(encoding="utf-8"))
    tj["normalizer"] = legacy_normalizer(tj["normalizer"])
    tj["pre_tokenizer"] = LEGACY_PRE_TOKENIZER
    (legacy / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False, indent=2), encoding="utf-8")
    bad = 0
    for key, d in ((name, OUT / name), (f"{name}-legacy", legacy), ("deberta-v2-unigram-stsb", OUT / "deberta-v2-unigram-stsb")):
        tok = AutoTokenizer.from_pretrained(str(d)) if "--transformers" in sys.argv else RustTokenizer(d)
        stsb, odd, count = encode_all(tok)
        want = expected["tokenizers_dirs"][key]
        for split in SPLITS:
            a = struct.unpack(f"<{len(base64.b64decode(stsb[split])) // 4}I", base64.b64decode(stsb[split]))
            b = struct.unpack(f"<{len(base64.b64decode(want['stsb'][split])) // 4}I", base64.b64decode(want["stsb"][split]))
            n = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
            print(f"{key} {split}: {n} mismatches", file=sys.stderr)
            bad += n
        n = sum(x != y for x, y in zip(odd, want["odd"]))
        print(f"{key} odd texts: {n} mismatches {[o['a'] for o, w in zip(odd, want['odd']) if o != w]}", file=sys.stderr)
        bad += n
        print(f"{key}: {count} cases", file=sys.stderr)
    via = f"transformers {transformers.__version__} AutoTokenizer" if "--transformers" in sys.argv else f"tokenizers {tokenizers.__version__} Tokenizer.from_file"
    print(json.dumps({"via": via, "mismatches": bad}))
    return bad


def main():
    if "--verify" in sys.argv:
        sys.exit(1 if verify() else 0)
    import tokenizers
    import transformers
    from transformers import AutoTokenizer, DebertaV2TokenizerFast, XLMRobertaTokenizerFast

    work = ROOT / "bench" / "results" / "unigram-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    model = train(work)

    name = "xlmr-unigram-stsb"
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    fast = XLMRobertaTokenizerFast(vocab_file=str(model))
    fast.save_pretrained(str(out))
    for f in ("sentencepiece.bpe.model",):
        if (out / f).exists():
            (out / f).unlink()

    # The -legacy copy is not committed: the spec derives it from tokenizer.json with the same two replacements.
    legacy = work / f"{name}-legacy"
    shutil.copytree(out, legacy)
    tj = json.loads((legacy / "tokenizer.json").read_text(encoding="utf-8"))
    tj["normalizer"] = legacy_normalizer(tj["normalizer"])
    tj["pre_tokenizer"] = LEGACY_PRE_TOKENIZER
    (legacy / "tokenizer.json").write_text(json.dumps(tj, ensure_ascii=False, indent=2), encoding="utf-8")

    # DeBERTa-v2/v3's layout from the same model: DebertaV2Converter (Strip both sides, Precompiled, Replace; a
    # Sequence pre-tokenizer; [CLS] A [SEP] B [SEP] with type ids; its special tokens added past the vocab).
    deberta = OUT / "deberta-v2-unigram-stsb"
    shutil.rmtree(deberta, ignore_errors=True)
    DebertaV2TokenizerFast(vocab_file=str(model)).save_pretrained(str(deberta))
    for f in ("spm.model",):
        if (deberta / f).exists():
            (deberta / f).unlink()

    expected = {
        "generator": "bench/make_unigram_tokenizer.py",
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "variants": VARIANTS,
        "hash": "FNV-1a 32-bit over the ids as little-endian int32, one per case, row-major [row][variant]",
        "tokenizers_dirs": {},
    }
    total = 0
    for d in (out, legacy, deberta):
        tok = AutoTokenizer.from_pretrained(str(d))
        assert type(tok).__name__ in ("XLMRobertaTokenizerFast", "DebertaV2TokenizerFast"), type(tok).__name__
        stsb, odd, count = encode_all(tok)
        total += count
        expected["tokenizers_dirs"][d.name] = {"tokenizer_json_sha256": sha256(d / "tokenizer.json"), "stsb": stsb, "odd": odd, "cases": count}
        expected["tokenizers_dirs"][d.name]["texts"] = len(ODD_TEXTS)
        print(f"{d.name}: {count} cases", file=sys.stderr)
    expected["cases"] = total
    (OUT / "unigram-expected.json").write_text(json.dumps(expected, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in expected.items() if k != "tokenizers_dirs"}))


if __name__ == "__main__":
    main()
