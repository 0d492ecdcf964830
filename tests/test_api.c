/* SPDX-License-Identifier: MIT */
/*
 * Every function of the seed's API, one behaviour per case, on the engine
 * VMALLOC_ENGINE selects. Contents are checked through vread/vwrite (which
 * work on every engine) and, where the engine allows, through the pointer.
 */
#include "harness.h"
#include "pgtable/pgtable.h"

static uint64_t pte_of(const void *addr)
{
	return pt_lookup((unsigned long)addr);
}

/* ------------------------------------------------------------------ */
/* vmalloc and friends                                                 */
/* ------------------------------------------------------------------ */

TEST(vmalloc_maps_distinct_frames_with_a_guard_page)
{
	struct vt_snap s0;
	struct vm_struct *vm;
	unsigned long sizes[] = { 1, PAGE_SIZE - 1, PAGE_SIZE, PAGE_SIZE + 1,
				  5 * PAGE_SIZE, 300 * PAGE_SIZE + 7 };
	unsigned int k;

	vt_init_uncached(64);	/* vfree unmaps at once */
	s0 = vt_snap();
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned long size = sizes[k], pages = PAGE_ALIGN(size) / PAGE_SIZE;
		char *p = vmalloc(size);
		unsigned long i, j;

		ASSERT_NONNULL(p);
		ASSERT_EQ((unsigned long)p & (PAGE_SIZE - 1), 0);
		ASSERT_GE((unsigned long)p, VMALLOC_START);
		ASSERT_LE((unsigned long)p + (pages + 1) * PAGE_SIZE, VMALLOC_END);
		vm = find_vm_area(p);
		ASSERT_NONNULL(vm);
		ASSERT_TRUE(vm->addr == p);
		ASSERT_EQ(vm->size, (pages + 1) * PAGE_SIZE);
		ASSERT_EQ(vm->flags, VM_ALLOC);
		ASSERT_EQ(vm->nr_pages, pages);
		for (i = 0; i < pages; i++) {
			struct page *pg = vmalloc_to_page(p + i * PAGE_SIZE);

			ASSERT_NONNULL(pg);
			ASSERT_TRUE(pg == vm->pages[i]);
			ASSERT_EQ(vmalloc_to_pfn(p + i * PAGE_SIZE + 5), page_to_pfn(pg));
			uint64_t pte = pte_of(p + i * PAGE_SIZE);
			ASSERT_TRUE(pte & _PAGE_RW);
			ASSERT_TRUE(pte & _PAGE_NX);
			for (j = 0; j < i && pages < 64; j++)
				ASSERT_TRUE(vm->pages[j] != pg);
		}
		/* The guard page is never mapped. */
		ASSERT_NULL(vmalloc_to_page(p + pages * PAGE_SIZE));
		vt_fill(p, pages * PAGE_SIZE, k);
		ASSERT_FILLED(p, pages * PAGE_SIZE, k);
		if (vt_is_host()) {
			memset(p, 0x11, size);
			ASSERT_EQ(((unsigned char *)p)[size - 1], 0x11);
		}
		vfree(p);
		ASSERT_NULL(find_vm_area(p));
		ASSERT_NULL(vmalloc_to_page(p));
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(vmalloc_rejects_zero_and_oversized_requests)
{
	struct vt_snap s0;

	vt_init(16, 1);
	s0 = vt_snap();
	ASSERT_NULL(vmalloc(0));
	ASSERT_NULL(vmalloc(17UL << 20));		/* more than the pool */
	ASSERT_EQ(vt_log_count("more than the"), 1);
	ASSERT_NULL(vmalloc(ULONG_MAX));
	ASSERT_NULL(vmalloc(ULONG_MAX - PAGE_SIZE + 2));	/* PAGE_ALIGN wraps */
	ASSERT_NULL(__vmalloc(PAGE_SIZE, GFP_KERNEL, __pgprot(0)));
	ASSERT_NULL(__vmalloc(PAGE_SIZE, GFP_KERNEL, __pgprot(_PAGE_PRESENT | (1ULL << 55))));
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(vmalloc_areas_are_placed_lowest_first_and_never_overlap)
{
	char *p[16];
	int i;

	vt_init_strict(16);
	for (i = 0; i < 16; i++) {
		p[i] = vmalloc((unsigned long)(i % 3 + 1) * PAGE_SIZE);
		ASSERT_NONNULL(p[i]);
		if (i)
			ASSERT_EQ((unsigned long)p[i],
				  (unsigned long)p[i - 1] + ((i - 1) % 3 + 2) * PAGE_SIZE);
	}
	ASSERT_EQ((unsigned long)p[0], VMALLOC_START);
	for (i = 0; i < 16; i++)
		vfree(p[i]);
	ASSERT_SANE();
}

TEST(vmalloc_user_memory_is_zero_even_on_reused_frames)
{
	unsigned long n = 32 * PAGE_SIZE;
	void *p, *q;
	int round;

	vt_init(8, 1);
	for (round = 0; round < 4; round++) {
		p = vmalloc(n);
		ASSERT_NONNULL(p);
		vt_fill(p, n, 0x77);
		vfree(p);
		vm_unmap_aliases();
		q = round & 1 ? vmalloc_32_user(n) : vmalloc_user(n);
		ASSERT_NONNULL(q);
		ASSERT_TRUE(find_vm_area(q)->flags & VM_USERMAP);
		ASSERT_ZEROED(q, n);
		vfree(q);
	}
	p = vzalloc(n);
	ASSERT_NONNULL(p);
	ASSERT_ZEROED(p, n);
	ASSERT_FALSE(find_vm_area(p)->flags & VM_USERMAP);
	vfree(p);
}

TEST(vmalloc_node_takes_frames_from_that_node)
{
	int nid;

	vt_init(64, 4);
	for (nid = 0; nid < 4; nid++) {
		unsigned long before = nr_free_pages_node(nid);
		struct vm_struct *vm;
		char *p = vmalloc_node(20 * PAGE_SIZE, nid);
		unsigned int i;

		ASSERT_NONNULL(p);
		vm = find_vm_area(p);
		for (i = 0; i < vm->nr_pages; i++)
			ASSERT_EQ(page_to_nid(vm->pages[i]), nid);
		ASSERT_LE(nr_free_pages_node(nid), before - 20);
		vfree(p);
	}
	ASSERT_NULL(vmalloc_node(PAGE_SIZE, 4));
	ASSERT_NULL(vmalloc_node(PAGE_SIZE, -5));
	{
		void *z = vzalloc_node(PAGE_SIZE, 3);

		ASSERT_NONNULL(z);
		ASSERT_EQ(page_to_nid(vmalloc_to_page(z)), 3);
		vfree(z);
	}
}

TEST(vmalloc_exec_maps_executable_and_plain_vmalloc_does_not)
{
	char *x, *d;

	vt_init(16, 1);
	x = vmalloc_exec(3 * PAGE_SIZE);
	d = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(x);
	ASSERT_NONNULL(d);
	ASSERT_FALSE(pte_of(x) & _PAGE_NX);
	ASSERT_FALSE(pte_of(x + 2 * PAGE_SIZE) & _PAGE_NX);
	ASSERT_TRUE(pte_of(x) & _PAGE_RW);
	ASSERT_TRUE(pte_of(d) & _PAGE_NX);
	vfree(x);
	vfree(d);
}

TEST(vmalloc_32_frames_lie_below_4g)
{
	void *p, *q;
	struct vm_struct *vm;
	unsigned int i;

	vt_init(6144, 1);
	p = vmalloc_32(64 * PAGE_SIZE);
	q = vmalloc(64 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(q);
	vm = find_vm_area(p);
	for (i = 0; i < vm->nr_pages; i++)
		ASSERT_LT(page_to_pfn(vm->pages[i]), 1UL << 20);
	vm = find_vm_area(q);
	for (i = 0; i < vm->nr_pages; i++)
		ASSERT_GE(page_to_pfn(vm->pages[i]), 1UL << 20);
	vfree(p);
	vfree(q);
}

TEST(read_only_vmalloc_is_not_written_by_vwrite)
{
	char buf[64];
	char *p;

	vt_init(16, 1);
	p = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL_RO);
	ASSERT_NONNULL(p);
	ASSERT_FALSE(pte_of(p) & _PAGE_RW);
	memset(buf, 0x42, sizeof(buf));
	ASSERT_EQ(vwrite(buf, p, sizeof(buf)), (long)sizeof(buf));
	ASSERT_ZEROED(p, sizeof(buf));
	vfree(p);
}

/* ------------------------------------------------------------------ */
/* vfree / vunmap                                                      */
/* ------------------------------------------------------------------ */

TEST(vfree_of_null_does_nothing_and_bad_addresses_warn)
{
	struct vt_snap s0;
	unsigned long w0;
	char *p;

	vt_init(16, 1);
	p = vmalloc(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	s0 = vt_snap();
	w0 = vt_warnings();
	vfree(NULL);
	vunmap(NULL);
	ASSERT_EQ(vt_warnings(), w0);
	vfree(p + 1);
	ASSERT_EQ(vt_log_count("Trying to vfree() bad address"), 1);
	vfree(p + PAGE_SIZE);
	ASSERT_EQ(vt_log_count("Trying to vfree() nonexistent vm area"), 1);
	vfree((void *)(VMALLOC_END - PAGE_SIZE));
	vunmap((void *)0x1000);
	ASSERT_EQ(vt_log_count("Trying to vunmap() nonexistent vm area"), 1);
	ASSERT_EQ(vt_warnings(), w0 + 4);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_ZEROED(p, 0);		/* still there */
	ASSERT_NONNULL(find_vm_area(p));
	vfree(p);
	vfree(p);			/* twice */
	ASSERT_EQ(vt_warnings(), w0 + 5);
	ASSERT_SANE();
}

TEST(vfree_returns_frames_and_the_range_after_the_purge)
{
	struct vt_snap s0;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	char *p, *q;

	vt_init_uncached(16);	/* the lazy list, not the area cache */
	s0 = vt_snap();
	p = vmalloc(8 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.lazy_pages, 9);		/* 8 + the guard page */
	/* The lazy range is not handed out again before the purge. */
	q = vmalloc(8 * PAGE_SIZE);
	ASSERT_TRUE(q != p);
	vfree(q);
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.lazy_pages, 0);
	ASSERT_GE(st.purges, 1);
	q = vmalloc(8 * PAGE_SIZE);
	ASSERT_TRUE(q == p);
	vfree(q);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(lazy_threshold_triggers_a_purge_by_itself)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 16, .lazy_max_pages = 64,
				      .quiet = true, .no_cache = true };
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	int i;

	vt_init_cfg(&cfg);	/* every vfree to the lazy list: no area cache */
	for (i = 0; i < 40; i++)
		vfree(vmalloc(PAGE_SIZE));	/* 2 pages each with the guard */
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.lazy_max_pages, 64);
	/*
	 * 80 lazy pages against a threshold of 64: one purge, every freed
	 * area either purged or still pending, the backlog within bounds
	 * (per-CPU counts are folded in batches: a quarter of the threshold).
	 */
	ASSERT_EQ(st.purges, 1);
	ASSERT_EQ(st.purged_areas + st.lazy_pages / 2, 40);
	ASSERT_LE(st.lazy_pages, 64);
	ASSERT_GE(st.purged_areas, 33);
	ASSERT_SANE();
}

