/*
 * cli_book.c: `kith book add USER/BOOK [--name TEXT] [--shared]` and `kith book list [USER]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "src/err.h"
#include "storage/store.h"

static void cli_book_usage(FILE *out)
{
    fputs("usage: kith book add USER/BOOK [--name TEXT] [--shared]\n"
          "       kith book list [USER]\n\n"
          "BOOK is the address book's path segment (letters, digits, '.', '_', '-').\n"
          "--shared makes the book readable by every user (and the LDAP view).\n",
            out);
}

static int cli_book_add(struct cli *cli, const char *arg, const char *display, bool shared)
{
    char buf[512];
    const char *user, *book;
    if (strlen(arg) >= sizeof(buf) || !cli_split_book(arg, buf, &user, &book)) {
        cli_error("'%s' is not USER/BOOK", arg);
        return CLI_USAGE;
    }
    struct store *s = cli_store(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, true, &t) != 0) {
        return CLI_ERROR;
    }
    struct store_collection c = {
        .kind = STORE_COLL_ADDRESSBOOK,
        .owner = str_view_of(user),
        .slug = str_view_of(book),
        .display_name = str_view_of(display ? display : book),
        .flags = shared ? STORE_COLL_SHARED : 0,
    };
    store_collection_create(t, &c);
    int rc = store_txn_commit(&t);
    if (rc == ERR_NOT_FOUND) {
        cli_error("no user '%s'", user);
    } else if (rc == ERR_EXISTS) {
        cli_error("address book %s already exists", arg);
    } else if (rc == ERR_INVAL) {
        cli_error("'%s' is not a valid book name (letters, digits, '.', '_', '-')", book);
    } else if (rc != 0) {
        cli_error("cannot add %s: %s", arg, err_str(rc));
    } else {
        printf("added address book %s\n", arg);
    }
    return rc == 0 ? CLI_OK : CLI_ERROR;
}

static int cli_book_print(void *ctx, const struct store_collection *c)
{
    printf("%.*s/%.*s\t%llu cards\t%s%.*s\n", STR_VIEW_FMT(c->owner), STR_VIEW_FMT(c->slug),
            (unsigned long long)c->count, (c->flags & STORE_COLL_SHARED) ? "[shared] " : "",
            STR_VIEW_FMT(c->display_name));
    return 0;
}

static int cli_book_list(struct cli *cli, const char *user)
{
    struct store *s = cli_store_read(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, false, &t) != 0) {
        return CLI_ERROR;
    }
    int rc = store_collection_list(t, str_view_of(user), STORE_COLL_ADDRESSBOOK, cli_book_print,
            NULL);
    store_txn_abort(&t);
    return rc == 0 ? CLI_OK : CLI_ERROR;
}

int cli_book(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "name", required_argument, NULL, 'n' },
        { "shared", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *display = NULL;
    bool shared = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            display = optarg;
            break;
        case 's':
            shared = true;
            break;
        case 'h':
            cli_book_usage(stdout);
            return CLI_OK;
        default:
            cli_book_usage(stderr);
            return CLI_USAGE;
        }
    }
    int n = argc - optind;
    const char *verb = n > 0 ? argv[optind] : "";
    if (strcmp(verb, "add") == 0 && n == 2) {
        return cli_book_add(cli, argv[optind + 1], display, shared);
    }
    if (strcmp(verb, "list") == 0 && n <= 2) {
        return cli_book_list(cli, n == 2 ? argv[optind + 1] : "");
    }
    cli_book_usage(stderr);
    return CLI_USAGE;
}
