/*
 * ldapd_conn.c: the LDAP protocol module on the core's connections (src/proto.h): framing
 * LDAPMessages out of the input evbuffer, dispatching them, StartTLS, and the server object.
 *
 * Framing (CLIENTS.md B3.2): ldapd_frame_check() on the first bytes says how long the next
 * PDU is; a PDU longer than [ldap] max_pdu, an indefinite length or anything but a SEQUENCE
 * ends the session with a Notice of Disconnection (RFC 4511 4.4.1), as does a PDU the
 * decoder rejects (4.1.1: "MUST immediately terminate"). Each PDU is decoded into the
 * connection's PDU arena (reset, not freed, after each: no allocation per request), answered
 * completely (operations are synchronous, so none is ever outstanding and abandon has
 * nothing to stop), and drained.
 *
 * StartTLS (RFC 4511 4.14, RFC 4513 3): refused when TLS is already on or not configured;
 * otherwise the success response is queued in clear, reading pauses, and the TLS filter goes
 * on only once that response has been flushed (conn_flushed), so no byte of the answer is
 * encrypted and no client byte is read in clear after it. The TLS context is the server's
 * live one (server_tls_ctx), so a certificate renewed with SIGHUP serves StartTLS at once;
 * the context loaded at start only decides whether StartTLS is offered.
 */
#include "protocols/ldap/ldapd-internal.h"

#include <string.h>
#include <sys/random.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/log.h"
#include "src/server.h"
#include "src/tls.h"

static void ldapd_pdu_arena_free(void *data)
{
    struct ldapd_conn *lc = data;
    arena_free(&lc->pdu_arena);
}

static int ldapd_conn_open(struct conn *conn)
{
    struct ldapd_conn *lc = arena_new_obj(conn->arena, struct ldapd_conn);
    lc->conn = conn;
    lc->srv = conn->module_ctx;
    lc->pdu_arena = arena_new(4096); /* zero-filled: a search needs about 2 KiB */
    arena_on_free(conn->arena, ldapd_pdu_arena_free, lc);
    conn->proto_ctx = lc;
    if (conn->cfg->idle_timeout) {
        conn_set_timeout(conn, conn->cfg->idle_timeout);
    }
    return 0;
}

static void ldapd_disconnect(struct ldapd_conn *lc, const char *why)
{
    struct conn *conn = lc->conn;
    log_info(&conn->log, "ldap protocol error from %s: %s; disconnecting", conn->peer, why);
    ldapd_encode_notice_of_disconnection(conn_output(conn), LDAPD_PROTOCOL_ERROR,
            str_view_of(why));
    conn_close_after_flush(conn);
}

static void ldapd_reply(struct evbuffer *out, const struct ldapd_message *m, int code,
        const char *diag)
{
    int tag = ldapd_response_tag_for(m->op);
    if (tag == 0) {
        return;
    }
    struct ldapd_result res = { .code = code, .diag = str_view_of(diag) };
    ldapd_encode_result(out, m->msgid, (enum ldapd_response_tag)tag, &res, NULL, 0);
}

static void ldapd_starttls(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct evbuffer *out)
{
    struct conn *conn = lc->conn;
    struct ldapd_result res = { .code = LDAPD_SUCCESS };
    if (lc->srv->tls_ctx == NULL) {
        res.code = LDAPD_PROTOCOL_ERROR; /* as slapd without TLS */
        res.diag = STR_VIEW_LIT("unsupported extended operation");
    } else if (conn->tls || lc->tls_pending) {
        res.code = LDAPD_OPERATIONS_ERROR;
        res.diag = STR_VIEW_LIT("TLS already started");
    } else if (evbuffer_get_length(conn_input(conn)) > lc->cur_len) {
        /* Another request follows in the buffer: it would be outstanding (RFC 4511 4.14.1). */
        res.code = LDAPD_OPERATIONS_ERROR;
        res.diag = STR_VIEW_LIT("other operations are outstanding");
    }
    ldapd_encode_extended_response(out, m->msgid, &res, LDAPD_OID_STARTTLS, NULL);
    if (res.code == LDAPD_SUCCESS) {
        lc->tls_pending = true;
        conn_pause_read(conn, true);
        conn_set_write_lowat(conn, 0);
    }
}

