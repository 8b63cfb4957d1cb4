/*
 * config.c: the table of every configuration key and the INI loader behind config.h.
 *
 * One row per key drives the defaults, the parser, the bounds checks, `kith config-help`,
 * conf/kith.conf and docs/configuration.md (tests/unit/src/test_config.c checks that the
 * last two list every row). libinih splits the text into sections and key = value pairs;
 * we feed it line by line through our own reader so that every message carries the line
 * number, and so that sizes and NUL bytes are checked before inih sees the text.
 */
#include "src/config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <ini.h>

#include "src/err.h"

/* Limits on the file itself: a config is a human-written page, not a data file. */
#define CONFIG_FILE_MAX (1u << 20)
#define CONFIG_LINE_MAX 4096u

enum config_type {
    CONFIG_STRING,    /* any text that fits the field */
    CONFIG_PATH,      /* non-empty file system path */
    CONFIG_URL_PATH,  /* "/like/this/": starts and ends with '/' */
    CONFIG_DIGITS,    /* min..max decimal digits (phone prefixes) */
    CONFIG_SIZE,      /* bytes with K, M, G suffixes */
    CONFIG_UINT,      /* plain decimal number */
    CONFIG_BOOL,      /* true/false, yes/no, on/off, 1/0 */
    CONFIG_DURATION,  /* seconds with s, m, h suffixes */
    CONFIG_LISTEN,    /* ADDR:PORT, [v6]:PORT or empty for off */
    CONFIG_LOG_LEVEL, /* error, warn, info, debug */
    CONFIG_IP_LIST,   /* comma-separated IPv4/IPv6 addresses, may be empty */
};

struct config_key {
    const char *section;
    const char *key;
    enum config_type type;
    size_t offset;
    size_t size;
    const char *def;
    uint64_t min;
    uint64_t max;
    const char *doc;
};

#define CONFIG_FIELD(f) offsetof(struct kith_config, f), sizeof(((struct kith_config *)0)->f)
#define KIB             (UINT64_C(1) << 10)
#define MIB             (UINT64_C(1) << 20)
#define GIB             (UINT64_C(1) << 30)

