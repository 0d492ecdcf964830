/* SPDX-License-Identifier: MIT */
/*
 * Buddy page allocator.
 *
 * A free block of order k is 2^k frames starting at a pfn that is a
 * multiple of 2^k (absolute pfn alignment, so alloc_pages(order) is
 * naturally aligned physically). Its buddy is the block at pfn ^ 2^k; two
 * free buddies of the same order always merge, so no two free buddies of
 * equal order coexist (pa_check verifies this).
 *
 * Each order has a circular list of free block heads. Blocks whose frames
 * are known to read as zero (fresh from grow(), or handed back through
 * release()) carry PG_zeroblk and sit at the tail; others at the head, so
 * allocations reuse warm frames first and __GFP_ZERO skips the memset for
 * cold ones.
 */
#include "page_alloc.h"

struct free_area {
	uint32_t head;		/* first block head, PA_NONE if empty */
	unsigned long nr;	/* blocks on the list */
};

#define NR_ZONES	(2 * VMALLOC_MAX_NODES)

/*
 * A CPU's list of single free frames of one zone (see "Per-CPU lists").
 * The lock protects head and the frames' links; count is read without it.
 */
struct pcp {
	struct vm_lock lock;
	uint32_t head;			/* frame index, linked through next */
	unsigned long count;
} __attribute__((aligned(64)));

struct zone {
	struct vm_lock lock;	/* protects everything below and the flags
				   of this zone's frames */
	unsigned long start_pfn, end_pfn;	/* [start, end); may be empty */
	unsigned long grown_pfn;		/* [start, grown) in the buddy */
	unsigned long nr_free;			/* frames in free blocks */
	unsigned long nr_free_zero;		/* of which in PG_zeroblk blocks */
	struct free_area area[MAX_ORDER];
	int nid;
	bool dma32;
};

static struct {
	struct page *memmap;
	size_t memmap_bytes;
	unsigned long base_pfn;
	unsigned long nr_frames;
	unsigned char *direct;
	unsigned int nr_nodes;
	unsigned long node_frames;
	unsigned long reserve;		/* warm free frames kept */
	unsigned long released;		/* frames released so far */
	struct zone zones[VMALLOC_MAX_NODES][2];	/* [nid][0: DMA32, 1: NORMAL] */
	struct pcp *pcp;		/* [cpu][zone] lists of single frames */
	size_t pcp_bytes;
	unsigned int ncpus;
} pa;

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

static inline struct page *idx_page(unsigned long idx)
{
	return &pa.memmap[idx];
}

static inline unsigned long page_idx(const struct page *p)
{
	return (unsigned long)(p - pa.memmap);
}

/* Counters read without the lock are written with relaxed atomics. */
static inline void zone_count(unsigned long *c, long delta)
{
	__atomic_store_n(c, *c + (unsigned long)delta, __ATOMIC_RELAXED);
}

/*
 * A frame's flags: written by whoever holds the frame's list (its zone's
 * lock, or its CPU list's lock) and read by the buddy code when it looks
 * at a neighbour, so always with relaxed atomics (plain moves on x86).
 */
static inline uint32_t pg_flags(const struct page *p)
{
	return __atomic_load_n(&p->flags, __ATOMIC_RELAXED);
}

static inline void pg_set(struct page *p, uint32_t flags)
{
	__atomic_store_n(&p->flags, flags, __ATOMIC_RELAXED);
}

static inline unsigned int page_order(const struct page *p)
{
	return (pg_flags(p) >> PG_ORDER_SHIFT) & PG_ORDER_MASK;
}

struct page *pa_pfn_page(unsigned long pfn)
{
	if (pfn < pa.base_pfn || pfn - pa.base_pfn >= pa.nr_frames)
		return NULL;
	return idx_page(pfn - pa.base_pfn);
}

bool pa_valid_page(const struct page *page)
{
	uintptr_t p = (uintptr_t)page, b = (uintptr_t)pa.memmap;

	return pa.memmap && p >= b &&
	       (p - b) / sizeof(struct page) < pa.nr_frames &&
	       (p - b) % sizeof(struct page) == 0;
}

unsigned long pa_page_pfn(const struct page *page)
{
	return pa.base_pfn + page_idx(page);
}

void *pa_page_address(const struct page *page)
{
	return pa.direct + page_idx(page) * PAGE_SIZE;
}

static struct zone *pfn_zone(unsigned long pfn)
{
	unsigned long nid = (pfn - pa.base_pfn) / pa.node_frames;

	if (nid >= pa.nr_nodes)
		nid = pa.nr_nodes - 1;
	return &pa.zones[nid][pfn < DMA32_PFN_LIMIT ? 0 : 1];
}

/* ------------------------------------------------------------------ */
/* Free lists (zone lock held)                                         */
/* ------------------------------------------------------------------ */

