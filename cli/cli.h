/*
 * cli.h: the `kith` command-line program's subcommands (src/main.c dispatches to them).
 *
 * The command line is a contract users and scripts rely on (issue 2): one binary, global
 * options before the subcommand, `--help` on every command, and exit status 0 for success,
 * 1 for an error (printed on stderr as "kith: ..."), 2 for a usage error.
 *
 *   kith [--data DIR] [--config FILE] COMMAND [ARGS]
 *   kith serve [--http A:P] [--https A:P] [--ldap A:P] [--ldaps A:P] [--check-config]
 *   kith user add NAME [--email ADDR] [--display-name TEXT] [--password-stdin]
 *   kith user passwd NAME [--password-stdin] | user del NAME | user list
 *   kith book add USER/BOOK [--name TEXT] [--shared] | book list [USER]
 *   kith import --into USER/BOOK [--quiet] FILE...
 *   kith export --from USER/BOOK --format vcard3|vcard4 [-o FILE]
 *   kith check | kith backup DIR | kith config-help | kith version
 */
#ifndef KITH_CLI_H
#define KITH_CLI_H

#include <stdbool.h>

#include "src/config.h"

struct store;

enum cli_exit {
    CLI_OK = 0,
    CLI_ERROR = 1,
    CLI_USAGE = 2,
};

struct cli {
    struct kith_config cfg;
    const char *config_path; /* NULL: built-in defaults */
    struct store *store;     /* opened on demand by cli_store() */
};

/* Open the store in cfg.data_dir once (printing the error); NULL on failure. */
struct store *cli_store(struct cli *cli);
/* The same, read-only: never waits for another process's write transaction (a serving
 * store in the middle of a request, an import batch), so check, backup, export and the
 * list commands run beside them. */
struct store *cli_store_read(struct cli *cli);

/* Print "kith: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether argv[i] is -h or --help. */
bool cli_is_help(const char *arg);

/* Split "USER/BOOK" into its two parts (pointers into buf of size >= strlen(arg)+1). */
bool cli_split_book(const char *arg, char *buf, const char **user_out, const char **book_out);

/* Read a password: one line from stdin with --password-stdin, else prompt twice on the
 * terminal without echo. Returns false (after printing why) on failure. */
bool cli_read_password(bool from_stdin, char *out, unsigned size);

int cli_serve(struct cli *cli, int argc, char **argv);
int cli_user(struct cli *cli, int argc, char **argv);
int cli_book(struct cli *cli, int argc, char **argv);
int cli_import(struct cli *cli, int argc, char **argv);
int cli_export(struct cli *cli, int argc, char **argv);
int cli_check(struct cli *cli, int argc, char **argv);
int cli_backup(struct cli *cli, int argc, char **argv);

#endif
