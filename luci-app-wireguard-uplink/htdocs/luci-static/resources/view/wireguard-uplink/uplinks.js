'use strict';
'require view';
'require rpc';
'require ui';
'require poll';
'require dom';
'require wireguard-uplink.logic as logic';

/*
 * Network -> Uplinks: WireGuard tunnels to mesh peers that carry this
 * router's traffic when its WAN dies. Talks to the rpcd exec plugin
 * luci.wireguard-dashboard (wgctl rpcd). Formatting, sorting and error texts
 * live in wireguard-uplink/logic.js; this file only builds DOM and calls rpc.
 *
 * The declarations have no `expect`: with `expect: { '': {} }` LuCI would
 * replace a numeric ubus status (plugin missing, timeout, method unknown)
 * with an empty object and the reason would be lost. Every reply goes
 * through logic.outcome() instead, which turns numbers, exceptions and
 * {success:false} replies into one sentence.
 */

var OBJECT = 'luci.wireguard-dashboard';
var REFRESH_S = 5;

var callStatus = rpc.declare({ object: OBJECT, method: 'uplink_status' });
var callList = rpc.declare({ object: OBJECT, method: 'uplink_list' });
/* `interface`: adopt an existing WireGuard interface instead (endpoint, key, address are its own). */
var callAdd = rpc.declare({ object: OBJECT, method: 'uplink_add',
	params: [ 'peer_id', 'endpoint', 'public_key', 'address', 'priority', 'interface' ] });
var callRemove = rpc.declare({ object: OBJECT, method: 'uplink_remove', params: [ 'peer_id' ] });
/* `weight` is the priority (1-100, higher preferred): the backend's name for it. */
var callSetPriority = rpc.declare({ object: OBJECT, method: 'uplink_set_priority', params: [ 'peer_id', 'weight' ] });
var callFailover = rpc.declare({ object: OBJECT, method: 'uplink_failover', params: [ 'enabled' ] });
var callApply = rpc.declare({ object: OBJECT, method: 'uplink_apply' });
var callTest = rpc.declare({ object: OBJECT, method: 'uplink_test', params: [ 'peer_id' ] });
var callOffer = rpc.declare({ object: OBJECT, method: 'uplink_offer', params: [ 'bandwidth', 'wan_type', 'metered' ] });
var callWithdraw = rpc.declare({ object: OBJECT, method: 'uplink_withdraw' });

/*
 * LuCI's E() (dom.create -> dom.append) assigns a string child to innerHTML.
 * Everything this page shows is text, and backend text contains markup-like
 * parts ("wg set <uplink-server-if> peer ..."), so here every string child
 * becomes a text node. Same signature as LuCI's E().
 */
function text(v) {
	return (typeof(v) == 'string' || typeof(v) == 'number') ? [ String(v) ] : v;
}

var E = (function(create) {
	return function(tag, attr, data) {
		if (attr == null || typeof(attr) != 'object' || Array.isArray(attr) || attr.nodeType)
			data = attr, attr = {};
		return create(tag, attr, text(data));
	};
})(window.E);

/* showModal() also builds its heading with LuCI's E(): hand it text. */
function showModal(title, body) {
	return ui.showModal(text(title), body);
}

/* A call that never rejects: resolves to logic.outcome(). */
function settle(promise) {
	return Promise.resolve(promise).then(function(v) {
		return logic.outcome(v);
	}, function(e) {
		return logic.outcome(e, true);
	});
}

function now() {
	return Date.now() / 1000;
}

function absTime(ts) {
	return (typeof(ts) == 'number' && ts > 0) ? new Date(ts * 1000).toLocaleString() : null;
}

function badge(b, title) {
	return E('span', { 'class': b.cls, 'title': title || b.title || null }, b.label);
}

function table(headers, rows, empty) {
	var head = E('tr', { 'class': 'tr table-titles' }, headers.map(function(h) {
		return E('th', { 'class': 'th' }, h);
	}));
	if (!rows.length)
		rows = [ E('tr', { 'class': 'tr placeholder' },
			E('td', { 'class': 'td center', 'colspan': String(headers.length) }, E('em', {}, empty))) ];
	return E('table', { 'class': 'table wu-table' }, [ head ].concat(rows));
}

function cell(title, content, cls) {
	return E('td', { 'class': 'td' + (cls ? ' ' + cls : ''), 'data-title': title }, content);
}

function field(label, input, help, errorNode) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title' }, label),
		E('div', { 'class': 'cbi-value-field' }, [
			input,
			help ? E('div', { 'class': 'cbi-value-description' }, help) : '',
			errorNode || ''
		])
	]);
}

