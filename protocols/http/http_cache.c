/*
 * http_cache.c: answers to repeated identical reads of unchanged data, kept in memory.
 *
 * Clients poll: Thunderbird sends the same PROPFIND Depth 1 every few minutes, DAVx5 and
 * iOS the same sync-collection, a desk of phones the same query. While nothing in the store
 * has changed, the answer is the same bytes, so the second time we send those bytes instead
 * of walking the collection again. The application (protocols/webdav/dav_cache.c) decides
 * what is cacheable and names each request by
 *   - a key: every byte the answer depends on (user, method, target, the headers that
 *     matter, the body), compared in full, so two requests share an entry only when they
 *     are the same request;
 *   - a generation: a number that grows whenever the data may have changed (the store's
 *     last committed transaction id). An entry answers only a request of the same
 *     generation; the first request of a newer one empties the cache, and an answer
 *     computed under an older one is not kept.
 *
 * A miss arms a capture: the response the handler writes (status, Content-Type, extra
 * headers, body, whether whole or streamed) is copied as it is queued into an anonymous
 * mapping as large as the entry limit (pages are used only as the body grows) and becomes
 * an entry, mapping and all, when it ends with 200 or 207. A capture gives up past the
 * entry limit and unmaps, so a response larger than that streams exactly as before and
 * its memory goes back to the system at once; at most HTTP_CACHE_CAPTURES run at once.
 * The application may also give up early when it knows an answer will be too large
 * (http_cache_capture_limit).
 *
 * A hit writes the head and hands the entry's body to libevent by reference (no copy);
 * the entry counts its references and is freed when it has been evicted and the last
 * connection that sent it has drained it.
 *
 * Limits (cfg http.cache_size, read on every use so SIGHUP applies): all entries together
 * at most cache_size bytes, one entry at most cache_size / HTTP_CACHE_ENTRY_SHARE (a quarter:
 * a 64M cache keeps a 10 MB expanded month of a 20k-event calendar), at most HTTP_CACHE_ENTRIES
 * entries; least recently used go first. cache_size 0 turns the cache off.
 */
#include "protocols/http/http-internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "src/arena.h"
#include "src/config.h"
#include "src/conn.h"

struct http_cache_entry {
    struct http_cache_entry *lru_prev, *lru_next; /* most recent at the head */
    struct http_cache_entry *chain;               /* next in the same bucket */
    uint64_t hash;
    unsigned refs; /* 1 while in the cache, plus 1 per evbuffer still holding the body */
    int status;
    size_t key_len, type_len, headers_len, body_len;
    unsigned char *body; /* after the headers in data, or its own mapping of body_map bytes */
    size_t body_map;     /* 0: the body is in data */
    unsigned char data[]; /* key, content type, extra header lines, a small body */
};

struct http_cache {
    struct http_cache_entry *buckets[HTTP_CACHE_BUCKETS];
    struct http_cache_entry *lru_head, *lru_tail;
    uint64_t generation; /* of every entry: a newer one empties the cache */
    size_t bytes;
    size_t entries;
    unsigned captures; /* in flight */
    uint64_t hits, misses;
};

/* A capture in progress, owned by the request (freed with its arena). */
struct http_capture {
    struct http_cache *cache;
    uint64_t hash;
    uint64_t generation;
    struct str_view key;      /* in the request arena */
    const char *content_type; /* of the response, in the request arena; NULL: none */
    unsigned char *map;       /* body so far, in a mapping of map_len bytes reserved at once */
    size_t len, map_len, limit;
    bool failed; /* too large, skipped by the application, or out of memory */
};

static size_t http_cache_entry_size(const struct http_cache_entry *e)
{
    return sizeof(*e) + e->key_len + e->type_len + e->headers_len +
           (e->body_map > 0 ? e->body_map : e->body_len);
}

/* Eight bytes a step (rotate, xor, multiply; the multiplier is FxHash's): the key is
 * compared in full anyway, this only spreads buckets, and a multiget key is ~8 KiB. */
static uint64_t http_cache_hash(struct str_view key)
{
    const uint64_t k = UINT64_C(0x517cc1b727220a95);
    uint64_t h = key.len;
    size_t i = 0;
    for (; i + 8 <= key.len; i += 8) {
        uint64_t w;
        memcpy(&w, key.ptr + i, 8);
        h = (((h << 5) | (h >> 59)) ^ w) * k;
    }
    uint64_t tail = 0;
    if (key.len > i) {
        memcpy(&tail, key.ptr + i, key.len - i);
    }
    h = (((h << 5) | (h >> 59)) ^ tail) * k;
    return h ^ (h >> 32);
}

struct http_cache *http_cache_new(void)
{
    return calloc(1, sizeof(struct http_cache));
}

static void http_cache_entry_unref(struct http_cache_entry *e)
{
    if (--e->refs == 0) {
        if (e->body_map > 0) {
            munmap(e->body, e->body_map);
        }
        free(e);
    }
}

