/* SPDX-License-Identifier: MIT */
/*
 * Huge mappings: vmalloc_huge(), vmalloc_huge_node() and
 * VM_ALLOW_HUGE_VMAP map 2 MiB-aligned runs of 2 MiB frame blocks with
 * PMD leaf entries, and fall back to 4 KiB pages where size, alignment,
 * memory or an existing page table do not allow one, as the kernel does.
 * Every case checks translations against pages[], contents through
 * vread/vwrite and the direct map, and the counters after freeing.
 */
#include "harness.h"
#include <pthread.h>
#include "pgtable/pgtable.h"

#define MiB		(1UL << 20)
#define HUGE		PT_PMD_SIZE

static unsigned long leaf_size(const void *addr)
{
	unsigned long size;

	pt_lookup_size((unsigned long)addr, &size);
	return size;
}

static unsigned long huge_leaves(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st.huge_leaves;
}

/* A 2 MiB-aligned window of @len bytes, well away from other areas. */
static unsigned long far_window(unsigned long len)
{
	unsigned long base = (VMALLOC_START + (1UL << 30)) & ~((1UL << 30) - 1);

	base += 1UL << 30;
	ASSERT_LE(base + len, VMALLOC_END);
	return base;
}

static void *huge_range(unsigned long size, unsigned long start,
			unsigned long end, unsigned long flags, pgprot_t prot,
			int node)
{
	return __vmalloc_node_range(size, 1, start, end, GFP_KERNEL, prot,
				    VM_ALLOW_HUGE_VMAP | flags, node, NULL);
}

/* vmalloc_to_page/pfn at every page (and odd offsets) match pages[]. */
static void expect_translations(const struct vm_struct *vm)
{
	unsigned long i;

	for (i = 0; i < vm->nr_pages; i++) {
		const char *a = (const char *)vm->addr + i * PAGE_SIZE;
		unsigned long off = (i * 977) % PAGE_SIZE;

		ASSERT_TRUE(vmalloc_to_page(a) == vm->pages[i]);
		ASSERT_TRUE(vmalloc_to_page(a + off) == vm->pages[i]);
		ASSERT_EQ(vmalloc_to_pfn(a + PAGE_SIZE - 1),
			  page_to_pfn(vm->pages[i]));
	}
	/* The guard page maps nothing. */
	ASSERT_NULL(vmalloc_to_page((const char *)vm->addr +
				    vm->nr_pages * PAGE_SIZE));
	ASSERT_EQ(vmalloc_to_pfn((const char *)vm->addr +
				 vm->nr_pages * PAGE_SIZE), 0);
}

/* Each 2 MiB of pages[] is one aligned run of consecutive frames. */
static void expect_huge_frames(const struct vm_struct *vm)
{
	unsigned long i;

	ASSERT_EQ(vm->nr_pages % PT_PMD_PAGES, 0);
	for (i = 0; i < vm->nr_pages; i++) {
		unsigned long pfn = page_to_pfn(vm->pages[i]);

		if (i % PT_PMD_PAGES == 0)
			ASSERT_EQ(pfn % PT_PMD_PAGES, 0);
		else
			ASSERT_EQ(pfn, page_to_pfn(vm->pages[i - 1]) + 1);
		/* Split, as the kernel's split_page: one reference each. */
		ASSERT_EQ(page_count(vm->pages[i]), 1);
	}
}

/* ------------------------------------------------------------------ */
/* The huge area                                                       */
/* ------------------------------------------------------------------ */

