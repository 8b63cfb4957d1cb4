/*
 * Storage contract: the environment and transactions (store.h "environment" and
 * "transactions"): open creates its directory and refuses one it cannot write, commits are
 * seen after reopen, aborted and failed transactions leave no trace, read snapshots are
 * stable, and backups open as stores holding the same data.
 */
#include "tests/storage/store_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

static bool user_exists(struct store *s, const char *name)
{
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(s, false, &t));
    struct store_user u;
    int rc = store_user_get(t, SV(name), &u);
    store_txn_abort(&t);
    if (rc != 0 && rc != ERR_NOT_FOUND) {
        assert_ok(rc);
    }
    return rc == 0;
}

static void test_open_creates_missing_directory(void **state)
{
    struct fx *f = *state;
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/fresh", f->dir);
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);

    struct store *s = NULL;
    assert_ok(fx_open_dir(dir, true, &s));
    assert_non_null(s);
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    store_close(&s);
    assert_null(s);
}

/* Root ignores permission bits, so the unwritable directory is one below a regular file:
 * mkdir fails with ENOTDIR for everyone (issue 2: "a store directory that is not writable"). */
static void test_open_under_a_regular_file_fails_with_enotdir(void **state)
{
    struct fx *f = *state;
    char file[PATH_MAX + 16], dir[PATH_MAX + 32];
    snprintf(file, sizeof(file), "%s/plain", f->dir);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(dir, sizeof(dir), "%s/sub", file);

    struct store *s = NULL;
    assert_rc(-ENOTDIR, fx_open_dir(dir, true, &s)); /* err_str: "Not a directory" */
    assert_null(s);
}

static void test_open_of_a_regular_file_fails_with_enotdir(void **state)
{
    struct fx *f = *state;
    char file[PATH_MAX + 16];
    snprintf(file, sizeof(file), "%s/plain", f->dir);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a store\n", 12), 12);
    close(fd);

    struct store *s = NULL;
    assert_rc(-ENOTDIR, fx_open_dir(file, true, &s));
    assert_null(s);
}

static void test_read_only_open_of_missing_directory_fails_and_creates_nothing(void **state)
{
    struct fx *f = *state;
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/absent", f->dir);
    struct store_options opts = { .dir = dir, .read_only = true };
    struct store *s = NULL;
    assert_int_not_equal(store_open(&opts, &s), 0);
    assert_null(s);
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
}

static void test_close_is_null_safe(void **state)
{
    (void)state;
    struct store *s = NULL;
    store_close(&s);
    assert_null(s);
}

static void test_reopen_sees_committed_data(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "uid-a", "kept");
    store_close(&f->s);

    assert_ok(fx_open_dir(f->store_dir, true, &f->s));
    struct store_txn *t = fx_begin(f, false);
    struct store_collection c;
    assert_ok(store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("book"), &c));
    assert_int_equal(c.id, f->book);
    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("a.vcf"), true, &r));
    assert_view_eq(r.uid, "uid-a");
    assert_true(memmem(r.body.ptr, r.body.len, "NOTE:kept", 9) != NULL);
    store_txn_abort(&t);
}

static void test_aborted_txn_leaves_nothing(void **state)
{
    struct fx *f = *state;
    struct store_collection before = fx_coll(f, f->book);

    f->txn = fx_begin(f, true);
    assert_ok(fx_add_user(f->txn, "bob", "bob@example.com"));
    assert_ok(fx_put(f->txn, f->book, "x.vcf", "uid-x", SV("BEGIN:VCARD\r\nEND:VCARD\r\n"), NULL,
                     NULL));
    store_txn_abort(&f->txn);
    assert_null(f->txn);

    assert_false(user_exists(f->s, "bob"));
    struct store_txn *t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("x.vcf"), false, &r));
    store_txn_abort(&t);
    struct store_collection after = fx_coll(f, f->book);
    assert_int_equal(after.count, before.count);
    assert_int_equal(after.sync_seq, before.sync_seq);
}

