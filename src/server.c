#include "src/server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/log.h"
#include "src/proto.h"
#include "src/tls.h"

#define SERVER_LISTENERS_MAX 8
#define SERVER_BACKLOG       511 /* nginx's default; the kernel caps it at somaxconn */

struct server_listener {
    struct server *srv;
    struct evconnlistener *lev;
    const struct proto_module *module;
    void *module_ctx;
    bool tls;
    unsigned port;
    char addr[CONFIG_ADDR_MAX];
};

struct server {
    const struct kith_config *cfg;
    struct event_base *base;
    struct server_listener listeners[SERVER_LISTENERS_MAX];
    size_t nlisteners;
    struct conn *conns; /* doubly linked through conn->prev/next */
    unsigned nconns;
    SSL_CTX *tls_ctx;
    struct event *sig_term, *sig_int, *sig_hup;
    struct event *shutdown_timer;
    bool stopping;
    time_t last_refusal_log;
    unsigned long refused;
    server_reload_fn *reload;
    void *reload_ctx;
};

static const struct log_ctx server_log = { 0 };

struct server *server_new(const struct kith_config *cfg)
{
    struct server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return NULL;
    }
    srv->cfg = cfg;
    srv->base = event_base_new();
    if (srv->base == NULL) {
        log_error(&server_log, "cannot create the event loop");
        free(srv);
        return NULL;
    }
    return srv;
}

struct event_base *server_base(struct server *srv)
{
    return srv->base;
}

unsigned server_conn_count(const struct server *srv)
{
    return srv->nconns;
}

unsigned server_last_port(const struct server *srv)
{
    return srv->nlisteners ? srv->listeners[srv->nlisteners - 1].port : 0;
}

void server_conn_opened(struct server *srv, struct conn *conn)
{
    conn->next = srv->conns;
    conn->prev = NULL;
    if (srv->conns != NULL) {
        srv->conns->prev = conn;
    }
    srv->conns = conn;
    srv->nconns++;
}

void server_conn_closed(struct server *srv, struct conn *conn)
{
    if (conn->prev != NULL) {
        conn->prev->next = conn->next;
    } else if (srv->conns == conn) {
        srv->conns = conn->next;
    }
    if (conn->next != NULL) {
        conn->next->prev = conn->prev;
    }
    conn->prev = conn->next = NULL;
    srv->nconns--;
    if (srv->stopping && srv->nconns == 0) {
        event_base_loopexit(srv->base, NULL);
    }
}

/* Refuse beyond max_connections: close at once, and say so at most once a second so a
 * flood does not become a log flood. */
static bool server_refuse(struct server *srv, evutil_socket_t fd)
{
    if (srv->cfg->max_connections == 0 || srv->nconns < srv->cfg->max_connections) {
        return false;
    }
    evutil_closesocket(fd);
    srv->refused++;
    time_t now = time(NULL);
    if (now != srv->last_refusal_log) {
        srv->last_refusal_log = now;
        log_warn(&server_log, "max_connections (%u) reached: refused %lu connection(s)",
                 srv->cfg->max_connections, srv->refused);
        srv->refused = 0;
    }
    return true;
}

/* libevent writes at most 16 KiB per system call by default: a 3 MB multistatus took 200
 * writes and 200 loop turns. A larger cap lets one writev fill the socket buffer, and still
 * bounds how long one connection holds the loop. */
#define SERVER_MAX_SINGLE_WRITE (1024 * 1024)