static void list_add(struct free_area *fa, unsigned long idx, bool tail)
{
	struct page *p = idx_page(idx);

	if (fa->head == PA_NONE) {
		p->next = p->prev = (uint32_t)idx;
		fa->head = (uint32_t)idx;
	} else {
		struct page *h = idx_page(fa->head);
		uint32_t last = h->prev;

		p->next = fa->head;
		p->prev = last;
		idx_page(last)->next = (uint32_t)idx;
		h->prev = (uint32_t)idx;
		if (!tail)
			fa->head = (uint32_t)idx;
	}
	zone_count(&fa->nr, 1);
}

static void list_del(struct free_area *fa, unsigned long idx)
{
	struct page *p = idx_page(idx);

	if (p->next == idx) {
		fa->head = PA_NONE;
	} else {
		idx_page(p->prev)->next = p->next;
		idx_page(p->next)->prev = p->prev;
		if (fa->head == idx)
			fa->head = p->next;
	}
	p->next = p->prev = PA_NONE;
	zone_count(&fa->nr, -1);
}

/* Put a free block on its list: a zero block at the tail, warm at head. */
static void put_block_locked(struct zone *z, unsigned long idx,
			     unsigned int order, bool zero)
{
	struct page *h = idx_page(idx);

	vm_lock_assert_held(&z->lock);
	pg_set(h, PG_buddy | (zero ? PG_zeroblk : 0) |
		  ((uint32_t)order << PG_ORDER_SHIFT));
	list_add(&z->area[order], idx, zero);
	if (zero)
		zone_count(&z->nr_free_zero, 1L << order);
}

/* Take a known free block off its list. Return whether it was zero. */
static bool pull_block_locked(struct zone *z, unsigned long idx,
			      unsigned int order)
{
	struct page *h = idx_page(idx);
	bool zero = pg_flags(h) & PG_zeroblk;

	vm_lock_assert_held(&z->lock);
	list_del(&z->area[order], idx);
	pg_set(h, 0);
	if (zero)
		zone_count(&z->nr_free_zero, -(1L << order));
	return zero;
}

/*
 * Return a block to the buddy, merging with free buddies:
 *
 *   order k:   [ block ][ buddy ]    both free, same order
 *   order k+1: [      merged     ]   zero only if both halves were
 *
 * The caller accounts nr_free.
 */
static void free_block_locked(struct zone *z, unsigned long pfn,
			      unsigned int order, bool zero)
{
	vm_lock_assert_held(&z->lock);
	while (order < MAX_ORDER - 1) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct page *b;

		if (bpfn < z->start_pfn || bpfn + (1UL << order) > z->grown_pfn)
			break;
		b = idx_page(bpfn - pa.base_pfn);
		if (!(pg_flags(b) & PG_buddy) || page_order(b) != order)
			break;
		zero = pull_block_locked(z, bpfn - pa.base_pfn, order) && zero;
		pfn &= ~(1UL << order);
		order++;
	}
	put_block_locked(z, pfn - pa.base_pfn, order, zero);
}

/*
 * Hand the next chunk of the zone to the buddy (see the file comment).
 * Return 0, or -ENOMEM when the zone is fully grown or grow() failed.
 */
static int grow_locked(struct zone *z)
{
	unsigned long start = z->grown_pfn, end, pfn;

	vm_lock_assert_held(&z->lock);
	if (start >= z->end_pfn)
		return -VM_ENOMEM;
	end = vm_min(VM_ALIGN_DOWN(start, PA_CHUNK_FRAMES) + PA_CHUNK_FRAMES,
		     z->end_pfn);
	if (vm_plat->grow) {
		int err = vm_plat->grow(vm_plat->ctx, start, end - start);

		if (err)
			return err < 0 ? err : -VM_ENOMEM;
	}
	__atomic_store_n(&z->grown_pfn, end, __ATOMIC_RELAXED);
	for (pfn = start; pfn < end;) {
		unsigned int order = MAX_ORDER - 1;

		while (order && (!VM_IS_ALIGNED(pfn, 1UL << order) ||
				 pfn + (1UL << order) > end))
			order--;
		zone_count(&z->nr_free, 1L << order);
		free_block_locked(z, pfn, order, vm_plat->frames_zeroed);
		pfn += 1UL << order;
	}
	return 0;
}

/*
 * Take a free block of exactly @order, splitting a larger one (and
 * growing the zone) if needed:
 *
 *   [            order k           ]  take the lower half, keep splitting
 *   [   order k-1   ][ free k-1    ]  the upper halves go back as free
 *
 * Return its frame index, or -1. *zero tells whether it reads as zero;
 * *may_grow says whether growing is allowed, and is cleared when growing
 * is impossible or failed.
 */
