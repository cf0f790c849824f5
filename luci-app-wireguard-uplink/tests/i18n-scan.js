'use strict';
/*
 * The strings of the dashboard a translator sees: every literal passed to
 * LuCI's _() in the view and its logic, plus the strings of logic.js's
 * lookup tables that are translated when used (_(UBUS_STATUS[code]) and the
 * like). Writes po/templates/wireguard-uplink.pot, the template LuCI apps
 * ship; `node tests/i18n-scan.js --check` fails when the template is stale.
 */
const fs = require('fs');
const path = require('path');

const APP = path.join(__dirname, '..');
const SOURCES = [
	'htdocs/luci-static/resources/view/wireguard-uplink/uplinks.js',
	'htdocs/luci-static/resources/wireguard-uplink/logic.js'
];
const POT = path.join(APP, 'po', 'templates', 'wireguard-uplink.pot');

/* a JS single- or double-quoted literal body, unescaped */
function unquote(body) {
	return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (m, e) =>
		e[0] == 'u' && e.length == 5 ? String.fromCharCode(parseInt(e.slice(1), 16))
			: ({ n: '\n', t: '\t' }[e] || e));
}

const LIT = String.raw`'((?:[^'\\\n]|\\.)*)'`;

/* the text of `var NAME = {...};` or `[...];` in src */
function table(src, name) {
	const m = new RegExp('\\nvar ' + name + ' = [\\[{]\\n([\\s\\S]*?)\\n[\\]}];').exec(src);
	if (!m)
		throw new Error('logic.js has no table ' + name);
	return m[1];
}

function all(re, text, group) {
	const out = [];
	for (let m; (m = re.exec(text)); )
		out.push(unquote(m[group || 1]));
	return out;
}

function scan() {
	const found = new Map();   /* msgid -> [file:line] */
	function add(id, where) {
		if (!found.has(id))
			found.set(id, []);
		found.get(id).push(where);
	}
	for (const rel of SOURCES) {
		const src = fs.readFileSync(path.join(APP, rel), 'utf8');
		const re = new RegExp(String.raw`(?<![\w.])_\(\s*` + LIT, 'g');
		for (let m; (m = re.exec(src)); )
			add(unquote(m[1]), rel);
		if (!rel.endsWith('logic.js'))
			continue;
		const deferred = [
			...all(new RegExp(String.raw`'[^']*':\s*` + LIT, 'g'), table(src, 'UBUS_STATUS')),
			...all(new RegExp(String.raw`\w+:\s*` + LIT, 'g'), table(src, 'BACKEND_CODES')),
			...all(new RegExp(String.raw`label:\s*` + LIT, 'g'), table(src, 'STATES')),
			...all(new RegExp(String.raw`label:\s*` + LIT, 'g'), table(src, 'TEST_STATUS')),
			...all(new RegExp(String.raw`\[\s*'\w+',\s*` + LIT + String.raw`,\s*` + LIT, 'g'), table(src, 'LAYERS')),
			...all(new RegExp(String.raw`\[\s*'\w+',\s*` + LIT + String.raw`,\s*` + LIT, 'g'), table(src, 'LAYERS'), 2)
		];
		for (const id of deferred)
			add(id, rel);
	}
	return found;
}

function poString(s) {
	return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

function render(found) {
	const ids = [...found.keys()].sort();
	let out = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8"\n';
	for (const id of ids)
		out += '\n#: ' + [...new Set(found.get(id))].join(' ') + '\nmsgid ' + poString(id) + '\nmsgstr ""\n';
	return out;
}

module.exports = { scan, render, POT };

if (require.main === module) {
	const text = render(scan());
	if (process.argv.includes('--check')) {
		const have = fs.existsSync(POT) ? fs.readFileSync(POT, 'utf8') : '';
		if (have !== text) {
			console.error(POT + ' is stale: run node luci-app-wireguard-uplink/tests/i18n-scan.js');
			process.exit(1);
		}
	} else {
		fs.writeFileSync(POT, text);
		console.log('wrote ' + POT + ' (' + scan().size + ' strings)');
	}
}