TEST(vunmap_of_a_vmalloc_area_is_refused)
{
	struct vt_snap s0;
	char *p;

	vt_init(16, 1);
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vt_fill(p, PAGE_SIZE, 3);
	s0 = vt_snap();
	vunmap(p);
	ASSERT_EQ(vt_log_count("Trying to vunmap() a vmalloc() area"), 1);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_FILLED(p, PAGE_SIZE, 3);
	vfree(p);
}

/* ------------------------------------------------------------------ */
/* vmap                                                                */
/* ------------------------------------------------------------------ */

TEST(vmap_maps_the_given_pages_in_order_and_aliases_them)
{
	struct page *pages[6];
	struct vt_snap s0;
	unsigned long free_before;
	char buf[16];
	char *v;
	int i;

	vt_init(16, 1);
	s0 = vt_snap();
	for (i = 0; i < 5; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		ASSERT_NONNULL(pages[i]);
		memset(page_address(pages[i]), 'a' + i, PAGE_SIZE);
	}
	pages[5] = pages[0];			/* the same page twice */
	v = vmap(pages, 6, VM_MAP, PAGE_KERNEL);
	ASSERT_NONNULL(v);
	ASSERT_EQ(find_vm_area(v)->flags, VM_MAP);
	ASSERT_EQ(find_vm_area(v)->size, 7 * PAGE_SIZE);
	for (i = 0; i < 6; i++) {
		ASSERT_TRUE(vmalloc_to_page(v + i * PAGE_SIZE) == pages[i]);
		ASSERT_EQ(vread(buf, v + i * PAGE_SIZE + 100, 1), 1);
		ASSERT_EQ(buf[0], i < 5 ? 'a' + i : 'a');
	}
	/* A write through one address shows through the other. */
	ASSERT_EQ(vwrite("Z", v + 5 * PAGE_SIZE + 7, 1), 1);
	ASSERT_EQ(((char *)page_address(pages[0]))[7], 'Z');
	ASSERT_EQ(vread(buf, v + 7, 1), 1);
	ASSERT_EQ(buf[0], 'Z');
	if (vt_is_host()) {
		/* volatile: the compiler cannot know the two addresses alias. */
		volatile char *vv = v;

		vv[6 * PAGE_SIZE - 1] = 'Q';
		ASSERT_EQ(vv[PAGE_SIZE - 1], 'Q');
	}
	free_before = nr_free_pages();
	vunmap(v);
	vm_unmap_aliases();
	ASSERT_EQ(nr_free_pages(), free_before);	/* pages stay with us */
	ASSERT_EQ(((char *)page_address(pages[1]))[0], 'b');
	for (i = 0; i < 5; i++)
		__free_page(pages[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(vmap_rejects_bad_page_arrays_leaving_nothing)
{
	struct page *pages[4];
	struct vt_snap s0;
	int i;

	vt_init(16, 1);
	for (i = 0; i < 4; i++)
		ASSERT_NONNULL(pages[i] = alloc_page(GFP_KERNEL));
	s0 = vt_snap();
	ASSERT_NULL(vmap(pages, 0, VM_MAP, PAGE_KERNEL));
	ASSERT_NULL(vmap(NULL, 4, VM_MAP, PAGE_KERNEL));
	ASSERT_NULL(vmap(pages, UINT_MAX, VM_MAP, PAGE_KERNEL));
	ASSERT_NULL(vmap(pages, 4, VM_MAP, __pgprot(0)));
	pages[2] = NULL;
	ASSERT_NULL(vmap(pages, 4, VM_MAP, PAGE_KERNEL));
	ASSERT_EQ(vt_log_count("vmap: page 2 is NULL"), 1);
	pages[2] = (struct page *)&s0;
	ASSERT_NULL(vmap(pages, 4, VM_MAP, PAGE_KERNEL));
	ASSERT_SNAP_EQ(vt_snap(), s0);
	pages[2] = pages[1];
	for (i = 0; i < 4; i++)
		if (i != 2)
			__free_page(pages[i]);
}

TEST(vfree_of_a_vmap_area_unmaps_without_freeing_the_pages)
{
	struct page *pg;
	unsigned long before;
	void *v;

	vt_init(16, 1);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	v = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	ASSERT_NONNULL(v);
	before = nr_free_pages();
	vfree(v);
	ASSERT_EQ(nr_free_pages(), before);
	ASSERT_NULL(find_vm_area(v));
	__free_page(pg);
}

/* ------------------------------------------------------------------ */
/* get_vm_area and friends                                             */
/* ------------------------------------------------------------------ */

TEST(get_vm_area_reserves_unmapped_space_with_a_guard_page)
{
	struct vt_snap s0;
	struct vm_struct *a, *b;

	vt_init_strict(16);
	s0 = vt_snap();
	a = get_vm_area(3 * PAGE_SIZE, VM_ALLOC);
	b = get_vm_area(1, VM_ALLOC);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_EQ(a->size, 4 * PAGE_SIZE);
	ASSERT_EQ(b->size, 2 * PAGE_SIZE);
	ASSERT_EQ(a->flags, VM_ALLOC);
	ASSERT_NULL(a->pages);
	ASSERT_EQ(a->nr_pages, 0);
	ASSERT_EQ(a->phys_addr, 0);
	ASSERT_EQ((unsigned long)b->addr, (unsigned long)a->addr + a->size);
	ASSERT_NULL(vmalloc_to_page(a->addr));
	ASSERT_TRUE(find_vm_area((char *)a->addr + 3 * PAGE_SIZE + 9) == a);
	ASSERT_NULL(get_vm_area(0, VM_ALLOC));
	free_vm_area(a);
	free_vm_area(b);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(ioremap_areas_are_aligned_to_their_size_up_to_the_cap)
{
	struct { unsigned long size, align; } c[] = {
		{ 100, PAGE_SIZE },
		{ 3 * PAGE_SIZE, 16 * 1024 },	/* fls(12288) = 14 */
		{ 64 * 1024, 128 * 1024 },	/* fls(65536) = 17 */
		{ 1UL << 20, 1UL << IOREMAP_MAX_ORDER },
		{ 64UL << 20, 1UL << IOREMAP_MAX_ORDER },
	};
	struct vm_struct *spacer, *a;
	unsigned int i;

	vt_init(16, 1);
	spacer = get_vm_area(PAGE_SIZE, VM_ALLOC);	/* misalign the start */
	ASSERT_NONNULL(spacer);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		a = get_vm_area(c[i].size, VM_IOREMAP);
		ASSERT_NONNULL(a);
		ASSERT_EQ((unsigned long)a->addr & (c[i].align - 1), 0);
		ASSERT_EQ(a->flags, VM_IOREMAP);
		free_vm_area(a);
	}
	free_vm_area(spacer);
}

TEST(get_vm_area_window_is_respected_and_clipped)
{
	unsigned long s, win;
	struct vm_struct *a, *b, *c;

	vt_init(16, 1);
	s = VMALLOC_START;
	win = s + 64 * PAGE_SIZE;
	a = __get_vm_area(4 * PAGE_SIZE, VM_ALLOC, win, win + 10 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_EQ((unsigned long)a->addr, win);
	b = __get_vm_area(4 * PAGE_SIZE, VM_ALLOC, win, win + 10 * PAGE_SIZE);
	ASSERT_NONNULL(b);
	ASSERT_EQ((unsigned long)b->addr, win + 5 * PAGE_SIZE);
	/* Full: 10 pages hold two 5-page areas (4 + guard) and no third. */
	ASSERT_NULL(__get_vm_area(4 * PAGE_SIZE, VM_ALLOC, win, win + 10 * PAGE_SIZE));
	ASSERT_EQ(vt_log_count("out of vmalloc space"), 1);
	/* A window that starts below the range is clipped to it. */
	c = __get_vm_area(PAGE_SIZE, VM_ALLOC, 0, s + 2 * PAGE_SIZE);
	ASSERT_NONNULL(c);
	ASSERT_EQ((unsigned long)c->addr, s);
	/* Windows outside the range, empty or inverted, get NULL. */
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, 0, s));
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, VMALLOC_END, ULONG_MAX));
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, win, win));
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, win + PAGE_SIZE, win));
	ASSERT_EQ(vt_log_count("outside the vmalloc range"), 4);
	free_vm_area(a);
	free_vm_area(b);
	free_vm_area(c);
	ASSERT_SANE();
}

