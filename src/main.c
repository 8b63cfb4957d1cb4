/*
 * main.c: the `kith` program. Parses the global options, loads the configuration and hands
 * over to a subcommand in cli/. This file is the composition root: the only one that sees
 * every layer (core, storage, crm, protocols) at once.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "src/err.h"
#include "storage/store.h"

struct main_command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    const char *summary;
};

/* Commands without options still answer --help and refuse arguments. */
static int main_no_args(const char *usage, int argc, char **argv)
{
    if (argc > 1) {
        bool help = argc == 2 && cli_is_help(argv[1]);
        fprintf(help ? stdout : stderr, "%s", usage);
        return help ? CLI_OK : CLI_USAGE;
    }
    return -1;
}

static int main_version(struct cli *cli, int argc, char **argv)
{
    int rc = main_no_args("usage: kith version\n\nPrint the version of kith.\n", argc, argv);
    if (rc >= 0) {
        return rc;
    }
    printf("kith %s\n", KITH_VERSION);
    return CLI_OK;
}

static int main_config_help(struct cli *cli, int argc, char **argv)
{
    int rc = main_no_args("usage: kith config-help\n\nPrint every configuration key with its "
                          "default and meaning,\nas a valid configuration file.\n",
            argc, argv);
    if (rc >= 0) {
        return rc;
    }
    config_print_help(stdout);
    return CLI_OK;
}

static const struct main_command main_commands[] = {
    { "serve", cli_serve, "serve CardDAV, CalDAV and LDAP" },
    { "user", cli_user, "add, change, delete and list users" },
    { "book", cli_book, "add and list address books" },
    { "import", cli_import, "import vCard files into an address book" },
    { "export", cli_export, "export an address book as vCard 3.0 or 4.0" },
    { "check", cli_check, "verify the store's invariants" },
    { "backup", cli_backup, "write a consistent copy of the store (also while serving)" },
    { "config-help", main_config_help, "list every configuration key with its default" },
    { "version", main_version, "print the version" },
};

static void main_usage(FILE *out)
{
    fprintf(out, "usage: kith [--data DIR] [--config FILE] COMMAND [ARGS]\n\n"
                 "Kith keeps contacts, calendars and tasks in one store and serves them over\n"
                 "CardDAV, CalDAV and LDAP.\n\n"
                 "global options:\n"
                 "  --data DIR      data directory (default: data_dir from the config, else ./var)\n"
                 "  --config FILE   configuration file (default: built-in defaults)\n"
                 "  -h, --help      this help; `kith COMMAND --help` for a command's\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof(main_commands) / sizeof(main_commands[0]); i++) {
        fprintf(out, "  %-12s  %s\n", main_commands[i].name, main_commands[i].summary);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "data", required_argument, NULL, 'd' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct cli cli = { 0 };
    const char *data_dir = NULL;
    int c;
    /* '+': stop at the subcommand, whose options are its own. */
    while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_dir = optarg;
            break;
        case 'c':
            cli.config_path = optarg;
            break;
        case 'h':
            main_usage(stdout);
            return CLI_OK;
        case 'V':
            return main_version(&cli, 1, argv);
        default:
            main_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind >= argc) {
        main_usage(stderr);
        return CLI_USAGE;
    }
    char err[512];
    config_defaults(&cli.cfg);
    if (cli.config_path != NULL && config_load(cli.config_path, &cli.cfg, err, sizeof(err)) != 0) {
        cli_error("%s", err);
        return CLI_ERROR;
    }
    if (data_dir != NULL) {
        snprintf(cli.cfg.data_dir, sizeof(cli.cfg.data_dir), "%s", data_dir);
    }
    log_init(cli.cfg.log_level, stderr);

    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof(main_commands) / sizeof(main_commands[0]); i++) {
        if (strcmp(name, main_commands[i].name) == 0) {
            /* Subcommands see argv from their own name on; optind 0 re-initialises
             * glibc's getopt for their own option parsing. */
            int first = optind;
            optind = 0;
            int rc = main_commands[i].run(&cli, argc - first, argv + first);
            store_close(&cli.store);
            return rc;
        }
    }
    cli_error("unknown command '%s' (see kith --help)", name);
    return CLI_USAGE;
}
