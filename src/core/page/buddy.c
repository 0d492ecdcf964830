/* SPDX-License-Identifier: MIT */
/*
 * Zones: a binary buddy allocator per zone.
 *
 * A free block of order k is 2^k frames starting at a pfn that is a
 * multiple of 2^k (absolute pfn alignment, so alloc_pages(order) is
 * naturally aligned physically). Its buddy is the block at pfn ^ 2^k; two
 * free buddies of the same order always merge, so no two free buddies of
 * equal order coexist (zone_check_locked verifies this).
 *
 * Each order has a circular list of free block heads. Blocks whose frames
 * are known to read as zero (fresh from grow() when the platform says so,
 * or released and reported zeroed by release()) carry PG_zero and sit at
 * the tail; others at the head, so allocations reuse warm frames first
 * and __GFP_ZERO skips the memset for cold ones.
 *
 * Growth and release call the platform, so they run with the zone
 * unlocked (no call out of the core with a core lock held): a chunk being
 * grown is claimed by its grower (zone->growing), one at a time; blocks
 * being released leave the lists as PG_offline until release() returns.
 */
#include "page/page_internal.h"

void zone_init(struct zone *z, int nid, bool dma32, unsigned long start,
	       unsigned long end)
{
	unsigned int o;

	z->start_pfn = start;
	z->end_pfn = end;
	z->grown_pfn = start;
	z->nid = nid;
	z->dma32 = dma32;
	for (o = 0; o < MAX_ORDER; o++)
		z->area[o].head = PA_NONE;
	vm_lock_init(&z->lock, dma32 ? "zone-dma32" : "zone-normal",
		     VM_RANK_ZONE);
}

void zone_exit(struct zone *z)
{
	vm_lock_destroy(&z->lock);
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
	vm_counter_add_locked(&fa->nr, 1);
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
	vm_counter_add_locked(&fa->nr, -1);
}

/* Put a free block on its list: a zero block at the tail, warm at head. */
static void put_block_locked(struct zone *z, unsigned long idx,
			     unsigned int order, bool zero)
{
	struct page *h = idx_page(idx);

	vm_lock_assert_held(&z->lock);
	pg_set(h, PG_buddy | (zero ? PG_zero : 0) |
		  ((uint32_t)order << PG_ORDER_SHIFT));
	list_add(&z->area[order], idx, zero);
	if (zero)
		vm_counter_add_locked(&z->nr_free_zero, 1L << order);
}

/* Take a known free block off its list. Return whether it was zero. */
static bool pull_block_locked(struct zone *z, unsigned long idx,
			      unsigned int order)
{
	struct page *h = idx_page(idx);
	bool zero = pg_flags(h) & PG_zero;

	vm_lock_assert_held(&z->lock);
	list_del(&z->area[order], idx);
	pg_set(h, 0);
	if (zero)
		vm_counter_add_locked(&z->nr_free_zero, -(1L << order));
	return zero;
}

/*
 * Return a block to the buddy, merging with free buddies:
 *
 *   order k:   [ block ][ buddy ]    both free, same order
 *   order k+1: [      merged     ]   zero only if both halves were
 */
void zone_free_block_locked(struct zone *z, unsigned long pfn,
			    unsigned int order, bool zero)
{
	vm_lock_assert_held(&z->lock);
	vm_counter_add_locked(&z->nr_free, 1L << order);
	while (order < MAX_ORDER - 1) {
		unsigned long bpfn = pfn ^ (1UL << order);
		struct page *b;

		if (bpfn < z->start_pfn || bpfn + (1UL << order) > z->grown_pfn)
			break;
		b = idx_page(bpfn - pa.base_pfn);
		if (!(pg_flags(b) & PG_buddy) || pg_order(b) != order)
			break;
		zero = pull_block_locked(z, bpfn - pa.base_pfn, order) && zero;
		pfn &= ~(1UL << order);
		order++;
	}
	put_block_locked(z, pfn - pa.base_pfn, order, zero);
}

/* ------------------------------------------------------------------ */
/* Growth                                                              */
/* ------------------------------------------------------------------ */

/* Hand [start, end), just grown, to the free lists (zone lock held). */
static void add_chunk_locked(struct zone *z, unsigned long start,
			     unsigned long end)
{
	unsigned long pfn;

	vm_lock_assert_held(&z->lock);
	__atomic_store_n(&z->grown_pfn, end, __ATOMIC_RELAXED);
	for (pfn = start; pfn < end;) {
		unsigned int order = MAX_ORDER - 1;

		while (order && (!VM_IS_ALIGNED(pfn, 1UL << order) ||
				 pfn + (1UL << order) > end))
			order--;
		zone_free_block_locked(z, pfn, order, vm_plat->frames_zeroed);
		pfn += 1UL << order;
	}
}

