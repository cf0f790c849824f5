#!/usr/bin/env bash
# lab/topology.sh — network-namespace test lab for wireguard-uplink (wgctl).
#
# Builds an isolated "reverse multi-WAN" topology out of network namespaces:
#   isp (the internet) <- WAN -> A, B (providers), C (consumer router, own WAN)
#   C <- link-local underlay + wireguard-go mesh "wg_mesh" -> A, B
#   C <- LAN -> client
# Dual-stack: every link carries IPv4 and IPv6 (NAT44 + NAT66 at each router's
# WAN). Nothing is ever linked to the host (default) namespace. See lab/README.md.
#
# CLI:      lab/topology.sh up | down | status
# Library:  source lab/topology.sh   (then lab_up, lab_down, lab_exec, ...)
#           Sourcing does not change shell options; the CLI runs with
#           `set -euo pipefail`. All helpers are safe under `set -euo pipefail`.
#
# Env:  LAB_PREFIX (default wgu) namespace prefix, e.g. wgu-isp, wgu-c
#       LAB_STATE  (default /run/$LAB_PREFIX-lab) keys/, pids/, logs/
#       LAB_PYTHON (default: python3 on PATH)
#
# wireguard-go keeps its control socket in /var/run/wireguard/IFNAME.sock, a
# directory shared by every network namespace, so two namespaces could not both
# run "wg_mesh". The lab therefore makes the host's /run/wireguard a symlink to
# /etc/wireguard-run and gives each lab namespace its own
# /etc/netns/<ns>/wireguard-run, which `ip netns exec` bind-mounts over it.
# Consequence: always enter lab namespaces with `ip netns exec` (or lab_exec),
# not with a bare nsenter, when using wg / wireguard-go.

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_PREFIX="${LAB_PREFIX:-wgu}"
LAB_PYTHON="${LAB_PYTHON:-$(command -v python3 || echo python3)}"
LAB_NODES=(isp a b c client)
LAB_WG_RUN=/etc/wireguard-run   # see header: per-namespace wg socket dirs

# ---------------------------------------------------------------- basics ----

lab_log() { echo "[lab:${LAB_PREFIX}] $*" >&2; }
lab_die() { lab_log "ERROR: $*"; return 1; }
lab_state() { echo "${LAB_STATE:-/run/${LAB_PREFIX}-lab}"; }

# lab_ns NODE -> namespace name (validates NODE)
lab_ns() {
  case "${1:-}" in
    isp|a|b|c|client) echo "${LAB_PREFIX}-$1" ;;
    *) lab_die "unknown node '${1:-}' (isp|a|b|c|client)" ;;
  esac
}

lab_ns_exists() { [[ -e "/run/netns/$1" ]]; }

# lab_exec NODE cmd... — run a command inside a lab node.
lab_exec() {
  local ns; ns="$(lab_ns "$1")" || return 1
  shift
  ip netns exec "$ns" "$@"
}

# lab_wait SECONDS cmd... — poll cmd every 0.1 s until it succeeds.
lab_wait() {
  local deadline=$(( $(date +%s%N) + ${1} * 1000000000 ))
  shift
  until "$@" >/dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || return 1
    sleep 0.1
  done
}

# lab_spawn NODE NAME cmd... — start a background process in NODE, detached
# (own session), pid in $STATE/pids/NAME.pid, output in $STATE/logs/NAME.log.
lab_spawn() {
  local node="$1" name="$2"; shift 2
  local ns st; ns="$(lab_ns "$node")" || return 1; st="$(lab_state)"
  mkdir -p "$st/pids" "$st/logs"
  local pidf="$st/pids/$name.pid"
  rm -f "$pidf"
  ip netns exec "$ns" setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" \
    >"$st/logs/$name.log" 2>&1 </dev/null &
  lab_wait 5 test -s "$pidf" || lab_die "could not start $name"
}

