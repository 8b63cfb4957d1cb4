/*
 * carddav_query.c: addressbook-query (RFC 6352 8.6), planned on the entity index.
 *
 * Plan: when every card that can pass the filter must have an FN, EMAIL or TEL text that
 * one index lookup finds (STORE_IX_NAME words, STORE_IX_SUBSTR word suffixes,
 * STORE_IX_EMAIL, STORE_IX_PHONE_DIGITS), the candidates are the union (anyof) or one
 * prop-filter's set (allof) of those lookups, restricted to this collection. Otherwise
 * every card of the collection is a candidate. Either way each candidate is parsed and
 * the whole filter checked (carddav_filter.c), so the index only has to find a superset:
 * every collation's match implies a match of the case-folded forms the index holds.
 *
 * Lookups per text-match (a token is a run of letters and digits, as the index splits):
 *   FN    equals: a token as a whole word; starts-with: the first token as a word prefix;
 *         contains / ends-with: a token as a prefix of a word suffix (STORE_IX_SUBSTR,
 *         which covers a word's first 64 bytes only: a longer word is a known gap);
 *   EMAIL equals: the address; starts-with: an address prefix; contains / ends-with: the
 *         value as a prefix of an address suffix (STORE_IX_SUBSTR, first 64 bytes of each
 *         address: an infix beyond them is the same known gap as for long words);
 *   TEL   equals / starts-with: the digits (digit extraction keeps equality and prefixes).
 *
 * Limits (RFC 6352 8.6.1): <C:limit><C:nresults> or CARDDAV_QUERY_MAX, whichever is
 * smaller; when more cards match, the answer ends with a 507 response on the request URI.
 */
#include "protocols/carddav/carddav-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "src/arena.h"
#include "src/err.h"
#include "src/utf8.h"

#define CARDDAV_TOKEN_MAX 64 /* the substring index holds a word's first 64 bytes */

struct carddav_names {
    struct arena *a;
    struct str_view *v;
    size_t n, cap;
};

struct carddav_q {
    struct dav_stream stream;
    const struct dav_xml_node *prop;
    struct carddav_filter *filter;
    struct dav_target list;
    struct vcard_limits limits;
    size_t limit, matched;
    bool truncated;
    bool scan;                 /* no index plan: walk the collection */
    struct carddav_names cand; /* index plan: candidate names, sorted, unique */
    struct dav_target m;       /* the member being written (dav_member_init per batch) */
    size_t next;               /* index plan: next candidate */
    struct strbuf after;       /* scan: the last name seen */
};

/* ---------------------------------------------------------------- planning */

struct carddav_lookup {
    enum store_index ix;
    struct str_view value;
    bool prefix;
};

static bool carddav_word_byte(unsigned char c)
{
    return c >= 0x80 || isalnum(c);
}

/* The first (first=true) or the longest token of text. */
static struct str_view carddav_token(struct str_view text, bool first)
{
    struct str_view best = STR_VIEW_NULL;
    size_t i = 0;
    while (i < text.len) {
        while (i < text.len && !carddav_word_byte((unsigned char)text.ptr[i])) {
            i++;
        }
        size_t start = i;
        while (i < text.len && carddav_word_byte((unsigned char)text.ptr[i])) {
            i++;
        }
        if (i > start && (i - start > best.len)) {
            best = str_view_make(text.ptr + start, i - start);
        }
        if (first && best.len > 0) {
            break;
        }
    }
    return best;
}

static struct str_view carddav_digits(struct arena *a, struct str_view text)
{
    char *d = arena_alloc(a, text.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < text.len; i++) {
        if (text.ptr[i] >= '0' && text.ptr[i] <= '9') {
            d[n++] = text.ptr[i];
        }
    }
    return str_view_make(d, n);
}

