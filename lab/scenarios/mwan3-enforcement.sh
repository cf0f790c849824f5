#!/usr/bin/env bash
# Scenario: the mwan3 backend — the daemon decides, mwan3 enforces. C runs wgctl with backend
# mwan3 and the strict mwan3 stand-in on PATH (lab/tools/mwan3-standin: mwan3 2.12's lock,
# trackers, iface_state, tables and policy; lab/tools/mwan3-lab.sh sets C up) that moves C's
# default route the way mwan3's policy would. The Linux backend's set-up stands in for netifd
# (WireGuard devices, NAT). mwan3 starts first: the WAN online at once, each uplink once its
# tracker has confirmed it. Expect, from recorded calls and real traffic:
#   silent cut -> `mwan3 ifdown wan` within 1 s, new and running flows via A;
#   WAN back but 30 % lossy for 30 s -> never `mwan3 ifup wan`, traffic stays on the uplink;
#   WAN clean -> `mwan3 ifup wan` only after the hysteresis, flows back on the WAN;
#   mwan3 restart while failed over (it holds mwan3's lock 2+ s) -> the dead WAN, which the
#   restart puts online, taken out again within 1 s of mwan3 showing it online;
#   kill -9 while failed over, WAN restored, respawn -> ifup within the hysteresis;
#   mwan3 stopped and started under the daemon -> said in its log;
#   stop while failed over -> ifup on the way out, and mwan3 shows the WAN online.
SCENARIO=mwan3-enforcement
source "$(dirname "$0")/common.sh"
scenario_up
source "$LAB_DIR/tools/mwan3-lab.sh"
mwan3_lab_setup

mwan3 start
# mwan3 as it boots: the WAN online at once (initial_state online), each uplink only once its
# tracker has seen it answer `up` times (initial_state offline, as the daemon generates it)
lab_wait 15 sh -c "grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_a' && grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_b'" ||
  fail "mwan3's trackers never brought the uplinks online: $(mwan3 interfaces)"
[[ $(iface_state wan) == online ]] || fail "the WAN is not online in mwan3 after its start"
td=$(now); mwan3_daemon_start
lab_wait 10 sh -c "grep -q 'started: backend mwan3' '$(lab_state)/logs/wgctl-daemon.log'" || fail "daemon is not on the mwan3 backend"
! grep -q 'mwan3 is not running' "$(lab_state)/logs/wgctl-daemon.log" || fail "daemon calls a running mwan3 stopped"
lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "WAN never came up in the daemon"
[[ -z $(awk -v t="$td" '$1 > t && ($2 == "ifup" || $2 == "ifdown")' "$calls") ]] || fail "mwan3 commanded with every path healthy: $(cat "$calls")"
stream_start

# 1. silent cut
t0=$(now); lab_wan_silent_fail c
wait_call "$t0" ifdown wan 5 || fail "no mwan3 ifdown wan within 5 s of the cut"
d_down=$(secs "$t0" "$(call_after "$t0" ifdown wan)")
python3 -c "import sys; sys.exit(0 if $d_down <= 1.0 else 1)" || fail "mwan3 ifdown wan came ${d_down} s after the cut (aim 1 s)"
t=$(lab_wait_client_path A 10) || fail "new connections never reached the isp through A"
sleep 1
[[ $(lab_path_name "$(last_source)") == A ]] || fail "running UDP flow did not move to A ($(last_source))"
note "silent cut: ifdown wan after ${d_down} s, new flows via A ${t} ms after the ifdown was recorded"

# 2. an mwan3 restart while failed over brings the dead WAN back (its start writes it online,
# initial_state online): taken out again within 1 s of mwan3 showing it online. The restart holds
# mwan3's lock through its stop (2 s, as stop_service sleeps) and its start, so an ifdown cannot
# act before it ends; one run in the gap between the two finds mwan3 not set up and does nothing.
[[ $(track_file wan STATUS) == disabled ]] || fail "the held WAN's tracker is not idle ($(track_file wan STATUS))"
t1=$(now); mwan3 restart; t1e=$(now)
t_on=$(event_after "$t1" state wan online)
[[ -n $t_on ]] || fail "the restart did not bring the WAN online in mwan3 (the premise of this step)"
lab_wait 5 sh -c "awk -v t=$t_on '\$1 > t && \$2 == \"ifdown\" && \$3 == \"wan\" { f=1 } END { exit !f }' '$calls'" ||
  fail "dead WAN not taken out again after an mwan3 restart (calls: $(awk -v t="$t1" '$1 > t' "$calls" | tr '\n' ';'))"
# the last online member of the policy is never taken out: the clock starts once mwan3 shows
# both the WAN and an uplink online again (the uplinks start offline and need their tracker)
t_up=$(for i in "$dev_a" "$dev_b"; do event_after "$t1" state "$i" online; done | sort -n | head -n1)
[[ -n $t_up ]] || fail "no uplink came back online in mwan3 after the restart"
t_ref=$(python3 -c "print(max($t_on, $t_up))")
d_re=$(secs "$t_ref" "$(call_after "$t_on" ifdown wan)")
python3 -c "import sys; sys.exit(0 if $d_re <= 1.0 else 1)" || fail "re-taken ${d_re} s after mwan3 showed the WAN and an uplink online (aim 1 s)"
lab_wait 5 sh -c "[ \"\$(cat '$MWAN3_LAB_STATE/iface_state/wan')\" = offline ]" || fail "the WAN stays online in mwan3 after the restart"
lab_wait 5 sh -c "[ \"\$(cat '$root/var/run/mwan3track/wan/STATUS')\" = disabled ]" || fail "the WAN's tracker was not idled again after the restart"
note "mwan3 restart ($(secs "$t1" "$t1e") s, lock held): WAN out again ${d_re} s after mwan3 showed it and an uplink online"

