/* SPDX-License-Identifier: MIT */
/*
 * Rows of the bad-input table (docs/robustness.md) that no other test file
 * covers. Each: the documented error, the documented log line (or none),
 * and nothing else changed.
 */
#include "harness.h"

/* Call @expr with a fresh log and snapshot; both must be unchanged after. */
#define EXPECT_NOTHING_CHANGED(s0, w0)					\
	do {								\
		ASSERT_SNAP_EXACT(vt_snap(), s0);			\
		ASSERT_EQ(vt_warnings(), w0);				\
	} while (0)

TEST(sizes_that_overflow_with_the_guard_page_or_alignment)
{
	struct vt_snap s0;
	unsigned long w0;

	vt_init(16, 1);
	s0 = vt_snap();
	w0 = vt_warnings();
	/* PAGE_ALIGN(size) + guard page wraps past ULONG_MAX. */
	ASSERT_NULL(get_vm_area(ULONG_MAX - PAGE_SIZE, VM_ALLOC));
	ASSERT_NULL(get_vm_area(ULONG_MAX - 2 * PAGE_SIZE + 1, VM_ALLOC));
	ASSERT_EQ(vt_log_count("too large"), 2);
	/* Fits as a size, but not with its alignment. */
	ASSERT_NULL(__get_vm_area_aligned(1UL << 62, 1UL << 63, VM_ALLOC,
					 VMALLOC_START, VMALLOC_END, NULL));
	ASSERT_NULL(__vmalloc_node_range(PAGE_SIZE, 1UL << 63, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL | __GFP_NOWARN,
					 PAGE_KERNEL, 0, -1, NULL));
	/* VM_IOREMAP raises alignment from the size: still no overflow. */
	ASSERT_NULL(get_vm_area(ULONG_MAX / 2, VM_IOREMAP));
	EXPECT_NOTHING_CHANGED(s0, w0);
}

/* Found by the fuzzer: VM_VPAGES is the library's own flag. */
TEST(vm_vpages_from_a_caller_is_refused)
{
	struct vt_snap s0;
	struct page *pg;

	vt_init(16, 1);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	s0 = vt_snap();
	ASSERT_NULL(__vmalloc_node_range(4 * PAGE_SIZE, 1, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL, PAGE_KERNEL,
					 VM_VPAGES, -1, NULL));
	ASSERT_NULL(get_vm_area(PAGE_SIZE, VM_VPAGES | VM_ALLOC));
	/* Found by the threaded fuzzer: vmap() too. */
	ASSERT_NULL(vmap(&pg, 1, VM_VPAGES | VM_MAP, PAGE_KERNEL));
	ASSERT_EQ(vt_log_count("unknown area flags 0x10"), 3);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	__free_page(pg);
}

TEST(alignments_zero_non_power_of_two_and_huge)
{
	struct vt_snap s0;
	unsigned long w0;
	struct vm_struct *a;

	vt_init(16, 1);
	s0 = vt_snap();
	w0 = vt_warnings();
	ASSERT_NULL(__get_vm_area_aligned(PAGE_SIZE, 0, VM_ALLOC, VMALLOC_START,
					 VMALLOC_END, NULL));
	ASSERT_NULL(__get_vm_area_aligned(PAGE_SIZE, 3 * PAGE_SIZE, VM_ALLOC,
					 VMALLOC_START, VMALLOC_END, NULL));
	ASSERT_NULL(__vmalloc_node_range(PAGE_SIZE, 12345, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL, PAGE_KERNEL,
					 0, -1, NULL));
	ASSERT_EQ(vt_log_count("is not a power of two"), 3);
	ASSERT_NULL(__get_vm_area_aligned(PAGE_SIZE, 1UL << 63, VM_ALLOC,
					 VMALLOC_START, VMALLOC_END, NULL));
	ASSERT_EQ(vt_log_count("out of vmalloc space"), 1);
	EXPECT_NOTHING_CHANGED(s0, w0);
	/* Alignments below a page mean a page. */
	a = __get_vm_area_aligned(PAGE_SIZE, 8, VM_ALLOC, VMALLOC_START,
				 VMALLOC_END, NULL);
	ASSERT_NONNULL(a);
	free_vm_area(a);
}