/* Sections appear in this order in config-help, conf/kith.conf and the docs. */
static const struct config_key config_keys[] = {
    { "server", "data_dir", CONFIG_PATH, CONFIG_FIELD(data_dir), "./var", 0, 0,
      "Directory holding the store, TLS files and other state." },
    { "server", "log_level", CONFIG_LOG_LEVEL, CONFIG_FIELD(log_level), "info", 0, 0,
      "Least severe level logged: error, warn, info or debug." },
    { "server", "max_connections", CONFIG_UINT, CONFIG_FIELD(max_connections), "1024", 1, 100000,
      "Open client connections over all listeners; more are refused." },
    { "server", "shutdown_timeout", CONFIG_DURATION, CONFIG_FIELD(shutdown_timeout), "10s", 0, 600,
      "Time in-flight requests get to finish on SIGTERM or SIGINT." },

    { "store", "map_size", CONFIG_SIZE, CONFIG_FIELD(map_size), "8G", MIB, 1024 * GIB,
      "Largest size the LMDB store may grow to (address space, not disk)." },

    { "http", "listen", CONFIG_LISTEN, CONFIG_FIELD(http_listen), "127.0.0.1:8008", 0, 0,
      "Plain HTTP listener; empty turns it off." },
    { "http", "https_listen", CONFIG_LISTEN, CONFIG_FIELD(https_listen), "127.0.0.1:8443", 0, 0,
      "HTTPS listener (uses [tls]); empty turns it off." },
    { "http", "max_body", CONFIG_SIZE, CONFIG_FIELD(max_body), "10M", KIB, GIB,
      "Largest request body; larger requests get 413." },
    { "http", "max_header_bytes", CONFIG_SIZE, CONFIG_FIELD(max_header_bytes), "64K", KIB, MIB,
      "Largest request line plus headers; larger requests get 431." },
    { "http", "max_headers", CONFIG_UINT, CONFIG_FIELD(max_headers), "100", 8, 10000,
      "Most header fields in one request." },
    { "http", "request_timeout", CONFIG_DURATION, CONFIG_FIELD(request_timeout), "30s", 1, 3600,
      "Time a client has to send one whole request." },
    { "http", "idle_timeout", CONFIG_DURATION, CONFIG_FIELD(idle_timeout), "2m", 1, 86400,
      "Time a kept-alive connection may sit idle between requests." },
    { "http", "trusted_proxies", CONFIG_IP_LIST, CONFIG_FIELD(trusted_proxies), "", 0, 0,
      "Comma-separated proxy IPs whose X-Forwarded-Proto/Host are believed." },
    { "http", "cache_size", CONFIG_SIZE, CONFIG_FIELD(http_cache_size), "64M", 0, 16 * GIB,
      "Memory for answers to repeated reads of unchanged data; one answer may take a quarter; 0 turns it off." },

    { "tls", "certificate", CONFIG_PATH, CONFIG_FIELD(tls_certificate), "tls/cert.pem", 0, 0,
      "PEM certificate chain for HTTPS and LDAPS, relative to data_dir." },
    { "tls", "key", CONFIG_PATH, CONFIG_FIELD(tls_key), "tls/key.pem", 0, 0,
      "PEM private key of that certificate, relative to data_dir." },

    { "dav", "principal_path", CONFIG_URL_PATH, CONFIG_FIELD(principal_path), "/principals/users/",
      0, 0, "URL path under which user principals live." },
    { "dav", "addressbook_home", CONFIG_URL_PATH, CONFIG_FIELD(addressbook_home),
      "/dav/addressbooks/", 0, 0, "URL path of the address book homes (CardDAV)." },
    { "dav", "calendar_home", CONFIG_URL_PATH, CONFIG_FIELD(calendar_home), "/dav/calendars/", 0, 0,
      "URL path of the calendar homes (CalDAV)." },
    { "dav", "files_home", CONFIG_URL_PATH, CONFIG_FIELD(files_home), "/dav/files/", 0, 0,
      "URL path of the plain WebDAV file homes." },

    { "ldap", "listen", CONFIG_LISTEN, CONFIG_FIELD(ldap_listen), "127.0.0.1:3389", 0, 0,
      "Plain LDAP listener; empty turns it off." },
    { "ldap", "ldaps_listen", CONFIG_LISTEN, CONFIG_FIELD(ldaps_listen), "127.0.0.1:6636", 0, 0,
      "LDAPS listener (uses [tls]); empty turns it off." },
    { "ldap", "suffix", CONFIG_STRING, CONFIG_FIELD(ldap_suffix), "dc=example,dc=com", 0, 0,
      "Naming context (base DN) of the directory." },
    { "ldap", "anonymous", CONFIG_BOOL, CONFIG_FIELD(ldap_anonymous), "false", 0, 0,
      "Let anonymous binds search the folders marked public." },
    { "ldap", "cleartext_bind", CONFIG_BOOL, CONFIG_FIELD(ldap_cleartext_bind), "false", 0, 0,
      "Allow simple binds without TLS from non-loopback peers." },
    { "ldap", "max_pdu", CONFIG_SIZE, CONFIG_FIELD(ldap_max_pdu), "256K", KIB, 64 * MIB,
      "Largest LDAP message a client may send." },
    { "ldap", "size_limit", CONFIG_UINT, CONFIG_FIELD(ldap_size_limit), "500", 1, 1000000,
      "Most entries one search returns." },
    { "ldap", "time_limit", CONFIG_DURATION, CONFIG_FIELD(ldap_time_limit), "10s", 1, 3600,
      "Longest time one search may run." },

    { "phone", "country_code", CONFIG_DIGITS, CONFIG_FIELD(phone_country_code), "49", 1, 3,
      "E.164 country calling code assumed for numbers typed without one." },
    { "phone", "trunk_prefix", CONFIG_DIGITS, CONFIG_FIELD(phone_trunk_prefix), "0", 0, 4,
      "National trunk prefix dropped before adding the country code; may be empty." },

    { "vcard", "max_line", CONFIG_SIZE, CONFIG_FIELD(vcard_max_line), "64K", KIB, 16 * MIB,
      "Longest unfolded vCard content line." },
    { "vcard", "max_card", CONFIG_SIZE, CONFIG_FIELD(vcard_max_card), "4M", KIB, 256 * MIB,
      "Largest single vCard." },
    { "vcard", "max_props", CONFIG_UINT, CONFIG_FIELD(vcard_max_props), "2000", 1, 100000,
      "Most properties in one vCard." },

    { "import", "batch", CONFIG_UINT, CONFIG_FIELD(import_batch), "500", 1, 100000,
      "Cards written per store transaction during `kith import`." },
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static const char *const config_type_names[] = {
    [CONFIG_STRING] = "string",     [CONFIG_PATH] = "path",
    [CONFIG_URL_PATH] = "URL path", [CONFIG_DIGITS] = "digits",
    [CONFIG_SIZE] = "size",         [CONFIG_UINT] = "number",
    [CONFIG_BOOL] = "boolean",      [CONFIG_DURATION] = "duration",
    [CONFIG_LISTEN] = "address",    [CONFIG_LOG_LEVEL] = "log level",
    [CONFIG_IP_LIST] = "IP list",
};

/* ---- value parsers: each returns 0 or writes why the value is wrong -------------------- */

/* Quote a value for a message: bounded, control and non-ASCII bytes shown as '?'. */
static void config_quote(const char *value, char *out, size_t size)
{
    size_t n = 0, i = 0;
    for (; value[i] != '\0' && i < 60 && n + 4 < size; i++) {
        unsigned char c = (unsigned char)value[i];
        out[n++] = (char)((c >= 0x20 && c < 0x7f) ? c : '?');
    }
    if (value[i] != '\0' && n + 4 < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static bool config_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Suffixes, largest first; the first one whose scale divides a value spells it in docs. */
struct config_unit {
    char suffix;
    uint64_t scale;
};

/* Sizes are powers of 1024 ("10M", "64K", "8G"), durations s, m, h; bare numbers are
 * bytes and seconds. */
static const struct config_unit config_size_units[] = {
    { 'G', GIB }, { 'M', MIB }, { 'K', KIB }, { 'g', GIB }, { 'm', MIB }, { 'k', KIB }, { 0, 0 },
};
static const struct config_unit config_time_units[] = {
    { 'h', 3600 },
    { 'm', 60 },
    { 's', 1 },
    { 0, 0 },
};

static bool config_parse_scaled(const char *s, const struct config_unit *units, uint64_t *out)
{
    size_t len = strlen(s), digits = len;
    uint64_t scale = 1, v;
    for (const struct config_unit *u = units; len > 0 && u->suffix != 0; u++) {
        if (s[len - 1] == u->suffix) {
            scale = u->scale;
            digits = len - 1;
        }
    }
    if (!config_parse_u64(s, digits, &v) || v > UINT64_MAX / scale) {
        return false;
    }
    *out = v * scale;
    return true;
}

static void config_format_scaled(uint64_t v, const struct config_unit *units, char *out,
                                 size_t size)
{
    for (const struct config_unit *u = units; u->suffix != 0; u++) {
        if (u->scale == 1 || (v != 0 && v % u->scale == 0)) {
            snprintf(out, size, "%llu%c", (unsigned long long)(v / u->scale), u->suffix);
            return;
        }
    }
    snprintf(out, size, "%llu", (unsigned long long)v);
}

static bool config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
            *out = strcasecmp(s, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* ADDR:PORT or [v6]:PORT; names are not resolved (no DNS at start-up). */
static bool config_parse_listen(const char *s, const char **why)
{
    char addr[CONFIG_ADDR_MAX];
    const char *colon;
    int family = AF_INET;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':') {
            *why = "is not [IPv6]:PORT";
            return false;
        }
        family = AF_INET6;
        colon = close + 1;
        s++;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL) {
            *why = "has no :PORT (use ADDR:PORT, [v6]:PORT, or empty for off)";
            return false;
        }
    }
    size_t alen = (size_t)(colon - s) - (family == AF_INET6 ? 1 : 0);
    if (alen >= sizeof(addr)) {
        *why = "has an address that is too long";
        return false;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    unsigned char bin[sizeof(struct in6_addr)];
    if (inet_pton(family, addr, bin) != 1) {
        *why = family == AF_INET6 ? "has no valid IPv6 address in brackets"
                                  : "has no valid IPv4 address (IPv6 goes in brackets)";
        return false;
    }
    uint64_t port;
    if (!config_parse_u64(colon + 1, strlen(colon + 1), &port) || port < 1 || port > 65535) {
        *why = "has no port between 1 and 65535";
        return false;
    }
    return true;
}

static bool config_parse_ip_list(const char *s)
{
    while (*s != '\0') {
        char ip[INET6_ADDRSTRLEN + 1];
        unsigned char bin[sizeof(struct in6_addr)];
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        size_t n = strcspn(s, ", \t");
        if (n == 0 || n >= sizeof(ip)) {
            return false;
        }
        memcpy(ip, s, n);
        ip[n] = '\0';
        if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1) {
            return false;
        }
        s += n;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (*s == ',') {
            s++;
            if (*s == '\0') {
                return false;
            }
        } else if (*s != '\0') {
            return false;
        }
    }
    return true;
}

/* "1K..1G", "1..100000", "1-3 digits"; empty for types without bounds. */
static void config_format_range(const struct config_key *k, char *out, size_t size)
{
    char lo[24], hi[24]; /* 20 digits, a suffix, NUL */
    switch (k->type) {
    case CONFIG_SIZE:
        config_format_scaled(k->min, config_size_units, lo, sizeof(lo));
        config_format_scaled(k->max, config_size_units, hi, sizeof(hi));
        break;
    case CONFIG_DURATION:
        config_format_scaled(k->min, config_time_units, lo, sizeof(lo));
        config_format_scaled(k->max, config_time_units, hi, sizeof(hi));
        break;
    case CONFIG_UINT:
        snprintf(lo, sizeof(lo), "%llu", (unsigned long long)k->min);
        snprintf(hi, sizeof(hi), "%llu", (unsigned long long)k->max);
        break;
    case CONFIG_DIGITS:
        snprintf(out, size, "%llu-%llu digits", (unsigned long long)k->min,
                 (unsigned long long)k->max);
        return;
    default:
        out[0] = '\0';
        return;
    }
    snprintf(out, size, "%s..%s", lo, hi);
}

/* Numeric kinds share the bounds check; sizes and durations name their range in units. */
static int config_store_number(struct kith_config *cfg, const struct config_key *k, uint64_t v,
                               char *why, size_t why_size)
{
    if (v < k->min || v > k->max) {
        char range[64];
        config_format_range(k, range, sizeof(range));
        snprintf(why, why_size, "is out of range (%s)", range);
        return ERR_INVAL;
    }
    char *field = (char *)cfg + k->offset;
    if (k->size == sizeof(uint64_t)) {
        uint64_t u = v;
        memcpy(field, &u, sizeof(u));
    } else {
        assert(k->size == sizeof(unsigned) && v <= UINT_MAX);
        unsigned u = (unsigned)v;
        memcpy(field, &u, sizeof(u));
    }
    return 0;
}

/* Why a text value does not fit its type, or NULL when it does. */
static const char *config_text_problem(const struct config_key *k, const char *value, size_t len)
{
    const char *bad = NULL;
    switch (k->type) {
    case CONFIG_PATH:
        return len == 0 ? "is empty (a path is needed)" : NULL;
    case CONFIG_URL_PATH:
        if (len == 0 || value[0] != '/' || value[len - 1] != '/') {
            return "is not a URL path starting and ending with '/'";
        }
        return NULL;
    case CONFIG_LISTEN:
        return len > 0 && !config_parse_listen(value, &bad) ? bad : NULL;
    case CONFIG_IP_LIST:
        if (!config_parse_ip_list(value)) {
            return "is not a comma-separated list of IP addresses";
        }
        return NULL;
    case CONFIG_DIGITS:
        if (strspn(value, "0123456789") != len || len < k->min || len > k->max) {
            return k->min == 0 ? "is not empty or a few digits" : "is not a few digits";
        }
        return NULL;
    default:
        return NULL;
    }
}

static int config_store_text(struct kith_config *cfg, const struct config_key *k, const char *value,
                             char *why, size_t why_size)
{
    size_t len = strlen(value);
    if (len >= k->size) {
        snprintf(why, why_size, "is too long (at most %zu bytes)", k->size - 1);
        return ERR_INVAL;
    }
    const char *bad = config_text_problem(k, value, len);
    if (bad != NULL) {
        char range[64];
        config_format_range(k, range, sizeof(range));
        snprintf(why, why_size, "%s%s%s%s", bad, range[0] ? " (" : "", range, range[0] ? ")" : "");
        return ERR_INVAL;
    }
    /* Zero the tail too, so that equal configs compare equal with memcmp. */
    memset((char *)cfg + k->offset, 0, k->size);
    memcpy((char *)cfg + k->offset, value, len);
    return 0;
}

/* Parse value per k's type into cfg; on error write the reason (without the value). */
static int config_apply(struct kith_config *cfg, const struct config_key *k, const char *value,
                        char *why, size_t why_size)
{
    uint64_t v = 0;
    char *field = (char *)cfg + k->offset;
    switch (k->type) {
    case CONFIG_SIZE:
        if (!config_parse_scaled(value, config_size_units, &v)) {
            snprintf(why, why_size, "is not a size (bytes, or with K, M, G as in 64K)");
            return ERR_INVAL;
        }
        return config_store_number(cfg, k, v, why, why_size);
    case CONFIG_DURATION:
        if (!config_parse_scaled(value, config_time_units, &v)) {
            snprintf(why, why_size, "is not a duration (seconds, or with s, m, h as in 2m)");
            return ERR_INVAL;
        }
        return config_store_number(cfg, k, v, why, why_size);
    case CONFIG_UINT:
        if (!config_parse_u64(value, strlen(value), &v)) {
            snprintf(why, why_size, "is not a whole number");
            return ERR_INVAL;
        }
        return config_store_number(cfg, k, v, why, why_size);
    case CONFIG_BOOL:
        if (!config_parse_bool(value, (bool *)(void *)field)) {
            snprintf(why, why_size, "is not a boolean (true/false, yes/no, on/off, 1/0)");
            return ERR_INVAL;
        }
        return 0;
    case CONFIG_LOG_LEVEL:
        if (!log_level_parse(value, (enum log_level *)(void *)field)) {
            snprintf(why, why_size, "is not a log level (error, warn, info, debug)");
            return ERR_INVAL;
        }
        return 0;
    default:
        return config_store_text(cfg, k, value, why, why_size);
    }
}

/* ---- lookup ------------------------------------------------------------------------------ */

static const struct config_key *config_find(const char *section, size_t section_len,
                                            const char *key)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        if (strlen(k->section) == section_len && strncmp(k->section, section, section_len) == 0 &&
            strcmp(k->key, key) == 0) {
            return k;
        }
    }
    return NULL;
}

