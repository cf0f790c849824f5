#include "curl_shim.h"

CURLcode wgu_curl_setopt_long(CURL *h, CURLoption opt, long v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_str(CURL *h, CURLoption opt, const char *v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_ptr(CURL *h, CURLoption opt, void *v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_getinfo_long(CURL *h, CURLINFO info, long *v) { return curl_easy_getinfo(h, info, v); }
CURLcode wgu_curl_getinfo_double(CURL *h, CURLINFO info, double *v) { return curl_easy_getinfo(h, info, v); }

static long discard_limit = 65536;
static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
	long *seen = (long *)userdata;
	(void)ptr;
	*seen += (long)(size * nmemb);
	return *seen > discard_limit ? 0 : size * nmemb;
}

CURLcode wgu_curl_discard_body(CURL *h, long max_bytes) {
	static __thread long seen;
	seen = 0;
	discard_limit = max_bytes;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	return curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
}
