/*
 * cli_export.c: `kith export --from USER/BOOK --format vcard3|vcard4 [-o FILE]`.
 *
 * Every card of the book, converted to the asked version (unknown properties travel
 * unchanged, MAPPING.md R1). With -o the file is written beside its final name and renamed
 * into place, so a failed export never leaves half a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "src/arena.h"
#include "src/err.h"
#include "src/formats/vcard.h"
#include "storage/store.h"

struct export {
    FILE *out;
    enum vcard_version version;
    struct vcard_limits limits;
    unsigned long cards, failed;
};

static int export_card(void *ctx, const struct store_resource *r)
{
    struct export *ex = ctx;
    struct arena *a = arena_new(16384);
    struct vcard *card;
    struct vcard_error err;
    int rc = vcard_parse(a, r->body, &ex->limits, &card, &err);
    if (rc != 0) {
        cli_error("%.*s: stored card does not parse (%s); exported as stored", STR_VIEW_FMT(r->name),
                err.message);
        fwrite(r->body.ptr, 1, r->body.len, ex->out);
        ex->failed++;
    } else {
        struct strbuf sb;
        strbuf_init(&sb, a, r->body.len + 256);
        vcard_write(vcard_convert(a, card, ex->version), &sb);
        fwrite(sb.ptr, 1, sb.len, ex->out);
    }
    ex->cards++;
    arena_free(&a);
    return ferror(ex->out) ? ERR_IO : 0;
}

static void cli_export_usage(FILE *out)
{
    fputs("usage: kith export --from USER/BOOK --format vcard3|vcard4 [-o FILE]\n\n"
          "Write every card of the book as vCard 3.0 or 4.0 to FILE (default: standard output).\n",
            out);
}

static int export_book(struct cli *cli, const char *from, struct export *ex)
{
    char buf[512];
    const char *user, *book;
    if (strlen(from) >= sizeof(buf) || !cli_split_book(from, buf, &user, &book)) {
        cli_error("'%s' is not USER/BOOK", from);
        return CLI_USAGE;
    }
    struct store *s = cli_store_read(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, false, &t) != 0) {
        return CLI_ERROR;
    }
    struct store_collection c;
    int rc = store_collection_get(t, STORE_COLL_ADDRESSBOOK, str_view_of(user), str_view_of(book), &c);
    if (rc != 0) {
        cli_error("no address book %s", from);
    } else {
        rc = store_resource_list(t, c.id, true, export_card, ex);
        if (rc != 0) {
            cli_error("export failed: %s", err_str(rc));
        }
    }
    store_txn_abort(&t);
    return rc == 0 ? CLI_OK : CLI_ERROR;
}

int cli_export(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", required_argument, NULL, 'f' },
        { "format", required_argument, NULL, 't' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *from = NULL, *format = NULL, *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        if (c == 'f') {
            from = optarg;
        } else if (c == 't') {
            format = optarg;
        } else if (c == 'o') {
            path = optarg;
        } else if (c == 'h') {
            cli_export_usage(stdout);
            return CLI_OK;
        } else {
            cli_export_usage(stderr);
            return CLI_USAGE;
        }
    }
    struct export ex = {
        .limits = { cli->cfg.vcard_max_line, cli->cfg.vcard_max_card, cli->cfg.vcard_max_props },
    };
    if (format != NULL && strcmp(format, "vcard3") == 0) {
        ex.version = VCARD_V30;
    } else if (format != NULL && strcmp(format, "vcard4") == 0) {
        ex.version = VCARD_V40;
    }
    if (from == NULL || ex.version == 0 || optind != argc) {
        cli_export_usage(stderr);
        return CLI_USAGE;
    }
    char tmp[4096];
    ex.out = stdout;
    if (path != NULL) {
        snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
        ex.out = fopen(tmp, "wb");
        if (ex.out == NULL) {
            cli_error("cannot write %s: %s", tmp, strerror(errno));
            return CLI_ERROR;
        }
    }
    int rc = export_book(cli, from, &ex);
    if (path != NULL) {
        if (fclose(ex.out) != 0 && rc == CLI_OK) {
            cli_error("cannot write %s: %s", tmp, strerror(errno));
            rc = CLI_ERROR;
        }
        if (rc == CLI_OK && rename(tmp, path) != 0) {
            cli_error("cannot rename %s to %s: %s", tmp, path, strerror(errno));
            rc = CLI_ERROR;
        }
        if (rc != CLI_OK) {
            unlink(tmp);
        }
    } else if (fflush(stdout) != 0) {
        rc = CLI_ERROR;
    }
    if (rc == CLI_OK) {
        fprintf(stderr, "exported %lu cards\n", ex.cards);
    }
    return rc;
}