# 3. WAN back but 30 % lossy each way for 30 s: never put back, traffic stays on A
tl=$(now); lab_wan_lossy c 30; lab_wan_silent_restore c
for i in $(seq 1 10); do
  sleep 3
  p=$(lab_path_name "$(LAB_CURL_TIMEOUT=1 lab_client_source_ip 2>/dev/null || true)")
  [[ $p == A || $p == none ]] || fail "client moved to $p while the WAN was 30 % lossy"
done
[[ -z $(call_after "$tl" ifup wan) ]] || fail "WAN put back into mwan3 while 30 % lossy: $(awk -v t="$tl" '$1 > t' "$calls")"
note "30 % loss for 30 s: WAN kept out of mwan3 (no ifup recorded), traffic stayed on A"
# end the lossy phase with half a second of full loss, so the healthy run starts when it is clean
lab_wan_silent_fail c; sleep 0.5; lab_wan_lossy_off c

# 4. WAN clean: ifup only after the hysteresis, flows return to the WAN
t2=$(now); lab_wan_silent_restore c
wait_call "$t2" ifup wan $(( ${hold%.*} + 10 )) || fail "WAN never put back in mwan3"
d_up=$(secs "$t2" "$(call_after "$t2" ifup wan)")
python3 -c "import sys; sys.exit(0 if $hold - 0.5 <= $d_up <= $hold + 1.5 else 1)" || fail "ifup wan ${d_up} s after the WAN returned; hysteresis ${hold} s"
lab_wait_client_path C-WAN 10 >/dev/null || fail "new connections did not return to C's WAN"
sleep 1.5
[[ $(lab_path_name "$(last_source)") == C-WAN ]] || fail "running UDP flow stayed on the uplink ($(last_source)) after failback"
note "failback: ifup wan ${d_up} s after the WAN returned (hysteresis ${hold} s); running flow back on the WAN"

# 5. kill -9 while failed over, WAN restored meanwhile, respawn
t3=$(now); lab_wan_silent_fail c
wait_call "$t3" ifdown wan 5 || fail "no ifdown on the second cut"
sleep 0.5
kill -9 "$(lab_pid wgctl-daemon)"
grep -qx wan "$root/var/run/wireguard-uplink.mwan3-held" || fail "the hold is not recorded in /var/run"
lab_wan_silent_restore c
sleep 1
t4=$(now); mwan3_daemon_start
wait_call "$t4" ifup wan $(( ${hold%.*} + 10 )) || fail "respawned daemon never put the WAN back"
d_resp=$(secs "$t4" "$(call_after "$t4" ifup wan)")
python3 -c "import sys; sys.exit(0 if $d_resp <= $hold + 1.5 else 1)" || fail "WAN back ${d_resp} s after the respawn; hysteresis ${hold} s"
note "kill -9 + respawn: WAN back in mwan3 ${d_resp} s after the respawn"

# 5b. mwan3 stopped under the daemon (`mwan3 stop`: its status directories removed): the log
# says nothing fails over, within one check interval; and says so again when mwan3 is back
dlog="$(lab_state)/logs/wgctl-daemon.log"
ts=$(now); mwan3 stop
# a real stop flushes the tables, sleeps 2 s, then removes /var/run/mwan3; any `mwan3 ifup|ifdown`
# (even one waiting for the stop's lock) recreates /var/run/mwan3/iface_state (mwan3_init), and
# mwan3 then looks running again: the daemon must not command mwan3 while it stops
lab_wait $(( ${LAB_CHECK_INTERVAL:-10} + 3 )) grep -q 'WARNING: .*mwan3 is not running' "$dlog" ||
  fail "a stopped mwan3 is not said in the daemon's log (mwan3 commands since the stop began: $(awk -v t="$ts" '$1 > t' "$calls" | tr '\n' ';'); /var/run/mwan3 $([[ -e $MWAN3_LAB_STATE ]] && echo exists || echo absent))"
[[ $(lab_exec c "$WGCTL_BIN" --root "$root" uplink status --json | python3 -c 'import json,sys; print((json.load(sys.stdin)["backend_problem"] or {}).get("code"))') == mwan3_not_running ]] || fail "status does not say mwan3 is stopped"
mwan3 start
lab_wait $(( ${LAB_CHECK_INTERVAL:-10} + 3 )) grep -q 'mwan3 runs again' "$dlog" || fail "mwan3's return is not said in the daemon's log"
lab_wait 15 sh -c "grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_a'" || fail "uplink A never came back online in mwan3 after its start"
note "mwan3 stopped: said in the log and status within one check interval"

# 6. stop while failed over: the hold goes back on the way out
t5=$(now); lab_wan_silent_fail c
wait_call "$t5" ifdown wan 5 || fail "no ifdown on the third cut"
sleep 0.5
t6=$(now); lab_stop wgctl-daemon
[[ -n $(call_after "$t6" ifup wan) ]] || fail "stop left the WAN out of mwan3"
[[ ! -s "$root/var/run/wireguard-uplink.mwan3-held" ]] || fail "holds file not cleared on stop"
[[ $(iface_state wan) == online ]] || fail "mwan3 does not show the WAN online after the daemon's ifup on stop ($(iface_state wan))"
lab_wan_silent_restore c
stream_stop
pass "ifdown ${d_down} s after a silent cut, re-taken ${d_re} s after an mwan3 restart showed the WAN and an uplink online, held through 30 s of 30 % loss, ifup ${d_up} s after recovery (hysteresis ${hold} s), ${d_resp} s after a respawn, released on stop; flows followed both ways"
