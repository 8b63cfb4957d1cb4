#include "src/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "src/arena.h"

bool str_view_eq(struct str_view a, struct str_view b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_view_eq_nocase(struct str_view a, struct str_view b)
{
    return a.len == b.len && (a.len == 0 || strncasecmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_view_eq_cstr_nocase(struct str_view a, const char *s)
{
    return str_view_eq_nocase(a, str_view_of(s));
}

bool str_view_starts_with_nocase(struct str_view a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && strncasecmp(a.ptr, prefix, n) == 0;
}

char *str_view_dup(struct arena *a, struct str_view v)
{
    return arena_strndup(a, v.ptr, v.len);
}

void strbuf_init(struct strbuf *sb, struct arena *a, size_t hint)
{
    sb->arena = a;
    sb->cap = hint < 64 ? 64 : hint;
    sb->ptr = arena_alloc(a, sb->cap);
    sb->len = 0;
}

static void strbuf_reserve(struct strbuf *sb, size_t more)
{
    if (sb->len + more + 1 <= sb->cap) {
        return;
    }
    size_t cap = sb->cap * 2;
    while (cap < sb->len + more + 1) {
        cap *= 2;
    }
    /* The old block stays in the arena until it is freed: cheap, and views stay valid. */
    char *p = arena_alloc(sb->arena, cap);
    memcpy(p, sb->ptr, sb->len);
    sb->ptr = p;
    sb->cap = cap;
}

void strbuf_append(struct strbuf *sb, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }
    strbuf_reserve(sb, len);
    memcpy(sb->ptr + sb->len, data, len);
    sb->len += len;
    sb->ptr[sb->len] = '\0';
}

void strbuf_append_cstr(struct strbuf *sb, const char *s)
{
    strbuf_append(sb, s, strlen(s));
}

void strbuf_append_view(struct strbuf *sb, struct str_view v)
{
    strbuf_append(sb, v.ptr, v.len);
}

void strbuf_append_char(struct strbuf *sb, char c)
{
    if (sb->len + 2 > sb->cap) {
        strbuf_reserve(sb, 1);
    }
    sb->ptr[sb->len++] = c;
    sb->ptr[sb->len] = '\0';
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sb->ptr + sb->len, sb->cap - sb->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n >= sb->cap - sb->len) {
        strbuf_reserve(sb, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(sb->ptr + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
    }
    sb->len += (size_t)n;
}

/* The bytes XML text and attribute values must escape; everything else is copied in runs. */
static const char *const strbuf_xml_rep[256] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&apos;",
};

void strbuf_append_xml_escaped(struct strbuf *sb, struct str_view v)
{
    if (v.len == 0) {
        return; /* v.ptr may be NULL: no arithmetic on it */
    }
    size_t start = 0;
    for (size_t i = 0; i < v.len; i++) {
        const char *rep = strbuf_xml_rep[(unsigned char)v.ptr[i]];
        if (rep == NULL) {
            continue;
        }
        strbuf_append(sb, v.ptr + start, i - start);
        strbuf_append(sb, rep, strlen(rep));
        start = i + 1;
    }
    strbuf_append(sb, v.ptr + start, v.len - start);
}

void strbuf_append_u64(struct strbuf *sb, uint64_t v)
{
    char digits[20];
    size_t n = sizeof(digits);
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    strbuf_append(sb, digits + n, sizeof(digits) - n);
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->ptr[len] = '\0';
    }
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    sb->ptr[0] = '\0';
}
