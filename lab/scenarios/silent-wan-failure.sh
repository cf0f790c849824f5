#!/usr/bin/env bash
# Scenario 1: C's WAN fails silently (the isp drops everything, carrier stays up).
# Expect: the client's traffic reaches the isp through provider A, the running UDP flow
# included (its connection entry is flushed so it is NATed anew through the tunnel).
SCENARIO=silent-wan-failure
source "$(dirname "$0")/common.sh"
scenario_up
stream_start
sleep 1
lab_wan_silent_fail c
t=$(lab_wait_client_path A 10) || fail "client never reached the isp through A"
sleep 1
src=$(last_source)
[[ $(lab_path_name "$src") == A ]] || fail "UDP flow still arrives from $src, not via A"
gap=$(gap_json | json_get '["max_gap_ms"]')
stream_stop
pass "new connections via A after ${t} ms; running UDP flow moved to A ($src), longest gap ${gap} ms"
