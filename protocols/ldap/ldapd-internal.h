/*
 * ldapd-internal.h: the parts of the LDAP server (protocols/ldap/ldapd_*.c) that talk to
 * each other; not for users of the module (they include ldapd.h).
 *
 *   ldapd_conn.c         module callbacks: framing on the input evbuffer, dispatch, abandon,
 *                        unbind, StartTLS, Notice of Disconnection, the server object
 *   ldapd_bind.c         simple bind (users of the store), the bind cache, WhoAmI
 *   ldapd_schema.c       THE attribute and object class table: drives matching, entry
 *                        rendering, the root DSE and cn=Subschema (so they cannot disagree)
 *   ldapd_dn.c           DN parsing and the normalised form used for comparisons
 *   ldapd_dit.c          entity -> DN, base DN -> target, visibility
 *   ldapd_entry.c        entry attributes from the entity record and related entries
 *   ldapd_card.c         entry attributes only the card holds (addresses, photo, note)
 *   ldapd_filter_eval.c  matching rules and three-valued filter evaluation
 *   ldapd_index_plan.c   filter -> candidate entity ids from the store's indexes
 *   ldapd_search.c       search and compare
 *   ldapd_controls.c     paged results, server-side sort, virtual list view
 *
 * Lifetimes: struct ldapd_req lives for one request, in the request arena, together with its
 * read transaction; entries are built in a per-entry arena (ldapd_entry_new) so a search that
 * walks 50k entities does not keep them all.
 */
#ifndef KITH_PROTOCOLS_LDAP_LDAPD_INTERNAL_H
#define KITH_PROTOCOLS_LDAP_LDAPD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "protocols/ldap/ldap_codec.h"
#include "protocols/ldap/ldapd.h"
#include "src/strbuf.h"
#include "storage/store.h"

struct arena;
struct conn;
struct evbuffer;
struct kith_config;
struct ssl_ctx_st;
struct vcard;

/* ------------------------------------------------------------------ schema */

/* How values of an attribute compare (RFC 4517 matching rules we implement). */
enum ldapd_match {
    LDAPD_M_NONE,  /* no equality rule: filters on it are Undefined (jpegPhoto) */
    LDAPD_M_CI,    /* caseIgnoreMatch: Unicode case folding, insignificant spaces */
    LDAPD_M_CE,    /* caseExactMatch */
    LDAPD_M_IA5CI, /* caseIgnoreIA5Match */
    LDAPD_M_PHONE, /* telephoneNumberMatch, extended: digits and E.164 (CLIENTS.md B2.6) */
    LDAPD_M_DN,    /* distinguishedNameMatch */
    LDAPD_M_OID,   /* objectIdentifierMatch (objectClass: names or numeric OIDs) */
    LDAPD_M_TIME,  /* generalizedTimeMatch */
    LDAPD_M_UUID,  /* uuidMatch */
    LDAPD_M_INT,   /* integerMatch */
    LDAPD_M_BOOL,  /* booleanMatch */
    LDAPD_M_OCTET, /* octetStringMatch */
};

/* Where an attribute's values come from, i.e. what building them costs. */
enum ldapd_source {
    LDAPD_SRC_ENTITY = 1, /* the entity record (or the user record, fixed entries): cheap */
    LDAPD_SRC_CARD = 2,   /* the parsed card: one body read and parse per entry */
    LDAPD_SRC_REL = 4,    /* DNs of related entities: one lookup per relation */
    LDAPD_SRC_META = 8,   /* formatted operational values (timestamps, entryDN) and
                           * crmRelationship: cheap, but nobody filters on them, so only
                           * built when asked for (Thunderbird never does) */
};
#define LDAPD_SRC_ALL (LDAPD_SRC_ENTITY | LDAPD_SRC_CARD | LDAPD_SRC_REL | LDAPD_SRC_META)

