/*
 * conn.h: one accepted connection, as the core hands it to a protocol module (src/proto.h).
 *
 * A struct conn wraps one bufferevent (a plain socket, TLS through bufferevent_openssl, or a
 * bufferevent pair in tests), a connection arena (module state lives there), a log prefix
 * (conn=N, a monotonic id), the peer's address and one timer the module arms for its idle
 * and request timeouts. Modules read conn_input() and write conn_output() (evbuffers only)
 * and never touch the socket.
 *
 * Lifetime: the core creates the conn, calls module->conn_open, then the other callbacks;
 * conn_close() (by the module, or by the core on EOF, error, timeout or shutdown) calls
 * module->conn_close once and frees the conn after the current callback returns, so a
 * module may close from inside its own callback and must not touch the conn afterwards.
 * conn_close_after_flush() lets the queued output (a final 408, a Connection: close
 * response) reach the peer first.
 */
#ifndef KITH_CONN_H
#define KITH_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "src/log.h"

struct arena;
struct bufferevent;
struct evbuffer;
struct event;
struct event_base;
struct kith_config;
struct proto_module;
struct server;
struct sockaddr;
struct ssl_ctx_st;

#define CONN_ADDR_MAX 64

struct conn {
    unsigned long id;         /* monotonic, the conn= of log lines */
    char peer[CONN_ADDR_MAX]; /* "192.0.2.1" or "2001:db8::1" (no port) */
    unsigned peer_port;
    bool tls;              /* traffic is TLS (from accept, or after StartTLS) */
    bool peer_is_loopback; /* 127.0.0.0/8 or ::1 */
    bool shutting_down;    /* the server asked us to finish (proto conn_shutdown) */
    struct bufferevent *bev;
    struct arena *arena; /* freed with the connection */
    struct log_ctx log;  /* .conn = id */
    const struct kith_config *cfg;
    const struct proto_module *module;
    void *module_ctx; /* from server_listen() */
    void *proto_ctx;  /* the module's per-connection state */

    /* Private to src/conn.c and src/server.c. */
    struct server *server;
    struct conn *prev, *next; /* the server's list of open connections */
    struct event *timer;
    struct event *reaper; /* frees a closed conn outside its callbacks */
    size_t write_lowat;
    bool closed; /* conn_close ran: no more callbacks */
    bool close_after_flush;
    bool in_callback;
};

/* Wrap bev (owned from now on) as a connection for module m. server may be NULL (unit tests,
 * fuzzing: a bufferevent pair). peer may be NULL. Calls m->conn_open; returns NULL (and
 * frees bev) when it refuses. The bufferevent must use base. */
struct conn *conn_new(struct server *server, struct event_base *base, struct bufferevent *bev,
                      const struct kith_config *cfg, const struct proto_module *m, void *module_ctx,
                      const struct sockaddr *peer, int peer_len, bool tls);

struct evbuffer *conn_input(struct conn *conn);
struct evbuffer *conn_output(struct conn *conn);

/* Call proto conn_flushed when the output buffer drops to lowat bytes (0: fully written). */
void conn_set_write_lowat(struct conn *conn, size_t lowat);

/* Arm the timer to call proto conn_timeout (or close) in seconds; 0 disarms it. Re-arming
 * replaces the previous deadline (it is not extended by traffic: that is the caller's
 * choice, so a slowloris client trickling bytes still meets its request deadline). */
void conn_set_timeout(struct conn *conn, unsigned seconds);
/* As conn_set_timeout with milliseconds (tests). */
void conn_set_timeout_ms(struct conn *conn, unsigned ms);

/* Stop reading (back-pressure while a request is handled) or resume. */
void conn_pause_read(struct conn *conn, bool paused);

/* Close now: proto conn_close, then the bufferevent (and TLS) go away. Idempotent. */
void conn_close(struct conn *conn);

/* Close once everything queued so far has been written (or the write fails). No more input
 * is delivered to the module. */
void conn_close_after_flush(struct conn *conn);

/* LDAP StartTLS (RFC 4511 4.14): put a TLS server filter over the existing connection, with
 * ctx from server_tls_ctx(conn->server). Call after queueing the plaintext response; it is
 * flushed first. ERR_IO when TLS cannot start
 * (the connection is then unusable; close it). */
int conn_start_tls(struct conn *conn, struct ssl_ctx_st *ctx);

/* Private to src/conn.c and src/server.c: the server's list of open connections. */
void server_conn_opened(struct server *srv, struct conn *conn);
void server_conn_closed(struct server *srv, struct conn *conn);

#endif
