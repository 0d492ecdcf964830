/* SPDX-License-Identifier: MIT */
/*
 * The buddy page allocator through the kernel's page API, plus the bulk
 * path vmalloc uses, on whichever engine VMALLOC_ENGINE selects.
 */
#include "harness.h"
#include "page/page_alloc.h"

#define PFN_4G	(1UL << (32 - PAGE_SHIFT))

TEST(alloc_pages_every_order_is_aligned_and_counted)
{
	unsigned int order;
	unsigned long before;

	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	vt_init(64, 1);
	before = nr_free_pages();
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	/* Every frame is free but the page-table root. */
	ASSERT_EQ(st.pt_pages, 1);
	ASSERT_EQ(before + st.pt_pages, num_physpages_total());
	for (order = 0; order < MAX_ORDER; order++) {
		struct page *p = alloc_pages(GFP_KERNEL, order);
		unsigned long pfn;

		ASSERT_NONNULL(p);
		pfn = page_to_pfn(p);
		ASSERT_EQ(pfn & ((1UL << order) - 1), 0);
		ASSERT_TRUE(pfn_to_page(pfn) == p);
		ASSERT_EQ(nr_free_pages(), before - (1UL << order));
		__free_pages(p, order);
		ASSERT_EQ(nr_free_pages(), before);
	}
	ASSERT_NULL(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER));
	/* The 6.8 names: the largest order is allocatable, one more not. */
	ASSERT_EQ(NR_PAGE_ORDERS, MAX_PAGE_ORDER + 1);
	ASSERT_EQ(NR_PAGE_ORDERS, MAX_ORDER);
	ASSERT_EQ(nr_free_pages(), before);
	{
		struct page *top = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);

		ASSERT_NONNULL(top);
		ASSERT_EQ(nr_free_pages(), before - (1UL << MAX_PAGE_ORDER));
		__free_pages(top, MAX_PAGE_ORDER);
	}
	ASSERT_NULL(alloc_pages(GFP_KERNEL | __GFP_NOWARN, NR_PAGE_ORDERS));
	ASSERT_EQ(nr_free_pages(), before);
	ASSERT_SANE();
}

TEST(pages_are_distinct_and_page_address_is_the_frame)
{
	struct page *p[64];
	int i, j;

	vt_init(16, 1);
	for (i = 0; i < 64; i++) {
		p[i] = alloc_page(GFP_KERNEL);
		ASSERT_NONNULL(p[i]);
		memset(page_address(p[i]), i, PAGE_SIZE);
	}
	for (i = 0; i < 64; i++) {
		unsigned char *a = page_address(p[i]);

		for (j = 0; j < i; j++)
			ASSERT_TRUE(p[i] != p[j]);
		ASSERT_EQ(a[0], i);
		ASSERT_EQ(a[PAGE_SIZE - 1], i);
	}
	for (i = 0; i < 64; i++)
		__free_page(p[i]);
	ASSERT_EQ(nr_free_pages(), num_physpages_total() - 1);
	ASSERT_SANE();
}

TEST(gfp_zero_zeroes_reused_frames)
{
	struct page *p, *q;
	unsigned char *a;
	unsigned long i;
	int round;

	vt_init(16, 1);
	for (round = 0; round < 8; round++) {
		p = alloc_pages(GFP_KERNEL, 2);
		ASSERT_NONNULL(p);
		memset(page_address(p), 0xa5, 4 * PAGE_SIZE);
		__free_pages(p, 2);
		q = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
		ASSERT_NONNULL(q);
		a = page_address(q);
		for (i = 0; i < 4 * PAGE_SIZE; i++)
			ASSERT_EQ(a[i], 0);
		__free_pages(q, 2);
	}
}

TEST(whole_pool_can_be_allocated_then_returned)
{
	unsigned long total, n = 0;
	struct page **all;

	vt_init(8, 1);
	total = nr_free_pages();
	all = calloc(total + 1, sizeof(*all));
	ASSERT_NONNULL(all);
	while ((all[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN)) != NULL)
		n++;
	/* One frame holds the top-level page table. */
	ASSERT_EQ(n, total);
	ASSERT_EQ(nr_free_pages(), 0);
	ASSERT_SANE();
	while (n)
		__free_page(all[--n]);
	ASSERT_EQ(nr_free_pages(), total);
	ASSERT_SANE();
	free(all);
}

