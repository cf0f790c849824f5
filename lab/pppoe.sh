#!/usr/bin/env bash
# lab/pppoe.sh — WAN devices that are deleted and created again, as a router's WAN often is
# (a PPPoE reconnect makes a new `pppoe-wan` with a new ifindex; modems; USB tethering).
# Source it after topology.sh (and consumer.sh, for the hotplug events and the config).
#
# The lab kernel has no PPP driver (no /dev/ppp) but has TUN, so the "PPPoE session" is a
# point-to-point link of two TUN devices carried by lab/tools/ptp_link.py:
#
#   [ C ] pppoe-wan 100.64.3.2 peer 100.64.3.1/32  <== ptp_link.py ==>  ppp-c 100.64.3.1 peer 100.64.3.2/32 [ isp ]
#
# 100.64.3.0/24 is taken from 100.64.0.0/10 (shared CGNAT space, which ISPs do hand out over
# PPPoE); the lab uses it nowhere else. The forwarder runs in C (tracked by lab_spawn as
# `pppoe-link`, so lab_down kills it); killing it deletes both devices ("session drop"),
# starting it again creates them anew with new ifindexes ("reconnect").
#
#   lab_pppoe_consumer_setup      C's config (as below, uplinks A prio 60 and B prio 50) and
#                                 lab_pppoe_prepare; no session and no daemon yet
#   lab_pppoe_prepare             once: C's IPv4 default route via `wan` goes (its metric is
#                                 kept for pppoe-wan's), C masquerades out of pppoe-wan too
#                                 (the rule `oifname "pppoe-wan" masquerade` in inet lab_nat,
#                                 beside topology.sh's `oifname "wan"`). The session carries
#                                 IPv4 only: C's IPv6 default via `wan` is left alone.
#   lab_pppoe_config              C's config names the WAN device: option wan_device 'pppoe-wan'
#                                 (after lab_consumer_setup)
#   lab_pppoe_up [ADDR]           session up (address ADDR, default the last one or 100.64.3.2):
#                                 devices, addresses, the default route in main (metric of the
#                                 old WAN route), then the hotplug event `ifup wan pppoe-wan`
#   LAB_PPPOE_ROUTE=via|dev       the default route as OpenWrt's /lib/netifd/ppp-up makes it
#                                 (via, the default: `default via 100.64.3.1 dev pppoe-wan`,
#                                 proto_add_ipv4_route 0.0.0.0 0 $IPREMOTE) or as plain pppd's
#                                 `defaultroute` does (dev: `default dev pppoe-wan scope link`)
#   lab_pppoe_down                session drop: forwarder killed (both devices vanish), then
#                                 the hotplug event `ifdown wan`
#   lab_pppoe_reconnect [ADDR] [GAP_S]   down, GAP_S seconds (default 0.5), up
#   lab_pppoe_cut / lab_pppoe_restore    silent cut: the forwarder drops every packet both ways
#                                 (SIGUSR1 / SIGUSR2), the session and carrier stay up, as
#                                 when the ISP's upstream dies behind a live access concentrator
#                                 (not an nft rule in the isp: a reconnect ends it with the
#                                 session, as a new session on a working upstream would)
#   lab_pppoe_ifindex             pppoe-wan's ifindex in C (fails when it does not exist)
#   lab_pppoe_addr                C's current pppoe address
#   LAB_PPPOE_HOTPLUG=0           lab_pppoe_up/down send no hotplug event
#
# The ordinary veth `wan`, deleted and created again:
#   lab_wan_device_delete NODE    both ends of NODE's WAN veth deleted, then `ifdown wan` (C)
#   lab_wan_device_create NODE    the veth made again as lab_up made it (addresses, default
#                                 routes, both families), then `ifup wan wan` (C)
#
# lab_failback_hold               the daemon's failback hysteresis for LAB_FAILOVER_TIMEOUT
#                                 (as mwan3-enforcement.sh computes `hold`; 3.0 s for 3 s)
# lab_path_name IP                wrapped: 100.64.3.0/24 (C's pppoe addresses) -> C-WAN as well
#
# Logs (state dir): logs/pppoe-link.log (the running forwarder: `ready ... ifindex=N`,
# `blackhole on|off`), logs/pppoe-sessions.log (every ended session, with its packet counts),
# logs/hotplug.log (each event sent to the daemon and whether it was delivered).
#
# Scenario helpers (after common.sh): soft_fail / pppoe_scenario_end (LAB_KEEP_GOING=1 reports
# every failed expectation and goes on, the end fails), fresh_source (the UDP stream's source if
# it arrived in the last 0.3 s), expect_steady (a path reached within a bound and kept).

