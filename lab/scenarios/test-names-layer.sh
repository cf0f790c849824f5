#!/usr/bin/env bash
# Scenario 6: `wgctl uplink test` names the failing layer, and rpcd answers within 20 s, for
# uplinks added by hand with /32 addresses (nothing about the provider derivable from them):
#   healthy                                           -> exit 0, every layer measured
#   the provider's WAN is down behind a live tunnel   -> internet, exit 1, hint: provider's WAN
#   wrong key (the provider authorised another key)   -> tunnel
#   no route to the endpoint (underlay address gone)  -> underlay
SCENARIO=test-names-layer
source "$(dirname "$0")/common.sh"
scenario_up
layer() { { lab_wgctl uplink test "$1" --json 2>/dev/null || true; } | json_get '["failed_layer"]'; }
[[ $(lab_wgctl uplink list --json | json_get '["uplinks"][0]["address"][0]') == */32 ]] || fail "the lab uplink is not a /32"
out=$(lab_wgctl uplink test provider-a --json) || fail "a healthy /32 uplink fails test (exit $?): $out"
[[ $(printf '%s' "$out" | json_get '["passed"]') == True ]] || fail "healthy uplink not passed: $out"
prov=$(printf '%s' "$out" | json_get '["layers"][2]')
[[ $prov == *"'status': 'pass'"* && $prov == *10.200.1.1* ]] || fail "the provider layer did not learn 10.200.1.1 from the tunnel: $prov"
# provider WAN down behind a live tunnel -> internet, never the tunnel
lab_provider_wan_fail a
rc=0; out=$(lab_wgctl uplink test provider-a --json) || rc=$?
got=$(printf '%s' "$out" | json_get '["failed_layer"]')
[[ $got == internet && $rc -eq 1 ]] || fail "provider WAN down reported as '$got' (exit $rc): $out"
hint=$(printf '%s' "$out" | json_get '["layers"][3]["hint"]')
[[ $hint == *"provider's WAN"* ]] || fail "the internet hint is not about the provider's WAN: $hint"
[[ $(printf '%s' "$out" | json_get '["layers"][1]["status"]') == pass ]] || fail "the live tunnel was blamed: $out"
lab_provider_wan_restore a
# wrong key: A forgets our key and authorises a random one instead
key=$(lab_wgctl uplink list --json | json_get '["uplinks"][0]["local_public_key"]')
lab_provider_deauthorize a "$key"
lab_provider_authorize a "$(lab_exec a wg genkey | lab_exec a wg pubkey)" 10.200.1.2
sleep 1
t0=$(date +%s%N)
out=$(printf '{"peer_id":"provider-a"}' | lab_exec c "$WGCTL_BIN" --root "$(lab_consumer_root)" rpcd call uplink_test)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
got=$(printf '%s' "$out" | json_get '["failed_layer"]')
[[ $got == tunnel ]] || fail "wrong key reported as '$got': $out"
[[ $ms -lt 20000 ]] || fail "rpcd uplink_test took ${ms} ms"
hint=$(printf '%s' "$out" | json_get '["layers"][1]["hint"]')
[[ $hint == *"$key"* ]] || fail "the tunnel hint does not name the key to authorise"
# no route to the endpoint: C loses its underlay address towards B
lab_exec c ip address flush dev ul-b
got=$(layer provider-b); [[ $got == underlay ]] || fail "no route to endpoint reported as '$got'"
pass "provider WAN down -> internet; wrong key -> tunnel (rpcd in ${ms} ms); no route -> underlay"
