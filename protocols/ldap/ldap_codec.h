/*
 * ldap_codec.h: the pure LDAPv3 codec of Kith's read-only directory (RFC 4511), with no
 * sockets and no store. Decoding and encoding go through liblber; everything above the BER
 * level (what an LDAPMessage, a Filter or a control value looks like) is ours.
 *
 * Data flow of one request:
 *   1. ldapd_frame_check() looks at the bytes buffered so far (a partial header is fine) and
 *      says how long the next LDAPMessage is, that more bytes are needed, or that the stream
 *      is broken (the caller answers with a Notice of Disconnection and closes).
 *   2. ldapd_message_decode() turns the complete PDU into a struct ldapd_message allocated in
 *      the caller's (request) arena. Every struct str_view in it points INTO the PDU bytes,
 *      so the PDU must stay alive and unchanged as long as the message is used; the decoder
 *      never writes to it. The search filter is a tree of struct ldapd_filter.
 *   3. The protocol layer answers with the ldapd_encode_*() helpers, which append complete
 *      LDAPMessages to a struct evbuffer. Search entries are built attribute by attribute
 *      with struct ldapd_entry_writer. Response control values (paged, sort, VLV) are
 *      encoded into the arena and passed as struct ldapd_out_control.
 *
 * Errors: decoders return ERR_INVAL for malformed input (the caller maps it to protocolError
 * (2), RFC 4511 4.1.1), ERR_TOO_LARGE when one of the limits of struct ldapd_limits is hit
 * (also protocolError; slapd has similar caps), ERR_UNSUPPORTED for a well-formed bind with an
 * authentication method we do not implement (authMethodNotSupported (7)). See
 * ldapd_result_for_error(). Encoders return 0 or ERR_NOMEM. Nothing here logs.
 *
 * Naming: liblber/libldap own the ldap_ and ber_ prefixes; everything here is ldapd_.
 */
#ifndef KITH_PROTOCOLS_LDAP_LDAP_CODEC_H
#define KITH_PROTOCOLS_LDAP_LDAP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/strbuf.h"

struct arena;
struct evbuffer;
struct berelement; /* liblber's BerElement */

/* ---------------------------------------------------------------------------------------
 * Constants (RFC 4511 4.1.9 result codes we send, operation OIDs we know)
 * ------------------------------------------------------------------------------------- */

enum ldapd_result_code {
    LDAPD_SUCCESS = 0,
    LDAPD_OPERATIONS_ERROR = 1,
    LDAPD_PROTOCOL_ERROR = 2,
    LDAPD_TIME_LIMIT_EXCEEDED = 3,
    LDAPD_SIZE_LIMIT_EXCEEDED = 4,
    LDAPD_COMPARE_FALSE = 5,
    LDAPD_COMPARE_TRUE = 6,
    LDAPD_AUTH_METHOD_NOT_SUPPORTED = 7,
    LDAPD_ADMIN_LIMIT_EXCEEDED = 11,
    LDAPD_UNAVAILABLE_CRITICAL_EXTENSION = 12,
    LDAPD_CONFIDENTIALITY_REQUIRED = 13,
    LDAPD_NO_SUCH_ATTRIBUTE = 16,
    LDAPD_UNDEFINED_ATTRIBUTE_TYPE = 17,
    LDAPD_INAPPROPRIATE_MATCHING = 18,
    LDAPD_NO_SUCH_OBJECT = 32,
    LDAPD_INVALID_DN_SYNTAX = 34,
    LDAPD_INAPPROPRIATE_AUTHENTICATION = 48,
    LDAPD_INVALID_CREDENTIALS = 49,
    LDAPD_INSUFFICIENT_ACCESS = 50,
    LDAPD_BUSY = 51,
    LDAPD_UNAVAILABLE = 52,
    LDAPD_UNWILLING_TO_PERFORM = 53,
    LDAPD_SORT_CONTROL_MISSING = 60, /* draft-ietf-ldapext-ldapv3-vlv-09 7 */
    LDAPD_OFFSET_RANGE_ERROR = 61,   /* vlv-09 7 */
    LDAPD_OTHER = 80,
};