/* Sticky error: a failed step poisons the txn; commit returns that error and leaves no trace
 * of the steps that had succeeded before it (store.h "Transactions"). */
static void test_failed_step_makes_commit_fail_and_undoes_earlier_steps(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_int_equal(store_txn_error(t), 0);
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    assert_ok(fx_put(t, f->book, "x.vcf", "uid-x", SV("BEGIN:VCARD\r\nEND:VCARD\r\n"), NULL, NULL));
    assert_rc(ERR_EXISTS, fx_add_user(t, "alice", "other@example.com"));
    assert_rc(ERR_EXISTS, store_txn_error(t));
    /* a later step that would succeed on its own does not clear the error */
    (void)fx_add_user(t, "carol", "carol@example.com");
    assert_rc(ERR_EXISTS, store_txn_error(t));
    assert_rc(ERR_EXISTS, store_txn_commit(&t));
    assert_null(t);

    assert_false(user_exists(f->s, "bob"));
    assert_false(user_exists(f->s, "carol"));
    assert_true(user_exists(f->s, "alice"));
    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("x.vcf"), false, &r));
    store_txn_abort(&t);
    assert_int_equal(fx_coll(f, f->book).count, 0);
}

static void test_failed_precondition_poisons_the_txn(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "one");

    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "b.vcf", "uid-b", fx_card(t, "uid-b", "b"), NULL, NULL));
    struct store_put p = { .name = SV("a.vcf"),
                           .content_type = SV("text/vcard"),
                           .uid = SV("uid-a"),
                           .body = fx_card(t, "uid-a", "two"),
                           .if_match = rev + 1000 };
    assert_rc(ERR_PRECONDITION, store_resource_put(t, f->book, &p, NULL, NULL));
    assert_rc(ERR_PRECONDITION, store_txn_commit(&t));

    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("b.vcf"), false, &r));
    assert_ok(store_resource_get(t, f->book, SV("a.vcf"), false, &r));
    assert_int_equal(r.rev, rev);
    store_txn_abort(&t);
}

static void test_txn_abort_is_null_safe(void **state)
{
    (void)state;
    struct store_txn *t = NULL;
    store_txn_abort(&t);
    assert_null(t);
}

static void test_txn_arena_is_usable_for_scratch_data(void **state)
{
    struct fx *f = *state;
    f->txn = fx_begin(f, false);
    struct arena *a = store_txn_arena(f->txn);
    assert_non_null(a);
    struct strbuf sb;
    strbuf_init(&sb, a, 4);
    strbuf_appendf(&sb, "%d-%s", 42, "x");
    assert_view_eq(strbuf_view(&sb), "42-x");
    store_txn_abort(&f->txn);
}

static void test_read_txn_refuses_writes(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    assert_int_not_equal(fx_add_user(t, "bob", "bob@example.com"), 0);
    store_txn_abort(&t);
    assert_false(user_exists(f->s, "bob"));
}

/* One event-loop thread holds a read txn (a streamed PROPFIND) while a write request runs
 * and commits: the reader keeps its snapshot, a new reader sees the commit (store.h: "Read
 * transactions see one consistent snapshot and never block writers"). */
static void test_read_snapshot_is_stable_across_a_concurrent_commit(void **state)
{
    struct fx *f = *state;
    struct store_txn *r1 = fx_begin(f, false);
    struct store_txn *r2 = fx_begin(f, false); /* two readers in one thread, too */
    struct store_txn *w = fx_begin(f, true);
    assert_ok(fx_add_user(w, "bob", "bob@example.com"));
    fx_commit(&w);

    struct store_user u;
    assert_rc(ERR_NOT_FOUND, store_user_get(r1, SV("bob"), &u));
    assert_rc(ERR_NOT_FOUND, store_user_get(r2, SV("bob"), &u));
    store_txn_abort(&r1);
    store_txn_abort(&r2);
    assert_true(user_exists(f->s, "bob"));
}

