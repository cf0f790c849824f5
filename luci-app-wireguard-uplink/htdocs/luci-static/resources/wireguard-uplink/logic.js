'use strict';
'require baseclass';

/*
 * Pure functions behind the Uplinks page: formatting, state badges, sorting,
 * rpcd error messages, layered test rows and the status bar text.
 *
 * No DOM, no clock, no network: every function takes what it needs as
 * arguments (the current time too), so the same file runs in the browser
 * (loaded by LuCI as `'require wireguard-uplink.logic as logic'`) and under
 * `node --test` (tests/load-logic.js evaluates it the way LuCI's loader does).
 *
 * Field names are the backend's contract (`wgctl rpcd call ...`): read them
 * exactly as the backend writes them (bandwidth_mbps, local_public_key, ...).
 */

var DASH = '\u2014';

/* printf-style '%s'/'%d' substitution; LuCI's String.prototype.format is not
 * available under Node, so the module carries its own. */
function fmt(template) {
	var args = Array.prototype.slice.call(arguments, 1), i = 0;
	return String(template).replace(/%[sd%]/g, function(m) {
		if (m == '%%')
			return '%';
		var v = args[i++];
		return (m == '%d') ? String(Math.round(Number(v))) : String(v);
	});
}

function isNum(v) {
	return typeof(v) == 'number' && isFinite(v);
}

function isObj(v) {
	return v != null && typeof(v) == 'object' && !Array.isArray(v);
}

/* One decimal unless it is a whole number: 8.2, 20, 0.4. */
function trim1(v) {
	var r = Math.round(v * 10) / 10;
	return (r % 1 === 0) ? String(r) : r.toFixed(1);
}

function formatLatency(ms) {
	if (!isNum(ms) || ms < 0)
		return DASH;
	if (ms >= 100)
		return fmt('%s ms', String(Math.round(ms)));
	if (ms > 0 && ms < 0.1)
		return '< 0.1 ms';
	return fmt('%s ms', trim1(ms));
}

function formatLoss(pct) {
	if (!isNum(pct) || pct < 0 || pct > 100)
		return DASH;
	return fmt('%s %', trim1(pct));
}

function formatBandwidth(mbps) {
	if (!isNum(mbps) || mbps < 0)
		return DASH;
	if (mbps >= 1000)
		return fmt('%s Gbit/s', trim1(mbps / 1000));
	return fmt('%s Mbit/s', trim1(mbps));
}

/* A span of seconds in at most two units: "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
function formatDuration(seconds) {
	if (!isNum(seconds) || seconds < 0)
		return DASH;
	var s = Math.floor(seconds);
	if (s < 60)
		return fmt('%d s', s);
	if (s < 3600)
		return fmt('%d min', Math.floor(s / 60));
	if (s < 86400) {
		var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
		return m ? fmt('%d h %d min', h, m) : fmt('%d h', h);
	}
	var d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
	return hh ? fmt('%d d %d h', d, hh) : fmt('%d d', d);
}

/* Milliseconds of a test run: "850 ms", "3.1 s". */
function formatDurationMs(ms) {
	if (!isNum(ms) || ms < 0)
		return DASH;
	if (ms < 1000)
		return fmt('%d ms', ms);
	return fmt('%s s', trim1(ms / 1000));
}

/*
 * "12 s ago" for a Unix timestamp (seconds, may be fractional). `now` is in
 * the same unit. The router's and the browser's clocks may disagree a little:
 * a timestamp up to two minutes in the future still reads "just now".
 */
function formatRelativeTime(ts, now) {
	if (!isNum(ts) || ts <= 0 || !isNum(now))
		return DASH;
	var diff = now - ts;
	if (diff < -120)
		return _('in the future (clock skew)');
	if (diff < 5)
		return _('just now');
	return fmt(_('%s ago'), formatDuration(diff));
}

var STATES = {
	up:       { rank: 0, cls: 'wu-badge wu-up',       label: 'Up' },
	degraded: { rank: 1, cls: 'wu-badge wu-degraded', label: 'Degraded' },
	unknown:  { rank: 2, cls: 'wu-badge wu-unknown',  label: 'Unknown' },
	down:     { rank: 3, cls: 'wu-badge wu-down',     label: 'Down' }
};

/* Badge for a path state: up green, degraded amber, down red, anything else grey. */
function stateBadge(state) {
	var key = (typeof(state) == 'string') ? state.toLowerCase() : '';
	var s = STATES.hasOwnProperty(key) ? STATES[key] : null;
	if (!s)
		return {
			state: 'unknown', cls: STATES.unknown.cls, label: _('Unknown'),
			title: (typeof(state) == 'string' && state !== '')
				? fmt(_('The backend reported state "%s"'), state) : _('No health data yet')
		};
	var titles = {
		up: _('Healthy: probes through this path succeed'),
		degraded: _('Working, but with loss or high latency'),
		unknown: _('Not checked yet, or the daemon is not running'),
		down: _('Probes through this path fail')
	};
	return { state: key, cls: s.cls, label: _(s.label), title: titles[key] };
}

