/*
 * test_http_cache.c: the HTTP response cache (protocols/http/http_cache.c) as a client sees
 * it, behind a real loopback listener. The server runs its event loop in a second thread;
 * the tests speak HTTP/1.1 over blocking client sockets.
 *
 * The handler names each request by its path, X-Variant header and body (WebDAV keys hold a
 * REPORT body too), uses the generation the test sets, and counts how often it really
 * computes an answer; that count (also written into every body as n=) tells a replayed
 * answer from a new one. Paths choose the kind of answer: /whole (200 with extra headers),
 * /multi (207), /stream/<lines> (pulled chunks), /chunks (chunks queued at once), /missing
 * (404), /broken (500), /clock (skipped), /size/<bytes>, /longtype. /_ctl/ requests run on
 * the loop thread, so the cache is only ever touched there: /_ctl/size/<bytes> sets [http]
 * cache_size and clears the cache, /_ctl/stats answers with http_server_cache_stats().
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocols/http/http.h"
#include "src/arena.h"
#include "src/config.h"
#include "src/server.h"

#define DEFAULT_CACHE_SIZE ((size_t)4 << 20)  /* one answer may take 512 KiB */
#define SMALL_CACHE_SIZE   ((size_t)64 << 10) /* one answer may take 16 KiB */
#define STREAM_LINE_LEN    13                 /* "line 0000000\n" */

static struct kith_config cfg;
static struct server *srv;
static struct http_server *hs;
static pthread_t loop_thread;
static unsigned port;
static int run_rc = -1;

static atomic_uint computes;            /* answers the handler really computed */
static atomic_uint_fast64_t generation; /* what the "store" is at */

/* ---- server side ---- */

struct stream_job {
    unsigned lines, sent;
};

static void stream_more(struct http_request *req, void *ctx)
{
    struct stream_job *job = ctx;
    char chunk[4096];
    size_t len = 0;
    while (job->sent < job->lines && len + STREAM_LINE_LEN < sizeof(chunk)) {
        len += (size_t)snprintf(chunk + len, sizeof(chunk) - len, "line %07u\n", job->sent++);
    }
    http_respond_chunk(req, str_view_make(chunk, len));
    if (job->sent == job->lines) {
        http_respond_end(req);
    }
}

static void ctl_handle(struct http_request *req)
{
    char body[256];
    int n = 0;
    if (strncmp(req->path, "/_ctl/size/", 11) == 0) {
        cfg.http_cache_size = strtoull(req->path + 11, NULL, 10);
        http_server_cache_clear(hs);
    } else if (strcmp(req->path, "/_ctl/stats") == 0) {
        struct http_cache_stats st;
        http_server_cache_stats(hs, &st);
        n = snprintf(body, sizeof(body), "entries=%zu bytes=%zu hits=%" PRIu64 " misses=%" PRIu64,
                     st.entries, st.bytes, st.hits, st.misses);
    }
    http_respond(req, 200, "text/plain", str_view_make(body, (size_t)n));
}

static void respond_sized(struct http_request *req, unsigned n)
{
    size_t size = strtoul(req->path + 6, NULL, 10);
    char *body = arena_alloc(req->arena, size + 1);
    memset(body, 'x', size);
    int head = snprintf(body, size + 1, "n=%06u ", n);
    if ((size_t)head < size) {
        body[head] = 'x'; /* snprintf's NUL */
    }
    http_respond(req, 200, "text/plain", str_view_make(body, size));
}

