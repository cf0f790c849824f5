#!/usr/bin/env bash
# Scenario 5: the uplinks' own WireGuard UDP never enters an uplink, before and after a
# failover. Counters prove it: C's nft output counters (marked UDP outside the tunnels vs.
# uplink UDP inside one) and, on provider A, WireGuard UDP arriving inside its uplink server.
SCENARIO=endpoint-udp-off-tunnels
source "$(dirname "$0")/common.sh"
scenario_up
lab_exec a nft add table inet scenario
lab_exec a nft add chain inet scenario input '{ type filter hook input priority -10; }'
lab_exec a nft add rule inet scenario input iifname wgup udp dport 51900 counter
lab_exec a nft add rule inet scenario input iifname ul-c udp dport 51900 counter
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
stream_start
sleep 6   # keepalives every 5 s from both uplinks
stream_stop
counters=$(lab_exec c nft -j list chain inet wireguard_uplink output)
outside=$(printf '%s' "$counters" | python3 -c 'import json,sys; r=[x["rule"] for x in json.load(sys.stdin)["nftables"] if "rule" in x]; print(sum(e["counter"]["packets"] for x in r if "outside" in x.get("comment","") for e in x["expr"] if "counter" in e))')
inside=$(printf '%s' "$counters" | python3 -c 'import json,sys; r=[x["rule"] for x in json.load(sys.stdin)["nftables"] if "rule" in x]; print(sum(e["counter"]["packets"] for x in r if "inside" in x.get("comment","") for e in x["expr"] if "counter" in e))')
a=$(lab_exec a nft -j list chain inet scenario input | python3 -c 'import json,sys; r=[x["rule"] for x in json.load(sys.stdin)["nftables"] if "rule" in x]; print(" ".join(str(e["counter"]["packets"]) for x in r for e in x["expr"] if "counter" in e))')
read -r a_inside a_underlay <<<"$a"
[[ $outside -gt 0 ]] || fail "no marked uplink UDP counted at all ($outside): counter broken"
[[ $inside -eq 0 ]] || fail "$inside uplink UDP packets went into a tunnel on C"
[[ $a_underlay -gt 0 ]] || fail "A saw no WireGuard UDP on the underlay"
[[ $a_inside -eq 0 ]] || fail "A received $a_inside WireGuard UDP packets inside its uplink server"
pass "C: $outside marked packets outside the tunnels, $inside inside; A: $a_underlay on the underlay, $a_inside inside wgup"