#define LDAPD_OID_STARTTLS      "1.3.6.1.4.1.1466.20037"
#define LDAPD_OID_WHOAMI        "1.3.6.1.4.1.4203.1.11.3"
#define LDAPD_OID_NOTICE_OF_DISCONNECTION "1.3.6.1.4.1.1466.20036"
#define LDAPD_OID_PAGED_RESULTS "1.2.840.113556.1.4.319"  /* RFC 2696, request and response */
#define LDAPD_OID_SORT_REQUEST  "1.2.840.113556.1.4.473"  /* RFC 2891 */
#define LDAPD_OID_SORT_RESPONSE "1.2.840.113556.1.4.474"
#define LDAPD_OID_VLV_REQUEST   "2.16.840.1.113730.3.4.9" /* draft-ietf-ldapext-ldapv3-vlv-09 */
#define LDAPD_OID_VLV_RESPONSE  "2.16.840.1.113730.3.4.10"
#define LDAPD_OID_MANAGE_DSA_IT "2.16.840.1.113730.3.4.2" /* RFC 3296; no referrals, ignored */

/* Limits applied while decoding. LDAPD_LIMITS_DEFAULT follows CLIENTS.md B2.7. */
struct ldapd_limits {
    unsigned max_filter_depth;  /* nesting of and/or/not; a leaf at depth N needs N <= max */
    unsigned max_filter_nodes;  /* nodes in one filter tree */
    unsigned max_substrings;    /* components of one substrings filter */
    unsigned max_attrs;         /* attributes in a SearchRequest's attribute list */
    unsigned max_controls;      /* controls on one message */
    unsigned max_sort_keys;     /* keys of one server-side sort control */
};

#define LDAPD_LIMITS_DEFAULT                                                                   \
    ((struct ldapd_limits){ .max_filter_depth = 64, .max_filter_nodes = 512,                   \
            .max_substrings = 32, .max_attrs = 256, .max_controls = 32, .max_sort_keys = 16 })

/* ---------------------------------------------------------------------------------------
 * Framing (RFC 4511 5.1: each LDAPMessage is one BER SEQUENCE on the stream)
 * ------------------------------------------------------------------------------------- */

/*
 * Inspect the first avail bytes of a stream. Returns 0 when a whole LDAPMessage is buffered
 * and sets *pdu_len_out to its length (header included; the PDU is buf[0 .. *pdu_len_out)).
 * ERR_AGAIN: more bytes are needed (also for a partial header; *pdu_len_out is untouched).
 * ERR_INVAL: first byte not 0x30, indefinite length (0x80) or more than 4 length bytes.
 * ERR_TOO_LARGE: the announced PDU is longer than max_pdu (known as soon as the length
 * bytes are in, before the body arrives). Both errors mean the stream cannot be resynced.
 */
int ldapd_frame_check(const uint8_t *buf, size_t avail, size_t max_pdu, size_t *pdu_len_out);

/* ---------------------------------------------------------------------------------------
 * Attribute descriptions (RFC 4512 2.5: type *( ";" option ))
 * ------------------------------------------------------------------------------------- */

struct ldapd_attr_desc {
    struct str_view desc;    /* as sent, e.g. "cn;lang-de" */
    struct str_view type;    /* "cn", or a numeric OID kept as text: "2.5.4.3" */
    struct str_view options; /* "lang-de" or "lang-de;binary"; empty when none */
    bool is_oid;             /* type is a numericoid */
    bool valid;              /* RFC 4512 syntax holds; a filter item on an invalid
                                description evaluates to Undefined (RFC 4511 4.5.1.7) */
};

/* Split a description into type and options and check its syntax (never fails). */
void ldapd_attr_desc_parse(struct str_view desc, struct ldapd_attr_desc *out);

/* Does the type equal name, ASCII case-insensitively (RFC 4512 2.5)? Options are ignored. */
bool ldapd_attr_type_is(const struct ldapd_attr_desc *d, const char *name);

/* ---------------------------------------------------------------------------------------
 * Filters (RFC 4511 4.5.1.7)
 * ------------------------------------------------------------------------------------- */

