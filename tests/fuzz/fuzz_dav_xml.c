/*
 * fuzz_dav_xml.c: the DAV body readers over arbitrary bytes. Each input is read as a
 * PROPFIND, PROPPATCH, extended MKCOL and REPORT body; none may crash, expand entities or
 * break the limits, and every PROPPATCH value it accepts must parse back to an element of
 * the same (namespace, name).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/webdav/dav-internal.h"
#include "src/arena.h"
#include "src/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_values(struct arena *a, const struct dav_proppatch *pp)
{
    for (size_t i = 0; i < pp->n_ops; i++) {
        if (pp->ops[i].remove) {
            continue;
        }
        struct dav_xml_node *back;
        if (dav_xml_parse(a, pp->ops[i].value, &back) != 0 ||
            !str_view_eq(back->ns, pp->ops[i].qname.ns) ||
            !str_view_eq(back->name, pp->ops[i].qname.name)) {
            abort(); /* a stored dead property must read back as itself */
        }
    }
}

static size_t fuzz_depth(const struct dav_xml_node *n)
{
    size_t max = 0;
    for (const struct dav_xml_node *c = n->children; c != NULL; c = c->next) {
        size_t d = fuzz_depth(c);
        max = d > max ? d : max;
    }
    return max + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena *a = arena_new(0);
    struct str_view body = str_view_make(data, size);
    struct dav_propfind pf;
    struct dav_proppatch pp;
    struct dav_mkcol mk;
    struct dav_xml_node *root;
    dav_xml_propfind(a, body, &pf);
    if (dav_xml_proppatch(a, body, &pp) == 0) {
        fuzz_check_values(a, &pp);
    }
    dav_xml_mkcol(a, body, &mk);
    if (dav_xml_parse(a, body, &root) == 0) {
        /* REPORT: handlers walk the tree; element depth plus text leaves stay bounded */
        if (fuzz_depth(root) > DAV_XML_MAX_DEPTH + 1) {
            abort();
        }
        (void)dav_xml_text(a, root);
    }
    arena_free(&a);
    return 0;
}
