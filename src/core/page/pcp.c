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
 * Locking: a list's lock (rank PCP) is taken before its zone's lock (rank
 * ZONE) when frames move between them; growth of a zone happens with no
 * list lock held.
 */
#include "page/page_internal.h"

#define PCP_BATCH	32
#define PCP_HIGH	256

static inline struct pcp *pcp_of(unsigned int cpu, const struct zone *z)
{
	return &pa.pcp[cpu * NR_ZONES + (unsigned int)(z - &pa.zones[0][0])];
}

/* Push a free frame (refcount 0) onto list @l. */
static inline void push_locked(struct pcp *l, struct page *p, bool zero)
{
	vm_lock_assert_held(&l->lock);
	pg_set(p, PG_pcp | (zero ? PG_zero : 0));
	p->next = l->head;
	l->head = (uint32_t)page_idx(p);
	vm_counter_add_locked(&l->count, 1);
}

/*
 * Take the first frame off list @l, still free (PG_pcp, refcount 0):
 * __free_page() reads a frame's state without this lock, so a frame on
 * its way back to its zone must never look allocated, not even for a
 * moment, or a racing second free of it is taken for a legal one.
 */
static inline struct page *unlink_locked(struct pcp *l, bool *zero)
{
	struct page *p = idx_page(l->head);

	vm_lock_assert_held(&l->lock);
	l->head = p->next;
	vm_counter_add_locked(&l->count, -1);
	*zero = pg_flags(p) & PG_zero;
	p->next = PA_NONE;
	return p;
}

/* Pop the first frame, marked allocated (refcount 1). */
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
	n = zone_bulk_locked(z, 0, PCP_BATCH, got, true);
	vm_unlock(&z->lock);
	/* Pushed last first: they pop in ascending order, as runs. */
	for (i = n; i-- > 0;)
		push_locked(l, untag(got[i]), (uintptr_t)got[i] & ZERO_TAG);
}

/* Give @n frames of list @l back to zone @z. */
static void drain_locked(struct pcp *l, struct zone *z, unsigned long n)
{
	vm_lock_assert_held(&l->lock);
	vm_lock(&z->lock);
	while (n-- && l->count) {
		bool zero;
		struct page *p = unlink_locked(l, &zero);

		pg_set(p, 0);
		zone_free_block_locked(z, pa.base_pfn + page_idx(p), 0, zero);
	}
	vm_unlock(&z->lock);
}

bool pcp_drain_zone(struct zone *z)
{
	bool moved = false;
	unsigned int c;

	for (c = 0; c < pa.ncpus; c++) {
		struct pcp *l = pcp_of(c, z);

		if (!vm_counter_read(&l->count))
			continue;
		vm_lock(&l->lock);
		moved |= l->count != 0;
		drain_locked(l, z, l->count);
		vm_unlock(&l->lock);
	}
	return moved;
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
	pa.pcp_bytes = pa.ncpus * NR_ZONES * sizeof(struct pcp);
	pa.pcp = vm_plat->meta_alloc(vm_plat->ctx, pa.pcp_bytes);
	if (!pa.pcp)
		return -VM_ENOMEM;
	for (n = 0; n < pa.ncpus * NR_ZONES; n++) {
		pa.pcp[n].head = PA_NONE;
		vm_lock_init(&pa.pcp[n].lock, "pcp", VM_RANK_PCP);
	}
	return 0;
}

void pcp_exit(void)
{
	unsigned int n;

	if (!pa.pcp)
		return;
	for (n = 0; n < pa.ncpus * NR_ZONES; n++)
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

/* Every frame on a CPU list is flagged so, in its zone, counted. */
static int check_locked(struct pcp *l, const struct zone *z)
{
	unsigned long cnt = 0;
	uint32_t idx;

	vm_lock_assert_held(&l->lock);
	for (idx = l->head; idx != PA_NONE; idx = idx_page(idx)->next) {
		unsigned long pfn = pa.base_pfn + idx;

		if ((pg_flags(idx_page(idx)) & ~PG_zero) != PG_pcp ||
		    idx_page(idx)->refcount || pfn < z->start_pfn ||
		    pfn >= zone_grown(z) || ++cnt > l->count)
			return -1;
	}
	return cnt == l->count ? 0 : -1;
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