/* A lookup that finds nothing is an answer, not a failed step: "get, else create" in one
 * request must be able to commit. (store.h does not say which steps set the sticky error;
 * this pins the reading that misses do not.) */
static void test_not_found_lookup_does_not_poison_a_write_txn(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    struct store_user u;
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_user_get(t, SV("bob"), &u));
    assert_rc(ERR_NOT_FOUND, store_resource_find_uid(t, f->book, SV("nope"), &r));
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("nope.vcf"), false, &r));
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    assert_int_equal(store_txn_error(t), 0);
    fx_commit(&t);
    assert_true(user_exists(f->s, "bob"));
}

/* store_generation: what answer caches compare against. */
static void test_generation_moves_only_with_committed_changes(void **state)
{
    struct fx *f = *state;
    uint64_t g0 = store_generation(f->s);

    struct store_txn *t = fx_begin(f, false);
    store_txn_abort(&t);
    assert_true(store_generation(f->s) == g0); /* reads leave it */

    t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "carol", "carol@example.com"));
    store_txn_abort(&t);
    assert_true(store_generation(f->s) == g0); /* an aborted write leaves it */

    t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "carol", "carol@example.com"));
    fx_commit(&t);
    uint64_t g1 = store_generation(f->s);
    assert_true(g1 > g0);

    t = fx_begin(f, true);
    fx_commit(&t);
    assert_true(store_generation(f->s) == g1); /* an empty commit changes nothing */
}

static void test_read_only_store_refuses_write_txns_and_reads(void **state)
{
    struct fx *f = *state;
    store_close(&f->s);
    struct store_options opts = { .dir = f->store_dir, .read_only = true, .no_sync = true };
    assert_ok(store_open(&opts, &f->s));
    struct store_txn *t = NULL;
    int rc = store_txn_begin(f->s, true, &t);
    if (rc == 0) {
        /* a store may refuse at the first write step instead of at begin */
        assert_int_not_equal(fx_add_user(t, "bob", "bob@example.com"), 0);
        store_txn_abort(&t);
    }
    assert_true(user_exists(f->s, "alice"));
    assert_false(user_exists(f->s, "bob"));
}

/* ---------------------------------------------------------------- store_check, backup */

static void test_check_reports_no_problems_on_a_populated_store(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 50; i++) {
        char name[32], uid[32];
        snprintf(name, sizeof(name), "c%02d.vcf", i);
        snprintf(uid, sizeof(uid), "uid-%02d", i);
        fx_put_card(f, f->book, name, uid, "n");
    }
    struct store_txn *t = fx_begin(f, true);
    assert_ok(store_resource_delete(t, f->book, SV("c07.vcf"), 0));
    assert_ok(store_prop_put(t, f->book, SV(""), SV("{DAV:}displayname"), SV("Book")));
    fx_commit(&t);

    size_t problems = 99;
    assert_ok(store_check(f->s, fx_problem, NULL, &problems));
    assert_int_equal(problems, 0);
}

