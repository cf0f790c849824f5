#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include "curl_shim.h"

static struct {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_perform)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} api;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;
static char error[256] = "libcurl not loaded";

static void load(void) {
	const char *names[] = { "libcurl.so.4", "libcurl.so", "libcurl-gnutls.so.4", NULL };
	void *h = NULL;
	for (int i = 0; names[i] && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(error, sizeof error, "cannot load libcurl: %s", dlerror());
		return;
	}
#define SYM(field, name) if (!(*(void **)&api.field = dlsym(h, name))) { snprintf(error, sizeof error, "libcurl lacks %s", name); return; }
	SYM(global_init, "curl_global_init")
	SYM(easy_init, "curl_easy_init")
	SYM(easy_cleanup, "curl_easy_cleanup")
	SYM(easy_perform, "curl_easy_perform")
	SYM(easy_strerror, "curl_easy_strerror")
	SYM(easy_setopt, "curl_easy_setopt")
	SYM(easy_getinfo, "curl_easy_getinfo")
	SYM(slist_append, "curl_slist_append")
	SYM(slist_free_all, "curl_slist_free_all")
#undef SYM
	if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(error, sizeof error, "curl_global_init failed");
		return;
	}
	loaded = 0;
}

int wgu_curl_load(void) { pthread_once(&once, load); return loaded; }
const char *wgu_curl_error(void) { return error; }
CURL *wgu_curl_easy_init(void) { return api.easy_init(); }
void wgu_curl_easy_cleanup(CURL *h) { api.easy_cleanup(h); }
CURLcode wgu_curl_easy_perform(CURL *h) { return api.easy_perform(h); }
const char *wgu_curl_easy_strerror(CURLcode c) { return api.easy_strerror(c); }
struct curl_slist *wgu_curl_slist_append(struct curl_slist *l, const char *s) { return api.slist_append(l, s); }
void wgu_curl_slist_free_all(struct curl_slist *l) { api.slist_free_all(l); }

CURLcode wgu_curl_setopt_long(CURL *h, CURLoption opt, long v) { return api.easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_str(CURL *h, CURLoption opt, const char *v) { return api.easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_ptr(CURL *h, CURLoption opt, void *v) { return api.easy_setopt(h, opt, v); }
CURLcode wgu_curl_getinfo_long(CURL *h, CURLINFO info, long *v) { return api.easy_getinfo(h, info, v); }
CURLcode wgu_curl_getinfo_double(CURL *h, CURLINFO info, double *v) { return api.easy_getinfo(h, info, v); }

struct discard_state { long seen, limit; };
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
	struct discard_state *st = userdata;
	(void)ptr;
	st->seen += (long)(size * nmemb);
	return st->seen > st->limit ? 0 : size * nmemb;
}

CURLcode wgu_curl_discard_body(CURL *h, long max_bytes) {
	static __thread struct discard_state st;
	st.seen = 0;
	st.limit = max_bytes;
	api.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	return api.easy_setopt(h, CURLOPT_WRITEDATA, &st);
}
