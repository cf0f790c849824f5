#!/usr/bin/env bash
# Issue 14, Linux backend: C already has a WireGuard tunnel of its own to provider A, made by
# hand as wg-quick would (device wg-friend, its own key, 0.0.0.0/0 on A's peer, no fwmark).
# `wgctl uplink add friend --interface wg-friend` adopts it: the daemon routes through it and
# masquerades out of it, and never touches the device. After a silent WAN cut the client's
# traffic reaches the isp through A; `remove` leaves the device exactly as it was made.
SCENARIO=adopt-linux
source "$(dirname "$0")/common.sh"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
lab_consumer_setup
lab_provider_uplink_up a >/dev/null
# the administrator's tunnel
lab_wg_key c-friend >/dev/null
lab_wg_start c wg-friend
lab_exec c wg set wg-friend private-key "$(lab_state)/keys/c-friend.key" \
  peer "$(lab_provider_pubkey a)" endpoint 169.254.10.2:51900 allowed-ips 0.0.0.0/0,10.200.1.1/32 persistent-keepalive 5
lab_exec c ip addr add 10.200.1.7/32 dev wg-friend
lab_exec c ip link set wg-friend up
lab_provider_authorize a "$(cat "$(lab_state)/keys/c-friend.pub")" 10.200.1.7
# what the device is, minus the counters and handshake that change by themselves
device_shape() {
  lab_exec c wg show wg-friend dump | awk -F'\t' 'NR==1 {print $1, $3, $4; next} {print $1, $3, $4, $8}'
  lab_exec c ip -br addr show dev wg-friend | awk '{print $1, $3, $4}'
  lab_exec c ip -o link show dev wg-friend | grep -o 'mtu [0-9]*'
}
before=$(device_shape)

out=$(lab_wgctl uplink add friend --interface wg-friend --json) || fail "adopting wg-friend failed: $out"
[[ $(printf '%s' "$out" | json_get '["adopted"]') == True ]] || fail "not adopted: $out"
[[ $(printf '%s' "$out" | json_get '["endpoint"]') == 169.254.10.2:51900 ]] || fail "provider peer not found: $out"
# a refusal a Linux administrator meets: a tunnel whose peer does not own 0.0.0.0/0
lab_wg_start c wg-two
lab_exec c wg set wg-two peer "$(lab_provider_pubkey a)" allowed-ips 10.9.9.9/32 endpoint 169.254.10.2:51900
err=$(lab_wgctl uplink add two --interface wg-two 2>&1) && fail "wg-two (no peer owning 0.0.0.0/0) was adopted"
[[ $err == *"no peer owns 0.0.0.0/0"*"allowed-ips 0.0.0.0/0"* ]] || fail "wrong refusal: $err"
lab_stop c-wg-wg-two

lab_consumer_daemon_start
lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "WAN never came up in the daemon"
state() { lab_wgctl uplink status --json | python3 -c "import json,sys; print(next(u['state'] for u in json.load(sys.stdin)['uplinks'] if u['peer_id']=='friend'))"; }
for _ in $(seq 1 60); do [[ $(state) == up ]] && break; sleep 0.5; done
[[ $(state) == up ]] || fail "the adopted uplink never became healthy"
[[ $(device_shape) == "$before" ]] || fail "the daemon changed wg-friend: $(device_shape)"

stream_start
lab_wan_silent_fail c
t=$(lab_wait_client_path A 10) || fail "client never reached the isp through the adopted tunnel"
sleep 1
src=$(last_source)
[[ $(lab_path_name "$src") == A ]] || fail "UDP flow still arrives from $src, not via A"
gap=$(gap_json | json_get '["max_gap_ms"]')
stream_stop
# masqueraded out of wg-friend, except what the tunnel carried before (10.200.1.1, site to site)
nat=$(lab_exec c nft list table inet wireguard_uplink)
grep -Eq 'oifname "wg-friend" ip daddr != (\{ )?10\.200\.1\.1( \})? masquerade' <<<"$nat" \
  || fail "no masquerade out of wg-friend (sparing its own routes): $(grep wg-friend <<<"$nat")"
lab_wan_silent_restore c
lab_wait_client_path C-WAN 20 >/dev/null || fail "no failback to C's WAN"

pins=$(lab_exec c ip route show table main proto 87)
grep -q '^169.254.10.2 ' <<<"$pins" || fail "the adopted tunnel's endpoint is not pinned: $pins"
lab_wgctl uplink remove friend >/dev/null || fail "remove failed"
# the daemon reloads and lets the endpoint follow the routing again, before it stops
lab_wait 10 sh -c "! ip netns exec ${LAB_PREFIX}-c ip route show table main proto 87 | grep -q '^169.254.10.2 '" \
  || fail "the endpoint pin stayed after remove: $(lab_exec c ip route show table main proto 87)"
lab_stop wgctl-daemon
sleep 0.5
lab_exec c ip link show wg-friend >/dev/null 2>&1 || fail "removing the uplink deleted the administrator's device"
[[ $(device_shape) == "$before" ]] || fail "wg-friend differs after remove and daemon stop:
$(device_shape)
was
$before"
left=$(lab_exec c ip route show table all proto 87)
[[ -z $left ]] || fail "routes of ours left behind: $left"
pass "adopted wg-friend carried the client after ${t} ms (longest UDP gap ${gap} ms); device untouched by adopt, daemon and remove; a device whose peer does not own 0.0.0.0/0 refused"
