#!/usr/bin/env bash
# Scenario: the mwan3 backend — the daemon decides, mwan3 enforces. C runs wgctl with backend
# mwan3 and a recording mwan3 stand-in on PATH (lab/tools/mwan3-standin) that moves C's
# default route the way mwan3's policy would. The Linux backend's set-up stands in for netifd
# (WireGuard devices, NAT). Expect, from recorded calls and real traffic:
#   silent cut -> `mwan3 ifdown wan` within 1 s, new and running flows via A;
#   WAN back but 30 % lossy for 30 s -> never `mwan3 ifup wan`, traffic stays on the uplink;
#   WAN clean -> `mwan3 ifup wan` only after the hysteresis, flows back on the WAN;
#   mwan3 restart while failed over -> the dead WAN taken out again within 1 s;
#   kill -9 while failed over, WAN restored, respawn -> ifup within the hysteresis;
#   stop while failed over -> ifup on the way out.
SCENARIO=mwan3-enforcement
source "$(dirname "$0")/common.sh"
scenario_up
root=$(lab_consumer_root)
dev_a=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["interface"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-a"][0])')
dev_b=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["interface"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-b"][0])')
gw=$(lab_exec c ip -j route show default table main | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["gateway"])')
# kill -9: a stopped Linux backend removes what it installed, and its devices and NAT stand in
# for netifd's here; its two policy rules stand in for mwan3's own (they exist only while it
# diverts, so they are added by hand)
kill -9 "$(lab_pid wgctl-daemon)"; lab_stop wgctl-daemon
lab_exec c ip rule add priority 22000 lookup main suppress_prefixlength 0
lab_exec c ip rule add priority 22001 not fwmark 0x57550000 lookup 22357

# C becomes an mwan3 router: network and mwan3 configs (stock layout), backend mwan3
cat >"$root/etc/config/network" <<CFG
config interface 'loopback'
	option device 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'
	option netmask '255.0.0.0'

config interface 'wan'
	option device 'wan'
	option proto 'dhcp'
	option metric '10'
CFG
cat >"$root/etc/config/mwan3" <<CFG
config globals 'globals'
	option mmx_mask '0x3F00'

config interface 'wan'
	option enabled '1'
	list track_ip '198.19.0.2'
	option family 'ipv4'
	option reliability '1'

config member 'wan_m1_w3'
	option interface 'wan'
	option metric '1'
	option weight '3'

config policy 'wan_only'
	list use_member 'wan_m1_w3'

config rule 'default_rule_v4'
	option dest_ip '0.0.0.0/0'
	option use_policy 'wan_only'
	option family 'ipv4'
CFG
sed -i "s/option backend 'linux'/option backend 'mwan3'/" "$root/etc/config/wireguard-uplink"

bin="$(lab_state)/bin"
mkdir -p "$bin"
ln -sf "$LAB_DIR/tools/mwan3-standin" "$bin/mwan3"
calls="$(lab_state)/logs/mwan3-calls.log"
: >"$calls"
printf 'wan wan %s\n%s %s\n%s %s\n' "$gw" "$dev_a" "$dev_a" "$dev_b" "$dev_b" >"$(lab_state)/mwan3-members"
export MWAN3_LAB_LOG=$calls MWAN3_LAB_STATE=$root/var/run/mwan3 MWAN3_LAB_MEMBERS=$(lab_state)/mwan3-members MWAN3_LAB_TABLE=22357
mwan3_daemon_start() {
  lab_spawn c wgctl-daemon env PATH="$bin:$PATH" MWAN3_LAB_LOG="$MWAN3_LAB_LOG" MWAN3_LAB_STATE="$MWAN3_LAB_STATE" \
    MWAN3_LAB_MEMBERS="$MWAN3_LAB_MEMBERS" MWAN3_LAB_TABLE="$MWAN3_LAB_TABLE" "$WGCTL_BIN" --root "$root" uplink daemon
  lab_wait 10 test -S "$root/var/run/wireguard-uplink.sock" || fail "daemon did not start"
}
now() { date +%s.%N; }
# call_after T VERB IFACE: time of the first recorded call after T (empty if none)
call_after() { awk -v t="$1" -v v="$2" -v i="$3" '$1 > t && $2 == v && $3 == i { print $1; exit }' "$calls"; }
wait_call() { lab_wait "$4" sh -c "awk -v t=$1 -v v=$2 -v i=$3 '\$1 > t && \$2 == v && \$3 == i { f=1 } END { exit !f }' '$calls'"; }
secs() { python3 -c "print(round($2 - $1, 2))"; }
hold=$(python3 -c "print(max(10, round(${LAB_FAILOVER_TIMEOUT:-3} / min(1.0, max(0.1, ${LAB_FAILOVER_TIMEOUT:-3} / 20)))) * min(1.0, max(0.1, ${LAB_FAILOVER_TIMEOUT:-3} / 20)))")

mkdir -p "$MWAN3_LAB_STATE"   # mwan3 runs: its init script's test is this directory
mwan3_daemon_start
lab_wait 10 sh -c "grep -q 'started: backend mwan3' '$(lab_state)/logs/wgctl-daemon.log'" || fail "daemon is not on the mwan3 backend"
! grep -q 'mwan3 is not running' "$(lab_state)/logs/wgctl-daemon.log" || fail "daemon calls a running mwan3 stopped"
lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "WAN never came up in the daemon"
[[ -z $(cat "$calls") ]] || fail "mwan3 commanded with every path healthy: $(cat "$calls")"
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

# 2. an mwan3 restart while failed over brings the dead WAN back: taken out again within 1 s
t1=$(now); lab_exec c env PATH="$bin:$PATH" mwan3 restart
wait_call "$t1" ifdown wan 5 || fail "dead WAN not taken out again after an mwan3 restart"
d_re=$(secs "$t1" "$(call_after "$t1" ifdown wan)")
python3 -c "import sys; sys.exit(0 if $d_re <= 1.3 else 1)" || fail "re-taken ${d_re} s after the restart began (its own 0.3 s included; aim 1 s)"
note "mwan3 restart: WAN out again ${d_re} s after the restart began"

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

# 5b. mwan3 stopped under the daemon (its status directory removed, as its stop does): the log
# says nothing fails over, within one check interval; and says so again when mwan3 is back
dlog="$(lab_state)/logs/wgctl-daemon.log"
rm -rf "$MWAN3_LAB_STATE"
lab_wait $(( ${LAB_CHECK_INTERVAL:-10} + 3 )) grep -q 'WARNING: .*mwan3 is not running' "$dlog" || fail "a stopped mwan3 is not said in the daemon's log"
[[ $(lab_exec c "$WGCTL_BIN" --root "$root" uplink status --json | python3 -c 'import json,sys; print((json.load(sys.stdin)["backend_problem"] or {}).get("code"))') == mwan3_not_running ]] || fail "status does not say mwan3 is stopped"
mkdir -p "$MWAN3_LAB_STATE/iface_state"
lab_wait $(( ${LAB_CHECK_INTERVAL:-10} + 3 )) grep -q 'mwan3 runs again' "$dlog" || fail "mwan3's return is not said in the daemon's log"
note "mwan3 stopped: said in the log and status within one check interval"

# 6. stop while failed over: the hold goes back on the way out
t5=$(now); lab_wan_silent_fail c
wait_call "$t5" ifdown wan 5 || fail "no ifdown on the third cut"
sleep 0.5
t6=$(now); lab_stop wgctl-daemon
[[ -n $(call_after "$t6" ifup wan) ]] || fail "stop left the WAN out of mwan3"
[[ ! -s "$root/var/run/wireguard-uplink.mwan3-held" ]] || fail "holds file not cleared on stop"
lab_wan_silent_restore c
stream_stop
pass "ifdown ${d_down} s after a silent cut, re-taken ${d_re} s after an mwan3 restart, held through 30 s of 30 % loss, ifup ${d_up} s after recovery (hysteresis ${hold} s), ${d_resp} s after a respawn, released on stop; flows followed both ways"
