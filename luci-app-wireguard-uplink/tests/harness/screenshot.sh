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
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(failover failover@1800 error-config error-missing test readonly add add-offer add-error priority remove offer healthy auto-add@1500)

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

# Each page is first loaded with --dump-dom and checked: no uncaught JS error
# (driver.js records them), no "null"/"undefined"/"NaN" shown as text.
check() {
	local sc=$1 dom body bad
	dom=$("$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$PROFILE" \
		--virtual-time-budget=8000 --dump-dom \
		"http://127.0.0.1:$PORT/cgi-bin/luci/admin/network/uplinks?scenario=$sc" 2>/dev/null)
	body=$(printf '%s' "$dom" | sed -n '/<body/,$p')
	if ! printf '%s' "$body" | grep -q 'data-harness="{&quot;calls&quot;:[1-9][0-9]*,&quot;polls&quot;:[0-9]*,&quot;errors&quot;:\[\]}"'; then
		echo "FAIL $sc: page did not load cleanly: $(printf '%s' "$body" | grep -o 'data-harness="[^"]*"' | head -1)" >&2
		return 1
	fi
	bad=$(printf '%s' "$body" | sed 's/<script[^>]*>[^<]*<\/script>//g; s/<[^>]*>/\n/g' | grep -E '\b(null|undefined|NaN)\b|\[object ' || true)
	if [ -n "$bad" ]; then
		echo "FAIL $sc: shows raw values: $bad" >&2
		return 1
	fi
	echo "ok $sc (no JS errors, no raw null/undefined)"
}

failed=0
# NAME or NAME@HEIGHT (a taller window shows the whole page: NAME-full.png)
for arg in "${SCENARIOS[@]}"; do
	sc=${arg%@*}
	[ "$arg" = "$sc" ] || continue
	check "$sc" || failed=1
done

for arg in "${SCENARIOS[@]}"; do
	sc=${arg%@*}; height=900; file=$sc
	if [ "$arg" != "$sc" ]; then height=${arg#*@}; file=$sc-full; fi
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--user-data-dir="$PROFILE" --window-size=1280,"$height" --virtual-time-budget=5000 \
		--screenshot="$OUT/$file.png" \
		"http://127.0.0.1:$PORT/cgi-bin/luci/admin/network/uplinks?scenario=$sc" >/dev/null 2>&1
	echo "$OUT/$file.png"
done
exit $failed
