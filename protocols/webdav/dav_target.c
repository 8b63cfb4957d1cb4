/*
 * dav_target.c: request path -> what it names (root, principals, a principal, a home, a
 * collection, a resource) -> the store records behind it; hrefs back the other way.
 *
 * The paths come from [dav] in the config; each ends in '/'. A collection URL without its
 * trailing slash is accepted; hrefs we write always carry it. Under files_home the user's
 * STORE_COLL_FILES collection (slug "files") is the root, and everything below it is one
 * resource whose store name is the relative path, folders ending in '/'.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/err.h"

#define DAV_FILES_SLUG "files"

/* path starts with prefix (which ends in '/'), or equals it without the slash; *rest_out
 * is what follows the prefix (empty when equal). */
static bool dav_path_under(const char *path, const char *prefix, const char **rest_out)
{
    size_t plen = strlen(prefix);
    if (plen == 0) {
        return false;
    }
    if (strncmp(path, prefix, plen) == 0) {
        *rest_out = path + plen;
        return true;
    }
    if (prefix[plen - 1] == '/' && strlen(path) == plen - 1 &&
        strncmp(path, prefix, plen - 1) == 0) {
        *rest_out = path + plen - 1;
        return true;
    }
    return false;
}

/* The next segment of rest; *rest moves past it and its slash. false when empty. */
static bool dav_segment(const char **rest, struct str_view *seg_out, bool *slash_out)
{
    const char *s = *rest;
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    *seg_out = str_view_make(s, len);
    *slash_out = e != NULL;
    *rest = e ? e + 1 : s + len;
    return len > 0;
}

/* A files path below the root: no empty segments ("a//b"), the store checks the rest. */
static bool dav_files_name_ok(const char *rest)
{
    size_t len = strlen(rest);
    if (len == 0 || rest[0] == '/') {
        return false;
    }
    return strstr(rest, "//") == NULL;
}

static int dav_path_home(enum dav_home home, const char *rest, struct dav_path *out)
{
    out->home = home;
    bool slash;
    if (!dav_segment(&rest, &out->user, &slash)) {
        return ERR_NOT_FOUND;
    }
    if (home == DAV_HOME_FILES) {
        out->slug = STR_VIEW_LIT(DAV_FILES_SLUG);
        out->node = DAV_NODE_COLLECTION;
        if (*rest == '\0') {
            return 0;
        }
        if (!dav_files_name_ok(rest)) {
            return ERR_NOT_FOUND;
        }
        out->node = DAV_NODE_RESOURCE;
        out->name = str_view_of(rest);
        return 0;
    }
    out->node = DAV_NODE_HOME;
    if (*rest == '\0') {
        return 0;
    }
    if (!dav_segment(&rest, &out->slug, &slash)) {
        return ERR_NOT_FOUND;
    }
    out->node = DAV_NODE_COLLECTION;
    if (*rest == '\0') {
        return 0;
    }
    if (!dav_segment(&rest, &out->name, &slash) || slash) {
        return ERR_NOT_FOUND;
    }
    out->node = DAV_NODE_RESOURCE;
    return 0;
}

/* Whether path is the parent collection of the principal collection ("/principals/"). */
static bool dav_path_principal_parent(const char *pp, const char *path)
{
    size_t plen = strlen(pp);
    if (plen < 2) {
        return false;
    }
    size_t cut = plen - 1;
    while (cut > 0 && pp[cut - 1] != '/') {
        cut--;
    }
    if (cut <= 1) {
        return false; /* the parent is the root */
    }
    size_t len = strlen(path);
    return strncmp(path, pp, cut) == 0 && (len == cut || (len == cut - 1));
}

