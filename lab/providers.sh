#!/usr/bin/env bash
# Library on top of topology.sh and consumer.sh: wgctl as the PROVIDER on A and B (it runs
# the uplink server and announces offers over wg_mesh), and C as a consumer that learns the
# offers with no uplink configured by hand.
#   lab_node_setup NODE ID        write NODE's config root (backend linux, mesh wg_mesh)
#   lab_node_wgctl NODE ARGS...   wgctl inside NODE with its root
#   lab_node_daemon_start NODE    run the daemon in NODE
#   lab_offers_up                 A and B offer (A 100 Mbit/s fiber, B 50 Mbit/s lte), C listens

lab_node_root() { if [[ $1 == c ]]; then lab_consumer_root; else echo "$(lab_state)/$1-root"; fi; }

lab_node_wgctl() { local n=$1; shift; lab_exec "$n" "$WGCTL_BIN" --root "$(lab_node_root "$n")" "$@"; }

lab_node_setup() {
  local node=$1 id=$2 root
  root=$(lab_node_root "$node")
  mkdir -p "$root/etc/config"
  cat > "$root/etc/config/wireguard-uplink" <<CFG
config wireguard-uplink 'uplink'
	option node_id '$id'
	option backend 'linux'
	list wan_device 'wan'
	list mesh_interface 'wg_mesh'
	option failover_timeout '${LAB_FAILOVER_TIMEOUT:-3}'
	option check_interval '${LAB_CHECK_INTERVAL:-10}'
	option prefer_latency '0'
	list track_ip '198.19.0.2'
	list track_ip '198.19.0.3'
	list track_ip '198.19.0.4'
	option track_reliability '1'
	option probe_url 'http://198.19.0.1/generate_204'
	option probe_status '204'
	option probe_dns_name 'probe.lab.example'
	option dns_server '198.19.0.53'
	option keepalive '5'
	option grant_timeout '5'
${LAB_EXTRA_SETTINGS:-}

config offer 'offer'
	option enabled '0'
	option ttl '${LAB_OFFER_TTL:-20}'
CFG
}

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
  lab_node_setup c C
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
