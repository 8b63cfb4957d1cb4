/*
 * ldap_encode.c: LDAP responses (RFC 4511 4.1.9 .. 4.12, 4.4.1) and response control values,
 * built with ber_printf on a DER BerElement and appended to an evbuffer in one piece, so a
 * failed encode never leaves half a PDU on the wire.
 */
#include "protocols/ldap/ldap_codec.h"

#include <lber.h>
#include <stdlib.h>
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
    w->err = 0;
    w->types_only = types_only;
    w->attr_open = false;
    w->msgid = msgid;
    w->dn = dn;
    w->attrs = w->attrs_inline;
    w->n_attrs = 0;
    w->cap_attrs = LDAPD_ENTRY_WRITER_INLINE;
    w->vals = w->vals_inline;
    w->n_vals = 0;
    w->cap_vals = LDAPD_ENTRY_WRITER_INLINE;
}

/* Grow one of the writer's arrays (inline first, then the heap). false: out of memory. */
static bool ldapd_entry_grow(void **arr, size_t *cap, size_t elem, const void *inline_arr)
{
    size_t ncap = *cap * 2;
    void *p = *arr == inline_arr ? malloc(ncap * elem) : realloc(*arr, ncap * elem);
    if (p == NULL) {
        return false;
    }
    if (*arr == inline_arr) {
        memcpy(p, inline_arr, *cap * elem);
    }
    *arr = p;
    *cap = ncap;
    return true;
}

void ldapd_entry_attr_begin(struct ldapd_entry_writer *w, struct str_view type)
{
    if (w->err == 0 && w->attr_open) {
        w->err = ERR_INVAL;
    }
    w->attr_open = true;
    if (w->err != 0) {
        return;
    }
    if (w->n_attrs == w->cap_attrs &&
            !ldapd_entry_grow((void **)&w->attrs, &w->cap_attrs, sizeof(*w->attrs),
                    w->attrs_inline)) {
        w->err = ERR_NOMEM;
        return;
    }
    w->attrs[w->n_attrs++] = (struct ldapd_entry_attr_rec){ type, w->n_vals, 0 };
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
    if (w->n_vals == w->cap_vals &&
            !ldapd_entry_grow((void **)&w->vals, &w->cap_vals, sizeof(*w->vals),
                    w->vals_inline)) {
        w->err = ERR_NOMEM;
        return;
    }
    w->vals[w->n_vals++] = value;
    w->attrs[w->n_attrs - 1].n++;
}

