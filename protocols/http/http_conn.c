#include "protocols/http/http-internal.h"

#include <assert.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"

static void http_conn_process(struct http_conn *hc);

static struct http_conn *http_conn_of(http_parser *p)
{
    return p->data;
}

/* Stop parsing and answer status at once, then close: the rest of the input cannot be
 * trusted to be where the next request starts. */
static int http_conn_reject_now(struct http_conn *hc, int status)
{
    if (hc->reject_status == 0 || hc->reject_status == 401) {
        hc->reject_status = status;
    }
    hc->reject_now = true;
    http_parser_pause(&hc->parser, 1);
    return 0;
}

static bool http_conn_head_grow(struct http_conn *hc, size_t len)
{
    hc->head_bytes += len;
    return hc->head_bytes <= hc->hs->cfg->max_header_bytes;
}

static int http_on_url(http_parser *p, const char *at, size_t len)
{
    struct http_conn *hc = http_conn_of(p);
    if (!http_conn_head_grow(hc, len)) {
        return http_conn_reject_now(hc, 414);
    }
    strbuf_append(&hc->url, at, len);
    return 0;
}

/* RFC 7230 3.2.2: repeated fields combine into one comma-separated value. */
static void http_conn_commit_header(struct http_conn *hc)
{
    struct http_request *req = hc->req;
    size_t vlen = hc->value.len;
    while (vlen > 0 && (hc->value.ptr[vlen - 1] == ' ' || hc->value.ptr[vlen - 1] == '\t')) {
        vlen--;
    }
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, hc->field.ptr) == 0) {
            struct strbuf joined;
            strbuf_init(&joined, req->arena, strlen(req->headers[i].value) + vlen + 3);
            strbuf_append_cstr(&joined, req->headers[i].value);
            strbuf_append(&joined, ", ", 2);
            strbuf_append(&joined, hc->value.ptr, vlen);
            req->headers[i].value = joined.ptr;
            goto out;
        }
    }
    if (req->header_count == hc->header_cap) {
        size_t cap = hc->header_cap ? hc->header_cap * 2 : 16;
        struct http_header_field *grown =
                arena_new_array(req->arena, struct http_header_field, cap);
        if (req->header_count > 0) {
            memcpy(grown, req->headers, req->header_count * sizeof(*grown));
        }
        req->headers = grown;
        hc->header_cap = cap;
    }
    req->headers[req->header_count].name = arena_strndup(req->arena, hc->field.ptr, hc->field.len);
    req->headers[req->header_count].value = arena_strndup(req->arena, hc->value.ptr, vlen);
    req->header_count++;
out:
    strbuf_reset(&hc->field);
    strbuf_reset(&hc->value);
    hc->in_value = false;
}

static int http_on_header_field(http_parser *p, const char *at, size_t len)
{
    struct http_conn *hc = http_conn_of(p);
    if (!http_conn_head_grow(hc, len)) {
        return http_conn_reject_now(hc, 431);
    }
    if (hc->in_value) {
        http_conn_commit_header(hc);
    }
    if (hc->field.len == 0) {
        /* A new field starts: count it before storing it (RFC 6585 5). Repeated names
         * count too, so 10,000 copies of one header are refused as well. */
        if (++hc->headers_seen > hc->hs->cfg->max_headers) {
            return http_conn_reject_now(hc, 431);
        }
    }
    strbuf_append(&hc->field, at, len);
    return 0;
}

static int http_on_header_value(http_parser *p, const char *at, size_t len)
{
    struct http_conn *hc = http_conn_of(p);
    if (!http_conn_head_grow(hc, len)) {
        return http_conn_reject_now(hc, 431);
    }
    hc->in_value = true;
    strbuf_append(&hc->value, at, len);
    return 0;
}

/* X-Forwarded-Proto/-Host are believed only from a configured proxy address. */
static void http_conn_set_origin(struct http_conn *hc, struct http_request *req)
{
    req->secure = hc->conn->tls;
    const char *host = http_header(req, "Host");
    if (http_trusted_has(hc->hs, hc->conn->peer)) {
        const char *proto = http_header(req, "X-Forwarded-Proto");
        if (proto != NULL) {
            size_t n = strcspn(proto, ", ");
            req->secure = n == 5 && strncasecmp(proto, "https", 5) == 0;
        }
        const char *fhost = http_header(req, "X-Forwarded-Host");
        if (fhost != NULL) {
            host = arena_strndup(req->arena, fhost, strcspn(fhost, ", "));
        }
    }
    req->host = host != NULL ? host : "";
    req->scheme = req->secure ? "https" : "http";
}

