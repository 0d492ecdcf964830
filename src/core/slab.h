/* SPDX-License-Identifier: MIT */
/*
 * Metadata allocation (the seed's kmalloc/kfree): fixed-size object caches
 * carved from chunks the platform's meta_alloc() provides, plus
 * power-of-two size classes for variable sizes (page arrays). Chunks stay
 * with their cache until vmalloc_core_exit(), so the common path is a
 * pop from a free list, never a call out to the platform.
 *
 * Every allocation asks the fault-injection point (VM_FAULT_META) first.
 *
 * Locking: each CPU has a magazine per cache with its own lock, and the
 * cache has a lock for its chunks and shared free list (order: magazine
 * -> cache). Both may be taken with any other core lock held, never the
 * other way round.
 */
#ifndef VM_SLAB_H
#define VM_SLAB_H

#include "core.h"

/*
 * A CPU's magazine: a few free objects taken without the cache's lock.
 * live counts the objects handed out through it (net; may be negative
 * when they are freed on another CPU).
 */
struct kmag {
	struct vm_lock lock;
	void *objs;		/* linked through their first word */
	unsigned int n;
	long live;
} __attribute__((aligned(64)));

struct kcache {
	struct vm_lock lock;	/* free, chunks, total */
	const char *name;
	size_t size;		/* object size, a multiple of 16 */
	void *free;		/* free objects, linked through their first word */
	void *chunks;		/* chunks, linked through their first word */
	unsigned long total;	/* objects carved so far */
	struct kmag *mags;	/* one per CPU */
	unsigned int nmags;
	unsigned long live;	/* handed out without a magazine (atomic) */
};

void kcache_init(struct kcache *c, const char *name, size_t size);
void kcache_destroy(struct kcache *c);
/* A zeroed object, or NULL. */
void *kcache_alloc(struct kcache *c);
void kcache_free(struct kcache *c, void *obj);
/* Is @obj the start of an object carved by @c? O(chunks): slow paths only. */
bool kcache_owns(struct kcache *c, const void *obj);

/* slab_init first, before any kcache_init; slab_exit last. */
int slab_init(void);
void slab_exit(void);
/* Zeroed memory of @size bytes (16-byte aligned), or NULL. */
void *vm_kmalloc(size_t size);
/* Free; @size must be the size that was asked for. */
void vm_kfree(void *p, size_t size);

/* Bytes of live objects and bytes held from the platform. */
unsigned long slab_live_bytes(void);
unsigned long slab_reserved_bytes(void);

#endif /* VM_SLAB_H */