static bool config_section_known(const char *section, size_t len)
{
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        if (strlen(config_keys[i].section) == len &&
            strncmp(config_keys[i].section, section, len) == 0) {
            return true;
        }
    }
    return false;
}

/* Edit distance, capped: enough to suggest "max_body" for "max_bdy". */
static unsigned config_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned row[64];
    if (la >= 64 || lb >= 64) {
        return 99;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = (unsigned)j;
    }
    for (size_t i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            best = up + 1 < best ? up + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

static const char *config_suggest(const char *section, const char *key)
{
    const char *best = NULL;
    unsigned best_d = 3;
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        if (strcmp(config_keys[i].section, section) != 0) {
            continue;
        }
        unsigned d = config_distance(key, config_keys[i].key);
        if (d < best_d) {
            best_d = d;
            best = config_keys[i].key;
        }
    }
    return best;
}

/* ---- parsing a file ---------------------------------------------------------------------- */

struct config_parse {
    const char *name;
    const char *text;
    size_t len;
    size_t pos;
    unsigned lineno;
    bool at_line_start;
    bool failed;
    struct kith_config *cfg;
    char *err;
    size_t err_size;
};

static void config_fail(struct config_parse *p, const char *fmt, ...) ATTR_FORMAT(2, 3);

/* First error wins: later ones are usually its consequences. */
static void config_fail(struct config_parse *p, const char *fmt, ...)
{
    if (p->failed) {
        return;
    }
    p->failed = true;
    if (p->err == NULL || p->err_size == 0) {
        return;
    }
    int n = snprintf(p->err, p->err_size, "%s:%u: ", p->name, p->lineno);
    if (n >= 0 && (size_t)n < p->err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
        va_end(ap);
    }
}

