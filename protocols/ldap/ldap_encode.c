/*
 * ldap_encode.c: LDAP responses (RFC 4511 4.1.9 .. 4.12, 4.4.1) and response control values,
 * built with ber_printf on a DER BerElement and appended to an evbuffer in one piece, so a
 * failed encode never leaves half a PDU on the wire.
 */
#include "protocols/ldap/ldap_codec.h"

#include <lber.h>
#include <string.h>

#include <event2/buffer.h>

#include "src/arena.h"
#include "src/err.h"

enum {
    LDAPD_TAG_CONTROLS = 0xa0,
    LDAPD_TAG_EXT_RES_NAME = 0x8a,  /* ExtendedResponse responseName [10] */
    LDAPD_TAG_EXT_RES_VALUE = 0x8b, /* responseValue [11] */
    LDAPD_TAG_SORT_RES_ATTR = 0x80, /* SortResult attributeType [0] */
};

/* ber_printf's "o" takes a pointer and a length; never hand it NULL. */
#define LDAPD_BV(v) ((v).ptr != NULL ? (v).ptr : ""), (ber_len_t)(v).len

/* Flatten ber, append it to out and free ber. ok is false when a ber_printf failed. */
static int ldapd_emit(BerElement *ber, bool ok, struct evbuffer *out)
{
    struct berval bv;
    int rc = ERR_NOMEM;
    if (ok && ber_flatten2(ber, &bv, 0) == 0 && evbuffer_add(out, bv.bv_val, bv.bv_len) == 0) {
        rc = 0;
    }
    ber_free(ber, 1);
    return rc;
}

static bool ldapd_put_controls(BerElement *ber, const struct ldapd_out_control *ctrls, size_t n)
{
    if (n == 0) {
        return true;
    }
    bool ok = ber_printf(ber, "t{", (ber_tag_t)LDAPD_TAG_CONTROLS) != -1;
    for (size_t i = 0; ok && i < n; i++) {
        const struct ldapd_out_control *c = &ctrls[i];
        ok = ber_printf(ber, "{s", c->oid) != -1;
        if (ok && c->critical) { /* DEFAULT FALSE: DER leaves it out when false */
            ok = ber_printf(ber, "b", (ber_int_t)1) != -1;
        }
        if (ok && c->has_value) {
            ok = ber_printf(ber, "o", LDAPD_BV(c->value)) != -1;
        }
        ok = ok && ber_printf(ber, "}") != -1;
    }
    return ok && ber_printf(ber, "}") != -1;
}

/* The common part: LDAPMessage { msgid, tag { resultCode, matchedDN, diagnosticMessage
   [, extra] } [controls] }. name/value are the ExtendedResponse fields (NULL: absent). */
static int ldapd_encode_result_ext(struct evbuffer *out, int32_t msgid, int tag,
        const struct ldapd_result *res, const char *name, const struct str_view *value,
        const struct ldapd_out_control *ctrls, size_t n_ctrls)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    bool ok = ber_printf(ber, "{it{eoo", (ber_int_t)msgid, (ber_tag_t)tag, (ber_int_t)res->code,
                      LDAPD_BV(res->matched_dn), LDAPD_BV(res->diag))
            != -1;
    if (ok && name != NULL) {
        ok = ber_printf(ber, "to", (ber_tag_t)LDAPD_TAG_EXT_RES_NAME, name, (ber_len_t)strlen(name))
                != -1;
    }
    if (ok && value != NULL) {
        ok = ber_printf(ber, "to", (ber_tag_t)LDAPD_TAG_EXT_RES_VALUE, LDAPD_BV(*value)) != -1;
    }
    ok = ok && ber_printf(ber, "}") != -1 && ldapd_put_controls(ber, ctrls, n_ctrls)
            && ber_printf(ber, "}") != -1;
    return ldapd_emit(ber, ok, out);
}

int ldapd_encode_result(struct evbuffer *out, int32_t msgid, enum ldapd_response_tag tag,
        const struct ldapd_result *res, const struct ldapd_out_control *ctrls, size_t n_ctrls)
{
    if (tag == LDAPD_RES_SEARCH_ENTRY) {
        return ERR_INVAL;
    }
    return ldapd_encode_result_ext(out, msgid, tag, res, NULL, NULL, ctrls, n_ctrls);
}

