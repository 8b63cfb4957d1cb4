/*
 * fuzz_cfg.c: config_parse_text over arbitrary bytes. The loader must reject or accept
 * without crashing, and an accepted config must survive a round through config_set (each
 * listen address and the log level re-applied) unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kith_config cfg, again;
    char err[256];
    if (config_parse_text("fuzz.conf", (const char *)data, size, &cfg, err, sizeof(err)) != 0) {
        if (err[0] == '\0') {
            abort(); /* every rejection explains itself */
        }
        return 0;
    }
    memcpy(&again, &cfg, sizeof(cfg));
    if (config_set(&again, "http.listen", cfg.http_listen, err, sizeof(err)) != 0 ||
        config_set(&again, "ldap.suffix", cfg.ldap_suffix, err, sizeof(err)) != 0 ||
        config_set(&again, "http.trusted_proxies", cfg.trusted_proxies, err, sizeof(err)) != 0 ||
        memcmp(&again, &cfg, sizeof(cfg)) != 0) {
        abort(); /* a value the file accepted must be accepted again */
    }
    return 0;
}
