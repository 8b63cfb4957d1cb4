/*
 * phone.c: digits-only and E.164 forms of telephone numbers as typed (rules in phone.h).
 */
#include "src/phone.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Longer digit runs are not telephone numbers; E.164 has 15 plus at most a 3-digit prefix. */
#define PHONE_SCAN_MAX 32

struct phone_scan {
    char d[PHONE_SCAN_MAX];
    size_t n;
    bool plus;
    bool has_paren_zero; /* "(0)" seen; its digit is not in d */
    size_t paren_zero_at;
};

static bool phone_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool phone_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the separator at p (ASCII or one of the UTF-8 spaces and dashes that word
 * processors and phones put into numbers), 0 when p is not one. */
static size_t phone_separator_len(const unsigned char *p, size_t left)
{
    if (p[0] != '\0' && strchr(" \t-./()", p[0]) != NULL) {
        return 1;
    }
    if (left >= 2 && p[0] == 0xC2 && p[1] == 0xA0) {
        return 2; /* U+00A0 no-break space */
    }
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
        (p[2] <= 0x8A || (p[2] >= 0x90 && p[2] <= 0x95) || p[2] == 0xAF)) {
        return 3; /* U+2000..200A spaces, U+2010..2015 dashes, U+202F narrow no-break space */
    }
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x88 && p[2] == 0x92) {
        return 3; /* U+2212 minus sign */
    }
    return 0;
}

/* True when p (at a letter) starts an extension: "x", "ext", "extn" or "extension", an
 * optional '.' and ':', then digits (blanks and dashes allowed) to the end. */
static bool phone_is_extension(const char *p, size_t left)
{
    static const char *const words[] = { "extension", "extn", "ext", "x" };
    size_t w = 0;
    while (w < left && phone_is_alpha(p[w])) {
        w++;
    }
    bool known = false;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        known = known || (strlen(words[i]) == w && strncasecmp(p, words[i], w) == 0);
    }
    if (!known) {
        return false;
    }
    size_t i = w;
    i += i < left && p[i] == '.';
    i += i < left && p[i] == ':';
    size_t digits = 0;
    for (; i < left; i++) {
        if (phone_is_digit(p[i])) {
            digits++;
        } else if (p[i] != ' ' && p[i] != '\t' && p[i] != '-') {
            return false;
        }
    }
    return digits > 0;
}

/* Collect the digits of the main number; false when a character rules it out. */
static bool phone_scan(struct str_view v, struct phone_scan *s)
{
    const unsigned char *p = (const unsigned char *)v.ptr;
    size_t i = 0;
    memset(s, 0, sizeof(*s));
    while (i < v.len) {
        size_t sep;
        char c = (char)p[i];
        if (phone_is_digit(c)) {
            if (s->n == PHONE_SCAN_MAX) {
                return false;
            }
            s->d[s->n++] = c;
            i++;
        } else if (c == '(' && i + 2 < v.len && p[i + 1] == '0' && p[i + 2] == ')' &&
                   !s->has_paren_zero) {
            s->has_paren_zero = true;
            s->paren_zero_at = s->n;
            i += 3;
        } else if ((sep = phone_separator_len(p + i, v.len - i)) > 0) {
            i += sep;
        } else if (c == '+' && s->n == 0 && !s->plus) {
            s->plus = true;
            i++;
        } else if (phone_is_alpha(c) && phone_is_extension(v.ptr + i, v.len - i)) {
            return true;
        } else {
            return false;
        }
    }
    return true;
}

size_t phone_digits(struct str_view number, char *out, size_t out_size)
{
    size_t n = 0;
    if (out_size == 0) {
        return 0;
    }
    for (size_t i = 0; i < number.len; i++) {
        if (!phone_is_digit(number.ptr[i])) {
            continue;
        }
        if (n + 1 >= out_size) {
            out[0] = '\0';
            return 0;
        }
        out[n++] = number.ptr[i];
    }
    out[n] = '\0';
    return n;
}

static struct str_view phone_trim(struct str_view v)
{
    while (v.len > 0 && (v.ptr[0] == ' ' || v.ptr[0] == '\t')) {
        v.ptr++;
        v.len--;
    }
    while (v.len > 0 && v.ptr[v.len - 1] != '\0' && strchr(" \t\r\n", v.ptr[v.len - 1]) != NULL) {
        v.len--;
    }
    return v;
}

/* RFC 3966: "tel:" number *( ";" par ). Strips the scheme and the parameters from v and
 * collects the digits of a global "phone-context=+..." into ctx (ctx->n == 0 when none);
 * false when the context is a domain name, which gives no country. */
