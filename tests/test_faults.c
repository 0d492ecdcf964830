/* SPDX-License-Identifier: MIT */
/*
 * The fault-injection sweep: every public operation that can fail is run
 * once per failure point. For k = 1, 2, ... the k-th attempt at any
 * injection site (frames, page tables, metadata, the host engine's system
 * calls) fails; the operation must then return its error, and frames,
 * live areas, page-table pages, metadata and host mappings must all be
 * back at their baseline with the sanity walk passing. An operation that
 * still succeeds (it made fewer than k attempts, or recovered) is undone
 * and checked the same way. The sweep of an operation ends when a run
 * makes fewer than k attempts: every point has been failed once.
 */
#include "harness.h"

/*
 * One operation: set up what it needs (may be NULL), do it (true on
 * success), undo a success, and tear the set-up down.
 */
struct op {
	const char *name;
	bool (*run)(void);
	void (*undo)(void);
	void (*setup)(void);
	void (*teardown)(void);
};

static void *res;			/* what the last run produced */
static struct page *pgs[64];		/* pages held for vmap/map_vm_area */
static struct vm_struct *area;		/* an area held for map_vm_area */
static struct vm_area_struct vma;	/* a user range for remap */
static unsigned long total_points, total_failed;

static bool do_vmalloc_1(void) { return (res = vmalloc(PAGE_SIZE)) != NULL; }
static bool do_vmalloc_4(void) { return (res = vmalloc(4 * PAGE_SIZE)) != NULL; }
static bool do_vmalloc_big(void) { return (res = vmalloc(700 * PAGE_SIZE)) != NULL; }
static bool do_vzalloc(void) { return (res = vzalloc(9 * PAGE_SIZE)) != NULL; }
static bool do_vmalloc_user(void) { return (res = vmalloc_user(3 * PAGE_SIZE)) != NULL; }
static bool do_vmalloc_node(void) { return (res = vmalloc_node(6 * PAGE_SIZE, 1)) != NULL; }
static bool do_vmalloc_exec(void) { return (res = vmalloc_exec(2 * PAGE_SIZE)) != NULL; }
static bool do_vmalloc_32(void) { return (res = vmalloc_32(5 * PAGE_SIZE)) != NULL; }
static bool do_vmalloc_32_user(void) { return (res = vmalloc_32_user(PAGE_SIZE)) != NULL; }
static bool do___vmalloc(void)
{
	return (res = __vmalloc(20 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO,
				PAGE_KERNEL_RO)) != NULL;
}
/* get_vm_area + __vmalloc_area: a failure of the second frees the area. */
static bool do_vmalloc_area(void)
{
	struct vm_struct *a = get_vm_area(600 * PAGE_SIZE, VM_ALLOC);

	return a && (res = __vmalloc_area_node(a, GFP_KERNEL, PAGE_KERNEL, 1)) != NULL;
}

static bool do_node_range(void)
{
	return (res = __vmalloc_node_range(3 * PAGE_SIZE, 16 * PAGE_SIZE,
					   VMALLOC_START, VMALLOC_END,
					   GFP_KERNEL, PAGE_KERNEL, VM_USERMAP,
					   0, NULL)) != NULL;
}
static void undo_vfree(void) { vfree(res); }

static bool do_vmap(void) { return (res = vmap(pgs, 64, VM_MAP, PAGE_KERNEL)) != NULL; }
static bool do_vmap_1(void) { return (res = vmap(pgs, 1, VM_MAP, PAGE_KERNEL)) != NULL; }
static void undo_vunmap(void) { vunmap(res); }

static bool do_get_vm_area(void) { return (res = get_vm_area(5 * PAGE_SIZE, VM_ALLOC)) != NULL; }
static bool do_get_vm_area_1(void) { return (res = get_vm_area(PAGE_SIZE, VM_MAP)) != NULL; }
static bool do_get_vm_area_node(void)
{
	return (res = get_vm_area_node(2 * PAGE_SIZE, VM_IOREMAP, 0,
				       GFP_KERNEL)) != NULL;
}
static bool do___get_vm_area(void)
{
	return (res = __get_vm_area(3 * PAGE_SIZE, VM_ALLOC, VMALLOC_START,
				    VMALLOC_END)) != NULL;
}
static bool do_get_vm_area_caller(void)
{
	return (res = __get_vm_area_aligned(PAGE_SIZE, 1UL << 20, VM_ALLOC,
					   VMALLOC_START, VMALLOC_END,
					   NULL)) != NULL;
}
static bool do_alloc_vm_area(void) { return (res = alloc_vm_area(3 * PAGE_SIZE)) != NULL; }
static void undo_free_vm_area(void) { free_vm_area(res); }

static bool do_map_vm_area(void)
{
	struct page **cur = pgs;

	return map_vm_area(area, PAGE_KERNEL, &cur) == 0;
}
static void undo_map_vm_area(void)
{
	unmap_kernel_range((unsigned long)area->addr, area->size - PAGE_SIZE);
}

