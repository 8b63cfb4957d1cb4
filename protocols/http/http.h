/*
 * http.h: Kith's HTTP/1.1 server on bufferevents (libevent 2.1's evhttp knows no WebDAV
 * methods), parsing with Debian's libhttp-parser.
 *
 * Set-up (src/main.c):
 *
 *     struct http_server *hs = http_server_new(&cfg, dav_handle, dav_ctx);
 *     http_server_set_auth(hs, users_check_password, users_ctx, dav_needs_auth, dav_ctx);
 *     server_listen(srv, cfg.http_listen, false, &http_module, hs);
 *     server_listen(srv, cfg.https_listen, true, &http_module, hs);
 *     ... server_run(srv); server_free(&srv); http_server_free(&hs);
 *
 * Per connection the layer reads requests one at a time; pipelined requests wait in the
 * input buffer until the previous response is queued, so answers go out strictly in order.
 * For each request it enforces the limits (cfg max_header_bytes and max_headers: 431;
 * max_body: 413, also for chunked bodies; request_timeout: 408 and close; idle_timeout:
 * close), answers `Expect: 100-continue` (100 only when the body will be accepted), checks
 * Basic credentials (401 with WWW-Authenticate where the application says a path needs
 * them), reads the whole body into the request arena and then calls the handler once.
 *
 * Contract for the handler: every request ends in exactly one http_respond(),
 * http_respond_error() or http_respond_start() ... http_respond_end() (asserted in debug
 * builds; a release build answers 500). The handler answers before it returns, or at least
 * starts a streamed answer that a pull callback finishes later. The request and its arena
 * live until the response is fully queued, or the connection drops: a streaming writer
 * releases what it holds (a store transaction) with arena_on_free(req->arena, ...), which
 * runs in both cases. After the call that ends the response, do not touch req.
 * HEAD is handled here: answer it as GET, the layer sends the headers (with the right
 * Content-Length) and drops the body.
 *
 * One access line per request at info level:
 *   ... info conn=4 req=17 user=alice PROPFIND /dav/addressbooks/alice/ 207 5120B 3ms
 */
#ifndef KITH_HTTP_H
#define KITH_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h> /* enum http_method: HTTP_GET, HTTP_PROPFIND, HTTP_REPORT, ... */

#include "src/log.h"
#include "src/proto.h"
#include "src/strbuf.h"

struct arena;
struct kith_config;
struct http_server;
struct http_conn;

struct http_header_field {
    const char *name;  /* as sent; NUL-terminated, in the request arena */
    const char *value; /* leading/trailing whitespace removed */
};

struct http_request {
    struct arena *arena; /* freed once the response is fully queued */
    struct log_ctx log;  /* conn=, req= and (once known) user= */

    enum http_method method;  /* from http_parser.h */
    const char *method_name;  /* "PROPFIND" */
    unsigned http_minor;      /* 1 for HTTP/1.1, 0 for HTTP/1.0 */
    struct str_view target;   /* request-target exactly as sent */
    struct str_view raw_path; /* path part, still percent-encoded */
    const char *path;         /* percent-decoded path: no NUL, no "." or ".." segment */
    struct str_view query;    /* after '?', without it; empty when none */

    struct http_header_field *headers; /* in arrival order; repeated fields joined by ", " */
    size_t header_count;
    struct str_view body; /* the whole body (dechunked), in the arena; empty if none */

    const char *user; /* authenticated user name, NULL when anonymous */
    const char *peer; /* peer address text "192.0.2.1" (no port) */
    bool peer_is_loopback;
    bool secure;        /* TLS, or X-Forwarded-Proto: https from a trusted proxy */
    const char *scheme; /* "https" or "http", as the client sees it */
    const char *host;   /* Host (or X-Forwarded-Host from a trusted proxy), may be "" */

    /* Private to protocols/http. */
    struct http_conn *hc;
    struct strbuf resp_headers; /* extra headers from http_header_add */
    struct http_capture *capture; /* response being copied into the cache (http_cache.c) */
    uint64_t start_us;
    uint64_t resp_bytes;
    int status;
    bool responded; /* a respond call started */
    bool streaming; /* between http_respond_start and http_respond_end */
    bool done;      /* response fully queued */
};

/* Handler for every request that passed the limits (and auth, where needed). */
typedef void http_handler_fn(struct http_request *req, void *ctx);

/* Check one user's password: 0 when it matches, ERR_DENIED when not, other ERR_* on error.
 * May be slow (yescrypt); results are cached server-wide for 5 minutes (salted SHA-256 of
 * user and password; the password itself is never kept). */
typedef int http_auth_fn(void *ctx, const char *user, const char *password);

