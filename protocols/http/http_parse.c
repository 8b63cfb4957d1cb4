#include "protocols/http/http-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "src/arena.h"
#include "src/err.h"

const char *http_header(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->header_count; i++) {
        if (strcasecmp(req->headers[i].name, name) == 0) {
            return req->headers[i].value;
        }
    }
    return NULL;
}

/* RFC 7230 5.3: origin-form "/path?query", absolute-form "http://host/path?query" (which
 * proxies send and servers must accept), asterisk-form "*" (OPTIONS). */
int http_target_split(struct str_view target, struct str_view *path_out, struct str_view *query_out)
{
    const char *p = target.ptr;
    const char *end = target.ptr + target.len;
    *path_out = STR_VIEW_NULL;
    *query_out = STR_VIEW_NULL;
    if (target.len == 1 && p[0] == '*') {
        *path_out = target;
        return 0;
    }
    if (target.len == 0) {
        return ERR_INVAL;
    }
    if (p[0] != '/') {
        const char *scheme_end = memchr(p, ':', target.len);
        if (scheme_end == NULL || end - scheme_end < 3 || scheme_end[1] != '/' ||
            scheme_end[2] != '/') {
            return ERR_INVAL;
        }
        p = memchr(scheme_end + 3, '/', (size_t)(end - scheme_end - 3));
        if (p == NULL) {
            *path_out = STR_VIEW_LIT("/");
            return 0;
        }
    }
    const char *q = p;
    while (q < end && *q != '?' && *q != '#') {
        q++;
    }
    *path_out = str_view_make(p, (size_t)(q - p));
    if (q < end && *q == '?') {
        const char *frag = memchr(q + 1, '#', (size_t)(end - q - 1));
        *query_out = str_view_make(q + 1, (size_t)((frag ? frag : end) - q - 1));
    }
    return 0;
}

static int http_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Segment "." or ".." after decoding: a traversal no client legitimately sends (RFC 3986
 * 5.2.4 removes them before sending). */
static bool http_is_dot_segment(const char *seg, size_t len)
{
    return (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.');
}

int http_path_decode(struct arena *a, struct str_view raw, const char **path_out)
{
    *path_out = NULL;
    if (raw.len == 1 && raw.ptr[0] == '*') {
        *path_out = "*";
        return 0;
    }
    if (raw.len == 0 || raw.ptr[0] != '/') {
        return ERR_INVAL;
    }
    char *out = arena_alloc(a, raw.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (c == '%') {
            int hi = i + 2 < raw.len ? http_hex(raw.ptr[i + 1]) : -1;
            int lo = hi >= 0 ? http_hex(raw.ptr[i + 2]) : -1;
            if (lo < 0) {
                return ERR_INVAL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            return ERR_INVAL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    const char *seg = out + 1;
    for (const char *p = out + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            if (http_is_dot_segment(seg, (size_t)(p - seg))) {
                return ERR_INVAL;
            }
            if (*p == '\0') {
                break;
            }
            seg = p + 1;
        }
    }
    *path_out = out;
    return 0;
}

static int http_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* Standard base64 (RFC 4648 4), '=' padding optional; ERR_INVAL on any other byte. */
static int http_b64_decode(struct arena *a, const char *in, size_t len, char **out_r, size_t *len_r)
{
    while (len > 0 && in[len - 1] == '=') {
        len--;
    }
    char *out = arena_alloc(a, len * 3 / 4 + 1);
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = http_b64_value((unsigned char)in[i]);
        if (v < 0) {
            return ERR_INVAL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    if (bits >= 6) {
        return ERR_INVAL; /* a lone sixth bit group: truncated input */
    }
    out[n] = '\0';
    *out_r = out;
    *len_r = n;
    return 0;
}

/* RFC 7617: "Basic" SP base64(user-id ":" password); the user-id has no ':'. */
int http_basic_decode(struct arena *a, const char *authorization, const char **user_out,
                      const char **password_out)
{
    *user_out = *password_out = NULL;
    if (authorization == NULL || strncasecmp(authorization, "Basic", 5) != 0 ||
        (authorization[5] != ' ' && authorization[5] != '\t')) {
        return ERR_INVAL;
    }
    const char *b = authorization + 6;
    while (*b == ' ' || *b == '\t') {
        b++;
    }
    size_t blen = strlen(b);
    while (blen > 0 && (b[blen - 1] == ' ' || b[blen - 1] == '\t')) {
        blen--;
    }
    char *plain;
    size_t plen;
    if (http_b64_decode(a, b, blen, &plain, &plen) != 0 || memchr(plain, '\0', plen) != NULL) {
        return ERR_INVAL;
    }
    char *colon = strchr(plain, ':');
    if (colon == NULL || colon == plain) {
        return ERR_INVAL;
    }
    for (const char *p = plain; p < colon; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return ERR_INVAL;
        }
    }
    *colon = '\0';
    *user_out = plain;
    *password_out = colon + 1;
    return 0;
}

/* Comma-separated tokens, case-insensitive (Connection, Expect). */
bool http_token_list_has(const char *list, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = list;
    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        const char *e = p;
        while (*e != '\0' && *e != ',') {
            e++;
        }
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) {
            t--;
        }
        if ((size_t)(t - p) == tlen && strncasecmp(p, token, tlen) == 0) {
            return true;
        }
        p = e;
    }
    return false;
}

static bool http_addr_parse(const char *text, struct in6_addr *out)
{
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        memset(out, 0, sizeof(*out));
        out->s6_addr[10] = out->s6_addr[11] = 0xff;
        memcpy(&out->s6_addr[12], &v4, 4);
        return true;
    }
    return inet_pton(AF_INET6, text, out) == 1;
}

int http_trusted_parse(const char *list, struct in6_addr *out, size_t max, size_t *count_out)
{
    *count_out = 0;
    const char *p = list ? list : "";
    while (*p != '\0') {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        size_t n = strcspn(p, ", ");
        if (n == 0) {
            break;
        }
        char one[64];
        if (n >= sizeof(one) || *count_out == max) {
            return ERR_INVAL;
        }
        memcpy(one, p, n);
        one[n] = '\0';
        if (!http_addr_parse(one, &out[*count_out])) {
            return ERR_INVAL;
        }
        (*count_out)++;
        p += n;
    }
    return 0;
}

bool http_trusted_has(const struct http_server *hs, const char *peer)
{
    struct in6_addr a;
    if (hs->ntrusted == 0 || !http_addr_parse(peer, &a)) {
        return false;
    }
    for (size_t i = 0; i < hs->ntrusted; i++) {
        if (memcmp(&a, &hs->trusted[i], sizeof(a)) == 0) {
            return true;
        }
    }
    return false;
}
