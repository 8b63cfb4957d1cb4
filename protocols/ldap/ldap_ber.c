/* ldap_ber.c: tag-checked, bounds-checked BER readers over liblber (see ldap_codec-internal.h). */
#include "protocols/ldap/ldap_codec-internal.h"

#include "src/err.h"

size_t ldapd_ber_left(BerElement *ber)
{
    int n = ber_remaining(ber);
    return n > 0 ? (size_t)n : 0;
}

ber_tag_t ldapd_ber_peek(BerElement *ber)
{
    ber_len_t len;
    if (ldapd_ber_left(ber) == 0) {
        return LBER_DEFAULT;
    }
    return ber_peek_tag(ber, &len);
}

int ldapd_ber_enter(BerElement *ber, ber_tag_t want, size_t *end_out)
{
    ber_len_t len;
    if (ldapd_ber_peek(ber) != want) {
        return ERR_INVAL;
    }
    /* liblber refuses indefinite lengths and lengths past the end of the buffer. */
    if (ber_skip_tag(ber, &len) != want) {
        return ERR_INVAL;
    }
    size_t left = ldapd_ber_left(ber);
    if (len > left) {
        return ERR_INVAL;
    }
    *end_out = left - len;
    return 0;
}

bool ldapd_ber_more(BerElement *ber, size_t end)
{
    return ldapd_ber_left(ber) > end;
}

int ldapd_ber_leave(BerElement *ber, size_t end)
{
    return ldapd_ber_left(ber) == end ? 0 : ERR_INVAL;
}

int ldapd_ber_octets(BerElement *ber, ber_tag_t want, struct str_view *out)
{
    struct berval bv;
    if (ldapd_ber_peek(ber) != want) {
        return ERR_INVAL;
    }
    if (ber_get_stringbv(ber, &bv, LBER_BV_NOTERM) == LBER_DEFAULT) {
        return ERR_INVAL;
    }
    /* A zero-length value still gets a non-NULL pointer, so "present but empty" differs
       from the NULL of an absent optional field. */
    out->ptr = bv.bv_len > 0 ? bv.bv_val : "";
    out->len = bv.bv_len;
    return 0;
}

int ldapd_ber_int(BerElement *ber, ber_tag_t want, int32_t *out)
{
    ber_len_t len;
    ber_int_t v;
    if (ldapd_ber_peek(ber) != want) {
        return ERR_INVAL;
    }
    /* X.690 8.3.1: at least one content octet; liblber itself refuses more than four. */
    if (ber_peek_tag(ber, &len) == LBER_DEFAULT || len == 0 || len > 4) {
        return ERR_INVAL;
    }
    if (ber_get_int(ber, &v) == LBER_DEFAULT) {
        return ERR_INVAL;
    }
    *out = (int32_t)v;
    return 0;
}

int ldapd_ber_bool(BerElement *ber, ber_tag_t want, bool *out)
{
    ber_len_t len;
    ber_int_t v;
    if (ldapd_ber_peek(ber) != want) {
        return ERR_INVAL;
    }
    if (ber_peek_tag(ber, &len) == LBER_DEFAULT || len != 1) { /* X.690 8.2.1 */
        return ERR_INVAL;
    }
    if (ber_get_boolean(ber, &v) == LBER_DEFAULT) {
        return ERR_INVAL;
    }
    *out = v != 0;
    return 0;
}

int ldapd_ber_skip(BerElement *ber)
{
    struct berval bv;
    if (ldapd_ber_left(ber) == 0 || ber_skip_element(ber, &bv) == LBER_DEFAULT) {
        return ERR_INVAL;
    }
    return 0;
}

BerElement *ldapd_ber_reader(const uint8_t *buf, size_t len)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL) {
        return NULL;
    }
    /* ber_init2 references the bytes without copying; the cast is safe because every
       reader above uses LBER_BV_NOTERM and never writes. */
    struct berval bv = { (ber_len_t)len, (char *)(uintptr_t)buf };
    ber_init2(ber, &bv, LBER_USE_DER);
    return ber;
}
