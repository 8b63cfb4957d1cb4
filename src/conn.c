#include "src/conn.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"
#include "src/proto.h"
#include "src/tls.h"

/* Shared by every server in the process so conn= stays unique in one log. */
static unsigned long conn_next_id;

/* Stands in for a module whose conn_open failed, so its conn_close is not called. */
static const struct proto_module conn_refused_module = { .name = "refused" };

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);

static void conn_set_peer(struct conn *conn, const struct sockaddr *sa, int len)
{
    if (sa == NULL) {
        strcpy(conn->peer, "local");
        conn->peer_is_loopback = true;
        return;
    }
    if (sa->sa_family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, conn->peer, sizeof(conn->peer));
        conn->peer_port = ntohs(in->sin_port);
        conn->peer_is_loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        conn->peer_port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            /* Dual-stack sockets: show and judge ::ffff:127.0.0.1 as the IPv4 it is. */
            inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], conn->peer, sizeof(conn->peer));
            conn->peer_is_loopback = in6->sin6_addr.s6_addr[12] == 127;
        } else {
            inet_ntop(AF_INET6, &in6->sin6_addr, conn->peer, sizeof(conn->peer));
            conn->peer_is_loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        }
    } else {
        strcpy(conn->peer, "unknown");
    }
}

static void conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct conn *conn = arg;
    if (conn->closed) {
        return;
    }
    if (conn->close_after_flush || conn->module->conn_timeout == NULL) {
        log_debug(&conn->log, "%s timeout, closing", conn->module->name);
        conn_close(conn);
        return;
    }
    conn->in_callback = true;
    conn->module->conn_timeout(conn);
    conn->in_callback = false;
}

static void conn_free(struct conn *conn)
{
    if (conn->bev != NULL) {
        bufferevent_free(conn->bev);
    }
    if (conn->timer != NULL) {
        event_free(conn->timer);
    }
    if (conn->reaper != NULL) {
        event_free(conn->reaper);
    }
    arena_free(&conn->arena);
    free(conn);
}

static void conn_reap_cb(evutil_socket_t fd, short what, void *arg)
{
    conn_free(arg);
}

static void conn_setup_bev(struct conn *conn)
{
    bufferevent_setcb(conn->bev, conn_read_cb, conn_write_cb, conn_event_cb, conn);
    bufferevent_setwatermark(conn->bev, EV_WRITE, conn->write_lowat, 0);
    /* A peer that stops reading our output stalls writes: drop it after the longer of the
     * two timeouts instead of holding the buffer forever. */
    unsigned secs = conn->cfg->request_timeout > conn->cfg->idle_timeout
                            ? conn->cfg->request_timeout
                            : conn->cfg->idle_timeout;
    if (secs > 0) {
        struct timeval tv = { .tv_sec = secs, .tv_usec = 0 };
        bufferevent_set_timeouts(conn->bev, NULL, &tv);
    }
    bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
}

struct conn *conn_new(struct server *server, struct event_base *base, struct bufferevent *bev,
                      const struct kith_config *cfg, const struct proto_module *m, void *module_ctx,
                      const struct sockaddr *peer, int peer_len, bool tls)
{
    struct conn *conn = calloc(1, sizeof(*conn));
    if (conn == NULL) {
        bufferevent_free(bev);
        return NULL;
    }
    conn->id = ++conn_next_id;
    conn->log.conn = conn->id;
    conn->tls = tls;
    conn->bev = bev;
    conn->cfg = cfg;
    conn->module = m;
    conn->module_ctx = module_ctx;
    conn->server = server;
    conn->arena = arena_new(4096);
    conn->timer = evtimer_new(base, conn_timer_cb, conn);
    conn->reaper = event_new(base, -1, 0, conn_reap_cb, conn);
    conn_set_peer(conn, peer, peer_len);
    if (conn->timer == NULL || conn->reaper == NULL) {
        conn_free(conn);
        return NULL;
    }
    conn_setup_bev(conn);
    if (server != NULL) {
        server_conn_opened(server, conn);
    }
    log_debug(&conn->log, "%s connection from %s port %u%s", m->name, conn->peer, conn->peer_port,
              tls ? " (TLS)" : "");
    if (m->conn_open != NULL) {
        conn->in_callback = true;
        int rc = m->conn_open(conn);
        conn->in_callback = false;
        if (rc != 0) {
            log_warn(&conn->log, "%s refused connection: %s", m->name, err_str(rc));
            conn->module = &conn_refused_module;
            conn_close(conn);
            return NULL;
        }
    }
    return conn;
}

