/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 cases: the boot state (EL1, SCTLR/TCR/MAIR, TTBR1 = the
 * core's root) with a self-test of the fault syndromes on the kernel's
 * own pages; the hardware walk (AT S1E1R and PAR_EL1, and the level 0-3
 * descriptors under TTBR1) against the core's answers and protections;
 * break-before-make on a live entry (bbm_replace, AArch64's own case);
 * and the hooks of ../tests_mmu.c (PXN fetch, 2 MiB level-2 blocks).
 * The architecture-neutral cases are in ../tests.c.
 */
#include "ktest.h"
#include "mmu.h"
/* pt_map(), for bbm_replace only: no API call replaces a live entry. */
#include "pgtable/pgtable.h"

#define PG		PAGE_SIZE
#define EFAULT_RC	(-KERNEL_EFAULT)

/* mov x0, #42; ret */
static const uint32_t ret42[] = { 0xd2800540, 0xd65f03c0 };

/*
 * hw_desc - walk the TTBR1 tables as the CPU does for @va (the tables
 * are in RAM, identity-mapped). Return: the leaf descriptor, or 0 when a
 * level holds an invalid entry. *@level is the level of the entry
 * returned (3: a page; 1 or 2: a block).
 */
static uint64_t hw_desc(unsigned long va, int *level)
{
	const uint64_t *tbl = (const uint64_t *)(read_sysreg(ttbr1_el1) & DESC_ADDR);
	int l;

	for (l = 0; l <= 3; l++) {
		uint64_t e = tbl[(va >> (39 - 9 * l)) & 511];

		*level = l;
		if (!(e & DESC_VALID))
			return 0;
		if (l == 3 || !(e & DESC_TABLE))
			return e;
		tbl = (const uint64_t *)(uintptr_t)(e & DESC_ADDR);
	}
	return 0;
}

/* The physical address AT S1E1R finds for @va, or ~0 when it faults. */
static unsigned long at_pa(unsigned long va)
{
	uint64_t par = at_s1e1r(va);

	return par & PAR_F ? ~0UL : (unsigned long)((par & PAR_PA_MASK) | (va & (PG - 1)));
}

/* Exactly one data abort since @before at @addr: a translation fault at
 * @level (the level whose entry was invalid), a read. */
static void check_trans_fault(struct kt *t, unsigned long before,
			      unsigned long addr, int level, const char *what)
{
	KT_CHECK(t, kfault_last.count == before + 1 && kfault_last.addr == addr &&
		 ESR_EC(kfault_last.error) == EC_DABT_CUR &&
		 !(kfault_last.error & ESR_WNR) &&
		 ESR_FSC(kfault_last.error) == FSC_TRANS(level),
		 "%s: %lu faults, ESR 0x%lx FAR 0x%lx, expected a level-%d translation fault at 0x%lx",
		 what, kfault_last.count - before, (unsigned long)kfault_last.error,
		 (unsigned long)kfault_last.addr, level, addr);
}

/* The self-test pages of mmu.c: each fault kind on the kernel's own
 * descriptors, with FAR_EL1 and ESR_EL1 checked. */
static void own_page_faults(struct kt *t)
{
	volatile uint64_t *rw = (volatile uint64_t *)KTEST_VA;
	unsigned long guard = KTEST_VA + PG, ro = KTEST_VA + 2 * PG;
	unsigned long pxn = KTEST_VA + 3 * PG, x = KTEST_VA + 4 * PG;
	unsigned long n0;
	uint64_t v = 0;
	long rc;

	rw[1] = 0x600dULL;
	KT_CHECK(t, ((volatile uint64_t *)ktest_frames[0])[1] == 0x600dULL,
		 "a write through TTBR1 did not reach its frame");
	KT_CHECK(t, at_pa(KTEST_VA + 8) == (uintptr_t)ktest_frames[0] + 8,
		 "AT S1E1R 0x%lx: 0x%lx, expected 0x%lx", KTEST_VA + 8,
		 at_pa(KTEST_VA + 8), (unsigned long)(uintptr_t)ktest_frames[0] + 8);
	KT_CHECK(t, at_s1e1r(guard) & PAR_F, "AT S1E1R found the guard page");
	KT_CHECK(t, !(at_s1e1r(ro) & PAR_F) && (at_s1e1w(ro) & PAR_F),
		 "read-only page: AT read 0x%lx write 0x%lx",
		 (unsigned long)at_s1e1r(ro), (unsigned long)at_s1e1w(ro));

	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const void *)(guard + 16), &v) == EFAULT_RC,
		 "invalid page readable");
	kt_check_fault(t, n0, guard + 16, KF_READ_UNMAPPED, "own guard read");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_write((void *)(guard + 24), 1) == EFAULT_RC,
		 "invalid page writable");
	kt_check_fault(t, n0, guard + 24, KF_WRITE_UNMAPPED, "own guard write");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const void *)ro, &v) == 0, "RO page unreadable");
	KT_CHECK(t, kprobe_write((void *)(ro + 8), 1) == EFAULT_RC,
		 "RO page writable");
	kt_check_fault(t, n0, ro + 8, KF_WRITE_READONLY, "own read-only write");
	n0 = kfault_last.count;
	rc = kprobe_call((const void *)pxn);
	KT_CHECK(t, rc == EFAULT_RC, "code ran from a PXN page (%ld)", rc);
	kt_check_fault(t, n0, pxn, KF_FETCH_NOEXEC, "own PXN fetch");
	KT_CHECK(t, kfault_last.pc == pxn, "fault ELR 0x%lx",
		 (unsigned long)kfault_last.pc);
	rc = kprobe_call((const void *)x);
	KT_CHECK(t, rc == 42, "executable page returned %ld", rc);

	/* NULL: page 0 is not in the identity map. */
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read((const void *)0, &v) == EFAULT_RC,
		 "NULL read did not fault");
	check_trans_fault(t, n0, 0, 2, "NULL read");	/* id_l2_dev[0] */
}