enum ldapd_attr_id {
    LDAPD_A_OBJECTCLASS,
    LDAPD_A_CN,
    LDAPD_A_SN,
    LDAPD_A_C,
    LDAPD_A_L,
    LDAPD_A_ST,
    LDAPD_A_STREET,
    LDAPD_A_O,
    LDAPD_A_OU,
    LDAPD_A_TITLE,
    LDAPD_A_DESCRIPTION,
    LDAPD_A_BUSINESSCATEGORY,
    LDAPD_A_POSTALADDRESS,
    LDAPD_A_POSTALCODE,
    LDAPD_A_POSTOFFICEBOX,
    LDAPD_A_TELEPHONENUMBER,
    LDAPD_A_FAX,
    LDAPD_A_SEEALSO,
    LDAPD_A_NAME,
    LDAPD_A_GIVENNAME,
    LDAPD_A_INITIALS,
    LDAPD_A_UID,
    LDAPD_A_MAIL,
    LDAPD_A_MANAGER,
    LDAPD_A_HOMEPHONE,
    LDAPD_A_SECRETARY,
    LDAPD_A_DC,
    LDAPD_A_HOMEPOSTALADDRESS,
    LDAPD_A_MOBILE,
    LDAPD_A_PAGER,
    LDAPD_A_CO,
    LDAPD_A_JPEGPHOTO,
    LDAPD_A_LABELEDURI,
    LDAPD_A_DEPARTMENTNUMBER,
    LDAPD_A_EMPLOYEENUMBER,
    LDAPD_A_EMPLOYEETYPE,
    LDAPD_A_PREFERREDLANGUAGE,
    LDAPD_A_DISPLAYNAME,
    LDAPD_A_IPPHONE,    /* AD/msuser alias of telephoneNumber (Yealink, Outlook) */
    LDAPD_A_COMPANY,    /* alias of o */
    LDAPD_A_DEPARTMENT, /* alias of ou */
    LDAPD_A_CRMID,
    LDAPD_A_CRMKIND,
    LDAPD_A_CRMFOLDER,
    LDAPD_A_CRMRELATIONSHIP,
    LDAPD_A_CRMACTIVITY,
    LDAPD_A_CRMCUSTOMFIELD,
    LDAPD_A_CRMOWNER,
    LDAPD_A_CRMCONTACTTYPE,
    LDAPD_A_CRMVCARD,
    /* operational (RFC 4512 3.4, RFC 4530, RFC 5020) */
    LDAPD_A_ENTRYUUID,
    LDAPD_A_CREATETIMESTAMP,
    LDAPD_A_MODIFYTIMESTAMP,
    LDAPD_A_SUBSCHEMASUBENTRY,
    LDAPD_A_ENTRYDN,
    LDAPD_A_HASSUBORDINATES,
    LDAPD_A_STRUCTURALOBJECTCLASS,
    /* root DSE (RFC 4512 5.1) */
    LDAPD_A_NAMINGCONTEXTS,
    LDAPD_A_SUPPORTEDCONTROL,
    LDAPD_A_SUPPORTEDEXTENSION,
    LDAPD_A_SUPPORTEDFEATURES,
    LDAPD_A_SUPPORTEDLDAPVERSION,
    LDAPD_A_SUPPORTEDSASLMECHANISMS,
    LDAPD_A_VENDORNAME,
    LDAPD_A_VENDORVERSION,
    /* subschema (RFC 4512 4.2) */
    LDAPD_A_LDAPSYNTAXES,
    LDAPD_A_MATCHINGRULES,
    LDAPD_A_MATCHINGRULEUSE,
    LDAPD_A_ATTRIBUTETYPES,
    LDAPD_A_OBJECTCLASSES,
    LDAPD_A__COUNT,
};

#define LDAPD_AF_SUBSTR  1u  /* has a SUBSTR rule */
#define LDAPD_AF_ORDER   2u  /* has an ORDERING rule (>=, <=, server-side sort) */
#define LDAPD_AF_SINGLE  4u  /* SINGLE-VALUE */
#define LDAPD_AF_OPER    8u  /* operational: only with "+" or by name (RFC 3673) */
#define LDAPD_AF_BINARY  16u /* values are binary (jpegPhoto) */
#define LDAPD_AF_NEVER   32u /* published in the schema, never served (crmVCard, name) */

struct ldapd_attr_def {
    enum ldapd_attr_id id;
    const char *name;  /* canonical, as returned */
    const char *alias; /* second NAME ("commonName"), or NULL */
    const char *oid;
    const char *syntax;
    const char *sup; /* SUP, or NULL */
    enum ldapd_match match;
    unsigned flags;
    unsigned source;              /* enum ldapd_source */
    enum ldapd_attr_id alias_of;  /* ipPhone -> telephoneNumber; itself otherwise */
    const char *desc;             /* DESC, or NULL */
};