static void ldapd_extended(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct evbuffer *out)
{
    switch (m->u.extended.kind) {
    case LDAPD_EXT_STARTTLS:
        ldapd_starttls(lc, m, out);
        break;
    case LDAPD_EXT_WHOAMI:
        ldapd_whoami_handle(lc, m, out);
        break;
    default: {
        struct ldapd_result res = { .code = LDAPD_PROTOCOL_ERROR,
            .diag = STR_VIEW_LIT("unsupported extended operation") };
        ldapd_encode_extended_response(out, m->msgid, &res, NULL, NULL);
        break;
    }
    }
}

/* Answer one decoded message. Returns false when the session ends. */
static bool ldapd_dispatch(struct ldapd_conn *lc, const struct ldapd_message *m, int rc,
        struct arena *a)
{
    struct evbuffer *out = conn_output(lc->conn);
    if (rc != 0 && !(rc == ERR_UNSUPPORTED && m->op == LDAPD_OP_BIND)) {
        ldapd_disconnect(lc, m->error ? m->error : "malformed request");
        return false;
    }
    const struct ldapd_control *crit = ldapd_message_unknown_critical(m);
    if (crit != NULL) {
        ldapd_reply(out, m, LDAPD_UNAVAILABLE_CRITICAL_EXTENSION,
                "critical extension is not recognized");
        return true;
    }
    switch (m->op) {
    case LDAPD_OP_BIND:
        ldapd_bind_handle(lc, m, rc, out);
        break;
    case LDAPD_OP_UNBIND:
        conn_close_after_flush(lc->conn);
        return false;
    case LDAPD_OP_SEARCH:
        ldapd_search_handle(lc, m, a, out);
        break;
    case LDAPD_OP_COMPARE:
        ldapd_compare_handle(lc, m, a, out);
        break;
    case LDAPD_OP_ABANDON:
        break; /* every earlier operation is already answered */
    case LDAPD_OP_EXTENDED:
        ldapd_extended(lc, m, out);
        break;
    case LDAPD_OP_MODIFY:
    case LDAPD_OP_ADD:
    case LDAPD_OP_DELETE:
    case LDAPD_OP_MODDN:
        ldapd_reply(out, m, LDAPD_UNWILLING_TO_PERFORM, "read-only directory");
        break;
    default:
        ldapd_disconnect(lc, "unknown operation");
        return false;
    }
    return !lc->tls_pending;
}

static void ldapd_conn_readable(struct conn *conn)
{
    struct ldapd_conn *lc = conn->proto_ctx;
    struct evbuffer *in = conn_input(conn);
    size_t max_pdu = conn->cfg->ldap_max_pdu;
    while (!conn->closed && !lc->tls_pending) {
        size_t avail = evbuffer_get_length(in), len = 0;
        if (avail == 0) {
            break;
        }
        const uint8_t *hdr = evbuffer_pullup(in, avail < 6 ? (ssize_t)avail : 6);
        int rc = ldapd_frame_check(hdr, avail, max_pdu, &len);
        if (rc == ERR_AGAIN) {
            break;
        }
        if (rc != 0) {
            ldapd_disconnect(lc, rc == ERR_TOO_LARGE ? "PDU too large" : "malformed PDU framing");
            return;
        }
        const uint8_t *pdu = evbuffer_pullup(in, (ssize_t)len);
        struct arena *a = lc->pdu_arena;
        struct ldapd_message *m = NULL;
        rc = ldapd_message_decode(a, pdu, len, &lc->srv->limits, &m);
        lc->n_ops++;
        lc->cur_len = len;
        /* The PDU must stay in place while m is used: drain only afterwards. */
        bool go_on = ldapd_dispatch(lc, m, rc, a);
        arena_reset(a);
        evbuffer_drain(in, len);
        if (conn->cfg->idle_timeout && !conn->closed) {
            conn_set_timeout(conn, conn->cfg->idle_timeout);
        }
        if (!go_on) {
            break;
        }
    }
}

