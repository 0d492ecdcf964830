/* SPDX-License-Identifier: MIT */
/*
 * The small-area fast path (vb_): per-CPU blocks of fixed-size slots,
 * after the kernel's vmap_block, and blocks of single pages for small
 * vm_map_ram() mappings. The registry (registry.c) is its only user: it
 * gives each block its range and asks blocks first for small requests,
 * for addresses inside them, and at purge time. Blocks know nothing of
 * the registry or the arena.
 */
#ifndef VM_VMAP_BLOCK_H
#define VM_VMAP_BLOCK_H

#include "area/desc.h"
#include "lib/slab.h"

struct vm_block;

/*
 * Set up with @descs, the registry's descriptor cache, and @lazy_pages,
 * the registry's count of pages waiting for a purge (an atomic counter):
 * dirty slots are folded into it under the block locks, in batches.
 */
int vb_init(unsigned long lazy_max, struct kcache *descs,
	    unsigned long *lazy_pages);
void vb_exit(void);

/* Does the fast path serve @rq: 1-4 pages (and the guard page), page
 * aligned, not ioremap, over the whole range? Inline: every request asks. */
#define VB_MAX_PAGES	5
static inline bool vb_wants(const struct area_request *rq)
{
	unsigned long pages = rq->size >> PAGE_SHIFT;

	return pages >= 2 && pages <= VB_MAX_PAGES && rq->align == PAGE_SIZE &&
	       !(rq->flags & (VM_IOREMAP | VM_NO_GUARD)) && rq->whole;
}

/*
 * Serve @rq from this CPU's blocks of its size class: 0 with *out (LIVE,
 * VMD_SLOT), -ENOSPC when this CPU has no block of the class with a free
 * slot (the caller makes one: vb_new, then vb_publish, then asks again),
 * -ENOMEM without a descriptor.
 */
int vb_alloc(const struct area_request *rq, struct vm_desc **out);

/*
 * A new, unpublished block for @rq's class on this CPU. *span: the bytes
 * of address space it needs, at 2 MiB alignment (VB_ALIGN). NULL with
 * -ENOMEM.
 */
#define VB_ALIGN	(1UL << 21)
struct vm_block *vb_new(const struct area_request *rq, unsigned long *span);

/*
 * Give block @b the range at @start: enter it in the directory and list
 * it on its CPU, ready for vb_alloc(). Return 0, or -ENOMEM (no memory
 * for the directory: nothing changed). vb_discard: a block that was
 * never published, or was forgotten, goes back for reuse.
 */
int vb_publish(struct vm_block *b, unsigned long start);
void vb_discard(struct vm_block *b);

/* The block whose granule holds @addr, from the lock-free directory: a
 * hint, which vb_claim() checks under the block's lock. NULL if none. */
struct vm_block *vb_lookup(unsigned long addr);

/*
 * Claim the live slot area starting at @addr in block @b (see desc.h for
 * @expect and @how). VB_ELSEWHERE: @b (a hint that went stale) does not
 * cover @addr; VB_NONE: no live area starts there; VB_REFUSED: one does,
 * but the claim is refused; VB_CLAIMED: *out is now CLAIMED.
 */
enum vb_claim { VB_ELSEWHERE, VB_NONE, VB_REFUSED, VB_CLAIMED };
enum vb_claim vb_claim(struct vm_block *b, unsigned long addr,
		       const struct vm_struct *expect, unsigned int how,
		       struct vm_desc **out);
/*
 * After claiming a slot area of @b, before writing its descriptor without
 * the block's lock (a hot cell, registry.c): wait until no walk that
 * found the area before the claim can still be reading it. Usually one
 * load; a lock round trip when a walk is in the block.
 */
void vb_quiesce(struct vm_block *b);
/* Make a claimed slot area (of block @b; NULL: look it up) LIVE again. */
void vb_unclaim(struct vm_block *b, struct vm_desc *d);

/*
 * Hot cells (registry.c) keep a claimed slot area with the word that
 * holds its claim: taking it back out is then one store, with no block
 * lookup and no call. vb_slot_word: that word, for claimed slot area @d
 * of block @b. vb_unclaim_word: make @d LIVE again through it (release:
 * whoever finds the slot sees the descriptor as written before).
 */
uintptr_t *vb_slot_word(struct vm_block *b, const struct vm_desc *d);
static inline void vb_unclaim_word(uintptr_t *word, struct vm_desc *d)
{
	__atomic_store_n(word, (uintptr_t)d, __ATOMIC_RELEASE);
}

/*
 * free_vm_area()'s claim, for a slot area headed for a hot cell: the
 * lock-free claim of vb_claim(), for the one answer that needs no more,
 * and in one call with the directory lookup (*b: the hint found, or
 * NULL). It claims @expect only if @expect is the live area of the slot
 * of *b that @addr falls in (the slot word holds it, so @expect is known
 * to be ours before anything past its vm_struct is read), none of the
 * descriptor's flags is in @refuse, and no walk is left in the block
 * (vb_quiesce). Return: the word that holds the claim, with *owner the
 * block's CPU; NULL when anything else holds (no block, a stale hint, a
 * tree area, a refused or foreign area, a racing claim): nothing
 * changed, and vb_claim() with *b, then the registry, decide.
 */
