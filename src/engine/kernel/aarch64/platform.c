/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 half of the kernel platform (the rest is ../platform.c).
 *
 * Physical memory. kplat_setup() gets all RAM above the kernel image. The
 * identity map (TTBR0, mmu.c) is the direct map: frame pfn is at address
 * pfn << 12, Normal write-back memory.
 *
 * Page tables. The core's top-level table is boot_ttbr1, the live TTBR1
 * root; the core fills only the entries of the vmalloc range (level-0
 * slots 256-257), so its tables hang in the very tables the CPU walks:
 * nothing to synchronise, a vmalloc address is usable as soon as
 * vmalloc() returns, and unmapping needs a real TLB invalidation
 * (arch_flush_tlb_pages). The core writes AArch64 descriptors there
 * (mmu = "aarch64").
 */
#include "kernel.h"
#include "mmu.h"

static unsigned int kplat_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

/* ------------------------------------------------------------------ */
/* New entries, and the TLB                                            */
/* ------------------------------------------------------------------ */

/*
 * kplat_sync_vmap - the flush_cache_vmap hook: the core has just written
 * the entries of [start, end) and returns the area next. DSB ISHST makes
 * the descriptor stores visible to the table walker, ISB makes sure no
 * later instruction was translated before they were (no TLB entry can be
 * stale: an invalid entry is never cached). The caches need nothing: the
 * walker is coherent with them (TCR_EL1 inner-shareable write-back walks).
 * Context: may be called with core locks held.
 */
static void kplat_sync_vmap(void *ctx, unsigned long start, unsigned long end)
{
	(void)ctx;
	(void)start;
	(void)end;
	kplat_stats.sync_calls++;
	dsb_ishst();
	isb();
}

/*
 * The TLB hooks of ../platform.c's flush_tlb_kernel_range. DSB ISHST
 * first: the core's descriptor writes (the cleared entries, or under
 * break-before-make the invalid entry between the old and the new one)
 * must reach the table walker before the invalidation. Then TLBI VAAE1IS
 * per page (every ASID: vmalloc entries are global), or TLBI VMALLE1IS
 * for a large range (a purge may span most of the range); DSB ISH waits
 * for the invalidation to complete, ISB makes the following instructions
 * translate afresh.
 */
void arch_flush_tlb_pages(unsigned long va, unsigned long pages)
{
	dsb_ishst();
	for (; pages; pages--, va += KPAGE_SIZE)
		tlbi_vaae1is(va);
	dsb_ish();
	isb();
}

void arch_flush_tlb_all(void)
{
	dsb_ishst();
	tlbi_vmalle1is();
	dsb_ish();
	isb();
}

/* ------------------------------------------------------------------ */
/* Set-up (../platform.c calls these)                                  */
/* ------------------------------------------------------------------ */

void arch_plat_ram(unsigned long *start, unsigned long *end)
{
	*start = ALIGN_UP((unsigned long)__kernel_end, KPAGE_SIZE);
	*end = (kernel_ram[0].base + kernel_ram[0].len) & ~(KPAGE_SIZE - 1);
}

void arch_plat_fill(struct vm_platform *p)
{
	p->name = "kernel-aarch64";
	p->pgd = boot_ttbr1;
	p->mmu = "aarch64";
	p->flush_cache_vmap = kplat_sync_vmap;
	p->cpu = kplat_cpu;
	kprintf("# kernel: AArch64 (%s page tables), TTBR1 root %p, vmalloc 0x%lx-0x%lx\n",
		p->mmu, (void *)boot_ttbr1, p->vmalloc_start, p->vmalloc_end);
}
