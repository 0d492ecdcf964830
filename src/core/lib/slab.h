/* SPDX-License-Identifier: MIT */
/*
 * Metadata allocation (the seed's kmalloc/kfree): fixed-size object caches
 * carved from chunks the platform's meta_alloc() provides, plus
 * power-of-two size classes for variable sizes (page arrays). Chunks stay
 * with their cache until vmalloc_core_exit(), so the common path is a
 * pop from a free list, never a call out to the platform.
 *
 * One mechanism keeps objects close to where they are used: a stock
 * (struct objstock), a short list of free objects under a lock its owner
 * already holds. Each cache has one stock per CPU (a magazine, with a
 * lock of its own); a layer that allocates objects under a lock of its own
 * on a fast path (the per-CPU blocks' descriptors) keeps a stock under
 * that lock and moves objects in and out of the cache in batches.
 *
 * Every allocation asks the fault-injection point (VM_FAULT_META) first.
 *
 * Locking: a magazine's lock (rank MAG) is taken before its cache's (rank
 * CACHE). Both may be taken with any other core lock held, never the
 * other way round.
 */
#ifndef VM_SLAB_H
#define VM_SLAB_H

#include "base/core.h"

/*
 * A stock of free objects, linked through their first word. Its owner's
 * lock protects it; n is read without the lock (statistics).
 */
struct objstock {
	void *head;
	unsigned long n;
};

static inline void *objstock_pop(struct objstock *s)
{
	void *obj = s->head;

	if (obj) {
		s->head = *(void **)obj;
		vm_counter_add_locked(&s->n, -1);
	}
	return obj;
}

static inline void objstock_push(struct objstock *s, void *obj)
{
	*(void **)obj = s->head;
	s->head = obj;
	vm_counter_add_locked(&s->n, 1);
}

/* A CPU's magazine of a cache. live: objects handed out through it, net. */
struct kmag {
	struct vm_lock lock;
	struct objstock stock;
	unsigned long live;
} __attribute__((aligned(64)));

struct kcache {
	/* Set at init, read by every call (a line of its own). */
	const char *name;
	size_t size;		/* object size, a multiple of 16 */
	struct kmag *mags;	/* one per CPU */
	unsigned int nmags;
	bool tag_free;		/* free objects carry a tag (kvmalloc's) */
	/* Written by a magazine's refill or flush (a batch at a time). */
	struct vm_lock lock __vm_cacheline;	/* free, chunks, total */
	struct objstock free;	/* the cache's own free objects */
	void *chunks;		/* chunks, linked through their first word */
	uintptr_t *index;	/* the chunks' addresses, ascending */
	unsigned long nindex, index_cap;
	unsigned long total;	/* objects carved so far */
	unsigned long live;	/* handed out without a magazine (atomic) */
} __vm_cacheline;

void kcache_init(struct kcache *c, const char *name, size_t size);
void kcache_destroy(struct kcache *c);
/* A zeroed object, or NULL. */
void *kcache_alloc(struct kcache *c);
void kcache_free(struct kcache *c, void *obj);
/* Is @obj the start of an object carved by @c? O(log chunks): a binary
 * search of the chunk index under the cache's lock. */
bool kcache_owns(struct kcache *c, const void *obj);

/*
 * Move up to @n objects (not zeroed) from @c into the caller's stock @s,
 * whose lock the caller holds; each asks the fault-injection point.
 * Return how many moved. kcache_stock_put moves every object of @s
 * beyond @keep back to @c.
 */
unsigned long kcache_stock_fill(struct kcache *c, struct objstock *s,
				unsigned long n);
void kcache_stock_put(struct kcache *c, struct objstock *s, unsigned long keep);

/* slab_init first, before any kcache_init; slab_exit last. */
int slab_init(void);
void slab_exit(void);
/* Zeroed memory of @size bytes (16-byte aligned), or NULL. */
void *vm_kmalloc(size_t size);
/* What vm_kmalloc(@size) takes from the live bytes: its class's size. */
size_t vm_kmalloc_bytes(size_t size);
/* Free; @size must be the size that was asked for. */
void vm_kfree(void *p, size_t size);

/*
 * kvmalloc()'s small objects: size classes of their own (16 bytes to
 * VM_KV_MAX), apart from the metadata's, so that kvfree() can tell its
 * objects from everything else by address alone, and never frees the
 * library's own metadata. vm_kv_alloc: zeroed memory of at least @size
 * bytes (16-byte aligned), or NULL (also above VM_KV_MAX). vm_kv_size:
 * the object size (its class) if @p is the start of an object of these
 * caches that is handed out, else 0 (kcache_owns() on each class:
 * O(log chunks) each; a free object is told by its tag, see slab.c).
 * vm_kv_free: @p must be such an object; false when it was already free
 * (a second free, also one racing the first: exactly one call wins).
 */
#define VM_KV_MAX	4096UL
void *vm_kv_alloc(size_t size);
size_t vm_kv_size(const void *p);
bool vm_kv_free(void *p, size_t class_size);

/* Bytes of live objects and bytes held from the platform. */
unsigned long slab_live_bytes(void);
unsigned long slab_reserved_bytes(void);

#endif /* VM_SLAB_H */
