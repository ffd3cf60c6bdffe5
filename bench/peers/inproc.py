#!/usr/bin/env python3
"""Sundial's in-process SQL figures for the comparison table, from the SQL engineer's Google Benchmark
binary (bench/sql_queries_bench), if it exists.

usage: inproc.py SQL_QUERIES_BENCH DATASET_DIR
The bench builds its own `cpu` table (the same rows as gen.py's) of SUNDIAL_SQL_BENCH_ROWS rows in
SUNDIAL_SQL_BENCH_DIR; this script sets both (rows = the dataset's, dir = SQLBENCH_DIR or under the
dataset's parent) and runs it with 5 repetitions, JSON output. It prints
`RESULT system=sundial metric=q<i>_inproc_ms` from BM_Sql/<i> (SqlEngine::Execute + reading every row) and
`q<i>_handloop_ms` from BM_HandLoop/<i> (a hand-written loop over the same columns), medians of the
repetitions, plus `system=sundial_inproc metric=note`.
"""
import json, os, re, subprocess, sys

UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def main():
    binary, data = sys.argv[1], sys.argv[2]
    meta = json.load(open(os.path.join(data, "meta.json")))
    bdir = os.environ.get("SQLBENCH_DIR") or os.path.join(os.path.dirname(os.path.abspath(data)), "sqlbench")
    env = dict(os.environ, SUNDIAL_SQL_BENCH_ROWS=str(meta["rows"]), SUNDIAL_SQL_BENCH_DIR=bdir)
    p = subprocess.run([binary, "--benchmark_format=json", "--benchmark_repetitions=5",
                        "--benchmark_report_aggregates_only=true"],
                       env=env, capture_output=True, text=True,
                       timeout=int(os.environ.get("INPROC_TIMEOUT", "1800")))
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        print('RESULT system=sundial_inproc metric=note value="sql_queries_bench exited %d"' % p.returncode)
        return 0
    out = json.loads(p.stdout)
    picked = {}
    for b in out.get("benchmarks", []):
        m = re.match(r"BM_(Sql|HandLoop)/([1-5])\b", b.get("name", ""))
        if not m or b.get("error_occurred"):
            continue
        agg = b.get("aggregate_name")
        if agg and agg != "median":
            continue
        kind = "inproc" if m.group(1) == "Sql" else "handloop"
        ms = b["real_time"] * UNIT_MS.get(b.get("time_unit", "ns"), 1e-6)
        picked.setdefault((kind, int(m.group(2))), (b["name"], ms))
    for (kind, q), (name, ms) in sorted(picked.items()):
        print("RESULT system=sundial metric=q%d_%s_ms value=%.3f unit=ms" % (q, kind, ms))
    names = "%d medians of 5 repetitions (BM_Sql/1-5, BM_HandLoop/1-5), %d rows" % (len(picked), meta["rows"]) \
        if picked else "no BM_Sql/<n> results"
    print('RESULT system=sundial_inproc metric=note value="bench/sql_queries_bench: %s"' % names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