TEST(huge_area_is_2mib_aligned_with_order_9_and_pmd_leaves)
{
	struct vt_snap s0;
	struct vm_struct *vm;
	unsigned long i;
	char *p;

	vt_init(64, 1);
	s0 = vt_snap();
	ASSERT_EQ(huge_leaves(), 0);
	p = vmalloc_huge(3 * MiB + 5, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_NONNULL(vm);
	ASSERT_EQ(vm->page_order, 9);
	ASSERT_EQ((unsigned long)p % HUGE, 0);
	/* Rounded up to 2 MiB, as the kernel does, plus the guard page. */
	ASSERT_EQ(vm->size, 4 * MiB + PAGE_SIZE);
	ASSERT_EQ(vm->nr_pages, 1024);
	ASSERT_TRUE(vm->flags & VM_ALLOW_HUGE_VMAP);
	expect_huge_frames(vm);
	for (i = 0; i < 4 * MiB; i += 61 * PAGE_SIZE + 17)
		ASSERT_EQ(leaf_size(p + i), HUGE);
	ASSERT_EQ(leaf_size(p + 4 * MiB), 0);
	ASSERT_EQ(huge_leaves(), 2);
	ASSERT_SANE();
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_EQ(leaf_size(p), 0);
	ASSERT_SANE();
}

TEST(vmalloc_to_page_and_pfn_inside_a_huge_area_match_pages)
{
	struct vm_struct *vm;
	char *p;

	vt_init(64, 1);
	p = vmalloc_huge(6 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 9);
	expect_translations(vm);
	/* The translation is the leaf's frame plus the page's offset. */
	ASSERT_EQ(pt_lookup((unsigned long)p + 5 * PAGE_SIZE) & PT_ADDR_MASK,
		  (uint64_t)page_to_pfn(vm->pages[5]) << PAGE_SHIFT);
	ASSERT_EQ(pt_lookup((unsigned long)p) & PT_PROT_MASK, __PAGE_KERNEL);
	vfree(p);
	ASSERT_NULL(vmalloc_to_page(p + 3 * PAGE_SIZE));
}

TEST(huge_contents_through_the_direct_map_equal_what_vwrite_wrote)
{
	struct vm_struct *vm;
	unsigned long i, n = 4 * MiB;
	char *p;

	vt_init(64, 1);
	p = vmalloc_huge(n, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 9);
	vt_fill(p, n, 7);
	ASSERT_FILLED(p, n, 7);
	for (i = 0; i < vm->nr_pages; i++) {
		const unsigned char *d = page_address(vm->pages[i]);
		unsigned long j;

		for (j = 0; j < PAGE_SIZE; j += 511)
			ASSERT_EQ(d[j], vt_pattern(i * PAGE_SIZE + j, 7));
	}
	if (vt_is_host()) {
		/* Host: the pointer itself reads the same bytes, and writes. */
		for (i = 0; i < n; i += 4099)
			ASSERT_EQ((unsigned char)p[i], vt_pattern(i, 7));
		p[3 * MiB + 1] = 0x5a;
		ASSERT_EQ(((unsigned char *)page_address(vm->pages[768]))[1],
			  0x5a);
		ASSERT_NULL(vt_probe(p + 2 * MiB + 12345, true));
		ASSERT_TRUE(vt_probe(p + n, false) == p + n);	/* guard */
	}
	vfree(p);
}

TEST(huge_gfp_zero_zeroes_reused_frames)
{
	unsigned char buf[PAGE_SIZE];
	unsigned long i;
	char *p;

	vt_init(8, 1);
	p = vmalloc_huge(2 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	vt_fill(p, 2 * MiB, 3);
	vfree(p);
	vm_unmap_aliases();
	p = vmalloc_huge(2 * MiB, GFP_KERNEL | __GFP_ZERO);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	for (i = 0; i < 2 * MiB; i += PAGE_SIZE) {
		unsigned long j;

		ASSERT_EQ(vread((char *)buf, p + i, PAGE_SIZE), (long)PAGE_SIZE);
		for (j = 0; j < PAGE_SIZE; j++)
			ASSERT_EQ(buf[j], 0);
	}
	vfree(p);
}

/* ------------------------------------------------------------------ */
/* Fallbacks                                                           */
/* ------------------------------------------------------------------ */

TEST(huge_falls_back_to_small_pages_below_2mib)
{
	struct vm_struct *vm;
	char *p;

	vt_init(16, 1);
	p = vmalloc_huge(2 * MiB - PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 0);
	ASSERT_EQ(vm->size, 2 * MiB);		/* not rounded: data + guard */
	ASSERT_EQ(vm->nr_pages, 511);
	ASSERT_EQ(leaf_size(p), PAGE_SIZE);
	ASSERT_EQ(huge_leaves(), 0);
	expect_translations(vm);
	vfree(p);
	/* Without the flag nothing is huge, whatever the size. */
	p = vmalloc(4 * MiB);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 0);
	ASSERT_EQ(huge_leaves(), 0);
	vfree(p);
}

TEST(huge_falls_back_when_no_2mib_block_is_left)
{
	enum { POOL = 16 };
	struct page **held = calloc(POOL * 256, sizeof(*held));
	struct vt_snap s0;
	struct vm_struct *vm;
	unsigned long n = 0, i;
	char *p;

	ASSERT_NONNULL(held);
	vt_init(POOL, 1);
	s0 = vt_snap();
	/* Take every frame, give back every second one: no order-1 block. */
	while (n < POOL * 256 &&
	       (held[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN)) != NULL)
		n++;
	ASSERT_GT(n, 2048);
	for (i = 0; i < n; i += 2)
		__free_page(held[i]);
	p = vmalloc_huge(2 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 0);
	ASSERT_EQ(vm->nr_pages, 512);
	ASSERT_EQ(leaf_size(p), PAGE_SIZE);
	ASSERT_EQ(huge_leaves(), 0);
	expect_translations(vm);
	vt_fill(p, 2 * MiB, 9);
	ASSERT_FILLED(p, 2 * MiB, 9);
	ASSERT_SANE();
	vfree(p);
	for (i = 1; i < n; i += 2)
		__free_page(held[i]);
	free(held);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	/* With the pool whole again, the same call is huge. */
	p = vmalloc_huge(2 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	vfree(p);
	ASSERT_SANE();
}

TEST(huge_falls_back_when_the_window_forbids_the_alignment)
{
	unsigned long base;
	struct vm_struct *vm;
	struct vt_snap s0;
	char *p;

	vt_init(64, 1);
	base = far_window(16 * MiB);
	s0 = vt_snap();
	/* Room for 2 MiB + guard, but at no 2 MiB boundary. */
	p = huge_range(2 * MiB, base + PAGE_SIZE, base + 2 * MiB + 3 * PAGE_SIZE,
		       0, PAGE_KERNEL, -1);
	ASSERT_NONNULL(p);
	ASSERT_EQ((unsigned long)p, base + PAGE_SIZE);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 0);
	ASSERT_EQ(leaf_size(p), PAGE_SIZE);
	expect_translations(vm);
	vfree(p);
	/* Aligned room, but not for the size rounded up to 4 MiB. */
	p = huge_range(2 * MiB + PAGE_SIZE, base, base + 3 * MiB, 0,
		       PAGE_KERNEL, -1);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 0);
	ASSERT_EQ(vm->size, 2 * MiB + 2 * PAGE_SIZE);
	vfree(p);
	/* No room at all: NULL, nothing left behind. */
	ASSERT_NULL(huge_range(4 * MiB, base, base + 2 * MiB, 0, PAGE_KERNEL, -1));
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(huge_leaf_falls_back_to_ptes_where_a_table_exists)
{
	unsigned long base;
	struct vm_struct *vm;
	struct vt_snap s0;
	char *p, *small;

	vt_init(64, 1);
	base = far_window(16 * MiB);
	/* A 4 KiB mapping leaves a PTE table under the first 2 MiB. */
	small = __vmalloc_node_range(PAGE_SIZE, 1, base, base + 8 * MiB,
				     GFP_KERNEL, PAGE_KERNEL, 0, -1, NULL);
	ASSERT_EQ((unsigned long)small, base);
	vfree(small);
	s0 = vt_snap();
	p = huge_range(4 * MiB, base, base + 8 * MiB, 0, PAGE_KERNEL, -1);
	ASSERT_EQ((unsigned long)p, base);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 9);
	expect_huge_frames(vm);
	/* Tables are never freed: that chunk gets 512 PTEs, the next a leaf. */
	ASSERT_EQ(leaf_size(p), PAGE_SIZE);
	ASSERT_EQ(leaf_size(p + 2 * MiB - 1), PAGE_SIZE);
	ASSERT_EQ(leaf_size(p + 2 * MiB), HUGE);
	ASSERT_EQ(huge_leaves(), 1);
	expect_translations(vm);
	/* vread/vwrite across the PTE / leaf boundary. */
	vt_fill(p + 2 * MiB - 5000, 10000, 21);
	ASSERT_FILLED(p + 2 * MiB - 5000, 10000, 21);
	ASSERT_EQ(((unsigned char *)page_address(vm->pages[512]))[0],
		  vt_pattern(5000, 21));
	ASSERT_EQ(((unsigned char *)page_address(vm->pages[511]))[PAGE_SIZE - 1],
		  vt_pattern(4999, 21));
	if (vt_is_host())
		ASSERT_EQ((unsigned char)p[2 * MiB - 1], vt_pattern(4999, 21));
	ASSERT_SANE();
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_SANE();
}

