/*
 * A small fake of LuCI's client runtime (luci.js, rpc.js, ui.js), written for
 * this harness: only what view/wireguard-uplink/uplinks.js and
 * wireguard-uplink/logic.js use, behaving as LuCI documents it:
 *
 *  - L.require(): fetches <base_url>/<name with dots as slashes>.js, reads the
 *    leading 'require x' / 'require x as y' strings, loads those first, runs
 *    the file as the body of function(window, document, L, <deps>), expects a
 *    class made with baseclass.extend() and keeps one instance of it.
 *  - rpc.declare(): JSON-RPC 2.0 "call" to the ubus endpoint; result[0] is the
 *    ubus status, result[1] the data; without `expect` a bare status number is
 *    what the promise resolves to; JSON-RPC errors reject with an RPCError
 *    "RPC call to OBJ/METHOD failed with error CODE: MESSAGE"; XHR timeouts
 *    reject with "XHR request timed out".
 *  - poll: one-second tick; a function whose previous promise has not settled
 *    is not called again.
 *  - ui: modal dialog, notifications, createHandlerFn (button spins and is
 *    disabled until the handler's promise settles).
 *  - L.hasViewPermission(): !env.nodespec.readonly.
 *
 * Not faked (the view does not use them): form, uci, network, request batching,
 * session-expiry interceptors, translations (_ returns its argument).
 */
