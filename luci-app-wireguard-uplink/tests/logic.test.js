'use strict';
/* node --test luci-app-wireguard-uplink/tests/ : every function of logic.js. */
const test = require('node:test');
const assert = require('node:assert/strict');
const logic = require('./load-logic.js').load();

const D = logic.DASH;

/* Real replies of `wgctl rpcd call` (field names are the contract). */
const UPLINK_A = {
	peer_id: 'nodeA', interface: 'wu_nodea_eynh', endpoint: '169.254.42.2:51900',
	public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=', local_public_key: 'YhHNWwPjf/NmRJdduTSm26+TvxN8WLQaSQI3bNDSMTA=',
	address: [ '10.200.1.2/32' ], priority: 60, weight: 1, enabled: true, route_metric: 11, mwan3_metric: 2,
	state: 'down', latency_ms: null, loss_pct: 100, since: 1795396150.27, last_check: 1795397408.27,
	handshake_age_s: null, detail: 'no handshake for 21 min', active: false
};
const UPLINK_B = Object.assign({}, UPLINK_A, {
	peer_id: 'nodeB', interface: 'wu_nodeb_5aph', endpoint: '10.254.7.3:51900', priority: 50,
	state: 'up', latency_ms: 18.4, loss_pct: 0, since: 1795397075.27, handshake_age_s: 12, detail: null, active: true
});
const STATUS_FAILOVER = {
	success: true, enabled: true, auto_failover: true, backend: 'mwan3', min_uplinks: 2, check_interval: 30,
	failover_timeout: 10, prefer_latency: true, policy: 'balanced', active_path: 'uplink:nodeB',
	active_kind: 'uplink', active_name: 'nodeB', active_source: 'daemon', failover_active: true,
	detection: { uplink_tracking_s: 10, uplink_recovery_s: 15, wan_tracking_s: { wan: 130 }, daemon_s: 0.9 },
	wans: [ { name: 'wan', device: 'wan', state: 'down', latency_ms: null, loss_pct: 100, since: 1795397070.2,
		last_check: 1795397408.2, detail: 'no reply from 4 of 4 targets', active: false } ],
	uplinks: [ UPLINK_A, UPLINK_B ],
	daemon: { running: true, pid: 12151, updated: 1795397409.2 },
	warnings: [ "mwan3 needs up to 130 s to notice WAN 'wan' is dead (4 targets, timeout 4, interval 10, down 5), more than failover_timeout 10 s" ],
	state_file: { path: '/var/run/wireguard-uplinks.json', status: 'ok', reason: null }
};
const NOW = 1795397410;
const OFFER = {
	peer_id: 'nodeB', endpoint: '169.254.20.2:51900', public_key: 'u5Q0s8Ff3nZr0JXo1rJmXq5y2b1Wc7h0qA9Ld3eVt1E=',
	bandwidth_mbps: 100, latency_ms: 20.5, wan_type: 'fiber', available: true, metered: false,
	age_s: 12, expires_in_s: 48, trusted: true, via: 'wg_mesh', configured: false
};
const TEST_RESULT = {
	success: true, peer_id: 'nodeA', interface: 'wu_nodea_eynh', passed: false, failed_layer: 'tunnel', duration_ms: 3120,
	layers: [
		{ layer: 'underlay', status: 'pass', measured: '0.4 ms', detail: 'endpoint 169.254.10.2 via ul-a', hint: null, command: null },
		{ layer: 'tunnel', status: 'fail', measured: 'no handshake', detail: '...',
			hint: "the provider has not authorised this uplink's key, or its firewall drops UDP 51900", command: 'wg show wu_nodea_eynh' },
		{ layer: 'provider', status: 'skip', measured: null, detail: null, hint: null, command: null },
		{ layer: 'internet', status: 'skip', measured: null, detail: null, hint: null, command: null },
		{ layer: 'dns', status: 'skip', measured: null, detail: null, hint: null, command: null }
	]
};

test('module loads like LuCI loads it and exports only functions and constants', () => {
	assert.equal(typeof logic.errorMessage, 'function');
	assert.deepEqual(logic.LAYERS, [ 'underlay', 'tunnel', 'provider', 'internet', 'dns' ]);
});

test('fmt substitutes %s and %d in order', () => {
	assert.equal(logic.fmt('%s is %d%%', 'loss', 12.6), 'loss is 13%');
	assert.equal(logic.fmt('no args'), 'no args');
	assert.equal(logic.fmt('%s/%s', 'a'), 'a/undefined');
});

test('formatLatency', () => {
	assert.equal(logic.formatLatency(8.2), '8.2 ms');
	assert.equal(logic.formatLatency(0.4), '0.4 ms');
	assert.equal(logic.formatLatency(20), '20 ms');
	assert.equal(logic.formatLatency(18.44), '18.4 ms');
	assert.equal(logic.formatLatency(99.96), '100 ms');
	assert.equal(logic.formatLatency(123.6), '124 ms');
	assert.equal(logic.formatLatency(0.04), '< 0.1 ms');
	assert.equal(logic.formatLatency(0), '0 ms');
	for (const bad of [ null, undefined, NaN, Infinity, -1, '8.2', {}, [] ])
		assert.equal(logic.formatLatency(bad), D, String(bad));
});

test('formatLoss', () => {
	assert.equal(logic.formatLoss(0), '0 %');
	assert.equal(logic.formatLoss(12.5), '12.5 %');
	assert.equal(logic.formatLoss(33.333), '33.3 %');
	assert.equal(logic.formatLoss(100), '100 %');
	for (const bad of [ null, undefined, -0.1, 100.5, NaN, '0', true ])
		assert.equal(logic.formatLoss(bad), D, String(bad));
});

