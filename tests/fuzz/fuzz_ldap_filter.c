/* fuzz_ldap_filter.c: BER filter decode plus its RFC 4515 string form. */
#include <stddef.h>
#include <stdint.h>

#include "protocols/ldap/ldap_codec.h"
#include "src/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    struct arena *a = arena_new(0);
    struct ldapd_filter *f = NULL;
    if (ldapd_filter_parse(a, data, size, &lim, &f, NULL) == 0) {
        struct strbuf sb;
        strbuf_init(&sb, a, 64);
        ldapd_filter_to_string(f, &sb);
    }
    arena_free(&a);
    return 0;
}