TEST(exhaustion_logs_a_failure_unless_nowarn)
{
	struct page *big;

	vt_init(8, 1);
	big = alloc_pages(GFP_KERNEL, MAX_ORDER - 1);
	ASSERT_NONNULL(big);
	vt_log_clear();
	ASSERT_NULL(alloc_pages(GFP_KERNEL, MAX_ORDER - 1));
	ASSERT_EQ(vt_log_count("page allocation failure. order:10"), 1);
	ASSERT_NULL(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_ORDER - 1));
	ASSERT_EQ(vt_log_count("page allocation failure"), 1);
	__free_pages(big, MAX_ORDER - 1);
}

TEST(bad_frees_are_reported_and_ignored)
{
	struct page *p;
	unsigned long free0, w0;

	vt_init(16, 1);
	p = alloc_pages(GFP_KERNEL, 1);
	ASSERT_NONNULL(p);
	free0 = nr_free_pages();
	w0 = vt_warnings();
	__free_pages(p, 0);			/* wrong order */
	ASSERT_EQ(vt_warnings(), w0 + 1);
	ASSERT_EQ(nr_free_pages(), free0);
	__free_pages(p, 1);
	ASSERT_EQ(nr_free_pages(), free0 + 2);
	__free_pages(p, 1);			/* double free */
	ASSERT_EQ(vt_warnings(), w0 + 2);
	ASSERT_EQ(nr_free_pages(), free0 + 2);
	__free_pages((struct page *)&free0, 0);	/* not a page at all */
	ASSERT_EQ(vt_warnings(), w0 + 3);
	__free_pages(NULL, 0);
	ASSERT_EQ(vt_warnings(), w0 + 3);
	ASSERT_SANE();
}

TEST(pfn_lookup_rejects_frames_outside_the_pool)
{
	struct page *p;

	vt_init(16, 1);
	p = alloc_page(GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_NULL(pfn_to_page(0));
	ASSERT_NULL(pfn_to_page(page_to_pfn(p) + num_physpages_total() + 1));
	ASSERT_EQ(page_to_pfn(NULL), 0);
	ASSERT_NULL(page_address(NULL));
	__free_page(p);
}

TEST(dma32_frames_lie_below_4g)
{
	struct page *p[32];
	int i;

	vt_init(6144, 1);			/* 6 GiB: both zones */
	for (i = 0; i < 32; i++) {
		p[i] = alloc_pages(GFP_KERNEL | GFP_DMA32, (unsigned int)(i % 4));
		ASSERT_NONNULL(p[i]);
		ASSERT_LT(page_to_pfn(p[i]) + (1UL << (i % 4)), PFN_4G + 1);
	}
	for (i = 0; i < 32; i++)
		__free_pages(p[i], (unsigned int)(i % 4));
	/* Without the flag the NORMAL zone is preferred. */
	p[0] = alloc_page(GFP_KERNEL);
	ASSERT_GE(page_to_pfn(p[0]), PFN_4G);
	__free_page(p[0]);
	ASSERT_SANE();
}

TEST(dma32_exhaustion_does_not_fall_back_to_normal)
{
	unsigned long n = 0, below;
	struct page *p;
	struct page **held;

	vt_init(5120, 1);			/* 5 GiB */
	below = PFN_4G - 256;			/* the pool starts at 1 MiB */
	held = calloc(below, sizeof(*held));
	ASSERT_NONNULL(held);
	while ((p = alloc_pages(GFP_DMA32 | __GFP_NOWARN, 0)) != NULL) {
		ASSERT_LT(page_to_pfn(p), PFN_4G);
		held[n++] = p;
	}
	/* Only the page-table root may have taken a DMA32 frame. */
	ASSERT_GE(n + 1, below);
	ASSERT_NONNULL(p = alloc_page(GFP_KERNEL));
	ASSERT_GE(page_to_pfn(p), PFN_4G);
	__free_page(p);
	while (n)
		__free_page(held[--n]);
	free(held);
	ASSERT_SANE();
}

TEST(nodes_split_the_pool_and_fall_back_in_order)
{
	struct page *p;
	unsigned long n1;
	int nid;

	vt_init(64, 4);
	ASSERT_EQ(num_online_nodes(), 4);
	for (nid = 0; nid < 4; nid++) {
		unsigned long before = nr_free_pages_node(nid);

		p = alloc_pages_node(nid, GFP_KERNEL, 3);
		ASSERT_NONNULL(p);
		ASSERT_EQ(page_to_nid(p), nid);
		ASSERT_EQ(nr_free_pages_node(nid), before - 8);
		__free_pages(p, 3);
		ASSERT_EQ(nr_free_pages_node(nid), before);
	}
	ASSERT_NULL(alloc_pages_node(4, GFP_KERNEL, 0));
	ASSERT_NULL(alloc_pages_node(-2, GFP_KERNEL, 0));

	/* Fill node 1; THISNODE then fails, plain requests go to node 2. */
	n1 = nr_free_pages_node(1);
	{
		struct page **held = calloc(n1, sizeof(*held));
		unsigned long i;

		ASSERT_NONNULL(held);
		for (i = 0; i < n1; i++) {
			held[i] = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 0);
			ASSERT_NONNULL(held[i]);
			ASSERT_EQ(page_to_nid(held[i]), 1);
		}
		ASSERT_NULL(alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE |
					     __GFP_NOWARN, 0));
		p = alloc_pages_node(1, GFP_KERNEL, 0);
		ASSERT_NONNULL(p);
		ASSERT_EQ(page_to_nid(p), 2);
		__free_page(p);
		for (i = 0; i < n1; i++)
			__free_page(held[i]);
		free(held);
	}
	ASSERT_SANE();
}

