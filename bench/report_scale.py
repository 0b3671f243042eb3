"""bench/report_scale.py - part 8 of the `make bench` report: N races at once
in one epoll loop against a greeting server (the "scale" lines of
build/bench/results.raw, written by bench/ns_inner.sh), and the targets of
the scale issue. Imported by bench/report.py; prints nothing else.

The ideal of a scenario is the same loop with nothing broken (the plain
healthy run's median "all connected") plus the connection-attempt delay
once per black-holed address in front of the good one (1 for dead6, 2 for
multi4)."""
import collections
import statistics

SCENS = [("bh6", "dead6", 1), ("bh2", "multi4", 2)]


def med(v):
    return statistics.median(v) if v else float("nan")


def load(raw):
    runs = collections.defaultdict(list)   # (variant, scen, n) -> [dict]
    for f in raw["scale"]:
        kv = dict(zip(f[3::2], f[4::2]))
        runs[(f[0], f[1], int(f[2]))].append(kv)
    return runs


def ok_runs(runs):
    return [r for r in runs if "all_us" in r]


def report(raw, table, delay, verdicts):
    runs = load(raw)
    if not runs:
        return
    ns = sorted({n for (_, _, n) in runs})
    rows, over = [], {}
    for n in ns:
        base = ok_runs(runs.get(("plain", "single", n), []))
        ideal0 = med([int(r["all_us"]) for r in base if int(r["all_us"]) >= 0]) / 1000
        pcpu = med([int(r.get("cpu_us", -1)) for r in base])
        phwm = med([int(r["hwm_kb"]) for r in base])
        rows.append(["%d" % n, "plain, nothing broken", len(base), "%.1f" % ideal0, "-",
                     "%d/%d" % (min(int(r["connected"]) for r in base), n) if base else "-",
                     "-", "-"])
        for scen, label, k in SCENS:
            sr = ok_runs(runs.get(("shim", scen, n), []))
            if not sr:
                continue
            allv = [int(r["all_us"]) for r in sr]
            conn = min(int(r["connected"]) for r in sr)
            if min(allv) >= 0:
                t = med(allv) / 1000
                over[(scen, n)] = t - ideal0 - k * delay
                allc = "%.1f (max %.1f)" % (t, max(allv) / 1000)
                extra = "%+.1f" % over[(scen, n)]
            else:
                allc, extra = "not all within the cap (8 s)", "-"
            cpu = (med([int(r.get("cpu_us", -1)) for r in sr]) - pcpu) / n
            kb = (med([int(r["hwm_kb"]) for r in sr]) - phwm) / n
            rows.append(["%d" % n, "libtryall, %s (%s)" % (label, scen), len(sr), allc, extra,
                         "%d/%d" % (conn, n), "%+.1f" % cpu, "%+.2f" % kb])
    hang = runs.get(("plain", "bh6", max(ns)), [])
    print("8. Scale: N non-blocking connects at once in one epoll loop (maxevents 256), all to the first")
    print("   address, RLIMIT_NOFILE 20,000, a C epoll server that greets: a connect counts once its")
    print("   greeting was read; ms from the first socket() (median of the runs); over ideal: minus")
    print("   (nothing broken + delay x black holes in front); per race: over the plain run, / N")
    print()
    print(table(["N", "run", "runs", "all connected ms", "over ideal ms", "connected (worst)",
                 "CPU us per race", "peak RSS kB per race"], rows))
    if hang:
        print()
        print("   without libtryall, dead6, %d connects: %s of them connected in %.0f s"
              % (max(ns), hang[0].get("connected", "?"), 2.0))
    print()
    targets = [(("bh6", 10000), 150, "10,000 dead6 races all connected within ideal + 150 ms"),
               (("bh6", 1000), 30, "1,000 dead6 races all connected within ideal + 30 ms")]
    for key, lim, what in targets:
        if key in over:
            verdicts.append((what, "%+.1f ms" % over[key], over[key] <= lim))
    m = ok_runs(runs.get(("shim", "bh2", 10000), []))
    if m:
        conn = min(int(r["connected"]) for r in m)
        verdicts.append(("10,000 multi4 races at RLIMIT_NOFILE 20,000 all connect (no hang)",
                         "%d of 10000 in every run" % conn, conn == 10000))
    small, big = ok_runs(runs.get(("shim", "bh6", min(ns)), [])), ok_runs(runs.get(("shim", "bh6", max(ns)), []))
    ps, pb = ok_runs(runs.get(("plain", "single", min(ns)), [])), ok_runs(runs.get(("plain", "single", max(ns)), []))
    if small and big and ps and pb and min(ns) != max(ns):
        cs = (med([int(r["cpu_us"]) for r in small]) - med([int(r["cpu_us"]) for r in ps])) / min(ns)
        cb = (med([int(r["cpu_us"]) for r in big]) - med([int(r["cpu_us"]) for r in pb])) / max(ns)
        verdicts.append(("dead6 CPU per race linear in N (%d vs %d: within 1.5x)" % (min(ns), max(ns)),
                         "%.1f / %.1f us" % (cs, cb), cb <= 1.5 * max(cs, 1.0)))
