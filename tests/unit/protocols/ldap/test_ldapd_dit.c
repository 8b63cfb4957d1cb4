/* Tests for protocols/ldap/ldapd_dit.c: where entities sit in the DIT and who sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ldapd_test_store.h"
#include "src/err.h"

static struct tstore *ts;

static int setup(void **state)
{
    ts = tstore_open();
    return 0;
}

static int teardown(void **state)
{
    tstore_close(&ts);
    return 0;
}

static void assert_dn(const char *uuid, const char *want)
{
    struct store_entity ent;
    struct ldapd_entry *e = tentry(ts, uuid, &ent);
    assert_non_null(e);
    assert_string_equal(str_view_dup(ts->a, e->dn), want);
    ldapd_entry_free(&e);
}

static void test_people_orgs_and_departments_get_their_dns(void **state)
{
    assert_dn(T_ANNA, "uid=" T_ANNA ",ou=People,dc=example,dc=com");
    assert_dn(T_ACME, "o=Acme GmbH,ou=Organizations,dc=example,dc=com");
    assert_dn(T_SALES, "ou=Sales,o=Acme GmbH,ou=Organizations,dc=example,dc=com");
}

static void test_targets_resolve_and_hide_invisible_entries(void **state)
{
    struct ldapd_target t;
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("OU=sales,o=ACME GMBH,"
                                                  "ou=organizations,dc=example,dc=com"), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_ENTITY);
    assert_int_equal(t.entity.kind, STORE_ENTITY_DEPARTMENT);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("uid=" T_ANNA
                                                  ",ou=People,dc=example,dc=com"), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_ENTITY);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("uid=" T_EVE
                                                  ",ou=People,dc=example,dc=com"), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_NONE); /* bob's private book */
    assert_string_equal(str_view_dup(ts->a, t.matched), "ou=People,dc=example,dc=com");
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT(""), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_ROOT_DSE);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("cn=subschema"), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_SUBSCHEMA);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("uid=alice,ou=Users,dc=example,dc=com"),
                             &t), 0);
    assert_int_equal(t.kind, LDAPD_T_USER);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("dc=other"), &t), 0);
    assert_int_equal(t.kind, LDAPD_T_NONE);
    assert_int_equal(ldapd_dit_target(&ts->op, STR_VIEW_LIT("bogus"), &t), ERR_INVAL);
}

static void test_relations_render_dns_of_visible_targets_only(void **state)
{
    struct store_entity ent;
    struct ldapd_entry *e = tentry(ts, T_ANNA, &ent);
    const struct ldapd_values *v = ldapd_entry_values(e, ldapd_schema_attr(LDAPD_A_MANAGER));
    assert_int_equal(v->n, 1);
    v = ldapd_entry_values(e, ldapd_schema_attr(LDAPD_A_SEEALSO));
    assert_int_equal(v->n, 1);
    assert_string_equal(str_view_dup(ts->a, v->v[0]), "o=Acme GmbH,ou=Organizations,dc=example,dc=com");
    v = ldapd_entry_values(e, ldapd_schema_attr(LDAPD_A_SECRETARY));
    assert_int_equal(v->n, 0); /* Eve is invisible to alice */
    ldapd_entry_free(&e);
}

static void test_anonymous_sees_nothing_unless_allowed_and_public(void **state)
{
    struct ldapd_conn anon = { .srv = ts->srv };
    struct arena *a = arena_new(0);
    struct ldapd_req op;
    assert_int_equal(ldapd_req_begin(&anon, a, &op), 0);
    struct store_entity ent;
    struct store_id id;
    ldapd_id_parse(STR_VIEW_LIT(T_ANNA), &id);
    assert_int_equal(store_entity_get(op.txn, &id, &ent), 0);
    assert_false(ldapd_req_visible(&op, &ent));
    ldapd_req_end(&op);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_people_orgs_and_departments_get_their_dns),
        cmocka_unit_test(test_targets_resolve_and_hide_invisible_entries),
        cmocka_unit_test(test_relations_render_dns_of_visible_targets_only),
        cmocka_unit_test(test_anonymous_sees_nothing_unless_allowed_and_public),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
