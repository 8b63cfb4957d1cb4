/*
 * Storage contract: durability across processes (store.h "A commit is durable when it
 * returns 0"; issue 2: "kill -9 of an import halfway leaves a store that kith check accepts,
 * holding only whole cards"). A forked child opens the store with syncing on, writes, and
 * dies without closing; the parent then opens the store and looks.
 */
#include "tests/storage/store_fixture.h"

#include <signal.h>
#include <sys/wait.h>

struct dur {
    char dir[PATH_MAX - 64];
    char store_dir[PATH_MAX];
};

static int dur_setup(void **state)
{
    struct dur *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    fx_mkdtemp(d->dir, sizeof(d->dir));
    snprintf(d->store_dir, sizeof(d->store_dir), "%s/store", d->dir);
    *state = d;
    return 0;
}

static int dur_teardown(void **state)
{
    struct dur *d = *state;
    fx_rm_tree(d->dir);
    free(d);
    return 0;
}

/* In the child: no cmocka asserts (they would longjmp into the parent's copy of the runner);
 * each failure is an exit code the parent reports. */
static int child_put(struct store_txn *t, uint64_t coll, int i)
{
    char name[32], uid[32], body[96];
    snprintf(name, sizeof(name), "c%04d.vcf", i);
    snprintf(uid, sizeof(uid), "u%04d", i);
    int n = snprintf(body, sizeof(body), "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:%s\r\nEND:VCARD\r\n",
                     uid);
    struct store_put p = { .name = SV(name),
                           .content_type = SV("text/vcard"),
                           .uid = SV(uid),
                           .body = str_view_make(body, (size_t)n) };
    return store_resource_put(t, coll, &p, NULL, NULL);
}

/* Open with syncing, create alice/book and `committed` cards in one txn; then, if
 * `pending` > 0, start another txn with that many cards and either die in it (SIGKILL from
 * the parent, after the byte written to fd) or just _exit. Never closes the store. */
static void child_run(const char *dir, int committed, int pending, int fd)
{
    struct store *s = NULL;
    struct store_txn *t = NULL;
    if (fx_open_dir(dir, false, &s) != 0) {
        _exit(10);
    }
    if (store_txn_begin(s, true, &t) != 0) {
        _exit(11);
    }
    struct store_user u = { .name = SV("alice"), .email = SV("alice@example.com") };
    struct store_collection c = { .kind = STORE_COLL_ADDRESSBOOK,
                                  .owner = SV("alice"),
                                  .slug = SV("book") };
    if (store_user_put(t, &u, true) != 0 || store_collection_create(t, &c) != 0) {
        _exit(12);
    }
    for (int i = 0; i < committed; i++) {
        if (child_put(t, c.id, i) != 0) {
            _exit(13);
        }
    }
    if (store_txn_commit(&t) != 0) {
        _exit(14);
    }
    if (pending > 0) {
        if (store_txn_begin(s, true, &t) != 0) {
            _exit(15);
        }
        for (int i = committed; i < committed + pending; i++) {
            if (child_put(t, c.id, i) != 0) {
                _exit(16);
            }
        }
    }
    if (fd >= 0) {
        if (write(fd, "x", 1) != 1) {
            _exit(17);
        }
        pause(); /* the parent kills us mid-transaction */
    }
    _exit(0);
}

static size_t count_cards(struct store *s, uint64_t *coll_count)
{
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(s, false, &t));
    struct store_collection c;
    assert_ok(store_collection_get(t, STORE_COLL_ADDRESSBOOK, SV("alice"), SV("book"), &c));
    struct fx_list l = { 0 };
    assert_ok(store_resource_list(t, c.id, true, fx_collect_resource, &l));
    size_t n = l.n;
    fx_list_free(&l);
    *coll_count = c.count;
    store_txn_abort(&t);
    return n;
}

static void assert_check_clean(struct store *s)
{
    size_t problems = 99;
    assert_ok(store_check(s, fx_problem, NULL, &problems));
    assert_int_equal(problems, 0);
}

static void test_commit_survives_process_exit_without_close(void **state)
{
    struct dur *d = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_run(d->store_dir, 25, 0, -1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    struct store *s = NULL;
    assert_ok(fx_open_dir(d->store_dir, false, &s));
    uint64_t count = 0;
    assert_int_equal(count_cards(s, &count), 25);
    assert_int_equal(count, 25);
    assert_check_clean(s);
    store_close(&s);
}

/* An uncommitted txn of a process that exits is gone; the committed one before it stays. */
static void test_uncommitted_txn_of_exited_process_leaves_nothing(void **state)
{
    struct dur *d = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_run(d->store_dir, 5, 50, -1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    struct store *s = NULL;
    assert_ok(fx_open_dir(d->store_dir, false, &s));
    uint64_t count = 0;
    assert_int_equal(count_cards(s, &count), 5);
    assert_int_equal(count, 5);
    assert_check_clean(s);
    store_close(&s);
}

/* kill -9 in the middle of a write txn (issue 2 "Done when"), while another process (the
 * server) has the store open: only whole committed batches remain, store_check accepts the
 * store, and the next writer is not blocked by the dead one's lock. */
static void test_kill_9_mid_txn_keeps_whole_commits_and_a_clean_store(void **state)
{
    struct dur *d = *state;
    /* the "server" opens first so the child's commits are seen by a live environment */
    struct store *server = NULL;
    assert_ok(fx_open_dir(d->store_dir, false, &server));

    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        child_run(d->store_dir, 10, 200, pfd[1]);
    }
    close(pfd[1]);
    char c = 0;
    ssize_t got = read(pfd[0], &c, 1);
    close(pfd[0]);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (got != 1) {
        print_error("child exited with %d before the kill\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        fail();
    }
    assert_true(WIFSIGNALED(status));

    uint64_t count = 0;
    assert_int_equal(count_cards(server, &count), 10);
    assert_int_equal(count, 10);
    assert_check_clean(server);

    /* the dead child's write lock must not block this writer (LMDB robust mutexes) */
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(server, true, &t));
    struct store_user u = { .name = SV("bob") };
    assert_ok(store_user_put(t, &u, true));
    assert_ok(store_txn_commit(&t));
    store_close(&server);

    struct store *s = NULL;
    assert_ok(fx_open_dir(d->store_dir, false, &s));
    assert_int_equal(count_cards(s, &count), 10);
    assert_check_clean(s);
    store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_survives_process_exit_without_close, dur_setup,
                                        dur_teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_txn_of_exited_process_leaves_nothing,
                                        dur_setup, dur_teardown),
        cmocka_unit_test_setup_teardown(test_kill_9_mid_txn_keeps_whole_commits_and_a_clean_store,
                                        dur_setup, dur_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
