/*
 * server.h: the event loop, its listeners and the life of the process around them.
 *
 * One struct server owns one libevent base, every listener (plain TCP or TLS), every open
 * connection (src/conn.h) and the TLS context. Typical use in src/main.c:
 *
 *     struct server *srv = server_new(&cfg);
 *     if (srv == NULL) ...
 *     server_listen(srv, cfg.http_listen, false, &http_module, http_srv);
 *     server_listen(srv, cfg.https_listen, true, &http_module, http_srv);
 *     server_run(srv);          // returns after SIGTERM/SIGINT and a graceful shutdown
 *     server_free(&srv);        // then close the store
 *
 * Signals (installed by server_run on the base):
 *   SIGTERM, SIGINT  stop accepting, ask every connection to finish (proto conn_shutdown),
 *                    wait for them up to cfg->shutdown_timeout seconds, close the rest, return.
 *   SIGHUP           run the reload hook (server_on_reload), then reload the TLS certificate
 *                    and key; a failed reload keeps the old ones and logs why. Existing TLS connections keep the context they started with.
 *   SIGPIPE          ignored (writes to closed sockets fail with EPIPE instead).
 * cfg->max_connections is enforced at accept: the extra connection is closed at once and a
 * warn line logged (at most once a second).
 *
 * The configuration passed in must outlive the server; it is read, never written.
 */
#ifndef KITH_SERVER_H
#define KITH_SERVER_H

#include <stdbool.h>

struct event_base;
struct kith_config;
struct proto_module;
struct server;
struct ssl_ctx_st;

/* New server with its own event base; NULL (logged) when libevent cannot start. */
struct server *server_new(const struct kith_config *cfg);

/* Listen on "ADDR:PORT" ("[v6]:PORT" for IPv6) with SO_REUSEADDR, handing each accepted
 * connection to module m with module_ctx (which must outlive the server). With tls true, the
 * first TLS listener loads cfg->tls_certificate and cfg->tls_key (resolved with
 * config_data_path). An empty addr is "off" and returns 0. ERR_INVAL for a bad address,
 * ERR_IO when the bind fails or the certificate cannot be loaded (logged with the reason). */
int server_listen(struct server *srv, const char *addr, bool tls, const struct proto_module *m,
                  void *module_ctx);

/* Port the most recently added listener is bound to (after port 0 in tests), 0 if none. */
unsigned server_last_port(const struct server *srv);

/* Run the loop until a stop signal or server_stop() and the graceful shutdown are done.
 * Returns 0, or ERR_IO if the loop failed. */
int server_run(struct server *srv);

/* Begin the graceful shutdown as SIGTERM does (tests; also callable from a handler). */
void server_stop(struct server *srv);

/* Called on SIGHUP before the TLS reload (kith serve re-reads its configuration file). */
typedef void server_reload_fn(void *ctx);
void server_on_reload(struct server *srv, server_reload_fn *fn, void *ctx);

/* Reload the TLS certificate and key as SIGHUP does. ERR_IO (logged) keeps the old ones. */
int server_reload_tls(struct server *srv);

/* The current TLS server context, loaded on first use (LDAP StartTLS on a plain listener:
 * pass it to conn_start_tls()). NULL (logged) when the certificate cannot be loaded. The
 * context may be replaced by a reload; SSLs made from it keep their own reference. */
struct ssl_ctx_st *server_tls_ctx(struct server *srv);

/* The loop, for modules and tests that add their own events. */
struct event_base *server_base(struct server *srv);

/* Number of open connections. */
unsigned server_conn_count(const struct server *srv);

/* Close every connection and listener and free the base. NULL-safe; sets *srv to NULL. */
void server_free(struct server **srv);

#endif
