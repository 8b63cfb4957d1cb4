/*
 * props.c: the live properties every flavour shares (RFC 4918 15, RFC 3744 5.4 and 5.1.1,
 * RFC 5397, RFC 6578 4, RFC 4331, CS getctag) and the writable ones that live in the
 * collection record (displayname, descriptions, colour).
 *
 * A getter appends the property's value and says whether the property exists on the
 * target; the caller writes the element around it (multistatus.c), so getters never know
 * prefixes. Flavour tables (flavour.c) are searched first and may shadow a common entry.
 */
#include "protocols/webdav/dav-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/caldav/caldav.h" /* scheduling principal properties (issue 5) */
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

#define N_ALL                                                          \
    (DAV_NODE_BIT(DAV_NODE_ROOT) | DAV_NODE_BIT(DAV_NODE_PRINCIPALS) | \
     DAV_NODE_BIT(DAV_NODE_PRINCIPAL) | DAV_NODE_BIT(DAV_NODE_HOME) |  \
     DAV_NODE_BIT(DAV_NODE_COLLECTION) | DAV_NODE_BIT(DAV_NODE_RESOURCE))
#define N_COLL  DAV_NODE_BIT(DAV_NODE_COLLECTION)
#define N_RES   DAV_NODE_BIT(DAV_NODE_RESOURCE)
#define N_PRINC DAV_NODE_BIT(DAV_NODE_PRINCIPAL)
#define N_OWNED                                                        \
    (DAV_NODE_BIT(DAV_NODE_HOME) | DAV_NODE_BIT(DAV_NODE_COLLECTION) | \
     DAV_NODE_BIT(DAV_NODE_RESOURCE) | DAV_NODE_BIT(DAV_NODE_PRINCIPAL))

