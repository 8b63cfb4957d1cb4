/*
 * Storage contract: the entity index (store.h "entity index"): a card put with a
 * struct store_entity is found through every secondary index with the normalisation the
 * header lists, store_entity_get returns what was put, and replacing or deleting the card,
 * its collection or its owner leaves no stale entry behind.
 */
#include "tests/storage/store_fixture.h"

static const struct store_id zero_id;

static struct str_view anna_emails[] = { { "Anna.Mueller@Example.COM", 24 },
                                         { "anna@home.example", 17 } };

static struct store_phone anna_phones[] = {
    { .text = { "030 9117-0000", 13 },
      .digits = { "03091170000", 11 },
      .e164 = { "493091170000", 12 },
      .types = STORE_PHONE_WORK | STORE_PHONE_PREF },
    { .text = { "+49 171 555 1234", 16 },
      .digits = { "491715551234", 12 },
      .e164 = { "491715551234", 12 },
      .types = STORE_PHONE_CELL },
};

static struct str_view anna_categories[] = { { "Kunden", 6 }, { "VIP", 3 } };

static struct store_relation anna_relations[] = {
    { .type = { "manager", 7 }, .target = { "urn:uuid:boss-0001", 18 }, .role = { "", 0 } },
    { .type = { "x-crm-employer", 14 },
      .target = { "urn:uuid:org-0001", 17 },
      .role = { "Einkauf", 7 },
      .start = { "2019-04-01", 10 },
      .end = { "", 0 } },
};

static struct store_entity anna(void)
{
    struct store_entity e = {
        .kind = STORE_ENTITY_PERSON,
        .uid = SV("urn:uuid:anna-0001"),
        .fn = SV("Anna Müller"),
        .family = SV("Müller"),
        .given = SV("Anna"),
        .org = SV("Beispiel GmbH"),
        .dept = SV("Einkauf"),
        .title = SV("Leiterin"),
        .bday = SV("1980-02-29"),
        .anniversary = SV(""),
        .emails = anna_emails,
        .n_emails = 2,
        .phones = anna_phones,
        .n_phones = 2,
        .categories = anna_categories,
        .n_categories = 2,
        .relations = anna_relations,
        .n_relations = 2,
    };
    return e;
}

static int put_entity(struct store_txn *t, uint64_t coll, const char *name,
                      const struct store_entity *e, struct store_resource *out)
{
    struct strbuf sb;
    strbuf_init(&sb, store_txn_arena(t), 128);
    strbuf_appendf(&sb, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:%.*s\r\nFN:%.*s\r\n",
                   STR_VIEW_FMT(e->uid), STR_VIEW_FMT(e->fn));
    for (size_t i = 0; i < e->n_emails; i++) {
        strbuf_appendf(&sb, "EMAIL:%.*s\r\n", STR_VIEW_FMT(e->emails[i]));
    }
    strbuf_append_cstr(&sb, "END:VCARD\r\n");
    struct store_put p = { .name = SV(name),
                           .content_type = SV("text/vcard; charset=utf-8"),
                           .uid = e->uid,
                           .body = strbuf_view(&sb),
                           .entity = e };
    return store_resource_put(t, coll, &p, out, NULL);
}

static struct store_id put_anna(struct fx *f)
{
    struct store_txn *t = fx_begin(f, true);
    struct store_entity e = anna();
    struct store_resource r;
    memset(&r, 0, sizeof(r));
    assert_ok(put_entity(t, f->book, "anna.vcf", &e, &r));
    fx_commit(&t);
    assert_memory_not_equal(r.entity_id.b, zero_id.b, STORE_ID_LEN);
    return r.entity_id;
}

struct ids {
    size_t n;
    struct store_id v[64];
};

static int collect_id(void *ctx, const struct store_id *id)
{
    struct ids *ids = ctx;
    assert_true(ids->n < 64);
    ids->v[ids->n++] = *id;
    return 0;
}

static size_t count_id(const struct ids *ids, const struct store_id *id)
{
    size_t n = 0;
    for (size_t i = 0; i < ids->n; i++) {
        n += memcmp(ids->v[i].b, id->b, STORE_ID_LEN) == 0;
    }
    return n;
}