TEST(bulk_allocation_is_all_or_nothing_and_mostly_consecutive)
{
	struct page **pages;
	unsigned long n = 3000, runs = 1, i, before;

	vt_init(64, 1);
	pages = calloc(n, sizeof(*pages));
	ASSERT_NONNULL(pages);
	before = nr_free_pages();
	ASSERT_EQ(pa_alloc_bulk(-1, GFP_KERNEL, n, pages, true), 0);
	for (i = 1; i < n; i++)
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[i - 1]) + 1)
			runs++;
	/*
	 * Bulk takes whole buddy blocks, not frames one by one: at most the
	 * blocks n decomposes into (two 4 MiB blocks and 952 = 512 + 256 +
	 * 128 + 32 + 16 + 8), each a consecutive run.
	 */
	ASSERT_LE(runs, n / 1024 + (unsigned long)__builtin_popcountl(n % 1024));
	ASSERT_EQ(nr_free_pages(), before - n);
	pa_free_bulk(pages, n);
	ASSERT_EQ(nr_free_pages(), before);

	/* More than the pool: nothing is kept. */
	free(pages);
	n = before + 1;
	pages = calloc(n, sizeof(*pages));
	ASSERT_NONNULL(pages);
	ASSERT_EQ(pa_alloc_bulk(-1, GFP_KERNEL, n, pages, true), -ENOMEM);
	ASSERT_EQ(nr_free_pages(), before);
	free(pages);
	ASSERT_SANE();
}

TEST(bulk_from_a_fragmented_pool_still_succeeds)
{
	unsigned long total, i, n;
	struct page **single, **bulk;

	vt_init(8, 1);
	total = nr_free_pages();
	single = calloc(total, sizeof(*single));
	ASSERT_NONNULL(single);
	for (i = 0; i < total; i++)
		ASSERT_NONNULL(single[i] = alloc_page(GFP_KERNEL));
	for (i = 0; i < total; i += 2)		/* every other frame free */
		__free_page(single[i]);
	n = (total + 1) / 2;
	bulk = calloc(n, sizeof(*bulk));
	ASSERT_NONNULL(bulk);
	ASSERT_EQ(pa_alloc_bulk(-1, GFP_KERNEL | __GFP_ZERO, n, bulk, true), 0);
	ASSERT_EQ(nr_free_pages(), 0);
	pa_free_bulk(bulk, n);
	for (i = 1; i < total; i += 2)
		__free_page(single[i]);
	ASSERT_EQ(nr_free_pages(), total);
	ASSERT_SANE();
	free(single);
	free(bulk);
}

