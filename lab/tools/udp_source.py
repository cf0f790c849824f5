#!/usr/bin/env python3
"""lab/tools/udp_source.py - send a numbered UDP datagram every N ms.

Payload: "<seq> <tag>\\n" padded to --size bytes; seq starts at 0.
Runs until killed (SIGTERM/SIGINT) or for --duration seconds. Send errors
(e.g. ENETUNREACH while routes change) are counted, never fatal. Sends are
scheduled on an absolute clock so the rate does not drift. Prints a one-line
summary to stderr at exit. A --host (or --bind) containing ':' sends over
IPv6, e.g. --host 2001:db8:19::1.
"""
import argparse
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="198.19.0.1")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--interval-ms", type=float, default=10.0)
    ap.add_argument("--duration", type=float, default=0.0, help="seconds, 0 = until killed")
    ap.add_argument("--size", type=int, default=64, help="payload bytes (min: what seq needs)")
    ap.add_argument("--tag", default="lab")
    ap.add_argument("--bind", default=None, help="source IP to bind")
    ap.add_argument("--device", default=None, help="SO_BINDTODEVICE interface")
    a = ap.parse_args()

    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    v6 = ":" in a.host or ":" in (a.bind or "")
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
    if a.device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.device.encode())
    if a.bind:
        s.bind((a.bind, 0))
    interval = a.interval_ms / 1000.0
    start = time.monotonic()
    seq = sent = errors = 0
    while not stop:
        now = time.monotonic()
        if a.duration and now - start >= a.duration:
            break
        payload = f"{seq} {a.tag}\n".encode().ljust(a.size, b".")
        try:
            s.sendto(payload, (a.host, a.port))
            sent += 1
        except OSError:
            errors += 1
        seq += 1
        delay = start + seq * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(f"udp_source: seq={seq} sent={sent} errors={errors}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