static struct ids lookup(struct fx *f, enum store_index ix, const char *value, bool prefix)
{
    struct ids ids = { 0 };
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_entity_lookup(t, ix, SV(value), prefix, collect_id, &ids));
    store_txn_abort(&t);
    return ids;
}

/* value (exact or prefix) finds id exactly once */
static void assert_finds(struct fx *f, enum store_index ix, const char *value, bool prefix,
                         const struct store_id *id)
{
    struct ids ids = lookup(f, ix, value, prefix);
    if (count_id(&ids, id) != 1) {
        print_error("index %d %s \"%s\": entity found %zu times in %zu results\n", (int)ix,
                    prefix ? "prefix" : "exact", value, count_id(&ids, id), ids.n);
        fail();
    }
}

static void assert_misses(struct fx *f, enum store_index ix, const char *value, bool prefix,
                          const struct store_id *id)
{
    struct ids ids = lookup(f, ix, value, prefix);
    if (count_id(&ids, id) != 0) {
        print_error("index %d %s \"%s\": stale entry still finds the entity\n", (int)ix,
                    prefix ? "prefix" : "exact", value);
        fail();
    }
}

static void test_entity_get_returns_every_field(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, false);
    struct store_entity e;
    memset(&e, 0, sizeof(e));
    assert_ok(store_entity_get(t, &id, &e));
    assert_memory_equal(e.id.b, id.b, STORE_ID_LEN);
    assert_int_equal(e.kind, STORE_ENTITY_PERSON);
    assert_int_equal(e.coll_id, f->book);
    assert_view_eq(e.name, "anna.vcf");
    assert_view_eq(e.uid, "urn:uuid:anna-0001");
    assert_view_eq(e.fn, "Anna Müller");
    assert_view_eq(e.family, "Müller");
    assert_view_eq(e.given, "Anna");
    assert_view_eq(e.org, "Beispiel GmbH");
    assert_view_eq(e.dept, "Einkauf");
    assert_view_eq(e.title, "Leiterin");
    assert_int_equal(e.parent.len, 0);
    assert_view_eq(e.bday, "1980-02-29");
    assert_int_equal(e.anniversary.len, 0);
    assert_int_equal(e.n_emails, 2);
    assert_view_eq(e.emails[0], "Anna.Mueller@Example.COM"); /* as written */
    assert_view_eq(e.emails[1], "anna@home.example");
    assert_int_equal(e.n_phones, 2);
    assert_view_eq(e.phones[0].text, "030 9117-0000");
    assert_view_eq(e.phones[0].digits, "03091170000");
    assert_view_eq(e.phones[0].e164, "493091170000");
    assert_int_equal(e.phones[0].types, STORE_PHONE_WORK | STORE_PHONE_PREF);
    assert_view_eq(e.phones[1].text, "+49 171 555 1234");
    assert_int_equal(e.phones[1].types, STORE_PHONE_CELL);
    assert_int_equal(e.n_categories, 2);
    assert_view_eq(e.categories[0], "Kunden");
    assert_view_eq(e.categories[1], "VIP");
    assert_int_equal(e.n_relations, 2);
    assert_view_eq(e.relations[0].type, "manager");
    assert_view_eq(e.relations[0].target, "urn:uuid:boss-0001");
    assert_memory_equal(e.relations[0].target_id.b, zero_id.b, STORE_ID_LEN);
    assert_view_eq(e.relations[1].type, "x-crm-employer");
    assert_view_eq(e.relations[1].role, "Einkauf");
    assert_view_eq(e.relations[1].start, "2019-04-01");
    assert_int_equal(e.relations[1].end.len, 0);
    assert_true(e.created != 0 && e.modified >= e.created);

    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("anna.vcf"), false, &r));
    assert_memory_equal(r.entity_id.b, id.b, STORE_ID_LEN);
    store_txn_abort(&t);
}

