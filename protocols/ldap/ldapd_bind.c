/*
 * ldapd_bind.c: simple bind (RFC 4511 4.2, RFC 4513 5) with the users and passwords of the
 * DAV side, and WhoAmI (RFC 4532).
 *
 * Bind names: uid=NAME,ou=Users,<suffix>, the bare login, or the user's e-mail address (as
 * DAV Basic auth accepts). Policy, in order: a SASL mechanism gets authMethodNotSupported
 * (7); an empty name with an empty password is an anonymous bind, allowed only with
 * [ldap] anonymous (else inappropriateAuthentication, 48, as slapd's "disallow bind_anon");
 * a name with an empty password is an unauthenticated bind, refused with
 * unwillingToPerform (53, RFC 4513 5.1.2); a password on a cleartext connection from a
 * peer that is not loopback gets confidentialityRequired (13) unless [ldap]
 * cleartext_bind is set (loopback counts as secure, as in Dovecot). v2 binds are served
 * like v3 ones (desk phones send them).
 *
 * A yescrypt verify costs ~60 ms of event-loop time, and phones bind before every lookup:
 * successful binds are cached for 5 minutes under a salted SHA-256 of name and password
 * (the process never keeps the password; the random salt defeats precomputed tables).
 */
#include "protocols/ldap/ldapd-internal.h"

#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/log.h"
#include "src/passwd.h"

/* The key also covers the user's stored hash (stamp), so a password change or a deleted
 * user takes effect at the next bind, not when the entry expires. */
static void ldapd_bind_key(const struct ldapd_server *srv, struct str_view name,
        struct str_view password, struct str_view stamp, uint8_t key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned n = 32;
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(md, srv->salt, sizeof(srv->salt)) != 1 ||
            EVP_DigestUpdate(md, name.ptr, name.len) != 1 ||
            EVP_DigestUpdate(md, "", 1) != 1 ||
            EVP_DigestUpdate(md, password.ptr, password.len) != 1 ||
            EVP_DigestUpdate(md, "", 1) != 1 ||
            EVP_DigestUpdate(md, stamp.ptr ? stamp.ptr : "", stamp.len) != 1 ||
            EVP_DigestFinal_ex(md, key, &n) != 1) {
        memset(key, 0, 32); /* matches no entry: we fall back to the real check */
        key[0] = 1;
    }
    EVP_MD_CTX_free(md);
}

static const char *ldapd_cache_find(struct ldapd_server *srv, const uint8_t key[32], time_t now)
{
    for (size_t i = 0; i < LDAPD_BIND_CACHE_SIZE; i++) {
        struct ldapd_bind_cache_entry *e = &srv->cache[i];
        if (e->expires > now && CRYPTO_memcmp(e->key, key, 32) == 0) {
            return e->user;
        }
    }
    return NULL;
}

static void ldapd_cache_put(struct ldapd_server *srv, const uint8_t key[32], const char *user,
        time_t now)
{
    struct ldapd_bind_cache_entry *victim = &srv->cache[0];
    for (size_t i = 0; i < LDAPD_BIND_CACHE_SIZE; i++) {
        struct ldapd_bind_cache_entry *e = &srv->cache[i];
        if (e->expires <= now) {
            victim = e;
            break;
        }
        if (e->expires < victim->expires) {
            victim = e;
        }
    }
    memcpy(victim->key, key, 32);
    snprintf(victim->user, sizeof(victim->user), "%s", user);
    victim->expires = now + LDAPD_BIND_CACHE_TTL;
}

/* The login a bind name stands for: a Users DN, an e-mail address or a login. */
static int ldapd_bind_user(struct ldapd_server *srv, struct store_txn *t, struct arena *a,
        struct str_view name, struct store_user *u)
{
    if (memchr(name.ptr, '=', name.len) != NULL) {
        struct ldapd_dn dn;
        struct str_view ndn, login;
        size_t depth;
        if (ldapd_dn_parse(a, name, &dn) != 0 || ldapd_dn_normalize(a, name, &ndn) != 0 ||
                dn.n < 2 || !str_view_eq_cstr_nocase(dn.avas[0].type, "uid") ||
                !str_view_eq_cstr_nocase(dn.avas[1].type, "ou") ||
                !str_view_eq_cstr_nocase(dn.avas[1].value, "Users") ||
                !ldapd_dn_under(ndn, srv->nsuffix, &depth) || depth != 2) {
            return ERR_INVAL;
        }
        login = dn.avas[0].value;
        return store_user_get(t, login, u);
    }
    if (memchr(name.ptr, '@', name.len) != NULL) {
        int rc = store_user_find_by_email(t, name, u);
        if (rc != ERR_NOT_FOUND) {
            return rc;
        }
    }
    return store_user_get(t, name, u);
}

/* The stored password hash of the user a bind name stands for (copied into buf), or an
 * empty view when there is none: one read, so every bind can key the cache on it. */
static struct str_view ldapd_bind_stamp(struct ldapd_server *srv, struct str_view name, char *buf,
        size_t size)
{
    struct str_view out = STR_VIEW_NULL;
    struct store_txn *t;
    if (store_txn_begin(srv->store, false, &t) != 0) {
        return out;
    }
    struct arena *a = arena_new(1024);
    struct store_user u;
    if (ldapd_bind_user(srv, t, a, name, &u) == 0 && u.password_hash.len < size) {
        memcpy(buf, u.password_hash.ptr, u.password_hash.len);
        out = str_view_make(buf, u.password_hash.len);
    }
    arena_free(&a);
    store_txn_abort(&t);
    return out;
}

