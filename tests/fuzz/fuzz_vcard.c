/*
 * fuzz_vcard.c: vcard_parse_stream over arbitrary bytes; every card that parses is written
 * in its own version and converted to 3.0 and 4.0, and each output must parse again
 * (writer and converter never produce a card the parser refuses). Conversions can add
 * lines (ANNIVERSARY -> X-ABDATE + X-ABLabel), so the re-parse gets roomier limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/arena.h"
#include "src/formats/vcard.h"
#include "src/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_vcard_reparse(struct arena *a, const struct vcard *card, enum vcard_version v)
{
    static const struct vcard_limits roomy = { 256u << 10, 16u << 20, 10000 };
    const struct vcard *out = vcard_convert(a, card, v);
    struct strbuf sb;
    strbuf_init(&sb, a, 1024);
    vcard_write(out, &sb);
    struct vcard *again = NULL;
    struct vcard_error err;
    if (vcard_parse(a, strbuf_view(&sb), &roomy, &again, &err) != 0) {
        fprintf(stderr, "output of version %d does not parse: %s\n%s\n", (int)v, err.message,
                sb.ptr);
        abort();
    }
    if (again->version != out->version || again->n_props != out->n_props) {
        fprintf(stderr, "re-parse changed the card (%zu vs %zu props)\n%s\n", again->n_props,
                out->n_props, sb.ptr);
        abort();
    }
}

static int fuzz_vcard_card(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    struct arena *a = ctx;
    if (card == NULL) {
        return err->message[0] == '\0' ? -1 : 0; /* every skip must say why */
    }
    fuzz_vcard_reparse(a, card, card->version);
    fuzz_vcard_reparse(a, card, VCARD_V30);
    fuzz_vcard_reparse(a, card, VCARD_V40);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    if (vcard_parse_stream(a, str_view_make(data, size), NULL, fuzz_vcard_card, a) != 0) {
        abort();
    }
    struct vcard *card = NULL;
    struct vcard_error err;
    (void)vcard_parse(a, str_view_make(data, size), NULL, &card, &err);
    arena_free(&a);
    return 0;
}