static void test_entity_lookup_by_email_ignores_case(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_EMAIL, "anna.mueller@example.com", false, &id);
    assert_finds(f, STORE_IX_EMAIL, "ANNA.MUELLER@EXAMPLE.COM", false, &id);
    assert_finds(f, STORE_IX_EMAIL, "Anna.Mueller@Example.COM", false, &id);
    assert_finds(f, STORE_IX_EMAIL, "anna@home.example", false, &id);
    assert_finds(f, STORE_IX_EMAIL, "Anna.M", true, &id);
    assert_misses(f, STORE_IX_EMAIL, "anna.mueller@example.co", false, &id);
    assert_misses(f, STORE_IX_EMAIL, "nobody@example.com", false, &id);
}

static void test_entity_lookup_by_phone_digits_and_e164_prefix(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_PHONE_DIGITS, "03091170000", false, &id);
    assert_finds(f, STORE_IX_PHONE_DIGITS, "030911", true, &id);
    assert_misses(f, STORE_IX_PHONE_DIGITS, "030911", false, &id);
    assert_finds(f, STORE_IX_PHONE_E164, "493091170000", false, &id);
    assert_finds(f, STORE_IX_PHONE_E164, "4930911", true, &id);
    assert_finds(f, STORE_IX_PHONE_E164, "49171", true, &id);
    assert_misses(f, STORE_IX_PHONE_E164, "4930912", true, &id);
    assert_misses(f, STORE_IX_PHONE_DIGITS, "493091170000", false, &id);
}

/* Two phones whose E.164 forms both start with "49": one id for each value, so a prefix
 * lookup that matches both values may list the id twice; an exact one lists it once. */
static void test_entity_lookup_prefix_over_two_values_of_one_entity(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct ids ids = lookup(f, STORE_IX_PHONE_E164, "49", true);
    assert_true(count_id(&ids, &id) >= 1 && count_id(&ids, &id) <= 2);
}

static void test_entity_lookup_by_name_words_folds_case_including_utf8(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_NAME, "müller", false, &id); /* in fn and family: once */
    assert_finds(f, STORE_IX_NAME, "MÜLLER", false, &id);
    assert_finds(f, STORE_IX_NAME, "Müller", false, &id);
    assert_finds(f, STORE_IX_NAME, "anna", false, &id);
    assert_finds(f, STORE_IX_NAME, "ANNA", false, &id);
    assert_finds(f, STORE_IX_NAME, "beispiel", false, &id); /* org */
    assert_finds(f, STORE_IX_NAME, "gmbh", false, &id);
    assert_finds(f, STORE_IX_NAME, "einkauf", false, &id); /* dept */
    assert_finds(f, STORE_IX_NAME, "MÜL", true, &id);
    assert_finds(f, STORE_IX_NAME, "mü", true, &id);
    assert_misses(f, STORE_IX_NAME, "mül", false, &id);
    assert_misses(f, STORE_IX_NAME, "leiterin", false, &id); /* title is not a name */
    assert_misses(f, STORE_IX_NAME, "mueller", false, &id);
}

static void test_entity_lookup_by_uid_is_exact(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_UID, "urn:uuid:anna-0001", false, &id);
    assert_misses(f, STORE_IX_UID, "URN:UUID:ANNA-0001", false, &id);
    assert_misses(f, STORE_IX_UID, "urn:uuid:anna-000", false, &id);
}

static void test_entity_lookup_by_kind(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    struct store_entity org = { .kind = STORE_ENTITY_ORGANIZATION,
                                .uid = SV("urn:uuid:org-0001"),
                                .fn = SV("Beispiel GmbH"),
                                .org = SV("Beispiel GmbH") };
    struct store_resource r;
    assert_ok(put_entity(t, f->book, "org.vcf", &org, &r));
    fx_commit(&t);

    assert_finds(f, STORE_IX_KIND, "1", false, &id);
    assert_misses(f, STORE_IX_KIND, "2", false, &id);
    assert_finds(f, STORE_IX_KIND, "2", false, &r.entity_id);
    assert_misses(f, STORE_IX_KIND, "1", false, &r.entity_id);
    assert_int_equal(lookup(f, STORE_IX_KIND, "1", false).n, 1);
    assert_int_equal(lookup(f, STORE_IX_KIND, "3", false).n, 0);
}