TEST(vread_crosses_from_a_huge_area_into_a_small_one)
{
	unsigned long base, n = 2 * MiB + 3 * PAGE_SIZE;
	unsigned char *buf;
	char *h, *s;

	vt_init(64, 1);
	base = far_window(16 * MiB);
	h = huge_range(2 * MiB, base, base + 8 * MiB, 0, PAGE_KERNEL, -1);
	ASSERT_EQ((unsigned long)h, base);
	ASSERT_EQ(find_vm_area(h)->page_order, 9);
	s = __vmalloc_node_range(2 * PAGE_SIZE, 1, base, base + 8 * MiB,
				 GFP_KERNEL, PAGE_KERNEL, 0, -1, NULL);
	/* Right after the huge area's guard page. */
	ASSERT_EQ((unsigned long)s, base + 2 * MiB + PAGE_SIZE);
	vt_fill(h, 2 * MiB, 4);
	vt_fill(s, 2 * PAGE_SIZE, 5);
	buf = malloc(n);
	ASSERT_NONNULL(buf);
	memset(buf, 0xee, n);
	ASSERT_EQ(vread((char *)buf, h + 2 * MiB - 100, 100 + PAGE_SIZE + 200),
		  (long)(100 + PAGE_SIZE + 200));
	for (unsigned long i = 0; i < 100; i++)
		ASSERT_EQ(buf[i], vt_pattern(2 * MiB - 100 + i, 4));
	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		ASSERT_EQ(buf[100 + i], 0);		/* the guard page */
	for (unsigned long i = 0; i < 200; i++)
		ASSERT_EQ(buf[100 + PAGE_SIZE + i], vt_pattern(i, 5));
	free(buf);
	vfree(s);
	vfree(h);
	ASSERT_SANE();
}

