#!/usr/bin/env bash
# Scenario 4: after a failover to A, C's WAN comes back but drops 30% of packets at random
# in each direction. Expect no failback (and no flapping) while it is lossy; once clean,
# failback to C's WAN only after the hysteresis (the daemon's failback time), counted from
# the moment it is clean.
SCENARIO=failback-hysteresis
source "$(dirname "$0")/common.sh"
scenario_up
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
before=$(daemon_switches)
lab_wan_lossy c 30
lab_wan_silent_restore c
for i in $(seq 1 30); do
  sleep 0.5
  p=$(lab_path_name "$(LAB_CURL_TIMEOUT=1 lab_client_source_ip 2>/dev/null || true)")
  [[ $p == A || $p == none ]] || fail "client moved to $p while the WAN was lossy"
done
after=$(daemon_switches)
[[ $after -eq $before ]] || fail "the daemon switched $((after - before)) times while the WAN was lossy"
failback=$(lab_wgctl uplink status --json | json_get '["detection"]["failback_s"]')
# end the lossy phase with half a second of full loss, so the daemon's healthy run (a single
# lost probe resets it) starts when the WAN turns clean, not at a lucky streak before
lab_wan_silent_fail c
sleep 0.5
lab_wan_lossy_off c
lab_wan_silent_restore c
start=$(date +%s%N)
t=$(lab_wait_client_path C-WAN 20) || fail "no failback once the WAN was clean"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
min_ms=$(python3 -c "print(int($failback * 1000 * 0.9))")
[[ $ms -ge $min_ms ]] || fail "failed back after ${ms} ms, before the ${failback} s hysteresis"
pass "15 s of 30% loss: no switch; clean again: failback after ${ms} ms (hysteresis ${failback} s)"
