'use strict';
/*
 * Loads htdocs/luci-static/resources/wireguard-uplink/logic.js under Node the
 * way LuCI's L.require() does: the file body becomes the body of
 * function(window, document, L, <required classes...>), it must return a
 * class made with baseclass.extend(), and the module is one instance of it.
 *
 * The only class logic.js may require is `baseclass`; anything else (ui, dom,
 * rpc) would make it impure and fails here on purpose. `_` (LuCI's gettext)
 * is the identity.
 */
const fs = require('fs');
const path = require('path');

const FILE = path.join(__dirname, '..', 'htdocs', 'luci-static', 'resources', 'wireguard-uplink', 'logic.js');

/* Just enough of LuCI.baseclass: extend() returns a constructor whose
 * prototype carries the given properties. */
const baseclass = {
	extend(props) {
		const C = function() {};
		C.prototype = Object.create(Object.prototype);
		for (const k of Object.keys(props))
			Object.defineProperty(C.prototype, k, { value: props[k], writable: true });
		C.isSubclassOfBaseclass = true;
		return C;
	}
};

function requiredClasses(source) {
	const deps = [];
	const re = /^\s*'require\s+(\S+)(?:\s+as\s+([A-Za-z_]\S*))?';/gm;
	let m;
	while ((m = re.exec(source)) != null)
		deps.push({ name: m[1], as: m[2] || m[1].replace(/[^a-zA-Z0-9_]/g, '_') });
	return deps;
}

function load(file = FILE) {
	const source = fs.readFileSync(file, 'utf8');
	const deps = requiredClasses(source);
	const known = { baseclass };
	for (const d of deps)
		if (!(d.name in known))
			throw new Error(`logic.js requires '${d.name}', which a pure module must not need`);
	const factory = new Function('window', 'document', 'L', '_', ...deps.map(d => d.as), source);
	const gettext = s => s;
	const Cls = factory(undefined, undefined, undefined, gettext, ...deps.map(d => known[d.name]));
	if (typeof Cls != 'function' || !Cls.isSubclassOfBaseclass)
		throw new TypeError('logic.js did not return a baseclass.extend() class');
	return new Cls();
}

module.exports = { load, FILE };