static void test_entity_lookup_by_parent_and_relation_target(void **state)
{
    struct fx *f = *state;
    struct store_id anna_id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    struct store_entity dept = { .kind = STORE_ENTITY_DEPARTMENT,
                                 .uid = SV("urn:uuid:dept-0001"),
                                 .fn = SV("Einkauf"),
                                 .org = SV("Beispiel GmbH"),
                                 .dept = SV("Einkauf"),
                                 .parent = SV("urn:uuid:org-0001") };
    struct store_resource r;
    assert_ok(put_entity(t, f->book, "dept.vcf", &dept, &r));
    fx_commit(&t);

    assert_finds(f, STORE_IX_PARENT, "urn:uuid:org-0001", false, &r.entity_id);
    assert_misses(f, STORE_IX_PARENT, "urn:uuid:org-0001", false, &anna_id);
    assert_finds(f, STORE_IX_REL_TARGET, "urn:uuid:org-0001", false, &anna_id);
    assert_finds(f, STORE_IX_REL_TARGET, "urn:uuid:boss-0001", false, &anna_id);
    assert_misses(f, STORE_IX_REL_TARGET, "urn:uuid:org-0001", false, &r.entity_id);

    t = fx_begin(f, false);
    struct store_entity got;
    assert_ok(store_entity_get(t, &r.entity_id, &got));
    assert_int_equal(got.kind, STORE_ENTITY_DEPARTMENT);
    assert_view_eq(got.parent, "urn:uuid:org-0001");
    store_txn_abort(&t);
}

static void test_entity_replace_keeps_id_and_replaces_index_entries(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);

    struct store_txn *t = fx_begin(f, true);
    struct store_entity e = anna();
    static struct str_view new_email[] = { { "anna@neu.example", 16 } };
    static struct store_phone new_phone[] = { { .text = { "089 1234", 8 },
                                                .digits = { "0891234", 7 },
                                                .e164 = { "49891234", 8 },
                                                .types = STORE_PHONE_HOME } };
    e.emails = new_email;
    e.n_emails = 1;
    e.phones = new_phone;
    e.n_phones = 1;
    e.family = SV("Schmidt");
    e.fn = SV("Anna Schmidt");
    e.n_relations = 0;
    struct store_resource r;
    bool changed = false;
    struct store_put p = { .name = SV("anna.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = e.uid,
                           .body = SV("BEGIN:VCARD\r\nFN:Anna Schmidt\r\nEND:VCARD\r\n"),
                           .entity = &e };
    assert_ok(store_resource_put(t, f->book, &p, &r, &changed));
    fx_commit(&t);
    assert_true(changed);
    /* relationship records and LDAP DNs point at the id: it survives an edit */
    assert_memory_equal(r.entity_id.b, id.b, STORE_ID_LEN);

    assert_misses(f, STORE_IX_EMAIL, "anna.mueller@example.com", false, &id);
    assert_misses(f, STORE_IX_EMAIL, "anna@home.example", false, &id);
    assert_finds(f, STORE_IX_EMAIL, "anna@neu.example", false, &id);
    assert_misses(f, STORE_IX_PHONE_DIGITS, "03091170000", false, &id);
    assert_misses(f, STORE_IX_PHONE_E164, "4930911", true, &id);
    assert_finds(f, STORE_IX_PHONE_DIGITS, "0891234", false, &id);
    assert_finds(f, STORE_IX_PHONE_E164, "4989", true, &id);
    assert_misses(f, STORE_IX_NAME, "müller", false, &id);
    assert_finds(f, STORE_IX_NAME, "schmidt", false, &id);
    assert_finds(f, STORE_IX_NAME, "anna", false, &id);
    assert_misses(f, STORE_IX_REL_TARGET, "urn:uuid:org-0001", false, &id);

    t = fx_begin(f, false);
    struct store_entity got;
    assert_ok(store_entity_get(t, &id, &got));
    assert_view_eq(got.family, "Schmidt");
    assert_int_equal(got.n_emails, 1);
    assert_int_equal(got.n_relations, 0);
    store_txn_abort(&t);
}

/* The same bytes with another index record is a change (store.h: "the same bytes, type, UID
 * and index record again changes nothing"); the same record again is not. */
