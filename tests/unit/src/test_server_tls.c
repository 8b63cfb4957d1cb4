/*
 * test_server_tls.c: a self-signed certificate made in a temporary data directory, HTTPS
 * served on loopback by the real server and HTTP module, and an OpenSSL client in the test:
 * handshake, TLS 1.2 minimum, the fingerprint the client sees, SIGHUP reloads (a good new
 * certificate is taken, a broken one is refused and the old one kept).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "protocols/http/http.h"
#include "src/config.h"
#include "src/conn.h"
#include "src/err.h"
#include "src/proto.h"
#include "src/server.h"
#include "src/tls.h"

static char dir[256];
static char cert_path[512], key_path[512];
static struct kith_config cfg;

static void handler(struct http_request *req, void *ctx)
{
    http_respond(req, 200, "text/plain",
                 req->secure ? STR_VIEW_LIT("secure") : STR_VIEW_LIT("plain"));
}

static int group_setup(void **state)
{
    log_init(LOG_LEVEL_ERROR, NULL);
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(dir, sizeof(dir), "%s/kith-tls-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
    /* The defaults are relative ("tls/cert.pem"): resolved against data_dir. */
    config_data_path(&cfg, cfg.tls_certificate, cert_path, sizeof(cert_path));
    config_data_path(&cfg, cfg.tls_key, key_path, sizeof(key_path));
    return 0;
}

static int group_teardown(void **state)
{
    unlink(cert_path);
    unlink(key_path);
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/tls", dir);
    rmdir(sub);
    rmdir(dir);
    return 0;
}

static void fingerprint_of(X509 *x, char *out, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    X509_digest(x, EVP_sha256(), md, &n);
    for (unsigned i = 0; i < n; i++) {
        snprintf(out + i * 3, size - i * 3, "%02X%s", md[i], i + 1 < n ? ":" : "");
    }
}

static void test_self_signed_certificate_is_made_with_fingerprint(void **state)
{
    char fp[TLS_FINGERPRINT_MAX], again[TLS_FINGERPRINT_MAX];
    assert_int_equal(tls_make_self_signed(cert_path, key_path, "localhost", fp, sizeof(fp)), 0);
    assert_int_equal(strlen(fp), 95);
    assert_int_equal(fp[2], ':');
    assert_int_equal(tls_fingerprint(cert_path, again, sizeof(again)), 0);
    assert_string_equal(fp, again);
    struct stat st;
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    FILE *f = fopen(cert_path, "r");
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    /* Valid about ten years from now. */
    int days = 0, secs = 0;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)), 1);
    assert_true(days > 3640 && days <= 3650);
    X509_free(x);
}

static void test_fingerprint_of_missing_or_bad_file_fails(void **state)
{
    char fp[TLS_FINGERPRINT_MAX];
    char path[600];
    snprintf(path, sizeof(path), "%s/missing.pem", dir);
    assert_int_equal(tls_fingerprint(path, fp, sizeof(fp)), ERR_IO);
    assert_int_equal(tls_fingerprint(key_path, fp, sizeof(fp)), ERR_INVAL);
}

struct tls_client_result {
    bool handshake_ok;
    int version;
    char fingerprint[TLS_FINGERPRINT_MAX];
    char reply[512];
};

