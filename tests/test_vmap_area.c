/* SPDX-License-Identifier: MIT */
/*
 * The address-space allocator against a brute-force oracle. The oracle is
 * a sorted array of occupied ranges (busy and lazily freed); for every
 * request it scans the gaps for the lowest aligned fit inside the window,
 * and it models the lazy purge (a full range purges once and retries, a
 * lazy backlog above the threshold purges). The library must place every
 * area exactly where the oracle says, refuse exactly when the oracle does,
 * and pass its sanity walk.
 */
#include "harness.h"

#define RANGE_PAGES	4096UL		/* 16 MiB: exhaustion happens */
#define LAZY_MAX	256UL
#define MAX_LIVE	1024

struct range {
	unsigned long start, end;	/* guard included */
	bool lazy;
	bool mapped;
	void *handle;			/* vm_struct (KVA) or address (mapped) */
};

static struct range occ[4 * MAX_LIVE];
static int nocc;
static unsigned long lazy_pages;
static unsigned long base, top;

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void occ_add(struct range r)
{
	ASSERT_LT(nocc, (int)(sizeof(occ) / sizeof(occ[0])));
	occ[nocc++] = r;
	qsort(occ, (size_t)nocc, sizeof(occ[0]), cmp_range);
}

static void occ_del(int i)
{
	memmove(&occ[i], &occ[i + 1], (size_t)(nocc - i - 1) * sizeof(occ[0]));
	nocc--;
}

static void model_purge(void)
{
	int i;

	for (i = nocc - 1; i >= 0; i--)
		if (occ[i].lazy)
			occ_del(i);
	lazy_pages = 0;
}

/* The lowest aligned fit for @size in [vs, ve), or 0. */
static unsigned long model_fit(unsigned long size, unsigned long align,
			       unsigned long vs, unsigned long ve)
{
	unsigned long gap_start = base;
	int i;

	for (i = 0; i <= nocc; i++) {
		unsigned long gap_end = i < nocc ? occ[i].start : top;
		unsigned long lo = gap_start > vs ? gap_start : vs;
		unsigned long hi = gap_end < ve ? gap_end : ve;
		unsigned long a = (lo + align - 1) & ~(align - 1);

		if (a >= lo && a < hi && hi - a >= size)
			return a;
		if (i < nocc)
			gap_start = occ[i].end;
	}
	return 0;
}

/* Where the library must put it: with a purge-and-retry when full. */
static unsigned long model_place(unsigned long size, unsigned long align,
				 unsigned long vs, unsigned long ve)
{
	unsigned long a = model_fit(size, align, vs, ve);

	if (!a && lazy_pages) {
		model_purge();
		a = model_fit(size, align, vs, ve);
	}
	return a;
}

static void model_free(int i)
{
	if (!occ[i].mapped) {
		occ_del(i);
		return;
	}
	occ[i].lazy = true;
	lazy_pages += (occ[i].end - occ[i].start) >> PAGE_SHIFT;
	if (lazy_pages > LAZY_MAX)
		model_purge();
}

static void check_stats(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long busy = 0;
	int i;

	for (i = 0; i < nocc; i++)
		busy += !occ[i].lazy;
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.vmap_areas, busy);
	ASSERT_EQ(st.lazy_pages, lazy_pages);
}

