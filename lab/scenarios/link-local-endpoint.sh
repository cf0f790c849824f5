#!/usr/bin/env bash
# An 802.11s-style mesh that carries only link-local IPv6: the uplinks' endpoints are the
# providers' fe80:: addresses with C's underlay device as their scope ([fe80::…%ul-a]:51900).
# Expect: the tunnels come up on those endpoints, `test` passes the underlay layer over the
# scoped address, and a silent WAN cut moves the client to A.
SCENARIO=link-local-endpoint
source "$(dirname "$0")/common.sh"
export LAB_ENDPOINT_LL=1
scenario_up
ll=$(lab_underlay_ll a)
host=$(lab_wgctl uplink list --json | json_get '["uplinks"][0]["endpoint"]')
[[ $host == "[$ll%ul-a]:51900" ]] || fail "uplink endpoint is '$host', expected [$ll%ul-a]:51900"
test_out=$(lab_wgctl uplink test provider-a --json) || fail "uplink test over the link-local endpoint failed: $test_out"
underlay=$(printf '%s' "$test_out" | json_get '["layers"][0]["detail"]')
[[ $underlay == *"$ll"*ul-a* ]] || fail "underlay layer does not name the scoped endpoint: $underlay"
stream_start
lab_wan_silent_fail c
t=$(lab_wait_client_path A 10) || fail "client never reached the isp through A over the link-local endpoint"
dev=$(lab_wgctl uplink list --json | json_get '["uplinks"][0]["interface"]')
ep=$(lab_exec c wg show "$dev" endpoints | awk '{print $2}')
# wireguard-go's UAPI reports the endpoint without its scope (it keeps it to send)
[[ $ep == "[$ll%ul-a]:51900" || $ep == "[$ll]:51900" ]] || fail "WireGuard's endpoint is '$ep', expected [$ll%ul-a]:51900"
sleep 1
[[ $(lab_path_name "$(last_source)") == A ]] || fail "UDP flow arrives from $(last_source), not via A"
gap=$(gap_json | json_get '["max_gap_ms"]')
stream_stop
pass "endpoint $ep: test passes ($underlay); silent WAN cut → via A after ${t} ms, UDP gap ${gap} ms"
