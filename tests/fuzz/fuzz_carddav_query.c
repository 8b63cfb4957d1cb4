/*
 * fuzz_carddav_query.c: an addressbook-query body through the safe XML reader, the filter
 * parser and the evaluator against a few fixed cards (3.0, 4.0, a group, one with
 * parameters and grouped lines), plus the address-data request of its <D:prop>.
 */
#include <stdint.h>
#include <stdlib.h>

#include "protocols/carddav/carddav-internal.h"
#include "src/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_cards[] = {
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:Anna Müller\r\nN:Müller;Anna;;;\r\n"
    "EMAIL;TYPE=INTERNET,WORK:anna@example.com\r\nTEL;TYPE=CELL:+49 151 2345678\r\n"
    "item1.X-ABLabel:Beach\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:b\r\nFN:Bob\r\nKIND:group\r\n"
    "MEMBER:urn:uuid:a\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nFN:ÇA\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
    "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:a\r\nNOTE:a\\nb\\,c\r\nEND:VCARD\r\n",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) {
        return 0;
    }
    struct arena *a = arena_new(0);
    struct dav_xml_node *root;
    if (dav_xml_parse(a, str_view_make(data, size), &root) == 0) {
        const struct dav_xml_node *filter = dav_xml_is(root, DAV_NS_CARDDAV, "filter")
                                                    ? root
                                                    : dav_xml_child(root, DAV_NS_CARDDAV, "filter");
        struct carddav_filter *f;
        const char *pre;
        if (filter != NULL && carddav_filter_parse(a, filter, &f, &pre) == 0) {
            for (size_t i = 0; i < sizeof(fuzz_cards) / sizeof(fuzz_cards[0]); i++) {
                struct vcard *card;
                struct vcard_error err;
                if (vcard_parse(a, str_view_of(fuzz_cards[i]), &vcard_default_limits, &card,
                                &err) != 0) {
                    abort();
                }
                (void)carddav_filter_match(a, f, card);
            }
        }
        const struct dav_xml_node *prop = dav_xml_child(root, DAV_NS_DAV, "prop");
        const struct dav_xml_node *ad =
                prop ? dav_xml_child(prop, DAV_NS_CARDDAV, "address-data") : NULL;
        struct carddav_data_req dq;
        if (carddav_data_req_parse(a, ad, &dq) == 0) {
            struct strbuf sb;
            strbuf_init(&sb, a, 512);
            (void)carddav_render(a, &vcard_default_limits, str_view_of(fuzz_cards[0]), &dq, &sb);
        }
    }
    arena_free(&a);
    return 0;
}
