#!/usr/bin/env bash
# Scenario 2: C's WAN loses carrier (the isp side of the link goes down).
# Expect: traffic through provider A, detected from the netlink link event.
SCENARIO=carrier-loss
source "$(dirname "$0")/common.sh"
scenario_up
stream_start
sleep 1
lab_wan_carrier_down c
t=$(lab_wait_client_path A 10) || fail "client never reached the isp through A"
sleep 0.5
src=$(last_source)
[[ $(lab_path_name "$src") == A ]] || fail "UDP flow arrives from $src, not via A"
grep -q 'carrier lost on wan' "$(lab_state)/logs/wgctl-daemon.log" || fail "the daemon did not see the carrier loss"
gap=$(gap_json | json_get '["max_gap_ms"]')
stream_stop
pass "via A after ${t} ms (carrier event), UDP flow via A, longest gap ${gap} ms"
