/* SPDX-License-Identifier: MIT */
/*
 * The page allocator (pa_): a binary buddy allocator per zone over the
 * platform's frames, with one struct page per frame.
 *
 * Zones: each NUMA node holds a DMA32 zone (frames below 4 GiB physical)
 * and a NORMAL zone (the rest); either may be empty. A zone hands frames to
 * its buddy lists lazily, one aligned 4 MiB chunk at a time (the
 * platform's grow() hook sees each chunk first), so a pool of many GiB
 * costs host memory only for what is used. Frames not yet grown count as
 * free.
 *
 * Locking: each zone has its own lock (zone->lock), a leaf lock: nothing
 * else is taken while it is held except the platform's grow() hook.
 */
#ifndef VM_PAGE_ALLOC_H
#define VM_PAGE_ALLOC_H

#include "core.h"

/*
 * One per frame. flags belongs to the allocator (see pg_flags()); priv,
 * next and prev belong to whoever allocated the frame, and link the free
 * lists while it is free.
 */
struct page {
	uint32_t flags;
	uint32_t priv;
	uint32_t next;		/* frame index (pfn - base_pfn), or PA_NONE */
	uint32_t prev;
};

_Static_assert(sizeof(struct page) == VM_FRAME_META_BYTES,
	       "platform.h promises VM_FRAME_META_BYTES per frame");

#define PA_NONE		UINT32_MAX

#define PG_buddy	0x01u	/* head of a free block; order valid */
#define PG_head		0x02u	/* head of an allocated block; order valid */
#define PG_tail		0x04u	/* allocated, inside a block of order > 0 */
#define PG_zeroblk	0x10u	/* free head: every frame reads as zero */
#define PG_pcp		0x20u	/* free, on a CPU's list of single frames */
#define PG_ORDER_SHIFT	8
#define PG_ORDER_MASK	0xfu

/* 2^(MAX_ORDER - 1) frames: the largest block and the growth chunk. */
#define PA_CHUNK_FRAMES	(1UL << (MAX_ORDER - 1))

int pa_init(unsigned long reserve_pages);
void pa_exit(void);

/* Frame lookup. pa_pfn_page returns NULL outside the pool. */
struct page *pa_pfn_page(unsigned long pfn);
unsigned long pa_page_pfn(const struct page *page);
void *pa_page_address(const struct page *page);
bool pa_valid_page(const struct page *page);

/*
 * Allocate one block of 2^order frames on @nid's zonelist (-1: node 0),
 * honouring __GFP_DMA32/__GFP_ZERO/__GFP_THISNODE/__GFP_NOWARN. Asks the
 * fault-injection point once, at @site.
 */
struct page *pa_alloc(int nid, gfp_t gfp, unsigned int order,
		      unsigned int site);

/*
 * Allocate @n order-0 frames into @out, all or nothing (-ENOMEM), with one
 * lock round trip per zone rather than per frame; consecutive frames are
 * handed out in ascending order where the free lists allow it.
 */
int pa_alloc_bulk(int nid, gfp_t gfp, unsigned long n, struct page **out);

/* Free a block; a page that is not an allocated head of @order is
 * reported ("Bad page state") and left alone. */
void pa_free(struct page *page, unsigned int order);

/* Free @n order-0 frames (as from pa_alloc_bulk). */
void pa_free_bulk(struct page *const *pages, unsigned long n);

unsigned long pa_nr_free(int nid);	/* -1: all nodes */
unsigned long pa_nr_frames(void);
unsigned long pa_nr_released(void);
unsigned int pa_nr_nodes(void);

/* Sanity walk: free lists, counts and flags agree. 0 or -EUCLEAN. */
int pa_check(void);

#endif /* VM_PAGE_ALLOC_H */