enum ldapd_filter_kind {
    LDAPD_FILTER_AND,
    LDAPD_FILTER_OR,
    LDAPD_FILTER_NOT,
    LDAPD_FILTER_EQUALITY,
    LDAPD_FILTER_SUBSTRINGS,
    LDAPD_FILTER_GE,
    LDAPD_FILTER_LE,
    LDAPD_FILTER_PRESENT,
    LDAPD_FILTER_APPROX,
    LDAPD_FILTER_EXTENSIBLE,
};

struct ldapd_filter {
    enum ldapd_filter_kind kind;
    struct ldapd_filter *next; /* sibling inside an and/or */
    /* and/or: the children in wire order (none: RFC 4526 absolute true/false); not: one. */
    struct ldapd_filter *children;
    size_t n_children;
    /* equality/substrings/ge/le/present/approx, and extensible when has_attr. */
    struct ldapd_attr_desc attr;
    /* equality/ge/le/approx/extensible: the assertion value, raw octets. */
    struct str_view value;
    /* substrings: empty components carry no constraint and are dropped. */
    struct str_view initial, final; /* .ptr == NULL when absent */
    struct str_view *any;           /* in order */
    size_t n_any;
    /* extensible: [matchingRule] [type] value [dnAttributes] (RFC 4511 4.5.1.7.7). */
    struct str_view rule; /* .ptr == NULL when absent */
    bool has_attr;
    bool dn_attrs;
    /* NULL from the decoder. The server hangs its per-search preparation here (attribute
     * resolved, assertion normalised once instead of once per candidate entry). */
    struct ldapd_filter_prep *prep;
};

/*
 * Decode a BER Filter (the whole of buf, nothing may follow it) into a tree allocated in a.
 * Views point into buf. lim gives max_filter_depth, max_filter_nodes, max_substrings.
 * Returns 0, ERR_INVAL (malformed; *detail_out names why), ERR_TOO_LARGE (a limit; a filter
 * nested past the depth limit is refused on the way down, without reading further).
 * detail_out may be NULL; it receives static text.
 */
int ldapd_filter_parse(struct arena *a, const uint8_t *buf, size_t len,
        const struct ldapd_limits *lim, struct ldapd_filter **filter_out,
        const char **detail_out);

/*
 * Same, reading the next element of ber (positioned on a Filter) and leaving ber after it.
 * For the message decoder; views point into ber's buffer.
 */
int ldapd_filter_decode(struct arena *a, struct berelement *ber, const struct ldapd_limits *lim,
        struct ldapd_filter **filter_out, const char **detail_out);

/*
 * Append the RFC 4515 string form of f to sb, escaping '*', '(', ')', '\\', NUL, control
 * characters and bytes that are not UTF-8 as \XX. For logs and tests; never fails.
 */
void ldapd_filter_to_string(const struct ldapd_filter *f, struct strbuf *sb);

/* ---------------------------------------------------------------------------------------
 * Requests (RFC 4511 4.2 .. 4.14)
 * ------------------------------------------------------------------------------------- */

enum ldapd_op {
    LDAPD_OP_NONE = 0, /* not read (decode failed before the protocolOp) */
    LDAPD_OP_BIND,
    LDAPD_OP_UNBIND,
    LDAPD_OP_SEARCH,
    LDAPD_OP_MODIFY,   /* recognised by tag only (read-only view: unwillingToPerform) */
    LDAPD_OP_ADD,      /* tag only */
    LDAPD_OP_DELETE,   /* tag only */
    LDAPD_OP_MODDN,    /* tag only */
    LDAPD_OP_COMPARE,
    LDAPD_OP_ABANDON,
    LDAPD_OP_EXTENDED,
};

/* The response tag for each request that gets one (RFC 4511 4.2 .. 4.12). */
enum ldapd_response_tag {
    LDAPD_RES_BIND = 0x61,
    LDAPD_RES_SEARCH_ENTRY = 0x64,
    LDAPD_RES_SEARCH_DONE = 0x65,
    LDAPD_RES_MODIFY = 0x67,
    LDAPD_RES_ADD = 0x69,
    LDAPD_RES_DELETE = 0x6b,
    LDAPD_RES_MODDN = 0x6d,
    LDAPD_RES_COMPARE = 0x6f,
    LDAPD_RES_EXTENDED = 0x78,
};

