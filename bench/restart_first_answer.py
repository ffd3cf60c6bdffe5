#!/usr/bin/env python3
# bench/restart_first_answer.py — the server's restart to its first answer, as a client sees it.
#
#   python3 bench/restart_first_answer.py BIN ROOT PORT RUNS
#
# Starts `BIN -d ROOT` (HTTP on 127.0.0.1:PORT, line protocol over TCP on PORT+1), asks
# `SELECT count() FROM cpu` on /exec every 2 ms until the answer comes, stops the server with
# SIGTERM, RUNS times; prints the median, min and max seconds from the spawn to the answer.
# ROOT must hold a `cpu` table, e.g. one of bench/startup_bench's roots
# ($SUNDIAL_STARTUP_BENCH_DIR/<partitions>); a conf/ is written into it on the first start.
import os, subprocess, sys, time, urllib.request, urllib.parse, json, signal
bin_, root, port, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
url = "http://127.0.0.1:%d/exec?query=%s" % (port, urllib.parse.quote("SELECT count() FROM cpu"))
env = dict(os.environ, QDB_HTTP_BIND_TO="127.0.0.1:%d" % port, QDB_LINE_TCP_NET_BIND_TO="127.0.0.1:%d" % (port + 1))
out = []
for _ in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen([bin_, "-d", root], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                body = json.loads(r.read())
                if body.get("dataset"):
                    break
        except Exception:
            time.sleep(0.002)
    out.append(time.monotonic() - t0)
    p.send_signal(signal.SIGTERM)
    p.wait()
out.sort()
print("%s median %.4f s min %.4f max %.4f (n=%d) answer %s" % (root, out[len(out)//2], out[0], out[-1], len(out), body["dataset"]))
