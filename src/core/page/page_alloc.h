/* SPDX-License-Identifier: MIT */
/*
 * The page allocator (pa_): physical frames for everything above it.
 *
 *   buddy.c       zones: a binary buddy allocator per zone, growth of the
 *                 pool, release of cold frames to the platform
 *   pcp.c         per-CPU lists of single frames in front of the zones
 *   page_alloc.c  this interface: frames and their reference counts,
 *                 zonelists, allocation and freeing, counts, sanity
 *
 * Zones: each NUMA node holds a DMA32 zone (frames below 4 GiB physical)
 * and a NORMAL zone (the rest); either may be empty. A zone hands frames
 * to its buddy lists lazily, one aligned 4 MiB chunk at a time (the
 * platform's grow() hook sees each chunk first), so a pool of many GiB
 * costs host memory only for what is used. Frames not yet grown count as
 * free but are not "present": pfn_to_page() does not return them.
 *
 * Ownership of a frame follows its reference count, as in the kernel: an
 * allocation hands out a block whose head has count 1; pa_get() adds a
 * reference (a user mapping holds one per frame); pa_free()/pa_put() drop
 * one, and the block goes back only when the count reaches zero. The
 * transition to zero is one atomic step, so of two racing frees exactly
 * one frees the block and the other is reported ("Bad page state") and
 * changes nothing.
 */
#ifndef VM_PAGE_ALLOC_H
#define VM_PAGE_ALLOC_H

#include "base/core.h"

/*
 * One per frame. flags belongs to the allocator (PG_*; written under the
 * frame's list lock, read by anyone, so always through atomics). refcount
 * is atomic: 0 while the frame is free or a tail of a block (the block's
 * count lives in its head). next and prev link the free lists while the
 * frame is free; they are unused while it is allocated.
 */
struct page {
	uint32_t flags;
	uint32_t refcount;
	uint32_t next;		/* frame index (pfn - base_pfn), or PA_NONE */
	uint32_t prev;
};

_Static_assert(sizeof(struct page) == VM_FRAME_META_BYTES,
	       "platform.h promises VM_FRAME_META_BYTES per frame");

#define PA_NONE		UINT32_MAX

/* 2^(MAX_ORDER - 1) frames: the largest block and the growth chunk. */
#define PA_CHUNK_FRAMES	(1UL << (MAX_ORDER - 1))

int pa_init(unsigned long reserve_pages);
void pa_exit(void);

/* Frame lookup. pa_pfn_page returns NULL outside the pool. */
struct page *pa_pfn_page(unsigned long pfn);
/* ... and also for a frame the pool has not grown yet. */
struct page *pa_pfn_page_present(unsigned long pfn);
unsigned long pa_page_pfn(const struct page *page);
void *pa_page_address(const struct page *page);
/* Is @page a struct page of the pool (any state)? */
bool pa_valid_page(const struct page *page);
/* The page whose direct-map address range holds @addr, or NULL. */
struct page *pa_virt_page(const void *addr);
/* Is @page allocated (the head or a tail of a live block)? */
bool pa_page_allocated(const struct page *page);
int pa_page_nid(const struct page *page);

/*
 * Allocate one block of 2^order frames on @nid's zonelist (-1: node 0),
 * honouring __GFP_DMA32/__GFP_ZERO/__GFP_THISNODE/__GFP_NOWARN. Asks the
 * fault-injection point once, at @site. The head has refcount 1.
 * Context: no core lock held (growing the pool calls the platform).
 */
struct page *pa_alloc(int nid, gfp_t gfp, unsigned int order,
		      unsigned int site);

/*
 * pa_alloc(nid, gfp, 0, site) for a frame that stays allocated for long
 * (a page table: tables are never freed while the core runs). It comes
 * from the zone's free lists (a free single frame first, else the lowest
 * of the smallest block), not from this CPU's list: that list hands its
 * frames out lowest first as runs of consecutive frames, and a frame kept
 * out of it for good would split the runs of later allocations.
 */
struct page *pa_alloc_lasting(int nid, gfp_t gfp, unsigned int site);

/*
 * Allocate @n order-0 frames into @out, all or nothing (-ENOMEM), with one
 * lock round trip per zone rather than per frame. With @sorted, @out is in
 * ascending frame order, as runs of consecutive frames where whole buddy
 * blocks could be had (see docs/design.md, "Frame order"); without it, the
 * blocks come in the order they were taken (each block's frames still
 * ascending), which saves the sort where nothing maps runs. Each has
 * refcount 1. Context: no core lock held.
 */
int pa_alloc_bulk(int nid, gfp_t gfp, unsigned long n, struct page **out,
		  bool sorted);

/*
 * Drop the reference of the block at @page, of @order; free it when that
 * was the last. A page that is not an allocated head of @order, or whose
 * count is already zero, is reported ("Bad page state") and left alone.
 * Context: no core lock held (reports are logged at once).
 */
void pa_free(struct page *page, unsigned int order);

/*
 * Split the freshly allocated block of @order at @head into 2^order
 * single frames, each an allocated head of order 0 with one reference
 * (the kernel's split_page): they are then freed one by one (pa_free
 * or pa_free_bulk), and get_page()/put_page() count on each frame, not
 * on the block. The caller must hold the block's only reference.
 */
void pa_split(struct page *head, unsigned int order);

/* pa_free(page, 0) for @n frames (as from pa_alloc_bulk). */
void pa_free_bulk(struct page *const *pages, unsigned long n);

/*
 * get_page/put_page: a reference on the block that holds @page (a tail
 * counts on its head). pa_get refuses (false, with a warning) a frame
 * that is not allocated. pa_count: the block's count (0 when free).
 */
bool pa_get(struct page *page);
void pa_put(struct page *page);
unsigned int pa_count(const struct page *page);

unsigned long pa_nr_free(int nid);	/* -1: all nodes */
/* Free frames the pool has grown already: an allocation of more grows
 * it (approximate while other calls run). */
unsigned long pa_nr_free_grown(int nid);
unsigned long pa_nr_frames(void);
unsigned long pa_nr_released(void);
unsigned int pa_nr_nodes(void);

/* Sanity walk: free lists, counts and flags agree. 0 or -EUCLEAN. */
int pa_check(void);

#endif /* VM_PAGE_ALLOC_H */