void dav_http_date(uint64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void dav_iso_date(uint64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void dav_sync_token(struct strbuf *sb, const struct store_collection *c)
{
    /* URI-shaped: Evolution ignores a token with neither ':' nor '/' (CLIENTS.md A1). */
    strbuf_appendf(sb, "http://kith.invalid/sync/%" PRIu64 "-%" PRIu64, c->id, c->sync_seq);
}

static bool dav_get_resourcetype(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    if (t->is_collection) {
        strbuf_append_cstr(sb, "<D:collection/>");
    }
    if (t->path.node == DAV_NODE_PRINCIPAL) {
        strbuf_append_cstr(sb, "<D:principal/>");
    }
    if (t->path.node == DAV_NODE_COLLECTION && t->flavour && t->flavour->resourcetype) {
        strbuf_append_cstr(sb, t->flavour->resourcetype);
    }
    return true; /* empty for a plain resource: Thunderbird skips members without it */
}

static struct str_view dav_last_segment(struct str_view name)
{
    if (name.len > 0 && name.ptr[name.len - 1] == '/') {
        name.len--;
    }
    const char *slash = name.len ? memrchr(name.ptr, '/', name.len) : NULL;
    if (slash != NULL) {
        return str_view_make(slash + 1, (size_t)(name.ptr + name.len - slash - 1));
    }
    return name;
}

static bool dav_get_displayname(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    switch (t->path.node) {
    case DAV_NODE_ROOT:
        strbuf_append_cstr(sb, "Kith");
        return true;
    case DAV_NODE_PRINCIPALS:
        strbuf_append_cstr(sb, "Principals");
        return true;
    case DAV_NODE_PRINCIPAL: {
        struct store_user u;
        if (store_user_get(pc->txn, t->path.user, &u) == 0 && u.display_name.len > 0) {
            strbuf_append_xml_escaped(sb, u.display_name);
        } else {
            strbuf_append_xml_escaped(sb, t->path.user);
        }
        return true;
    }
    case DAV_NODE_HOME:
        strbuf_append_xml_escaped(sb, t->path.user);
        return true;
    case DAV_NODE_COLLECTION:
        strbuf_append_xml_escaped(sb,
                                  t->coll.display_name.len ? t->coll.display_name : t->coll.slug);
        return true;
    default:
        strbuf_append_xml_escaped(sb, dav_last_segment(t->res.name));
        return true;
    }
}

static bool dav_get_getetag(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    char etag[32];
    store_etag(pc->target->res.rev, etag, sizeof(etag));
    strbuf_append_cstr(sb, etag); /* hex in quotes: nothing to escape */
    return true;
}

static bool dav_get_getcontenttype(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    struct str_view ct = t->res.content_type;
    strbuf_append_xml_escaped(sb, t->is_folder || ct.len == 0 ? STR_VIEW_LIT(DAV_FOLDER_TYPE) : ct);
    return true;
}

static bool dav_get_getcontentlength(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_appendf(sb, "%" PRIu64, pc->target->res.size);
    return true;
}

static bool dav_get_getlastmodified(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    char date[64];
    dav_http_date(pc->target->res.modified, date, sizeof(date));
    strbuf_append_cstr(sb, date);
    return true;
}

static bool dav_get_creationdate(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    char date[64];
    dav_iso_date(t->path.node == DAV_NODE_RESOURCE ? t->res.created : t->coll.created, date,
                 sizeof(date));
    strbuf_append_cstr(sb, date);
    return true;
}

static void dav_href_elem(struct strbuf *sb, const char *href)
{
    strbuf_append_cstr(sb, "<D:href>");
    strbuf_append_xml_escaped(sb, str_view_of(href));
    strbuf_append_cstr(sb, "</D:href>");
}

static bool dav_get_current_user_principal(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    struct dav_request *dr = pc->dr;
    if (dr->user == NULL) {
        strbuf_append_cstr(sb, "<D:unauthenticated/>");
        return true;
    }
    dav_href_elem(sb, dav_principal_href(pc->a, dr->app->cfg, str_view_of(dr->user)));
    return true;
}

static bool dav_get_privileges(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    static const char *const rw[] = { "all",           "read",
                                      "write",         "write-properties",
                                      "write-content", "bind",
                                      "unbind",        "read-current-user-privilege-set" };
    bool write = dav_access(pc->dr, pc->target, true) == 0;
    /* Thunderbird and DAVx5 take a book without write privileges as read-only. */
    for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
        if (write || i == 1 || i == 7) {
            strbuf_appendf(sb, "<D:privilege><D:%s/></D:privilege>", rw[i]);
        }
    }
    return true;
}

static bool dav_get_owner(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    struct str_view owner = t->has_coll ? t->coll.owner : t->path.user;
    dav_href_elem(sb, dav_principal_href(pc->a, pc->dr->app->cfg, owner));
    return true;
}

static void dav_reports_append(struct strbuf *sb, const struct dav_report *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct dav_qname q = { str_view_of(r[i].ns), str_view_of(r[i].name) };
        strbuf_append_cstr(sb, "<D:supported-report><D:report>");
        dav_ms_empty_elem(sb, q);
        strbuf_append_cstr(sb, "</D:report></D:supported-report>");
    }
}

static bool dav_get_supported_report_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    const struct dav_target *t = pc->target;
    const struct dav_flavour *f = t->flavour;
    if (t->path.node == DAV_NODE_COLLECTION || t->path.node == DAV_NODE_RESOURCE) {
        dav_reports_append(sb, f ? f->reports : NULL, f ? f->n_reports : 0);
        return true;
    }
    for (size_t i = 0; (f = dav_flavour_at(i)) != NULL; i++) {
        dav_reports_append(sb, f->node_reports, f->n_node_reports);
    }
    return true;
}

static bool dav_get_sync_token(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    dav_sync_token(sb, &pc->target->coll);
    return true;
}

static bool dav_get_quota_used(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_appendf(sb, "%" PRIu64, pc->target->coll.bytes);
    return true;
}

/* No per-user quota yet: the store's map size bounds what is left (RFC 4331 3). */
static bool dav_get_quota_available(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    uint64_t map = pc->dr->app->cfg->map_size, used = pc->target->coll.bytes;
    strbuf_appendf(sb, "%" PRIu64, map > used ? map - used : 0);
    return true;
}

static bool dav_get_principal_url(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    dav_href_elem(sb, pc->target->href);
    return true;
}

static bool dav_get_principal_collection_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    dav_href_elem(sb, pc->dr->app->cfg->principal_path);
    return true;
}

static bool dav_get_addressbook_home_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    dav_href_elem(sb, dav_home_href(pc->a, pc->dr->app->cfg, DAV_HOME_ADDRESSBOOKS,
                                    pc->target->path.user));
    return true;
}

static bool dav_get_calendar_home_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    dav_href_elem(
            sb, dav_home_href(pc->a, pc->dr->app->cfg, DAV_HOME_CALENDARS, pc->target->path.user));
    return true;
}