enum ldapd_auth {
    LDAPD_AUTH_SIMPLE,
    LDAPD_AUTH_SASL,
    LDAPD_AUTH_UNKNOWN, /* another AuthenticationChoice tag (RFC 4511 4.2 allows more) */
};

struct ldapd_bind {
    int version;               /* 2 or 3; v2 binds are accepted (phones send them) */
    struct str_view name;      /* LDAPDN or, in practice, a bare user name */
    enum ldapd_auth auth;
    struct str_view password;  /* simple */
    struct str_view sasl_mech; /* sasl */
};

enum ldapd_scope {
    LDAPD_SCOPE_BASE = 0,
    LDAPD_SCOPE_ONE = 1,
    LDAPD_SCOPE_SUB = 2,
    LDAPD_SCOPE_CHILDREN = 3, /* draft-sermersheim-ldap-subordinate-scope; ldapsearch -s children */
};

enum ldapd_deref {
    LDAPD_DEREF_NEVER = 0,
    LDAPD_DEREF_SEARCHING = 1,
    LDAPD_DEREF_FINDING = 2,
    LDAPD_DEREF_ALWAYS = 3,
};

struct ldapd_search {
    struct str_view base;
    enum ldapd_scope scope;
    enum ldapd_deref deref;  /* read and range-checked, otherwise ignored (no aliases) */
    int32_t size_limit;      /* 0 = no client limit */
    int32_t time_limit;      /* seconds, 0 = no client limit */
    bool types_only;
    struct ldapd_filter *filter;
    /* As sent, including "*", "+" and "1.1" (compare desc); empty list means all user
       attributes. Invalid descriptions are kept with valid == false and are ignored. */
    struct ldapd_attr_desc *attrs;
    size_t n_attrs;
};

struct ldapd_compare {
    struct str_view dn;
    struct ldapd_attr_desc attr;
    struct str_view value;
};

enum ldapd_ext_kind {
    LDAPD_EXT_OTHER,
    LDAPD_EXT_STARTTLS,
    LDAPD_EXT_WHOAMI,
};

struct ldapd_extended {
    enum ldapd_ext_kind kind;
    struct str_view oid;
    bool has_value;
    struct str_view value;
};

enum ldapd_control_kind {
    LDAPD_CTRL_OTHER,
    LDAPD_CTRL_PAGED,
    LDAPD_CTRL_SORT,
    LDAPD_CTRL_VLV,
    LDAPD_CTRL_MANAGE_DSA_IT,
};

struct ldapd_control {
    enum ldapd_control_kind kind;
    struct str_view oid;
    bool critical;
    bool has_value;
    struct str_view value; /* raw BER of the value */
};

/* RFC 2696 realSearchControlValue. */
struct ldapd_paged {
    bool critical;
    int32_t size;           /* 0 asks to abandon the paged search */
    struct str_view cookie; /* empty on the first page */
};

/* RFC 2891 SortKeyList. */
struct ldapd_sort_key {
    struct ldapd_attr_desc attr;
    struct str_view ordering_rule; /* .ptr == NULL when absent */
    bool reverse;
};

struct ldapd_sort {
    bool critical;
    struct ldapd_sort_key *keys;
    size_t n_keys; /* >= 1 */
};

/* VirtualListViewRequest (draft-ietf-ldapext-ldapv3-vlv-09 6.1). */
struct ldapd_vlv {
    bool critical;
    int32_t before_count;
    int32_t after_count;
    bool by_offset;          /* else greaterThanOrEqual */
    int32_t offset;          /* by_offset: 1-based target, content_count the client's estimate */
    int32_t content_count;
    struct str_view assertion; /* greaterThanOrEqual */
    bool has_context;
    struct str_view context_id;
};

