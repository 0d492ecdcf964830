/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 cases: the boot state (CR0, CR4, EFER, the PML4 or PML5),
 * the hardware walk (CR3 -> (PML5 ->) PML4 -> PDPT -> PD -> PT) against the core's
 * answers and protection bits; and the hooks of ../tests_mmu.c (NX
 * fetch, 2 MiB PMD leaves). The architecture-neutral cases are in
 * ../tests.c.
 */
#include "ktest.h"

#define PG		PAGE_SIZE
#define PTE_ADDR	0x000ffffffffff000ULL
/* Leaf bits a mapping's protection decides (A and D may change). */
#define PTE_PROT_BITS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PWT | \
			 _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL | _PAGE_NX)
#define EFAULT_RC	(-KERNEL_EFAULT)

/*
 * hw_pte - walk the tables the CPU walks (CR3 -> (PML5 ->) PML4 -> PDPT
 * -> PD -> PT) for @va. Return: the leaf entry, or 0 when a level is not
 * present. *@level is the level of the entry returned (0: a PTE; 1 or 2:
 * a large page).
 */
static uint64_t hw_pte(unsigned long va, int *level)
{
	const uint64_t *table = (const uint64_t *)(read_cr3() & PTE_ADDR);
	int l;

	/* 4 or 5 levels: CR3 -> (PML5 ->) PML4 -> PDPT -> PD -> PT. */
	for (l = (int)boot_paging_levels - 1; l >= 0; l--) {
		uint64_t e = table[(va >> (12 + 9 * l)) & 511];

		*level = l;
		if (!(e & _PAGE_PRESENT))
			return 0;
		if (l == 0 || (l < 3 && (e & _PAGE_PSE)))
			return e;
		table = (const uint64_t *)(e & PTE_ADDR);	/* identity */
	}
	return 0;
}

void test_platform_boot(struct kt *t)
{
	const struct vm_platform *p = t->plat;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct page *pg;
	unsigned long n0;
	uint64_t v;

	KT_CHECK(t, (read_cr3() & PTE_ADDR) == (uintptr_t)kernel_top(),
		 "CR3 0x%lx is not the kernel's top-level table %p", read_cr3(),
		 (void *)kernel_top());
	/* make qemu-test says which paging it asked QEMU for (paging=4|5). */
	KT_CHECK(t, cmdline_ulong("paging", boot_paging_levels) == boot_paging_levels,
		 "%u-level paging, but the command line asked for %lu (does this CPU have LA57?)",
		 (unsigned int)boot_paging_levels,
		 cmdline_ulong("paging", boot_paging_levels));
	KT_CHECK(t, !!(read_cr4() & X86_CR4_LA57) == kernel_la57(),
		 "CR4.LA57 %d with %u levels", !!(read_cr4() & X86_CR4_LA57),
		 (unsigned int)boot_paging_levels);
	KT_CHECK(t, p->mmu && kstrlen(p->mmu) == (kernel_la57() ? 11 : 6) &&
		 !memcmp(p->mmu, "x86_64-la57", kstrlen(p->mmu)),
		 "the core writes %s tables", p->mmu ? p->mmu : "(null)");
	KT_CHECK(t, read_cr0() & X86_CR0_WP, "CR0.WP off");
	KT_CHECK(t, (read_cr4() & (X86_CR4_PAE | X86_CR4_PGE)) ==
		 (X86_CR4_PAE | X86_CR4_PGE), "CR4 0x%lx", read_cr4());
	KT_CHECK(t, (rdmsr(MSR_EFER) & (EFER_LMA | EFER_NXE)) ==
		 (EFER_LMA | EFER_NXE), "EFER 0x%lx",
		 (unsigned long)rdmsr(MSR_EFER));
	KT_CHECK(t, p->pgd == kernel_top(), "the core does not fill the live top-level table");
	KT_CHECK(t, VMALLOC_START == KPLAT_VMALLOC_START &&
		 VMALLOC_END == KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE,
		 "range 0x%lx-0x%lx", VMALLOC_START, VMALLOC_END);
	KT_CHECK(t, vm_platform_autoinit() == -19, "autoinit must refuse");
	if (KT_CHECK(t, vmalloc_get_stats(&st) == 0, "stats"))
		KT_CHECK(t, st.phys_pages == p->nr_frames && st.nr_nodes == 1,
			 "%lu frames on %lu nodes", st.phys_pages, st.nr_nodes);
	KT_CHECK(t, (p->base_pfn + p->nr_frames) << PAGE_SHIFT <= (4UL << 30),
		 "pool beyond the identity map");
	KT_CHECK(t, (uintptr_t)p->direct_map == p->base_pfn << PAGE_SHIFT,
		 "direct map is not the identity map");

	/* A frame's direct-map address is its physical address. */
	pg = alloc_page(GFP_KERNEL);
	if (KT_CHECK(t, pg != NULL, "alloc_page")) {
		unsigned long pfn = page_to_pfn(pg);

		KT_CHECK(t, kt_pfn_in_pool(p, pfn), "pfn 0x%lx", pfn);
		KT_CHECK(t, (uintptr_t)page_address(pg) == pfn << PAGE_SHIFT,
			 "page_address %p for pfn 0x%lx", page_address(pg), pfn);
		*(volatile uint64_t *)page_address(pg) = 0x1234;
		__free_page(pg);
	}

	/* Page 0 is unmapped, and a probe recovers from touching it. */
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const void *)0, &v) == EFAULT_RC,
		 "NULL read did not fault");
	kt_check_fault(t, n0, 0, KF_READ_UNMAPPED, "NULL read");
}

