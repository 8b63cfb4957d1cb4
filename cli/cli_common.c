/*
 * cli_common.c: what every subcommand shares: opening the store, errors, passwords.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "src/err.h"
#include "storage/store.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kith: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static struct store *cli_store_open(struct cli *cli, bool read_only)
{
    if (cli->store != NULL) {
        return cli->store;
    }
    struct store_options opts = {
        .dir = cli->cfg.data_dir,
        .map_size = cli->cfg.map_size,
        .read_only = read_only,
    };
    int rc = store_open(&opts, &cli->store);
    if (rc != 0) {
        cli_error("cannot open the store in %s: %s", cli->cfg.data_dir, err_str(rc));
        return NULL;
    }
    return cli->store;
}

struct store *cli_store(struct cli *cli)
{
    return cli_store_open(cli, false);
}

struct store *cli_store_read(struct cli *cli)
{
    /* A store that does not exist yet is created (empty), as a write open would: `user
     * list` on a fresh data directory lists nobody rather than failing. */
    char path[CONFIG_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/data.mdb", cli->cfg.data_dir);
    return cli_store_open(cli, access(path, F_OK) == 0);
}

bool cli_split_book(const char *arg, char *buf, const char **user_out, const char **book_out)
{
    strcpy(buf, arg);
    char *slash = strchr(buf, '/');
    if (slash == NULL || slash == buf || slash[1] == '\0' || strchr(slash + 1, '/') != NULL) {
        return false;
    }
    *slash = '\0';
    *user_out = buf;
    *book_out = slash + 1;
    return true;
}

static bool cli_read_line(FILE *in, char *out, unsigned size)
{
    if (fgets(out, (int)size, in) == NULL) {
        return false;
    }
    size_t n = strlen(out);
    if (n > 0 && out[n - 1] != '\n' && !feof(in)) {
        return false; /* longer than the buffer */
    }
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) {
        out[--n] = '\0';
    }
    return true;
}

static bool cli_prompt(const char *prompt, char *out, unsigned size)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0) {
        return false;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    bool ok = cli_read_line(stdin, out, size);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return ok;
}

bool cli_read_password(bool from_stdin, char *out, unsigned size)
{
    if (from_stdin) {
        if (!cli_read_line(stdin, out, size) || out[0] == '\0') {
            cli_error("no password on standard input (one line expected)");
            return false;
        }
        return true;
    }
    if (!isatty(STDIN_FILENO)) {
        cli_error("standard input is not a terminal: use --password-stdin");
        return false;
    }
    char again[256];
    if (!cli_prompt("New password: ", out, size) || !cli_prompt("Again: ", again, sizeof(again))) {
        cli_error("could not read the password");
        return false;
    }
    if (strcmp(out, again) != 0 || out[0] == '\0') {
        cli_error("the passwords differ or are empty");
        return false;
    }
    return true;
}