/* The principal's addresses (issue 3, CardDAV discovery): CalDAV calendar-user-address-set
 * (RFC 6638 2.4.1) as a mailto: URI and the principal URL (Thunderbird and DAVx5 take the
 * first mailto:), Apple's CS email-address-set as bare addresses (CLIENTS.md A1). */
static bool dav_get_user_addresses(const struct dav_prop_ctx *pc, struct strbuf *sb, bool uris)
{
    struct store_user u;
    if (store_user_get(pc->txn, pc->target->path.user, &u) != 0) {
        return false;
    }
    if (u.email.len > 0) {
        strbuf_append_cstr(sb, uris ? "<D:href>mailto:" : "<D:href>");
        strbuf_append_xml_escaped(sb, u.email);
        strbuf_append_cstr(sb, "</D:href>");
    }
    if (uris) {
        dav_href_elem(sb, pc->target->href);
    }
    return true;
}

static bool dav_get_calendar_user_address_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    return dav_get_user_addresses(pc, sb, true);
}

static bool dav_get_email_address_set(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    return dav_get_user_addresses(pc, sb, false);
}

static const struct dav_live_prop dav_common_props[] = {
    { DAV_NS_DAV, "resourcetype", N_ALL, true, false, dav_get_resourcetype },
    { DAV_NS_DAV, "displayname", N_ALL, true, true, dav_get_displayname },
    { DAV_NS_DAV, "getetag", N_RES, true, false, dav_get_getetag },
    { DAV_NS_DAV, "getcontenttype", N_RES, true, false, dav_get_getcontenttype },
    { DAV_NS_DAV, "getcontentlength", N_RES, true, false, dav_get_getcontentlength },
    { DAV_NS_DAV, "getlastmodified", N_RES, true, false, dav_get_getlastmodified },
    { DAV_NS_DAV, "creationdate", N_RES | N_COLL, true, false, dav_get_creationdate },
    { DAV_NS_DAV, "current-user-principal", N_ALL, false, false, dav_get_current_user_principal },
    { DAV_NS_DAV, "current-user-privilege-set", N_ALL, false, false, dav_get_privileges },
    { DAV_NS_DAV, "owner", N_OWNED, false, false, dav_get_owner },
    { DAV_NS_DAV, "supported-report-set", N_ALL, false, false, dav_get_supported_report_set },
    { DAV_NS_CS, "getctag", N_COLL, false, false, dav_get_sync_token },
    { DAV_NS_DAV, "sync-token", N_COLL, false, false, dav_get_sync_token },
    { DAV_NS_DAV, "quota-used-bytes", N_COLL, false, false, dav_get_quota_used },
    { DAV_NS_DAV, "quota-available-bytes", N_COLL, false, false, dav_get_quota_available },
    { DAV_NS_DAV, "principal-URL", N_PRINC, false, false, dav_get_principal_url },
    { DAV_NS_DAV, "principal-collection-set", N_ALL, false, false,
      dav_get_principal_collection_set },
    { DAV_NS_CARDDAV, "addressbook-home-set", N_PRINC, false, false, dav_get_addressbook_home_set },
    { DAV_NS_CALDAV, "calendar-home-set", N_PRINC, false, false, dav_get_calendar_home_set },
    /* RFC 6638 2.1-2.4 (CalDAV scheduling, protocols/caldav/caldav.c) */
    { DAV_NS_CALDAV, "schedule-inbox-URL", N_PRINC, false, false, caldav_get_schedule_inbox_url },
    { DAV_NS_CALDAV, "schedule-outbox-URL", N_PRINC, false, false,
            caldav_get_schedule_outbox_url },
    { DAV_NS_CALDAV, "calendar-user-address-set", N_PRINC, false, false,
            caldav_get_user_address_set },
    { DAV_NS_CALDAV, "calendar-user-type", N_PRINC, false, false, caldav_get_user_type },
    { DAV_NS_CALDAV, "calendar-user-address-set", N_PRINC, false, false,
      dav_get_calendar_user_address_set },
    { DAV_NS_CS, "email-address-set", N_PRINC, false, false, dav_get_email_address_set },
};

#define DAV_N_COMMON (sizeof(dav_common_props) / sizeof(dav_common_props[0]))