LAB_PPPOE_DEV=pppoe-wan
LAB_PPPOE_PEER_DEV=ppp-c
LAB_PPPOE_GW=100.64.3.1
LAB_PPPOE_DEFAULT_ADDR=100.64.3.2
LAB_PPPOE_MTU=1492

# lab_path_name: C's pppoe addresses are C's WAN too (wraps topology.sh's, defined once)
if ! declare -F _lab_path_name_topology >/dev/null; then
  eval "_lab_path_name_topology() $(declare -f lab_path_name | tail -n +2)"
fi
lab_path_name() {
  case "${1:-}" in
    100.64.3.*) echo C-WAN ;;
    *) _lab_path_name_topology "$@" ;;
  esac
}

lab_failback_hold() {
  python3 -c "t=${LAB_FAILOVER_TIMEOUT:-3}; i=min(1.0, max(0.1, t / 20)); print(round(max(10, round(t / i)) * i, 2))"
}

_lab_pppoe_state() { echo "$(lab_state)/pppoe.$1"; }

# _lab_hotplug ACTION [DEVICE] — what OpenWrt's hotplug.d/iface/95-wireguard-uplink sends for
# the netifd interface `wan`; a daemon that does not run yet is no error
# (each event is logged in logs/hotplug.log: realtime ns, the event, delivered or why not)
_lab_hotplug() {
  [[ ${LAB_PPPOE_HOTPLUG:-1} == 1 ]] || return 0
  local log out; log="$(lab_state)/logs/hotplug.log"
  if [[ ! -S "$(lab_consumer_root)/var/run/wireguard-uplink.sock" ]]; then
    echo "$(date +%s%N) $1 wan ${2:-} (no daemon socket: not sent)" >>"$log"
    return 0
  fi
  if out=$(lab_wgctl uplink notify "$1" wan ${2:+"$2"} 2>&1); then
    echo "$(date +%s%N) $1 wan ${2:-} delivered" >>"$log"
  else
    echo "$(date +%s%N) $1 wan ${2:-} FAILED: $out" >>"$log"
    lab_die "hotplug: wgctl uplink notify $1 wan ${2:-} failed: $out"
  fi
}

lab_pppoe_prepare() {
  local metric
  metric=$(lab_exec c ip -4 -j route show default dev wan | python3 -c \
    'import json,sys; r=json.load(sys.stdin); print(r[0].get("metric", 0) if r else 0)')
  echo "$metric" >"$(_lab_pppoe_state metric)"
  lab_exec c ip -4 route del default dev wan 2>/dev/null || true
  lab_exec c nft list chain inet lab_nat postrouting | grep -q "oifname \"$LAB_PPPOE_DEV\" masquerade" ||
    lab_exec c nft add rule inet lab_nat postrouting oifname "$LAB_PPPOE_DEV" masquerade
}

lab_pppoe_config() {
  local f; f="$(lab_consumer_root)/etc/config/wireguard-uplink"
  sed -i "s/^\tlist wan_device 'wan'\$/\toption wan_device '$LAB_PPPOE_DEV'/" "$f"
  grep -q "^	option wan_device '$LAB_PPPOE_DEV'\$" "$f" || lab_die "could not set wan_device in $f"
}

# lab_pppoe_consumer_setup: C's config (wan_device 'pppoe-wan', uplinks to A at priority 60 and
# B at 50, as common.sh's scenario_up) and lab_pppoe_prepare; no session, no daemon yet
lab_pppoe_consumer_setup() {
  lab_consumer_setup
  lab_pppoe_config || return 1
  lab_consumer_add a 60
  lab_consumer_add b 50
  lab_pppoe_prepare
}

lab_pppoe_addr() { cat "$(_lab_pppoe_state addr)" 2>/dev/null || echo "$LAB_PPPOE_DEFAULT_ADDR"; }

lab_pppoe_ifindex() {
  ip -n "$(lab_ns c)" -j link show dev "$LAB_PPPOE_DEV" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'
}

_lab_dev_exists() { ip -n "$(lab_ns "$1")" link show dev "$2" >/dev/null 2>&1; }