static void http_cache_lru_remove(struct http_cache *c, struct http_cache_entry *e)
{
    if (e->lru_prev != NULL) {
        e->lru_prev->lru_next = e->lru_next;
    } else {
        c->lru_head = e->lru_next;
    }
    if (e->lru_next != NULL) {
        e->lru_next->lru_prev = e->lru_prev;
    } else {
        c->lru_tail = e->lru_prev;
    }
}

static void http_cache_lru_push(struct http_cache *c, struct http_cache_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = c->lru_head;
    if (c->lru_head != NULL) {
        c->lru_head->lru_prev = e;
    } else {
        c->lru_tail = e;
    }
    c->lru_head = e;
}

static void http_cache_unlink(struct http_cache *c, struct http_cache_entry *e)
{
    struct http_cache_entry **pp = &c->buckets[e->hash % HTTP_CACHE_BUCKETS];
    while (*pp != e) {
        pp = &(*pp)->chain;
    }
    *pp = e->chain;
    http_cache_lru_remove(c, e);
    c->bytes -= http_cache_entry_size(e);
    c->entries--;
    http_cache_entry_unref(e);
}

static void http_cache_trim(struct http_cache *c, size_t max_bytes, size_t max_entries)
{
    while (c->lru_tail != NULL && (c->bytes > max_bytes || c->entries > max_entries)) {
        http_cache_unlink(c, c->lru_tail);
    }
}

void http_cache_clear(struct http_cache *c)
{
    if (c != NULL) {
        http_cache_trim(c, 0, 0);
    }
}

void http_cache_free(struct http_cache **c)
{
    if (*c != NULL) {
        http_cache_clear(*c);
        free(*c);
        *c = NULL;
    }
}

/* The entry for key, or NULL. Every entry is of the cache's generation (a newer one
 * empties it), so the key alone decides. */
static struct http_cache_entry *http_cache_find(struct http_cache *c, uint64_t hash,
        struct str_view key)
{
    for (struct http_cache_entry *e = c->buckets[hash % HTTP_CACHE_BUCKETS]; e != NULL;
         e = e->chain) {
        if (e->hash == hash && e->key_len == key.len && memcmp(e->data, key.ptr, key.len) == 0) {
            return e;
        }
    }
    return NULL;
}

static void http_cache_body_done(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    http_cache_entry_unref(arg);
}

static void http_cache_serve(struct http_request *req, struct http_cache_entry *e)
{
    const unsigned char *p = e->data + e->key_len;
    const unsigned char *body = e->body;
    /* Whole, however long: a truncated copy would replay a different Content-Type. */
    const char *type = NULL;
    if (e->type_len > 0) {
        type = arena_strndup(req->arena, (const char *)p, e->type_len);
    }
    p += e->type_len;
    if (e->headers_len > 0) {
        if (req->resp_headers.ptr == NULL) {
            strbuf_init(&req->resp_headers, req->arena, e->headers_len + 1);
        }
        strbuf_append(&req->resp_headers, (const char *)p, e->headers_len);
    }
    http_write_head(req, e->status, type, false, e->body_len);
    if (e->body_len > 0) {
        struct evbuffer *out = conn_output(req->hc->conn);
        e->refs++;
        if (evbuffer_add_reference(out, body, e->body_len, http_cache_body_done, e) != 0) {
            e->refs--;
            evbuffer_add(out, body, e->body_len);
        }
        req->resp_bytes = e->body_len;
    }
    http_response_finished(req);
}