# lab_stop NAME — stop a process started with lab_spawn (no error if gone).
lab_stop() {
  local pidf; pidf="$(lab_state)/pids/$1.pid"
  [[ -s "$pidf" ]] || return 0
  local pid; pid="$(cat "$pidf")"
  kill "$pid" 2>/dev/null || true
  lab_wait 3 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

lab_pid() { cat "$(lab_state)/pids/$1.pid" 2>/dev/null; }

# ------------------------------------------------------------- wireguard ----

# lab_wg_key NAME — create (once) $STATE/keys/NAME.key/.pub, print pubkey.
lab_wg_key() {
  local k; k="$(lab_state)/keys/$1"
  mkdir -p "$(dirname "$k")"
  if [[ ! -s "$k.key" ]]; then
    (umask 077; wg genkey >"$k.key")
    wg pubkey <"$k.key" >"$k.pub"
  fi
  cat "$k.pub"
}

# lab_wg_start NODE IFNAME — run wireguard-go (foreground, tracked) for IFNAME
# in NODE and wait until its UAPI socket answers.
lab_wg_start() {
  local node="$1" ifname="$2"
  lab_spawn "$node" "$node-wg-$ifname" env LOG_LEVEL="${LAB_WG_LOG_LEVEL:-error}" \
    wireguard-go -f "$ifname" || return 1
  lab_wait 10 lab_exec "$node" wg show "$ifname" ||
    lab_die "wireguard-go $ifname in $node did not come up (see logs)"
}

# Host side of the per-namespace wg socket-dir trick (see header).
lab_wg_sockdir_setup() {
  mkdir -p "$LAB_WG_RUN"
  if [[ -L /run/wireguard ]]; then
    [[ "$(readlink /run/wireguard)" == "$LAB_WG_RUN" ]] ||
      lab_die "/run/wireguard is a symlink to something else; refusing"
    return
  fi
  if [[ -d /run/wireguard ]]; then
    [[ -z "$(ls -A /run/wireguard)" ]] ||
      lab_die "/run/wireguard is in use by host wireguard-go; refusing to replace it"
    rmdir /run/wireguard
  fi
  ln -s "$LAB_WG_RUN" /run/wireguard
}

# ------------------------------------------------------------------- up -----

lab_up() (   # subshell: always runs with errexit, whatever the caller uses
  set -euo pipefail
  local st; st="$(lab_state)"
  local node ns
  [[ $EUID -eq 0 ]] || lab_die "must run as root" || return 1
  for t in ip nft wg wireguard-go curl "$LAB_PYTHON"; do
    command -v "$t" >/dev/null || lab_die "missing tool: $t" || return 1
  done
  [[ -d /proc/sys/net/ipv6 ]] || lab_die "kernel has no IPv6 (booted with ipv6.disable=1?)" || return 1

  # idempotent: tear down a previous lab with this prefix first
  for node in "${LAB_NODES[@]}"; do
    if lab_ns_exists "$(lab_ns "$node")"; then lab_down; break; fi
  done
  [[ -e "$st" ]] && lab_down

  lab_log "creating namespaces"
  lab_wg_sockdir_setup || return 1
  mkdir -p "$st/keys" "$st/pids" "$st/logs"
  for node in "${LAB_NODES[@]}"; do
    ns="$(lab_ns "$node")"
    ip netns add "$ns"
    mkdir -p "/etc/netns/$ns/wireguard-run"
    echo "nameserver 198.19.0.53" >"/etc/netns/$ns/resolv.conf"
    # IPv6 on for every interface created from now on, whatever the host's
    # defaults; keep static IPv6 addresses over a link down/up (as IPv4 does),
    # e.g. across lab_wan_carrier_down/up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 \
      net.ipv6.conf.all.keep_addr_on_down=1
    ip -n "$ns" link set lo up
  done
  local ISP A B C CL
  ISP="$(lab_ns isp)" A="$(lab_ns a)" B="$(lab_ns b)" C="$(lab_ns c)" CL="$(lab_ns client)"

  # --- isp: the internet, with "public" hosts on a dummy interface
  # (this kernel may lack the dummy driver: fall back to a veth pair kept in isp)
  ip -n "$ISP" link add hosts type dummy 2>/dev/null ||
    { ip -n "$ISP" link add hosts type veth peer name hosts-peer &&
      ip -n "$ISP" link set hosts-peer up; }
  for h in 1 2 3 4 53; do
    ip -n "$ISP" addr add "198.19.0.$h/32" dev hosts
    ip -n "$ISP" addr add "2001:db8:19::$h/128" dev hosts nodad
  done
  ip -n "$ISP" link set hosts up

  # --- WAN links isp <-> routers (veth created inside the namespaces)
  local i=1
  for node in a b c; do
    ns="$(lab_ns "$node")"
    ip -n "$ISP" link add "to-$node" type veth peer name wan netns "$ns"
    ip -n "$ISP" addr add "198.18.$i.1/24" dev "to-$node"
    ip -n "$ns" addr add "198.18.$i.2/24" dev wan
    ip -n "$ISP" link set "to-$node" up
    ip -n "$ns" link set wan up
    ip -n "$ns" route add default via "198.18.$i.1" dev wan
    ip -n "$ISP" addr add "2001:db8:18:$i::1/64" dev "to-$node" nodad
    ip -n "$ns" addr add "2001:db8:18:$i::2/64" dev wan nodad
    ip -n "$ns" -6 route add default via "2001:db8:18:$i::1" dev wan
    i=$((i + 1))
  done

  # --- underlay C <-> A, C <-> B (link-local, like an 802.11s backhaul)
  # IPv4 169.254.x/30 plus the kernel's automatic IPv6 fe80:: (no DAD on these
  # veths, so the fe80:: address is usable as soon as the link is up).
  ip -n "$C" link add ul-a type veth peer name ul-c netns "$A"
  ip -n "$C" addr add 169.254.10.1/30 dev ul-a
  ip -n "$A" addr add 169.254.10.2/30 dev ul-c
  ip -n "$C" link add ul-b type veth peer name ul-c netns "$B"
  ip -n "$C" addr add 169.254.20.1/30 dev ul-b
  ip -n "$B" addr add 169.254.20.2/30 dev ul-c
  for node in c:ul-a c:ul-b a:ul-c b:ul-c; do
    lab_exec "${node%%:*}" sysctl -qw "net.ipv6.conf.${node#*:}.disable_ipv6=0" \
      "net.ipv6.conf.${node#*:}.accept_dad=0"
  done
  ip -n "$C" link set ul-a up; ip -n "$C" link set ul-b up
  ip -n "$A" link set ul-c up; ip -n "$B" link set ul-c up
  for node in c:ul-a c:ul-b a:ul-c b:ul-c; do
    lab_wait 5 _lab_ll_ready "${node%%:*}" "${node#*:}" ||
      lab_die "no usable IPv6 link-local address on ${node#*:} in ${node%%:*}" || return 1
  done

  # --- client LAN behind C
  ip -n "$C" link add lan type veth peer name eth0 netns "$CL"
  ip -n "$C" addr add 192.168.50.1/24 dev lan
  ip -n "$CL" addr add 192.168.50.10/24 dev eth0
  ip -n "$C" link set lan up; ip -n "$CL" link set eth0 up
  ip -n "$CL" route add default via 192.168.50.1 dev eth0
  ip -n "$C" addr add fd00:50::1/64 dev lan nodad
  ip -n "$CL" addr add fd00:50::10/64 dev eth0 nodad
  ip -n "$CL" -6 route add default via fd00:50::1 dev eth0

  # --- forwarding + NAT (table inet: masquerade covers IPv4 and IPv6, i.e.
  # NAT44 + NAT66 out of each router's `wan`)
  for node in isp a b c; do
    lab_exec "$node" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
  for node in a b c; do
    lab_exec "$node" nft -f - <<'EOF'
table inet lab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade
  }
}
EOF
  done

  # --- failure injection table in isp: per-node chains, empty = healthy
  lab_exec isp nft -f - <<'EOF'