static void test_backup_opens_as_a_store_with_the_same_data(void **state)
{
    struct fx *f = *state;
    uint64_t rev = fx_put_card(f, f->book, "a.vcf", "uid-a", "backed up");
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "bob", "bob@example.com"));
    assert_ok(store_prop_put(t, f->book, SV("a.vcf"), SV("{urn:x}p"), SV("v")));
    fx_commit(&t);
    struct store_collection live = fx_coll(f, f->book);

    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/backup", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_ok(store_backup(f->s, dir));

    struct store *b = NULL;
    assert_ok(fx_open_dir(dir, true, &b));
    t = NULL;
    assert_ok(store_txn_begin(b, false, &t));
    struct store_user u;
    assert_ok(store_user_get(t, SV("bob"), &u));
    assert_view_eq(u.email, "bob@example.com");
    struct store_collection c;
    assert_ok(store_collection_get_by_id(t, f->book, &c));
    assert_int_equal(c.sync_seq, live.sync_seq);
    assert_int_equal(c.count, live.count);
    assert_int_equal(c.bytes, live.bytes);
    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("a.vcf"), true, &r));
    assert_int_equal(r.rev, rev);
    assert_true(memmem(r.body.ptr, r.body.len, "NOTE:backed up", 14) != NULL);
    struct fx_list props = { 0 };
    assert_ok(store_prop_list(t, f->book, SV("a.vcf"), fx_collect_prop, &props));
    assert_int_equal(props.n, 1);
    assert_string_equal(props.v[0], "{urn:x}p=v");
    fx_list_free(&props);
    store_txn_abort(&t);

    size_t problems = 99;
    assert_ok(store_check(b, fx_problem, NULL, &problems));
    assert_int_equal(problems, 0);

    /* the copy is independent: writes to it do not reach the live store */
    assert_ok(store_txn_begin(b, true, &t));
    assert_ok(fx_add_user(t, "carol", "carol@example.com"));
    assert_ok(store_txn_commit(&t));
    store_close(&b);
    assert_false(user_exists(f->s, "carol"));
}

static void test_backup_refuses_a_directory_holding_a_store(void **state)
{
    struct fx *f = *state;
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/other", f->dir);
    struct store *o = NULL;
    assert_ok(fx_open_dir(dir, true, &o));
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(o, true, &t));
    assert_ok(fx_add_user(t, "zed", ""));
    assert_ok(store_txn_commit(&t));
    store_close(&o);

    assert_int_not_equal(store_backup(f->s, dir), 0);

    /* and the store that was there is untouched */
    assert_ok(fx_open_dir(dir, true, &o));
    assert_true(user_exists(o, "zed"));
    assert_false(user_exists(o, "alice"));
    store_close(&o);
}

static void test_commit_of_read_txn_succeeds(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, false);
    struct store_user u;
    assert_ok(store_user_get(t, SV("alice"), &u));
    fx_commit(&t);
}

/* store.h "Lifetimes": views stay valid until the txn ends, also in a write txn where later
 * writes rearrange the pages the earlier views point into (LMDB only promises mdb_get data
 * until the next write in the same txn). */
static void test_views_stay_valid_after_later_writes_in_the_same_txn(void **state)
{
    struct fx *f = *state;
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "m.vcf", "um", SV("BODY-OF-M-0123456789"), NULL, NULL));
    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("m.vcf"), true, &r));
    struct store_collection c;
    assert_ok(store_collection_get_by_id(t, f->book, &c));
    struct store_user u;
    assert_ok(store_user_get(t, SV("alice"), &u));
    /* keys that sort before and after "m.vcf" land on the same pages and shift it */
    for (int i = 0; i < 200; i++) {
        char name[32], uid[32];
        snprintf(name, sizeof(name), "%c%03d.vcf", i % 2 ? 'a' : 'z', i);
        snprintf(uid, sizeof(uid), "u%03d", i);
        assert_ok(fx_put(t, f->book, name, uid, SV("0123456789012345678901234567890123456789"),
                         NULL, NULL));
    }
    struct store_user u2 = { .name = SV("alice"),
                             .email = SV("a2@example.com"),
                             .display_name = SV("Alice Two") };
    assert_ok(store_user_put(t, &u2, false));
    struct store_collection upd = { .id = f->book, .display_name = SV("Renamed book") };
    assert_ok(store_collection_update(t, &upd));

    assert_view_eq(r.body, "BODY-OF-M-0123456789");
    assert_view_eq(r.name, "m.vcf");
    assert_view_eq(r.uid, "um");
    assert_view_eq(c.slug, "book");
    assert_view_eq(c.owner, "alice");
    assert_view_eq(c.display_name, "book");
    assert_view_eq(u.email, "alice@example.com");
    fx_commit(&t);
}

/* A write bigger than the map fails with ERR_NO_SPACE, leaves nothing, and the store keeps
 * working (issue 2: "a 50 MB single card ... changes nothing"). */