/* The attribute for a type name, alias or numeric OID (case-insensitive), or NULL. */
const struct ldapd_attr_def *ldapd_schema_find(struct str_view type);
const struct ldapd_attr_def *ldapd_schema_attr(enum ldapd_attr_id id);
/* Is the objectClass value (a name) the class named or numbered by assertion? */
bool ldapd_schema_oc_match(struct str_view value, struct str_view assertion);
/* Numeric OID of the documentation arc (RFC 5612), the one place it is spelled out. */
extern const char ldapd_schema_arc[];

/* ------------------------------------------------------------------ server, connection */

#define LDAPD_BIND_CACHE_SIZE 64
#define LDAPD_BIND_CACHE_TTL  300 /* seconds */
#define LDAPD_USER_MAX        65  /* login names are 1..64 bytes */

struct ldapd_bind_cache_entry {
    uint8_t key[32]; /* SHA-256(salt, dn, NUL, password) */
    char user[LDAPD_USER_MAX];
    time_t expires;
};

struct ldapd_server {
    const struct kith_config *cfg;
    struct store *store;
    struct ssl_ctx_st *tls_ctx; /* StartTLS; NULL when no certificate could be loaded */
    struct arena *a;
    struct str_view suffix;  /* as configured */
    struct str_view nsuffix; /* normalised */
    struct str_view suffix_type, suffix_value; /* first RDN: "dc", "example" */
    struct ldapd_limits limits;
    struct str_view container_dn[3], container_ndn[3]; /* ou=People,...: built on first use */
    struct ldapd_entry_pool *entries;
    uint8_t salt[32];
    struct ldapd_bind_cache_entry cache[LDAPD_BIND_CACHE_SIZE];
};

struct ldapd_conn {
    struct conn *conn;
    struct ldapd_server *srv;
    bool bound;                 /* a user is bound (else anonymous) */
    char user[LDAPD_USER_MAX];  /* login of the bound user */
    bool tls_pending;           /* StartTLS answered: switch once the answer is flushed */
    unsigned long n_ops;
    size_t cur_len;             /* bytes of the PDU being answered */
    struct arena *pdu_arena;    /* each PDU's decode and answer; reset after each */
};

/* One request with its read transaction and the viewer's identity. */
struct ldapd_coll_vis {
    uint64_t id;
    bool visible;
    struct str_view name; /* display name or slug, for crmFolder */
};

struct ldapd_req {
    struct ldapd_server *srv;
    const struct kith_config *cfg;
    struct store_txn *txn;
    struct arena *a;     /* request arena */
    bool anonymous;
    struct str_view user; /* bound login, empty for anonymous */
    struct ldapd_coll_vis *colls;
    size_t n_colls, cap_colls;
    /* Organizations by folded name, loaded on first use (DNs o=NAME, clashes, lookups). */
    struct ldapd_org *orgs;
    size_t n_orgs;
    bool orgs_loaded;
    struct timespec deadline; /* timeLimit; tv_sec 0: none */
};


struct ldapd_org {
    struct store_id id;
    struct str_view fold; /* case-folded name */
    bool clash;           /* another organization has the same name: DN gets +crmId */
};

/* Bind operation and WhoAmI (ldapd_bind.c); both append their response to out. */
void ldapd_bind_handle(struct ldapd_conn *lc, const struct ldapd_message *m, int decode_rc,
        struct evbuffer *out);
void ldapd_whoami_handle(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct evbuffer *out);
/* Check a bind name and password against the store (no cache, no policy): fills user_out
 * (LDAPD_USER_MAX) with the login. ERR_DENIED for bad credentials, ERR_INVAL for a name
 * that is neither a Users DN, a login nor an e-mail. */
int ldapd_bind_check(struct ldapd_server *srv, struct str_view name, struct str_view password,
        char *user_out);

/* ------------------------------------------------------------------ DNs */

#define LDAPD_DN_MAX_RDNS 16

struct ldapd_ava {
    struct str_view type;  /* lower-case canonical name ("uid"), or as written if unknown */
    struct str_view value; /* unescaped */
    bool more;             /* '+' follows: same RDN (multi-valued) */
};

struct ldapd_dn {
    struct ldapd_ava avas[LDAPD_DN_MAX_RDNS];
    size_t n;
};

/* Parse an LDAPv3 string DN (RFC 4514) into avas, leftmost first. ERR_INVAL. */
int ldapd_dn_parse(struct arena *a, struct str_view dn, struct ldapd_dn *out);
/* Normalised form for comparisons: canonical lower-case types, values by their equality
 * rule (case-folded, spaces collapsed), RFC 4514 escaping. ERR_INVAL for a bad DN. */
