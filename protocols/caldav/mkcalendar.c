/*
 * mkcalendar.c: MKCALENDAR (RFC 4791 5.3.1) with properties.
 *
 * The target must be a free member path of the user's own calendar home. The body, when
 * there is one, is <CAL:mkcalendar><D:set><D:prop>...; supported-calendar-component-set
 * (5.2.3) is only settable here and becomes the collection's component bits (default:
 * events, tasks and journals); the other properties go through the PROPPATCH machinery
 * (displayname, description and colour into the record, calendar-timezone and the rest
 * as dead properties). All or nothing: a property that fails aborts the creation.
 */
#include "protocols/caldav/caldav.h"

#include <string.h>

#include "protocols/caldav/caldav-filter.h"
#include "src/arena.h"
#include "src/err.h"
#include "storage/store.h"

struct caldav_mkcal {
    uint32_t components;
    struct dav_patch_op *ops;
    size_t n_ops;
};

static uint32_t caldav_comp_set(const struct dav_xml_node *prop)
{
    uint32_t bits = 0;
    for (const struct dav_xml_node *c = dav_xml_child(prop, DAV_NS_CALDAV, "comp"); c;
            c = dav_xml_next(c)) {
        struct str_view name = dav_xml_attr(c, "name");
        if (str_view_eq_cstr_nocase(name, "VEVENT")) {
            bits |= STORE_COMP_VEVENT;
        } else if (str_view_eq_cstr_nocase(name, "VTODO")) {
            bits |= STORE_COMP_VTODO;
        } else if (str_view_eq_cstr_nocase(name, "VJOURNAL")) {
            bits |= STORE_COMP_VJOURNAL;
        } else if (str_view_eq_cstr_nocase(name, "VFREEBUSY")) {
            bits |= STORE_COMP_VFREEBUSY;
        }
    }
    return bits;
}

static int caldav_mkcal_parse(struct dav_request *dr, struct caldav_mkcal *mk)
{
    mk->components = STORE_COMP_VEVENT | STORE_COMP_VTODO | STORE_COMP_VJOURNAL;
    if (dr->req->body.len == 0) {
        return 0;
    }
    struct dav_xml_node *root;
    if (dav_xml_parse(dr->a, dr->req->body, &root) != 0 ||
            !dav_xml_is(root, DAV_NS_CALDAV, "mkcalendar")) {
        return ERR_INVAL;
    }
    size_t cap = 0;
    for (const struct dav_xml_node *set = dav_xml_child(root, DAV_NS_DAV, "set"); set;
            set = dav_xml_next(set)) {
        const struct dav_xml_node *prop = dav_xml_child(set, DAV_NS_DAV, "prop");
        for (const struct dav_xml_node *p = prop ? dav_xml_child(prop, NULL, NULL) : NULL; p;
                p = dav_xml_next(p)) {
            cap++;
        }
    }
    mk->ops = arena_new_array(dr->a, struct dav_patch_op, cap);
    for (const struct dav_xml_node *set = dav_xml_child(root, DAV_NS_DAV, "set"); set;
            set = dav_xml_next(set)) {
        const struct dav_xml_node *prop = dav_xml_child(set, DAV_NS_DAV, "prop");
        for (const struct dav_xml_node *p = prop ? dav_xml_child(prop, NULL, NULL) : NULL; p;
                p = dav_xml_next(p)) {
            if (dav_xml_is(p, DAV_NS_CALDAV, "supported-calendar-component-set")) {
                uint32_t bits = caldav_comp_set(p);
                if (bits == 0) {
                    return ERR_INVAL;
                }
                mk->components = bits;
                continue;
            }
            struct dav_patch_op *op = &mk->ops[mk->n_ops++];
            op->qname = (struct dav_qname){ p->ns, p->name };
            op->elem = p;
            struct strbuf sb;
            strbuf_init(&sb, dr->a, 128);
            dav_xml_serialize(&sb, p);
            op->value = strbuf_view(&sb);
        }
    }
    return 0;
}

static int caldav_mkcal_target(struct dav_request *dr)
{
    const struct dav_target *t = &dr->target;
    if (t->path.home != DAV_HOME_CALENDARS || t->path.node != DAV_NODE_COLLECTION) {
        dav_fail_status(dr, 403, NULL, "MKCALENDAR outside a calendar home");
        return ERR_DENIED;
    }
    if (t->exists) {
        dav_fail_status(dr, 405, "<D:resource-must-be-null/>", "collection exists");
        return ERR_EXISTS;
    }
    return 0;
}

void caldav_mkcalendar_handle(struct dav_request *dr)
{
    struct caldav_mkcal mk = { 0 };
    int rc = dav_prepare(dr, true, true);
    if (rc == 0) {
        rc = caldav_mkcal_target(dr);
    }
    if (rc == 0 && caldav_mkcal_parse(dr, &mk) != 0) {
        dav_fail_status(dr, 400, "<CAL:valid-calendar-data/>", "malformed MKCALENDAR body");
        rc = ERR_INVAL;
    }
    if (rc == 0) {
        struct store_collection c = {
            .kind = STORE_COLL_CALENDAR,
            .owner = dr->target.path.user,
            .slug = dr->target.path.slug,
            .components = mk.components,
        };
        rc = store_collection_create(dr->txn, &c);
        if (rc != 0) {
            dav_fail(dr, rc == ERR_INVAL ? ERR_DENIED : rc, "cannot create the calendar");
        }
    }
    if (rc == 0 && mk.n_ops > 0) {
        rc = dav_target_resolve(dr, dr->req->path, &dr->target);
        int *statuses = arena_new_array(dr->a, int, mk.n_ops);
        if (rc == 0) {
            rc = dav_proppatch_apply(dr, &dr->target, mk.ops, mk.n_ops, statuses);
        }
        if (rc != 0) {
            dav_fail_status(dr, 403, NULL, "a MKCALENDAR property was refused");
        }
    }
    if (rc != 0 || dav_txn_commit(dr) != 0) {
        dav_respond_error(dr);
        return;
    }
    http_header_add(dr->req, "Cache-Control", "no-cache");
    http_respond(dr->req, 201, NULL, STR_VIEW_NULL);
}
