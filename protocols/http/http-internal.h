/*
 * http-internal.h: shared between the files of protocols/http only.
 *
 * http_conn.c   the proto_module: reads requests with http_parser, limits, timeouts, dispatch
 * http_parse.c  pure helpers: request-target split, percent-decoding, Basic credentials
 * http_auth.c   Basic authentication with the server-wide cache of verified credentials
 * http_response.c  status line, headers, whole and chunked bodies, the access log line
 */
#ifndef KITH_HTTP_INTERNAL_H
#define KITH_HTTP_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "protocols/http/http.h"

#define HTTP_AUTH_CACHE_SIZE 64
#define HTTP_AUTH_CACHE_TTL  300 /* seconds a verified password is remembered */
#define HTTP_AUTH_USER_MAX   128
#define HTTP_TRUSTED_MAX     16
#define HTTP_STREAM_LOWAT    (64 * 1024)   /* ask a streaming writer for more below this */
#define HTTP_PIPELINE_HIWAT  (1024 * 1024) /* stop parsing while this much output waits */
#define HTTP_CACHE_BUCKETS   4096 /* response cache: hash buckets */
#define HTTP_CACHE_ENTRIES   4096 /* response cache: most answers kept */
#define HTTP_CACHE_CAPTURES  4    /* response cache: answers being captured at once */
#define HTTP_CACHE_ENTRY_SHARE 4  /* response cache: one answer takes at most this part of it */
#define HTTP_CACHE_INLINE_MAX (64 * 1024) /* response cache: larger bodies keep their own pages */

struct http_auth_entry {
    uint8_t key[32]; /* SHA-256(salt || user || 0 || password) */
    char user[HTTP_AUTH_USER_MAX];
    time_t expires; /* 0: empty slot */
};

struct http_server {
    const struct kith_config *cfg;
    http_handler_fn *handler;
    void *handler_ctx;
    http_auth_fn *auth;
    void *auth_ctx;
    http_auth_needed_fn *needed;
    void *needed_ctx;
    http_auth_lookup_fn *lookup;
    void *lookup_ctx;
    uint8_t salt[32];
    struct http_auth_entry cache[HTTP_AUTH_CACHE_SIZE];
    struct in6_addr trusted[HTTP_TRUSTED_MAX]; /* IPv4 as v4-mapped */
    size_t ntrusted;
    unsigned long next_req;
    struct http_cache *responses; /* http_cache.c; NULL if it could not be made */
};

enum http_conn_state {
    HTTP_CONN_IDLE,     /* between requests: idle timeout armed */
    HTTP_CONN_READING,  /* head or body arriving: request timeout armed */
    HTTP_CONN_HANDLING, /* handler called; response not yet fully queued */
    HTTP_CONN_CLOSING,  /* final response queued; closing after flush */
};

struct http_conn {
    struct conn *conn;
    struct http_server *hs;
    http_parser parser;
    enum http_conn_state state;
    struct http_request *req;

    /* Head being parsed. */
    struct strbuf url;
    struct strbuf field;
    struct strbuf value;
    bool in_value;
    uint64_t head_bytes;
    uint64_t body_bytes;
    unsigned headers_seen;
    size_t header_cap;
    struct strbuf body;

    int reject_status; /* answer instead of the handler (401 after reading the body) */
    bool reject_now;   /* answer at once and close (413, 417, 400, 431) */
    bool message_done;
    bool keep_alive;
    bool close_after; /* the current response ends the connection */
    bool in_dispatch; /* handler or pull callback on the stack */

    http_pull_fn *pull;
    void *pull_ctx;
    uint64_t offered; /* bytes handed to http_respond_chunk: progress of a pull writer */
    bool in_process;  /* http_conn_process on the stack: it picks up the next request */
    bool expect_continue;
};

/* http_parse.c */
int http_target_split(struct str_view target, struct str_view *path_out,
                      struct str_view *query_out);
int http_path_decode(struct arena *a, struct str_view raw, const char **path_out);
int http_basic_decode(struct arena *a, const char *authorization, const char **user_out,
                      const char **password_out);
bool http_token_list_has(const char *list, const char *token);
int http_trusted_parse(const char *list, struct in6_addr *out, size_t max, size_t *count_out);
bool http_trusted_has(const struct http_server *hs, const char *peer);

/* http_cache.c */
struct http_cache *http_cache_new(void);
void http_cache_clear(struct http_cache *c);
void http_cache_free(struct http_cache **c);
void http_capture_head(struct http_request *req, const char *content_type);
void http_capture_body(struct http_request *req, const void *data, size_t len);
void http_capture_finish(struct http_request *req);

/* http_auth.c */
int http_auth_request(struct http_server *hs, struct http_request *req);

/* http_response.c */
void http_response_send_continue(struct http_conn *hc);
void http_write_head(struct http_request *req, int status, const char *content_type,
                     bool chunked, uint64_t length);
void http_response_finished(struct http_request *req);
void http_stream_pump(struct http_conn *hc);
uint64_t http_now_us(void);

/* http_conn.c */
void http_conn_request_done(struct http_conn *hc);

#endif
