/* SPDX-License-Identifier: MIT */
/*
 * The seed's defects, each with a case that fails on the seed's logic.
 * The comment above each case says what the seed did.
 */
#include "harness.h"

/*
 * Seed: __get_vm_area_node's first-fit scan breaks out to "found" when it
 * runs off the tail of the list, without checking that addr + size still
 * ends before @end: with a full window it returned an area past @end.
 */
TEST(defect_window_scan_never_returns_an_area_past_end)
{
	unsigned long win, end;
	struct vm_struct *a, *b, *c;

	vt_init(16, 1);
	win = VMALLOC_START + 16 * PAGE_SIZE;
	end = win + 4 * PAGE_SIZE;
	a = __get_vm_area(PAGE_SIZE, VM_ALLOC, win, end);
	b = __get_vm_area(PAGE_SIZE, VM_ALLOC, win, end);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	/* Window full, nothing after b in the list: the seed went past end. */
	c = __get_vm_area(PAGE_SIZE, VM_ALLOC, win, end);
	ASSERT_NULL(c);
	/* Even a window left empty by everything else is respected. */
	c = __get_vm_area(3 * PAGE_SIZE, VM_ALLOC, win, end);
	ASSERT_NULL(c);
	free_vm_area(a);
	free_vm_area(b);
}

/*
 * Seed: `addr > end - size` underflows when size > end (unsigned), so a
 * request larger than the window's end address passed the check.
 */
TEST(defect_size_larger_than_the_window_end_is_refused)
{
	unsigned long s;
	struct vm_struct *a;

	vt_init(16, 1);
	s = VMALLOC_START;
	/* A window of 2 pages; 8 pages can never fit. */
	a = __get_vm_area(8 * PAGE_SIZE, VM_ALLOC, s, s + 2 * PAGE_SIZE);
	ASSERT_NULL(a);
	/* Sizes near the top of the address space: no wrap either. */
	ASSERT_NULL(__get_vm_area(ULONG_MAX - 3 * PAGE_SIZE, VM_ALLOC, s,
				  VMALLOC_END));
	ASSERT_NULL(__get_vm_area(VMALLOC_END - VMALLOC_START, VM_ALLOC, s,
				  VMALLOC_END));	/* no room for the guard */
	a = __get_vm_area(VMALLOC_END - VMALLOC_START - PAGE_SIZE, VM_ALLOC,
			  s, VMALLOC_END);		/* exactly the range */
	if (strcmp(vt_engine(), "soft"))
		ASSERT_NONNULL(a);	/* host: the range is modest */
	if (a) {
		ASSERT_EQ((unsigned long)a->addr + a->size, VMALLOC_END);
		free_vm_area(a);
	}
}

/*
 * Seed: vmap computed count << PAGE_SHIFT in unsigned int, so 2^20 + 1
 * pages became a 4 KiB area and map_vm_area wrote PTEs past its end.
 */
TEST(defect_vmap_byte_size_does_not_wrap_at_4g)
{
	unsigned int count = (1U << 20) + 1;	/* 4 GiB + 4 KiB */
	struct page **pages;
	struct page *pg;
	struct vm_struct *vm;
	char *v;
	unsigned int i;

	if (strcmp(vt_engine(), "soft"))
		SKIP("needs the soft engine (4 GiB of mappings)");
	vt_init(8192, 1);			/* 2M frames > count */
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL | __GFP_ZERO));
	pages = malloc(count * sizeof(*pages));
	ASSERT_NONNULL(pages);
	for (i = 0; i < count; i++)
		pages[i] = pg;
	v = vmap(pages, count, VM_MAP, PAGE_KERNEL);
	ASSERT_NONNULL(v);
	vm = find_vm_area(v);
	ASSERT_EQ(vm->size, ((unsigned long)count + 1) << PAGE_SHIFT);
	ASSERT_TRUE(vmalloc_to_page(v + ((unsigned long)count - 1) * PAGE_SIZE) == pg);
	ASSERT_NULL(vmalloc_to_page(v + (unsigned long)count * PAGE_SIZE));
	vunmap(v);
	free(pages);
	__free_page(pg);
}

/*
 * Seed: vread/vwrite dereferenced every area, VM_IOREMAP ones included
 * (device memory: a read can have side effects). They must read zeros
 * there and write nothing.
 */