/* inih reports a section only through the keys under it; check the header line itself so
 * that "[htpp]" is reported at its own line even when it is empty. */
static void config_check_section_line(struct config_parse *p, const char *line)
{
    if (p->lineno == 1 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
    }
    while (isspace((unsigned char)*line)) {
        line++;
    }
    const char *close = strchr(line, ']');
    if (*line != '[' || close == NULL) {
        return; /* not a section header; inih judges it */
    }
    if (!config_section_known(line + 1, (size_t)(close - line - 1))) {
        char quoted[80], name[64];
        size_t n = (size_t)(close - line - 1);
        n = n < sizeof(name) - 1 ? n : sizeof(name) - 1;
        memcpy(name, line + 1, n);
        name[n] = '\0';
        config_quote(name, quoted, sizeof(quoted));
        config_fail(p, "unknown section [%s]", quoted);
    }
}

/* fgets-style reader for inih over our length-delimited text. Lines were checked to fit
 * ini_max_line, so each call returns exactly one line and lineno stays exact. */
static char *config_read_line(char *str, int num, void *stream)
{
    struct config_parse *p = stream;
    if (p->failed || p->pos >= p->len || num < 2) {
        return NULL;
    }
    size_t n = 0;
    while (p->pos < p->len && n + 1 < (size_t)num) {
        char c = p->text[p->pos++];
        str[n++] = c;
        if (c == '\n') {
            break;
        }
    }
    str[n] = '\0';
    if (p->at_line_start) {
        p->lineno++;
        config_check_section_line(p, str);
    }
    p->at_line_start = str[n - 1] == '\n';
    return p->failed ? NULL : str;
}