test('formatBandwidth', () => {
	assert.equal(logic.formatBandwidth(100), '100 Mbit/s');
	assert.equal(logic.formatBandwidth(0.5), '0.5 Mbit/s');
	assert.equal(logic.formatBandwidth(0), '0 Mbit/s');
	assert.equal(logic.formatBandwidth(1000), '1 Gbit/s');
	assert.equal(logic.formatBandwidth(2500), '2.5 Gbit/s');
	for (const bad of [ null, undefined, -5, NaN, '100', {} ])
		assert.equal(logic.formatBandwidth(bad), D, String(bad));
});

test('formatDuration uses at most two units', () => {
	assert.equal(logic.formatDuration(0), '0 s');
	assert.equal(logic.formatDuration(59.9), '59 s');
	assert.equal(logic.formatDuration(60), '1 min');
	assert.equal(logic.formatDuration(3599), '59 min');
	assert.equal(logic.formatDuration(3600), '1 h');
	assert.equal(logic.formatDuration(3600 * 2 + 300), '2 h 5 min');
	assert.equal(logic.formatDuration(86400), '1 d');
	assert.equal(logic.formatDuration(86400 * 3 + 3600 * 4 + 59), '3 d 4 h');
	for (const bad of [ null, -1, NaN, '5' ])
		assert.equal(logic.formatDuration(bad), D);
});

test('formatDurationMs', () => {
	assert.equal(logic.formatDurationMs(850), '850 ms');
	assert.equal(logic.formatDurationMs(3120), '3.1 s');
	assert.equal(logic.formatDurationMs(10000), '10 s');
	assert.equal(logic.formatDurationMs(null), D);
	assert.equal(logic.formatDurationMs(-3), D);
});

test('formatRelativeTime: Unix seconds against now', () => {
	assert.equal(logic.formatRelativeTime(NOW - 2, NOW), 'just now');
	assert.equal(logic.formatRelativeTime(NOW - 42.7, NOW), '42 s ago');
	assert.equal(logic.formatRelativeTime(NOW - 300, NOW), '5 min ago');
	assert.equal(logic.formatRelativeTime(NOW - 3 * 86400 - 7200, NOW), '3 d 2 h ago');
	assert.equal(logic.formatRelativeTime(NOW + 30, NOW), 'just now', 'small clock skew');
	assert.equal(logic.formatRelativeTime(NOW + 3600, NOW), 'in the future (clock skew)');
	for (const bad of [ null, undefined, 0, -5, 'yesterday', NaN ])
		assert.equal(logic.formatRelativeTime(bad, NOW), D, String(bad));
	assert.equal(logic.formatRelativeTime(NOW, undefined), D);
});

test('stateBadge: coloured classes per state, grey for anything else', () => {
	assert.deepEqual([ 'up', 'degraded', 'down', 'unknown' ].map(s => logic.stateBadge(s).cls),
		[ 'wu-badge wu-up', 'wu-badge wu-degraded', 'wu-badge wu-down', 'wu-badge wu-unknown' ]);
	assert.equal(logic.stateBadge('up').label, 'Up');
	assert.equal(logic.stateBadge('DOWN').label, 'Down');
	const odd = logic.stateBadge('flapping');
	assert.equal(odd.cls, 'wu-badge wu-unknown');
	assert.equal(odd.label, 'Unknown');
	assert.match(odd.title, /flapping/);
	for (const bad of [ null, undefined, 3, {}, '' ]) {
		assert.equal(logic.stateBadge(bad).state, 'unknown');
		assert.equal(logic.stateBadge(bad).title, 'No health data yet');
	}
});

test('sortUplinks: active, then state, then priority (higher first), then name; input untouched', () => {
	const list = [
		{ peer_id: 'd', state: 'down', priority: 100 },
		{ peer_id: 'u2', state: 'up', priority: 10 },
		{ peer_id: 'x', state: 'unknown', priority: 90 },
		{ peer_id: 'u1', state: 'up', priority: 80 },
		{ peer_id: 'g', state: 'degraded', priority: 99 },
		{ peer_id: 'act', state: 'degraded', priority: 1, active: true },
		{ peer_id: 'b', state: 'up', priority: 80 },
		{ peer_id: 'weird', state: 'flapping', priority: 95 },
		{ peer_id: 'nop', state: 'up' }
	];
	const copy = JSON.parse(JSON.stringify(list));
	assert.deepEqual(logic.sortUplinks(list).map(u => u.peer_id),
		[ 'act', 'b', 'u1', 'u2', 'nop', 'g', 'weird', 'x', 'd' ]);
	assert.deepEqual(list, copy);
	assert.deepEqual(logic.sortUplinks(STATUS_FAILOVER.uplinks).map(u => u.peer_id), [ 'nodeB', 'nodeA' ]);
	assert.deepEqual(logic.sortUplinks(null), []);
	assert.deepEqual(logic.sortUplinks({ uplinks: [] }), []);
	assert.deepEqual(logic.sortUplinks([ null, 3, 'x', { peer_id: 'ok' } ]).map(u => u.peer_id), [ 'ok' ]);
});

test('uplinkRow: display strings of a status entry', () => {
	const b = logic.uplinkRow(UPLINK_B, NOW);
	assert.equal(b.peer_id, 'nodeB');
	assert.equal(b.badge.cls, 'wu-badge wu-up');
	assert.equal(b.latency, '18.4 ms');
	assert.equal(b.loss, '0 %');
	assert.equal(b.since, '5 min ago');
	assert.equal(b.handshake, '12 s ago');
	assert.equal(b.carrying.label, 'Carrying traffic');
	assert.equal(b.priority, '50');
	const a = logic.uplinkRow(UPLINK_A, NOW);
	assert.equal(a.latency, D);
	assert.equal(a.carrying.label, 'Unusable');
	assert.equal(a.detail, 'no handshake for 21 min');
	assert.equal(logic.uplinkRow(Object.assign({}, UPLINK_B, { active: false }), NOW).carrying.label, 'Standby');
	assert.equal(logic.uplinkRow(Object.assign({}, UPLINK_B, { active: false, enabled: false }), NOW).carrying.label, 'Disabled');
	const junk = logic.uplinkRow(null, NOW);
	assert.equal(junk.peer_id, '?');
	assert.equal(junk.priority, D);
	assert.equal(junk.badge.state, 'unknown');
});

