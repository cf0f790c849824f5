#!/usr/bin/env python3
"""lab/tools/dns_server.py - minimal UDP DNS responder for the lab's isp.

Answers every A (or ANY) query, for any name, with one A record (default
198.19.0.1, TTL 60), and every AAAA query with one AAAA record (default
2001:db8:19::1, TTL 60; --answer6 '' gives AAAA an empty NOERROR instead).
Other query types get an empty NOERROR answer, non-QUERY opcodes get NOTIMP.
Malformed packets and responses are ignored.
Default bind 198.19.0.53:53; a --bind containing ':' listens on IPv6
(the lab runs a second instance on [2001:db8:19::53]:53).

Client mode for tests:
  dns_server.py --query NAME [--type A|AAAA] [--server IP] [--port N]
prints the A (or AAAA) records received and exits 0 if there was at least one.
--server may be an IPv4 or IPv6 address.
"""
import argparse
import random
import socket
import struct
import sys

QTYPE_A, QTYPE_AAAA, QTYPE_ANY, QCLASS_IN = 1, 28, 255, 1
QTYPES = {"A": QTYPE_A, "AAAA": QTYPE_AAAA}


def family(addr):
    """AF_INET6 for an address containing ':', else AF_INET."""
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def parse_question(msg):
    """Return (id, flags, qname_wire, qtype, qclass) or None if not a sane query."""
    if len(msg) < 12:
        return None
    qid, flags, qd, _an, _ns, _ar = struct.unpack("!6H", msg[:12])
    if flags & 0x8000 or qd != 1:  # a response, or not exactly one question
        return None
    pos, labels = 12, 0
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        if n == 0:
            pos += 1
            break
        if n & 0xC0 or labels > 127:  # no compression pointers in a question
            return None
        pos += 1 + n
        labels += 1
    qname = msg[12:pos]
    if pos + 4 > len(msg) or len(qname) > 255:
        return None
    qtype, qclass = struct.unpack("!2H", msg[pos:pos + 4])
    return qid, flags, qname, qtype, qclass


def name_text(wire):
    out, pos = [], 0
    while wire[pos]:
        n = wire[pos]
        out.append(wire[pos + 1:pos + 1 + n].decode("ascii", "replace"))
        pos += 1 + n
    return ".".join(out) + "."


def build_answer(q, answer_ip, answer6=None):
    qid, flags, qname, qtype, qclass = q
    opcode = (flags >> 11) & 0xF
    rcode = 0 if opcode == 0 else 4  # NOTIMP
    rr = None  # (type, rdata) of the one answer record, if any
    if opcode == 0 and qclass == QCLASS_IN:
        if qtype in (QTYPE_A, QTYPE_ANY):
            rr = (QTYPE_A, socket.inet_aton(answer_ip))
        elif qtype == QTYPE_AAAA and answer6:
            rr = (QTYPE_AAAA, socket.inet_pton(socket.AF_INET6, answer6))
    rflags = 0x8000 | (opcode << 11) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode
    out = struct.pack("!6H", qid, rflags, 1, 1 if rr else 0, 0, 0)
    out += qname + struct.pack("!2H", qtype, qclass)
    if rr:
        out += struct.pack("!HHHIH", 0xC00C, rr[0], QCLASS_IN, 60, len(rr[1]))
        out += rr[1]
    return out


def serve(a):
    s = socket.socket(family(a.bind), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.bind, a.port))
    print(f"dns server on {a.bind}:{a.port}, answering A {a.answer}, AAAA {a.answer6 or '-'}",
          file=sys.stderr, flush=True)
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            q = parse_question(msg)
            if q is None:
                continue
            s.sendto(build_answer(q, a.answer, a.answer6), peer)
            print(f"{peer[0]} {name_text(q[2])} type={q[3]}", file=sys.stderr, flush=True)
        except Exception as e:  # never die on garbage
            print(f"{peer[0]} error: {e}", file=sys.stderr, flush=True)


def query(a):
    qname = b"".join(bytes([len(l)]) + l.encode() for l in a.query.strip(".").split(".")) + b"\0"
    qid = random.randrange(65536)
    qtype = QTYPES[a.type]
    pkt = struct.pack("!6H", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!2H", qtype, QCLASS_IN)
    s = socket.socket(family(a.server), socket.SOCK_DGRAM)
    s.settimeout(a.timeout)
    s.sendto(pkt, (a.server, a.port))
    resp, _ = s.recvfrom(4096)
    rid, _fl, _qd, an, _ns, _ar = struct.unpack("!6H", resp[:12])
    if rid != qid:
        return 1
    pos = 12 + len(qname) + 4
    ips = []
    for _ in range(an):
        if resp[pos] & 0xC0 == 0xC0:
            pos += 2
        else:
            while resp[pos]:
                pos += 1 + resp[pos]
            pos += 1
        rtype, _rc, _ttl, rdlen = struct.unpack("!HHIH", resp[pos:pos + 10])
        pos += 10
        if rtype == qtype == QTYPE_A and rdlen == 4:
            ips.append(socket.inet_ntoa(resp[pos:pos + 4]))
        elif rtype == qtype == QTYPE_AAAA and rdlen == 16:
            ips.append(socket.inet_ntop(socket.AF_INET6, resp[pos:pos + 16]))
        pos += rdlen
    for ip in ips:
        print(ip)
    return 0 if ips else 1


def main():
    ap = argparse.ArgumentParser(description="minimal lab DNS responder / client")
    ap.add_argument("--bind", default="198.19.0.53")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--answer", default="198.19.0.1", help="IPv4 returned for every A query")
    ap.add_argument("--answer6", default="2001:db8:19::1",
                    help="IPv6 returned for every AAAA query ('' = empty NOERROR)")
    ap.add_argument("--query", metavar="NAME", help="client mode: resolve NAME and exit")
    ap.add_argument("--type", default="A", choices=sorted(QTYPES), help="client mode: query type")
    ap.add_argument("--server", default="198.19.0.53", help="client mode: server to ask (IPv4 or IPv6)")
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    if a.query:
        try:
            sys.exit(query(a))
        except (OSError, struct.error, IndexError) as e:
            print(f"query failed: {e}", file=sys.stderr)
            sys.exit(1)
    serve(a)


if __name__ == "__main__":
    main()
