/*
 * store.h: THE interface between Kith's protocols (CardDAV, CalDAV, LDAP), its CLI and the
 * one LMDB environment that holds everything. Only the storage/ files includes <lmdb.h>; nothing
 * above this header knows about keys, cursors or pages (the key layout is in keys.h).
 *
 * Model, in DAV and CRM terms:
 *   - users (login name, e-mail, password hash) and, later, groups;
 *   - collections owned by a user: address books, calendars, plain WebDAV folders and the
 *     scheduling inbox/outbox; each has a change counter (sync token and ctag);
 *   - resources inside a collection: exact bytes, content type, UID, a store-wide revision
 *     that is the strong ETag, and a change-log entry per change;
 *   - dead properties (PROPPATCH) on collections and resources;
 *   - the entity index, derived from cards by the caller (crm/card_index.c): kind, names,
 *     e-mails, phones as digits and E.164, organization links and relationship records,
 *     with secondary indexes the LDAP view and addressbook-query search;
 *   - room for calendar time-range indexes (CalDAV) and the CRM records that come later.
 *
 * Transactions: one write transaction per request or import batch. Every step records the
 * first error it meets (a sticky error, as Knot's txn->ret); store_txn_commit() then aborts
 * and returns it, so a failed request leaves no trace. A commit is durable (fsync) when it
 * returns 0. Read transactions see one consistent snapshot and never block writers.
 *
 * Lifetimes: every str_view and pointer a store function hands out points into the LMDB map
 * or into the transaction's arena and is valid until the transaction ends.
 */
#ifndef KITH_STORE_H
#define KITH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/strbuf.h"

struct store;
struct store_txn;
struct arena;

/* ---------------------------------------------------------------- environment */

struct store_options {
    const char *dir;       /* data directory; created if missing */
    uint64_t map_size;     /* maximum store size in bytes (0: 8 GiB) */
    bool read_only;
    bool no_sync;          /* tests and benchmarks only: commits are not durable */
};

/* Open (creating if needed) the store in opts->dir. A directory that cannot be made or
 * written gives the system's reason as a negative errno (-ENOTDIR, -EACCES; err_str names
 * it); ERR_CORRUPT a store of an unknown format version. */
int store_open(const struct store_options *opts, struct store **store_out);
void store_close(struct store **store);

/* Consistent hot copy of the store into dir (must not hold a store), while others read and
 * write. The copy is compacted. */
int store_backup(struct store *s, const char *dir);

/* Called once per invariant violation found by store_check(). */
typedef void store_problem_fn(void *ctx, const char *what);
/* Verify every invariant of the key layout (see keys.h). *problems_out counts violations;
 * the function returns 0 when it could read the whole store, whatever it found. */
int store_check(struct store *s, store_problem_fn *fn, void *ctx, size_t *problems_out);

/* A number that grows whenever a write transaction that changed something commits, in
 * this process or another (LMDB's last committed transaction id). An answer computed from
 * the store stays valid while it is unchanged: read it BEFORE beginning the read
 * transaction, so a commit in between can only make a cached answer look older, never newer. */
uint64_t store_generation(struct store *s);

/* ---------------------------------------------------------------- transactions */

int store_txn_begin(struct store *s, bool write, struct store_txn **txn_out);
/* Commit, or abort and return the sticky error if any step failed. *txn is NULLed. */
int store_txn_commit(struct store_txn **txn);
/* NULL-safe. *txn is NULLed. */
void store_txn_abort(struct store_txn **txn);
/* Arena that lives as long as the transaction (for the caller's scratch data too). */
struct arena *store_txn_arena(struct store_txn *t);
/* The first error a step of this transaction met (0 if none). */
int store_txn_error(const struct store_txn *t);

/* ---------------------------------------------------------------- users */

struct store_user {
    struct str_view name;          /* login: [a-z0-9._-], 1..64 bytes */
    struct str_view email;         /* may be empty */
    struct str_view display_name;  /* may be empty */
    struct str_view password_hash; /* crypt(3) string from src/passwd.h; empty: no login */
    uint64_t created;              /* unix seconds; set by store_user_put on create */
};

typedef int store_user_fn(void *ctx, const struct store_user *u);

/* Create (create=true; ERR_EXISTS if taken, also for a taken e-mail) or replace
 * (create=false; ERR_NOT_FOUND if missing). */
int store_user_put(struct store_txn *t, const struct store_user *u, bool create);
int store_user_get(struct store_txn *t, struct str_view name, struct store_user *out);
/* Case-insensitive e-mail lookup (LDAP bind by e-mail, calendar-user-address-set). */
int store_user_find_by_email(struct store_txn *t, struct str_view email, struct store_user *out);
/* Delete the user and every collection they own. */
int store_user_delete(struct store_txn *t, struct str_view name);
/* In name order; a non-zero return from fn stops the walk and is returned. */
int store_user_list(struct store_txn *t, store_user_fn *fn, void *ctx);