int ldapd_dn_normalize(struct arena *a, struct str_view dn, struct str_view *out);
/* Append value to sb escaped for an RDN (RFC 4514 2.4). */
void ldapd_dn_escape_value(struct strbuf *sb, struct str_view value);
/* Is ndn equal to or below nbase (both normalised)? depth_out: RDNs below (0: equal). */
bool ldapd_dn_under(struct str_view ndn, struct str_view nbase, size_t *depth_out);

/* ------------------------------------------------------------------ entries */

enum ldapd_entry_kind {
    LDAPD_E_ROOT_DSE,
    LDAPD_E_SUBSCHEMA,
    LDAPD_E_SUFFIX,
    LDAPD_E_CONTAINER,
    LDAPD_E_ENTITY,
    LDAPD_E_USER,
};

enum ldapd_container {
    LDAPD_OU_PEOPLE,
    LDAPD_OU_ORGS,
    LDAPD_OU_USERS,
    LDAPD_OU__COUNT,
};

struct ldapd_values {
    struct str_view *v;
    uint32_t n, cap;
    struct str_view one; /* v points here while there is one value (most attributes) */
};

#define LDAPD_ENTRY_CHUNK 16

/* Where entries live: one arena shared by the entries built one after another (an arena
 * per entry cost a zero-filled 8 KiB block each), reset (arena_reset: its first block kept,
 * the used part zeroed, any further block released) whenever no entry is alive, so a walk
 * over 50k entities stays flat and reuses the same few cache-warm KiB. One per server:
 * operations run one at a time on the loop and free their entries before they end, so a
 * search allocates no block at all once the pool exists. */
struct ldapd_entry_pool {
    struct arena *a;
    size_t live;
};

struct ldapd_entry {
    enum ldapd_entry_kind kind;
    enum ldapd_container container;
    struct ldapd_req *op;
    struct arena *a; /* the entry's values: lives until ldapd_entry_free at least */
    struct str_view dn, ndn;
    const struct store_entity *entity;
    struct store_user user;
    unsigned loaded;            /* enum ldapd_source bits already built */
    const struct vcard *card;   /* after LDAPD_SRC_CARD, when the card parsed */
    /* Values of the attributes present only (a person has about 15 of the ~90 types, and
     * the entry is zero-filled per candidate): slot[id] is 1 + the index into the chunks of
     * LDAPD_ENTRY_CHUNK values; chunks never move, so a returned ldapd_values stays put. */
    uint8_t slot[LDAPD_A__COUNT];
    uint8_t n_present;
    struct ldapd_values *chunks[256 / LDAPD_ENTRY_CHUNK];
    struct ldapd_values first_chunk[LDAPD_ENTRY_CHUNK];
};

/* The values of attribute id on e as built so far (no loading; never NULL). */
const struct ldapd_values *ldapd_entry_vals(const struct ldapd_entry *e, enum ldapd_attr_id id);

/* New entry of kind in the server's entry pool; dn/ndn are set by the ldapd_dit_* makers.
 * Entries must be freed before their operation ends. */
struct ldapd_entry *ldapd_entry_new(struct ldapd_req *op, enum ldapd_entry_kind kind);
void ldapd_entry_free(struct ldapd_entry **e);
/* Release the server's entry pool (ldapd_server_free). */
void ldapd_entry_pool_free(struct ldapd_server *srv);
/* Values of d on e (building the source they need first); alias attributes give the values
 * of the attribute they alias. Never NULL. */
const struct ldapd_values *ldapd_entry_values(struct ldapd_entry *e,
        const struct ldapd_attr_def *d);
void ldapd_entry_add(struct ldapd_entry *e, enum ldapd_attr_id id, struct str_view v);
void ldapd_entry_add_cstr(struct ldapd_entry *e, enum ldapd_attr_id id, const char *s);
/* Build the values of the sources in mask not built yet (ldapd_entry.c). */
void ldapd_entry_load(struct ldapd_entry *e, unsigned mask);
/* Attributes taken from the parsed card: addresses, URLs, photo, note, custom fields
 * (ldapd_card.c). */
void ldapd_card_load(struct ldapd_entry *e, const struct vcard *card);
/* Values of fixed entries: root DSE and subschema (ldapd_schema.c), suffix, containers. */
void ldapd_schema_root_dse(struct ldapd_entry *e);
void ldapd_schema_subschema(struct ldapd_entry *e);

/* ------------------------------------------------------------------ DIT */