/* The context for a StartTLS now: the server's current one, so a certificate renewed by
 * SIGHUP (server_reload_tls) is used from then on; the one loaded at start only without a
 * server (unit tests) or when the server has none. */
static struct ssl_ctx_st *ldapd_starttls_ctx(struct ldapd_conn *lc)
{
    struct ssl_ctx_st *live = lc->conn->server ? server_tls_ctx(lc->conn->server) : NULL;
    return live != NULL ? live : lc->srv->tls_ctx;
}

static void ldapd_conn_flushed(struct conn *conn)
{
    struct ldapd_conn *lc = conn->proto_ctx;
    if (!lc->tls_pending || evbuffer_get_length(conn_output(conn)) > 0) {
        return;
    }
    lc->tls_pending = false;
    if (conn_start_tls(conn, ldapd_starttls_ctx(lc)) != 0) {
        log_warn(&conn->log, "ldap StartTLS failed for %s", conn->peer);
        conn_close(conn);
        return;
    }
    log_debug(&conn->log, "ldap StartTLS: TLS started");
    conn_pause_read(conn, false);
}

static bool ldapd_conn_shutdown(struct conn *conn)
{
    return true; /* operations are synchronous: nothing is ever in flight between callbacks */
}

const struct proto_module ldapd_module = {
    .name = "ldap",
    .conn_open = ldapd_conn_open,
    .conn_readable = ldapd_conn_readable,
    .conn_flushed = ldapd_conn_flushed,
    .conn_shutdown = ldapd_conn_shutdown,
};

/* ------------------------------------------------------------------ the server */

struct ldapd_server *ldapd_server_new(const struct kith_config *cfg, struct store *store)
{
    struct arena *a = arena_new(4096);
    struct ldapd_server *srv = arena_new_obj(a, struct ldapd_server);
    srv->a = a;
    srv->cfg = cfg;
    srv->store = store;
    srv->limits = LDAPD_LIMITS_DEFAULT;
    srv->suffix = str_view_of(arena_strdup(a, cfg->ldap_suffix));
    struct ldapd_dn dn;
    if (ldapd_dn_normalize(a, srv->suffix, &srv->nsuffix) != 0 ||
            ldapd_dn_parse(a, srv->suffix, &dn) != 0 || dn.n == 0) {
        log_error(NULL, "[ldap] suffix '%s' is not a DN", cfg->ldap_suffix);
        arena_free(&a);
        return NULL;
    }
    srv->suffix_type = dn.avas[0].type;
    srv->suffix_value = dn.avas[0].value;
    if (getrandom(srv->salt, sizeof(srv->salt), 0) != (ssize_t)sizeof(srv->salt)) {
        log_error(NULL, "ldap: no randomness for the bind cache salt");
        arena_free(&a);
        return NULL;
    }
    char err[256];
    if (cfg->ldap_listen[0] != '\0' &&
            tls_ctx_new(cfg, &srv->tls_ctx, err, sizeof(err)) != 0) {
        log_info(NULL, "ldap: StartTLS off: %s", err);
        srv->tls_ctx = NULL;
    }
    return srv;
}

void ldapd_server_free(struct ldapd_server **ls)
{
    if (*ls == NULL) {
        return;
    }
    struct ldapd_server *srv = *ls;
    tls_ctx_free(&srv->tls_ctx);
    ldapd_entry_pool_free(srv);
    OPENSSL_cleanse(srv->cache, sizeof(srv->cache));
    struct arena *a = srv->a;
    arena_free(&a);
    *ls = NULL;
}
