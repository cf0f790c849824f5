#ifndef WGU_CURL_SHIM_H
#define WGU_CURL_SHIM_H
#include <curl/curl.h>
/*
 * libcurl, loaded on first use with dlopen: commands that never make an HTTP request do not
 * map libcurl and its TLS libraries at all (faster start, smaller resident set).
 * wgu_curl_load returns 0 when libcurl is usable, -1 otherwise (wgu_curl_error says why).
 */
int wgu_curl_load(void);
const char *wgu_curl_error(void);
CURL *wgu_curl_easy_init(void);
void wgu_curl_easy_cleanup(CURL *h);
CURLcode wgu_curl_easy_perform(CURL *h);
const char *wgu_curl_easy_strerror(CURLcode c);
struct curl_slist *wgu_curl_slist_append(struct curl_slist *l, const char *s);
void wgu_curl_slist_free_all(struct curl_slist *l);
/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift calls these typed wrappers. */
CURLcode wgu_curl_setopt_long(CURL *h, CURLoption opt, long v);
CURLcode wgu_curl_setopt_str(CURL *h, CURLoption opt, const char *v);
CURLcode wgu_curl_setopt_ptr(CURL *h, CURLoption opt, void *v);
CURLcode wgu_curl_getinfo_long(CURL *h, CURLINFO info, long *v);
CURLcode wgu_curl_getinfo_double(CURL *h, CURLINFO info, double *v);
/* Reads and drops the response body, stopping after max_bytes. */
CURLcode wgu_curl_discard_body(CURL *h, long max_bytes);
#endif