static int config_on_value(void *user, const char *section, const char *key, const char *value)
{
    struct config_parse *p = user;
    char quoted[80], why[160];
    if (section[0] == '\0') {
        config_quote(key, quoted, sizeof(quoted));
        config_fail(p, "%s: key outside any [section]", quoted);
        return 0;
    }
    const struct config_key *k = config_find(section, strlen(section), key);
    if (k == NULL) {
        const char *hint = config_suggest(section, key);
        config_quote(key, quoted, sizeof(quoted));
        config_fail(p, "[%s] %s: unknown key%s%s%s", section, quoted, hint ? " (did you mean " : "",
                    hint ? hint : "", hint ? "?)" : "");
        return 0;
    }
    if (config_apply(p->cfg, k, value, why, sizeof(why)) != 0) {
        config_quote(value, quoted, sizeof(quoted));
        config_fail(p, "[%s] %s: '%s' %s", k->section, k->key, quoted, why);
        return 0;
    }
    return 1;
}

/* Size limits and NUL bytes are checked before inih runs: inih would silently split long
 * lines and stop at a NUL. */
static bool config_check_text(struct config_parse *p)
{
    if (p->len > CONFIG_FILE_MAX) {
        config_fail(p, "file is larger than %u bytes", CONFIG_FILE_MAX);
        return false;
    }
    size_t line_start = 0;
    for (size_t i = 0; i <= p->len; i++) {
        if (i == p->len || p->text[i] == '\n') {
            p->lineno++;
            if (i - line_start > CONFIG_LINE_MAX) {
                config_fail(p, "line is longer than %u bytes", CONFIG_LINE_MAX);
                return false;
            }
            line_start = i + 1;
        } else if (p->text[i] == '\0') {
            p->lineno++;
            config_fail(p, "NUL byte in the file");
            return false;
        }
    }
    p->lineno = 0;
    return true;
}