static long take_block_locked(struct zone *z, unsigned int order, bool *zero,
			      bool *may_grow)
{
	unsigned int o;
	unsigned long idx;

	vm_lock_assert_held(&z->lock);
	for (;;) {
		for (o = order; o < MAX_ORDER; o++)
			if (z->area[o].head != PA_NONE)
				break;
		if (o < MAX_ORDER)
			break;
		/* A zone that failed to grow is not asked again this call. */
		if (!*may_grow || grow_locked(z)) {
			*may_grow = false;
			return -1;
		}
	}
	idx = z->area[o].head;
	*zero = pull_block_locked(z, idx, o);
	while (o > order) {
		o--;
		put_block_locked(z, idx + (1UL << o), o, *zero);
	}
	zone_count(&z->nr_free, -(1L << order));
	return (long)idx;
}

/* Mark 2^order frames from idx allocated, as one block or as single pages. */
static void mark_allocated(unsigned long idx, unsigned int order, bool singles)
{
	unsigned long i, n = 1UL << order;

	if (singles) {
		for (i = 0; i < n; i++)
			pg_set(idx_page(idx + i), PG_head);
		return;
	}
	pg_set(idx_page(idx), PG_head | ((uint32_t)order << PG_ORDER_SHIFT));
	for (i = 1; i < n; i++)
		pg_set(idx_page(idx + i), PG_tail);
}

/* ------------------------------------------------------------------ */
/* Zone lists                                                          */
/* ------------------------------------------------------------------ */

#define ZONELIST_MAX	(2 * VMALLOC_MAX_NODES)

/*
 * The zones to try, best first: the node's own NORMAL then DMA32 zone,
 * then the other nodes' in order (unless __GFP_THISNODE). __GFP_DMA32
 * (and __GFP_DMA) restrict the list to DMA32 zones.
 */
static int build_zonelist(int nid, gfp_t gfp, struct zone **zl)
{
	bool dma32 = gfp & (__GFP_DMA32 | __GFP_DMA);
	unsigned int i, n = 0, first = nid < 0 ? 0 : (unsigned int)nid;

	if (first >= pa.nr_nodes)
		return 0;
	for (i = 0; i < pa.nr_nodes; i++) {
		unsigned int node = (first + i) % pa.nr_nodes;

		if (i && (gfp & __GFP_THISNODE))
			break;
		if (!dma32 && pa.zones[node][1].end_pfn > pa.zones[node][1].start_pfn)
			zl[n++] = &pa.zones[node][1];
		if (pa.zones[node][0].end_pfn > pa.zones[node][0].start_pfn)
			zl[n++] = &pa.zones[node][0];
	}
	return (int)n;
}

/* ------------------------------------------------------------------ */
/* Release of cold frames                                              */
/* ------------------------------------------------------------------ */

static unsigned long warm_free_frames(void)
{
	unsigned long sum = 0;
	unsigned int n, z;

	for (n = 0; n < pa.nr_nodes; n++)
		for (z = 0; z < 2; z++)
			sum += vm_stat_read(&pa.zones[n][z].nr_free) -
			       vm_stat_read(&pa.zones[n][z].nr_free_zero);
	return sum;
}

/*
 * Hand whole warm top-order blocks back to the platform while more than
 * the reserve of warm frames is free. The blocks leave the free lists
 * (looking allocated) while release() runs unlocked, then return as zero
 * blocks at the list tails.
 */
static void trim_zone(struct zone *z)
{
	const unsigned int top = MAX_ORDER - 1;
	unsigned long batch[8];
	unsigned int n, i;

	for (;;) {
		n = 0;
		vm_lock(&z->lock);
		while (n < ARRAY_SIZE(batch) && z->area[top].head != PA_NONE &&
		       !(pg_flags(idx_page(z->area[top].head)) & PG_zeroblk) &&
		       warm_free_frames() >= pa.reserve + PA_CHUNK_FRAMES) {
			unsigned long idx = z->area[top].head;

			pull_block_locked(z, idx, top);
			/* In flight: the head looks allocated to its buddy. */
			pg_set(idx_page(idx), PG_head |
					      ((uint32_t)top << PG_ORDER_SHIFT));
			zone_count(&z->nr_free, -(long)PA_CHUNK_FRAMES);
			batch[n++] = idx;
		}
		vm_unlock(&z->lock);
		if (!n)
			return;
		for (i = 0; i < n; i++)
			vm_plat->release(vm_plat->ctx, pa.base_pfn + batch[i],
					 PA_CHUNK_FRAMES);
		vm_stat_add(&pa.released, (long)(n * PA_CHUNK_FRAMES));
		vm_lock(&z->lock);
		for (i = 0; i < n; i++) {
			pg_set(idx_page(batch[i]), 0);
			zone_count(&z->nr_free, (long)PA_CHUNK_FRAMES);
			free_block_locked(z, pa.base_pfn + batch[i], top, true);
		}
		vm_unlock(&z->lock);
	}
}

