#!/usr/bin/env bash
# Dual stack (option ipv6 '1'), Linux backend: C and its client have IPv4 and IPv6, the
# uplinks to A (priority 60) and B (50) carry both; the client sends one UDP datagram every
# 10 ms to the isp over each family. C's WAN routes the LAN's IPv6 un-NATed, as an ISP's
# delegated prefix is, so moving IPv6 flows off it needs more than flushing NAT bindings.
#  1. C's WAN dies silently (both families): both streams reach the isp through A.
#  2. A loses only its IPv6: the client's IPv6 moves to B, its IPv4 stays on A.
#  3. C's WAN comes back: each family fails back to it on its own.
#  4. No path carries IPv6 (C's and both providers' IPv6 cut): C answers the client's IPv6 at
#     once with "unreachable" (no black hole: a client falls back to IPv4 in a round trip),
#     IPv4 keeps working.
SCENARIO=dual-stack-failover
source "$(dirname "$0")/common.sh"
export LAB_IPV6=1 LAB_EXTRA_SETTINGS="$LAB_IPV6_SETTINGS"
scenario_up
lab_c_wan_routes_ipv6
lab_wait 10 sh -c "grep -q 'wan:wan/ipv6: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "the WAN's IPv6 side never came up in the daemon"
[[ $(lab_path_name "$(lab_client_source_ip6)") == C-WAN ]] || fail "client's IPv6 does not start on C's WAN"
stream_start
stream_start 6
sleep 1

# 1. silent WAN cut
t0=$(now_ns)
lab_wan_silent_fail c
t4=$(lab_wait_client_path A 10) || fail "client's IPv4 never reached the isp through A"
t6=$(lab_wait_client_path6 A 10) || fail "client's IPv6 never reached the isp through A"
sleep 1
[[ $(lab_path_name "$(last_source)") == A ]] || fail "IPv4 UDP flow arrives from $(last_source), not via A"
[[ $(lab_path_name "$(last_source6)") == A ]] || fail "IPv6 UDP flow arrives from $(last_source6), not via A"
g4=$(gap_json --start-ns "$t0" | json_get '["max_gap_ms"]')
g6=$(gap6_json --start-ns "$t0" | json_get '["max_gap_ms"]')
note "silent WAN cut: IPv4 via A after ${t4} ms (UDP gap ${g4} ms), IPv6 via A after ${t6} ms (UDP gap ${g6} ms)"

# 2. A loses only IPv6
t1=$(now_ns)
lab_provider_wan_fail6 a
t6b=$(lab_wait_client_path6 B 10) || fail "client's IPv6 did not move to B when A lost its IPv6"
sleep 1
[[ $(lab_path_name "$(last_source6)") == B ]] || fail "IPv6 UDP flow arrives from $(last_source6), not via B"
[[ $(lab_path_name "$(last_source)") == A ]] || fail "IPv4 UDP flow moved to $(last_source) though A's IPv4 works"
[[ $(lab_path_name "$(lab_client_source_ip)") == A ]] || fail "new IPv4 connections left A though A's IPv4 works"
g4b=$(gap_json --start-ns "$t1" | json_get '["max_gap_ms"]')
g6b=$(gap6_json --start-ns "$t1" | json_get '["max_gap_ms"]')
python3 -c "import sys; sys.exit(0 if $g4b < 200 else 1)" || fail "IPv4 stalled ${g4b} ms while only A's IPv6 failed"
note "A loses IPv6 only: IPv6 via B after ${t6b} ms (UDP gap ${g6b} ms); IPv4 stays on A (longest gap ${g4b} ms)"

# 3. failback per family
lab_provider_wan_restore6 a
lab_wan_silent_restore c
t2=$(now_ns)
fb4=$(lab_wait_client_path C-WAN 20) || fail "IPv4 never failed back to C's WAN"
fb6=$(lab_wait_client_path6 C-WAN 20) || fail "IPv6 never failed back to C's WAN"
sleep 1
[[ $(lab_path_name "$(last_source)") == C-WAN ]] || fail "IPv4 UDP flow did not come back to C's WAN"
[[ $(lab_path_name "$(last_source6)") == C-WAN ]] || fail "IPv6 UDP flow did not come back to C's WAN"
grep -q 'IPv6 default route: uplink:provider-b/ipv6 → wan:wan/ipv6' "$(lab_state)/logs/wgctl-daemon.log" || fail "the daemon's log has no IPv6 failback"
note "failback: IPv4 on C's WAN after ${fb4} ms, IPv6 after ${fb6} ms"
stream_stop
stream_stop 6

# 4. no path carries IPv6
lab_wan_silent_fail6 c
lab_provider_wan_fail6 a
lab_provider_wan_fail6 b
lab_wait 15 sh -c "grep -q 'IPv6 default route: .* → unreachable' '$(lab_state)/logs/wgctl-daemon.log'" || fail "the daemon never withdrew IPv6 when no path carried it"
# the router answers an IPv6 packet at once: "no route" from C's LAN address
t0=$(date +%s%N)
answer=$(lab_exec client ping -6 -n -c1 -W3 2001:db8:19::1 2>&1 || true)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[[ $answer == *"fd00:50::1"*"Destination unreachable: No route"* ]] || fail "no 'no route' answer from C to the client's IPv6: $answer"
(( ms < 500 )) || fail "C's answer to the client's IPv6 took ${ms} ms (a black hole, not an answer)"
# a TCP connect ends with "network unreachable" instead of running into its timeout (in the
# lab the first error can race the SYN's own send: the SYN's first retransmit then gets it)
out=$(lab_exec client python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.settimeout(10)
t = time.monotonic()
try:
    s.connect(("2001:db8:19::1", 80))
    print("connected", 0)
except OSError as e:
    print(e.errno if e.errno is not None else type(e).__name__, int((time.monotonic() - t) * 1000))
PY
)
read -r what tcp_ms <<<"$out"
[[ $what == 101 || $what == 113 ]] || fail "a client's IPv6 connect ended with '$what' after ${tcp_ms} ms, not 'unreachable'"
[[ $(lab_path_name "$(lab_client_source_ip)") == C-WAN ]] || fail "IPv4 stopped working while IPv6 was withdrawn"
pass "IPv4 and IPv6 fail over to A (gaps ${g4}/${g6} ms); A's IPv6 loss moves only IPv6 to B (${t6b} ms, IPv4 gap ${g4b} ms); failback per family (${fb4}/${fb6} ms); no IPv6 path: C answers 'no route' in ${ms} ms, TCP connect fails in ${tcp_ms} ms, IPv4 unaffected"
