#!/usr/bin/env bash
# Screenshots of the Uplinks page in headless Chromium, against the real wgctl.
#
#   luci-app-wireguard-uplink/tests/harness/screenshot.sh [scenario ...]
#
# Starts tests/harness/server.py on 127.0.0.1:$PORT (default 18080), loads
#   http://127.0.0.1:$PORT/cgi-bin/luci/admin/network/uplinks?scenario=NAME
# for each scenario and writes tests/screenshots/NAME.png (1280x900;
# NAME@HEIGHT writes NAME-full.png from a 1280xHEIGHT window).
# WGCTL (default: <repo>/.build-luci/debug/wgctl, built with
# `swift build --scratch-path .build-luci`) is the backend binary.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
APP=$(cd "$HERE/../.." && pwd)
REPO=$(cd "$APP/.." && pwd)
WGCTL=${WGCTL:-$REPO/.build-luci/debug/wgctl}
PORT=${PORT:-18080}
OUT=${OUT:-$APP/tests/screenshots}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(failover failover@1800 error-config error-missing test test-real readonly add add-error remove offer healthy)

if [ ! -x "$WGCTL" ]; then
	echo "no wgctl at $WGCTL; build it: (cd $REPO && swift build --scratch-path $REPO/.build-luci)" >&2
	exit 1
fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "chromium is missing: apt-get install -y --no-install-recommends chromium" >&2
	exit 1
fi

mkdir -p "$OUT"
LOG=$(mktemp)
PROFILE=$(mktemp -d)
python3 "$HERE/server.py" --port "$PORT" --wgctl "$WGCTL" --quiet >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$PROFILE" "$LOG"; }
trap cleanup EXIT

for _ in $(seq 50); do
	curl -fsS -o /dev/null "http://127.0.0.1:$PORT/harness/index.html" 2>/dev/null && break
	kill -0 "$SERVER" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
	sleep 0.1
done

# NAME or NAME@HEIGHT (a taller window shows the whole page: NAME-full.png)
for arg in "${SCENARIOS[@]}"; do
	sc=${arg%@*}; height=900; file=$sc
	if [ "$arg" != "$sc" ]; then height=${arg#*@}; file=$sc-full; fi
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--user-data-dir="$PROFILE" --window-size=1280,"$height" --virtual-time-budget=5000 \
		--screenshot="$OUT/$file.png" \
		"http://127.0.0.1:$PORT/cgi-bin/luci/admin/network/uplinks?scenario=$sc" >/dev/null 2>&1
	echo "$OUT/$file.png"
done
