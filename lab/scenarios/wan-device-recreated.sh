#!/usr/bin/env bash
# Scenario: C's WAN device (the ordinary veth `wan`) is deleted and created again while C is
# failed over, as a modem, a USB tether or a driver reload does: the new `wan` has the same
# name and address but a new ifindex.
# Expect: a silent cut fails over to A; the device deleted (hotplug `ifdown wan`) and made
# again with a working upstream (hotplug `ifup wan wan`): failback to C's WAN within the
# failback hysteresis + 1 s of its return, new connections and the running UDP stream on it.
SCENARIO=wan-device-recreated
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/pppoe.sh"
log="$(lab_state)/logs/wgctl-daemon.log"
hold=$(lab_failback_hold)
bound=$(python3 -c "print($hold + 1)")

scenario_up
stream_start
sleep 1
lab_wan_silent_fail c
t=$(lab_wait_client_path A 10) || fail "no failover to A within 10 s of the silent cut"
sleep 1
[[ $(lab_path_name "$(fresh_source)") == A ]] || soft_fail "the running UDP flow did not move to A ($(fresh_source))"
note "silent cut: new connections via A after ${t} ms"

idx0=$(lab_wan_ifindex c)
lab_wan_device_delete c || fail "LAB: could not delete C's wan"
sleep 1
lab_wan_silent_restore c
lab_wan_device_create c || fail "LAB: could not create C's wan again"
t_back=$(date +%s%N)
idx1=$(lab_wan_ifindex c)
[[ $idx1 != "$idx0" ]] || fail "LAB: the new wan has the old ifindex $idx0"
lab_exec c curl -sf --max-time 2 --interface wan http://198.19.0.1/whoami | grep -qx 198.18.3.2 ||
  fail "LAB: the new wan does not carry C's own traffic"
note "wan deleted while on A and made again 1 s later: ifindex $idx0 → $idx1 (upstream works)"
expect_steady "failback after the device came back" 198.18.3.2 "$t_back" "$bound" 3 &&
  note "failback: new connections via C's WAN ${STEADY_FIRST_MS} ms after the device's return (bound ${bound} s)"
stream_stop
gap=$(gap_json | json_get '["max_gap_ms"]')
grep -E 'wan:wan|default route:' "$log" | tail -n 10 | sed 's/^/    daemon: /'
pppoe_scenario_end "failback to the recreated wan after ${STEADY_FIRST_MS} ms (bound ${bound} s); longest UDP gap ${gap} ms"
