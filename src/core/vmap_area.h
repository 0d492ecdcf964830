/* SPDX-License-Identifier: MIT */
/*
 * The area layer (va_): which parts of [vmalloc_start, vmalloc_end) belong
 * to which vm_struct, and the descriptors themselves.
 *
 * Every byte of the range is in exactly one of:
 *  - the free tree: free blocks, address-ordered, each node augmented with
 *    the largest block in its subtree; adjacent free blocks always merge;
 *  - the busy tree: live areas (guard page included) and the per-CPU
 *    blocks of the small-area fast path (vmap_block.c), address-ordered;
 *  - the lazy list: areas whose PTEs are cleared but whose TLB entries
 *    may survive until the next purge, so the range must wait;
 * and inside a block each slot is free, live, dirty (freed after being
 * mapped: waits for the purge like the lazy list) or being purged.
 * va_check() verifies exactly this.
 *
 * Placement: requests go lowest-address first fit, except small ones
 * (1 to 4 pages, page alignment, the whole range as window) when the fast
 * path is on: those take the lowest free slot of a block of their size
 * class owned by the calling CPU (blocks are placed lowest-first too).
 *
 * Locking (order: purge -> va -> block cpu -> pt, slab, zone):
 *  - va.purge_lock serialises purges;
 *  - va.lock (the kernel's vmap_area_lock) protects both trees, the lazy
 *    list and the block directory's updates;
 *  - each CPU's block lock protects its blocks' slots and lists and its
 *    descriptor stock (vmap_block.c);
 *  - descriptors are read without locks by their owners only.
 */
#ifndef VM_VMAP_AREA_H
#define VM_VMAP_AREA_H

#include "core.h"

struct pt_fresh;

/*
 * The descriptor behind every struct vm_struct the library hands out.
 * state says who owns it: the library (LIVE), the caller (REMOVED: from
 * remove_vm_area(), freed with free_vm_area()), or nobody (FREE).
 * Invariant: while LIVE, vm.addr and vm.size are its range in the trees
 * or in a block.
 */
struct vm_desc {
	struct vm_struct vm;
	uint32_t state;
	uint16_t flags;		/* VMD_* */
	uint16_t cpu;		/* VMD_SLOT: the block's owner */
};

#define VMD_LIVE	0x4556494cu
#define VMD_REMOVED	0x564d4552u
#define VMD_FREE	0x45455246u

#define VMD_MAPPED	0x1u	/* PTEs were set: flush before reuse */
#define VMD_ARRAY	0x2u	/* the page array of another area */
#define VMD_SLOT	0x4u	/* lives in a block of the fast path */
#define VMD_UNINIT	0x8u	/* pages/nr_pages still being set up */

static inline struct vm_desc *vm_desc_of(const struct vm_struct *vm)
{
	return container_of(vm, struct vm_desc, vm);
}

/* A request: validated and clipped by the caller. */
struct va_request {
	unsigned long size;	/* bytes, guard page included, page multiple */
	unsigned long align;	/* a power of two >= PAGE_SIZE */
	unsigned long vstart;	/* window, inside the managed range */
	unsigned long vend;
	unsigned long flags;	/* VM_* of the area */
	const void *caller;
	bool uninit;		/* born VMD_UNINIT: va_ready() publishes it */
};

int va_init(unsigned long lazy_max_pages, bool fast_path);
void va_exit(void);

/*
 * va_get - reserve an area and its descriptor (LIVE, addr/size/flags/
 * caller filled in). When the range is full and lazy areas are pending,
 * purges once and retries. Return: the descriptor, or NULL with *err
 * -ENOMEM (no metadata) or -ENOSPC (no room).
 */
struct vm_struct *va_get(const struct va_request *rq, int *err);

/*
 * va_take - take the live area starting exactly at @addr out of service:
 * detach it, clear its PTEs (no flush) if it was mapped, and release its
 * range (after the next purge if it was mapped, at once otherwise).
 * @refuse (may be NULL) may decline, given @ctx: then *refused is set and
 * nothing changes. With @snap, the descriptor is copied there and freed;
 * without, it is handed back REMOVED (free it with va_put()).
 * Return: the descriptor (or @snap), or NULL when @addr starts no area.
 */
