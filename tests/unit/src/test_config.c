/*
 * test_config.c: the configuration table, the INI loader and its messages, and the
 * agreement of conf/kith.conf and docs/configuration.md with the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/config.h"
#include "src/err.h"

static char err[512];

/* Parse text (NUL-terminated) over the defaults; returns the rc, message in err. */
static int parse(const char *text, struct kith_config *cfg)
{
    return config_parse_text("kith.conf", text, strlen(text), cfg, err, sizeof(err));
}

/* Parse one [section] key = value and expect it to be rejected with a message naming it. */
static void expect_bad(const char *section, const char *key, const char *value)
{
    char text[512], want[128];
    struct kith_config cfg;
    snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, key, value);
    snprintf(want, sizeof(want), "kith.conf:2: [%s] %s: '", section, key);
    int rc = parse(text, &cfg);
    if (rc != ERR_INVAL || strncmp(err, want, strlen(want)) != 0) {
        fail_msg("[%s] %s = '%s' was accepted or misreported: rc %d, '%s'", section, key, value, rc,
                 err);
    }
}

static void expect_good(const char *section, const char *key, const char *value,
                        struct kith_config *cfg)
{
    char text[512];
    snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, key, value);
    if (parse(text, cfg) != 0) {
        fail_msg("[%s] %s = '%s' was rejected: %s", section, key, value, err);
    }
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (is KITH_TEST_DATA set to <repo>/tests/data?)", path);
    }
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* KITH_TEST_DATA is <repo>/tests/data; strip that lexically, since the directory itself
 * need not exist for the kernel to resolve "..". */
static void repo_path(const char *rel, char *out, size_t size)
{
    const char *data = getenv("KITH_TEST_DATA");
    if (data == NULL) {
        fail_msg("KITH_TEST_DATA is not set");
    }
    size_t n = strlen(data);
    while (n > 1 && data[n - 1] == '/') {
        n--;
    }
    if (n >= 11 && memcmp(data + n - 11, "/tests/data", 11) == 0) {
        snprintf(out, size, "%.*s/%s", (int)(n - 11), data, rel);
    } else {
        snprintf(out, size, "%s/../../%s", data, rel);
    }
}

static void test_defaults_match_header_comments(void **state)
{
    struct kith_config c;
    config_defaults(&c);
    assert_string_equal(c.data_dir, "./var");
    assert_int_equal(c.log_level, LOG_LEVEL_INFO);
    assert_int_equal(c.max_connections, 1024);
    assert_int_equal(c.shutdown_timeout, 10);
    assert_true(c.map_size == UINT64_C(8) << 30);
    assert_string_equal(c.http_listen, "127.0.0.1:8008");
    assert_string_equal(c.https_listen, "127.0.0.1:8443");
    assert_true(c.max_body == UINT64_C(10) << 20);
    assert_true(c.max_header_bytes == 64 * 1024);
    assert_int_equal(c.max_headers, 100);
    assert_int_equal(c.request_timeout, 30);
    assert_int_equal(c.idle_timeout, 120);
    assert_string_equal(c.trusted_proxies, "");
    assert_string_equal(c.tls_certificate, "tls/cert.pem");
    assert_string_equal(c.tls_key, "tls/key.pem");
    assert_string_equal(c.principal_path, "/principals/users/");
    assert_string_equal(c.addressbook_home, "/dav/addressbooks/");
    assert_string_equal(c.calendar_home, "/dav/calendars/");
    assert_string_equal(c.files_home, "/dav/files/");
    assert_string_equal(c.ldap_listen, "127.0.0.1:3389");
    assert_string_equal(c.ldaps_listen, "127.0.0.1:6636");
    assert_string_equal(c.ldap_suffix, "dc=example,dc=com");
    assert_false(c.ldap_anonymous);
    assert_false(c.ldap_cleartext_bind);
    assert_true(c.ldap_max_pdu == 256 * 1024);
    assert_int_equal(c.ldap_size_limit, 500);
    assert_int_equal(c.ldap_time_limit, 10);
    assert_string_equal(c.phone_country_code, "49");
    assert_string_equal(c.phone_trunk_prefix, "0");
    assert_true(c.vcard_max_line == 64 * 1024);
    assert_true(c.vcard_max_card == UINT64_C(4) << 20);
    assert_int_equal(c.vcard_max_props, 2000);
    assert_int_equal(c.import_batch, 500);
}