static void run(unsigned long ops)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64,
				      .vmalloc_size_mb = RANGE_PAGES * PAGE_SIZE >> 20,
				      .lazy_max_pages = LAZY_MAX,
				      .no_fast_path = true, .quiet = true };
	unsigned long i, placed = 0, refused = 0;

	vt_seed();
	vt_init_cfg(&cfg);
	base = VMALLOC_START;
	top = VMALLOC_END;
	nocc = 0;
	lazy_pages = 0;
	for (i = 0; i < ops; i++) {
		unsigned int op = (unsigned int)vt_below(100);
		int live = 0, k;

		for (k = 0; k < nocc; k++)
			live += !occ[k].lazy;
		if (op < 55 && live < MAX_LIVE) {
			bool mapped = vt_below(3) == 0;
			unsigned long pages = vt_below(8) ? 1 + vt_below(8) :
					      1 + vt_below(300);
			unsigned long align = PAGE_SIZE << (vt_below(4) ? 0 : vt_below(9));
			unsigned long vs = base, ve = top, expect;
			void *handle;

			if (vt_below(3) == 0) {
				vs = base + vt_below(RANGE_PAGES) * PAGE_SIZE;
				ve = vs + (1 + vt_below(RANGE_PAGES / 4)) * PAGE_SIZE;
				if (ve > top)
					ve = top;
			}
			expect = model_place((pages + 1) * PAGE_SIZE, align, vs, ve);
			if (mapped) {
				handle = __vmalloc_node_range(pages * PAGE_SIZE, align,
							      vs, ve,
							      GFP_KERNEL | __GFP_NOWARN,
							      PAGE_KERNEL, 0, -1, NULL);
			} else {
				struct vm_struct *vm = __get_vm_area_aligned(
					pages * PAGE_SIZE, align, VM_ALLOC, vs, ve, NULL);

				handle = vm;
				if (vm)
					ASSERT_EQ(vm->size, (pages + 1) * PAGE_SIZE);
			}
			if (!expect) {
				ASSERT_NULL(handle);
				refused++;
			} else {
				unsigned long got;

				ASSERT_NONNULL(handle);
				got = mapped ? (unsigned long)handle :
				      (unsigned long)((struct vm_struct *)handle)->addr;
				if (got != expect)
					vt_fail(__FILE__, __LINE__,
						"op %lu: %lu pages align %lx window %lx-%lx: got %lx, oracle %lx",
						i, pages, align, vs, ve, got, expect);
				occ_add((struct range){ expect,
					expect + (pages + 1) * PAGE_SIZE, false,
					mapped, handle });
				placed++;
			}
		} else if (op < 97 && live) {
			int pick = (int)vt_below((uint64_t)live), idx = -1;

			for (k = 0; k < nocc; k++)
				if (!occ[k].lazy && pick-- == 0) {
					idx = k;
					break;
				}
			ASSERT_GE(idx, 0);
			if (occ[idx].mapped)
				vfree(occ[idx].handle);
			else
				free_vm_area(occ[idx].handle);
			model_free(idx);
		} else {
			vm_unmap_aliases();
			model_purge();
		}
		if (i % 64 == 0) {
			check_stats();
			ASSERT_SANE();
		}
	}
	check_stats();
	ASSERT_SANE();
	printf("# %lu ops: %lu placed as the oracle said, %lu refused as it said\n",
	       ops, placed, refused);
	while (nocc) {
		for (i = 0; i < (unsigned long)nocc && occ[i].lazy; i++)
			;
		if (i == (unsigned long)nocc)
			break;
		if (occ[i].mapped)
			vfree(occ[i].handle);
		else
			free_vm_area(occ[i].handle);
		model_free((int)i);
	}
	vm_unmap_aliases();
	model_purge();
	check_stats();
	ASSERT_SANE();
}

TEST(placement_matches_the_brute_force_oracle)
{
	run(vt_long() ? 300000 : 20000);
}

TEST(fit_cases_whole_left_right_middle)
{
	unsigned long s;
	struct vm_struct *a, *b, *c, *d, *e;

	vt_init_strict(16);
	s = VMALLOC_START;
	a = __get_vm_area(PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);		/* [0,2) */
	b = __get_vm_area(3 * PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);	/* [2,6) */
	c = __get_vm_area(PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);		/* [6,8) */
	ASSERT_NONNULL(c);
	free_vm_area(b);			/* hole [2,6) */
	/* whole block */
	d = __get_vm_area(3 * PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);
	ASSERT_EQ((unsigned long)d->addr, s + 2 * PAGE_SIZE);
	free_vm_area(d);
	/* left edge */
	d = __get_vm_area(PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);
	ASSERT_EQ((unsigned long)d->addr, s + 2 * PAGE_SIZE);
	free_vm_area(d);
	/* right edge: a window that starts inside the hole */
	d = __get_vm_area(PAGE_SIZE, VM_ALLOC, s + 4 * PAGE_SIZE, VMALLOC_END);
	ASSERT_EQ((unsigned long)d->addr, s + 4 * PAGE_SIZE);
	/* middle: with [4,6) taken, [2,4) is left; then split [8, ...) */
	e = __get_vm_area(PAGE_SIZE, VM_ALLOC, s + 10 * PAGE_SIZE, VMALLOC_END);
	ASSERT_EQ((unsigned long)e->addr, s + 10 * PAGE_SIZE);
	free_vm_area(d);
	d = __get_vm_area(PAGE_SIZE, VM_ALLOC, s, VMALLOC_END);
	ASSERT_EQ((unsigned long)d->addr, s + 2 * PAGE_SIZE);
	ASSERT_SANE();
	free_vm_area(a);
	free_vm_area(c);
	free_vm_area(d);
	free_vm_area(e);
	ASSERT_SANE();
}

TEST(huge_alignments_fail_cleanly_and_leave_nothing)
{
	struct vt_snap s0;
	unsigned int shift;
	unsigned long ok = 0;

	vt_init(16, 1);
	s0 = vt_snap();
	for (shift = 0; shift < 64; shift++) {
		struct vm_struct *vm = __get_vm_area_aligned(PAGE_SIZE, 1UL << shift,
							    VM_ALLOC, VMALLOC_START,
							    VMALLOC_END, NULL);
		void *p = __vmalloc_node_range(PAGE_SIZE, 1UL << shift,
					       VMALLOC_START, VMALLOC_END,
					       GFP_KERNEL | __GFP_NOWARN,
					       PAGE_KERNEL, 0, -1, NULL);

		if (vm) {
			ASSERT_EQ((unsigned long)vm->addr & ((1UL << shift) - 1), 0);
			free_vm_area(vm);
			ok++;
		}
		if (p) {
			ASSERT_EQ((unsigned long)p & ((1UL << shift) - 1), 0);
			vfree(p);
		}
	}
	/* Alignments up to the range's own alignment can succeed. */
	ASSERT_GE(ok, 13);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
