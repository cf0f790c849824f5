#!/usr/bin/env python3
"""lab/tools/mesh_send.py - forge mesh datagrams for the security scenarios.

Builds uplink_offer messages (or raw bytes) and sends them over UDP from the namespace it
runs in, bound to a device, to a mesh address and port.

  mesh_send.py --dev wg_mesh --to 10.255.0.3 offer --peer-id A --mesh-key KEY --seq N [--age S]
  mesh_send.py --dev wg_mesh --to 10.255.0.3 random --size 400 [--count N]
  mesh_send.py --dev wg_mesh --to 10.255.0.3 big --size 65000
  mesh_send.py --dev wg_mesh --to 10.255.0.3 flood --rate 10000 --seconds 5 [--mesh-key KEY]
"""
import argparse, json, os, socket, sys, time

def offer(peer_id, mesh_key, seq, age=0.0, available=True, server_key=None):
    return json.dumps({
        "v": 1, "type": "uplink_offer", "peer_id": peer_id, "mesh_key": mesh_key, "seq": seq,
        "timestamp": time.time() - age, "ttl": 60,
        "capabilities": {"bandwidth_mbps": 1000, "latency_ms": 1, "wan_type": "forged", "available": available, "metered": False},
        "endpoint": {"host": "169.254.66.66", "port": 51900, "public_key": server_key or mesh_key},
    }, separators=(",", ":")).encode()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--port", type=int, default=51899)
    sub = ap.add_subparsers(dest="kind", required=True)
    o = sub.add_parser("offer"); o.add_argument("--peer-id", required=True); o.add_argument("--mesh-key", required=True)
    o.add_argument("--seq", type=int, required=True); o.add_argument("--age", type=float, default=0.0)
    o.add_argument("--unavailable", action="store_true")
    r = sub.add_parser("random"); r.add_argument("--size", type=int, default=400); r.add_argument("--count", type=int, default=1)
    b = sub.add_parser("big"); b.add_argument("--size", type=int, default=65000)
    f = sub.add_parser("flood"); f.add_argument("--rate", type=int, default=10000); f.add_argument("--seconds", type=float, default=5)
    f.add_argument("--mesh-key", default=None); f.add_argument("--peer-id", default="B")
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    dst = (a.to, a.port)
    sent = 0
    if a.kind == "offer":
        s.sendto(offer(a.peer_id, a.mesh_key, a.seq, a.age, not a.unavailable), dst); sent = 1
    elif a.kind == "random":
        for _ in range(a.count):
            s.sendto(os.urandom(a.size), dst); sent += 1
    elif a.kind == "big":
        s.sendto(b"{" + b"x" * (a.size - 2) + b"}", dst); sent = 1
    else:
        end = time.monotonic() + a.seconds
        interval = 1.0 / a.rate
        nxt = time.monotonic()
        seq = int(time.time() * 1e6)
        while time.monotonic() < end:
            if a.mesh_key and sent % 2 == 0:
                seq += 1
                data = offer(a.peer_id, a.mesh_key, seq)
            else:
                data = os.urandom(200)
            try:
                s.sendto(data, dst); sent += 1
            except OSError:
                pass
            nxt += interval
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)
    print(json.dumps({"sent": sent}))

if __name__ == "__main__":
    sys.exit(main())