lab_pppoe_up() {
  local addr=${1:-$(lab_pppoe_addr)} metric isp c
  metric=$(cat "$(_lab_pppoe_state metric)" 2>/dev/null || echo 0)
  isp=$(lab_ns isp) c=$(lab_ns c)
  [[ -z $(lab_pid pppoe-link) ]] || ! kill -0 "$(lab_pid pppoe-link)" 2>/dev/null ||
    lab_die "a pppoe session is already up" || return 1
  lab_spawn c pppoe-link "$LAB_PYTHON" "$LAB_DIR/tools/ptp_link.py" --dev "$LAB_PPPOE_DEV" \
    --peer-netns "$isp" --peer-dev "$LAB_PPPOE_PEER_DEV" --mtu "$LAB_PPPOE_MTU" || return 1
  lab_wait 5 grep -q '^ready ' "$(lab_state)/logs/pppoe-link.log" ||
    lab_die "ptp_link.py did not come up: $(cat "$(lab_state)/logs/pppoe-link.log")" || return 1
  # the access concentrator's side (IPCP: its address, the subscriber's as the peer)
  ip -n "$isp" link set "$LAB_PPPOE_PEER_DEV" mtu "$LAB_PPPOE_MTU" up
  ip -n "$isp" addr add "$LAB_PPPOE_GW" peer "$addr/32" dev "$LAB_PPPOE_PEER_DEV"
  # the subscriber's side, as pppd + netifd do it: address, link up, default route, then hotplug
  ip -n "$c" link set "$LAB_PPPOE_DEV" mtu "$LAB_PPPOE_MTU" up
  ip -n "$c" addr add "$addr" peer "$LAB_PPPOE_GW/32" dev "$LAB_PPPOE_DEV"
  if [[ ${LAB_PPPOE_ROUTE:-via} == dev ]]; then
    ip -n "$c" -4 route replace default dev "$LAB_PPPOE_DEV" metric "$metric"
  else
    ip -n "$c" -4 route replace default via "$LAB_PPPOE_GW" dev "$LAB_PPPOE_DEV" metric "$metric"
  fi
  echo "$addr" >"$(_lab_pppoe_state addr)"
  lab_wait 5 lab_exec c ping -c1 -W1 -I "$LAB_PPPOE_DEV" "$LAB_PPPOE_GW" ||
    lab_die "pppoe session up but $LAB_PPPOE_GW does not answer" || return 1
  _lab_hotplug ifup "$LAB_PPPOE_DEV"
}

lab_pppoe_down() {
  lab_stop pppoe-link
  cat "$(lab_state)/logs/pppoe-link.log" >>"$(lab_state)/logs/pppoe-sessions.log" 2>/dev/null || true
  lab_wait 5 bash -c "! ip -n '$(lab_ns c)' link show dev '$LAB_PPPOE_DEV' && ! ip -n '$(lab_ns isp)' link show dev '$LAB_PPPOE_PEER_DEV'" ||
    lab_die "pppoe devices still exist after the forwarder ended" || return 1
  _lab_hotplug ifdown
}

lab_pppoe_reconnect() {   # [ADDR] [GAP_S]
  lab_pppoe_down || return 1
  sleep "${2:-0.5}"
  lab_pppoe_up "${1:-}"
}

_lab_pppoe_signal() {   # SIGNAL EXPECTED_LOG_LINE
  local pid log n; pid=$(lab_pid pppoe-link) log="$(lab_state)/logs/pppoe-link.log"
  [[ -n $pid ]] || lab_die "no pppoe session" || return 1
  n=$(grep -c "^$2\$" "$log" || true)
  kill -"$1" "$pid"
  lab_wait 3 bash -c "(( \$(grep -c '^$2\$' '$log') > $n ))" || lab_die "forwarder did not log '$2'"
}
lab_pppoe_cut() { _lab_pppoe_signal USR1 "blackhole on"; }
lab_pppoe_restore() { _lab_pppoe_signal USR2 "blackhole off"; }

# ------------------------------------------------ the veth `wan`, made again ---

_lab_wan_idx() { case "${1:-}" in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; *) lab_die "WAN node must be a, b or c" ;; esac; }

lab_wan_device_delete() {
  local node=$1; _lab_wan_idx "$node" >/dev/null || return 1
  ip -n "$(lab_ns "$node")" link del wan   # a veth pair: the isp's to-NODE goes with it
  lab_wait 3 bash -c "! ip -n '$(lab_ns isp)' link show dev to-$node" || lab_die "to-$node still exists" || return 1
  [[ $node != c ]] || _lab_hotplug ifdown
}

