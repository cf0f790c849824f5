#!/usr/bin/env python3
"""Browser harness for luci-app-wireguard-uplink.

Serves the app's view (htdocs/) inside a small page shell with a fake of the
parts of LuCI's client API the view uses (fake-luci.js), and answers LuCI's
ubus JSON-RPC endpoint by running the REAL backend:

    wgctl --root <scenario fixture root> rpcd call <method>   (args JSON on stdin)

The JSON-RPC side imitates uhttpd-mod-ubus + rpcd for one exec plugin:
  * object other than luci.wireguard-dashboard, or scenario "missing"
        -> JSON-RPC error -32000 "Object not found"   (uhttpd: ubus_lookup_id failed)
  * method not granted by the app's ACL file for this scenario's user
        -> JSON-RPC error -32002 "Access denied"      (uhttpd: session access denied)
  * method not in `wgctl rpcd list`
        -> result [3]  (UBUS_STATUS_METHOD_NOT_FOUND: rpcd only registers listed methods)
  * plugin output not a JSON object -> result [2]; plugin ran too long -> result [7]
  * otherwise -> result [0, <the plugin's JSON object>]
Like uhttpd, "ubus_rpc_session" is added to the arguments.

CANNED uplink_test: in scenarios with canned_test=True, a call to uplink_test
first runs the real `wgctl rpcd call uplink_test`; ONLY if that answers
{"code":"unknown_method"} (wgctl does not implement it yet) does the proxy
answer with CANNED_UPLINK_TEST below, in the exact shape the backend promised.
Once wgctl implements uplink_test, the real answer is used.

Network isolation: `wgctl --root` only redirects files. uplink_test really
probes (ip route get, ping to the endpoint, then targets through the tunnel),
and on this machine the endpoint would be routed out of the default route. So
every wgctl the harness runs is started in an empty network namespace
(`unshare --net`, loopback only, down): the real code runs, finds no route and
says so, and no packet leaves. Without unshare the harness refuses to run
uplink_test (code "harness_refused") instead of probing a real network.

Listens on 127.0.0.1 only. Scenario fixture roots are rebuilt each time a
scenario's page is loaded, so runs are repeatable.
"""
import argparse
import base64
import copy
import hashlib
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.abspath(os.path.join(HERE, '..', '..'))
REPO = os.path.abspath(os.path.join(APP, '..'))
RESOURCES = os.path.join(APP, 'htdocs', 'luci-static', 'resources')
ACL_FILE = os.path.join(APP, 'root', 'usr', 'share', 'rpcd', 'acl.d', 'luci-app-wireguard-uplink.json')
OBJECT = 'luci.wireguard-dashboard'
PLUGIN_TIMEOUT_S = 30  # rpcd's default exec timeout
SENDS_TRAFFIC = {'uplink_test'}  # never run outside an empty network namespace

# ---- CANNED: stands in for uplink_test until wgctl implements it (see module doc) ----
CANNED_UPLINK_TEST = {
    "success": True, "peer_id": "nodeA", "interface": "wu_nodea_eynh", "passed": False,
    "failed_layer": "tunnel", "duration_ms": 3120,
    "layers": [
        {"layer": "underlay", "status": "pass", "measured": "0.4 ms",
         "detail": "endpoint 169.254.42.2 via phy1-mesh0", "hint": None, "command": None},
        {"layer": "tunnel", "status": "fail", "measured": "no handshake",
         "detail": "no WireGuard handshake with 169.254.42.2:51900 within 3 s",
         "hint": "the provider has not authorised this uplink's key, or its firewall drops UDP 51900",
         "command": "wg show wu_nodea_eynh"},
        {"layer": "provider", "status": "skip", "measured": None,
         "detail": "needs a working tunnel", "hint": None, "command": None},
        {"layer": "internet", "status": "skip", "measured": None,
         "detail": "needs a working tunnel", "hint": None, "command": None},
        {"layer": "dns", "status": "skip", "measured": None,
         "detail": "needs a working tunnel", "hint": None, "command": None},
    ],
}


def fake_key(seed):
    return base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


