'use strict';
/* The translation template is current, and every string the page shows goes through it. */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const i18n = require('./i18n-scan.js');

test('po/templates/wireguard-uplink.pot holds exactly the strings of the view', () => {
	const want = i18n.render(i18n.scan());
	assert.ok(fs.existsSync(i18n.POT), 'no translation template; run node luci-app-wireguard-uplink/tests/i18n-scan.js');
	assert.equal(fs.readFileSync(i18n.POT, 'utf8'), want,
		'the template is stale; run node luci-app-wireguard-uplink/tests/i18n-scan.js');
});

test('the scan finds literal, table and escaped strings', () => {
	const ids = i18n.scan();
	for (const s of [ 'Default route', 'Tunnel', 'Pass', 'Offline: no uplink is usable', 'Failover is not enforced',
		'Mesh link to the provider\'s endpoint' ])
		assert.ok(ids.has(s), s);
	assert.ok([...ids.keys()].some(k => /ubus status 5/.test(k)), 'UBUS_STATUS is deferred-translated');
	assert.ok(!ids.has('wu-badge wu-up'), 'CSS classes are not translatable');
});

test('every _() call of the page has a literal or a scanned table lookup', () => {
	const app = path.join(__dirname, '..');
	const allowed = /^_\((?:'|s\.label\)|UBUS_STATUS\[key\]\)|BACKEND_CODES\[x\.code\]\)|def\[[12]\]\)|st\.label\))/;
	for (const rel of [ 'htdocs/luci-static/resources/view/wireguard-uplink/uplinks.js',
		'htdocs/luci-static/resources/wireguard-uplink/logic.js' ]) {
		const src = fs.readFileSync(path.join(app, rel), 'utf8');
		for (const m of src.matchAll(/(?<![\w.])_\([^\n]{0,30}/g))
			assert.match(m[0], allowed, rel + ': ' + m[0]);
	}
});