static int http_conn_check_target(struct http_conn *hc, struct http_request *req)
{
    req->target = strbuf_view(&hc->url);
    if (http_target_split(req->target, &req->raw_path, &req->query) != 0 ||
        http_path_decode(req->arena, req->raw_path, &req->path) != 0) {
        return ERR_INVAL;
    }
    /* RFC 7230 5.4: a 1.1 request without Host is a 400. */
    if (req->http_minor >= 1 && http_header(req, "Host") == NULL) {
        return ERR_INVAL;
    }
    return 0;
}

static bool http_conn_has_body(const http_parser *p)
{
    return (p->flags & F_CHUNKED) || (p->content_length > 0 && p->content_length != ULLONG_MAX);
}

static int http_on_headers_complete(http_parser *p)
{
    struct http_conn *hc = http_conn_of(p);
    struct http_request *req = hc->req;
    const struct kith_config *cfg = hc->hs->cfg;
    if (hc->in_value || hc->field.len > 0) {
        http_conn_commit_header(hc);
    }
    req->method = (enum http_method)p->method;
    req->method_name = http_method_str(req->method);
    req->http_minor = p->http_minor;
    hc->keep_alive = http_should_keep_alive(p);
    if (p->http_major != 1) {
        return http_conn_reject_now(hc, 505);
    }
    if (http_conn_check_target(hc, req) != 0) {
        return http_conn_reject_now(hc, 400);
    }
    http_conn_set_origin(hc, req);
    const char *expect = http_header(req, "Expect");
    hc->expect_continue = expect != NULL && http_token_list_has(expect, "100-continue");
    if (expect != NULL && !hc->expect_continue) {
        return http_conn_reject_now(hc, 417);
    }
    /* RFC 7231 5.1.1: refuse an oversized body before the client sends it. */
    if (!(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX &&
        p->content_length > cfg->max_body) {
        return http_conn_reject_now(hc, 413);
    }
    if (http_auth_request(hc->hs, req) != 0) {
        if (hc->expect_continue && http_conn_has_body(p)) {
            return http_conn_reject_now(hc, 401);
        }
        /* No 100-continue: the body is on its way; read and drop it so the connection
         * stays usable for the retry with credentials. */
        hc->reject_status = 401;
    }
    if (hc->expect_continue && http_conn_has_body(p) && req->http_minor >= 1) {
        http_response_send_continue(hc);
    }
    if (p->content_length != ULLONG_MAX && hc->reject_status == 0) {
        strbuf_init(&hc->body, req->arena, (size_t)p->content_length + 1);
    }
    return 0;
}

static int http_on_body(http_parser *p, const char *at, size_t len)
{
    struct http_conn *hc = http_conn_of(p);
    hc->body_bytes += len;
    if (hc->body_bytes > hc->hs->cfg->max_body) {
        return http_conn_reject_now(hc, 413);
    }
    if (hc->reject_status != 0) {
        return 0;
    }
    if (hc->body.ptr == NULL) {
        strbuf_init(&hc->body, hc->req->arena, len < 4096 ? 4096 : len + 1);
    }
    strbuf_append(&hc->body, at, len);
    return 0;
}

static int http_on_message_complete(http_parser *p)
{
    struct http_conn *hc = http_conn_of(p);
    hc->message_done = true;
    /* One request at a time: the next pipelined one waits until this one is answered. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings http_conn_settings = {
    .on_url = http_on_url,
    .on_header_field = http_on_header_field,
    .on_header_value = http_on_header_value,
    .on_headers_complete = http_on_headers_complete,
    .on_body = http_on_body,
    .on_message_complete = http_on_message_complete,
};

static void http_conn_begin(struct http_conn *hc)
{
    struct arena *a = arena_new(8192);
    struct http_request *req = arena_new_obj(a, struct http_request);
    req->arena = a;
    req->hc = hc;
    req->log = hc->conn->log;
    req->log.req = ++hc->hs->next_req;
    req->method_name = "-";
    req->path = "";
    req->host = "";
    req->scheme = hc->conn->tls ? "https" : "http";
    req->secure = hc->conn->tls;
    req->peer = hc->conn->peer;
    req->peer_is_loopback = hc->conn->peer_is_loopback;
    req->http_minor = 1;
    req->start_us = http_now_us();
    strbuf_init(&hc->url, a, 256);
    strbuf_init(&hc->field, a, 64);
    strbuf_init(&hc->value, a, 256);
    hc->body = (struct strbuf){ 0 };
    hc->in_value = false;
    hc->head_bytes = 0;
    hc->header_cap = 0;
    hc->headers_seen = 0;
    hc->body_bytes = 0;
    hc->reject_status = 0;
    hc->reject_now = false;
    hc->message_done = false;
    hc->expect_continue = false;
    hc->keep_alive = false;
    hc->offered = 0;
    hc->req = req;
    hc->state = HTTP_CONN_READING;
    /* Deadline for the whole request from its first byte; not extended by traffic, so a
     * client trickling one byte at a time (slowloris) is still cut off. */
    conn_set_timeout(hc->conn, hc->hs->cfg->request_timeout);
}

/* Run the handler (or the pending rejection) for the request just parsed. */
static void http_conn_dispatch(struct http_conn *hc)
{
    struct http_request *req = hc->req;
    hc->state = HTTP_CONN_HANDLING;
    conn_set_timeout(hc->conn, 0);
    if (hc->body.ptr != NULL) {
        req->body = strbuf_view(&hc->body);
    }
    hc->in_dispatch = true;
    if (hc->reject_status == 401) {
        http_respond_unauthorized(req);
    } else if (hc->reject_status != 0) {
        http_respond_error(req, hc->reject_status);
    } else {
        hc->hs->handler(req, hc->hs->handler_ctx);
    }
    hc->in_dispatch = false;
    assert(req->responded && "handler returned without responding");
    if (!req->responded) {
        log_error(&req->log, "handler gave no response");
        http_respond_error(req, 500);
        return;
    }
    if (req->done) {
        http_conn_request_done(hc);
    } else if (hc->pull != NULL) {
        http_stream_pump(hc);
    }
}

void http_conn_request_done(struct http_conn *hc)
{
    struct http_request *req = hc->req;
    struct arena *a = req->arena;
    hc->req = NULL;
    hc->pull = NULL;
    hc->pull_ctx = NULL;
    hc->url = hc->field = hc->value = hc->body = (struct strbuf){ 0 };
    arena_free(&a);
    if (hc->close_after) {
        hc->state = HTTP_CONN_CLOSING;
        conn_close_after_flush(hc->conn);
        return;
    }
    hc->state = HTTP_CONN_IDLE;
    conn_set_timeout(hc->conn, hc->hs->cfg->idle_timeout);
    conn_pause_read(hc->conn, false);
    if (!hc->in_process) {
        http_conn_process(hc);
    }
}

static void http_conn_reject(struct http_conn *hc)
{
    struct http_request *req = hc->req;
    /* The parser knows the method once the request-target has begun. */
    if (req->method_name[0] == '-' && hc->url.len > 0) {
        req->method = (enum http_method)hc->parser.method;
        req->method_name = http_method_str(req->method);
    }
    if (req->target.ptr == NULL) {
        req->target = strbuf_view(&hc->url);
    }
    hc->close_after = true;
    hc->state = HTTP_CONN_HANDLING;
    conn_set_timeout(hc->conn, 0);
    hc->in_dispatch = true;
    if (hc->reject_status == 401) {
        http_respond_unauthorized(req);
    } else {
        http_respond_error(req, hc->reject_status);
    }
    hc->in_dispatch = false;
    http_conn_request_done(hc);
}

/* One parser step over the first contiguous chunk of input. False: stop processing. */
static bool http_conn_step(struct http_conn *hc, struct evbuffer *in)
{
    struct evbuffer_iovec v;
    if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0) {
        return false;
    }
    if (hc->state == HTTP_CONN_IDLE) {
        http_conn_begin(hc);
    }
    size_t n = http_parser_execute(&hc->parser, &http_conn_settings, v.iov_base, v.iov_len);
    evbuffer_drain(in, n);
    enum http_errno e = HTTP_PARSER_ERRNO(&hc->parser);
    if (hc->reject_now) {
        http_conn_reject(hc);
        return false;
    }
    if (e == HPE_PAUSED) {
        http_parser_pause(&hc->parser, 0);
    } else if (e != HPE_OK) {
        log_info(&hc->req->log, "bad request from %s: %s", hc->conn->peer, http_errno_name(e));
        hc->reject_status = e == HPE_HEADER_OVERFLOW ? 431 : 400;
        http_conn_reject(hc);
        return false;
    }
    if (hc->message_done) {
        hc->message_done = false;
        http_conn_dispatch(hc);
    }
    return true;
}

