/*
 * log.h: leveled log lines with a connection/request prefix.
 *
 *   2026-03-01T10:00:00Z warn conn=12 req=3 user=alice PUT rejected: store is full
 *
 * Every connection and request carries a struct log_ctx; a line is formatted only when its
 * level is enabled. Parsers and storage never log: they return ERR_* codes and the caller
 * says what happened. Access lines (one per HTTP request or LDAP operation) go through
 * log_access() at info level.
 */
#ifndef KITH_LOG_H
#define KITH_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "src/strbuf.h"

enum log_level {
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
};

struct log_ctx {
    unsigned long conn; /* 0: not in a connection */
    unsigned long req;  /* 0: not in a request */
    const char *user;   /* NULL: not authenticated */
};

/* Log to out (stderr when NULL) from this level up. Not thread-safe; call once at start. */
void log_init(enum log_level level, FILE *out);
/* Parse "error", "warn", "info", "debug"; false when unknown. */
bool log_level_parse(const char *name, enum log_level *level_out);
bool log_enabled(enum log_level level);
void log_msg(const struct log_ctx *ctx, enum log_level level, const char *fmt, ...)
        ATTR_FORMAT(3, 4);

#define log_error(ctx, ...) log_at(ctx, LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(ctx, ...)  log_at(ctx, LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(ctx, ...)  log_at(ctx, LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(ctx, ...) log_at(ctx, LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_at(ctx, level, ...)                                                                   \
    do {                                                                                          \
        if (log_enabled(level)) {                                                                 \
            log_msg((ctx), (level), __VA_ARGS__);                                                 \
        }                                                                                         \
    } while (0)

#endif
