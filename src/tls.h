/*
 * tls.h: OpenSSL server contexts and the self-signed certificate of a first run.
 *
 * tls_ctx_new() builds the server SSL_CTX from cfg->tls_certificate and cfg->tls_key (relative
 * paths resolved against the data directory with config_data_path): TLS 1.2 minimum, forward
 * secret AEAD ciphers for 1.2 (OpenSSL's defaults for 1.3), server cipher preference, no
 * compression or renegotiation. The server (src/server.c) makes one at the first TLS listener
 * and replaces it on SIGHUP; each SSL holds a reference to its context, so open connections
 * are unaffected by a reload.
 *
 * tls_make_self_signed() is for `scripts/run` and tests: an EC P-256 key and a certificate
 * valid 10 years with SAN DNS:localhost, IP:127.0.0.1, and its SHA-256 fingerprint as
 * "AB:CD:..." (what browsers and `openssl x509 -fingerprint -sha256` print).
 */
#ifndef KITH_TLS_H
#define KITH_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct kith_config;
struct ssl_ctx_st; /* SSL_CTX, so users of this header need not include OpenSSL */
struct ssl_st;     /* SSL */

/* 95 characters: 32 bytes as hex pairs with ':' between, plus NUL. */
#define TLS_FINGERPRINT_MAX 96

/* New server context from the configured certificate and key. On failure returns ERR_IO and
 * writes the reason (file, OpenSSL's message) into err. */
int tls_ctx_new(const struct kith_config *cfg, struct ssl_ctx_st **ctx_out, char *err,
                size_t err_size);

/* As tls_ctx_new with explicit paths (used as given). */
int tls_ctx_new_files(const char *cert_path, const char *key_path, struct ssl_ctx_st **ctx_out,
                      char *err, size_t err_size);

void tls_ctx_free(struct ssl_ctx_st **ctx);

/* A new SSL for one accepted connection (server mode); NULL on failure. */
struct ssl_st *tls_ssl_new(struct ssl_ctx_st *ctx);

/* Write a new key (mode 0600) and self-signed certificate for common_name to the two paths,
 * creating missing parent directories; fingerprint_out (TLS_FINGERPRINT_MAX bytes) receives
 * the SHA-256 fingerprint. ERR_IO when a file cannot be written. */
int tls_make_self_signed(const char *cert_path, const char *key_path, const char *common_name,
                         char *fingerprint_out, size_t fingerprint_size);

/* SHA-256 fingerprint of the first certificate in the PEM file at cert_path.
 * ERR_IO when it cannot be read, ERR_INVAL when it is not a certificate. */
int tls_fingerprint(const char *cert_path, char *out, size_t size);

#endif
