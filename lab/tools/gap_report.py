#!/usr/bin/env python3
"""lab/tools/gap_report.py - find the longest arrival gap in a udp_sink log.

Reads lines "recv_monotonic_ns src_ip seq" and reports, within a time window,
the longest gap between consecutive arrivals, the source IPs seen before and
after that gap, and loss/duplicate counts. src_ip may be IPv4 or IPv6
(udp_sink.py bound to an IPv6 address logs IPv6 sources); addresses are
compared in canonical form, so --src 2001:DB8:18:3:0::2 matches 2001:db8:18:3::2.

Window: --start-ns/--end-ns (absolute CLOCK_MONOTONIC ns, e.g. taken with
`python3 -c 'import time; print(time.monotonic_ns())'`), or --skip-ms /
--duration-ms relative to the first record. Default: the whole log.
"""
import argparse
import ipaddress
import json
import sys


def canon(ip):
    """Canonical text form of an IPv4/IPv6 address (unparseable text unchanged)."""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def load(path):
    recs = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            try:
                recs.append((int(parts[0]), canon(parts[1]), int(parts[2])))
            except ValueError:
                continue
    recs.sort(key=lambda r: r[0])
    return recs


def report(recs, threshold_ms):
    out = {"packets": len(recs)}
    if not recs:
        out["error"] = "no packets in window"
        return out
    seqs = [r[2] for r in recs if r[2] >= 0]
    uniq = set(seqs)
    out.update({
        "first_ns": recs[0][0], "last_ns": recs[-1][0],
        "span_ms": round((recs[-1][0] - recs[0][0]) / 1e6, 3),
        "duplicates": len(seqs) - len(uniq),
        "missing_seqs": (max(uniq) - min(uniq) + 1 - len(uniq)) if uniq else 0,
        "sources": sorted({r[1] for r in recs}),
        "max_gap_ms": 0.0,
    })
    best, best_gap, gaps = 0, -1, []
    for i in range(1, len(recs)):
        g = recs[i][0] - recs[i - 1][0]
        if g > best_gap:
            best, best_gap = i, g
        if threshold_ms is not None and g / 1e6 >= threshold_ms:
            gaps.append({"at_ns": recs[i - 1][0], "gap_ms": round(g / 1e6, 3),
                         "src_before": recs[i - 1][1], "src_after": recs[i][1]})
    if best:
        b, a = recs[best - 1], recs[best]
        out.update({
            "max_gap_ms": round((a[0] - b[0]) / 1e6, 3),
            "gap_start_ns": b[0], "gap_end_ns": a[0],
            "seq_before": b[2], "seq_after": a[2],
            "src_before": b[1], "src_after": a[1],
            "sources_before_gap": sorted({r[1] for r in recs[:best]}),
            "sources_after_gap": sorted({r[1] for r in recs[best:]}),
        })
    if threshold_ms is not None:
        out["gaps_over_threshold"] = gaps
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--start-ns", type=int)
    ap.add_argument("--end-ns", type=int)
    ap.add_argument("--skip-ms", type=float, default=0.0)
    ap.add_argument("--duration-ms", type=float)
    ap.add_argument("--src", action="append", help="only count these source IPs")
    ap.add_argument("--threshold-ms", type=float, help="also list every gap >= this")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    recs = load(a.log)
    if a.src:
        want = {canon(x) for x in a.src}
        recs = [r for r in recs if r[1] in want]
    if recs:
        lo = a.start_ns if a.start_ns is not None else recs[0][0] + int(a.skip_ms * 1e6)
        hi = a.end_ns if a.end_ns is not None else (
            lo + int(a.duration_ms * 1e6) if a.duration_ms is not None else recs[-1][0])
        recs = [r for r in recs if lo <= r[0] <= hi]
    r = report(recs, a.threshold_ms)

    if a.json:
        print(json.dumps(r, indent=2))
    elif "error" in r:
        print(r["error"])
    else:
        print(f"packets={r['packets']} span={r['span_ms']}ms missing={r['missing_seqs']} "
              f"dup={r['duplicates']} sources={','.join(r['sources'])}")
        if "gap_start_ns" in r:
            print(f"longest gap: {r['max_gap_ms']} ms (seq {r['seq_before']} -> {r['seq_after']}, "
                  f"{r['src_before']} -> {r['src_after']})")
            print(f"sources before gap: {','.join(r['sources_before_gap'])}; "
                  f"after gap: {','.join(r['sources_after_gap'])}")
        for g in r.get("gaps_over_threshold", []):
            print(f"  gap {g['gap_ms']} ms at {g['at_ns']} ({g['src_before']} -> {g['src_after']})")
    return 0 if r["packets"] else 1


if __name__ == "__main__":
    sys.exit(main())
