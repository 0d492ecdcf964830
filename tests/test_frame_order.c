/* SPDX-License-Identifier: MIT */
/*
 * Frame order: single frames from a loop of alloc_page() and the pages of
 * alloc_pages_bulk() come out in ascending frame order, as runs of
 * consecutive frames, however the frames before them were freed (on a
 * quiet pool: one thread, nothing else allocating); vmap() makes each run
 * real with one host mapping, so a double-mapped ring costs two.
 */
#include "harness.h"

#define RING	16

/* How many runs of consecutive frames @pg holds; 0 if not ascending. */
static unsigned int runs_of(struct page *const *pg, unsigned int n)
{
	unsigned int i, runs = 1;

	for (i = 1; i < n; i++) {
		if (page_to_pfn(pg[i]) <= page_to_pfn(pg[i - 1]))
			return 0;
		if (page_to_pfn(pg[i]) != page_to_pfn(pg[i - 1]) + 1)
			runs++;
	}
	return runs;
}

enum free_order { FORWARD, REVERSE, RANDOM, NR_ORDERS };
static const char *const order_name[] = { "forward", "reverse", "random" };

/* __free_page() every page of @pg, in @how order. */
static void free_in(struct page **pg, unsigned int n, enum free_order how)
{
	unsigned int idx[64], i;

	ASSERT_LE(n, ARRAY_LEN(idx));
	for (i = 0; i < n; i++)
		idx[i] = how == REVERSE ? n - 1 - i : i;
	if (how == RANDOM) {
		for (i = n - 1; i > 0; i--) {
			unsigned int j = (unsigned int)vt_below(i + 1), t = idx[i];

			idx[i] = idx[j];
			idx[j] = t;
		}
	}
	for (i = 0; i < n; i++)
		__free_page(pg[idx[i]]);
}

static void loop_alloc(struct page **pg, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL));
}

static void bulk_alloc(struct page **pg, unsigned int n)
{
	memset(pg, 0, n * sizeof(*pg));
	ASSERT_EQ(alloc_pages_bulk(GFP_KERNEL, n, pg), n);
}

/*
 * Allocate @n pages with @alloc, free them in each order in turn, and
 * allocate again: always ascending, in at most @max_runs runs of
 * consecutive frames; with @same, the very frames freed come back.
 */
static void frees_in_any_order_come_back_ascending(
	void (*alloc)(struct page **, unsigned int), unsigned int n,
	unsigned int max_runs, bool same)
{
	struct page *pg[64], *first[64];
	struct vt_snap s0;
	unsigned int round, i, runs;

	vt_init(16, 1);
	s0 = vt_snap();
	alloc(pg, n);			/* a fresh pool */
	runs = runs_of(pg, n);
	ASSERT_GT(runs, 0);
	ASSERT_LE(runs, max_runs);
	memcpy(first, pg, n * sizeof(*pg));
	for (round = 0; round < 3 * NR_ORDERS; round++) {
		enum free_order how = (enum free_order)(round % NR_ORDERS);

		free_in(pg, n, how);
		alloc(pg, n);
		runs = runs_of(pg, n);
		if (!runs || runs > max_runs)
			vt_fail(__FILE__, __LINE__,
				"after freeing %u pages in %s order: frames %lx %lx .. %lx are %s",
				n, order_name[how], page_to_pfn(pg[0]),
				page_to_pfn(pg[1]), page_to_pfn(pg[n - 1]),
				runs ? "too many runs" : "not ascending");
		for (i = 0; same && i < n; i++)
			ASSERT_TRUE(pg[i] == first[i]);
	}
	free_in(pg, n, RANDOM);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(alloc_page_loop_is_ascending_after_frees_in_any_order)
{
	/* The CPU list hands back the frames freed, lowest first. */
	frees_in_any_order_come_back_ascending(loop_alloc, RING, 1, true);
	vmalloc_exit();
	frees_in_any_order_come_back_ascending(loop_alloc, 64, 1, true);
}

TEST(alloc_pages_bulk_is_ascending_after_frees_in_any_order)
{
	/*
	 * Bulk takes whole buddy blocks: one run for a power of two, at
	 * most one per block of the size's binary form otherwise (20 =
	 * 16 + 4). Up to 4 frames come from the CPU list: the frames freed.
	 */
	frees_in_any_order_come_back_ascending(bulk_alloc, RING, 1, false);
	vmalloc_exit();
	frees_in_any_order_come_back_ascending(bulk_alloc, 20, 2, false);
	vmalloc_exit();
	frees_in_any_order_come_back_ascending(bulk_alloc, 33, 2, false);
	vmalloc_exit();
	frees_in_any_order_come_back_ascending(bulk_alloc, 3, 1, true);
}

/*
 * A fragmented pool: every frame taken, then every other one freed, so no
 * two free frames are consecutive. A bulk take is still ascending (in
 * single-frame runs: there is nothing longer to be had), and so is the
 * next one after its frames are freed in reverse order.
 */
TEST(alloc_pages_bulk_is_ascending_on_a_fragmented_pool)
{
	unsigned long total, i;
	struct page **all, *pg[64];
	struct vt_snap s0;

	vt_init(8, 1);
	s0 = vt_snap();
	total = nr_free_pages();
	all = calloc(total, sizeof(*all));
	ASSERT_NONNULL(all);
	for (i = 0; i < total; i++)
		ASSERT_NONNULL(all[i] = alloc_page(GFP_KERNEL));
	for (i = total; i-- > 0;)
		if (i % 2)
			__free_page(all[i]);
	bulk_alloc(pg, 64);
	ASSERT_EQ(runs_of(pg, 64), 64);
	free_in(pg, 64, REVERSE);
	bulk_alloc(pg, 64);
	ASSERT_EQ(runs_of(pg, 64), 64);
	free_in(pg, 64, RANDOM);
	for (i = 0; i < total; i += 2)
		__free_page(all[i]);
	free(all);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* The engine's system calls so far (0 on engines that make none). */
static unsigned long syscalls(void)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st.host_syscalls;
}

static unsigned long host_mappings(void)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st.host_mappings;
}

