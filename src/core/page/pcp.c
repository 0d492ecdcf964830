/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU lists of single frames.
 *
 * Single frames come and go with every small vmalloc and vfree. A short
 * list per CPU and zone (the kernel's pcp lists) serves them without the
 * zone lock, which two CPUs would otherwise hand back and forth on every
 * call. Frames move between a list and its zone PCP_BATCH at a time; on a
 * list a frame is free (and counted free), flagged PG_pcp (PG_zero when
 * it reads as zero), with refcount 0.
 *
 * Order. A list is an array sorted by frame, highest first, and hands out
 * its lowest frame. So frames come out of it in ascending order however
 * they went in: a batch freed in any order (a ring's 16 pages freed first
 * to last, which a stack would hand back last to first) comes back
 * ascending, and as the runs of consecutive frames it was, which the
 * host engine maps with one mmap each. A free usually returns a frame
 * lower than any on the list (the one just handed out), which goes at the
 * end without moving anything; otherwise a binary search finds its place
 * and the higher part of the array (at most PCP_HIGH frames, 1 KiB) moves
 * up by one. A batch that goes back to the zone is the list's highest
 * frames: the low ones stay to be handed out next.
 *
 * Locking: a list's lock (rank PCP) is taken before its zone's lock (rank
 * ZONE) when frames move between them; growth of a zone happens with no
 * list lock held.
 */
#include "page/page_internal.h"

static inline struct pcp *pcp_of(unsigned int cpu, const struct zone *z)
{
	return &pa.pcp[cpu * pa.pcp_zones +
		       (unsigned int)(z - &pa.zones[0][0])];
}

/*
 * Put a free frame (refcount 0) on list @l at its place in the order:
 *
 *   frame[]:  [ 90 | 71 | 40 | 12 ]        count 4, hands out 12 first
 *   push 7:   [ 90 | 71 | 40 | 12 |  7 ]   lowest: appended, nothing moves
 *   push 50:  [ 90 | 71 | 50 | 40 | 12 ]   40 and 12 move up by one
 */
static inline void push_locked(struct pcp *l, struct page *p, bool zero)
{
	uint32_t idx = (uint32_t)page_idx(p), *f = l->frame;
	unsigned long n = l->count, lo = 0, hi;

	vm_lock_assert_held(&l->lock);
	pg_set(p, PG_pcp | (zero ? PG_zero : 0));
	if (n && f[n - 1] < idx) {
		/* The first slot holding a lower frame: f[n - 1] is one. */
		hi = n - 1;
		while (lo < hi) {
			unsigned long mid = lo + (hi - lo) / 2;

			if (f[mid] < idx)
				hi = mid;
			else
				lo = mid + 1;
		}
		vm_memmove(&f[lo + 1], &f[lo], (n - lo) * sizeof(*f));
		n = lo;
	}
	f[n] = idx;
	vm_counter_add_locked(&l->count, 1);
}

/*
 * Take the lowest frame off list @l, still free (PG_pcp, refcount 0):
 * __free_page() reads a frame's state without this lock, so a frame on
 * its way back to its zone must never look allocated, not even for a
 * moment, or a racing second free of it is taken for a legal one.
 */
static inline struct page *unlink_locked(struct pcp *l, bool *zero)
{
	struct page *p = idx_page(l->frame[l->count - 1]);

	vm_lock_assert_held(&l->lock);
	vm_counter_add_locked(&l->count, -1);
	*zero = pg_flags(p) & PG_zero;
	return p;
}

/* Pop the lowest frame, marked allocated (refcount 1). */
static inline struct page *pop_locked(struct pcp *l, bool *zero)
{
	struct page *p = unlink_locked(l, zero);

	pg_set(p, PG_head);
	pg_set_ref(p, 1);
	return p;
}

/* Move a batch of frames from zone @z to list @l (no growth). */
static void refill_locked(struct pcp *l, struct zone *z)
{
	struct page *got[PCP_BATCH];
	unsigned long n, i;

	vm_lock_assert_held(&l->lock);
	vm_lock(&z->lock);
	n = zone_bulk_locked(z, 0, PCP_BATCH, got, ZB_TO_PCP);
	vm_unlock(&z->lock);
	/* Highest first: each lands below the ones before it. */
	for (i = n; i-- > 0;)
		push_locked(l, untag(got[i]), (uintptr_t)got[i] & ZERO_TAG);
}

/* Give the @n highest frames of list @l (or all it has) back to zone @z. */
static void drain_locked(struct pcp *l, struct zone *z, unsigned long n)
{
	unsigned long i;

	vm_lock_assert_held(&l->lock);
	if (n > l->count)
		n = l->count;
	vm_lock(&z->lock);
	for (i = 0; i < n; i++) {
		struct page *p = idx_page(l->frame[i]);
		bool zero = pg_flags(p) & PG_zero;

		pg_set(p, 0);
		zone_free_block_locked(z, pa.base_pfn + l->frame[i], 0, zero);
	}
	vm_unlock(&z->lock);
	vm_memmove(&l->frame[0], &l->frame[n],
		   (l->count - n) * sizeof(l->frame[0]));
	vm_counter_add_locked(&l->count, -(long)n);
}

static bool drain_list(struct pcp *l, struct zone *z)
{
	bool moved;

	if (!vm_counter_read(&l->count))
		return false;
	vm_lock(&l->lock);
	moved = l->count != 0;
	drain_locked(l, z, l->count);
	vm_unlock(&l->lock);
	return moved;
}

bool pcp_drain_zone(struct zone *z)
{
	bool moved = false;
	unsigned int c;

	for (c = 0; c < pa.ncpus; c++)
		moved |= drain_list(pcp_of(c, z), z);
	return moved;
}

bool pcp_drain_local(struct zone *z, unsigned long min)
{
	struct pcp *l = pcp_of(vm_this_cpu(), z);

	return vm_counter_read(&l->count) >= min && drain_list(l, z);
}

/* Take @n frames from list @l if it can give them all (refilling it). */
static bool take_from(struct pcp *l, struct zone *z, unsigned long n,
		      struct page **out)
{
	unsigned long k;
	bool ok;

	vm_lock(&l->lock);
	if (l->count < n)
		refill_locked(l, z);
	ok = l->count >= n;
	for (k = 0; ok && k < n; k++) {
		bool zero;
		struct page *p = pop_locked(l, &zero);

		out[k] = (struct page *)((uintptr_t)p | (zero ? ZERO_TAG : 0));
	}
	vm_unlock(&l->lock);
	return ok;
}

int pcp_alloc(struct zone **zl, int nz, unsigned long n, struct page **out)
{
	unsigned int cpu = vm_this_cpu();
	int i;

	for (i = 0; i < nz; i++) {
		struct pcp *l = pcp_of(cpu, zl[i]);
		bool drained = false;

		for (;;) {
			if (take_from(l, zl[i], n, out))
				return 0;
			/* Grow the zone (unlocked), else empty the other
			 * CPUs' lists of it, before trying the next zone. */
			if (zone_grow(zl[i]) == 0)
				continue;
			if (drained || !pcp_drain_zone(zl[i]))
				break;
			drained = true;
		}
	}
	return -VM_ENOMEM;
}

void pcp_free(struct page *const *frames, unsigned long n)
{
	unsigned int cpu = vm_this_cpu();
	struct zone_set touched = { .n = 0 };
	struct pcp *held = NULL;
	unsigned long i;

	for (i = n; i-- > 0;) {
		struct page *p = frames[i];
		struct zone *z = pfn_zone(pa.base_pfn + page_idx(p));
		struct pcp *l = pcp_of(cpu, z);

		if (held != l) {
			if (held)
				vm_unlock(&held->lock);
			vm_lock(&l->lock);
			held = l;
		}
		push_locked(l, p, false);
		if (l->count > PCP_HIGH)
			drain_locked(l, z, PCP_BATCH);
		zone_set_add(&touched, z);
	}
	if (held)
		vm_unlock(&held->lock);
	zone_set_trim(&touched);
}

/* ------------------------------------------------------------------ */
/* Set-up, counts, sanity                                              */
/* ------------------------------------------------------------------ */

int pcp_init(void)
{
	unsigned int n;

	pa.ncpus = vm_ncpus();
	pa.pcp_zones = 2 * pa.nr_nodes;
	pa.pcp_bytes = pa.ncpus * pa.pcp_zones * sizeof(struct pcp);
	pa.pcp = vm_plat->meta_alloc(vm_plat->ctx, pa.pcp_bytes);
	if (!pa.pcp)
		return -VM_ENOMEM;
	for (n = 0; n < pa.ncpus * pa.pcp_zones; n++)
		vm_lock_init(&pa.pcp[n].lock, "pcp", VM_RANK_PCP);
	return 0;
}

void pcp_exit(void)
{
	unsigned int n;

	if (!pa.pcp)
		return;
	for (n = 0; n < pa.ncpus * pa.pcp_zones; n++)
		vm_lock_destroy(&pa.pcp[n].lock);
	vm_plat->meta_free(vm_plat->ctx, pa.pcp, pa.pcp_bytes);
	pa.pcp = NULL;
}

unsigned long pcp_nr_free(const struct zone *z)
{
	unsigned long sum = 0;
	unsigned int c;

	for (c = 0; c < pa.ncpus; c++)
		sum += vm_counter_read(&pcp_of(c, z)->count);
	return sum;
}

/* Every frame on a CPU list is flagged so, in its zone, in order. */
static int check_locked(struct pcp *l, const struct zone *z)
{
	unsigned long i;

	vm_lock_assert_held(&l->lock);
	if (l->count > PCP_HIGH)
		return -1;
	for (i = 0; i < l->count; i++) {
		uint32_t idx = l->frame[i];
		unsigned long pfn = pa.base_pfn + idx;

		if (idx >= pa.nr_frames ||
		    (pg_flags(idx_page(idx)) & ~PG_zero) != PG_pcp ||
		    idx_page(idx)->refcount || pfn < z->start_pfn ||
		    pfn >= zone_grown(z) || (i && l->frame[i - 1] <= idx))
			return -1;
	}
	return 0;
}

int pcp_check(void)
{
	unsigned int n, z, c;
	int bad = 0;

	for (c = 0; c < pa.ncpus; c++) {
		for (n = 0; n < pa.nr_nodes; n++) {
			for (z = 0; z < 2; z++) {
				struct pcp *l = pcp_of(c, &pa.zones[n][z]);

				vm_lock(&l->lock);
				if (check_locked(l, &pa.zones[n][z]))
					bad = -VM_EUCLEAN;
				vm_unlock(&l->lock);
				if (bad) {
					vm_bug("page allocator: cpu %u list of zone %u/%u inconsistent",
					       c, n, z);
					return bad;
				}
			}
		}
	}
	return 0;
}