struct evbuffer *conn_input(struct conn *conn)
{
    return bufferevent_get_input(conn->bev);
}

struct evbuffer *conn_output(struct conn *conn)
{
    return bufferevent_get_output(conn->bev);
}

void conn_set_write_lowat(struct conn *conn, size_t lowat)
{
    conn->write_lowat = lowat;
    if (!conn->close_after_flush) {
        bufferevent_setwatermark(conn->bev, EV_WRITE, lowat, 0);
    }
}

void conn_set_timeout_ms(struct conn *conn, unsigned ms)
{
    if (conn->closed) {
        return;
    }
    if (ms == 0) {
        evtimer_del(conn->timer);
        return;
    }
    struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
    evtimer_add(conn->timer, &tv);
}

void conn_set_timeout(struct conn *conn, unsigned seconds)
{
    conn_set_timeout_ms(conn, seconds * 1000);
}

void conn_pause_read(struct conn *conn, bool paused)
{
    if (conn->closed) {
        return;
    }
    if (paused) {
        bufferevent_disable(conn->bev, EV_READ);
    } else if (!conn->close_after_flush) {
        bufferevent_enable(conn->bev, EV_READ);
    }
}

void conn_close(struct conn *conn)
{
    if (conn->closed) {
        return;
    }
    conn->closed = true;
    if (conn->module->conn_close != NULL) {
        conn->module->conn_close(conn);
    }
    /* Tell an in-process peer (bufferevent pair, TLS filter) that no more data comes; for
     * plain sockets this is a no-op and the close itself says it. */
    bufferevent_flush(conn->bev, EV_WRITE, BEV_FINISHED);
    bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
    bufferevent_setcb(conn->bev, NULL, NULL, NULL, NULL);
    evtimer_del(conn->timer);
    if (conn->server != NULL) {
        server_conn_closed(conn->server, conn);
    }
    log_debug(&conn->log, "%s connection closed", conn->module->name);
    /* Free from the loop, never under a callback that may still hold conn. */
    event_active(conn->reaper, EV_TIMEOUT, 0);
}

void conn_close_after_flush(struct conn *conn)
{
    if (conn->closed) {
        return;
    }
    conn->close_after_flush = true;
    bufferevent_disable(conn->bev, EV_READ);
    if (evbuffer_get_length(conn_output(conn)) == 0) {
        conn_close(conn);
        return;
    }
    bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
    /* Bound the wait for a peer that never reads its final answer. */
    unsigned secs = conn->cfg->request_timeout ? conn->cfg->request_timeout : 10;
    conn_set_timeout(conn, secs);
}

/* Answer in the same loop turn. Left alone, the first byte a module queues makes libevent add
 * the write event (epoll_ctl), the answer leaves after the next epoll_wait, and the drained
 * buffer removes the event again (epoll_ctl): three system calls and a loop turn per
 * request-response exchange. On a plain socket whose output is empty and not being written,
 * EV_WRITE is taken out of the enabled set while the module runs (so appending schedules
 * nothing), and conn_write_now() then writes the answer itself. bev->enabled is libevent's
 * public struct (bufferevent_struct.h); no event is pending while the flag is off. */
