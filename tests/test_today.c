/* SPDX-License-Identifier: MIT */
/*
 * Today's kernel API (Linux 6.x) beyond the seed's: the allocation
 * wrappers, both eras' call forms, the new area flags, vmap_pfn, sparse
 * areas, the address queries, the vm_area_struct a driver's mmap handler
 * uses, and vmallocinfo's current format. One documented behaviour per
 * case, on the engine VMALLOC_ENGINE selects.
 */
#include "harness.h"
#include "pgtable/pgtable.h"

/* Leave dirty, freed frames in the pool, so zeroing is really tested. */
static void dirty_the_pool(unsigned long pages)
{
	void *p = vmalloc(pages * PAGE_SIZE);

	ASSERT_NONNULL(p);
	vt_fill(p, pages * PAGE_SIZE, 0xab);
	vfree(p);
	vm_unmap_aliases();
}

static struct vmalloc_stats stats(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st;
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

TEST(vmalloc_in_both_call_forms_maps_with_the_right_protection)
{
	void *(*fn)(unsigned long, gfp_t) = __vmalloc;
	void *rw, *ro, *viafn;

	vt_init(16, 1);
	dirty_the_pool(64);
	rw = __vmalloc(3 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	ro = __vmalloc(2 * PAGE_SIZE, GFP_KERNEL, PAGE_KERNEL_RO);
	viafn = fn(PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(rw);
	ASSERT_NONNULL(ro);
	ASSERT_NONNULL(viafn);
	ASSERT_TRUE(vt_zeroed(rw, 3 * PAGE_SIZE));
	ASSERT_TRUE(pt_lookup((unsigned long)rw) & _PAGE_RW);
	ASSERT_TRUE(pt_lookup((unsigned long)rw) & _PAGE_NX);
	ASSERT_FALSE(pt_lookup((unsigned long)ro) & _PAGE_RW);
	ASSERT_TRUE(pt_lookup((unsigned long)viafn) & _PAGE_PRESENT);
	vfree(rw);
	vfree(ro);
	vfree(viafn);
}

TEST(vmalloc_node_aligns_and_places_frames_on_the_node)
{
	struct vt_snap s0;
	char *p, *z;
	unsigned long i;

	vt_init(32, 2);
	dirty_the_pool(64);
	s0 = vt_snap();
	p = __vmalloc_node(5 * PAGE_SIZE, 1UL << 16, GFP_KERNEL, 1, vmalloc);
	z = vzalloc_node(9 * PAGE_SIZE, 0);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(z);
	ASSERT_EQ((unsigned long)p & 0xffff, 0);
	ASSERT_EQ(find_vm_area(p)->caller, (const void *)vmalloc);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(page_to_nid(vmalloc_to_page(p + i * PAGE_SIZE)), 1);
	for (i = 0; i < 9; i++)
		ASSERT_EQ(page_to_nid(vmalloc_to_page(z + i * PAGE_SIZE)), 0);
	ASSERT_TRUE(vt_zeroed(z, 9 * PAGE_SIZE));
	vfree(p);
	vfree(z);
	/* Any node; and a node that does not exist is refused. */
	p = __vmalloc_node(PAGE_SIZE, 1, GFP_KERNEL, NUMA_NO_NODE, NULL);
	ASSERT_NONNULL(p);
	vfree(p);
	ASSERT_NULL(__vmalloc_node(PAGE_SIZE, 1, GFP_KERNEL, 7, NULL));
	ASSERT_GT(vt_log_count("bad protection"), 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(vmalloc_array_and_vcalloc_refuse_overflow_and_vcalloc_zeroes)
{
	struct vt_snap s0;
	unsigned int *a;
	void *z;

	vt_init(16, 1);
	dirty_the_pool(128);
	s0 = vt_snap();
	ASSERT_NULL(vmalloc_array(SIZE_MAX / 2, 3));
	ASSERT_NULL(vcalloc(SIZE_MAX / 8, 16));
	ASSERT_NULL(__vmalloc_array((size_t)1 << 40, (size_t)1 << 40, GFP_KERNEL));
	ASSERT_EQ(vt_log_count("overflow"), 3);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	a = vmalloc_array(3000, sizeof(*a));
	z = vcalloc(5000, 20);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(z);
	ASSERT_EQ(find_vm_area(a)->size, PAGE_ALIGN(3000 * sizeof(*a)) + PAGE_SIZE);
	ASSERT_TRUE(vt_zeroed(z, 5000 * 20));
	vfree(a);
	vfree(z);
	z = __vcalloc(10, PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(z);
	ASSERT_TRUE(vt_zeroed(z, 10 * PAGE_SIZE));
	vfree(z);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(vfree_atomic_frees_like_vfree)
{
	struct vt_snap s0;
	void *p;
	unsigned long w;

	vt_init(16, 1);
	s0 = vt_snap();
	p = vmalloc(6 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree_atomic(p);
	ASSERT_NULL(find_vm_area(p));
	ASSERT_SNAP_EQ(vt_snap(), s0);
	w = vt_warnings();
	vfree_atomic(p);			/* twice: one warning, no change */
	ASSERT_EQ(vt_warnings(), w + 1);
	ASSERT_EQ(vt_log_count("Trying to vfree_atomic() nonexistent vm area"), 1);
	vfree_atomic(NULL);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

TEST(nofail_retries_a_failed_allocation_and_fails_loudly_only_when_impossible)
{
	struct vt_snap s0;
	unsigned long w;
	void *p;

	vt_init(16, 1);
	s0 = vt_snap();
	/* A plain allocation fails at the injected point... */
	vmalloc_fault_inject(VM_FAULT_PAGE, 1, 0, 0);
	ASSERT_NULL(__vmalloc(4 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN));
	/* ...a __GFP_NOFAIL one retries past it. */
	vmalloc_fault_inject(VM_FAULT_PAGE, 1, 0, 0);
	p = __vmalloc(4 * PAGE_SIZE, GFP_KERNEL | __GFP_NOFAIL);
	ASSERT_GE(vmalloc_fault_attempts(), 2);
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_NONNULL(p);
	vfree(p);
	/* More than the pool holds can never succeed: said loudly, even
	 * with __GFP_NOWARN, and nothing is left behind. */
	w = vt_warnings();
	vt_log_clear();
	ASSERT_NULL(__vmalloc(32UL << 20, GFP_KERNEL | __GFP_NOFAIL | __GFP_NOWARN));
	ASSERT_EQ(vt_warnings(), w + 1);
	ASSERT_EQ(vt_log_count("__GFP_NOFAIL allocation"), 1);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(gfp_names_of_todays_kernel_allocate)
{
	static const gfp_t flags[] = {
		GFP_NOWAIT, GFP_KERNEL_ACCOUNT, GFP_KERNEL | __GFP_RETRY_MAYFAIL,
		GFP_KERNEL | __GFP_NORETRY, GFP_KERNEL | __GFP_ACCOUNT,
		GFP_KERNEL | __GFP_RECLAIM,
	};
	struct vt_snap s0;
	unsigned int i;

	vt_init(16, 1);
	s0 = vt_snap();
	for (i = 0; i < ARRAY_LEN(flags); i++) {
		void *p = __vmalloc(3 * PAGE_SIZE, flags[i]);

		ASSERT_NONNULL(p);
		vfree(p);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

/* ------------------------------------------------------------------ */
/* Area flags                                                          */
/* ------------------------------------------------------------------ */

TEST(no_guard_area_maps_every_page_and_is_flushed_when_freed)
{
	struct vmalloc_stats before = { .sz = sizeof(struct vmalloc_stats) }, after = { .sz = sizeof(struct vmalloc_stats) };
	struct vm_struct *vm;
	struct vt_snap s0;
	char *p, *q;

	vt_init_strict(16);
	s0 = vt_snap();
	p = __vmalloc_node_range(3 * PAGE_SIZE, 1, VMALLOC_START, VMALLOC_END,
				 GFP_KERNEL, PAGE_KERNEL, VM_NO_GUARD,
				 NUMA_NO_NODE, NULL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->size, 3 * PAGE_SIZE);
	ASSERT_EQ(vm->nr_pages, 3);
	ASSERT_NONNULL(vmalloc_to_page(p + 2 * PAGE_SIZE));
	/* Lowest fit: the next area starts right where p's data ends. */
	q = vmalloc(PAGE_SIZE);
	ASSERT_EQ(q, p + 3 * PAGE_SIZE);
	vt_fill(p, 3 * PAGE_SIZE, 4);
	vt_fill(q, PAGE_SIZE, 5);
	vfree(q);
	before = stats();
	vfree(p);
	after = stats();
	ASSERT_EQ(after.lazy_pages, before.lazy_pages);	/* not lazy */
	ASSERT_GT(after.tlb_flushes, before.tlb_flushes);
	ASSERT_EQ(vmalloc_to_pfn(p + 2 * PAGE_SIZE), 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(flush_reset_perms_area_is_unmapped_before_vfree_returns)
{
	struct vmalloc_stats before = { .sz = sizeof(struct vmalloc_stats) }, after = { .sz = sizeof(struct vmalloc_stats) };
	unsigned int i;
	char *p[2];

	vt_init(16, 1);
	p[0] = vmalloc(8 * PAGE_SIZE);		/* a tree area */
	p[1] = vmalloc(PAGE_SIZE);		/* a slot of the fast path */
	for (i = 0; i < 2; i++) {
		ASSERT_NONNULL(p[i]);
		ASSERT_FALSE(find_vm_area(p[i])->flags & VM_FLUSH_RESET_PERMS);
		set_vm_flush_reset_perms(p[i] + 10);	/* any address inside */
		ASSERT_TRUE(find_vm_area(p[i])->flags & VM_FLUSH_RESET_PERMS);
		before = stats();
		vfree(p[i]);
		after = stats();
		ASSERT_EQ(after.lazy_pages, before.lazy_pages);
		ASSERT_GT(after.tlb_flushes, before.tlb_flushes);
		ASSERT_EQ(vmalloc_to_pfn(p[i]), 0);
		if (vt_is_host())
			ASSERT_EQ(vt_probe(p[i], false), (void *)p[i]);
	}
	set_vm_flush_reset_perms(p[0]);		/* no area: nothing happens */
	set_vm_flush_reset_perms(NULL);
	ASSERT_SANE();
}

TEST(sparse_area_maps_and_unmaps_pages_piecewise)
{
	struct page *pg[4];
	struct vm_struct *vm, *plain;
	struct vt_snap s0;
	unsigned long a, i;
	char info[4096];

	vt_init(16, 1);
	s0 = vt_snap();
	for (i = 0; i < 4; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL));
	vm = get_vm_area(16 * PAGE_SIZE, VM_SPARSE);
	plain = get_vm_area(16 * PAGE_SIZE, VM_MAP);
	ASSERT_NONNULL(vm);
	ASSERT_NONNULL(plain);
	a = (unsigned long)vm->addr;
	ASSERT_EQ(vm_area_map_pages(vm, a + 4 * PAGE_SIZE, a + 8 * PAGE_SIZE, pg), 0);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(vmalloc_to_page((void *)(a + i * PAGE_SIZE)),
			  i >= 4 && i < 8 ? pg[i - 4] : NULL);
	/* Overlapping a mapped page, outside the area, not sparse, bad input. */
	ASSERT_EQ(vm_area_map_pages(vm, a + 7 * PAGE_SIZE, a + 9 * PAGE_SIZE, pg), -EBUSY);
	ASSERT_EQ(vmalloc_to_page((void *)(a + 8 * PAGE_SIZE)), NULL);
	ASSERT_EQ(vm_area_map_pages(vm, a + 14 * PAGE_SIZE, a + 18 * PAGE_SIZE, pg), -EINVAL);
	ASSERT_EQ(vm_area_map_pages(vm, a + 1, a + PAGE_SIZE + 1, pg), -EINVAL);
	ASSERT_EQ(vm_area_map_pages(plain, (unsigned long)plain->addr,
				    (unsigned long)plain->addr + PAGE_SIZE, pg), -EINVAL);
	ASSERT_EQ(vm_area_map_pages(vm, a, a + PAGE_SIZE, NULL), -EINVAL);
	ASSERT_EQ(vm_area_map_pages(NULL, a, a + PAGE_SIZE, pg), -EINVAL);
	vmallocinfo(info, sizeof(info));
	ASSERT_NONNULL(strstr(info, " sparse"));
	/* Unmap the middle two, map them again elsewhere. */
	vm_area_unmap_pages(vm, a + 5 * PAGE_SIZE, a + 7 * PAGE_SIZE);
	ASSERT_EQ(vmalloc_to_page((void *)(a + 5 * PAGE_SIZE)), NULL);
	ASSERT_EQ(vmalloc_to_page((void *)(a + 7 * PAGE_SIZE)), pg[3]);
	ASSERT_EQ(vm_area_map_pages(vm, a + 10 * PAGE_SIZE, a + 12 * PAGE_SIZE, pg), 0);
	ASSERT_EQ(vmalloc_to_page((void *)(a + 11 * PAGE_SIZE)), pg[1]);
	/* Freeing the area unmaps what is left; the pages stay the caller's. */
	free_vm_area(vm);
	free_vm_area(plain);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(page_count(pg[i]), 1);
		__free_page(pg[i]);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(vmap_pfn_maps_pool_frames_by_number_and_refuses_others)
{
	struct page *pg[3];
	unsigned long pfns[3], i, freed;
	struct vt_snap s0;
	char *p;

	vt_init(16, 1);
	for (i = 0; i < 3; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL | __GFP_ZERO));
	for (i = 0; i < 3; i++) {
		pfns[i] = page_to_pfn(pg[2 - i]);
		memset(page_address(pg[2 - i]), (int)(0x30 + i), PAGE_SIZE);
	}
	s0 = vt_snap();
	p = vmap_pfn(pfns, 3, PAGE_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(find_vm_area(p)->flags & VM_IOREMAP);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(vmalloc_to_pfn(p + i * PAGE_SIZE), pfns[i]);
	if (vt_is_host())
		ASSERT_EQ(p[PAGE_SIZE + 5], 0x31);
	vunmap(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	/* A free frame, a number outside the pool, no array, no count. */
	freed = pfns[0];
	__free_page(pg[2]);
	ASSERT_NULL(vmap_pfn(pfns, 3, PAGE_KERNEL));
	ASSERT_GT(vt_log_count("is not an allocated frame"), 0);
	pfns[0] = 1;
	ASSERT_NULL(vmap_pfn(pfns, 1, PAGE_KERNEL));
	ASSERT_NULL(vmap_pfn(NULL, 1, PAGE_KERNEL));
	pfns[0] = freed;
	ASSERT_NULL(vmap_pfn(pfns + 1, 0, PAGE_KERNEL));
	__free_page(pg[0]);
	__free_page(pg[1]);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */

TEST(is_vmalloc_addr_covers_exactly_the_range)
{
	struct page *pg;
	int local;

	vt_init(16, 1);
	pg = alloc_page(GFP_KERNEL);
	ASSERT_NONNULL(pg);
	ASSERT_TRUE(is_vmalloc_addr((void *)VMALLOC_START));
	ASSERT_TRUE(is_vmalloc_addr((void *)(VMALLOC_END - 1)));
	ASSERT_FALSE(is_vmalloc_addr((void *)VMALLOC_END));
	ASSERT_FALSE(is_vmalloc_addr((void *)(VMALLOC_START - 1)));
	ASSERT_FALSE(is_vmalloc_addr(&local));
	ASSERT_FALSE(is_vmalloc_addr(page_address(pg)));
	ASSERT_EQ(is_vmalloc_or_module_addr((void *)VMALLOC_START), 1);
	ASSERT_EQ(is_vmalloc_or_module_addr(&local), 0);
	__free_page(pg);
}

TEST(vmalloc_nr_pages_counts_the_frames_vmalloc_areas_own)
{
	unsigned long base, big = 2000;
	struct page *pg;
	void *p, *q, *m;

	vt_init(32, 1);
	base = vmalloc_nr_pages();
	p = vmalloc(5 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vmalloc_nr_pages(), base + 5);
	pg = alloc_page(GFP_KERNEL);
	ASSERT_NONNULL(pg);
	m = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);		/* owns no frames */
	ASSERT_NONNULL(m);
	ASSERT_EQ(vmalloc_nr_pages(), base + 5);
	/* A page array of its own (vmalloc()ed) counts too. */
	q = vmalloc(big * PAGE_SIZE);
	ASSERT_NONNULL(q);
	ASSERT_EQ(vmalloc_nr_pages(), base + 5 + big +
		  (find_vm_area(q)->flags & VM_VPAGES ?
		   PAGE_ALIGN(big * sizeof(void *)) / PAGE_SIZE : 0));
	vfree(q);
	vunmap(m);
	__free_page(pg);
	vfree(p);
	ASSERT_EQ(vmalloc_nr_pages(), base);
}

TEST(vmalloc_dump_obj_names_the_area_holding_an_address)
{
	char want[128];
	char *p;
	int local;

	vt_init(16, 1);
	p = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	snprintf(want, sizeof(want), "3-page vmalloc region starting at 0x%lx allocated at ",
		 (unsigned long)p);
	vt_log_clear();
	ASSERT_TRUE(vmalloc_dump_obj(p + PAGE_SIZE + 100));
	ASSERT_TRUE(vmalloc_dump_obj(p + 3 * PAGE_SIZE));	/* its guard page */
	ASSERT_EQ(vt_log_count(want), 2);
	vt_log_clear();
	ASSERT_FALSE(vmalloc_dump_obj(&local));
	ASSERT_FALSE(vmalloc_dump_obj(p + 4 * PAGE_SIZE + (1UL << 30)));
	vfree(p);
	ASSERT_FALSE(vmalloc_dump_obj(p));
	ASSERT_EQ(vt_log_count("vmalloc region"), 0);
}

static void marker(void)
{
}

TEST(get_vm_area_caller_records_the_caller_and_honours_the_window)
{
	struct vm_struct *a, *b;
	struct vt_snap s0;
	unsigned long lo;

	vt_init(16, 1);
	lo = VMALLOC_START + (1UL << 32);
	s0 = vt_snap();
	a = get_vm_area_caller(2 * PAGE_SIZE, VM_IOREMAP, (const void *)marker);
	b = __get_vm_area_caller(3 * PAGE_SIZE, VM_MAP, lo, lo + (1UL << 20),
				 (const void *)marker);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_EQ(a->caller, (const void *)marker);
	ASSERT_EQ(b->caller, (const void *)marker);
	ASSERT_EQ((unsigned long)b->addr, lo);
	ASSERT_NULL(__get_vm_area_caller(2UL << 20, VM_MAP, lo, lo + (1UL << 20), NULL));
	free_vm_area(a);
	free_vm_area(b);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
}

TEST(virt_to_page_inverts_page_address)
{
	struct page *pg;
	char *p;
	int local;

	vt_init(16, 1);
	pg = alloc_pages(GFP_KERNEL, 2);
	ASSERT_NONNULL(pg);
	p = page_address(pg);
	ASSERT_EQ(virt_to_page(p), pg);
	ASSERT_EQ(virt_to_page(p + 3 * PAGE_SIZE + 77), pfn_to_page(page_to_pfn(pg) + 3));
	ASSERT_NULL(virt_to_page(&local));
	ASSERT_NULL(virt_to_page((void *)VMALLOC_START));
	__free_pages(pg, 2);
}

/* ------------------------------------------------------------------ */
/* A driver's mmap handler, written as drivers write it                */
/* ------------------------------------------------------------------ */

struct drv {
	void *buf;
	int users;
	int closed;
};

static void drv_vma_close(struct vm_area_struct *vma)
{
	struct drv *d = vma->vm_private_data;

	d->users--;
	d->closed++;
}

static const struct vm_operations_struct drv_vm_ops = {
	.close = drv_vma_close,
};

static int drv_mmap(struct drv *d, struct vm_area_struct *vma)
{
	int ret;

	ret = remap_vmalloc_range(vma, d->buf, vma->vm_pgoff);
	if (ret)
		return ret;
	vm_flags_set(vma, VM_DONTEXPAND);
	vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_private_data = d;
	vma->vm_ops = &drv_vm_ops;
	d->users++;
	return 0;
}

TEST(driver_mmap_handler_compiles_as_written_and_close_runs_at_release)
{
	struct vm_area_struct vma, copy;
	struct drv d = { 0 };

	vt_init(16, 1);
	d.buf = vmalloc_user(4 * PAGE_SIZE);
	ASSERT_NONNULL(d.buf);
	vt_fill(d.buf, 4 * PAGE_SIZE, 9);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
	ASSERT_NULL(vma.vm_ops);
	ASSERT_NULL(vma.vm_private_data);
	vma.vm_pgoff = 1;
	ASSERT_EQ(drv_mmap(&d, &vma), 0);
	/* What today's remap_vmalloc_range() sets; 2.6's name for it. */
	ASSERT_EQ(vma.vm_flags & (VM_DONTEXPAND | VM_DONTDUMP),
		  VM_DONTEXPAND | VM_DONTDUMP);
	ASSERT_EQ(vma.vm_flags & VM_RESERVED, VM_RESERVED);
	ASSERT_FALSE(vma.vm_flags & 0x00080000UL);	/* VM_LOCKONFAULT today */
	ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start),
		  vmalloc_to_pfn((char *)d.buf + PAGE_SIZE));
	if (vt_is_host())
		ASSERT_EQ(((unsigned char *)vma.vm_start)[2],
			  vt_pattern(PAGE_SIZE + 2, 9));
	ASSERT_EQ(d.users, 1);
	copy = vma;
	vm_user_range_release(&vma);
	ASSERT_EQ(d.closed, 1);
	ASSERT_EQ(d.users, 0);
	/* A stale copy is no live range: close() does not run again. */
	vm_user_range_release(&copy);
	ASSERT_EQ(d.closed, 1);
	vfree(d.buf);
}

/* ------------------------------------------------------------------ */
/* vmallocinfo                                                         */
/* ------------------------------------------------------------------ */

TEST(vmallocinfo_lists_node_counts_and_unpurged_areas_as_today)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 16,
				      .quiet = true, .no_cache = true };
	char info[8192], want[128];
	char *p;

	/* Lazily freed areas: without the area cache, which would keep
	 * them mapped for reuse instead (test_cache.c). */
	vt_init_cfg(&cfg);
	p = vmalloc(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vmallocinfo(info, sizeof(info));
	ASSERT_NONNULL(strstr(info, " pages=2 vmalloc N0=2\n"));
	vfree(p);
	snprintf(want, sizeof(want), "0x%016lx-0x%016lx %7lu unpurged vm_area\n",
		 (unsigned long)p, (unsigned long)p + 3 * PAGE_SIZE,
		 3 * PAGE_SIZE);
	p = vmalloc(8 * PAGE_SIZE);		/* a tree area: on the lazy list */
	ASSERT_NONNULL(p);
	vfree(p);
	snprintf(want, sizeof(want), "0x%016lx-0x%016lx %7lu unpurged vm_area\n",
		 (unsigned long)p, (unsigned long)p + 9 * PAGE_SIZE,
		 9 * PAGE_SIZE);
	vmallocinfo(info, sizeof(info));
	ASSERT_NONNULL(strstr(info, want));
	vm_unmap_aliases();
	vmallocinfo(info, sizeof(info));
	ASSERT_NULL(strstr(info, "unpurged"));
}
