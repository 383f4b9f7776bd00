"""The driver both side-by-side scripts share (bench/side_by_side.py, cross-encoder; bench/side_by_side_st.py,
bi-encoder): for each seed, sentence-transformers then ours, one after the other (the machine has 2 cores), each
skipped when its results already exist (the run_* functions decide), then the table."""


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