TEST(huge_is_never_used_for_a_pat_protection)
{
	pgprot_t pat = __pgprot(__PAGE_KERNEL | _PAGE_PSE);
	char *p;

	vt_init(64, 1);
	/* Bit 7 is PAT in a PTE but PSE in a PMD: such memory stays small. */
	p = huge_range(4 * MiB, VMALLOC_START, VMALLOC_END, 0, pat, -1);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 0);
	ASSERT_EQ(leaf_size(p), PAGE_SIZE);
	ASSERT_EQ(pt_lookup((unsigned long)p) & PT_PROT_MASK,
		  __PAGE_KERNEL | _PAGE_PSE);
	ASSERT_EQ(huge_leaves(), 0);
	vfree(p);
}

TEST(huge_counts_the_size_per_node_as_the_kernel)
{
	char *p;

	vt_init(64, 2);
	/* Any node: 2 MiB over two nodes is 1 MiB each, below a leaf. */
	p = vmalloc_huge(2 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 0);
	vfree(p);
	p = vmalloc_huge(4 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	vfree(p);
	/* One node named: 2 MiB is enough, frames from that node. */
	p = vmalloc_huge_node(2 * MiB, GFP_KERNEL, 1);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	ASSERT_EQ(page_to_nid(vmalloc_to_page(p)), 1);
	vfree(p);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Other calls on huge areas                                           */
/* ------------------------------------------------------------------ */

TEST(remap_vmalloc_range_of_a_huge_area_holds_each_frame)
{
	struct vm_area_struct vma;
	struct vm_struct *vm;
	struct vt_snap s0;
	unsigned long i, n = 4 * MiB;
	struct page **pages;
	char *p;

	vt_init(64, 1);
	s0 = vt_snap();
	p = huge_range(n, VMALLOC_START, VMALLOC_END, VM_USERMAP, PAGE_KERNEL, -1);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_EQ(vm->page_order, 9);
	vt_fill(p, n, 11);
	ASSERT_EQ(vm_user_range_reserve(&vma, n - 2 * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 2), 0);
	for (i = 0; i + 2 < vm->nr_pages; i++) {
		ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start + i * PAGE_SIZE),
			  page_to_pfn(vm->pages[i + 2]));
		ASSERT_EQ(page_count(vm->pages[i + 2]), 2);
	}
	ASSERT_EQ(page_count(vm->pages[0]), 1);
	if (vt_is_host())
		ASSERT_EQ(((unsigned char *)vma.vm_start)[2 * MiB + 3],
			  vt_pattern(2 * MiB + 2 * PAGE_SIZE + 3, 11));
	/* vfree: the user-mapped frames stay until the range goes. */
	pages = malloc(vm->nr_pages * sizeof(*pages));
	ASSERT_NONNULL(pages);
	memcpy(pages, vm->pages, vm->nr_pages * sizeof(*pages));
	vfree(p);
	ASSERT_EQ(page_count(pages[0]), 0);
	ASSERT_EQ(page_count(pages[5]), 1);
	ASSERT_EQ(((unsigned char *)page_address(pages[5]))[7],
		  vt_pattern(5 * PAGE_SIZE + 7, 11));
	ASSERT_SANE();
	vm_user_range_release(&vma);
	ASSERT_EQ(page_count(pages[5]), 0);
	free(pages);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(unmap_kernel_range_clears_a_cut_leaf_whole_with_a_warning)
{
	unsigned long w0;
	char *p;

	vt_init(64, 1);
	p = vmalloc_huge(4 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	w0 = vt_warnings();
	unmap_kernel_range((unsigned long)p + PAGE_SIZE, PAGE_SIZE);
	ASSERT_EQ(vt_warnings(), w0 + 1);
	ASSERT_EQ(vt_log_count("cuts a 2 MiB leaf"), 1);
	ASSERT_NULL(vmalloc_to_page(p));
	ASSERT_NULL(vmalloc_to_page(p + 2 * MiB - 1));
	ASSERT_NONNULL(vmalloc_to_page(p + 2 * MiB));
	ASSERT_EQ(huge_leaves(), 1);
	if (vt_is_host()) {
		ASSERT_TRUE(vt_probe(p + 7, false) == p + 7);
		ASSERT_NULL(vt_probe(p + 2 * MiB + 7, true));
	}
	ASSERT_SANE();
	vfree(p);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_SANE();
}

TEST(vmalloc_check_passes_with_huge_and_small_areas_live)
{
	struct vt_snap s0;
	void *a[12];
	unsigned int i;

	vt_init(128, 1);
	s0 = vt_snap();
	for (i = 0; i < ARRAY_LEN(a); i++) {
		a[i] = i % 3 ? vmalloc((i + 1) * PAGE_SIZE) :
			       vmalloc_huge((i / 3 + 1) * 2 * MiB, GFP_KERNEL);
		ASSERT_NONNULL(a[i]);
		ASSERT_SANE();
	}
	ASSERT_EQ(huge_leaves(), 1 + 2 + 3 + 4);
	for (i = 0; i < ARRAY_LEN(a); i += 2)
		vfree(a[i]);
	ASSERT_SANE();
	vm_unmap_aliases();
	ASSERT_SANE();
	for (i = 1; i < ARRAY_LEN(a); i += 2)
		vfree(a[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_SANE();
}

#define SWEEP_SITES	(VM_FAULT_PAGE | VM_FAULT_PT | VM_FAULT_META | \
			 VM_FAULT_HOST_MAP)

struct sweep {
	unsigned long points, huge, fallbacks, nulls;
};

/* One call under injection, then the checks. Return: attempts made. */
static unsigned long one_run(char *(*call)(void), struct vt_snap s0,
			     struct sweep *sw)
{
	unsigned long attempts = vmalloc_fault_attempts();
	char *p = call();

	attempts = vmalloc_fault_attempts();
	vmalloc_fault_inject(0, 0, 0, 0);
	if (p) {
		struct vm_struct *vm = find_vm_area(p);

		ASSERT_NONNULL(vm);
		if (vm->page_order == 9)
			sw->huge++;
		else
			sw->fallbacks++;
		expect_translations(vm);
		vfree(p);
	} else {
		sw->nulls++;
	}
	ASSERT_SNAP_FAILED(vt_snap(), s0, 4 * MiB);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_SANE();
	return attempts;
}

/* Threads allocate, check and free huge and small areas side by side. */
static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg, i;
	unsigned char buf[64];

	for (i = 0; i < 40; i++) {
		unsigned long hs = (1 + (seed + i) % 3) * 2 * MiB - 4096 * (i % 2);
		char *h = vmalloc_huge(hs, GFP_KERNEL);
		char *s = vmalloc((1 + i % 5) * PAGE_SIZE);
		unsigned long k;

		if (!h || !s)
			return (void *)1;
		memset(buf, (int)(seed + i), sizeof(buf));
		for (k = 0; k + sizeof(buf) <= hs; k += 512 * 1024 + 64)
			if (vwrite((char *)buf, h + k, sizeof(buf)) != sizeof(buf))
				return (void *)2;
		for (k = 0; k + sizeof(buf) <= hs; k += 512 * 1024 + 64) {
			unsigned char got[64];

			if (vread((char *)got, h + k, sizeof(got)) != sizeof(got) ||
			    memcmp(got, buf, sizeof(got)))
				return (void *)3;
			if (!vmalloc_to_page(h + k))
				return (void *)4;
		}
		vfree(s);
		vfree(h);
	}
	return NULL;
}

TEST(huge_and_small_areas_from_two_threads)
{
	struct vt_snap s0;
	pthread_t th[2];
	void *rc[2];
	int i;

	vt_init(128, 1);
	s0 = vt_snap();
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, churn,
					 (void *)(uintptr_t)(i * 7 + 1)), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(th[i], &rc[i]), 0);
		ASSERT_TRUE(rc[i] == NULL);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(huge_leaves(), 0);
	ASSERT_SANE();
}