function stateRank(state) {
	var key = (typeof(state) == 'string') ? state.toLowerCase() : '';
	return STATES.hasOwnProperty(key) ? STATES[key].rank : STATES.unknown.rank;
}

/* Active first, then by state (up, degraded, unknown, down), then priority
 * (higher first), then peer id. Returns a new array; ignores non-objects. */
function sortUplinks(uplinks) {
	if (!Array.isArray(uplinks))
		return [];
	return uplinks.filter(isObj).slice().sort(function(a, b) {
		var aa = a.active === true ? 0 : 1, ba = b.active === true ? 0 : 1;
		if (aa != ba)
			return aa - ba;
		var sr = stateRank(a.state) - stateRank(b.state);
		if (sr)
			return sr;
		var ap = isNum(a.priority) ? a.priority : -Infinity,
		    bp = isNum(b.priority) ? b.priority : -Infinity;
		if (ap != bp)
			return (bp > ap) ? 1 : -1;
		var an = String(a.peer_id || ''), bn = String(b.peer_id || '');
		return an < bn ? -1 : (an > bn ? 1 : 0);
	});
}

/* Display strings for one uplink row (an entry of uplink_status.uplinks). */
function uplinkRow(u, now) {
	u = isObj(u) ? u : {};
	var carrying;
	if (u.active === true)
		carrying = { label: _('Carrying traffic'), cls: 'wu-badge wu-active' };
	else if (u.enabled === false)
		carrying = { label: _('Disabled'), cls: 'wu-badge wu-unknown' };
	else if (typeof(u.state) == 'string' && u.state.toLowerCase() == 'down')
		carrying = { label: _('Unusable'), cls: 'wu-badge wu-standby wu-unusable' };
	else
		carrying = { label: _('Standby'), cls: 'wu-badge wu-standby' };
	return {
		peer_id: (typeof(u.peer_id) == 'string' && u.peer_id) ? u.peer_id : '?',
		interface: u.interface || DASH,
		endpoint: u.endpoint || DASH,
		badge: stateBadge(u.state),
		latency: formatLatency(u.latency_ms),
		loss: formatLoss(u.loss_pct),
		since: formatRelativeTime(u.since, now),
		last_check: formatRelativeTime(u.last_check, now),
		handshake: isNum(u.handshake_age_s) ? fmt(_('%s ago'), formatDuration(u.handshake_age_s)) : DASH,
		detail: (typeof(u.detail) == 'string') ? u.detail : '',
		carrying: carrying,
		priority: isNum(u.priority) ? String(u.priority) : DASH,
		active: u.active === true,
		automatic: automaticBadge(u)
	};
}

/* ---- automatic uplinks (option auto_add) ------------------------------- */

/* Badge of an uplink the daemon added by itself to keep min_uplinks, or null. */
function automaticBadge(u) {
	if (!isObj(u) || u.automatic !== true)
		return null;
	return { label: _('Automatic'), cls: 'wu-badge wu-auto',
		title: _('Added by the daemon to keep min_uplinks (option auto_add); it removes it again when its offer has been gone for an hour') };
}

/*
 * uplink_status.auto_add for the page: a summary, its colour, why nothing is
 * added, the skip list and the recent automatic actions, newest first.
 * -> { reported, enabled, text, cls, waiting, next, skip: [peer], actions: [{ peer, label, cls, ok, reason, error, when }] }
 */
function autoAdd(status, now) {
	var a = (isObj(status) && isObj(status.auto_add)) ? status.auto_add : null;
	if (!a)
		return { reported: false, enabled: false, text: _('The installed wireguard-uplink does not report automatic uplinks.'),
			cls: 'wu-idle', waiting: '', next: '', skip: [], actions: [] };
	var min = isNum(a.min_uplinks) ? a.min_uplinks : 0, have = isNum(a.healthy_uplinks) ? a.healthy_uplinks : 0;
	var enabled = a.enabled === true;
	var actions = (Array.isArray(a.actions) ? a.actions.filter(isObj) : []).slice(0, 10).map(function(x) {
		var add = x.action !== 'remove', ok = x.ok === true;
		return {
			peer: str(x.peer_id) || '?',
			label: add ? (ok ? _('Added') : _('Add failed')) : (ok ? _('Removed') : _('Removal failed')),
			cls: ok ? (add ? 'wu-badge wu-up' : 'wu-badge wu-unknown') : 'wu-badge wu-down',
			ok: ok,
			reason: str(x.reason) || '',
			error: str(x.error) || '',
			when: formatRelativeTime(x.time, now)
		};
	});
	return {
		reported: true,
		enabled: enabled,
		text: enabled
			? fmt(_('On: the daemon keeps %d healthy uplinks from trusted offers; %d count now.'), min, have)
			: fmt(_('Off: min_uplinks (%d) is only watched. With option auto_add set to 1 the daemon adds the best trusted offers itself.'), min),
		cls: !enabled ? 'wu-idle' : (have >= min ? 'wu-good' : 'wu-warn'),
		waiting: enabled ? (str(a.waiting) || '') : '',
		next: (enabled && isNum(a.next_add_in_s)) ? fmt(_('Next add possible in %s.'), formatDuration(a.next_add_in_s)) : '',
		skip: Array.isArray(a.skip) ? a.skip.filter(function(p) { return !!str(p); }) : [],
		actions: actions
	};
}

