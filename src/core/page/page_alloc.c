/* SPDX-License-Identifier: MIT */
/*
 * The page allocator's interface: frames and their reference counts,
 * zonelists, allocation and freeing over the zones (buddy.c) and the
 * per-CPU lists (pcp.c), counts and the sanity walk.
 *
 * Every free first drops a reference with one atomic step (put_ref) and
 * only the call that took the count to zero touches the lists; reports
 * of bad frees are logged at once, before any list lock is taken.
 */
#include "page/page_internal.h"

struct page_alloc pa __vm_cacheline;

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

struct page *pa_pfn_page(unsigned long pfn)
{
	if (pfn < pa.base_pfn || pfn - pa.base_pfn >= pa.nr_frames)
		return NULL;
	return idx_page(pfn - pa.base_pfn);
}

struct page *pa_pfn_page_present(unsigned long pfn)
{
	struct page *p = pa_pfn_page(pfn);

	if (!p || pfn >= zone_grown(pfn_zone(pfn)))
		return NULL;
	return p;
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

struct page *pa_virt_page(const void *addr)
{
	uintptr_t a = (uintptr_t)addr, d = (uintptr_t)pa.direct;

	if (!pa.direct || a < d || (a - d) / PAGE_SIZE >= pa.nr_frames)
		return NULL;
	return pa_pfn_page_present(pa.base_pfn + (a - d) / PAGE_SIZE);
}

bool pa_page_allocated(const struct page *page)
{
	return pa_valid_page(page) && (pg_flags(page) & (PG_head | PG_tail));
}

int pa_page_nid(const struct page *page)
{
	return pfn_zone(pa_page_pfn(page))->nid;
}

/* ------------------------------------------------------------------ */
/* Reference counts                                                    */
/* ------------------------------------------------------------------ */

enum put_result { PUT_KEPT, PUT_LAST, PUT_BAD };

/*
 * Drop one reference: the one atomic step that decides who frees. Of
 * two racing frees of a frame with one reference, exactly one sees
 * PUT_LAST; the other sees a count of zero: PUT_BAD.
 */
static enum put_result put_ref(struct page *p)
{
	uint32_t old = __atomic_load_n(&p->refcount, __ATOMIC_RELAXED);