/* The lookup that finds every card whose property name passes tm; false when none does. */
static bool carddav_text_lookup(struct arena *a, struct str_view name,
                                const struct carddav_text *tm, struct carddav_lookup *out)
{
    if (tm->negate) {
        return false;
    }
    enum carddav_match m = tm->match;
    if (str_view_eq_cstr_nocase(name, "FN")) {
        struct str_view tok = carddav_token(tm->raw, m == CARDDAV_MATCH_STARTS);
        if (tok.len == 0 || tok.len > CARDDAV_TOKEN_MAX) {
            return false;
        }
        bool word = m == CARDDAV_MATCH_EQUALS || m == CARDDAV_MATCH_STARTS;
        *out = (struct carddav_lookup){ word ? STORE_IX_NAME : STORE_IX_SUBSTR, tok,
                                        m != CARDDAV_MATCH_EQUALS };
        return true;
    }
    if (str_view_eq_cstr_nocase(name, "EMAIL")) {
        if (tm->raw.len == 0 || tm->raw.len > CARDDAV_TOKEN_MAX) {
            return false;
        }
        if (m == CARDDAV_MATCH_EQUALS || m == CARDDAV_MATCH_STARTS) {
            *out = (struct carddav_lookup){ STORE_IX_EMAIL, tm->raw, m == CARDDAV_MATCH_STARTS };
            return true;
        }
        /* contains / ends-with: STORE_IX_SUBSTR holds every suffix of the first 64 bytes of
         * every address, so a prefix lookup finds each address containing the value (the
         * value's first 48 bytes: a superset, checked on the card afterwards). */
        struct str_view v = str_view_make(tm->raw.ptr, utf8_cut(tm->raw, 48));
        *out = (struct carddav_lookup){ STORE_IX_SUBSTR, v, true };
        return true;
    }
    if (str_view_eq_cstr_nocase(name, "TEL")) {
        struct str_view d = carddav_digits(a, tm->raw);
        if ((m != CARDDAV_MATCH_EQUALS && m != CARDDAV_MATCH_STARTS) || d.len == 0) {
            return false;
        }
        *out = (struct carddav_lookup){ STORE_IX_PHONE_DIGITS, d, m == CARDDAV_MATCH_STARTS };
        return true;
    }
    return false;
}

/* The lookups whose union holds every card passing pf; 0 when pf cannot be planned. */
static size_t carddav_propf_lookups(struct arena *a, const struct carddav_propf *pf,
                                    struct carddav_lookup *out)
{
    if (pf->not_defined || pf->n_tms == 0 || (!pf->allof && pf->n_params > 0)) {
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < pf->n_tms; i++) {
        bool ok = carddav_text_lookup(a, pf->name, &pf->tms[i], &out[n]);
        if (pf->allof && ok) {
            return 1; /* every text-match must hold: one lookup is enough */
        }
        if (!pf->allof && !ok) {
            return 0; /* this text-match alone could admit an unindexed card */
        }
        n += ok;
    }
    return n;
}

static int carddav_names_add(struct carddav_names *ns, struct str_view name)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 64;
        struct str_view *v = arena_new_array(ns->a, struct str_view, cap);
        if (ns->n) {
            memcpy(v, ns->v, ns->n * sizeof(*v));
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = str_view_make(arena_strndup(ns->a, name.ptr, name.len), name.len);
    return 0;
}

struct carddav_hit_ctx {
    struct carddav_q *q;
    struct store_txn *txn;
    uint64_t coll_id;
};

static int carddav_on_hit(void *ctx, const struct store_id *id)
{
    struct carddav_hit_ctx *h = ctx;
    struct store_entity e;
    if (store_entity_get(h->txn, id, &e) != 0 || e.coll_id != h->coll_id) {
        return 0;
    }
    return carddav_names_add(&h->q->cand, e.name);
}