static bool do_remap(void)
{
	return remap_vmalloc_range(&vma, area->addr, 0) == 0;
}
static void undo_remap(void)
{
	/* The user range is the caller's: releasing it unmaps all. */
}

/* Today's kernel API. */
static bool do___vmalloc_today(void)
{
	return (res = __vmalloc(7 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO)) != NULL;
}
static bool do___vmalloc_node(void)
{
	return (res = __vmalloc_node(5 * PAGE_SIZE, 1UL << 16, GFP_KERNEL, 1,
				     NULL)) != NULL;
}
static bool do_vcalloc(void) { return (res = vcalloc(1000, 40)) != NULL; }
static bool do_vmalloc_huge(void) { return (res = vmalloc_huge(2UL << 20, GFP_KERNEL)) != NULL; }
static bool do_no_guard(void)
{
	return (res = __vmalloc_node_range(3 * PAGE_SIZE, 1, VMALLOC_START,
					   VMALLOC_END, GFP_KERNEL, PAGE_KERNEL,
					   VM_NO_GUARD | VM_FLUSH_RESET_PERMS,
					   NUMA_NO_NODE, NULL)) != NULL;
}
static bool do_vmap_pfn(void)
{
	unsigned long pfns[64];
	int i;

	for (i = 0; i < 64; i++)
		pfns[i] = page_to_pfn(pgs[63 - i]);
	return (res = vmap_pfn(pfns, 64, PAGE_KERNEL)) != NULL;
}
static bool do_sparse_map(void)
{
	unsigned long a = (unsigned long)area->addr;

	return vm_area_map_pages(area, a + 8 * PAGE_SIZE, a + 40 * PAGE_SIZE,
				 pgs) == 0;
}
static void undo_sparse_map(void)
{
	unsigned long a = (unsigned long)area->addr;

	vm_area_unmap_pages(area, a + 8 * PAGE_SIZE, a + 40 * PAGE_SIZE);
}

static bool do_alloc_pages(void) { return (res = alloc_pages(GFP_KERNEL, 3)) != NULL; }
static void undo_alloc_pages(void) { __free_pages(res, 3); }

/*
 * Sweep one operation. Every run starts on a fresh instance, so that the
 * k-th attempt is the same point each time (warm stocks would otherwise
 * shorten later runs). A failed run must leave everything as it found it
 * but the page tables it installed, which stay (as in the kernel: at most
 * what its largest mapping, SWEEP_MAP_BYTES, needs); a successful one (the
 * k-th attempt was absorbed, e.g. by a batch refill that got part of its
 * batch) is undone.
 */
#define SWEEP_MAP_BYTES	(4UL << 20)	/* 700 pages and a page array */
static void sweep(const struct op *op, unsigned int nodes)
{
	unsigned long k, attempts = 0, failed = 0;

	for (k = 1;; k++) {
		struct vt_snap base;
		bool ok;

		vmalloc_exit();
		vt_init(64, nodes);
		if (op->setup)
			op->setup();
		base = vt_snap();
		vmalloc_fault_inject(VM_FAULT_ALL, k, 0, 0);
		ok = op->run();
		attempts = vmalloc_fault_attempts();
		vmalloc_fault_inject(0, 0, 0, 0);
		if (!ok && attempts < k)
			vt_fail(__FILE__, __LINE__,
				"%s failed with only %lu attempts at k=%lu",
				op->name, attempts, k);
		if (ok) {
			op->undo();
			ASSERT_SNAP_EQ(vt_snap(), base);
		} else {
			failed++;
			ASSERT_SNAP_FAILED(vt_snap(), base, SWEEP_MAP_BYTES);
		}
		if (vmalloc_check())
			vt_fail(__FILE__, __LINE__, "%s: sanity walk failed at k=%lu",
				op->name, k);
		if (op->teardown)
			op->teardown();
		if (attempts < k)
			break;		/* no k-th attempt: every point done */
	}
	total_points += k - 1;
	total_failed += failed;
	printf("# %-22s %3lu failure points: %3lu failed cleanly, %lu absorbed\n",
	       op->name, k - 1, failed, k - 1 - failed);
}

static void hold_pages(void)
{
	int i;

	for (i = 0; i < 64; i++)
		ASSERT_NONNULL(pgs[i] = alloc_page(GFP_KERNEL));
}

static void release_pages(void)
{
	int i;

	for (i = 0; i < 64; i++)
		__free_page(pgs[i]);
}

static void map_setup(void)
{
	hold_pages();
	/* An area far from any other, so its tables are its own. */
	area = __get_vm_area(64 * PAGE_SIZE, VM_MAP, VMALLOC_START + (1UL << 30),
			     VMALLOC_END);
	ASSERT_NONNULL(area);
}

static void map_teardown(void)
{
	free_vm_area(area);
	release_pages();
}

static void sparse_setup(void)
{
	hold_pages();
	area = __get_vm_area(64 * PAGE_SIZE, VM_SPARSE, VMALLOC_START + (1UL << 30),
			     VMALLOC_END);
	ASSERT_NONNULL(area);
}

static void remap_setup(void)
{
	res = vmalloc_user(2 * PAGE_SIZE);
	ASSERT_NONNULL(res);
	area = find_vm_area(res);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
}