test('errorMessage: ubus status numbers in words', () => {
	assert.match(logic.errorMessage(2), /ubus status 2.*wgctl uplink status/);
	assert.match(logic.errorMessage(3), /does not know this action.*update wireguard-uplink/);
	assert.match(logic.errorMessage(4), /not registered.*rpcd restart/);
	assert.match(logic.errorMessage(5), /wgctl is missing or cannot run.*built for this router.*rpcd restart/);
	assert.match(logic.errorMessage(6), /may not use this function/);
	assert.match(logic.errorMessage(7), /did not answer in time/);
	assert.match(logic.errorMessage(-1), /could not reach the router/);
	assert.match(logic.errorMessage(0), /without any data/);
	assert.equal(logic.errorMessage(42), 'The router answered with unknown status 42.');
	assert.match(logic.errorMessage(NaN), /unreadable/);
	for (let c = -1; c <= 10; c++)
		assert.ok(logic.errorMessage(c).length > 20, `status ${c} has a sentence`);
});

test('errorMessage: exceptions from LuCI rpc/request', () => {
	const rpcErr = (m) => Object.assign(new Error(m), { name: 'RPCError' });
	assert.match(logic.errorMessage(rpcErr('RPC call to luci.wireguard-dashboard/uplink_list failed with error -32000: Object not found')),
		/backend is not installed.*restart rpcd/);
	assert.match(logic.errorMessage(rpcErr('RPC call to luci.wireguard-dashboard/uplink_add failed with error -32002: Access denied')),
		/Access denied/);
	assert.match(logic.errorMessage(rpcErr('RPC call to x/y failed with error -32003: ubus request timed out')), /did not answer in time/);
	assert.match(logic.errorMessage(new Error('XHR request timed out')), /did not answer in time \(request timed out\)/);
	assert.match(logic.errorMessage(new Error('XHR request aborted by browser')), /aborted/);
	assert.equal(logic.errorMessage(rpcErr('RPC call to x/y failed with HTTP error 502: Bad Gateway')),
		'The router answered with HTTP error 502.');
	assert.match(logic.errorMessage(rpcErr('RPC call to x/y failed with ubus code 7: Request timeout')), /ubus status 7/);
	assert.match(logic.errorMessage(rpcErr('RPC call to x/y returned invalid message frame')), /not valid JSON-RPC/);
	assert.match(logic.errorMessage(new SyntaxError('Unexpected token < in JSON')), /not valid JSON-RPC/);
	assert.match(logic.errorMessage(Object.assign(new Error('Login session is expired'), { name: 'SessionError' })), /log in again/);
	assert.equal(logic.errorMessage(new Error('first line\n  at stack frame')), 'first line');
	assert.equal(logic.errorMessage(new Error('')), 'Unknown error.');
	assert.equal(logic.errorMessage(new TypeError("Cannot read properties of undefined (reading 'x')")),
		"Cannot read properties of undefined (reading 'x')");
});

test('errorMessage: backend replies and odd values', () => {
	assert.equal(logic.errorMessage({ success: false, error: 'peer nope is not an uplink', code: 'not_found' }),
		'peer nope is not an uplink');
	assert.equal(logic.errorMessage({ success: false, code: 'locked' }),
		'Another wgctl command is changing the configuration; try again in a moment.');
	assert.equal(logic.errorMessage({ success: false, code: 'brand_new_code' }), 'The backend failed (brand_new_code).');
	assert.match(logic.errorMessage({ success: false }), /without saying why/);
	assert.match(logic.errorMessage({ success: false, error: '   ' }), /without saying why/);
	assert.match(logic.errorMessage({}), /no "success" field/);
	assert.equal(logic.errorMessage({ success: true }), '');
	assert.match(logic.errorMessage(null), /empty reply/);
	assert.match(logic.errorMessage(undefined), /empty reply/);
	assert.match(logic.errorMessage([ 1, 2 ]), /a list/);
	assert.match(logic.errorMessage(true), /unreadable/);
	assert.equal(logic.errorMessage('  plain words  '), 'plain words');
	assert.equal(logic.errorMessage(''), 'Unknown error.');
	/* an object that merely has a message field but is a backend reply is read as a reply */
	assert.equal(logic.errorMessage({ success: false, error: 'boom', message: 'x', name: 'y' }), 'boom');
});

test('ubusStatusMessage', () => {
	assert.match(logic.ubusStatusMessage(7), /did not answer in time/);
	assert.match(logic.ubusStatusMessage('3'), /does not know this action/);
});

test('isFailure / isUnsupported', () => {
	assert.equal(logic.isFailure({ success: true }), false);
	for (const f of [ { success: false }, {}, 3, 0, null, undefined, 'x', [ { success: true } ], new Error('x') ])
		assert.equal(logic.isFailure(f), true, String(f));
	assert.equal(logic.isUnsupported(3), true);
	assert.equal(logic.isUnsupported({ success: false, code: 'unknown_method', error: "unknown method 'uplink_test'" }), true);
	assert.equal(logic.isUnsupported(new Error('RPC call to a/b failed with ubus code 3: Method not found')), true);
	for (const f of [ 2, 4, { success: false, code: 'not_found' }, new Error('x'), null ])
		assert.equal(logic.isUnsupported(f), false);
});