TEST(get_vm_area_node_and_caller_variants)
{
	struct vm_struct *a, *b;

	vt_init(16, 2);
	a = get_vm_area_node(2 * PAGE_SIZE, VM_ALLOC, 1, GFP_KERNEL);
	ASSERT_NONNULL(a);
	ASSERT_EQ(a->size, 3 * PAGE_SIZE);
	b = __get_vm_area_aligned(PAGE_SIZE, 1UL << 20, VM_ALLOC, VMALLOC_START,
				 VMALLOC_END, (void *)0x1234);
	ASSERT_NONNULL(b);
	ASSERT_EQ((unsigned long)b->addr & ((1UL << 20) - 1), 0);
	ASSERT_TRUE(b->caller == (void *)0x1234);
	ASSERT_NULL(__get_vm_area_aligned(PAGE_SIZE, 3 * PAGE_SIZE, VM_ALLOC,
					 VMALLOC_START, VMALLOC_END, NULL));
	ASSERT_NULL(__get_vm_area_aligned(PAGE_SIZE, 0, VM_ALLOC, VMALLOC_START,
					 VMALLOC_END, NULL));
	ASSERT_NULL(get_vm_area(PAGE_SIZE, VM_VPAGES));
	free_vm_area(a);
	free_vm_area(b);
}

