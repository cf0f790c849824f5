#!/usr/bin/env bash
# Shared set-up for the end-to-end scenarios: a fresh lab, C configured with uplinks to A
# (priority 60) and B (priority 50), the daemon running, the client on C's WAN, and a UDP
# stream from the client to the isp sink (one datagram every 10 ms).
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$LAB_DIR/topology.sh"
source "$LAB_DIR/consumer.sh"

pass() { echo "PASS $SCENARIO: $*"; }
fail() { echo "FAIL $SCENARIO: $*"; echo "--- daemon log"; lab_consumer_daemon_log | tail -40; exit 1; }
note() { echo "  $SCENARIO: $*"; }

# scenario_up [uplinks...]: default both A and B
scenario_up() {
  trap lab_down EXIT
  lab_up >/dev/null 2>&1 || lab_up
  lab_consumer_setup
  lab_consumer_add a 60
  lab_consumer_add b 50
  lab_consumer_daemon_start
  lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$(lab_state)/logs/wgctl-daemon.log'" || fail "WAN never came up in the daemon"
  [[ $(lab_path_name "$(lab_client_source_ip)") == C-WAN ]] || fail "client does not start on C's WAN"
}

# stream_start [6]: a UDP stream from the client and its log at the isp, over IPv4 (SINK_LOG)
# or with 6 over IPv6 (client fd00:50::10 → isp 2001:db8:19::1, SINK6_LOG)
stream_start() {
  local v=${1:-} log
  log="$(lab_state)/logs/sink$v.log"
  if [[ $v == 6 ]]; then SINK6_LOG=$log; else SINK_LOG=$log; fi
  "lab_udp_sink_start$v" "$log" >/dev/null
  "lab_udp_source_start$v" client --interval-ms 10 >/dev/null
  lab_wait 5 test -s "$log" || fail "no IPv${v:-4} UDP reaches the sink"
}

stream_stop() {   # [6]
  lab_stop "udp-source${1:-}-client" || true
  sleep 0.2
}

# gap_json [--after-ns T]: longest gap and the sources before/after it (gap_report.py)
gap_json() { python3 "$LAB_DIR/tools/gap_report.py" "$SINK_LOG" --json "$@"; }
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }

# last source IP seen by the sink
last_source() { tail -n 1 "$SINK_LOG" | awk '{print $2}'; }

daemon_switches() { grep -c 'default route:' "$(lab_state)/logs/wgctl-daemon.log" || true; }

# the IPv6 stream's gap_json and last_source
gap6_json() { python3 "$LAB_DIR/tools/gap_report.py" "$SINK6_LOG" --json "$@"; }
last_source6() { tail -n 1 "$SINK6_LOG" | awk '{print $2}'; }
now_ns() { python3 -c 'import time; print(time.monotonic_ns())'; }

# dual-stack settings for lab_write_config: IPv6 managed, IPv6 track targets in the isp
LAB_IPV6_SETTINGS="	option ipv6 '1'
	list track_ip '2001:db8:19::2'
	list track_ip '2001:db8:19::3'
	list track_ip '2001:db8:19::4'"
