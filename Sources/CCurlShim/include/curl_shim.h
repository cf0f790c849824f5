#ifndef WGU_CURL_SHIM_H
#define WGU_CURL_SHIM_H
#include <curl/curl.h>
/* curl_easy_setopt and curl_easy_getinfo are variadic: Swift calls these typed wrappers. */
CURLcode wgu_curl_setopt_long(CURL *h, CURLoption opt, long v);
CURLcode wgu_curl_setopt_str(CURL *h, CURLoption opt, const char *v);
CURLcode wgu_curl_setopt_ptr(CURL *h, CURLoption opt, void *v);
CURLcode wgu_curl_getinfo_long(CURL *h, CURLINFO info, long *v);
CURLcode wgu_curl_getinfo_double(CURL *h, CURLINFO info, double *v);
/* Reads and drops the response body, stopping after max_bytes. */
CURLcode wgu_curl_discard_body(CURL *h, long max_bytes);
#endif
