/* SPDX-License-Identifier: MIT */
/*
 * The address-space allocator (va_): which parts of [vmalloc_start,
 * vmalloc_end) are busy, free, or freed-but-not-yet-flushed (lazy).
 *
 * Every byte of the range is in exactly one of:
 *  - the free tree: free blocks, address-ordered, each node augmented with
 *    the largest block size in its subtree; adjacent free blocks are always
 *    merged;
 *  - the busy tree: live areas (guard page included), address-ordered;
 *  - the lazy list or the batch being purged: areas whose PTEs are cleared
 *    but whose TLB entries may survive until the next purge, so the range
 *    must not be handed out yet.
 * va_check() verifies exactly this.
 *
 * Locking: va.lock (the kernel's vmap_area_lock) protects the trees, the
 * lazy list and the counters. va.purge_lock serialises purges; it is taken
 * before va.lock, never after. With va.lock held the code may take a slab
 * lock or pt.lock (order: purge -> va -> pt -> slab, zone), and calls no
 * platform hook but logging.
 */
#ifndef VM_VMAP_AREA_H
#define VM_VMAP_AREA_H

#include "core.h"
#include "rbtree.h"

struct vmap_area {
	unsigned long va_start;
	unsigned long va_end;		/* exclusive, guard page included */
	struct rb_node rb_node;		/* in the busy or the free tree */
	union {
		unsigned long subtree_max_size;	/* free: largest block below */
		struct vm_struct *vm;		/* busy: its descriptor */
		struct vmap_area *lazy_next;	/* lazy: next on the list */
	};
	unsigned long flags;		/* VA_* */
};

#define VA_MAPPED	0x1UL	/* PTEs were set: flush before reuse */

int va_init(unsigned long lazy_max_pages);
void va_exit(void);

/*
 * va_alloc - reserve the lowest [addr, addr + size) with addr aligned to
 * @align (a power of two >= PAGE_SIZE) inside [vstart, vend) (already
 * clipped to the managed range), for descriptor @vm. When the range is
 * full and lazy areas are pending, purges once and retries.
 * Return: 0 with *out set, -ENOMEM (no metadata), -ENOSPC (no room).
 */
int va_alloc(unsigned long size, unsigned long align, unsigned long vstart,
	     unsigned long vend, struct vm_struct *vm, struct vmap_area **out);

/*
 * Remove the busy area starting exactly at @addr, unless @refuse (may be
 * NULL) says no for its descriptor, given @ctx (*refused is then set).
 * Return the area, or NULL.
 */
struct vmap_area *va_detach(unsigned long addr,
			    bool (*refuse)(const struct vm_struct *vm,
					   const void *ctx),
			    const void *ctx, bool *refused);

/*
 * Give a detached area's range back: after the next purge when
 * VA_MAPPED is set (lazy), at once otherwise. The node is consumed.
 */
void va_release(struct vmap_area *va);

/*
 * Undo va_alloc() after a failed mapping: the range is freed at once (the
 * caller flushed it), and the tables in @fresh (may be NULL) that no busy
 * area needs move to @out, for pt_free_unlinked().
 */
struct pt_fresh;
void va_abort(struct vmap_area *va, struct pt_fresh *fresh,
	      struct pt_fresh *out);

/*
 * A mapping into busy area @va failed: move the tables in @fresh that no
 * other busy area needs to @out (the area stays allocated).
 */
void va_unlink_fresh(struct vmap_area *va, struct pt_fresh *fresh,
		     struct pt_fresh *out);

/* Flush every lazy area now. */
void va_purge(void);

void va_lock(void);
void va_unlock(void);
/* The busy area starting exactly at @addr (va lock held). */
struct vmap_area *va_find_locked(unsigned long addr);
/* The first busy area that ends after @addr, and its successor. */
struct vmap_area *va_first_after_locked(unsigned long addr);
struct vmap_area *va_next_locked(struct vmap_area *va);

struct va_stats {
	unsigned long busy;
	unsigned long lazy_pages;
	unsigned long lazy_max_pages;
	unsigned long purges;
	unsigned long purged_areas;
};
void va_get_stats(struct va_stats *st);
/* Bytes held per busy area by this layer. */
unsigned long va_node_bytes(void);
/* Bytes of nodes kept in stock (allocated, not describing any range). */
unsigned long va_stock_bytes(void);

int va_check(void);

#endif /* VM_VMAP_AREA_H */