test('outcome: one shape for every way a call ends', () => {
	assert.deepEqual(logic.outcome({ success: true, uplinks: [] }), { ok: true, data: { success: true, uplinks: [] } });
	const n = logic.outcome(7);
	assert.equal(n.ok, false);
	assert.equal(n.code, 'ubus_7');
	assert.match(n.message, /did not answer in time/);
	const um = logic.outcome({ success: false, error: "unknown method 'uplink_offer'; known: ...", code: 'unknown_method' });
	assert.equal(um.unsupported, true);
	assert.equal(um.code, 'unknown_method');
	const ex = logic.outcome(new Error('XHR request timed out'), true);
	assert.equal(ex.ok, false);
	assert.equal(ex.code, 'exception');
	/* a resolved-looking value that arrived as a rejection is still a failure */
	assert.equal(logic.outcome({ success: true }, true).ok, false);
	assert.equal(logic.outcome(undefined).ok, false);
});

test('unsupportedMessage names the missing feature and the reason', () => {
	assert.match(logic.unsupportedMessage('The layered uplink test', logic.outcome(3)),
		/^The layered uplink test is not available yet: .*older than this page \(rpcd: method not found\)/);
	assert.match(logic.unsupportedMessage('Offering', logic.outcome({ success: false, code: 'unknown_method' })),
		/unknown method/);
	assert.match(logic.unsupportedMessage('X', null), /rpcd: method not found/);
});

test('testLayerRows: five rows in layer order, hint and command only where a layer failed', () => {
	const rows = logic.testLayerRows(TEST_RESULT);
	assert.deepEqual(rows.map(r => r.layer), [ 'underlay', 'tunnel', 'provider', 'internet', 'dns' ]);
	assert.deepEqual(rows.map(r => r.status), [ 'pass', 'fail', 'skip', 'skip', 'skip' ]);
	assert.deepEqual(rows.map(r => r.cls), [ 'wu-badge wu-up', 'wu-badge wu-down', 'wu-badge wu-unknown', 'wu-badge wu-unknown', 'wu-badge wu-unknown' ]);
	assert.equal(rows[0].measured, '0.4 ms');
	assert.equal(rows[0].hint, null);
	assert.equal(rows[1].failed, true);
	assert.equal(rows[1].command, 'wg show wu_nodea_eynh');
	assert.match(rows[1].hint, /not authorised/);
	assert.equal(rows[2].measured, D);
	assert.equal(rows[2].statusLabel, 'Skipped');
	/* shuffled, missing, duplicate and bogus layers */
	const odd = logic.testLayerRows({ success: true, layers: [
		{ layer: 'dns', status: 'pass', measured: '12 ms' },
		{ layer: 'underlay', status: 'weird' },
		null,
		{ layer: 'dns', status: 'fail' },
		{ layer: 'mystery', status: 'fail' }
	] });
	assert.deepEqual(odd.map(r => r.layer), logic.LAYERS);
	assert.equal(odd[4].status, 'pass', 'first dns entry wins');
	assert.equal(odd[0].status, 'unknown');
	assert.equal(odd[1].status, 'skip');
	assert.equal(odd[1].detail, 'Not reported by the backend');
	/* a pass with a hint shows no hint */
	assert.equal(logic.testLayerRows({ layers: [ { layer: 'tunnel', status: 'pass', hint: 'h', command: 'c' } ] })[1].hint, null);
	for (const bad of [ null, undefined, 3, 'x', { layers: 'no' }, { success: false, code: 'unknown_method' } ])
		assert.deepEqual(logic.testLayerRows(bad).map(r => r.status), [ 'skip', 'skip', 'skip', 'skip', 'skip' ]);
});

test('testSummary', () => {
	assert.deepEqual(logic.testSummary(TEST_RESULT), { passed: false, cls: 'wu-bad',
		text: 'Uplink nodeA fails at the tunnel layer (3.1 s): no handshake.' });
	const ok = logic.testSummary(Object.assign({}, TEST_RESULT, { passed: true, failed_layer: null, duration_ms: 850,
		layers: TEST_RESULT.layers.map(l => Object.assign({}, l, { status: 'pass' })) }));
	assert.equal(ok.passed, true);
	assert.equal(ok.text, 'Every layer passed: uplink nodeA works (850 ms).');
	/* failed_layer missing: the first failing row is named */
	assert.match(logic.testSummary(Object.assign({}, TEST_RESULT, { failed_layer: null })).text, /tunnel layer/);
	/* failed but no failing layer reported */
	assert.equal(logic.testSummary({ success: true, peer_id: 'n', passed: false, layers: [] }).text, 'Uplink n failed the test.');
	assert.match(logic.testSummary(3).text, /does not know this action/);
	assert.match(logic.testSummary({ success: false, error: 'peer nodeZ is not an uplink', code: 'not_found' }).text, /nodeZ/);
	assert.equal(logic.testSummary(null).passed, false);
});

test('statusBar: failed over', () => {
	const bar = logic.statusBar(STATUS_FAILOVER, NOW);
	const by = Object.fromEntries(bar.items.map(i => [ i.id, i ]));
	assert.deepEqual(Object.keys(by), [ 'route', 'failover', 'daemon', 'backend', 'detection' ]);
	assert.equal(by.route.value, 'Uplink nodeB');
	assert.equal(by.route.cls, 'wu-warn');
	assert.match(by.route.title, /daemon/);
	assert.equal(by.failover.value, 'ACTIVE via nodeB');
	assert.equal(by.daemon.value, 'Running (pid 12151)');
	assert.equal(by.daemon.cls, 'wu-good');
	assert.match(by.daemon.title, /just now/);
	assert.equal(by.backend.value, 'mwan3');
	assert.match(by.backend.title, /balanced/);
	assert.equal(by.detection.value, 'WAN \u2264 130 s \u00b7 uplinks \u2264 10 s');
	assert.equal(by.detection.cls, 'wu-warn', 'slower than failover_timeout');
	assert.match(by.detection.title, /wan failing within 130 s.*0.9 s.*10 s/);
	assert.equal(bar.text, 'Default route: Uplink nodeB \u00b7 Failover: ACTIVE via nodeB \u00b7 Daemon: Running (pid 12151) \u00b7 Backend: mwan3 \u00b7 Worst-case detection: WAN \u2264 130 s \u00b7 uplinks \u2264 10 s');
});

