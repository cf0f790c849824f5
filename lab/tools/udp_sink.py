#!/usr/bin/env python3
"""lab/tools/udp_sink.py - UDP receiver that logs every datagram.

Each datagram becomes one line in --log (flushed per line):
    recv_monotonic_ns src_ip seq
where seq is the first whitespace-separated token of the payload (or -1 if it
is not an integer). CLOCK_MONOTONIC is system-wide, so timestamps are
comparable across namespaces. Default bind 198.19.0.1:9000; a --bind
containing ':' listens on IPv6 (src_ip is then an IPv6 address).
"""
import argparse
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bind", default="198.19.0.1")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_INET6 if ":" in a.bind else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    with open(a.log, "a", buffering=1) as f:
        print(f"udp sink on {a.bind}:{a.port} -> {a.log}", file=sys.stderr, flush=True)
        while True:
            data, peer = s.recvfrom(65535)
            now = time.monotonic_ns()
            try:
                seq = int(data.split(None, 1)[0])
            except (ValueError, IndexError):
                seq = -1
            f.write(f"{now} {peer[0]} {seq}\n")


if __name__ == "__main__":
    main()
