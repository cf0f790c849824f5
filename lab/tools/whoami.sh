#!/usr/bin/env bash
# lab/tools/whoami.sh — print the client's egress as the isp sees it:
# "<source-ip> <path>" where path is A, B, C-WAN, unknown or none (failed).
# Exit status 1 if the request failed. Honours LAB_PREFIX / LAB_STATE.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../topology.sh"
ip="$(lab_client_source_ip)" || ip=""
echo "${ip:-none} $(lab_path_name "$ip")"
[[ -n "$ip" ]]