static void maybe_trim(struct zone *z)
{
	if (!vm_plat->release || pa.reserve == ULONG_MAX)
		return;
	if (__atomic_load_n(&z->area[MAX_ORDER - 1].nr, __ATOMIC_RELAXED) == 0)
		return;
	if (warm_free_frames() < pa.reserve + PA_CHUNK_FRAMES)
		return;
	trim_zone(z);
}

/* ------------------------------------------------------------------ */
/* Per-CPU lists of single frames                                      */
/* ------------------------------------------------------------------ */

/*
 * Single frames come and go with every small vmalloc and vfree. A short
 * list per CPU and zone (the kernel's pcp lists) serves them without the
 * zone lock, which two CPUs would otherwise hand back and forth on every
 * call. Frames move between a list and its zone PCP_BATCH at a time; on a
 * list a frame is free (and counted free), flagged PG_pcp, and its priv
 * says whether it reads as zero. An allocation that finds nothing drains
 * every list into its zone and tries once more, so no free frame is ever
 * out of reach.
 */
#define PCP_BATCH	32
#define PCP_HIGH	256
/*
 * Only requests this small use the lists: larger ones take whole buddy
 * blocks, whose consecutive frames the host engine maps with one call.
 */
#define PCP_MAX_REQ	4

/* Tag bit in bulk output: the frame already reads as zero. */
#define ZERO_TAG	((uintptr_t)1)

static bool check_freeable(const struct page *p, unsigned int order);
static unsigned long bulk_from_zone_locked(struct zone *z, unsigned long got,
					   unsigned long n, struct page **out,
					   bool may_grow);

static inline struct pcp *pcp_of(unsigned int cpu, const struct zone *z)
{
	return &pa.pcp[cpu * NR_ZONES + (unsigned int)(z - &pa.zones[0][0])];
}

static void pcp_push_locked(struct pcp *l, struct page *p, bool zero)
{
	vm_lock_assert_held(&l->lock);
	pg_set(p, PG_pcp);
	p->priv = zero;
	p->next = l->head;
	l->head = (uint32_t)page_idx(p);
	__atomic_store_n(&l->count, l->count + 1, __ATOMIC_RELAXED);
}

static struct page *pcp_pop_locked(struct pcp *l, bool *zero)
{
	struct page *p = idx_page(l->head);

	vm_lock_assert_held(&l->lock);
	l->head = p->next;
	__atomic_store_n(&l->count, l->count - 1, __ATOMIC_RELAXED);
	*zero = p->priv;
	p->priv = 0;
	pg_set(p, PG_head);
	return p;
}

/* Move a batch of frames from zone @z to list @l (l locked). */
static void pcp_refill_locked(struct pcp *l, struct zone *z)
{
	struct page *got[PCP_BATCH];
	unsigned long n, i;

	vm_lock_assert_held(&l->lock);
	vm_lock(&z->lock);
	n = bulk_from_zone_locked(z, 0, PCP_BATCH, got, true);
	vm_unlock(&z->lock);
	/* Pushed last first: they pop in ascending order, as runs. */
	for (i = n; i-- > 0;) {
		uintptr_t v = (uintptr_t)got[i];

		pcp_push_locked(l, (struct page *)(v & ~ZERO_TAG), v & ZERO_TAG);
	}
}

/* Give @n frames of list @l back to zone @z (l locked). */
static void pcp_drain_locked(struct pcp *l, struct zone *z, unsigned long n)
{
	vm_lock_assert_held(&l->lock);
	vm_lock(&z->lock);
	while (n-- && l->count) {
		bool zero;
		struct page *p = pcp_pop_locked(l, &zero);

		pg_set(p, 0);
		zone_count(&z->nr_free, 1);
		free_block_locked(z, pa_page_pfn(p), 0, zero);
	}
	vm_unlock(&z->lock);
}

/*
 * Empty every CPU's list of zone @z into it. Return whether any frame
 * moved. Called before an allocation gives up on a zone, so frames on a
 * list are never passed over for another zone or node.
 */
static bool pcp_drain_zone(struct zone *z)
{
	bool moved = false;
	unsigned int c;

	for (c = 0; c < pa.ncpus; c++) {
		struct pcp *l = pcp_of(c, z);

		if (!__atomic_load_n(&l->count, __ATOMIC_RELAXED))
			continue;
		vm_lock(&l->lock);
		moved |= l->count != 0;
		pcp_drain_locked(l, z, l->count);
		vm_unlock(&l->lock);
	}
	return moved;
}

/*
 * Take @n <= PCP_MAX_REQ single frames from this CPU's list of the first
 * zone in @zl that can give them all. Return 0, or -ENOMEM (nothing
 * taken).
 */
static int pcp_alloc(struct zone **zl, int nz, unsigned long n,
		     struct page **out)
{
	unsigned int cpu = vm_this_cpu();
	int i;

