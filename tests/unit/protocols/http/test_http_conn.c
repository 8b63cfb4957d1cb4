/*
 * test_http_conn.c: the HTTP layer driven through a bufferevent pair, no sockets: bytes in,
 * bytes out. The loopback listener (and TLS) is covered by test_http_server.c.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "protocols/http/http.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"

struct harness {
    struct kith_config cfg;
    struct event_base *base;
    struct bufferevent *client;
    struct http_server *hs;
    struct evbuffer *received;
    bool closed;
    unsigned handled;
    unsigned auth_calls;
    char last_path[256];
    char last_body[256];
    char last_host[128];
    char last_user[64];
    bool last_secure;
    int stream_chunks;
};

static void test_read_cb(struct bufferevent *bev, void *arg)
{
    struct harness *h = arg;
    evbuffer_add_buffer(h->received, bufferevent_get_input(bev));
}

static void test_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct harness *h = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        h->closed = true;
    }
}

static void test_stream_more(struct http_request *req, void *ctx)
{
    struct harness *h = ctx;
    if (h->stream_chunks == 0) {
        http_respond_end(req);
        return;
    }
    h->stream_chunks--;
    http_respond_chunk(req, STR_VIEW_LIT("<entry/>"));
}

static void test_handler(struct http_request *req, void *ctx)
{
    struct harness *h = ctx;
    h->handled++;
    snprintf(h->last_path, sizeof(h->last_path), "%s", req->path);
    snprintf(h->last_body, sizeof(h->last_body), "%.*s", STR_VIEW_FMT(req->body));
    snprintf(h->last_host, sizeof(h->last_host), "%s://%s", req->scheme, req->host);
    snprintf(h->last_user, sizeof(h->last_user), "%s", req->user ? req->user : "");
    h->last_secure = req->secure;
    if (strcmp(req->path, "/stream") == 0) {
        h->stream_chunks = 3;
        http_respond_start(req, 207, "application/xml; charset=utf-8");
        http_respond_pull(req, test_stream_more, h);
        return;
    }
    if (strcmp(req->path, "/created") == 0) {
        http_header_add(req, "ETag", "\"1\"");
        http_respond(req, 201, NULL, STR_VIEW_NULL);
        return;
    }
    char body[300];
    int n = snprintf(body, sizeof(body), "%s %s", req->method_name, req->path);
    http_respond(req, 200, "text/plain", str_view_make(body, (size_t)n));
}

static int test_auth(void *ctx, const char *user, const char *password)
{
    struct harness *h = ctx;
    h->auth_calls++;
    return strcmp(user, "alice") == 0 && strcmp(password, "secret") == 0 ? 0 : ERR_DENIED;
}

static bool test_needs_auth(void *ctx, const struct http_request *req)
{
    return strncmp(req->path, "/public", 7) != 0;
}

/* Peer address for the next harness, and the proxies it trusts ("" by default). */
static const char *harness_trusted = "";

static struct harness *harness_new(bool with_auth)
{
    struct harness *h = calloc(1, sizeof(*h));
    config_defaults(&h->cfg);
    snprintf(h->cfg.trusted_proxies, sizeof(h->cfg.trusted_proxies), "%s", harness_trusted);
    h->cfg.max_body = 1000;
    h->cfg.max_headers = 10;
    h->cfg.max_header_bytes = 2048;
    h->base = event_base_new();
    h->received = evbuffer_new();
    h->hs = http_server_new(&h->cfg, test_handler, h);
    if (with_auth) {
        http_server_set_auth(h->hs, test_auth, h, test_needs_auth, h);
    }
    struct bufferevent *pair[2];
    assert_int_equal(
            bufferevent_pair_new(h->base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair),
            0);
    h->client = pair[1];
    bufferevent_setcb(h->client, test_read_cb, NULL, test_event_cb, h);
    bufferevent_enable(h->client, EV_READ | EV_WRITE);
    struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(50000) };
    inet_pton(AF_INET, "192.0.2.10", &peer.sin_addr);
    assert_non_null(conn_new(NULL, h->base, pair[0], &h->cfg, &http_module, h->hs,
                             (struct sockaddr *)&peer, (int)sizeof(peer), false));
    return h;
}