TEST(remove_vm_area_hands_back_the_descriptor_without_the_guard)
{
	struct vt_snap s0;
	struct vm_struct *a, *r;
	struct page *pg;
	struct page **pp;
	void *addr;

	vt_init(16, 1);
	s0 = vt_snap();
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	a = get_vm_area(PAGE_SIZE, VM_MAP);
	ASSERT_NONNULL(a);
	pp = &pg;
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &pp), 0);
	addr = a->addr;
	r = remove_vm_area(addr);
	ASSERT_TRUE(r == a);
	ASSERT_EQ(r->size, PAGE_SIZE);
	ASSERT_NULL(find_vm_area(addr));
	ASSERT_NULL(vmalloc_to_page(addr));
	ASSERT_NULL(remove_vm_area(addr));
	free_vm_area(r);
	__free_page(pg);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(free_vm_area_of_a_stranger_warns)
{
	struct vm_struct fake;
	unsigned long w0;

	vt_init(16, 1);
	memset(&fake, 0, sizeof(fake));
	w0 = vt_warnings();
	free_vm_area(&fake);
	ASSERT_EQ(vt_warnings(), w0 + 1);
	free_vm_area(NULL);
	ASSERT_EQ(vt_warnings(), w0 + 1);
}

TEST(vmalloc_area_gives_an_area_from_get_vm_area_its_frames)
{
	struct vm_struct *a, *b, fake;
	struct vt_snap s0;
	char buf[5 * PAGE_SIZE], info[4096];
	void *p, *addr;
	unsigned long w0, i;

	vt_init(16, 2);
	s0 = vt_snap();
	a = get_vm_area(5 * PAGE_SIZE, VM_ALLOC);
	ASSERT_NONNULL(a);
	p = __vmalloc_area(a, GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL);
	ASSERT_TRUE(p == a->addr);
	ASSERT_EQ(a->nr_pages, 5);
	ASSERT_NONNULL(a->pages);
	for (i = 0; i < 5; i++)
		ASSERT_TRUE(vmalloc_to_page((char *)p + i * PAGE_SIZE) == a->pages[i]);
	ASSERT_NULL(vmalloc_to_page((char *)p + 5 * PAGE_SIZE));	/* guard */
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(vread(buf, p, sizeof(buf)), (long)sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(buf[i], 0);
	memset(buf, 0x3c, sizeof(buf));
	ASSERT_EQ(vwrite(buf, p, sizeof(buf)), (long)sizeof(buf));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(vread(buf, p, sizeof(buf)), (long)sizeof(buf));
	ASSERT_EQ(buf[0], 0x3c);
	ASSERT_EQ(buf[sizeof(buf) - 1], 0x3c);
	ASSERT_GT(vmallocinfo(info, sizeof(info)), 0);
	ASSERT_NONNULL(strstr(info, "pages=5"));

	/* Refused, warned about, and left as they were. */
	w0 = vt_warnings();
	ASSERT_NULL(__vmalloc_area(a, GFP_KERNEL, PAGE_KERNEL));	/* mapped */
	ASSERT_TRUE(vmalloc_to_page(p) == a->pages[0]);
	b = get_vm_area(2 * PAGE_SIZE, VM_MAP);
	ASSERT_NONNULL(b);
	ASSERT_NULL(__vmalloc_area(b, GFP_KERNEL, PAGE_KERNEL));	/* not VM_ALLOC */
	memset(&fake, 0, sizeof(fake));
	ASSERT_NULL(__vmalloc_area(&fake, GFP_KERNEL, PAGE_KERNEL));
	ASSERT_EQ(vt_warnings(), w0 + 3);
	free_vm_area(b);
	ASSERT_NULL(__vmalloc_area(NULL, GFP_KERNEL, PAGE_KERNEL));
	b = get_vm_area(2 * PAGE_SIZE, VM_ALLOC);
	ASSERT_NONNULL(b);
	ASSERT_NULL(__vmalloc_area(b, GFP_KERNEL, __pgprot(0)));
	ASSERT_NULL(__vmalloc_area_node(b, GFP_KERNEL, PAGE_KERNEL, 2));
	ASSERT_TRUE(find_vm_area(b->addr) == b);
	ASSERT_EQ(vt_warnings(), w0 + 3);	/* log lines only */

	/* On a node: its frames come from there; vfree takes everything. */
	p = __vmalloc_area_node(b, GFP_KERNEL, PAGE_KERNEL, 1);
	ASSERT_TRUE(p == b->addr);
	ASSERT_EQ(page_to_nid(b->pages[0]), 1);
	ASSERT_EQ(page_to_nid(b->pages[1]), 1);
	vfree(p);
	vfree(a->addr);
	ASSERT_SNAP_EQ(vt_snap(), s0);

	/* A failure frees the area, as in the seed. */
	a = get_vm_area((num_physpages_total() + 1) * PAGE_SIZE, VM_ALLOC);
	ASSERT_NONNULL(a);
	addr = a->addr;
	ASSERT_NULL(__vmalloc_area(a, GFP_KERNEL | __GFP_NOWARN, PAGE_KERNEL));
	ASSERT_NULL(find_vm_area(addr));
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(map_vm_area_maps_all_or_nothing_and_advances_the_cursor)
{
	struct page *pg[3], *bad[3];
	struct page **cur;
	struct vm_struct *a;
	struct vt_snap s0;
	int i;

	vt_init(16, 1);
	for (i = 0; i < 3; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL));
	a = get_vm_area(3 * PAGE_SIZE, VM_MAP);
	ASSERT_NONNULL(a);
	s0 = vt_snap();
	bad[0] = pg[0];
	bad[1] = NULL;
	bad[2] = pg[2];
	cur = bad;
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &cur), -ENOMEM);
	ASSERT_TRUE(cur == bad);
	ASSERT_NULL(vmalloc_to_page(a->addr));
	ASSERT_SNAP_EQ(vt_snap(), s0);

	cur = pg;
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &cur), 0);
	ASSERT_TRUE(cur == pg + 3);
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(vmalloc_to_page((char *)a->addr + i * PAGE_SIZE) == pg[i]);
	cur = pg;
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &cur), -EBUSY);
	ASSERT_EQ(map_vm_area(NULL, PAGE_KERNEL, &cur), -EINVAL);
	ASSERT_EQ(map_vm_area(a, __pgprot(0), &cur), -EINVAL);

	/* unmap_kernel_range clears the PTEs at once; the area stays. */
	unmap_kernel_range((unsigned long)a->addr, 3 * PAGE_SIZE);
	ASSERT_NULL(vmalloc_to_page(a->addr));
	ASSERT_TRUE(find_vm_area(a->addr) == a);
	cur = pg;
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &cur), 0);
	free_vm_area(a);
	for (i = 0; i < 3; i++)
		__free_page(pg[i]);
	ASSERT_SANE();
}