int zone_grow(struct zone *z)
{
	uintptr_t self = vm_self();
	unsigned long start, end;
	bool waited = false;
	int err = 0;

	vm_lock(&z->lock);
	while (z->growing) {
		if (z->growing == self) {
			/* An allocation made from inside grow() (a hook that
			 * logs, and a log hook that allocates): no recursion. */
			vm_unlock(&z->lock);
			return -VM_ENOMEM;
		}
		vm_unlock(&z->lock);
		vm_cpu_relax();
		waited = true;
		vm_lock(&z->lock);
	}
	if (waited) {
		vm_unlock(&z->lock);
		return 0;	/* another thread grew it: look again */
	}
	start = z->grown_pfn;
	if (start >= z->end_pfn) {
		vm_unlock(&z->lock);
		return -VM_ENOMEM;
	}
	end = vm_min(VM_ALIGN_DOWN(start, PA_CHUNK_FRAMES) + PA_CHUNK_FRAMES,
		     z->end_pfn);
	z->growing = self;
	vm_unlock(&z->lock);

	if (vm_plat->grow) {
		vm_assert_unlocked(0, "grow");
		err = vm_plat->grow(vm_plat->ctx, start, end - start);
		if (err > 0)
			err = -VM_ENOMEM;
	}

	vm_lock(&z->lock);
	z->growing = 0;
	if (!err)
		add_chunk_locked(z, start, end);
	vm_unlock(&z->lock);
	return err;
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

/*
 * Take a free block of exactly @order, splitting a larger one:
 *
 *   [            order k           ]  take the lower half, keep splitting
 *   [   order k-1   ][ free k-1    ]  the upper halves go back as free
 *
 * Return its frame index, or -1 when no block is large enough. *zero
 * tells whether it reads as zero.
 */
static long take_block_locked(struct zone *z, unsigned int order, bool *zero)
{
	unsigned int o;
	unsigned long idx;

	vm_lock_assert_held(&z->lock);
	for (o = order; o < MAX_ORDER; o++)
		if (z->area[o].head != PA_NONE)
			break;
	if (o == MAX_ORDER)
		return -1;
	idx = z->area[o].head;
	*zero = pull_block_locked(z, idx, o);
	while (o > order) {
		o--;
		put_block_locked(z, idx + (1UL << o), o, *zero);
	}
	vm_counter_add_locked(&z->nr_free, -(1L << order));
	return (long)idx;
}

/*
 * Mark 2^order frames from idx allocated, as one block (the head holds
 * the only reference) or as single frames (one reference each).
 */
static void mark_allocated(unsigned long idx, unsigned int order, bool singles)
{
	unsigned long i, n = 1UL << order;

	if (singles) {
		for (i = 0; i < n; i++) {
			pg_set(idx_page(idx + i), PG_head);
			pg_set_ref(idx_page(idx + i), 1);
		}
		return;
	}
	pg_set(idx_page(idx), PG_head | ((uint32_t)order << PG_ORDER_SHIFT));
	pg_set_ref(idx_page(idx), 1);
	for (i = 1; i < n; i++)
		pg_set(idx_page(idx + i), PG_tail);
}

long zone_alloc_block(struct zone *z, unsigned int order, bool *zero)
{
	long idx;

	for (;;) {
		vm_lock(&z->lock);
		idx = take_block_locked(z, order, zero);
		if (idx >= 0)
			mark_allocated((unsigned long)idx, order, false);
		vm_unlock(&z->lock);
		if (idx >= 0 || zone_grow(z))
			return idx;
	}
}

unsigned long zone_bulk_locked(struct zone *z, unsigned long got,
			       unsigned long n, struct page **out,
			       unsigned int how)
{
	vm_lock_assert_held(&z->lock);
	while (got < n) {
		unsigned long want = n - got, i;
		unsigned int order = (unsigned int)vm_fls(want) - 1;
		long idx = -1;
		bool zero;

		if (order > MAX_ORDER - 1)
			order = MAX_ORDER - 1;
		/* No block that large: take the largest smaller one. */
		for (;; order--) {
			idx = take_block_locked(z, order, &zero);
			if (idx >= 0 || !order || (how & ZB_WHOLE))
				break;
		}
		if (idx < 0)
			break;
		if (how & ZB_TO_PCP)
			for (i = 0; i < (1UL << order); i++)
				pg_set(idx_page((unsigned long)idx + i), PG_pcp);
		else
			mark_allocated((unsigned long)idx, order, true);
		for (i = 0; i < (1UL << order); i++)
			out[got++] = (struct page *)((uintptr_t)idx_page(
					(unsigned long)idx + i) |
					(zero ? ZERO_TAG : 0));
	}
	return got;
}

unsigned long zone_bulk(struct zone *z, unsigned long got, unsigned long n,
			struct page **out, unsigned int how)
{
	for (;;) {
		vm_lock(&z->lock);
		got = zone_bulk_locked(z, got, n, out, how & ~ZB_TO_PCP);
		vm_unlock(&z->lock);
		if (got == n || !(how & ZB_GROW) || zone_grow(z))
			return got;
	}
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
			sum += vm_counter_read(&pa.zones[n][z].nr_free) -
			       vm_counter_read(&pa.zones[n][z].nr_free_zero);
	return sum;
}

#define TRIM_BACKOFF_MAX	16	/* at most 2^16 skipped trims */

/*
 * Hand whole warm top-order blocks back to the platform while more than
 * the reserve of warm frames is free. The blocks leave the free lists
 * (PG_offline) while release() runs unlocked, then return: as zero blocks
 * at the list tails when release() says they read as zero, else as warm
 * blocks, and then trimming backs off (the platform may refuse for good:
 * a seccomp filter, a filesystem without hole punching), retrying after
 * 2, 4, ... 65536 more frees of this zone.
 */
static void trim_zone(struct zone *z)
{
	const unsigned int top = MAX_ORDER - 1;
	unsigned long batch[8];
	bool zeroed[8], failed = false;
	unsigned int n, i;

	while (!failed) {
		n = 0;
		vm_lock(&z->lock);
		if (z->trim_skip) {
			z->trim_skip--;
			vm_unlock(&z->lock);
			return;
		}
		while (n < ARRAY_SIZE(batch) && z->area[top].head != PA_NONE &&
		       !(pg_flags(idx_page(z->area[top].head)) & PG_zero) &&
		       warm_free_frames() >= pa.reserve + PA_CHUNK_FRAMES) {
			unsigned long idx = z->area[top].head;

			pull_block_locked(z, idx, top);
			pg_set(idx_page(idx), PG_offline |
					      ((uint32_t)top << PG_ORDER_SHIFT));
			vm_counter_add_locked(&z->nr_free, -(long)PA_CHUNK_FRAMES);
			batch[n++] = idx;
		}
		vm_unlock(&z->lock);
		if (!n)
			return;
		vm_assert_unlocked(0, "release");
		for (i = 0; i < n; i++) {
			zeroed[i] = vm_plat->release(vm_plat->ctx,
						     pa.base_pfn + batch[i],
						     PA_CHUNK_FRAMES);
			if (zeroed[i])
				vm_stat_add(&pa.released, (long)PA_CHUNK_FRAMES);
			else
				failed = true;
		}
		vm_lock(&z->lock);
		for (i = 0; i < n; i++) {
			pg_set(idx_page(batch[i]), 0);
			zone_free_block_locked(z, pa.base_pfn + batch[i], top,
					       zeroed[i]);
		}
		if (failed) {
			if (z->trim_backoff < TRIM_BACKOFF_MAX)
				z->trim_backoff++;
			z->trim_skip = 1UL << z->trim_backoff;
		} else {
			z->trim_backoff = 0;
		}
		vm_unlock(&z->lock);
	}
}

void zone_maybe_trim(struct zone *z)
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
/* Sanity                                                              */
/* ------------------------------------------------------------------ */

int zone_check_locked(struct zone *z)
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

			if (!(pg_flags(p) & PG_buddy) || pg_order(p) != o ||
			    p->refcount || !VM_IS_ALIGNED(pfn, 1UL << o) ||
			    pfn < z->start_pfn ||
			    pfn + (1UL << o) > z->grown_pfn ||
			    idx_page(p->next)->prev != idx)
				return -1;
			/* A free buddy of the same order must have merged. */
			if (o < MAX_ORDER - 1 && bpfn >= z->start_pfn &&
			    bpfn + (1UL << o) <= z->grown_pfn) {
				b = idx_page(bpfn - pa.base_pfn);
				if ((pg_flags(b) & PG_buddy) && pg_order(b) == o)
					return -1;
			}
			frames += 1UL << o;
			if (pg_flags(p) & PG_zero)
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
