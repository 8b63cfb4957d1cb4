/*
 * dav-internal.h: the WebDAV engine's private interface, shared by the method files
 * (options.c propfind.c proppatch.c mkcol.c delete.c get.c put.c copymove.c report.c), the
 * URL resolver (dav_target.c), the XML reader (dav_xml.c), the multistatus writer
 * (multistatus.c), the live-property table (props.c) and the collection flavours
 * (flavour.c). CardDAV and CalDAV plug in through struct dav_flavour.
 *
 * Flow of one request (dav.c):
 *   dav_handle -> method handler -> dav_txn_begin (one store transaction, write for
 *   mutating methods) -> dav_target_resolve (URL -> node, collection, resource) ->
 *   dav_access (read/write) -> the method's work -> dav_txn_commit -> exactly one
 *   http_respond* call. On any error the handler fills dr->err (dav_fail) and calls
 *   dav_respond_error, which aborts the transaction, so a failed request changes nothing.
 *
 * Memory: everything per request lives in req->arena; per batch data of a streamed
 * PROPFIND lives in that batch's store transaction arena, so memory stays flat.
 */
#ifndef KITH_DAV_INTERNAL_H
#define KITH_DAV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "protocols/http/http.h"
#include "protocols/webdav/dav.h"
#include "src/strbuf.h"
#include "storage/store.h"

struct kith_config;

/* XML namespaces and the prefixes every response declares on its root element. */
#define DAV_NS_DAV     "DAV:"
#define DAV_NS_CARDDAV "urn:ietf:params:xml:ns:carddav"
#define DAV_NS_CALDAV  "urn:ietf:params:xml:ns:caldav"
#define DAV_NS_CS      "http://calendarserver.org/ns/"
#define DAV_NS_APPLE   "http://apple.com/ns/ical/"
/* Dead properties in this namespace are the server's own records kept beside a resource
 * (CalDAV's instance index): never listed, copied or settable by clients. */
#define DAV_NS_INTERNAL "urn:kith:internal"
#define DAV_XMLNS_ALL                                                             \
    " xmlns:D=\"DAV:\" xmlns:C=\"" DAV_NS_CARDDAV "\" xmlns:CAL=\"" DAV_NS_CALDAV \
    "\" xmlns:CS=\"" DAV_NS_CS "\""

#define DAV_XML_CONTENT_TYPE "application/xml; charset=utf-8"
#define DAV_FOLDER_TYPE      "httpd/unix-directory"
#define DAV_DEPTH_INFINITY   2
#define DAV_BATCH            500 /* resources per streamed batch (one read transaction) */

struct dav_app {
    const struct kith_config *cfg;
    struct store *store;
};

/* ---------------------------------------------------------------- errors */

/* What goes wrong, mapped at the edge (STYLE.md 4). precondition is the element inside
 * <D:error>, written with the response prefixes ("<D:propfind-finite-depth/>"); detail
 * goes to the log only. */
struct dav_error {
    int status;
    const char *precondition;
    const char *detail;
};

/* ---------------------------------------------------------------- XML in (dav_xml.c) */

#define DAV_XML_MAX_DEPTH    64
#define DAV_XML_MAX_ELEMENTS 100000

struct dav_xml_attr {
    struct str_view ns, name, value;
};

/* An element or a text node of a parsed body, copied into the request arena. */
struct dav_xml_node {
    bool is_text;
    struct str_view ns, name; /* elements; ns empty: no namespace */
    struct str_view text;     /* text nodes (also CDATA) */
    struct dav_xml_attr *attrs;
    size_t n_attrs;
    struct dav_xml_node *parent, *children, *next;
};

struct dav_qname {
    struct str_view ns, name;
};

enum dav_propfind_kind {
    DAV_PROPFIND_ALLPROP = 0,
    DAV_PROPFIND_PROPNAME,
    DAV_PROPFIND_PROP,
};

struct dav_propfind {
    enum dav_propfind_kind kind;
    struct dav_qname *props; /* PROP: the names asked; ALLPROP: the <include> names */
    size_t n_props;
};

