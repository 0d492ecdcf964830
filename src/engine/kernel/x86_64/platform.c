/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 half of the kernel platform (the rest is ../platform.c).
 *
 * Physical memory. kplat_setup() gets the largest available RAM region
 * above the kernel image, inside the 4 GiB identity map.
 *
 * Page tables. The core's top-level table is the live PML4 (boot.S). The
 * core fills only the entries of the vmalloc range, so its PUD/PMD/PTE
 * tables hang in the very tables the CPU walks: there is nothing to
 * synchronise (sync_map/sync_unmap are NULL), a vmalloc address is usable
 * as soon as vmalloc() returns, and unmapping needs a real TLB flush.
 */
#include "arch.h"
#include "kernel.h"

#define IDENTITY_TOP	(4UL << 30)		/* boot.S maps 0 .. 4 GiB */

/* ------------------------------------------------------------------ */
/* TLB                                                                 */
/* ------------------------------------------------------------------ */

/*
 * Drop every TLB entry, global ones included: vmalloc PTEs carry
 * _PAGE_GLOBAL, which a CR3 load alone keeps. Toggling CR4.PGE flushes
 * everything; without PGE a CR3 reload is enough.
 */
void arch_flush_tlb_all(void)
{
	unsigned long flags = irq_save();
	unsigned long cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
	irq_restore(flags);
}

/* invlpg for each page of a small range (../platform.c decides). */
void arch_flush_tlb_pages(unsigned long va, unsigned long pages)
{
	for (; pages; pages--, va += KPAGE_SIZE)
		invlpg(va);
}

/* ------------------------------------------------------------------ */
/* Set-up (../platform.c calls these)                                  */
/* ------------------------------------------------------------------ */

void arch_plat_ram(unsigned long *start, unsigned long *end)
{
	unsigned long floor = ALIGN_UP((unsigned long)__kernel_end, KPAGE_SIZE);
	unsigned long best_s = 0, best_e = 0;
	unsigned int i;

	/* The largest run of RAM above the image, inside the identity map. */
	for (i = 0; i < kernel_nr_ram; i++) {
		unsigned long s = kernel_ram[i].base;
		unsigned long e = s + kernel_ram[i].len;

		if (e > IDENTITY_TOP)
			e = IDENTITY_TOP;
		if (s < floor)
			s = floor;
		s = ALIGN_UP(s, KPAGE_SIZE);
		e &= ~(KPAGE_SIZE - 1);
		if (s < e && e - s > best_e - best_s) {
			best_s = s;
			best_e = e;
		}
	}
	*start = best_s;
	*end = best_e;
}

void arch_plat_fill(struct vm_platform *p)
{
	p->name = "kernel";
	p->pgd = kernel_top();
	p->mmu = kernel_la57() ? "x86_64-la57" : "x86_64";
	kprintf("# kernel: %u-level paging (%s page tables), vmalloc 0x%lx-0x%lx\n",
		(unsigned int)boot_paging_levels, p->mmu, p->vmalloc_start,
		p->vmalloc_end);
}
