/*
 * passwd.h: password hashes for users (DAV Basic auth and LDAP simple bind).
 *
 * Hashes are yescrypt in the crypt(3) format ("$y$j9T$salt$hash", about 73 bytes) made by
 * libxcrypt with its default cost and a salt from the library's own entropy source. Only
 * the hash string is stored; passwd_verify() accepts any "$id$" method libxcrypt enables
 * (so imported sha512crypt or bcrypt hashes keep working) and never a locked ("*", "!")
 * or empty one.
 *
 * Cost: one hash or verify takes tens of milliseconds of CPU by design (see the figure in
 * tests/unit/src/test_passwd.c), so the HTTP layer keeps a short-lived cache of verified
 * credentials instead of running this for every request of a keep-alive connection.
 * Functions are thread-safe (crypt_rn with a private work area); secrets are wiped.
 */
#ifndef KITH_PASSWD_H
#define KITH_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWD_HASH_SIZE     128 /* fits every hash passwd_hash() writes, with NUL */
#define PASSWD_MAX           256 /* longest password accepted, in bytes (libxcrypt: 511) */
#define PASSWD_GENERATE_SIZE 20  /* "xxxx-xxxx-xxxx-xxxx" and NUL */

/* Hash password (1..PASSWD_MAX bytes) into out, NUL-terminated. ERR_INVAL for an empty
 * password or out_size < PASSWD_HASH_SIZE, ERR_TOO_LARGE for a longer password, ERR_IO
 * when the library cannot get entropy or fails, ERR_NOMEM. */
int passwd_hash(const char *password, char *out, size_t out_size);

/* True when password matches hash; the comparison of the computed and stored hashes takes
 * the same time wherever they differ. False for NULL, empty, "*"/"!" locked hashes, hashes
 * of unknown methods and passwords over PASSWD_MAX bytes. */
bool passwd_verify(const char *password, const char *hash);

/* A random demo password of 4 groups of 4 characters from an alphabet without look-alikes
 * (no 0/o, 1/l/i): "k7mq-3vxe-t9rb-hw4p", about 79 bits. Uses getrandom(2). ERR_INVAL when
 * size < PASSWD_GENERATE_SIZE, ERR_IO when the kernel gives no randomness. */
int passwd_generate(char *out, size_t size);

#endif