/* One <set> or <remove> property of a PROPPATCH or extended MKCOL, in document order. */
struct dav_patch_op {
    bool remove;
    struct dav_qname qname;
    const struct dav_xml_node *elem; /* the property element */
    struct str_view value;           /* set: the element serialised with its namespaces */
};

struct dav_proppatch {
    struct dav_patch_op *ops;
    size_t n_ops;
};

struct dav_mkcol {
    struct dav_qname *types; /* resourcetype children; none: a plain collection */
    size_t n_types;
    struct dav_patch_op *ops; /* the other properties to set */
    size_t n_ops;
};

/* Parse an XML body safely: no network, no DTD, no entities (a DOCTYPE is ERR_INVAL),
 * depth and element-count limits (ERR_TOO_LARGE). *root_out and every string live in a.
 * Never logs. */
int dav_xml_parse(struct arena *a, struct str_view body, struct dav_xml_node **root_out);
bool dav_xml_is(const struct dav_xml_node *n, const char *ns, const char *name);
/* First element child (any name when name is NULL), or the next element sibling. */
const struct dav_xml_node *dav_xml_child(const struct dav_xml_node *n, const char *ns,
                                         const char *name);
const struct dav_xml_node *dav_xml_next(const struct dav_xml_node *n);
/* Text content of n (its text nodes, concatenated, surrounding whitespace trimmed). */
struct str_view dav_xml_text(struct arena *a, const struct dav_xml_node *n);
/* Attribute value without namespace by local name (ASCII case-insensitive); NULL view if none. */
struct str_view dav_xml_attr(const struct dav_xml_node *n, const char *name);
/* n as text with the namespace declarations it needs, for storing a dead property. */
void dav_xml_serialize(struct strbuf *sb, const struct dav_xml_node *n);

/* Request bodies. An empty body is allprop (RFC 4918 9.1). ERR_INVAL: not the expected
 * document. */
int dav_xml_propfind(struct arena *a, struct str_view body, struct dav_propfind *out);
int dav_xml_proppatch(struct arena *a, struct str_view body, struct dav_proppatch *out);
/* RFC 5689 extended MKCOL body; ERR_UNSUPPORTED when a well-formed body is no <D:mkcol>,
 * ERR_INVAL when it is not well-formed XML. */
int dav_xml_mkcol(struct arena *a, struct str_view body, struct dav_mkcol *out);

/* "{ns}name", the dead property key of the store. */
struct str_view dav_qname_key(struct arena *a, struct dav_qname q);
/* The inverse; false for a malformed key. */
bool dav_qname_from_key(struct str_view key, struct dav_qname *out);

/* ---------------------------------------------------------------- targets (dav_target.c) */

enum dav_node {
    DAV_NODE_NONE = 0,   /* the shape of the path names nothing */
    DAV_NODE_ROOT,       /* "/" */
    DAV_NODE_PRINCIPALS, /* the principal collection (principal_path and its parent) */
    DAV_NODE_PRINCIPAL,  /* principal_path NAME/ */
    DAV_NODE_HOME,       /* addressbook_home NAME/ or calendar_home NAME/ */
    DAV_NODE_COLLECTION, /* a store collection (files_home NAME/ is the files collection) */
    DAV_NODE_RESOURCE,   /* a resource; in files a document or a folder ("a/") */
};

#define DAV_NODE_BIT(n) (1u << (n))

enum dav_home {
    DAV_HOME_NONE = 0,
    DAV_HOME_ADDRESSBOOKS,
    DAV_HOME_CALENDARS,
    DAV_HOME_FILES,
};

/* A decoded request path split by shape, before the store is asked. */
struct dav_path {
    enum dav_node node;
    enum dav_home home;
    bool principal_parent; /* DAV_NODE_PRINCIPALS: the parent of principal_path */
    struct str_view user;
    struct str_view slug;
    struct str_view name; /* resource name; in files a relative path, folders end in '/' */
};

struct dav_flavour;