static void handler(struct http_request *req, void *ctx)
{
    (void)ctx;
    if (strncmp(req->path, "/_ctl/", 6) == 0) {
        ctl_handle(req);
        return;
    }
    const char *variant = http_header(req, "X-Variant");
    size_t cap = strlen(req->path) + (variant ? strlen(variant) : 1) + req->body.len + 3;
    char *key = arena_alloc(req->arena, cap);
    int klen = snprintf(key, cap, "%s\n%s\n", req->path, variant ? variant : "-");
    if (req->body.len > 0) {
        memcpy(key + klen, req->body.ptr, req->body.len); /* as a REPORT's key holds its body */
    }
    struct str_view kv = str_view_make(key, (size_t)klen + req->body.len);
    if (http_cache_answer(req, kv, atomic_load(&generation))) {
        return;
    }
    unsigned n = atomic_fetch_add(&computes, 1) + 1;
    char body[512];
    int blen = snprintf(body, sizeof(body), "%s variant=%s gen=%" PRIu64 " n=%06u\n", req->path,
                        variant ? variant : "-", (uint64_t)atomic_load(&generation), n);
    struct str_view text = str_view_make(body, (size_t)blen);
    if (strncmp(req->path, "/stream/", 8) == 0) {
        struct stream_job *job = arena_new_obj(req->arena, struct stream_job);
        job->lines = (unsigned)strtoul(req->path + 8, NULL, 10);
        http_header_add(req, "X-Answer", "streamed");
        http_respond_start(req, 207, "application/xml; charset=utf-8");
        http_respond_chunk(req, text);
        http_respond_pull(req, stream_more, job);
    } else if (strcmp(req->path, "/chunks") == 0) {
        http_respond_start(req, 207, "application/xml; charset=utf-8");
        http_respond_chunk(req, text);
        http_respond_chunk(req, STR_VIEW_LIT("<second/>\n"));
        http_respond_chunk(req, STR_VIEW_LIT("<third/>\n"));
        http_respond_end(req);
    } else if (strncmp(req->path, "/size/", 6) == 0) {
        respond_sized(req, n);
    } else if (strcmp(req->path, "/missing") == 0) {
        http_respond_error(req, 404);
    } else if (strcmp(req->path, "/broken") == 0) {
        http_respond_error(req, 500);
    } else if (strcmp(req->path, "/multi") == 0) {
        http_respond(req, 207, "application/xml; charset=utf-8", text);
    } else if (strcmp(req->path, "/longtype") == 0) {
        char type[400];
        int tlen = snprintf(type, sizeof(type), "text/plain; profile=\"");
        memset(type + tlen, 'p', 300);
        strcpy(type + tlen + 300, "\"");
        http_respond(req, 200, type, text);
    } else {
        if (strcmp(req->path, "/clock") == 0) {
            http_cache_skip(req);
        }
        http_header_add(req, "X-Answer", "whole");
        http_header_add(req, "Cache-Control", "private");
        http_respond(req, 200, "text/plain; charset=utf-8", text);
    }
}

static void *loop_main(void *arg)
{
    (void)arg;
    run_rc = server_run(srv);
    return NULL;
}

