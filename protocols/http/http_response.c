#include "protocols/http/http-internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "src/config.h"
#include "src/conn.h"

/* Reason phrases from http_parser's table, stringified: the status line must match the
 * registry text exactly ("HTTP/1.1 207 Multi-Status"), and clients string-match it. */
const char *http_status_text(int status)
{
    switch (status) {
#define HTTP_STATUS_TEXT_CASE(num, name, string) \
    case num:                                    \
        return #string;
        HTTP_STATUS_MAP(HTTP_STATUS_TEXT_CASE)
#undef HTTP_STATUS_TEXT_CASE
    default:
        return "Unknown";
    }
}

uint64_t http_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* RFC 7231 7.1.1.1 IMF-fixdate, formatted once per second. */
static const char *http_date(void)
{
    static time_t cached;
    static char text[40];
    time_t now = time(NULL);
    if (now != cached) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached = now;
    }
    return text;
}

void http_header_add(struct http_request *req, const char *name, const char *value)
{
    assert(!req->responded);
    if (req->resp_headers.ptr == NULL) {
        strbuf_init(&req->resp_headers, req->arena, 256);
    }
    /* Header injection guard: a CR or LF in a value from stored data would split the
     * response; replace them with spaces. */
    strbuf_append_cstr(&req->resp_headers, name);
    strbuf_append(&req->resp_headers, ": ", 2);
    for (const char *p = value; *p != '\0'; p++) {
        strbuf_append_char(&req->resp_headers, (*p == '\r' || *p == '\n') ? ' ' : *p);
    }
    strbuf_append(&req->resp_headers, "\r\n", 2);
}

static bool http_status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

void http_write_head(struct http_request *req, int status, const char *content_type,
                     bool chunked, uint64_t length)
{
    struct http_conn *hc = req->hc;
    struct evbuffer *out = conn_output(hc->conn);
    assert(!req->responded);
    req->responded = true;
    req->status = status;
    if (!hc->keep_alive || hc->conn->shutting_down || hc->reject_now) {
        hc->close_after = true;
    }
    evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: Kith\r\n", status,
                        http_status_text(status), http_date());
    if (content_type != NULL) {
        evbuffer_add_printf(out, "Content-Type: %s\r\n", content_type);
    }
    if (chunked) {
        evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
    } else if (http_status_has_body(status)) {
        evbuffer_add_printf(out, "Content-Length: %" PRIu64 "\r\n", length);
    }
    if (req->resp_headers.len > 0) {
        evbuffer_add(out, req->resp_headers.ptr, req->resp_headers.len);
    }
    if (hc->close_after) {
        evbuffer_add(out, "Connection: close\r\n", 19);
    } else if (req->http_minor == 0) {
        evbuffer_add(out, "Connection: keep-alive\r\n", 24);
    }
    evbuffer_add(out, "\r\n", 2);
    http_capture_head(req, content_type);
}

void http_response_finished(struct http_request *req)
{
    struct http_conn *hc = req->hc;
    req->done = true;
    req->streaming = false;
    if (req->capture != NULL) {
        http_capture_finish(req);
    }
    uint64_t ms = (http_now_us() - req->start_us) / 1000u;
    int tlen = req->target.len > 200 ? 200 : (int)req->target.len;
    log_info(&req->log, "%s %.*s %d %" PRIu64 "B %" PRIu64 "ms", req->method_name, tlen,
             req->target.len ? req->target.ptr : "-", req->status, req->resp_bytes, ms);
    if (!hc->in_dispatch) {
        http_conn_request_done(hc);
    }
}

void http_respond(struct http_request *req, int status, const char *content_type,
                  struct str_view body)
{
    http_write_head(req, status, content_type, false, body.len);
    if (req->method != HTTP_HEAD && http_status_has_body(status) && body.len > 0) {
        evbuffer_add(conn_output(req->hc->conn), body.ptr, body.len);
        http_capture_body(req, body.ptr, body.len);
        req->resp_bytes = body.len;
    }
    http_response_finished(req);
}

void http_respond_error(struct http_request *req, int status)
{
    char text[96];
    int n = snprintf(text, sizeof(text), "%d %s\n", status, http_status_text(status));
    http_respond(req, status, "text/plain; charset=utf-8", str_view_make(text, (size_t)n));
}

void http_respond_unauthorized(struct http_request *req)
{
    /* RFC 7617 2.1 charset parameter; Apple clients probe without credentials and need
     * this challenge (a 403 would end their discovery). */
    http_header_add(req, "WWW-Authenticate", "Basic realm=\"Kith\", charset=\"UTF-8\"");
    http_respond_error(req, 401);
}

void http_response_send_continue(struct http_conn *hc)
{
    evbuffer_add(conn_output(hc->conn), "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

void http_respond_start(struct http_request *req, int status, const char *content_type)
{
    /* HTTP/1.0 has no chunked coding (RFC 7230 3.3.1): the body ends at the close. */
    bool chunked = req->http_minor > 0;
    if (!chunked) {
        req->hc->close_after = true;
    }
    http_write_head(req, status, content_type, chunked, 0);
    req->streaming = true;
}

void http_respond_chunk(struct http_request *req, struct str_view data)
{
    assert(req->streaming);
    req->hc->offered += data.len + 1;
    if (data.len == 0 || req->method == HTTP_HEAD) {
        return;
    }
    struct evbuffer *out = conn_output(req->hc->conn);
    if (req->http_minor > 0) {
        evbuffer_add_printf(out, "%zx\r\n", data.len);
        evbuffer_add(out, data.ptr, data.len);
        evbuffer_add(out, "\r\n", 2);
    } else {
        evbuffer_add(out, data.ptr, data.len);
    }
    http_capture_body(req, data.ptr, data.len);
    req->resp_bytes += data.len;
}

void http_respond_end(struct http_request *req)
{
    assert(req->streaming);
    if (req->method != HTTP_HEAD && req->http_minor > 0) {
        evbuffer_add(conn_output(req->hc->conn), "0\r\n\r\n", 5);
    }
    req->hc->pull = NULL;
    http_response_finished(req);
}

void http_respond_pull(struct http_request *req, http_pull_fn *more, void *ctx)
{
    assert(req->streaming);
    req->hc->pull = more;
    req->hc->pull_ctx = ctx;
    if (!req->hc->in_dispatch) {
        http_stream_pump(req->hc);
    }
}

size_t http_output_pending(const struct http_request *req)
{
    return evbuffer_get_length(conn_output(req->hc->conn));
}

/* Ask the writer for more while the output is below the watermark. A call that neither
 * writes nor ends would spin, so stop then and wait for the next drain. */
void http_stream_pump(struct http_conn *hc)
{
    struct http_request *req = hc->req;
    bool outer = !hc->in_dispatch;
    hc->in_dispatch = true;
    while (req != NULL && !req->done && hc->pull != NULL && !hc->conn->closed &&
           evbuffer_get_length(conn_output(hc->conn)) < HTTP_STREAM_LOWAT) {
        uint64_t before = hc->offered;
        hc->pull(req, hc->pull_ctx);
        if (!req->done && hc->offered == before) {
            log_debug(&req->log, "stream writer produced nothing; waiting");
            break;
        }
    }
    if (outer) {
        hc->in_dispatch = false;
        if (req != NULL && req->done) {
            http_conn_request_done(hc);
        }
    }
}