struct dav_target {
    struct dav_path path;
    bool exists;
    bool is_collection; /* answers as a collection (resourcetype collection) */
    bool is_folder;     /* a files folder resource ("a/") */
    bool has_coll;      /* coll is valid */
    struct store_collection coll;
    struct store_resource res; /* valid when a RESOURCE exists */
    const struct dav_flavour *flavour;
    const char *href;      /* canonical, percent-encoded; collections end in '/' */
    const char *coll_href; /* COLLECTION and RESOURCE: the collection's href */
};

/* Split a decoded path by the [dav] paths of cfg. ERR_NOT_FOUND when it names nothing. */
int dav_path_parse(const struct kith_config *cfg, const char *path, struct dav_path *out);
struct dav_request;
/* Look the path up in dr->txn: fills *out (exists=false for a missing collection or
 * resource whose parent shape is valid). ERR_NOT_FOUND when even the shape is wrong. */
int dav_target_resolve(struct dav_request *dr, const char *path, struct dav_target *out);
/* The target of one member resource r of collection c (for Depth 1 and reports). */
void dav_target_member(struct arena *a, const struct dav_target *coll_target,
                       const struct store_resource *r, struct dav_target *out);
/* Percent-encode a path for an href (everything but unreserved characters and '/'). */
void dav_href_append(struct strbuf *sb, struct str_view path);
/* The href of the principal of user, of a home, of a collection (all end in '/'). */
const char *dav_principal_href(struct arena *a, const struct kith_config *cfg,
                               struct str_view user);
const char *dav_home_href(struct arena *a, const struct kith_config *cfg, enum dav_home home,
                          struct str_view user);
const char *dav_collection_href(struct arena *a, const struct kith_config *cfg,
                                const struct store_collection *c);
/* Percent-decode a Destination header (absolute URI or path) into a path. */
int dav_destination_path(struct arena *a, const char *dest, const char **path_out);

/* ---------------------------------------------------------------- flavours (flavour.c) */

typedef void dav_report_fn(struct dav_request *dr, const struct dav_xml_node *body);

struct dav_report {
    const char *ns, *name;
    dav_report_fn *handle;
};

/* What a PUT (or COPY/MOVE target) is about to store; a flavour's put_check may fill uid,
 * entity and content_type, or fail with a precondition in dr->err. */
struct dav_put {
    struct store_put put;
    const struct dav_target *target;
    void *flavour_ctx; /* what put_check hands to after_put (CalDAV: the parsed object) */
};

struct dav_live_prop;

/* The per-kind behaviour CardDAV and CalDAV fill (Cyrus's good idea: methods once,
 * tables per flavour). Designated initializers; NULL/0 fields mean "nothing special". */
struct dav_flavour {
    enum store_coll_kind kind;
    const char *name;                  /* "files", "addressbook", ... (log lines) */
    const char *resourcetype;          /* after <D:collection/>: "<C:addressbook/>" */
    const char *mkcol_ns, *mkcol_name; /* the resourcetype element an extended MKCOL names */
    enum dav_home home;                /* the home its collections live in */
    const char *compliance;            /* extra DAV: header tokens ("addressbook") */
    const char *allow_collection;      /* Allow header on a collection */
    const char *allow_resource;        /* Allow header on a member */
    const char *default_type;          /* content type when a PUT names none */
    bool paths;                        /* names are relative paths with folders (files) */
    bool read_only;                    /* no client writes (inbox/outbox until CalDAV) */
    const struct dav_live_prop *props; /* extra live properties, before the common ones */
    size_t n_props;
    const struct dav_report *reports;
    size_t n_reports;
    /* Reports that answer on the root, the principals and the homes too (expand-property,
     * principal-property-search): every flavour's table is searched for those nodes. */
    const struct dav_report *node_reports;
    size_t n_node_reports;
    /* Validate a body before it is stored; 0 or an ERR_* with dr->err filled. */
    int (*put_check)(struct dav_request *dr, struct dav_put *p);
    /* Before a member resource is deleted inside dr->txn (CalDAV: CANCEL to attendees);
     * 0, or an ERR_* with dr->err filled and the delete does not happen. */
    int (*delete_check)(struct dav_request *dr, const struct dav_target *t);
    /* After the body is stored in dr->txn (stored: its metadata, the new revision):
     * records derived from it and kept beside it (CalDAV's instance index). 0, or an
     * ERR_* with dr->err filled (the request then fails and stores nothing). */
    int (*after_put)(struct dav_request *dr, const struct dav_put *p,
                     const struct store_resource *stored);
    /* GET body of a member (content negotiation, e.g. vCard 3.0/4.0 by Accept); NULL: the
     * stored bytes. Appends to out; an ERR_* falls back to the stored bytes. The response
     * then carries Vary: Accept. */
    int (*render)(struct dav_request *dr, const struct store_resource *r, struct strbuf *out);
};