/* ---------------------------------------------------------------- collections */

enum store_coll_kind {
    STORE_COLL_ADDRESSBOOK = 1,
    STORE_COLL_CALENDAR = 2,
    STORE_COLL_FILES = 3,
    STORE_COLL_INBOX = 4,  /* RFC 6638 schedule inbox */
    STORE_COLL_OUTBOX = 5, /* RFC 6638 schedule outbox */
};

/* Calendar component bits (supported-calendar-component-set). */
enum store_comp {
    STORE_COMP_VEVENT = 1u << 0,
    STORE_COMP_VTODO = 1u << 1,
    STORE_COMP_VJOURNAL = 1u << 2,
    STORE_COMP_VFREEBUSY = 1u << 3,
};

enum store_coll_flag {
    STORE_COLL_SHARED = 1u << 0,   /* readable by every user (until folder ACLs land) */
    STORE_COLL_PUBLIC = 1u << 1,   /* readable anonymously (LDAP anonymous bind) */
    STORE_COLL_READONLY = 1u << 2, /* derived content (contact dates): no client writes */
};

struct store_collection {
    uint64_t id;              /* assigned by store_collection_create */
    enum store_coll_kind kind;
    struct str_view owner;    /* user name */
    struct str_view slug;     /* last path segment: [A-Za-z0-9._-], 1..128 bytes */
    struct str_view display_name;
    struct str_view description;
    struct str_view color;    /* "#RRGGBB" or "#RRGGBBAA", may be empty */
    uint32_t components;      /* calendars: enum store_comp bits */
    uint32_t flags;           /* enum store_coll_flag bits */
    uint64_t sync_seq;        /* change counter: last seq handed out (sync token, ctag) */
    uint64_t min_seq;         /* tokens older than this are expired (tombstones pruned) */
    uint64_t created;         /* unix seconds */
    uint64_t count;           /* number of resources */
    uint64_t bytes;           /* sum of resource body sizes (quota-used-bytes) */
};

typedef int store_collection_fn(void *ctx, const struct store_collection *c);

/* Create; fills c->id, c->created, counters. ERR_EXISTS if (kind, owner, slug) is taken,
 * ERR_NOT_FOUND if the owner does not exist, ERR_INVAL for a bad slug. */
int store_collection_create(struct store_txn *t, struct store_collection *c);
int store_collection_get(struct store_txn *t, enum store_coll_kind kind, struct str_view owner,
        struct str_view slug, struct store_collection *out);
int store_collection_get_by_id(struct store_txn *t, uint64_t id, struct store_collection *out);
/* Update the descriptive fields (display_name, description, color, components, flags) of
 * the collection with c->id; counters are the store's and are ignored. */
int store_collection_update(struct store_txn *t, const struct store_collection *c);
/* Delete the collection with everything in it (resources, index entries, change log). */
int store_collection_delete(struct store_txn *t, uint64_t id);
/* owner empty: every owner; kind 0: every kind. Ordered by owner, kind, slug. */
int store_collection_list(struct store_txn *t, struct str_view owner, enum store_coll_kind kind,
        store_collection_fn *fn, void *ctx);

/* ---------------------------------------------------------------- entity index */

enum store_entity_kind {
    STORE_ENTITY_NONE = 0,        /* a resource that is not a contact (calendar object, file) */
    STORE_ENTITY_PERSON = 1,
    STORE_ENTITY_ORGANIZATION = 2,
    STORE_ENTITY_DEPARTMENT = 3,
    STORE_ENTITY_GROUP = 4,       /* a client's contact list (KIND:group) */
};

#define STORE_ID_LEN 16
struct store_id {
    uint8_t b[STORE_ID_LEN];      /* a UUID's 16 bytes */
};

enum store_phone_type {
    STORE_PHONE_WORK = 1u << 0,
    STORE_PHONE_HOME = 1u << 1,
    STORE_PHONE_CELL = 1u << 2,
    STORE_PHONE_FAX = 1u << 3,
    STORE_PHONE_PAGER = 1u << 4,
    STORE_PHONE_PREF = 1u << 5,
};

struct store_phone {
    struct str_view text;   /* as typed: "030 9117-0000" */
    struct str_view digits; /* digits only: "03091170000" */
    struct str_view e164;   /* digits of the E.164 form without '+': "493091170000"; may be empty */
    uint32_t types;         /* enum store_phone_type bits */
};

/* A relationship record: "target is subject's <type>" (MAPPING.md 2.6), seen from the
 * entity that carries it. */
