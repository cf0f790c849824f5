#!/usr/bin/env bash
# Library on top of topology.sh and consumer.sh: wgctl as the PROVIDER on A and B (it runs
# the uplink server and announces offers over wg_mesh), and C as a consumer that learns the
# offers with no uplink configured by hand.
#   lab_node_setup NODE ID        write NODE's config root (lab_write_config)
#   lab_node_wgctl NODE ARGS...   wgctl inside NODE with its root
#   lab_node_daemon_start NODE    run the daemon in NODE
#   lab_offers_up                 A and B offer (A 100 Mbit/s fiber, B 50 Mbit/s lte), C listens

lab_node_root() { if [[ $1 == c ]]; then lab_consumer_root; else echo "$(lab_state)/$1-root"; fi; }

lab_node_wgctl() { local n=$1; shift; lab_exec "$n" "$WGCTL_BIN" --root "$(lab_node_root "$n")" "$@"; }

lab_node_setup() { lab_write_config "$(lab_node_root "$1")" "$2"; }

lab_node_daemon_start() {
  local node=$1
  lab_spawn "$node" "wgctl-daemon-$node" "$WGCTL_BIN" --root "$(lab_node_root "$node")" uplink daemon
  lab_wait 10 test -S "$(lab_node_root "$node")/var/run/wireguard-uplink.sock"
}

lab_node_daemon_log() { cat "$(lab_state)/logs/wgctl-daemon-$1.log" 2>/dev/null; }

lab_offers_up() {
  lab_node_setup a A
  lab_node_setup b B
  lab_node_wgctl a uplink offer --bandwidth 100 --wan-type fiber >/dev/null
  lab_node_wgctl b uplink offer --bandwidth 50 --wan-type lte >/dev/null
  lab_node_daemon_start a
  lab_node_daemon_start b
  lab_consumer_setup
  # C's daemon log keeps the name the other scenarios use
  lab_spawn c wgctl-daemon "$WGCTL_BIN" --root "$(lab_consumer_root)" uplink daemon
  lab_wait 10 test -S "$(lab_consumer_root)/var/run/wireguard-uplink.sock"
}

# offers C has heard: "A:available:trusted B:..." (sorted)
lab_offers_heard() {
  lab_wgctl uplink list --json | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join(sorted("%s:%s:%s" % (o["peer_id"], "available" if o["available"] else "unavailable", "trusted" if o["trusted"] else "untrusted") for o in d["offers"])))'
}