const struct dav_flavour *dav_flavour_of(enum store_coll_kind kind);
/* Every flavour in turn (NULL after the last), for tables that span flavours. */
const struct dav_flavour *dav_flavour_at(size_t i);
/* The flavour an extended MKCOL's resourcetype asks for in home, or NULL. */
const struct dav_flavour *dav_flavour_for_mkcol(enum dav_home home, const struct dav_mkcol *m);

/* ---------------------------------------------------------------- live properties (props.c) */

struct dav_prop_ctx {
    struct dav_request *dr;
    struct store_txn *txn;
    struct arena *a; /* scratch for this target (a batch's txn arena) */
    const struct dav_target *target;
};

/* A live property: get appends the property's value (inner XML, escaped) and returns true,
 * or returns false when the property is undefined on this target (404). */
struct dav_live_prop {
    const char *ns, *name;
    unsigned nodes; /* DAV_NODE_BIT set where it can exist */
    bool allprop;   /* listed by allprop (RFC 4918 9.1: the RFC 4918 properties) */
    bool writable;  /* PROPPATCH may change it (handled by dav_prop_set_live) */
    bool (*get)(const struct dav_prop_ctx *pc, struct strbuf *sb);
};

const struct dav_live_prop *dav_prop_find(const struct dav_target *t, struct dav_qname q);
/* Every live property applicable to t: common ones and the flavour's. fn returns nothing. */
void dav_prop_each(const struct dav_target *t, void (*fn)(void *ctx, const struct dav_live_prop *p),
                   void *ctx);
/* A writable live property of a collection: set (or reset with remove) the record field. */
int dav_prop_set_live(struct dav_request *dr, struct store_collection *c,
                      const struct dav_patch_op *op);
/* Whether a dead property key ("{ns}name") is in DAV_NS_INTERNAL. */
bool dav_prop_internal_key(struct str_view key);
/* Whether q is a live property a client may not set on t (PROPPATCH: 403). */
bool dav_prop_protected(const struct dav_target *t, struct dav_qname q);
/* The sync token / ctag of a collection: "http://kith.invalid/sync/<id>-<seq>". */
void dav_sync_token(struct strbuf *sb, const struct store_collection *c);
/* RFC 1123 (getlastmodified) and RFC 3339 (creationdate) dates. */
void dav_http_date(uint64_t t, char *buf, size_t size);
void dav_iso_date(uint64_t t, char *buf, size_t size);

/* ---------------------------------------------------------------- multistatus.c */

struct dav_prop_plan;

/* A 207 body under construction; streamed with chunked coding when stream is set. */
struct dav_ms {
    struct http_request *req;
    struct strbuf sb;
    bool stream;
    bool minimal; /* Prefer: return=minimal / Brief: t: leave 404 propstats out */
    struct arena *a;            /* the request's arena (dav_ms_begin) */
    struct dav_prop_plan *plan; /* the last plan dav_report_member built, kept for the next */
};

struct dav_propstat {
    int status;
    struct strbuf props; /* property elements */
    const char *error;   /* element inside <D:error> (e.g. protected property), or NULL */
};