test('statusBar: the colours follow the measured state (offline, degraded, stopped mwan3)', () => {
	/* the WAN at 100 % loss, no uplink usable, nothing failed over: the router is offline */
	const offline = Object.assign({}, STATUS_FAILOVER, { active_kind: 'wan', active_name: 'wan', active_path: 'wan:wan',
		failover_active: false, active_source: 'mwan3', healthy_uplinks: 0,
		uplinks: [ UPLINK_A, Object.assign({}, UPLINK_B, { state: 'down', active: false }) ] });
	let by = Object.fromEntries(logic.statusBar(offline, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.route.value, 'WAN wan (down)');
	assert.equal(by.route.cls, 'wu-bad');
	assert.equal(by.failover.value, 'Offline: no uplink is usable');
	assert.equal(by.failover.cls, 'wu-bad');

	/* the WAN is down but an uplink is up: about to switch, not fine */
	by = Object.fromEntries(logic.statusBar(Object.assign({}, offline, { healthy_uplinks: 1 }), NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.failover.cls, 'wu-warn');

	/* failed over to an uplink that died as well */
	const dead = Object.assign({}, STATUS_FAILOVER, { uplinks: [ UPLINK_A, Object.assign({}, UPLINK_B, { state: 'down' }) ] });
	by = Object.fromEntries(logic.statusBar(dead, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.route.cls, 'wu-bad');
	assert.match(by.failover.value, /Offline/);

	/* a healthy WAN with every uplink down: standby, but nothing to fail over to */
	const lonely = Object.assign({}, offline, { wans: [ Object.assign({}, STATUS_FAILOVER.wans[0], { state: 'up', active: true }) ] });
	by = Object.fromEntries(logic.statusBar(lonely, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.route.cls, 'wu-good');
	assert.equal(by.failover.value, 'Standby, but no uplink is usable');
	assert.equal(by.failover.cls, 'wu-warn');
	const degraded = Object.assign({}, lonely, { wans: [ Object.assign({}, lonely.wans[0], { state: 'degraded' }) ] });
	assert.equal(logic.statusBar(degraded, NOW).items[0].cls, 'wu-warn');

	/* backend auto chose mwan3 but mwan3 is stopped: the backend tile and a banner say so, once */
	const message = "mwan3 is not running: backend 'auto' chose mwan3 because /etc/config/mwan3 exists, so nothing fails over; start it with /etc/init.d/mwan3 start or set backend linux";
	const stopped = Object.assign({}, lonely, { backend_problem: { code: 'mwan3_not_running', message: message },
		warnings: [ message ].concat(STATUS_FAILOVER.warnings) });
	by = Object.fromEntries(logic.statusBar(stopped, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.backend.value, 'mwan3 (not running)');
	assert.equal(by.backend.cls, 'wu-bad');
	assert.equal(by.backend.title, message);
	assert.equal(logic.backendProblem(stopped).message, message);
	assert.deepEqual(logic.warnings(stopped), STATUS_FAILOVER.warnings, 'the banner carries it, not the list');
	assert.equal(logic.backendProblem(STATUS_FAILOVER), null);
	assert.equal(logic.backendProblem({ backend_problem: null }), null);
	assert.equal(logic.backendProblem({ backend_problem: 'garbage' }), null);
});

test('statusBar: healthy, disabled, fresh install and garbage', () => {
	const healthy = Object.assign({}, STATUS_FAILOVER, { active_kind: 'wan', active_name: 'wan', failover_active: false,
		active_source: 'mwan3', detection: { uplink_tracking_s: 10, wan_tracking_s: { wan: 8, wanb: 9 }, daemon_s: 0.9 },
		wans: [ Object.assign({}, STATUS_FAILOVER.wans[0], { state: 'up', loss_pct: 0, active: true }) ] });
	let by = Object.fromEntries(logic.statusBar(healthy, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.route.value, 'WAN wan');
	assert.equal(by.route.cls, 'wu-good');
	assert.match(by.route.title, /mwan3/);
	assert.equal(by.failover.value, 'Standby');
	assert.equal(by.detection.value, 'WAN \u2264 9 s \u00b7 uplinks \u2264 10 s');
	assert.equal(by.detection.cls, 'wu-idle');

	by = Object.fromEntries(logic.statusBar(Object.assign({}, healthy, { auto_failover: false }), NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.failover.value, 'Automatic failover disabled');
	by = Object.fromEntries(logic.statusBar(Object.assign({}, healthy, { enabled: false }), NOW).items.map(i => [ i.id, i ]));
	assert.match(by.failover.value, /disabled/);

	/* `wgctl rpcd call uplink_status` on a router with no state file and no uplinks */
	const fresh = { success: true, enabled: true, auto_failover: true, backend: 'linux', min_uplinks: 2, check_interval: 30,
		failover_timeout: 10, prefer_latency: true, policy: null, active_path: null, active_kind: null, active_name: null,
		active_source: 'unknown', failover_active: false,
		detection: { uplink_tracking_s: null, uplink_recovery_s: null, wan_tracking_s: {}, daemon_s: 0.9 },
		wans: [], uplinks: [], daemon: { running: false, pid: null, updated: null }, warnings: [],
		state_file: { path: '/var/run/wireguard-uplinks.json', status: 'missing', reason: null } };
	by = Object.fromEntries(logic.statusBar(fresh, NOW).items.map(i => [ i.id, i ]));
	assert.equal(by.route.value, 'Unknown');
	assert.equal(by.daemon.value, 'Not running');
	assert.equal(by.daemon.cls, 'wu-bad');
	assert.match(by.daemon.title, /no state written yet/);
	assert.equal(by.detection.value, 'daemon \u2264 0.9 s');
	assert.equal(by.failover.value, 'No uplinks configured');
	assert.equal(by.failover.cls, 'wu-idle');

	for (const bad of [ null, undefined, 3, 'x', [], {} ]) {
		const b = logic.statusBar(bad, NOW);
		assert.equal(b.items.length, 5);
		assert.equal(b.items[0].value, 'Unknown');
		assert.equal(b.items[3].value, '?');
		assert.equal(b.items[3].cls, 'wu-bad');
		assert.equal(b.items[4].value, 'unknown');
	}
});

test('offerRow: capabilities read from bandwidth_mbps/wan_type/metered/available', () => {
	const r = logic.offerRow(OFFER);
	assert.equal(r.capabilities, '100 Mbit/s \u00b7 fiber \u00b7 unmetered');
	assert.equal(r.availability.label, 'Available');
	assert.equal(r.latency, '20.5 ms');
	assert.equal(r.heard, '12 s ago, expires in 48 s');
	assert.equal(r.trust.label, 'Trusted (via wg_mesh)');
	assert.equal(r.canAdd, true);
	assert.equal(r.reason, '');
	const conf = logic.offerRow(Object.assign({}, OFFER, { configured: true }));
	assert.equal(conf.canAdd, false);
	assert.equal(conf.reason, 'Already an uplink');
	const untrusted = logic.offerRow(Object.assign({}, OFFER, { trusted: false, via: null, metered: true, available: false,
		bandwidth_mbps: null, wan_type: null }));
	assert.equal(untrusted.canAdd, false);
	assert.match(untrusted.reason, /trusted/);
	assert.equal(untrusted.trust.label, 'Untrusted');
	assert.equal(untrusted.capabilities, 'metered');
	assert.equal(untrusted.availability.cls, 'wu-badge wu-down');
	/* the old shell dashboard read `bandwidth`; only bandwidth_mbps counts */
	assert.equal(logic.offerRow({ peer_id: 'x', bandwidth: 100 }).capabilities, 'unmetered');
	const junk = logic.offerRow(null);
	assert.equal(junk.peer_id, '?');
	assert.equal(junk.canAdd, false);
	assert.equal(junk.heard, D);
});

test('ownOffer: absent means not offering', () => {
	assert.equal(logic.ownOffer(STATUS_FAILOVER).offering, false);
	assert.equal(logic.ownOffer(null).offering, false);
	assert.equal(logic.ownOffer({ offer: { offering: false } }).offering, false);
	assert.equal(logic.ownOffer({ offer: 'yes' }).offering, false);
	const o = logic.ownOffer({ offer: { offering: true, available: true, peer_id: 'gw', endpoint: '169.254.42.1:51900',
		public_key: 'ZKTu...=', consumers: 2 } });
	assert.equal(o.offering, true);
	assert.equal(o.consumers, 2);
	assert.equal(o.text, "Offering this router's WAN as gw at 169.254.42.1:51900 (2 peers use it).");
	const one = logic.ownOffer({ offer: { offering: true, available: false, peer_id: 'gw', endpoint: 'e', consumers: 1 } });
	assert.match(one.text, /1 peer uses it\)\. Currently announced as unavailable/);
	assert.equal(logic.ownOffer({ offer: { offering: true } }).consumers, 0);
});

test('newWarnings: a change dialog shows only what the page does not already show', () => {
	const page = logic.warnings(STATUS_FAILOVER);
	const reply = { success: true, warnings: STATUS_FAILOVER.warnings.concat([ "uplink nodeC: endpoint 10.9.0.1 is reached through the tunnel itself" ]) };
	assert.deepEqual(logic.newWarnings(reply, page), [ "uplink nodeC: endpoint 10.9.0.1 is reached through the tunnel itself" ]);
	assert.deepEqual(logic.newWarnings({ warnings: STATUS_FAILOVER.warnings }, page), []);
	assert.deepEqual(logic.newWarnings({ warnings: [ 'x', 'x', 3 ] }, undefined), [ 'x' ]);
	assert.deepEqual(logic.newWarnings(null, page), []);
});

test('warnings: status warnings plus a damaged state file, deduplicated', () => {
	assert.deepEqual(logic.warnings(STATUS_FAILOVER), STATUS_FAILOVER.warnings);
	const w = logic.warnings({ warnings: [ 'a', 'a', '', 7, null, 'b' ],
		state_file: { path: '/var/run/wireguard-uplinks.json', status: 'corrupt', reason: 'top level is not an object' } });
	assert.deepEqual(w, [ 'a', 'b', 'Runtime state file /var/run/wireguard-uplinks.json is corrupt: top level is not an object' ]);
	assert.deepEqual(logic.warnings({ state_file: { status: 'missing' } }), []);
	assert.deepEqual(logic.warnings(null), []);
	assert.deepEqual(logic.warnings({ warnings: 'not a list' }), []);
});

test('parsePriority: whole numbers 1..100 only', () => {
	assert.deepEqual(logic.parsePriority('50'), { ok: true, value: 50 });
	assert.deepEqual(logic.parsePriority(' 100 '), { ok: true, value: 100 });
	assert.deepEqual(logic.parsePriority(1), { ok: true, value: 1 });
	for (const bad of [ '0', '101', '-5', '5.5', 'abc', '', null, undefined, '1e2' ])
		assert.equal(logic.parsePriority(bad).ok, false, String(bad));
});

test('validateAddForm: manual add', () => {
	const v = logic.validateAddForm({ peer_id: ' sb-aa:bb:cc:dd:ee:ff ', endpoint: '169.254.42.2:51900',
		public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=', address: '10.200.1.2/32, 10.200.1.3/32', priority: '70' });
	assert.equal(v.ok, true);
	assert.deepEqual(v.args, { peer_id: 'sb-aa:bb:cc:dd:ee:ff', endpoint: '169.254.42.2:51900',
		public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=', address: '10.200.1.2/32,10.200.1.3/32', priority: 70 });
	assert.equal(typeof v.args.priority, 'number', 'rpcd declares priority as an integer');
	assert.equal(logic.validateAddForm({ peer_id: 'n', endpoint: '[fe80::1]:51900', public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=',
		address: 'fd00::2/128', priority: '' }).ok, true);
	assert.equal(logic.validateAddForm({ peer_id: 'n', endpoint: 'provider.example:51900', public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=',
		address: '10.0.0.2/32' }).args.priority, undefined, 'empty priority is left to the backend default');

	const bad = logic.validateAddForm({ peer_id: 'bad id!', endpoint: '169.254.42.2', public_key: 'short=', address: '10.200.1.2', priority: '0' });
	assert.equal(bad.ok, false);
	assert.deepEqual(Object.keys(bad.errors).sort(), [ 'address', 'endpoint', 'peer_id', 'priority', 'public_key' ]);
	assert.deepEqual(bad.args, {});
	const far = logic.validateAddForm({ peer_id: 'x'.repeat(65), endpoint: 'h:70000', public_key: '',
		address: '300.1.1.1/32', priority: '5' });
	assert.deepEqual(Object.keys(far.errors).sort(), [ 'address', 'endpoint', 'peer_id', 'public_key' ]);
	assert.equal(logic.validateAddForm({ peer_id: 'n', endpoint: 'h:1', public_key: 'HnVwZ7ds4qGg8kWfA1pB9tBAc9oQ0u8cD2p1m3Jqf2k=',
		address: Array(9).fill('10.0.0.1/32').join(',') }).errors.address !== undefined, true, 'at most eight prefixes');
	assert.equal(logic.validateAddForm(null).ok, false);
});

test('validateAddForm: from an offer asks for no endpoint or key', () => {
	const v = logic.validateAddForm({ peer_id: 'nodeB', address: '10.200.2.2/32', priority: '50' }, true);
	assert.equal(v.ok, true);
	assert.deepEqual(v.args, { peer_id: 'nodeB', address: '10.200.2.2/32', priority: 50 });
	const zeroTouch = logic.validateAddForm({ peer_id: 'nodeB', address: '' }, true);
	assert.equal(zeroTouch.ok, true, 'from an offer, no address means: ask the provider for a grant');
	assert.deepEqual(zeroTouch.args, { peer_id: 'nodeB' });
	assert.equal(logic.validateAddForm({ peer_id: 'nodeB', address: '10.1' }, true).errors.address !== undefined, true);
	assert.equal(logic.validateAddForm({ peer_id: 'nodeB', address: '' }).errors.address !== undefined, true, 'a manual add needs an address');
});

test('validateOfferForm', () => {
	assert.deepEqual(logic.validateOfferForm({ bandwidth: '100', wan_type: 'fiber', metered: false }),
		{ ok: true, errors: {}, args: { bandwidth: 100, wan_type: 'fiber', metered: false } });
	assert.deepEqual(logic.validateOfferForm({ bandwidth: '', wan_type: '', metered: true }).args, { metered: true });
	const bad = logic.validateOfferForm({ bandwidth: '1.5', wan_type: 'fibre optic!' });
	assert.deepEqual(Object.keys(bad.errors).sort(), [ 'bandwidth', 'wan_type' ]);
	assert.equal(logic.validateOfferForm({ bandwidth: '0' }).ok, false);
	assert.equal(logic.validateOfferForm(undefined).ok, true);
});

test('singleFlight: a tick during a refresh is skipped, a forced refresh runs once after', async () => {
	let calls = 0, release = [];
	const run = logic.singleFlight(() => { calls++; return new Promise(r => release.push(r)); });
	const p1 = run();
	const p2 = run();
	assert.equal(p1, p2, 'same promise while in flight');
	assert.equal(calls, 1);
	assert.equal(run.busy(), true);
	const f1 = run(true), f2 = run(true);
	assert.equal(f1, f2, 'one trailing run, however many forced calls');
	release.shift()('first');
	assert.equal(await p1, 'first');
	await new Promise(r => setImmediate(r));
	assert.equal(calls, 2, 'the trailing run started');
	release.shift()('second');
	assert.equal(await f1, 'second');
	assert.equal(run.busy(), false);
	assert.equal(calls, 2);
});

test('singleFlight: a failing or throwing refresh does not wedge it', async () => {
	let n = 0;
	const run = logic.singleFlight(() => { n++; if (n == 1) throw new Error('sync boom'); return Promise.reject(new Error('async boom')); });
	await assert.rejects(run(), /sync boom/);
	assert.equal(run.busy(), false);
	await assert.rejects(run(), /async boom/);
	assert.equal(run.busy(), false);
	const run2 = logic.singleFlight(() => Promise.resolve(1));
	assert.equal(await run2(), 1);
});

/* ---- automatic uplinks (option auto_add) ---- */

/* uplink_status.auto_add as wgctl writes it (AutoAddReport) */
const AUTO_ADD = {
	enabled: true, min_uplinks: 2, healthy_uplinks: 1,
	waiting: '1 of min_uplinks 2 healthy; next add (nodeD) when the rate limit allows (one add per 60 s)',
	candidate: 'nodeD', next_add_at: NOW + 42, next_add_in_s: 42, in_flight: null, skip: [ 'nodeC' ],
	automatic: [ 'nodeB' ], offer_missing_since: {},
	actions: [
		{ time: NOW - 18, action: 'add', peer_id: 'nodeB', reason: '1 of min_uplinks 2 healthy; best of 1 offer: nodeB (unmetered, 18 ms, 100 Mbit/s)', ok: true, error: null },
		{ time: NOW - 700, action: 'add', peer_id: 'nodeE', reason: '0 of min_uplinks 2 healthy', ok: false, error: 'nodeE did not answer the request within 5 s' },
		{ time: NOW - 4000, action: 'remove', peer_id: 'nodeF', reason: 'its offer has been missing for 60 min', ok: true, error: null }
	]
};

test('uplinkRow: an automatic uplink carries a badge, a manual one none', () => {
	const auto = logic.uplinkRow(Object.assign({}, UPLINK_B, { automatic: true }), NOW);
	assert.equal(auto.automatic.label, 'Automatic');
	assert.equal(auto.automatic.cls, 'wu-badge wu-auto');
	assert.match(auto.automatic.title, /min_uplinks/);
	assert.equal(logic.uplinkRow(Object.assign({}, UPLINK_B, { automatic: false }), NOW).automatic, null);
	assert.equal(logic.uplinkRow(UPLINK_A, NOW).automatic, null, 'an older backend without the field: manual');
	assert.equal(logic.automaticBadge({ automatic: 'yes' }), null, 'only a real true');
});

test('autoAdd: on, short of min_uplinks, why it waits, skip list, actions newest first', () => {
	const a = logic.autoAdd(Object.assign({}, STATUS_FAILOVER, { auto_add: AUTO_ADD }), NOW);
	assert.equal(a.reported, true);
	assert.equal(a.enabled, true);
	assert.equal(a.text, 'On: the daemon keeps 2 healthy uplinks from trusted offers; 1 count now.');
	assert.equal(a.cls, 'wu-warn');
	assert.match(a.waiting, /rate limit/);
	assert.equal(a.next, 'Next add possible in 42 s.');
	assert.deepEqual(a.skip, [ 'nodeC' ]);
	assert.deepEqual(a.actions.map(x => [ x.peer, x.label, x.ok ]),
		[ [ 'nodeB', 'Added', true ], [ 'nodeE', 'Add failed', false ], [ 'nodeF', 'Removed', true ] ]);
	assert.equal(a.actions[0].when, '18 s ago');
	assert.equal(a.actions[1].cls, 'wu-badge wu-down');
	assert.equal(a.actions[1].error, 'nodeE did not answer the request within 5 s');
	assert.equal(a.actions[2].when, '1 h 6 min ago');
});

test('autoAdd: enough uplinks is green; off says how to turn it on; an old backend says nothing is reported', () => {
	const full = logic.autoAdd({ auto_add: Object.assign({}, AUTO_ADD, { healthy_uplinks: 2, next_add_in_s: null, waiting: '2 of min_uplinks 2 healthy' }) }, NOW);
	assert.equal(full.cls, 'wu-good');
	assert.equal(full.next, '');
	const off = logic.autoAdd({ auto_add: { enabled: false, min_uplinks: 2, healthy_uplinks: 0, waiting: 'auto_add is off', actions: [], skip: [] } }, NOW);
	assert.equal(off.enabled, false);
	assert.equal(off.cls, 'wu-idle');
	assert.match(off.text, /option auto_add set to 1/);
	assert.equal(off.waiting, '', 'nothing to wait for while off');
	const old = logic.autoAdd(STATUS_FAILOVER, NOW);
	assert.equal(old.reported, false);
	assert.deepEqual(old.actions, []);
	const junk = logic.autoAdd({ auto_add: { enabled: true, actions: [ null, 3, { time: 'x' } ], skip: [ '', 5, 'nodeZ' ] } }, NOW);
	assert.equal(junk.actions.length, 1);
	assert.equal(junk.actions[0].peer, '?');
	assert.equal(junk.actions[0].when, D);
	assert.deepEqual(junk.skip, [ 'nodeZ' ]);
});

test('validateAddForm: an existing interface is adopted, no endpoint, key or address needed', () => {
	const v = logic.validateAddForm({ peer_id: 'home', interface: ' wg_home ', endpoint: '', public_key: '', address: '', priority: '40' });
	assert.equal(v.ok, true, JSON.stringify(v.errors));
	assert.deepEqual(v.args, { peer_id: 'home', interface: 'wg_home', priority: 40 });
	const ignored = logic.validateAddForm({ peer_id: 'home', interface: 'wg0', endpoint: 'junk', public_key: 'junk', address: 'junk' });
	assert.equal(ignored.ok, true, 'the other fields are neither checked nor sent');
	assert.deepEqual(ignored.args, { peer_id: 'home', interface: 'wg0' });
	for (const bad of [ 'wg-home', 'a'.repeat(16), 'wg home', 'wg.0' ]) {
		const r = logic.validateAddForm({ peer_id: 'home', interface: bad });
		assert.equal(r.ok, false, bad);
		assert.match(r.errors.interface, /Existing interface/);
	}
	const none = logic.validateAddForm({ peer_id: 'home', interface: '   ' });
	assert.equal(none.ok, false, 'an empty interface is a manual add: endpoint and key are needed');
	assert.ok(none.errors.endpoint && none.errors.public_key && !none.errors.interface);
	const offer = logic.validateAddForm({ peer_id: 'nodeB', interface: 'wg0', priority: '50' }, true);
	assert.equal(offer.args.interface, undefined, 'an add from an offer never adopts');
});
