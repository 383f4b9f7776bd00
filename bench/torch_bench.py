#!/usr/bin/env python3
"""PyTorch side of `npm run bench`: the same shapes and the very same tokenised batches as the TF.js run.

    bench/.venv/bin/python bench/torch_bench.py --config MODEL_DIR/config.json --batches BATCHES.json --threads 2 [--device cuda]

The batches file is written by the TF.js child (scripts/bench/child.ts): padded input ids, attention masks and token
type ids of every training batch (warm-up + timed) and every inference batch, exactly as the library fed them.
The model is transformers' BertForSequenceClassification / RobertaForSequenceClassification, randomly initialised
from the same config.json (dropout as configured, num_labels 1); when transformers is missing, a plain torch
re-implementation of the same post-LN encoder and head is used instead (the result says which).
Training: AdamW (lr 2e-5, weight decay 0.01), BCEWithLogitsLoss, clip_grad_norm_ 1.0, model.train().
Inference: model.eval() under torch.inference_mode(); one warm-up pass over the batches, then a timed pass.
Prints one JSON object on stdout (pairs/s, per-step times, ru_maxrss in KB, versions, threads).

Runs under both harness venvs: bench/.venv (Debian torch 1.13 with OpenBLAS, transformers 4.46) and bench/.venv-torch2
(PyPI torch 2.x with MKL/oneDNN, current transformers; bash bench/setup.sh --torch2). Attention is transformers'
`eager` implementation by default (--attn eager|sdpa): torch 1.13 has no scaled_dot_product_attention, so eager is the
one both builds can run, and it is the same explicit softmax(QK^T)V the library computes. The result records it.

Before measuring, it reports the matmul kernel and refuses to measure on a fallback one (bench/blas_kernel.py):
Debian torch: threadpoolctl's OpenBLAS `architecture`; PyPI torch: MKL (torch.backends.mkl.is_available(), its
version from torch.__config__.show(), its instruction-set path from one MKL_VERBOSE sgemm in a subprocess) and
ATen's CPU capability. A refusal prints {"ok": false, "refused": "why", ...} and exits 0, so the bench goes on.
"""
import argparse
import json
import math
import os
import platform
import re
import resource
import subprocess
import sys
import time

from blas_kernel import cpu_isa, verdict