void dav_ms_begin(struct dav_ms *ms, struct dav_request *dr, bool stream);
/* <D:response> with one propstat per non-empty entry, 200 first (Thunderbird). */
void dav_ms_response(struct dav_ms *ms, const char *href, struct dav_propstat *ps, size_t n);
/* <D:response> with a status for href (deletions, errors). */
void dav_ms_status(struct dav_ms *ms, const char *href, int status);
/* Stream what is buffered when it is big enough (stream mode only). */
void dav_ms_flush(struct dav_ms *ms, bool force);
/* Close the document and answer (207), or end the stream. */
void dav_ms_finish(struct dav_ms *ms);
/* The element name of q with a known prefix ("D:getetag") or NULL when none is known. */
const char *dav_ms_prefix(struct str_view ns);
/* An empty element for q: "<D:getetag/>" or "<foo xmlns=\"urn:x\"/>". */
void dav_ms_empty_elem(struct strbuf *sb, struct dav_qname q);
/* Open/close tags of q (prefix or default namespace). */
void dav_ms_open_elem(struct strbuf *sb, struct dav_qname q);
void dav_ms_close_elem(struct strbuf *sb, struct dav_qname q);
/* The status line text: "HTTP/1.1 200 OK". */
void dav_ms_status_line(struct strbuf *sb, int status);

/* ---------------------------------------------------------------- member plans (prop_plan.c)
 *
 * The properties a PROPFIND or REPORT asks for, resolved once per request for every member
 * of one collection (members share flavour and node kind, so the live-property lookup, the
 * element tags and the dead-property keys are the same for each): writing a member is then
 * one pass that appends straight into the multistatus buffer, with no per-member
 * allocation and no formatting. The bytes are exactly those of dav_ms_response. */

struct dav_data_hook;

enum dav_plan_kind {
    DAV_PLAN_LIVE = 0, /* a live property of the members: its getter */
    DAV_PLAN_DATA,     /* the flavour's data pseudo-property (address-data, calendar-data) */
    DAV_PLAN_DEAD,     /* anything else: a dead property of the member, if stored */
};

struct dav_plan_prop {
    enum dav_plan_kind kind;
    const struct dav_live_prop *live;
    const struct dav_xml_node *elem;   /* DATA: the element handed to the hook */
    struct str_view key;               /* DEAD: "{ns}name"; empty: never shown (internal) */
    struct str_view open, close, empty; /* "<D:getetag>", "</D:getetag>", "<D:getetag/>" */
};

struct dav_prop_plan {
    const void *source;              /* the <D:prop> element (or names) it was built from */
    const char *hook_ns, *hook_name; /* the data hook's element it was built for, or NULL */
    const struct dav_flavour *flavour;
    enum dav_node node;
    struct dav_plan_prop *v;
    size_t n;
    bool *missing; /* scratch: which properties the member being written lacks */
};

/* Plans for members shaped like t (its flavour and node kind), in a (the request arena):
 * from the names of a PROPFIND <D:prop>, or from the children of a REPORT's <D:prop>
 * (an element matching hook, which may be NULL, is the data pseudo-property). */
struct dav_prop_plan *dav_prop_plan_names(struct arena *a, const struct dav_target *t,
                                          const struct dav_qname *names, size_t n);
struct dav_prop_plan *dav_prop_plan_elems(struct arena *a, const struct dav_target *t,
                                          const struct dav_xml_node *prop,
                                          const struct dav_data_hook *hook);
/* Whether plan was built for this source, hook and target shape. */
bool dav_prop_plan_fits(const struct dav_prop_plan *plan, const void *source,
                        const struct dav_data_hook *hook, const struct dav_target *t);
/* One <D:response> for pc->target with plan's properties (hook renders DATA entries).
 * href NULL: the member's href, pc->target->coll_href followed by its encoded name. */
void dav_ms_member(struct dav_ms *ms, const struct dav_prop_plan *plan,
                   const struct dav_prop_ctx *pc, const struct dav_data_hook *hook,
                   const char *href);
/* A member target of collection target list, for dav_member_set (once per batch: coll
 * views must come from the batch's transaction). */
void dav_member_init(const struct dav_target *list, struct dav_target *out);
/* Point a member target at resource r (no allocation; href is left NULL). */
void dav_member_set(struct dav_target *m, const struct store_resource *r);

/* ---------------------------------------------------------------- requests (dav.c) */