/* UUID text of an id (36 bytes + NUL into buf). */
void ldapd_id_text(const struct store_id *id, char buf[37]);
bool ldapd_id_parse(struct str_view text, struct store_id *out);

/* Entries for the fixed objects, the entity and the user; NULL when the entity is not in
 * the DIT (contact lists) or is not visible. */
struct ldapd_entry *ldapd_dit_suffix(struct ldapd_req *op);
struct ldapd_entry *ldapd_dit_container(struct ldapd_req *op, enum ldapd_container c);
struct ldapd_entry *ldapd_dit_entity(struct ldapd_req *op, const struct store_entity *ent);
struct ldapd_entry *ldapd_dit_user(struct ldapd_req *op, const struct store_user *u);
struct ldapd_entry *ldapd_dit_root_dse(struct ldapd_req *op);
struct ldapd_entry *ldapd_dit_subschema(struct ldapd_req *op);

/* DN of an entity (rendered and normalised) into the op arena; false when it has none. */
bool ldapd_dit_entity_dn(struct ldapd_req *op, const struct store_entity *ent,
        struct str_view *dn_out, struct str_view *ndn_out);
/* DN of the entity that uri (urn:uuid:... or a UID) or id names, if it exists and is
 * visible; empty view otherwise. */
struct str_view ldapd_dit_ref_dn(struct ldapd_req *op, const struct store_id *id,
        struct str_view uri);
/* Entity of a URI reference (urn:uuid:..., bare UUID or card UID) into out. */
int ldapd_dit_resolve_ref(struct ldapd_req *op, struct str_view uri, struct store_entity *out);

/* What a (normalised) base DN names. */
enum ldapd_target_kind {
    LDAPD_T_NONE,      /* nothing: noSuchObject */
    LDAPD_T_ROOT_DSE,
    LDAPD_T_SUBSCHEMA,
    LDAPD_T_SUFFIX,
    LDAPD_T_CONTAINER,
    LDAPD_T_ENTITY,
    LDAPD_T_USER,
};

struct ldapd_target {
    enum ldapd_target_kind kind;
    enum ldapd_container container;
    struct store_entity entity; /* LDAPD_T_ENTITY */
    struct store_user user;     /* LDAPD_T_USER */
    struct str_view ndn;
    struct str_view matched;    /* LDAPD_T_NONE: longest existing ancestor (rendered) */
};

/* Resolve base (as sent) for the op's viewer. ERR_INVAL for a malformed DN. */
int ldapd_dit_target(struct ldapd_req *op, struct str_view base, struct ldapd_target *out);
/* Visibility of an entity for the op's viewer (MAPPING.md 4.4). */
bool ldapd_req_visible(struct ldapd_req *op, const struct store_entity *e);
/* Display name of a collection (crmFolder), empty if unknown. */
struct str_view ldapd_req_folder(struct ldapd_req *op, uint64_t coll_id);

/* ------------------------------------------------------------------ filters */

enum ldapd_tri {
    LDAPD_FALSE = 0,
    LDAPD_TRUE = 1,
    LDAPD_UNDEF = 2,
};

/* Resolve every item's attribute and normalise its assertion once, into a (the request
 * arena), so that ldapd_filter_eval does not redo it per candidate. Optional: an
 * unprepared filter evaluates the same, only slower. */
void ldapd_filter_prepare(struct arena *a, const struct kith_config *cfg, struct ldapd_filter *f);
/* The schema attribute of an item (prepared or looked up), NULL for an unknown type. */
const struct ldapd_attr_def *ldapd_filter_attr(const struct ldapd_filter *f);
/* Evaluate f on e (RFC 4511 4.5.1.7, three-valued). */
enum ldapd_tri ldapd_filter_eval(struct ldapd_entry *e, const struct ldapd_filter *f);
/* Equality of one assertion against e's values of d (compare operation, filters). */
enum ldapd_tri ldapd_match_equal(struct ldapd_entry *e, const struct ldapd_attr_def *d,
        struct str_view assertion);
/* Normalised form of a value under d's equality/ordering rule, into a (for sorting). */
struct str_view ldapd_match_norm(struct arena *a, const struct ldapd_attr_def *d,
        struct str_view v);
/* Phone forms of a value: digits and E.164 (either may come back empty). */
void ldapd_phone_forms(const struct kith_config *cfg, struct str_view v, char *digits,
        size_t digits_size, char *e164, size_t e164_size);
/* Case-fold and collapse insignificant spaces (RFC 4518 2.6.1) into a. trim: drop leading
 * and trailing spaces (whole values; not substring components). */