	do {
		if (!old)
			return PUT_BAD;
	} while (!__atomic_compare_exchange_n(&p->refcount, &old, old - 1,
					      false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	return old == 1 ? PUT_LAST : PUT_KEPT;
}

/*
 * The head of the allocated block holding @p, or NULL when @p is not
 * allocated. A block of order k has its head at @p's index rounded down
 * to 2^k; below that rounding, every frame of the block is a tail.
 */
static struct page *head_of(struct page *p)
{
	unsigned long idx = page_idx(p);
	unsigned int o;

	if (pg_flags(p) & PG_head)
		return p;
	if (!(pg_flags(p) & PG_tail))
		return NULL;
	for (o = 1; o < MAX_ORDER; o++) {
		struct page *q = idx_page(idx & ~((1UL << o) - 1));

		if ((pg_flags(q) & PG_head) && pg_order(q) >= o)
			return q;
	}
	return NULL;
}

static void report_bad(const struct page *p, unsigned int order)
{
	vm_warn("Bad page state: pfn 0x%lx flags 0x%x count %u freed as order %u",
		pa_page_pfn(p), pg_flags(p),
		__atomic_load_n(&p->refcount, __ATOMIC_RELAXED), order);
}

/* ------------------------------------------------------------------ */
/* Zone lists                                                          */
/* ------------------------------------------------------------------ */

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
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

static void zero_frames(struct page *head, unsigned long n)
{
	vm_memset(pa_page_address(head), 0, n * PAGE_SIZE);
}

/*
 * pa_alloc, and pa_alloc_lasting (@lasting): a single frame from the
 * zone's free lists instead of this CPU's list.
 */
static inline __attribute__((always_inline)) struct page *
alloc_block(int nid, gfp_t gfp, unsigned int order, unsigned int site,
	    bool lasting)
{
	struct zone *zl[ZONELIST_MAX];
	struct page *p = NULL;
	bool zero = false;
	int nz, i;

	if (order >= MAX_ORDER)
		return NULL;
	if (vm_fault_should_fail(site))
		goto fail;
	nz = build_zonelist(nid, gfp, zl);
	if (!order && !lasting) {
		if (pcp_alloc(zl, nz, 1, &p) == 0) {
			zero = (uintptr_t)p & ZERO_TAG;
			p = untag(p);
		}
	}
	for (i = 0; (order || lasting) && i < nz && !p; i++) {
		long idx = zone_alloc_block(zl[i], order, &zero);

		/* Single frames on CPU lists may complete a block. */
		if (idx < 0 && pcp_drain_zone(zl[i]))
			idx = zone_alloc_block(zl[i], order, &zero);
		if (idx >= 0)
			p = idx_page((unsigned long)idx);
	}
	if (!p)
		goto fail;
	if ((gfp & __GFP_ZERO) && !zero)
		zero_frames(p, 1UL << order);
	return p;
fail:
	if (!(gfp & __GFP_NOWARN))
		vm_log(VM_LOG_WARNING,
		       "page allocation failure. order:%u, mode:0x%x",
		       order, gfp);
	return NULL;
}

struct page *pa_alloc(int nid, gfp_t gfp, unsigned int order,
		      unsigned int site)
{
	return alloc_block(nid, gfp, order, site, false);
}

struct page *pa_alloc_lasting(int nid, gfp_t gfp, unsigned int site)
{
	return alloc_block(nid, gfp, 0, site, true);
}

/* Move v[i] down the heap v[0 .. n), past each larger child. */
static void sift_down(uintptr_t *v, unsigned long i, unsigned long n)
{
	for (;;) {
		unsigned long c = 2 * i + 1;
		uintptr_t t;

		if (c >= n)
			return;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[i] >= v[c])
			return;
		t = v[i];
		v[i] = v[c];
		v[c] = t;
		i = c;
	}
}

/*
 * Sort a bulk take by frame. The struct pages are one array in frame
 * order, so their addresses sort as the frames do; the ZERO_TAG bit
 * cannot change the order of two distinct pages. A take is usually
 * sorted already (one block, or blocks split off one larger block in
 * ascending order): then this is one pass. Otherwise a heapsort: in
 * place, O(n log n), no recursion.
 */
static void sort_frames(struct page **out, unsigned long n)
{
	uintptr_t *v = (uintptr_t *)out, t;
	unsigned long i;

	for (i = 1; i < n && v[i - 1] < v[i]; i++)
		;
	if (i >= n)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (i = n; i-- > 1;) {
		t = v[0];
		v[0] = v[i];
		v[i] = t;
		sift_down(v, 0, i);
	}
}

int pa_alloc_bulk(int nid, gfp_t gfp, unsigned long n, struct page **out,
		  bool sorted)
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
		/*
		 * Whole blocks of the sizes asked for, so that the frames
		 * are runs: first from the zone's free lists, then after
		 * giving this CPU's list back when it holds at least as many
		 * frames as are missing (single frames freed one by one
		 * wait there, and may complete a block); only then smaller
		 * blocks, growing the zone when it is short. A large take
		 * leaves the list alone: it would only empty it before the
		 * zone grows (a log hook called from the growth allocates).
		 */
		got = zone_bulk(zl[z], got, n, out, ZB_WHOLE);
		if (got < n && pcp_drain_local(zl[z], n - got))
			got = zone_bulk(zl[z], got, n, out, ZB_WHOLE);
		if (got < n)
			got = zone_bulk(zl[z], got, n, out, ZB_GROW);
		/* Free frames may wait on CPU lists: before the next zone. */
		if (got < n && pcp_drain_zone(zl[z]))
			got = zone_bulk(zl[z], got, n, out, 0);
	}
	if (got == n && sorted)
		sort_frames(out, n);
	for (i = 0; i < got; i++) {
		uintptr_t v = (uintptr_t)out[i];

		out[i] = untag(out[i]);
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

/* ------------------------------------------------------------------ */
/* Freeing                                                             */
/* ------------------------------------------------------------------ */

/* Give a block whose count reached zero back to its zone. */
static void free_block(struct page *head, unsigned int order)
{
	unsigned long i, idx = page_idx(head);
	struct zone *z;

	if (!order) {
		pcp_free(&head, 1);
		return;
	}
	z = pfn_zone(pa_page_pfn(head));
	vm_lock(&z->lock);
	for (i = 0; i < (1UL << order); i++)
		pg_set(idx_page(idx + i), 0);
	zone_free_block_locked(z, pa_page_pfn(head), order, false);
	vm_unlock(&z->lock);
	zone_maybe_trim(z);
}

/* Single frames at count zero straight to their zones (large frees). */
static void free_to_zones(struct page *const *frames, unsigned long n)
{
	struct zone_set touched = { .n = 0 };
	struct zone *locked = NULL;
	unsigned long i;

	for (i = 0; i < n; i++) {
		unsigned long pfn = pa_page_pfn(frames[i]);
		struct zone *z = pfn_zone(pfn);

		if (z != locked) {
			if (locked)
				vm_unlock(&locked->lock);
			vm_lock(&z->lock);
			locked = z;
			zone_set_add(&touched, z);
		}
		pg_set(frames[i], 0);
		zone_free_block_locked(z, pfn, 0, false);
	}
	if (locked)
		vm_unlock(&locked->lock);
	zone_set_trim(&touched);
}

/* Is @p the allocated head of a block of @order (its own state only)? */
static bool freeable(const struct page *p, unsigned int order)
{
	return (pg_flags(p) & (PG_head | PG_buddy | PG_tail | PG_pcp |
			       PG_offline)) == PG_head &&
	       pg_order(p) == order;
}

/* Drop a reference to the block headed by @head; the last one frees it. */
static void put_block(struct page *head, unsigned int order)
{
	switch (put_ref(head)) {
	case PUT_BAD:
		report_bad(head, order);
		break;
	case PUT_LAST:
		free_block(head, order);
		break;
	case PUT_KEPT:
		break;
	}
}

void pa_free(struct page *page, unsigned int order)
{
	if (!pa_valid_page(page) || order >= MAX_ORDER) {
		vm_warn("Bad page: %p freed as order %u", (void *)page, order);
		return;
	}
	if (!freeable(page, order)) {
		report_bad(page, order);
		return;
	}
	put_block(page, order);
}

#define FREE_CHUNK	64

void pa_free_bulk(struct page *const *pages, unsigned long n)
{
	struct page *chunk[FREE_CHUNK];
	unsigned long i, k = 0;

	for (i = 0; i < n; i++) {
		struct page *p = pages[i];

		if (!pa_valid_page(p)) {
			vm_warn("Bad page: %p in bulk free", (void *)p);
			continue;
		}
		if (!freeable(p, 0)) {
			report_bad(p, 0);
			continue;
		}
		switch (put_ref(p)) {
		case PUT_BAD:
			report_bad(p, 0);
			continue;
		case PUT_KEPT:
			continue;
		case PUT_LAST:
			break;
		}
		chunk[k++] = p;
		if (k == FREE_CHUNK) {
			free_to_zones(chunk, k);	/* n > PCP_MAX_REQ */
			k = 0;
		}
	}
	/* A few frames go to this CPU's lists, with no zone lock. */
	if (k && n <= PCP_MAX_REQ)
		pcp_free(chunk, k);
	else if (k)
		free_to_zones(chunk, k);
}

void pa_split(struct page *head, unsigned int order)
{
	unsigned long i, idx;

	if (!pa_valid_page(head) || order >= MAX_ORDER || !freeable(head, order) ||
	    __atomic_load_n(&head->refcount, __ATOMIC_RELAXED) != 1) {
		vm_bug("split_page: pfn 0x%lx is not a block of order %u with one reference",
		       pa_valid_page(head) ? pa_page_pfn(head) : 0UL, order);
		return;
	}
	/* Nobody else knows the tails: plain relaxed stores suffice. */
	idx = page_idx(head);
	for (i = 1; i < (1UL << order); i++) {
		pg_set_ref(idx_page(idx + i), 1);
		pg_set(idx_page(idx + i), PG_head);
	}
	pg_set(head, PG_head);
}

bool pa_get(struct page *page)
{
	struct page *head = pa_valid_page(page) ? head_of(page) : NULL;
	uint32_t old;

	if (!head) {
		vm_warn("get_page: %p is not an allocated page", (void *)page);
		return false;
	}
	old = __atomic_load_n(&head->refcount, __ATOMIC_RELAXED);
	do {
		if (!old || old == UINT32_MAX) {
			vm_warn("get_page: pfn 0x%lx has count %u",
				pa_page_pfn(head), old);
			return false;
		}
	} while (!__atomic_compare_exchange_n(&head->refcount, &old, old + 1,
					      false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

void pa_put(struct page *page)
{
	struct page *head = pa_valid_page(page) ? head_of(page) : NULL;

	if (!head) {
		vm_warn("put_page: %p is not an allocated page", (void *)page);
		return;
	}
	put_block(head, pg_order(head));
}

unsigned int pa_count(const struct page *page)
{
	struct page *head;

	if (!pa_valid_page(page))
		return 0;
	head = head_of((struct page *)page);
	return head ? __atomic_load_n(&head->refcount, __ATOMIC_RELAXED) : 0;
}

/* ------------------------------------------------------------------ */
/* Set-up, counters, sanity                                            */
/* ------------------------------------------------------------------ */

int pa_init(unsigned long reserve_pages)
{
	unsigned int n;

	vm_memset(&pa, 0, sizeof(pa));
	pa.base_pfn = vm_plat->base_pfn;
	pa.nr_frames = vm_plat->nr_frames;
	pa.direct = vm_plat->direct_map;
	pa.nr_nodes = vm_plat->nr_nodes;
	pa.node_frames = pa.nr_frames / pa.nr_nodes;
	pa.reserve = reserve_pages;
	pa.memmap_bytes = pa.nr_frames * sizeof(struct page);
	pa.memmap = vm_plat->meta_alloc(vm_plat->ctx, pa.memmap_bytes);
	if (!pa.memmap)
		return -VM_ENOMEM;
	if (pcp_init()) {
		vm_plat->meta_free(vm_plat->ctx, pa.memmap, pa.memmap_bytes);
		pa.memmap = NULL;
		return -VM_ENOMEM;
	}
	for (n = 0; n < pa.nr_nodes; n++) {
		unsigned long s = pa.base_pfn + n * pa.node_frames;
		unsigned long e = n + 1 == pa.nr_nodes ?
				  pa.base_pfn + pa.nr_frames : s + pa.node_frames;
		unsigned long mid = vm_max(s, vm_min(e, DMA32_PFN_LIMIT));

		zone_init(&pa.zones[n][0], (int)n, true, s, mid);
		zone_init(&pa.zones[n][1], (int)n, false, mid, e);
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
			zone_exit(&pa.zones[n][z]);
	pcp_exit();
	vm_plat->meta_free(vm_plat->ctx, pa.memmap, pa.memmap_bytes);
	pa.memmap = NULL;
}

static unsigned long nr_free(int nid, bool grown_only)
{
	unsigned long sum = 0;
	unsigned int n, z;

	for (n = 0; n < pa.nr_nodes; n++) {
		if (nid >= 0 && (unsigned int)nid != n)
			continue;
		for (z = 0; z < 2; z++) {
			struct zone *zn = &pa.zones[n][z];

			sum += vm_counter_read(&zn->nr_free) +
			       (grown_only ? 0 : zn->end_pfn - zone_grown(zn)) +
			       pcp_nr_free(zn);
		}
	}
	return sum;
}

unsigned long pa_nr_free(int nid)
{
	return nr_free(nid, false);
}

unsigned long pa_nr_free_grown(int nid)
{
	return nr_free(nid, true);
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

int pa_check(void)
{
	unsigned int n, z;
	int bad;

	bad = pcp_check();
	for (n = 0; n < pa.nr_nodes && !bad; n++) {
		for (z = 0; z < 2 && !bad; z++) {
			struct zone *zn = &pa.zones[n][z];

			vm_lock(&zn->lock);
			bad = zone_check_locked(zn) ? -VM_EUCLEAN : 0;
			vm_unlock(&zn->lock);
			if (bad)
				vm_bug("page allocator: zone %u/%u inconsistent",
				       n, z);
		}
	}
	return bad;
}
