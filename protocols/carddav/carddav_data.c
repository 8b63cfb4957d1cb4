/*
 * carddav_data.c: address-data (RFC 6352 10.4): which version and which properties a
 * client asks for, and the rendering of a stored card for it.
 *
 * MAPPING.md decision 2, "bytes in, bytes out": a card is stored exactly as PUT, and
 * served as those bytes when its version is asked for. Another version is a conversion
 * (src/formats/vcard_convert.c). Without a version the answer is 3.0 (MAPPING.md 2.1:
 * iOS/macOS never ask and speak 3.0 only).
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>
#include <strings.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

void carddav_limits(const struct kith_config *cfg, struct vcard_limits *out)
{
    out->max_line = (size_t)cfg->vcard_max_line;
    out->max_card = (size_t)cfg->vcard_max_card;
    out->max_props = cfg->vcard_max_props;
}

static enum vcard_version carddav_version_of(struct str_view v)
{
    if (str_view_eq(v, STR_VIEW_LIT("4.0"))) {
        return VCARD_V40;
    }
    if (str_view_eq(v, STR_VIEW_LIT("3.0"))) {
        return VCARD_V30;
    }
    return str_view_eq(v, STR_VIEW_LIT("2.1")) ? VCARD_V21 : 0;
}

enum vcard_version carddav_body_version(struct str_view body)
{
    /* VERSION follows BEGIN in every card we store; look at the first lines only. */
    size_t scan = body.len < 4096 ? body.len : 4096;
    for (size_t i = 0; i + 11 <= scan; i++) {
        if ((i == 0 || body.ptr[i - 1] == '\n') && strncasecmp(body.ptr + i, "VERSION:", 8) == 0) {
            enum vcard_version v = carddav_version_of(str_view_make(body.ptr + i + 8, 3));
            return v != 0 ? v : VCARD_V30;
        }
    }
    return VCARD_V30;
}

enum vcard_version carddav_accept_version(const char *accept)
{
    if (accept == NULL) {
        return 0;
    }
    /* "text/vcard; version=4.0" (RFC 6350 10.1); the first vCard entry with a version. */
    for (const char *p = accept; (p = strcasestr(p, "version=")) != NULL; p += 8) {
        const char *v = p + 8;
        if (*v == '"') {
            v++;
        }
        enum vcard_version ver = carddav_version_of(str_view_make(v, strnlen(v, 3)));
        if (ver == VCARD_V30 || ver == VCARD_V40) {
            return ver;
        }
    }
    return 0;
}

static bool carddav_type_ok(struct str_view ct)
{
    /* text/vcard, also with parameters; text/x-vcard is the pre-RFC 6350 spelling. */
    size_t n = 0;
    while (n < ct.len && ct.ptr[n] != ';' && ct.ptr[n] != ' ') {
        n++;
    }
    struct str_view base = str_view_make(ct.ptr, n);
    return ct.len == 0 || str_view_eq_cstr_nocase(base, "text/vcard") ||
           str_view_eq_cstr_nocase(base, "text/x-vcard");
}

static void carddav_sel_add(struct arena *a, struct carddav_data_req *out, size_t *cap,
                            struct carddav_sel sel)
{
    if (out->n_props == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct carddav_sel *v = arena_new_array(a, struct carddav_sel, ncap);
        if (out->n_props) {
            memcpy(v, out->props, out->n_props * sizeof(*v));
        }
        out->props = v;
        *cap = ncap;
    }
    out->props[out->n_props++] = sel;
}

int carddav_data_req_parse(struct arena *a, const struct dav_xml_node *elem,
                           struct carddav_data_req *out)
{
    memset(out, 0, sizeof(*out));
    out->version = VCARD_V30;
    if (elem == NULL) {
        return 0;
    }
    /* dav_xml_attr ignores case: vdirsyncer writes Content-Type (CLIENTS.md A1). */
    if (!carddav_type_ok(dav_xml_attr(elem, "content-type"))) {
        return ERR_UNSUPPORTED;
    }
    struct str_view ver = dav_xml_attr(elem, "version");
    if (ver.len > 0) {
        out->version = carddav_version_of(ver);
        if (out->version != VCARD_V30 && out->version != VCARD_V40) {
            return ERR_UNSUPPORTED;
        }
    }
    size_t cap = 0;
    bool all = false;
    for (const struct dav_xml_node *c = dav_xml_child(elem, DAV_NS_CARDDAV, NULL); c != NULL;
         c = dav_xml_next(c)) {
        if (dav_xml_is(c, DAV_NS_CARDDAV, "allprop")) {
            all = true;
        } else if (dav_xml_is(c, DAV_NS_CARDDAV, "prop")) {
            struct carddav_sel sel = { dav_xml_attr(c, "name"),
                                       str_view_eq_cstr_nocase(dav_xml_attr(c, "novalue"), "yes") };
            if (sel.name.len > 0) {
                carddav_sel_add(a, out, &cap, sel);
            }
        }
    }
    if (all) {
        out->props = NULL;
        out->n_props = 0;
    }
    return 0;
}

