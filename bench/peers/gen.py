#!/usr/bin/env python3
"""Deterministic TSBS-like "cpu" dataset generator (python3 stdlib only).
The peer harness's dataset generator; meta.json also holds the expected answers
(expect_q1, expect_q5, qday_rows), counted while writing, so Sundial can be checked without peers.

Writes, under OUT/cpu-<N>/:
  lp/part-NNNNN.lp   InfluxDB line protocol, ns timestamps, CHUNK lines per file
  csv/part-NNNNN.csv CSV without header, same rows/order, ISO-8601 UTC timestamp
                     with microseconds ("2024-01-01T00:00:00.000000Z")
  csv/header.csv     the CSV header line
  meta.json          parameters + derived time bounds used by the query scripts

Row order: time-major (round r: host_0 .. host_{H-1} all share ts = start + r*interval).
Fields: 10 DOUBLEs, each a clamped random walk in [0,100] per host, printed with 2 decimals.
Tags: hostname=host_<i>, region=REGIONS[i % 10].
"""
import argparse, datetime, json, os, random, sys, time

FIELDS = ["usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
          "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice"]
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
           "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--interval", type=int, default=60, help="seconds between host rounds")
    ap.add_argument("--start", default="2024-01-01T00:00:00Z")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--chunk", type=int, default=50_000, help="lines per output file")
    ap.add_argument("--out", default="/tmp/sundial-compare/data")
    a = ap.parse_args()

    start = datetime.datetime.strptime(a.start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    start_s = int(start.timestamp())
    d = os.path.join(a.out, "cpu-%d" % a.rows)
    os.makedirs(os.path.join(d, "lp"), exist_ok=True)
    os.makedirs(os.path.join(d, "csv"), exist_ok=True)
    with open(os.path.join(d, "csv", "header.csv"), "w") as f:
        f.write("hostname,region,ts," + ",".join(FIELDS) + "\n")

    rng = random.Random(a.seed)
    r = rng.random
    H = a.hosts
    lp_prefix = ["cpu,hostname=host_%d,region=%s " % (h, REGIONS[h % len(REGIONS)]) for h in range(H)]
    csv_prefix = ["host_%d,%s," % (h, REGIONS[h % len(REGIONS)]) for h in range(H)]
    state = [[r() * 100.0 for _ in FIELDS] for _ in range(H)]
    lp_tmpl = ",".join("%s=%%s" % f for f in FIELDS)
    csv_tmpl = ",".join(["%s"] * len(FIELDS))

    # expected answers, counted from the printed values: Q5 = rows of the query day with usage_user > 90
    rounds = (a.rows + H - 1) // H
    end_guess = start_s + (rounds - 1) * a.interval
    day0_ = start_s - start_s % 86400
    qday_s = day0_ + 86400 if end_guess >= day0_ + 2 * 86400 - a.interval else day0_
    q5 = 0
    day_rows = 0

    t0 = time.time()
    rows = 0
    part = 0
    lp_buf, csv_buf = [], []

    def flush():
        nonlocal part, lp_buf, csv_buf
        if not lp_buf:
            return
        with open(os.path.join(d, "lp", "part-%05d.lp" % part), "w") as f:
            f.write("".join(lp_buf))
        with open(os.path.join(d, "csv", "part-%05d.csv" % part), "w") as f:
            f.write("".join(csv_buf))
        part += 1
        lp_buf, csv_buf = [], []

    rnd = 0
    while rows < a.rows:
        ts = start_s + rnd * a.interval
        ts_ns = " %d000000000\n" % ts
        ts_iso = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z,")
        for h in range(min(H, a.rows - rows)):
            st = state[h]
            for i in range(10):
                v = st[i] + (r() - 0.5) * 4.0
                st[i] = 0.0 if v < 0.0 else (100.0 if v > 100.0 else v)
            vs = tuple(["%.2f" % x for x in st])
            if qday_s <= ts < qday_s + 86400:
                day_rows += 1
                if float(vs[0]) > 90.0:
                    q5 += 1
            lp_buf.append(lp_prefix[h] + (lp_tmpl % vs) + ts_ns)
            csv_buf.append(csv_prefix[h] + ts_iso + (csv_tmpl % vs) + "\n")
            rows += 1
            if len(lp_buf) >= a.chunk:
                flush()
        rnd += 1
    flush()
    end_s = start_s + (rnd - 1) * a.interval
    day0 = start_s - start_s % 86400
    meta = {
        "rows": a.rows, "hosts": H, "interval_s": a.interval, "seed": a.seed,
        "chunk_lines": a.chunk, "parts": part, "fields": FIELDS, "regions": REGIONS,
        "start_s": start_s, "end_s": end_s,
        "start_iso": a.start,
        "end_iso": datetime.datetime.fromtimestamp(end_s, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # "one day" used by Q3/Q5: the second UTC day of the range if it is complete, else the first
        "qday_s": day0 + 86400 if end_s >= day0 + 2 * 86400 - a.interval else day0,
    }
    meta["qday_iso"] = datetime.datetime.fromtimestamp(meta["qday_s"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta["qday_end_iso"] = datetime.datetime.fromtimestamp(meta["qday_s"] + 86400, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta["days_spanned"] = (end_s - day0) // 86400 + 1
    assert meta["qday_s"] == qday_s
    meta["qday_rows"] = day_rows
    meta["expect_q1"] = rows
    meta["expect_q5"] = q5
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    sys.stderr.write("gen: %d rows, %d parts, %.1fs, dir=%s\n" % (rows, part, time.time() - t0, d))
    print(d)


if __name__ == "__main__":
    main()