struct store_relation {
    struct str_view type;      /* RELATED TYPE token, lower case: "manager", "x-crm-employer" */
    struct str_view target;    /* URI (urn:uuid:...) or, for name-only relations, text */
    struct store_id target_id; /* resolved entity id; all zero when unresolved or text */
    struct str_view role;      /* X-CRM-ROLE, may be empty */
    struct str_view start;     /* X-CRM-START date, may be empty */
    struct str_view end;       /* X-CRM-END date, may be empty */
};

/* What the index knows of one card. The caller derives it from the card it stores
 * (crm/card_index.c); the store keeps it beside the resource and indexes its fields. */
struct store_entity {
    struct store_id id;           /* filled by the store on put, see store_resource_put */
    enum store_entity_kind kind;
    uint64_t coll_id;             /* where the card lives (filled by the store) */
    struct str_view name;         /* resource name of the card (filled by the store) */
    struct str_view uid;          /* the card's UID as written */
    struct str_view fn;           /* formatted name */
    struct str_view family, given;
    struct str_view org, dept;    /* ORG components 0 and 1 */
    struct str_view title;
    struct str_view parent;       /* department: URI of its organization; may be empty */
    struct str_view bday, anniversary; /* as written in the card; may be empty */
    struct str_view *emails;
    size_t n_emails;
    struct store_phone *phones;
    size_t n_phones;
    struct str_view *categories;
    size_t n_categories;
    struct store_relation *relations;
    size_t n_relations;
    uint64_t created, modified;   /* unix seconds (filled by the store) */
};

/* Secondary indexes over entities (values are normalised by the store as listed). */
enum store_index {
    STORE_IX_EMAIL = 1,         /* lower-cased address */
    STORE_IX_PHONE_DIGITS = 2,  /* store_phone.digits */
    STORE_IX_PHONE_E164 = 3,    /* store_phone.e164 */
    STORE_IX_NAME = 4,          /* case-folded words of fn, family, given, org, dept */
    STORE_IX_UID = 5,           /* the card's UID, as written */
    STORE_IX_PARENT = 6,        /* departments by their organization's URI */
    STORE_IX_REL_TARGET = 7,    /* relationship records by target URI (inverse lookups) */
    STORE_IX_KIND = 8,          /* "1".."4": entities of one kind */
    STORE_IX_SUBSTR = 9,        /* every suffix (first 64 bytes) of every case-folded word of
                                 * fn, family, given, org and dept, and of every whole e-mail
                                 * address: a prefix lookup here finds the entities with a
                                 * word or address CONTAINING the value (LDAP *x*, CardDAV
                                 * text-match contains); candidates still need the real match,
                                 * and a value with a space spans words: look up one word */
};

typedef int store_entity_id_fn(void *ctx, const struct store_id *id);
typedef int store_entity_fn(void *ctx, const struct store_entity *e);

int store_entity_get(struct store_txn *t, const struct store_id *id, struct store_entity *out);
/* Ids of the entities whose index ix holds value (prefix=true: values starting with it), in
 * index order, each id once. value is normalised like the indexed data. */
int store_entity_lookup(struct store_txn *t, enum store_index ix, struct str_view value,
        bool prefix, store_entity_id_fn *fn, void *ctx);
/* Every entity, optionally of one collection (coll_id 0: all). The entity's lists are
 * valid during the callback only (memory stays flat over big stores); its strings for the
 * transaction. */
int store_entity_list(struct store_txn *t, uint64_t coll_id, store_entity_fn *fn, void *ctx);

/* ---------------------------------------------------------------- resources */

struct store_resource {
    uint64_t coll_id;
    struct str_view name;          /* last path segment, 1..255 bytes, no '/'; in plain
                                    * WebDAV file collections a relative path "a/b.txt"
                                    * (folders end in '/'; no empty, "." or ".." segment) */
    struct str_view content_type;  /* "text/vcard; charset=utf-8" */
    struct str_view uid;           /* vCard / iCalendar UID; empty for plain files */
    uint64_t rev;                  /* store-wide revision: the strong ETag (store_etag) */
    uint64_t seq;                  /* collection change seq of the last change */
    uint64_t created, modified;    /* unix seconds */
    uint64_t size;                 /* body bytes */
    struct store_id entity_id;     /* all zero unless the resource is an indexed entity */
    struct str_view body;          /* exact bytes; empty unless asked for */
};

/* What a PUT asks for. */
struct store_put {
    struct str_view name;
    struct str_view content_type;
    struct str_view uid;               /* checked for uniqueness inside the collection */
    struct str_view body;
    uint64_t if_match;                 /* non-zero: the current rev must equal it */
    bool if_none_match;                /* the resource must not exist yet */
    const struct store_entity *entity; /* index record for contacts, or NULL */
    bool has_timerange;                /* calendar objects: the span of all instances */
    int64_t tr_start, tr_end;          /* unix seconds, [start, end); INT64_MAX: no end */
};