static void test_entity_record_is_part_of_the_noop_comparison(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_entity e = anna();
    struct store_put p = { .name = SV("anna.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = e.uid,
                           .body = SV("BEGIN:VCARD\r\nEND:VCARD\r\n"),
                           .entity = &e };
    struct store_resource r1, r2, r3;
    assert_ok(store_resource_put(t, f->book, &p, &r1, NULL));
    fx_commit(&t);

    t = fx_begin(f, true);
    bool changed = true;
    assert_ok(store_resource_put(t, f->book, &p, &r2, &changed));
    fx_commit(&t);
    assert_false(changed);
    assert_int_equal(r2.rev, r1.rev);

    t = fx_begin(f, true);
    e.title = SV("Geschäftsführerin");
    changed = false;
    assert_ok(store_resource_put(t, f->book, &p, &r3, &changed));
    fx_commit(&t);
    assert_true(changed);

    t = fx_begin(f, false);
    struct store_entity got;
    assert_ok(store_entity_get(t, &r1.entity_id, &got));
    assert_view_eq(got.title, "Geschäftsführerin");
    store_txn_abort(&t);
}

static void assert_entity_gone(struct fx *f, const struct store_id *id)
{
    struct store_txn *t = fx_begin(f, false);
    struct store_entity got;
    assert_rc(ERR_NOT_FOUND, store_entity_get(t, id, &got));
    store_txn_abort(&t);
    assert_misses(f, STORE_IX_EMAIL, "anna.mueller@example.com", false, id);
    assert_misses(f, STORE_IX_PHONE_DIGITS, "03091170000", false, id);
    assert_misses(f, STORE_IX_PHONE_E164, "493091170000", false, id);
    assert_misses(f, STORE_IX_NAME, "müller", false, id);
    assert_misses(f, STORE_IX_UID, "urn:uuid:anna-0001", false, id);
    assert_misses(f, STORE_IX_KIND, "1", false, id);
    assert_misses(f, STORE_IX_REL_TARGET, "urn:uuid:org-0001", false, id);
}

static void test_entity_removed_when_card_is_replaced_without_record(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    struct store_resource r;
    assert_ok(fx_put(t, f->book, "anna.vcf", "urn:uuid:anna-0001", SV("not a card any more"), &r,
                     NULL));
    fx_commit(&t);
    assert_memory_equal(r.entity_id.b, zero_id.b, STORE_ID_LEN);
    assert_entity_gone(f, &id);
}

static void test_entity_removed_with_its_resource(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("anna.vcf"), 0));
    fx_commit(&t);
    assert_entity_gone(f, &id);
}

static void test_entity_removed_with_its_collection(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_collection_delete(t, f->book));
    fx_commit(&t);
    assert_entity_gone(f, &id);
}

static void test_entity_removed_with_its_owner(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_user_delete(t, SV("alice")));
    fx_commit(&t);
    assert_entity_gone(f, &id);
}

/* The same card in two books is two independent entities (MAPPING.md: one entity, one
 * folder); deleting one leaves the other findable. */
static void test_entity_copies_in_two_collections_are_independent(void **state)
{
    struct fx *f = *state;
    struct store_id id1 = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    struct store_entity e = anna();
    struct store_resource r;
    assert_ok(put_entity(t, other, "anna.vcf", &e, &r));
    fx_commit(&t);
    struct store_id id2 = r.entity_id;
    assert_memory_not_equal(id1.b, id2.b, STORE_ID_LEN);

    struct ids ids = lookup(f, STORE_IX_EMAIL, "anna@home.example", false);
    assert_int_equal(ids.n, 2);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("anna.vcf"), 0));
    fx_commit(&t);
    assert_misses(f, STORE_IX_EMAIL, "anna@home.example", false, &id1);
    assert_finds(f, STORE_IX_EMAIL, "anna@home.example", false, &id2);
}

static int collect_entity(void *ctx, const struct store_entity *e)
{
    fx_list_add(ctx, e->name, e->coll_id, false);
    return 0;
}

