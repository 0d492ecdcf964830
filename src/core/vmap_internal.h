/* SPDX-License-Identifier: MIT */
/*
 * What vmap_area.c (the trees, the lazy list, descriptors) and
 * vmap_block.c (the small-area fast path) share. Nothing else includes it.
 */
#ifndef VM_VMAP_INTERNAL_H
#define VM_VMAP_INTERNAL_H

#include "vmap_area.h"
#include "rbtree.h"

struct vm_block;

/* A range of the address space: a node of the free or the busy tree. */
struct vmap_area {
	unsigned long va_start;
	unsigned long va_end;		/* exclusive, guard page included */
	struct rb_node rb_node;
	union {
		unsigned long subtree_max_size;	/* free: largest block below */
		struct vm_desc *desc;		/* busy area */
		struct vm_block *block;		/* busy block (VA_BLOCK) */
		struct vmap_area *lazy_next;	/* lazy: next on the list */
	};
	unsigned long flags;
};

#define VA_BLOCK	0x1UL	/* the range of a fast-path block */
#define VA_DYING	0x2UL	/* taken out, its PTEs being cleared: no
				   lookup finds it, but it still covers its
				   range until it moves to the lazy list */

/* A descriptor for request @rq at @addr: LIVE, with @flags (VMD_*). */
static inline void va_desc_fill(struct vm_desc *d, unsigned long addr,
				const struct va_request *rq, uint16_t flags)
{
	d->vm.addr = (void *)addr;
	d->vm.size = rq->size;
	d->vm.flags = rq->flags;
	d->vm.pages = NULL;
	d->vm.nr_pages = 0;
	d->vm.phys_addr = 0;
	d->vm.caller = rq->caller;
	d->flags = flags | (rq->uninit ? VMD_UNINIT : 0);
	d->state = VMD_LIVE;
}

/* ---- provided by vmap_area.c for vmap_block.c ------------------------ */

/*
 * Reserve a busy range for a block (lowest fit, @align, whole range, no
 * purge) and attach it to @b. Return the node with va.lock held (the
 * caller publishes the block, then unlocks), or NULL with *err.
 */
struct vmap_area *va_block_range(unsigned long size, unsigned long align,
				 struct vm_block *b, int *err);
/* Give a block's range straight back to the free tree (va lock held). */
void va_block_range_free_locked(struct vmap_area *v);
/* Descriptors in batches: fill up to @n into a list, or take one back. */
unsigned int va_desc_alloc_batch(struct vm_desc **list, unsigned int n);
void va_desc_free_batch(struct vm_desc *list, unsigned int n);
/* Count @pages more lazy pages; true when the purge is due. */
bool va_lazy_add(long pages);

/* ---- provided by vmap_block.c for vmap_area.c ------------------------ */

int vb_init(bool enabled, unsigned long lazy_max);
void vb_exit(void);
/*
 * Serve @rq from the fast path. Return the descriptor, or NULL with *err:
 * -ENOSPC when the fast path does not take this request (not 1-4 pages
 * at page alignment over the whole range, or the path is off) or has no
 * room for a new block; the caller then goes to the trees.
 */
struct vm_struct *vb_get(const struct va_request *rq, int *err);
/*
 * va_take() for an address inside a block: Return true when @addr lies in
 * a block (then *out is the result as va_take() defines it), false when
 * the trees must answer.
 */
bool vb_take(unsigned long addr,
	     bool (*refuse)(const struct vm_struct *vm, const void *ctx),
	     const void *ctx, bool *refused, struct vm_struct *snap,
	     struct vm_struct **out);
/* Free the slot of a live descriptor whose mapping failed. */
void vb_abort(struct vm_desc *d);
/* The block containing @addr, from the lock-free directory, or NULL. */
struct vm_block *vb_lookup(unsigned long addr);

/* With the va lock held (each takes the block's lock inside). */
struct vm_struct *vb_find_locked(struct vm_block *b, unsigned long addr,
				 bool containing);
bool vb_walk_locked(struct vm_block *b, unsigned long from, unsigned long to,
		    bool (*fn)(struct vm_struct *vm, void *arg), void *arg);
bool vb_in_use_locked(struct vm_block *b, const void *self,
		      unsigned long start, unsigned long end);
/* Every CPU's block lock, in order (only the sanity walk holds them all). */
void vb_lock_all(void);
void vb_unlock_all(void);
/* Check one block (va lock and vb_lock_all() held). */
const char *vb_check_locked(struct vm_block *b, unsigned long *live,
			    unsigned long *dirty_pages);

/*
 * A purge of the blocks, in three steps around the tree's own: collect
 * every dirty slot (it becomes "purging"), sync_unmap each run of them
 * (reporting ranges to @flush), then free them and hand back the blocks
 * left empty, for va_block_range_free_locked() and vb_release_locked().
 */
struct vb_purge {
	struct vm_block *blocks;	/* blocks with purging slots */
	struct vm_block *empty;		/* blocks to release */
	bool shrink;			/* release warm empty blocks too */
	unsigned long slots;		/* slots purged */
	unsigned long pages;		/* their pages */
};
/* @shrink: also hand back every empty block, even the warm ones. */
void vb_purge_collect(struct vb_purge *p, bool shrink);
void vb_purge_sync(struct vb_purge *p,
		   void (*flush)(void *arg, unsigned long start,
				 unsigned long end), void *arg);
void vb_purge_finish(struct vb_purge *p);
/* Give block @b its range @v (va lock held, inside the carve). */
void vb_attach_locked(struct vm_block *b, struct vmap_area *v);
/* Forget a block whose range went back to the trees (va lock held). */
void vb_release_locked(struct vm_block *b);
/* The block's range node. */
struct vmap_area *vb_range(struct vm_block *b);
/* Next block on a release list. */
struct vm_block *vb_next_release(struct vm_block *b);

/* Sums of the per-CPU counters (approximate while calls run). */
struct vb_counts {
	long areas;			/* descriptors handed out, net */
	long busy;			/* live slots */
	long lazy;			/* dirty pages not in va.lazy_pages yet */
	unsigned long blocks;
	unsigned long stock_bytes;	/* stock descriptors, empty blocks */
};
void vb_stats(struct vb_counts *c);

#endif /* VM_VMAP_INTERNAL_H */