static void test_empty_text_gives_defaults(void **state)
{
    struct kith_config parsed, defaults;
    config_defaults(&defaults);
    memset(&parsed, 0xAA, sizeof(parsed));
    assert_int_equal(parse("", &parsed), 0);
    assert_memory_equal(&parsed, &defaults, sizeof(parsed));
    assert_int_equal(parse("# only a comment\n\n; another\n", &parsed), 0);
    assert_memory_equal(&parsed, &defaults, sizeof(parsed));
}

static void test_sizes_take_k_m_g_suffixes(void **state)
{
    struct kith_config c;
    expect_good("http", "max_body", "10M", &c);
    assert_true(c.max_body == 10u << 20);
    expect_good("http", "max_body", "64K", &c);
    assert_true(c.max_body == 64u << 10);
    expect_good("http", "max_body", "1G", &c);
    assert_true(c.max_body == 1u << 30);
    expect_good("http", "max_body", "123456", &c);
    assert_true(c.max_body == 123456);
    expect_good("store", "map_size", "8g", &c);
    assert_true(c.map_size == UINT64_C(8) << 30);
    expect_bad("http", "max_body", "10Q");
    expect_bad("http", "max_body", "1.5M");
    expect_bad("http", "max_body", "-1");
    expect_bad("http", "max_body", "M");
    expect_bad("http", "max_body", "");
    expect_bad("http", "max_body", "10 M");
    expect_bad("http", "max_body", "99999999999999999999");
    expect_bad("http", "max_body", "17179869184G"); /* overflows 64 bits once scaled */
    expect_bad("http", "max_body", "1023");         /* below 1K */
    expect_bad("http", "max_body", "2G");           /* above 1G */
}

static void test_durations_take_s_m_h_suffixes(void **state)
{
    struct kith_config c;
    expect_good("http", "request_timeout", "30", &c);
    assert_int_equal(c.request_timeout, 30);
    expect_good("http", "request_timeout", "45s", &c);
    assert_int_equal(c.request_timeout, 45);
    expect_good("http", "request_timeout", "2m", &c);
    assert_int_equal(c.request_timeout, 120);
    expect_good("http", "idle_timeout", "1h", &c);
    assert_int_equal(c.idle_timeout, 3600);
    expect_good("server", "shutdown_timeout", "0", &c);
    assert_int_equal(c.shutdown_timeout, 0);
    expect_bad("http", "request_timeout", "1d");
    expect_bad("http", "request_timeout", "s");
    expect_bad("http", "request_timeout", "0");  /* min 1s */
    expect_bad("http", "request_timeout", "2h"); /* max 1h */
    expect_bad("http", "request_timeout", "30 s");
}

static void test_numbers_are_plain_decimal_within_bounds(void **state)
{
    struct kith_config c;
    expect_good("ldap", "size_limit", "25", &c);
    assert_int_equal(c.ldap_size_limit, 25);
    expect_good("import", "batch", "100000", &c);
    assert_int_equal(c.import_batch, 100000);
    expect_bad("ldap", "size_limit", "0");
    expect_bad("ldap", "size_limit", "5x");
    expect_bad("ldap", "size_limit", "+5");
    expect_bad("ldap", "size_limit", "-5");
    expect_bad("import", "batch", "100001");
    expect_bad("server", "max_connections", "4294967297"); /* wraps a 32-bit unsigned */
}

static void test_booleans_accept_common_spellings(void **state)
{
    static const char *const yes[] = { "true", "yes", "on", "1", "TRUE", "Yes" };
    static const char *const no[] = { "false", "no", "off", "0", "Off" };
    struct kith_config c;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        expect_good("ldap", "anonymous", yes[i], &c);
        assert_true(c.ldap_anonymous);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        expect_good("ldap", "anonymous", no[i], &c);
        assert_false(c.ldap_anonymous);
    }
    expect_bad("ldap", "anonymous", "maybe");
    expect_bad("ldap", "anonymous", "2");
    expect_bad("ldap", "cleartext_bind", "");
}

