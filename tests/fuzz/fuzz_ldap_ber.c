/* fuzz_ldap_ber.c: framing plus full LDAPMessage decode of the input, as a connection would. */
#include <stddef.h>
#include <stdint.h>

#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    struct arena *a = arena_new(0);
    size_t off = 0, pdu_len;
    /* Every PDU the stream frames, as the read callback would hand them over. */
    while (off < size && ldapd_frame_check(data + off, size - off, 256 * 1024, &pdu_len) == 0) {
        struct ldapd_message *m = NULL;
        int rc = ldapd_message_decode(a, data + off, pdu_len, &lim, &m);
        if (rc == 0 && m->op == LDAPD_OP_SEARCH) {
            struct strbuf sb;
            strbuf_init(&sb, a, 64);
            ldapd_filter_to_string(m->u.search.filter, &sb);
        }
        (void)ldapd_message_unknown_critical(m);
        off += pdu_len;
    }
    /* And the raw input as one PDU, unframed. */
    struct ldapd_message *m = NULL;
    (void)ldapd_message_decode(a, data, size, &lim, &m);
    arena_free(&a);
    return 0;
}
