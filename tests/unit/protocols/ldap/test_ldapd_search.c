/* Tests for protocols/ldap/ldapd_search.c: searches run end to end on the test store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "ldapd_test_store.h"
#include "src/conn.h"

static struct tstore *ts;
static struct conn g_conn; /* only its log prefix is used */

#define T_PUBLIC_PEOPLE 120

static int setup(void **state)
{
    ts = tstore_open();
    ts->lc.conn = &g_conn;
    /* A public book bigger than the anonymous maximum. */
    struct store_txn *t;
    store_txn_begin(ts->store, true, &t);
    uint64_t pub = tstore_book(t, "bob", "public", STORE_COLL_PUBLIC);
    for (int i = 0; i < T_PUBLIC_PEOPLE; i++) {
        char card[256];
        snprintf(card, sizeof(card),
                "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:7e000000-0000-4000-8000-%012d\r\n"
                "FN:Public Person %d\r\nN:Person;Public;;;\r\nEND:VCARD\r\n", i, i);
        tstore_put(ts, t, pub, arena_strdup(store_txn_arena(t), card), 1000 + i);
    }
    return store_txn_commit(&t) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    tstore_close(&ts);
    return 0;
}

struct tresult {
    size_t entries;
    int code;
    char dns[2048]; /* "dn|dn|..." */
};

/* Run one search as lc and read back what it wrote. */
static struct tresult search(struct ldapd_conn *lc, const char *base, int scope, int sizelimit,
        const char *filter)
{
    BerElement *req = tpdu_begin(2);
    tpdu_search(req, base, scope, sizelimit, 0, 0, filter, NULL);
    struct tpdu pdu = tpdu_end(req);
    struct arena *a = arena_new(0);
    struct ldapd_message *m;
    struct ldapd_limits lim = LDAPD_LIMITS_DEFAULT;
    assert_int_equal(ldapd_message_decode(a, pdu.p, pdu.len, &lim, &m), 0);
    struct evbuffer *out = evbuffer_new();
    ldapd_search_handle(lc, m, a, out);
    arena_free(&a);
    tpdu_free(&pdu);

    struct tresult r = { .code = -1 };
    size_t len = evbuffer_get_length(out);
    struct berval bv = { len, (char *)evbuffer_pullup(out, (ev_ssize_t)len) };
    BerElement *ber = ber_init(&bv);
    evbuffer_free(out);
    for (;;) {
        ber_int_t id;
        ber_len_t l;
        if (ber_scanf(ber, "{i", &id) == LBER_ERROR) {
            break;
        }
        ber_tag_t tag = ber_peek_tag(ber, &l);
        if (tag == LDAP_RES_SEARCH_ENTRY) {
            struct berval dn;
            assert_int_not_equal(ber_scanf(ber, "{mx}}", &dn), LBER_ERROR);
            size_t n = strlen(r.dns);
            snprintf(r.dns + n, sizeof(r.dns) - n, "%s%.*s", n ? "|" : "", (int)dn.bv_len,
                    dn.bv_val);
            r.entries++;
            continue;
        }
        ber_int_t code;
        assert_int_equal(tag, LDAP_RES_SEARCH_RESULT);
        assert_int_not_equal(ber_scanf(ber, "{e", &code), LBER_ERROR);
        r.code = code;
        break;
    }
    ber_free(ber, 1);
    return r;
}

static void test_server_maxima_depend_on_the_bound_identity(void **state)
{
    struct kith_config cfg;
    config_defaults(&cfg);
    cfg.ldap_size_limit = 500;
    cfg.ldap_time_limit = 10;
    size_t size;
    unsigned secs;
    ldapd_server_maxima(&cfg, false, &size, &secs);
    assert_int_equal(size, 500);
    assert_int_equal(secs, 10);
    ldapd_server_maxima(&cfg, true, &size, &secs);
    assert_int_equal(size, LDAPD_ANON_SIZE_LIMIT);
    assert_int_equal(secs, LDAPD_ANON_TIME_LIMIT);
    cfg.ldap_size_limit = 20; /* a lower configured value wins for anonymous too */
    cfg.ldap_time_limit = 2;
    ldapd_server_maxima(&cfg, true, &size, &secs);
    assert_int_equal(size, 20);
    assert_int_equal(secs, 2);
}

static void test_anonymous_search_stops_at_the_anonymous_maximum(void **state)
{
    ts->cfg.ldap_anonymous = true;
    struct ldapd_conn anon = { .conn = &g_conn, .srv = ts->srv };
    struct tresult r = search(&anon, "ou=People,dc=example,dc=com", LDAP_SCOPE_ONELEVEL, 0,
            "(objectClass=person)");
    assert_int_equal(r.entries, LDAPD_ANON_SIZE_LIMIT);
    assert_int_equal(r.code, LDAPD_SIZE_LIMIT_EXCEEDED);
    /* A bound user (who sees public books too) gets the configured maximum (500). */
    r = search(&ts->lc, "ou=People,dc=example,dc=com", LDAP_SCOPE_ONELEVEL, 0,
            "(objectClass=person)");
    assert_int_equal(r.entries, T_PUBLIC_PEOPLE + 2); /* Anna and Bill from alice's book */
    assert_int_equal(r.code, LDAPD_SUCCESS);
    ts->cfg.ldap_anonymous = false;
    r = search(&anon, "ou=People,dc=example,dc=com", LDAP_SCOPE_ONELEVEL, 0,
            "(objectClass=person)");
    assert_int_equal(r.entries, 0);
}

static void test_client_size_limit_below_the_maximum_is_kept(void **state)
{
    struct tresult r = search(&ts->lc, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 3,
            "(objectClass=*)");
    assert_int_equal(r.entries, 3);
    assert_int_equal(r.code, LDAPD_SIZE_LIMIT_EXCEEDED);
}

static void test_fixed_entries_and_users_are_found_only_when_the_filter_can_match(void **state)
{
    /* Caller-ID: only the person (no container, suffix or user has a phone). */
    struct tresult r = search(&ts->lc, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0,
            "(telephoneNumber=030 9117-0000)");
    assert_string_equal(r.dns, "uid=" T_ANNA ",ou=People,dc=example,dc=com");
    /* An OR reaching a container and a person finds both. */
    r = search(&ts->lc, "dc=example,dc=com", LDAP_SCOPE_SUBTREE, 0,
            "(|(telephoneNumber=030 9117-0000)(ou=People))");
    assert_string_equal(r.dns,
            "ou=People,dc=example,dc=com|uid=" T_ANNA ",ou=People,dc=example,dc=com");
    /* NOT is left to the matcher: the containers have no phone, so they match. */
    r = search(&ts->lc, "dc=example,dc=com", LDAP_SCOPE_ONELEVEL, 0, "(!(telephoneNumber=1))");
    assert_int_equal(r.entries, 3);
    /* Users are bind identities with mail: a mail filter still reaches them. */
    r = search(&ts->lc, "ou=Users,dc=example,dc=com", LDAP_SCOPE_ONELEVEL, 0,
            "(mail=a@x.example)");
    assert_string_equal(r.dns, "uid=alice,ou=Users,dc=example,dc=com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_maxima_depend_on_the_bound_identity),
        cmocka_unit_test(test_anonymous_search_stops_at_the_anonymous_maximum),
        cmocka_unit_test(test_client_size_limit_below_the_maximum_is_kept),
        cmocka_unit_test(test_fixed_entries_and_users_are_found_only_when_the_filter_can_match),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
