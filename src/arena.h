/*
 * arena.h: bump allocator for the three lifetimes of Kith (process, connection, request).
 *
 * An arena hands out zero-filled memory from blocks and frees it all at once. Cleanups
 * registered with arena_on_free() (xmlFreeDoc, icalcomponent_free, ...) run LIFO when the
 * arena is freed. Allocation never fails: out of memory aborts the process, so every input
 * that drives allocation is bounded by a limit first (body size, card size, PDU size).
 */
#ifndef KITH_ARENA_H
#define KITH_ARENA_H

#include <stddef.h>

struct arena;

/* New arena whose first block holds first_block bytes (0 picks a default). */
struct arena *arena_new(size_t first_block);

/* size zero-filled bytes aligned for any type; valid until the arena is freed. */
void *arena_alloc(struct arena *a, size_t size);

/* Copy of len bytes plus a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);

#define arena_new_obj(a, type)    ((type *)arena_alloc((a), sizeof(type)))
#define arena_new_array(a, type, n) ((type *)arena_alloc((a), sizeof(type) * (n)))

/* Run fn(data) when the arena is freed (LIFO order). */
void arena_on_free(struct arena *a, void (*fn)(void *), void *data);

/* Bytes handed out so far (for limits and statistics). */
size_t arena_used(const struct arena *a);

/* Run cleanups and release every block but the first, whose used bytes are zeroed again:
 * the arena is as arena_new() made it, without the allocation (a pool reused per request
 * or per entry). Everything handed out before is invalid. */
void arena_reset(struct arena *a);

/* Run cleanups, release every block, set *a to NULL. NULL-safe. */
void arena_free(struct arena **a);

#endif
