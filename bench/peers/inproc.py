#!/usr/bin/env python3
"""Sundial's in-process SQL figures for the comparison table, from the SQL engineer's Google Benchmark
binary (bench/sql_queries_bench), if it exists.

usage: inproc.py SQL_QUERIES_BENCH DATASET_DIR
Runs the binary with --benchmark_format=json (env SUNDIAL_BENCH_ROWS=<rows>, SUNDIAL_BENCH_DATA=<dataset
dir> for a bench that can use them) and prints `RESULT system=sundial metric=q<i>_inproc_ms` for every
benchmark whose name mentions Q1..Q5 (median if it reports aggregates, else the mean real time), plus
`system=sundial_inproc metric=note` saying which benchmarks were used and on how many rows.
"""
import json, os, re, subprocess, sys

UNIT_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def main():
    binary, data = sys.argv[1], sys.argv[2]
    meta = json.load(open(os.path.join(data, "meta.json")))
    env = dict(os.environ, SUNDIAL_BENCH_ROWS=str(meta["rows"]), SUNDIAL_BENCH_DATA=data)
    p = subprocess.run([binary, "--benchmark_format=json", "--benchmark_repetitions=5",
                        "--benchmark_report_aggregates_only=true"],
                       env=env, capture_output=True, text=True, timeout=1800)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        print('RESULT system=sundial_inproc metric=note value="sql_queries_bench exited %d"' % p.returncode)
        return 0
    out = json.loads(p.stdout)
    picked = {}
    for b in out.get("benchmarks", []):
        m = re.search(r"(?i)(?:^|[^a-z0-9])q([1-5])(?:[^0-9]|$)", b.get("name", ""))
        if not m or b.get("error_occurred"):
            continue
        agg = b.get("aggregate_name")
        if agg and agg != "median":
            continue
        q = int(m.group(1))
        ms = b["real_time"] * UNIT_MS.get(b.get("time_unit", "ns"), 1e-6)
        picked.setdefault(q, (b["name"], ms))
    for q, (name, ms) in sorted(picked.items()):
        print("RESULT system=sundial metric=q%d_inproc_ms value=%.3f unit=ms" % (q, ms))
    names = ", ".join(n for n, _ in picked.values()) or "none matched Q1..Q5"
    print('RESULT system=sundial_inproc metric=note value="bench/sql_queries_bench: %s"' % names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