int dav_path_parse(const struct kith_config *cfg, const char *path, struct dav_path *out)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(path, "/") == 0 || strcmp(path, "*") == 0) {
        out->node = DAV_NODE_ROOT;
        return 0;
    }

    const struct {
        const char *prefix;
        enum dav_home home;
    } homes[] = {
        { cfg->addressbook_home, DAV_HOME_ADDRESSBOOKS },
        { cfg->calendar_home, DAV_HOME_CALENDARS },
        { cfg->files_home, DAV_HOME_FILES },
        { cfg->principal_path, DAV_HOME_NONE },
    };

    size_t best = SIZE_MAX, best_len = 0;
    const char *best_rest = NULL;
    for (size_t i = 0; i < sizeof(homes) / sizeof(homes[0]); i++) {
        const char *rest;
        size_t plen = strlen(homes[i].prefix);
        if (dav_path_under(path, homes[i].prefix, &rest) && plen > best_len) {
            best = i;
            best_len = plen;
            best_rest = rest;
        }
    }
    if (best == SIZE_MAX) {
        if (dav_path_principal_parent(cfg->principal_path, path)) {
            out->node = DAV_NODE_PRINCIPALS;
            out->principal_parent = true;
            return 0;
        }
        return ERR_NOT_FOUND;
    }
    if (homes[best].home != DAV_HOME_NONE) {
        return *best_rest == '\0' ? ERR_NOT_FOUND : dav_path_home(homes[best].home, best_rest, out);
    }
    if (*best_rest == '\0') {
        out->node = DAV_NODE_PRINCIPALS;
        return 0;
    }
    bool slash;
    if (!dav_segment(&best_rest, &out->user, &slash) || *best_rest != '\0') {
        return ERR_NOT_FOUND;
    }
    out->node = DAV_NODE_PRINCIPAL;
    return 0;
}

