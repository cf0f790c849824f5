#!/usr/bin/env bash
# Scenario: the daemon starts before its WAN device exists, as at boot with PPPoE (netifd
# brings `pppoe-wan` up seconds after the services start). C's config names it
# (option wan_device 'pppoe-wan'; the veth `wan` carries no default route).
# Expect: once the session is up (hotplug `ifup wan pppoe-wan`) the daemon probes it
# (wan:pppoe-wan up in its log) and traffic uses it: new connections and a UDP stream leave
# as the pppoe address within the failback hysteresis + 1 s, and stay there; then a silent
# cut fails over to A within 10 s (silent-wan-failure's bound), the running stream included.
# The session's default route is a plain device route here (`default dev pppoe-wan`, pppd's own
# defaultroute, raw-IP modems): a WAN without a gateway must be routable too.
SCENARIO=daemon-before-wan
export LAB_PPPOE_ROUTE=${LAB_PPPOE_ROUTE:-dev}
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/pppoe.sh"
trap lab_down EXIT
log="$(lab_state)/logs/wgctl-daemon.log"
addr=100.64.3.2
hold=$(lab_failback_hold)
bound=$(python3 -c "print($hold + 1)")

lab_up >/dev/null 2>&1 || lab_up
lab_pppoe_consumer_setup || fail "LAB: consumer set-up"
! lab_exec c ip link show dev pppoe-wan >/dev/null 2>&1 || fail "LAB: pppoe-wan exists before the session"
lab_consumer_daemon_start || fail "daemon did not start"
sleep 2
before=$(lab_path_name "$(LAB_CURL_TIMEOUT=1 lab_client_source_ip 2>/dev/null || true)")
note "daemon running 2 s without pppoe-wan: client egress $before; daemon: $(grep -E 'pppoe-wan|default route:' "$log" | tail -n 3 | tr '\n' '|')"

lab_pppoe_up "$addr" || fail "LAB: the pppoe session did not come up"
t_up=$(date +%s%N)
grep -q 'ifup wan pppoe-wan delivered' "$(lab_state)/logs/hotplug.log" || fail "LAB: the ifup event was not delivered"
note "session up (ifindex $(lab_pppoe_ifindex), $addr), ifup wan pppoe-wan delivered"
lab_wait "${bound%.*}" grep -qE 'wan:pppoe-wan: [a-z]+ → (up|degraded)' "$log" ||
  soft_fail "the daemon did not find wan:pppoe-wan up within ${bound} s of the session"
# the stream starts now: before the session there may be no path at all
stream_start
expect_steady "traffic on the new session" "$addr" "$t_up" "$bound" "$(python3 -c "print(int($hold * 2))")" &&
  note "on the session: new connections via $addr ${STEADY_FIRST_MS} ms after it came up, steady for $(python3 -c "print(int($hold * 2))") s"

lab_pppoe_cut || fail "LAB: silent cut"
t=$(lab_wait_client_path A 10) || fail "no failover to A within 10 s of a silent cut of the session"
sleep 1
[[ $(lab_path_name "$(fresh_source)") == A ]] || soft_fail "the running UDP flow did not move to A ($(fresh_source))"
stream_stop
gap=$(gap_json | json_get '["max_gap_ms"]')
grep -E 'pppoe-wan|default route:' "$log" | tail -n 12 | sed 's/^/    daemon: /'
pppoe_scenario_end "daemon first, session later: traffic on $addr after ${STEADY_FIRST_MS} ms; silent cut: via A after ${t} ms; longest UDP gap ${gap} ms"