/* Check one area's leaves in the hardware tables, and its guard page. */
static void check_leaves(struct kt *t, const void *addr, unsigned long n,
			 uint64_t prot)
{
	unsigned long i;
	int level;

	for (i = 0; i <= n; i++) {
		unsigned long va = (uintptr_t)addr + i * PG;
		uint64_t e = hw_pte(va, &level);
		unsigned long pfn = (unsigned long)((e & PTE_ADDR) >> PAGE_SHIFT);

		if (i == n) {
			KT_CHECK(t, !(e & _PAGE_PRESENT) &&
				 !vmalloc_to_page((void *)va) &&
				 !vmalloc_to_pfn((void *)va),
				 "guard page 0x%lx is mapped (0x%lx)", va,
				 (unsigned long)e);
			break;
		}
		if (!KT_CHECK(t, (e & _PAGE_PRESENT) && level == 0,
			      "0x%lx: hardware entry 0x%lx at level %d", va,
			      (unsigned long)e, level))
			break;
		if (!KT_CHECK(t, pfn == vmalloc_to_pfn((void *)va) &&
			      pfn == page_to_pfn(vmalloc_to_page((void *)va)) &&
			      kt_pfn_in_pool(t->plat, pfn),
			      "0x%lx: hardware pfn 0x%lx, vmalloc_to_pfn 0x%lx",
			      va, pfn, vmalloc_to_pfn((void *)va)))
			break;
		if (!KT_CHECK(t, (e & PTE_PROT_BITS) == (prot & PTE_PROT_BITS),
			      "0x%lx: entry bits 0x%lx, protection 0x%lx", va,
			      (unsigned long)(e & PTE_PROT_BITS),
			      (unsigned long)(prot & PTE_PROT_BITS)))
			break;
	}
}

/* The tables above a vmalloc address: kernel-only, table frames from
 * the pool, linked into the live top-level table (PML4 or PML5). */
static void check_upper(struct kt *t, unsigned long va)
{
	const uint64_t *table = kernel_top();
	int l;

	for (l = (int)boot_paging_levels - 1; l >= 1; l--) {
		uint64_t e = table[(va >> (12 + 9 * l)) & 511];
		unsigned long pfn = (unsigned long)((e & PTE_ADDR) >> PAGE_SHIFT);

		if (!KT_CHECK(t, (e & (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
				       _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_RW) &&
			      kt_pfn_in_pool(t->plat, pfn),
			      "level %d entry 0x%lx for 0x%lx", l,
			      (unsigned long)e, va))
			return;
		table = (const uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
}

void test_hw_walk(struct kt *t)
{
	unsigned int top_shift = 12 + 9 * (boot_paging_levels - 1);
	unsigned int lo = (unsigned int)(VMALLOC_START >> top_shift) & 511;
	unsigned int hi = (unsigned int)((VMALLOC_END - 1) >> top_shift) & 511;
	const uint64_t *top = kernel_top();
	void *p = vmalloc(1000 * PG);		/* spans two PTE tables */
	void *q = __vmalloc(3 * PG, GFP_KERNEL, PAGE_KERNEL_RO);
	void *r = vmalloc_exec(PG);
	unsigned int i;

	if (KT_CHECK(t, p && q && r, "allocations: %p %p %p", p, q, r)) {
		check_leaves(t, p, 1000, __PAGE_KERNEL);
		check_leaves(t, q, 3, __PAGE_KERNEL_RO);
		check_leaves(t, r, 1, __PAGE_KERNEL_EXEC);
		check_upper(t, (uintptr_t)p);
		check_upper(t, (uintptr_t)p + 999 * PG);
	}
	/* The core wrote no top-level entry outside its range. */
	KT_CHECK(t, top[0] & _PAGE_PRESENT, "identity map entry gone");
	for (i = 1; i < 512; i++)
		if (i < lo || i > hi)
			KT_CHECK(t, top[i] == 0,
				 "PML%u[%u] = 0x%lx outside the vmalloc range",
				 (unsigned int)boot_paging_levels, i,
				 (unsigned long)top[i]);
	vfree(p);
	vfree(q);
	vfree(r);
}

/* ---- hooks of the shared MMU cases (../tests_mmu.c) ---------------- */

const void *kt_arch_ret42(size_t *len)
{
	static const unsigned char code[] = {
		0xb8, 0x2a, 0x00, 0x00, 0x00,	/* mov $42, %eax */
		0xc3,				/* ret */
	};

	*len = sizeof(code);
	return code;
}

void kt_arch_code_written(const void *p, size_t len)
{
	/* x86 keeps the instruction cache coherent with stores. */
	(void)p;
	(void)len;
}

/* A PMD leaf (PS set) with the kernel's protections, 2 MiB-aligned. */
bool kt_arch_huge_leaf(struct kt *t, unsigned long va, unsigned long *pfn)
{
	int level;
	uint64_t e = hw_pte(va, &level);

	*pfn = (unsigned long)((e & PTE_ADDR) >> PAGE_SHIFT);
	return KT_CHECK(t, level == 1 && (e & _PAGE_PRESENT) &&
			(e & _PAGE_PSE) && (*pfn & 511) == 0 &&
			(e & PTE_PROT_BITS) ==
			((__PAGE_KERNEL | _PAGE_PSE) & PTE_PROT_BITS),
			"0x%lx: hardware entry 0x%lx at level %d", va,
			(unsigned long)e, level);
}

bool kt_arch_leaf_valid(unsigned long va)
{
	int level;

	return hw_pte(va, &level) & _PAGE_PRESENT;
}

void kt_arch_check_huge_unmapped(struct kt *t, unsigned long before,
				 unsigned long addr, const char *what)
{
	kt_check_fault(t, before, addr, KF_READ_UNMAPPED, what);
}