function errorBox(message) {
	return E('div', { 'class': 'alert-message error wu-error', 'role': 'alert' }, message);
}

return view.extend({
	load: function() {
		return Promise.all([ settle(callStatus()), settle(callList()) ]);
	},

	render: function(data) {
		var perm = (typeof(L.hasViewPermission) == 'function') ? L.hasViewPermission() : true;

		/* Read-only ACL (the menu node's acl granted read only): watch and test,
		 * but every control that changes configuration is left out. */
		this.readonly = (perm === false);
		this.unsupported = {};
		this.last = { status: null, list: null, at: null };
		this.refresh = logic.singleFlight(L.bind(this.fetchAndUpdate, this));

		if (!document.querySelector('link[href*="wireguard-uplink/uplinks.css"]'))
			document.querySelector('head').appendChild(E('link', {
				'rel': 'stylesheet', 'type': 'text/css', 'href': L.resource('wireguard-uplink/uplinks.css')
			}));

		var n = this.nodes = {
			error: E('div', { 'class': 'wu-refresh-error' }),
			statusbar: E('div', { 'class': 'wu-statusbar', 'aria-live': 'polite' }),
			controls: E('div', { 'class': 'wu-controls' }),
			warnings: E('div', { 'class': 'wu-warnings' }),
			uplinks: E('div', {}),
			autoadd: E('div', {}),
			wans: E('div', {}),
			offers: E('div', {}),
			own: E('div', {})
		};

		var root = E('div', { 'class': 'cbi-map wu-page' }, [
			E('h2', {}, _('Uplinks')),
			E('div', { 'class': 'cbi-map-descr' },
				_('WireGuard tunnels to mesh peers that still have internet. When every WAN of this router fails, traffic fails over to the healthiest uplink; when a WAN comes back, traffic returns to it.')),
			this.readonly ? E('div', { 'class': 'alert-message notice wu-readonly' },
				_('Read-only access: you can watch and test uplinks, but not change them.')) : '',
			n.error,
			n.statusbar,
			n.controls,
			n.warnings,
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('Uplinks')),
				n.uplinks,
				this.readonly ? '' : E('div', { 'class': 'wu-buttons' }, [
					E('button', {
						'class': 'cbi-button cbi-button-add',
						'click': ui.createHandlerFn(this, 'handleAddManual')
					}, _('Add uplink manually…'))
				])
			]),
			E('div', { 'class': 'cbi-section wu-autoadd' }, [
				E('h3', {}, _('Automatic uplinks')),
				E('div', { 'class': 'cbi-section-descr' },
					_('With option auto_add, the daemon keeps min_uplinks healthy uplinks: it adds the best trusted offer (at most one a minute, unmetered before metered, then latency and bandwidth), never one you removed by hand, and removes an automatic uplink whose offer has been gone for an hour.')),
				n.autoadd
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('WAN links')),
				n.wans
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('Offers from mesh peers')),
				E('div', { 'class': 'cbi-section-descr' },
					_('Peers announce spare WAN capacity on the mesh. Adding an offer asks that peer over the mesh for a grant: it authorises this router\'s new key and assigns the tunnel address, and the uplink is ready at once.')),
				n.offers
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('This router\'s uplink offer')),
				n.own
			])
		]);

		this.update(data[0], data[1]);

		poll.add(L.bind(function() { return this.refresh(); }, this), REFRESH_S);

		return root;
	},

	fetchAndUpdate: function() {
		return Promise.all([ settle(callStatus()), settle(callList()) ]).then(L.bind(function(res) {
			this.update(res[0], res[1]);
		}, this));
	},

	/* Re-renders every section from two outcomes; keeps the last good data when a call fails. */
	update: function(st, ls) {
		var n = this.nodes, t = now();

		if (st.ok)
			this.last.status = st.data;
		if (ls.ok)
			this.last.list = ls.data;
		if (st.ok && ls.ok)
			this.last.at = t;

		try {
			var problems = [];
			if (!st.ok && !ls.ok && st.message === ls.message)
				problems.push(E('p', {}, [ E('strong', {}, _('The uplink backend failed: ')), st.message ]));
			else {
				if (!st.ok)
					problems.push(E('p', {}, [ E('strong', {}, _('Status could not be loaded: ')), st.message ]));
				if (!ls.ok)
					problems.push(E('p', {}, [ E('strong', {}, _('Uplinks and offers could not be loaded: ')), ls.message ]));
			}
			if (problems.length && this.last.at)
				problems.push(E('p', { 'class': 'wu-muted' }, logic.fmt(_('Showing data from %s.'), logic.formatRelativeTime(this.last.at, t))));
			dom.content(n.error, problems.length ? errorBox(problems) : '');

			var status = this.last.status, list = this.last.list;
			this.renderStatusBar(status, t);
			this.renderControls(status);
			this.renderWarnings(status);
			this.renderUplinks(status, list, t);
			this.renderAutoAdd(status, t);
			this.renderWans(status, t);
			this.renderOffers(list);
			this.renderOwnOffer(status);
		}
		catch (e) {
			dom.content(n.error, errorBox(logic.fmt(_('The page could not show the reply: %s'), logic.errorMessage(e))));
		}
	},

	renderStatusBar: function(status, t) {
		if (!status) {
			dom.content(this.nodes.statusbar, E('div', { 'class': 'wu-item wu-idle' }, [
				E('span', { 'class': 'wu-label' }, _('Status')), E('span', { 'class': 'wu-value' }, _('unavailable'))
			]));
			return;
		}
		var bar = logic.statusBar(status, t);
		dom.content(this.nodes.statusbar, bar.items.map(function(i) {
			return E('div', { 'class': 'wu-item ' + i.cls, 'title': i.title || null, 'data-item': i.id }, [
				E('span', { 'class': 'wu-label' }, i.label),
				E('span', { 'class': 'wu-value' }, i.value)
			]);
		}));
		this.nodes.statusbar.setAttribute('aria-label', bar.text);
	},

	renderControls: function(status) {
		if (this.readonly || !status) {
			dom.content(this.nodes.controls, '');
			return;
		}
		var on = status.auto_failover !== false;
		dom.content(this.nodes.controls, [
			E('button', {
				'class': 'cbi-button ' + (on ? 'cbi-button-negative' : 'cbi-button-positive'),
				'click': ui.createHandlerFn(this, 'handleFailover', !on)
			}, on ? _('Disable automatic failover…') : _('Enable automatic failover')),
			' ',
			E('button', {
				'class': 'cbi-button cbi-button-apply',
				'title': _('Rewrite the network, mwan3 and firewall sections wireguard-uplink owns and reload them'),
				'click': ui.createHandlerFn(this, 'handleApply')
			}, _('Re-apply configuration'))
		]);
	},

	renderWarnings: function(status) {
		this.pageWarnings = logic.warnings(status).concat(status && Array.isArray(status.warnings) ? status.warnings : []);
		var list = logic.warnings(status), problem = logic.backendProblem(status);
		dom.content(this.nodes.warnings, [
			problem ? E('div', { 'class': 'alert-message error wu-backend-problem' }, [
				E('strong', {}, _('Failover is not enforced')), ' ', problem.message
			]) : '',
			list.length ? E('div', { 'class': 'alert-message warning' }, [
				E('strong', {}, list.length == 1 ? _('Warning') : logic.fmt(_('%d warnings'), list.length)),
				E('ul', {}, list.map(function(w) { return E('li', {}, w); }))
			]) : ''
		]);
	},

	renderUplinks: function(status, list, t) {
		/* uplink_status marks the uplink that carries traffic (active); uplink_list does not. */
		var src = (status && Array.isArray(status.uplinks)) ? status.uplinks
			: ((list && Array.isArray(list.uplinks)) ? list.uplinks : null);
		if (src == null) {
			dom.content(this.nodes.uplinks, E('p', {}, E('em', {}, _('No data yet.'))));
			return;
		}
		var self = this, titles = [ _('Provider'), _('Interface'), _('State'), _('Latency'), _('Loss'),
			_('Since'), _('Traffic'), _('Priority'), '' ];
		var rows = logic.sortUplinks(src).map(function(u) {
			var r = logic.uplinkRow(u, t);
			var actions = [
				E('button', {
					'class': 'cbi-button cbi-button-action',
					'data-action': 'test', 'data-peer': r.peer_id,
					'click': ui.createHandlerFn(self, 'handleTest', r.peer_id)
				}, _('Test'))
			];
			if (!self.readonly)
				actions.push(' ', E('button', {
					'class': 'cbi-button cbi-button-edit',
					'data-action': 'priority', 'data-peer': r.peer_id,
					'click': ui.createHandlerFn(self, 'handlePriority', r.peer_id, u.priority)
				}, _('Priority…')), ' ', E('button', {
					'class': 'cbi-button cbi-button-remove',
					'data-action': 'remove', 'data-peer': r.peer_id,
					'click': ui.createHandlerFn(self, 'handleRemove', r.peer_id, r.interface, r.active)
				}, _('Remove…')));
			return E('tr', { 'class': 'tr' + (r.active ? ' wu-row-active' : '') }, [
				cell(titles[0], [ E('strong', {}, r.peer_id), r.automatic ? ' ' : '', r.automatic ? badge(r.automatic) : '',
					E('br'), E('small', { 'class': 'wu-muted' }, r.endpoint) ]),
				cell(titles[1], E('code', {}, r.interface)),
				cell(titles[2], [ badge(r.badge), r.detail ? E('div', { 'class': 'wu-detail' }, r.detail) : '' ]),
				cell(titles[3], r.latency, 'wu-num'),
				cell(titles[4], r.loss, 'wu-num'),
				cell(titles[5], E('span', { 'title': absTime(u.since) }, r.since)),
				cell(titles[6], badge(r.carrying)),
				cell(titles[7], r.priority, 'wu-num'),
				cell(_('Actions'), actions, 'wu-actions')
			]);
		});
		dom.content(this.nodes.uplinks, table(titles, rows,
			this.readonly ? _('No uplinks are configured.')
				: _('No uplinks are configured. Add one from an offer below, or manually.')));
	},

	renderAutoAdd: function(status, t) {
		if (!status) {
			dom.content(this.nodes.autoadd, E('p', {}, E('em', {}, _('No data yet.'))));
			return;
		}
		var a = logic.autoAdd(status, t);
		var parts = [ E('p', { 'class': 'wu-autoadd-summary ' + a.cls }, a.text) ];
		if (a.waiting)
			parts.push(E('p', { 'class': 'wu-autoadd-waiting' }, [ E('strong', {}, _('Now: ')), a.waiting, a.next ? ' ' + a.next : '' ]));
		if (a.skip.length)
			parts.push(E('p', { 'class': 'wu-muted' }, logic.fmt(_('Never added again (removed by hand, list auto_add_skip): %s. Adding one by hand takes it off the list.'),
				a.skip.join(', '))));
		if (a.reported && (a.enabled || a.actions.length)) {
			var titles = [ _('When'), _('Peer'), _('Action'), _('Why') ];
			parts.push(table(titles, a.actions.map(function(x) {
				return E('tr', { 'class': 'tr' + (x.ok ? '' : ' wu-row-failed') }, [
					cell(titles[0], x.when),
					cell(titles[1], E('strong', {}, x.peer)),
					cell(titles[2], E('span', { 'class': x.cls }, x.label)),
					cell(titles[3], [ x.reason, x.error ? E('br') : '', x.error ? E('small', { 'class': 'wu-muted' }, x.error) : '' ])
				]);
			}), _('No automatic adds or removals yet.')));
		}
		dom.content(this.nodes.autoadd, parts);
	},

	renderWans: function(status, t) {
		var wans = (status && Array.isArray(status.wans)) ? status.wans : [];
		var titles = [ _('WAN'), _('Device'), _('State'), _('Latency'), _('Loss'), _('Since'), _('Default route') ];
		var rows = wans.map(function(w) {
			var b = logic.stateBadge(w.state);
			return E('tr', { 'class': 'tr' + (w.active ? ' wu-row-active' : '') }, [
				cell(titles[0], E('strong', {}, w.name || '?')),
				cell(titles[1], E('code', {}, w.device || logic.DASH)),
				cell(titles[2], [ badge(b), w.detail ? E('div', { 'class': 'wu-detail' }, w.detail) : '' ]),
				cell(titles[3], logic.formatLatency(w.latency_ms), 'wu-num'),
				cell(titles[4], logic.formatLoss(w.loss_pct), 'wu-num'),
				cell(titles[5], E('span', { 'title': absTime(w.since) }, logic.formatRelativeTime(w.since, t))),
				cell(titles[6], w.active ? badge({ cls: 'wu-badge wu-active', label: _('Carrying traffic') }) : logic.DASH)
			]);
		});
		dom.content(this.nodes.wans, table(titles, rows,
			_('No WAN health data: the wireguard-uplink daemon has not reported any yet.')));
	},

	renderOffers: function(list) {
		if (!list) {
			dom.content(this.nodes.offers, E('p', {}, E('em', {}, _('No data yet.'))));
			return;
		}
		var self = this;
		var offers = Array.isArray(list.offers) ? list.offers : [];
		var titles = [ _('Peer'), _('Capabilities'), _('Availability'), _('Latency'), _('Heard'), _('Trust'), '' ];
		var rows = offers.map(function(o) {
			var r = logic.offerRow(o);
			var action;
			if (self.readonly)
				action = r.configured ? E('em', {}, r.reason) : '';
			else if (r.canAdd)
				action = E('button', {
					'class': 'cbi-button cbi-button-add',
					'data-action': 'add-offer', 'data-peer': r.peer_id,
					'click': ui.createHandlerFn(self, 'handleAddOffer', o)
				}, _('Add…'));
			else
				action = E('em', { 'class': 'wu-muted' }, r.reason);
			return E('tr', { 'class': 'tr' }, [
				cell(titles[0], [ E('strong', {}, r.peer_id), E('br'), E('small', { 'class': 'wu-muted' }, r.endpoint) ]),
				cell(titles[1], r.capabilities),
				cell(titles[2], badge(r.availability)),
				cell(titles[3], r.latency, 'wu-num'),
				cell(titles[4], r.heard),
				cell(titles[5], badge(r.trust)),
				cell(_('Actions'), action, 'wu-actions')
			]);
		});
		dom.content(this.nodes.offers, table(titles, rows,
			_('No offers heard from mesh peers right now.')));
	},

	renderOwnOffer: function(status) {
		if (!status) {
			dom.content(this.nodes.own, E('p', {}, E('em', {}, _('No data yet.'))));
			return;
		}
		var o = logic.ownOffer(status);
		var parts = [ E('p', {}, o.text) ];
		if (o.offering)
			parts.push(E('p', {}, [ _('Public key of this router\'s uplink server: '), E('code', { 'class': 'wu-key-inline' }, o.public_key) ]));
		if (this.unsupported.offer)
			parts.push(E('p', { 'class': 'wu-muted' }, this.unsupported.offer));
		if (!this.readonly)
			parts.push(E('div', { 'class': 'wu-buttons' }, o.offering
				? E('button', { 'class': 'cbi-button cbi-button-negative', 'click': ui.createHandlerFn(this, 'handleWithdraw') },
					_('Withdraw offer…'))
				: E('button', { 'class': 'cbi-button cbi-button-action', 'click': ui.createHandlerFn(this, 'handleOffer') },
					_('Offer this router\'s WAN…'))));
		dom.content(this.nodes.own, parts);
	},

	/* ---- actions ------------------------------------------------------ */

	notifyFailure: function(what, res) {
		ui.addNotification(null, E('p', {}, [ E('strong', {}, what + ': '), res.message ]), 'danger');
	},

	modalButtons: function(buttons) {
		return E('div', { 'class': 'right wu-modal-buttons' }, buttons);
	},

	closeButton: function(label) {
		return E('button', { 'class': 'cbi-button', 'click': ui.hideModal }, label || _('Close'));
	},

	/* Result of a change: the public key to authorise (after add), what changed, warnings. */
	showChangeResult: function(title, data) {
		var body = [];
		if (data.action == 'added' && data.granted) {
			body.push(E('p', {}, logic.fmt(_('Uplink %s was added as interface %s. %s granted it the address %s (gateway %s) and authorised its key:'),
				data.peer_id, data.interface, data.peer_id, (data.address || [])[0] || '?', data.gateway || '?')));
			body.push(E('div', { 'class': 'wu-key', 'data-testid': 'public-key' }, data.public_key || '?'));
		}
		else if (data.action == 'added') {
			body.push(E('p', {}, logic.fmt(_('Uplink %s was added as interface %s. It carries no traffic until %s authorises this key:'),
				data.peer_id, data.interface, data.peer_id)));
			body.push(E('div', { 'class': 'wu-key', 'data-testid': 'public-key' }, data.public_key || '?'));
			if (data.authorize)
				body.push(E('p', {}, [
					logic.fmt(_('To authorise it, run this %s:'), data.authorize_where || _('on the provider')), ' ',
					E('code', { 'class': 'wu-command' }, data.authorize) ]));
		}
		if (Array.isArray(data.changed))
			body.push(E('p', { 'class': 'wu-muted' }, data.changed.length
				? logic.fmt(_('Changed: %s.'), data.changed.join(', ')) : _('Nothing needed changing.')));
		if (data.reload)
			body.push(E('p', { 'class': 'wu-muted' }, logic.fmt(_('Reload: %s.'), data.reload)));
		var own = logic.newWarnings(data, this.pageWarnings);
		if (own.length)
			body.push(E('div', { 'class': 'alert-message warning' },
				E('ul', {}, own.map(function(w) { return E('li', {}, w); }))));
		body.push(this.modalButtons([ this.closeButton() ]));
		showModal(title, body);
	},

	handleAddManual: function() {
		return this.showAddForm(null);
	},

	handleAddOffer: function(offer) {
		return this.showAddForm(offer);
	},

	showAddForm: function(offer) {
		var self = this, fromOffer = !!offer;
		var inputs = {
			peer_id: E('input', { 'name': 'peer_id', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': 'nodeA',
				'value': fromOffer ? offer.peer_id : null, 'readonly': fromOffer ? 'readonly' : null }),
			endpoint: E('input', { 'name': 'endpoint', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': '169.254.42.2:51900' }),
			public_key: E('input', { 'name': 'public_key', 'type': 'text', 'class': 'cbi-input-text wu-mono', 'placeholder': _('provider\'s WireGuard public key') }),
			address: E('input', { 'name': 'address', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': '10.200.1.2/32' }),
			priority: E('input', { 'name': 'priority', 'type': 'number', 'class': 'cbi-input-text', 'min': '1', 'max': '100', 'value': '50' }),
			interface: E('input', { 'name': 'interface', 'type': 'text', 'class': 'cbi-input-text', 'placeholder': 'wg_home' })
		};
		/* an existing interface brings its own endpoint, key and address */
		var adoptOnly = [ inputs.endpoint, inputs.public_key, inputs.address ];
		inputs.interface.addEventListener('input', function() {
			var adopting = inputs.interface.value.trim() !== '';
			adoptOnly.forEach(function(i) {
				if (adopting)
					i.setAttribute('disabled', 'disabled');
				else
					i.removeAttribute('disabled');
			});
		});
		var errs = {};
		Object.keys(inputs).forEach(function(k) { errs[k] = E('div', { 'class': 'wu-field-error' }); });
		var formError = E('div', {});

		var body = [];
		if (fromOffer) {
			var r = logic.offerRow(offer);
			body.push(E('p', {}, logic.fmt(_('Offer from %s at %s: %s.'), r.peer_id, r.endpoint, r.capabilities)));
		}
		body.push(field(_('Peer id'), inputs.peer_id, fromOffer ? null : _('The provider\'s mesh id, e.g. sb-aa:bb:cc:dd:ee:ff'), errs.peer_id));
		if (!fromOffer)
			body.push(field(_('Existing interface'), inputs.interface,
				_('Optional: the name of a WireGuard interface you already have to this provider. It is adopted as it is (its endpoint, keys and address stay yours), so the three fields below are not needed.'),
				errs.interface));
		if (!fromOffer) {
			body.push(field(_('Endpoint'), inputs.endpoint, _('HOST:PORT of the provider\'s uplink server, reached over the mesh'), errs.endpoint));
			body.push(field(_('Public key'), inputs.public_key, _('The provider\'s WireGuard public key'), errs.public_key));
		}
		body.push(field(_('Tunnel address'), inputs.address, fromOffer
			? _('Leave empty to ask the provider for a grant over the mesh (it assigns the address); or the CIDR it assigned by hand')
			: _('The address the provider assigned to this router, CIDR, e.g. 10.200.1.2/32'), errs.address));
		body.push(field(_('Priority'), inputs.priority, _('1–100, higher is preferred'), errs.priority));
		body.push(formError);
		body.push(this.modalButtons([
			this.closeButton(_('Cancel')), ' ',
			E('button', { 'class': 'cbi-button cbi-button-positive', 'click': ui.createHandlerFn(this, function() {
				var v = logic.validateAddForm({
					peer_id: inputs.peer_id.value, endpoint: inputs.endpoint.value,
					public_key: inputs.public_key.value, address: inputs.address.value,
					priority: inputs.priority.value, interface: inputs.interface.value
				}, fromOffer);
				Object.keys(errs).forEach(function(k) { dom.content(errs[k], text(v.errors[k] || '')); });
				dom.content(formError, '');
				if (!v.ok)
					return;
				var a = v.args;
				return settle(callAdd(a.peer_id, a.endpoint, a.public_key, a.address, a.priority, a.interface)).then(function(res) {
					if (!res.ok) {
						dom.content(formError, errorBox(res.message));
						return;
					}
					self.showChangeResult(logic.fmt(_('Uplink %s added'), res.data.peer_id || a.peer_id), res.data);
					return self.refresh(true);
				});
			}) }, _('Add uplink'))
		]));

		showModal(fromOffer ? logic.fmt(_('Add uplink from %s'), offer.peer_id) : _('Add uplink manually'), body);
		(fromOffer ? inputs.address : inputs.peer_id).focus();
	},

	handleRemove: function(peer, iface, active) {
		var self = this;
		showModal(logic.fmt(_('Remove uplink %s?'), peer), [
			E('p', {}, logic.fmt(_('The tunnel %s and its network, mwan3 and firewall sections are deleted.'), iface)),
			active ? E('div', { 'class': 'alert-message warning' },
				_('This uplink carries traffic right now: traffic moves to the next healthy path.')) : '',
			this.modalButtons([
				this.closeButton(_('Cancel')), ' ',
				E('button', { 'class': 'cbi-button cbi-button-negative', 'click': ui.createHandlerFn(this, function() {
					return settle(callRemove(peer)).then(function(res) {
						ui.hideModal();
						if (!res.ok)
							self.notifyFailure(logic.fmt(_('Removing %s failed'), peer), res);
						else
							ui.addNotification(null, E('p', {}, logic.fmt(_('Uplink %s removed.'), peer)), 'info');
						return self.refresh(true);
					});
				}) }, _('Remove'))
			])
		]);
	},

	handlePriority: function(peer, current) {
		var self = this;
		var input = E('input', { 'name': 'priority', 'type': 'number', 'class': 'cbi-input-text', 'min': '1', 'max': '100',
			'value': (typeof(current) == 'number') ? String(current) : '50' });
		var err = E('div', { 'class': 'wu-field-error' });
		showModal(logic.fmt(_('Priority of %s'), peer), [
			field(_('Priority'), input, _('1–100. Among healthy uplinks the higher priority carries traffic first.'), err),
			this.modalButtons([
				this.closeButton(_('Cancel')), ' ',
				E('button', { 'class': 'cbi-button cbi-button-positive', 'click': ui.createHandlerFn(this, function() {
					var p = logic.parsePriority(input.value);
					dom.content(err, text(p.ok ? '' : p.error));
					if (!p.ok)
						return;
					return settle(callSetPriority(peer, p.value)).then(function(res) {
						if (!res.ok) {
							dom.content(err, text(res.message));
							return;
						}
						ui.hideModal();
						return self.refresh(true);
					});
				}) }, _('Save'))
			])
		]);
		input.focus();
	},

	handleFailover: function(enable) {
		var self = this;
		var run = function() {
			return settle(callFailover(enable)).then(function(res) {
				ui.hideModal();
				if (!res.ok)
					self.notifyFailure(enable ? _('Enabling failover failed') : _('Disabling failover failed'), res);
				return self.refresh(true);
			});
		};
		if (enable)
			return run();
		showModal(_('Disable automatic failover?'), [
			E('p', {}, _('Uplinks stay configured, but when every WAN is down this router stays offline instead of using them.')),
			this.modalButtons([
				this.closeButton(_('Cancel')), ' ',
				E('button', { 'class': 'cbi-button cbi-button-negative', 'click': ui.createHandlerFn(this, run) }, _('Disable'))
			])
		]);
	},

	handleApply: function() {
		var self = this;
		return settle(callApply()).then(function(res) {
			if (!res.ok)
				self.notifyFailure(_('Re-applying failed'), res);
			else
				self.showChangeResult(_('Configuration re-applied'), res.data);
			return self.refresh(true);
		});
	},

	handleTest: function(peer) {
		var self = this;
		var body = E('div', { 'class': 'wu-test' }, E('p', { 'class': 'spinning' },
			logic.fmt(_('Testing %s layer by layer: underlay, tunnel, provider, internet, DNS…'), peer)));
		var again = E('button', { 'class': 'cbi-button cbi-button-action', 'disabled': 'disabled',
			'click': function() { self.handleTest(peer); } }, _('Run again'));
		showModal(logic.fmt(_('Test uplink %s'), peer), [ body, this.modalButtons([ again, ' ', this.closeButton() ]) ]);

		return settle(callTest(peer)).then(function(res) {
			again.removeAttribute('disabled');
			if (!res.ok) {
				dom.content(body, errorBox(res.unsupported
					? logic.unsupportedMessage(_('The layered uplink test'), res) : res.message));
				return;
			}
			dom.content(body, self.renderTestResult(res.data));
		});
	},

	renderTestResult: function(result) {
		var sum = logic.testSummary(result);
		var rows = logic.testLayerRows(result);
		var titles = [ _('Layer'), _('Result'), _('Measured'), _('Detail') ];
		var trs = [];
		rows.forEach(function(r) {
			trs.push(E('tr', { 'class': 'tr' + (r.failed ? ' wu-row-failed' : '') }, [
				cell(titles[0], [ E('strong', {}, r.label), E('br'), E('small', { 'class': 'wu-muted' }, r.what) ]),
				cell(titles[1], E('span', { 'class': r.cls }, r.statusLabel)),
				cell(titles[2], r.measured),
				cell(titles[3], r.detail)
			]));
			if (r.hint || r.command)
				trs.push(E('tr', { 'class': 'tr wu-row-hint' }, [
					E('td', { 'class': 'td', 'colspan': '4' }, [
						r.hint ? E('div', {}, [ E('strong', {}, _('Likely cause: ')), r.hint ]) : '',
						r.command ? E('div', {}, [ E('strong', {}, _('Check with: ')), E('code', { 'class': 'wu-command' }, r.command) ]) : ''
					])
				]));
		});
		return E('div', {}, [
			E('div', { 'class': 'wu-test-summary ' + sum.cls }, sum.text),
			result.interface ? E('p', { 'class': 'wu-muted' }, logic.fmt(_('Interface %s'), result.interface)) : '',
			table(titles, trs, '')
		]);
	},

	handleOffer: function() {
		var self = this;
		var bw = E('input', { 'name': 'bandwidth', 'type': 'number', 'class': 'cbi-input-text', 'min': '1', 'placeholder': '100' });
		var wt = E('select', { 'name': 'wan_type', 'class': 'cbi-input-select' }, [ '', 'fiber', 'cable', 'dsl', 'lte', '5g', 'satellite', 'other' ]
			.map(function(v) { return E('option', { 'value': v }, v || _('(not said)')); }));
		var metered = E('input', { 'name': 'metered', 'type': 'checkbox' });
		var errs = { bandwidth: E('div', { 'class': 'wu-field-error' }), wan_type: E('div', { 'class': 'wu-field-error' }) };
		var formError = E('div', {});
		showModal(_('Offer this router\'s WAN to mesh peers'), [
			E('p', {}, _('Peers on the mesh may then use this router as their uplink when their own WAN fails.')),
			field(_('Bandwidth (Mbit/s)'), bw, _('What peers may expect; leave empty if unknown'), errs.bandwidth),
			field(_('WAN type'), wt, null, errs.wan_type),
			field(_('Metered'), metered, _('Tick for a volume-billed WAN (LTE); peers then prefer other offers'), null),
			formError,
			this.modalButtons([
				this.closeButton(_('Cancel')), ' ',
				E('button', { 'class': 'cbi-button cbi-button-positive', 'click': ui.createHandlerFn(this, function() {
					var v = logic.validateOfferForm({ bandwidth: bw.value, wan_type: wt.value, metered: metered.checked });
					dom.content(errs.bandwidth, text(v.errors.bandwidth || ''));
					dom.content(errs.wan_type, text(v.errors.wan_type || ''));
					dom.content(formError, '');
					if (!v.ok)
						return;
					return settle(callOffer(v.args.bandwidth, v.args.wan_type, v.args.metered)).then(function(res) {
						if (!res.ok) {
							var msg = res.unsupported ? logic.unsupportedMessage(_('Offering this router\'s WAN'), res) : res.message;
							if (res.unsupported)
								self.unsupported.offer = msg;
							dom.content(formError, errorBox(msg));
							return;
						}
						showModal(_('Offering this router\'s WAN'), [
							E('p', {}, logic.fmt(_('Mesh peers now hear an offer from %s: an uplink server on UDP port %s, consumers addressed from %s. Public key of the uplink server:'),
								res.data.peer_id || '?', res.data.listen_port || '?', res.data.pool || '?')),
							E('div', { 'class': 'wu-key' }, res.data.public_key || '?'),
							self.modalButtons([ self.closeButton() ])
						]);
						return self.refresh(true);
					});
				}) }, _('Offer'))
			])
		]);
	},

	handleWithdraw: function() {
		var self = this;
		showModal(_('Withdraw this router\'s offer?'), [
			E('p', {}, _('Peers stop hearing the offer. Peers that use this router as their uplink right now lose it.')),
			this.modalButtons([
				this.closeButton(_('Cancel')), ' ',
				E('button', { 'class': 'cbi-button cbi-button-negative', 'click': ui.createHandlerFn(this, function() {
					return settle(callWithdraw()).then(function(res) {
						ui.hideModal();
						if (!res.ok && res.unsupported)
							ui.addNotification(null, E('p', {}, logic.unsupportedMessage(_('Withdrawing the offer'), res)), 'warning');
						else if (!res.ok)
							self.notifyFailure(_('Withdrawing the offer failed'), res);
						return self.refresh(true);
					});
				}) }, _('Withdraw'))
			])
		]);
	},

	handleSaveApply: null,
	handleSave: null,
	handleReset: null
});