struct ldapd_message {
    int32_t msgid;   /* 1 .. 2^31-1; 0 until it was read */
    enum ldapd_op op;
    union {
        struct ldapd_bind bind;
        struct ldapd_search search;
        struct ldapd_compare compare;
        struct ldapd_extended extended;
        int32_t abandon_id; /* MessageID to abandon */
    } u;
    struct ldapd_control *controls; /* all controls in wire order, known ones included */
    size_t n_controls;
    /* Parsed values of the known controls, NULL when absent. A known control sent twice is
       malformed (RFC 2696 3, as slapd). */
    struct ldapd_paged *paged;
    struct ldapd_sort *sort;
    struct ldapd_vlv *vlv;
    const char *error; /* static text when the decoder failed, else NULL */
};

/*
 * Decode one complete LDAPMessage (exactly pdu[0 .. len), as ldapd_frame_check() framed it).
 * *msg_out is always set, also on error, to a message allocated in a: on failure msgid and
 * op are filled in as far as they could be read (so a protocolError response can carry the
 * msgid; op LDAPD_OP_NONE when the protocolOp was not reached) and error names the cause.
 * Views point into pdu, which must outlive the message and is never written.
 * Returns 0, ERR_INVAL (malformed, including msgid 0, unknown operation, bad scope or
 * version, bytes after the message), ERR_TOO_LARGE (a limit of lim), ERR_UNSUPPORTED (a
 * well-formed bind with SASL or an unknown authentication choice: op and u.bind are set).
 */
int ldapd_message_decode(struct arena *a, const uint8_t *pdu, size_t len,
        const struct ldapd_limits *lim, struct ldapd_message **msg_out);

/* First control that is critical but not implemented (answer 12), or NULL. */
const struct ldapd_control *ldapd_message_unknown_critical(const struct ldapd_message *m);

/* The resultCode for a decode error: 7 for ERR_UNSUPPORTED on a bind, else 2. */
int ldapd_result_for_error(int err, enum ldapd_op op);

/* The response tag for a request, or 0 for unbind and abandon (they get none). */
int ldapd_response_tag_for(enum ldapd_op op);

/* ---------------------------------------------------------------------------------------
 * Responses (RFC 4511 4.1.9, 4.2.2, 4.5.2, 4.10, 4.12, 4.4.1)
 * ------------------------------------------------------------------------------------- */

struct ldapd_result {
    int code;                   /* enum ldapd_result_code */
    struct str_view matched_dn; /* empty unless noSuchObject & co. */
    struct str_view diag;       /* diagnosticMessage; may be empty */
};

/* A response control: oid is a NUL-terminated OID, value raw BER (see the value encoders). */
struct ldapd_out_control {
    const char *oid;
    bool critical;
    bool has_value;
    struct str_view value;
};

/*
 * Append an LDAPMessage carrying an LDAPResult under tag (any enum ldapd_response_tag but
 * SEARCH_ENTRY), with n_ctrls response controls (ctrls may be NULL when 0). Returns 0 or
 * ERR_NOMEM (nothing was appended).
 */
int ldapd_encode_result(struct evbuffer *out, int32_t msgid, enum ldapd_response_tag tag,
        const struct ldapd_result *res, const struct ldapd_out_control *ctrls, size_t n_ctrls);

/* BindResponse without serverSaslCreds. */
int ldapd_encode_bind_response(struct evbuffer *out, int32_t msgid, const struct ldapd_result *res);

/* SearchResultDone with optional response controls (paged, sort, VLV). */
int ldapd_encode_search_done(struct evbuffer *out, int32_t msgid, const struct ldapd_result *res,
        const struct ldapd_out_control *ctrls, size_t n_ctrls);

/* CompareResponse: res->code is compareTrue (6), compareFalse (5) or an error. */
int ldapd_encode_compare_response(struct evbuffer *out, int32_t msgid,
        const struct ldapd_result *res);

/*
 * ExtendedResponse. name (responseName [10]) may be NULL; value (responseValue [11]) NULL
 * leaves it out, a view of length 0 sends an empty value.
 */
int ldapd_encode_extended_response(struct evbuffer *out, int32_t msgid,
        const struct ldapd_result *res, const char *name, const struct str_view *value);

