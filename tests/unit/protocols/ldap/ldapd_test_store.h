/*
 * ldapd_test_store.h: a fresh store in a temporary directory with a few cards, indexed as
 * `kith import` indexes them (crm_card_index), and a request (struct ldapd_req) over it,
 * for the LDAP server's unit tests. Header-only; each test program includes it once.
 */
#ifndef KITH_TESTS_LDAPD_TEST_STORE_H
#define KITH_TESTS_LDAPD_TEST_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm/card_index.h"
#include "ldap_test_pdu.h"
#include "protocols/ldap/ldapd-internal.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/formats/vcard.h"
#include "storage/store.h"

struct tstore {
    char dir[256];
    struct kith_config cfg;
    struct store *store;
    struct ldapd_server *srv;
    struct ldapd_conn lc;
    struct arena *a;
    struct ldapd_req op;
    uint64_t book, private_book;
};

#define T_ANNA  "5f0c1a2b-0000-4000-8000-000000000001"
#define T_BILL  "5f0c1a2b-0000-4000-8000-000000000002"
#define T_ACME  "5f0c1a2b-0000-4000-8000-000000000003"
#define T_SALES "5f0c1a2b-0000-4000-8000-000000000004"
#define T_EVE   "5f0c1a2b-0000-4000-8000-000000000005"

static const char *const tstore_cards[] = {
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:" T_ANNA "\r\nFN:Anna Müller\r\n"
    "N:Müller;Anna;;;\r\nORG:Acme GmbH;Sales\r\nTITLE:Einkäuferin\r\n"
    "EMAIL;TYPE=work:anna.mueller@acme.example\r\nTEL;TYPE=work:030 9117-0000\r\n"
    "TEL;TYPE=cell:+49 171 5551234\r\nADR;TYPE=work:;;Hauptstr. 1;Berlin;;10115;Germany\r\n"
    "RELATED;TYPE=manager:urn:uuid:" T_BILL "\r\nRELATED;TYPE=x-crm-employer:urn:uuid:" T_ACME
    "\r\nRELATED;TYPE=assistant:urn:uuid:" T_EVE "\r\nNOTE:likes tea\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:" T_BILL "\r\nFN:Bill Boss\r\nN:Boss;Bill;;;\r\n"
    "EMAIL:bill@acme.example\r\nTEL;TYPE=work:+49 30 91170001\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:" T_ACME "\r\nKIND:org\r\nFN:Acme GmbH\r\n"
    "ORG:Acme GmbH\r\nX-CRM-ENTITY:organization\r\nTEL:+49 30 1234567\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:" T_SALES "\r\nKIND:org\r\nFN:Acme Sales\r\n"
    "ORG:Acme GmbH;Sales\r\nX-CRM-ENTITY:department\r\n"
    "RELATED;TYPE=x-crm-parent-org:urn:uuid:" T_ACME "\r\nEND:VCARD\r\n",
};

/* Eve sits in bob's private book: invisible to alice. */
static const char tstore_eve[] =
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:" T_EVE "\r\nFN:Eve Secret\r\nN:Secret;Eve;;;\r\n"
    "TEL;TYPE=work:030 5550000\r\nEND:VCARD\r\n";

static void tstore_put(struct tstore *ts, struct store_txn *t, uint64_t coll, const char *text,
        int i)
{
    struct arena *a = store_txn_arena(t);
    struct vcard *card;
    struct vcard_error err;
    if (vcard_parse(a, str_view_of(text), &vcard_default_limits, &card, &err) != 0) {
        fprintf(stderr, "bad test card %d: %s\n", i, err.message);
        abort();
    }
    struct crm_index_opts io = { ts->cfg.phone_country_code, ts->cfg.phone_trunk_prefix };
    struct store_entity e = { 0 };
    crm_card_index(a, card, &io, &e);
    char name[32];
    snprintf(name, sizeof(name), "c%d.vcf", i);
    struct store_put put = { .name = str_view_of(arena_strdup(a, name)),
        .content_type = STR_VIEW_LIT("text/vcard"), .uid = crm_card_uid(a, card),
        .body = str_view_of(text), .entity = &e };
    if (store_resource_put(t, coll, &put, NULL, NULL) != 0) {
        abort();
    }
}

