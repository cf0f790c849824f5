#!/usr/bin/env bash
# DNS while failed over (Linux backend, dnsmasq as the router's resolver, as on OpenWrt).
# C's dnsmasq serves its LAN from the ISP's resolver (198.19.0.54, which like many ISPs'
# answers only its own customers: C's WAN); the uplinks bring the provider's DNS
# (198.19.0.53, as a grant does). The two answer differently, so the client sees who answered.
# Expect: on the WAN names come from the ISP's resolver; within a second of the switch to A
# they come from the uplink's DNS (the ISP's refuses the provider's address); within a second
# of the failback from the ISP's again; dnsmasq's own files are never rewritten.
SCENARIO=dns-failover
source "$(dirname "$0")/common.sh"
command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/deps installs dnsmasq-base)"
export LAB_UPLINK_DNS=198.19.0.53
trap lab_down EXIT
lab_up >/dev/null 2>&1 || lab_up
st=$(lab_state)
root=$(lab_consumer_root)
# the ISP's resolver: answers 198.19.0.2, and only to C's WAN
ip -n "$(lab_ns isp)" addr add 198.19.0.54/32 dev hosts
lab_spawn isp isp-dns-c python3 "$LAB_DIR/tools/dns_server.py" --bind 198.19.0.54 --port 53 --answer 198.19.0.2
lab_exec isp nft -f - <<'NFT'
table inet isp_resolver_acl {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 198.19.0.54 udp dport 53 ip saddr != 198.18.3.0/24 counter drop
  }
}
NFT
# C's dnsmasq: resolv-file = the ISP's resolver; servers-file = the one the daemon owns
mkdir -p "$root/var/run/dnsmasq"
echo "nameserver 198.19.0.54" > "$st/c-resolv.isp"
lab_spawn c dnsmasq dnsmasq --keep-in-foreground --no-hosts --user=root --listen-address=192.168.50.1 --bind-interfaces \
  --resolv-file="$st/c-resolv.isp" --servers-file="$root/var/run/dnsmasq/wireguard-uplink.servers" \
  --pid-file="$root/var/run/dnsmasq/dnsmasq.pid" --cache-size=0 --log-facility=- --log-queries
lab_wait 5 test -s "$root/var/run/dnsmasq/dnsmasq.pid" || fail "dnsmasq did not start"
echo "nameserver 192.168.50.1" > "/etc/netns/$(lab_ns client)/resolv.conf"
lab_consumer_setup
lab_consumer_add a 60
lab_consumer_add b 50
lab_consumer_daemon_start
lab_wait 10 sh -c "grep -q 'wan:wan: unknown → up' '$st/logs/wgctl-daemon.log'" || fail "WAN never came up in the daemon"

# resolve NAME from the client through C's dnsmasq: "ADDRESS MS" or "fail ERROR MS"
resolve() {
  lab_exec client python3 -c '
import socket, sys, time
t = time.monotonic()
try:
    a = socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    print(a, int((time.monotonic() - t) * 1000))
except OSError as e:
    print("fail", type(e).__name__, int((time.monotonic() - t) * 1000))' "$1"
}

read -r who ms <<<"$(resolve before.lab.test)"
[[ $who == 198.19.0.2 ]] || fail "on the WAN the client's lookup answered '$who $ms', not the ISP's resolver (198.19.0.2)"
lab_wan_silent_fail c
lab_wait_client_path A 10 >/dev/null || fail "no failover to A"
read -r who ms <<<"$(resolve during.lab.test)"
[[ $who == 198.19.0.1 ]] || fail "failed over, the client's lookup gave '$who $ms', not the uplink's DNS (198.19.0.1)"
(( ms < 1000 )) || fail "failed over, the client's lookup took ${ms} ms"
grep -q '^server=/#/198.19.0.53$' "$root/var/run/dnsmasq/wireguard-uplink.servers" || fail "the servers file does not name the uplink's DNS"
grep -q 'dns: dnsmasq asks 198.19.0.53' "$st/logs/wgctl-daemon.log" || fail "the daemon did not log the DNS switch"
# the control: through the uplink the ISP's resolver does not answer, so without the switch
# the lookup above would have failed
if lab_exec c python3 "$LAB_DIR/tools/dns_server.py" --query control.lab.test --server 198.19.0.54 --timeout 1 >/dev/null 2>&1; then
  fail "the ISP's resolver answers through the uplink: the scenario proves nothing"
fi
during_ms=$ms
lab_wan_silent_restore c
lab_wait_client_path C-WAN 20 >/dev/null || fail "no failback"
read -r who ms <<<"$(resolve after.lab.test)"
[[ $who == 198.19.0.2 ]] || fail "after failback the client's lookup gave '$who $ms', not the ISP's resolver"
(( ms < 1000 )) || fail "after failback the client's lookup took ${ms} ms"
[[ -z $(grep '^server=' "$root/var/run/dnsmasq/wireguard-uplink.servers") ]] || fail "the servers file still names servers after failback"
[[ $(cat "$st/c-resolv.isp") == "nameserver 198.19.0.54" ]] || fail "dnsmasq's resolv-file was rewritten"
pass "names from the ISP's resolver on the WAN, from the uplink's DNS ${during_ms} ms after the switch, from the ISP's again ${ms} ms after the failback"