	for (i = 0; i < nz; i++) {
		struct pcp *l = pcp_of(cpu, zl[i]);
		unsigned long k;

		vm_lock(&l->lock);
		if (l->count < n)
			pcp_refill_locked(l, zl[i]);
		if (l->count < n) {
			/* Other CPUs' lists of this zone come before the next zone. */
			vm_unlock(&l->lock);
			if (!pcp_drain_zone(zl[i]))
				continue;
			vm_lock(&l->lock);
			pcp_refill_locked(l, zl[i]);
			if (l->count < n) {
				vm_unlock(&l->lock);
				continue;
			}
		}
		for (k = 0; k < n; k++) {
			bool zero;
			struct page *p = pcp_pop_locked(l, &zero);

			out[k] = (struct page *)((uintptr_t)p | (zero ? ZERO_TAG : 0));
		}
		vm_unlock(&l->lock);
		return 0;
	}
	return -VM_ENOMEM;
}

/* Put one single frame on this CPU's list; give a batch back if long. */
static bool pcp_free(struct page *p, struct zone *z, struct pcp **held)
{
	struct pcp *l = pcp_of(vm_this_cpu(), z);

	if (*held != l) {
		if (*held)
			vm_unlock(&(*held)->lock);
		vm_lock(&l->lock);
		*held = l;
	}
	if (!check_freeable(p, 0))
		return false;
	pcp_push_locked(l, p, false);
	if (l->count > PCP_HIGH)
		pcp_drain_locked(l, z, PCP_BATCH);
	return true;
}

/* ------------------------------------------------------------------ */
/* Allocation and freeing                                              */
/* ------------------------------------------------------------------ */

static void zero_frames(struct page *head, unsigned long n)
{
	vm_memset(pa_page_address(head), 0, n * PAGE_SIZE);
}

struct page *pa_alloc(int nid, gfp_t gfp, unsigned int order,
		      unsigned int site)
{
	struct zone *zl[ZONELIST_MAX];
	int nz, i;
	long idx = -1;
	bool zero = false;

	if (order >= MAX_ORDER)
		return NULL;
	if (vm_fault_should_fail(site))
		goto fail;
	nz = build_zonelist(nid, gfp, zl);
	if (!order) {
		struct page *p;

		if (pcp_alloc(zl, nz, 1, &p) == 0) {
			zero = (uintptr_t)p & ZERO_TAG;
			idx = (long)page_idx((struct page *)((uintptr_t)p & ~ZERO_TAG));
			goto got;
		}
		goto fail;	/* every zone and every list was tried */
	}
	for (i = 0; i < nz && idx < 0; i++) {
		bool may_grow = true, again = true;

		for (;;) {
			vm_lock(&zl[i]->lock);
			idx = take_block_locked(zl[i], order, &zero, &may_grow);
			if (idx >= 0)
				mark_allocated((unsigned long)idx, order, false);
			vm_unlock(&zl[i]->lock);
			/* Single frames on CPU lists may complete a block. */
			if (idx >= 0 || !again || !pcp_drain_zone(zl[i]))
				break;
			again = false;
		}
	}
	if (idx < 0)
		goto fail;
got:
	if ((gfp & __GFP_ZERO) && !zero)
		zero_frames(idx_page((unsigned long)idx), 1UL << order);
	return idx_page((unsigned long)idx);
fail:
	if (!(gfp & __GFP_NOWARN))
		vm_log(VM_LOG_WARNING,
		       "page allocation failure. order:%u, mode:0x%x",
		       order, gfp);
	return NULL;
}


/*
 * Fill out[got..n) from one zone, growing it if allowed (a failed growth
 * is not retried in the same call). Return the new count.
 */
static unsigned long bulk_from_zone_locked(struct zone *z, unsigned long got,
					   unsigned long n, struct page **out,
					   bool may_grow)
{
	while (got < n) {
		unsigned long want = n - got, i;
		unsigned int order = (unsigned int)vm_fls(want) - 1;
		long idx;
		bool zero;

		if (order > MAX_ORDER - 1)
			order = MAX_ORDER - 1;
		idx = take_block_locked(z, order, &zero, &may_grow);
		/* No block that large: take the largest smaller one. */
		while (idx < 0 && order > 0) {
			order--;
			if (z->area[order].head != PA_NONE)
				idx = take_block_locked(z, order, &zero, &may_grow);
		}
		if (idx < 0)
			break;
		mark_allocated((unsigned long)idx, order, true);
		for (i = 0; i < (1UL << order); i++)
			out[got++] = (struct page *)((uintptr_t)idx_page(
					(unsigned long)idx + i) |
					(zero ? ZERO_TAG : 0));
	}
	return got;
}