void test_platform_boot(struct kt *t)
{
	const struct vm_platform *p = t->plat;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	uint64_t sctlr = read_sysreg(sctlr_el1), tcr = read_sysreg(tcr_el1);
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	struct page *pg;

	KT_CHECK(t, ((read_sysreg(CurrentEL) >> 2) & 3) == 1, "not at EL1");
	KT_CHECK(t, (sctlr & (SCTLR_M | SCTLR_C | SCTLR_I)) ==
		 (SCTLR_M | SCTLR_C | SCTLR_I) && !(sctlr & SCTLR_WXN),
		 "SCTLR_EL1 0x%lx", (unsigned long)sctlr);
	KT_CHECK(t, (tcr & 0x3f) == 16 && ((tcr >> 16) & 0x3f) == 16 &&
		 ((tcr >> 14) & 3) == 0 && ((tcr >> 30) & 3) == 2 &&
		 ((tcr >> 32) & 7) == (mmfr0 & 7),
		 "TCR_EL1 0x%lx (ID_AA64MMFR0_EL1 0x%lx)", (unsigned long)tcr,
		 (unsigned long)mmfr0);
	KT_CHECK(t, ((mmfr0 >> 28) & 0xf) != 0xf, "no 4 KiB granule");
	KT_CHECK(t, read_sysreg(mair_el1) == MAIR_VALUE, "MAIR_EL1 0x%lx",
		 (unsigned long)read_sysreg(mair_el1));
	KT_CHECK(t, (read_sysreg(ttbr1_el1) & DESC_ADDR) == (uintptr_t)boot_ttbr1,
		 "TTBR1_EL1 0x%lx is not boot_ttbr1 %p",
		 (unsigned long)read_sysreg(ttbr1_el1), (void *)boot_ttbr1);
	KT_CHECK(t, read_sysreg(vbar_el1) != 0, "VBAR_EL1 not set");
	KT_CHECK(t, p->pgd == boot_ttbr1,
		 "the core does not fill the live TTBR1 root");
	KT_CHECK(t, p->mmu && kstrlen(p->mmu) == 7 && !memcmp(p->mmu, "aarch64", 7),
		 "the core writes %s tables", p->mmu ? p->mmu : "(null)");
	KT_CHECK(t, VMALLOC_START == KPLAT_VMALLOC_START &&
		 VMALLOC_END == KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE,
		 "range 0x%lx-0x%lx", VMALLOC_START, VMALLOC_END);
	KT_CHECK(t, vm_platform_autoinit() == -19, "autoinit must refuse");
	if (KT_CHECK(t, vmalloc_get_stats(&st) == 0, "stats"))
		KT_CHECK(t, st.phys_pages == p->nr_frames && st.nr_nodes == 1,
			 "%lu frames on %lu nodes", st.phys_pages, st.nr_nodes);
	KT_CHECK(t, (uintptr_t)p->direct_map == p->base_pfn << PAGE_SHIFT,
		 "direct map is not the identity map");

	/* A frame's direct-map address is its physical address. */
	pg = alloc_page(GFP_KERNEL);
	if (KT_CHECK(t, pg != NULL, "alloc_page")) {
		unsigned long pfn = page_to_pfn(pg);
		void *va = page_address(pg);

		KT_CHECK(t, kt_pfn_in_pool(p, pfn), "pfn 0x%lx", pfn);
		KT_CHECK(t, (uintptr_t)va == pfn << PAGE_SHIFT &&
			 at_pa((uintptr_t)va) == pfn << PAGE_SHIFT,
			 "page_address %p for pfn 0x%lx", va, pfn);
		*(volatile uint64_t *)va = 0x1234;
		__free_page(pg);
	}
	own_page_faults(t);
}