TEST(cold_frames_are_released_beyond_the_reserve)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .reserve_pages = 1024,
				      .quiet = true };
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct page *p[8];
	unsigned char *a;
	unsigned long i;
	int k;

	vt_init_cfg(&cfg);
	for (k = 0; k < 8; k++) {
		p[k] = alloc_pages(GFP_KERNEL, MAX_ORDER - 1);
		ASSERT_NONNULL(p[k]);
		memset(page_address(p[k]), 0x5a, PA_CHUNK_FRAMES * PAGE_SIZE);
	}
	for (k = 0; k < 8; k++)
		__free_pages(p[k], MAX_ORDER - 1);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	/* 8 warm 4 MiB blocks freed, a reserve of one block: 7 released. */
	ASSERT_EQ(st.released_pages, 7 * PA_CHUNK_FRAMES);
	/* Released frames read as zero again, without __GFP_ZERO's memset. */
	for (k = 0; k < 8; k++) {
		p[k] = alloc_pages(GFP_KERNEL | __GFP_ZERO, MAX_ORDER - 1);
		ASSERT_NONNULL(p[k]);
		a = page_address(p[k]);
		for (i = 0; i < PA_CHUNK_FRAMES * PAGE_SIZE; i += 997)
			ASSERT_EQ(a[i], 0);
	}
	for (k = 0; k < 8; k++)
		__free_pages(p[k], MAX_ORDER - 1);
	ASSERT_SANE();
}

TEST(fault_injection_fails_the_nth_page_allocation)
{
	struct page *a, *b, *c;
	unsigned long before;

	vt_init(16, 1);
	before = nr_free_pages();
	vmalloc_fault_inject(VM_FAULT_PAGE, 2, 0, 0);
	a = alloc_page(GFP_KERNEL);
	b = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	c = alloc_page(GFP_KERNEL);
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_NONNULL(a);
	ASSERT_NULL(b);
	ASSERT_NONNULL(c);
	__free_page(a);
	__free_page(c);
	ASSERT_EQ(nr_free_pages(), before);
}

/*
 * Found by the fuzzer: frames of node 0 waiting on a CPU's list of single
 * frames were passed over for node 1.
 */
TEST(frames_on_cpu_lists_are_used_before_another_node)
{
	unsigned long n0, i;
	struct page **held;
	struct vm_struct *vm;
	void *p;

	vt_init(64, 2);
	n0 = nr_free_pages_node(0);
	held = calloc(n0, sizeof(*held));
	ASSERT_NONNULL(held);
	for (i = 0; i < n0; i++)
		ASSERT_NONNULL(held[i] = alloc_pages_node(0, GFP_KERNEL |
							  __GFP_THISNODE, 0));
	ASSERT_EQ(nr_free_pages_node(0), 0);
	for (i = 0; i < 8; i++)		/* onto this CPU's list */
		__free_page(held[n0 - 1 - i]);
	ASSERT_EQ(nr_free_pages_node(0), 8);
	p = vzalloc_node(8 * PAGE_SIZE, 0);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(page_to_nid(vm->pages[i]), 0);
	/* Order > 0 as well: single frames complete a block. */
	vfree(p);
	vm_unmap_aliases();
	ASSERT_NONNULL(p = alloc_pages_node(0, GFP_KERNEL, 3));
	ASSERT_EQ(page_to_nid(p), 0);
	__free_pages(p, 3);
	for (i = 8; i < n0; i++)
		__free_page(held[n0 - 1 - i]);
	free(held);
	ASSERT_SANE();
}
