/*
 * store_fixture.h: shared scaffolding for the storage contract tests
 * (tests/storage/test_store_*.c).
 *
 * Every test gets a fresh store in its own mkdtemp() directory under $TMPDIR, opened with
 * no_sync (commits are not durable, which the contract tests do not need; the durability tests
 * open their own stores without it). The fixture creates user "alice" and her address book
 * "book" so most tests start from a collection id. Teardown runs store_check() and fails the
 * test when the store reports any invariant violation, so every scenario doubles as a check
 * that the store stays consistent; then it closes the store and removes the directory.
 *
 * Everything here is static inline so that each test program (one per .c file, as ctest
 * builds them) includes what it uses without unused-function warnings.
 */
#ifndef KITH_TESTS_STORE_FIXTURE_H
#define KITH_TESTS_STORE_FIXTURE_H

#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/err.h"
#include "src/strbuf.h"
#include "storage/store.h"

/* Compare ERR_* codes and name both on mismatch (plain integers hide which error came). */
#define assert_rc(want, got)                                                                  \
    do {                                                                                      \
        int want_ = (want);                                                                   \
        int got_ = (got);                                                                     \
        if (want_ != got_) {                                                                  \
            print_error("%s:%d: %s\n    expected %s (%d), got %s (%d)\n", __FILE__, __LINE__, \
                        #got, err_str(want_), want_, err_str(got_), got_);                    \
            fail();                                                                           \
        }                                                                                     \
    } while (0)

#define assert_ok(got) assert_rc(ERR_OK, (got))

/* A str_view equals a C string, byte for byte. */
#define assert_view_eq(view, cstr)                                                              \
    do {                                                                                        \
        struct str_view v_ = (view);                                                            \
        const char *c_ = (cstr);                                                                \
        if (v_.len != strlen(c_) || (v_.len > 0 && memcmp(v_.ptr, c_, v_.len) != 0)) {          \
            print_error("%s:%d: %s\n    expected \"%s\", got \"%.*s\" (%zu bytes)\n", __FILE__, \
                        __LINE__, #view, c_, (int)v_.len, v_.ptr ? v_.ptr : "", v_.len);        \
            fail();                                                                             \
        }                                                                                       \
    } while (0)

#define SV(s) str_view_of(s)

struct fx {
    char dir[PATH_MAX - 64]; /* the temp dir; the store lives in dir/store */
    char store_dir[PATH_MAX];
    struct store *s;
    struct store_txn *txn; /* the test's current txn; teardown aborts it if left open */
    uint64_t book;         /* alice's address book "book" */
    bool skip_check;       /* set by tests that close the store themselves */
};

static inline int fx_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void fx_rm_tree(const char *dir)
{
    nftw(dir, fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdtemp under $TMPDIR (ctest sets it to the build dir), else /tmp. */
static inline void fx_mkdtemp(char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0') {
        tmp = "/tmp";
    }
    snprintf(out, size, "%s/kith-store-test-XXXXXX", tmp);
    assert_non_null(mkdtemp(out));
}

static inline int fx_open_dir(const char *dir, bool no_sync, struct store **s_out)
{
    struct store_options opts = { .dir = dir, .map_size = 256u << 20, .no_sync = no_sync };
    return store_open(&opts, s_out);
}

static inline struct store_txn *fx_begin(struct fx *f, bool write)
{
    struct store_txn *t = NULL;
    assert_ok(store_txn_begin(f->s, write, &t));
    assert_non_null(t);
    return t;
}

static inline void fx_commit(struct store_txn **t)
{
    assert_ok(store_txn_commit(t));
    assert_null(*t);
}

static inline int fx_add_user(struct store_txn *t, const char *name, const char *email)
{
    struct store_user u = {
        .name = SV(name), .email = SV(email), .display_name = SV(name), .password_hash = SV("")
    };
    return store_user_put(t, &u, true);
}

static inline int fx_add_coll(struct store_txn *t, enum store_coll_kind kind, const char *owner,
                              const char *slug, uint64_t *id_out)
{
    struct store_collection c = {
        .kind = kind, .owner = SV(owner), .slug = SV(slug), .display_name = SV(slug)
    };
    if (kind == STORE_COLL_CALENDAR) {
        c.components = STORE_COMP_VEVENT;
    }
    int rc = store_collection_create(t, &c);
    if (rc == 0 && id_out != NULL) {
        *id_out = c.id;
    }
    return rc;
}

static inline int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    fx_mkdtemp(f->dir, sizeof(f->dir));
    snprintf(f->store_dir, sizeof(f->store_dir), "%s/store", f->dir);
    assert_ok(fx_open_dir(f->store_dir, true, &f->s));
    struct store_txn *t = fx_begin(f, true);
    assert_ok(fx_add_user(t, "alice", "alice@example.com"));
    assert_ok(fx_add_coll(t, STORE_COLL_ADDRESSBOOK, "alice", "book", &f->book));
    fx_commit(&t);
    assert_true(f->book != 0);
    *state = f;
    return 0;
}

static inline void fx_problem(void *ctx, const char *what)
{
    (void)ctx;
    print_error("store_check: %s\n", what);
}

static inline int fx_teardown(void **state)
{
    struct fx *f = *state;
    int failed = 0;
    store_txn_abort(&f->txn);
    if (f->s != NULL && !f->skip_check) {
        size_t problems = 0;
        int rc = store_check(f->s, fx_problem, NULL, &problems);
        if (rc != 0 || problems != 0) {
            print_error("teardown: store_check returned %s with %zu problems\n", err_str(rc),
                        problems);
            failed = -1;
        }
    }
    store_close(&f->s);
    fx_rm_tree(f->dir);
    free(f);
    return failed;
}

/* ---------------------------------------------------------------- resources */

/* Put a resource (create or replace, no preconditions); returns the call's result. */
static inline int fx_put(struct store_txn *t, uint64_t coll, const char *name, const char *uid,
                         struct str_view body, struct store_resource *out, bool *changed)
{
    struct store_put p = { .name = SV(name),
                           .content_type = SV("text/vcard; charset=utf-8"),
                           .uid = SV(uid),
                           .body = body };
    return store_resource_put(t, coll, &p, out, changed);
}

/* A small vCard whose bytes depend on uid and note. */
static inline struct str_view fx_card(struct store_txn *t, const char *uid, const char *note)
{
    struct strbuf sb;
    strbuf_init(&sb, store_txn_arena(t), 128);
    strbuf_appendf(&sb, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:%s\r\nFN:%s\r\nNOTE:%s\r\nEND:VCARD\r\n",
                   uid, uid, note);
    return strbuf_view(&sb);
}

/* Committed put of a simple card in its own write txn; returns the new revision. */
static inline uint64_t fx_put_card(struct fx *f, uint64_t coll, const char *name, const char *uid,
                                   const char *note)
{
    struct store_txn *t = fx_begin(f, true);
    struct store_resource r;
    memset(&r, 0, sizeof(r));
    assert_ok(fx_put(t, coll, name, uid, fx_card(t, uid, note), &r, NULL));
    fx_commit(&t);
    return r.rev;
}

static inline struct store_collection fx_coll(struct fx *f, uint64_t id)
{
    struct store_collection c;
    memset(&c, 0, sizeof(c));
    struct store_txn *t = fx_begin(f, false);
    assert_ok(store_collection_get_by_id(t, id, &c));
    store_txn_abort(&t);
    return c; /* only the numeric fields are meaningful after the txn */
}

/* ---------------------------------------------------------------- collecting callbacks */

/* Copies of the strings a walk handed out, in order (views die with the txn). */
struct fx_list {
    size_t n;
    size_t cap;
    char **v;
    uint64_t *num;  /* a number per entry (seq, id prefix, ...) */
    bool *flag;     /* a flag per entry (deleted) */
    int stop_after; /* > 0: the callback returns 7 after this many entries */
};

static inline void fx_list_add(struct fx_list *l, struct str_view s, uint64_t num, bool flag)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        l->num = realloc(l->num, l->cap * sizeof(*l->num));
        l->flag = realloc(l->flag, l->cap * sizeof(*l->flag));
        assert_non_null(l->v);
    }
    l->v[l->n] = strndup(s.ptr ? s.ptr : "", s.len);
    l->num[l->n] = num;
    l->flag[l->n] = flag;
    l->n++;
}