TEST(vmap_counts_whose_byte_size_would_overflow)
{
	struct page *pg;
	struct vt_snap s0;

	vt_init(16, 1);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	s0 = vt_snap();
	/* The seed's count << PAGE_SHIFT in 32 bits: 2^20 pages -> 0 bytes. */
	ASSERT_NULL(vmap(&pg, 1U << 20, VM_MAP, PAGE_KERNEL));	/* > the pool */
	ASSERT_NULL(vmap(&pg, UINT_MAX, VM_MAP, PAGE_KERNEL));
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	__free_page(pg);
}

TEST(an_exhausted_physical_pool_fails_cleanly)
{
	struct vt_snap s0;
	struct page **held;
	unsigned long n = 0, free0;
	void *p;

	vt_init(16, 1);
	free0 = nr_free_pages();
	held = calloc(free0, sizeof(*held));
	ASSERT_NONNULL(held);
	/* Leave 10 frames; the pool itself is big enough for the request. */
	while (nr_free_pages() > 10)
		ASSERT_NONNULL(held[n++] = alloc_page(GFP_KERNEL));
	s0 = vt_snap();
	vt_log_clear();
	p = vmalloc(20 * PAGE_SIZE);
	ASSERT_NULL(p);
	ASSERT_EQ(vt_log_count("vmalloc: allocation failure: 81920 bytes"), 1);
	ASSERT_NULL(vmalloc_user(11 * PAGE_SIZE));
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	/* What is left is still usable. */
	p = vmalloc(5 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	while (n)
		__free_page(held[--n]);
	free(held);
	ASSERT_SANE();
}

TEST(an_exhausted_address_space_fails_cleanly)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .vmalloc_size_mb = 4,
				      .no_fast_path = true, .quiet = true };
	struct vt_snap s0;
	void *a[600];
	unsigned long n = 0;

	vt_init_cfg(&cfg);
	s0 = vt_snap();
	while (n < 600 && (a[n] = vmalloc(PAGE_SIZE)) != NULL)
		n++;
	/* 4 MiB holds 512 one-page areas with their guard pages. */
	ASSERT_EQ(n, 512);
	ASSERT_EQ(vt_log_count("out of vmalloc space - use vmalloc=<size>"), 1);
	/* Freed but lazy: the next allocation purges once and succeeds. */
	vfree(a[--n]);
	ASSERT_NONNULL(a[n] = vmalloc(PAGE_SIZE));
	n++;
	while (n)
		vfree(a[--n]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(vread_vwrite_with_hostile_ranges)
{
	struct vt_snap s0;
	char *p, buf[64];

	vt_init(16, 1);
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	s0 = vt_snap();
	ASSERT_EQ(vread(buf, p, 0), 0);
	ASSERT_EQ(vwrite(buf, p, 0), 0);
	ASSERT_EQ(vread(NULL, p, 10), 0);
	ASSERT_EQ(vread(buf, (char *)ULONG_MAX, ULONG_MAX), 0);
	ASSERT_EQ(vwrite(buf, (char *)(ULONG_MAX - 5), 64), 0);
	ASSERT_EQ(vread(buf, (char *)0, 64), 0);	/* below the range */
	ASSERT_EQ(vwrite(buf, p + PAGE_SIZE, sizeof(buf)), 0);	/* guard */
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	vfree(p);
}

TEST(calls_before_any_initialisation_are_safe)
{
	char c;

	/* Each case runs in a fresh child: nothing is initialised yet. */
	setenv("VMALLOC_ENGINE", "nonsense", 1);
	setenv("VMALLOC_QUIET", "1", 1);
	ASSERT_NULL(vmalloc(PAGE_SIZE));		/* init fails: NULL */
	vfree(NULL);
	vfree((void *)0x1000);
	ASSERT_EQ(vread(&c, (char *)0x1000, 1), 0);
	ASSERT_NULL(vmalloc_to_page((void *)0x1000));
	ASSERT_EQ(vmallocinfo(NULL, 0), 0);
	ASSERT_NULL(vmalloc_engine());
	unsetenv("VMALLOC_ENGINE");
	unsetenv("VMALLOC_QUIET");
}
