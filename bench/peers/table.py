#!/usr/bin/env python3
"""Turns the RESULT lines of one bench/compare.sh run into markdown tables.

usage: table.py RESULTS_DIR
RESULTS_DIR holds machine.txt (physlimits.sh), <N>.txt per scale (RESULT lines of every system at N rows,
plus `# system=<s> exit=<rc>` lines), meta-<N>.json (the dataset's meta.json) and optionally
inproc-<N>.txt (Sundial's in-process SQL figures as RESULT lines of system=sundial_inproc).

Table 1 (first scale): rows = metrics; columns = Sundial, each peer, the physical limit, Sundial / best
peer, Sundial / limit. Table 2 (only with several scales): the same metrics per scale and their growth.
"""
import json, os, re, sys

NAMES = {"sundial": "Sundial", "influxdb": "InfluxDB", "victoriametrics": "VictoriaMetrics",
         "clickhouse": "ClickHouse", "duckdb": "DuckDB"}
SYS_OF = {"sundial": "sundial", "influx": "influxdb", "vm": "victoriametrics",
          "clickhouse": "clickhouse", "duckdb": "duckdb"}
HTTP_PEERS = ("influxdb", "victoriametrics", "clickhouse")   # DuckDB has no server / HTTP
RES = re.compile(r'RESULT system=(\S+) metric=(\S+) value=(.*?)(?: unit=(\S+))?\s*$')


def load(path):
    vals, exits = {}, {}
    if not os.path.exists(path):
        return vals, exits
    for line in open(path):
        m = RES.match(line)
        if m:
            s, k, v, _ = m.groups()
            vals[(s, k)] = v.strip('"')
            continue
        m = re.match(r'# system=(\S+) exit=(\d+)', line)
        if m:
            exits[SYS_OF.get(m.group(1), m.group(1))] = int(m.group(2))
    return vals, exits


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(x, unit=""):
    if x is None:
        return "—"
    if abs(x) >= 1000:
        s = "{:,.0f}".format(x)
    elif abs(x) >= 100:
        s = "%.0f" % x
    elif abs(x) >= 10:
        s = "%.1f" % x
    elif abs(x) >= 1:
        s = "%.2f" % x
    else:
        s = "%.3f" % x
    return s + unit


def mb(v):
    x = num(v)
    return None if x is None else x / 1e6


class Scale:
    def __init__(self, d, n):
        self.n = n
        self.vals, self.exits = load(os.path.join(d, "%d.txt" % n))
        iv, _ = load(os.path.join(d, "inproc-%d.txt" % n))
        self.vals.update(iv)
        mp = os.path.join(d, "meta-%d.json" % n)
        self.meta = json.load(open(mp)) if os.path.exists(mp) else {}

    def get(self, s, k):
        return self.vals.get((s, k))


def limits(machine, sc):
    """Physical lower bounds derived from the machine figures and the dataset (None if unknown)."""
    mem = num(machine.get(("machine", "mem_read_sum_GBps")))
    ddw = num(machine.get(("machine", "dd_write_fdatasync_MBps")))
    # curl start measured by run_sundial.sh right before its queries, else the one of physlimits.sh
    curl = num(sc.get("sundial", "curl_start_ms")) or num(machine.get(("machine", "curl_version_min_ms"))) or 0.0
    m = sc.meta
    n, day, hosts = m.get("rows", sc.n), m.get("qday_rows", 0), m.get("hosts", 0)
    # bytes a query must at least read (SYMBOL keys 4 B, DOUBLE/TIMESTAMP 8 B), scanned at the 1-thread
    # in-memory read rate, plus the cost of starting the curl client
    scan = {"q1": 0, "q2": n * 12, "q3": day * 36, "q4": hosts * 96, "q5": day * 8}
    out = {}
    if mem:
        for q, b in scan.items():
            out[q] = b / (mem * 1e9) * 1e3 + curl
    disk = num(sc.get("sundial", "disk_final_bytes"))
    ing = []
    if ddw and disk:
        ing.append(n / (disk / (ddw * 1e6)))          # rows/s if Sundial's bytes were written at dd speed
    sink = num(sc.get("sink", "ingest_ack_rows_per_s"))
    if sink:
        ing.append(sink)                              # the harness into a server that drops every body
    if ing:
        out["ingest"] = min(ing)
    cp = num(sc.get("sundial", "cp_a_warm_sync_s"))
    if cp is not None:
        out["backup"] = cp                             # cp -a + sync of Sundial's stopped root
    for i in range(1, 6):     # a hand-written C++ loop over Sundial's own columns (bench/sql_queries_bench)
        h = num(sc.get("sundial", "q%d_handloop_ms" % i))
        if h is not None:
            out["hand%d" % i] = h
    src = num(sc.get("sundial", "phys_src_bytes"))
    if src is not None:
        out["backup_bytes"] = src / 1e6
    return out