/* ---- errors ---------------------------------------------------------- */

var UBUS_STATUS = {
	'-1': 'The page could not reach the router: the connection failed or was refused. Check that the router is up and reload the page.',
	'0': 'The router answered without any data.',
	'1': 'The router rejected the request as malformed (ubus status 1). Reload the page; if it persists, update wireguard-uplink.',
	'2': 'The wireguard-uplink backend did not answer with data the page can read (ubus status 2): wgctl may be broken on this router. Run "wgctl uplink status" in a shell on the router to see why.',
	'3': 'The installed wireguard-uplink does not know this action (ubus status 3): update wireguard-uplink on the router.',
	'4': 'The wireguard-uplink backend is not registered (ubus status 4): install the wireguard-uplink package, then run /etc/init.d/rpcd restart.',
	'5': 'The wireguard-uplink backend gave no answer (ubus status 5): wgctl is missing or cannot run on this router. Install the wireguard-uplink package built for this router, then run /etc/init.d/rpcd restart.',
	'6': 'Your login may not use this function (ubus status 6): log in as a user with write access.',
	'7': 'The router did not answer in time (ubus status 7). It may be busy; try again.',
	'8': 'The router does not support this operation (ubus status 8).',
	'9': 'The router failed without saying why (ubus status 9). The system log (logread) may tell more.',
	'10': 'The router lost its connection to ubus (ubus status 10): reload the page.'
};

var BACKEND_CODES = {
	invalid_peer_id: 'The peer id is not valid.',
	invalid_argument: 'An argument is not valid.',
	not_found: 'No such uplink.',
	exists: 'That uplink exists already.',
	config_error: 'The configuration is not valid.',
	parse_error: 'A configuration file could not be read.',
	pending_changes: 'There are unsaved UCI changes; apply or revert them first.',
	locked: 'Another wgctl command is changing the configuration; try again in a moment.',
	io_error: 'A file could not be read or written.',
	no_offer: 'That peer has no current offer.',
	untrusted: 'The offer did not come from a trusted mesh peer.',
	bad_grant: 'The provider granted an address this router cannot use safely; nothing was installed.',
	unknown_method: 'The installed backend does not support this action yet.',
	invalid_json: 'The backend could not read the request.',
	backend_unavailable: 'wgctl cannot run on this router: install the wireguard-uplink package built for it.'
};

function ubusStatusMessage(code) {
	var key = String(code);
	if (UBUS_STATUS.hasOwnProperty(key))
		return _(UBUS_STATUS[key]);
	return fmt(_('The router answered with unknown status %s.'), key);
}

function firstLine(s) {
	return String(s).split(/\n/)[0].trim();
}

/*
 * One sentence for anything an rpcd call can end in: a reply object with
 * success:false, a bare ubus status number (rpc.declare without `expect`
 * resolves to it), an exception thrown by LuCI's rpc/request layer (JSON-RPC
 * errors, XHR timeouts, HTTP errors), a string, or nothing at all.
 */
function errorMessage(x) {
	if (x === undefined || x === null)
		return _('The router sent an empty reply.');

	if (typeof(x) == 'number')
		return isFinite(x) ? ubusStatusMessage(x) : _('The router sent an unreadable reply.');

	if (typeof(x) == 'string')
		return x.trim() ? firstLine(x) : _('Unknown error.');

	if (typeof(x) == 'boolean')
		return _('The router sent an unreadable reply.');

	if (Array.isArray(x))
		return _('The router sent an unexpected reply (a list instead of an object).');

	if (x instanceof Error || (typeof(x.message) == 'string' && typeof(x.name) == 'string' && !('success' in x))) {
		var msg = String(x.message || ''), m;

		if (x.name == 'SessionError' || /session is expired/i.test(msg))
			return _('Your login session expired: log in again.');
		if (/error -32000\b/.test(msg) || /Object not found/.test(msg))
			return _('The backend is not installed: rpcd has no object luci.wireguard-dashboard. Install wireguard-uplink (it provides /usr/libexec/rpcd/luci.wireguard-dashboard) and restart rpcd.');
		if (/error -32002\b/.test(msg) || /Access denied/.test(msg))
			return _('Access denied: your login lacks the luci-app-wireguard-uplink permission for this action.');
		if (/error -32003\b/.test(msg) || /ubus request timed out/.test(msg))
			return _('The backend did not answer in time (ubus request timed out).');
		if (/error -32001\b/.test(msg))
			return _('Your login session is unknown to the router: log in again.');
		if (/XHR request timed out/.test(msg))
			return _('The router did not answer in time (request timed out).');
		if (/XHR request aborted/.test(msg))
			return _('The request was aborted: the connection to the router was lost.');
		if ((m = /HTTP error (\d+)/.exec(msg)) != null)
			return fmt(_('The router answered with HTTP error %s.'), m[1]);
		if ((m = /ubus code (-?\d+)/.exec(msg)) != null)
			return ubusStatusMessage(+m[1]);
		if (/invalid message frame/.test(msg) || x.name == 'SyntaxError')
			return _('The router sent a reply that is not valid JSON-RPC.');
		if (/No related RPC reply/.test(msg))
			return _('The router sent no reply for this call.');
		return msg.trim() ? firstLine(msg) : _('Unknown error.');
	}

	if (isObj(x)) {
		if (x.success === true)
			return '';
		if (typeof(x.error) == 'string' && x.error.trim())
			return firstLine(x.error);
		if (typeof(x.code) == 'string' && BACKEND_CODES.hasOwnProperty(x.code))
			return _(BACKEND_CODES[x.code]);
		if (typeof(x.code) == 'string' && x.code)
			return fmt(_('The backend failed (%s).'), x.code);
		if (x.success === false)
			return _('The backend reported a failure without saying why.');
		return _('The router sent an unexpected reply (no "success" field).');
	}

	return _('Unknown error.');
}

