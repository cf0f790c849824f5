#!/usr/bin/env bash
# Scenario: the Linux backend's policy rules exist only while it diverts traffic, sit beside
# a wg-quick-style full tunnel's rules without removing them, refuse loudly when a foreign
# rule holds their priority, and everything it installed is gone when the daemon stops.
# Expect: on C's own WAN no rule 22000/22001; failed over to A both present; back on the WAN
# both gone; after SIGTERM no rule, route in table 22357, nft table, endpoint pin or wu_
# device; a foreign rule at 22001 is named in the log and left in place.
SCENARIO=linux-coexist-cleanup
source "$(dirname "$0")/common.sh"
LOG="$(lab_state)/logs/wgctl-daemon.log"
ours() { lab_exec c ip rule show | grep -cE '^2200[01]:' || true; }
leftovers() {
  {
    lab_exec c ip rule show | grep -E '^2200[01]:' || true
    lab_exec c ip route show table 22357 2>/dev/null || true
    lab_exec c ip route show table main proto 87 || true
    lab_exec c nft list table inet wireguard_uplink 2>/dev/null | head -1 || true
    lab_exec c ip -br link show | awk '$1 ~ /^wu_/ {print $1}' || true
  } | sed '/^$/d'
}

scenario_up
# a full tunnel of another tool, as wg-quick installs it (its table holds no route here)
lab_exec c ip rule add priority 32764 lookup main suppress_prefixlength 0
lab_exec c ip rule add priority 32765 not fwmark 0xca6c lookup 51820
[[ $(ours) -eq 0 ]] || fail "rules 22000/22001 installed while C's own WAN carries traffic: $(lab_exec c ip rule show)"

lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
[[ $(ours) -eq 2 ]] || fail "failed over but our rules are not both there: $(lab_exec c ip rule show)"
lab_exec c ip rule show | grep -q '^32765:.*lookup 51820' || fail "the full tunnel's rule was touched"
note "failed over: rules 22000/22001 in place ahead of the full tunnel's 32764/32765, which stay"

lab_wan_silent_restore c
lab_wait_client_path C-WAN 20 >/dev/null || fail "no failback"
lab_wait 5 bash -c "[[ \$(ip netns exec $(lab_ns c) ip rule show | grep -cE '^2200[01]:') -eq 0 ]]" \
  || fail "back on the WAN but our rules stayed: $(lab_exec c ip rule show)"
note "back on the WAN: our rules removed, the main table and other rules decide"

[[ -n $(leftovers) ]] || fail "nothing installed while running? $(leftovers)"
start=$(date +%s%N)
lab_stop wgctl-daemon
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'removed what the Linux backend installed' "$LOG" || fail "no teardown logged"
left=$(leftovers)
[[ -z $left ]] || fail "left behind after stop: $left"
lab_exec c ip rule show | grep -q '^32765:.*lookup 51820' || fail "stop removed the full tunnel's rule"
note "stopped in ${ms} ms: $(grep -o 'removed what the Linux backend installed: .*' "$LOG" | tail -1)"

# a foreign rule at our priority: said loudly at start, and left alone
lab_exec c ip rule add priority 22001 from 192.0.2.0/24 lookup 100
lab_consumer_daemon_start
lab_wait 10 grep -q 'WARNING: ip rule priorities 22000 and 22001' "$LOG" || fail "a foreign rule at 22001 was not reported"
lab_wan_silent_fail c
lab_wait 10 grep -q 'cannot move the default route to uplink:' "$LOG" || fail "the failed switch was not logged"
lab_exec c ip rule show | grep -q '^22001:.*from 192.0.2.0/24 lookup 100' || fail "the foreign rule was removed"
lab_wan_silent_restore c
lab_stop wgctl-daemon
lab_exec c ip rule show | grep -q '^22001:.*from 192.0.2.0/24 lookup 100' || fail "teardown removed the foreign rule"
pass "rules only while diverting (none on the WAN, both when failed over), a wg-quick full tunnel's rules untouched, teardown on stop in ${ms} ms left nothing, a foreign rule at 22001 reported and kept"