int pa_alloc_bulk(int nid, gfp_t gfp, unsigned long n, struct page **out)
{
	struct zone *zl[ZONELIST_MAX];
	unsigned long got = 0, i;
	int nz, z;

	for (i = 0; i < n; i++)
		if (vm_fault_should_fail(VM_FAULT_PAGE))
			return -VM_ENOMEM;
	nz = build_zonelist(nid, gfp, zl);
	if (n <= PCP_MAX_REQ && pcp_alloc(zl, nz, n, out) == 0)
		got = n;
	for (z = 0; z < nz && got < n; z++) {
		vm_lock(&zl[z]->lock);
		got = bulk_from_zone_locked(zl[z], got, n, out, true);
		vm_unlock(&zl[z]->lock);
		/* Free frames may wait on CPU lists: before the next zone. */
		if (got < n && pcp_drain_zone(zl[z])) {
			vm_lock(&zl[z]->lock);
			got = bulk_from_zone_locked(zl[z], got, n, out, false);
			vm_unlock(&zl[z]->lock);
		}
	}
	for (i = 0; i < got; i++) {
		uintptr_t v = (uintptr_t)out[i];

		out[i] = (struct page *)(v & ~ZERO_TAG);
		if ((gfp & __GFP_ZERO) && got == n && !(v & ZERO_TAG))
			zero_frames(out[i], 1);
	}
	if (got < n) {
		pa_free_bulk(out, got);
		for (i = 0; i < got; i++)
			out[i] = NULL;
		return -VM_ENOMEM;
	}
	return 0;
}

/* Is @p the allocated head of a block of @order? (zone lock held) */
static bool check_freeable(const struct page *p, unsigned int order)
{
	if ((pg_flags(p) & (PG_head | PG_buddy | PG_tail | PG_pcp)) == PG_head &&
	    page_order(p) == order)
		return true;
	vm_warn("Bad page state: pfn 0x%lx flags 0x%x freed as order %u",
		pa_page_pfn(p), pg_flags(p), order);
	return false;
}

void pa_free(struct page *page, unsigned int order)
{
	unsigned long pfn;
	struct zone *z;

	if (!pa_valid_page(page) || order >= MAX_ORDER) {
		vm_warn("Bad page: %p freed as order %u", (void *)page, order);
		return;
	}
	pfn = pa_page_pfn(page);
	z = pfn_zone(pfn);
	if (!order) {
		struct pcp *held = NULL;

		pcp_free(page, z, &held);
		vm_unlock(&held->lock);
		maybe_trim(z);
		return;
	}
	vm_lock(&z->lock);
	if (check_freeable(page, order)) {
		unsigned long i, idx = page_idx(page);

		for (i = 0; i < (1UL << order); i++)
			pg_set(idx_page(idx + i), 0);
		zone_count(&z->nr_free, 1L << order);
		free_block_locked(z, pfn, order, false);
	}
	vm_unlock(&z->lock);
	maybe_trim(z);
}

/* Note @z among the zones a free touched (for maybe_trim). */
static void touch(struct zone **touched, unsigned int *nt, struct zone *z)
{
	unsigned int t;

	for (t = 0; t < *nt && touched[t] != z; t++)
		;
	if (t == *nt && *nt < ZONELIST_MAX)
		touched[(*nt)++] = z;
}

void pa_free_bulk(struct page *const *pages, unsigned long n)
{
	struct zone *locked = NULL, *touched[ZONELIST_MAX];
	unsigned int nt = 0, t;
	unsigned long i;

	if (n <= PCP_MAX_REQ) {
		/* A few frames: this CPU's lists, no zone lock; pushed last
		 * first, so that they come back out in ascending order. */
		struct pcp *held = NULL;

		for (i = n; i-- > 0;) {
			struct page *p = pages[i];
			struct zone *z;

			if (!pa_valid_page(p)) {
				vm_warn("Bad page: %p in bulk free", (void *)p);
				continue;
			}
			z = pfn_zone(pa_page_pfn(p));
			pcp_free(p, z, &held);
			touch(touched, &nt, z);
		}
		if (held)
			vm_unlock(&held->lock);
		for (t = 0; t < nt; t++)
			maybe_trim(touched[t]);
		return;
	}
	for (i = 0; i < n; i++) {
		struct page *p = pages[i];
		unsigned long pfn;
		struct zone *z;

		if (!pa_valid_page(p)) {
			vm_warn("Bad page: %p in bulk free", (void *)p);
			continue;
		}
		pfn = pa_page_pfn(p);
		z = pfn_zone(pfn);
		if (z != locked) {
			if (locked)
				vm_unlock(&locked->lock);
			vm_lock(&z->lock);
			locked = z;
			touch(touched, &nt, z);
		}
		if (!check_freeable(p, 0))
			continue;
		pg_set(p, 0);
		zone_count(&z->nr_free, 1);
		free_block_locked(z, pfn, 0, false);
	}
	if (locked)
		vm_unlock(&locked->lock);
	for (t = 0; t < nt; t++)
		maybe_trim(touched[t]);
}

