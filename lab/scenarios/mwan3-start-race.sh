#!/usr/bin/env bash
# Scenario: mwan3's one-shot checks lose a race at its start, and nothing in mwan3 retries
# (see lab/tools/mwan3-standin, "one-shot"); the daemon must compare its picture with mwan3's and repair. C is an mwan3
# router driven by the strict stand-in (lab/tools/mwan3-standin). Injected before the daemon
# starts:
#   tracker-paused A   A's tracker finds A not up at its firstconnect: STATUS disabled, tracking
#                      paused, A never comes online in mwan3 until an ifup;
#   table-no-default wan  mwan3rtmon's first pass misses the WAN's default route: mwan3's policy
#                      still sends new connections to the WAN (online), into a table without a
#                      route: they are dropped while every probe of the daemon says "up".
# Expect within 5 s of the daemon's start: `mwan3 ifup A` and `mwan3 ifup wan` recorded, table 1
# with its default route again, A's tracker tracking, the client on the WAN, and the daemon saying
# so: `uplink status --json` mwan3_repairs[] ({interface, problem, action, at}) for both and a
# "mwan3: repair" log line.
# Then `ignore-ifup wan 2`: after a cut and recovery the daemon's put-back ifup is ignored twice
# (netifd does not report wan up); it must retry until mwan3's iface_state says online
# (3 or more `ifup wan`), and the client returns to the WAN.
SCENARIO=mwan3-start-race
source "$(dirname "$0")/common.sh"
scenario_up
source "$LAB_DIR/tools/mwan3-lab.sh"
mwan3_lab_setup
dlog="$(lab_state)/logs/wgctl-daemon.log"

printf 'tracker-paused %s\ntable-no-default wan\n' "$dev_a" >"$inject"
mwan3 start
sleep 2
# the premise: both failures are in place and stay (mwan3 itself does not retry)
[[ $(track_file "$dev_a" STATUS) == disabled && $(track_file "$dev_a" STARTED) == 0 ]] ||
  fail "premise: A's tracker is not paused ($(track_file "$dev_a" STATUS), started $(track_file "$dev_a" STARTED))"
[[ -z $(lab_exec c ip -4 route show table 1 default 2>/dev/null) ]] || fail "premise: the WAN's table 1 has a default route"
[[ $(lab_exec c ip -4 route show table 22357 default) == unreachable* ]] || fail "premise: mwan3's policy does not drop new connections"
[[ $(iface_state wan) == online && $(iface_state "$dev_a") == offline ]] || fail "premise: iface_state wan $(iface_state wan), A $(iface_state "$dev_a")"
note "premise: $(mwan3 interfaces | sed -n '2,3p' | tr -s ' ' | tr '\n' ';')"

t0=$(now); mwan3_daemon_start
deadline=$(python3 -c "print($t0 + 5)")
ok() {
  [[ -n $(call_after "$t0" ifup "$dev_a") && -n $(call_after "$t0" ifup wan) ]] &&
  [[ -n $(lab_exec c ip -4 route show table 1 default 2>/dev/null) ]] &&
  [[ $(track_file "$dev_a" STARTED) == 1 && $(track_file "$dev_a" STATUS) != disabled ]]
}
until ok || python3 -c "import sys,time; sys.exit(0 if time.time() > $deadline else 1)"; do sleep 0.1; done
t_ok=$(now)
problems=()
[[ -n $(call_after "$t0" ifup "$dev_a") ]] || problems+=("no \`mwan3 ifup $dev_a\` (A's paused tracker)")
[[ -n $(call_after "$t0" ifup wan) ]] || problems+=("no \`mwan3 ifup wan\` (table 1 without default route)")
[[ -n $(lab_exec c ip -4 route show table 1 default 2>/dev/null) ]] || problems+=("table 1 still without default route")
[[ $(track_file "$dev_a" STARTED) == 1 && $(track_file "$dev_a" STATUS) != disabled ]] ||
  problems+=("A's tracker still $(track_file "$dev_a" STATUS) (started $(track_file "$dev_a" STARTED))")