static void harness_run(struct harness *h, unsigned ms)
{
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    event_base_loopexit(h->base, &tv);
    event_base_dispatch(h->base);
}

static void harness_send(struct harness *h, const char *text)
{
    bufferevent_write(h->client, text, strlen(text));
    harness_run(h, 20);
}

/* Everything received so far as a NUL-terminated string (drained from the buffer). */
static char *harness_take(struct harness *h)
{
    size_t n = evbuffer_get_length(h->received);
    char *s = calloc(1, n + 1);
    evbuffer_remove(h->received, s, n);
    return s;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    return n;
}

static int harness_teardown(void **state)
{
    struct harness *h = *state;
    if (h == NULL) {
        return 0;
    }
    /* A pair's peer sees EOF only on a BEV_FINISHED flush; then the server side closes and
     * its reaper frees the conn. */
    bufferevent_flush(h->client, EV_WRITE, BEV_FINISHED);
    harness_run(h, 10);
    bufferevent_free(h->client);
    http_server_free(&h->hs);
    evbuffer_free(h->received);
    event_base_free(h->base);
    free(h);
    return 0;
}

static void test_get_answers_200_with_exact_status_line_and_length(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "GET /a%20b HTTP/1.1\r\nHost: example.org\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(out, "\r\nContent-Length: 8\r\n"));
    assert_non_null(strstr(out, "\r\nDate: "));
    assert_null(strstr(out, "Connection: close"));
    assert_non_null(strstr(out, "\r\n\r\nGET /a b"));
    assert_string_equal(h->last_host, "http://example.org");
    assert_false(h->closed);
    free(out);
}

static void test_pipelined_requests_are_answered_in_order(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
    char *out = harness_take(h);
    char *a = strstr(out, "GET /1"), *b = strstr(out, "GET /2"), *c = strstr(out, "GET /3");
    assert_true(a != NULL && b != NULL && c != NULL);
    assert_true(a < b && b < c);
    assert_int_equal(h->handled, 3);
    free(out);
}

static void test_request_split_into_single_bytes_is_parsed(void **state)
{
    struct harness *h = *state = harness_new(false);
    const char *req = "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    for (const char *p = req; *p != '\0'; p++) {
        bufferevent_write(h->client, p, 1);
        event_base_loop(h->base, EVLOOP_NONBLOCK);
    }
    harness_run(h, 20);
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(h->last_body, "hello");
    free(out);
}

static void test_chunked_body_is_reassembled(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(h->last_body, "hello world");
    free(out);
}

static void test_chunked_body_over_max_body_gets_413_and_close(void **state)
{
    struct harness *h = *state = harness_new(false);
    char big[1200];
    memset(big, 'a', sizeof(big));
    harness_send(h, "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4b0\r\n");
    bufferevent_write(h->client, big, sizeof(big));
    harness_run(h, 30);
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 413 Payload Too Large\r\n"));
    assert_non_null(strstr(out, "Connection: close"));
    assert_true(h->closed);
    assert_int_equal(h->handled, 0);
    free(out);
}

static void test_expect_continue_sends_100_then_final(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h,
                 "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    char *out = harness_take(h);
    assert_string_equal(out, "HTTP/1.1 100 Continue\r\n\r\n");
    free(out);
    harness_send(h, "abc");
    out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(h->last_body, "abc");
    free(out);
}

static void test_expect_continue_too_big_gets_413_without_100(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                    "Expect: 100-continue\r\n\r\n");
    char *out = harness_take(h);
    assert_null(strstr(out, "100 Continue"));
    assert_true(starts(out, "HTTP/1.1 413 Payload Too Large\r\n"));
    assert_true(h->closed);
    free(out);
}

