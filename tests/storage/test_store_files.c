/*
 * Storage contract: plain WebDAV file collections and batched listings (store.h
 * store_resource_list_after and the path names of STORE_COLL_FILES): which relative paths a
 * file collection takes, and listing in batches after a name, within a folder prefix.
 */
#include "tests/storage/store_fixture.h"

static uint64_t files_coll(struct fx *f)
{
    struct store_txn *t = fx_begin(f, true);
    uint64_t files = 0;
    assert_ok(fx_add_coll(t, STORE_COLL_FILES, "alice", "files", &files));
    fx_commit(&t);
    return files;
}

/* store.h: in file collections a name may be a relative path; folders end in '/'; no empty,
 * "." or ".." segment. */
static void test_file_collection_accepts_relative_paths_only(void **state)
{
    struct fx *f = *state;
    uint64_t files = files_coll(f);
    static const char *const good[] = { "dir/", "dir/a.txt", "dir/sub/", "dir/sub/b.txt",
                                        "x.y/..z" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct store_txn *t = fx_begin(f, true);
        assert_ok(fx_put(t, files, good[i], "", SV("x"), NULL, NULL));
        fx_commit(&t);
    }
    static const char *const bad[] = { "/abs",   "a//b", "./a", "a/./b", "../a",
                                       "a/../b", "a/..", "//",  "/" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct store_txn *t = fx_begin(f, true);
        int rc = fx_put(t, files, bad[i], "", SV("x"), NULL, NULL);
        if (rc == 0) {
            print_error("file path \"%s\" was accepted\n", bad[i]);
        }
        assert_int_not_equal(rc, 0);
        store_txn_abort(&t);
    }
    assert_int_equal(fx_coll(f, files).count, 5);
}

static void collect_after(struct fx *f, uint64_t coll, const char *prefix, const char *after,
                          size_t limit, struct fx_list *l)
{
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_resource_list_after(t, coll, SV(prefix), SV(after), limit, false,
                                        fx_collect_resource, l));
    store_txn_abort(&t);
}

static void test_list_after_streams_in_batches_in_name_order(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    for (int i = 0; i < 25; i++) {
        char name[32], uid[32];
        snprintf(name, sizeof(name), "r%02d.vcf", i);
        snprintf(uid, sizeof(uid), "u%02d", i);
        assert_ok(fx_put(t, f->book, name, uid, SV("x"), NULL, NULL));
    }
    fx_commit(&t);

    /* batches of 10, each in its own read txn, continuing after the last name seen */
    struct fx_list all = { 0 };
    char after[64] = "";
    for (int batch = 0; batch < 10; batch++) {
        struct fx_list l = { 0 };
        collect_after(f, f->book, "", after, 10, &l);
        for (size_t i = 0; i < l.n; i++) {
            fx_list_add(&all, SV(l.v[i]), 0, false);
        }
        size_t n = l.n;
        if (n > 0) {
            snprintf(after, sizeof(after), "%s", l.v[n - 1]);
        }
        fx_list_free(&l);
        assert_true(n <= 10);
        if (n < 10) {
            break;
        }
    }
    assert_int_equal(all.n, 25);
    for (int i = 0; i < 25; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r%02d.vcf", i);
        assert_string_equal(all.v[i], name);
    }
    fx_list_free(&all);

    /* `after` need not exist: listing starts at the next name */
    struct fx_list l = { 0 };
    collect_after(f, f->book, "", "r10", 2, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0], "r10.vcf");
    assert_string_equal(l.v[1], "r11.vcf");
    fx_list_free(&l);
    collect_after(f, f->book, "", "r24.vcf", 0, &l);
    assert_int_equal(l.n, 0);
    fx_list_free(&l);
}

static void test_list_after_with_prefix_lists_folder_members(void **state)
{
    struct fx *f = *state;
    uint64_t files = files_coll(f);
    static const char *const names[] = { "a/",       "a/b/",    "a/b/c.txt", "a/b/d.txt",
                                         "a/bz.txt", "a/e.txt", "ab.txt",    "b.txt" };
    struct store_txn *t = fx_begin(f, true);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_ok(fx_put(t, files, names[i], "", SV("x"), NULL, NULL));
    }
    fx_commit(&t);

    /* store.h: "names starting with prefix": the folder's own name starts with it too */
    struct fx_list l = { 0 };
    collect_after(f, files, "a/b/", "", 0, &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0], "a/b/");
    assert_string_equal(l.v[1], "a/b/c.txt");
    assert_string_equal(l.v[2], "a/b/d.txt");
    fx_list_free(&l);

    collect_after(f, files, "a/", "", 0, &l);
    assert_int_equal(l.n, 6); /* a/ and everything below it, not ab.txt or b.txt */
    assert_false(fx_list_has(&l, "ab.txt"));
    assert_false(fx_list_has(&l, "b.txt"));
    fx_list_free(&l);

    collect_after(f, files, "a/", "a/b/d.txt", 1, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "a/bz.txt");
    fx_list_free(&l);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_file_collection_accepts_relative_paths_only),
        T(test_list_after_streams_in_batches_in_name_order),
        T(test_list_after_with_prefix_lists_folder_members),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