[[ ${#problems[@]} -eq 0 ]] || fail "5 s after the daemon's start: $(IFS=';'; echo "${problems[*]}"); calls: $(awk -v t="$t0" '$1 > t' "$calls" | tr '\n' ';')"
d_rep=$(secs "$t0" "$t_ok")
note "repaired ${d_rep} s after the daemon's start: ifup $dev_a at +$(secs "$t0" "$(call_after "$t0" ifup "$dev_a")") s, ifup wan at +$(secs "$t0" "$(call_after "$t0" ifup wan)") s"

# the daemon says it
repairs=$(lab_wgctl uplink status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d.get("mwan3_repairs")
if not isinstance(r, list):
    print("missing"); sys.exit()
need = {"interface", "problem", "action", "at"}
bad = [x for x in r if not isinstance(x, dict) or not need <= set(x)]
if bad:
    print("malformed: %r" % bad[:2]); sys.exit()
print(" ".join(sorted({x["interface"] for x in r})))')
[[ $repairs != missing ]] || fail "uplink status --json has no mwan3_repairs list"
[[ $repairs != malformed* ]] || fail "mwan3_repairs entries lack interface/problem/action/at: $repairs"
[[ " $repairs " == *" $dev_a "* && " $repairs " == *" wan "* ]] || fail "mwan3_repairs names '$repairs', not both $dev_a and wan"
grep -q 'mwan3: repair' "$dlog" || fail "no 'mwan3: repair' line in the daemon's log"
lab_wait 10 sh -c "grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_a'" || fail "A never came online in mwan3 after its tracker resumed"
t=$(lab_wait_client_path C-WAN 10) || fail "the client does not reach the isp through C's WAN after the repair"
note "status lists repairs of: $repairs; A online in mwan3; client on the WAN"

# 2. netifd briefly does not report wan up: the put-back ifup is ignored twice
echo "ignore-ifup wan 2" >>"$inject"
t1=$(now); lab_wan_silent_fail c
wait_call "$t1" ifdown wan 5 || fail "no mwan3 ifdown wan within 5 s of the cut"
lab_wait 5 sh -c "grep -qx offline '$MWAN3_LAB_STATE/iface_state/wan'" || fail "the WAN not offline in mwan3 after the ifdown"
lab_wait_client_path A 10 >/dev/null || fail "the client did not fail over to A"
t2=$(now); lab_wan_silent_restore c
lab_wait $(( ${hold%.*} + 20 )) sh -c "grep -qx online '$MWAN3_LAB_STATE/iface_state/wan'" ||
  fail "the WAN never came back online in mwan3: $(calls_count "$t2" ifup wan) ifup wan, $(grep -c 'ignored wan ifup' "$events") ignored; calls: $(awk -v t="$t2" '$1 > t' "$calls" | tr '\n' ';')"
n=$(calls_count "$t2" ifup wan)
[[ $n -ge 3 ]] || fail "only $n ifup wan recorded after the recovery (2 were ignored: 3 or more needed)"
[[ $(grep -c 'ignored wan ifup: netifd does not report it up (injected)' "$events") -eq 2 ]] || fail "the injection did not ignore exactly 2 ifups"
sleep 2
[[ $(iface_state wan) == online ]] || fail "the WAN left mwan3 again ($(iface_state wan))"
[[ ! -s "$root/var/run/wireguard-uplink.mwan3-held" ]] || fail "the daemon still records holds: $(cat "$root/var/run/wireguard-uplink.mwan3-held")"
lab_wait_client_path C-WAN 10 >/dev/null || fail "the client did not return to the WAN"
d_on=$(secs "$t2" "$(event_after "$t2" state wan online)")
pass "start race repaired ${d_rep} s after the daemon's start (ifup of A and wan, table 1 default, A tracked, mwan3_repairs: $repairs); an ignored put-back retried: $n ifup wan, WAN online in mwan3 ${d_on} s after it recovered (hysteresis ${hold} s)"
