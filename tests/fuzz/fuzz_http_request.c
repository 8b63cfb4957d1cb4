/*
 * fuzz_http_request.c: bytes as a client would send them on one connection, fed to the
 * HTTP layer (through a bufferevent pair, no sockets) whole and in several chunk splits.
 * The handler answers 200 (or a short streamed body for /stream); Basic auth is on for
 * /dav/. It must never crash, hang or leak.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "protocols/http/http.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_more(struct http_request *req, void *ctx)
{
    int *left = ctx;
    if ((*left)-- <= 0) {
        http_respond_end(req);
        return;
    }
    http_respond_chunk(req, STR_VIEW_LIT("<response/>"));
}

static void fuzz_handler(struct http_request *req, void *ctx)
{
    static int left;
    (void)http_header(req, "Depth");
    if (strcmp(req->path, "/stream") == 0) {
        left = 3;
        http_respond_start(req, 207, "application/xml");
        http_respond_pull(req, fuzz_more, &left);
        return;
    }
    http_header_add(req, "DAV", "1, 3, addressbook");
    http_respond(req, 200, "text/plain", req->body);
}

static int fuzz_auth(void *ctx, const char *user, const char *password)
{
    return strcmp(user, "alice") == 0 && strcmp(password, "secret") == 0 ? 0 : ERR_DENIED;
}

static bool fuzz_needs_auth(void *ctx, const struct http_request *req)
{
    return strncmp(req->path, "/dav/", 5) == 0;
}

static void fuzz_drain(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void fuzz_one(struct event_base *base, const struct kith_config *cfg, struct http_server *hs,
                     const uint8_t *data, size_t size, size_t step)
{
    struct bufferevent *pair[2];
    if (bufferevent_pair_new(base, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS, pair) != 0) {
        return;
    }
    bufferevent_setcb(pair[1], fuzz_drain, NULL, NULL, NULL);
    bufferevent_enable(pair[1], EV_READ | EV_WRITE);
    /* From 127.0.0.1, the trusted proxy: X-Forwarded-* are parsed too. */
    struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(40000) };
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (conn_new(NULL, base, pair[0], cfg, &http_module, hs, (struct sockaddr *)&peer,
                 (int)sizeof(peer), false) == NULL) {
        bufferevent_free(pair[1]);
        return;
    }
    for (size_t off = 0; off < size; off += step) {
        size_t n = size - off < step ? size - off : step;
        bufferevent_write(pair[1], data + off, n);
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    for (int i = 0; i < 4; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    /* EOF to the server side, which closes and frees the conn. */
    bufferevent_flush(pair[1], EV_WRITE, BEV_FINISHED);
    for (int i = 0; i < 4; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    bufferevent_free(pair[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct event_base *base;
    static struct kith_config cfg;
    static struct http_server *hs;
    if (base == NULL) {
        log_init(LOG_LEVEL_ERROR, fopen("/dev/null", "w"));
        config_defaults(&cfg);
        cfg.max_body = 4096;
        cfg.max_headers = 20;
        cfg.max_header_bytes = 4096;
        snprintf(cfg.trusted_proxies, sizeof(cfg.trusted_proxies), "127.0.0.1");
        base = event_base_new();
        hs = http_server_new(&cfg, fuzz_handler, NULL);
        http_server_set_auth(hs, fuzz_auth, NULL, fuzz_needs_auth, NULL);
    }
    static const size_t steps[] = { SIZE_MAX, 64, 7 };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        fuzz_one(base, &cfg, hs, data, size, steps[i] == SIZE_MAX ? (size ? size : 1) : steps[i]);
    }
    if (size < 2048) {
        fuzz_one(base, &cfg, hs, data, size, 1);
    }
    return 0;
}