TEST(unmap_kernel_range_rejects_bad_ranges)
{
	unsigned long w0;

	vt_init(16, 1);
	w0 = vt_warnings();
	unmap_kernel_range(VMALLOC_START, 0);
	unmap_kernel_range(VMALLOC_START + 1, PAGE_SIZE);
	unmap_kernel_range(VMALLOC_END - PAGE_SIZE, 2 * PAGE_SIZE);
	unmap_kernel_range(0x1000, PAGE_SIZE);
	unmap_kernel_range(ULONG_MAX & PAGE_MASK, PAGE_SIZE);
	ASSERT_EQ(vt_warnings(), w0 + 5);
	unmap_kernel_range(VMALLOC_START, PAGE_SIZE);	/* nothing mapped: fine */
	ASSERT_EQ(vt_warnings(), w0 + 5);
}

TEST(alloc_vm_area_builds_the_page_tables_in_advance)
{
	struct vm_struct *a;
	struct page *pg[2];
	struct page **cur = pg;

	vt_init(16, 1);
	a = alloc_vm_area(2 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_EQ(a->flags, VM_IOREMAP);
	ASSERT_NULL(vmalloc_to_page(a->addr));
	ASSERT_NONNULL(pg[0] = alloc_page(GFP_KERNEL));
	ASSERT_NONNULL(pg[1] = alloc_page(GFP_KERNEL));
	/* No table can be missing now: mapping needs no table allocation. */
	vmalloc_fault_inject(VM_FAULT_PT, 1, 0, 0);
	ASSERT_EQ(map_vm_area(a, PAGE_KERNEL, &cur), 0);
	vmalloc_fault_inject(0, 0, 0, 0);
	vmalloc_sync_all();
	free_vm_area(a);
	__free_page(pg[0]);
	__free_page(pg[1]);
}

/* ------------------------------------------------------------------ */
/* vread / vwrite                                                      */
/* ------------------------------------------------------------------ */

TEST(vread_zero_fills_holes_and_counts_to_the_last_area)
{
	char *a, *b, *buf;
	struct vm_struct *hole;
	unsigned long span;

	vt_init(16, 1);
	a = vmalloc(2 * PAGE_SIZE);
	hole = get_vm_area(PAGE_SIZE, VM_ALLOC);	/* reserved, unmapped */
	b = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(hole);
	ASSERT_NONNULL(b);
	vt_fill(a, 2 * PAGE_SIZE, 1);
	vt_fill(b, PAGE_SIZE, 2);
	span = (unsigned long)b + PAGE_SIZE - (unsigned long)a;
	buf = malloc(span + 3 * PAGE_SIZE);
	ASSERT_NONNULL(buf);
	memset(buf, 0x7f, span + 3 * PAGE_SIZE);
	/* Reading past the last area counts only up to its end. */
	ASSERT_EQ(vread(buf, a, span + 3 * PAGE_SIZE), (long)span);
	ASSERT_EQ(buf[2 * PAGE_SIZE], 0);		/* a's guard page */
	ASSERT_EQ(buf[3 * PAGE_SIZE + 5], 0);		/* the unmapped area */
	ASSERT_EQ((unsigned char)buf[0], vt_pattern(0, 1));
	ASSERT_EQ((unsigned char)buf[span - PAGE_SIZE + 1], vt_pattern(1, 2));
	ASSERT_EQ((unsigned char)buf[span], 0x7f);	/* untouched */
	/* Writing over the hole changes nothing there. */
	memset(buf, 0x33, span);
	ASSERT_EQ(vwrite(buf, a, span), (long)span);
	ASSERT_EQ(vread(buf, a, 1), 1);
	ASSERT_EQ(buf[0], 0x33);
	ASSERT_NULL(vmalloc_to_page(hole->addr));
	/* Nothing after the last area: 0. */
	ASSERT_EQ(vread(buf, b + 2 * PAGE_SIZE, 100), 0);
	ASSERT_EQ(vread(buf, a, 0), 0);
	free(buf);
	vfree(a);
	vfree(b);
	free_vm_area(hole);
}

TEST(vread_starting_inside_an_area_reads_from_there)
{
	char *a, buf[10];

	vt_init(16, 1);
	a = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	vt_fill(a, 3 * PAGE_SIZE, 9);
	ASSERT_EQ(vread(buf, a + PAGE_SIZE + 5, 10), 10);
	ASSERT_EQ((unsigned char)buf[0], vt_pattern(PAGE_SIZE + 5, 9));
	/* Crossing the end: counts up to the end of the data. */
	ASSERT_EQ(vread(buf, a + 3 * PAGE_SIZE - 4, 10), 4);
	vfree(a);
}

/* ------------------------------------------------------------------ */
/* remap_vmalloc_range                                                 */
/* ------------------------------------------------------------------ */

TEST(remap_vmalloc_range_maps_the_area_into_a_user_range)
{
	struct vm_area_struct vma;
	char *p;
	int i;

	vt_init(16, 1);
	p = vmalloc_user(4 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vt_fill(p, 4 * PAGE_SIZE, 5);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 1), 0);
	ASSERT_TRUE(vma.vm_flags & VM_RESERVED);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start + i * PAGE_SIZE),
			  vmalloc_to_pfn(p + (i + 1) * PAGE_SIZE));
	if (vt_is_host())
		ASSERT_EQ(((unsigned char *)vma.vm_start)[3],
			  vt_pattern(PAGE_SIZE + 3, 5));
	vm_user_range_release(&vma);
	vfree(p);
}