static void test_listen_addresses_are_checked(void **state)
{
    struct kith_config c;
    expect_good("http", "listen", "0.0.0.0:80", &c);
    assert_string_equal(c.http_listen, "0.0.0.0:80");
    expect_good("http", "listen", "[::1]:8008", &c);
    assert_string_equal(c.http_listen, "[::1]:8008");
    expect_good("ldap", "ldaps_listen", "[2001:db8::7]:65535", &c);
    assert_string_equal(c.ldaps_listen, "[2001:db8::7]:65535");
    expect_good("http", "https_listen", "", &c);
    assert_string_equal(c.https_listen, "");
    static const char *const bad[] = {
        "127.0.0.1",    "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
        "::1:8008",     "[::1]8008",  "[::1:8008",   "localhost:8008",  "[127.0.0.1]:80",
        "256.0.0.1:80", "1.2.3.4:-1", ":8008",       "*:8008",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_bad("http", "listen", bad[i]);
    }
}

static void test_log_level_paths_and_strings(void **state)
{
    struct kith_config c;
    expect_good("server", "log_level", "debug", &c);
    assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
    expect_bad("server", "log_level", "verbose");
    expect_good("server", "data_dir", "/srv/kith", &c);
    assert_string_equal(c.data_dir, "/srv/kith");
    expect_bad("server", "data_dir", "");
    expect_good("dav", "files_home", "/files/", &c);
    assert_string_equal(c.files_home, "/files/");
    expect_bad("dav", "files_home", "files/");
    expect_bad("dav", "files_home", "/files");
    expect_good("ldap", "suffix", "o=Example Ltd,c=GB", &c);
    assert_string_equal(c.ldap_suffix, "o=Example Ltd,c=GB");

    char longval[300];
    memset(longval, 'x', sizeof(longval) - 1);
    longval[sizeof(longval) - 1] = '\0';
    expect_bad("ldap", "suffix", longval); /* the field holds 255 bytes */
}

static void test_phone_prefixes_are_digits(void **state)
{
    struct kith_config c;
    expect_good("phone", "country_code", "44", &c);
    assert_string_equal(c.phone_country_code, "44");
    expect_good("phone", "trunk_prefix", "", &c);
    assert_string_equal(c.phone_trunk_prefix, "");
    expect_bad("phone", "country_code", "");
    expect_bad("phone", "country_code", "+49");
    expect_bad("phone", "country_code", "4912");
    expect_bad("phone", "trunk_prefix", "O");
}

static void test_trusted_proxies_are_ip_lists(void **state)
{
    struct kith_config c;
    expect_good("http", "trusted_proxies", "10.0.0.1, 192.0.2.7,2001:db8::1", &c);
    assert_string_equal(c.trusted_proxies, "10.0.0.1, 192.0.2.7,2001:db8::1");
    expect_bad("http", "trusted_proxies", "10.0.0.1,");
    expect_bad("http", "trusted_proxies", "proxy.example.com");
    expect_bad("http", "trusted_proxies", "10.0.0.1 10.0.0.2");
    expect_bad("http", "trusted_proxies", ",");
}

