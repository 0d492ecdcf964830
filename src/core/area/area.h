/* SPDX-License-Identifier: MIT */
/*
 * The area layer's interface for the API layer: the area registry
 * (area_; registry.c) over the arena (arena.c) and the per-CPU blocks of
 * the fast path (vmap_block.c).
 *
 *   registry.c    which parts of [vmalloc_start, vmalloc_end) belong to
 *                 which vm_struct: the busy tree, descriptors, claims,
 *                 the lazy list and purges
 *   arena.c       free address space (lowest fit, alignment, windows)
 *   vmap_block.c  small areas in per-CPU blocks of slots
 *
 * Every byte of the range is in exactly one of: a free block of the
 * arena; a busy range of the registry (a live, claimed or dying area with
 * its guard page, or a block of the fast path); the lazy list (freed
 * areas whose PTEs are cleared but whose TLB entries may survive until
 * the next purge); and inside a block each slot (in a vm_map_ram block,
 * each page) is free, used, dirty or being purged. area_check() verifies
 * exactly this.
 *
 * An area's life: area_alloc() makes it LIVE (visible to lookups and
 * walks; VMD_UNINIT until area_ready() if the request says so). To change
 * or free it, a thread first claims it: area_claim() looks it up and
 * validates it, and on success the area is CLAIMED: still covering its
 * range, but invisible to lookups, walks and other claims, so the
 * claimer may map it, unmap it, read its descriptor, and then either
 * area_unclaim() it (LIVE again) or area_retire() it (gone; with @keep,
 * the descriptor stays the caller's as REMOVED until area_put()).
 * A claim costs one lock round trip, a retirement one more.
 *
 * Locking (the rank order of base/core.h):
 *   purge (reg.purge_lock) -> area (reg.lock) -> block CPU -> block pool
 *   -> (pt, slab, page allocator: see their files)
 * No function of this layer returns holding a lock. Platform hooks
 * (sync_unmap, the TLB flush) run with at most the purge lock held.
 */
#ifndef VM_AREA_H
#define VM_AREA_H

#include "area/desc.h"

/* @cache_pages or @cache_areas 0: no area cache (below). */
int area_init(unsigned long lazy_max_pages, bool fast_path,
	      unsigned long cache_pages, unsigned long cache_areas);
void area_exit(void);

/*
 * Reserve an area and its descriptor (LIVE, addr/size/flags/caller filled
 * in). When the range is full and lazy areas are pending, purges once
 * and retries. Return: the descriptor, or NULL with *err -ENOMEM (no
 * metadata) or -ENOSPC (no room).
 */
struct vm_struct *area_alloc(const struct area_request *rq, int *err);

/*
 * get_vm_area()'s fast path (hot cells, registry.c): an area of @size
 * bytes (guard page included) from this CPU's hot cell, LIVE, for a
 * request over the whole range at page alignment whose @flags hold
 * neither VM_IOREMAP nor VM_NO_GUARD; NULL (nothing changed) when the
 * cell is empty. No lock, no counter shared between CPUs. (Its other
 * half is area_free().)
 */
#define AREA_HOT_MAX_BYTES	(128UL << PAGE_SHIFT)
struct vm_struct *area_get_hot(unsigned long size, unsigned long flags,
			       const void *caller);

/* The owner of a VMD_UNINIT area has filled pages/nr_pages: publish. */
void area_ready(struct vm_struct *vm);
bool area_is_ready(const struct vm_struct *vm);

/*
 * Claim the live area that starts exactly at @addr (see above and
 * desc_check_claim() for @expect and @how). Return 0 with *out CLAIMED;
 * -ENOENT: no claimable area starts there; -EPERM: one does, but @how
 * refuses it.
 */
int area_claim(unsigned long addr, const struct vm_struct *expect,
	       unsigned int how, struct vm_struct **out);
/* area_claim(), and *@holder what holds the area, for area_cache_put. */
int area_claim_held(unsigned long addr, const struct vm_struct *expect,
		    unsigned int how, struct vm_struct **out, void **holder);
/* Give a claimed area back, LIVE. */
void area_unclaim(struct vm_struct *vm);
/*
 * Retire a claimed area: clear its PTEs if it was mapped (no flush: its
 * range waits on the lazy list for the next purge), else free its range
 * at once; free the descriptor, or with @keep hand it back REMOVED.
 */
void area_retire(struct vm_struct *vm, bool keep);

/*
 * area_claim() and area_retire() at once, for free_vm_area(@vm): the
 * live area @vm (a pointer from the caller, not yet known to be ours:
 * only vm->addr is read before the claim proves it) is freed; one that
 * was never mapped goes into a hot cell, a slot with no lock at all.
 * Return: as area_claim() (-ENOENT: not a claimable live area of ours).
 */