void dav_href_append(struct strbuf *sb, struct str_view path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0; /* start of the unreserved run not yet appended: copied whole */
    for (size_t i = 0; i < path.len; i++) {
        unsigned char c = (unsigned char)path.ptr[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
        if (!plain) {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
            strbuf_append(sb, path.ptr + run, i - run);
            strbuf_append(sb, esc, 3);
            run = i + 1;
        }
    }
    if (run < path.len) {
        strbuf_append(sb, path.ptr + run, path.len - run);
    }
}

static const char *dav_href_join(struct arena *a, const char *base, struct str_view seg, bool slash)
{
    struct strbuf sb;
    strbuf_init(&sb, a, strlen(base) + seg.len * 3 + 2);
    strbuf_append_cstr(&sb, base);
    dav_href_append(&sb, seg);
    if (slash && (sb.len == 0 || sb.ptr[sb.len - 1] != '/')) {
        strbuf_append_char(&sb, '/');
    }
    return sb.ptr;
}

const char *dav_principal_href(struct arena *a, const struct kith_config *cfg, struct str_view user)
{
    return dav_href_join(a, cfg->principal_path, user, true);
}

static const char *dav_home_prefix(const struct kith_config *cfg, enum dav_home home)
{
    switch (home) {
    case DAV_HOME_ADDRESSBOOKS:
        return cfg->addressbook_home;
    case DAV_HOME_CALENDARS:
        return cfg->calendar_home;
    case DAV_HOME_FILES:
        return cfg->files_home;
    default:
        return "/";
    }
}

const char *dav_home_href(struct arena *a, const struct kith_config *cfg, enum dav_home home,
                          struct str_view user)
{
    return dav_href_join(a, dav_home_prefix(cfg, home), user, true);
}

const char *dav_collection_href(struct arena *a, const struct kith_config *cfg,
                                const struct store_collection *c)
{
    if (c->kind == STORE_COLL_FILES) {
        return dav_home_href(a, cfg, DAV_HOME_FILES, c->owner);
    }
    enum dav_home home =
            c->kind == STORE_COLL_ADDRESSBOOK ? DAV_HOME_ADDRESSBOOKS : DAV_HOME_CALENDARS;
    return dav_href_join(a, dav_home_href(a, cfg, home, c->owner), c->slug, true);
}

static int dav_find_collection(struct store_txn *t, const struct dav_path *p,
                               struct store_collection *out)
{
    static const enum store_coll_kind cal_kinds[] = { STORE_COLL_CALENDAR, STORE_COLL_INBOX,
                                                      STORE_COLL_OUTBOX };

    if (p->home == DAV_HOME_ADDRESSBOOKS) {
        /* "OWNER~BOOK" in a user's home is OWNER's shared book BOOK (MAPPING.md 2.5: every
         * readable book appears in the reader's home; slugs never contain '~'). */
        const char *tilde = memchr(p->slug.ptr, '~', p->slug.len);
        if (tilde != NULL) {
            struct str_view owner = str_view_make(p->slug.ptr, (size_t)(tilde - p->slug.ptr));
            struct str_view slug = str_view_make(tilde + 1, p->slug.len - owner.len - 1);
            int rc = store_collection_get(t, STORE_COLL_ADDRESSBOOK, owner, slug, out);
            if (rc == 0 && (!(out->flags & STORE_COLL_SHARED) || str_view_eq(owner, p->user))) {
                rc = ERR_NOT_FOUND;
            }
            return rc;
        }
        return store_collection_get(t, STORE_COLL_ADDRESSBOOK, p->user, p->slug, out);
    }
    if (p->home == DAV_HOME_FILES) {
        return store_collection_get(t, STORE_COLL_FILES, p->user, p->slug, out);
    }
    int rc = ERR_NOT_FOUND;
    for (size_t i = 0; i < 3 && rc == ERR_NOT_FOUND; i++) {
        rc = store_collection_get(t, cal_kinds[i], p->user, p->slug, out);
    }
    return rc;
}

static const struct dav_flavour *dav_home_flavour(enum dav_home home)
{
    switch (home) {
    case DAV_HOME_ADDRESSBOOKS:
        return dav_flavour_of(STORE_COLL_ADDRESSBOOK);
    case DAV_HOME_CALENDARS:
        return dav_flavour_of(STORE_COLL_CALENDAR);
    default:
        return dav_flavour_of(STORE_COLL_FILES);
    }
}

/* A resource, or in files a folder when the name has no slash and only "name/" exists. */
static int dav_resolve_resource(struct dav_request *dr, struct dav_target *out)
{
    struct str_view name = out->path.name;
    int rc = store_resource_get(dr->txn, out->coll.id, name, false, &out->res);
    if (rc == ERR_NOT_FOUND && out->flavour->paths && name.ptr[name.len - 1] != '/') {
        char *folder = arena_alloc(dr->a, name.len + 2);
        memcpy(folder, name.ptr, name.len);
        folder[name.len] = '/';
        struct str_view fname = str_view_make(folder, name.len + 1);
        rc = store_resource_get(dr->txn, out->coll.id, fname, false, &out->res);
        if (rc == 0) {
            out->path.name = fname;
        }
    }
    if (rc == ERR_NOT_FOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    out->exists = true;
    out->is_folder = out->res.name.len > 0 && out->res.name.ptr[out->res.name.len - 1] == '/';
    out->is_collection = out->is_folder;
    return 0;
}

static int dav_resolve_store(struct dav_request *dr, struct dav_target *out)
{
    const struct dav_path *p = &out->path;
    struct store_user u;
    struct arena *a = dr->a;
    int rc = store_user_get(dr->txn, p->user, &u);
    if (rc != 0) {
        return rc == ERR_NOT_FOUND ? 0 : rc;
    }
    if (p->node == DAV_NODE_PRINCIPAL || p->node == DAV_NODE_HOME) {
        out->exists = true;
        out->is_collection = true;
        out->href = p->node == DAV_NODE_PRINCIPAL
                            ? dav_principal_href(a, dr->app->cfg, p->user)
                            : dav_home_href(a, dr->app->cfg, p->home, p->user);
        return 0;
    }
    out->flavour = dav_home_flavour(p->home);
    rc = dav_find_collection(dr->txn, p, &out->coll);
    if (rc == ERR_NOT_FOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    out->has_coll = true;
    out->flavour = dav_flavour_of(out->coll.kind);
    if (p->node == DAV_NODE_COLLECTION) {
        out->exists = true;
        out->is_collection = true;
        return 0;
    }
    return dav_resolve_resource(dr, out);
}

static const char *dav_target_href(struct arena *a, const struct kith_config *cfg,
                                   const struct dav_target *t)
{
    const struct dav_path *p = &t->path;
    switch (p->node) {
    case DAV_NODE_ROOT:
        return "/";
    case DAV_NODE_PRINCIPALS:
        if (p->principal_parent) {
            size_t cut = strlen(cfg->principal_path) - 1;
            while (cut > 0 && cfg->principal_path[cut - 1] != '/') {
                cut--;
            }
            return arena_strndup(a, cfg->principal_path, cut);
        }
        return cfg->principal_path;
    case DAV_NODE_PRINCIPAL:
        return dav_principal_href(a, cfg, p->user);
    case DAV_NODE_HOME:
        return dav_home_href(a, cfg, p->home, p->user);
    default:
        break;
    }
    if (p->node == DAV_NODE_COLLECTION) {
        return t->coll_href;
    }
    return dav_href_join(a, t->coll_href, p->name, false);
}

int dav_target_resolve(struct dav_request *dr, const char *path, struct dav_target *out)
{
    memset(out, 0, sizeof(*out));
    int rc = dav_path_parse(dr->app->cfg, path, &out->path);
    if (rc != 0) {
        return rc;
    }
    switch (out->path.node) {
    case DAV_NODE_ROOT:
    case DAV_NODE_PRINCIPALS:
        out->exists = true;
        out->is_collection = true;
        break;
    default:
        rc = dav_resolve_store(dr, out);
        break;
    }
    const struct dav_path *p = &out->path;
    if (p->node == DAV_NODE_COLLECTION || p->node == DAV_NODE_RESOURCE) {
        struct arena *a = dr->a;
        const struct kith_config *cfg = dr->app->cfg;
        out->coll_href =
                p->home == DAV_HOME_FILES
                        ? dav_home_href(a, cfg, DAV_HOME_FILES, p->user)
                        : dav_href_join(a, dav_home_href(a, cfg, p->home, p->user), p->slug, true);
    }
    out->href = dav_target_href(dr->a, dr->app->cfg, out);
    return rc;
}

void dav_target_member(struct arena *a, const struct dav_target *coll_target,
                       const struct store_resource *r, struct dav_target *out)
{
    memset(out, 0, sizeof(*out));
    out->path = coll_target->path;
    out->path.node = DAV_NODE_RESOURCE;
    out->path.name = r->name;
    out->exists = true;
    out->has_coll = true;
    out->coll = coll_target->coll;
    out->res = *r;
    out->flavour = coll_target->flavour;
    out->is_folder = r->name.len > 0 && r->name.ptr[r->name.len - 1] == '/';
    out->is_collection = out->is_folder;
    out->coll_href = coll_target->coll_href;
    out->href = dav_href_join(a, coll_target->coll_href, r->name, false);
}

static int dav_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int dav_destination_path(struct arena *a, const char *dest, const char **path_out)
{
    const char *p = dest;
    const char *scheme = strstr(dest, "://");
    if (p[0] != '/') {
        if (scheme == NULL) {
            return ERR_INVAL;
        }
        p = strchr(scheme + 3, '/');
        if (p == NULL) {
            p = "/";
        }
    }
    size_t len = strcspn(p, "?#");
    char *out = arena_alloc(a, len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '%') {
            int hi = i + 2 < len ? dav_hex(p[i + 1]) : -1;
            int lo = i + 2 < len ? dav_hex(p[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return ERR_INVAL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') {
            return ERR_INVAL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    /* No "." or ".." segment, as for the request path (the HTTP layer's rule). */
    for (const char *s = out; s != NULL; s = strchr(s, '/')) {
        s++;
        size_t sl = strcspn(s, "/");
        if ((sl == 1 && s[0] == '.') || (sl == 2 && s[0] == '.' && s[1] == '.')) {
            return ERR_INVAL;
        }
    }
    *path_out = out;
    return 0;
}