TEST(remap_vmalloc_range_checks_as_the_seed_does)
{
	struct vm_area_struct vma, big;
	struct vt_snap s0;
	char *p, *plain;

	vt_init(16, 1);
	p = vmalloc_user(4 * PAGE_SIZE);
	plain = vmalloc(4 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(plain);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
	ASSERT_EQ(vm_user_range_reserve(&big, 8 * PAGE_SIZE), 0);
	s0 = vt_snap();
	ASSERT_EQ(remap_vmalloc_range(&vma, plain, 0), -EINVAL);	/* no VM_USERMAP */
	ASSERT_EQ(remap_vmalloc_range(&vma, p + 1, 0), -EINVAL);	/* misaligned */
	ASSERT_EQ(remap_vmalloc_range(&vma, p + PAGE_SIZE, 0), -EINVAL); /* not a start */
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 3), -EINVAL);		/* pgoff past the end */
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 4), -EINVAL);
	ASSERT_EQ(remap_vmalloc_range(&big, p, 0), -EINVAL);		/* vma larger */
	ASSERT_EQ(remap_vmalloc_range(NULL, p, 0), -EINVAL);
	ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start), 0);		/* nothing mapped */
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 2), 0);			/* exactly fits */
	vm_user_range_release(&vma);
	vm_user_range_release(&big);
	vfree(p);
	vfree(plain);
}

