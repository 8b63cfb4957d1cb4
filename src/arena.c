#include "src/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN         16
#define ARENA_DEFAULT_BLOCK 4096

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[]; /* the promise of arena_alloc: 16, not 8 */
};

struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *data;
};

struct arena {
    struct arena_block *head; /* newest first; the last one is the first block */
    struct arena_cleanup *cleanups;
    size_t block_size;
    size_t first_size;
    size_t total;
};

static void *arena_xcalloc(size_t n)
{
    void *p = calloc(1, n);
    if (p == NULL) {
        fputs("kith: out of memory\n", stderr);
        abort();
    }
    return p;
}

static struct arena_block *arena_block_new(size_t size)
{
    struct arena_block *b = arena_xcalloc(sizeof(*b) + size);
    b->size = size;
    return b;
}

struct arena *arena_new(size_t first_block)
{
    struct arena *a = arena_xcalloc(sizeof(*a));
    a->block_size = first_block ? first_block : ARENA_DEFAULT_BLOCK;
    a->first_size = a->block_size;
    a->head = arena_block_new(a->block_size);
    return a;
}

void *arena_alloc(struct arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (need < size) {
        abort(); /* overflow: a caller skipped its limit */
    }
    if (b->size - b->used < need) {
        /* Grow geometrically so many small allocations stay cheap; huge ones get their own. */
        size_t next = a->block_size < (64u << 20) ? a->block_size * 2 : a->block_size;
        a->block_size = next;
        b = arena_block_new(need > next ? need : next);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += size;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1);
    if (len) {
        memcpy(p, s, len);
    }
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *data)
{
    struct arena_cleanup *c = arena_new_obj(a, struct arena_cleanup);
    c->fn = fn;
    c->data = data;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t arena_used(const struct arena *a)
{
    return a->total;
}

static void arena_run_cleanups(struct arena *a)
{
    for (struct arena_cleanup *c = a->cleanups; c != NULL; c = c->next) {
        c->fn(c->data);
    }
    a->cleanups = NULL;
}

void arena_reset(struct arena *a)
{
    arena_run_cleanups(a);
    struct arena_block *b = a->head;
    while (b->next != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    /* Zeroing only what was used keeps the zero-filled promise at the cost of the last use,
     * not of the block (calloc of a fresh block clears all of it). */
    memset(b->data, 0, b->used);
    b->used = 0;
    a->head = b;
    a->block_size = a->first_size;
    a->total = 0;
}

void arena_free(struct arena **ap)
{
    struct arena *a = *ap;
    if (a == NULL) {
        return;
    }
    arena_run_cleanups(a);
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
    *ap = NULL;
}
