/*
 * strbuf.h: the two string kinds of Kith besides evbuffer (used for socket I/O only).
 *
 * struct str_view is borrowed: a pointer and a length into someone else's memory, not
 * NUL-terminated. Parsers hand out views into their input; the owner of that input decides
 * how long they live. struct strbuf is growable and always NUL-terminated; it lives in an
 * arena (so it is freed with it) and never fails (out of memory aborts, see arena.h).
 */
#ifndef KITH_STRBUF_H
#define KITH_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef ATTR_FORMAT
#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#endif

struct arena;

struct str_view {
    const char *ptr;
    size_t len;
};

#define STR_VIEW_LIT(s) ((struct str_view){ (s), sizeof(s) - 1 })
#define STR_VIEW_NULL   ((struct str_view){ NULL, 0 })
/* printf("%.*s", STR_VIEW_FMT(v)) */
#define STR_VIEW_FMT(v) (int)(v).len, (v).ptr

static inline struct str_view str_view_of(const char *s)
{
    return (struct str_view){ s, s ? strlen(s) : 0 };
}

static inline struct str_view str_view_make(const void *p, size_t len)
{
    return (struct str_view){ (const char *)p, len };
}

bool str_view_eq(struct str_view a, struct str_view b);
/* ASCII case-insensitive comparison (protocol tokens, property names). */
bool str_view_eq_nocase(struct str_view a, struct str_view b);
bool str_view_eq_cstr_nocase(struct str_view a, const char *s);
bool str_view_starts_with_nocase(struct str_view a, const char *prefix);
/* Copy into the arena with a NUL terminator. */
char *str_view_dup(struct arena *a, struct str_view v);

struct strbuf {
    struct arena *arena;
    char *ptr;     /* always NUL-terminated */
    size_t len;
    size_t cap;
};

/* Start an empty buffer with room for hint bytes. */
void strbuf_init(struct strbuf *sb, struct arena *a, size_t hint);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_append_cstr(struct strbuf *sb, const char *s);
void strbuf_append_view(struct strbuf *sb, struct str_view v);
void strbuf_append_char(struct strbuf *sb, char c);
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) ATTR_FORMAT(2, 3);
/* Escape &, <, >, " and ' for XML text and attribute values. */
void strbuf_append_xml_escaped(struct strbuf *sb, struct str_view v);
void strbuf_reset(struct strbuf *sb);
/* A string literal, its length known at compile time (no strlen per call). */
#define strbuf_append_lit(sb, s) strbuf_append((sb), (s), sizeof(s) - 1)
/* v in decimal, without printf (hot paths: one number per multistatus entry). */
void strbuf_append_u64(struct strbuf *sb, uint64_t v);
/* Cut back to len bytes (len <= sb->len): undo what was appended after a mark. */
void strbuf_truncate(struct strbuf *sb, size_t len);

static inline struct str_view strbuf_view(const struct strbuf *sb)
{
    return (struct str_view){ sb->ptr, sb->len };
}

#endif