table inet lab_fail {
  chain a_fail {}
  chain a_fail6 {}
  chain a_loss {}
  chain b_fail {}
  chain b_fail6 {}
  chain b_loss {}
  chain c_fail {}
  chain c_fail6 {}
  chain c_loss {}
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    iifname "to-a" jump a_fail
    iifname "to-a" jump a_fail6
    iifname "to-a" jump a_loss
    iifname "to-b" jump b_fail
    iifname "to-b" jump b_fail6
    iifname "to-b" jump b_loss
    iifname "to-c" jump c_fail
    iifname "to-c" jump c_fail6
    iifname "to-c" jump c_loss
  }
  chain post {
    type filter hook postrouting priority 300; policy accept;
    oifname "to-a" jump a_fail
    oifname "to-a" jump a_fail6
    oifname "to-a" jump a_loss
    oifname "to-b" jump b_fail
    oifname "to-b" jump b_fail6
    oifname "to-b" jump b_loss
    oifname "to-c" jump c_fail
    oifname "to-c" jump c_fail6
    oifname "to-c" jump c_loss
  }
}
EOF

  # --- services in isp
  lab_log "starting isp services"
  lab_spawn isp isp-http "$LAB_PYTHON" "$LAB_DIR/tools/http_server.py" --bind 198.19.0.1 --port 80
  lab_spawn isp isp-http6 "$LAB_PYTHON" "$LAB_DIR/tools/http_server.py" --bind 2001:db8:19::1 --port 80
  lab_spawn isp isp-dns "$LAB_PYTHON" "$LAB_DIR/tools/dns_server.py" --bind 198.19.0.53 --port 53
  lab_spawn isp isp-dns6 "$LAB_PYTHON" "$LAB_DIR/tools/dns_server.py" --bind 2001:db8:19::53 --port 53
  lab_wait 10 lab_exec isp curl -sf --max-time 1 -o /dev/null http://198.19.0.1/generate_204 ||
    lab_die "http server did not come up" || return 1
  lab_wait 10 lab_exec isp curl -6 -gsf --max-time 1 -o /dev/null 'http://[2001:db8:19::1]/generate_204' ||
    lab_die "IPv6 http server did not come up" || return 1
  lab_wait 10 lab_exec isp "$LAB_PYTHON" "$LAB_DIR/tools/dns_server.py" --query lab.test --server 198.19.0.53 ||
    lab_die "dns server did not come up" || return 1
  lab_wait 10 lab_exec isp "$LAB_PYTHON" "$LAB_DIR/tools/dns_server.py" --query lab.test --type AAAA \
    --server 2001:db8:19::53 || lab_die "IPv6 dns server did not come up" || return 1

  # --- WireGuard mesh over the underlay
  lab_log "starting wg_mesh (wireguard-go)"
  local pa pb pc
  pa="$(lab_wg_key a-wg_mesh)" pb="$(lab_wg_key b-wg_mesh)" pc="$(lab_wg_key c-wg_mesh)"
  for node in a b c; do lab_wg_start "$node" wg_mesh || return 1; done
  lab_exec c wg set wg_mesh listen-port 51820 private-key "$st/keys/c-wg_mesh.key" \
    peer "$pa" endpoint 169.254.10.2:51820 allowed-ips 10.255.0.1/32 persistent-keepalive 25 \
    peer "$pb" endpoint 169.254.20.2:51820 allowed-ips 10.255.0.2/32 persistent-keepalive 25
  lab_exec a wg set wg_mesh listen-port 51820 private-key "$st/keys/a-wg_mesh.key" \
    peer "$pc" endpoint 169.254.10.1:51820 allowed-ips 10.255.0.3/32 persistent-keepalive 25
  lab_exec b wg set wg_mesh listen-port 51820 private-key "$st/keys/b-wg_mesh.key" \
    peer "$pc" endpoint 169.254.20.1:51820 allowed-ips 10.255.0.3/32 persistent-keepalive 25
  lab_exec a ip addr add 10.255.0.1/24 dev wg_mesh
  lab_exec b ip addr add 10.255.0.2/24 dev wg_mesh
  lab_exec c ip addr add 10.255.0.3/24 dev wg_mesh
  for node in a b c; do lab_exec "$node" ip link set wg_mesh up; done
  lab_wait 15 lab_exec c ping -c1 -W1 10.255.0.1 || lab_die "mesh C->A not working" || return 1
  lab_wait 15 lab_exec c ping -c1 -W1 10.255.0.2 || lab_die "mesh C->B not working" || return 1

  local who; who="$(lab_client_source_ip)" || true
  [[ "$who" == 198.18.3.2 ]] || lab_die "client whoami returned '$who', expected 198.18.3.2" || return 1
  local who6; who6="$(lab_client_source_ip6)" || true
  [[ "$who6" == 2001:db8:18:3::2 ]] ||
    lab_die "client IPv6 whoami returned '$who6', expected 2001:db8:18:3::2" || return 1
  lab_log "lab is up (state: $st); client egress via $(lab_path_name "$who") (IPv6: $(lab_path_name "$who6"))"
)