/* true unless the value is a reply object that says success:true. */
function isFailure(reply) {
	return !(isObj(reply) && reply.success === true);
}

/* Did this failure mean "the installed backend lacks this method"? */
function isUnsupported(x) {
	if (x === 3)
		return true;
	if (isObj(x) && x.code === 'unknown_method')
		return true;
	if (x && typeof(x.message) == 'string' && /ubus code 3\b/.test(x.message))
		return true;
	return false;
}

/*
 * Normalise a settled call: outcome(reply) for a resolved value,
 * outcome(error, true) for a rejection.
 * -> { ok: true, data } or { ok: false, message, code, unsupported }
 */
function outcome(value, rejected) {
	if (!rejected && !isFailure(value))
		return { ok: true, data: value };
	var code = null;
	if (typeof(value) == 'number')
		code = 'ubus_' + value;
	else if (isObj(value) && typeof(value.code) == 'string')
		code = value.code;
	else if (value instanceof Error)
		code = 'exception';
	return { ok: false, message: errorMessage(value), code: code, unsupported: isUnsupported(value) };
}

/* For a failure that isUnsupported(): what is missing, and what to do. */
function unsupportedMessage(what, oc) {
	var why = (isObj(oc) && oc.code == 'unknown_method')
		? _('the backend answered "unknown method"')
		: _('rpcd: method not found');
	return fmt(_('%s is not available yet: the wireguard-uplink installed on this router is older than this page (%s). Update wireguard-uplink to use it.'),
		what, why);
}

/* ---- layered test ---------------------------------------------------- */

var LAYERS = [
	[ 'underlay', 'Underlay', 'Mesh link to the provider\'s endpoint' ],
	[ 'tunnel',   'Tunnel',   'WireGuard handshake with the provider' ],
	[ 'provider', 'Provider', 'The provider\'s side of the tunnel answers' ],
	[ 'internet', 'Internet', 'Public hosts answer through the tunnel' ],
	[ 'dns',      'DNS',      'Names resolve through the tunnel' ]
];

var TEST_STATUS = {
	pass: { cls: 'wu-badge wu-up', label: 'Pass' },
	fail: { cls: 'wu-badge wu-down', label: 'Fail' },
	skip: { cls: 'wu-badge wu-unknown', label: 'Skipped' }
};

function str(v) {
	return (typeof(v) == 'string' && v.trim() !== '') ? v : null;
}

/* The five rows of an uplink_test result, always in layer order. */
function testLayerRows(result) {
	var layers = (isObj(result) && Array.isArray(result.layers)) ? result.layers.filter(isObj) : [];
	return LAYERS.map(function(def) {
		var l = null;
		for (var i = 0; i < layers.length; i++)
			if (layers[i].layer === def[0]) { l = layers[i]; break; }
		var status = (l && TEST_STATUS.hasOwnProperty(l.status)) ? l.status : (l ? 'unknown' : 'skip');
		var st = TEST_STATUS[status] || { cls: 'wu-badge wu-unknown', label: 'Unknown' };
		var failed = (status == 'fail');
		return {
			layer: def[0],
			label: _(def[1]),
			what: _(def[2]),
			status: status,
			cls: st.cls,
			statusLabel: _(st.label),
			measured: (l && str(l.measured)) || DASH,
			detail: l ? (str(l.detail) || '') : _('Not reported by the backend'),
			hint: failed && l ? str(l.hint) : null,
			command: failed && l ? str(l.command) : null,
			failed: failed
		};
	});
}

