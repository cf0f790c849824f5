# Sourced by the mwan3 scenarios (after common.sh and scenario_up): turns C into an OpenWrt-like
# mwan3 router whose mwan3 is the strict stand-in (lab/tools/mwan3-standin, read its header).
#   mwan3_lab_setup     kill the Linux-backend daemon (its WireGuard devices and NAT stay and
#                       stand in for netifd's), mwan3's routing rules, network and mwan3 configs,
#                       backend mwan3, `mwan3` on a PATH of its own, the members file; sets
#                       root dev_a dev_b gw bin calls events inject hold, exports MWAN3_LAB_*,
#                       and an EXIT trap that kills the trackers before lab_down
#   mwan3 ARGS...       the stand-in inside C (same environment as the daemon's)
#   mwan3_daemon_start  wgctl uplink daemon in C with the stand-in on its PATH
#   now, secs A B, call_after T VERB IFACE, wait_call T VERB IFACE SECONDS, calls_count T VERB IFACE,
#   event_after T WHAT IFACE [WORD], iface_state IFACE, track_file IFACE FILE
# The members file: wan (initial online, tracks 198.19.0.2), A's and B's uplinks (initial
# offline, as the daemon generates them, tracking 198.19.0.3 / 198.19.0.4 through the tunnel);
# tracking every 1 s, up 2, down 3. Tables 1 (wan), 2 (A), 3 (B).

mwan3_lab_setup() {
  root=$(lab_consumer_root)
  dev_a=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["interface"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-a"][0])')
  dev_b=$(lab_wgctl uplink list --json | python3 -c 'import json,sys; print([u["interface"] for u in json.load(sys.stdin)["uplinks"] if u["peer_id"]=="provider-b"][0])')
  gw=$(lab_exec c ip -j route show default table main | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["gateway"])')
  # kill -9: a stopped Linux backend removes what it installed, and its devices and NAT stand in
  # for netifd's here; its two policy rules stand in for mwan3's own (they exist only while it
  # diverts, so they are added by hand). The first is mwan3's default mark (mmx_mask 0x3F00):
  # packets carrying it (mwan3track's probes, `mwan3 use`, the daemon's probes) skip the policies.
  kill -9 "$(lab_pid wgctl-daemon)"; lab_stop wgctl-daemon
  lab_exec c ip rule add priority 21999 fwmark 0x3f00/0x3f00 lookup main
  lab_exec c ip rule add priority 22000 lookup main suppress_prefixlength 0
  lab_exec c ip rule add priority 22001 not fwmark 0x57550000 lookup 22357

  cat >"$root/etc/config/network" <<CFG
config interface 'loopback'
	option device 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'
	option netmask '255.0.0.0'

config interface 'wan'
	option device 'wan'
	option proto 'dhcp'
	option metric '10'
CFG
  cat >"$root/etc/config/mwan3" <<CFG
config globals 'globals'
	option mmx_mask '0x3F00'

config interface 'wan'
	option enabled '1'
	list track_ip '198.19.0.2'
	option family 'ipv4'
	option reliability '1'

config member 'wan_m1_w3'
	option interface 'wan'
	option metric '1'
	option weight '3'

config policy 'wan_only'
	list use_member 'wan_m1_w3'

config rule 'default_rule_v4'
	option dest_ip '0.0.0.0/0'
	option use_policy 'wan_only'
	option family 'ipv4'
CFG
  sed -i "s/option backend 'linux'/option backend 'mwan3'/" "$root/etc/config/wireguard-uplink"

  bin="$(lab_state)/bin"
  mkdir -p "$bin"
  ln -sf "$LAB_DIR/tools/mwan3-standin" "$bin/mwan3"
  calls="$(lab_state)/logs/mwan3-calls.log"
  events="$(lab_state)/logs/mwan3-events.log"
  inject="$(lab_state)/mwan3-inject"
  : >"$calls"; : >"$events"; : >"$inject"
  printf 'wan wan %s track=198.19.0.2\n%s %s track=198.19.0.3 initial_state=offline\n%s %s track=198.19.0.4 initial_state=offline\n' \
    "$gw" "$dev_a" "$dev_a" "$dev_b" "$dev_b" >"$(lab_state)/mwan3-members"
  export MWAN3_LAB_LOG=$calls MWAN3_LAB_STATE=$root/var/run/mwan3 MWAN3_LAB_MEMBERS=$(lab_state)/mwan3-members \
    MWAN3_LAB_TABLE=22357 MWAN3_LAB_EVENTS=$events MWAN3_LAB_INJECT=$inject
  hold=$(python3 -c "print(max(10, round(${LAB_FAILOVER_TIMEOUT:-3} / min(1.0, max(0.1, ${LAB_FAILOVER_TIMEOUT:-3} / 20)))) * min(1.0, max(0.1, ${LAB_FAILOVER_TIMEOUT:-3} / 20)))")
  trap 'mwan3_lab_cleanup; lab_down' EXIT
}

# the trackers die with the lab (lab_down kills everything in the namespaces too)
mwan3_lab_cleanup() {
  local f
  for f in "${MWAN3_LAB_STATE:-/nonexistent}"/../mwan3-lab/track-*.pid; do
    [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null
  done
  return 0
}

mwan3() { lab_exec c env PATH="$bin:$PATH" mwan3 "$@"; }

# MWAN3_LAB_DELAY, when set, reaches the daemon's mwan3 (a slower mwan3)
mwan3_daemon_start() {
  lab_spawn c wgctl-daemon env PATH="$bin:$PATH" MWAN3_LAB_LOG="$MWAN3_LAB_LOG" MWAN3_LAB_STATE="$MWAN3_LAB_STATE" \
    MWAN3_LAB_MEMBERS="$MWAN3_LAB_MEMBERS" MWAN3_LAB_TABLE="$MWAN3_LAB_TABLE" MWAN3_LAB_EVENTS="$MWAN3_LAB_EVENTS" \
    MWAN3_LAB_INJECT="$MWAN3_LAB_INJECT" ${MWAN3_LAB_DELAY:+MWAN3_LAB_DELAY=$MWAN3_LAB_DELAY} \
    "$WGCTL_BIN" --root "$root" uplink daemon
  lab_wait 10 test -S "$root/var/run/wireguard-uplink.sock" || fail "daemon did not start"
}

now() { date +%s.%N; }
secs() { python3 -c "print(round($2 - $1, 2))"; }
# call_after T VERB IFACE: time of the first recorded call after T (empty if none)
call_after() { awk -v t="$1" -v v="$2" -v i="$3" '$1 > t && $2 == v && $3 == i { print $1; exit }' "$calls"; }
calls_count() { awk -v t="$1" -v v="$2" -v i="$3" '$1 > t && $2 == v && $3 == i { n++ } END { print n + 0 }' "$calls"; }
wait_call() { lab_wait "$4" sh -c "awk -v t=$1 -v v=$2 -v i=$3 '\$1 > t && \$2 == v && \$3 == i { f=1 } END { exit !f }' '$calls'"; }
# event_after T WHAT IFACE [WORD]: time of mwan3's first such event after T (WORD: the 4th field)
event_after() { awk -v t="$1" -v w="$2" -v i="$3" -v x="${4:-}" '$1 > t && $2 == w && $3 == i && (x == "" || $4 == x) { print $1; exit }' "$events"; }
iface_state() { cat "$MWAN3_LAB_STATE/iface_state/$1" 2>/dev/null || echo none; }
track_file() { cat "$root/var/run/mwan3track/$1/$2" 2>/dev/null || echo none; }
