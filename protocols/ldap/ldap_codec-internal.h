/*
 * ldap_codec-internal.h: BER reading helpers shared by the LDAP decoders (not for callers of
 * the codec). They wrap liblber so that every element is tag-checked and every constructed
 * element is consumed exactly: positions are kept as "bytes remaining in the BerElement",
 * so an element's end is known when it is entered and checked when it is left.
 *
 * Strings are read with LBER_BV_NOTERM: ber_scanf's "m" writes a NUL over the byte after
 * the string (the next tag, which liblber remembers in the BerElement), so the PDU would
 * have to be writable and a fuzzer's const input would be changed. NOTERM never writes.
 */
#ifndef KITH_PROTOCOLS_LDAP_LDAP_CODEC_INTERNAL_H
#define KITH_PROTOCOLS_LDAP_LDAP_CODEC_INTERNAL_H

#include <lber.h>
#include <stdbool.h>
#include <stdint.h>

#include "src/strbuf.h"

/* Bytes left in ber, 0 at the end. */
size_t ldapd_ber_left(BerElement *ber);

/* Tag of the next element, or LBER_DEFAULT at the end or when its header is broken. */
ber_tag_t ldapd_ber_peek(BerElement *ber);

/* Consume the header of the next element, which must carry tag want (constructed or not);
   *end_out is ldapd_ber_left() once its contents are consumed. ERR_INVAL otherwise. */
int ldapd_ber_enter(BerElement *ber, ber_tag_t want, size_t *end_out);

/* Is there more content before end? ERR_INVAL-worthy overruns count as "no more". */
bool ldapd_ber_more(BerElement *ber, size_t end);

/* 0 when exactly the element ending at end was consumed, else ERR_INVAL. */
int ldapd_ber_leave(BerElement *ber, size_t end);

/* Primitive readers: the element must carry tag want; views point into ber's buffer. */
int ldapd_ber_octets(BerElement *ber, ber_tag_t want, struct str_view *out);
int ldapd_ber_int(BerElement *ber, ber_tag_t want, int32_t *out);
int ldapd_ber_bool(BerElement *ber, ber_tag_t want, bool *out);

/* Skip the next element whatever it is. */
int ldapd_ber_skip(BerElement *ber);

/* New BerElement reading buf[0 .. len) in place (never written); NULL on OOM. Free with
   ber_free(ber, 0), which leaves buf alone. */
BerElement *ldapd_ber_reader(const uint8_t *buf, size_t len);

/*
 * Set c->kind from its OID and, for the controls we implement, parse the value into m->paged,
 * m->sort or m->vlv (ldap_controls.c). ERR_INVAL for a missing or malformed value or a
 * known control sent twice, ERR_TOO_LARGE past lim->max_sort_keys.
 */
struct ldapd_control;
struct ldapd_limits;
struct ldapd_message;
struct arena;
int ldapd_control_classify(struct arena *a, struct ldapd_control *c,
        const struct ldapd_limits *lim, struct ldapd_message *m);

#endif