/* Check one area's leaves in the hardware tables, and its guard page. */
static void check_leaves(struct kt *t, const void *addr, unsigned long n,
			 bool ro, bool exec)
{
	unsigned long i;
	int level;

	for (i = 0; i <= n; i++) {
		unsigned long va = (uintptr_t)addr + i * PG;
		uint64_t e = hw_desc(va, &level);
		unsigned long pfn = (unsigned long)((e & DESC_ADDR) >> PAGE_SHIFT);

		if (i == n) {
			KT_CHECK(t, !(e & DESC_VALID) && (at_s1e1r(va) & PAR_F) &&
				 !vmalloc_to_page((void *)va) &&
				 !vmalloc_to_pfn((void *)va),
				 "guard page 0x%lx is mapped (0x%lx)", va,
				 (unsigned long)e);
			break;
		}
		if (!KT_CHECK(t, (e & DESC_PAGE) == DESC_PAGE && level == 3,
			      "0x%lx: hardware entry 0x%lx at level %d", va,
			      (unsigned long)e, level))
			break;
		if (!KT_CHECK(t, pfn == vmalloc_to_pfn((void *)va) &&
			      at_pa(va) == pfn << PAGE_SHIFT &&
			      pfn == page_to_pfn(vmalloc_to_page((void *)va)) &&
			      kt_pfn_in_pool(t->plat, pfn),
			      "0x%lx: descriptor pfn 0x%lx, AT 0x%lx, vmalloc_to_pfn 0x%lx",
			      va, pfn, at_pa(va), vmalloc_to_pfn((void *)va)))
			break;
		if (!KT_CHECK(t, (e & DESC_AF) && !(e & DESC_AP_EL0) &&
			      !!(e & DESC_AP_RO) == ro && !!(e & DESC_PXN) == !exec &&
			      (e & DESC_UXN) &&
			      (e & DESC_ATTR_MASK) == DESC_ATTR(MT_NORMAL),
			      "0x%lx: descriptor 0x%lx for %s%s", va,
			      (unsigned long)e, ro ? "read-only" : "read-write",
			      exec ? ", executable" : ""))
			break;
	}
}

void test_hw_walk(struct kt *t)
{
	unsigned int lo = (unsigned int)(VMALLOC_START >> 39) & 511;
	unsigned int hi = (unsigned int)((VMALLOC_END - 1) >> 39) & 511;
	void *p = vmalloc(1000 * PG);		/* spans two level-3 tables */
	void *q = __vmalloc(3 * PG, GFP_KERNEL, PAGE_KERNEL_RO);
	void *r = vmalloc_exec(PG);
	unsigned int i;

	if (KT_CHECK(t, p && q && r, "allocations: %p %p %p", p, q, r)) {
		check_leaves(t, p, 1000, false, false);
		check_leaves(t, q, 3, true, false);
		check_leaves(t, r, 1, false, true);
	}
	/* The core wrote no level-0 entry outside its range. */
	KT_CHECK(t, boot_ttbr1[(KTEST_VA >> 39) & 511] & DESC_VALID,
		 "self-test entry gone");
	for (i = 0; i < 511; i++)
		if (i < lo || i > hi)
			KT_CHECK(t, boot_ttbr1[i] == 0,
				 "TTBR1 level-0 entry %u = 0x%lx outside the vmalloc range",
				 i, (unsigned long)boot_ttbr1[i]);
	vfree(p);
	vfree(q);
	vfree(r);
}

