/*
 * carddav-internal.h: what the files of protocols/carddav/ share: address-data rendering
 * (carddav_data.c), the addressbook-query filter (carddav_query.c), member responses and
 * batched streaming for reports (dav_report.c), and the sync token format.
 *
 * Report responses are built with strbufs directly into the multistatus writer; a report
 * that may list a whole book (sync-collection, addressbook-query, big multigets) streams
 * in batches, each batch in a short read transaction of its own whose arena holds the
 * batch's scratch, so memory stays flat however big the book (as PROPFIND Depth 1 does).
 */
#ifndef KITH_CARDDAV_INTERNAL_H
#define KITH_CARDDAV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "protocols/carddav/carddav.h"
#include "protocols/webdav/dav-internal.h"
#include "src/formats/vcard.h"

#define CARDDAV_MULTIGET_MAX 50000 /* hrefs per multiget: vdirsyncer asks for a whole book at once */
#define CARDDAV_QUERY_MAX    5000 /* results of one addressbook-query without a smaller limit */

/* ---------------------------------------------------------------- carddav_data.c */

/* One <C:prop name="EMAIL" novalue="yes"/> of an address-data request (RFC 6352 10.4.2). */
struct carddav_sel {
    struct str_view name;
    bool novalue;
};

/* What an <C:address-data> element asks for. */
struct carddav_data_req {
    enum vcard_version version; /* VCARD_V30 or VCARD_V40 */
    struct carddav_sel *props;  /* NULL: every property */
    size_t n_props;
};

/* Parse an address-data element (elem NULL: defaults). The content type and version come
 * from content-type / version attributes (also vdirsyncer's "Content-Type"). ERR_UNSUPPORTED
 * for a type or version we cannot produce (RFC 6352 8.7 supported-address-data). */
int carddav_data_req_parse(struct arena *a, const struct dav_xml_node *elem,
                           struct carddav_data_req *out);
/* The version a stored body is in (from its VERSION line; 3.0 when none is found). */
enum vcard_version carddav_body_version(struct str_view body);
/* The version an Accept header asks for ("text/vcard; version=4.0"), 0 when none. */
enum vcard_version carddav_accept_version(const char *accept);
/* Append the rendering of body for dq to out (not escaped). The stored bytes when the
 * version matches and every property is asked (MAPPING.md decision 2), else parse,
 * convert and select. ERR_INVAL when the stored body no longer parses. */
int carddav_render(struct arena *a, const struct vcard_limits *limits, struct str_view body,
                   const struct carddav_data_req *dq, struct strbuf *out);
/* The same for a card already parsed (the query's filter parsed it): convert and select
 * into copies in a, write to out. */
void carddav_render_card(struct arena *a, const struct vcard *card,
                         const struct carddav_data_req *dq, struct strbuf *out);
/* What an addressbook-query hands carddav_address_data as its hook ctx: the card it parsed
 * for the filter, so a conversion does not parse it again (NULL ctx: parse the body). */
struct carddav_parsed {
    struct str_view name; /* the resource the card is of */
    const struct vcard *card;
};
/* The vCard limits of the configuration. */
void carddav_limits(const struct kith_config *cfg, struct vcard_limits *out);
/* dav_data_fn for <C:address-data>. */
bool carddav_address_data(void *ctx, const struct dav_prop_ctx *pc, const struct dav_xml_node *elem,
                          struct strbuf *sb);
extern const struct dav_data_hook carddav_data_hook;

/* ---------------------------------------------------------------- carddav_query.c */

enum carddav_collation {
    CARDDAV_COLL_UNICODE = 0, /* i;unicode-casemap, the default (RFC 6352 10.5.4) */
    CARDDAV_COLL_ASCII,       /* i;ascii-casemap */
    CARDDAV_COLL_OCTET,       /* i;octet */
};

enum carddav_match {
    CARDDAV_MATCH_EQUALS = 0,
    CARDDAV_MATCH_CONTAINS, /* the default */
    CARDDAV_MATCH_STARTS,
    CARDDAV_MATCH_ENDS,
};

struct carddav_text {
    struct str_view raw;  /* as sent */
    struct str_view text; /* folded for the collation */
    enum carddav_collation coll;
    enum carddav_match match;
    bool negate;
};

struct carddav_param {
    struct str_view name;
    bool not_defined;
    struct carddav_text *tm; /* NULL: the parameter must exist */
};

struct carddav_propf {
    struct str_view name;
    bool allof;
    bool not_defined;
    struct carddav_text *tms;
    size_t n_tms;
    struct carddav_param *params;
    size_t n_params;
};

struct carddav_filter {
    bool allof;
    struct carddav_propf *pfs;
    size_t n_pfs;
};

/* v folded for collation c (i;octet: v itself), in a. */
struct str_view carddav_fold(struct arena *a, enum carddav_collation c, struct str_view v);
/* Parse <C:filter> (RFC 6352 10.5). ERR_UNSUPPORTED with *precondition_out set for an
 * unknown collation or match type (supported-collation / supported-filter), ERR_INVAL for
 * a malformed filter. */
int carddav_filter_parse(struct arena *a, const struct dav_xml_node *filter,
                         struct carddav_filter **out, const char **precondition_out);
/* Whether card passes the filter (RFC 6352 10.5.1-10.5.4). */
bool carddav_filter_match(struct arena *a, const struct carddav_filter *f,
                          const struct vcard *card);

/* ---------------------------------------------------------------- dav_report.c */

/* One <D:response> for member t with the properties prop (a <D:prop> element; NULL: only
 * getetag) asks for; data pseudo-properties go through hook. */
void dav_report_member(struct dav_ms *ms, const struct dav_prop_ctx *pc,
                       const struct dav_xml_node *prop, const struct dav_data_hook *hook);
/* Whether prop asks for the hook's data (then members need their bodies). */
bool dav_report_wants_data(const struct dav_xml_node *prop, const struct dav_data_hook *hook);
/* The 507 response on the request URI that says a result was cut (RFC 6352 8.6.1,
 * RFC 6578 3.6). */
void dav_report_truncated(struct dav_ms *ms, const char *href);

/* A report answered in batches: batch() writes the next part in a read transaction of its
 * own and returns whether more follows; tail() (may be NULL) appends what goes before
 * </D:multistatus>. */
struct dav_stream {
    struct dav_request *dr;
    struct dav_ms ms;
    bool (*batch)(struct dav_stream *st, struct store_txn *txn, struct arena *a);
    void (*tail)(struct dav_stream *st);
    void *ctx;
    bool done;
};

/* Start the 207 stream: ends dr's transaction and lets the HTTP layer pull batches. */
void dav_stream_run(struct dav_stream *st);

/* ---------------------------------------------------------------- flavour parts */

/* struct dav_flavour put_check of address books (carddav_put.c). */
int carddav_put_check(struct dav_request *dr, struct dav_put *p);
/* dav_report_fn: RFC 6352 8.6 and 8.7. */
void carddav_query_report(struct dav_request *dr, const struct dav_xml_node *body);
void carddav_multiget_report(struct dav_request *dr, const struct dav_xml_node *body);

/* ---------------------------------------------------------------- sync tokens */

/* Parse a token of dav_sync_token() for collection c into *seq_out. Empty: 0 (initial
 * sync). false for a token of another collection or server, or malformed. */
bool dav_sync_token_parse(struct str_view token, const struct store_collection *c,
                          uint64_t *seq_out);

#endif
