/*
 * cli_serve.c: `kith serve`: open the store, start the listeners, run until SIGTERM.
 *
 * Listener addresses come from the config ([http] listen, [http] https_listen, [ldap] ...)
 * and the flags override them; an empty address turns a listener off. A TLS listener with
 * no certificate yet gets a self-signed one made on first start (its SHA-256 fingerprint is
 * logged, so a user can compare it with what the client shows).
 */
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "protocols/http/http.h"
#include "protocols/ldap/ldapd.h"
#include "protocols/webdav/dav.h"
#include "src/err.h"
#include "src/server.h"
#include "src/tls.h"
#include "storage/store.h"

static void cli_serve_usage(FILE *out)
{
    fputs("usage: kith serve [--http ADDR:PORT] [--https ADDR:PORT] [--ldap ADDR:PORT]\n"
          "                  [--ldaps ADDR:PORT] [--check-config]\n\n"
          "Serve CardDAV/CalDAV over HTTP(S) and the LDAP view. Flags override the config;\n"
          "an empty value (--http '') turns a listener off. --check-config loads the\n"
          "configuration, reports the first error with file and line, and exits.\n"
          "SIGTERM/SIGINT stop gracefully; SIGHUP re-reads the configuration and the TLS\n"
          "certificate (and empties the response cache).\n",
            out);
}

/* Make a self-signed certificate when a TLS listener is on and none exists yet. */
static int cli_serve_tls_ready(const struct kith_config *cfg)
{
    if (cfg->https_listen[0] == '\0' && cfg->ldaps_listen[0] == '\0') {
        return 0;
    }
    char cert[CONFIG_PATH_MAX], key[CONFIG_PATH_MAX], fp[TLS_FINGERPRINT_MAX];
    config_data_path(cfg, cfg->tls_certificate, cert, sizeof(cert));
    config_data_path(cfg, cfg->tls_key, key, sizeof(key));
    if (access(cert, F_OK) == 0 && access(key, F_OK) == 0) {
        return 0;
    }
    int rc = tls_make_self_signed(cert, key, "localhost", fp, sizeof(fp));
    if (rc != 0) {
        cli_error("cannot create a self-signed certificate at %s: %s", cert, err_str(rc));
        return rc;
    }
    log_info(NULL, "created a self-signed certificate %s, SHA-256 fingerprint %s", cert, fp);
    return 0;
}

static void cli_serve_reload_key(void *ctx, const char *section, const char *key, bool applied)
{
    if (applied) {
        log_info(NULL, "SIGHUP: [%s] %s changed", section, key);
    } else {
        log_warn(NULL, "SIGHUP: [%s] %s changed; it takes effect at the next start", section, key);
    }
}

struct cli_serve_state {
    struct cli *cli;
    struct http_server *hs;
};

/* SIGHUP: re-read the configuration file and apply what is safe to change while serving
 * (config_reload); a file with an error changes nothing. Cached answers are dropped: they
 * may depend on what changed. */
static void cli_serve_reload(void *ctx)
{
    struct cli_serve_state *st = ctx;
    struct cli *cli = st->cli;
    http_server_cache_clear(st->hs);
    if (cli->config_path == NULL) {
        log_info(NULL, "SIGHUP: no configuration file (--config) to re-read");
        return;
    }
    struct kith_config *fresh = malloc(sizeof(*fresh));
    char err[512];
    if (fresh == NULL) {
        return;
    }
    if (config_load(cli->config_path, fresh, err, sizeof(err)) != 0) {
        log_error(NULL, "SIGHUP: configuration not reloaded: %s", err);
    } else {
        config_reload(&cli->cfg, fresh, cli_serve_reload_key, NULL);
        log_init(cli->cfg.log_level, NULL);
        log_info(NULL, "SIGHUP: configuration %s re-read", cli->config_path);
    }
    free(fresh);
}

static int cli_serve_run(struct cli *cli)
{
    struct kith_config *cfg = &cli->cfg;
    struct store *s = cli_store(cli);
    if (s == NULL || cli_serve_tls_ready(cfg) != 0) {
        return CLI_ERROR;
    }
    struct server *srv = server_new(cfg);
    struct dav_app *app = dav_app_new(cfg, s);
    struct http_server *hs = app ? http_server_new(cfg, dav_handle, app) : NULL;
    struct ldapd_server *ls = ldapd_server_new(cfg, s);
    int rc = srv && hs && ls ? 0 : ERR_NOMEM;
    struct cli_serve_state reload = { .cli = cli, .hs = hs };
    if (rc == 0) {
        server_on_reload(srv, cli_serve_reload, &reload);
        http_server_set_auth(hs, dav_auth, app, dav_auth_needed, app);
        http_server_set_auth_lookup(hs, dav_auth_lookup, app);
        rc = server_listen(srv, cfg->http_listen, false, &http_module, hs);
    }
    if (rc == 0) {
        rc = server_listen(srv, cfg->https_listen, true, &http_module, hs);
    }
    if (rc == 0) {
        rc = server_listen(srv, cfg->ldap_listen, false, &ldapd_module, ls);
    }
    if (rc == 0) {
        rc = server_listen(srv, cfg->ldaps_listen, true, &ldapd_module, ls);
    }
    if (rc == 0) {
        log_info(NULL, "kith %s serving %s (http %s, https %s, ldap %s, ldaps %s)", KITH_VERSION,
                cfg->data_dir, cfg->http_listen[0] ? cfg->http_listen : "off",
                cfg->https_listen[0] ? cfg->https_listen : "off",
                cfg->ldap_listen[0] ? cfg->ldap_listen : "off",
                cfg->ldaps_listen[0] ? cfg->ldaps_listen : "off");
        rc = server_run(srv);
    }
    server_free(&srv);
    http_server_free(&hs);
    ldapd_server_free(&ls);
    dav_app_free(&app);
    if (rc != 0) {
        cli_error("serve failed: %s", err_str(rc));
        return CLI_ERROR;
    }
    log_info(NULL, "stopped");
    return CLI_OK;
}

int cli_serve(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "http", required_argument, NULL, 'H' },
        { "https", required_argument, NULL, 'S' },
        { "ldap", required_argument, NULL, 'L' },
        { "ldaps", required_argument, NULL, 'T' },
        { "check-config", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const keys[] = {
        ['H'] = "http.listen", ['S'] = "http.https_listen", ['L'] = "ldap.listen",
        ['T'] = "ldap.ldaps_listen",
    };
    bool check_only = false;
    int c;
    char err[512];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'H':
        case 'S':
        case 'L':
        case 'T':
            if (config_set(&cli->cfg, keys[c], optarg, err, sizeof(err)) != 0) {
                cli_error("%s", err);
                return CLI_USAGE;
            }
            break;
        case 'c':
            check_only = true;
            break;
        case 'h':
            cli_serve_usage(stdout);
            return CLI_OK;
        default:
            cli_serve_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (optind != argc) {
        cli_serve_usage(stderr);
        return CLI_USAGE;
    }
    if (check_only) {
        printf("configuration %s is valid\n", cli->config_path ? cli->config_path : "(defaults)");
        return CLI_OK;
    }
    return cli_serve_run(cli);
}