/* ------------------------------------------------------------------ */
/* Set-up, counters, sanity                                            */
/* ------------------------------------------------------------------ */

int pa_init(unsigned long reserve_pages)
{
	unsigned int n;

	if (!vm_plat->nr_frames || vm_plat->nr_frames > UINT32_MAX - 1 ||
	    !vm_plat->nr_nodes || vm_plat->nr_nodes > VMALLOC_MAX_NODES ||
	    vm_plat->nr_frames < vm_plat->nr_nodes || !vm_plat->direct_map)
		return -VM_EINVAL;
	vm_memset(&pa, 0, sizeof(pa));
	pa.base_pfn = vm_plat->base_pfn;
	pa.nr_frames = vm_plat->nr_frames;
	pa.direct = vm_plat->direct_map;
	pa.nr_nodes = vm_plat->nr_nodes;
	pa.node_frames = pa.nr_frames / pa.nr_nodes;
	pa.reserve = reserve_pages;
	pa.memmap_bytes = pa.nr_frames * sizeof(struct page);
	pa.memmap = vm_plat->meta_alloc(vm_plat->ctx, pa.memmap_bytes);
	pa.ncpus = vm_ncpus();
	pa.pcp_bytes = pa.ncpus * NR_ZONES * sizeof(struct pcp);
	pa.pcp = vm_plat->meta_alloc(vm_plat->ctx, pa.pcp_bytes);
	if (!pa.memmap || !pa.pcp) {
		if (pa.memmap)
			vm_plat->meta_free(vm_plat->ctx, pa.memmap, pa.memmap_bytes);
		if (pa.pcp)
			vm_plat->meta_free(vm_plat->ctx, pa.pcp, pa.pcp_bytes);
		pa.memmap = NULL;
		return -VM_ENOMEM;
	}
	for (n = 0; n < pa.ncpus * NR_ZONES; n++) {
		pa.pcp[n].head = PA_NONE;
		vm_lock_init(&pa.pcp[n].lock, "pcp");
	}

	for (n = 0; n < pa.nr_nodes; n++) {
		unsigned long s = pa.base_pfn + n * pa.node_frames;
		unsigned long e = n + 1 == pa.nr_nodes ?
				  pa.base_pfn + pa.nr_frames : s + pa.node_frames;
		unsigned int z, o;

		for (z = 0; z < 2; z++) {
			struct zone *zn = &pa.zones[n][z];

			if (z == 0) {
				zn->start_pfn = s;
				zn->end_pfn = vm_max(s, vm_min(e, DMA32_PFN_LIMIT));
			} else {
				zn->start_pfn = vm_max(s, vm_min(e, DMA32_PFN_LIMIT));
				zn->end_pfn = e;
			}
			zn->grown_pfn = zn->start_pfn;
			zn->nid = (int)n;
			zn->dma32 = z == 0;
			for (o = 0; o < MAX_ORDER; o++)
				zn->area[o].head = PA_NONE;
			vm_lock_init(&zn->lock, z ? "zone-normal" : "zone-dma32");
		}
	}
	return 0;
}

void pa_exit(void)
{
	unsigned int n, z;

	if (!pa.memmap)
		return;
	for (n = 0; n < pa.nr_nodes; n++)
		for (z = 0; z < 2; z++)
			vm_lock_destroy(&pa.zones[n][z].lock);
	for (n = 0; n < pa.ncpus * NR_ZONES; n++)
		vm_lock_destroy(&pa.pcp[n].lock);
	vm_plat->meta_free(vm_plat->ctx, pa.pcp, pa.pcp_bytes);
	vm_plat->meta_free(vm_plat->ctx, pa.memmap, pa.memmap_bytes);
	pa.memmap = NULL;
}

unsigned long pa_nr_free(int nid)
{
	unsigned long sum = 0;
	unsigned int n, z;

	for (n = 0; n < pa.nr_nodes; n++) {
		if (nid >= 0 && (unsigned int)nid != n)
			continue;
		for (z = 0; z < 2; z++) {
			struct zone *zn = &pa.zones[n][z];
			unsigned int c;

			sum += vm_stat_read(&zn->nr_free) +
			       (zn->end_pfn - __atomic_load_n(&zn->grown_pfn,
							      __ATOMIC_RELAXED));
			for (c = 0; c < pa.ncpus; c++)
				sum += vm_stat_read(&pcp_of(c, zn)->count);
		}
	}
	return sum;
}

unsigned long pa_nr_frames(void)
{
	return pa.nr_frames;
}

unsigned long pa_nr_released(void)
{
	return vm_stat_read(&pa.released);
}

unsigned int pa_nr_nodes(void)
{
	return pa.nr_nodes;
}