static int group_setup(void **state)
{
    (void)state;
    log_init(LOG_LEVEL_ERROR, NULL);
    config_defaults(&cfg);
    cfg.http_cache_size = DEFAULT_CACHE_SIZE;
    cfg.idle_timeout = 10;
    cfg.shutdown_timeout = 2;
    atomic_store(&generation, 1);
    srv = server_new(&cfg);
    hs = http_server_new(&cfg, handler, NULL);
    if (srv == NULL || hs == NULL) {
        return -1;
    }
    if (server_listen(srv, "127.0.0.1:0", false, &http_module, hs) != 0) {
        return -1;
    }
    port = server_last_port(srv);
    return pthread_create(&loop_thread, NULL, loop_main, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    kill(getpid(), SIGTERM);
    pthread_join(loop_thread, NULL);
    server_free(&srv);
    http_server_free(&hs);
    return run_rc == 0 ? 0 : -1;
}

/* ---- client side ---- */

struct client {
    int fd;
    char *buf;
    size_t len, cap;
};

struct response {
    int status;
    char *head; /* status line and header lines without Date, NUL-terminated */
    char *body; /* dechunked, NUL-terminated */
    size_t body_len;
    bool chunked;
};

static void client_open(struct client *c)
{
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    c->cap = 4u << 20;
    c->buf = malloc(c->cap + 1);
    assert_non_null(c->buf);
    c->len = 0;
}

static void client_close(struct client *c)
{
    close(c->fd);
    free(c->buf);
}

static void client_send(struct client *c, const char *text)
{
    size_t len = strlen(text);
    assert_int_equal(send(c->fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void client_get(struct client *c, const char *method, const char *path, const char *variant)
{
    char text[512];
    if (variant != NULL) {
        (void)snprintf(text, sizeof(text), "%s %s HTTP/1.1\r\nHost: h\r\nX-Variant: %s\r\n\r\n",
                       method, path, variant);
    } else {
        (void)snprintf(text, sizeof(text), "%s %s HTTP/1.1\r\nHost: h\r\n\r\n", method, path);
    }
    client_send(c, text);
}

/* Read more bytes into the buffer; fails the test after 5 s of silence or at the close. */
static void client_fill(struct client *c)
{
    struct pollfd p = { .fd = c->fd, .events = POLLIN };
    assert_true(c->len < c->cap);
    assert_int_equal(poll(&p, 1, 5000), 1);
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    assert_true(n > 0);
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
}

/* Bytes [0, end) of the buffer are used: drop them. */
static void client_consume(struct client *c, size_t end)
{
    memmove(c->buf, c->buf + end, c->len - end);
    c->len -= end;
    c->buf[c->len] = '\0';
}

static const char *header_value(const struct response *r, const char *name)
{
    char needle[64];
    (void)snprintf(needle, sizeof(needle), "\r\n%s: ", name);
    const char *p = strstr(r->head, needle);
    return p != NULL ? p + strlen(needle) : NULL;
}

static void body_append(struct response *r, const char *data, size_t len)
{
    r->body = realloc(r->body, r->body_len + len + 1);
    assert_non_null(r->body);
    memcpy(r->body + r->body_len, data, len);
    r->body_len += len;
    r->body[r->body_len] = '\0';
}

/* Size of the chunked body at the start of the buffer, dechunked into r; waits for all of it. */
static size_t read_chunked(struct client *c, struct response *r)
{
    size_t pos = 0;
    for (;;) {
        char *eol;
        while ((eol = strstr(c->buf + pos, "\r\n")) == NULL) {
            client_fill(c);
        }
        size_t n = strtoul(c->buf + pos, NULL, 16);
        size_t data = (size_t)(eol - c->buf) + 2;
        while (c->len < data + n + 2) {
            client_fill(c);
        }
        assert_memory_equal(c->buf + data + n, "\r\n", 2);
        body_append(r, c->buf + data, n);
        pos = data + n + 2;
        if (n == 0) {
            return pos;
        }
    }
}

/* One whole response; a HEAD answer has no body whatever its Content-Length says. */
static void read_response(struct client *c, bool head_only, struct response *r)
{
    *r = (struct response){ 0 };
    char *end;
    while ((end = strstr(c->buf, "\r\n\r\n")) == NULL) {
        client_fill(c);
    }
    size_t head_len = (size_t)(end - c->buf) + 4;
    r->head = malloc(head_len + 1);
    assert_non_null(r->head);
    memcpy(r->head, c->buf, head_len);
    r->head[head_len] = '\0';
    char *date = strstr(r->head, "\r\nDate: ");
    if (date != NULL) {
        char *after = strstr(date + 2, "\r\n");
        memmove(date, after, strlen(after) + 1);
    }
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
    client_consume(c, head_len);
    body_append(r, "", 0);
    const char *te = header_value(r, "Transfer-Encoding");
    const char *cl = header_value(r, "Content-Length");
    if (head_only) {
        return;
    }
    if (te != NULL) {
        assert_true(strncmp(te, "chunked\r\n", 9) == 0);
        r->chunked = true;
        client_consume(c, read_chunked(c, r));
    } else {
        assert_non_null(cl);
        size_t len = strtoul(cl, NULL, 10);
        while (c->len < len) {
            client_fill(c);
        }
        body_append(r, c->buf, len);
        client_consume(c, len);
    }
}

static void response_free(struct response *r)
{
    free(r->head);
    free(r->body);
    *r = (struct response){ 0 };
}

/* One request on a new connection. */
static void fetch(const char *method, const char *path, const char *variant, struct response *r)
{
    struct client c;
    client_open(&c);
    client_get(&c, method, path, variant);
    read_response(&c, strcmp(method, "HEAD") == 0, r);
    client_close(&c);
}

/* The same request twice, each on its own connection: how often the handler computed. */
static unsigned fetch_twice(const char *method, const char *path, const char *variant,
                            struct response *a, struct response *b)
{
    unsigned before = atomic_load(&computes);
    fetch(method, path, variant, a);
    fetch(method, path, variant, b);
    return atomic_load(&computes) - before;
}

static void response_pair_free(struct response *a, struct response *b)
{
    response_free(a);
    response_free(b);
}

static void set_cache_size(uint64_t size)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "/_ctl/size/%" PRIu64, size);
    struct response r;
    fetch("GET", path, NULL, &r);
    assert_int_equal(r.status, 200);
    response_free(&r);
}

struct cache_stats {
    size_t entries, bytes;
    uint64_t hits, misses;
};

static struct cache_stats stats(void)
{
    struct response r;
    fetch("GET", "/_ctl/stats", NULL, &r);
    struct cache_stats st;
    assert_int_equal(sscanf(r.body, "entries=%zu bytes=%zu hits=%" SCNu64 " misses=%" SCNu64,
                            &st.entries, &st.bytes, &st.hits, &st.misses),
                     4);
    response_free(&r);
    return st;
}

/* Every test starts from an empty cache of the default size and a fresh generation. */
static int fresh_cache(void **state)
{
    (void)state;
    set_cache_size(DEFAULT_CACHE_SIZE);
    atomic_fetch_add(&generation, 1);
    return 0;
}

static void assert_same_answer(const struct response *a, const struct response *b)
{
    assert_int_equal(a->status, b->status);
    assert_string_equal(a->head, b->head);
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len);
}

/* The body of /stream/<lines> from request n: its first line, then the numbered lines. */
static void assert_stream_body(const struct response *r, unsigned lines)
{
    const char *first_end = strchr(r->body, '\n');
    assert_non_null(first_end);
    size_t first = (size_t)(first_end - r->body) + 1;
    assert_int_equal(r->body_len, first + (size_t)lines * STREAM_LINE_LEN);
    char last[32];
    (void)snprintf(last, sizeof(last), "line %07u\n", lines - 1);
    assert_memory_equal(r->body + r->body_len - STREAM_LINE_LEN, last, STREAM_LINE_LEN);
}

/* ---- tests ---- */

static void test_second_identical_request_gets_the_same_bytes_without_computing(void **state)
{
    (void)state;
    struct response a, b;
    assert_int_equal(fetch_twice("GET", "/whole", NULL, &a, &b), 1);
    assert_int_equal(a.status, 200);
    assert_non_null(strstr(a.head, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    assert_non_null(strstr(a.head, "\r\nX-Answer: whole\r\nCache-Control: private\r\n"));
    assert_same_answer(&a, &b);
    struct cache_stats st = stats();
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 1);
    response_pair_free(&a, &b);
}

static void test_207_answer_is_replayed_with_its_status_line(void **state)
{
    (void)state;
    struct response a, b;
    assert_int_equal(fetch_twice("PROPFIND", "/multi", NULL, &a, &b), 1);
    assert_true(strncmp(b.head, "HTTP/1.1 207 Multi-Status\r\n", 27) == 0);
    assert_same_answer(&a, &b);
    response_pair_free(&a, &b);
}

static void test_new_generation_recomputes(void **state)
{
    (void)state;
    struct response a, b, c;
    unsigned before = atomic_load(&computes);
    fetch("GET", "/whole", NULL, &a);
    atomic_fetch_add(&generation, 1);
    fetch("GET", "/whole", NULL, &b);
    fetch("GET", "/whole", NULL, &c);
    assert_int_equal(atomic_load(&computes), before + 2);
    assert_string_not_equal(a.body, b.body); /* gen= and n= differ */
    assert_same_answer(&b, &c);
    response_pair_free(&a, &b);
    response_free(&c);
}

static void test_different_keys_get_different_answers(void **state)
{
    (void)state;
    struct response a, b, c, a2, b2;
    unsigned before = atomic_load(&computes);
    fetch("GET", "/whole", "one", &a);
    fetch("GET", "/whole", "two", &b);
    fetch("GET", "/other", "one", &c);
    assert_int_equal(atomic_load(&computes), before + 3);
    assert_non_null(strstr(a.body, "/whole variant=one "));
    assert_non_null(strstr(b.body, "/whole variant=two "));
    assert_non_null(strstr(c.body, "/other variant=one "));
    fetch("GET", "/whole", "one", &a2);
    fetch("GET", "/whole", "two", &b2);
    assert_int_equal(atomic_load(&computes), before + 3);
    assert_same_answer(&a, &a2);
    assert_same_answer(&b, &b2);
    response_pair_free(&a, &b);
    response_free(&c);
    response_free(&a2);
    response_free(&b2);
}

static void test_streamed_answer_is_replayed_with_content_length(void **state)
{
    (void)state;
    const unsigned lines = 20000; /* ~260 KB: several pulls, under the 512 KiB entry limit */
    struct response a, b;
    assert_int_equal(fetch_twice("REPORT", "/stream/20000", NULL, &a, &b), 1);
    assert_true(a.chunked);
    assert_false(b.chunked);
    assert_null(header_value(&b, "Transfer-Encoding"));
    assert_int_equal(strtoul(header_value(&b, "Content-Length"), NULL, 10), b.body_len);
    assert_true(strncmp(b.head, "HTTP/1.1 207 Multi-Status\r\n", 27) == 0);
    assert_non_null(strstr(b.head, "\r\nContent-Type: application/xml; charset=utf-8\r\n"));
    assert_non_null(strstr(b.head, "\r\nX-Answer: streamed\r\n"));
    assert_stream_body(&a, lines);
    assert_int_equal(a.body_len, b.body_len);
    assert_memory_equal(a.body, b.body, a.body_len);
    response_pair_free(&a, &b);
}

static void test_chunks_queued_without_pull_are_replayed(void **state)
{
    (void)state;
    struct response a, b;
    assert_int_equal(fetch_twice("REPORT", "/chunks", NULL, &a, &b), 1);
    assert_true(a.chunked);
    assert_false(b.chunked);
    assert_non_null(strstr(a.body, " n="));
    assert_non_null(strstr(a.body, "\n<second/>\n<third/>\n"));
    assert_string_equal(a.body, b.body);
    response_pair_free(&a, &b);
}

static void test_streamed_answer_over_the_entry_limit_is_whole_and_not_kept(void **state)
{
    (void)state;
    const unsigned lines = 100000; /* ~1.3 MB, over cache_size / 4 = 1 MiB */
    struct response a, b;
    assert_int_equal(fetch_twice("REPORT", "/stream/100000", NULL, &a, &b), 2);
    assert_true(a.chunked && b.chunked);
    assert_stream_body(&a, lines);
    assert_stream_body(&b, lines);
    assert_int_equal(stats().entries, 0);
    response_pair_free(&a, &b);
}

static void test_whole_answer_over_the_entry_limit_is_not_kept(void **state)
{
    (void)state;
    set_cache_size(SMALL_CACHE_SIZE);
    struct response a, b;
    assert_int_equal(fetch_twice("GET", "/size/17000", NULL, &a, &b), 2);
    assert_int_equal(a.body_len, 17000);
    assert_int_equal(b.body_len, 17000);
    assert_int_equal(stats().entries, 0);
    response_pair_free(&a, &b);
}

static void test_error_answers_are_not_kept(void **state)
{
    (void)state;
    const char *paths[] = { "/missing", "/broken" };
    for (size_t i = 0; i < 2; i++) {
        struct response a, b;
        assert_int_equal(fetch_twice("GET", paths[i], NULL, &a, &b), 2);
        assert_int_equal(a.status, i == 0 ? 404 : 500);
        assert_same_answer(&a, &b);
        response_pair_free(&a, &b);
    }
    assert_int_equal(stats().entries, 0);
}

static void test_skipped_answer_is_not_kept(void **state)
{
    (void)state;
    struct response a, b;
    assert_int_equal(fetch_twice("GET", "/clock", NULL, &a, &b), 2);
    assert_int_equal(a.status, 200);
    assert_string_not_equal(a.body, b.body); /* n= differs */
    assert_int_equal(stats().entries, 0);
    response_pair_free(&a, &b);
}

static void test_head_is_not_served_from_the_cache(void **state)
{
    (void)state;
    struct response get1, head, get2;
    unsigned before = atomic_load(&computes);
    fetch("GET", "/whole", NULL, &get1);
    fetch("HEAD", "/whole", NULL, &head);
    assert_int_equal(atomic_load(&computes), before + 2);
    assert_int_equal(head.status, 200);
    /* The HEAD answer describes its own (newer) body and did not replace the kept one. */
    assert_int_equal(strtoul(header_value(&head, "Content-Length"), NULL, 10), get1.body_len);
    fetch("GET", "/whole", NULL, &get2);
    assert_int_equal(atomic_load(&computes), before + 2);
    assert_same_answer(&get1, &get2);
    response_free(&get1);
    response_free(&head);
    response_free(&get2);
}

static void test_cache_size_zero_keeps_nothing(void **state)
{
    (void)state;
    set_cache_size(0);
    struct response a, b;
    assert_int_equal(fetch_twice("GET", "/whole", NULL, &a, &b), 2);
    assert_string_not_equal(a.body, b.body);
    struct cache_stats st = stats();
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    response_pair_free(&a, &b);
}

static void test_cache_clear_empties_it(void **state)
{
    (void)state;
    struct response a, b;
    unsigned before = atomic_load(&computes);
    fetch("GET", "/whole", NULL, &a);
    assert_int_equal(stats().entries, 1);
    set_cache_size(DEFAULT_CACHE_SIZE); /* clears, same generation */
    struct cache_stats st = stats();
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    fetch("GET", "/whole", NULL, &b);
    assert_int_equal(atomic_load(&computes), before + 2);
    assert_string_not_equal(a.body, b.body);
    response_pair_free(&a, &b);
}

/* A 4000-byte answer named k<i>: how often the handler computed it (0: from the cache). */
static unsigned fetch_4k_answer(unsigned i)
{
    char variant[16];
    (void)snprintf(variant, sizeof(variant), "k%u", i);
    unsigned before = atomic_load(&computes);
    struct response r;
    fetch("GET", "/size/4000", variant, &r);
    assert_int_equal(r.body_len, 4000);
    response_free(&r);
    return atomic_load(&computes) - before;
}

static void test_eviction_keeps_bytes_within_cache_size_least_recent_first(void **state)
{
    (void)state;
    const size_t size = SMALL_CACHE_SIZE;
    set_cache_size(size); /* ~4 KiB answers: about 15 fit */
    for (unsigned i = 0; i < 14; i++) {
        assert_int_equal(fetch_4k_answer(i), 1);
    }
    assert_int_equal(fetch_4k_answer(0), 0); /* k0 is now the most recent */
    for (unsigned i = 14; i < 40; i++) {
        assert_int_equal(fetch_4k_answer(i), 1);
        struct cache_stats st = stats();
        assert_true(st.bytes <= size);
        assert_true(st.entries > 0);
        if (i == 16) {
            /* Three answers past k0's use: k0 was kept, k1 (older) was evicted. */
            assert_int_equal(fetch_4k_answer(0), 0);
            assert_int_equal(fetch_4k_answer(1), 1);
        }
    }
    struct cache_stats st = stats();
    assert_true(st.entries >= 10 && st.entries < 40);
    assert_true(st.bytes > (size_t)10 * 4000 && st.bytes <= size);
    assert_int_equal(fetch_4k_answer(39), 0); /* the newest is still there */
    assert_int_equal(fetch_4k_answer(20), 1); /* an old one is gone */
}

static void test_pipelined_identical_requests_each_get_a_full_answer_in_order(void **state)
{
    (void)state;
    struct client c;
    client_open(&c);
    unsigned before = atomic_load(&computes);
    client_send(&c, "GET /whole HTTP/1.1\r\nHost: h\r\nX-Variant: a\r\n\r\n"
                    "GET /whole HTTP/1.1\r\nHost: h\r\nX-Variant: a\r\n\r\n"
                    "GET /whole HTTP/1.1\r\nHost: h\r\nX-Variant: b\r\n\r\n"
                    "REPORT /stream/20000 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "REPORT /stream/20000 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "GET /whole HTTP/1.1\r\nHost: h\r\nX-Variant: a\r\n\r\n");
    struct response r[6];
    for (int i = 0; i < 6; i++) {
        read_response(&c, false, &r[i]);
        assert_int_equal(r[i].status, i == 3 || i == 4 ? 207 : 200);
    }
    assert_int_equal(atomic_load(&computes), before + 3);
    assert_non_null(strstr(r[0].body, "variant=a "));
    assert_same_answer(&r[0], &r[1]);
    assert_non_null(strstr(r[2].body, "variant=b "));
    assert_stream_body(&r[3], 20000);
    assert_int_equal(r[3].body_len, r[4].body_len);
    assert_memory_equal(r[3].body, r[4].body, r[3].body_len);
    assert_same_answer(&r[0], &r[5]);
    assert_int_equal(c.len, 0); /* nothing more than the six answers */
    for (int i = 0; i < 6; i++) {
        response_free(&r[i]);
    }
    client_close(&c);
}

static void test_answer_dropped_from_the_cache_still_reaches_a_slow_reader(void **state)
{
    (void)state;
    struct client slow;
    client_open(&slow);
    struct response a, b;
    client_get(&slow, "GET", "/size/400000", NULL);
    read_response(&slow, false, &a);
    client_get(&slow, "GET", "/size/400000", NULL); /* sent from the cache; not read yet */
    usleep(100 * 1000);
    set_cache_size(DEFAULT_CACHE_SIZE); /* the entry leaves the cache */
    atomic_fetch_add(&generation, 1);
    struct response other;
    fetch("GET", "/size/400000", NULL, &other); /* a new answer under the new generation */
    read_response(&slow, false, &b);
    assert_same_answer(&a, &b);
    assert_string_not_equal(a.body, other.body);
    response_pair_free(&a, &b);
    response_free(&other);
    client_close(&slow);
}

static void test_answer_with_a_key_over_the_entry_limit_does_not_empty_the_cache(void **state)
{
    (void)state;
    set_cache_size(SMALL_CACHE_SIZE); /* the 16 KiB per entry count the key too */
    struct response a, b, big, a2, b2;
    unsigned before = atomic_load(&computes);
    fetch("GET", "/whole", "a", &a);
    fetch("GET", "/whole", "b", &b);
    /* A small answer to a request whose body (part of its key) is larger than the cache. */
    struct client c;
    client_open(&c);
    size_t body_len = (size_t)100 << 10;
    char head[128];
    (void)snprintf(head, sizeof(head),
                   "REPORT /whole HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n", body_len);
    client_send(&c, head);
    char *body = malloc(body_len + 1);
    assert_non_null(body);
    memset(body, 'q', body_len);
    body[body_len] = '\0';
    client_send(&c, body);
    free(body);
    read_response(&c, false, &big);
    client_close(&c);
    assert_int_equal(big.status, 200);
    fetch("GET", "/whole", "a", &a2);
    fetch("GET", "/whole", "b", &b2);
    assert_int_equal(atomic_load(&computes), before + 3);
    assert_same_answer(&a, &a2);
    assert_same_answer(&b, &b2);
    struct cache_stats st = stats();
    assert_int_equal(st.entries, 2);
    assert_true(st.bytes <= SMALL_CACHE_SIZE / 4);
    response_pair_free(&a, &b);
    response_free(&big);
    response_free(&a2);
    response_free(&b2);
}

static void test_http10_streamed_answer_is_kept_and_replayed_to_http11(void **state)
{
    (void)state;
    struct client c10;
    client_open(&c10);
    client_send(&c10, "REPORT /stream/3000 HTTP/1.0\r\nHost: h\r\n\r\n");
    /* HTTP/1.0 has no chunked coding: the body ends when the server closes. */
    char *end;
    while ((end = strstr(c10.buf, "\r\n\r\n")) == NULL) {
        client_fill(&c10);
    }
    size_t head_len = (size_t)(end - c10.buf) + 4;
    for (int i = 0; i < 1000; i++) {
        struct pollfd p = { .fd = c10.fd, .events = POLLIN };
        assert_int_equal(poll(&p, 1, 5000), 1);
        ssize_t n = recv(c10.fd, c10.buf + c10.len, c10.cap - c10.len, 0);
        if (n == 0) {
            break;
        }
        assert_true(n > 0);
        c10.len += (size_t)n;
        c10.buf[c10.len] = '\0';
    }
    assert_true(strncmp(c10.buf, "HTTP/1.1 207 Multi-Status\r\n", 27) == 0);
    unsigned before = atomic_load(&computes);
    struct response r;
    fetch("REPORT", "/stream/3000", NULL, &r);
    assert_int_equal(atomic_load(&computes), before);
    assert_false(r.chunked);
    assert_stream_body(&r, 3000);
    assert_int_equal(r.body_len, c10.len - head_len);
    assert_memory_equal(r.body, c10.buf + head_len, r.body_len);
    response_free(&r);
    client_close(&c10);
}

static void test_long_content_type_is_replayed_whole(void **state)
{
    (void)state;
    struct response a, b;
    assert_int_equal(fetch_twice("GET", "/longtype", NULL, &a, &b), 1);
    assert_true(strlen(header_value(&a, "Content-Type")) > 300);
    assert_same_answer(&a, &b);
    response_pair_free(&a, &b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_second_identical_request_gets_the_same_bytes_without_computing,
                               fresh_cache),
        cmocka_unit_test_setup(test_207_answer_is_replayed_with_its_status_line, fresh_cache),
        cmocka_unit_test_setup(test_new_generation_recomputes, fresh_cache),
        cmocka_unit_test_setup(test_different_keys_get_different_answers, fresh_cache),
        cmocka_unit_test_setup(test_streamed_answer_is_replayed_with_content_length, fresh_cache),
        cmocka_unit_test_setup(test_chunks_queued_without_pull_are_replayed, fresh_cache),
        cmocka_unit_test_setup(test_streamed_answer_over_the_entry_limit_is_whole_and_not_kept,
                               fresh_cache),
        cmocka_unit_test_setup(test_whole_answer_over_the_entry_limit_is_not_kept, fresh_cache),
        cmocka_unit_test_setup(test_error_answers_are_not_kept, fresh_cache),
        cmocka_unit_test_setup(test_skipped_answer_is_not_kept, fresh_cache),
        cmocka_unit_test_setup(test_head_is_not_served_from_the_cache, fresh_cache),
        cmocka_unit_test_setup(test_cache_size_zero_keeps_nothing, fresh_cache),
        cmocka_unit_test_setup(test_cache_clear_empties_it, fresh_cache),
        cmocka_unit_test_setup(test_eviction_keeps_bytes_within_cache_size_least_recent_first,
                               fresh_cache),
        cmocka_unit_test_setup(test_pipelined_identical_requests_each_get_a_full_answer_in_order,
                               fresh_cache),
        cmocka_unit_test_setup(test_answer_dropped_from_the_cache_still_reaches_a_slow_reader,
                               fresh_cache),
        cmocka_unit_test_setup(test_answer_with_a_key_over_the_entry_limit_does_not_empty_the_cache,
                               fresh_cache),
        cmocka_unit_test_setup(test_http10_streamed_answer_is_kept_and_replayed_to_http11,
                               fresh_cache),
        cmocka_unit_test_setup(test_long_content_type_is_replayed_whole, fresh_cache),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