/*
 * Fail the n-th allocation attempt (frames, tables, metadata, host
 * mappings) for n = 1, 2, ... until a run makes fewer than n attempts.
 * Each failure either fails the call or sends it to the 4 KiB fallback;
 * either way everything is back at the baseline after the free.
 */
static struct sweep sweep(char *(*call)(void))
{
	struct sweep sw = { 0, 0, 0, 0 };
	struct vt_snap s0 = vt_snap();
	unsigned long n;

	for (n = 1;; n++) {
		vmalloc_fault_inject(SWEEP_SITES, n, 0, 0);
		if (one_run(call, s0, &sw) < n)
			break;
		ASSERT_LT(n, 5000);
	}
	sw.points = n - 1;
	printf("# %lu failure points: %lu huge, %lu fell back, %lu failed\n",
	       sw.points, sw.huge, sw.fallbacks, sw.nulls);
	return sw;
}

static unsigned long sweep_base;

static char *call_huge(void)
{
	return vmalloc_huge(2 * MiB, GFP_KERNEL | __GFP_NOWARN);
}

/* In a window with no 2 MiB boundary: always the fallback. */
static char *call_unaligned(void)
{
	return __vmalloc_node_range(2 * MiB, 1, sweep_base + PAGE_SIZE,
				    sweep_base + 3 * MiB,
				    GFP_KERNEL | __GFP_NOWARN, PAGE_KERNEL,
				    VM_ALLOW_HUGE_VMAP, -1, NULL);
}