static int check_zone_locked(struct zone *z)
{
	unsigned long frames = 0, zero = 0;
	unsigned int o;

	vm_lock_assert_held(&z->lock);
	for (o = 0; o < MAX_ORDER; o++) {
		struct free_area *fa = &z->area[o];
		unsigned long cnt = 0, idx = fa->head;

		if (idx == PA_NONE) {
			if (fa->nr)
				return -1;
			continue;
		}
		do {
			struct page *p = idx_page(idx);
			unsigned long pfn = pa.base_pfn + idx;
			unsigned long bpfn = pfn ^ (1UL << o);
			struct page *b;

			if (!(pg_flags(p) & PG_buddy) || page_order(p) != o ||
			    !VM_IS_ALIGNED(pfn, 1UL << o) ||
			    pfn < z->start_pfn ||
			    pfn + (1UL << o) > z->grown_pfn ||
			    idx_page(p->next)->prev != idx)
				return -1;
			/* A free buddy of the same order must have merged. */
			if (o < MAX_ORDER - 1 && bpfn >= z->start_pfn &&
			    bpfn + (1UL << o) <= z->grown_pfn) {
				b = idx_page(bpfn - pa.base_pfn);
				if ((pg_flags(b) & PG_buddy) && page_order(b) == o)
					return -1;
			}
			frames += 1UL << o;
			if (pg_flags(p) & PG_zeroblk)
				zero += 1UL << o;
			if (++cnt > fa->nr)
				return -1;
			idx = p->next;
		} while (idx != fa->head);
		if (cnt != fa->nr)
			return -1;
	}
	return frames == z->nr_free && zero == z->nr_free_zero ? 0 : -1;
}

/* Every frame on a CPU list is flagged so, in its zone, counted. */
static int check_pcp_locked(struct pcp *l, const struct zone *z)
{
	unsigned long cnt = 0;
	uint32_t idx;

	vm_lock_assert_held(&l->lock);
	for (idx = l->head; idx != PA_NONE; idx = idx_page(idx)->next) {
		unsigned long pfn = pa.base_pfn + idx;

		if (pg_flags(idx_page(idx)) != PG_pcp || pfn < z->start_pfn ||
		    pfn >= z->grown_pfn || ++cnt > l->count)
			return -1;
	}
	return cnt == l->count ? 0 : -1;
}

int pa_check(void)
{
	unsigned int n, z, c;
	int bad = 0;

	for (c = 0; c < pa.ncpus; c++) {
		for (n = 0; n < pa.nr_nodes; n++) {
			for (z = 0; z < 2; z++) {
				struct pcp *l = pcp_of(c, &pa.zones[n][z]);

				vm_lock(&l->lock);
				if (check_pcp_locked(l, &pa.zones[n][z])) {
					vm_bug("page allocator: cpu %u list of zone %u/%u inconsistent",
					       c, n, z);
					bad = -VM_EUCLEAN;
				}
				vm_unlock(&l->lock);
			}
		}
	}

	for (n = 0; n < pa.nr_nodes; n++) {
		for (z = 0; z < 2; z++) {
			struct zone *zn = &pa.zones[n][z];

			vm_lock(&zn->lock);
			if (check_zone_locked(zn)) {
				vm_bug("page allocator: zone %u/%u inconsistent",
				       n, z);
				bad = -VM_EUCLEAN;
			}
			vm_unlock(&zn->lock);
		}
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* The kernel's page-allocator API                                     */
/* ------------------------------------------------------------------ */

struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order)
{
	if (!vm_ensure_ready())
		return NULL;
	if (nid >= (int)pa.nr_nodes || nid < -1) {
		vm_log(VM_LOG_WARNING, "alloc_pages_node: no node %d", nid);
		return NULL;
	}
	return pa_alloc(nid, gfp_mask, order, VM_FAULT_PAGE);
}

struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)
{
	return alloc_pages_node(-1, gfp_mask, order);
}

void __free_pages(struct page *page, unsigned int order)
{
	if (!page || !vm_ensure_ready())
		return;
	pa_free(page, order);
}

void *page_address(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return NULL;
	return pa_page_address(page);
}

unsigned long page_to_pfn(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return 0;
	return pa_page_pfn(page);
}

struct page *pfn_to_page(unsigned long pfn)
{
	if (!vm_ensure_ready())
		return NULL;
	return pa_pfn_page(pfn);
}

int page_to_nid(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return -1;
	return pfn_zone(pa_page_pfn(page))->nid;
}

unsigned long nr_free_pages(void)
{
	return vm_ensure_ready() ? pa_nr_free(-1) : 0;
}

unsigned long nr_free_pages_node(int nid)
{
	if (!vm_ensure_ready() || nid < 0 || nid >= (int)pa.nr_nodes)
		return 0;
	return pa_nr_free(nid);
}

unsigned long num_physpages_total(void)
{
	return vm_ensure_ready() ? pa.nr_frames : 0;
}

int num_online_nodes(void)
{
	return vm_ensure_ready() ? (int)pa.nr_nodes : 0;
}