static void test_full_map_is_no_space_and_store_stays_usable(void **state)
{
    struct fx *f = *state;
    store_close(&f->s);
    struct store_options opts = { .dir = f->store_dir, .map_size = 1u << 20, .no_sync = true };
    assert_ok(store_open(&opts, &f->s));

    size_t n = 4u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    struct store_txn *t = fx_begin(f, true);
    int rc = fx_put(t, f->book, "big.vcf", "big", str_view_make(big, n), NULL, NULL);
    free(big);
    assert_rc(ERR_NO_SPACE, rc == 0 ? store_txn_commit(&t) : rc);
    store_txn_abort(&t);

    t = fx_begin(f, true);
    assert_ok(fx_put(t, f->book, "small.vcf", "small", SV("fits"), NULL, NULL));
    fx_commit(&t);
    t = fx_begin(f, false);
    struct store_resource r;
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("big.vcf"), false, &r));
    assert_ok(store_resource_get(t, f->book, SV("small.vcf"), false, &r));
    store_txn_abort(&t);
    assert_int_equal(fx_coll(f, f->book).count, 1);
}

/* `kith backup` runs in its own process while the server holds a write txn open: the copy
 * must not wait for that writer, and must not contain its uncommitted data. */
static void test_backup_in_other_process_does_not_wait_for_an_open_writer(void **state)
{
    struct fx *f = *state;
    fx_put_card(f, f->book, "a.vcf", "ua", "committed");
    f->txn = fx_begin(f, true);
    assert_ok(fx_put(f->txn, f->book, "b.vcf", "ub", SV("uncommitted"), NULL, NULL));

    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/hot", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20); /* a backup that waits for the writer dies here */
        /* read-only, as a backup tool opens it: a read-write store_open() begins a write txn
         * (DBI creation, format meta) and so waits for the writer */
        struct store *s = NULL;
        struct store_options opts = { .dir = f->store_dir, .read_only = true };
        if (store_open(&opts, &s) != 0) {
            _exit(10);
        }
        _exit(store_backup(s, dir) == 0 ? 0 : 11);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    store_txn_abort(&f->txn);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        print_error("backup child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        fail();
    }

    struct store *b = NULL;
    assert_ok(fx_open_dir(dir, true, &b));
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(b, false, &t));
    struct store_resource r;
    assert_ok(store_resource_get(t, f->book, SV("a.vcf"), false, &r));
    assert_rc(ERR_NOT_FOUND, store_resource_get(t, f->book, SV("b.vcf"), false, &r));
    store_txn_abort(&t);
    store_close(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_missing_directory, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_under_a_regular_file_fails_with_enotdir, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_of_a_regular_file_fails_with_enotdir, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(
                test_read_only_open_of_missing_directory_fails_and_creates_nothing, fx_setup,
                fx_teardown),
        cmocka_unit_test(test_close_is_null_safe),
        cmocka_unit_test_setup_teardown(test_reopen_sees_committed_data, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_aborted_txn_leaves_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_step_makes_commit_fail_and_undoes_earlier_steps,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_failed_precondition_poisons_the_txn, fx_setup,
                                        fx_teardown),
        cmocka_unit_test(test_txn_abort_is_null_safe),
        cmocka_unit_test_setup_teardown(test_txn_arena_is_usable_for_scratch_data, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_txn_refuses_writes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_snapshot_is_stable_across_a_concurrent_commit,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_not_found_lookup_does_not_poison_a_write_txn, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_generation_moves_only_with_committed_changes,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_store_refuses_write_txns_and_reads, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_check_reports_no_problems_on_a_populated_store,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_backup_opens_as_a_store_with_the_same_data, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_backup_refuses_a_directory_holding_a_store, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_commit_of_read_txn_succeeds, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_views_stay_valid_after_later_writes_in_the_same_txn,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_full_map_is_no_space_and_store_stays_usable, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(
                test_backup_in_other_process_does_not_wait_for_an_open_writer, fx_setup,
                fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
