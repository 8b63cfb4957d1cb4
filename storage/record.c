#include "storage/record.h"

#include <string.h>

#include "src/arena.h"

void rec_writer_init(struct rec_writer *w, struct arena *a)
{
    strbuf_init(&w->sb, a, 256);
}

void rec_put(struct rec_writer *w, uint8_t tag, struct str_view v)
{
    uint8_t hdr[11];
    size_t n = 0;
    hdr[n++] = tag;
    size_t len = v.len;
    do {
        uint8_t b = len & 0x7f;
        len >>= 7;
        hdr[n++] = b | (len ? 0x80 : 0);
    } while (len);
    strbuf_append(&w->sb, hdr, n);
    strbuf_append(&w->sb, v.ptr, v.len);
}

void rec_put_u64(struct rec_writer *w, uint8_t tag, uint64_t v)
{
    uint8_t b[8];
    store_be64_put(b, v);
    rec_put(w, tag, str_view_make(b, 8));
}

void rec_reader_init(struct rec_reader *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
}

bool rec_next(struct rec_reader *r, uint8_t *tag_out, struct str_view *value_out)
{
    if (r->p >= r->end) {
        return false;
    }
    uint8_t tag = *r->p++;
    uint64_t len = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (r->p >= r->end || shift > 56) {
            r->p = r->end;
            return false;
        }
        uint8_t b = *r->p++;
        len |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            break;
        }
    }
    if (len > (uint64_t)(r->end - r->p)) {
        r->p = r->end;
        return false;
    }
    *tag_out = tag;
    *value_out = str_view_make(r->p, (size_t)len);
    r->p += len;
    return true;
}

uint64_t rec_u64(struct str_view v)
{
    return v.len == 8 ? store_be64_get((const uint8_t *)v.ptr) : 0;
}

void store_be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t store_be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

void rec_decode(struct str_view v, const struct rec_field *fields, size_t n, void *out)
{
    struct rec_reader r;
    rec_reader_init(&r, v.ptr, v.len);
    uint8_t tag;
    struct str_view f;
    while (rec_next(&r, &tag, &f)) {
        for (size_t i = 0; i < n; i++) {
            if (fields[i].tag != tag) {
                continue;
            }
            char *dst = (char *)out + fields[i].offset;
            uint64_t u = rec_u64(f);
            switch (fields[i].kind) {
            case REC_VIEW:
                memcpy(dst, &f, sizeof(f));
                break;
            case REC_U64:
                memcpy(dst, &u, sizeof(u));
                break;
            case REC_U32: {
                uint32_t u32 = (uint32_t)u;
                memcpy(dst, &u32, sizeof(u32));
                break;
            }
            case REC_INT: {
                int iv = (int)u;
                memcpy(dst, &iv, sizeof(iv));
                break;
            }
            case REC_ID:
                if (f.len == 16) {
                    memcpy(dst, f.ptr, 16);
                }
                break;
            }
            break;
        }
    }
}
