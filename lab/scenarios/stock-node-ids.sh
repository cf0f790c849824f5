#!/usr/bin/env bash
# Scenario: two stock routers offer at once. A and B have no node_id and the stock host name
# "OpenWrt" (each runs wgctl in its own UTS namespace named so). Expect: different default node
# ids (the host name plus the machine's first Ethernet address) and address pools, and C hears
# both offers, neither refused as a conflict; a zero-touch add of each is granted.
SCENARIO=stock-node-ids
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/providers.sh"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
stock() { local n=$1; shift; lab_exec "$n" unshare --uts sh -c 'hostname OpenWrt && exec "$@"' sh "$WGCTL_BIN" --root "$(lab_node_root "$n")" "$@"; }
for n in a b; do
  lab_node_setup "$n" X
  sed -i "/option node_id/d" "$(lab_node_root "$n")/etc/config/wireguard-uplink"
done
stock a uplink offer --bandwidth 100 --wan-type fiber >/dev/null
stock b uplink offer --bandwidth 50 --wan-type lte >/dev/null
id_a=$(stock a uplink status --json | json_get '["offer"]["peer_id"]')
id_b=$(stock b uplink status --json | json_get '["offer"]["peer_id"]')
pool_a=$(stock a uplink status --json | json_get '["offer"]["pool"]')
pool_b=$(stock b uplink status --json | json_get '["offer"]["pool"]')
[[ $id_a == OpenWrt-* && $id_b == OpenWrt-* ]] || fail "default node ids do not carry the host name: '$id_a' '$id_b'"
[[ $id_a != "$id_b" ]] || fail "two stock routers share the node id $id_a"
[[ $pool_a != "$pool_b" ]] || fail "two stock routers derive the same pool $pool_a"
for n in a b; do
  lab_spawn "$n" "wgctl-daemon-$n" unshare --uts sh -c 'hostname OpenWrt && exec "$@"' sh "$WGCTL_BIN" --root "$(lab_node_root "$n")" uplink daemon
  lab_wait 10 test -S "$(lab_node_root "$n")/var/run/wireguard-uplink.sock" || fail "daemon on $n did not start"
done
lab_consumer_setup
lab_spawn c wgctl-daemon "$WGCTL_BIN" --root "$(lab_consumer_root)" uplink daemon
lab_wait 10 test -S "$(lab_consumer_root)/var/run/wireguard-uplink.sock" || fail "C's daemon did not start"
want=$(printf '%s\n' "$id_a:available:trusted" "$id_b:available:trusted" | sort | tr '\n' ' ' | sed 's/ $//')
heard=""
for _ in $(seq 1 60); do heard=$(lab_offers_heard); [[ $heard == "$want" ]] && break; sleep 0.5; done
[[ $heard == "$want" ]] || fail "C did not hear both stock routers' offers: '$heard' (want '$want')"
for id in "$id_a" "$id_b"; do
  out=$(lab_wgctl uplink add "$id" --json) || fail "zero-touch add $id failed: $out"
  [[ $(printf '%s' "$out" | json_get '["granted"]') == True ]] || fail "$id not granted: $out"
done
pass "two stock 'OpenWrt' routers: node ids $id_a and $id_b, pools $pool_a and $pool_b; C heard both offers and was granted by both"
