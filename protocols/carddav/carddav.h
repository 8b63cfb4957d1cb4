/*
 * carddav.h: CardDAV (RFC 6352) as a flavour of the WebDAV engine, and the reports every
 * flavour shares (RFC 6578 sync-collection, RFC 3253 expand-property, RFC 3744 principal
 * searches).
 *
 * The WebDAV core (protocols/webdav/) owns the methods; an address book collection plugs
 * in through carddav_flavour (flavour.c points STORE_COLL_ADDRESSBOOK at it):
 *   - live properties: addressbook-description, supported-address-data (3.0 and 4.0),
 *     supported-collation-set, max-resource-size;
 *   - put_check: the body must be one vCard with a UID that no other card of the
 *     collection has; the exact bytes are stored with the entity index record
 *     (crm/card_index.h) so queries need not parse cards;
 *   - reports: addressbook-query, addressbook-multiget, sync-collection, expand-property.
 *
 * Rendering (carddav_data.c): a card is served byte for byte in the version it was stored
 * in when that version is asked for, else converted (MAPPING.md decision 2). No version
 * asked means 3.0 (MAPPING.md 2.1). All renderings of one revision share the store's
 * strong ETag (docs/carddav.md explains why not one tag per rendering).
 *
 * The sync-collection, expand-property and principal reports are flavour-neutral: CalDAV
 * lists dav_sync_collection_report in its own table and hands its calendar-data renderer
 * in through struct dav_data_hook (see dav_sync_collection).
 */
#ifndef KITH_CARDDAV_H
#define KITH_CARDDAV_H

#include <stdbool.h>

#include "src/strbuf.h"

struct dav_request;
struct dav_xml_node;
struct dav_prop_ctx;
struct dav_flavour;

/* The address book flavour (STORE_COLL_ADDRESSBOOK). */
extern const struct dav_flavour carddav_flavour;

struct store_resource;

/* GET content negotiation for a card (MAPPING.md 2.1): the version an Accept header asks
 * for ("text/vcard; version=4.0"), else 3.0; the stored bytes when they are in that
 * version. Appends the body to out (in dr's arena). ERR_INVAL when the stored card no
 * longer parses. Meant for a flavour render hook in get.c (see docs/carddav.md). */
int carddav_get_render(struct dav_request *dr, const struct store_resource *r, struct strbuf *out);

/* Renders a "data" pseudo-property of a REPORT (address-data, calendar-data) for one
 * member: append the XML-escaped value to sb and return true, or false for 404. elem is
 * the element as the client sent it (attributes, children). */
typedef bool dav_data_fn(void *ctx, const struct dav_prop_ctx *pc, const struct dav_xml_node *elem,
                         struct strbuf *sb);

struct dav_data_hook {
    const char *ns, *name; /* the element that asks for the data */
    dav_data_fn *render;
    void *ctx;
};

/* RFC 6578 sync-collection on the request's collection, members' data rendered by hook
 * (NULL: no data property). Answers the request (exactly one http_respond*). */
void dav_sync_collection(struct dav_request *dr, const struct dav_xml_node *body,
                         const struct dav_data_hook *hook);
/* dav_report_fn for flavours without a data property (files). */
void dav_sync_collection_report(struct dav_request *dr, const struct dav_xml_node *body);
/* dav_report_fn: the address book's sync-collection (address-data rendered). */
void carddav_sync_report(struct dav_request *dr, const struct dav_xml_node *body);

/* dav_report_fn: RFC 3253 3.8 expand-property (iOS/macOS ask it on principals). */
void dav_expand_property_report(struct dav_request *dr, const struct dav_xml_node *body);
/* dav_report_fn: RFC 3744 9.4 and 9.5 over the store's users. */
void dav_principal_property_search_report(struct dav_request *dr, const struct dav_xml_node *body);
void dav_principal_search_property_set_report(struct dav_request *dr,
                                              const struct dav_xml_node *body);

#endif