struct vm_struct *va_take(unsigned long addr,
			  bool (*refuse)(const struct vm_struct *vm,
					 const void *ctx),
			  const void *ctx, bool *refused, struct vm_struct *snap);

/* Free a REMOVED descriptor. */
void va_put(struct vm_struct *vm);
/* Is @p a REMOVED descriptor of ours? (slow: checks the cache's chunks) */
bool va_removed_desc(const struct vm_struct *p);

/*
 * Undo va_get() after a failed mapping: the range is free at once (the
 * caller flushed it) and the descriptor freed; the tables in @fresh that
 * no live area needs move to @out for pt_free_unlinked().
 */
void va_abort(struct vm_struct *vm, struct pt_fresh *fresh,
	      struct pt_fresh *out);

/* A mapping into live area @vm failed: as va_abort, but @vm stays. */
void va_unlink_fresh(const struct vm_struct *vm, struct pt_fresh *fresh,
		     struct pt_fresh *out);

/*
 * Descriptor flags are set by the area's owner while sanity walks may
 * read them: atomics.
 */
static inline void va_mark(struct vm_struct *vm, uint16_t flag)
{
	__atomic_fetch_or(&vm_desc_of(vm)->flags, flag, __ATOMIC_RELAXED);
}

static inline uint16_t va_flags(const struct vm_struct *vm)
{
	return __atomic_load_n(&vm_desc_of(vm)->flags, __ATOMIC_RELAXED);
}

/*
 * A vmalloc area is visible in the trees before its owner has set pages
 * and nr_pages: it carries VMD_UNINIT until then (the kernel's
 * VM_UNINITIALIZED). The owner clears it with release semantics; a walker
 * that reads those fields checks it with acquire semantics and skips the
 * area while it is set.
 */
static inline void va_ready(struct vm_struct *vm)
{
	__atomic_fetch_and(&vm_desc_of(vm)->flags, (uint16_t)~VMD_UNINIT,
			   __ATOMIC_RELEASE);
}

static inline bool va_is_ready(const struct vm_struct *vm)
{
	return !(__atomic_load_n(&vm_desc_of(vm)->flags, __ATOMIC_ACQUIRE) &
		 VMD_UNINIT);
}

/*
 * Flush every lazy area and dirty slot now. @shrink also returns every
 * block of the fast path that holds no live area (vm_unmap_aliases(), and
 * an allocation that found no room); without it each CPU keeps one warm
 * block per size class.
 */
void va_purge(bool shrink);

void va_lock(void);
void va_unlock(void);
/* Debug builds: trap unless the caller holds the va lock. */
void va_assert_locked_fn(void);
#define va_assert_locked()						\
	do {								\
		if (VM_DEBUG)						\
			va_assert_locked_fn();				\
	} while (0)
/* The live area starting exactly at @addr (va lock held). */
struct vm_struct *va_find_locked(unsigned long addr);
/* The live area whose range (guard page included) contains @addr. */
struct vm_struct *va_find_containing_locked(unsigned long addr);
/*
 * Call @fn on every live area whose range meets [from, to), in address
 * order, until it returns true (va lock held). For an area of the fast
 * path, @fn runs with its block's lock held too: it may read the area's
 * memory but must call nothing that takes a va or block lock.
 */
void va_walk_locked(unsigned long from, unsigned long to,
		    bool (*fn)(struct vm_struct *vm, void *arg), void *arg);

struct va_stats {
	unsigned long areas;		/* live descriptors (and REMOVED) */
	unsigned long busy;		/* live ranges */
	unsigned long lazy_pages;
	unsigned long lazy_max_pages;
	unsigned long purges;
	unsigned long purged_areas;
	unsigned long blocks;
	unsigned long meta_stock_bytes;	/* held in stock, not describing */
};
void va_get_stats(struct va_stats *st);

int va_check(void);

#endif /* VM_VMAP_AREA_H */