static bool dav_prop_applies(const struct dav_live_prop *p, const struct dav_target *t)
{
    return (p->nodes & DAV_NODE_BIT(t->path.node)) != 0;
}

static bool dav_prop_is(const struct dav_live_prop *p, struct dav_qname q)
{
    return str_view_eq(q.ns, str_view_of(p->ns)) && str_view_eq(q.name, str_view_of(p->name));
}

/* Flavour properties apply to collections and members of that flavour only. */
static bool dav_has_flavour_props(const struct dav_target *t)
{
    return t->flavour != NULL &&
           (t->path.node == DAV_NODE_COLLECTION || t->path.node == DAV_NODE_RESOURCE);
}

const struct dav_live_prop *dav_prop_find(const struct dav_target *t, struct dav_qname q)
{
    if (dav_has_flavour_props(t)) {
        for (size_t i = 0; i < t->flavour->n_props; i++) {
            if (dav_prop_is(&t->flavour->props[i], q)) {
                return dav_prop_applies(&t->flavour->props[i], t) ? &t->flavour->props[i] : NULL;
            }
        }
    }
    for (size_t i = 0; i < DAV_N_COMMON; i++) {
        if (dav_prop_is(&dav_common_props[i], q)) {
            return dav_prop_applies(&dav_common_props[i], t) ? &dav_common_props[i] : NULL;
        }
    }
    return NULL;
}

/* Whether q names a live property anywhere (then a client cannot store it as dead). */
static bool dav_prop_is_live_name(const struct dav_target *t, struct dav_qname q)
{
    for (size_t i = 0; dav_has_flavour_props(t) && i < t->flavour->n_props; i++) {
        if (dav_prop_is(&t->flavour->props[i], q)) {
            return true;
        }
    }
    for (size_t i = 0; i < DAV_N_COMMON; i++) {
        if (dav_prop_is(&dav_common_props[i], q)) {
            return true;
        }
    }
    return false;
}

void dav_prop_each(const struct dav_target *t, void (*fn)(void *ctx, const struct dav_live_prop *p),
                   void *ctx)
{
    if (dav_has_flavour_props(t)) {
        for (size_t i = 0; i < t->flavour->n_props; i++) {
            if (dav_prop_applies(&t->flavour->props[i], t)) {
                fn(ctx, &t->flavour->props[i]);
            }
        }
    }
    for (size_t i = 0; i < DAV_N_COMMON; i++) {
        const struct dav_live_prop *p = &dav_common_props[i];
        struct dav_qname q = { str_view_of(p->ns), str_view_of(p->name) };
        if (dav_prop_applies(p, t) && (!dav_has_flavour_props(t) || dav_prop_find(t, q) == p)) {
            fn(ctx, p);
        }
    }
}

int dav_prop_set_live(struct dav_request *dr, struct store_collection *c,
                      const struct dav_patch_op *op)
{
    struct str_view value = op->remove ? STR_VIEW_NULL : dav_xml_text(dr->a, op->elem);
    struct dav_qname q = op->qname;
    if (str_view_eq(q.ns, STR_VIEW_LIT(DAV_NS_DAV)) &&
        str_view_eq(q.name, STR_VIEW_LIT("displayname"))) {
        c->display_name = value;
    } else if (str_view_eq(q.name, STR_VIEW_LIT("addressbook-description")) ||
               str_view_eq(q.name, STR_VIEW_LIT("calendar-description"))) {
        c->description = value;
    } else if (str_view_eq(q.name, STR_VIEW_LIT("calendar-color"))) {
        c->color = value;
    } else {
        return ERR_DENIED;
    }
    return 0;
}

bool dav_prop_internal_key(struct str_view key)
{
    static const char prefix[] = "{" DAV_NS_INTERNAL "}";
    return key.len >= sizeof(prefix) - 1 && memcmp(key.ptr, prefix, sizeof(prefix) - 1) == 0;
}

bool dav_prop_protected(const struct dav_target *t, struct dav_qname q)
{
    if (str_view_eq(q.ns, STR_VIEW_LIT(DAV_NS_INTERNAL))) {
        return true; /* the server's own records beside a resource */
    }
    const struct dav_live_prop *p = dav_prop_find(t, q);
    if (p != NULL) {
        return !(p->writable && t->path.node == DAV_NODE_COLLECTION);
    }
    return dav_prop_is_live_name(t, q);
}
