/*
 * record.h: the tagged record format of store values. Private to storage/.
 *
 * A record is a sequence of fields: one byte tag, a LEB128 length, then the bytes. Integers
 * are written as 8-byte big-endian fields. Readers look fields up by tag and skip tags they
 * do not know, so adding a field never needs a migration. Repeated fields (e-mails, phones)
 * are the same tag written several times, in order.
 */
#ifndef KITH_STORE_RECORD_H
#define KITH_STORE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/strbuf.h"

struct rec_writer {
    struct strbuf sb;
};

void rec_writer_init(struct rec_writer *w, struct arena *a);
void rec_put(struct rec_writer *w, uint8_t tag, struct str_view v);
void rec_put_u64(struct rec_writer *w, uint8_t tag, uint64_t v);

struct rec_reader {
    const uint8_t *p;
    const uint8_t *end;
};

void rec_reader_init(struct rec_reader *r, const void *data, size_t len);
/* Next field; false at the end or on a malformed record (then *bad is set if non-NULL). */
bool rec_next(struct rec_reader *r, uint8_t *tag_out, struct str_view *value_out);
uint64_t rec_u64(struct str_view v);

/* Table-driven decoding: each field names a tag, how its bytes are read and where they go
 * in the output struct. Tags not in the table are skipped (forward compatibility). */
enum rec_kind {
    REC_VIEW, /* struct str_view pointing into the record */
    REC_U64,  /* uint64_t */
    REC_U32,  /* uint32_t */
    REC_INT,  /* an enum stored as its int value */
    REC_ID,   /* 16 bytes copied (entity ids); ignored when of another length */
};

struct rec_field {
    uint8_t tag;
    enum rec_kind kind;
    size_t offset;
};

#define REC_FIELD(tag, kind, type, member) { (tag), (kind), offsetof(type, member) }

void rec_decode(struct str_view v, const struct rec_field *fields, size_t n, void *out);

/* Big-endian helpers for keys. */
void store_be64_put(uint8_t *p, uint64_t v);
uint64_t store_be64_get(const uint8_t *p);

#endif