/* ------------------------------------------------------------------ */
/* vmallocinfo, stats, exit                                            */
/* ------------------------------------------------------------------ */

TEST(vmallocinfo_lists_every_area_in_the_kernel_format)
{
	struct page *pg;
	struct vm_struct *io;
	char *a, *u, *m, *buf, *line;
	size_t need, got;
	int lines = 0;
	unsigned long prev = 0;

	vt_init(16, 2);
	a = vmalloc(3 * PAGE_SIZE);
	u = vmalloc_user(PAGE_SIZE);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	m = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	io = get_vm_area(PAGE_SIZE, VM_IOREMAP);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(u);
	ASSERT_NONNULL(m);
	ASSERT_NONNULL(io);
	need = vmallocinfo(NULL, 0);
	ASSERT_GT(need, 0);
	buf = malloc(need + 1);
	ASSERT_NONNULL(buf);
	got = vmallocinfo(buf, need + 1);
	ASSERT_EQ(got, need);
	ASSERT_EQ(strlen(buf), need);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long s, e, size;

		ASSERT_EQ(sscanf(line, "0x%lx-0x%lx %lu", &s, &e, &size), 3);
		ASSERT_EQ(e - s, size);
		ASSERT_GT(s, prev);
		prev = s;
		if (s == (unsigned long)a)
			ASSERT_NONNULL(strstr(line, " pages=3 vmalloc N0=3"));
		if (s == (unsigned long)u)
			ASSERT_NONNULL(strstr(line, " pages=1 vmalloc user"));
		if (s == (unsigned long)m)
			ASSERT_TRUE(strstr(line, " vmap") && !strstr(line, "pages="));
		if (s == (unsigned long)io->addr)
			ASSERT_NONNULL(strstr(line, " ioremap"));
		lines++;
	}
	ASSERT_EQ(lines, 4);
	/* Truncation: snprintf semantics, always terminated. */
	got = vmallocinfo(buf, 10);
	ASSERT_EQ(got, need);
	ASSERT_EQ(strlen(buf), 9);
	free(buf);
	vfree(a);
	vfree(u);
	vunmap(m);
	free_vm_area(io);
	__free_page(pg);
	ASSERT_EQ(vmallocinfo(NULL, 0), 0);
}

