/*
 * carddav_put.c: what an address book checks before a card is stored (RFC 6352 6.3.2.1
 * preconditions), and the index record stored with it.
 *
 * The body must be exactly one vCard the parser reads within the configured limits
 * (valid-address-data; max-resource-size past the card limit), of type text/vcard
 * (supported-address-data), with a UID (RFC 6352 5.1 requires one) that no other card of
 * this collection has (no-uid-conflict, with the other card's href). The UID scope is the
 * collection (MAPPING.md decision 1, CLIENTS.md A1 Evolution moves). The exact bytes are
 * stored (MAPPING.md decision 2); the entity index record (crm/card_index.h) goes with
 * them so queries and LDAP never parse cards.
 *
 * One exception (MAPPING.md R4): a 3.0 or 2.1 card replacing a stored 4.0 card would lose
 * what the 3.0 rendering cannot carry (KIND, RELATED types, ADR CC...), which the client
 * never saw and so cannot have meant to delete. The stored card becomes vcard_merge() of
 * the two, in 4.0, and the index record is made from it. Its 3.0 rendering is what the
 * client sent, so put.c's ETag (sent as for CalDAV's derived bytes) is safe: a sync client
 * sees no change, and a later PUT of its copy merges the same way and loses nothing.
 */
#include "protocols/carddav/carddav-internal.h"

#include <string.h>

#include "crm/card_index.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

#define CARDDAV_UID_MAX 255

static bool carddav_put_type_ok(struct str_view ct)
{
    size_t n = 0;
    while (n < ct.len && ct.ptr[n] != ';' && ct.ptr[n] != ' ') {
        n++;
    }
    struct str_view base = str_view_make(ct.ptr, n);
    return str_view_eq_cstr_nocase(base, "text/vcard") ||
           str_view_eq_cstr_nocase(base, "text/x-vcard") ||
           str_view_eq_cstr_nocase(base, "text/directory");
}

/* The other spelling of a UUID UID: "urn:uuid:x" <-> "x" (MAPPING.md 2.1: equal on PUT). */
static struct str_view carddav_uid_twin(struct arena *a, struct str_view uid)
{
    if (str_view_starts_with_nocase(uid, "urn:uuid:")) {
        return str_view_make(uid.ptr + 9, uid.len - 9);
    }
    if (uid.len != 36) {
        return STR_VIEW_NULL;
    }
    struct strbuf sb;
    strbuf_init(&sb, a, 48);
    strbuf_append_cstr(&sb, "urn:uuid:");
    strbuf_append_view(&sb, uid);
    return strbuf_view(&sb);
}

/* Another card of the collection holding uid (either spelling); 0 when there is none. */
static int carddav_uid_taken(struct dav_request *dr, const struct dav_put *p, struct str_view uid,
                             struct store_resource *other)
{
    struct str_view forms[2] = { uid, carddav_uid_twin(dr->a, uid) };
    for (size_t i = 0; i < 2; i++) {
        if (forms[i].len == 0) {
            continue;
        }
        int rc = store_resource_find_uid(dr->txn, p->target->coll.id, forms[i], other);
        if (rc == 0 && !str_view_eq(other->name, p->put.name)) {
            return ERR_CONFLICT;
        }
        if (rc != 0 && rc != ERR_NOT_FOUND) {
            return rc;
        }
    }
    return 0;
}

static int carddav_put_conflict(struct dav_request *dr, const struct dav_put *p,
                                const struct store_resource *other)
{
    struct strbuf sb;
    strbuf_init(&sb, dr->a, 256);
    strbuf_append_cstr(&sb, "<C:no-uid-conflict><D:href>");
    struct strbuf href;
    strbuf_init(&href, dr->a, 128);
    strbuf_append_cstr(&href, p->target->coll_href);
    dav_href_append(&href, other->name);
    strbuf_append_xml_escaped(&sb, strbuf_view(&href));
    strbuf_append_cstr(&sb, "</D:href></C:no-uid-conflict>");
    dav_fail_status(dr, 403, sb.ptr, "UID already used by another card of the collection");
    return ERR_CONFLICT;
}

/* MAPPING.md R4: *card_io (the PUT's card) replacing a stored 4.0 card becomes the merge
 * of both, p->put.body its text. Only a PUT over an existing card names if_match (COPY
 * never replaces). ERR_TOO_LARGE when the merged card is over the limits. */