static uint64_t tstore_book(struct store_txn *t, const char *owner, const char *slug,
        uint32_t flags)
{
    struct store_collection c = { .kind = STORE_COLL_ADDRESSBOOK, .owner = str_view_of(owner),
        .slug = str_view_of(slug), .display_name = str_view_of(slug), .flags = flags };
    if (store_collection_create(t, &c) != 0) {
        abort();
    }
    return c.id;
}

static struct tstore *tstore_open(void)
{
    struct tstore *ts = calloc(1, sizeof(*ts));
    snprintf(ts->dir, sizeof(ts->dir), "%s/ldapd-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(ts->dir) == NULL) {
        abort();
    }
    config_defaults(&ts->cfg);
    ts->cfg.ldap_listen[0] = '\0'; /* no StartTLS context in unit tests */
    struct store_options so = { .dir = ts->dir, .no_sync = true };
    if (store_open(&so, &ts->store) != 0) {
        abort();
    }
    struct store_txn *t;
    store_txn_begin(ts->store, true, &t);
    struct store_user alice = { .name = STR_VIEW_LIT("alice"), .email = STR_VIEW_LIT("a@x.example") };
    struct store_user bob = { .name = STR_VIEW_LIT("bob") };
    store_user_put(t, &alice, true);
    store_user_put(t, &bob, true);
    ts->book = tstore_book(t, "alice", "crm", 0);
    ts->private_book = tstore_book(t, "bob", "private", 0);
    for (int i = 0; i < (int)(sizeof(tstore_cards) / sizeof(tstore_cards[0])); i++) {
        tstore_put(ts, t, ts->book, tstore_cards[i], i);
    }
    tstore_put(ts, t, ts->private_book, tstore_eve, 99);
    if (store_txn_commit(&t) != 0) {
        abort();
    }
    ts->srv = ldapd_server_new(&ts->cfg, ts->store);
    ts->lc = (struct ldapd_conn){ .srv = ts->srv, .bound = true };
    strcpy(ts->lc.user, "alice");
    ts->a = arena_new(0);
    if (ldapd_req_begin(&ts->lc, ts->a, &ts->op) != 0) {
        abort();
    }
    return ts;
}

static void tstore_close(struct tstore **tsp)
{
    struct tstore *ts = *tsp;
    ldapd_req_end(&ts->op);
    arena_free(&ts->a);
    ldapd_server_free(&ts->srv);
    store_close(&ts->store);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ts->dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", ts->dir);
    }
    free(ts);
    *tsp = NULL;
}

/* A filter from its RFC 4515 string, decoded by the codec as the server sees it. */
static inline struct ldapd_filter *tfilter(struct arena *a, const char *text)
{
    BerElement *ber = ber_alloc_t(LBER_USE_DER);
    if (ber == NULL || ldap_pvt_put_filter(ber, text) == -1) {
        abort();
    }
    struct berval bv;
    ber_flatten2(ber, &bv, 0);
    uint8_t *copy = arena_alloc(a, bv.bv_len);
    memcpy(copy, bv.bv_val, bv.bv_len);
    size_t len = bv.bv_len;
    ber_free(ber, 1);
    struct ldapd_filter *f;
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    if (ldapd_filter_parse(a, copy, len, &lim, &f, NULL) != 0) {
        abort();
    }
    return f;
}

/* The entry of entity uuid (text), or NULL when it is not in the store. */
static inline struct ldapd_entry *tentry(struct tstore *ts, const char *uuid, struct store_entity *ent)
{
    struct store_id id;
    if (!ldapd_id_parse(str_view_of(uuid), &id) || store_entity_get(ts->op.txn, &id, ent) != 0) {
        return NULL;
    }
    return ldapd_dit_entity(&ts->op, ent);
}

#endif