/* One sentence for the whole test run. */
function testSummary(result) {
	if (!isObj(result) || result.success !== true)
		return { passed: false, cls: 'wu-bad', text: errorMessage(result) };
	var took = isNum(result.duration_ms) ? fmt(_(' (%s)'), formatDurationMs(result.duration_ms)) : '';
	var who = str(result.peer_id) || '?';
	if (result.passed === true)
		return { passed: true, cls: 'wu-good', text: fmt(_('Every layer passed: uplink %s works%s.'), who, took) };
	var rows = testLayerRows(result), failed = null;
	for (var i = 0; i < rows.length; i++)
		if (rows[i].layer === result.failed_layer || (!failed && rows[i].failed && result.failed_layer == null))
			failed = rows[i];
	if (failed)
		return { passed: false, cls: 'wu-bad',
			text: fmt(_('Uplink %s fails at the %s layer%s: %s.'), who, failed.label.toLowerCase(), took,
				failed.measured !== DASH ? failed.measured : _('no detail')) };
	return { passed: false, cls: 'wu-bad', text: fmt(_('Uplink %s failed the test%s.'), who, took) };
}

/* ---- status bar ------------------------------------------------------ */

function maxOf(obj) {
	var best = null;
	if (isObj(obj))
		for (var k in obj)
			if (obj.hasOwnProperty(k) && isNum(obj[k]) && (best === null || obj[k] > best.value))
				best = { name: k, value: obj[k] };
	return best;
}

function secs(v) {
	return fmt('%s s', trim1(v));
}

/*
 * The measured state of the path that carries the default route, from the
 * wans/uplinks lists of uplink_status: 'up', 'degraded', 'down', or null when
 * nobody has checked it yet.
 */
function activeHealth(s) {
	var list = s.active_kind === 'wan' ? s.wans : (s.active_kind === 'uplink' ? s.uplinks : null);
	if (!Array.isArray(list))
		return null;
	for (var i = 0; i < list.length; i++) {
		var p = list[i];
		if (isObj(p) && (p.active === true || (p.name || p.peer_id) === s.active_name))
			return (p.state === 'up' || p.state === 'degraded' || p.state === 'down') ? p.state : null;
	}
	return null;
}

function healthyUplinks(s) {
	if (isNum(s.healthy_uplinks))
		return s.healthy_uplinks;
	return Array.isArray(s.uplinks) ? s.uplinks.filter(function(u) {
		return isObj(u) && u.enabled !== false && (u.state === 'up' || u.state === 'degraded');
	}).length : 0;
}

/* The colour follows what was measured, not which kind of path it is. */
function routeTile(s, health) {
	var name = s.active_name || '?';
	var value = s.active_kind === 'wan' ? fmt(_('WAN %s'), name)
		: (s.active_kind === 'uplink' ? fmt(_('Uplink %s'), name) : null);
	if (value === null)
		return { value: _('Unknown'), cls: 'wu-idle' };
	if (health === 'down')
		return { value: fmt(_('%s (down)'), value), cls: 'wu-bad', note: _('the last check of this path failed') };
	if (health === 'degraded')
		return { value: fmt(_('%s (degraded)'), value), cls: 'wu-warn', note: _('the path loses packets or answers slowly') };
	if (health === null)
		return { value: value, cls: 'wu-idle', note: _('not checked yet') };
	return { value: value, cls: s.active_kind === 'wan' ? 'wu-good' : 'wu-warn' };
}

function failoverTile(s, health) {
	var configured = Array.isArray(s.uplinks) ? s.uplinks.length : 0;
	if (s.enabled === false)
		return { value: _('Off (wireguard-uplink disabled)'), cls: 'wu-bad' };
	if (s.failover_active === true)
		return health === 'down'
			? { value: fmt(_('Offline: uplink %s is down too'), s.active_name || '?'), cls: 'wu-bad' }
			: { value: fmt(_('ACTIVE via %s'), s.active_name || '?'), cls: 'wu-warn' };
	if (s.auto_failover === false)
		return { value: _('Automatic failover disabled'), cls: 'wu-bad' };
	if (configured == 0)
		return { value: _('No uplinks configured'), cls: health === 'down' ? 'wu-bad' : 'wu-idle' };
	var healthy = healthyUplinks(s);
	if (health === 'down')
		return healthy == 0
			? { value: _('Offline: no uplink is usable'), cls: 'wu-bad' }
			: { value: _('Switching to an uplink'), cls: 'wu-warn' };
	if (healthy == 0)
		return { value: _('Standby, but no uplink is usable'), cls: 'wu-warn' };
	return { value: _('Standby'), cls: 'wu-good' };
}

/* uplink_status.backend_problem with a short label for the tile, or null. */
function backendProblem(s) {
	var p = isObj(s) ? s.backend_problem : null;
	if (!isObj(p) || typeof(p.message) != 'string' || !p.message.trim())
		return null;
	var shorts = { mwan3_not_running: _('not running'), mwan3_not_enabled: _('not started at boot') };
	return { code: String(p.code || ''), message: p.message, short: shorts[p.code] || _('problem') };
}

/*
 * The bar at the top of the page: which path carries the default route,
 * whether failover is active, the daemon, the backend and the worst-case
 * detection time. -> { items: [{ id, label, value, cls, title }], text }
 * cls is one of wu-good, wu-warn, wu-bad, wu-idle.
 */