# ----------------------------------------------------------------- down -----

# lab_down — remove everything this lab prefix created. Never fails; usable as
# `trap lab_down EXIT`.
lab_down() {
  local st node ns pidf pid
  st="$(lab_state)"
  # 1. processes we tracked (only if they still live in one of our namespaces)
  for pidf in "$st"/pids/*.pid; do
    [[ -s "$pidf" ]] || continue
    pid="$(cat "$pidf" 2>/dev/null)" || continue
    ns="$(ip netns identify "$pid" 2>/dev/null)" || continue
    for node in "${LAB_NODES[@]}"; do
      [[ "$ns" == "${LAB_PREFIX}-$node" ]] && { kill "$pid" 2>/dev/null || true; }
    done
  done
  # 2. anything else running inside our namespaces
  for node in "${LAB_NODES[@]}"; do
    ns="${LAB_PREFIX}-$node"
    lab_ns_exists "$ns" || continue
    ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
  done
  for node in "${LAB_NODES[@]}"; do
    ns="${LAB_PREFIX}-$node"
    lab_ns_exists "$ns" || continue
    lab_wait 3 bash -c "[[ -z \"\$(ip netns pids $ns 2>/dev/null)\" ]]" ||
      { ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; }
  done
  # 3. namespaces, per-namespace /etc overlays, state dir
  for node in "${LAB_NODES[@]}"; do
    ns="${LAB_PREFIX}-$node"
    if lab_ns_exists "$ns"; then ip netns del "$ns" 2>/dev/null || true; fi
    rm -rf "/etc/netns/$ns" 2>/dev/null || true
  done
  rmdir /etc/netns 2>/dev/null || true
  rm -rf "$st" 2>/dev/null || true
  lab_log "lab is down"
  return 0
}

# --------------------------------------------------------------- status -----

lab_status() {
  local node ns
  for node in "${LAB_NODES[@]}"; do
    ns="${LAB_PREFIX}-$node"
    if ! lab_ns_exists "$ns"; then echo "== $ns: absent"; continue; fi
    echo "== $ns"
    ip -n "$ns" -br addr | sed 's/^/   /'
    ip -n "$ns" route | sed 's/^/   route: /'
    ip -n "$ns" -6 route | sed 's/^/   route6: /'
    if [[ $node =~ ^[abc]$ ]]; then
      lab_exec "$node" wg show all latest-handshakes 2>/dev/null |
        awk '{ printf "   wg: %s peer %.8s... last handshake %s\n", $1, $2, ($3 ? strftime("%T", $3) : "never") }'
    fi
  done
  lab_ns_exists "$(lab_ns isp)" || return 0
  echo "== failure injection (isp table inet lab_fail):"
  lab_exec isp nft list table inet lab_fail | grep -E 'chain [abc]_|drop' | sed 's/^/   /'
  for node in a b c; do
    echo "   to-$node: $(ip -n "$(lab_ns isp)" -br link show "to-$node" | awk '{print $2}')"
  done
  echo "== processes (pidfiles in $(lab_state)/pids):"
  local pidf
  for pidf in "$(lab_state)"/pids/*.pid; do
    [[ -s "$pidf" ]] || continue
    local pid; pid="$(cat "$pidf")"
    printf '   %-24s %-7s %s\n' "$(basename "$pidf" .pid)" "$pid" \
      "$(kill -0 "$pid" 2>/dev/null && echo running || echo dead)"
  done
  local who; who="$(lab_client_source_ip)" || who=""
  echo "== client egress: ${who:-FAILED} ($(lab_path_name "$who"))"
  local who6; who6="$(lab_client_source_ip6)" || who6=""
  echo "== client egress (IPv6): ${who6:-FAILED} ($(lab_path_name "$who6"))"
}

# ---------------------------------------------------- failure injection -----

_lab_wan_node() {
  case "${1:-}" in a|b|c) ;; *) lab_die "WAN node must be a, b or c (got '${1:-}')" ;; esac
}

# IPv6 neighbour discovery is never dropped by the failure chains: it plays the
# role ARP plays for IPv4 (ARP is not IP, so nft inet never sees it), i.e. the
# router can still resolve the isp's address, as with a live modem whose
# upstream is dead.
_LAB_ND_TYPES='{ nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert }'

# lab_c_wan_routes_ipv6 — C's WAN carries the LAN's IPv6 as real ISPs do: routed, not NATed
# (C masquerades only IPv4 out of wan; the isp routes fd00:50::/64 back to C).
lab_c_wan_routes_ipv6() {
  lab_exec c nft flush chain inet lab_nat postrouting
  lab_exec c nft add rule inet lab_nat postrouting meta nfproto ipv4 oifname "wan" masquerade
  lab_exec isp ip -6 route replace fd00:50::/64 via 2001:db8:18:3::2 dev to-c
}

# Silent failure: carrier stays up, isp drops everything (IPv4 and IPv6)
# from/to the link.
lab_wan_silent_fail() {
  _lab_wan_node "$1" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_fail"
  lab_exec isp nft add rule inet lab_fail "$1_fail" icmpv6 type "$_LAB_ND_TYPES" return
  lab_exec isp nft add rule inet lab_fail "$1_fail" counter drop
}
lab_wan_silent_restore() {
  _lab_wan_node "$1" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_fail"
}
# IPv6-only silent failure (chain NODE_fail6): IPv4 keeps working.
lab_wan_silent_fail6() {
  _lab_wan_node "$1" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_fail6"
  lab_exec isp nft add rule inet lab_fail "$1_fail6" icmpv6 type "$_LAB_ND_TYPES" return
  lab_exec isp nft add rule inet lab_fail "$1_fail6" meta nfproto ipv6 counter drop
}
lab_wan_silent_restore6() {
  _lab_wan_node "$1" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_fail6"
}
# Provider's upstream dies (A or B): same mechanism as a silent WAN failure.
lab_provider_wan_fail() {
  [[ "${1:-}" == a || "${1:-}" == b ]] || lab_die "provider must be a or b" || return 1
  lab_wan_silent_fail "$1"
}
lab_provider_wan_restore() { lab_wan_silent_restore "$@"; }
lab_provider_wan_fail6() {
  [[ "${1:-}" == a || "${1:-}" == b ]] || lab_die "provider must be a or b" || return 1
  lab_wan_silent_fail6 "$1"
}
lab_provider_wan_restore6() {
  [[ "${1:-}" == a || "${1:-}" == b ]] || lab_die "provider must be a or b" || return 1
  lab_wan_silent_restore6 "$1"
}

# Carrier loss: isp-side veth down -> router's `wan` shows NO-CARRIER.
lab_wan_carrier_down() {
  _lab_wan_node "$1" || return 1
  ip -n "$(lab_ns isp)" link set "to-$1" down
}
lab_wan_carrier_up() {
  _lab_wan_node "$1" || return 1
  ip -n "$(lab_ns isp)" link set "to-$1" up
  lab_wait 5 bash -c "ip -n '$(lab_ns "$1")' link show wan | grep -q LOWER_UP"
}

# Random loss of PERCENT % in each direction on the link (0..100).
lab_wan_lossy() {
  _lab_wan_node "$1" || return 1
  [[ "${2:-}" =~ ^[0-9]+$ ]] && (( $2 <= 100 )) || lab_die "PERCENT must be 0..100" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_loss"
  lab_exec isp nft add rule inet lab_fail "$1_loss" icmpv6 type "$_LAB_ND_TYPES" return
  lab_exec isp nft add rule inet lab_fail "$1_loss" numgen random mod 100 "<" "$2" counter drop
}
lab_wan_lossy_off() {
  _lab_wan_node "$1" || return 1
  lab_exec isp nft flush chain inet lab_fail "$1_loss"
}

# ----------------------------------------------------- provider uplinks -----

_lab_provider_idx() {
  case "${1:-}" in a) echo 1 ;; b) echo 2 ;; *) lab_die "provider must be a or b (got '${1:-}')" ;; esac
}

# lab_provider_uplink_up a|b — WireGuard server "wgup" on the provider:
# port 51900, 10.200.{1,2}.1/24 and fd00:200:{1,2}::1/64, traffic forwarded +
# masqueraded out `wan` (the inet lab_nat rule `oifname "wan" masquerade`
# covers wgup -> wan for IPv4 and IPv6).
# Reachable from C at the provider's underlay (169.254.10.2 / 169.254.20.2)
# and mesh (10.255.0.1 / 10.255.0.2) addresses.
lab_provider_uplink_up() {
  local node="${1:-}" idx; idx="$(_lab_provider_idx "$node")" || return 1
  lab_wg_key "$node-wgup" >/dev/null
  lab_wg_start "$node" wgup || return 1
  lab_exec "$node" wg set wgup listen-port 51900 private-key "$(lab_state)/keys/$node-wgup.key"
  lab_exec "$node" ip addr add "10.200.$idx.1/24" dev wgup
  lab_exec "$node" ip addr add "fd00:200:$idx::1/64" dev wgup nodad
  lab_exec "$node" ip link set wgup up
}
lab_provider_uplink_down() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  lab_stop "$1-wg-wgup"
}

# lab_provider_authorize a|b PUBKEY ADDR[,ADDR...] — allow a consumer peer.
# Each address without a prefix length gets /32 (IPv4) or /128 (IPv6), e.g.
# `lab_provider_authorize a KEY 10.200.1.2,fd00:200:1::2`.
lab_provider_authorize() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  local list="" a addrs
  IFS=',' read -ra addrs <<<"${3:-}"
  for a in "${addrs[@]}"; do
    a="${a//[[:space:]]/}"
    [[ -n "$a" ]] || continue
    if [[ "$a" != */* ]]; then
      if [[ "$a" == *:* ]]; then a="$a/128"; else a="$a/32"; fi
    fi
    list="${list:+$list,}$a"
  done
  [[ -n "$list" ]] || lab_die "lab_provider_authorize: no address given" || return 1
  lab_exec "$1" wg set wgup peer "$2" allowed-ips "$list"
}
lab_provider_deauthorize() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  lab_exec "$1" wg set wgup peer "$2" remove
}
lab_provider_pubkey() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  cat "$(lab_state)/keys/$1-wgup.pub"
}

