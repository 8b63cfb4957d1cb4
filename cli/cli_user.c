/*
 * cli_user.c: `kith user add|passwd|del|list`.
 *
 * A new user gets the collections every client expects to find (issue 2): the address book
 * `contacts`, the calendars `calendar` (events), `tasks` (to-dos) and `notes` (journals), the
 * RFC 6638 scheduling inbox and outbox, and the root of their WebDAV files.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "src/err.h"
#include "src/passwd.h"
#include "storage/store.h"

static void cli_user_usage(FILE *out)
{
    fputs("usage: kith user add NAME [--email ADDR] [--display-name TEXT] [--password-stdin]\n"
          "       kith user passwd NAME [--password-stdin]\n"
          "       kith user del NAME\n"
          "       kith user list\n\n"
          "Without --password-stdin the password is asked for twice on the terminal.\n"
          "User names are lower-case letters, digits, '.', '_' and '-'.\n",
            out);
}

struct cli_default_coll {
    enum store_coll_kind kind;
    const char *slug;
    const char *name;
    uint32_t components;
};

static const struct cli_default_coll cli_default_colls[] = {
    { STORE_COLL_ADDRESSBOOK, "contacts", "Contacts", 0 },
    { STORE_COLL_CALENDAR, "calendar", "Calendar", STORE_COMP_VEVENT },
    { STORE_COLL_CALENDAR, "tasks", "Tasks", STORE_COMP_VTODO },
    { STORE_COLL_CALENDAR, "notes", "Notes", STORE_COMP_VJOURNAL },
    { STORE_COLL_INBOX, "inbox", "Inbox", STORE_COMP_VEVENT | STORE_COMP_VTODO },
    { STORE_COLL_OUTBOX, "outbox", "Outbox", STORE_COMP_VEVENT | STORE_COMP_VTODO },
    { STORE_COLL_FILES, "files", "Files", 0 },
};

static int cli_user_add(struct cli *cli, const char *name, const char *email, const char *display,
        const char *password)
{
    char hash[256];
    int rc = passwd_hash(password, hash, sizeof(hash));
    if (rc != 0) {
        cli_error("cannot hash the password: %s", err_str(rc));
        return CLI_ERROR;
    }
    struct store *s = cli_store(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, true, &t) != 0) {
        return CLI_ERROR;
    }
    struct store_user u = {
        .name = str_view_of(name),
        .email = str_view_of(email),
        .display_name = str_view_of(display),
        .password_hash = str_view_of(hash),
    };
    store_user_put(t, &u, true);
    for (size_t i = 0; i < sizeof(cli_default_colls) / sizeof(cli_default_colls[0]); i++) {
        const struct cli_default_coll *d = &cli_default_colls[i];
        struct store_collection c = {
            .kind = d->kind,
            .owner = u.name,
            .slug = str_view_of(d->slug),
            .display_name = str_view_of(d->name),
            .components = d->components,
        };
        store_collection_create(t, &c);
    }
    rc = store_txn_commit(&t);
    if (rc == ERR_EXISTS) {
        cli_error("user '%s' or e-mail '%s' already exists", name, email);
    } else if (rc == ERR_INVAL) {
        cli_error("'%s' is not a valid user name (lower-case letters, digits, '.', '_', '-')",
                name);
    } else if (rc != 0) {
        cli_error("cannot add user '%s': %s", name, err_str(rc));
    }
    if (rc == 0) {
        printf("added user %s\n", name);
    }
    return rc == 0 ? CLI_OK : CLI_ERROR;
}

static int cli_user_passwd(struct cli *cli, const char *name, const char *password)
{
    char hash[256];
    int rc = passwd_hash(password, hash, sizeof(hash));
    struct store *s = rc == 0 ? cli_store(cli) : NULL;
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, true, &t) != 0) {
        return CLI_ERROR;
    }
    struct store_user u;
    rc = store_user_get(t, str_view_of(name), &u);
    if (rc == 0) {
        u.password_hash = str_view_of(hash);
        store_user_put(t, &u, false);
        rc = store_txn_commit(&t);
    } else {
        store_txn_abort(&t);
    }
    if (rc != 0) {
        cli_error("cannot change the password of '%s': %s", name, err_str(rc));
        return CLI_ERROR;
    }
    printf("password of %s changed\n", name);
    return CLI_OK;
}

static int cli_user_del(struct cli *cli, const char *name)
{
    struct store *s = cli_store(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, true, &t) != 0) {
        return CLI_ERROR;
    }
    store_user_delete(t, str_view_of(name));
    int rc = store_txn_commit(&t);
    if (rc != 0) {
        cli_error("cannot delete user '%s': %s", name, err_str(rc));
        return CLI_ERROR;
    }
    printf("deleted user %s and their collections\n", name);
    return CLI_OK;
}

static int cli_user_print(void *ctx, const struct store_user *u)
{
    printf("%.*s\t%.*s\t%.*s\n", STR_VIEW_FMT(u->name), STR_VIEW_FMT(u->email),
            STR_VIEW_FMT(u->display_name));
    return 0;
}

static int cli_user_list(struct cli *cli)
{
    struct store *s = cli_store_read(cli);
    struct store_txn *t;
    if (s == NULL || store_txn_begin(s, false, &t) != 0) {
        return CLI_ERROR;
    }
    int rc = store_user_list(t, cli_user_print, NULL);
    store_txn_abort(&t);
    return rc == 0 ? CLI_OK : CLI_ERROR;
}

int cli_user(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "email", required_argument, NULL, 'e' },
        { "display-name", required_argument, NULL, 'n' },
        { "password-stdin", no_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *email = "", *display = "";
    bool pw_stdin = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            email = optarg;
            break;
        case 'n':
            display = optarg;
            break;
        case 'p':
            pw_stdin = true;
            break;
        case 'h':
            cli_user_usage(stdout);
            return CLI_OK;
        default:
            cli_user_usage(stderr);
            return CLI_USAGE;
        }
    }
    const char *verb = optind < argc ? argv[optind] : "";
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int extra = argc - optind - 2;
    char password[256];
    if (strcmp(verb, "list") == 0 && name == NULL) {
        return cli_user_list(cli);
    }
    if (name == NULL || extra > 0) {
        cli_user_usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(verb, "add") == 0) {
        if (!cli_read_password(pw_stdin, password, sizeof(password))) {
            return CLI_ERROR;
        }
        return cli_user_add(cli, name, email, display, password);
    }
    if (strcmp(verb, "passwd") == 0) {
        if (!cli_read_password(pw_stdin, password, sizeof(password))) {
            return CLI_ERROR;
        }
        return cli_user_passwd(cli, name, password);
    }
    if (strcmp(verb, "del") == 0) {
        return cli_user_del(cli, name);
    }
    cli_user_usage(stderr);
    return CLI_USAGE;
}
