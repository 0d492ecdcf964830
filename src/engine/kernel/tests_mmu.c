/* SPDX-License-Identifier: MIT */
/*
 * The MMU cases whose steps are the same on every architecture, over a
 * few hooks of <arch>/tests_arch.c (ktest.h, "kt_arch_"): the bytes of a
 * function that returns 42, making freshly written code fetchable, and
 * what a 2 MiB leaf and a fault on an unmapped address look like.
 */
#include "ktest.h"

#define PG		PAGE_SIZE
#define EFAULT_RC	(-KERNEL_EFAULT)

/* vmalloc() memory is no-exec (NX, PXN); vmalloc_exec() memory runs. */
void test_nx_fetch(struct kt *t)
{
	void *x = vmalloc(PG), *y = vmalloc_exec(PG);
	unsigned long n0;
	size_t len;
	const void *code = kt_arch_ret42(&len);
	long rc;

	if (KT_CHECK(t, x && y, "allocations %p %p", x, y)) {
		memcpy(x, code, len);
		memcpy(y, code, len);
		kt_arch_code_written(x, len);
		kt_arch_code_written(y, len);
		n0 = kfault_last.count;
		rc = kprobe_call(x);
		KT_CHECK(t, rc == EFAULT_RC, "code ran in no-exec memory (%ld)", rc);
		kt_check_fault(t, n0, (uintptr_t)x, KF_FETCH_NOEXEC, "no-exec fetch");
		KT_CHECK(t, kfault_last.pc == (uintptr_t)x, "fault pc 0x%lx",
			 (unsigned long)kfault_last.pc);
		rc = kprobe_call(y);
		KT_CHECK(t, rc == 42, "vmalloc_exec code returned %ld", rc);
	}
	vfree(x);
	vfree(y);
}

/*
 * vmalloc_huge() (VM_ALLOW_HUGE_VMAP) maps real 2 MiB leaves (x86-64: PMD
 * entries with PS set; AArch64: level-2 block descriptors) to 2 MiB-aligned
 * frames, reads and writes go through them to the frames pages[] lists,
 * the guard page after the area still faults, and after the purge the
 * whole area does.
 */
void test_huge_pmd(struct kt *t)
{
	const unsigned long huge = 2UL << 20, n = 2 * huge;
	/*
	 * Page tables are never freed, and a 2 MiB slot whose entry holds a
	 * next-level table (earlier cases used the start of the range) gets
	 * 4 KiB entries: take the middle of the range, where no mapping was
	 * ever made (vmalloc_huge with a window).
	 */
	unsigned long mid = (VMALLOC_START + (VMALLOC_END - VMALLOC_START) / 2) &
			    ~(huge - 1);
	volatile uint64_t *p = __vmalloc_node_range(n, 1, mid, VMALLOC_END,
						    GFP_KERNEL, PAGE_KERNEL,
						    VM_ALLOW_HUGE_VMAP,
						    NUMA_NO_NODE, NULL);
	struct vm_struct *vm;
	unsigned long i, n0;
	uint64_t v;

	if (!KT_CHECK(t, p != NULL, "vmalloc_huge"))
		return;
	vm = find_vm_area((void *)p);
	if (!KT_CHECK(t, vm && vm->page_order == 9 &&
		      ((uintptr_t)p & (huge - 1)) == 0 && vm->nr_pages == 1024,
		      "huge area %p: order %u", (void *)p,
		      vm ? vm->page_order : 0))
		goto out;
	for (i = 0; i < n; i += huge) {
		unsigned long va = (uintptr_t)p + i, pfn, k;

		if (!kt_arch_huge_leaf(t, va, &pfn))
			goto out;
		for (k = 0; k < 512; k += 37)
			KT_CHECK(t, vmalloc_to_pfn((void *)(va + k * PG)) == pfn + k &&
				 page_to_pfn(vm->pages[i / PG + k]) == pfn + k,
				 "0x%lx: vmalloc_to_pfn 0x%lx, leaf pfn 0x%lx",
				 va + k * PG, vmalloc_to_pfn((void *)(va + k * PG)),
				 pfn + k);
	}
	/* Through the leaves to the frames, and back. */
	kt_fill_words((void *)p, n, t->seed);
	for (i = 0; i < vm->nr_pages; i += 97)
		KT_CHECK(t, kt_check_words(page_address(vm->pages[i]), PG / 8,
					   t->seed, i * PG / 8) < 0,
			 "frame %lu differs from what the leaf wrote", i);
	((volatile uint64_t *)page_address(vm->pages[700]))[3] = 0xfeedULL;
	KT_CHECK(t, p[700 * PG / 8 + 3] == 0xfeedULL,
		 "direct-map write not visible through the 2 MiB leaf");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const char *)p + n, &v) == EFAULT_RC,
		 "guard page after the huge area readable");
	kt_arch_check_huge_unmapped(t, n0, (uintptr_t)p + n, "guard read");
	vfree((void *)p);
	vm_unmap_aliases();
	KT_CHECK(t, !kt_arch_leaf_valid((uintptr_t)p),
		 "leaf still valid after the purge");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const char *)p + huge + 8, &v) == EFAULT_RC,
		 "freed huge area readable");
	kt_arch_check_huge_unmapped(t, n0, (uintptr_t)p + huge + 8,
				    "read after vfree");
	return;
out:
	vfree((void *)p);
}
