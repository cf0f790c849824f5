#!/usr/bin/env bash
# Scenario 3: C is failed over to A; then A's own WAN dies while its tunnel stays up (the
# failure mesh VPNs miss: the handshake is fine, the internet behind it is not).
# Expect: traffic moves to provider B.
SCENARIO=provider-wan-failure
source "$(dirname "$0")/common.sh"
scenario_up
stream_start
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
sleep 1
lab_provider_wan_fail a
hs=$(lab_exec c wg show "$(lab_wgctl uplink list --json | json_get '["uplinks"][0]["interface"]')" latest-handshakes | awk '{print $2}')
t=$(lab_wait_client_path B 10) || fail "traffic did not move to B when A's WAN died"
sleep 0.5
src=$(last_source)
[[ $(lab_path_name "$src") == B ]] || fail "UDP flow arrives from $src, not via B"
age=$(( $(date +%s) - hs ))
[[ $age -lt 30 ]] || fail "A's tunnel was not up (handshake $age s ago): the scenario did not test a live tunnel"
stream_stop
pass "A's tunnel up (handshake ${age} s ago) but its WAN dead: moved to B after ${t} ms"
