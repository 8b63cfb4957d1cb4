#include "src/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "src/config.h"
#include "src/err.h"

/* TLS 1.2 suites: ECDHE only (forward secrecy), AEAD only; TLS 1.3 keeps OpenSSL's set. */
static const char tls_ciphers12[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static int tls_fail(char *err, size_t err_size, const char *what, const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256] = "unknown error";
    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof(reason));
    } else if (errno != 0) {
        snprintf(reason, sizeof(reason), "%s", strerror(errno));
    }
    ERR_clear_error();
    if (err != NULL && err_size > 0) {
        snprintf(err, err_size, "%s%s%s: %s", what, path ? " " : "", path ? path : "", reason);
    }
    return ERR_IO;
}

int tls_ctx_new_files(const char *cert_path, const char *key_path, struct ssl_ctx_st **ctx_out,
                      char *err, size_t err_size)
{
    *ctx_out = NULL;
    ERR_clear_error();
    errno = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        return tls_fail(err, err_size, "cannot create TLS context", NULL);
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx, tls_ciphers12) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, err_size, "bad cipher list", NULL);
    }
    static const unsigned char sid_ctx[] = "kith";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, err_size, "cannot load certificate", cert_path);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, err_size, "cannot load key", key_path);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        SSL_CTX_free(ctx);
        return tls_fail(err, err_size, "key does not match certificate", key_path);
    }
    *ctx_out = ctx;
    return 0;
}

int tls_ctx_new(const struct kith_config *cfg, struct ssl_ctx_st **ctx_out, char *err,
                size_t err_size)
{
    char cert[CONFIG_PATH_MAX * 2];
    char key[CONFIG_PATH_MAX * 2];
    config_data_path(cfg, cfg->tls_certificate, cert, sizeof(cert));
    config_data_path(cfg, cfg->tls_key, key, sizeof(key));
    return tls_ctx_new_files(cert, key, ctx_out, err, err_size);
}

void tls_ctx_free(struct ssl_ctx_st **ctx)
{
    if (ctx != NULL && *ctx != NULL) {
        SSL_CTX_free(*ctx);
        *ctx = NULL;
    }
}

struct ssl_st *tls_ssl_new(struct ssl_ctx_st *ctx)
{
    return ctx != NULL ? SSL_new(ctx) : NULL;
}

/* mkdir -p of path's parent directory. */
static int tls_make_parent(const char *path)
{
    char dir[1024];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
        return ERR_INVAL;
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
                return ERR_IO;
            }
            *p = '/';
        }
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        return ERR_IO;
    }
    return 0;
}

static int tls_add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (ext == NULL) {
        return ERR_INVAL;
    }
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : ERR_INVAL;
}

static X509 *tls_build_cert(EVP_PKEY *key, const char *cn)
{
    X509 *x = X509_new();
    if (x == NULL) {
        return NULL;
    }
    unsigned char serial[16];
    BIGNUM *bn = NULL;
    ASN1_INTEGER *sn = NULL;
    int ok = RAND_bytes(serial, sizeof(serial)) == 1;
    serial[0] &= 0x7f; /* positive, RFC 5280 4.1.2.2 */
    ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) != NULL;
    ok = ok && (sn = BN_to_ASN1_INTEGER(bn, NULL)) != NULL;
    ok = ok && X509_set_version(x, 2) == 1 && X509_set_serialNumber(x, sn) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL;
    ok = ok && X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, NULL) != NULL;
    X509_NAME *name = X509_get_subject_name(x);
    ok = ok && X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Kith",
                                          -1, -1, 0) == 1;
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                          -1, 0) == 1;
    ok = ok && X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, key) == 1;

    char san[512] = "DNS:localhost,IP:127.0.0.1,IP:::1";
    if (strcmp(cn, "localhost") != 0 && strcspn(cn, ",: ") == strlen(cn)) {
        snprintf(san + strlen(san), sizeof(san) - strlen(san), ",DNS:%s", cn);
    }
    ok = ok && tls_add_ext(x, NID_subject_alt_name, san) == 0;
    ok = ok && tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == 0;
    ok = ok && tls_add_ext(x, NID_key_usage, "critical,digitalSignature") == 0;
    ok = ok && tls_add_ext(x, NID_ext_key_usage, "serverAuth") == 0;
    ok = ok && tls_add_ext(x, NID_subject_key_identifier, "hash") == 0;
    ok = ok && X509_sign(x, key, EVP_sha256()) > 0;
    ASN1_INTEGER_free(sn);
    BN_free(bn);
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int tls_write_key(const char *path, EVP_PKEY *key)
{
    /* Create with 0600 from the start: the key must never be world-readable, not even
     * between open and chmod. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return ERR_IO;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        return ERR_IO;
    }
    int ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : ERR_IO;
}

static int tls_write_cert(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return ERR_IO;
    }
    int ok = PEM_write_X509(f, x) == 1;
    ok = fclose(f) == 0 && ok;
    return ok ? 0 : ERR_IO;
}

static int tls_x509_fingerprint(X509 *x, char *out, size_t size)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (X509_digest(x, EVP_sha256(), md, &n) != 1 || size < n * 3) {
        return ERR_INVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        snprintf(out + i * 3, size - i * 3, "%02X%s", md[i], i + 1 < n ? ":" : "");
    }
    return 0;
}

int tls_make_self_signed(const char *cert_path, const char *key_path, const char *common_name,
                         char *fingerprint_out, size_t fingerprint_size)
{
    if (tls_make_parent(cert_path) != 0 || tls_make_parent(key_path) != 0) {
        return ERR_IO;
    }
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (key == NULL) {
        return ERR_IO;
    }
    X509 *x = tls_build_cert(key, common_name ? common_name : "localhost");
    int rc = x == NULL ? ERR_IO : 0;
    if (rc == 0) {
        rc = tls_write_key(key_path, key);
    }
    if (rc == 0) {
        rc = tls_write_cert(cert_path, x);
    }
    if (rc == 0 && fingerprint_out != NULL) {
        rc = tls_x509_fingerprint(x, fingerprint_out, fingerprint_size);
    }
    X509_free(x);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}

int tls_fingerprint(const char *cert_path, char *out, size_t size)
{
    FILE *f = fopen(cert_path, "r");
    if (f == NULL) {
        return ERR_IO;
    }
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    if (x == NULL) {
        return ERR_INVAL;
    }
    int rc = tls_x509_fingerprint(x, out, size);
    X509_free(x);
    return rc;
}
