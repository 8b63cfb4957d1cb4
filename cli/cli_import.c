/*
 * cli_import.c: `kith import --into USER/BOOK FILE...` (vCard 2.1, 3.0 and 4.0).
 *
 * Cards are stored as vCard 4.0 (MAPPING.md decision 2) with their index record, in
 * transactions of [import] batch cards: a kill in the middle leaves whole batches, never
 * half a card, and `kith check` accepts the store; running the import again completes it.
 * A card whose UID is already in the book replaces it (or changes nothing when identical),
 * so re-importing never duplicates. A card that cannot be read is skipped and reported with
 * its file and line; the exit status is then 1, though the other cards are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "cli/cli.h"
#include "crm/card_index.h"
#include "src/arena.h"
#include "src/err.h"
#include "src/formats/vcard.h"
#include "storage/store.h"

#define IMPORT_REASONS_SHOWN 20

struct import {
    struct cli *cli;
    struct store *store;
    struct store_txn *txn;
    uint64_t coll_id;
    struct vcard_limits limits;
    struct crm_index_opts index_opts;
    const char *file;
    size_t file_size;
    unsigned in_batch;
    unsigned long imported, updated, unchanged, skipped;
    int fatal;              /* a store error that stops the import */
    bool progress;          /* draw a progress bar on stderr */
    double started, last_draw;
    const char *base;       /* start of the file's bytes, for progress */
};

static double import_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void import_draw(struct import *im, size_t done, bool final)
{
    double now = import_now();
    if (!im->progress || (!final && now - im->last_draw < 0.2)) {
        return;
    }
    im->last_draw = now;
    unsigned long cards = im->imported + im->updated + im->unchanged;
    int pct = im->file_size ? (int)(done * 100 / im->file_size) : 100;
    int bar = pct * 30 / 100;
    double rate = now > im->started ? (double)cards / (now - im->started) : 0;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lu cards %.0f/s", im->file, bar,
            "##############################", 30 - bar, "", pct, cards, rate);
    if (final) {
        fputc('\n', stderr);
    }
}

static void import_skip(struct import *im, unsigned line, const char *why)
{
    im->skipped++;
    if (im->skipped <= IMPORT_REASONS_SHOWN) {
        if (im->progress) {
            fputc('\n', stderr);
        }
        fprintf(stderr, "kith: %s:%u: skipped: %s\n", im->file, line, why);
    } else if (im->skipped == IMPORT_REASONS_SHOWN + 1) {
        fprintf(stderr, "kith: (further skipped cards are only counted)\n");
    }
}

static int import_commit(struct import *im)
{
    if (im->txn == NULL) {
        return 0;
    }
    int rc = store_txn_commit(&im->txn);
    im->in_batch = 0;
    if (rc != 0) {
        cli_error("cannot write the store: %s", err_str(rc));
        im->fatal = rc;
    }
    return rc;
}

/* The resource name for a new card: "<uuid>.vcf" for UUID UIDs, the UID itself when it is
 * short and path-safe, else a fresh UUID. */
static struct str_view import_name(struct arena *a, struct str_view uid)
{
    struct str_view u = uid;
    if (str_view_starts_with_nocase(u, "urn:uuid:")) {
        u.ptr += 9;
        u.len -= 9;
    }
    bool safe = u.len > 0 && u.len <= 200;
    for (size_t i = 0; safe && i < u.len; i++) {
        char c = u.ptr[i];
        safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.' || c == '@';
    }
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    if (safe && u.ptr[0] != '.') {
        strbuf_append_view(&sb, u);
    } else {
        uuid_t id;
        char text[37];
        uuid_generate_random(id);
        uuid_unparse_lower(id, text);
        strbuf_append_cstr(&sb, text);
    }
    strbuf_append_cstr(&sb, ".vcf");
    return strbuf_view(&sb);
}

static void import_card(struct import *im, struct arena *a, const struct vcard *card)
{
    struct vcard *v4 = vcard_convert(a, card, VCARD_V40);
    struct str_view uid = crm_card_uid(a, v4);
    if (uid.len == 0) {
        /* A card needs a UID to be found again on the next import: mint one. */
        uuid_t id;
        char text[46] = "urn:uuid:";
        uuid_generate_random(id);
        uuid_unparse_lower(id, text + 9);
        vcard_add(a, v4, NULL, "UID", NULL, str_view_of(text));
        uid = str_view_of(arena_strdup(a, text));
    }
    if (uid.len > 255) {
        import_skip(im, card->first_line, "UID longer than 255 bytes");
        return;
    }
    struct strbuf body;
    strbuf_init(&body, a, card->text.len + 256);
    vcard_write(v4, &body);
    struct store_entity entity;
    crm_card_index(a, v4, &im->index_opts, &entity);

    if (im->txn == NULL && store_txn_begin(im->store, true, &im->txn) != 0) {
        im->fatal = ERR_IO;
        return;
    }
    struct store_resource existing;
    struct store_put put = {
        .content_type = STR_VIEW_LIT("text/vcard; charset=utf-8"),
        .uid = uid,
        .body = strbuf_view(&body),
        .entity = &entity,
    };
    bool exists = store_resource_find_uid(im->txn, im->coll_id, uid, &existing) == 0;
    put.name = exists ? str_view_make(arena_strndup(a, existing.name.ptr, existing.name.len),
                                existing.name.len)
                      : import_name(a, uid);
    struct store_resource clash;
    if (!exists && store_resource_get(im->txn, im->coll_id, put.name, false, &clash) == 0) {
        put.name = import_name(a, STR_VIEW_LIT("/")); /* the name is another UID's: fresh one */
    }
    bool changed = false;
    int rc = store_resource_put(im->txn, im->coll_id, &put, NULL, &changed);
    if (rc != 0) {
        cli_error("%s:%u: cannot store the card: %s", im->file, card->first_line, err_str(rc));
        store_txn_abort(&im->txn);
        im->fatal = rc;
        return;
    }
    if (!changed) {
        im->unchanged++;
    } else if (exists) {
        im->updated++;
    } else {
        im->imported++;
    }
    if (++im->in_batch >= im->cli->cfg.import_batch) {
        import_commit(im);
    }
}