int ldapd_bind_check(struct ldapd_server *srv, struct str_view name, struct str_view password,
        char *user_out)
{
    if (password.len == 0 || password.len > PASSWD_MAX) {
        return ERR_DENIED;
    }
    struct store_txn *t;
    int rc = store_txn_begin(srv->store, false, &t);
    if (rc != 0) {
        return rc;
    }
    struct arena *a = arena_new(1024);
    struct store_user u;
    rc = ldapd_bind_user(srv, t, a, name, &u);
    if (rc == 0 && u.name.len < LDAPD_USER_MAX) {
        char hash[256], *pw = arena_strndup(a, password.ptr, password.len);
        snprintf(hash, sizeof(hash), "%.*s", STR_VIEW_FMT(u.password_hash));
        rc = strlen(pw) == password.len && passwd_verify(pw, hash) ? 0 : ERR_DENIED;
        OPENSSL_cleanse(pw, password.len);
        if (rc == 0) {
            memcpy(user_out, u.name.ptr, u.name.len);
            user_out[u.name.len] = '\0';
        }
    } else if (rc == 0 || rc == ERR_NOT_FOUND || rc == ERR_INVAL) {
        rc = ERR_DENIED;
    }
    arena_free(&a);
    store_txn_abort(&t);
    return rc;
}

/* The resultCode for a well-formed simple bind; sets lc's identity on success. */
static int ldapd_bind_simple(struct ldapd_conn *lc, const struct ldapd_bind *b,
        const char **diag)
{
    struct ldapd_server *srv = lc->srv;
    struct conn *conn = lc->conn;
    lc->bound = false; /* RFC 4513 5.1: a bind first makes the session anonymous */
    lc->user[0] = '\0';
    conn->log.user = NULL;
    if (b->name.len == 0 && b->password.len == 0) {
        if (!srv->cfg->ldap_anonymous) {
            *diag = "anonymous bind disallowed";
            return LDAPD_INAPPROPRIATE_AUTHENTICATION;
        }
        return LDAPD_SUCCESS;
    }
    if (b->password.len == 0) {
        *diag = "unauthenticated bind (DN with no password) disallowed";
        return LDAPD_UNWILLING_TO_PERFORM;
    }
    if (!conn->tls && !conn->peer_is_loopback && !srv->cfg->ldap_cleartext_bind) {
        *diag = "simple bind needs TLS (LDAPS or StartTLS)";
        return LDAPD_CONFIDENTIALITY_REQUIRED;
    }
    uint8_t key[32];
    char stamp[256];
    ldapd_bind_key(srv, b->name, b->password, ldapd_bind_stamp(srv, b->name, stamp, sizeof(stamp)),
            key);
    time_t now = time(NULL);
    const char *cached = ldapd_cache_find(srv, key, now);
    char user[LDAPD_USER_MAX];
    int rc = 0;
    if (cached != NULL) {
        snprintf(user, sizeof(user), "%s", cached);
    } else {
        rc = ldapd_bind_check(srv, b->name, b->password, user);
        if (rc == 0) {
            ldapd_cache_put(srv, key, user, now);
        }
    }
    if (rc != 0) {
        log_warn(&conn->log, "ldap bind failed for \"%.*s\" from %s: %s", STR_VIEW_FMT(b->name),
                conn->peer, err_str(rc));
        return rc == ERR_DENIED ? LDAPD_INVALID_CREDENTIALS : LDAPD_UNAVAILABLE;
    }
    lc->bound = true;
    memcpy(lc->user, user, sizeof(user));
    conn->log.user = lc->user;
    return LDAPD_SUCCESS;
}

void ldapd_bind_handle(struct ldapd_conn *lc, const struct ldapd_message *m, int decode_rc,
        struct evbuffer *out)
{
    const char *diag = "";
    int code;
    if (decode_rc == ERR_UNSUPPORTED) {
        lc->bound = false;
        code = LDAPD_AUTH_METHOD_NOT_SUPPORTED;
        diag = "only simple bind is supported";
    } else {
        code = ldapd_bind_simple(lc, &m->u.bind, &diag);
    }
    struct ldapd_result res = { .code = code, .diag = str_view_of(diag) };
    ldapd_encode_bind_response(out, m->msgid, &res);
    log_info(&lc->conn->log, "ldap op=%lu BIND v%d dn=\"%.*s\" result=%d", lc->n_ops,
            m->u.bind.version, STR_VIEW_FMT(m->u.bind.name), code);
}

void ldapd_whoami_handle(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct evbuffer *out)
{
    if (!lc->bound) {
        ldapd_encode_whoami_response(out, m->msgid, LDAPD_WHOAMI_ANONYMOUS, STR_VIEW_NULL);
        return;
    }
    struct strbuf sb;
    char buf[512];
    struct arena *a = arena_new(512);
    strbuf_init(&sb, a, 128);
    strbuf_append_cstr(&sb, "uid=");
    ldapd_dn_escape_value(&sb, str_view_of(lc->user));
    strbuf_appendf(&sb, ",ou=Users,%.*s", STR_VIEW_FMT(lc->srv->suffix));
    snprintf(buf, sizeof(buf), "%s", sb.ptr);
    arena_free(&a);
    ldapd_encode_whoami_response(out, m->msgid, LDAPD_WHOAMI_DN, str_view_of(buf));
}
