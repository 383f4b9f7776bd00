"""The driver both side-by-side scripts share (bench/side_by_side.py, cross-encoder; bench/side_by_side_st.py,
bi-encoder): for each seed, sentence-transformers then ours, one after the other (the machine has 2 cores), each
skipped when its results already exist (the run_* functions decide), then the table; `run` times one command."""
import datetime
import json
import os
import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_seeds(a, results_dir, run_st, run_ours, table):
    seeds = [int(s) for s in a.seeds.split(",")]
    results_dir.mkdir(parents=True, exist_ok=True)
    if not a.table_only:
        for s in seeds:
            if a.only in (None, "st"):
                run_st(s, a)
            if a.only in (None, "ours"):
                run_ours(s, a)
    table(seeds, a)


def run(cmd, log, time_file, env=None):
    """Run under /usr/bin/time -v from the repository root, with the 1-minute load average at its start and end."""
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **(env or {}))
    load_start = os.getloadavg()
    t = time.time()
    with open(log, "w") as f:
        r = subprocess.run(["/usr/bin/time", "-v", "-o", str(time_file), *map(str, cmd)], cwd=ROOT, stdout=f,
                           stderr=subprocess.STDOUT, env=env)
    meta = {"loadavg_start": load_start, "loadavg_end": os.getloadavg(), "wall_seconds": time.time() - t,
            "started": datetime.datetime.fromtimestamp(t, datetime.timezone.utc).isoformat(), "command": [str(c) for c in cmd]}
    Path(str(time_file) + ".meta.json").write_text(json.dumps(meta) + "\n")
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): see {log}")


def cpu_seconds(time_file):
    text = Path(time_file).read_text()
    return sum(float(re.search(p + r" \(seconds\): ([\d.]+)", text).group(1)) for p in ("User time", "System time"))
