#include "curl_shim.h"

CURLcode wgu_curl_setopt_long(CURL *h, CURLoption opt, long v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_str(CURL *h, CURLoption opt, const char *v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_setopt_ptr(CURL *h, CURLoption opt, void *v) { return curl_easy_setopt(h, opt, v); }
CURLcode wgu_curl_getinfo_long(CURL *h, CURLINFO info, long *v) { return curl_easy_getinfo(h, info, v); }
CURLcode wgu_curl_getinfo_double(CURL *h, CURLINFO info, double *v) { return curl_easy_getinfo(h, info, v); }