/* inih's knobs are process globals in Debian's build: set ours before every parse. The
 * loader runs on the main thread only (start-up and SIGHUP). */
static void config_setup_inih(void)
{
    static char comment_chars[] = ";#";
    ini_allow_multiline = false; /* an indented line must not silently continue a value */
    ini_allow_bom = true;
    ini_start_comment_prefixes = comment_chars;
    ini_allow_inline_comments = true; /* "key = value  # why" */
    ini_inline_comment_prefixes = comment_chars;
    ini_use_stack = true;
    ini_max_line = CONFIG_LINE_MAX + 3; /* '\r', '\n' and NUL */
    ini_stop_on_first_error = true;
    ini_allow_no_value = false;
}

void config_defaults(struct kith_config *cfg)
{
    char why[160];
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        int rc = config_apply(cfg, &config_keys[i], config_keys[i].def, why, sizeof(why));
        assert(rc == 0 && "a default in config_keys does not parse");
        (void)rc;
    }
}

int config_parse_text(const char *name, const char *text, size_t len, struct kith_config *cfg,
                      char *err, size_t err_size)
{
    struct kith_config next;
    struct config_parse p = {
        .name = name ? name : "(config)",
        .text = text,
        .len = len,
        .at_line_start = true,
        .cfg = &next,
        .err = err,
        .err_size = err_size,
    };
    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    config_defaults(&next);
    if (!config_check_text(&p)) {
        return ERR_INVAL;
    }
    config_setup_inih();
    int rc = ini_parse_stream(config_read_line, &p, config_on_value, &p);
    if (!p.failed && rc > 0) {
        p.lineno = (unsigned)rc;
        config_fail(&p, "expected [section], key = value, or a # comment");
    }
    if (!p.failed && rc < 0) {
        return ERR_NOMEM;
    }
    if (p.failed) {
        return ERR_INVAL;
    }
    memcpy(cfg, &next, sizeof(next)); /* with padding: callers may memcmp configs */
    return 0;
}