struct str_view ldapd_fold(struct arena *a, struct str_view v, bool trim);

/* ------------------------------------------------------------------ index planning */

/* Candidate entity ids, sorted and unique. */
struct ldapd_idset {
    struct store_id *ids;
    size_t n, cap;
};

/* The next word of s from *pos, as the store's name index splits words (runs of ASCII
 * letters and digits and of bytes >= 0x80); false when none is left. */
bool ldapd_word(struct str_view s, size_t *pos, struct str_view *word_out);

/* Candidates for f from the entity index: *set_out NULL means "no usable index: walk the
 * visible entities"; an empty set means no entity can match. Never misses an entity that
 * can match. */
int ldapd_plan(struct ldapd_req *op, const struct ldapd_filter *f, struct ldapd_idset **set_out);
/* The same candidates handed to fn as the index walks find them (each once, in no useful
 * order), so a search that stops at its size limit stops walking too. ERR_NOT_FOUND: no
 * usable index (walk the store); otherwise 0, also when fn stopped the walk. */
int ldapd_plan_stream(struct ldapd_req *op, const struct ldapd_filter *f,
        store_entity_id_fn *fn, void *ctx);

/* ------------------------------------------------------------------ operations */

void ldapd_search_handle(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct arena *a, struct evbuffer *out);
void ldapd_compare_handle(struct ldapd_conn *lc, const struct ldapd_message *m,
        struct arena *a, struct evbuffer *out);

/* Server maxima for a search by an anonymous or a bound viewer (issue 4: limits per bound
 * identity): bound users get [ldap] size_limit and time_limit, anonymous binds at most
 * LDAPD_ANON_SIZE_LIMIT entries and LDAPD_ANON_TIME_LIMIT seconds (lower configured values
 * win). Built in rather than configured: anonymous access is for desk phones that look up
 * one number or name at a time. 0: none. */
#define LDAPD_ANON_SIZE_LIMIT 100
#define LDAPD_ANON_TIME_LIMIT 5
void ldapd_server_maxima(const struct kith_config *cfg, bool anonymous, size_t *size_out,
        unsigned *secs_out);

/* Begin an op for the connection's identity (read transaction in a). */
int ldapd_req_begin(struct ldapd_conn *lc, struct arena *a, struct ldapd_req *op);
void ldapd_req_end(struct ldapd_req *op);

/* ------------------------------------------------------------------ controls */

#define LDAPD_SORT_KEYS_MAX 4 /* keys of a sort control we order by; further ones ignored */

/* One matched entry kept for sorting / VLV: enough to render it again. */
struct ldapd_ref {
    enum ldapd_entry_kind kind;
    enum ldapd_container container;
    struct store_id id;   /* entities */
    struct str_view name; /* users (login) */
    struct str_view keys[LDAPD_SORT_KEYS_MAX]; /* normalised; .ptr NULL: no value (last) */
};

/* Check the sort keys: 0, or the sortResult (16 noSuchAttribute, 18 inappropriateMatching)
 * for a key we cannot order by. defs_out receives the attribute of each usable key. */
int ldapd_sort_check(const struct ldapd_sort *s, const struct ldapd_attr_def **defs_out,
        size_t *n_out);
/* The sort key of e for def (least value; greatest when reverse), copied into a. */
struct str_view ldapd_sort_key(struct arena *a, struct ldapd_entry *e,
        const struct ldapd_attr_def *def, bool reverse);
/* Sort refs (RFC 2891; entries without a value last, ties keep their order). */
void ldapd_sort_refs(struct ldapd_ref *refs, size_t n, const struct ldapd_sort *s, size_t n_keys);
/* VLV window over n sorted refs: entries [*first, *last) and the 1-based target position
 * (vlv-09 section 5). Returns 0 or the virtualListViewResult code. */
int ldapd_vlv_window(struct arena *a, const struct ldapd_vlv *v, const struct ldapd_ref *refs,
        size_t n, const struct ldapd_attr_def *key_def, bool reverse, size_t *first_out,
        size_t *last_out, size_t *target_out);
/* Paged cookies (RFC 2696): the search's fingerprint and an offset into its results. */
struct str_view ldapd_cookie_make(struct arena *a, uint64_t fingerprint, uint64_t offset);
bool ldapd_cookie_parse(struct str_view cookie, uint64_t fingerprint, uint64_t *offset_out);
uint64_t ldapd_search_fingerprint(struct arena *a, const struct ldapd_message *m);

#endif
