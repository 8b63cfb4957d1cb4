/*
 * cli_admin.c: `kith check` and `kith backup DIR`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "src/err.h"
#include "storage/store.h"

static void cli_check_problem(void *ctx, const char *what)
{
    unsigned long *shown = ctx;
    if (++*shown <= 100) {
        printf("problem: %s\n", what);
    }
}

int cli_check(struct cli *cli, int argc, char **argv)
{
    if (argc > 1) {
        FILE *out = cli_is_help(argv[1]) ? stdout : stderr;
        fputs("usage: kith check\n\nVerify every invariant of the store (indexes, change logs,\n"
              "counters). Exit status 1 when a problem is found.\n",
                out);
        return out == stdout ? CLI_OK : CLI_USAGE;
    }
    struct store *s = cli_store_read(cli);
    if (s == NULL) {
        return CLI_ERROR;
    }
    unsigned long shown = 0;
    size_t problems = 0;
    int rc = store_check(s, cli_check_problem, &shown, &problems);
    if (rc != 0) {
        cli_error("cannot read the store: %s", err_str(rc));
        return CLI_ERROR;
    }
    if (problems) {
        printf("%zu problems found\n", problems);
        return CLI_ERROR;
    }
    printf("store is consistent\n");
    return CLI_OK;
}

int cli_backup(struct cli *cli, int argc, char **argv)
{
    bool help = argc == 2 && cli_is_help(argv[1]);
    if (argc != 2 || help || argv[1][0] == '-') {
        FILE *out = help ? stdout : stderr;
        fputs("usage: kith backup DIR\n\nWrite a consistent, compacted copy of the store into DIR\n"
              "(created if missing; it must not hold a store). Safe while `kith serve` runs.\n"
              "Restore by pointing --data at DIR.\n",
                out);
        return help ? CLI_OK : CLI_USAGE;
    }
    struct store *s = cli_store_read(cli);
    if (s == NULL) {
        return CLI_ERROR;
    }
    int rc = store_backup(s, argv[1]);
    if (rc == ERR_EXISTS) {
        cli_error("%s already holds a store", argv[1]);
    } else if (rc != 0) {
        cli_error("backup to %s failed: %s", argv[1], err_str(rc));
    } else {
        printf("backup written to %s\n", argv[1]);
    }
    return rc == 0 ? CLI_OK : CLI_ERROR;
}
