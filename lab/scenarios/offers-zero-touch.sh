#!/usr/bin/env bash
# Issue 4, end to end: A and B run wgctl as providers; C, with nothing configured but the
# mesh, learns both offers and adds both uplinks with `wgctl uplink add A|B` and no flags
# (request → grant over the mesh). Round 1: C's WAN dies silently → A; A withdraws → B.
# Round 2 (all healthy again): C's WAN dies → A; A's own WAN dies → B. The longest gap in
# the client's 10 ms UDP stream is measured for each move.
SCENARIO=offers-zero-touch
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/providers.sh"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
lab_offers_up
heard=""
for _ in $(seq 1 60); do heard=$(lab_offers_heard); [[ $heard == "A:available:trusted B:available:trusted" ]] && break; sleep 0.5; done
[[ $heard == "A:available:trusted B:available:trusted" ]] || fail "C did not learn both offers: '$heard'"
added=$(lab_wgctl uplink add A --json) || fail "zero-touch add A failed"
[[ $(printf '%s' "$added" | json_get '["granted"]') == True ]] || fail "zero-touch add A not granted: $added"
[[ $(printf '%s' "$added" | json_get '["authorize"]') == None ]] || fail "a granted add still tells the operator to authorise the key: $added"
text=$(lab_wgctl uplink remove A >/dev/null && lab_wgctl uplink add A) || fail "zero-touch add A (text) failed"
[[ $text != *"must authorise"* ]] || fail "a granted add prints an authorisation instruction: $text"
lab_wgctl uplink add B --json >/dev/null || fail "zero-touch add B failed"
n=$(lab_exec a wg show wu_server peers | wc -l); [[ $n -eq 1 ]] || fail "A authorised $n keys, expected 1"
lab_wait 10 sh -c "grep -q 'configuration reloaded: 3 paths' '$(lab_state)/logs/wgctl-daemon.log'" || fail "C's daemon did not pick up the uplinks"
uplink_state() { lab_wgctl uplink status --json | python3 -c "import json,sys; print(next(u['state'] for u in json.load(sys.stdin)['uplinks'] if u['peer_id']=='$1'))"; }
wait_up() { for _ in $(seq 1 120); do [[ $(uplink_state "$1") == up ]] && return 0; sleep 0.5; done; return 1; }
wait_up A || fail "uplink A never became healthy"
wait_up B || fail "uplink B never became healthy"
stream_start
now_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }
window_gap() { python3 "$LAB_DIR/tools/gap_report.py" "$SINK_LOG" --start-ns "$1" --end-ns "$2" --json | json_get '["max_gap_ms"]'; }

# round 1
t0=$(now_ns); lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "silent WAN failure did not move traffic to A"
sleep 0.5; t1=$(now_ns)
lab_node_wgctl a uplink withdraw >/dev/null
lab_wait_client_path B 10 >/dev/null || fail "A's withdrawal did not move traffic to B"
sleep 0.5; t2=$(now_ns)
g1=$(window_gap "$t0" "$t1"); g2=$(window_gap "$t1" "$t2")

# round 2: everything healthy again
lab_node_wgctl a uplink offer >/dev/null
lab_wan_silent_restore c
lab_wait_client_path C-WAN 20 >/dev/null || fail "no failback to C's WAN"
for _ in $(seq 1 60); do [[ $(lab_offers_heard) == "A:available:trusted B:available:trusted" ]] && break; sleep 0.5; done
wait_up A || fail "uplink A did not recover after A offered again"
t3=$(now_ns); lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "round 2: silent WAN failure did not move traffic to A"
sleep 0.5; t4=$(now_ns)
lab_provider_wan_fail a
lab_wait_client_path B 10 >/dev/null || fail "A's WAN death did not move traffic to B"
sleep 0.5; t5=$(now_ns)
grep -q 'offer from A: unavailable' "$(lab_state)/logs/wgctl-daemon.log" || fail "A never announced itself unavailable"
g3=$(window_gap "$t3" "$t4"); g4=$(window_gap "$t4" "$t5")
stream_stop
pass "offers learnt, zero-touch adds granted; longest UDP gaps: C WAN dead -> A ${g1} ms, A withdrew -> B ${g2} ms; C WAN dead -> A ${g3} ms, A's WAN dead -> B ${g4} ms"