static int carddav_put_merge(struct dav_request *dr, struct dav_put *p,
                             const struct vcard_limits *limits, struct vcard **card_io)
{
    if ((*card_io)->version == VCARD_V40 || p->put.if_match == 0) {
        return 0;
    }
    struct store_resource old;
    int rc = store_resource_get(dr->txn, p->target->coll.id, p->put.name, true, &old);
    if (rc != 0 || carddav_body_version(old.body) != VCARD_V40) {
        return rc == ERR_NOT_FOUND ? 0 : rc;
    }
    /* A copy: store views last only until the next write of the transaction (LMDB). */
    struct str_view body = str_view_make(str_view_dup(dr->a, old.body), old.body.len);
    struct vcard *stored;
    struct vcard_error verr;
    if (vcard_parse(dr->a, body, limits, &stored, &verr) != 0) {
        log_warn(&dr->req->log, "stored card %.*s does not parse: replaced without merge",
                 STR_VIEW_FMT(p->put.name));
        return 0;
    }
    struct vcard *merged = vcard_merge(dr->a, stored, *card_io);
    if (merged == stored) {
        p->put.body = body; /* nothing changed: same bytes, same revision */
    } else if (merged != *card_io) {
        struct strbuf sb;
        strbuf_init(&sb, dr->a, body.len + p->put.body.len);
        vcard_write(merged, &sb);
        if (sb.len > limits->max_card || merged->n_props > limits->max_props) {
            return ERR_TOO_LARGE;
        }
        p->put.body = strbuf_view(&sb);
    }
    *card_io = merged;
    return 0;
}

static int carddav_put_invalid(struct dav_request *dr, const char *precondition, const char *why)
{
    dav_fail_status(dr, 403, precondition, arena_strdup(dr->a, why));
    return ERR_INVAL;
}

int carddav_put_check(struct dav_request *dr, struct dav_put *p)
{
    const struct kith_config *cfg = dr->app->cfg;
    if (p->put.content_type.len > 0 && !carddav_put_type_ok(p->put.content_type)) {
        return carddav_put_invalid(dr, "<C:supported-address-data/>", "not text/vcard");
    }
    struct vcard_limits limits;
    carddav_limits(cfg, &limits);
    if (p->put.body.len > limits.max_card) {
        return carddav_put_invalid(dr, "<C:max-resource-size/>", "card over max_card");
    }
    struct vcard *card;
    struct vcard_error verr = { 0 };
    int rc = vcard_parse(dr->a, p->put.body, &limits, &card, &verr);
    if (rc == ERR_TOO_LARGE) {
        return carddav_put_invalid(dr, "<C:max-resource-size/>", verr.message);
    }
    if (rc != 0) {
        return carddav_put_invalid(dr, "<C:valid-address-data/>", verr.message);
    }
    struct str_view uid = crm_card_uid(dr->a, card);
    if (uid.len == 0 || uid.len > CARDDAV_UID_MAX) {
        return carddav_put_invalid(dr, "<C:valid-address-data/>", "no UID, or UID too long");
    }
    struct store_resource other;
    rc = carddav_uid_taken(dr, p, uid, &other);
    if (rc == ERR_CONFLICT) {
        return carddav_put_conflict(dr, p, &other);
    }
    if (rc != 0) {
        return dav_fail(dr, rc, "UID lookup failed");
    }
    rc = carddav_put_merge(dr, p, &limits, &card);
    if (rc == ERR_TOO_LARGE) {
        return carddav_put_invalid(dr, "<C:max-resource-size/>",
                                   "card with the lines 3.0 cannot carry is over the limits");
    }
    if (rc != 0) {
        return dav_fail(dr, rc, "stored card lookup failed");
    }
    uid = crm_card_uid(dr->a, card);
    struct crm_index_opts opts = { cfg->phone_country_code, cfg->phone_trunk_prefix };
    struct store_entity *entity = arena_new_obj(dr->a, struct store_entity);
    crm_card_index(dr->a, card, &opts, entity);
    p->put.uid = uid;
    p->put.entity = entity;
    p->put.content_type = STR_VIEW_LIT("text/vcard; charset=utf-8");
    return 0;
}
