/*
 * proto.h: what a protocol module (HTTP, LDAP) gives the core server.
 *
 * The core (src/server.c, src/conn.c) accepts connections, does TLS, counts connections,
 * runs timers and shuts down gracefully; it knows no protocol. A module is a constant table
 * of callbacks written with designated initializers (BIRD's struct protocol):
 *
 *     const struct proto_module http_module = {
 *         .name = "http",
 *         .conn_open = http_conn_open, .conn_readable = http_conn_readable,
 *         .conn_flushed = http_conn_flushed, .conn_timeout = http_conn_timeout,
 *         .conn_shutdown = http_conn_shutdown, .conn_close = http_conn_close,
 *     };
 *
 * server_listen() binds a module and its module_ctx (e.g. a struct http_server) to a
 * listener. For each accepted connection the core makes a struct conn (src/conn.h) and then
 * calls, all on the event loop thread:
 *
 *   conn_open      once, before any data; state goes in conn->arena, its pointer in
 *                  conn->proto_ctx. Nonzero return (ERR_*) closes the connection.
 *   conn_readable  whenever new bytes sit in conn_input(conn).
 *   conn_flushed   when the output buffer drained below the low watermark set with
 *                  conn_set_write_lowat() (0: completely written). Used to stream big bodies.
 *   conn_timeout   the timer armed with conn_set_timeout() fired. NULL: the core closes.
 *   conn_shutdown  the server is stopping: finish in-flight work, then conn_close(). Return
 *                  true when the connection is idle and may be closed at once.
 *   conn_close     exactly once, as the connection goes away (peer closed, error, timeout,
 *                  shutdown, or a conn_close() by the module itself). Release what is not in
 *                  conn->arena; do not write any more.
 * Only .name is required; NULL callbacks are skipped.
 */
#ifndef KITH_PROTO_H
#define KITH_PROTO_H

#include <stdbool.h>

struct conn;

struct proto_module {
    const char *name; /* "http", "ldap": used in log lines */
    int (*conn_open)(struct conn *conn);
    void (*conn_readable)(struct conn *conn);
    void (*conn_flushed)(struct conn *conn);
    void (*conn_timeout)(struct conn *conn);
    bool (*conn_shutdown)(struct conn *conn);
    void (*conn_close)(struct conn *conn);
};

#endif