static void test_entity_list_all_or_per_collection(void **state)
{
    struct fx *f = *state;
    put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    struct store_entity e = { .kind = STORE_ENTITY_PERSON, .uid = SV("u-bob"), .fn = SV("Bob") };
    assert_ok(put_entity(t, other, "bob.vcf", &e, NULL));
    /* a resource without a record is not an entity */
    assert_ok(fx_put(t, other, "plain.vcf", "u-plain", SV("x"), NULL, NULL));
    fx_commit(&t);

    t = fx_begin(f, false);
    struct fx_list l = { 0 };
    assert_ok(store_entity_list(t, 0, collect_entity, &l));
    assert_int_equal(l.n, 2);
    assert_true(fx_list_has(&l, "anna.vcf") && fx_list_has(&l, "bob.vcf"));
    fx_list_free(&l);
    assert_ok(store_entity_list(t, other, collect_entity, &l));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "bob.vcf");
    assert_int_equal(l.num[0], other);
    fx_list_free(&l);
    store_txn_abort(&t);
}

static void test_entity_get_of_unknown_id_is_not_found(void **state)
{
    struct fx *f = *state;
    put_anna(f);
    struct store_id id;
    memset(id.b, 0x5a, sizeof(id.b));
    struct store_txn *t = fx_begin(f, false);
    struct store_entity got;
    assert_rc(ERR_NOT_FOUND, store_entity_get(t, &id, &got));
    store_txn_abort(&t);
}

/* A card with a real UUID UID copied into a second book: two entities, two ids, each
 * deleted on its own (MAPPING.md rule 1). */
static void test_entity_uuid_uid_in_two_collections_gives_two_entities(void **state)
{
    struct fx *f = *state;
    const char *uid = "urn:uuid:7f1c2a4e-3b5d-4c6e-8f90-a1b2c3d4e5f6";
    struct store_txn *t = fx_begin(f, true);
    uint64_t other = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "other", &other));
    struct store_entity e = { .kind = STORE_ENTITY_PERSON, .uid = SV(uid), .fn = SV("Zoe Zed") };
    struct store_resource r1, r2;
    assert_ok(put_entity(t, f->book, "z.vcf", &e, &r1));
    assert_ok(put_entity(t, other, "z.vcf", &e, &r2));
    fx_commit(&t);
    assert_memory_not_equal(r1.entity_id.b, r2.entity_id.b, STORE_ID_LEN);
    struct ids ids = lookup(f, STORE_IX_UID, uid, false);
    assert_int_equal(ids.n, 2);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("z.vcf"), 0));
    fx_commit(&t);
    assert_finds(f, STORE_IX_NAME, "zoe", false, &r2.entity_id);
    assert_finds(f, STORE_IX_UID, uid, false, &r2.entity_id);
    t = fx_begin(f, false);
    struct store_entity got;
    assert_ok(store_entity_get(t, &r2.entity_id, &got));
    assert_int_equal(got.coll_id, other);
    assert_rc(ERR_NOT_FOUND, store_entity_get(t, &r1.entity_id, &got));
    store_txn_abort(&t);
}

/* "in index order": a prefix lookup lists matches by folded value. */
static void test_entity_prefix_lookup_is_in_value_order(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = { "Müller", "Maier", "Meier", "Mayer" };
    struct store_id ids_by_name[4];
    struct store_txn *t = fx_begin(f, true);
    for (int i = 0; i < 4; i++) {
        char file[32], uid[32];
        snprintf(file, sizeof(file), "p%d.vcf", i);
        snprintf(uid, sizeof(uid), "uid-p%d", i);
        struct store_entity e = {
            .kind = STORE_ENTITY_PERSON, .uid = SV(uid), .fn = SV(names[i]), .family = SV(names[i])
        };
        struct store_resource r;
        assert_ok(put_entity(t, f->book, file, &e, &r));
        ids_by_name[i] = r.entity_id;
    }
    fx_commit(&t);
    struct ids got = lookup(f, STORE_IX_NAME, "M", true);
    assert_int_equal(got.n, 4);
    /* maier < mayer < meier < müller (bytes of the folded UTF-8) */
    static const int want[] = { 1, 3, 2, 0 };
    for (int i = 0; i < 4; i++) {
        assert_memory_equal(got.v[i].b, ids_by_name[want[i]].b, STORE_ID_LEN);
    }
}

