#include "src/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static enum log_level log_threshold = LOG_LEVEL_INFO;
static FILE *log_out;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void log_init(enum log_level level, FILE *out)
{
    log_threshold = level;
    log_out = out;
}

bool log_level_parse(const char *name, enum log_level *level_out)
{
    for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
        if (strcmp(name, log_names[i]) == 0) {
            *level_out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

bool log_enabled(enum log_level level)
{
    return level <= log_threshold;
}

void log_msg(const struct log_ctx *ctx, enum log_level level, const char *fmt, ...)
{
    FILE *out = log_out ? log_out : stderr;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);

    /* One buffered write per line so concurrent writers (the import and the server sharing
     * a terminal) do not interleave mid-line. */
    char line[4096];
    int n = snprintf(line, sizeof(line), "%s %s", stamp, log_names[level]);
    if (ctx != NULL && ctx->conn && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " conn=%lu", ctx->conn);
    }
    if (ctx != NULL && ctx->req && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " req=%lu", ctx->req);
    }
    if (ctx != NULL && ctx->user && n > 0 && (size_t)n < sizeof(line)) {
        n += snprintf(line + n, sizeof(line) - (size_t)n, " user=%s", ctx->user);
    }
    if (n > 0 && (size_t)n < sizeof(line) - 1) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        if (m > 0) {
            n += m;
        }
    }
    if (n < 0 || (size_t)n >= sizeof(line) - 1) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    fwrite(line, 1, (size_t)n, out);
    fflush(out);
}