static size_t http_page_round(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

static void http_capture_drop(struct http_capture *cap)
{
    if (cap->map != NULL) {
        munmap(cap->map, cap->map_len);
        cap->map = NULL;
    }
}

static void http_capture_release(void *data)
{
    struct http_capture *cap = data;
    http_capture_drop(cap);
    cap->cache->captures--;
}

bool http_cache_answer(struct http_request *req, struct str_view key, uint64_t generation)
{
    struct http_server *hs = req->hc->hs;
    struct http_cache *c = hs->responses;
    size_t size = (size_t)hs->cfg->http_cache_size;
    if (c == NULL || size == 0 || req->method == HTTP_HEAD || req->capture != NULL) {
        return false;
    }
    if (generation != c->generation) {
        /* The data changed: no entry can answer again (generations only grow). */
        http_cache_clear(c);
        c->generation = generation;
    }
    uint64_t hash = http_cache_hash(key);
    struct http_cache_entry *e = http_cache_find(c, hash, key);
    if (e != NULL) {
        c->hits++;
        http_cache_lru_remove(c, e);
        http_cache_lru_push(c, e);
        log_debug(&req->log, "answered from the cache (%zu bytes)", e->body_len);
        http_cache_serve(req, e);
        return true;
    }
    c->misses++;
    if (c->captures >= HTTP_CACHE_CAPTURES) {
        return false;
    }
    struct http_capture *cap = arena_new_obj(req->arena, struct http_capture);
    cap->cache = c;
    cap->hash = hash;
    cap->generation = generation;
    cap->key = str_view_make(arena_strndup(req->arena, key.ptr, key.len), key.len);
    cap->limit = size / HTTP_CACHE_ENTRY_SHARE;
    c->captures++;
    arena_on_free(req->arena, http_capture_release, cap);
    req->capture = cap;
    return false;
}

size_t http_cache_capture_limit(const struct http_request *req)
{
    const struct http_capture *cap = req->capture;
    return cap != NULL && !cap->failed ? cap->limit - cap->len : 0;
}

void http_cache_skip(struct http_request *req)
{
    if (req->capture != NULL) {
        req->capture->failed = true;
        http_capture_drop(req->capture);
    }
}

void http_capture_head(struct http_request *req, const char *content_type)
{
    if (req->capture != NULL && content_type != NULL) {
        req->capture->content_type = arena_strdup(req->arena, content_type);
    }
}

void http_capture_body(struct http_request *req, const void *data, size_t len)
{
    struct http_capture *cap = req->capture;
    if (cap == NULL || cap->failed || len == 0) {
        return;
    }
    if (len > cap->limit - cap->len) {
        cap->failed = true; /* too large to keep: it streams on, uncached */
        http_capture_drop(cap);
        return;
    }
    if (cap->map == NULL) {
        /* Address space for the largest answer we keep, pages used as the body grows: no
         * copying as it grows, and an answer given up on returns its memory to the system
         * at once (a freed malloc block would stay in the heap). */
        cap->map_len = http_page_round(cap->limit);
        void *m = mmap(NULL, cap->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (m == MAP_FAILED) {
            cap->failed = true;
            return;
        }
        cap->map = m;
    }
    memcpy(cap->map + cap->len, data, len);
    cap->len += len;
}

void http_capture_finish(struct http_request *req)
{
    struct http_capture *cap = req->capture;
    req->capture = NULL;
    if (cap == NULL || cap->failed || (req->status != 200 && req->status != 207) ||
        req->hc->conn->closed || cap->generation != cap->cache->generation) {
        return;
    }
    struct http_cache *c = cap->cache;
    size_t size = (size_t)req->hc->hs->cfg->http_cache_size;
    const char *content_type = cap->content_type;
    size_t tlen = content_type != NULL ? strlen(content_type) : 0;
    size_t hlen = req->resp_headers.len;
    /* The body was bounded while it streamed; the key (a REPORT body, up to max_body) and the
     * headers count too: an entry over the limit would push every other one out. Small
     * bodies move into the entry's allocation; large ones keep their pages. */
    size_t body_map = cap->len > HTTP_CACHE_INLINE_MAX ? http_page_round(cap->len) : 0;
    size_t head = sizeof(struct http_cache_entry) + cap->key.len + tlen + hlen;
    size_t inline_len = body_map > 0 ? 0 : cap->len;
    if (head + inline_len + body_map > size / HTTP_CACHE_ENTRY_SHARE) {
        return;
    }
    struct http_cache_entry *e = malloc(head + inline_len);
    if (e == NULL) {
        return;
    }
    *e = (struct http_cache_entry){ .hash = cap->hash, .refs = 1, .status = req->status, .key_len = cap->key.len,
                                    .type_len = tlen, .headers_len = hlen,
                                    .body_len = cap->len };
    if (body_map > 0) {
        /* The entry takes the capture's mapping, shrunk to the body (in place). */
        void *m = mremap(cap->map, cap->map_len, body_map, 0);
        if (m == MAP_FAILED) {
            free(e);
            return;
        }
        e->body = m;
        e->body_map = body_map;
        cap->map = NULL;
    }
    unsigned char *p = e->data;
    memcpy(p, cap->key.ptr, cap->key.len);
    p += cap->key.len;
    if (tlen > 0) {
        memcpy(p, content_type, tlen);
    }
    p += tlen;
    if (hlen > 0) {
        memcpy(p, req->resp_headers.ptr, hlen);
    }
    if (inline_len > 0) {
        e->body = p + hlen;
        memcpy(e->body, cap->map, inline_len);
    }
    /* Another request of the same key may have finished first: the newer answer wins. */
    struct http_cache_entry *old = http_cache_find(c, e->hash, cap->key);
    if (old != NULL) {
        http_cache_unlink(c, old);
    }
    e->chain = c->buckets[e->hash % HTTP_CACHE_BUCKETS];
    c->buckets[e->hash % HTTP_CACHE_BUCKETS] = e;
    http_cache_lru_push(c, e);
    c->bytes += http_cache_entry_size(e);
    c->entries++;
    http_cache_trim(c, size, HTTP_CACHE_ENTRIES);
}

void http_server_cache_clear(struct http_server *hs)
{
    http_cache_clear(hs->responses);
}

void http_server_cache_stats(const struct http_server *hs, struct http_cache_stats *out)
{
    *out = (struct http_cache_stats){ 0 };
    if (hs->responses != NULL) {
        out->entries = hs->responses->entries;
        out->bytes = hs->responses->bytes;
        out->hits = hs->responses->hits;
        out->misses = hs->responses->misses;
    }
}
