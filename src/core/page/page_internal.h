/* SPDX-License-Identifier: MIT */
/*
 * What buddy.c, pcp.c and page_alloc.c share. Nothing else includes it.
 */
#ifndef VM_PAGE_INTERNAL_H
#define VM_PAGE_INTERNAL_H

#include "page/page_alloc.h"

/*
 * Frame flags. A frame is in exactly one state:
 *
 *   free, inside a free block      0 (a frame never grown: 0 too)
 *   free, head of a free block     PG_buddy | order [| PG_zero]
 *   free, on a CPU list            PG_pcp [| PG_zero]
 *   allocated, head of a block     PG_head | order         refcount >= 1
 *   allocated, inside a block      PG_tail                 refcount 0
 *   being released to the platform PG_offline | order      refcount 0
 *
 * PG_zero: every frame of the free block (or the single frame) reads as
 * zero. Only the head of a free block is ever looked at by the buddy
 * code, so interior frames need no state of their own.
 */
#define PG_buddy	0x01u
#define PG_head		0x02u
#define PG_tail		0x04u
#define PG_zero		0x10u
#define PG_pcp		0x20u
#define PG_offline	0x40u
#define PG_ORDER_SHIFT	8
#define PG_ORDER_MASK	0xfu

#define NR_ZONES	(2 * VMALLOC_MAX_NODES)
#define ZONELIST_MAX	NR_ZONES

struct free_area {
	uint32_t head;		/* first block head, PA_NONE if empty */
	unsigned long nr;	/* blocks on the list (read without the lock) */
};

/*
 * A zone. Its lock protects the free lists, the counts and the flags of
 * its free frames. Invariant (zone_check): the free lists hold exactly
 * nr_free frames, nr_free_zero of them in PG_zero blocks, and no two free
 * buddies of the same order (they always merge).
 */
struct zone {
	struct vm_lock lock;
	unsigned long start_pfn, end_pfn;	/* [start, end); may be empty */
	unsigned long grown_pfn;		/* [start, grown) in the buddy; see zone_grown */
	uintptr_t growing;			/* the thread growing it, or 0 */
	unsigned long nr_free;			/* frames in free blocks */
	unsigned long nr_free_zero;		/* of which in PG_zero blocks */
	unsigned long trim_skip;		/* trims to skip after a failed release */
	unsigned int trim_backoff;		/* log2 of the next skip */
	struct free_area area[MAX_ORDER];
	int nid;
	bool dma32;
} __vm_cacheline;	/* zones of two CPUs' allocations share no line */

/*
 * The end of the grown part of @z. Growth stores it under the zone lock
 * with an atomic store; CPU lists and pfn lookups read it without that
 * lock, so every reader that does not hold it goes through here.
 */
static inline unsigned long zone_grown(const struct zone *z)
{
	return __atomic_load_n(&z->grown_pfn, __ATOMIC_RELAXED);
}

/* A CPU list moves frames to and from its zone this many at a time, and
 * gives a batch back once it holds more than PCP_HIGH. */
#define PCP_BATCH	32
#define PCP_HIGH	256

/*
 * A CPU's list of single free frames of one zone (pcp.c), kept sorted:
 * frame[] holds frame indexes in descending order, so the lowest frame
 * is frame[count - 1] and is handed out first. The lock protects frame[]
 * and the frames' flags; count is read without it. count <= PCP_HIGH
 * except inside a free, which drains at PCP_HIGH + 1.
 */
struct pcp {
	struct vm_lock lock;
	unsigned long count;
	uint32_t frame[PCP_HIGH + 1];
} __attribute__((aligned(64)));

/* The page allocator's state (page_alloc.c owns it). */
struct page_alloc {
	struct page *memmap;
	size_t memmap_bytes;
	unsigned long base_pfn;
	unsigned long nr_frames;
	unsigned char *direct;
	unsigned int nr_nodes;
	unsigned long node_frames;
	unsigned long reserve;		/* warm free frames kept */
	struct pcp *pcp;		/* [cpu][zone] lists of single frames */
	unsigned int pcp_zones;		/* zones per CPU in pcp: 2 per node */
	size_t pcp_bytes;
	unsigned int ncpus;
	/* Above: set at init, read by every call; below: written. */
	unsigned long released __vm_cacheline;	/* frames released so far */
	struct zone zones[VMALLOC_MAX_NODES][2];	/* [nid][0: DMA32, 1: NORMAL] */
};
extern struct page_alloc pa;

static inline struct page *idx_page(unsigned long idx)
{
	return &pa.memmap[idx];
}

static inline unsigned long page_idx(const struct page *p)
{
	return (unsigned long)(p - pa.memmap);
}

static inline uint32_t pg_flags(const struct page *p)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
}

static inline void pg_set(struct page *p, uint32_t flags)
{
	__atomic_store_n(&p->flags, flags, __ATOMIC_RELAXED);
}

static inline unsigned int pg_order(const struct page *p)
{
	return (pg_flags(p) >> PG_ORDER_SHIFT) & PG_ORDER_MASK;
}

static inline void pg_set_ref(struct page *p, uint32_t count)
{
	__atomic_store_n(&p->refcount, count, __ATOMIC_RELAXED);
}

