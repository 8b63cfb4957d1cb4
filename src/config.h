/*
 * config.h: Kith's configuration, every key in one struct and one table (src/config.c).
 *
 * The file is INI (conf/kith.conf): [section], key = value, '#' or ';' comments. It is read
 * with libinih; src/config.c holds the table of keys (name, type, default, bounds, one line
 * of documentation) that the loader, `kith config-help` and the README section are checked
 * against. An unknown section or key, or a value that does not parse or is out of bounds,
 * is an error naming the file and line: "kith.conf:12: [http] max_body: '10Q' is not a size".
 *
 * Values: sizes take K, M, G suffixes (powers of 1024); durations take s, m, h (bare
 * numbers are seconds); booleans are true/false/yes/no/on/off/1/0; listen addresses are
 * ADDR:PORT ([v6]:PORT) or empty for "off".
 */
#ifndef KITH_CONFIG_H
#define KITH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/log.h"

#define CONFIG_PATH_MAX 512
#define CONFIG_ADDR_MAX 128

struct kith_config {
    /* [server] */
    char data_dir[CONFIG_PATH_MAX];     /* default "./var" */
    enum log_level log_level;           /* default info */
    unsigned max_connections;           /* default 1024 */
    unsigned shutdown_timeout;          /* seconds in-flight work gets on SIGTERM; default 10 */

    /* [store] */
    uint64_t map_size;                  /* default 8G */

    /* [http] */
    char http_listen[CONFIG_ADDR_MAX];  /* default "127.0.0.1:8008"; empty: off */
    char https_listen[CONFIG_ADDR_MAX]; /* default "127.0.0.1:8443"; empty: off */
    uint64_t max_body;                  /* default 10M */
    uint64_t max_header_bytes;          /* default 64K */
    unsigned max_headers;               /* default 100 */
    unsigned request_timeout;           /* seconds to receive a whole request; default 30 */
    unsigned idle_timeout;              /* seconds a kept-alive connection may idle; 120 */
    char trusted_proxies[256];          /* comma-separated IPs whose X-Forwarded-* we trust */
    uint64_t http_cache_size;           /* bytes of cached answers; default 64M; 0: off */

    /* [tls] */
    char tls_certificate[CONFIG_PATH_MAX]; /* default "tls/cert.pem", relative to data_dir */
    char tls_key[CONFIG_PATH_MAX];         /* default "tls/key.pem", relative to data_dir */

    /* [dav] */
    char principal_path[128];           /* default "/principals/users/" */
    char addressbook_home[128];         /* default "/dav/addressbooks/" */
    char calendar_home[128];            /* default "/dav/calendars/" */
    char files_home[128];               /* default "/dav/files/" */

    /* [ldap] */
    char ldap_listen[CONFIG_ADDR_MAX];  /* default "127.0.0.1:3389"; empty: off */
    char ldaps_listen[CONFIG_ADDR_MAX]; /* default "127.0.0.1:6636"; empty: off */
    char ldap_suffix[256];              /* default "dc=example,dc=com" */
    bool ldap_anonymous;                /* default false */
    bool ldap_cleartext_bind;           /* allow simple bind in clear from non-loopback; false */
    uint64_t ldap_max_pdu;              /* default 256K */
    unsigned ldap_size_limit;           /* default 500 */
    unsigned ldap_time_limit;           /* seconds; default 10 */

    /* [phone] */
    char phone_country_code[8];         /* default "49": E.164 country of national numbers */
    char phone_trunk_prefix[8];         /* default "0" */

    /* [vcard] */
    uint64_t vcard_max_line;            /* default 64K */
    uint64_t vcard_max_card;            /* default 4M */
    unsigned vcard_max_props;           /* default 2000 */

    /* [import] */
    unsigned import_batch;              /* cards per transaction; default 500 */
};

/* Fill every field with its default. */
void config_defaults(struct kith_config *cfg);

/* Defaults, then the file at path on top. On error returns ERR_INVAL (or ERR_IO when the
 * file cannot be read) and writes "FILE:LINE: message" into err. */
int config_load(const char *path, struct kith_config *cfg, char *err, size_t err_size);

/* As config_load, from text in memory; name is used in messages (tests, fuzzing). */
int config_parse_text(const char *name, const char *text, size_t len, struct kith_config *cfg,
        char *err, size_t err_size);

/* Set one key from the command line or a test ("http.listen", "127.0.0.1:9000"). */
int config_set(struct kith_config *cfg, const char *section_dot_key, const char *value, char *err,
        size_t err_size);

/* SIGHUP: take the values of fresh (a newly loaded file) into live, key by key, where that
 * is safe while serving (log level, limits, timeouts, TLS file paths, LDAP policies,
 * phone rules...). Keys that need a restart (data_dir, map_size, listen addresses, [dav]
 * paths, LDAP suffix) keep their live value. fn is told of each changed key and whether it
 * was applied. Live readers see new values from their next use. */
typedef void config_reload_fn(void *ctx, const char *section, const char *key, bool applied);
void config_reload(struct kith_config *live, const struct kith_config *fresh,
        config_reload_fn *fn, void *ctx);

/* Print every key with its default and its documentation line (`kith config-help`). */
void config_print_help(FILE *out);

/* Resolve a path from the config against data_dir when relative, into out. */
void config_data_path(const struct kith_config *cfg, const char *path, char *out, size_t size);

#endif