int ldapd_encode_bind_response(struct evbuffer *out, int32_t msgid, const struct ldapd_result *res)
{
    return ldapd_encode_result_ext(out, msgid, LDAPD_RES_BIND, res, NULL, NULL, NULL, 0);
}

int ldapd_encode_search_done(struct evbuffer *out, int32_t msgid, const struct ldapd_result *res,
        const struct ldapd_out_control *ctrls, size_t n_ctrls)
{
    return ldapd_encode_result_ext(out, msgid, LDAPD_RES_SEARCH_DONE, res, NULL, NULL, ctrls,
            n_ctrls);
}

int ldapd_encode_compare_response(struct evbuffer *out, int32_t msgid,
        const struct ldapd_result *res)
{
    return ldapd_encode_result_ext(out, msgid, LDAPD_RES_COMPARE, res, NULL, NULL, NULL, 0);
}

int ldapd_encode_extended_response(struct evbuffer *out, int32_t msgid,
        const struct ldapd_result *res, const char *name, const struct str_view *value)
{
    return ldapd_encode_result_ext(out, msgid, LDAPD_RES_EXTENDED, res, name, value, NULL, 0);
}

/* RFC 4532 2.2: no responseName; the value is the authzId, empty for anonymous. */
int ldapd_encode_whoami_response(struct evbuffer *out, int32_t msgid,
        enum ldapd_whoami_kind kind, struct str_view id)
{
    struct arena *a = arena_new(256);
    struct strbuf sb;
    strbuf_init(&sb, a, id.len + 4);
    if (kind == LDAPD_WHOAMI_DN) {
        strbuf_append_cstr(&sb, "dn:");
        strbuf_append_view(&sb, id);
    } else if (kind == LDAPD_WHOAMI_USER) {
        strbuf_append_cstr(&sb, "u:");
        strbuf_append_view(&sb, id);
    }
    struct ldapd_result ok = { .code = LDAPD_SUCCESS };
    struct str_view value = strbuf_view(&sb);
    int rc = ldapd_encode_extended_response(out, msgid, &ok, NULL, &value);
    arena_free(&a);
    return rc;
}

/* RFC 4511 4.4.1: unsolicited, messageID 0, responseName set, no responseValue. */
int ldapd_encode_notice_of_disconnection(struct evbuffer *out, int code, struct str_view diag)
{
    struct ldapd_result res = { .code = code, .diag = diag };
    return ldapd_encode_result_ext(out, 0, LDAPD_RES_EXTENDED, &res,
            LDAPD_OID_NOTICE_OF_DISCONNECTION, NULL, NULL, 0);
}

/* ---- SearchResultEntry (RFC 4511 4.5.2) ---- */

void ldapd_entry_begin(struct ldapd_entry_writer *w, int32_t msgid, struct str_view dn,
        bool types_only)
{
    memset(w, 0, sizeof(*w));
    w->types_only = types_only;
    w->ber = ber_alloc_t(LBER_USE_DER);
    if (w->ber == NULL) {
        w->err = ERR_NOMEM;
        return;
    }
    /* LDAPMessage { messageID, [APPLICATION 4] { objectName, attributes { ... */
    if (ber_printf(w->ber, "{it{o{", (ber_int_t)msgid, (ber_tag_t)LDAPD_RES_SEARCH_ENTRY,
                LDAPD_BV(dn))
            == -1) {
        w->err = ERR_NOMEM;
    }
}

static void ldapd_entry_put(struct ldapd_entry_writer *w, bool ok)
{
    if (!ok && w->err == 0) {
        w->err = ERR_NOMEM;
    }
}

void ldapd_entry_attr_begin(struct ldapd_entry_writer *w, struct str_view type)
{
    if (w->err == 0 && w->attr_open) {
        w->err = ERR_INVAL;
    }
    w->attr_open = true;
    w->attr_written = false;
    w->attr_type = type;
    if (w->err == 0 && w->types_only) {
        /* RFC 4511 4.5.2: with typesOnly each attribute carries an empty value set. */
        ldapd_entry_put(w, ber_printf(w->ber, "{o[]}", LDAPD_BV(type)) != -1);
        w->attr_written = true;
    }
}