static int config_io_error(const char *path, const char *what, int errnum, char *err,
                           size_t err_size)
{
    if (err != NULL && err_size > 0) {
        snprintf(err, err_size, "%s: cannot %s: %s", path, what, strerror(errnum));
    }
    return ERR_IO;
}

int config_load(const char *path, struct kith_config *cfg, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return config_io_error(path, "open", errno, err, err_size);
    }
    /* Read one byte past the limit so that an oversized file is reported as such. */
    char *buf = malloc(CONFIG_FILE_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return ERR_NOMEM;
    }
    size_t len = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
    int rc;
    if (ferror(f)) {
        rc = config_io_error(path, "read", errno ? errno : EIO, err, err_size);
    } else {
        rc = config_parse_text(path, buf, len, cfg, err, err_size);
    }
    fclose(f);
    free(buf);
    return rc;
}

int config_set(struct kith_config *cfg, const char *section_dot_key, const char *value, char *err,
               size_t err_size)
{
    char why[160], quoted[80];
    const char *dot = strchr(section_dot_key, '.');
    const struct config_key *k = NULL;
    if (dot != NULL) {
        k = config_find(section_dot_key, (size_t)(dot - section_dot_key), dot + 1);
    }
    if (k == NULL) {
        config_quote(section_dot_key, quoted, sizeof(quoted));
        if (err != NULL && err_size > 0) {
            snprintf(err, err_size, "%s: unknown key (use section.key, as http.listen)", quoted);
        }
        return ERR_INVAL;
    }
    /* Apply to a copy: a failed string store must not leave half a value behind. */
    struct kith_config next;
    memcpy(&next, cfg, sizeof(next));
    if (config_apply(&next, k, value, why, sizeof(why)) != 0) {
        config_quote(value, quoted, sizeof(quoted));
        if (err != NULL && err_size > 0) {
            snprintf(err, err_size, "%s.%s: '%s' %s", k->section, k->key, quoted, why);
        }
        return ERR_INVAL;
    }
    memcpy(cfg, &next, sizeof(next)); /* with padding: callers may memcmp configs */
    return 0;
}

/* The help is itself a valid config file: conf/kith.conf is this output plus a preamble. */
void config_print_help(FILE *out)
{
    const char *section = "";
    for (size_t i = 0; i < CONFIG_NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        char range[64];
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
        }
        config_format_range(k, range, sizeof(range));
        fprintf(out, "# %s (%s%s%s)\n%s =%s%s\n", k->doc, config_type_names[k->type],
                range[0] ? ", " : "", range, k->key, k->def[0] ? " " : "", k->def);
    }
}

void config_data_path(const struct kith_config *cfg, const char *path, char *out, size_t size)
{
    if (path[0] == '/' || cfg->data_dir[0] == '\0') {
        snprintf(out, size, "%s", path);
    } else {
        snprintf(out, size, "%s/%s", cfg->data_dir, path);
    }
}

/* Keys whose new value cannot take effect without a restart: the store is open, sockets are
 * bound and URLs and DNs have been handed to clients. */
static bool config_needs_restart(const struct config_key *k)
{
    static const char *const keys[] = {
        "server.data_dir", "store.map_size", "http.listen", "http.https_listen",
        "ldap.listen", "ldap.ldaps_listen", "ldap.suffix", "dav.principal_path",
        "dav.addressbook_home", "dav.calendar_home", "dav.files_home",
    };
    char name[96];
    snprintf(name, sizeof(name), "%s.%s", k->section, k->key);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (strcmp(name, keys[i]) == 0) {
            return true;
        }
    }
    return false;
}

void config_reload(struct kith_config *live, const struct kith_config *fresh,
        config_reload_fn *fn, void *ctx)
{
    for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++) {
        const struct config_key *k = &config_keys[i];
        char *dst = (char *)live + k->offset;
        const char *src = (const char *)fresh + k->offset;
        if (memcmp(dst, src, k->size) == 0) {
            continue;
        }
        bool apply = !config_needs_restart(k);
        if (apply) {
            memcpy(dst, src, k->size);
        }
        if (fn != NULL) {
            fn(ctx, k->section, k->key, apply);
        }
    }
}
