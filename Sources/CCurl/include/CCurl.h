#ifndef LOGPORT_CCURL_H
#define LOGPORT_CCURL_H

#include <stddef.h>

/// What `logport_curl_request` received: the HTTP status and the response body (malloc'd, owned
/// by the caller: free it with `logport_curl_response_free`).
typedef struct logport_curl_response {
    long status;
    unsigned char *body;
    size_t body_length;
} logport_curl_response;

/// Sends one HTTP(S) request with libcurl and waits for the response (blocking). libcurl
/// (libcurl.so.4) is loaded with dlopen at the first call, so a process that never sends HTTP
/// never maps it nor the TLS, Kerberos and LDAP libraries it depends on.
///
/// `headers` are `Name: value` lines. Redirects are followed. Returns 0 with `response` filled
/// when a response arrived, whatever its status; otherwise nonzero, with a message in `error`
/// (libcurl missing, no connection, timeout after `timeout_ms`).
int logport_curl_request(const char *method, const char *url, const char *const *headers, size_t header_count,
                         const void *body, size_t body_length, long timeout_ms, logport_curl_response *response,
                         char *error, size_t error_capacity);

void logport_curl_response_free(logport_curl_response *response);

#endif
