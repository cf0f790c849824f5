/*
 * wgctl-http-probe: the HTTP probes of wgctl, through libcurl, in a process of their own.
 * wgctl keeps one running (the daemon for its whole life, a command for its own) so that
 * neither its start-up nor its memory carries libcurl and its TLS library, and a request that
 * hangs or crashes takes down only this helper, which wgctl then replaces.
 *
 * One request a line on stdin, fields separated by tabs, "-" for none:
 *     GET <url> <device> <address to pin the URL's host to> <timeout in ms>
 * One answer a line on stdout:
 *     <HTTP status, 0 for none> <total time in ms> <libcurl's error, empty when none>
 * It exits at the end of its input (wgctl closed the pipe or is gone).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 4096
#define BODY_LIMIT 65536

struct discard_state { long seen; };

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
	struct discard_state *st = userdata;
	(void)ptr;
	st->seen += (long)(size * nmemb);
	return st->seen > BODY_LIMIT ? 0 : size * nmemb;
}

/* Host and port of an http(s) URL for CURLOPT_RESOLVE ("host:port:address"). */
static int resolve_entry(const char *url, const char *address, char *out, size_t out_len) {
	int https = strncmp(url, "https://", 8) == 0;
	if (!https && strncmp(url, "http://", 7) != 0) return -1;
	const char *host = url + (https ? 8 : 7);
	size_t len = strcspn(host, "/?#");
	const char *at = memchr(host, '@', len);
	if (at) { len -= (size_t)(at + 1 - host); host = at + 1; }
	const char *colon = NULL;
	if (host[0] != '[') for (size_t i = 0; i < len; i++) if (host[i] == ':') colon = host + i;
	size_t host_len = colon ? (size_t)(colon - host) : len;
	long port = colon ? strtol(colon + 1, NULL, 10) : (https ? 443 : 80);
	if (host_len == 0 || port <= 0 || port > 65535) return -1;
	int n = snprintf(out, out_len, "%.*s:%ld:%s", (int)host_len, host, port, address);
	return n > 0 && (size_t)n < out_len ? 0 : -1;
}

/* libcurl's words on one line: no tab or newline may end a field early. */
static void answer(long status, double total_ms, const char *error) {
	char clean[256];
	size_t i = 0;
	for (; error && error[i] && i < sizeof clean - 1; i++) clean[i] = (error[i] == '\t' || error[i] == '\n' || error[i] == '\r') ? ' ' : error[i];
	clean[i] = 0;
	printf("%ld\t%.3f\t%s\n", status, total_ms, clean);
	fflush(stdout);
}

static void probe(char *fields[5]) {
	const char *url = fields[1], *device = fields[2], *address = fields[3];
	long timeout_ms = strtol(fields[4], NULL, 10);
	if (timeout_ms <= 0 || timeout_ms > 60000) { answer(0, 0, "bad timeout"); return; }
	CURL *h = curl_easy_init();
	if (!h) { answer(0, 0, "curl_easy_init failed"); return; }
	struct discard_state st = { 0 };
	struct curl_slist *resolve = NULL;
	char iface[64], entry[LINE_MAX_BYTES];
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "wireguard-uplink-probe");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
	if (strcmp(device, "-") != 0) {
		snprintf(iface, sizeof iface, "if!%s", device);
		curl_easy_setopt(h, CURLOPT_INTERFACE, iface);
	}
	if (strcmp(address, "-") != 0 && resolve_entry(url, address, entry, sizeof entry) == 0) {
		resolve = curl_slist_append(NULL, entry);
		curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
	}
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	double total = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &total);
	answer(status, total * 1000, rc == CURLE_OK ? "" : curl_easy_strerror(rc));
	curl_slist_free_all(resolve);
	curl_easy_cleanup(h);
}

int main(void) {
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "wgctl-http-probe: curl_global_init failed\n");
		return 1;
	}
	char line[LINE_MAX_BYTES];
	while (fgets(line, sizeof line, stdin)) {
		size_t len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			/* longer than a request can be: drop the rest of it */
			int c;
			while (len == sizeof line - 1 && (c = getchar()) != EOF && c != '\n') {}
			answer(0, 0, "request too long");
			continue;
		}
		line[len - 1] = 0;
		char *fields[5], *save = NULL, *p = line;
		int n = 0;
		for (char *f; n < 5 && (f = strtok_r(p, "\t", &save)); p = NULL) fields[n++] = f;
		if (n != 5 || strtok_r(NULL, "\t", &save) || strcmp(fields[0], "GET") != 0) { answer(0, 0, "bad request"); continue; }
		probe(fields);
	}
	curl_global_cleanup();
	return 0;
}