static void test_unknown_expectation_gets_417(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 417 Expectation Failed\r\n"));
    free(out);
}

static void test_too_many_headers_gets_431(void **state)
{
    struct harness *h = *state = harness_new(false);
    char req[1024] = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 12; i++) {
        strcat(req, "X-A: b\r\n");
    }
    strcat(req, "\r\n");
    harness_send(h, req);
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
    assert_true(h->closed);
    free(out);
}

static void test_header_bytes_over_limit_gets_431(void **state)
{
    struct harness *h = *state = harness_new(false);
    char req[4096];
    char pad[3000];
    memset(pad, 'v', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: %s\r\n\r\n", pad);
    harness_send(h, req);
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 431 "));
    free(out);
}

static void test_head_has_length_but_no_body(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
    char *out = harness_take(h);
    assert_non_null(strstr(out, "Content-Length: 7\r\n")); /* "HEAD /h" */
    assert_true(strlen(out) > 4 && strcmp(out + strlen(out) - 4, "\r\n\r\n") == 0);
    free(out);
}

static void test_dot_dot_segment_gets_400(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "GET /a/%2e%2e/etc HTTP/1.1\r\nHost: x\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 400 Bad Request\r\n"));
    assert_int_equal(h->handled, 0);
    free(out);
}

static void test_garbage_gets_400_and_close(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "\x01\x02 nonsense\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 400 Bad Request\r\n"));
    assert_true(h->closed);
    free(out);
}

static void test_http10_without_keepalive_closes(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "GET / HTTP/1.0\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_non_null(strstr(out, "Connection: close\r\n"));
    assert_true(h->closed);
    free(out);
}

static void test_stream_uses_chunked_encoding(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "PROPFIND /stream HTTP/1.1\r\nHost: x\r\nDepth: 1\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 207 Multi-Status\r\n"));
    assert_non_null(strstr(out, "Transfer-Encoding: chunked\r\n"));
    assert_int_equal(count(out, "8\r\n<entry/>\r\n"), 3);
    assert_true(strcmp(out + strlen(out) - 5, "0\r\n\r\n") == 0);
    free(out);
    /* The connection stays usable after a streamed answer. */
    harness_send(h, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
    out = harness_take(h);
    assert_non_null(strstr(out, "GET /after"));
    free(out);
}

static void test_response_headers_are_added_and_204_like_has_no_body(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "PUT /created HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 201 Created\r\n"));
    assert_non_null(strstr(out, "ETag: \"1\"\r\n"));
    assert_non_null(strstr(out, "Content-Length: 0\r\n"));
    free(out);
}

static void test_missing_credentials_get_401_with_basic_challenge(void **state)
{
    struct harness *h = *state = harness_new(true);
    harness_send(h, "PROPFIND / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n<a/>");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 401 Unauthorized\r\n"));
    assert_non_null(strstr(out, "WWW-Authenticate: Basic realm=\"Kith\", charset=\"UTF-8\"\r\n"));
    assert_int_equal(h->handled, 0);
    assert_false(h->closed); /* the body was read: the retry can reuse the connection */
    free(out);
}

static void test_valid_credentials_reach_handler_and_are_cached(void **state)
{
    struct harness *h = *state = harness_new(true);
    /* alice:secret */
    const char *req =
            "GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n";
    harness_send(h, req);
    harness_send(h, req);
    char *out = harness_take(h);
    assert_int_equal(count(out, "HTTP/1.1 200 OK\r\n"), 2);
    assert_string_equal(h->last_user, "alice");
    assert_int_equal(h->auth_calls, 1);
    free(out);
}

static void test_wrong_password_gets_401(void **state)
{
    struct harness *h = *state = harness_new(true);
    /* alice:wrong */
    harness_send(h, "GET /me HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 401 Unauthorized\r\n"));
    assert_int_equal(h->handled, 0);
    free(out);
}