int area_free(struct vm_struct *vm);

/*
 * Give claimed area @vm its page array (__vmalloc_area): stored under the
 * lock walkers of the area hold, so that none sees half of it.
 */
void area_set_pages(struct vm_struct *vm, struct page **pages,
		    unsigned int nr);

/*
 * Grow claimed tree area @vm in place (vrealloc), in two steps so that
 * the caller can map the new pages in between and still back out:
 *
 *   before   | area ......... | guard |      free      | ...
 *   extend   | area ......... | new pages ...  | guard | ...
 *
 * area_extend() makes the area's busy range (and vm->size) @size bytes,
 * guard page included, by taking the free address space that starts
 * where the area ends; the old guard page becomes a data page. The area
 * stays claimed and covers the whole new range. area_extend_end() then
 * keeps the growth (@keep) or gives it back to the arena; given back, the
 * new part must be unmapped and flushed (a failed mapping is). The undo
 * cannot fail: area_extend() set aside the node it needs, in @x.
 * Return: 0; -ENOSPC when the space after the area is not free (or is
 * outside the range), or @vm is a slot of the fast path (slots have a
 * fixed size: move it instead); -ENOMEM without an arena node.
 */
struct area_extension {
	void *node;			/* the taken range's arena node */
	unsigned long old_size;
};
int area_extend(struct vm_struct *vm, unsigned long size,
		struct area_extension *x);
void area_extend_end(struct vm_struct *vm, struct area_extension *x,
		     bool keep);

/*
 * Add VM_* @flags to claimed area @vm (set_vm_flush_reset_perms), under
 * the same rule as area_set_pages: every field a walker reads is written
 * where no walker that found the area earlier can be reading it.
 */
void area_add_flags(struct vm_struct *vm, unsigned long flags);

/* Mark a claimed (or not yet ready) area as mapped: its range will need
 * a TLB flush before reuse. */
void area_mark_mapped(struct vm_struct *vm);
bool area_is_mapped(const struct vm_struct *vm);
bool area_is_internal(const struct vm_struct *vm);
/*
 * Is @vm mapped whole with PAGE_KERNEL by 4 KiB entries, as vmalloc made
 * it (VMD_PLAIN, from the request)? area_clear_plain: no longer (some of
 * its PTEs were cleared); atomic, so a walk's visitor may call it.
 */
bool area_is_plain(const struct vm_struct *vm);
void area_clear_plain(struct vm_struct *vm);

/* Free a REMOVED descriptor. */
void area_put(struct vm_struct *vm);
/* Is @p a REMOVED descriptor of ours? (slow: checks the cache's chunks) */
bool area_removed_desc(const struct vm_struct *p);

/*
 * The live public area starting at (or, @containing, containing) @addr,
 * or NULL. The descriptor stays valid only while its owner keeps it.
 */
struct vm_struct *area_find(unsigned long addr, bool containing);

/*
 * Call @fn on every live area (internal ones included, claimed ones not)
 * whose range meets [from, to), in address order, until it returns true.
 * @fn runs with the registry's lock held (and, for an area of the fast
 * path, its block's lock): it may read the area and its memory, and must
 * call nothing that takes a core lock or leaves the core. vm_map_ram()
 * mappings are areas too (area_is_ram()); one in a block has no
 * descriptor, so @fn gets one made up for the call (range, VMD_RAM, no
 * pages), valid only until it returns.
 */
void area_walk(unsigned long from, unsigned long to,
	       bool (*fn)(struct vm_struct *vm, void *arg), void *arg);

/*
 * vm_map_ram() ranges (registry.c says how they are recorded). @pages:
 * data pages, the guard page comes on top. area_ram_alloc: 0 with *r,
 * held by the caller, which maps it, then publishes it, or cancels it
 * (nothing mapped); -ENOMEM or -ENOSPC. area_ram_free: unmap and retire
 * the live mapping at @addr if it has @pages pages: 0; -EINVAL with
 * *found its real size; -ENOENT if no vm_map_ram() mapping starts there.
 */
struct area_ram {
	unsigned long addr;
	struct vm_struct *vm;	/* a tree area; NULL: in a ram block */
};
int area_ram_alloc(unsigned long pages, const void *caller,
		   struct area_ram *r);
void area_ram_publish(struct area_ram *r);
void area_ram_cancel(struct area_ram *r);
int area_ram_free(unsigned long addr, unsigned long pages,
		  unsigned long *found);