static struct bufferevent *server_make_bev(struct server_listener *l, evutil_socket_t fd)
{
    struct server *srv = l->srv;
    int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
    if (!l->tls) {
        struct bufferevent *plain = bufferevent_socket_new(srv->base, fd, opts);
        if (plain != NULL) {
            bufferevent_set_max_single_write(plain, SERVER_MAX_SINGLE_WRITE);
        }
        return plain;
    }
    SSL *ssl = tls_ssl_new(srv->tls_ctx);
    if (ssl == NULL) {
        return NULL;
    }
    struct bufferevent *bev =
            bufferevent_openssl_socket_new(srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, opts);
    if (bev == NULL) {
        SSL_free(ssl);
        return NULL;
    }
    /* Clients often close without close_notify; that is an EOF, not an error to report. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

static void server_accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                             int salen, void *arg)
{
    struct server_listener *l = arg;
    struct server *srv = l->srv;
    if (srv->stopping) {
        evutil_closesocket(fd);
        return;
    }
    if (server_refuse(srv, fd)) {
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct bufferevent *bev = server_make_bev(l, fd);
    if (bev == NULL) {
        log_error(&server_log, "cannot set up a connection on %s", l->addr);
        evutil_closesocket(fd);
        return;
    }
    conn_new(srv, srv->base, bev, srv->cfg, l->module, l->module_ctx, sa, salen, l->tls);
}

static void server_accept_error_cb(struct evconnlistener *lev, void *arg)
{
    struct server_listener *l = arg;
    int e = EVUTIL_SOCKET_ERROR();
    log_warn(&server_log, "accept on %s failed: %s", l->addr, evutil_socket_error_to_string(e));
}

static int server_load_tls(struct server *srv)
{
    if (srv->tls_ctx != NULL) {
        return 0;
    }
    char err[512];
    if (tls_ctx_new(srv->cfg, &srv->tls_ctx, err, sizeof(err)) != 0) {
        log_error(&server_log, "TLS: %s", err);
        return ERR_IO;
    }
    return 0;
}

struct ssl_ctx_st *server_tls_ctx(struct server *srv)
{
    return server_load_tls(srv) == 0 ? srv->tls_ctx : NULL;
}

static unsigned server_bound_port(struct evconnlistener *lev)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* "ADDR:PORT", "[V6]:PORT" or "NAME:PORT" (resolved once, first address). Port 0 asks the
 * kernel for a free port (tests). */
static int server_parse_addr(const char *addr, struct sockaddr_storage *ss, int *len_out)
{
    char host[CONFIG_ADDR_MAX];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr || colon[1] == '\0') {
        return ERR_INVAL;
    }
    const char *h = addr;
    size_t hlen = (size_t)(colon - addr);
    if (addr[0] == '[') {
        if (colon[-1] != ']') {
            return ERR_INVAL;
        }
        h = addr + 1;
        hlen -= 2;
    } else if (memchr(addr, ':', hlen) != NULL) {
        return ERR_INVAL; /* bare IPv6 without brackets: the port is ambiguous */
    }
    if (hlen == 0 || hlen >= sizeof(host) || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
        atol(colon + 1) > 65535) {
        return ERR_INVAL;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || res == NULL) {
        return ERR_INVAL;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len_out = (int)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int server_listen(struct server *srv, const char *addr, bool tls, const struct proto_module *m,
                  void *module_ctx)
{
    if (addr == NULL || addr[0] == '\0') {
        return 0;
    }
    if (srv->nlisteners == SERVER_LISTENERS_MAX) {
        log_error(&server_log, "too many listeners (max %d)", SERVER_LISTENERS_MAX);
        return ERR_INVAL;
    }
    struct sockaddr_storage ss;
    int sslen = 0;
    if (server_parse_addr(addr, &ss, &sslen) != 0) {
        log_error(&server_log, "%s: bad listen address '%s' (want ADDR:PORT)", m->name, addr);
        return ERR_INVAL;
    }
    if (tls && server_load_tls(srv) != 0) {
        return ERR_IO;
    }
    struct server_listener *l = &srv->listeners[srv->nlisteners];
    memset(l, 0, sizeof(*l));
    l->srv = srv;
    l->module = m;
    l->module_ctx = module_ctx;
    l->tls = tls;
    snprintf(l->addr, sizeof(l->addr), "%s", addr);
    l->lev = evconnlistener_new_bind(srv->base, server_accept_cb, l,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                             LEV_OPT_CLOSE_ON_EXEC,
                                     SERVER_BACKLOG, (struct sockaddr *)&ss, sslen);
    if (l->lev == NULL) {
        log_error(&server_log, "%s: cannot listen on %s: %s", m->name, addr,
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return ERR_IO;
    }
    evconnlistener_set_error_cb(l->lev, server_accept_error_cb);
    l->port = server_bound_port(l->lev);
    srv->nlisteners++;
    log_info(&server_log, "%s listening on %s%s", m->name, addr, tls ? " (TLS)" : "");
    return 0;
}

int server_reload_tls(struct server *srv)
{
    if (srv->tls_ctx == NULL) {
        log_info(&server_log, "SIGHUP: no TLS listener, nothing to reload");
        return 0;
    }
    char err[512];
    SSL_CTX *fresh = NULL;
    if (tls_ctx_new(srv->cfg, &fresh, err, sizeof(err)) != 0) {
        log_warn(&server_log, "TLS reload failed, keeping the old certificate: %s", err);
        return ERR_IO;
    }
    /* Each SSL holds a reference to its SSL_CTX: open connections keep the old one alive. */
    SSL_CTX_free(srv->tls_ctx);
    srv->tls_ctx = fresh;
    log_info(&server_log, "TLS certificate and key reloaded");
    return 0;
}

static void server_force_close_cb(evutil_socket_t fd, short what, void *arg)
{
    struct server *srv = arg;
    if (srv->nconns > 0) {
        log_warn(&server_log, "shutdown timeout: closing %u connection(s)", srv->nconns);
    }
    while (srv->conns != NULL) {
        conn_close(srv->conns);
    }
    event_base_loopexit(srv->base, NULL);
}

void server_stop(struct server *srv)
{
    if (srv->stopping) {
        return;
    }
    srv->stopping = true;
    log_info(&server_log, "shutting down: %u connection(s) open", srv->nconns);
    for (size_t i = 0; i < srv->nlisteners; i++) {
        evconnlistener_disable(srv->listeners[i].lev);
    }
    struct conn *next;
    for (struct conn *c = srv->conns; c != NULL; c = next) {
        next = c->next;
        c->shutting_down = true;
        if (c->module->conn_shutdown == NULL || c->module->conn_shutdown(c)) {
            conn_close(c);
        }
    }
    if (srv->nconns == 0) {
        event_base_loopexit(srv->base, NULL);
        return;
    }
    srv->shutdown_timer = evtimer_new(srv->base, server_force_close_cb, srv);
    struct timeval tv = { .tv_sec = srv->cfg->shutdown_timeout, .tv_usec = 0 };
    if (srv->shutdown_timer == NULL || evtimer_add(srv->shutdown_timer, &tv) != 0) {
        server_force_close_cb(-1, 0, srv);
    }
}

static void server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    if (sig == SIGHUP) {
        /* The configuration first: it may name new certificate files. */
        if (srv->reload != NULL) {
            srv->reload(srv->reload_ctx);
        }
        server_reload_tls(srv);
        return;
    }
    log_info(&server_log, "got %s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    server_stop(srv);
}

void server_on_reload(struct server *srv, server_reload_fn *fn, void *ctx)
{
    srv->reload = fn;
    srv->reload_ctx = ctx;
}

int server_run(struct server *srv)
{
    signal(SIGPIPE, SIG_IGN);
    srv->sig_term = evsignal_new(srv->base, SIGTERM, server_signal_cb, srv);
    srv->sig_int = evsignal_new(srv->base, SIGINT, server_signal_cb, srv);
    srv->sig_hup = evsignal_new(srv->base, SIGHUP, server_signal_cb, srv);
    if (srv->sig_term == NULL || srv->sig_int == NULL || srv->sig_hup == NULL ||
        evsignal_add(srv->sig_term, NULL) != 0 || evsignal_add(srv->sig_int, NULL) != 0 ||
        evsignal_add(srv->sig_hup, NULL) != 0) {
        log_error(&server_log, "cannot install signal handlers");
        return ERR_IO;
    }
    int rc = event_base_dispatch(srv->base);
    /* Leave signals to their defaults so a second Ctrl-C during cleanup still works. */
    event_free(srv->sig_term);
    event_free(srv->sig_int);
    event_free(srv->sig_hup);
    srv->sig_term = srv->sig_int = srv->sig_hup = NULL;
    if (rc < 0) {
        log_error(&server_log, "event loop failed");
        return ERR_IO;
    }
    log_debug(&server_log, "event loop finished");
    return 0;
}

void server_free(struct server **srvp)
{
    struct server *srv = srvp ? *srvp : NULL;
    if (srv == NULL) {
        return;
    }
    while (srv->conns != NULL) {
        conn_close(srv->conns);
    }
    for (size_t i = 0; i < srv->nlisteners; i++) {
        evconnlistener_free(srv->listeners[i].lev);
    }
    /* Let closed connections' reapers run so their memory and sockets are released. */
    event_base_loop(srv->base, EVLOOP_NONBLOCK);
    if (srv->shutdown_timer != NULL) {
        event_free(srv->shutdown_timer);
    }
    tls_ctx_free(&srv->tls_ctx);
    event_base_free(srv->base);
    free(srv);
    *srvp = NULL;
}