TEST(fault_injection_sweep_over_vmalloc_huge)
{
	struct sweep sw;

	vt_init(16, 1);
	/* Every failure point of the huge path sends it to the fallback. */
	sw = sweep(call_huge);
	ASSERT_GT(sw.points, 0);
	ASSERT_EQ(sw.fallbacks, sw.points);
	ASSERT_EQ(sw.nulls, 0);
	ASSERT_EQ(sw.huge, 1);		/* the last run: nothing failed */
}

TEST(fault_injection_sweep_over_the_huge_fallback)
{
	struct sweep sw;

	vt_init(16, 1);
	sweep_base = far_window(8 * MiB);
	/* The fallback's own failure points fail the call. */
	sw = sweep(call_unaligned);
	ASSERT_GT(sw.points, 512);	/* one per frame, at least */
	ASSERT_GE(sw.nulls, 512);
	ASSERT_EQ(sw.huge, 0);
}

TEST(random_faults_in_both_paths_of_vmalloc_huge)
{
	struct sweep sw = { 0, 0, 0, 0 };
	struct vt_snap s0;
	uint64_t seed = vt_seed();
	unsigned int i;

	vt_init(16, 1);
	s0 = vt_snap();
	printf("# seed %llu\n", (unsigned long long)seed);
	for (i = 0; i < 200; i++) {
		/* About one failure per 400 attempts: some in each path. */
		vmalloc_fault_inject(SWEEP_SITES, 0, (unsigned int)(1 + i % 4),
				     seed + i);
		one_run(call_huge, s0, &sw);
	}
	printf("# %lu huge, %lu fell back, %lu failed\n", sw.huge,
	       sw.fallbacks, sw.nulls);
	ASSERT_EQ(sw.huge + sw.fallbacks + sw.nulls, 200);
	ASSERT_GT(sw.huge, 0);
}