static void test_unknown_key_names_line_and_suggests(void **state)
{
    struct kith_config c;
    assert_int_equal(parse("[http]\nlisten = 127.0.0.1:1\n\nmax_bdy = 1M\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:4: [http] max_bdy: unknown key (did you mean max_body?)");
    assert_int_equal(parse("[ldap]\nfrobnicate = 1\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:2: [ldap] frobnicate: unknown key");
}

static void test_unknown_section_names_its_own_line(void **state)
{
    struct kith_config c;
    assert_int_equal(parse("[http]\nmax_body = 1M\n# c\n[htpp]\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:4: unknown section [htpp]");
    assert_int_equal(parse("  [ HTTP ]\nlisten = 1.2.3.4:5\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:1: unknown section [ HTTP ]");
}

static void test_syntax_errors_name_the_line(void **state)
{
    struct kith_config c;
    assert_int_equal(parse("[http]\nlisten = 127.0.0.1:1\nmax_body\n", &c), ERR_INVAL);
    assert_non_null(strstr(err, "kith.conf:3: "));
    assert_int_equal(parse("[http\nlisten = 127.0.0.1:1\n", &c), ERR_INVAL);
    assert_non_null(strstr(err, "kith.conf:1: "));
    assert_int_equal(parse("listen = 127.0.0.1:1\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:1: listen: key outside any [section]");
}

static void test_bad_value_message_quotes_value_and_reason(void **state)
{
    struct kith_config c;
    assert_int_equal(parse("[server]\n[http]\nmax_body = 10Q\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:3: [http] max_body: '10Q' is not a size "
                             "(bytes, or with K, M, G as in 64K)");
    assert_int_equal(parse("[ldap]\nsize_limit = 0\n", &c), ERR_INVAL);
    assert_string_equal(err, "kith.conf:2: [ldap] size_limit: '0' is out of range (1..1000000)");
    assert_int_equal(parse("[http]\nmax_body = 1\x01\n", &c), ERR_INVAL);
    assert_non_null(strstr(err, "'1?'"));
}

static void test_duplicate_key_last_wins(void **state)
{
    struct kith_config c;
    assert_int_equal(parse("[http]\nmax_body = 1M\n[ldap]\n[http]\nmax_body = 2M\n", &c), 0);
    assert_true(c.max_body == 2u << 20);
}

static void test_comments_crlf_and_bom_are_accepted(void **state)
{
    struct kith_config c;
    const char *text = "\xEF\xBB\xBF# head\r\n[http]\r\nmax_body = 2M   # two megs\r\n"
                       "; note\r\n  max_headers = 50 ; fifty\r\n";
    assert_int_equal(parse(text, &c), 0);
    assert_true(c.max_body == 2u << 20);
    assert_int_equal(c.max_headers, 50);
}

static void test_error_leaves_config_untouched(void **state)
{
    struct kith_config c, before;
    config_defaults(&c);
    c.max_body = 12345;
    memcpy(&before, &c, sizeof(c));
    assert_int_equal(parse("[http]\nmax_body = 2M\nmax_headers = lots\n", &c), ERR_INVAL);
    assert_memory_equal(&c, &before, sizeof(c));
}

static void test_oversized_file_line_and_nul_are_rejected(void **state)
{
    struct kith_config c;
    size_t big = (1u << 20) + 1;
    char *text = malloc(big);
    memset(text, '\n', big);
    assert_int_equal(config_parse_text("kith.conf", text, big, &c, err, sizeof(err)), ERR_INVAL);
    assert_non_null(strstr(err, "larger than"));
    assert_int_equal(config_parse_text("kith.conf", text, big - 1, &c, err, sizeof(err)), 0);

    /* A 4097-byte comment on line 3: inih alone would split it and misread the tail. */
    memcpy(text, "[http]\n\n#", 9);
    memset(text + 9, 'x', 4096);
    text[9 + 4096] = '\n';
    assert_int_equal(config_parse_text("kith.conf", text, 4106, &c, err, sizeof(err)), ERR_INVAL);
    assert_string_equal(err, "kith.conf:3: line is longer than 4096 bytes");
    text[9 + 4095] = '\n'; /* exactly 4096 bytes: fine */
    assert_int_equal(config_parse_text("kith.conf", text, 4106, &c, err, sizeof(err)), 0);
    free(text);

    static const char nul[] = "[http]\nmax_body = 1M\0garbage\n";
    assert_int_equal(config_parse_text("kith.conf", nul, sizeof(nul) - 1, &c, err, sizeof(err)),
                     ERR_INVAL);
    assert_string_equal(err, "kith.conf:2: NUL byte in the file");
}

static void test_missing_file_is_io_error(void **state)
{
    struct kith_config c;
    assert_int_equal(config_load("/nonexistent/kith.conf", &c, err, sizeof(err)), ERR_IO);
    assert_string_equal(err, "/nonexistent/kith.conf: cannot open: No such file or directory");
    assert_int_equal(config_load("/", &c, err, sizeof(err)), ERR_IO);
}

static void test_typo_in_file_reports_file_and_line(void **state)
{
    char dir[256], path[300];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/test_config.XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/kith.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("# demo\n[http]\nlisten = 127.0.0.1:9000\nmax_bdy = 1M\n", f);
    fclose(f);
    struct kith_config c;
    int rc = config_load(path, &c, err, sizeof(err));
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, ERR_INVAL);
    assert_non_null(strstr(err, "kith.conf:4: [http] max_bdy: unknown key"));
    assert_memory_equal(err, path, strlen(path));
}

static void test_shipped_conf_loads_and_equals_defaults(void **state)
{
    char path[1024];
    struct kith_config loaded, defaults;
    repo_path("conf/kith.conf", path, sizeof(path));
    int rc = config_load(path, &loaded, err, sizeof(err));
    if (rc != 0) {
        fail_msg("conf/kith.conf: %s", err);
    }
    config_defaults(&defaults);
    assert_memory_equal(&loaded, &defaults, sizeof(loaded));
}

/* True when text holds "key = value" (value may be empty) below "[section]" and before the
 * next section header. */
static bool conf_has(const char *text, const char *section, const char *line)
{
    char header[64];
    snprintf(header, sizeof(header), "\n[%s]\n", section);
    const char *s = strstr(text, header);
    if (s == NULL) {
        return false;
    }
    s += strlen(header);
    const char *end = strstr(s, "\n[");
    size_t n = strlen(line);
    for (const char *p = s; (p = strstr(p, line)) != NULL && (end == NULL || p < end); p++) {
        if (p[-1] == '\n' && (p[n] == '\n' || p[n] == '\0')) {
            return true;
        }
    }
    return false;
}

/* Every key of the table, read back from config_print_help: in conf/kith.conf with its
 * default, and in docs/configuration.md. */
static void test_every_key_documented_in_conf_and_docs(void **state)
{
    char path[1024], *help = NULL, section[64] = "";
    size_t help_len = 0;
    FILE *out = open_memstream(&help, &help_len);
    config_print_help(out);
    fclose(out);
    repo_path("conf/kith.conf", path, sizeof(path));
    char *conf = read_all(path);
    repo_path("docs/configuration.md", path, sizeof(path));
    char *docs = read_all(path);

    unsigned keys = 0;
    for (char *line = strtok(help, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '[') {
            snprintf(section, sizeof(section), "%.*s", (int)strlen(line) - 2, line + 1);
        } else if (line[0] != '#') {
            char dotted[128];
            keys++;
            if (!conf_has(conf, section, line)) {
                fail_msg("conf/kith.conf lacks '%s' under [%s]", line, section);
            }
            snprintf(dotted, sizeof(dotted), "| `%s.%.*s` |", section, (int)strcspn(line, " "),
                     line);
            if (strstr(docs, dotted) == NULL) {
                fail_msg("docs/configuration.md lacks a row %s", dotted);
            }
        }
    }
    assert_true(keys >= 33);
    free(help);
    free(conf);
    free(docs);
}

static void test_help_output_is_a_valid_config(void **state)
{
    char *help = NULL;
    size_t len = 0;
    struct kith_config parsed, defaults;
    FILE *out = open_memstream(&help, &len);
    config_print_help(out);
    fclose(out);
    assert_int_equal(config_parse_text("help", help, len, &parsed, err, sizeof(err)), 0);
    config_defaults(&defaults);
    assert_memory_equal(&parsed, &defaults, sizeof(parsed));
    assert_non_null(strstr(help, "[http]\n"));
    assert_non_null(strstr(help, "\nmax_body = 10M\n"));
    free(help);
}

static void test_config_set_overrides_one_key(void **state)
{
    struct kith_config c;
    config_defaults(&c);
    assert_int_equal(config_set(&c, "http.listen", "127.0.0.1:9000", err, sizeof(err)), 0);
    assert_string_equal(c.http_listen, "127.0.0.1:9000");
    assert_int_equal(config_set(&c, "ldap.ldaps_listen", "", err, sizeof(err)), 0);
    assert_string_equal(c.ldaps_listen, "");
    assert_int_equal(config_set(&c, "http.max_body", "1M", err, sizeof(err)), 0);
    assert_true(c.max_body == 1u << 20);

    assert_int_equal(config_set(&c, "http.listen", "9000", err, sizeof(err)), ERR_INVAL);
    assert_non_null(strstr(err, "http.listen: '9000' has no :PORT"));
    assert_string_equal(c.http_listen, "127.0.0.1:9000");
    assert_int_equal(config_set(&c, "http.lisen", "1.2.3.4:5", err, sizeof(err)), ERR_INVAL);
    assert_non_null(strstr(err, "http.lisen: unknown key"));
    assert_int_equal(config_set(&c, "listen", "1.2.3.4:5", err, sizeof(err)), ERR_INVAL);
    assert_int_equal(config_set(&c, "htp.listen", "1.2.3.4:5", err, sizeof(err)), ERR_INVAL);
}

static void test_data_path_resolves_relative_paths(void **state)
{
    struct kith_config c;
    char out[CONFIG_PATH_MAX * 2];
    config_defaults(&c);
    config_data_path(&c, c.tls_key, out, sizeof(out));
    assert_string_equal(out, "./var/tls/key.pem");
    config_data_path(&c, "/etc/ssl/k.pem", out, sizeof(out));
    assert_string_equal(out, "/etc/ssl/k.pem");
}

struct reload_log {
    char applied[512];
    char kept[512];
};

static void reload_note(void *ctx, const char *section, const char *key, bool applied)
{
    struct reload_log *l = ctx;
    char *out = applied ? l->applied : l->kept;
    snprintf(out + strlen(out), sizeof(l->applied) - strlen(out), "%s.%s ", section, key);
}

/* SIGHUP: limits and policies change while serving; sockets, store and URLs do not. */
static void test_reload_applies_safe_keys_and_keeps_restart_keys(void **state)
{
    struct kith_config live, fresh;
    char msg[256];
    config_defaults(&live);
    const char *text = "[http]\nlisten = 127.0.0.1:9999\nmax_body = 2M\n"
                       "[server]\nlog_level = debug\ndata_dir = /elsewhere\n";
    assert_int_equal(config_parse_text("t.conf", text, strlen(text), &fresh, msg, sizeof(msg)), 0);
    struct reload_log l = { { 0 }, { 0 } };
    config_reload(&live, &fresh, reload_note, &l);
    assert_int_equal(live.max_body, 2u << 20);
    assert_int_equal(live.log_level, LOG_LEVEL_DEBUG);
    assert_string_equal(live.http_listen, "127.0.0.1:8008");
    assert_string_equal(live.data_dir, "./var");
    assert_non_null(strstr(l.applied, "http.max_body"));
    assert_non_null(strstr(l.applied, "server.log_level"));
    assert_non_null(strstr(l.kept, "http.listen"));
    assert_non_null(strstr(l.kept, "server.data_dir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_header_comments),
        cmocka_unit_test(test_reload_applies_safe_keys_and_keeps_restart_keys),
        cmocka_unit_test(test_empty_text_gives_defaults),
        cmocka_unit_test(test_sizes_take_k_m_g_suffixes),
        cmocka_unit_test(test_durations_take_s_m_h_suffixes),
        cmocka_unit_test(test_numbers_are_plain_decimal_within_bounds),
        cmocka_unit_test(test_booleans_accept_common_spellings),
        cmocka_unit_test(test_listen_addresses_are_checked),
        cmocka_unit_test(test_log_level_paths_and_strings),
        cmocka_unit_test(test_phone_prefixes_are_digits),
        cmocka_unit_test(test_trusted_proxies_are_ip_lists),
        cmocka_unit_test(test_unknown_key_names_line_and_suggests),
        cmocka_unit_test(test_unknown_section_names_its_own_line),
        cmocka_unit_test(test_syntax_errors_name_the_line),
        cmocka_unit_test(test_bad_value_message_quotes_value_and_reason),
        cmocka_unit_test(test_duplicate_key_last_wins),
        cmocka_unit_test(test_comments_crlf_and_bom_are_accepted),
        cmocka_unit_test(test_error_leaves_config_untouched),
        cmocka_unit_test(test_oversized_file_line_and_nul_are_rejected),
        cmocka_unit_test(test_missing_file_is_io_error),
        cmocka_unit_test(test_typo_in_file_reports_file_and_line),
        cmocka_unit_test(test_shipped_conf_loads_and_equals_defaults),
        cmocka_unit_test(test_every_key_documented_in_conf_and_docs),
        cmocka_unit_test(test_help_output_is_a_valid_config),
        cmocka_unit_test(test_config_set_overrides_one_key),
        cmocka_unit_test(test_data_path_resolves_relative_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