uintptr_t *vb_claim_hot(unsigned long addr, const struct vm_struct *expect,
			uint16_t refuse, struct vm_block **b,
			unsigned int *owner);
/*
 * Set a claimed slot area's page array under its block's lock: a walk
 * (which holds that lock) that found the slot before it was claimed
 * reads the descriptor whole, before or after.
 */
void vb_set_pages(struct vm_desc *d, struct page **pages, unsigned int nr);
/* Add VM_* @flags to a claimed slot area, under the same rule. */
void vb_add_flags(struct vm_desc *d, unsigned long flags);
/*
 * Retire a claimed slot area of block @b (NULL: look it up) whose PTEs
 * the caller cleared (if it was mapped: then the slot is dirty until a
 * purge, else free at once). With @keep the descriptor becomes REMOVED
 * and stays the caller's, else it is freed. Return: whether the lazy
 * count passed the purge threshold.
 */
bool vb_retire(struct vm_block *b, struct vm_desc *d, bool mapped, bool keep);

/*
 * vm_map_ram blocks (see vmap_block.c): a mapping of @pages pages, its
 * guard page included (at most VB_RAM_MAX_PAGES), from this CPU's ram
 * blocks. vb_ram_alloc: 0 with *addr, the mapping held by the caller;
 * -ENOSPC when no ram block of this CPU has room (the caller makes one:
 * vb_new with rq->ram, vb_publish, then asks again). The holder then
 * either publishes it (its PTEs are set: walks and vm_unmap_ram see it)
 * or cancels it (nothing was mapped: the pages are free at once).
 */
#define VB_RAM_MAX_PAGES	65
int vb_ram_alloc(unsigned int pages, unsigned long *addr);
void vb_ram_publish(unsigned long addr);
void vb_ram_cancel(unsigned long addr);
/*
 * Claim the live mapping starting at @addr in block @b (a directory hint)
 * if it has @pages pages. VB_ELSEWHERE: @b does not cover @addr; VB_NONE:
 * no live ram mapping starts there; VB_REFUSED: one does, of *found
 * pages; VB_CLAIMED: the caller holds it, clears its PTEs, then retires
 * it with vb_ram_retire() (its pages turn dirty until a purge). Return
 * of vb_ram_retire: whether the lazy count passed the purge threshold.
 */
enum vb_claim vb_ram_claim(struct vm_block *b, unsigned long addr,
			   unsigned int pages, unsigned int *found);
bool vb_ram_retire(unsigned long addr);

/*
 * With the registry's lock held (the block stays in its busy tree): the
 * LIVE area of @b starting at (or, @containing, containing) @addr (never
 * a ram block's mapping: it has no descriptor); and a walk of its LIVE
 * areas meeting [from, to), calling @fn with the block's lock held (see
 * area_walk(); a ram block's mappings as descriptors made up for the
 * call) until it returns true.
 */
struct vm_desc *vb_find(struct vm_block *b, unsigned long addr,
			bool containing);
bool vb_walk(struct vm_block *b, unsigned long from, unsigned long to,
	     bool (*fn)(struct vm_struct *vm, void *arg), void *arg);

/*
 * A purge of the blocks, in three steps around the registry's own:
 * collect every dirty slot (it becomes "purging"), sync_unmap each run of
 * them (reporting ranges to @flush), then free them. Blocks left empty
 * are unpublished (no lookup finds them) and listed in @empty for the
 * registry to take back with vb_forget().
 */
struct vb_purge {
	struct vm_block *blocks;	/* blocks with purging slots */
	struct vm_block *empty;		/* unpublished, to release */
	bool shrink;			/* release warm empty blocks too */
	unsigned long slots;		/* slots purged */
	unsigned long pages;		/* their pages */
};
void vb_purge_collect(struct vb_purge *p, bool shrink);
void vb_purge_sync(struct vb_purge *p,
		   void (*flush)(void *arg, unsigned long start,
				 unsigned long end), void *arg);
void vb_purge_finish(struct vb_purge *p);
struct vm_block *vb_next_empty(struct vm_block *b);
/* The CPU that owns @b (a hint without its lock; exact while one of its
 * slots is used, as for the caller of a claim). */
unsigned int vb_owner(const struct vm_block *b);
/* Its range (valid from vb_publish until vb_forget). */
unsigned long vb_start(const struct vm_block *b);
unsigned long vb_span(const struct vm_block *b);
/* An unpublished block leaves the directory and goes back for reuse. */
void vb_forget(struct vm_block *b);

/* Every CPU's block lock, in order (only the sanity walk holds them all). */
void vb_lock_all(void);
void vb_unlock_all(void);
/* Check block @b against its busy range (every block lock held). */
const char *vb_check_locked(struct vm_block *b, unsigned long start,
			    unsigned long size, unsigned long *live,
			    unsigned long *dirty_pages);

/* Sums of the per-CPU counters (approximate while calls run). */
struct vb_counts {
	long areas;			/* descriptors handed out, net */
	long busy;			/* live (and claimed) slots */
	long lazy;			/* dirty pages not in the lazy count yet */
	unsigned long blocks;
	unsigned long stock_bytes;	/* stock descriptors, empty blocks */
};
void vb_stats(struct vb_counts *c);

#endif /* VM_VMAP_BLOCK_H */