static void remap_teardown(void)
{
	vm_user_range_release(&vma);
	vfree(area->addr);
}

static const struct op ops[] = {
	{ "vmalloc(1 page)", do_vmalloc_1, undo_vfree, NULL, NULL },
	{ "vmalloc(4 pages)", do_vmalloc_4, undo_vfree, NULL, NULL },
	{ "vmalloc(700 pages)", do_vmalloc_big, undo_vfree, NULL, NULL },
	{ "vzalloc", do_vzalloc, undo_vfree, NULL, NULL },
	{ "vmalloc_user", do_vmalloc_user, undo_vfree, NULL, NULL },
	{ "vmalloc_node", do_vmalloc_node, undo_vfree, NULL, NULL },
	{ "vmalloc_exec", do_vmalloc_exec, undo_vfree, NULL, NULL },
	{ "vmalloc_32", do_vmalloc_32, undo_vfree, NULL, NULL },
	{ "vmalloc_32_user", do_vmalloc_32_user, undo_vfree, NULL, NULL },
	{ "__vmalloc(RO, zero)", do___vmalloc, undo_vfree, NULL, NULL },
	{ "__vmalloc_node_range", do_node_range, undo_vfree, NULL, NULL },
	{ "__vmalloc_area_node", do_vmalloc_area, undo_vfree, NULL, NULL },
	{ "vmap(64 pages)", do_vmap, undo_vunmap, hold_pages, release_pages },
	{ "vmap(1 page)", do_vmap_1, undo_vunmap, hold_pages, release_pages },
	{ "get_vm_area", do_get_vm_area, undo_free_vm_area, NULL, NULL },
	{ "get_vm_area(1 page)", do_get_vm_area_1, undo_free_vm_area, NULL, NULL },
	{ "get_vm_area_node", do_get_vm_area_node, undo_free_vm_area, NULL, NULL },
	{ "__get_vm_area", do___get_vm_area, undo_free_vm_area, NULL, NULL },
	{ "__get_vm_area_caller", do_get_vm_area_caller, undo_free_vm_area,
	  NULL, NULL },
	{ "alloc_vm_area", do_alloc_vm_area, undo_free_vm_area, NULL, NULL },
	{ "map_vm_area", do_map_vm_area, undo_map_vm_area, map_setup,
	  map_teardown },
	{ "remap_vmalloc_range", do_remap, undo_remap, remap_setup,
	  remap_teardown },
	{ "alloc_pages(order 3)", do_alloc_pages, undo_alloc_pages, NULL, NULL },
	{ "__vmalloc(size, gfp)", do___vmalloc_today, undo_vfree, NULL, NULL },
	{ "__vmalloc_node", do___vmalloc_node, undo_vfree, NULL, NULL },
	{ "vcalloc", do_vcalloc, undo_vfree, NULL, NULL },
	{ "vmalloc_huge(2 MiB)", do_vmalloc_huge, undo_vfree, NULL, NULL },
	{ "vmalloc(VM_NO_GUARD)", do_no_guard, undo_vfree, NULL, NULL },
	{ "vmap_pfn", do_vmap_pfn, undo_vunmap, hold_pages, release_pages },
	{ "vm_area_map_pages", do_sparse_map, undo_sparse_map, sparse_setup,
	  map_teardown },
};

TEST(every_public_operation_fails_cleanly_at_every_point)
{
	unsigned int i;

	total_points = total_failed = 0;
	for (i = 0; i < ARRAY_LEN(ops); i++)
		sweep(&ops[i], 2);
	printf("# %u operations, %lu failure points swept, %lu failed cleanly\n",
	       (unsigned int)ARRAY_LEN(ops), total_points, total_failed);
	ASSERT_GT(total_points, 800);
	ASSERT_GT(total_failed, total_points / 2);
}

TEST(random_failures_under_load_leave_nothing_behind)
{
	struct vt_snap base;
	void *held[256] = { NULL };
	unsigned long i, ops_n = vt_long() ? 200000 : 20000, fails = 0;

	vt_seed();
	vt_init(64, 2);
	base = vt_snap();
	vmalloc_fault_inject(VM_FAULT_ALL, 0, 20, vt_rand());
	for (i = 0; i < ops_n; i++) {
		unsigned int slot = (unsigned int)vt_below(256);

		if (held[slot]) {
			vfree(held[slot]);
			held[slot] = NULL;
		} else {
			unsigned long pages = vt_below(4) ? 1 + vt_below(4) :
					      1 + vt_below(600);

			held[slot] = vt_below(2) ? vmalloc(pages * PAGE_SIZE) :
						   vzalloc_node(pages * PAGE_SIZE,
								(int)vt_below(2));
			fails += !held[slot];
		}
	}
	vmalloc_fault_inject(0, 0, 0, 0);
	for (i = 0; i < 256; i++)
		vfree(held[i]);
	ASSERT_GT(fails, 0);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
	printf("# %lu operations, %lu failed by injection, nothing left behind\n",
	       ops_n, fails);
}