void ldapd_entry_value(struct ldapd_entry_writer *w, struct str_view value)
{
    if (w->err != 0 || w->types_only) {
        return;
    }
    if (!w->attr_open) {
        w->err = ERR_INVAL;
        return;
    }
    if (!w->attr_written) {
        ldapd_entry_put(w, ber_printf(w->ber, "{o[", LDAPD_BV(w->attr_type)) != -1);
        w->attr_written = true;
    }
    ldapd_entry_put(w, ber_printf(w->ber, "o", LDAPD_BV(value)) != -1);
}

void ldapd_entry_attr_end(struct ldapd_entry_writer *w)
{
    if (w->err == 0 && !w->attr_open) {
        w->err = ERR_INVAL;
    }
    if (w->err == 0 && w->attr_written && !w->types_only) {
        ldapd_entry_put(w, ber_printf(w->ber, "]}") != -1);
    }
    w->attr_open = false;
    w->attr_written = false;
}

void ldapd_entry_attr(struct ldapd_entry_writer *w, struct str_view type,
        const struct str_view *values, size_t n)
{
    ldapd_entry_attr_begin(w, type);
    for (size_t i = 0; i < n; i++) {
        ldapd_entry_value(w, values[i]);
    }
    ldapd_entry_attr_end(w);
}

int ldapd_entry_finish(struct ldapd_entry_writer *w, struct evbuffer *out)
{
    if (w->err == 0 && w->attr_open) {
        w->err = ERR_INVAL;
    }
    int rc = w->err;
    if (w->ber != NULL) {
        bool ok = rc == 0 && ber_printf(w->ber, "}}}") != -1;
        int emit_rc = ldapd_emit(w->ber, ok, out);
        if (rc == 0) {
            rc = emit_rc;
        }
    }
    w->ber = NULL;
    return rc;
}

void ldapd_entry_abort(struct ldapd_entry_writer *w)
{
    if (w->ber != NULL) {
        ber_free(w->ber, 1);
        w->ber = NULL;
    }
}

/* ---- response control values ---- */

static int ldapd_value_to_arena(struct arena *a, BerElement *ber, bool ok,
        struct str_view *value_out)
{
    struct berval bv;
    int rc = ERR_NOMEM;
    if (ok && ber_flatten2(ber, &bv, 0) == 0) {
        char *p = arena_alloc(a, bv.bv_len + 1);
        memcpy(p, bv.bv_val, bv.bv_len);
        *value_out = str_view_make(p, bv.bv_len);
        rc = 0;
    }
    ber_free(ber, 1);
    return rc;
}

int ldapd_encode_paged_value(struct arena *a, int32_t size, struct str_view cookie,
        struct str_view *value_out)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    bool ok = ber_printf(ber, "{io}", (ber_int_t)size, LDAPD_BV(cookie)) != -1;
    return ldapd_value_to_arena(a, ber, ok, value_out);
}

int ldapd_encode_sort_value(struct arena *a, int result, struct str_view attr,
        struct str_view *value_out)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    bool ok = ber_printf(ber, "{e", (ber_int_t)result) != -1;
    if (ok && attr.len > 0) {
        ok = ber_printf(ber, "to", (ber_tag_t)LDAPD_TAG_SORT_RES_ATTR, LDAPD_BV(attr)) != -1;
    }
    ok = ok && ber_printf(ber, "}") != -1;
    return ldapd_value_to_arena(a, ber, ok, value_out);
}

int ldapd_encode_vlv_value(struct arena *a, int32_t target_position, int32_t content_count,
        int result, const struct str_view *context_id, struct str_view *value_out)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) {
        return ERR_NOMEM;
    }
    bool ok = ber_printf(ber, "{iie", (ber_int_t)target_position, (ber_int_t)content_count,
                      (ber_int_t)result)
            != -1;
    if (ok && context_id != NULL) {
        ok = ber_printf(ber, "o", LDAPD_BV(*context_id)) != -1;
    }
    ok = ok && ber_printf(ber, "}") != -1;
    return ldapd_value_to_arena(a, ber, ok, value_out);
}
