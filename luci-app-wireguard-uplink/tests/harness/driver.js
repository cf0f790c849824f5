/*
 * Boots the view the way LuCI's dispatcher does (L.require of the view class
 * instantiates it, which loads and renders), shows any uncaught JS error in
 * red on the page so a screenshot cannot hide it, and plays the scenario's
 * scripted user actions (click, fill a modal, submit) from HARNESS_ENV.drive.
 */
(function() {
	'use strict';
	var H = window.HARNESS_ENV || {};

	function report(what) {
		window.__harness.errors.push(String(what));
		var box = document.getElementById('harness-errors');
		if (box)
			box.appendChild(E('pre', { 'class': 'harness-error' }, 'HARNESS: uncaught JavaScript error: ' + what));
	}
	window.addEventListener('error', function(ev) { report(ev.message + ' at ' + ev.filename + ':' + ev.lineno); });
	window.addEventListener('unhandledrejection', function(ev) {
		var r = ev.reason;
		report((r && r.stack) ? r.stack : String(r));
	});

	function waitFor(test, ms) {
		return new Promise(function(resolve, reject) {
			var t0 = Date.now();
			(function check() {
				var v = test();
				if (v)
					return resolve(v);
				if (Date.now() - t0 > ms)
					return reject(new Error('harness driver: timed out waiting'));
				setTimeout(check, 50);
			})();
		});
	}

	function buttonWithText(scope, text) {
		var bs = (scope || document).querySelectorAll('button');
		for (var i = 0; i < bs.length; i++)
			if (bs[i].textContent.trim() === text)
				return bs[i];
		return null;
	}

	function drive(d) {
		var p = waitFor(function() { return document.querySelector('#view .wu-page'); }, 4000);
		if (d.click)
			p = p.then(function() { return waitFor(function() { return document.querySelector(d.click); }, 4000); })
				.then(function(b) { b.click(); });
		if (d.clickText)
			p = p.then(function() { return waitFor(function() { return buttonWithText(document, d.clickText); }, 4000); })
				.then(function(b) { b.click(); });
		if (d.fill)
			p = p.then(function() {
				return waitFor(function() { return document.querySelector('.modal [name]'); }, 4000);
			}).then(function() {
				Object.keys(d.fill).forEach(function(k) {
					var el = document.querySelector('.modal [name="' + k + '"]');
					if (el)
						el.value = d.fill[k];
				});
			});
		if (d.submit)
			p = p.then(function() { return waitFor(function() { return buttonWithText(document.querySelector('.modal'), d.submit); }, 4000); })
				.then(function(b) { b.click(); });
		return p.catch(report);
	}

	/* for `chromium --dump-dom` checks: rpc calls made, poll ticks run, errors seen */
	setInterval(function() {
		document.body.setAttribute('data-harness', JSON.stringify({
			calls: window.__harness.calls.length, polls: window.__harness.polls, errors: window.__harness.errors
		}));
	}, 250);

	document.addEventListener('DOMContentLoaded', function() {
		var tag = document.getElementById('harness-tag');
		tag.textContent = 'test harness · scenario: ' + (H.scenario || '?') +
			(H.readonly ? ' · read-only ACL' : '') +
			(H.canned_test ? ' · uplink_test: CANNED reply while wgctl lacks it' : '') +
			(H.isolated ? ' · wgctl runs in an empty netns' : '');
		L.require('view.wireguard-uplink.uplinks').then(function() {
			if (H.drive)
				return drive(H.drive);
		}).catch(report);
	});
})();
