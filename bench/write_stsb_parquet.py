"""Write the shared STSb TSV files as Parquet, the way Hugging Face `datasets` / the Hub store them.

    bench/.venv/bin/python bench/write_stsb_parquet.py [--data-dir ../shared/data/stsb] [--out-dir bench/data]

Input: {train,validation,test}.tsv, UTF-8, header `sentence1\\tsentence2\\tscore`, split on '\\t' only (no quoting:
the sentences contain bare '"'), no trimming (some sentences have leading/trailing spaces), score parsed as float64.
Output, each split as {split}-00000-of-00001.parquet:
  * out-dir/stsb-parquet/            pyarrow.parquet.write_table (snappy, dictionary encoding on = pyarrow's
                                     defaults, as datasets uses), schema sentence1: string, sentence2: string,
                                     score: double, plus the `huggingface` schema metadata datasets writes;
  * out-dir/stsb-parquet-datasets/   datasets.Dataset.from_pandas(df, preserve_index=False).to_parquet(path)
                                     (datasets' own writer: same codec, its own row-group size and metadata).
Both are read back with pyarrow and compared row by row with the TSV (strings exact, scores bit-exact).
A summary with row counts, row groups and sha256 goes to out-dir/stsb-parquet/SUMMARY.json.
"""
import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
SPLITS = ("train", "validation", "test")


def read_tsv(path):
    text = Path(path).read_bytes().decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0].split("\t")
    if header != ["sentence1", "sentence2", "score"]:
        raise SystemExit(f"{path}: unexpected header {header!r}")
    s1, s2, score = [], [], []
    for i, line in enumerate(lines[1:], start=2):
        f = line.split("\t")
        if len(f) != 3:
            raise SystemExit(f"{path}:{i}: {len(f)} fields")
        s1.append(f[0])
        s2.append(f[1])
        score.append(float(f[2]))
    return s1, s2, score


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check(path, s1, s2, score):
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    assert t.column_names[:3] == ["sentence1", "sentence2", "score"], t.column_names
    assert t.num_rows == len(s1), (t.num_rows, len(s1))
    assert str(t.schema.field("score").type) == "double", t.schema
    assert t.column("sentence1").to_pylist() == s1
    assert t.column("sentence2").to_pylist() == s2
    got = t.column("score").to_pylist()
    assert all(a == b for a, b in zip(got, score)), "score values differ"
    md = pq.ParquetFile(path).metadata
    return {
        "rows": t.num_rows,
        "row_groups": md.num_row_groups,
        "columns": [f"{f.name}: {f.type}" for f in t.schema],
        "created_by": md.created_by,
        "compression": sorted({md.row_group(0).column(i).compression for i in range(md.num_columns)}),
        "encodings": sorted({e for i in range(md.num_columns) for e in md.row_group(0).column(i).encodings}),
        "has_huggingface_metadata": bool(t.schema.metadata and b"huggingface" in t.schema.metadata),
        "bytes": Path(path).stat().st_size,
        "sha256": sha256(path),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=str((HERE.parent / ".." / "shared" / "data" / "stsb").resolve()))
    ap.add_argument("--out-dir", default=str(HERE / "data"))
    args = ap.parse_args()

    import pyarrow as pa
    import pyarrow.parquet as pq

    out_pa = Path(args.out_dir) / "stsb-parquet"
    out_ds = Path(args.out_dir) / "stsb-parquet-datasets"
    out_pa.mkdir(parents=True, exist_ok=True)
    hf_meta = {
        "info": {
            "features": {
                "sentence1": {"dtype": "string", "_type": "Value"},
                "sentence2": {"dtype": "string", "_type": "Value"},
                "score": {"dtype": "float64", "_type": "Value"},
            }
        }
    }
    schema = pa.schema(
        [("sentence1", pa.string()), ("sentence2", pa.string()), ("score", pa.float64())],
        metadata={"huggingface": json.dumps(hf_meta)},
    )
    try:
        import datasets
        import pandas as pd
    except ImportError:
        datasets = None
        print("datasets not installed: skipping the datasets-written variant")

    summary = {"source": str(Path(args.data_dir)), "pyarrow": pa.__version__, "pyarrow_parquet": {}, "datasets": {}}
    if datasets is not None:
        summary["datasets_version"] = datasets.__version__
        datasets.disable_progress_bars()
        out_ds.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        tsv = Path(args.data_dir) / f"{split}.tsv"
        s1, s2, score = read_tsv(tsv)
        name = f"{split}-00000-of-00001.parquet"

        table = pa.table({"sentence1": s1, "sentence2": s2, "score": score}, schema=schema)
        p = out_pa / name
        pq.write_table(table, p, compression="snappy", use_dictionary=True)
        summary["pyarrow_parquet"][split] = check(p, s1, s2, score)

        line = f"{split:<10} tsv rows {len(s1):>5}  pyarrow {summary['pyarrow_parquet'][split]['rows']:>5}"
        if datasets is not None:
            df = pd.DataFrame({"sentence1": s1, "sentence2": s2, "score": score})
            ds = datasets.Dataset.from_pandas(df, preserve_index=False)
            p2 = out_ds / name
            ds.to_parquet(str(p2))
            summary["datasets"][split] = check(p2, s1, s2, score)
            line += f"  datasets {summary['datasets'][split]['rows']:>5} ({summary['datasets'][split]['row_groups']} row groups)"
        print(line)
    (out_pa / "SUMMARY.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {out_pa}" + (f" and {out_ds}" if datasets is not None else "") + "; read back == TSV for every row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