/*
 * Break-before-make on the real (emulated) MMU. No API call replaces a
 * live entry with another, so force one through the core's pt_map() (the
 * core logs it as a bug: KT_WARNINGS_OK) over a vmap() of frame A whose
 * translation the TLB holds: the core must write the invalid entry,
 * flush (our TLBI), then write frame B. Without the flush in between,
 * the read after the replacement goes through the stale TLB entry to A.
 */
void test_bbm_replace(struct kt *t)
{
	const struct vm_platform *plat = t->plat;
	struct page *a = alloc_page(GFP_KERNEL), *b = alloc_page(GFP_KERNEL);
	volatile uint64_t *p = NULL;
	unsigned long flushes;
	bool refused = false;
	uint64_t e;
	int level, rc;

	if (!KT_CHECK(t, a && b, "alloc_page"))
		goto out;
	*(volatile uint64_t *)page_address(a) = 0xaaaaULL;
	*(volatile uint64_t *)page_address(b) = 0xbbbbULL;
	p = vmap(&a, 1, VM_MAP, PAGE_KERNEL);
	if (!KT_CHECK(t, p != NULL, "vmap"))
		goto out;
	KT_CHECK(t, p[0] == 0xaaaaULL, "frame A not mapped");	/* TLB warm */
	flushes = kplat_stats.flush_calls;
	rc = pt_map((uintptr_t)p, &b, 1, __PAGE_KERNEL, true, &refused);
	if (!KT_CHECK(t, rc == 0, "pt_map over a live entry: %d", rc))
		goto out;
	plat->flush_cache_vmap(plat->ctx, (uintptr_t)p, (uintptr_t)p + PG);
	KT_CHECK(t, kplat_stats.flush_calls == flushes + 1,
		 "%lu TLB flushes for the replacement, expected 1 (between break and make)",
		 kplat_stats.flush_calls - flushes);
	e = hw_desc((uintptr_t)p, &level);
	KT_CHECK(t, level == 3 && (e & DESC_ADDR) == page_to_pfn(b) << PAGE_SHIFT,
		 "descriptor 0x%lx at level %d, expected frame B 0x%lx",
		 (unsigned long)e, level, page_to_pfn(b) << PAGE_SHIFT);
	KT_CHECK(t, p[0] == 0xbbbbULL,
		 "read 0x%lx after the replacement: the stale translation to A was used",
		 (unsigned long)p[0]);
out:
	if (p)
		vunmap((void *)p);
	if (a)
		__free_page(a);
	if (b)
		__free_page(b);
}

/* ---- hooks of the shared MMU cases (../tests_mmu.c) ---------------- */

const void *kt_arch_ret42(size_t *len)
{
	*len = sizeof(ret42);
	return ret42;
}

void kt_arch_code_written(const void *p, size_t len)
{
	sync_icache((uintptr_t)p, len);
}

/*
 * A level-2 block descriptor, 2 MiB-aligned, accessed, PXN, writable;
 * and AT S1E1R agrees with it on a sample of its pages.
 */
bool kt_arch_huge_leaf(struct kt *t, unsigned long va, unsigned long *pfn)
{
	int level;
	uint64_t e = hw_desc(va, &level);
	unsigned long k;

	*pfn = (unsigned long)((e & DESC_ADDR) >> PAGE_SHIFT);
	if (!KT_CHECK(t, level == 2 && (e & 3) == DESC_BLOCK &&
		      (*pfn & 511) == 0 && (e & DESC_AF) && (e & DESC_PXN) &&
		      !(e & DESC_AP_RO),
		      "0x%lx: hardware entry 0x%lx at level %d", va,
		      (unsigned long)e, level))
		return false;
	for (k = 0; k < 512; k += 37)
		KT_CHECK(t, at_pa(va + k * PG) == (*pfn + k) << PAGE_SHIFT,
			 "0x%lx: AT says 0x%lx, block pfn 0x%lx", va + k * PG,
			 at_pa(va + k * PG), *pfn + k);
	return true;
}

bool kt_arch_leaf_valid(unsigned long va)
{
	int level;

	return hw_desc(va, &level) & DESC_VALID;
}

/*
 * Nothing was mapped in the 2 MiB after the area (no level-3 table), and
 * the freed block's level-2 entry is invalid: both fault at level 2.
 */
void kt_arch_check_huge_unmapped(struct kt *t, unsigned long before,
				 unsigned long addr, const char *what)
{
	check_trans_fault(t, before, addr, 2, what);
}