def plain_model(cfg, torch):
    """BERT/RoBERTa-style post-LN encoder + HF classification head, for when transformers is not installed."""
    nn = torch.nn
    H, A, I, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    p_h, p_a = cfg.get("hidden_dropout_prob", 0.1), cfg.get("attention_probs_dropout_prob", 0.1)
    eps = cfg.get("layer_norm_eps", 1e-12)
    roberta = cfg.get("model_type") == "roberta"

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(H, H) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(H, eps=eps), nn.LayerNorm(H, eps=eps)
            self.f1, self.f2 = nn.Linear(H, I), nn.Linear(I, H)
            self.dh, self.da = nn.Dropout(p_h), nn.Dropout(p_a)

        def forward(self, x, bias):
            B, T, _ = x.shape
            sp = lambda t: t.view(B, T, A, H // A).transpose(1, 2)
            s = sp(self.q(x)) @ sp(self.k(x)).transpose(-1, -2) / math.sqrt(H // A) + bias
            c = (self.da(s.softmax(-1)) @ sp(self.v(x))).transpose(1, 2).reshape(B, T, H)
            h = self.ln1(x + self.dh(self.o(c)))
            return self.ln2(h + self.dh(self.f2(nn.functional.gelu(self.f1(h)))))

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.word = nn.Embedding(cfg["vocab_size"], H)
            self.pos = nn.Embedding(cfg["max_position_embeddings"], H)
            self.typ = nn.Embedding(max(cfg.get("type_vocab_size", 2), 1), H)
            self.ln = nn.LayerNorm(H, eps=eps)
            self.drop = nn.Dropout(p_h)
            self.layers = nn.ModuleList(Layer() for _ in range(L))
            self.dense, self.out = nn.Linear(H, H), nn.Linear(H, 1)
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(m.weight, std=cfg.get("initializer_range", 0.02))

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            B, T = input_ids.shape
            if roberta:
                pad = cfg.get("pad_token_id", 1)
                m = (input_ids != pad).long()
                pos = torch.cumsum(m, 1) * m + pad
            else:
                pos = torch.arange(T).expand(B, T)
            x = self.word(input_ids) + self.pos(pos) + self.typ(token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids))
            x = self.drop(self.ln(x))
            bias = (1.0 - attention_mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
            for layer in self.layers:
                x = layer(x, bias)
            h0 = x[:, 0]
            return self.out(self.drop(torch.tanh(self.dense(self.drop(h0) if roberta else h0))))

    return Model()


def config_line(show, pattern):
    m = re.search(pattern, show, re.M)
    return m.group(1).strip() if m else None


def mkl_isa():
    """MKL's instruction-set path, from the MKL_VERBOSE line of one sgemm in a fresh interpreter (MKL reads the
    variable when it loads). None when it cannot be told."""
    code = "import torch\na = torch.ones(256, 256)\ntorch.mm(a, a)\n"
    try:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={**os.environ, "MKL_VERBOSE": "1"})
    except Exception:  # noqa: BLE001
        return None
    # "... for Intel(R) 64 architecture Intel(R) Advanced Vector Extensions 2 (Intel(R) AVX2) enabled processors, Lnx ..."
    m = re.search(r"for Intel\(R\) 64 architecture (.*?), Lnx", r.stdout)
    return m.group(1).strip() if m else None


def kernel_report(torch):
    """Which build this is, its BLAS and matmul kernel, and whether that kernel is a fallback for this CPU."""
    try:
        with open("/proc/cpuinfo") as f:
            level = cpu_isa(f.read())
    except OSError:
        level = None
    show = torch.__config__.show()
    debian = torch.__file__.startswith("/usr/lib/python3/")
    rep = {"build": "debian" if debian else "pypi", "torchFile": torch.__file__, "cpuIsa": level, "checks": []}
    cap = None
    if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability"):
        cap = torch.backends.cpu.get_cpu_capability()
    cap = cap or config_line(show, r"CPU capability usage:\s*(\S+)")
    rep["cpuCapability"] = cap
    mkl = bool(torch.backends.mkl.is_available())
    rep["mkl"] = mkl
    onednn = config_line(show, r"^\s*-\s*Intel\(R\) (?:MKL-DNN|oneDNN) (v[^\s]+)")
    rep["onednn"] = f"oneDNN {onednn}" if onednn else None
    parts = []
    if mkl:
        ver = config_line(show, r"Math Kernel Library Version ([^\s]+)")
        isa = mkl_isa()
        rep["mklVersion"], rep["mklIsa"] = ver, isa
        parts.append(f"MKL {ver or '?'} (MKL_VERBOSE: {isa or 'no line'})")
        if isa:
            rep["checks"].append(("mkl", isa))
    else:
        try:
            import numpy  # noqa: F401
            from threadpoolctl import threadpool_info  # type: ignore

            blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        except Exception:  # noqa: BLE001
            blas = []
        for i in blas:
            parts.append(f"{i.get('internal_api')} {i.get('version')} {i.get('threading_layer', '')} kernel {i.get('architecture')}".replace("  ", " "))
            if i.get("internal_api") == "openblas":
                rep["openblasArchitecture"] = i.get("architecture")
                rep["checks"].append(("openblas", i.get("architecture")))
        if not blas:
            parts.append("BLAS not identified (no MKL, threadpoolctl saw no BLAS)")
    if rep["onednn"]:
        parts.append(rep["onednn"])
    if cap:
        parts.append(f"CPU capability {cap}")
        rep["checks"].append(("isa", cap))
    verdicts = [verdict(level, kind, name) for kind, name in rep["checks"]]
    rep["checks"] = [{"kind": k, "name": n, "ok": ok, "why": why} for (k, n), (ok, why) in zip(rep["checks"], verdicts)]
    refused = [why for ok, why in verdicts if not ok]
    if refused:
        rep["refused"] = "; ".join(refused)
        openblas_refused = any(c["kind"] == "openblas" and not c["ok"] for c in rep["checks"])
        for var in ("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY"):
            if os.environ.get(var):
                rep["refused"] += f" ({var}={os.environ[var]} is set)"
        if openblas_refused and not os.environ.get("OPENBLAS_CORETYPE"):
            rep["refused"] += (
                " (on Intel AVX-512 machines Debian's OpenBLAS 0.3.21 falls back to Prescott unless OPENBLAS_CORETYPE is set,"
                " about 5x slower)"
            )
    rep["blas"] = ", ".join(parts) + f"; CPU {level or '?'}"
    return rep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="config.json of the (random-init) model")
    ap.add_argument("--batches", required=True, help="batches JSON written by the TF.js child")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-transformers", action="store_true", help="use the plain torch re-implementation")
    ap.add_argument("--attn", choices=["eager", "sdpa"], default="eager", help="transformers' attention implementation (default eager: torch 1.13 has no sdpa)")
    ap.add_argument("--kernel-only", action="store_true", help="print the kernel report and exit")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where PyTorch runs (cuda: the GPU run, bench/gpu/run.sh)")
    args = ap.parse_args()

    out = {"ok": False, "python": platform.python_version()}
    try:
        import torch
    except Exception as e:  # noqa: BLE001
        out["error"] = f"torch is not importable ({e}); run bash bench/setup.sh"
        print(json.dumps(out))
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out.update(torch=torch.__version__, threads=torch.get_num_threads())
    if args.device == "cuda":
        if not torch.cuda.is_available():
            out["error"] = f"--device cuda: torch {torch.__version__} sees no CUDA device"
            print(json.dumps(out))
            return
        # No CPU-kernel rule on a GPU: the matmuls are cuBLAS's. TF32 stays as PyTorch's default for matmuls (off), so
        # both sides compute in float32, as the webgpu backend does.
        rep = {
            "build": "cuda",
            "checks": [],
            "blas": f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}, "
            f"TF32 matmul {'on' if torch.backends.cuda.matmul.allow_tf32 else 'off'}",
        }
    else:
        rep = kernel_report(torch)
    out.update(build=rep["build"], blas=rep["blas"], kernel=rep, device=args.device)
    if rep.get("refused") or args.kernel_only:
        if rep.get("refused"):
            out["refused"] = rep["refused"]
        else:
            out["ok"] = True
        print(json.dumps(out))
        return

    with open(args.config) as f:
        cfg = json.load(f)
    with open(args.batches) as f:
        data = json.load(f)

    model = None
    out["transformers"] = None
    if not args.no_transformers:
        try:
            import transformers
            from transformers import AutoConfig, AutoModelForSequenceClassification
        except ImportError as e:
            out["transformers_error"] = str(e).splitlines()[0]
        else:
            # Any error from here on fails the run (it says why) rather than falling back to the plain model, so a
            # row never mixes implementations: e.g. --attn sdpa on torch 1.13, which has no sdpa.
            transformers.logging.set_verbosity_error()
            hf_cfg = AutoConfig.for_model(**{k: v for k, v in cfg.items() if k not in ("architectures", "sentence_transformers", "torch_dtype", "dtype", "attn_implementation", "_attn_implementation")})
            hf_cfg.num_labels = 1
            # attn_implementation is a from_config keyword in transformers 4.36+ and 5.x alike. No dtype argument
            # (torch_dtype in 4.x, dtype in 5.x): both default to float32 for from_config; the result records it.
            model = AutoModelForSequenceClassification.from_config(hf_cfg, attn_implementation=args.attn)
            out["transformers"] = transformers.__version__
            out["impl"] = type(model).__name__
            out["attn"] = getattr(model.config, "_attn_implementation", None) or args.attn
    if model is None:
        model = plain_model(cfg, torch)
        out["impl"] = "plain torch re-implementation (transformers unavailable)"
        out["attn"] = "eager (plain)"
    out["dtype"] = str(next(model.parameters()).dtype).replace("torch.", "")
    dev = torch.device(args.device)
    model.to(dev)

    def tensors(b):
        # Host → device copies are inside the timed loop on both sides: the library uploads each batch too.
        t = {"input_ids": torch.tensor(b["input_ids"], device=dev), "attention_mask": torch.tensor(b["attention_mask"], device=dev)}
        if cfg.get("type_vocab_size", 0) > 0 and cfg.get("model_type") != "roberta":
            t["token_type_ids"] = torch.tensor(b["token_type_ids"], device=dev)
        return t

    def logits_of(o):
        return o.logits if hasattr(o, "logits") else o

    warmup, steps = data["warmup"], data["steps"]
    train = data["train"][: warmup + steps]
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    marks = [time.perf_counter()]
    for b in train:
        inp = tensors(b)
        labels = torch.tensor(b["labels"], dtype=torch.float32, device=dev)
        loss = loss_fn(logits_of(model(**inp)).view(-1), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.detach().item()  # wait for the step, on CUDA too (a plain float(loss) warns on torch 2.x)
        marks.append(time.perf_counter())
    bs = len(train[0]["labels"])
    timed = marks[-1] - marks[warmup]
    out["train"] = {
        "steps": steps,
        "warmup": warmup,
        "pairsPerSec": steps * bs / timed,
        "stepMs": [round((marks[i + 1] - marks[i]) * 1000) for i in range(len(marks) - 1)],
    }

    model.eval()
    n = sum(len(b["input_ids"]) for b in data["infer"])
    with torch.inference_mode():
        for _ in range(2):  # warm-up pass, then the timed pass
            t = time.perf_counter()
            for b in data["infer"]:
                logits_of(model(**tensors(b))).cpu().numpy()  # the scores on the host, as predict() returns them
            secs = time.perf_counter() - t
    out["infer"] = {"pairs": n, "batchSize": len(data["infer"][0]["input_ids"]), "pairsPerSec": n / secs}
    out["maxRssKB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.device == "cuda":
        out["maxGpuMemMB"] = round(torch.cuda.max_memory_allocated() / 2**20)
    out["ok"] = True
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.exit(0)