static void http_conn_process(struct http_conn *hc)
{
    struct conn *conn = hc->conn;
    struct evbuffer *in = conn_input(conn);
    hc->in_process = true;
    while (!conn->closed && (hc->state == HTTP_CONN_IDLE || hc->state == HTTP_CONN_READING) &&
           evbuffer_get_length(in) > 0) {
        /* Back-pressure for pipelining: a client that sends many requests and does not
         * read the answers stops being parsed until it does. */
        if (evbuffer_get_length(conn_output(conn)) >= HTTP_PIPELINE_HIWAT) {
            break;
        }
        if (!http_conn_step(hc, in)) {
            break;
        }
    }
    hc->in_process = false;
    if (!conn->closed && evbuffer_get_length(in) > HTTP_PIPELINE_HIWAT) {
        conn_pause_read(conn, true);
    }
}

static int http_conn_open(struct conn *conn)
{
    struct http_conn *hc = arena_new_obj(conn->arena, struct http_conn);
    hc->conn = conn;
    hc->hs = conn->module_ctx;
    http_parser_init(&hc->parser, HTTP_REQUEST);
    hc->parser.data = hc;
    hc->state = HTTP_CONN_IDLE;
    conn->proto_ctx = hc;
    conn_set_write_lowat(conn, HTTP_STREAM_LOWAT);
    conn_set_timeout(conn, hc->hs->cfg->idle_timeout);
    return 0;
}