lab_wan_device_create() {
  local node=$1 i ns isp; i=$(_lab_wan_idx "$node") || return 1
  ns=$(lab_ns "$node") isp=$(lab_ns isp)
  ip -n "$isp" link add "to-$node" type veth peer name wan netns "$ns"
  ip -n "$isp" addr add "198.18.$i.1/24" dev "to-$node"
  ip -n "$isp" addr add "2001:db8:18:$i::1/64" dev "to-$node" nodad
  ip -n "$ns" addr add "198.18.$i.2/24" dev wan
  ip -n "$ns" addr add "2001:db8:18:$i::2/64" dev wan nodad
  ip -n "$isp" link set "to-$node" up
  ip -n "$ns" link set wan up
  lab_wait 5 bash -c "ip -n '$ns' link show wan | grep -q LOWER_UP" || lab_die "new wan of $node has no carrier" || return 1
  ip -n "$ns" route replace default via "198.18.$i.1" dev wan
  ip -n "$ns" -6 route replace default via "2001:db8:18:$i::1" dev wan
  lab_wait 5 lab_exec "$node" ping -c1 -W1 -I wan "198.18.$i.1" || lab_die "new wan of $node: isp does not answer" || return 1
  [[ $node != c ]] || _lab_hotplug ifup wan
}

lab_wan_ifindex() {   # NODE
  ip -n "$(lab_ns "$1")" -j link show dev wan 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])'
}

# ------------------------------------- scenario helpers (after common.sh) ---

# LAB_KEEP_GOING=1: a failed expectation is reported and the scenario goes on (its end fails);
# for seeing every point a daemon misses in one run. Default: the first one ends it (fail).
PPPOE_FAILED=0
soft_fail() {
  if [[ ${LAB_KEEP_GOING:-0} == 1 ]]; then
    echo "FAIL $SCENARIO (going on): $*"
    PPPOE_FAILED=1
    return 0
  fi
  fail "$@"
}
pppoe_scenario_end() {   # MESSAGE
  if [[ $PPPOE_FAILED == 1 ]]; then
    echo "FAIL $SCENARIO: see the failures above"; echo "--- daemon log"; lab_consumer_daemon_log | tail -60; exit 1
  fi
  pass "$@"
}

# fresh_source: the source of the last datagram the sink got, if it came in the last 0.3 s
# (else "stale")
fresh_source() {
  python3 - "$SINK_LOG" <<'PY'
import sys, time
now = time.monotonic_ns()
try:
    last = open(sys.argv[1]).read().splitlines()[-1].split()
except Exception:
    print("stale"); sys.exit()
print(last[1] if now - int(last[0]) < 300_000_000 else "stale")
PY
}

_ns_now() { date +%s%N; }
_ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# expect_steady WHAT ADDR T0_NS BOUND_S STEADY_S: from T0 + BOUND_S on, for STEADY_S seconds,
# every new connection of the client leaves via ADDR (curl /whoami) and the running UDP stream
# arrives from ADDR; before T0 + BOUND_S anything goes (a failover and back is allowed).
# Sets STEADY_FIRST_MS: when new connections first left via ADDR after T0 (-1: only later).
# Call it as a command, not in $(...) (its fail must end the scenario). Returns 1 if it failed.
expect_steady() {
  local what=$1 addr=$2 t0=$3 bound=$4 steady=$5 deadline end ip src first=-1
  deadline=$(( t0 + $(python3 -c "print(int($bound * 1e9))") ))
  while (( $(date +%s%N) < deadline )); do
    ip=$(LAB_CURL_TIMEOUT=1 lab_client_source_ip 2>/dev/null || true)
    if [[ $ip == "$addr" && $first == -1 ]]; then first=$(_ms_since "$t0"); fi
    sleep 0.1
  done
  end=$(( $(date +%s%N) + ${steady%.*} * 1000000000 ))
  while (( $(date +%s%N) < end )); do
    ip=$(LAB_CURL_TIMEOUT=1 lab_client_source_ip 2>/dev/null || true)
    src=$(fresh_source)
    if [[ $ip != "$addr" || $src != "$addr" ]]; then
      soft_fail "$what: $(_ms_since "$t0") ms after it (bound ${bound} s), new connections leave via '${ip:-none}' ($(lab_path_name "$ip")) and the UDP stream arrives from '$src', not $addr"
      STEADY_FIRST_MS=$first; return 1
    fi
    sleep 0.5
  done
  STEADY_FIRST_MS=$first
}
