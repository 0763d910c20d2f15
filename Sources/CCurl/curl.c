#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The few libcurl declarations used here (curl.h is in the -dev package, which the build does not
// need). The option numbers are libcurl's stable ABI.
typedef void CURL;
struct curl_slist;
typedef int CURLcode;

enum {
    CURL_GLOBAL_ALL = 3,
    CURLOPT_WRITEDATA = 10001,
    CURLOPT_URL = 10002,
    CURLOPT_ERRORBUFFER = 10010,
    CURLOPT_POSTFIELDS = 10015,
    CURLOPT_HTTPHEADER = 10023,
    CURLOPT_CUSTOMREQUEST = 10036,
    CURLOPT_WRITEFUNCTION = 20011,
    CURLOPT_POSTFIELDSIZE_LARGE = 30120,
    CURLOPT_NOBODY = 44,
    CURLOPT_FOLLOWLOCATION = 52,
    CURLOPT_NOSIGNAL = 99,
    CURLOPT_TIMEOUT_MS = 155,
    CURLINFO_RESPONSE_CODE = 0x200000 + 2,
    CURL_ERROR_SIZE = 256,
};

static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *handle, int option, ...);
    CURLcode (*easy_perform)(CURL *handle);
    CURLcode (*easy_getinfo)(CURL *handle, int info, ...);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *line);
    void (*slist_free_all)(struct curl_slist *list);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_error, sizeof load_error, "cannot load libcurl (on Debian: apt-get install libcurl4): %s", dlerror());
        return;
    }
#define BIND(field, symbol)                                                                         \
    if ((*(void **)&curl.field = dlsym(library, symbol)) == NULL) {                                 \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s; it is too old", symbol);    \
        return;                                                                                     \
    }
    BIND(global_init, "curl_global_init")
    BIND(easy_init, "curl_easy_init")
    BIND(easy_setopt, "curl_easy_setopt")
    BIND(easy_perform, "curl_easy_perform")
    BIND(easy_getinfo, "curl_easy_getinfo")
    BIND(easy_cleanup, "curl_easy_cleanup")
    BIND(easy_strerror, "curl_easy_strerror")
    BIND(slist_append, "curl_slist_append")
    BIND(slist_free_all, "curl_slist_free_all")
#undef BIND
    CURLcode code = curl.global_init(CURL_GLOBAL_ALL);
    if (code != 0) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed: %s", curl.easy_strerror(code));
        curl.easy_init = NULL;
    }
}

static size_t collect(char *data, size_t size, size_t count, void *context) {
    logport_curl_response *response = context;
    size_t length = size * count;
    unsigned char *grown = realloc(response->body, response->body_length + length);
    if (grown == NULL) return 0;  // libcurl then fails the transfer (CURLE_WRITE_ERROR)
    memcpy(grown + response->body_length, data, length);
    response->body = grown;
    response->body_length += length;
    return length;
}

int logport_curl_request(const char *method, const char *url, const char *const *headers, size_t header_count,
                         const void *body, size_t body_length, long timeout_ms, logport_curl_response *response,
                         char *error, size_t error_capacity) {
    pthread_once(&load_once, load);
    memset(response, 0, sizeof *response);
    if (curl.easy_init == NULL) {
        snprintf(error, error_capacity, "%s", load_error);
        return -1;
    }
    CURL *handle = curl.easy_init();
    if (handle == NULL) {
        snprintf(error, error_capacity, "curl_easy_init failed");
        return -1;
    }
    struct curl_slist *list = NULL;
    for (size_t index = 0; index < header_count; index++) list = curl.slist_append(list, headers[index]);
    // libcurl would otherwise send larger bodies only after waiting up to a second for a
    // "100 Continue" many servers never send.
    list = curl.slist_append(list, "Expect:");
    char message[CURL_ERROR_SIZE] = "";
    curl.easy_setopt(handle, CURLOPT_URL, url);
    curl.easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
    curl.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    if (body_length > 0 || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)) {
        curl.easy_setopt(handle, CURLOPT_POSTFIELDS, body_length > 0 ? body : "");
        curl.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (long long)body_length);
    }
    if (strcmp(method, "HEAD") == 0) curl.easy_setopt(handle, CURLOPT_NOBODY, 1L);
    curl.easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
    curl.easy_setopt(handle, CURLOPT_WRITEDATA, response);
    curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, message);
    CURLcode code = curl.easy_perform(handle);
    if (code == 0) {
        curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response->status);
    } else {
        snprintf(error, error_capacity, "%s", message[0] != '\0' ? message : curl.easy_strerror(code));
        logport_curl_response_free(response);
    }
    curl.easy_cleanup(handle);
    curl.slist_free_all(list);
    return code == 0 ? 0 : (int)code;
}

void logport_curl_response_free(logport_curl_response *response) {
    free(response->body);
    response->body = NULL;
    response->body_length = 0;
}