function statusBar(status, now) {
	var s = isObj(status) ? status : {};
	var items = [];
	var sources = {
		daemon: _('reported by the wireguard-uplink daemon'),
		mwan3: _('derived from mwan3 tracking'),
		unknown: _('neither the daemon nor mwan3 reports it')
	};
	var source = sources[s.active_source] || sources.unknown;

	var health = activeHealth(s);
	var route = routeTile(s, health);
	items.push({ id: 'route', label: _('Default route'), value: route.value, cls: route.cls,
		title: route.note ? route.note + '; ' + source : source });

	var fo = failoverTile(s, health);
	items.push({ id: 'failover', label: _('Failover'), value: fo.value, cls: fo.cls,
		title: s.auto_failover === false ? _('Uplinks stay configured but idle when every WAN is down') : '' });

	var d = isObj(s.daemon) ? s.daemon : {};
	var updated = isNum(d.updated) ? fmt(_('state updated %s'), formatRelativeTime(d.updated, now)) : _('no state written yet');
	if (d.running === true)
		items.push({ id: 'daemon', label: _('Daemon'),
			value: isNum(d.pid) ? fmt(_('Running (pid %d)'), d.pid) : _('Running'), cls: 'wu-good', title: updated });
	else
		items.push({ id: 'daemon', label: _('Daemon'), value: _('Not running'), cls: 'wu-bad',
			title: fmt(_('Health data may be stale; %s'), updated) });

	var backend = (typeof(s.backend) == 'string' && s.backend) ? s.backend : '?';
	var problem = backendProblem(s);
	items.push({ id: 'backend', label: _('Backend'),
		value: problem ? fmt('%s (%s)', backend, problem.short) : backend,
		cls: (problem || backend == 'invalid' || backend == '?') ? 'wu-bad' : 'wu-idle',
		title: problem ? problem.message : (backend == 'mwan3' ? fmt(_('mwan3 policy %s'), s.policy || '?') : '') });

	var det = isObj(s.detection) ? s.detection : {};
	var wan = maxOf(det.wan_tracking_s);
	var parts = [], slow = false;
	if (wan) {
		parts.push(fmt(_('WAN \u2264 %s'), secs(wan.value)));
		slow = isNum(s.failover_timeout) && wan.value > s.failover_timeout;
	}
	if (isNum(det.uplink_tracking_s))
		parts.push(fmt(_('uplinks \u2264 %s'), secs(det.uplink_tracking_s)));
	if (!parts.length && isNum(det.daemon_s))
		parts.push(fmt(_('daemon \u2264 %s'), secs(det.daemon_s)));
	var dtitle = [];
	if (wan)
		dtitle.push(fmt(_('mwan3 notices WAN %s failing within %s'), wan.name, secs(wan.value)));
	if (isNum(det.daemon_s))
		dtitle.push(fmt(_('the daemon\'s own check reacts within %s'), secs(det.daemon_s)));
	if (isNum(s.failover_timeout))
		dtitle.push(fmt(_('target (failover_timeout): %s'), secs(s.failover_timeout)));
	items.push({ id: 'detection', label: _('Worst-case detection'),
		value: parts.length ? parts.join(' \u00b7 ') : _('unknown'),
		cls: slow ? 'wu-warn' : (parts.length ? 'wu-idle' : 'wu-idle'),
		title: dtitle.join('; ') });

	return {
		items: items,
		text: items.map(function(i) { return i.label + ': ' + i.value; }).join(' \u00b7 ')
	};
}

/* ---- offers ---------------------------------------------------------- */

/* Display data for one entry of uplink_list.offers. */
function offerRow(o) {
	o = isObj(o) ? o : {};
	var caps = [];
	if (isNum(o.bandwidth_mbps))
		caps.push(formatBandwidth(o.bandwidth_mbps));
	if (str(o.wan_type))
		caps.push(o.wan_type);
	caps.push(o.metered === true ? _('metered') : _('unmetered'));
	var trusted = o.trusted === true, configured = o.configured === true;
	var heard = isNum(o.age_s) ? fmt(_('%s ago'), formatDuration(o.age_s)) : DASH;
	if (isNum(o.expires_in_s))
		heard += fmt(_(', expires in %s'), formatDuration(o.expires_in_s));
	return {
		peer_id: str(o.peer_id) || '?',
		endpoint: str(o.endpoint) || DASH,
		capabilities: caps.join(' \u00b7 '),
		available: o.available === true,
		availability: o.available === true
			? { label: _('Available'), cls: 'wu-badge wu-up' }
			: { label: _('Unavailable'), cls: 'wu-badge wu-down' },
		latency: formatLatency(o.latency_ms),
		heard: heard,
		trust: trusted
			? { label: str(o.via) ? fmt(_('Trusted (via %s)'), o.via) : _('Trusted'), cls: 'wu-badge wu-up' }
			: { label: _('Untrusted'), cls: 'wu-badge wu-down' },
		configured: configured,
		canAdd: trusted && !configured && !!str(o.peer_id),
		reason: configured ? _('Already an uplink')
			: (!trusted ? _('Not from a trusted mesh interface; the backend refuses it') : '')
	};
}