struct dav_request {
    struct http_request *req;
    struct dav_app *app;
    struct arena *a; /* req->arena */
    const char *user;
    struct store_txn *txn; /* the request's one transaction */
    struct dav_target target;
    struct dav_error err;
    bool minimal; /* Prefer: return=minimal or Brief: t */
    bool dates_prepared; /* derived calendars already refreshed (dav_cache.c) */
};

/* dav_cache.c: answer a cacheable read (PROPFIND, REPORT) from the response cache and
 * return true, or return false and let the method run (its answer may then be kept). */
bool dav_cache_answer(struct dav_request *dr);
/* Called once dr->target is resolved: stop capturing an answer that cannot fit. */
void dav_cache_target_known(struct dav_request *dr);

int dav_txn_begin(struct dav_request *dr, bool write);
/* Commit; on failure fills dr->err from the error and returns it. */
int dav_txn_commit(struct dav_request *dr);
void dav_txn_end(struct dav_request *dr);
/* Begin a transaction and resolve the request path into dr->target, then check access
 * (need_write). 0, or an ERR_* with dr->err filled. */
int dav_prepare(struct dav_request *dr, bool write, bool need_write);
/* May the request's user read / write the target? 0, ERR_DENIED or ERR_NOT_FOUND. */
int dav_access(const struct dav_request *dr, const struct dav_target *t, bool write);
/* Fill dr->err from an ERR_* (store errors mapped at the edge) unless already set;
 * returns rc. */
int dav_fail(struct dav_request *dr, int rc, const char *detail);
void dav_fail_status(struct dav_request *dr, int status, const char *precondition,
                     const char *detail);
/* Abort the transaction and answer dr->err (with a <D:error> body for a precondition);
 * a warn log line with the detail. */
void dav_respond_error(struct dav_request *dr);
/* Depth header: 0, 1 or DAV_DEPTH_INFINITY; dflt when absent; -1 when malformed. */
int dav_depth(const struct dav_request *dr, int dflt);
/* Whether an If-Match / If-None-Match header lets the request go on against a resource
 * with this etag (exists=false: no resource). false: dr->err is 412. */
bool dav_check_preconditions(struct dav_request *dr, bool exists, uint64_t rev);
/* Whether etag (quoted) matches one entry of an If-Match style list ("*" matches all). */
bool dav_etag_list_match(const char *list, const char *etag);

/* Resource helpers shared by PUT, DELETE, COPY/MOVE, MKCOL (files folders). */
/* The parent folder name of a files path ("a/b/c" -> "a/b/", "a" -> ""). */
struct str_view dav_parent_name(struct str_view name);
/* Whether the parent folder of name exists in collection c (the root always does). */
bool dav_parent_exists(struct dav_request *dr, const struct store_collection *c,
                       struct str_view name);
/* Every resource name starting with prefix (copied into dr->a), in name order. */
int dav_list_names(struct dav_request *dr, uint64_t coll_id, struct str_view prefix,
                   struct str_view **names_out, size_t *n_out);
/* Delete the resource, or the folder with everything under it. */
int dav_delete_tree(struct dav_request *dr, const struct store_collection *c, struct str_view name,
                    bool folder);
/* Store a body through the flavour's put_check. */
int dav_store_put(struct dav_request *dr, const struct dav_target *t, struct dav_put *p,
                  struct store_resource *out, bool *changed_out);

/* The methods, one file each. */
void dav_options_handle(struct dav_request *dr);
void dav_propfind_handle(struct dav_request *dr);
void dav_proppatch_handle(struct dav_request *dr);
void dav_mkcol_handle(struct dav_request *dr);
void dav_delete_handle(struct dav_request *dr);
void dav_get_handle(struct dav_request *dr);
void dav_put_handle(struct dav_request *dr);
void dav_copymove_handle(struct dav_request *dr);
void dav_report_handle(struct dav_request *dr);

/* Apply PROPPATCH operations to a target inside dr->txn (PROPPATCH and extended MKCOL):
 * statuses[i] gets each op's status; returns 0 when all succeeded. */
int dav_proppatch_apply(struct dav_request *dr, const struct dav_target *t,
                        const struct dav_patch_op *ops, size_t n, int *statuses);
/* The Allow header value for a target. */
const char *dav_allow(const struct dav_target *t);

#endif
