'use strict';
/*
 * The package's pieces agree with each other and with the backend:
 * menu -> view file -> ACL group; every rpc the view declares is granted by
 * the ACL and takes the arguments the backend's method table lists.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const APP = path.join(__dirname, '..');
const REPO = path.join(APP, '..');
const RES = path.join(APP, 'htdocs', 'luci-static', 'resources');
const VIEW = path.join(RES, 'view', 'wireguard-uplink', 'uplinks.js');
const MENU = path.join(APP, 'root', 'usr', 'share', 'luci', 'menu.d', 'luci-app-wireguard-uplink.json');
const ACL = path.join(APP, 'root', 'usr', 'share', 'rpcd', 'acl.d', 'luci-app-wireguard-uplink.json');
const WGCTL = process.env.WGCTL || path.join(REPO, '.build-luci', 'debug', 'wgctl');
const OBJECT = 'luci.wireguard-dashboard';

/* Evaluate the view with stand-ins that record rpc.declare() and return the view spec. */
function loadView() {
	const source = fs.readFileSync(VIEW, 'utf8');
	const declared = [];
	const requires = [];
	const re = /^'require\s+(\S+)(?:\s+as\s+(\S+))?';$/gm;
	let m;
	while ((m = re.exec(source)) != null)
		requires.push({ name: m[1], as: m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_') });
	const stubs = {
		view: { extend: spec => spec },
		rpc: { declare: opts => { declared.push(opts); return () => Promise.resolve(0); } },
		ui: {}, poll: {}, dom: {},
		'wireguard-uplink.logic': require('./load-logic.js').load()
	};
	const fn = new Function('window', 'document', 'L', '_', 'E', ...requires.map(r => r.as), source);
	const spec = fn({}, {}, {}, s => s, () => ({}), ...requires.map(r => stubs[r.name]));
	return { spec, declared, requires, source };
}

const acl = JSON.parse(fs.readFileSync(ACL, 'utf8'));
const group = acl['luci-app-wireguard-uplink'];
const readM = group.read.ubus[OBJECT];
const writeM = group.write.ubus[OBJECT];

test('menu entry: Network -> Uplinks next to MultiWAN Manager, opening the view, behind the ACL group', () => {
	const menu = JSON.parse(fs.readFileSync(MENU, 'utf8'));
	const node = menu['admin/network/uplinks'];
	assert.ok(node, 'admin/network/uplinks');
	assert.equal(node.title, 'Uplinks');
	assert.equal(node.action.type, 'view');
	assert.ok(fs.existsSync(path.join(RES, 'view', node.action.path + '.js')), 'view file exists');
	assert.deepEqual(node.depends.acl, [ 'luci-app-wireguard-uplink' ]);
	assert.ok(Math.abs(Number(node.order) - 600) <= 10, 'order next to luci-app-mwan3 (600)');
});

test('ACL: reads are list, status and test; no method is both', () => {
	assert.deepEqual([ ...readM ].sort(), [ 'uplink_list', 'uplink_status', 'uplink_test' ]);
	assert.deepEqual([ ...writeM ].sort(), [ 'uplink_add', 'uplink_apply', 'uplink_failover', 'uplink_offer',
		'uplink_remove', 'uplink_set_priority', 'uplink_withdraw' ]);
	assert.equal(readM.filter(x => writeM.includes(x)).length, 0);
});

/* rpcd's access check for a session (rpcd session.c): each ACL group grants, under "read" and
 * under "write", scopes of objects to functions. "ubus" maps an object to its methods ("*"
 * matches any); "uci" lists config names, readable with "read" and writable with "write";
 * other scopes ("file", "cgi-io") likewise. A read-only user holds "read" only. */
function granted(grp, roles, scope, object, fn) {
	for (const role of roles) {
		const s = (grp[role] || {})[scope];
		if (!s) continue;
		if (Array.isArray(s)) {
			if ((s.includes(object) || s.includes('*')) && (fn === role || scope !== 'uci')) return true;
			continue;
		}
		for (const [ obj, fns ] of Object.entries(s)) {
			const objOk = obj === object || (obj.endsWith('*') && object.startsWith(obj.slice(0, -1)));
			if (objOk && (fns.includes(fn) || fns.includes('*'))) return true;
		}
	}
	return false;
}

test('ACL as rpcd applies it: no role can read our config (it holds private keys); roles get exactly their methods', () => {
	for (const roles of [ [ 'read' ], [ 'read', 'write' ] ]) {
		assert.equal(granted(group, roles, 'uci', 'wireguard-uplink', 'read'), false, `${roles}: uci get wireguard-uplink`);
		assert.equal(granted(group, roles, 'uci', 'wireguard-uplink', 'write'), false, `${roles}: uci set wireguard-uplink`);
		assert.equal(granted(group, roles, 'ubus', 'uci', 'get'), false, `${roles}: ubus call uci get`);
		assert.equal(granted(group, roles, 'ubus', 'file', 'read'), false, `${roles}: ubus call file read`);
		for (const m of readM) assert.ok(granted(group, roles, 'ubus', OBJECT, m), `${roles}: ${m}`);
	}
	for (const m of writeM) {
		assert.equal(granted(group, [ 'read' ], 'ubus', OBJECT, m), false, `read-only: ${m}`);
		assert.ok(granted(group, [ 'read', 'write' ], 'ubus', OBJECT, m), `write: ${m}`);
	}
	// the checker itself: the ACL main had (uci read granted) is caught
	const old = { read: { ubus: { [OBJECT]: readM }, uci: [ 'wireguard-uplink' ] } };
	assert.equal(granted(old, [ 'read' ], 'uci', 'wireguard-uplink', 'read'), true);
});

test('ACL: the package ships a real file, byte for byte the one in rpcd/ (a link would dangle in a LuCI build)', () => {
	assert.ok(fs.lstatSync(ACL).isFile() && !fs.lstatSync(ACL).isSymbolicLink(), 'a regular file');
	assert.equal(fs.readFileSync(ACL, 'utf8'), fs.readFileSync(path.join(REPO, 'rpcd', 'luci-app-wireguard-uplink.json'), 'utf8'));
	for (const f of fs.readdirSync(APP, { recursive: true }))
		assert.ok(!fs.lstatSync(path.join(APP, f)).isSymbolicLink(), `no link in the package: ${f}`);
});

test('view: current LuCI view API, no footer buttons, only the requires the harness fakes', () => {
	const { spec, requires, source } = loadView();
	assert.match(source, /^'use strict';\n'require view';/);
	assert.deepEqual(requires.map(r => r.name), [ 'view', 'rpc', 'ui', 'poll', 'dom', 'wireguard-uplink.logic' ]);
	assert.equal(requires[5].as, 'logic');
	assert.ok(fs.existsSync(path.join(RES, 'wireguard-uplink', 'logic.js')), "'require wireguard-uplink.logic' resolves");
	for (const k of [ 'load', 'render', 'handleTest', 'handleRemove', 'handlePriority', 'handleFailover',
		'handleAddManual', 'handleAddOffer', 'handleOffer', 'handleWithdraw', 'handleApply' ])
		assert.equal(typeof spec[k], 'function', k);
	assert.equal(spec.handleSaveApply, null);
	assert.equal(spec.handleSave, null);
	assert.equal(spec.handleReset, null);
});

test('view: every declared rpc is on our object, has no expect (numeric statuses survive) and is granted', () => {
	const { declared } = loadView();
	assert.ok(declared.length >= 10);
	for (const d of declared) {
		assert.equal(d.object, OBJECT);
		assert.equal(d.expect, undefined, d.method + ' must not set expect');
		assert.ok(readM.includes(d.method) || writeM.includes(d.method), d.method + ' in the ACL');
	}
	const names = declared.map(d => d.method).sort();
	assert.deepEqual(names, [ ...readM, ...writeM ].sort(), 'the ACL grants nothing the view does not call');
});

test('view: argument names match the promised shapes of the methods wgctl does not have yet', () => {
	const byName = Object.fromEntries(loadView().declared.map(d => [ d.method, d.params || [] ]));
	assert.deepEqual(byName.uplink_test, [ 'peer_id' ]);
	assert.deepEqual(byName.uplink_offer, [ 'bandwidth', 'wan_type', 'metered' ]);
	assert.deepEqual(byName.uplink_withdraw, []);
	assert.deepEqual(byName.uplink_set_priority, [ 'peer_id', 'weight' ], 'the priority travels as `weight`');
});

test('view: argument names are in the backend method table (`wgctl rpcd list`)', (t) => {
	if (!fs.existsSync(WGCTL))
		return t.skip('no wgctl at ' + WGCTL + ' (swift build --scratch-path .build-luci)');
	const table = JSON.parse(execFileSync(WGCTL, [ 'rpcd', 'list' ], { encoding: 'utf8' }));
	for (const d of loadView().declared) {
		if (!(d.method in table))
			continue;	/* coming soon; shape checked above */
		for (const p of d.params || [])
			assert.ok(p in table[d.method], `${d.method}(${p}) is in the backend's signature ${JSON.stringify(table[d.method])}`);
	}
	for (const m of Object.keys(table))
		assert.ok(readM.includes(m) || writeM.includes(m), `backend method ${m} is in the ACL`);
});

test('Makefile is a LuCI package Makefile', () => {
	const mk = fs.readFileSync(path.join(APP, 'Makefile'), 'utf8');
	assert.match(mk, /^include \$\(TOPDIR\)\/rules\.mk$/m);
	assert.match(mk, /^LUCI_TITLE:=/m);
	assert.match(mk, /^LUCI_DEPENDS:=.*\+wireguard-uplink/m);
	assert.match(mk, /^include \.\.\/\.\.\/luci\.mk$/m);
});