/* Whether a request needs an authenticated user. Called after the headers, before the body.
 * NULL predicate: every request needs one. */
typedef bool http_auth_needed_fn(void *ctx, const struct http_request *req);

/* Called when the output buffer has drained below the streaming watermark during a
 * streamed response: write more with http_respond_chunk(), or finish with
 * http_respond_end(). */
typedef void http_pull_fn(struct http_request *req, void *ctx);

/* The protocol module to pass to server_listen() with a struct http_server as module_ctx. */
extern const struct proto_module http_module;

/* New HTTP server state shared by all its listeners (limits from cfg, which must outlive
 * it). NULL only if the random salt for the auth cache cannot be made. */
struct http_server *http_server_new(const struct kith_config *cfg, http_handler_fn *handler,
                                    void *handler_ctx);

/* Enable Basic authentication. Without it, every request is anonymous (user NULL). */
void http_server_set_auth(struct http_server *hs, http_auth_fn *auth, void *auth_ctx,
                          http_auth_needed_fn *needed, void *needed_ctx);

/* Optional, called on every request with credentials (so it must be cheap: one store
 * read): the canonical name of user (a login for an e-mail) and its credential stamp (the
 * stored password hash). The stamp is part of the cache key, so a password change or a
 * deleted user takes effect at once, not after the cache entry expires, and req->user is
 * the canonical name. ERR_NOT_FOUND: no such user (401). Views live in a. */
typedef int http_auth_lookup_fn(void *ctx, struct arena *a, const char *user,
        const char **canonical_out, struct str_view *stamp_out);
void http_server_set_auth_lookup(struct http_server *hs, http_auth_lookup_fn *lookup, void *ctx);

/* Forget cached credentials (after a password change or user deletion). */
void http_server_auth_cache_clear(struct http_server *hs);

void http_server_free(struct http_server **hs);

/* Request header by name, ASCII case-insensitive; NULL when absent. Lives in req->arena. */
const char *http_header(const struct http_request *req, const char *name);

/* Add a response header before responding; name and value are copied. Date, Content-Length,
 * Transfer-Encoding and Connection are set by the layer and must not be added. */
void http_header_add(struct http_request *req, const char *name, const char *value);

/* Answer with a whole body (copied). content_type NULL: no Content-Type (e.g. 204, 304). */
void http_respond(struct http_request *req, int status, const char *content_type,
                  struct str_view body);

/* Answer with a short text/plain body naming the status ("404 Not Found\n"). */
void http_respond_error(struct http_request *req, int status);

/* 401 with WWW-Authenticate: Basic realm="Kith", charset="UTF-8" (never 403 to a probe). */
void http_respond_unauthorized(struct http_request *req);

/* Streaming answer with Transfer-Encoding: chunked (RFC 7230 4.1) for large multistatus
 * bodies: start, any number of chunks, then end. With http_respond_pull() the layer calls
 * more(req, ctx) whenever the socket's output buffer falls below its watermark, so memory
 * stays flat however long the body; without it, chunks are simply queued. */
void http_respond_start(struct http_request *req, int status, const char *content_type);
void http_respond_chunk(struct http_request *req, struct str_view data);
void http_respond_pull(struct http_request *req, http_pull_fn *more, void *ctx);
void http_respond_end(struct http_request *req);

/* Response cache (http_cache.c has the design). For a read whose answer depends only on
 * the bytes of key and on data that has not changed since generation: answer from the
 * cache and return true (the request is then done: do not touch req), or return false and
 * handle the request as usual, in which case a 200 or 207 answer is kept for the next
 * identical request of the same generation. Off when [http] cache_size is 0. */
bool http_cache_answer(struct http_request *req, struct str_view key, uint64_t generation);
/* This answer must not be kept (it depends on the clock, say, or will be larger than
 * http_cache_capture_limit). Call before responding ends. */
void http_cache_skip(struct http_request *req);
/* Body bytes this answer may still have and be kept; 0 when it is not being captured. */
size_t http_cache_capture_limit(const struct http_request *req);
/* Forget every cached answer (configuration reloaded). */
void http_server_cache_clear(struct http_server *hs);
struct http_cache_stats {
    size_t entries, bytes;
    uint64_t hits, misses;
};
void http_server_cache_stats(const struct http_server *hs, struct http_cache_stats *out);

/* Bytes waiting in the connection's output buffer (to pace a writer without a pull). */
size_t http_output_pending(const struct http_request *req);

/* "OK" for 200, "Multi-Status" for 207 ...; "Unknown" for codes we do not know. The status
 * line is always "HTTP/1.1 <code> <this text>" (Thunderbird string-matches it). */
const char *http_status_text(int status);

#endif
