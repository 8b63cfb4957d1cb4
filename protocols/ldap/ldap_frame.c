/* ldap_frame.c: find LDAPMessage boundaries in a byte stream (RFC 4511 5.1, X.690 8.1.3). */
#include "protocols/ldap/ldap_codec.h"

#include "src/err.h"

/* "30 84 xx xx xx xx": the longest header we accept is 6 bytes. */
#define LDAPD_FRAME_MAX_LEN_BYTES 4

int ldapd_frame_check(const uint8_t *buf, size_t avail, size_t max_pdu, size_t *pdu_len_out)
{
    if (avail < 2) {
        if (avail == 1 && buf[0] != 0x30) {
            return ERR_INVAL;
        }
        return ERR_AGAIN;
    }
    if (buf[0] != 0x30) { /* an LDAPMessage is a universal constructed SEQUENCE */
        return ERR_INVAL;
    }
    size_t hdr = 2;
    uint64_t body = buf[1];
    if (buf[1] & 0x80) {
        size_t n = buf[1] & 0x7f;
        /* 0x80 is the indefinite form, which RFC 4511 5.1 forbids; 0xff is reserved. */
        if (n == 0 || n > LDAPD_FRAME_MAX_LEN_BYTES) {
            return ERR_INVAL;
        }
        if (avail < 2 + n) {
            return ERR_AGAIN;
        }
        body = 0;
        for (size_t i = 0; i < n; i++) {
            body = (body << 8) | buf[2 + i];
        }
        hdr += n;
    }
    if (body > max_pdu || hdr + body > max_pdu) {
        return ERR_TOO_LARGE;
    }
    if (avail < hdr + body) {
        return ERR_AGAIN;
    }
    *pdu_len_out = hdr + (size_t)body;
    return 0;
}
