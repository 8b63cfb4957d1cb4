/*
 * carddav.c: the address book flavour table (see carddav.h): RFC 6352 live properties of
 * an address book collection, its reports and its PUT check.
 */
#include "protocols/carddav/carddav-internal.h"

#include <inttypes.h>

#include "src/config.h"

#define N_COLL DAV_NODE_BIT(DAV_NODE_COLLECTION)

/* RFC 6352 6.2.1 */
static bool carddav_get_description(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_append_xml_escaped(sb, pc->target->coll.description);
    return true;
}

/* RFC 6352 6.2.2: DAVx5 and Evolution use 4.0 only when it is listed (CLIENTS.md A1). */
static bool carddav_get_supported_data(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    (void)pc;
    strbuf_append_cstr(sb, "<C:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>"
                           "<C:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>");
    return true;
}

/* RFC 6352 8.3.1 */
static bool carddav_get_collations(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    (void)pc;
    strbuf_append_cstr(sb, "<C:supported-collation>i;ascii-casemap</C:supported-collation>"
                           "<C:supported-collation>i;octet</C:supported-collation>"
                           "<C:supported-collation>i;unicode-casemap</C:supported-collation>");
    return true;
}

/* RFC 6352 6.2.3: the parser's card limit. */
static bool carddav_get_max_size(const struct dav_prop_ctx *pc, struct strbuf *sb)
{
    strbuf_appendf(sb, "%" PRIu64, pc->dr->app->cfg->vcard_max_card);
    return true;
}

static const struct dav_live_prop carddav_props[] = {
    { DAV_NS_CARDDAV, "addressbook-description", N_COLL, false, true, carddav_get_description },
    { DAV_NS_CARDDAV, "supported-address-data", N_COLL, false, false, carddav_get_supported_data },
    { DAV_NS_CARDDAV, "supported-collation-set", N_COLL, false, false, carddav_get_collations },
    { DAV_NS_CARDDAV, "max-resource-size", N_COLL, false, false, carddav_get_max_size },
};

/* supported-report-set lists these; Thunderbird and DAVx5 sync with sync-collection only
 * when it is listed (CLIENTS.md A1). */
static const struct dav_report carddav_reports[] = {
    { DAV_NS_CARDDAV, "addressbook-query", carddav_query_report },
    { DAV_NS_CARDDAV, "addressbook-multiget", carddav_multiget_report },
    { DAV_NS_DAV, "sync-collection", carddav_sync_report },
    { DAV_NS_DAV, "expand-property", dav_expand_property_report },
};

/* On the root, principals and homes (report.c searches every flavour's node_reports):
 * iOS/macOS expand-property, Thunderbird's and macOS's principal searches. */
static const struct dav_report carddav_node_reports[] = {
    { DAV_NS_DAV, "expand-property", dav_expand_property_report },
    { DAV_NS_DAV, "principal-property-search", dav_principal_property_search_report },
    { DAV_NS_DAV, "principal-search-property-set", dav_principal_search_property_set_report },
};

const struct dav_flavour carddav_flavour = {
    .kind = STORE_COLL_ADDRESSBOOK,
    .name = "addressbook",
    .resourcetype = "<C:addressbook/>", /* after <D:collection/>, nothing else */
    .mkcol_ns = DAV_NS_CARDDAV,
    .mkcol_name = "addressbook",
    .home = DAV_HOME_ADDRESSBOOKS,
    .compliance = "addressbook",
    .default_type = "text/vcard; charset=utf-8",
    .props = carddav_props,
    .n_props = sizeof(carddav_props) / sizeof(carddav_props[0]),
    .reports = carddav_reports,
    .n_reports = sizeof(carddav_reports) / sizeof(carddav_reports[0]),
    .node_reports = carddav_node_reports,
    .n_node_reports = sizeof(carddav_node_reports) / sizeof(carddav_node_reports[0]),
    .put_check = carddav_put_check,
    .render = carddav_get_render,
};
