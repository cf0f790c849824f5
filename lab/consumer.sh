#!/usr/bin/env bash
# Library on top of topology.sh: turns node C into a wgctl-managed consumer (Linux backend)
# with uplinks to providers A and B, and runs its daemon. Source it after topology.sh.
#   lab_consumer_setup            write C's config root (fast lab timings)
#   lab_consumer_add NODE PRIO    wgctl uplink add for provider NODE (a|b) and authorise the key
#   lab_consumer_daemon_start     run `wgctl uplink daemon` in C (tracked, log in the state dir)
#   lab_wgctl ARGS...             wgctl inside C with C's root

WGCTL_BIN=${WGCTL_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.build/debug/wgctl}

lab_consumer_root() { echo "$(lab_state)/c-root"; }

lab_wgctl() { lab_exec c "$WGCTL_BIN" --root "$(lab_consumer_root)" "$@"; }

# lab_write_config ROOT NODE_ID: wgctl's config for a lab node (Linux backend, lab timings,
# lab probe targets, the mesh on wg_mesh, an offer section that `wgctl uplink offer` enables)
lab_write_config() {
  local root=$1 id=$2
  mkdir -p "$root/etc/config"
  cat > "$root/etc/config/wireguard-uplink" <<CFG
config wireguard-uplink 'uplink'
	option node_id '$id'
	option enabled '1'
	option auto_failover '1'
	option backend 'linux'
	list wan_device 'wan'
	list mesh_interface 'wg_mesh'
	option failover_timeout '${LAB_FAILOVER_TIMEOUT:-3}'
	option check_interval '${LAB_CHECK_INTERVAL:-10}'
	option min_uplinks '2'
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

lab_consumer_setup() { lab_write_config "$(lab_consumer_root)" C; }

# lab_consumer_add NODE PRIORITY [PREFIXLEN]: adds provider NODE (a|b) as an uplink of C by
# hand and authorises it. The address is a /32 by default, as `add --help` suggests: nothing
# about the provider can be derived from it (LAB_UPLINK_PREFIX=24 derives its .1).
# LAB_IPV6=1: the uplink also gets the IPv6 address fd00:200:N::2/128 (dual stack).
# LAB_UPLINK_DNS=ADDR: the uplink's DNS (what a grant would bring), --dns.
# LAB_ENDPOINT_LL=1: the endpoint is the provider's link-local IPv6 address with C's
# underlay device as its scope, [fe80::...%ul-a]:51900 (an 802.11s-style mesh).
lab_consumer_add() {
  local node=$1 prio=$2 len=${3:-${LAB_UPLINK_PREFIX:-32}} n ep addr pub out addrs auth
  case $node in a) n=1 ep=169.254.10.2 ;; b) n=2 ep=169.254.20.2 ;; *) lab_die "provider a or b"; return 1 ;; esac
  addr=10.200.$n.2
  addrs=$addr/$len auth=$addr
  if [[ ${LAB_IPV6:-0} == 1 ]]; then addrs+=",fd00:200:$n::2/128" auth+=",fd00:200:$n::2"; fi
  if [[ ${LAB_ENDPOINT_LL:-0} == 1 ]]; then ep="[$(lab_underlay_ll "$node")%$(lab_underlay_dev "$node")]"; fi
  lab_provider_uplink_up "$node" >/dev/null
  out=$(lab_wgctl uplink add "provider-$node" --endpoint "$ep:51900" --public-key "$(lab_provider_pubkey "$node")" \
        --address "$addrs" --priority "$prio" ${LAB_UPLINK_DNS:+--dns "$LAB_UPLINK_DNS"} --json)
  pub=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
  lab_provider_authorize "$node" "$pub" "$auth"
}

lab_consumer_daemon_start() {
  lab_spawn c wgctl-daemon "$WGCTL_BIN" --root "$(lab_consumer_root)" uplink daemon
  lab_wait 10 test -S "$(lab_consumer_root)/var/run/wireguard-uplink.sock"
}

lab_consumer_daemon_log() { cat "$(lab_state)/logs/wgctl-daemon.log" 2>/dev/null; }
