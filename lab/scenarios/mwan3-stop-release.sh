#!/usr/bin/env bash
# Scenario: nothing stays out of mwan3 without the daemon. C is an mwan3 router driven by the
# strict stand-in (lab/tools/mwan3-standin). Holds: the WAN cut silently and B's uplink stopped
# (lab_provider_uplink_down b) while A carries: the daemon takes wan and B out (ifdown). A, the
# last usable path, is never held (with all three on file the daemon hands everything back at
# once: no consistent state has three holds).
# Expect:
#   1. kill -TERM with the WAN and B held: within 15 s nothing held (holds file empty), an
#      `mwan3 ifup` recorded for each, each mwan3 iface_state online or its tracker tracking;
#   2. kill -9 during that release (a slow mwan3: 2 s a command), then `wgctl uplink release`
#      by hand finishes the job;
#   2b. an mwan3 restart in the middle of the release: still nothing held, each one used or
#      tracked again;
#   3. `option enabled '0'` + `wgctl uplink notify reload` while failed over: nothing held.
SCENARIO=mwan3-stop-release
source "$(dirname "$0")/common.sh"
scenario_up
source "$LAB_DIR/tools/mwan3-lab.sh"
mwan3_lab_setup
dlog="$(lab_state)/logs/wgctl-daemon.log"
heldf="$root/var/run/wireguard-uplink.mwan3-held"
held() { sort "$heldf" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
holds_are() { [[ $(held) == "$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')" ]]; }
# handed_back T IFACE...: an ifup of each after T, and mwan3 uses it or its tracker tracks it
handed_back() {
  local t=$1 i; shift
  for i in "$@"; do
    [[ -n $(call_after "$t" ifup "$i") ]] || { echo "no ifup $i"; return 1; }
    [[ $(iface_state "$i") == online || ( $(track_file "$i" STARTED) == 1 && $(track_file "$i" STATUS) != disabled ) ]] ||
      { echo "$i: iface_state $(iface_state "$i"), tracker $(track_file "$i" STATUS) started $(track_file "$i" STARTED)"; return 1; }
  done
}
daemon_gone() { local p=$1; lab_wait "$2" bash -c "[[ ! -s /proc/$p/cmdline ]]"; }
# term_started T WHAT: kill -TERM the daemon at T (pid in $pid) and wait for its first ifup
term_started() {
  kill -TERM "$pid"
  lab_wait 10 bash -c "awk -v t=$1 '\$1 > t && \$2 == \"ifup\" { f=1 } END { exit !f }' '$calls'" || fail "no ifup after kill -TERM ($2)"
}

mwan3 start
lab_wait 15 sh -c "grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_a' && grep -qx online '$MWAN3_LAB_STATE/iface_state/$dev_b'" ||
  fail "mwan3's trackers never brought the uplinks online: $(mwan3 interfaces)"
mwan3_daemon_start
lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$dlog'" || fail "WAN never came up in the daemon"

# holds taken by the daemon: the WAN and B
take_holds() {
  local t; t=$(now)
  lab_wan_silent_fail c
  wait_call "$t" ifdown wan 5 || fail "no ifdown wan after the cut"
  lab_provider_uplink_down b >/dev/null 2>&1 || true
  wait_call "$t" ifdown "$dev_b" 20 || fail "no ifdown of B's uplink after its provider stopped"
  lab_wait 5 holds_are wan "$dev_b" || fail "holds file: '$(held)', expected wan and $dev_b"
}
take_holds
lab_wait_client_path A 10 >/dev/null || fail "the client is not on A with the WAN and B held"
note "held: $(held); the client on A"

# 1. stop: every hold handed back
pid=$(lab_pid wgctl-daemon)
t2=$(now); kill -TERM "$pid"
lab_wait 15 bash -c "[[ ! -s '$heldf' ]]" || fail "15 s after kill -TERM still held: '$(held)'"
lab_wait 10 bash -c "$(declare -f handed_back call_after iface_state track_file); calls='$calls' MWAN3_LAB_STATE='$MWAN3_LAB_STATE' root='$root' handed_back $t2 wan $dev_b" ||
  fail "after kill -TERM: $(handed_back "$t2" wan "$dev_b")"
daemon_gone "$pid" 15 || fail "the daemon did not exit within 15 s of kill -TERM"
d_rel=$(secs "$t2" "$(awk -v t="$t2" '$1 > t && $2 == "ifup" { l = $1 } END { print l }' "$calls")")
lab_stop wgctl-daemon
note "kill -TERM: wan and B handed back (last ifup ${d_rel} s after the signal); $(mwan3 interfaces | sed -n '2,4p' | tr -s ' ' | tr '\n' ';')"

# 2. kill -9 in the middle of the release, then `wgctl uplink release` by hand
MWAN3_LAB_DELAY=2 mwan3_daemon_start
take_holds
pid=$(lab_pid wgctl-daemon)
t3=$(now); term_started "$t3" "slow mwan3"
sleep 0.3
kill -9 "$pid" 2>/dev/null || true
lab_stop wgctl-daemon
left=$(held)
[[ -n $left ]] || fail "premise: the kill -9 came after the release had finished"
t4=$(now)
out=$(lab_exec c env PATH="$bin:$PATH" "$WGCTL_BIN" --root "$root" uplink release 2>&1) || fail "wgctl uplink release failed: $out"
[[ ! -s $heldf ]] || fail "still held after wgctl uplink release: '$(held)' ($out)"
lab_wait 10 bash -c "$(declare -f handed_back call_after iface_state track_file); calls='$calls' MWAN3_LAB_STATE='$MWAN3_LAB_STATE' root='$root' handed_back $t4 $left" ||
  fail "after wgctl uplink release: $(handed_back "$t4" $left)"
note "kill -9 during the release left '$left' held; wgctl uplink release handed them back"

# 2b. an mwan3 restart in the middle of the release (any write to /etc/config/mwan3 does one):
# the restart holds procd's lock and brings each interface back per its initial_state; every
# put-back that it swallowed is seen (tracker still disabled or gone) and run again
MWAN3_LAB_DELAY=1 mwan3_daemon_start
take_holds
pid=$(lab_pid wgctl-daemon)
t6=$(now); term_started "$t6" "restart phase"
mwan3 restart >/dev/null 2>&1 &
restart_pid=$!
lab_wait 15 bash -c "[[ ! -s '$heldf' ]]" || fail "15 s after kill -TERM with an mwan3 restart in the middle still held: '$(held)'"
daemon_gone "$pid" 15 || fail "the daemon did not exit within 15 s of kill -TERM (restart phase)"
wait "$restart_pid" 2>/dev/null || true
lab_stop wgctl-daemon
lab_wait 10 bash -c "$(declare -f handed_back call_after iface_state track_file); calls='$calls' MWAN3_LAB_STATE='$MWAN3_LAB_STATE' root='$root' handed_back $t6 wan $dev_b" ||
  fail "after a release with an mwan3 restart in the middle: $(handed_back "$t6" wan "$dev_b")"
note "mwan3 restart in the middle of the release: nothing held, wan and B used or tracked again ($(calls_count "$t6" ifup wan) ifup wan)"

# 3. disabled while failed over
mwan3_daemon_start
take_holds
python3 - "$root/etc/config/wireguard-uplink" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
head = "config wireguard-uplink 'uplink'"
i = s.index(head); j = s.find("\nconfig ", i + 1); j = len(s) if j < 0 else j
sec = re.sub(r"option enabled '1'", "option enabled '0'", s[i:j], count=1)
open(p, "w").write(s[:i] + sec + s[j:])
PY
grep -q "option enabled '0'" "$root/etc/config/wireguard-uplink" || fail "could not disable the configuration"
t5=$(now); lab_wgctl uplink notify reload >/dev/null 2>&1 || fail "wgctl uplink notify reload failed"
lab_wait 15 bash -c "[[ ! -s '$heldf' ]]" || fail "15 s after enabled 0 + reload still held: '$(held)'"
lab_wait 10 bash -c "$(declare -f handed_back call_after iface_state track_file); calls='$calls' MWAN3_LAB_STATE='$MWAN3_LAB_STATE' root='$root' handed_back $t5 wan" ||
  fail "after enabled 0: $(handed_back "$t5" wan)"
# B: the reload's apply took our interfaces out of mwan3's configuration (on a router
# reload_config then restarts mwan3 without them): its hold is dropped, or it was handed back
if grep -q "config interface '$dev_b'" "$root/etc/config/mwan3"; then
  lab_wait 10 bash -c "$(declare -f handed_back call_after iface_state track_file); calls='$calls' MWAN3_LAB_STATE='$MWAN3_LAB_STATE' root='$root' handed_back $t5 $dev_b" ||
    fail "after enabled 0: $(handed_back "$t5" "$dev_b")"
else
  grep -q "$dev_b is no mwan3 interface any more: its hold is dropped\|$dev_b no longer in mwan3's configuration" "$dlog" ||
    fail "after enabled 0 B's interface left mwan3's configuration but the daemon did not say its hold went"
fi
note "enabled 0 while failed over: wan handed back, B's hold gone with its mwan3 interface"

lab_wan_silent_restore c
lab_provider_uplink_up b >/dev/null 2>&1 || true
pass "kill -TERM with the WAN and B held: both handed back within ${d_rel} s; an mwan3 restart mid-release: nothing held ($(calls_count "$t6" ifup wan) ifup wan); kill -9 mid-release ('$left' left) finished by wgctl uplink release; enabled 0 + reload: nothing held"