typedef int store_resource_fn(void *ctx, const struct store_resource *r);

/* Create or replace a resource. ERR_PRECONDITION when if_match/if_none_match fail;
 * ERR_CONFLICT when another resource of the collection has the same UID (no-uid-conflict);
 * ERR_TOO_LARGE for a name or UID over the limits. Writing the same bytes, type, UID and
 * index record again changes nothing (no new revision, no change-log entry): *changed_out
 * tells which happened (may be NULL). out (may be NULL) receives the resulting metadata. */
int store_resource_put(struct store_txn *t, uint64_t coll_id, const struct store_put *put,
        struct store_resource *out, bool *changed_out);
/* with_body=false skips the body (PROPFIND, listings). */
int store_resource_get(struct store_txn *t, uint64_t coll_id, struct str_view name,
        bool with_body, struct store_resource *out);
/* The resource of the collection whose UID is uid. */
int store_resource_find_uid(struct store_txn *t, uint64_t coll_id, struct str_view uid,
        struct store_resource *out);
/* ERR_NOT_FOUND, or ERR_PRECONDITION if if_match is non-zero and differs. */
int store_resource_delete(struct store_txn *t, uint64_t coll_id, struct str_view name,
        uint64_t if_match);
/* Metadata of every resource (no bodies), in name order; with_body loads bodies too. */
int store_resource_list(struct store_txn *t, uint64_t coll_id, bool with_body,
        store_resource_fn *fn, void *ctx);
/* As store_resource_list, starting after the name `after` (empty: from the first) and
 * stopping after limit resources (0: no limit): for streaming big collections in batches,
 * each in a short read transaction. Names starting with prefix only, when prefix is set
 * (plain WebDAV folders: the members of "a/b/" are the names starting "a/b/"). */
int store_resource_list_after(struct store_txn *t, uint64_t coll_id, struct str_view prefix,
        struct str_view after, size_t limit, bool with_body, store_resource_fn *fn, void *ctx);
/* The strong ETag of a revision, quoted, into buf (at least 24 bytes): "\"1a2b\"". */
void store_etag(uint64_t rev, char *buf, size_t size);

/* ---------------------------------------------------------------- calendar time ranges */

typedef int store_timerange_fn(void *ctx, struct str_view name, int64_t start, int64_t end);

/* The resources of a collection stored with a time range that overlaps [start, end)
 * (RFC 4791 9.9: start < range end and end > range start; INT64_MIN / INT64_MAX for open
 * ends), in name order. Resources stored without one are not listed: the caller decides
 * how to treat them (e.g. a VTODO without dates matches every range). */
int store_timerange_list(struct store_txn *t, uint64_t coll_id, int64_t start, int64_t end,
        store_timerange_fn *fn, void *ctx);

/* ---------------------------------------------------------------- change log */

struct store_change {
    struct str_view name;
    uint64_t seq;
    bool deleted;
};

typedef int store_change_fn(void *ctx, const struct store_change *c);

/* Changes after since (0: everything there is, for an initial sync), oldest first, at most
 * limit (0: no limit), one per resource (its latest). *last_seq_out is the seq to use as
 * the next token: the last change handed out when truncated, else the collection's
 * counter. ERR_PRECONDITION when since is newer than the counter or older than min_seq
 * (RFC 6578 valid-sync-token). Costs O(changes after since), not O(collection). */
int store_changes_since(struct store_txn *t, uint64_t coll_id, uint64_t since, size_t limit,
        store_change_fn *fn, void *ctx, uint64_t *last_seq_out, bool *truncated_out);

/* ---------------------------------------------------------------- dead properties */

typedef int store_prop_fn(void *ctx, struct str_view qname, struct str_view value);

/* Dead (client-set) properties of a collection (name empty) or of a resource. qname is
 * "{namespace}local"; value is the property's XML content as stored. */
int store_prop_put(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname, struct str_view value);
int store_prop_delete(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname);
int store_prop_list(struct store_txn *t, uint64_t coll_id, struct str_view name,
        store_prop_fn *fn, void *ctx);
/* One dead property by qname: *value_out as store_prop_list would hand it out. ERR_NOT_FOUND
 * when it is not set (one lookup, for reports and listings asking a name per member). */
int store_prop_get(struct store_txn *t, uint64_t coll_id, struct str_view name,
        struct str_view qname, struct str_view *value_out);

/* Dead properties of a user's principal and homes (macOS sets CS:me-card on the address
 * book home), deleted with the user. ERR_NOT_FOUND for an unknown user. */
int store_user_prop_put(struct store_txn *t, struct str_view user, struct str_view qname,
        struct str_view value);
int store_user_prop_delete(struct store_txn *t, struct str_view user, struct str_view qname);
int store_user_prop_list(struct store_txn *t, struct str_view user, store_prop_fn *fn, void *ctx);

#endif
