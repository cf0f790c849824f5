'use strict';
/*
 * The browser harness's ubus endpoint behaves like uhttpd + rpcd in front of
 * the real wgctl (so the screenshots show what a router would show).
 * Needs python3 and a built wgctl (swift build --scratch-path .build-luci);
 * skipped without them.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const REPO = path.join(__dirname, '..', '..');
const WGCTL = process.env.WGCTL || path.join(REPO, '.build-luci', 'debug', 'wgctl');
const SERVER = path.join(__dirname, 'harness', 'server.py');

function havePython() {
	try { execFileSync('python3', [ '--version' ]); return true; } catch (e) { return false; }
}

const skip = !fs.existsSync(WGCTL) ? 'no wgctl at ' + WGCTL : (!havePython() ? 'no python3' : false);

test('harness ubus endpoint', { skip }, async (t) => {
	const listed = JSON.parse(execFileSync(WGCTL, [ 'rpcd', 'list' ], { encoding: 'utf8' }));
	const proc = spawn('python3', [ SERVER, '--port', '0', '--wgctl', WGCTL, '--quiet' ], { stdio: [ 'ignore', 'ignore', 'pipe' ] });
	t.after(() => proc.kill());
	const port = await new Promise((resolve, reject) => {
		let err = '';
		const timer = setTimeout(() => reject(new Error('harness did not start: ' + err)), 15000);
		proc.stderr.on('data', d => {
			err += d;
			const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
			if (m) { clearTimeout(timer); resolve(+m[1]); }
		});
		proc.on('exit', code => reject(new Error('harness exited ' + code + ': ' + err)));
	});
	const base = `http://127.0.0.1:${port}`;
	let id = 1;
	async function ubus(scenario, method, args, object = 'luci.wireguard-dashboard') {
		/* loading a scenario's page (re)builds its fixture root, as the browser does */
		const res = await fetch(`${base}/ubus/?scenario=${scenario}`, { method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'call', params: [ '0'.repeat(32), object, method, args || {} ] }) });
		return res.json();
	}
	async function page(scenario) {
		const res = await fetch(`${base}/cgi-bin/luci/admin/network/uplinks?scenario=${scenario}`);
		assert.equal(res.status, 200);
		return res.text();
	}

	await t.test('page shell carries the scenario', async () => {
		const html = await page('failover');
		assert.match(html, /"scenario": "failover"/);
		assert.match(html, /fake-luci\.js/);
	});

	await t.test('failover scenario: real wgctl status, failed over to nodeB', async () => {
		await page('failover');
		const r = await ubus('failover', 'uplink_status');
		assert.equal(r.result[0], 0);
		const s = r.result[1];
		assert.equal(s.success, true);
		assert.equal(s.active_path, 'uplink:nodeB');
		assert.equal(s.failover_active, true);
		assert.equal(s.daemon.running, true);
		assert.deepEqual(s.uplinks.map(u => [ u.peer_id, u.state, u.active ]).sort(),
			[ [ 'nodeA', 'down', false ], [ 'nodeB', 'up', true ] ]);
		assert.deepEqual(s.wans.map(w => w.state), [ 'down' ]);
		const l = await ubus('failover', 'uplink_list');
		assert.deepEqual(l.result[1].offers.map(o => [ o.peer_id, o.trusted, o.configured ]),
			[ [ 'nodeB', true, true ], [ 'nodeC', true, false ], [ 'nodeD', false, false ] ]);
	});

	await t.test('batch of calls, as LuCI sends them', async () => {
		const res = await fetch(`${base}/ubus/?scenario=failover`, { method: 'POST', body: JSON.stringify([
			{ jsonrpc: '2.0', id: 1, method: 'call', params: [ 's', 'luci.wireguard-dashboard', 'uplink_status', {} ] },
			{ jsonrpc: '2.0', id: 2, method: 'call', params: [ 's', 'luci.wireguard-dashboard', 'uplink_list', {} ] }
		]) });
		const out = await res.json();
		assert.deepEqual(out.map(o => [ o.id, o.result[0] ]), [ [ 1, 0 ], [ 2, 0 ] ]);
	});

	await t.test('plugin missing: JSON-RPC error -32000 Object not found', async () => {
		const r = await ubus('error-missing', 'uplink_status');
		assert.deepEqual(r.error, { code: -32000, message: 'Object not found' });
		assert.equal((await ubus('failover', 'uplink_status', {}, 'luci.other')).error.code, -32000);
	});

	await t.test('broken config: every call answers parse_error from wgctl', async () => {
		await page('error-config');
		for (const m of [ 'uplink_status', 'uplink_list' ]) {
			const r = await ubus('error-config', m);
			assert.equal(r.result[0], 0);
			assert.equal(r.result[1].code, 'parse_error');
		}
	});

	await t.test('read-only ACL: writes denied with -32002, reads and the test pass the ACL', async () => {
		await page('readonly');
		assert.deepEqual((await ubus('readonly', 'uplink_remove', { peer_id: 'nodeA' })).error, { code: -32002, message: 'Access denied' });
		assert.equal((await ubus('readonly', 'uplink_status')).result[0], 0);
		assert.notEqual((await ubus('readonly', 'uplink_test', { peer_id: 'nodeA' })).error?.code, -32002);
	});

	await t.test('methods wgctl does not list answer ubus status 3, as rpcd would', async () => {
		for (const m of [ 'uplink_offer', 'uplink_withdraw', 'uplink_test' ]) {
			const r = await ubus('failover', m, m == 'uplink_test' ? { peer_id: 'nodeA' } : {});
			if (m in listed)
				assert.equal(r.result[0], 0, m + ' is implemented now: real reply');
			else
				assert.deepEqual(r.result, [ 3 ], m);
		}
	});

	await t.test('canned uplink_test only while wgctl answers unknown_method', async () => {
		const html = await page('test');
		const r = await ubus('test', 'uplink_test', { peer_id: 'nodeA' });
		assert.equal(r.result[0], 0);
		const t = r.result[1];
		if ('uplink_test' in listed && !/"isolated": true/.test(html)) {
			/* no `unshare --net` (not root?): the harness refuses to let the real test probe */
			assert.equal(t.code, 'harness_refused');
			return;
		}
		assert.match(t.interface, /^wu_nodea_/);
		assert.deepEqual(t.layers.map(l => l.layer), [ 'underlay', 'tunnel', 'provider', 'internet', 'dns' ]);
		if (!('uplink_test' in listed)) {
			assert.equal(t.failed_layer, 'tunnel', 'canned reply');
			assert.equal(t.layers[0].detail, 'endpoint 169.254.42.2 via phy1-mesh0');
		}
		else {
			/* the real test, run in an empty network namespace: no route to the endpoint */
			assert.equal(t.success, true);
			assert.equal(t.passed, false);
			assert.notEqual(t.layers[0].detail, 'endpoint 169.254.42.2 via phy1-mesh0', 'real reply, not the canned one');
			assert.equal(t.failed_layer, 'underlay');
			assert.ok(t.layers[0].hint && t.layers[0].command, 'a failing layer has a hint and a command');
		}
	});

	await t.test('auto-add scenario: the daemon\'s automatic uplink and its record, as the dashboard reads them', async () => {
		await page('auto-add');
		const s = (await ubus('auto-add', 'uplink_status')).result[1];
		assert.equal(s.success, true, JSON.stringify(s));
		assert.deepEqual(s.uplinks.map(u => [ u.peer_id, u.automatic ]).sort(), [ [ 'nodeA', false ], [ 'nodeB', true ] ]);
		const a = s.auto_add;
		assert.equal(a.enabled, true);
		assert.equal(a.healthy_uplinks, 1, 'nodeA is down');
		assert.deepEqual(a.skip, [ 'nodeC' ]);
		assert.match(a.waiting, /no trusted offer left to add \(nodeC was removed by hand: on auto_add_skip; nodeD is untrusted\)/);
		assert.deepEqual(a.actions.map(x => [ x.action, x.peer_id, x.ok ]),
			[ [ 'add', 'nodeB', true ], [ 'remove', 'nodeF', true ], [ 'add', 'nodeE', false ] ], 'newest first');
		const l = (await ubus('auto-add', 'uplink_list')).result[1];
		assert.deepEqual(l.uplinks.map(u => u.automatic), [ false, true ]);
	});

	await t.test('write through the harness changes the scenario root via wgctl', async () => {
		await page('add');
		const r = await ubus('add', 'uplink_add', { peer_id: 'nodeC', address: '10.200.3.2/32', priority: 30 });
		assert.equal(r.result[0], 0);
		assert.equal(r.result[1].success, true, JSON.stringify(r.result[1]));
		assert.equal(r.result[1].action, 'added');
		assert.match(r.result[1].public_key, /^[A-Za-z0-9+/]{43}=$/);
		const again = await ubus('add', 'uplink_add', { peer_id: 'nodeC', address: '10.200.3.2/32' });
		assert.equal(again.result[1].code, 'exists');
		const untrusted = await ubus('add', 'uplink_add', { peer_id: 'nodeD', address: '10.200.4.2/32' });
		assert.equal(untrusted.result[1].success, false);
	});
});