static const struct carddav_sel *carddav_sel_find(const struct carddav_data_req *dq,
                                                  struct str_view name)
{
    for (size_t i = 0; i < dq->n_props; i++) {
        if (str_view_eq_nocase(dq->props[i].name, name)) {
            return &dq->props[i];
        }
    }
    return NULL;
}

/* RFC 6352 10.4.2: only the named properties; novalue keeps the name with an empty value. */
static struct vcard *carddav_select(struct arena *a, const struct vcard *card,
                                    const struct carddav_data_req *dq)
{
    struct vcard *out = arena_new_obj(a, struct vcard);
    *out = *card;
    out->props = arena_new_array(a, struct vcard_prop, card->n_props ? card->n_props : 1);
    out->n_props = 0;
    for (size_t i = 0; i < card->n_props; i++) {
        const struct carddav_sel *sel = carddav_sel_find(dq, card->props[i].name);
        if (sel == NULL) {
            continue;
        }
        struct vcard_prop *p = &out->props[out->n_props++];
        *p = card->props[i];
        if (sel->novalue) {
            p->value = STR_VIEW_LIT("");
            p->raw = STR_VIEW_NULL; /* composed again from the parts */
        }
    }
    return out;
}

int carddav_render(struct arena *a, const struct vcard_limits *limits, struct str_view body,
                   const struct carddav_data_req *dq, struct strbuf *out)
{
    if (dq->props == NULL && carddav_body_version(body) == dq->version) {
        strbuf_append_view(out, body);
        return 0;
    }
    struct vcard *card;
    struct vcard_error verr;
    int rc = vcard_parse(a, body, limits, &card, &verr);
    if (rc != 0) {
        return ERR_INVAL;
    }
    carddav_render_card(a, card, dq, out);
    return 0;
}

void carddav_render_card(struct arena *a, const struct vcard *parsed,
                         const struct carddav_data_req *dq, struct strbuf *out)
{
    const struct vcard *card = parsed; /* converted and selected into copies only */
    if (card->version != dq->version) {
        card = vcard_convert(a, card, dq->version);
    }
    if (dq->props != NULL) {
        card = carddav_select(a, card, dq);
    }
    vcard_write(card, out);
}

bool carddav_address_data(void *ctx, const struct dav_prop_ctx *pc, const struct dav_xml_node *elem,
                          struct strbuf *sb)
{
    const struct carddav_parsed *parsed = ctx;
    const struct dav_target *t = pc->target;
    struct carddav_data_req dq;
    if (t->path.node != DAV_NODE_RESOURCE || carddav_data_req_parse(pc->a, elem, &dq) != 0) {
        return false;
    }
    struct store_resource r = t->res;
    if (r.body.ptr == NULL && store_resource_get(pc->txn, t->coll.id, t->res.name, true, &r) != 0) {
        return false;
    }
    struct vcard_limits limits;
    carddav_limits(pc->dr->app->cfg, &limits);
    if (dq.props == NULL && carddav_body_version(r.body) == dq.version) {
        strbuf_append_xml_escaped(sb, r.body); /* the stored bytes, no copy */
        return true;
    }
    struct strbuf card;
    strbuf_init(&card, pc->a, r.body.len + 256);
    if (parsed != NULL && parsed->card != NULL && str_view_eq(parsed->name, r.name)) {
        carddav_render_card(pc->a, parsed->card, &dq, &card); /* the query parsed it already */
    } else if (carddav_render(pc->a, &limits, r.body, &dq, &card) != 0) {
        log_warn(&pc->dr->req->log, "stored card %.*s does not parse", STR_VIEW_FMT(r.name));
        return false;
    }
    strbuf_append_xml_escaped(sb, strbuf_view(&card));
    return true;
}

const struct dav_data_hook carddav_data_hook = {
    .ns = DAV_NS_CARDDAV,
    .name = "address-data",
    .render = carddav_address_data,
};

int carddav_get_render(struct dav_request *dr, const struct store_resource *r, struct strbuf *out)
{
    struct carddav_data_req dq = { .version = VCARD_V30 };
    enum vcard_version v = carddav_accept_version(http_header(dr->req, "Accept"));
    if (v != 0) {
        dq.version = v;
    }
    struct vcard_limits limits;
    carddav_limits(dr->app->cfg, &limits);
    return carddav_render(dr->a, &limits, r->body, &dq, out);
}
