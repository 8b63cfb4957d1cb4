/*
 * ldap-load: closed-loop LDAP search load for scripts/bench-ldap (one thread and one libldap
 * connection per -c, async search + ldap_result per request so each latency is measured
 * from send to SearchResultDone). Prints one line of key=value pairs.
 *
 *   ldap-load -H URI [-D DN -w PW] -b BASE [-s base|one|sub] -f TEMPLATE [-a attr,attr]
 *             [-z SIZELIMIT] [-q FILE] [-c CONNS] [-t SECONDS]
 *
 * TEMPLATE holds %s for each line of FILE in turn ("(telephoneNumber=%s)"); with -s base
 * and no %s in TEMPLATE, FILE lines are the base DNs instead.
 */
#include <ldap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct opts {
    const char *uri, *dn, *pw, *base, *tmpl;
    int scope, sizelimit, conns;
    double seconds;
    char **attrs;
    char **queries;
    size_t n_queries;
};

struct worker {
    pthread_t th;
    const struct opts *o;
    int id;
    double *lat;
    size_t n, cap;
    unsigned long errors, entries;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    const struct opts *o = w->o;
    LDAP *ld;
    int v = 3;
    if (ldap_initialize(&ld, o->uri) != LDAP_SUCCESS) {
        w->errors++;
        return NULL;
    }
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v);
    struct berval cred = { o->pw ? strlen(o->pw) : 0, (char *)(o->pw ? o->pw : "") };
    if (ldap_sasl_bind_s(ld, o->dn ? o->dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL) !=
            LDAP_SUCCESS) {
        fprintf(stderr, "ldap-load: bind failed\n");
        w->errors++;
        return NULL;
    }
    bool per_base = strstr(o->tmpl, "%s") == NULL;
    size_t qi = (size_t)w->id * 7919;
    double end = now() + o->seconds;
    char filter[1024];
    while (now() < end) {
        const char *q = o->queries[qi++ % o->n_queries];
        const char *base = per_base ? q : o->base;
        if (per_base) {
            snprintf(filter, sizeof(filter), "%s", o->tmpl);
        } else {
            snprintf(filter, sizeof(filter), o->tmpl, q, q, q, q);
        }
        double t0 = now();
        int msgid;
        if (ldap_search_ext(ld, base, o->scope, filter, o->attrs, 0, NULL, NULL, NULL,
                    o->sizelimit, &msgid) != LDAP_SUCCESS) {
            w->errors++;
            continue;
        }
        LDAPMessage *res = NULL;
        int rc;
        bool done = false;
        while (!done && (rc = ldap_result(ld, msgid, LDAP_MSG_ONE, NULL, &res)) > 0) {
            if (rc == LDAP_RES_SEARCH_ENTRY) {
                w->entries++;
            } else if (rc == LDAP_RES_SEARCH_RESULT) {
                int err = 0;
                ldap_parse_result(ld, res, &err, NULL, NULL, NULL, NULL, 0);
                if (err != LDAP_SUCCESS && err != LDAP_SIZELIMIT_EXCEEDED) {
                    w->errors++;
                }
                done = true;
            }
            ldap_msgfree(res);
        }
        if (!done) {
            w->errors++;
            break;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof(double));
        }
        w->lat[w->n++] = now() - t0;
    }
    ldap_unbind_ext_s(ld, NULL, NULL);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char **split_attrs(char *s)
{
    size_t n = 1;
    for (char *p = s; *p; p++) {
        n += *p == ',';
    }
    char **v = calloc(n + 1, sizeof(char *));
    size_t i = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
        v[i++] = tok;
    }
    return v;
}

static void read_queries(struct opts *o, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0') {
            continue;
        }
        if (o->n_queries == cap) {
            cap = cap ? cap * 2 : 1024;
            o->queries = realloc(o->queries, cap * sizeof(char *));
        }
        o->queries[o->n_queries++] = strdup(line);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    struct opts o = { .scope = LDAP_SCOPE_SUBTREE, .conns = 1, .seconds = 5, .tmpl = "(objectClass=*)" };
    char *attrs = NULL;
    const char *qfile = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "-H")) o.uri = v;
        else if (!strcmp(k, "-D")) o.dn = v;
        else if (!strcmp(k, "-w")) o.pw = v;
        else if (!strcmp(k, "-b")) o.base = v;
        else if (!strcmp(k, "-f")) o.tmpl = v;
        else if (!strcmp(k, "-a")) attrs = strdup(v);
        else if (!strcmp(k, "-z")) o.sizelimit = atoi(v);
        else if (!strcmp(k, "-c")) o.conns = atoi(v);
        else if (!strcmp(k, "-t")) o.seconds = atof(v);
        else if (!strcmp(k, "-q")) qfile = v;
        else if (!strcmp(k, "-s")) o.scope = !strcmp(v, "base") ? LDAP_SCOPE_BASE
                                           : !strcmp(v, "one") ? LDAP_SCOPE_ONELEVEL
                                                               : LDAP_SCOPE_SUBTREE;
    }
    if (o.uri == NULL || qfile == NULL) {
        fprintf(stderr, "usage: ldap-load -H URI -q FILE [-D DN -w PW -b BASE -s SCOPE -f TMPL "
                        "-a ATTRS -z N -c CONNS -t SECS]\n");
        return 2;
    }
    o.attrs = attrs ? split_attrs(attrs) : NULL;
    read_queries(&o, qfile);
    struct worker *w = calloc((size_t)o.conns, sizeof(*w));
    double t0 = now();
    for (int i = 0; i < o.conns; i++) {
        w[i].o = &o;
        w[i].id = i;
        pthread_create(&w[i].th, NULL, work, &w[i]);
    }
    size_t total = 0;
    unsigned long errors = 0, entries = 0;
    for (int i = 0; i < o.conns; i++) {
        pthread_join(w[i].th, NULL);
        total += w[i].n;
        errors += w[i].errors;
        entries += w[i].entries;
    }
    double elapsed = now() - t0;
    double *all = malloc((total ? total : 1) * sizeof(double));
    size_t k = 0;
    for (int i = 0; i < o.conns; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof(double));
        k += w[i].n;
    }
    qsort(all, total, sizeof(double), cmp);
    double p50 = total ? all[total / 2] : 0, p99 = total ? all[(size_t)((double)total * 0.99)] : 0;
    printf("searches=%zu errors=%lu entries=%lu seconds=%.2f qps=%.0f p50_us=%.0f p99_us=%.0f\n",
            total, errors, entries, elapsed, (double)total / elapsed, p50 * 1e6, p99 * 1e6);
    return errors ? 1 : 0;
}