static bool phone_tel_uri(struct str_view *v, struct phone_scan *ctx)
{
    const char *semi = memchr(v->ptr, ';', v->len);
    struct str_view params = STR_VIEW_NULL;
    memset(ctx, 0, sizeof(*ctx));
    if (semi != NULL) {
        params = str_view_make(semi, v->len - (size_t)(semi - v->ptr));
        v->len = (size_t)(semi - v->ptr);
    }
    static const char key[] = ";phone-context=";
    for (size_t i = 0; i + sizeof(key) - 1 <= params.len; i++) {
        if (strncasecmp(params.ptr + i, key, sizeof(key) - 1) != 0) {
            continue;
        }
        struct str_view val = str_view_make(params.ptr + i + sizeof(key) - 1, 0);
        while (val.ptr + val.len < params.ptr + params.len && val.ptr[val.len] != ';') {
            val.len++;
        }
        if (val.len == 0 || val.ptr[0] != '+') {
            return false;
        }
        return phone_scan(val, ctx) && ctx->n > 0;
    }
    return true;
}

static bool phone_starts_with(const char *d, size_t n, const char *prefix)
{
    size_t len = strlen(prefix);
    return len <= n && memcmp(d, prefix, len) == 0;
}

/* Rules 5 and 6: national and international forms to E.164 digits in e. */
static bool phone_to_e164(const struct phone_scan *s, const char *cc, const char *trunk, char *e,
                          size_t *e_len)
{
    const char *intl = strcmp(cc, "1") == 0 ? "011" : "00";
    const char *d = s->d;
    size_t n = s->n, prefix_len = 0;
    char national[PHONE_SCAN_MAX + 1];

    if (s->plus || phone_starts_with(d, n, intl)) {
        size_t skip = s->plus ? 0 : strlen(intl);
        memcpy(e, d + skip, n - skip);
        *e_len = n - skip;
        return true;
    }
    if (s->has_paren_zero) {
        /* Written "(0)30 ..." for a national reader: the zero is a real digit here. */
        memcpy(national, d, s->paren_zero_at);
        national[s->paren_zero_at] = '0';
        memcpy(national + s->paren_zero_at + 1, d + s->paren_zero_at, n - s->paren_zero_at);
        d = national;
        n++;
    }
    if (cc[0] == '\0' || strspn(cc, "0123456789") != strlen(cc)) {
        return false;
    }
    if (trunk[0] != '\0' && phone_starts_with(d, n, trunk)) {
        prefix_len = strlen(trunk);
    } else if (trunk[0] != '\0' && !(strcmp(cc, "1") == 0 && n == 10)) {
        return false; /* a local number without its area code */
    }
    size_t cc_len = strlen(cc);
    if (cc_len + n - prefix_len > PHONE_E164_MAX) {
        return false;
    }
    memcpy(e, cc, cc_len);
    memcpy(e + cc_len, d + prefix_len, n - prefix_len);
    *e_len = cc_len + n - prefix_len;
    return true;
}

size_t phone_e164(struct str_view number, const char *country_code, const char *trunk_prefix,
                  char *out, size_t out_size)
{
    struct phone_scan s, ctx = { .n = 0 };
    char e[2 * PHONE_SCAN_MAX + 8];
    size_t len = 0;
    const char *cc = country_code ? country_code : "";
    const char *trunk = trunk_prefix ? trunk_prefix : "";

    if (out_size > 0) {
        out[0] = '\0';
    }
    number = phone_trim(number);
    if (number.len >= 4 && strncasecmp(number.ptr, "tel:", 4) == 0) {
        number.ptr += 4;
        number.len -= 4;
        if (!phone_tel_uri(&number, &ctx)) {
            return 0;
        }
    } else {
        size_t cut = 0;
        while (cut < number.len && number.ptr[cut] != ',' && number.ptr[cut] != ';') {
            cut++;
        }
        number.len = cut;
    }
    if (!phone_scan(number, &s) || s.n < 3) {
        return 0;
    }
    if (ctx.n > 0 && !s.plus) {
        /* RFC 3966 5.1.5: a local number is completed by its global context. */
        memcpy(e, ctx.d, ctx.n);
        memcpy(e + ctx.n, s.d, s.n);
        len = ctx.n + s.n;
    } else if (!phone_to_e164(&s, cc, trunk, e, &len)) {
        return 0;
    }
    if (len == 0 || len > PHONE_E164_MAX || e[0] == '0' || len + 1 > out_size) {
        return 0;
    }
    memcpy(out, e, len);
    out[len] = '\0';
    return len;
}
