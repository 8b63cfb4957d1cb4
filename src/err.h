/*
 * err.h: the error codes every Kith module speaks.
 *
 * Fallible functions return int: 0 (ERR_OK) or a negative ERR_* code; results travel through
 * trailing *_out parameters. Storage and parsers return these codes and never log; each
 * protocol maps them to its own answer (an HTTP status, an LDAP resultCode) at its edge.
 */
#ifndef KITH_ERR_H
#define KITH_ERR_H

#include <errno.h>

enum err {
    ERR_OK = 0,
    ERR_NOMEM = -ENOMEM,
    ERR_INVAL = -EINVAL,    /* malformed input: a parser's or a caller's */
    ERR_AGAIN = -EAGAIN,
    ERR_IO = -EIO,          /* the operating system refused (disk, permissions) */
    ERR_NOT_FOUND = -1001,
    ERR_EXISTS = -1002,
    ERR_PRECONDITION = -1003, /* If-Match / If-None-Match, an expired sync token */
    ERR_CONFLICT = -1004,    /* a UID already in the collection */
    ERR_TOO_LARGE = -1005,  /* a configured or built-in size limit was hit */
    ERR_NO_SPACE = -1006,   /* the store is full (LMDB map size) */
    ERR_DENIED = -1007,     /* authentication or permission */
    ERR_CORRUPT = -1008,    /* the store violates an invariant */
    ERR_UNSUPPORTED = -1009,
};

/* Static, human-readable text for an ERR_* code (never NULL). */
const char *err_str(int err);

#endif
