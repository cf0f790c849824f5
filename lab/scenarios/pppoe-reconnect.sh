#!/usr/bin/env bash
# Scenario: C's WAN is a PPPoE session (`pppoe-wan`, a point-to-point TUN pair carried by
# lab/tools/ptp_link.py, see lab/pppoe.sh; C's veth `wan` carries no default route) and the
# session is dropped and made again, each time as a new device with a new ifindex.
#  (a) healthy, the session drops and is back 0.5 s later with the same address: no failover,
#      or back on the WAN within the failback hysteresis + 1 s of its return; then steady.
#  (b) a silent cut (the forwarder drops everything, the session stays up): failover to A;
#      while failed over the session drops and comes back (new ifindex, NEW address) with a
#      working upstream: failback to C's WAN within the hysteresis + 1 s of its return, new
#      connections and the running UDP stream leave via the new address.
# The hotplug events are OpenWrt's: `ifdown wan` after a drop, `ifup wan pppoe-wan` after a
# reconnect (lab/pppoe.sh; logged in logs/hotplug.log).
SCENARIO=pppoe-reconnect
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/pppoe.sh"
trap lab_down EXIT
log="$(lab_state)/logs/wgctl-daemon.log"
addr1=100.64.3.2 addr2=100.64.3.7
hold=$(lab_failback_hold)
bound=$(python3 -c "print($hold + 1)")

lab_up >/dev/null 2>&1 || lab_up
lab_pppoe_consumer_setup || fail "LAB: consumer set-up"
lab_pppoe_up "$addr1" || fail "LAB: the pppoe session did not come up"
lab_consumer_daemon_start || fail "daemon did not start"
lab_wait 10 grep -q 'wan:pppoe-wan: unknown → up' "$log" || fail "the daemon never had wan:pppoe-wan up"
[[ $(lab_client_source_ip) == "$addr1" ]] || fail "client does not start on the pppoe session ($addr1)"
stream_start
sleep 1
[[ $(fresh_source) == "$addr1" ]] || fail "LAB: the UDP stream does not arrive from $addr1"

# (a) drop + reconnect while healthy, same address
idx0=$(lab_pppoe_ifindex)
sw0=$(daemon_switches)
lab_pppoe_reconnect "$addr1" 0.5 || fail "LAB: reconnect (a) failed"
t_back=$(date +%s%N)
idx1=$(lab_pppoe_ifindex)
[[ $idx1 != "$idx0" ]] || fail "LAB: pppoe-wan kept ifindex $idx0 over a reconnect"
note "(a) session dropped and back after 0.5 s: pppoe-wan ifindex $idx0 → $idx1, address $addr1"
if expect_steady "(a) reconnect while healthy" "$addr1" "$t_back" "$bound" 4; then
  note "(a) on the WAN ${STEADY_FIRST_MS} ms after the session's return and steady from hysteresis + 1 s (${bound} s) on; $(( $(daemon_switches) - sw0 )) route switches"
  firstA=$STEADY_FIRST_MS
else
  # LAB_KEEP_GOING: put the daemon back on its feet for (b) (a new daemon binds to the new device)
  grep -E 'pppoe-wan|default route:' "$log" | tail -n 8 | sed 's/^/    daemon (a): /'
  lab_stop wgctl-daemon
  cp "$log" "$(lab_state)/logs/wgctl-daemon.a.log"   # lab_spawn starts the log anew
  lab_consumer_daemon_start || fail "daemon did not restart"
  lab_wait 5 grep -q 'wan:pppoe-wan: unknown → up' "$log" || note "(a) the restarted daemon did not find wan:pppoe-wan up within 5 s"
  lab_wait_client_path C-WAN 15 >/dev/null || fail "no WAN even after a daemon restart"
  lab_wait 10 sh -c "[ \"\$(tail -n1 '$SINK_LOG' | awk '{print \$2}')\" = $addr1 ]" || true
  note "(a) failed: daemon restarted to go on with (b)"
fi

# (b) silent cut -> A; session drop + reconnect with a new address while failed over -> failback
lab_pppoe_cut || fail "LAB: silent cut"
t=$(lab_wait_client_path A 10) || fail "(b) no failover to A within 10 s of the silent cut"
sleep 1
[[ $(lab_path_name "$(fresh_source)") == A ]] || soft_fail "(b) the running UDP flow did not move to A ($(fresh_source))"
note "(b) silent cut: new connections via A after ${t} ms"
idx2=$(lab_pppoe_ifindex)
lab_pppoe_down || fail "LAB: session drop (b)"
sleep 1
lab_pppoe_up "$addr2" || fail "LAB: reconnect (b) failed"
t_back=$(date +%s%N)
idx3=$(lab_pppoe_ifindex)
[[ $idx3 != "$idx2" ]] || fail "LAB: pppoe-wan kept ifindex $idx2 over a reconnect"
lab_exec c curl -sf --max-time 2 --interface pppoe-wan http://198.19.0.1/whoami | grep -qx "$addr2" ||
  fail "LAB: the new session does not carry traffic from C as $addr2"
note "(b) session dropped while on A and back after 1 s: ifindex $idx2 → $idx3, address $addr1 → $addr2 (upstream works)"
if expect_steady "(b) failback after the reconnect" "$addr2" "$t_back" "$bound" 3; then
  note "(b) failback: new connections via $addr2 ${STEADY_FIRST_MS} ms after the session's return (bound ${bound} s)"
fi
stream_stop
gap=$(gap_json | json_get '["max_gap_ms"]')
grep -E 'pppoe-wan|default route:' "$log" | tail -n 12 | sed 's/^/    daemon: /'
pppoe_scenario_end "(a) reconnect while healthy: on the WAN after ${firstA:-?} ms; (b) failback to the new session ($addr2) after ${STEADY_FIRST_MS} ms (bound ${bound} s); longest UDP gap ${gap} ms"
