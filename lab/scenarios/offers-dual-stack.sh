#!/usr/bin/env bash
# Zero-touch, dual stack: A and B offer with option ipv6 '1' (their WANs carry IPv6), C adds A
# with `wgctl uplink add A` and no flags. Expect: the offer says IPv6, the grant brings an IPv6
# /128 from A's own ULA pool beside the IPv4 address, and after a silent cut of C's WAN the
# client's IPv6 reaches the isp through A (NAT66 on C's uplink, then at A's WAN).
SCENARIO=offers-dual-stack
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/providers.sh"
export LAB_EXTRA_SETTINGS="$LAB_IPV6_SETTINGS"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
lab_offers_up
offer_ipv6() { lab_wgctl uplink list --json | python3 -c 'import json,sys
print(" ".join(sorted("%s:%s" % (o["peer_id"], o["ipv6"]) for o in json.load(sys.stdin)["offers"])))'; }
heard=""
for _ in $(seq 1 60); do heard=$(offer_ipv6); [[ $heard == "A:True B:True" ]] && break; sleep 0.5; done
[[ $heard == "A:True B:True" ]] || fail "C did not hear two IPv6-capable offers: '$heard'"
added=$(lab_wgctl uplink add A --json) || fail "zero-touch add A failed: $added"
addrs=$(printf '%s' "$added" | json_get '["address"]')
a6=$(printf '%s' "$added" | python3 -c 'import json,sys; print(next(a for a in json.load(sys.stdin)["address"] if ":" in a))') ||
  fail "the grant brought no IPv6 address: $addrs"
[[ $a6 == fd*/128 ]] || fail "the granted IPv6 address is $a6, not a /128 of A's ULA pool"
lab_exec a wg show wu_server allowed-ips | grep -q "${a6%/128}/128" || fail "A did not authorise $a6 on its server"
lab_wait 10 sh -c "grep -q 'configuration reloaded: 4 paths' '$(lab_state)/logs/wgctl-daemon.log'" || fail "C's daemon did not pick up the dual-stack uplink"
lab_wait 20 sh -c "grep -q 'uplink:A/ipv6: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "the uplink's IPv6 side never came up"
[[ $(lab_path_name "$(lab_client_source_ip6)") == C-WAN ]] || fail "the client's IPv6 does not start on C's WAN"
lab_wan_silent_fail c
t=$(lab_wait_client_path6 A 10) || fail "the client's IPv6 never reached the isp through A"
[[ $(lab_path_name "$(lab_client_source_ip)") == A ]] || fail "the client's IPv4 is not through A"
pass "offers say IPv6; the grant brought $a6 beside the IPv4 address; silent WAN cut → the client's IPv6 through A after ${t} ms"