TEST(defect_vread_vwrite_skip_ioremap_areas)
{
	struct vm_struct *io;
	struct page *pg;
	struct page **cur = &pg;
	char buf[64];
	int i;

	vt_init(16, 1);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	memset(page_address(pg), 0x6b, PAGE_SIZE);
	io = get_vm_area(PAGE_SIZE, VM_IOREMAP);
	ASSERT_NONNULL(io);
	ASSERT_EQ(map_vm_area(io, PAGE_KERNEL_NOCACHE, &cur), 0);
	memset(buf, 0x11, sizeof(buf));
	ASSERT_EQ(vread(buf, io->addr, sizeof(buf)), (long)sizeof(buf));
	for (i = 0; i < (int)sizeof(buf); i++)
		ASSERT_EQ(buf[i], 0);
	memset(buf, 0x22, sizeof(buf));
	ASSERT_EQ(vwrite(buf, io->addr, sizeof(buf)), (long)sizeof(buf));
	ASSERT_EQ(((unsigned char *)page_address(pg))[0], 0x6b);
	ASSERT_EQ(((unsigned char *)page_address(pg))[63], 0x6b);
	free_vm_area(io);
	__free_page(pg);
}

/*
 * Seed: vread/vwrite clipped a wrapping count, but then walked areas
 * with pointer arithmetic that assumed sane input. Any (addr, count)
 * must be safe: wrap-around, the top of the address space, the range's
 * edges, holes.
 */
TEST(defect_vread_vwrite_are_safe_for_any_range)
{
	char *a, *buf;
	unsigned long probes[] = { 0, 1, PAGE_SIZE, ULONG_MAX, ULONG_MAX - 10,
				   ULONG_MAX & PAGE_MASK, 0x7fffffffffffUL };
	unsigned int i;

	vt_init_strict(16);
	a = vmalloc(2 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	buf = malloc(4 * PAGE_SIZE);
	ASSERT_NONNULL(buf);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		/* Past every area: nothing to account. */
		if (probes[i] > (unsigned long)a + 2 * PAGE_SIZE) {
			ASSERT_EQ(vread(buf, (char *)probes[i], 4 * PAGE_SIZE), 0);
			ASSERT_EQ(vwrite(buf, (char *)probes[i], 4 * PAGE_SIZE), 0);
		}
	}
	/* A count that wraps: clipped at the top, reaching area a. */
	memset(buf, 0x5e, 4 * PAGE_SIZE);
	ASSERT_EQ(vread(buf, a - PAGE_SIZE, ULONG_MAX), 3 * PAGE_SIZE);
	ASSERT_EQ(buf[0], 0);		/* the hole before a */
	/* Range edges. */
	ASSERT_EQ(vread(buf, (char *)VMALLOC_END - 1, 2), 0);
	ASSERT_EQ((unsigned long)a, VMALLOC_START);	/* the first area */
	memset(buf, 0x5e, 4 * PAGE_SIZE);
	ASSERT_EQ(vread(buf, (char *)VMALLOC_START - PAGE_SIZE, 2 * PAGE_SIZE),
		  2 * (long)PAGE_SIZE);
	ASSERT_EQ(buf[0], 0);			/* below the range: a hole */
	ASSERT_EQ(buf[PAGE_SIZE - 1], 0);
	ASSERT_EQ(vwrite(buf, a + 2 * PAGE_SIZE, PAGE_SIZE), 0);	/* guard */
	ASSERT_EQ(vread(NULL, a, 10), 0);
	free(buf);
	vfree(a);
}

/*
 * Seed: remap_vmalloc_range checked usize + (pgoff << PAGE_SHIFT) against
 * the area size; both the shift and the sum can overflow, letting a huge
 * pgoff or vma pass. And an empty vma looped "forever" (usize -= PAGE_SIZE
 * from 0).
 */
TEST(defect_remap_vmalloc_range_offsets_cannot_overflow)
{
	struct vm_area_struct vma, huge;
	char *p;

	vt_init(16, 1);
	p = vmalloc_user(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vm_user_range_reserve(&vma, PAGE_SIZE), 0);
	/* pgoff << 12 == 2^64 == 0 in the seed's arithmetic. */
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 1UL << 52), -EINVAL);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, ULONG_MAX), -EINVAL);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, (1UL << 52) + 1), -EINVAL);
	/* usize + offset wrapping to a small number. */
	huge = vma;
	huge.vm_end = huge.vm_start + (1UL << 63);
	ASSERT_EQ(remap_vmalloc_range(&huge, p, (1UL << 51)), -EINVAL);
	/* An empty or inverted vma. */
	huge = vma;
	huge.vm_end = huge.vm_start;
	ASSERT_EQ(remap_vmalloc_range(&huge, p, 0), -EINVAL);
	huge.vm_end = huge.vm_start - PAGE_SIZE;
	ASSERT_EQ(remap_vmalloc_range(&huge, p, 0), -EINVAL);
	ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 1), 0);
	ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start), vmalloc_to_pfn(p + PAGE_SIZE));
	vm_user_range_release(&vma);
	vfree(p);
}