def cell_text(sc, s, key, conv=num):
    """(display text, numeric value) of one cell; errors and wrong answers are shown verbatim."""
    v = sc.get(s, key)
    if v is None:
        if sc.exits.get(s, 0) != 0 and s in sc.exits:
            return "failed (exit %d)" % sc.exits[s], None
        return "—", None
    x = conv(v)
    if x is None:
        q = key.split("_")[0]
        if v == "error" and sc.get(s, "crash_" + q):
            return "error: " + sc.get(s, "crash_" + q), None
        return v, None
    return fmt(x), x


def main():
    d = sys.argv[1]
    scales = sorted(int(f[:-4]) for f in os.listdir(d) if re.fullmatch(r"\d+\.txt", f))
    if not scales:
        print("no results in %s" % d)
        return 1
    machine, _ = load(os.path.join(d, "machine.txt"))
    present = []
    for n in scales:
        for s in Scale(d, n).exits:
            if s not in present:
                present.append(s)
    order = [s for s in ("sundial", "influxdb", "victoriametrics", "clickhouse", "duckdb") if s in present]
    peers = [s for s in order if s != "sundial"]
    sc = Scale(d, scales[0])
    lim = limits(machine, sc)

    # (label, metric key per system, better = "hi"|"lo"|None, limit key, conv, systems allowed in "best peer")
    def alt(base, **over):
        return {s: over.get(s, base) for s in order}
    rows = [
        ("ingest rows/s, until count() = N answers (LP over HTTP; ClickHouse CSV over HTTP; DuckDB COPY of the CSV in-process)",
         alt("ingest_rows_per_s"), "hi", "ingest", num, peers),
        ("ingest rows/s, line protocol over TCP 9009", {"sundial": "ingest_tcp_rows_per_s"}, "hi", None, num, []),
        ("server CPU-s during ingest", alt("ingest_server_cpu_s", duckdb="ingest_process_cpu_s"), "lo", None, num, peers),
        ("on-disk MB after ingest (du -sb)", alt("disk_after_ingest_bytes"), "lo", None, mb, peers),
        ("on-disk MB after stop (du -sb)", alt("disk_final_bytes"), "lo", "backup_bytes", mb, peers),
        ("server peak RSS MB (VmHWM)", alt("server_rss_hwm_mb", duckdb="process_rss_hwm_mb"), "lo", None, num, peers),
        ("server CPU-s, whole run", alt("server_cpu_total_s", duckdb="process_cpu_total_s"), "lo", None, num, peers),
    ]
    qnames = {1: "count()", 2: "max per host", 3: "hourly avg ×3 per host, 1 day", 4: "last row per host",
              5: "filtered count, 1 day"}
    for i in range(1, 6):
        rows.append(("Q%d %s, HTTP ms (curl, median of RUNS)" % (i, qnames[i]),
                     {s: "q%d_median_ms" % i for s in order if s != "duckdb"}, "lo", "q%d" % i, num, list(HTTP_PEERS)))
    for i in range(1, 6):
        rows.append(("Q%d in-process ms (no HTTP)" % i,
                     {"sundial": "q%d_inproc_ms" % i, "duckdb": "q%d_median_ms" % i}, "lo", "hand%d" % i, num,
                     ["duckdb"]))
    # Sundial with every partition converted to compressed (run_sundial.sh), beside the peers' own.
    rows += [
        ("compressed partitions: on-disk MB (Sundial: all but the newest partition CONVERTed; peers: after stop)",
         alt("disk_final_bytes", sundial="disk_compressed_bytes"), "lo", None, mb, peers),
        ("compressed partitions: seal MB/s of raw bytes, wall",
         {"sundial": "seal_MBps"}, "hi", None, num, []),
        ("compressed partitions: seal MB/s per server CPU-s", {"sundial": "seal_cpu_MBps"}, "hi", None, num, []),
    ]
    for i in range(1, 6):
        rows.append(("compressed partitions: Q%d HTTP ms (Sundial compressed; peers as above)" % i,
                     dict({s: "q%d_median_ms" % i for s in order if s != "duckdb"},
                          sundial="qc%d_median_ms" % i), "lo", "q%d" % i, num, list(HTTP_PEERS)))
    rows += [
        ("compressed partitions: backup s (Sundial compressed; peers as above)",
         alt("backup_total_s", sundial="backup_compressed_s"), "lo", "backup", num, peers),
        ("compressed partitions: backup MB", alt("backup_bytes", sundial="backup_compressed_bytes"), "lo",
         None, mb, peers),
    ]
    rows += [
        ("Q1 answer (want N)", alt("q1_value"), None, None, lambda v: None, []),
        ("Q5 answer (want the peers' value)", alt("q5_value"), None, None, lambda v: None, []),
        ("backup s (native method, until durable)", alt("backup_total_s"), "lo", "backup", num, peers),
        ("backup MB", alt("backup_bytes"), "lo", "backup_bytes", mb, peers),
        ("restore: start on the backup → count() = N answered, s", alt("restore_total_s"), "lo", None, num, peers),
        ("restart on own data → count() = N answered, s", alt("restart_to_count_s"), "lo", None, num, peers),
        ("cp -a + sync of the stopped data dir, s", alt("cp_a_warm_sync_s"), "lo", None, num, peers),
    ]

    n = sc.n
    print("### Sundial and peers, N = {:,} rows".format(n))
    print()
    hdr = ["metric"] + [NAMES[s] for s in order] + ["physical limit", "Sundial ÷ best peer", "Sundial ÷ limit"]
    print("| " + " | ".join(hdr) + " |")
    print("|---" * len(hdr) + "|")
    for label, keys, better, lkey, conv, best_of in rows:
        cells, xs = [], {}
        if not any(s in keys for s in order):
            continue
        for s in order:
            if s not in keys:
                cells.append("—")
                continue
            t, x = cell_text(sc, s, keys[s], conv)
            cells.append(t)
            xs[s] = x
        lv = lim.get(lkey) if lkey else None
        lt = fmt(lv) if lv is not None else "—"
        if lkey == "ingest" and lv is not None:
            lt += " ¹"
        elif lkey and lkey.startswith("q") and lv is not None:
            lt += " ²"
        elif lkey == "backup" and lv is not None:
            lt += " ³"
        elif lkey and lkey.startswith("hand") and lv is not None:
            lt += " ⁴"
        sx = xs.get("sundial")
        ratio_best, ratio_lim = "—", "—"
        cand = [(xs[p], p) for p in best_of if xs.get(p) is not None]
        if sx is not None and cand and better:
            bx, bp = (max if better == "hi" else min)(cand)
            if bx:
                ratio_best = "%s (%s)" % (fmt(sx / bx), NAMES[bp])
        if sx is not None and lv:
            ratio_lim = fmt(sx / lv)
        if conv is not num and conv is not mb:      # answers: mark Sundial's check
            chk = sc.get("sundial", label[:2].lower() + "_check")
            if chk and "sundial" in order:
                cells[order.index("sundial")] += " (" + chk + ")"
        cells = [c.replace("|", "\\|") for c in cells]
        print("| " + " | ".join([label] + cells + [lt, ratio_best, ratio_lim]) + " |")
    print()
    mm = machine
    print("Physical limits measured in the same run: dd write with fdatasync %s MB/s, dd warm read %s MB/s, "
          "1-thread in-memory scan (membw.c) %s GB/s, memcpy %s GB/s, one `curl` process start (fastest of 10) %s ms." % (
              fmt(num(mm.get(("machine", "dd_write_fdatasync_MBps")))),
              fmt(num(mm.get(("machine", "dd_read_warm_MBps")))),
              fmt(num(mm.get(("machine", "mem_read_sum_GBps")))),
              fmt(num(mm.get(("machine", "mem_memcpy_GBps")))),
              fmt(num(mm.get(("machine", "curl_version_min_ms"))))))
    sink = num(sc.get("sink", "ingest_ack_rows_per_s"))
    disk, ddw = num(sc.get("sundial", "disk_final_bytes")), num(mm.get(("machine", "dd_write_fdatasync_MBps")))
    print(("¹ the lower of: the harness's own ceiling, %s rows/s (the same files sent the same way, PAR curl "
           "processes of one file each, into bench/peers/http_sink.c, which reads and drops every body; best of "
           "3), and N ÷ (Sundial's on-disk bytes ÷ dd fdatasync write rate), %s rows/s (the bytes Sundial keeps "
           "written at the disk's sequential rate). ") % (
              fmt(sink), fmt(sc.n / (disk / (ddw * 1e6)) if disk and ddw else None)) +
          "² bytes the query must read at least (4 B per SYMBOL key, 8 B per DOUBLE/TIMESTAMP; Q1 none, Q2 N×12, "
          "Q3 day×36, Q4 hosts×96, Q5 day×8) at the 1-thread scan rate, plus one curl process start (%s ms, "
          "the fastest of 10 `curl --version` runs just before Sundial's queries). "
          "³ `cp -a` + `sync` of Sundial's stopped root (warm page cache). "
          "⁴ not a physical limit: a hand-written C++ loop computing the same answer from Sundial's columns "
          "(bench/sql_queries_bench BM_HandLoop)." % fmt(
              num(sc.get("sundial", "curl_start_ms")) or num(machine.get(("machine", "curl_version_min_ms")))))
    print("Ratios: Sundial's figure divided by the best peer's (named) or by the limit; for rows/s higher is "
          "better, for every other row lower is better. DuckDB is embedded (no server, no HTTP): its query "
          "figures are in the in-process rows only, where it is the only peer.")
    if sc.get("sundial", "q1_inproc_ms") and sc.meta.get("qday_iso", "").startswith("2024-01-01"):
        print("At this N the data holds one day: the peers' Q3/Q5 use 2024-01-01, bench/sql_queries_bench "
              "always 2024-01-02 (empty here), so Sundial's in-process Q3/Q5 are not comparable in this run.")
    if not any(sc.get("sundial", "q%d_inproc_ms" % i) for i in range(1, 6)) and "sundial" in order:
        print("Sundial in-process query figures: %s" % (sc.get("sundial_inproc", "note") or
                                                       "not measured (no bench/sql_queries_bench binary)"))
    errs = [(k, v) for (s, k), v in sorted(sc.vals.items())
            if s == "sundial" and (k.endswith("_error") or k.startswith("crash_") or k.endswith("_check") and v != "ok"
                                   or str(v).startswith("error") or k == "create_table" and v != "ok")]
    failed_q = {k.split("_")[0] for k, _ in errs if k.endswith("_error")}
    errs = [(k, v) for k, v in errs if k.endswith("_error") or k.split("_")[0] not in failed_q]
    if errs:
        print()
        print("Sundial failures in this run:")
        for k, v in errs:
            if k.endswith("_request"):
                continue
            print("- `%s`: %s" % (k, v))
            q = k.split("_")[0]
            if k.endswith("_error") and sc.get("sundial", q + "_sql"):
                print("  request: `curl -G --data-urlencode \"query=%s\" http://127.0.0.1:<port>/exec`"
                      % sc.get("sundial", q + "_sql"))

    if len(scales) > 1:
        print()
        print("### Growth with the data: %s rows" % " → ".join("{:,}".format(x) for x in scales))
        print()
        scs = [Scale(d, x) for x in scales]
        dr = scales[-1] / scales[0]

        def key(k):
            return lambda x, s: num(x.get(s, k))

        def ratio(k, base_sys, base_key):
            def f(x, s):
                a, b = num(x.get(s, k)), num(x.get(base_sys or s, base_key))
                return a / b if a is not None and b else None
            return f

        def over_floor(i, cold=""):
            # a query's ms minus the least it can take: one curl start (Q2: plus its bytes at the scan rate)
            def f(x, s):
                q = num(x.get(s, "q%d%s_median_ms" % (i, cold)))
                fl = limits(machine, x).get("q%d" % i) if i == 2 else (
                    num(x.get("sundial", "curl_start_ms")) or num(machine.get(("machine", "curl_version_min_ms"))))
                return q - fl if q is not None and fl is not None else None
            return f

        # (label, value per (scale, system), should be: "flat" | "linear" | a bound | None)
        grow = [
            ("HTTP ingest rows/s ÷ harness ceiling", ratio("ingest_rows_per_s", "sink", "ingest_ack_rows_per_s"), "flat"),
            ("server CPU-s for the ingest", key("ingest_server_cpu_s"), "linear"),
            ("peak RSS MB (VmHWM, heap + mapped files)", key("server_rss_hwm_mb"), None),
            ("heap MB at the end (RssAnon)", key("server_rss_anon_mb"), "flat"),
            ("mapped file MB at the end (RssFile)", key("server_rss_file_mb"), None),
        ] + [("Q%d ms over the floor%s" % (i, " (curl + bytes at the scan rate)" if i == 2 else " (curl)"),
              over_floor(i), "flat") for i in range(1, 6)] + \
            [("Q%d cold ms over the floor" % i, over_floor(i, "_cold"), None) for i in range(1, 6)] + [
            ("BACKUP s", key("backup_total_s"), "linear"),
            ("BACKUP s ÷ cp -a + sync of the same root", ratio("backup_total_s", None, "cp_a_warm_sync_s"), 1.0),
            ("restart → count() = N s", key("restart_to_count_s"), 0.3),
            ("restart → count() = N s, page cache dropped", key("restart_cold_to_count_s"), None),
            ("on-disk MB", lambda x, s: (lambda v: v / 1e6 if v is not None else None)(num(x.get(s, "disk_final_bytes"))),
             "linear"),
        ]
        hdr = ["metric", "system"] + ["{:,}".format(x) for x in scales] + \
              ["last ÷ first", "÷ data growth", "should be", "met"]
        print("| " + " | ".join(hdr) + " |")
        print("|---" * len(hdr) + "|")
        for label, f, should in grow:
            for s in order:
                if s == "duckdb" and label.startswith("Q"):
                    continue
                vs = [f(x, s) for x in scs]
                if all(v is None for v in vs):
                    continue
                a, b = vs[0], vs[-1]
                g = b / a if a and b is not None else None
                met = "—"
                if should == "flat" and g is not None:
                    met = "yes" if g <= 1.5 else "no"
                elif should == "linear" and g is not None:
                    met = "yes" if g / dr <= 1.1 else "no"
                elif isinstance(should, float) and all(v is not None for v in vs):
                    met = "yes" if all(v <= should for v in vs) else "no"
                if should is None:
                    sh = "—"
                elif isinstance(should, float):
                    sh = "≤ %s at every size" % fmt(should)
                else:
                    sh = {"flat": "flat", "linear": "≤ linear"}[should]
                print("| %s | %s | %s | %s | %s | %s | %s |" % (
                    label, NAMES[s], " | ".join(fmt(v) if v is not None else "—" for v in vs), fmt(g),
                    fmt(g / dr) if g else "—", sh, met))
        print()
        print("Data grew ×%s. \"flat\" is met when last ÷ first ≤ 1.5 (the machines are noisy), \"≤ linear\" when "
              "(last ÷ first) ÷ data growth ≤ 1.1, a bound when every size is within it. The ingest's input files are "
              "evicted from the page cache once ingested (posix_fadvise DONTNEED), so what follows competes only with "
              "the system's own files; \"cold\" rows (COLD=1) drop the whole page cache before every run." % fmt(dr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