# ------------------------------------------------------ IPv6 underlay -------

# _lab_ll_ready NODE DEV — DEV in NODE has an fe80:: address that is no longer
# tentative (and did not fail DAD).
_lab_ll_ready() {
  local out; out="$(ip -n "$(lab_ns "$1")" -6 -o addr show dev "$2" scope link 2>/dev/null)" || return 1
  [[ "$out" == *fe80:* && "$out" != *tentative* && "$out" != *dadfailed* ]]
}

# lab_underlay_ll a|b — the fe80:: address (no prefix length) of the provider's
# `ul-c` (its underlay towards C). From C use it with a zone:
# `lab_exec c ping -6 fe80::...%$(lab_underlay_dev a)`.
lab_underlay_ll() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  local ll
  ll="$(ip -n "$(lab_ns "$1")" -6 -o addr show dev ul-c scope link 2>/dev/null |
        awk '$3 == "inet6" && $4 ~ /^fe80:/ { sub(/\/.*/, "", $4); print $4; exit }')" || true
  [[ -n "$ll" ]] || lab_die "no IPv6 link-local address on ul-c in $1" || return 1
  echo "$ll"
}

# lab_underlay_dev a|b — C's underlay device towards that provider (ul-a|ul-b).
lab_underlay_dev() {
  _lab_provider_idx "${1:-}" >/dev/null || return 1
  echo "ul-$1"
}