static int import_on_card(void *ctx, const struct vcard *card, const struct vcard_error *err)
{
    struct import *im = ctx;
    if (err != NULL) {
        import_skip(im, err->line, err->message);
        return 0;
    }
    struct arena *a = arena_new(16384);
    import_card(im, a, card);
    arena_free(&a);
    import_draw(im, (size_t)(card->text.ptr + card->text.len - im->base), false);
    return im->fatal;
}

static int import_file(struct import *im, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        cli_error("cannot read %s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0) {
            close(fd);
        }
        return CLI_ERROR;
    }
    im->file = path;
    im->file_size = (size_t)st.st_size;
    if (st.st_size == 0) {
        close(fd);
        return CLI_OK;
    }
    void *map = mmap(NULL, im->file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        cli_error("cannot map %s: %s", path, strerror(errno));
        return CLI_ERROR;
    }
    im->base = map;
    struct arena *a = arena_new(1 << 20);
    vcard_parse_stream(a, str_view_make(map, im->file_size), &im->limits, import_on_card, im);
    arena_free(&a);
    munmap(map, im->file_size);
    if (im->fatal == 0) {
        import_commit(im);
    }
    import_draw(im, im->file_size, true);
    return im->fatal ? CLI_ERROR : CLI_OK;
}

static void cli_import_usage(FILE *out)
{
    fputs("usage: kith import --into USER/BOOK [--quiet] FILE...\n\n"
          "Import vCard 2.1, 3.0 and 4.0 files. Cards are matched by UID: a card already in\n"
          "the book is updated, never duplicated. Unreadable cards are skipped and listed\n"
          "with their line numbers (exit status 1). A progress bar is drawn on a terminal.\n",
            out);
}

static int import_open_book(struct import *im, const char *arg)
{
    char buf[512];
    const char *user, *book;
    if (strlen(arg) >= sizeof(buf) || !cli_split_book(arg, buf, &user, &book)) {
        cli_error("'%s' is not USER/BOOK", arg);
        return CLI_USAGE;
    }
    im->store = cli_store(im->cli);
    if (im->store == NULL) {
        return CLI_ERROR;
    }
    struct store_txn *t;
    struct store_collection c;
    int rc = store_txn_begin(im->store, false, &t);
    if (rc == 0) {
        rc = store_collection_get(t, STORE_COLL_ADDRESSBOOK, str_view_of(user), str_view_of(book),
                &c);
        im->coll_id = c.id;
        store_txn_abort(&t);
    }
    if (rc != 0) {
        cli_error("no address book %s (see kith book list)", arg);
        return CLI_ERROR;
    }
    return CLI_OK;
}

int cli_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "into", required_argument, NULL, 'i' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *into = NULL;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "hq", opts, NULL)) != -1) {
        if (c == 'i') {
            into = optarg;
        } else if (c == 'q') {
            quiet = true;
        } else if (c == 'h') {
            cli_import_usage(stdout);
            return CLI_OK;
        } else {
            cli_import_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (into == NULL || optind >= argc) {
        cli_import_usage(stderr);
        return CLI_USAGE;
    }
    struct import im = {
        .cli = cli,
        .limits = { cli->cfg.vcard_max_line, cli->cfg.vcard_max_card, cli->cfg.vcard_max_props },
        .index_opts = { cli->cfg.phone_country_code, cli->cfg.phone_trunk_prefix },
        .progress = !quiet && isatty(STDERR_FILENO),
        .started = import_now(),
    };
    int rc = import_open_book(&im, into);
    for (int i = optind; rc == CLI_OK && i < argc; i++) {
        rc = import_file(&im, argv[i]);
    }
    store_txn_abort(&im.txn);
    printf("imported %lu, updated %lu, unchanged %lu, skipped %lu (%.2f s)\n", im.imported,
            im.updated, im.unchanged, im.skipped, import_now() - im.started);
    if (rc == CLI_OK && im.skipped) {
        rc = CLI_ERROR;
    }
    return rc;
}