/* STORE_IX_SUBSTR: a prefix lookup finds words and addresses containing the value, folded,
 * cut at character (not byte) boundaries. */
static void test_entity_substring_index_finds_contained_text(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_SUBSTR, "muell", true, &id); /* inside the e-mail */
    assert_finds(f, STORE_IX_SUBSTR, "example.com", true, &id);
    assert_finds(f, STORE_IX_SUBSTR, "ller", true, &id); /* inside "müller" */
    assert_finds(f, STORE_IX_SUBSTR, "ÜLL", true, &id);  /* folded, starts mid-word */
    assert_finds(f, STORE_IX_SUBSTR, "nna", true, &id);
    assert_misses(f, STORE_IX_SUBSTR, "xyz", true, &id);
    assert_misses(f, STORE_IX_SUBSTR, "leiterin", true, &id); /* title is not indexed */
}

/* store.h: "every suffix of every case-folded name word and e-mail address"; name words
 * are those of STORE_IX_NAME (fn, family, given, org, dept). A caller that trusts the index
 * for LDAP (o=*x*) or (mail=*x*) misses entities the index leaves out. */
static void test_entity_substring_index_covers_org_words_and_email_infixes(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    assert_finds(f, STORE_IX_SUBSTR, "eispiel", true, &id); /* org word "beispiel" */
    assert_finds(f, STORE_IX_SUBSTR, "inkauf", true, &id);  /* dept word "einkauf" */
    assert_finds(f, STORE_IX_SUBSTR, "uell", true, &id);    /* inside "anna.mueller@..." */
    assert_finds(f, STORE_IX_SUBSTR, "xample.c", true, &id);
}

static void test_entity_substring_entries_follow_replace_and_delete(void **state)
{
    struct fx *f = *state;
    struct store_id id = put_anna(f);
    struct store_txn *t = fx_begin(f, true);
    struct store_entity e = anna();
    static struct str_view new_email[] = { { "a.s@neu.example", 15 } };
    e.emails = new_email;
    e.n_emails = 1;
    e.family = SV("Schmidt");
    e.fn = SV("Anna Schmidt");
    assert_ok(put_entity(t, f->book, "anna.vcf", &e, NULL));
    fx_commit(&t);
    assert_misses(f, STORE_IX_SUBSTR, "ller", true, &id);
    assert_misses(f, STORE_IX_SUBSTR, "muell", true, &id);
    assert_finds(f, STORE_IX_SUBSTR, "chmid", true, &id);
    assert_finds(f, STORE_IX_SUBSTR, "neu.ex", true, &id);

    t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("anna.vcf"), 0));
    fx_commit(&t);
    assert_misses(f, STORE_IX_SUBSTR, "chmid", true, &id);
    assert_misses(f, STORE_IX_SUBSTR, "nna", true, &id);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_entity_get_returns_every_field),
        T(test_entity_lookup_by_email_ignores_case),
        T(test_entity_lookup_by_phone_digits_and_e164_prefix),
        T(test_entity_lookup_prefix_over_two_values_of_one_entity),
        T(test_entity_lookup_by_name_words_folds_case_including_utf8),
        T(test_entity_lookup_by_uid_is_exact),
        T(test_entity_lookup_by_kind),
        T(test_entity_lookup_by_parent_and_relation_target),
        T(test_entity_replace_keeps_id_and_replaces_index_entries),
        T(test_entity_record_is_part_of_the_noop_comparison),
        T(test_entity_removed_when_card_is_replaced_without_record),
        T(test_entity_removed_with_its_resource),
        T(test_entity_removed_with_its_collection),
        T(test_entity_removed_with_its_owner),
        T(test_entity_copies_in_two_collections_are_independent),
        T(test_entity_list_all_or_per_collection),
        T(test_entity_get_of_unknown_id_is_not_found),
        T(test_entity_uuid_uid_in_two_collections_gives_two_entities),
        T(test_entity_prefix_lookup_is_in_value_order),
        T(test_entity_substring_index_finds_contained_text),
        T(test_entity_substring_index_covers_org_words_and_email_infixes),
        T(test_entity_substring_entries_follow_replace_and_delete),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