/* The zone of frame @pfn (nodes split the pool evenly; the last takes
 * the remainder). */
static inline struct zone *pfn_zone(unsigned long pfn)
{
	unsigned long nid = pa.nr_nodes == 1 ? 0 :
			    (pfn - pa.base_pfn) / pa.node_frames;

	if (nid >= pa.nr_nodes)
		nid = pa.nr_nodes - 1;
	return &pa.zones[nid][pfn < DMA32_PFN_LIMIT ? 0 : 1];
}

/* Frames handed out from a bulk take carry this bit: they read as zero. */
#define ZERO_TAG	((uintptr_t)1)

static inline struct page *untag(struct page *p)
{
	return (struct page *)((uintptr_t)p & ~ZERO_TAG);
}

/* ---- buddy.c ------------------------------------------------------ */

void zone_init(struct zone *z, int nid, bool dma32, unsigned long start,
	       unsigned long end);
void zone_exit(struct zone *z);

/*
 * Take one block of @order from @z, growing the zone if it must (with
 * the zone unlocked: grow() is a call out), mark it allocated with
 * refcount 1. Return its frame index or -1; *zero: it reads as zero.
 */
long zone_alloc_block(struct zone *z, unsigned int order, bool *zero);

/* How zone_bulk and zone_bulk_locked take frames. */
#define ZB_TO_PCP	0x1u	/* for a CPU list: PG_pcp, refcount 0 */
#define ZB_WHOLE	0x2u	/* blocks of the order asked only (see below) */
#define ZB_GROW		0x4u	/* grow the zone when short (zone_bulk) */

/*
 * Fill out[got..n) with single frames of @z, each marked allocated
 * (refcount 1) and tagged ZERO_TAG when it reads as zero. The frames come
 * as whole buddy blocks, largest first: for 20 frames a block of 16, then
 * one of 4, each in ascending order. When no block of the order asked is
 * free, smaller ones are taken, unless ZB_WHOLE: then it stops there.
 * With ZB_GROW, the zone grows as needed (zone unlocked for it). Return
 * the new count. zone_bulk_locked: the same without growth, zone lock
 * held; with ZB_TO_PCP the frames are marked PG_pcp with refcount 0
 * instead, for a frame list: a free frame never looks allocated, even for
 * a moment (a racing second __free_page() would take it for a live page).
 */
unsigned long zone_bulk(struct zone *z, unsigned long got, unsigned long n,
			struct page **out, unsigned int how);
unsigned long zone_bulk_locked(struct zone *z, unsigned long got,
			       unsigned long n, struct page **out,
			       unsigned int how);

/*
 * Grow @z by one chunk. Return 0 when it grew (or another thread grew it
 * meanwhile: retry), -ENOMEM when it cannot (fully grown, grow() failed,
 * or this thread is inside grow() already). No core lock held.
 */
int zone_grow(struct zone *z);

/* Give a free block back (zone lock held; nr_free is accounted here). */
void zone_free_block_locked(struct zone *z, unsigned long pfn,
			    unsigned int order, bool zero);

/* Release cold frames to the platform if more than the reserve is free. */
void zone_maybe_trim(struct zone *z);

/*
 * The zones a batch of frees touched, each once: trimmed after the
 * batch, when no zone or CPU-list lock is held any more.
 */
struct zone_set {
	struct zone *zone[ZONELIST_MAX];
	unsigned int n;
};

static inline void zone_set_add(struct zone_set *s, struct zone *z)
{
	unsigned int t;

	for (t = 0; t < s->n; t++)
		if (s->zone[t] == z)
			return;
	if (s->n < ZONELIST_MAX)
		s->zone[s->n++] = z;
}

static inline void zone_set_trim(const struct zone_set *s)
{
	unsigned int t;

	for (t = 0; t < s->n; t++)
		zone_maybe_trim(s->zone[t]);
}

/* Sanity of one zone's lists and counts (zone lock held). 0 or -1. */
int zone_check_locked(struct zone *z);

/* ---- pcp.c -------------------------------------------------------- */

/* Only requests this small use the CPU lists. */
#define PCP_MAX_REQ	4

/*
 * Take @n <= PCP_MAX_REQ single frames (tagged ZERO_TAG when zero) from
 * this CPU's list of the first zone in @zl that can give them all,
 * refilling and growing as needed: the lowest frames of the list, in
 * ascending order. Return 0 or -ENOMEM (nothing taken).
 */
int pcp_alloc(struct zone **zl, int nz, unsigned long n, struct page **out);

/*
 * Put @n frames (already at refcount 0, checked) on this CPU's lists, each
 * at its place in the list's order: whatever the order of the frees, the
 * list hands its frames out lowest first.
 */
void pcp_free(struct page *const *frames, unsigned long n);

/* Empty every CPU's list of @z into it. Return whether any frame moved. */
bool pcp_drain_zone(struct zone *z);
/* The same for this CPU's list of @z only, when it holds @min frames. */
bool pcp_drain_local(struct zone *z, unsigned long min);

int pcp_init(void);
void pcp_exit(void);
unsigned long pcp_nr_free(const struct zone *z);
int pcp_check(void);

#endif /* VM_PAGE_INTERNAL_H */