static void http_conn_readable(struct conn *conn)
{
    http_conn_process(conn->proto_ctx);
}

static void http_conn_flushed(struct conn *conn)
{
    struct http_conn *hc = conn->proto_ctx;
    if (hc->state == HTTP_CONN_HANDLING && hc->pull != NULL) {
        http_stream_pump(hc);
    } else if (hc->state == HTTP_CONN_IDLE || hc->state == HTTP_CONN_READING) {
        conn_pause_read(conn, false);
        http_conn_process(hc);
    }
}

static void http_conn_timeout(struct conn *conn)
{
    struct http_conn *hc = conn->proto_ctx;
    if (hc->state == HTTP_CONN_IDLE) {
        if (evbuffer_get_length(conn_output(conn)) > 0) {
            /* Still sending the last answer to a slow reader: idle starts after that. */
            conn_set_timeout(conn, hc->hs->cfg->idle_timeout);
            return;
        }
        log_debug(&conn->log, "idle timeout, closing");
        conn_close(conn);
        return;
    }
    if (hc->state == HTTP_CONN_READING) {
        log_info(&hc->req->log, "request timeout from %s after %llu header and %llu body bytes",
                 conn->peer, (unsigned long long)hc->head_bytes,
                 (unsigned long long)hc->body_bytes);
        hc->reject_status = 408;
        http_conn_reject(hc);
        return;
    }
    conn_close(conn);
}

static bool http_conn_shutdown(struct conn *conn)
{
    struct http_conn *hc = conn->proto_ctx;
    if (hc->state == HTTP_CONN_IDLE) {
        if (evbuffer_get_length(conn_output(conn)) == 0) {
            return true;
        }
        hc->state = HTTP_CONN_CLOSING;
        conn_close_after_flush(conn);
        return false;
    }
    /* A request is in flight: it finishes, its answer says Connection: close. */
    hc->close_after = true;
    return false;
}

static void http_conn_close(struct conn *conn)
{
    struct http_conn *hc = conn->proto_ctx;
    if (hc != NULL && hc->req != NULL) {
        /* Runs a streaming writer's arena_on_free cleanups (e.g. its store transaction). */
        struct arena *a = hc->req->arena;
        hc->req = NULL;
        arena_free(&a);
    }
}

const struct proto_module http_module = {
    .name = "http",
    .conn_open = http_conn_open,
    .conn_readable = http_conn_readable,
    .conn_flushed = http_conn_flushed,
    .conn_timeout = http_conn_timeout,
    .conn_shutdown = http_conn_shutdown,
    .conn_close = http_conn_close,
};
