#!/usr/bin/env bash
# Issue 14, part 2: min_uplinks kept for real (option auto_add '1'). A and B offer; C has
# min_uplinks 2 and one uplink the administrator added by hand (A, priority 10). With auto_add
# on, C's daemon adds exactly one more uplink by itself, B (automatic, shown so in status).
# C's WAN dies silently: the client's traffic goes through B (the longest gap of its 10 ms
# UDP stream is measured). The WAN returns; the administrator removes B: B goes on
# auto_add_skip and, though C is short of min_uplinks and B still offers, it is not added
# again for a full rate-limit period plus a check interval and more (status says why).
SCENARIO=auto-add
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/providers.sh"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
lab_offers_up
LOG="$(lab_state)/logs/wgctl-daemon.log"
CONF="$(lab_consumer_root)/etc/config/wireguard-uplink"
heard=""
for _ in $(seq 1 60); do heard=$(lab_offers_heard); [[ $heard == "A:available:trusted B:available:trusted" ]] && break; sleep 0.5; done
[[ $heard == "A:available:trusted B:available:trusted" ]] || fail "C did not learn both offers: '$heard'"

# the administrator's own uplink: A, by hand (zero-touch grant), low priority
added=$(lab_wgctl uplink add A --priority 10 --json) || fail "adding A by hand failed: $added"
[[ $(printf '%s' "$added" | json_get '["granted"]') == True ]] || fail "A not granted: $added"

# option auto_add '1' (min_uplinks is already 2), then the daemon reloads
sed -i "s/^\toption min_uplinks '2'$/\toption min_uplinks '2'\n\toption auto_add '1'/" "$CONF"
grep -q "option auto_add '1'" "$CONF" || fail "could not turn auto_add on in $CONF"
t_on=$(now_ns)
lab_wgctl uplink notify reload >/dev/null || fail "C's daemon did not take the reload"

status_json() { lab_wgctl uplink status --json; }
# uplinks as "PEER:automatic|manual ..." (sorted)
uplinks_seen() { status_json | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join(sorted("%s:%s" % (u["peer_id"], "automatic" if u.get("automatic") else "manual") for u in d["uplinks"])))'; }
seen=""
for _ in $(seq 1 100); do seen=$(uplinks_seen); [[ $seen == "A:manual B:automatic" ]] && break; sleep 0.2; done
[[ $seen == "A:manual B:automatic" ]] || fail "C's daemon did not add B automatically: uplinks '$seen'"
auto_ms=$(( ($(now_ns) - t_on) / 1000000 ))
grep -q "auto_add: added B automatically" "$LOG" || fail "the automatic add of B is not logged"
st=$(status_json)
last=$(printf '%s' "$st" | json_get '["auto_add"]["actions"][0]')
[[ $last == *"'action': 'add'"* && $last == *"'peer_id': 'B'"* && $last == *"'ok': True"* ]] || fail "status does not show the automatic add of B: $last"
n=$(lab_exec b wg show wu_server peers | wc -l); [[ $n -eq 1 ]] || fail "B authorised $n keys, expected 1"

uplink_state() { status_json | python3 -c "import json,sys; print(next(u['state'] for u in json.load(sys.stdin)['uplinks'] if u['peer_id']=='$1'))"; }
wait_up() { for _ in $(seq 1 120); do [[ $(uplink_state "$1") == up ]] && return 0; sleep 0.5; done; return 1; }
wait_up B || fail "the automatic uplink B never became healthy"
wait_up A || fail "uplink A never became healthy"
[[ $(uplinks_seen) == "A:manual B:automatic" ]] || fail "C added more than one uplink: $(uplinks_seen)"
[[ $(grep -c "auto_add: added " "$LOG") -eq 1 ]] || fail "C's daemon added more than once: $(grep 'auto_add: added ' "$LOG")"

# C's WAN dies silently: B (priority 50, automatic) carries the client, not A (10)
stream_start
t0=$(now_ns); lab_wan_silent_fail c
lab_wait_client_path B 10 >/dev/null || fail "silent WAN failure did not move traffic to the automatic uplink B"
sleep 0.5; t1=$(now_ns)
gap=$(python3 "$LAB_DIR/tools/gap_report.py" "$SINK_LOG" --start-ns "$t0" --end-ns "$t1" --json | json_get '["max_gap_ms"]')
stream_stop
lab_wan_silent_restore c
lab_wait_client_path C-WAN 20 >/dev/null || fail "no failback to C's WAN"

# the administrator removes B: on auto_add_skip, never added again
lab_wgctl uplink remove B >/dev/null || fail "removing B by hand failed"
t_rm=$(now_ns)
skip=$(status_json | json_get '["auto_add"]["skip"]')
[[ $skip == "['B']" ]] || fail "B is not on auto_add_skip after its removal by hand: $skip"
grep -q "list auto_add_skip 'B'" "$CONF" || fail "auto_add_skip is not in $CONF"
# one rate-limit period (60 s) plus a check interval (10 s) plus margin, B still offering
wait_s=80
while (( ($(now_ns) - t_rm) / 1000000000 < wait_s )); do
  [[ $(uplinks_seen) == "A:manual" ]] || fail "B came back after its removal by hand: $(uplinks_seen)"
  sleep 2
done
[[ $(lab_offers_heard) == "A:available:trusted B:available:trusted" ]] || fail "B stopped offering, so the wait proves nothing: $(lab_offers_heard)"
st=$(status_json)
waiting=$(printf '%s' "$st" | json_get '["auto_add"]["waiting"]')
[[ $waiting == *"no trusted offer left to add"* && $waiting == *"B was removed by hand"* ]] || fail "status does not say why nothing is added: '$waiting'"
[[ $(printf '%s' "$st" | json_get '["auto_add"]["next_add_in_s"]') == None ]] || fail "the rate limit still holds after ${wait_s} s: $st"
[[ $(printf '%s' "$st" | json_get '["auto_add"]["healthy_uplinks"]') == 1 ]] || fail "C should count 1 of min_uplinks 2"
[[ $(grep -c "auto_add: added " "$LOG") -eq 1 ]] || fail "C's daemon added again: $(grep 'auto_add: added ' "$LOG")"
grep -q "auto_add: 1 of min_uplinks 2 healthy; no trusted offer left to add (B was removed by hand" "$LOG" || fail "the daemon did not log why it adds nothing"
text=$(lab_wgctl uplink status)
[[ $text == *"no trusted offer left to add (B was removed by hand"* ]] || fail "status text does not show auto_add's reason: $text"
pass "B added automatically ${auto_ms} ms after auto_add was turned on (A manual, exactly one add); C WAN dead -> B, longest UDP gap ${gap} ms; B removed by hand stayed out ${wait_s} s (rate limit 60 s + check interval 10 s): '$waiting'"