/* This router's own offer (uplink_status.offer, which may be absent). */
function ownOffer(status) {
	var o = (isObj(status) && isObj(status.offer)) ? status.offer : null;
	if (!o || o.offering !== true)
		return { offering: false, text: _('This router does not offer its WAN to mesh peers.') };
	var consumers = isNum(o.consumers) ? o.consumers : 0;
	return {
		offering: true,
		available: o.available !== false,
		peer_id: str(o.peer_id) || '?',
		endpoint: str(o.endpoint) || DASH,
		public_key: str(o.public_key) || DASH,
		consumers: consumers,
		text: fmt(_('Offering this router\'s WAN as %s at %s (%s).'), str(o.peer_id) || '?', str(o.endpoint) || '?',
			consumers == 1 ? _('1 peer uses it') : fmt(_('%d peers use it'), consumers)) +
			(o.available === false ? ' ' + _('Currently announced as unavailable (this router\'s own WAN is down).') : '')
	};
}

/* ---- warnings -------------------------------------------------------- */

/* Warnings of uplink_status plus a state file problem, without duplicates;
 * a backend problem has its own banner (backendProblem) and is left out. */
function warnings(status) {
	var out = [], seen = {};
	function add(w) {
		if (typeof(w) == 'string' && w.trim() && !seen[w]) {
			seen[w] = true;
			out.push(w);
		}
	}
	if (isObj(status)) {
		var problem = backendProblem(status);
		if (problem)
			seen[problem.message] = true;
		if (Array.isArray(status.warnings))
			status.warnings.forEach(add);
		var sf = status.state_file;
		if (isObj(sf) && typeof(sf.status) == 'string' && sf.status != 'ok' && sf.status != 'missing')
			add(fmt(_('Runtime state file %s is %s%s'), sf.path || '?', sf.status, str(sf.reason) ? ': ' + sf.reason : ''));
	}
	return out;
}

/*
 * The warnings of a change's reply that the page does not already show: a
 * dialog says what this change brought, not every router-wide warning again.
 */
function newWarnings(reply, shown) {
	var known = {}, out = [];
	(Array.isArray(shown) ? shown : []).forEach(function(w) { known[w] = true; });
	if (isObj(reply) && Array.isArray(reply.warnings))
		reply.warnings.forEach(function(w) {
			if (typeof(w) == 'string' && w.trim() && !known[w]) {
				known[w] = true;
				out.push(w);
			}
		});
	return out;
}

/* ---- input validation (the backend checks again; this only saves a round trip) ---- */

function parsePriority(v) {
	var s = (v == null) ? '' : String(v).trim();
	if (!/^[0-9]+$/.test(s))
		return { ok: false, error: _('Priority must be a whole number from 1 to 100.') };
	var n = parseInt(s, 10);
	if (n < 1 || n > 100)
		return { ok: false, error: _('Priority must be a whole number from 1 to 100.') };
	return { ok: true, value: n };
}

function validPeerId(s) {
	return typeof(s) == 'string' && s.length >= 1 && s.length <= 64 && /^[A-Za-z0-9._:-]+$/.test(s);
}