TEST(vmallocinfo_print_writes_the_listing)
{
	char *a, text[4096];
	FILE *f;
	long n;

	vt_init(16, 1);
	a = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(a);
	f = fmemopen(text, sizeof(text), "w");
	ASSERT_NONNULL(f);
	n = vmallocinfo_print(f);
	fclose(f);
	ASSERT_GT(n, 20);
	ASSERT_NONNULL(strstr(text, "pages=1 vmalloc"));
	vfree(a);
}

TEST(exit_releases_what_the_program_left_behind)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	vt_init(16, 1);
	ASSERT_NONNULL(vmalloc(PAGE_SIZE));
	ASSERT_NONNULL(get_vm_area(PAGE_SIZE, VM_ALLOC));
	ASSERT_EQ(vmalloc_exit(), 2);
	ASSERT_EQ(vmalloc_exit(), 0);
	/* The next call initialises again, from the environment. */
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.areas, 0);
	ASSERT_EQ(vmalloc_init(NULL), -EBUSY);
}

TEST(statistics_track_areas_and_metadata)
{
	struct vmalloc_stats st0 = { .sz = sizeof(struct vmalloc_stats) }, st1 = { .sz = sizeof(struct vmalloc_stats) };
	enum { N = 2000 };
	static void *p[N];
	int i;

	vt_init(64, 1);
	vmalloc_get_stats(&st0);
	for (i = 0; i < N; i++)
		ASSERT_NONNULL(p[i] = vmalloc(PAGE_SIZE));
	vmalloc_get_stats(&st1);
	ASSERT_EQ(st1.areas, st0.areas + N);
	ASSERT_EQ(st1.vmap_areas, st0.vmap_areas + N);
	ASSERT_GT(st1.meta_bytes, st0.meta_bytes);
	/* Descriptor, its share of a block, the page array: under 128. */
	ASSERT_LE((st1.meta_bytes - st0.meta_bytes) / N, 128);
	ASSERT_EQ(st1.free_pages, st0.free_pages - N - (st1.pt_pages - st0.pt_pages));
	for (i = 0; i < N; i++)
		vfree(p[i]);
}
