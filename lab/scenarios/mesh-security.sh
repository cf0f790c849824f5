#!/usr/bin/env bash
# Issue 4, hostile mesh input against C's daemon: an offer for A sent from B's tunnel
# address, a replayed offer, a stale one, a 64 KiB datagram, random bytes, and a flood of
# 10,000 datagrams a second for 5 s. Each must be dropped and counted by reason, A's real
# offer must survive, memory must stay bounded and the daemon must still fail over. Then a
# request from a consumer A does not trust gets no grant.
SCENARIO=mesh-security
source "$(dirname "$0")/common.sh"
source "$LAB_DIR/providers.sh"
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
lab_offers_up
for _ in $(seq 1 60); do [[ $(lab_offers_heard) == *"A:available:trusted"* ]] && break; sleep 0.5; done
[[ $(lab_offers_heard) == *"A:available:trusted"* ]] || fail "C never heard A"
counter() { lab_wgctl uplink status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['mesh_counters'].get('$1', 0))"; }
send() { local node=$1; shift; lab_exec "$node" python3 "$LAB_DIR/tools/mesh_send.py" --dev wg_mesh --to 10.255.0.3 "$@" >/dev/null; }
wait_counter() { local name=$1 min=$2; for _ in $(seq 1 30); do [[ $(counter "$name") -ge $min ]] && return 0; sleep 0.2; done; return 1; }
akey=$(lab_exec a wg show wg_mesh public-key)
seq_now() { python3 -c 'import time; print(int(time.time()*1e6))'; }

# 1. an offer for A (with A's key) sent from B's tunnel address
send b offer --peer-id A --mesh-key "$akey" --seq "$(seq_now)" --unavailable
wait_counter mesh_rejected_source 1 || fail "forged source not counted"
# 2. replay: A's own address and key, but an old sequence number
send a offer --peer-id A --mesh-key "$akey" --seq 1 --unavailable
wait_counter mesh_rejected_replay 1 || fail "replay not counted"
# 3. stale: new sequence number, timestamp an hour ago
send a offer --peer-id A --mesh-key "$akey" --seq "$(seq_now)" --age 3600 --unavailable
wait_counter mesh_rejected_stale 1 || fail "stale offer not counted"
# 4. a 64 KiB datagram and 5. random bytes
send b big --size 65000
wait_counter mesh_rejected_oversize 1 || fail "64 KiB datagram not counted"
send b random --size 300 --count 20
wait_counter mesh_rejected_malformed 20 || fail "random bytes not counted"
[[ $(lab_offers_heard) == *"A:available:trusted"* ]] || fail "a rejected message changed A's offer: $(lab_offers_heard)"

# 6. flood: 10,000 datagrams/s for 5 s from B (half valid-looking offers with B's own key)
pid=$(lab_pid wgctl-daemon)
rss0=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
bkey=$(lab_exec b wg show wg_mesh public-key)
sent=$(lab_exec b python3 "$LAB_DIR/tools/mesh_send.py" --dev wg_mesh --to 10.255.0.3 flood --rate 10000 --seconds 5 --mesh-key "$bkey" --peer-id B)
sleep 1
rss1=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
kill -0 "$pid" || fail "the daemon died under the flood"
rate=$(counter mesh_rejected_rate); mal=$(counter mesh_rejected_malformed)
[[ $rate -gt 1000 ]] || fail "flood not rate limited (rate counter $rate)"
[[ $(( rss1 - rss0 )) -lt 4096 ]] || fail "memory grew by $(( rss1 - rss0 )) KiB under the flood"
[[ $(lab_offers_heard) == *"A:available:trusted"* ]] || fail "A's offer lost during the flood"
# still working: zero-touch add and a failover right after the flood
lab_wgctl uplink add A --json >/dev/null || fail "zero-touch add after the flood failed"
lab_wait 10 sh -c "grep -q 'configuration reloaded: 2 paths' '$(lab_state)/logs/wgctl-daemon.log'"
sleep 1
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover after the flood"

# 7. a consumer A does not trust gets no grant
root=$(lab_node_root a)
sed -i "s/^config wireguard-uplink 'uplink'/config wireguard-uplink 'uplink'\n\tlist trusted_peer 'nobody'/" "$root/etc/config/wireguard-uplink"
lab_node_wgctl a uplink notify reload
sleep 1
lab_wgctl uplink remove A >/dev/null
if lab_wgctl uplink add A --json >/dev/null 2>&1; then fail "an untrusted consumer got a grant"; fi
un=$(lab_node_wgctl a uplink status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['mesh_counters'].get('mesh_request_untrusted', 0))")
[[ $un -ge 1 ]] || fail "A did not count the untrusted request"
pass "forged source, replay, stale, 64 KiB, random bytes rejected by reason; flood ${sent}: ${rate} rate-limited, ${mal} malformed, RSS ${rss0}->${rss1} KiB (peak ${hwm}), still fails over; untrusted request refused (${un})"