function validEndpoint(s) {
	if (typeof(s) != 'string')
		return false;
	var m = /^\[([0-9A-Fa-f:.]+)\]:([0-9]{1,5})$/.exec(s) || /^([A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(s);
	return !!m && +m[2] >= 1 && +m[2] <= 65535;
}

function validKey(s) {
	return typeof(s) == 'string' && /^[A-Za-z0-9+/]{43}=$/.test(s);
}

function validAddresses(s) {
	if (typeof(s) != 'string')
		return false;
	var items = s.split(/[ ,]+/).filter(function(x) { return x !== ''; });
	if (!items.length || items.length > 8)
		return false;
	return items.every(function(i) {
		var m = /^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\/([0-9]{1,2})$/.exec(i);
		if (m)
			return +m[1] < 256 && +m[2] < 256 && +m[3] < 256 && +m[4] < 256 && +m[5] <= 32;
		m = /^([0-9A-Fa-f:]+)\/([0-9]{1,3})$/.exec(i);
		return !!m && m[1].indexOf(':') >= 0 && +m[2] <= 128;
	});
}

/*
 * Checks the add form. fromOffer: endpoint and key come from the offer and
 * are not asked for, and an empty address means "ask the provider for a grant
 * over the mesh" (zero-touch). With an existing interface (f.interface, not
 * from an offer) that WireGuard interface is adopted: endpoint, key and address
 * are neither needed nor sent. -> { ok, errors: { field: sentence }, args } where args
 * is what uplink_add receives (numbers as numbers, empty fields left out).
 */
function validateAddForm(f, fromOffer) {
	f = isObj(f) ? f : {};
	var errors = {}, args = {};
	var peer = String(f.peer_id == null ? '' : f.peer_id).trim();
	if (!validPeerId(peer))
		errors.peer_id = _('Peer id: 1 to 64 letters, digits or . _ : -');
	else
		args.peer_id = peer;

	/* an existing WireGuard interface is adopted: its endpoint, keys and addresses are its own */
	var iface = fromOffer ? '' : String(f.interface == null ? '' : f.interface).trim();
	if (iface !== '') {
		if (!/^[A-Za-z0-9_]{1,15}$/.test(iface))
			errors.interface = _('Existing interface: the name of a WireGuard interface, at most 15 letters, digits or _');
		else
			args.interface = iface;
	}

	if (!fromOffer && iface === '') {
		var ep = String(f.endpoint == null ? '' : f.endpoint).trim();
		if (!validEndpoint(ep))
			errors.endpoint = _('Endpoint: HOST:PORT, e.g. 169.254.42.2:51900 or [fe80::1]:51900');
		else
			args.endpoint = ep;
		var key = String(f.public_key == null ? '' : f.public_key).trim();
		if (!validKey(key))
			errors.public_key = _('Public key: the provider\'s WireGuard key, 44 characters of base64 ending in =');
		else
			args.public_key = key;
	}

	var addr = String(f.address == null ? '' : f.address).trim();
	if (iface !== '') {
		/* adopted: the interface has its address */
	}
	else if (fromOffer && addr === '') {
		/* zero-touch: the provider grants the address */
	}
	else if (!validAddresses(addr))
		errors.address = _('Tunnel address: one to eight CIDR prefixes such as 10.200.1.2/32, as the provider assigned');
	else
		args.address = addr.split(/[ ,]+/).filter(function(x) { return x !== ''; }).join(',');

	var prio = String(f.priority == null ? '' : f.priority).trim();
	if (prio !== '') {
		var p = parsePriority(prio);
		if (!p.ok)
			errors.priority = p.error;
		else
			args.priority = p.value;
	}

	return { ok: Object.keys(errors).length == 0, errors: errors, args: args };
}

/* Checks the "offer my uplink" form: bandwidth (Mbit/s, optional), WAN type, metered. */
function validateOfferForm(f) {
	f = isObj(f) ? f : {};
	var errors = {}, args = {};
	var bw = String(f.bandwidth == null ? '' : f.bandwidth).trim();
	if (bw !== '') {
		if (!/^[0-9]+$/.test(bw) || +bw < 1 || +bw > 100000)
			errors.bandwidth = _('Bandwidth: a whole number of Mbit/s from 1 to 100000, or empty');
		else
			args.bandwidth = parseInt(bw, 10);
	}
	var wt = String(f.wan_type == null ? '' : f.wan_type).trim();
	if (wt !== '') {
		if (!/^[A-Za-z0-9._-]{1,32}$/.test(wt))
			errors.wan_type = _('WAN type: a short word such as fiber, cable, dsl, lte');
		else
			args.wan_type = wt;
	}
	args.metered = (f.metered === true || f.metered === '1' || f.metered === 'on');
	return { ok: Object.keys(errors).length == 0, errors: errors, args: args };
}

/* ---- refresh without stacking ------------------------------------------ */

/*
 * Wraps a promise-returning function so that at most one call runs at a
 * time. While one runs, run() returns that same promise (a poll tick is
 * skipped); run(true) instead schedules exactly one more run after it (an
 * action's follow-up refresh is not lost).
 */
function singleFlight(fn) {
	var inflight = null, trailing = null;
	function start() {
		var p;
		try {
			p = Promise.resolve(fn());
		}
		catch (e) {
			p = Promise.reject(e);
		}
		inflight = p.then(function(v) { inflight = null; return v; },
		                  function(e) { inflight = null; throw e; });
		return inflight;
	}
	var run = function(force) {
		if (!inflight)
			return start();
		if (!force)
			return inflight;
		if (!trailing)
			trailing = inflight.catch(function() {}).then(function() {
				trailing = null;
				return start();
			});
		return trailing;
	};
	run.busy = function() { return inflight != null; };
	return run;
}

return baseclass.extend({
	__name__: 'WireguardUplink.Logic',
	DASH: DASH,
	LAYERS: LAYERS.map(function(l) { return l[0]; }),
	fmt: fmt,
	formatLatency: formatLatency,
	formatLoss: formatLoss,
	formatBandwidth: formatBandwidth,
	formatDuration: formatDuration,
	formatDurationMs: formatDurationMs,
	formatRelativeTime: formatRelativeTime,
	stateBadge: stateBadge,
	sortUplinks: sortUplinks,
	uplinkRow: uplinkRow,
	automaticBadge: automaticBadge,
	autoAdd: autoAdd,
	errorMessage: errorMessage,
	ubusStatusMessage: ubusStatusMessage,
	isFailure: isFailure,
	isUnsupported: isUnsupported,
	outcome: outcome,
	unsupportedMessage: unsupportedMessage,
	testLayerRows: testLayerRows,
	testSummary: testSummary,
	statusBar: statusBar,
	offerRow: offerRow,
	ownOffer: ownOffer,
	warnings: warnings,
	backendProblem: backendProblem,
	newWarnings: newWarnings,
	parsePriority: parsePriority,
	validateAddForm: validateAddForm,
	validateOfferForm: validateOfferForm,
	singleFlight: singleFlight
});