bool area_is_ram(const struct vm_struct *vm);

/*
 * Congruent areas (pcpu_get_vm_areas): @n live tree areas at the highest
 * base b (aligned to @align, searched from the top of @rq's window) for
 * which every [b + rel[i], + len[i]) is free, all reserved at once under
 * the registry's lock, or none. len[i] includes the guard page; rel[i]
 * and len[i] are page multiples, rel[i] aligned to @align, the ranges
 * disjoint. @rq gives flags, caller and window (its size is ignored).
 * Purges once when there is no room. Return 0 with out[0..n-1]; -ENOMEM
 * or -ENOSPC, nothing changed.
 */
int area_alloc_congruent(const unsigned long *rel, const unsigned long *len,
			 unsigned int n, unsigned long align,
			 const struct area_request *rq, struct vm_struct **out);

/*
 * Call @fn on every area waiting on the lazy list (retired, mapped, not
 * yet purged), in list order: its range, guard page included. @fn runs
 * with the registry's lock held, under the same rules as area_walk's.
 */
void area_walk_lazy(void (*fn)(unsigned long start, unsigned long size,
			       void *arg), void *arg);

/*
 * Flush every lazy area and dirty slot now. @shrink also returns every
 * block of the fast path that holds no live area (vm_unmap_aliases(), and
 * an allocation that found no room); without it each CPU keeps one warm
 * block per size class. Return: whether anything was given back (an
 * allocation that failed is worth retrying). Context: no core lock held.
 */
bool area_purge(bool shrink);

/*
 * The area cache: whole mapped vmalloc areas, kept per CPU after vfree()
 * for the next vmalloc() of the same size (docs/design.md, "The area
 * cache"). The API layer decides which areas and requests qualify and
 * owns the frames' meaning; this layer keeps them claimed, bounded and
 * counted out of the stats, and frees them when they are drained.
 *
 * area_cache_put: keep claimed, mapped area @vm (nr_pages frames from a
 * page array of vm_kmalloc(), 1 to AREA_CACHE_MAX_PAGES, its whole data
 * size, page_order 0), held by @holder (from area_claim_held(); NULL:
 * looked up), under @key (below 2^16) on this CPU. Return: true, the
 * area is the cache's; false (no room, or not such an area), the caller
 * still holds it.
 * area_cache_get: a cached area of @nr pages from this CPU whose key
 * matches (@key == its key & @mask), claimed, caller set; NULL if none.
 * The caller then publishes it with area_cache_publish() (LIVE again,
 * without a lock).
 * area_cache_drain: retire every cached area as vfree() does (frames and
 * page array freed, range onto the lazy list). Return: pages freed.
 * Context: no core lock held; no lock taken but a drain's retirements'.
 */
#define AREA_CACHE_MAX_PAGES	256
bool area_cache_enabled(void);
/* Would this CPU's cache take @nr more pages now? (A hint: a put that
 * follows may still find it full.) */
bool area_cache_room(unsigned long nr);
bool area_cache_put(struct vm_struct *vm, unsigned int key, void *holder);
struct vm_struct *area_cache_get(unsigned long nr, unsigned int key,
				 unsigned int mask, const void *caller);
void area_cache_publish(struct vm_struct *vm);
unsigned long area_cache_drain(void);
/* Does the cache hold (or is it taking in) any area? */
bool area_cache_held(void);
/*
 * Frames that vmalloc handed out and that are no longer its users': held
 * by the cache now, or freed by its drains since area_init() (so the API
 * layer counts a cached area's frames once, when it populates the area,
 * and never on the cache's fast paths). Approximate while calls run.
 */
unsigned long area_cache_frames(void);
/*
 * The frames drains freed so far, taken out of area_cache_frames() (0
 * again): the API layer's count drops by as much before area_exit()
 * forgets them, or the next instance would count them forever.
 * Context: no call running (vmalloc_exit).
 */
unsigned long area_cache_take_released(void);

struct area_stats {
	unsigned long areas;		/* live descriptors (and REMOVED) */
	unsigned long busy;		/* live ranges */
	unsigned long lazy_pages;
	unsigned long lazy_max_pages;
	unsigned long purges;
	unsigned long purged_areas;
	unsigned long blocks;
	unsigned long meta_stock_bytes;	/* held in stock, not describing */
	unsigned long cache_areas;	/* in the area cache */
	unsigned long cache_pages;	/* their frames */
};
void area_get_stats(struct area_stats *st);

/* The tiling of the range and every count. 0 or -EUCLEAN (logged). */
int area_check(void);

#endif /* VM_AREA_H */
