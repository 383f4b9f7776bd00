"""Side-by-side STSb fine-tuning: sentence-transformers (PyTorch) vs ours (TensorFlow.js), same model, data and recipe.

    bench/.venv/bin/python bench/side_by_side.py --seeds 0            # run what is missing, then write the table
    bench/.venv/bin/python bench/side_by_side.py --seeds 0,1,2 --only st
    bench/.venv/bin/python bench/side_by_side.py --seeds 0 --table-only  # just (re)write the table from what exists

For each seed S and framework, run (sequentially, niced, under /usr/bin/time -v for wall time and peak RSS):
  st:   bench/.venv/bin/python bench/train_st.py --model M --data-dir D --seed S --out bench/results/st-seedS
        (logs: bench/results/st-seedS.log, bench/results/st-seedS.time.txt)
  ours: npm run train:stsb -- --model M --data-dir D --seed S --no-progress --output bench/results/ours-seedS
        (logs: bench/results/ours-seedS.log, bench/results/ours-seedS.time.txt), then
        npx tsx bench/ts_helper.mjs predict --model bench/results/ours-seedS/final --data D/test.tsv
        --out bench/results/ours-seedS/test-predict.json  (inference speed on the 1379 test pairs, batch 32)
A run whose results.json (and time file) already exists is not rerun unless --force.
Same recipe on both sides: BCEWithLogits on gold/5, batch 16, 4 epochs, AdamW lr 2e-5 wd 0.01 (not on bias/LayerNorm),
linear warm-up over 10 % of the steps then linear decay, clip 1.0, max length = the model's (512), one pair order.
Differences that stay: the data order (both seeded, different RNGs), dropout masks, ST's old_fit strips each training
sentence, ST evaluates validation once per epoch and ours 4x per epoch plus at each epoch end.
Metrics: test Pearson/Spearman of sigmoid(logits) vs gold (scipy for ST; ours' own evaluator, cross-checked here with
scipy on the logits of the test predict). Training pairs/s: ST excludes its validation time; ours' trainSeconds
includes its validation passes, so the table gives ours both ways (the "train only" figure is the median of the
20-step windows of log.jsonl, which is what training alone runs at). Writes bench/results/side-by-side.json and .md.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
from side_by_side_runs import run_seeds  # noqa: E402
PY = HERE / ".venv" / "bin" / "python"


def sh(cmd, log, time_file):
    """Run niced under /usr/bin/time -v; sample the 1-minute load average every 30 s into <time_file>.load.json."""
    import threading
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    samples, stop = [], threading.Event()

    def sample():
        while True:
            samples.append(os.getloadavg()[0])
            if stop.wait(30):
                return

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    with open(log, "w") as f:
        r = subprocess.run(["/usr/bin/time", "-v", "-o", str(time_file), "nice", "-n", "5", *map(str, cmd)],
                           cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
    stop.set()
    th.join()
    Path(str(time_file) + ".load.json").write_text(json.dumps({"loadavg_1min_samples": samples}) + "\n")
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): see {log}")


def parse_time_v(path):
    text = Path(path).read_text()
    load = Path(str(path) + ".load.json")
    samples = json.loads(load.read_text())["loadavg_1min_samples"] if load.exists() else []
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    command = re.search(r'Command being timed: "(.*)"', text).group(1)
    return {"peak_rss_mb": rss_kb / 1024.0, "wall_seconds": secs, "cpu_seconds": user + system,
            "niced": command.startswith("nice "), "command": command,
            "loadavg_mean": statistics.mean(samples) if samples else None, "loadavg_max": max(samples) if samples else None}


def run_st(seed, a):
    out = RESULTS / f"st-seed{seed}"
    tf = RESULTS / f"st-seed{seed}.time.txt"
    if a.force or not (out / "results.json").exists() or not tf.exists():
        sh([PY, HERE / "train_st.py", "--model", a.model, "--data-dir", a.data_dir, "--seed", seed, "--out", out],
           RESULTS / f"st-seed{seed}.log", tf)


def run_ours(seed, a):
    out = RESULTS / f"ours-seed{seed}"
    tf = RESULTS / f"ours-seed{seed}.time.txt"
    if a.force or not (out / "results.json").exists() or not tf.exists():
        # which lib/ trained it (the working tree may be ahead of HEAD)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "lib", "scripts"], cwd=ROOT, capture_output=True, text=True).stdout
        (RESULTS / f"ours-seed{seed}.commit.txt").write_text(f"{head}\n{dirty}")
        sh(["npm", "run", "train:stsb", "--", "--model", a.model, "--data-dir", a.data_dir, "--seed", seed,
            "--no-progress", "--output", out], RESULTS / f"ours-seed{seed}.log", tf)
    pred = out / "test-predict.json"
    if a.force or not pred.exists():
        sh(["npx", "tsx", HERE / "ts_helper.mjs", "predict", "--model", out / "final", "--data",
            Path(a.data_dir) / "test.tsv", "--out", pred], RESULTS / f"ours-seed{seed}.predict.log",
           RESULTS / f"ours-seed{seed}.predict.time.txt")


def read_gold(data_dir):
    sys.path.insert(0, str(HERE))
    from write_stsb_parquet import read_tsv
    return read_tsv(Path(data_dir) / "test.tsv")[2]


def collect_st(seed):
    out = RESULTS / f"st-seed{seed}"
    if not (out / "results.json").exists():
        return None
    r = json.loads((out / "results.json").read_text())
    t = parse_time_v(RESULTS / f"st-seed{seed}.time.txt")
    return {
        "framework": "sentence-transformers", "seed": seed,
        "test_pearson": r["test_pearson"], "test_spearman": r["test_spearman"],
        "train_pairs_per_s": r["train_pairs_per_s"], "train_pairs_per_s_incl_eval": r["train_pairs_per_s"] * r["train_seconds"] / (r["train_seconds"] + r["dev_eval_seconds"]),
        "inference_pairs_per_s": r["inference_pairs_per_s"], "steps": r["total_steps"],
        "train_seconds": r["train_seconds"], "dev_eval_seconds": r["dev_eval_seconds"], **t,
        "backend": f"PyTorch {r['versions']['torch']} CPU (Debian, OpenBLAS), {r['torch_threads']} threads",
        "versions": r["versions"],
    }


def collect_ours(seed, data_dir):
    out = RESULTS / f"ours-seed{seed}"
    if not (out / "results.json").exists() or not (RESULTS / f"ours-seed{seed}.time.txt").exists():
        return None
    r = json.loads((out / "results.json").read_text())
    t = parse_time_v(RESULTS / f"ours-seed{seed}.time.txt")
    test = next(m for m in r["metrics"] if m["split"] == "test")
    rows = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines() if x.strip()]
    windows = [x["pairs_per_s"] for x in rows if x.get("type") == "train" and x.get("pairs_per_s")]
    res = {
        "framework": "ours (tfjs)", "seed": seed,
        "test_pearson": test["pearson"], "test_spearman": test["spearman"],
        "train_pairs_per_s": statistics.median(windows) if windows else None,
        "train_pairs_per_s_incl_eval": r["pairsPerSecond"], "steps": r["steps"],
        "train_seconds": r["trainSeconds"], "evals": sum(1 for x in rows if x.get("type") == "eval"), **t,
    }
    c = RESULTS / f"ours-seed{seed}.commit.txt"
    if c.exists():
        lines = c.read_text().splitlines()
        res["commit"] = lines[0] + (" (+ uncommitted changes in lib/ or scripts/)" if len(lines) > 1 else "")
    pred = out / "test-predict.json"
    if pred.exists():
        p = json.loads(pred.read_text())
        res["inference_pairs_per_s"] = p["pairsPerSecond"]
        res["backend"] = p["backend"].split(":")[0]
        from scipy.stats import pearsonr, spearmanr
        gold = read_gold(data_dir)
        s = [1 / (1 + math.exp(-x)) for x in p["logits"]]
        res["test_pearson_recomputed"] = float(pearsonr(gold, s)[0])
        res["test_spearman_recomputed"] = float(spearmanr(gold, s)[0])
    return res


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {os.cpu_count()} vCPU, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, node {node}, Python {platform.python_version()}"


def ms(xs, fmt="{:.4f}"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(statistics.mean(xs))} ± {fmt.format(statistics.stdev(xs))}"


def table(seeds, a):
    runs = {"st": [r for s in seeds if (r := collect_st(s))], "ours": [r for s in seeds if (r := collect_ours(s, a.data_dir))]}
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Side-by-side STSb fine-tuning ({Path(a.model).name}, test split, 1379 pairs)", "",
             f"Date: {date}. Machine: {machine()}. Shared with other jobs (other sessions' benchmarks and test runs; runs of the two frameworks may overlap); "
             "1-min load average during each run (mean / max, 2 vCPUs), and whether the run was niced: " + "; ".join(
                 (f"{r['framework']} seed {r['seed']} {r['loadavg_mean']:.1f} / {r['loadavg_max']:.1f}" if r.get("loadavg_mean") is not None
                  else f"{r['framework']} seed {r['seed']} load not sampled") + (", nice 5" if r["niced"] else ", not niced")
                 for k in ("st", "ours") for r in runs[k]) + ". Wall times and pairs/s on a loaded machine are pessimistic; "
             "CPU time (user + sys of the whole command) depends less on the load.",
             "Recipe (both): BCEWithLogits on gold/5, batch 16, 4 epochs, AdamW lr 2e-5 wd 0.01, 10 % linear warm-up then linear decay, clip 1.0, max length 512.", ""]
    hdr = "| framework | backend | seeds | test Pearson | test Spearman | train pairs/s (train only) | train pairs/s (incl. validation) | inference pairs/s (test, batch 32) | peak RSS MB | wall time | CPU time |"
    lines += [hdr, "|---" * (hdr.count("|") - 1) + "|"]
    for key in ("st", "ours"):
        rs = runs[key]
        if not rs:
            lines.append(f"| {'sentence-transformers 4.0.1' if key == 'st' else 'ours (tfjs)'} | | not run yet | | | | | | | | |")
            continue
        lines.append("| " + " | ".join([
            "sentence-transformers " + rs[0]["versions"]["sentence_transformers"] if key == "st" else "ours (tfjs-cross-encoder)",
            rs[0].get("backend", "?"),
            ",".join(str(r["seed"]) for r in rs),
            ms([r["test_pearson"] for r in rs]), ms([r["test_spearman"] for r in rs]),
            ms([r["train_pairs_per_s"] for r in rs], "{:.1f}"), ms([r["train_pairs_per_s_incl_eval"] for r in rs], "{:.1f}"),
            ms([r.get("inference_pairs_per_s") for r in rs], "{:.1f}"), ms([r["peak_rss_mb"] for r in rs], "{:.0f}"),
            ms([r["wall_seconds"] / 60 for r in rs], "{:.1f}") + " min",
            ms([r["cpu_seconds"] / 60 for r in rs], "{:.1f}") + " min",
        ]) + " |")
    if runs["st"] and runs["ours"]:
        common = sorted({r["seed"] for r in runs["st"]} & {r["seed"] for r in runs["ours"]})
        st = {r["seed"]: r for r in runs["st"]}
        ou = {r["seed"]: r for r in runs["ours"]}
        lines += ["", "Per seed, ours minus sentence-transformers: " + "; ".join(
            f"seed {s}: Pearson {ou[s]['test_pearson'] - st[s]['test_pearson']:+.4f}, Spearman {ou[s]['test_spearman'] - st[s]['test_spearman']:+.4f}"
            for s in common) + ". Target: |Δ Spearman| ≤ 0.01."]
    lines += ["", "Notes: ST's training pairs/s excludes its per-epoch validation; ours' \"train only\" is the median of the 20-step windows in log.jsonl "
              "(ours validates 4x per epoch plus at each epoch end, and its own trainSeconds includes that). "
              "Wall time and peak RSS are /usr/bin/time -v of the whole training command (ours: npm + tsx + node; the validation passes and the "
              "final test evaluation included). ST's inference is its in-process test predict after training (2 threads); ours is "
              "bench/ts_helper.mjs predict on final/ (model load and one warm-up batch excluded)."]
    md = "\n".join(lines) + "\n"
    (RESULTS / "side-by-side.md").write_text(md)
    (RESULTS / "side-by-side.json").write_text(json.dumps({"date": date, "machine": machine(), "model": a.model, "runs": runs}, indent=1) + "\n")
    print(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="bench/models/minilm-l6-cross-encoder")
    ap.add_argument("--data-dir", default="../shared/data/stsb")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--only", choices=["st", "ours"])
    ap.add_argument("--force", action="store_true", help="rerun even if results exist")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    run_seeds(a, RESULTS, run_st, run_ours, table)


if __name__ == "__main__":
    sys.exit(main())