/* ------------------------------------------------------------------ */
/* Host engine                                                         */
/* ------------------------------------------------------------------ */

/* The host's THP mode for shmem ("[never]" and so on), or "?". */
static void shmem_thp_mode(char *out, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled", "r");
	char line[256] = "";
	char *a, *b;

	snprintf(out, len, "?");
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && (a = strchr(line, '[')) &&
	    (b = strchr(a, ']')))
		snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
	fclose(f);
}

/* The smaps entry of the mapping that starts at @va: its header's file
 * offset and whether VmFlags has "hg" (MADV_HUGEPAGE). */
static bool smaps_of(unsigned long va, unsigned long *offset, bool *hg)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[1024];
	bool in = false, found = false;

	ASSERT_NONNULL(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, off;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %lx", &s, &e, perms, &off) == 4) {
			in = s == va;
			if (in) {
				found = true;
				*offset = off;
			}
		} else if (in && !strncmp(line, "VmFlags:", 8)) {
			*hg = strstr(line, " hg") != NULL;
		}
	}
	fclose(f);
	return found;
}

TEST(host_maps_huge_runs_aligned_and_reports_what_the_host_used)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long off = 1, i;
	bool hg = false;
	char mode[32];
	char *p;

	vt_init(64, 1);
	if (!vt_is_host()) {
		p = vmalloc_huge(2 * MiB, GFP_KERNEL);
		ASSERT_NONNULL(p);
		ASSERT_EQ(vmalloc_get_stats(&st), 0);
		ASSERT_EQ(st.host_huge_bytes, 0);	/* no host here */
		vfree(p);
		return;
	}
	p = vmalloc_huge(8 * MiB, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	for (i = 0; i < 8 * MiB; i += PAGE_SIZE)
		p[i] = (char)i;
	/*
	 * One mapping of the memory file per run, 2 MiB aligned at a 2 MiB
	 * aligned file offset (its "physical" address) and MADV_HUGEPAGE.
	 */
	ASSERT_TRUE(smaps_of((unsigned long)p, &off, &hg));
	ASSERT_EQ(off % HUGE, 0);
	ASSERT_EQ(off >> PAGE_SHIFT, vmalloc_to_pfn(p));
	ASSERT_TRUE(hg);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	shmem_thp_mode(mode, sizeof(mode));
	printf("# shmem THP mode \"%s\": the host maps %lu of 8192 KiB with huge pages\n",
	       mode, st.host_huge_bytes >> 10);
	ASSERT_LE(st.host_huge_bytes, 8 * MiB);
	ASSERT_EQ(st.host_huge_bytes % HUGE, 0);
	if (!strcmp(mode, "never") || !strcmp(mode, "deny"))
		ASSERT_EQ(st.host_huge_bytes, 0);
	vfree(p);
	vm_unmap_aliases();
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.host_huge_bytes, 0);
}