static inline void fx_list_free(struct fx_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i]);
    }
    free(l->v);
    free(l->num);
    free(l->flag);
    memset(l, 0, sizeof(*l));
}

static inline bool fx_list_has(const struct fx_list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i], s) == 0) {
            return true;
        }
    }
    return false;
}

static inline size_t fx_list_count(const struct fx_list *l, const char *s)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        n += strcmp(l->v[i], s) == 0;
    }
    return n;
}

static inline int fx_list_stop(struct fx_list *l)
{
    return (l->stop_after > 0 && l->n >= (size_t)l->stop_after) ? 7 : 0;
}

static inline int fx_collect_user(void *ctx, const struct store_user *u)
{
    fx_list_add(ctx, u->name, u->created, false);
    return fx_list_stop(ctx);
}

static inline int fx_collect_coll(void *ctx, const struct store_collection *c)
{
    /* "owner/kind/slug" so ordering by owner, kind, slug can be checked */
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s/%d/%.*s", STR_VIEW_FMT(c->owner), (int)c->kind,
             STR_VIEW_FMT(c->slug));
    fx_list_add(ctx, SV(buf), c->id, false);
    return fx_list_stop(ctx);
}

static inline int fx_collect_resource(void *ctx, const struct store_resource *r)
{
    fx_list_add(ctx, r->name, r->rev, r->body.len > 0);
    return fx_list_stop(ctx);
}

static inline int fx_collect_change(void *ctx, const struct store_change *c)
{
    fx_list_add(ctx, c->name, c->seq, c->deleted);
    return fx_list_stop(ctx);
}

static inline int fx_collect_prop(void *ctx, struct str_view qname, struct str_view value)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s=%.*s", STR_VIEW_FMT(qname), STR_VIEW_FMT(value));
    fx_list_add(ctx, SV(buf), 0, false);
    return fx_list_stop(ctx);
}

#endif
