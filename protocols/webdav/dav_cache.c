/*
 * dav_cache.c: which WebDAV answers the HTTP response cache may keep, and under what key
 * (protocols/http/http_cache.c has the cache itself).
 *
 * Only PROPFIND and REPORT are cached: they are what clients poll, they change nothing,
 * and their answer is a function of
 *   - who asks (the canonical user: access rules and shared books differ per user),
 *   - the request: method, target, scheme and Host (hrefs and redirects may carry them),
 *     the headers that change an answer (Depth, Prefer, Brief, Accept, If-Match,
 *     If-None-Match), and the body;
 *   - the store, through its generation: any committed write, by this process or by a
 *     `kith` command beside it, makes every older answer unreachable;
 *   - the configuration, which SIGHUP may change: the reload clears the cache.
 * Answers that depend on the clock call http_cache_skip() (free-busy's DTSTAMP).
 *
 * The key is length-prefixed fields, so no two different requests can spell the same key.
 * Derived calendars (contact dates) are brought up to date before the generation is read,
 * as dav_prepare would, so a refresh they need is not hidden behind a cached answer.
 *
 * Once the target is known, a Depth 1 PROPFIND of a collection estimated too large for an
 * entry is not captured at all (each member answers its href and about
 * DAV_CACHE_MEMBER_BYTES of markup and properties), so a 50k-card listing streams with no
 * copy beside it. A wrong estimate costs one cache entry or one wasted capture, never a
 * wrong answer.
 */
#include "protocols/webdav/dav-internal.h"

#include <stdio.h>
#include <string.h>

#include "protocols/caldav/caldav.h"
#include "src/arena.h"

/* A member's answer past the collection's href: its name, <D:response>, a propstat with an
 * ETag and a resourcetype, and a 404 propstat for a collection-only property such as
 * getctag. Measured 300 bytes for Thunderbird's PROPFIND on generated cards; set a little
 * higher so the estimate errs towards streaming. */
#define DAV_CACHE_MEMBER_BYTES 350

static void dav_cache_field(struct strbuf *key, const char *value)
{
    size_t len = value != NULL ? strlen(value) : 0;
    strbuf_appendf(key, "%zu:", value != NULL ? len : (size_t)-1);
    if (len > 0) {
        strbuf_append(key, value, len);
    }
}

static const char *const dav_cache_headers[] = {
    "Depth", "Prefer", "Brief", "Accept", "If-Match", "If-None-Match",
};

bool dav_cache_answer(struct dav_request *dr)
{
    struct http_request *req = dr->req;
    if ((req->method != HTTP_PROPFIND && req->method != HTTP_REPORT) || dr->user == NULL) {
        return false;
    }
    caldav_contact_dates_prepare(dr);
    dr->dates_prepared = true;
    uint64_t generation = store_generation(dr->app->store);

    struct strbuf key;
    strbuf_init(&key, dr->a, 256 + req->body.len);
    strbuf_append_cstr(&key, "dav1\n");
    dav_cache_field(&key, dr->user);
    dav_cache_field(&key, req->method_name);
    dav_cache_field(&key, req->scheme);
    dav_cache_field(&key, req->host);
    strbuf_appendf(&key, "%zu:", req->target.len);
    strbuf_append(&key, req->target.ptr, req->target.len);
    for (size_t i = 0; i < sizeof(dav_cache_headers) / sizeof(dav_cache_headers[0]); i++) {
        dav_cache_field(&key, http_header(req, dav_cache_headers[i]));
    }
    strbuf_appendf(&key, "%zu:", req->body.len);
    if (req->body.len > 0) {
        strbuf_append(&key, req->body.ptr, req->body.len);
    }
    return http_cache_answer(req, strbuf_view(&key), generation);
}

void dav_cache_target_known(struct dav_request *dr)
{
    size_t room = http_cache_capture_limit(dr->req);
    const struct dav_target *t = &dr->target;
    if (room == 0 || dr->req->method != HTTP_PROPFIND || t->path.node != DAV_NODE_COLLECTION ||
        !t->has_coll || dav_depth(dr, DAV_DEPTH_INFINITY) != 1) {
        return;
    }
    size_t per_member = DAV_CACHE_MEMBER_BYTES + (t->href != NULL ? strlen(t->href) : 0);
    if (t->coll.count > room / per_member) {
        http_cache_skip(dr->req); /* it will not fit: stream it without copying */
    }
}