void ldapd_entry_attr_end(struct ldapd_entry_writer *w)
{
    if (w->err == 0 && !w->attr_open) {
        w->err = ERR_INVAL;
    }
    w->attr_open = false;
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

/* Bytes of a DER definite length (X.690 8.1.3: short form below 128, else minimal long). */
static size_t ldapd_der_lenlen(size_t n)
{
    size_t k = 1;
    for (size_t v = n; n >= 128 && v > 0; v >>= 8) {
        k++;
    }
    return k;
}

static size_t ldapd_der_tlv(size_t content)
{
    return 1 + ldapd_der_lenlen(content) + content;
}

static uint8_t *ldapd_der_head(uint8_t *p, uint8_t tag, size_t len)
{
    *p++ = tag;
    if (len < 128) {
        *p++ = (uint8_t)len;
        return p;
    }
    size_t k = ldapd_der_lenlen(len) - 1;
    *p++ = (uint8_t)(0x80 | k);
    for (size_t i = k; i > 0; i--) {
        *p++ = (uint8_t)(len >> (8 * (i - 1)));
    }
    return p;
}

static uint8_t *ldapd_der_octets(uint8_t *p, struct str_view v)
{
    p = ldapd_der_head(p, 0x04, v.len);
    if (v.len) {
        memcpy(p, v.ptr, v.len);
    }
    return p + v.len;
}

/* INTEGER content bytes of a msgid, 0 .. 2^31-1 (X.690 8.3: minimal two's complement, so
 * the first byte's top bit must stay clear). */
static size_t ldapd_der_int_len(int32_t v)
{
    uint32_t u = v < 0 ? 0xffffffffu : (uint32_t)v;
    size_t k = 1;
    while (k < 4 && u >= (1u << (8 * k - 1))) {
        k++;
    }
    return k;
}

static bool ldapd_entry_attr_kept(const struct ldapd_entry_writer *w,
        const struct ldapd_entry_attr_rec *a)
{
    return w->types_only || a->n > 0;
}

static size_t ldapd_entry_attr_size(const struct ldapd_entry_writer *w,
        const struct ldapd_entry_attr_rec *a)
{
    size_t set = 0;
    for (size_t j = 0; j < a->n; j++) {
        set += ldapd_der_tlv(w->vals[a->first + j].len);
    }
    return ldapd_der_tlv(ldapd_der_tlv(a->type.len) + ldapd_der_tlv(set));
}

static void ldapd_entry_release(struct ldapd_entry_writer *w)
{
    if (w->attrs != w->attrs_inline) {
        free(w->attrs);
    }
    if (w->vals != w->vals_inline) {
        free(w->vals);
    }
    w->attrs = w->attrs_inline;
    w->vals = w->vals_inline;
    w->n_attrs = w->n_vals = 0;
}

static void ldapd_entry_write(const struct ldapd_entry_writer *w, uint8_t *p, size_t attrs_len,
        size_t op_len, size_t msg_len, size_t id_len)
{
    p = ldapd_der_head(p, 0x30, msg_len);
    p = ldapd_der_head(p, 0x02, id_len);
    for (size_t i = id_len; i > 0; i--) {
        *p++ = (uint8_t)((uint32_t)w->msgid >> (8 * (i - 1)));
    }
    p = ldapd_der_head(p, LDAPD_RES_SEARCH_ENTRY, op_len);
    p = ldapd_der_octets(p, w->dn);
    p = ldapd_der_head(p, 0x30, attrs_len);
    for (size_t i = 0; i < w->n_attrs; i++) {
        const struct ldapd_entry_attr_rec *a = &w->attrs[i];
        if (!ldapd_entry_attr_kept(w, a)) {
            continue;
        }
        size_t set = 0;
        for (size_t j = 0; j < a->n; j++) {
            set += ldapd_der_tlv(w->vals[a->first + j].len);
        }
        p = ldapd_der_head(p, 0x30, ldapd_der_tlv(a->type.len) + ldapd_der_tlv(set));
        p = ldapd_der_octets(p, a->type);
        p = ldapd_der_head(p, 0x31, set);
        for (size_t j = 0; j < a->n; j++) {
            p = ldapd_der_octets(p, w->vals[a->first + j]);
        }
    }
}

int ldapd_entry_finish(struct ldapd_entry_writer *w, struct evbuffer *out)
{
    if (w->err == 0 && w->attr_open) {
        w->err = ERR_INVAL;
    }
    int rc = w->err;
    if (rc == 0) {
        /* LDAPMessage { messageID, [APPLICATION 4] { objectName, attributes } } */
        size_t attrs_len = 0;
        for (size_t i = 0; i < w->n_attrs; i++) {
            if (ldapd_entry_attr_kept(w, &w->attrs[i])) {
                attrs_len += ldapd_entry_attr_size(w, &w->attrs[i]);
            }
        }
        size_t op_len = ldapd_der_tlv(w->dn.len) + ldapd_der_tlv(attrs_len);
        size_t id_len = ldapd_der_int_len(w->msgid);
        size_t msg_len = ldapd_der_tlv(id_len) + ldapd_der_tlv(op_len);
        size_t total = ldapd_der_tlv(msg_len);
        struct evbuffer_iovec vec;
        if (evbuffer_reserve_space(out, (ev_ssize_t)total, &vec, 1) != 1 || vec.iov_len < total) {
            rc = ERR_NOMEM;
        } else {
            ldapd_entry_write(w, vec.iov_base, attrs_len, op_len, msg_len, id_len);
            vec.iov_len = total;
            rc = evbuffer_commit_space(out, &vec, 1) == 0 ? 0 : ERR_NOMEM;
        }
    }
    ldapd_entry_release(w);
    return rc;
}

void ldapd_entry_abort(struct ldapd_entry_writer *w)
{
    ldapd_entry_release(w);
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
