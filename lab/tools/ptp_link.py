#!/usr/bin/env python3
"""ptp_link.py -- a point-to-point "PPPoE session" between two network namespaces, built
from two TUN devices (the lab kernel has no PPP driver, but it has TUN).

    ptp_link.py --dev pppoe-wan --peer-netns wgp-isp --peer-dev ppp-c [--mtu 1492]

Run it inside the subscriber's namespace (lab_spawn c ...). It creates --dev there and
--peer-dev in --peer-netns (entered with setns(2) on /run/netns/NAME, then left again), both
IFF_TUN | IFF_NO_PI and NOT persistent, and relays every packet between the two file
descriptors. So:

  * the process's life is the session's: killing it (SIGTERM/SIGINT/SIGKILL) closes both
    descriptors and the kernel deletes both devices ("session drop"); starting it again
    creates them anew, with new ifindexes ("reconnect");
  * SIGUSR1 turns a blackhole on (every packet, both directions, is read and dropped: the
    devices stay up with carrier, a "silent cut"); SIGUSR2 turns it off again;
  * the devices are created DOWN and without addresses: the caller configures them (as
    pppd's ip-up / netifd would), see lab/pppoe.sh.

On stdout (the lab log): `ready DEV ifindex=N PEER_DEV ifindex=M` once both exist,
`blackhole on|off` on each signal and `exit a->b=N b->a=M dropped=K` at the end.
"""
import argparse
import ctypes
import fcntl
import os
import select
import signal
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    ifr = struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev", default="pppoe-wan", help="device in this namespace (default pppoe-wan)")
    ap.add_argument("--peer-netns", required=True, help="name in /run/netns of the other end's namespace")
    ap.add_argument("--peer-dev", default="ppp-c", help="device in the peer namespace (default ppp-c)")
    ap.add_argument("--mtu", type=int, default=1492, help="informational; the caller sets the MTU")
    a = ap.parse_args()

    here = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    fd_a = open_tun(a.dev)
    idx_a = socket_ifindex(a.dev)
    there = os.open(f"/run/netns/{a.peer_netns}", os.O_RDONLY | os.O_CLOEXEC)
    setns(there)
    try:
        fd_b = open_tun(a.peer_dev)
        idx_b = socket_ifindex(a.peer_dev)
    finally:
        setns(here)   # the process lives in its own namespace (lab_down finds it there)
    os.close(there)
    os.close(here)

    state = {"blackhole": False, "dropped": 0}

    def on_usr(sig, _frame):
        state["blackhole"] = sig == signal.SIGUSR1
        print(f"blackhole {'on' if state['blackhole'] else 'off'}", flush=True)

    class Stop(Exception):
        pass

    def on_stop(_sig, _frame):
        raise Stop()   # out of poll(2) at once (a handler that returns would have it resumed)

    signal.signal(signal.SIGUSR1, on_usr)
    signal.signal(signal.SIGUSR2, on_usr)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    print(f"ready {a.dev} ifindex={idx_a} {a.peer_dev} ifindex={idx_b}", flush=True)

    counts = {fd_a: 0, fd_b: 0}
    other = {fd_a: fd_b, fd_b: fd_a}
    p = select.poll()
    p.register(fd_a, select.POLLIN)
    p.register(fd_b, select.POLLIN)
    try:
        while True:
            for fd, ev in p.poll():
                if ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                    print(f"device error on fd {fd} (events {ev:#x})", flush=True)
                    raise Stop()
                for _ in range(64):   # drain a burst
                    try:
                        pkt = os.read(fd, 65536)
                    except (BlockingIOError, InterruptedError):
                        break
                    if state["blackhole"]:
                        state["dropped"] += 1
                        continue
                    try:
                        os.write(other[fd], pkt)
                        counts[fd] += 1
                    except OSError:
                        state["dropped"] += 1   # the other side is down (EIO) or full: lost, as on a wire
    except Stop:
        pass
    os.close(fd_a)
    os.close(fd_b)
    print(f"exit {a.dev}->{a.peer_dev}={counts[fd_a]} {a.peer_dev}->{a.dev}={counts[fd_b]} "
          f"dropped={state['dropped']}", flush=True)


def socket_ifindex(name):
    """The device's ifindex in the current network namespace (sysfs is the mount
    namespace's, so ask the kernel through a socket instead)."""
    return socket.if_nametoindex(name)


if __name__ == "__main__":
    sys.exit(main())