# ------------------------------------------------------------- observing ----

# lab_client_source_ip — the source IP the isp sees for the client's traffic.
lab_client_source_ip() {
  lab_exec client curl -sf --max-time "${LAB_CURL_TIMEOUT:-3}" http://198.19.0.1/whoami
}

# lab_client_source_ip6 — the same over IPv6 (http://[2001:db8:19::1]/whoami).
lab_client_source_ip6() {
  lab_exec client curl -6 -gsf --max-time "${LAB_CURL_TIMEOUT:-3}" 'http://[2001:db8:19::1]/whoami'
}

# lab_path_name IP — 198.18.1.2 -> A, 198.18.2.2 -> B, 198.18.3.2 -> C-WAN
# (IPv6: 2001:db8:18:1::2 -> A, 2001:db8:18:2::2 -> B, 2001:db8:18:3::2 -> C-WAN; the
# client's own fd00:50::10 -> C-WAN too, when C's WAN routes the LAN's IPv6 un-NATed:
# lab_c_wan_routes_ipv6).
lab_path_name() {
  case "${1:-}" in
    198.18.1.2|2001:db8:18:1::2) echo A ;;
    198.18.2.2|2001:db8:18:2::2) echo B ;;
    198.18.3.2|2001:db8:18:3::2|fd00:50::10) echo C-WAN ;;
    "") echo none ;;
    *) echo unknown ;;
  esac
}