static void tls_client(unsigned port, int max_version, struct tls_client_result *res)
{
    memset(res, 0, sizeof(*res));
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(cctx, 0); /* let the client offer old versions */
    if (max_version != 0) {
        SSL_CTX_set_min_proto_version(cctx, TLS1_VERSION);
        SSL_CTX_set_max_proto_version(cctx, max_version);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = { .tv_sec = 3 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    SSL *ssl = SSL_new(cctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) == 1) {
        res->handshake_ok = true;
        res->version = SSL_version(ssl);
        X509 *peer = SSL_get1_peer_certificate(ssl);
        fingerprint_of(peer, res->fingerprint, sizeof(res->fingerprint));
        X509_free(peer);
        const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        SSL_write(ssl, req, sizeof(req) - 1);
        size_t len = 0;
        int n;
        while (len + 1 < sizeof(res->reply) &&
               (n = SSL_read(ssl, res->reply + len, (int)(sizeof(res->reply) - len - 1))) > 0) {
            len += (size_t)n;
        }
        res->reply[len] = '\0';
        SSL_shutdown(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(cctx);
    close(fd);
}

static struct server *srv;
static int run_rc = -1;

static void *loop_main(void *arg)
{
    run_rc = server_run(srv);
    return NULL;
}

static void test_https_served_and_certificate_reloaded_on_sighup(void **state)
{
    char fp1[TLS_FINGERPRINT_MAX], fp2[TLS_FINGERPRINT_MAX];
    assert_int_equal(tls_make_self_signed(cert_path, key_path, "localhost", fp1, sizeof(fp1)), 0);
    struct http_server *hs = http_server_new(&cfg, handler, NULL);
    srv = server_new(&cfg);
    assert_int_equal(server_listen(srv, "127.0.0.1:0", true, &http_module, hs), 0);
    unsigned port = server_last_port(srv);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, loop_main, NULL), 0);
    usleep(20 * 1000);

    struct tls_client_result res;
    tls_client(port, 0, &res);
    assert_true(res.handshake_ok);
    assert_true(res.version >= TLS1_2_VERSION);
    assert_string_equal(res.fingerprint, fp1);
    assert_true(strncmp(res.reply, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(res.reply, "\r\n\r\nsecure"));

    tls_client(port, TLS1_1_VERSION, &res);
    assert_false(res.handshake_ok);

    /* A new certificate in place + SIGHUP: new connections get it. */
    assert_int_equal(tls_make_self_signed(cert_path, key_path, "kith-two", fp2, sizeof(fp2)), 0);
    assert_string_not_equal(fp1, fp2);
    kill(getpid(), SIGHUP);
    usleep(200 * 1000);
    tls_client(port, 0, &res);
    assert_true(res.handshake_ok);
    assert_string_equal(res.fingerprint, fp2);

    /* A broken certificate + SIGHUP: refused, the running one stays. */
    FILE *f = fopen(cert_path, "w");
    fputs("not a certificate\n", f);
    fclose(f);
    log_init(LOG_LEVEL_ERROR, fopen("/dev/null", "w"));
    kill(getpid(), SIGHUP);
    usleep(200 * 1000);
    tls_client(port, 0, &res);
    assert_true(res.handshake_ok);
    assert_string_equal(res.fingerprint, fp2);

    kill(getpid(), SIGTERM);
    pthread_join(thread, NULL);
    assert_int_equal(run_rc, 0);
    server_free(&srv);
    http_server_free(&hs);

    /* With the certificate still broken, a TLS listener cannot start. */
    srv = server_new(&cfg);
    assert_int_equal(server_listen(srv, "127.0.0.1:0", true, &http_module, NULL), ERR_IO);
    server_free(&srv);
    log_init(LOG_LEVEL_ERROR, NULL);
}

/* A line protocol with StartTLS, as LDAP will have: "starttls" answers "ok" in the clear,
 * then the same connection continues under TLS. */
static void starttls_readable(struct conn *conn)
{
    char *line;
    size_t n;
    while ((line = evbuffer_readln(conn_input(conn), &n, EVBUFFER_EOL_CRLF)) != NULL) {
        if (strcmp(line, "starttls") == 0) {
            evbuffer_add(conn_output(conn), "ok\n", 3);
            if (conn_start_tls(conn, server_tls_ctx(conn->server)) != 0) {
                conn_close(conn);
            }
            free(line);
            return;
        }
        evbuffer_add_printf(conn_output(conn), "%s %s\n", conn->tls ? "tls" : "clear", line);
        free(line);
    }
}

static const struct proto_module starttls_module = {
    .name = "starttls",
    .conn_readable = starttls_readable,
};

static void test_starttls_upgrades_a_plain_connection(void **state)
{
    char fp[TLS_FINGERPRINT_MAX];
    assert_int_equal(tls_make_self_signed(cert_path, key_path, "localhost", fp, sizeof(fp)), 0);
    srv = server_new(&cfg);
    assert_int_equal(server_listen(srv, "127.0.0.1:0", false, &starttls_module, NULL), 0);
    unsigned port = server_last_port(srv);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, loop_main, NULL), 0);

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = { .tv_sec = 3 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[64] = { 0 };
    send(fd, "hi\nstarttls\n", 12, 0);
    size_t got = 0;
    while (got < 12 && strstr(buf, "ok\n") == NULL) {
        ssize_t n = recv(fd, buf + got, sizeof(buf) - got - 1, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_string_equal(buf, "clear hi\nok\n");

    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(cctx);
    SSL_set_fd(ssl, fd);
    assert_int_equal(SSL_connect(ssl), 1);
    SSL_write(ssl, "hello\n", 6);
    memset(buf, 0, sizeof(buf));
    assert_true(SSL_read(ssl, buf, sizeof(buf) - 1) > 0);
    assert_string_equal(buf, "tls hello\n");
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(cctx);
    close(fd);

    kill(getpid(), SIGTERM);
    pthread_join(thread, NULL);
    server_free(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_signed_certificate_is_made_with_fingerprint),
        cmocka_unit_test(test_fingerprint_of_missing_or_bad_file_fails),
        cmocka_unit_test(test_starttls_upgrades_a_plain_connection),
        cmocka_unit_test(test_https_served_and_certificate_reloaded_on_sighup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
