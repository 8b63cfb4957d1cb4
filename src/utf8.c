#include "src/utf8.h"

#include <locale.h>
#include <stdint.h>
#include <wctype.h>

#include "src/arena.h"

/* Decode one code point at p (n bytes available); returns its length, 0 if invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_out)
{
    uint32_t cp;
    size_t len;
    if (p[0] < 0x80) {
        *cp_out = p[0];
        return 1;
    } else if ((p[0] & 0xe0) == 0xc0) {
        cp = p[0] & 0x1f;
        len = 2;
    } else if ((p[0] & 0xf0) == 0xe0) {
        cp = p[0] & 0x0f;
        len = 3;
    } else if ((p[0] & 0xf8) == 0xf0) {
        cp = p[0] & 0x07;
        len = 4;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min_for_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    *cp_out = cp;
    return len;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

bool utf8_valid(struct str_view v)
{
    const unsigned char *p = (const unsigned char *)v.ptr;
    size_t i = 0;
    while (i < v.len) {
        uint32_t cp;
        size_t n = utf8_decode(p + i, v.len - i, &cp);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

static locale_t utf8_locale(void)
{
    /* Created once and kept for the process: a locale_t is immutable and thread-safe. */
    static locale_t loc;
    if (loc == (locale_t)0) {
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return loc;
}

void utf8_casefold_append(struct strbuf *sb, struct str_view v)
{
    const unsigned char *p = (const unsigned char *)v.ptr;
    locale_t loc = utf8_locale();
    size_t i = 0;
    while (i < v.len) {
        if (p[i] < 0x80) {
            char c = (char)p[i];
            strbuf_append_char(sb, (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(p + i, v.len - i, &cp);
        if (n == 0) {
            strbuf_append(sb, p + i, 1);
            i++;
            continue;
        }
        uint32_t lower = loc != (locale_t)0 ? (uint32_t)towlower_l((wint_t)cp, loc) : cp;
        char enc[4];
        strbuf_append(sb, enc, utf8_encode(lower, enc));
        i += n;
    }
}

struct str_view utf8_casefold(struct arena *a, struct str_view v)
{
    struct strbuf sb;
    strbuf_init(&sb, a, v.len + 8);
    utf8_casefold_append(&sb, v);
    return strbuf_view(&sb);
}

size_t utf8_cut(struct str_view v, size_t max)
{
    if (v.len <= max) {
        return v.len;
    }
    size_t n = max;
    /* Step back over continuation bytes to the start of the cut sequence. */
    while (n > 0 && ((unsigned char)v.ptr[n] & 0xc0) == 0x80) {
        n--;
    }
    return n;
}
