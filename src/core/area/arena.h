/* SPDX-License-Identifier: MIT */
/*
 * The arena (arena_): free address space and nothing else, after BSD
 * vmem's arenas. A range [start, end) of addresses; allocation is
 * lowest-address first fit for a size, an alignment and a window;
 * freeing merges with free neighbours. The arena knows no descriptors,
 * mappings or purges: its users (the area registry) add those.
 *
 * Nodes: a free block is a node of an augmented red-black tree. An
 * allocation hands its user a node describing the range it got (the
 * block's own node when it is used whole, else a node from the arena's
 * stock); the user keeps it while the range is allocated, may use its
 * tree link, its user word and the bytes after struct arena_node (nodes
 * are node_size bytes, chosen at init), and gives the same node back to
 * free the range.
 * So freeing never allocates, and allocating needs at most one node from
 * the stock, which arena_prepare_locked() fills before anything changes.
 *
 * Locking: the arena has no lock of its own. Its user protects it with a
 * lock it names at init (@guard), which every *_locked function asserts.
 */
#ifndef VM_ARENA_H
#define VM_ARENA_H

#include "base/core.h"
#include "lib/rbtree.h"
#include "lib/slab.h"

struct arena_node {
	unsigned long start;
	unsigned long end;		/* exclusive */
	struct rb_node rb;		/* free: the arena's tree; allocated: the user's */
	union {
		unsigned long subtree_max;	/* free: the largest block below */
		void *user;			/* allocated: the user's */
	};
};

struct arena {
	struct rb_root root;		/* free blocks by address */
	unsigned long start, end;
	unsigned long free_bytes;	/* read without the lock */
	struct objstock spare;		/* nodes for splits */
	struct kcache nodes;
	const struct vm_lock *guard;
};

/*
 * Set up @a over [start, end) (page aligned, start < end), with nodes of
 * @node_size bytes (at least sizeof(struct arena_node)). Return 0 or
 * -ENOMEM. arena_destroy() frees every node, allocated ones included.
 */
int arena_init(struct arena *a, const char *name, unsigned long start,
	       unsigned long end, size_t node_size, const struct vm_lock *guard);
void arena_destroy(struct arena *a);

/* Make sure the next arena_alloc_locked() cannot fail for lack of a
 * node. Return 0 or -ENOMEM (nothing changed). */
int arena_prepare_locked(struct arena *a);
/* The same for the next @allocs allocations (congruent sets). */
int arena_prepare_many_locked(struct arena *a, unsigned long allocs);

/*
 * The lowest @align-aligned range of @size bytes inside [lo, hi), taken
 * out of the free blocks; NULL when there is none. @size and @align are
 * page multiples (align a power of two). Needs arena_prepare_locked().
 */
struct arena_node *arena_alloc_locked(struct arena *a, unsigned long size,
				      unsigned long align, unsigned long lo,
				      unsigned long hi);

/*
 * Take exactly [addr, addr + size) out of the free blocks; NULL when it
 * is not all free. Needs arena_prepare_locked().
 */
struct arena_node *arena_alloc_at_locked(struct arena *a, unsigned long addr,
					 unsigned long size);

/*
 * Congruent ranges (pcpu_get_vm_areas): the highest @align-aligned base
 * b such that every [b + rel[i], b + rel[i] + len[i]) (i < @n) is free
 * and inside [lo, hi). rel[i] and len[i] are page multiples, rel[i]
 * aligned to @align, the ranges disjoint (the caller checked). Return:
 * whether there is one (*base); nothing changes: take the ranges with
 * arena_alloc_at_locked().
 */
bool arena_find_congruent_locked(struct arena *a, const unsigned long *rel,
				 const unsigned long *len, unsigned int n,
				 unsigned long align, unsigned long lo,
				 unsigned long hi, unsigned long *base);

/* Give an allocated node's range back (merging); the node is consumed. */
void arena_free_locked(struct arena *a, struct arena_node *n);

/*
 * An allocated node whose range its user has absorbed into another one
 * (an area grown in place over it): the node goes back to the stock, the
 * range stays allocated.
 */
void arena_discard_locked(struct arena *a, struct arena_node *n);

/* Free blocks in address order: the first, and the one after @n. */
struct arena_node *arena_first_locked(struct arena *a);
struct arena_node *arena_next_locked(struct arena *a, struct arena_node *n);

/* Bytes held in stock (metadata accounting). */
unsigned long arena_stock_bytes(const struct arena *a);

/*
 * The tree's own invariants: red-black shape, every subtree maximum,
 * blocks inside the range, in order, never adjacent (they merge).
 * Return NULL or what is wrong.
 */
const char *arena_check_locked(struct arena *a);

#endif /* VM_ARENA_H */