/* Byte @i of the ring's data as written in round @r. */
static char ring_byte(unsigned long i, unsigned int r)
{
	return (char)(i * 7 + r * 13 + 1);
}

/*
 * Rings of 16 pages mapped twice, built and torn down again and again with
 * the pages freed in every order: each vmap takes one sync_map per view
 * (on the host engine one mmap each, not prefaulted: vmap maps the
 * caller's frames lazily, VM_SYNC_LAZY); the bytes written through the
 * direct map read back through both views (vread); on the host engine a
 * record written across the end of the first view lands at the start;
 * nothing leaks.
 */
static void ring_rounds(void (*alloc)(struct page **, unsigned int))
{
	static char buf[2 * RING * 4096], rec[3000];
	struct page *pg[RING], *twice[2 * RING];
	const unsigned long size = RING * PAGE_SIZE;
	struct vt_snap s0;
	unsigned int r, i;
	bool host;

	vt_init(16, 1);
	host = vt_is_host();
	s0 = vt_snap();
	for (r = 0; r < 3 * NR_ORDERS; r++) {
		unsigned long sys0, map0, sys, maps, k;
		char *ring;

		alloc(pg, RING);
		ASSERT_EQ(runs_of(pg, RING), 1);
		for (i = 0; i < RING; i++)
			twice[i] = twice[i + RING] = pg[i];
		vm_unmap_aliases();	/* no purge inside what is counted */
		sys0 = syscalls();
		map0 = host_mappings();
		ring = vmap(twice, 2 * RING, VM_MAP, PAGE_KERNEL);
		ASSERT_NONNULL(ring);
		sys = syscalls() - sys0;
		maps = host_mappings() - map0;
		if (host) {
			/* Two runs: an mmap each, no prefault. */
			ASSERT_EQ(sys, 2);
			/* Two mappings, plus the reservation split in two. */
			ASSERT_LE(maps, 3);
		} else {
			ASSERT_EQ(sys, 0);
		}

		/* Write through the direct map, read through both views. */
		for (k = 0; k < size; k++)
			buf[k] = ring_byte(k, r);
		for (i = 0; i < RING; i++)
			memcpy(page_address(pg[i]), buf + i * PAGE_SIZE, PAGE_SIZE);
		ASSERT_EQ(vread(buf, ring, 2 * size), (long)(2 * size));
		for (k = 0; k < 2 * size; k++)
			if (buf[k] != ring_byte(k % size, r))
				vt_fail(__FILE__, __LINE__,
					"round %u: byte %lu of the ring reads %d, not %d",
					r, k, buf[k], ring_byte(k % size, r));
		if (host) {
			/* A record across the end of the first view. */
			for (k = 0; k < sizeof(rec); k++)
				rec[k] = (char)(r + k);
			memcpy(ring + size - 1000, rec, sizeof(rec));
			ASSERT_MEMEQ(ring + size - 1000, rec, sizeof(rec));
			ASSERT_MEMEQ(ring, rec + 1000, sizeof(rec) - 1000);
			ASSERT_MEMEQ(page_address(pg[0]), rec + 1000,
				     sizeof(rec) - 1000);
		}
		vunmap(ring);
		free_in(pg, RING, (enum free_order)(r % NR_ORDERS));
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(ring_of_alloc_page_frames_maps_each_view_as_one_run)
{
	ring_rounds(loop_alloc);
}

TEST(ring_of_bulk_frames_maps_each_view_as_one_run)
{
	ring_rounds(bulk_alloc);
}

/*
 * vm_map_ram of ascending consecutive frames is one run too; frames out
 * of order are one run each (the engine merges nothing by itself).
 */
TEST(vm_map_ram_maps_a_run_of_frames_with_one_call)
{
	struct page *pg[RING], *rev[RING];
	unsigned long sys0, sys;
	struct vt_snap s0;
	unsigned int i;
	void *p;

	vt_init(16, 1);
	s0 = vt_snap();
	loop_alloc(pg, RING);
	ASSERT_EQ(runs_of(pg, RING), 1);
	vm_unmap_aliases();
	sys0 = syscalls();
	p = vm_map_ram(pg, RING, -1);
	ASSERT_NONNULL(p);
	sys = syscalls() - sys0;
	if (vt_is_host())
		ASSERT_EQ(sys, 1);	/* one mmap, no prefault */
	vm_unmap_ram(p, RING);
	for (i = 0; i < RING; i++)
		rev[i] = pg[RING - 1 - i];
	vm_unmap_aliases();
	sys0 = syscalls();
	p = vm_map_ram(rev, RING, -1);
	ASSERT_NONNULL(p);
	if (vt_is_host())
		ASSERT_EQ(syscalls() - sys0, RING);
	vm_unmap_ram(p, RING);
	free_in(pg, RING, RANDOM);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