# lab_wait_client_path A|B|C-WAN|none [SECONDS] — poll until the client's egress
# path is the given one (default timeout 10 s); prints the time it took in ms.
# lab_wait_client_path6: the same over IPv6.
lab_wait_client_path() { _lab_wait_path lab_client_source_ip "$@"; }
lab_wait_client_path6() { _lab_wait_path lab_client_source_ip6 "$@"; }
_lab_wait_path() {   # SOURCE_FUNCTION WANT [SECONDS]
  local t0; t0=$(date +%s%N)
  lab_wait "${3:-10}" _lab_client_path_is "$1" "$2" || return 1
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
_lab_client_path_is() {   # SOURCE_FUNCTION WANT
  local ip; ip="$(LAB_CURL_TIMEOUT=1 "$1")" || ip=""
  [[ "$(lab_path_name "$ip")" == "$2" ]]
}

# UDP probe stream helpers (sink in isp on 198.19.0.1:9000).
lab_udp_sink_start() {   # LOGFILE [PORT]
  lab_spawn isp udp-sink "$LAB_PYTHON" "$LAB_DIR/tools/udp_sink.py" \
    --bind 198.19.0.1 --port "${2:-9000}" --log "$1"
}
lab_udp_source_start() { # NODE [udp_source.py args...]  (default target sink)
  local node="$1"; shift
  lab_spawn "$node" "udp-source-$node" "$LAB_PYTHON" "$LAB_DIR/tools/udp_source.py" \
    --host 198.19.0.1 --port 9000 "$@"
}
# IPv6 variants (sink in isp on [2001:db8:19::1]:9000).
lab_udp_sink_start6() {   # LOGFILE [PORT]
  lab_spawn isp udp-sink6 "$LAB_PYTHON" "$LAB_DIR/tools/udp_sink.py" \
    --bind 2001:db8:19::1 --port "${2:-9000}" --log "$1"
}
lab_udp_source_start6() { # NODE [udp_source.py args...]  (default target IPv6 sink)
  local node="$1"; shift
  lab_spawn "$node" "udp-source6-$node" "$LAB_PYTHON" "$LAB_DIR/tools/udp_source.py" \
    --host 2001:db8:19::1 --port 9000 "$@"
}

# -------------------------------------------------------------------- CLI ---

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  case "${1:-}" in
    up) lab_up ;;
    down) lab_down ;;
    status) lab_status ;;
    *) echo "usage: $0 up|down|status   (env LAB_PREFIX=${LAB_PREFIX})" >&2; exit 2 ;;
  esac
fi
