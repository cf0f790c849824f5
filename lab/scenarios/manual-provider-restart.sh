#!/usr/bin/env bash
# Scenario: the WireGuard of a provider added by hand (/32, no offers) restarts: its new
# instance has no session with C, and C's WireGuard would only handshake again after 15 s
# without an answer. Expect: the daemon notices at the next full check, renews the session
# and has the uplink up again within one check interval plus 5 s (before: ~28 s), both for a
# standby uplink and for the active one (which fails over to B meanwhile).
SCENARIO=manual-provider-restart
source "$(dirname "$0")/common.sh"
scenario_up
interval=$(lab_wgctl uplink status --json | json_get '["check_interval"]')
key=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["local_public_key"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-a"][0])')
state_of() { lab_wgctl uplink status --json | python3 -c "import json,sys; print(next(u['state'] for u in json.load(sys.stdin)['uplinks'] if u['peer_id']=='$1'))"; }
for i in $(seq 1 60); do [[ $(state_of provider-a) == up ]] && break; sleep 0.5; done
[[ $(state_of provider-a) == up ]] || fail "provider-a never up before the restart"
restart_a() {
  lab_provider_uplink_down a
  lab_provider_uplink_up a >/dev/null
  lab_provider_authorize a "$key" 10.200.1.2
}
# until_up T0 LIMIT: seconds from T0 until provider-a, once seen not up, is up again (fails past LIMIT)
until_up() {
  local t0=$1 now seen_down=0 st
  while :; do
    now=$(date +%s.%N)
    python3 -c "import sys; sys.exit(0 if $now - $t0 <= $2 else 1)" || return 1
    st=$(state_of provider-a)
    [[ $st != up ]] && seen_down=1
    [[ $st == up && $seen_down == 1 ]] && { python3 -c "print(round($now - $t0, 1))"; return 0; }
    sleep 0.3
  done
}
# one interval to notice, the failed check itself (pings 1 s + DNS 1.5 s), 1 s, the check that proves it
limit=$(( interval + 5 ))

# 1. standby uplink: the next full check finds it down, the session is renewed, it is up again
t0=$(date +%s.%N); restart_a
t=$(until_up "$t0" $(( limit + 10 ))) || fail "standby provider-a not up again within $(( limit + 10 )) s of its restart"
grep -q 'uplink:provider-a: down → unknown (WireGuard session renewed' "$(lab_state)/logs/wgctl-daemon.log" || fail "no session renewal logged"
python3 -c "import sys; sys.exit(0 if $t <= $limit else 1)" || fail "standby provider-a up again after ${t} s (aim: check interval ${interval} s + 5 s)"
note "standby: provider-a up again ${t} s after its WireGuard restarted"

# 2. active uplink: C fails over to A, A's WireGuard restarts: traffic moves to B, A comes back
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
t0=$(date +%s.%N); restart_a
lab_wait_client_path B 10 >/dev/null || fail "traffic did not move to B when A's session died"
t2=$(until_up "$t0" $(( limit + 10 ))) || fail "active provider-a not up again within $(( limit + 10 )) s of its restart"
python3 -c "import sys; sys.exit(0 if $t2 <= $limit else 1)" || fail "provider-a up again after ${t2} s (aim ${limit} s)"
dev_a=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["interface"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-a"][0])')
lab_exec c ping -c 2 -W 1 -I "$dev_a" 10.200.1.1 >/dev/null || fail "provider-a reported up but its tunnel does not carry traffic"
lab_wan_silent_restore c
pass "a hand-added provider's WireGuard restart: standby up again after ${t} s, active one (failed over to B) after ${t2} s (check interval ${interval} s)"