static void test_public_path_needs_no_credentials(void **state)
{
    struct harness *h = *state = harness_new(true);
    harness_send(h, "GET /public/x HTTP/1.1\r\nHost: x\r\n\r\n");
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 200 OK\r\n"));
    assert_string_equal(h->last_user, "");
    free(out);
}

static void test_expect_continue_without_credentials_gets_401_not_100(void **state)
{
    struct harness *h = *state = harness_new(true);
    harness_send(h,
                 "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
    char *out = harness_take(h);
    assert_null(strstr(out, "100 Continue"));
    assert_true(starts(out, "HTTP/1.1 401 Unauthorized\r\n"));
    free(out);
}

static void test_forwarded_headers_ignored_from_untrusted_peer(void **state)
{
    struct harness *h = *state = harness_new(false);
    harness_send(h, "GET / HTTP/1.1\r\nHost: inner:8008\r\nX-Forwarded-Proto: https\r\n"
                    "X-Forwarded-Host: dav.example.com\r\n\r\n");
    assert_string_equal(h->last_host, "http://inner:8008");
    assert_false(h->last_secure);
}

static void test_forwarded_headers_believed_from_trusted_proxy(void **state)
{
    harness_trusted = "192.0.2.10";
    struct harness *h = *state = harness_new(false);
    harness_trusted = "";
    harness_send(h, "GET / HTTP/1.1\r\nHost: inner:8008\r\nX-Forwarded-Proto: https\r\n"
                    "X-Forwarded-Host: dav.example.com\r\n\r\n");
    assert_string_equal(h->last_host, "https://dav.example.com");
    assert_true(h->last_secure);
}

static void test_request_timeout_sends_408_and_closes(void **state)
{
    struct harness *h = *state = harness_new(false);
    h->cfg.request_timeout = 1;
    harness_send(h, "GET / HTTP/1.1\r\nHost: x\r\n"); /* never finished */
    harness_run(h, 1300);
    char *out = harness_take(h);
    assert_true(starts(out, "HTTP/1.1 408 Request Timeout\r\n"));
    assert_true(h->closed);
    free(out);
}

static void test_idle_timeout_closes_silently(void **state)
{
    struct harness *h = *state = harness_new(false);
    h->cfg.idle_timeout = 1;
    harness_send(h, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    free(harness_take(h));
    harness_run(h, 1300);
    assert_true(h->closed);
    assert_int_equal(evbuffer_get_length(h->received), 0);
}

int main(void)
{
    log_init(LOG_LEVEL_ERROR, NULL);
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_teardown(fn, harness_teardown)
        T(test_get_answers_200_with_exact_status_line_and_length),
        T(test_pipelined_requests_are_answered_in_order),
        T(test_request_split_into_single_bytes_is_parsed),
        T(test_chunked_body_is_reassembled),
        T(test_chunked_body_over_max_body_gets_413_and_close),
        T(test_expect_continue_sends_100_then_final),
        T(test_expect_continue_too_big_gets_413_without_100),
        T(test_unknown_expectation_gets_417),
        T(test_too_many_headers_gets_431),
        T(test_header_bytes_over_limit_gets_431),
        T(test_head_has_length_but_no_body),
        T(test_dot_dot_segment_gets_400),
        T(test_garbage_gets_400_and_close),
        T(test_http10_without_keepalive_closes),
        T(test_stream_uses_chunked_encoding),
        T(test_response_headers_are_added_and_204_like_has_no_body),
        T(test_missing_credentials_get_401_with_basic_challenge),
        T(test_valid_credentials_reach_handler_and_are_cached),
        T(test_wrong_password_gets_401),
        T(test_public_path_needs_no_credentials),
        T(test_expect_continue_without_credentials_gets_401_not_100),
        T(test_forwarded_headers_ignored_from_untrusted_peer),
        T(test_forwarded_headers_believed_from_trusted_proxy),
        T(test_request_timeout_sends_408_and_closes),
        T(test_idle_timeout_closes_silently),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