(function(window, document) {
	'use strict';

	var H = window.HARNESS_ENV || {};
	var env = {
		base_url: '/luci-static/resources',
		resource: '/luci-static/resources',
		scriptname: '/cgi-bin/luci',
		ubuspath: '/ubus/',
		rpctimeout: 20,
		pollinterval: 5,
		sessionid: '00000000000000000000000000000000',
		nodespec: { satisfied: true, readonly: !!H.readonly }
	};

	window._ = function(s) { return s; };

	/* ---- classes ---- */
	var Class = {
		extend: function(props) {
			var Parent = this;
			var C = function() {
				if (typeof(this.__init__) == 'function')
					this.__init__.apply(this, arguments);
			};
			C.prototype = Object.create(Parent.prototype || Object.prototype);
			for (var k in props)
				if (Object.prototype.hasOwnProperty.call(props, k))
					C.prototype[k] = props[k];
			C.prototype.constructor = C;
			C.extend = Class.extend;
			C.isSubclassOfBaseclass = true;
			return C;
		},
		prototype: {
			varargs: function(args, offset) {
				return Array.prototype.slice.call(arguments, 2).concat(Array.prototype.slice.call(args, offset));
			}
		}
	};
	Class.singleton = function(props) { return new (Class.extend(props))(); };

	/* ---- dom ---- */
	var dom = {
		elem: function(e) { return e != null && typeof(e) == 'object' && 'nodeType' in e; },
		append: function(node, children) {
			if (!this.elem(node))
				return null;
			if (Array.isArray(children)) {
				/* as LuCI: every non-Node item, null and undefined included, becomes text */
				for (var i = 0; i < children.length; i++)
					if (this.elem(children[i]))
						node.appendChild(children[i]);
					else
						node.appendChild(document.createTextNode(String(children[i])));
				return node.lastChild;
			}
			if (typeof(children) == 'function')
				return this.append(node, children(node));
			if (this.elem(children))
				return node.appendChild(children);
			if (children != null)
				node.innerHTML = String(children);	/* as LuCI: a bare string is markup */
			return node.lastChild;
		},
		content: function(node, children) {
			if (!this.elem(node))
				return null;
			while (node.firstChild)
				node.removeChild(node.firstChild);
			return this.append(node, children);
		},
		attr: function(node, key, val) {
			var attr = (typeof(key) == 'object' && key != null) ? key : {};
			if (typeof(key) == 'string')
				attr[key] = val;
			for (var k in attr) {
				if (!Object.prototype.hasOwnProperty.call(attr, k) || attr[k] == null)
					continue;
				if (typeof(attr[k]) == 'function')
					node.addEventListener(k, attr[k]);
				else if (typeof(attr[k]) == 'object')
					node.setAttribute(k, JSON.stringify(attr[k]));
				else
					node.setAttribute(k, attr[k]);
			}
		},
		create: function(html, attr, data) {
			var elem;
			if (!(attr instanceof Object) || Array.isArray(attr))
				data = attr, attr = null;
			if (Array.isArray(html)) {
				elem = document.createDocumentFragment();
				for (var i = 0; i < html.length; i++)
					elem.appendChild(this.create(html[i]));
			}
			else if (this.elem(html))
				elem = html;
			else
				elem = document.createElement(html);
			this.attr(elem, attr);
			this.append(elem, data);
			return elem;
		}
	};
	window.E = function() { return dom.create.apply(dom, arguments); };

	/* ---- poll ---- */
	var Poll = {
		queue: [],
		tick: 0,
		add: function(fn, interval) {
			if (interval == null || interval <= 0)
				interval = env.pollinterval;
			for (var i = 0; i < this.queue.length; i++)
				if (this.queue[i].fn === fn)
					return false;
			this.queue.push({ r: true, i: interval >>> 0, fn: fn });
			if (!this.active())
				this.start();
			return true;
		},
		remove: function(fn) {
			var len = this.queue.length;
			this.queue = this.queue.filter(function(e) { return e.fn !== fn; });
			return this.queue.length != len;
		},
		start: function() {
			if (this.active())
				return false;
			this.tick = 0;
			this.timer = window.setInterval(Poll.step, 1000);
			return true;
		},
		stop: function() {
			if (!this.active())
				return false;
			window.clearInterval(this.timer);
			delete this.timer;
			return true;
		},
		step: function() {
			Poll.tick++;
			Poll.queue.forEach(function(e) {
				if ((Poll.tick % e.i) != 0 || !e.r)
					return;
				e.r = false;
				window.__harness.polls++;
				Promise.resolve(e.fn()).finally(function() { e.r = true; });
			});
		},
		active: function() { return this.timer != null; }
	};

	/* ---- rpc ---- */
	function rpcError(msg) {
		var e = new Error(msg);
		e.name = 'RPCError';
		return e;
	}

	var rpcId = 1;
	var rpc = {
		declare: function(options) {
			return function() {
				var args = arguments;
				return new Promise(function(resolve, reject) {
					var params = {}, i;
					if (Array.isArray(options.params))
						for (i = 0; i < options.params.length; i++)
							params[options.params[i]] = args[i];
					var msg = { jsonrpc: '2.0', id: rpcId++, method: 'call',
						params: [ env.sessionid, options.object, options.method, params ] };
					var xhr = new XMLHttpRequest(), start = Date.now();
					xhr.open('POST', env.ubuspath + options.object + '.' + options.method +
						'?scenario=' + encodeURIComponent(H.scenario || ''), true);
					xhr.timeout = env.rpctimeout * 1000;
					xhr.setRequestHeader('Content-Type', 'application/json');
					xhr.onreadystatechange = function() {
						if (xhr.readyState !== 4)
							return;
						window.__harness.calls.push(options.method);
						if (xhr.status === 0)
							return reject(new Error((Date.now() - start >= xhr.timeout)
								? 'XHR request timed out' : 'XHR request aborted by browser'));
						if (xhr.status < 200 || xhr.status > 299)
							return reject(rpcError('RPC call to ' + options.object + '/' + options.method +
								' failed with HTTP error ' + xhr.status + ': ' + (xhr.statusText || '?')));
						var reply;
						try { reply = JSON.parse(xhr.responseText); }
						catch (e) { return reject(e); }
						if (reply == null || typeof(reply) != 'object' || reply.jsonrpc != '2.0')
							return reject(rpcError('RPC call to ' + options.object + '/' + options.method +
								' returned invalid message frame'));
						if (reply.error && reply.error.code && reply.error.message)
							return reject(rpcError('RPC call to ' + options.object + '/' + options.method +
								' failed with error ' + reply.error.code + ': ' + reply.error.message));
						var ret = null;
						if (Array.isArray(reply.result)) {
							if (options.reject && reply.result[0] !== 0)
								return reject(rpcError('RPC call to ' + options.object + '/' + options.method +
									' failed with ubus code ' + reply.result[0]));
							ret = (reply.result.length > 1) ? reply.result[1] : reply.result[0];
						}
						if (options.expect) {
							for (var key in options.expect) {
								if (ret != null && key != '')
									ret = ret[key];
								if (ret == null || Object.prototype.toString.call(ret) !=
								    Object.prototype.toString.call(options.expect[key]))
									ret = options.expect[key];
								break;
							}
						}
						if (typeof(options.filter) == 'function')
							ret = options.filter(ret, params);
						resolve(ret);
					};
					xhr.send(JSON.stringify(msg));
				});
			};
		}
	};

	/* ---- ui ---- */
	var modalDiv = null;
	var ui = {
		showModal: function(title, children) {
			var dlg = modalDiv.firstElementChild;
			dlg.setAttribute('class', 'modal');
			for (var i = 2; i < arguments.length; i++)
				dlg.classList.add(arguments[i]);
			dom.content(dlg, E('h4', {}, title));
			dom.append(dlg, children);
			document.body.classList.add('modal-overlay-active');
			modalDiv.scrollTop = 0;
			return dlg;
		},
		hideModal: function() {
			document.body.classList.remove('modal-overlay-active');
		},
		addNotification: function(title, children) {
			var mc = document.querySelector('#maincontent') || document.body;
			var msg = E('div', { 'class': 'alert-message fade-in', 'style': 'display:flex' }, [
				E('div', { 'style': 'flex:10' }, [ title ? E('h4', {}, title) : '', children ]),
				E('div', { 'style': 'flex:1 1 auto;display:flex' }, E('button', {
					'class': 'btn', 'style': 'margin-left:auto;margin-top:auto',
					'click': function() { msg.parentNode.removeChild(msg); }
				}, _('Dismiss')))
			]);
			for (var i = 2; i < arguments.length; i++)
				msg.classList.add(arguments[i]);
			mc.insertBefore(msg, mc.firstElementChild);
			return msg;
		},
		createHandlerFn: function(ctx, fn) {
			var bound = Array.prototype.slice.call(arguments, 2);
			if (typeof(fn) == 'string')
				fn = ctx[fn];
			if (typeof(fn) != 'function')
				return null;
			return function(ev) {
				var t = ev.currentTarget;
				t.classList.add('spinning');
				t.disabled = true;
				Promise.resolve(fn.apply(ctx, bound.concat([ ev ]))).finally(function() {
					t.classList.remove('spinning');
					t.disabled = false;
				});
			};
		}
	};

	/* ---- view ---- */
	var View = Class.extend({
		__init__: function() {
			var vp = document.getElementById('view'), self = this;
			dom.content(vp, E('div', { 'class': 'spinning' }, _('Loading view…')));
			return Promise.resolve(this.load())
				.then(function(data) { return self.render(data); })
				.then(function(nodes) {
					dom.content(vp, nodes);
					dom.append(vp, self.addFooter());
				}).catch(L.error);
		},
		load: function() {},
		render: function() {},
		addFooter: function() {
			/* all three handlers are null in the view under test: no footer buttons */
			return E('div', { 'class': 'cbi-page-actions' });
		}
	});

	/* ---- L ---- */
	var classes = { baseclass: Class, dom: dom, poll: Poll, rpc: rpc, ui: ui, view: View };

	function parseRequires(source) {
		var deps = [], i = 0, n = source.length;
		for (;;) {
			var rest = source.slice(i);
			var m = /^(\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)/.exec(rest);
			if (m) { i += m[0].length; continue; }
			m = /^(['"])([^'"\n]*)\1\s*;?/.exec(rest);
			if (!m)
				break;
			var req = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/.exec(m[2]);
			if (req)
				deps.push({ name: req[1], as: req[2] || req[1].replace(/[^a-zA-Z0-9_]/g, '_') });
			else if (!/^use[ \t]+strict$/.test(m[2]))
				break;
			i += m[0].length;
		}
		return deps;
	}

	var L = window.L = {
		env: env,
		dom: dom,
		view: View,
		Poll: Poll,
		Class: Class,
		bind: function(fn, self) {
			return Function.prototype.bind.apply(fn, [ self ].concat(Array.prototype.slice.call(arguments, 2)));
		},
		isObject: function(v) { return v != null && typeof(v) == 'object'; },
		resource: function() { return env.resource + '/' + Array.prototype.join.call(arguments, '/'); },
		url: function() { return env.scriptname + '/' + Array.prototype.join.call(arguments, '/'); },
		resolveDefault: function(p, d) { return Promise.resolve(p).catch(function() { return d; }); },
		hasViewPermission: function() {
			if (!L.isObject(env.nodespec) || !env.nodespec.satisfied)
				return null;
			return !env.nodespec.readonly;
		},
		raise: function(type, msg) {
			var e = new Error(msg);
			e.name = type;
			throw e;
		},
		error: function(e) {
			if (!(e instanceof Error))
				e = new Error(String(e));
			if (!e.reported) {
				ui.addNotification(e.name || _('Runtime error'), E('pre', {}, e.message), 'danger');
				e.reported = true;
			}
			throw e;
		},
		require: function(name, from) {
			from = from || [];
			if (classes[name] != null) {
				if (from.indexOf(name) != -1)
					L.raise('DependencyError', 'Circular dependency: ' + name);
				return Promise.resolve(classes[name]);
			}
			var url = env.base_url + '/' + name.replace(/\./g, '/') + '.js';
			from = [ name ].concat(from);
			classes[name] = fetch(url, { cache: 'no-store' }).then(function(res) {
				if (!res.ok)
					L.raise('NetworkError', 'HTTP error ' + res.status + ' while loading class file "' + url + '"');
				return res.text();
			}).then(function(source) {
				var deps = parseRequires(source);
				return Promise.all(deps.map(function(d) { return L.require(d.name, from); })).then(function(instances) {
					var factory = eval('(function(window, document, L' + deps.map(function(d) { return ', ' + d.as; }).join('') +
						') { ' + source + ' })\n//# sourceURL=' + location.origin + url + '\n');
					var Cls = factory.apply(factory, [ window, document, L ].concat(instances));
					if (typeof(Cls) != 'function' || !Cls.isSubclassOfBaseclass)
						L.raise('TypeError', '"' + name + '" factory yields invalid constructor');
					var inst = new Cls();
					classes[name] = inst;
					return inst;
				});
			});
			return classes[name];
		}
	};

	window.__harness = { calls: [], polls: 0, errors: [] };

	document.addEventListener('DOMContentLoaded', function() {
		modalDiv = document.body.appendChild(E('div', { 'id': 'modal_overlay' },
			E('div', { 'class': 'modal', 'role': 'dialog', 'aria-modal': 'true' })));
	});
})(window, document);