static bool conn_write_defer(struct conn *conn)
{
    struct bufferevent *bev = conn->bev;
    if (conn->tls || bufferevent_getfd(bev) < 0 || !(bev->enabled & EV_WRITE) ||
        evbuffer_get_length(bufferevent_get_output(bev)) > 0 ||
        event_pending(&bev->ev_write, EV_WRITE, NULL)) {
        return false;
    }
    bev->enabled &= ~EV_WRITE;
    return true;
}

static void conn_write_now(struct conn *conn, struct bufferevent *bev)
{
    if (conn->closed) {
        return; /* conn_close disabled bev and dropped its callbacks */
    }
    struct evbuffer *out = bufferevent_get_output(bev);
    size_t queued = evbuffer_get_length(out);
    if (bev != conn->bev || queued == 0) {
        /* StartTLS put a filter over bev: the filter drives it from now on. */
        bev->enabled |= EV_WRITE;
        if (queued > 0) {
            bufferevent_enable(bev, EV_WRITE);
        }
        return;
    }
    /* The socket bufferevent keeps the start of its output frozen except while it writes
     * itself; do as it does. A failed write leaves the bytes queued: the write event then
     * reports the error. */
    evbuffer_unfreeze(out, 1);
    (void)evbuffer_write(out, bufferevent_getfd(bev));
    evbuffer_freeze(out, 1);
    if (evbuffer_get_length(out) > 0) {
        bufferevent_enable(bev, EV_WRITE); /* the rest when the socket accepts it */
        return;
    }
    bev->enabled |= EV_WRITE; /* as libevent leaves it after draining the buffer itself */
    conn_write_cb(bev, conn); /* the drained-buffer callback libevent would have run */
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct conn *conn = arg;
    if (conn->closed) {
        return;
    }
    if (conn->close_after_flush || conn->module->conn_readable == NULL) {
        evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
        return;
    }
    bool write_now = conn_write_defer(conn);
    conn->in_callback = true;
    conn->module->conn_readable(conn);
    conn->in_callback = false;
    if (write_now) {
        conn_write_now(conn, bev);
    }
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct conn *conn = arg;
    if (conn->closed) {
        return;
    }
    if (conn->close_after_flush) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
            conn_close(conn);
        }
        return;
    }
    if (conn->module->conn_flushed != NULL) {
        conn->in_callback = true;
        conn->module->conn_flushed(conn);
        conn->in_callback = false;
    }
}

static void conn_log_tls_error(struct conn *conn)
{
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(conn->bev)) != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        log_info(&conn->log, "TLS error from %s: %s", conn->peer, buf);
    }
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct conn *conn = arg;
    if (conn->closed) {
        return;
    }
    if (what & BEV_EVENT_TIMEOUT) {
        log_info(&conn->log, "peer %s stopped reading, closing", conn->peer);
    } else if (what & BEV_EVENT_ERROR) {
        if (conn->tls) {
            conn_log_tls_error(conn);
        }
        log_debug(&conn->log, "connection error: %s",
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        conn_close(conn);
    }
}

int conn_start_tls(struct conn *conn, struct ssl_ctx_st *ctx)
{
    if (conn->closed || conn->tls) {
        return ERR_INVAL;
    }
    SSL *ssl = tls_ssl_new(ctx);
    if (ssl == NULL) {
        return ERR_IO;
    }
    /* The filter writes through the old bufferevent, so a response already queued there
     * (the StartTLS success) goes out in the clear before the handshake, as RFC 4511 4.14.2
     * requires. */
    struct bufferevent *under = conn->bev;
    struct bufferevent *filt = bufferevent_openssl_filter_new(
            bufferevent_get_base(under), under, ssl, BUFFEREVENT_SSL_ACCEPTING,
            BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (filt == NULL) {
        SSL_free(ssl);
        return ERR_IO;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(filt, 1);
    conn->bev = filt;
    conn->tls = true;
    conn_setup_bev(conn);
    return 0;
}