UPLINKS = [
    # peer, endpoint, provider key, tunnel address, priority
    ('nodeA', '169.254.42.2:51900', 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=', '10.200.1.2/32', 60),
    ('nodeB', '10.254.7.3:51900', 'u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=', '10.200.2.2/32', 50),
]

# name: settings. root: how the fixture root is made ('two' uplinks, 'broken' config, None)
SCENARIOS = {
    'failover':      {'root': 'two', 'health': 'failover'},
    'healthy':       {'root': 'two', 'health': 'healthy'},
    'test':          {'root': 'two', 'health': 'failover', 'canned_test': True,
                      'drive': {'click': 'button[data-action="test"][data-peer="nodeA"]'}},
    'test-real':     {'root': 'two', 'health': 'failover',
                      'drive': {'click': 'button[data-action="test"][data-peer="nodeA"]'}},
    'error-config':  {'root': 'broken', 'health': 'failover'},
    'error-missing': {'root': None, 'missing': True},
    'readonly':      {'root': 'two', 'health': 'failover', 'readonly': True},
    'add':           {'root': 'two', 'health': 'failover',
                      'drive': {'clickText': 'Add uplink manually…',
                                'fill': {'peer_id': 'nodeE', 'endpoint': '169.254.42.2:51901',
                                         'public_key': fake_key('nodeE'), 'address': '10.200.5.2/32',
                                         'priority': '40'},
                                'submit': 'Add uplink'}},
    'add-error':     {'root': 'two', 'health': 'failover',
                      'drive': {'clickText': 'Add uplink manually…',
                                'fill': {'peer_id': 'nodeA', 'endpoint': '169.254.42.2:51900',
                                         'public_key': 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=',
                                         'address': '10.200.1.2/32', 'priority': '50'},
                                'submit': 'Add uplink'}},
    'add-offer':     {'root': 'two', 'health': 'failover',
                      'drive': {'click': 'button[data-action="add-offer"][data-peer="nodeC"]',
                                'fill': {'address': '10.200.3.2/32', 'priority': '55'},
                                'submit': 'Add uplink'}},
    'priority':      {'root': 'two', 'health': 'failover',
                      'drive': {'click': 'button[data-action="priority"][data-peer="nodeA"]',
                                'fill': {'priority': '90'}, 'submit': 'Save'}},
    'remove':        {'root': 'two', 'health': 'failover',
                      'drive': {'click': 'button[data-action="remove"][data-peer="nodeA"]', 'submit': 'Remove'}},
    'offer':         {'root': 'two', 'health': 'healthy',
                      'drive': {'clickText': "Offer this router's WAN…", 'submit': 'Offer'}},
    'empty':         {'root': 'empty'},
    # option auto_add: nodeB was added by the daemon, nodeC was removed by hand (auto_add_skip)
    'auto-add':      {'root': 'two', 'health': 'failover', 'auto': True},
}


class Backend:
    def __init__(self, wgctl, workdir, fixtures, uci_defaults):
        self.wgctl = wgctl
        self.workdir = workdir
        self.fixtures = fixtures
        self.uci_defaults = uci_defaults
        self.lock = threading.Lock()
        self.roots = {}
        with open(ACL_FILE) as f:
            acl = json.load(f)['luci-app-wireguard-uplink']
        self.read_methods = set(acl['read']['ubus'][OBJECT])
        self.write_methods = set(acl['write']['ubus'][OBJECT])
        try:
            ok = subprocess.run(['unshare', '--net', '--', 'true'], capture_output=True, timeout=10).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        self.isolate = ['unshare', '--net', '--'] if ok else None
        if not ok:
            sys.stderr.write('harness: unshare --net unavailable: uplink_test will be refused, not run\n')
        out = subprocess.run((self.isolate or []) + [wgctl, 'rpcd', 'list'], capture_output=True, text=True, timeout=30)
        self.listed = set(json.loads(out.stdout).keys())

    def wg(self, root, *args, stdin=None):
        return subprocess.run((self.isolate or []) + [self.wgctl, '--root', root, *args], input=stdin,
                              capture_output=True, text=True, timeout=PLUGIN_TIMEOUT_S)

    def prepare(self, name):
        """(Re)build the fixture root of a scenario; returns its path or None."""
        sc = SCENARIOS[name]
        if not sc.get('root'):
            return None
        with self.lock:
            root = os.path.join(self.workdir, name)
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(os.path.join(self.fixtures, 'etc'), os.path.join(root, 'etc'))
            shutil.copy(self.uci_defaults, os.path.join(root, 'etc', 'config', 'wireguard-uplink'))
            if sc['root'] in ('two', 'broken'):
                for peer, ep, key, addr, prio in UPLINKS:
                    r = self.wg(root, 'uplink', 'add', peer, '--endpoint', ep, '--public-key', key,
                                '--address', addr, '--priority', str(prio))
                    if r.returncode != 0:
                        raise RuntimeError('wgctl uplink add %s failed: %s' % (peer, r.stderr or r.stdout))
            if sc.get('auto'):
                self.make_automatic(root)
            if sc.get('health'):
                self.write_state(root, sc['health'], auto=bool(sc.get('auto')))
            if sc['root'] == 'broken':
                # An unterminated quote: every call fails with code parse_error, as uci would.
                with open(os.path.join(root, 'etc', 'config', 'wireguard-uplink'), 'a') as f:
                    f.write("\nconfig uplink 'half'\n\toption peer 'nodeX\n")
            self.roots[name] = root
            return root

    def make_automatic(self, root):
        """auto_add on, nodeC on auto_add_skip, nodeB's section marked as the daemon's (option automatic)."""
        conf = os.path.join(root, 'etc', 'config', 'wireguard-uplink')
        with open(conf) as f:
            text = f.read()
        text = text.replace("\toption min_uplinks '2'\n",
                            "\toption min_uplinks '2'\n\toption auto_add '1'\n\tlist auto_add_skip 'nodeC'\n", 1)
        head = "config uplink '%s'\n" % self.interfaces(root)['nodeB']
        text = text.replace(head, head + "\toption automatic '1'\n", 1)
        with open(conf, 'w') as f:
            f.write(text)

    def interfaces(self, root):
        r = self.wg(root, 'rpcd', 'call', 'uplink_list', stdin='{}')
        return {u['peer_id']: u['interface'] for u in json.loads(r.stdout).get('uplinks', [])}

    def write_state(self, root, health, auto=False):
        """The runtime state file the daemon would write (schema wireguard-uplink/runtime v1)."""
        t = time.time()
        ifs = self.interfaces(root)

        def path(kind, name, device, state, lat, loss, since, hs=None, detail=None, fails=0):
            return {"kind": kind, "name": name, "device": device, "state": state, "latency_ms": lat,
                    "loss_pct": loss, "last_check": t - 2, "since": since,
                    "consecutive_failures": fails, "consecutive_successes": 0 if fails else 12,
                    "handshake_age_s": hs, "rx_bytes": None, "tx_bytes": None, "detail": detail}

        if health == 'failover':
            paths = {
                "wan:wan": path("wan", "wan", "wan", "down", None, 100, t - 340,
                                detail="no reply from 4 of 4 targets", fails=34),
                "uplink:nodeA": path("uplink", "nodeA", ifs.get('nodeA'), "down", None, 100, t - 1260,
                                     detail="no handshake for 21 min", fails=126),
                "uplink:nodeB": path("uplink", "nodeB", ifs.get('nodeB'), "up", 18.4, 0, t - 335, hs=12),
            }
            active, failover = "uplink:nodeB", True
        else:
            paths = {
                "wan:wan": path("wan", "wan", "wan", "up", 8.2, 0, t - 86400 * 3 - 7200),
                "uplink:nodeA": path("uplink", "nodeA", ifs.get('nodeA'), "up", 2.1, 0, t - 3600 * 5, hs=20),
                "uplink:nodeB": path("uplink", "nodeB", ifs.get('nodeB'), "degraded", 95.0, 12.5, t - 610,
                                     hs=40, detail="12.5 % loss over the last 8 probes"),
            }
            active, failover = "wan:wan", False

        def offer(peer, host, port, bw, lat, wan_type, available, metered, trusted, age):
            return {"peer_id": peer, "seq": 17, "timestamp": t - age, "ttl": 60,
                    "capabilities": {"bandwidth_mbps": bw, "latency_ms": lat, "wan_type": wan_type,
                                     "available": available, "metered": metered},
                    "endpoint": {"host": host, "port": port, "public_key": fake_key(peer)},
                    "received": t - age, "expires": t - age + 60, "via": "wg_mesh",
                    "source": host, "trusted": trusted}

        offers = {
            "nodeB": offer("nodeB", "10.254.7.3", 51900, 100, 18.0, "cable", True, False, True, 8),
            "nodeC": offer("nodeC", "10.254.7.4", 51900, 1000, 4.1, "fiber", True, False, True, 12),
            "nodeD": offer("nodeD", "10.254.7.9", 51900, 50, 41.5, "lte", False, True, False, 31),
        }
        state = {"schema": "wireguard-uplink/runtime", "version": 1, "updated": t - 1,
                 "active_path": active, "failover_active": failover, "paths": paths, "offers": offers,
                 "counters": {}, "last_reorder": None,
                 "daemon_pid": os.getpid()}  # a live process, so status says the daemon runs
        if auto:
            def action(age, kind, peer, reason, ok, error=None):
                return {"time": t - age, "action": kind, "peer_id": peer, "reason": reason, "ok": ok, "error": error}
            state["auto_add"] = {
                "actions": [
                    action(5400, "add", "nodeE", "0 of min_uplinks 2 healthy; best of 1 offer: nodeE (unmetered, 35 ms)", False,
                           "nodeE did not answer the request within 5 s (its daemon refuses untrusted consumers, or is not running)"),
                    action(4200, "remove", "nodeF", "its offer has been missing for 60 min (automatic uplinks go after 60 min)", True),
                    action(900, "add", "nodeB", "1 of min_uplinks 2 healthy; best of 1 offer: nodeB (unmetered, 18 ms, 100 Mbit/s)", True),
                ],
                "last_add": t - 900, "failures": {}, "offer_missing_since": {}, "in_flight": None}
        os.makedirs(os.path.join(root, 'var', 'run'), exist_ok=True)
        with open(os.path.join(root, 'var', 'run', 'wireguard-uplinks.json'), 'w') as f:
            json.dump(state, f, indent=1)

    def call(self, scenario, obj, method, args):
        """One ubus call -> ('result', [status, data?]) or ('error', code, message)."""
        sc = SCENARIOS.get(scenario, {})
        if obj != OBJECT or sc.get('missing'):
            return ('error', -32000, 'Object not found')
        allowed = set(self.read_methods)
        if not sc.get('readonly'):
            allowed |= self.write_methods
        if method not in allowed:
            return ('error', -32002, 'Access denied')
        root = self.roots.get(scenario) or self.prepare(scenario)
        args = dict(args or {})
        args['ubus_rpc_session'] = '0' * 32
        if method not in self.listed:
            if sc.get('canned_test') and method == 'uplink_test':
                reply = self.run_plugin(root, method, args)
                if isinstance(reply, dict) and reply.get('code') == 'unknown_method':
                    canned = copy.deepcopy(CANNED_UPLINK_TEST)
                    canned['peer_id'] = args.get('peer_id', canned['peer_id'])
                    canned['interface'] = self.interfaces(root).get(canned['peer_id'], canned['interface'])
                    for layer in canned['layers']:
                        if layer['command']:
                            layer['command'] = 'wg show ' + canned['interface']
                    time.sleep(0.3)
                    return ('result', [0, canned])
                return ('result', [0, reply] if isinstance(reply, dict) else [reply])
            return ('result', [3])
        reply = self.run_plugin(root, method, args)
        return ('result', [0, reply] if isinstance(reply, dict) else [reply])

    def run_plugin(self, root, method, args):
        """rpcd's exec plugin contract: a JSON object on stdout, else a ubus status."""
        if method in SENDS_TRAFFIC and not self.isolate:
            return {'success': False, 'code': 'harness_refused',
                    'error': 'the test harness runs %s only in an empty network namespace, and unshare --net '
                             'is not available here' % method}
        try:
            r = self.wg(root or '/nonexistent', 'rpcd', 'call', method, stdin=json.dumps(args))
        except subprocess.TimeoutExpired:
            return 7
        try:
            v = json.loads(r.stdout)
        except ValueError:
            return 2
        if v is None:
            return 5
        return v if isinstance(v, dict) else 2


class Handler(http.server.BaseHTTPRequestHandler):
    backend = None
    quiet = False

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write('harness: ' + (fmt % args) + '\n')

    def send(self, code, body, ctype):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.send_header('Cache-Control', 'no-store')
        self.end_headers()
        self.wfile.write(data)

    def scenario(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        return q.get('scenario', ['failover'])[0]

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path in ('/', '/index.html'):
            self.send_response(302)
            self.send_header('Location', '/cgi-bin/luci/admin/network/uplinks?scenario=failover')
            self.end_headers()
            return
        if url.path == '/cgi-bin/luci/admin/network/uplinks':
            name = self.scenario()
            if name not in SCENARIOS:
                return self.send(404, 'unknown scenario %r; known: %s\n' % (name, ', '.join(SCENARIOS)),
                                 'text/plain')
            self.backend.prepare(name)
            sc = SCENARIOS[name]
            env = {'scenario': name, 'readonly': bool(sc.get('readonly')), 'drive': sc.get('drive'),
                   'canned_test': bool(sc.get('canned_test')) and 'uplink_test' not in self.backend.listed,
                   'isolated': bool(self.backend.isolate)}
            with open(os.path.join(HERE, 'index.html')) as f:
                page = f.read().replace('/*HARNESS_ENV*/null', json.dumps(env))
            return self.send(200, page, 'text/html; charset=utf-8')
        if url.path.startswith('/harness/'):
            return self.static(os.path.join(HERE, url.path[len('/harness/'):]))
        if url.path.startswith('/luci-static/resources/'):
            return self.static(os.path.join(RESOURCES, url.path[len('/luci-static/resources/'):]))
        self.send(404, 'not found\n', 'text/plain')

    def static(self, path):
        path = os.path.realpath(path)
        if not (path.startswith(APP + os.sep)) or not os.path.isfile(path):
            return self.send(404, 'not found\n', 'text/plain')
        ctype = {'.js': 'application/javascript', '.css': 'text/css', '.html': 'text/html'}.get(
            os.path.splitext(path)[1], 'application/octet-stream')
        with open(path, 'rb') as f:
            self.send(200, f.read(), ctype)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        if not url.path.startswith('/ubus'):
            return self.send(404, 'not found\n', 'text/plain')
        n = int(self.headers.get('Content-Length') or 0)
        try:
            req = json.loads(self.rfile.read(n) or b'null')
        except ValueError:
            return self.send(200, json.dumps({'jsonrpc': '2.0', 'id': None,
                                              'error': {'code': -32700, 'message': 'Parse error'}}),
                             'application/json')
        scenario = self.scenario()
        if isinstance(req, list):
            out = [self.one(scenario, r) for r in req]
        else:
            out = self.one(scenario, req)
        self.send(200, json.dumps(out), 'application/json')

    def one(self, scenario, req):
        rid = req.get('id') if isinstance(req, dict) else None
        if not isinstance(req, dict) or req.get('jsonrpc') != '2.0':
            return {'jsonrpc': '2.0', 'id': rid, 'error': {'code': -32600, 'message': 'Invalid request'}}
        if req.get('method') == 'list':
            return {'jsonrpc': '2.0', 'id': rid, 'result': [] if SCENARIOS.get(scenario, {}).get('missing')
                    else [OBJECT]}
        params = req.get('params') or []
        if req.get('method') != 'call' or len(params) < 4:
            return {'jsonrpc': '2.0', 'id': rid, 'error': {'code': -32601, 'message': 'Method not found'}}
        res = self.backend.call(scenario, params[1], params[2], params[3])
        if res[0] == 'error':
            return {'jsonrpc': '2.0', 'id': rid, 'error': {'code': res[1], 'message': res[2]}}
        return {'jsonrpc': '2.0', 'id': rid, 'result': res[1]}


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port', type=int, default=18080, help='0 picks a free port (printed on stderr)')
    ap.add_argument('--wgctl', default=os.environ.get('WGCTL', os.path.join(REPO, '.build-luci', 'debug', 'wgctl')))
    ap.add_argument('--fixtures', default=os.path.join(REPO, 'Tests', 'Fixtures', 'gateway'))
    ap.add_argument('--uci', default=os.path.join(REPO, 'uci', 'wireguard-uplink'))
    ap.add_argument('--workdir', default=None, help='where scenario roots live (default: a temp dir)')
    ap.add_argument('--quiet', action='store_true')
    a = ap.parse_args()

    if not os.access(a.wgctl, os.X_OK):
        sys.exit('harness: no wgctl at %s (build it: swift build --scratch-path .build-luci)' % a.wgctl)
    workdir = a.workdir or tempfile.mkdtemp(prefix='wu-harness-')
    Handler.backend = Backend(a.wgctl, workdir, a.fixtures, a.uci)
    Handler.quiet = a.quiet
    srv = Server(('127.0.0.1', a.port), Handler)  # loopback only
    sys.stderr.write('harness: http://127.0.0.1:%d/ (wgctl %s, roots in %s)\n' % (srv.server_address[1], a.wgctl, workdir))
    sys.stderr.flush()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if not a.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