static int carddav_name_cmp(const void *x, const void *y)
{
    const struct str_view *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->ptr, b->ptr, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* Fill q->cand from the index, or set q->scan. */
static int carddav_plan(struct dav_request *dr, struct carddav_q *q)
{
    const struct carddav_filter *f = q->filter;
    q->cand.a = dr->a;
    q->scan = true;
    struct carddav_hit_ctx h = { q, dr->txn, dr->target.coll.id };
    for (size_t i = 0; i < f->n_pfs; i++) {
        struct carddav_lookup *lk =
                arena_new_array(dr->a, struct carddav_lookup, f->pfs[i].n_tms + 1);
        size_t n = carddav_propf_lookups(dr->a, &f->pfs[i], lk);
        if (n == 0 && !f->allof) {
            q->scan = true; /* one unplanned alternative: every card is a candidate */
            return 0;
        }
        for (size_t j = 0; j < n; j++) {
            int rc = store_entity_lookup(dr->txn, lk[j].ix, lk[j].value, lk[j].prefix,
                                         carddav_on_hit, &h);
            if (rc != 0) {
                return rc;
            }
        }
        if (n > 0) {
            q->scan = false;
            if (f->allof) {
                break; /* allof: one prop-filter's candidates suffice */
            }
        }
    }
    if (!q->scan && q->cand.n > 1) {
        qsort(q->cand.v, q->cand.n, sizeof(q->cand.v[0]), carddav_name_cmp);
        size_t k = 1;
        for (size_t i = 1; i < q->cand.n; i++) {
            if (!str_view_eq(q->cand.v[i], q->cand.v[k - 1])) {
                q->cand.v[k++] = q->cand.v[i];
            }
        }
        q->cand.n = k;
    }
    return 0;
}

/* ---------------------------------------------------------------- evaluation */

/* Check one card; write it when it passes. false once the limit is passed. */
static bool carddav_q_card(struct carddav_q *q, struct store_txn *txn, struct arena *a,
                           const struct store_resource *r)
{
    struct vcard *card;
    struct vcard_error verr;
    if (vcard_parse(a, r->body, &q->limits, &card, &verr) != 0 ||
        !carddav_filter_match(a, q->filter, card)) {
        return true;
    }
    if (q->matched == q->limit) {
        q->truncated = true;
        return false;
    }
    q->matched++;
    dav_member_set(&q->m, r);
    struct dav_prop_ctx pc = { q->stream.dr, txn, a, &q->m };
    /* address-data renders from the card parsed for the filter, not from a second parse */
    struct carddav_parsed parsed = { r->name, card };
    struct dav_data_hook hook = carddav_data_hook;
    hook.ctx = &parsed;
    dav_report_member(&q->stream.ms, &pc, q->prop, &hook);
    return true;
}

struct carddav_scan_ctx {
    struct carddav_q *q;
    struct store_txn *txn;
    struct arena *a;
    size_t seen;
};

static int carddav_q_scan_one(void *ctx, const struct store_resource *r)
{
    struct carddav_scan_ctx *s = ctx;
    s->seen++;
    strbuf_reset(&s->q->after);
    strbuf_append_view(&s->q->after, r->name);
    return carddav_q_card(s->q, s->txn, s->a, r) ? 0 : 1;
}

static bool carddav_q_batch(struct dav_stream *st, struct store_txn *txn, struct arena *a)
{
    struct carddav_q *q = st->ctx;
    dav_member_init(&q->list, &q->m);
    if (q->scan) {
        struct carddav_scan_ctx s = { q, txn, a, 0 };
        int rc = store_resource_list_after(txn, q->list.coll.id, STR_VIEW_NULL,
                                           strbuf_view(&q->after), DAV_BATCH, true,
                                           carddav_q_scan_one, &s);
        return rc == 0 && s.seen == DAV_BATCH;
    }
    size_t end = q->next + DAV_BATCH < q->cand.n ? q->next + DAV_BATCH : q->cand.n;
    for (; q->next < end; q->next++) {
        struct store_resource r = { 0 };
        if (store_resource_get(txn, q->list.coll.id, q->cand.v[q->next], true, &r) == 0 &&
            !carddav_q_card(q, txn, a, &r)) {
            return false;
        }
    }
    return q->next < q->cand.n;
}

static void carddav_q_tail(struct dav_stream *st)
{
    struct carddav_q *q = st->ctx;
    if (q->truncated) {
        dav_report_truncated(&st->ms, q->list.coll_href);
    }
}

/* ---------------------------------------------------------------- the report */

static long carddav_q_limit(struct arena *a, const struct dav_xml_node *body)
{
    const struct dav_xml_node *limit = dav_xml_child(body, DAV_NS_CARDDAV, "limit");
    if (limit == NULL) {
        return CARDDAV_QUERY_MAX;
    }
    const struct dav_xml_node *n = dav_xml_child(limit, DAV_NS_CARDDAV, "nresults");
    struct str_view text = n ? dav_xml_text(a, n) : STR_VIEW_NULL;
    char *end;
    long v = text.len > 0 && text.len < 12 ? strtol(str_view_dup(a, text), &end, 10) : -1;
    if (v < 0 || *end != '\0') {
        return -1;
    }
    return v < CARDDAV_QUERY_MAX ? v : CARDDAV_QUERY_MAX;
}

/* Parse the body into q; false with dr->err set when it cannot be served. */
static bool carddav_q_setup(struct dav_request *dr, const struct dav_xml_node *body,
                            struct carddav_q *q)
{
    const struct dav_target *t = &dr->target;
    const struct dav_xml_node *filter = dav_xml_child(body, DAV_NS_CARDDAV, "filter");
    q->prop = dav_xml_child(body, DAV_NS_DAV, "prop");
    const struct dav_xml_node *ad =
            q->prop ? dav_xml_child(q->prop, DAV_NS_CARDDAV, "address-data") : NULL;
    long limit = carddav_q_limit(dr->a, body);
    const char *pre = NULL;
    struct carddav_data_req dq;
    int rc;
    if (t->path.node != DAV_NODE_COLLECTION || !t->has_coll) {
        dav_fail_status(dr, 403, "<D:supported-report/>", "addressbook-query on a non-collection");
    } else if (filter == NULL || limit < 0) {
        dav_fail_status(dr, 400, NULL, "addressbook-query without a filter or with a bad limit");
    } else if ((rc = carddav_filter_parse(dr->a, filter, &q->filter, &pre)) != 0) {
        dav_fail_status(dr, pre ? 403 : 400, pre, "unsupported or malformed filter");
    } else if (carddav_data_req_parse(dr->a, ad, &dq) != 0) {
        dav_fail_status(dr, 403, "<C:supported-address-data-conversion/>",
                        "address-data type or version not supported");
    } else if ((rc = carddav_plan(dr, q)) != 0) {
        dav_fail(dr, rc, "index lookup failed");
    }
    q->limit = limit > 0 ? (size_t)limit : 0;
    return dr->err.status == 0;
}

void carddav_query_report(struct dav_request *dr, const struct dav_xml_node *body)
{
    struct carddav_q *q = arena_new_obj(dr->a, struct carddav_q);
    if (!carddav_q_setup(dr, body, q)) {
        dav_respond_error(dr);
        return;
    }
    const struct dav_target *t = &dr->target;
    carddav_limits(dr->app->cfg, &q->limits);
    q->list = *t;
    q->list.coll.owner = str_view_make(str_view_dup(dr->a, t->coll.owner), t->coll.owner.len);
    q->list.coll.slug = str_view_make(str_view_dup(dr->a, t->coll.slug), t->coll.slug.len);
    q->list.coll.display_name = q->list.coll.description = q->list.coll.color = STR_VIEW_NULL;
    q->list.path.user = q->list.coll.owner;
    q->list.path.slug = q->list.coll.slug;
    strbuf_init(&q->after, dr->a, 256);
    q->stream.dr = dr;
    q->stream.batch = carddav_q_batch;
    q->stream.tail = carddav_q_tail;
    q->stream.ctx = q;
    dav_stream_run(&q->stream);
}