enum ldapd_whoami_kind {
    LDAPD_WHOAMI_ANONYMOUS, /* empty authzId (RFC 4532 2.2) */
    LDAPD_WHOAMI_DN,        /* "dn:" id */
    LDAPD_WHOAMI_USER,      /* "u:" id (RFC 4513 5.2.1.8) */
};

/* Successful WhoAmI ExtendedResponse with the authzId built from kind and id. */
int ldapd_encode_whoami_response(struct evbuffer *out, int32_t msgid,
        enum ldapd_whoami_kind kind, struct str_view id);

/*
 * Unsolicited Notice of Disconnection (RFC 4511 4.4.1): msgid 0, responseName
 * 1.3.6.1.4.1.1466.20036; code is protocolError (2), unavailable (52) or strongerAuthRequired.
 * The caller flushes and closes the connection afterwards.
 */
int ldapd_encode_notice_of_disconnection(struct evbuffer *out, int code, struct str_view diag);

/*
 * Incremental SearchResultEntry (RFC 4511 4.5.2): begin, then per attribute attr_begin,
 * value* and attr_end (or ldapd_entry_attr()), then finish. An attribute is written at its
 * first value, so one that ends up with no value is left out (e.g. all DNs were invisible),
 * unless types_only, where values are ignored and every attribute is listed. Errors are
 * sticky and reported by finish; abort drops the entry without output. Either must end
 * every begun entry (they free what the writer allocated).
 *
 * The writer only records views; finish computes every length and DER-encodes the entry
 * straight into the output buffer in one pass (no BerElement, no intermediate copy: this
 * is the hot path of every search). So dn, every type and every value must stay valid
 * until finish or abort returns.
 */
#define LDAPD_ENTRY_WRITER_INLINE 48 /* attributes and values held without allocating */

struct ldapd_entry_attr_rec {
    struct str_view type;
    size_t first, n; /* its values: vals[first .. first + n) */
};

struct ldapd_entry_writer {
    int err;
    bool types_only;
    bool attr_open; /* between attr_begin and attr_end */
    int32_t msgid;
    struct str_view dn;
    struct ldapd_entry_attr_rec *attrs;
    size_t n_attrs, cap_attrs;
    struct str_view *vals;
    size_t n_vals, cap_vals;
    struct ldapd_entry_attr_rec attrs_inline[LDAPD_ENTRY_WRITER_INLINE];
    struct str_view vals_inline[LDAPD_ENTRY_WRITER_INLINE];
};

void ldapd_entry_begin(struct ldapd_entry_writer *w, int32_t msgid, struct str_view dn,
        bool types_only);
void ldapd_entry_attr_begin(struct ldapd_entry_writer *w, struct str_view type);
void ldapd_entry_value(struct ldapd_entry_writer *w, struct str_view value);
void ldapd_entry_attr_end(struct ldapd_entry_writer *w);
/* One attribute with n values in one call. */
void ldapd_entry_attr(struct ldapd_entry_writer *w, struct str_view type,
        const struct str_view *values, size_t n);
/* Close the entry and append it to out. Returns 0 or the first error (ERR_NOMEM, ERR_INVAL
   for misuse); nothing is appended on error. */
int ldapd_entry_finish(struct ldapd_entry_writer *w, struct evbuffer *out);
void ldapd_entry_abort(struct ldapd_entry_writer *w);

/*
 * Response control values, encoded into a (the view lives as long as the arena).
 * Paged (RFC 2696): { size (the server's estimate, 0 if unknown), cookie (empty: done) }.
 * Sort (RFC 2891 1.2): { sortResult, [0] attributeType when attr is not empty }.
 * VLV (vlv-09 6.2): { targetPosition, contentCount, virtualListViewResult, contextID? }.
 * Return 0 or ERR_NOMEM.
 */
int ldapd_encode_paged_value(struct arena *a, int32_t size, struct str_view cookie,
        struct str_view *value_out);
int ldapd_encode_sort_value(struct arena *a, int result, struct str_view attr,
        struct str_view *value_out);
int ldapd_encode_vlv_value(struct arena *a, int32_t target_position, int32_t content_count,
        int result, const struct str_view *context_id, struct str_view *value_out);

#endif
