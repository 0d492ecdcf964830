/* SPDX-License-Identifier: MIT */
/*
 * The boot translation tables (see mmu.h for the layout) and turning the
 * MMU on. Tables are page-aligned .bss arrays: zero, so every entry not
 * written here is invalid (page 0 and every address outside RAM and the
 * UART fault).
 */
#include "kernel.h"
#include "mmu.h"

#define ALIGNED_TABLE	__attribute__((aligned(4096)))
#define SZ_2M		(2UL << 20)
#define L0_INDEX(va)	(((va) >> 39) & 511)
#define L1_INDEX(va)	(((va) >> 30) & 511)
#define L2_INDEX(va)	(((va) >> 21) & 511)
#define L3_INDEX(va)	(((va) >> 12) & 511)

static uint64_t id_l0[512] ALIGNED_TABLE;
static uint64_t id_l1[512] ALIGNED_TABLE;
static uint64_t id_l2_dev[512] ALIGNED_TABLE;	/* 0 .. 1 GiB: the UART */
static uint64_t id_l2_ram[512] ALIGNED_TABLE;	/* 1 .. 2 GiB: RAM */
uint64_t boot_ttbr1[512] ALIGNED_TABLE;
static uint64_t test_l1[512] ALIGNED_TABLE;
static uint64_t test_l2[512] ALIGNED_TABLE;
static uint64_t test_l3[512] ALIGNED_TABLE;
unsigned char ktest_frames[KTEST_PAGES][4096] ALIGNED_TABLE;

/* mov x0, #42; ret: what the executable self-test page runs. */
static const uint32_t ret42[] = { 0xd2800540, 0xd65f03c0 };

static uint64_t table(const uint64_t *next)
{
	return (uint64_t)(uintptr_t)next | DESC_TABLE | DESC_VALID;
}

static uint64_t normal(uint64_t pa, uint64_t extra, uint64_t type)
{
	return pa | type | DESC_ATTR(MT_NORMAL) | DESC_SH_INNER | DESC_AF | extra;
}

void mmu_init(void)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1);
	unsigned long ram_end = KERNEL_RAM_BASE + (KERNEL_RAM_MB << 20);
	unsigned long a, i;

	/* Identity: the UART as one 2 MiB device block, RAM in 2 MiB blocks. */
	id_l0[0] = table(id_l1);
	id_l1[0] = table(id_l2_dev);
	id_l1[1] = table(id_l2_ram);
	id_l2_dev[L2_INDEX(KERNEL_UART_BASE)] =
		(KERNEL_UART_BASE & ~(SZ_2M - 1)) | DESC_BLOCK |
		DESC_ATTR(MT_DEVICE_nGnRE) | DESC_AF | DESC_PXN | DESC_UXN;
	for (a = KERNEL_RAM_BASE; a < ram_end && a < (2UL << 30); a += SZ_2M)
		id_l2_ram[L2_INDEX(a)] = normal(a, DESC_UXN, DESC_BLOCK);

	/* TTBR1 slot 511: the self-test pages. */
	boot_ttbr1[L0_INDEX(KTEST_VA)] = table(test_l1);
	test_l1[L1_INDEX(KTEST_VA)] = table(test_l2);
	test_l2[L2_INDEX(KTEST_VA)] = table(test_l3);
	for (i = 0; i < 2; i++) {
		((volatile uint32_t *)ktest_frames[3])[i] = ret42[i];
		((volatile uint32_t *)ktest_frames[4])[i] = ret42[i];
	}
	test_l3[0] = normal((uintptr_t)ktest_frames[0], DESC_PXN | DESC_UXN, DESC_PAGE);
	test_l3[2] = normal((uintptr_t)ktest_frames[2],
			    DESC_AP_RO | DESC_PXN | DESC_UXN, DESC_PAGE);
	test_l3[3] = normal((uintptr_t)ktest_frames[3],
			    DESC_AP_RO | DESC_PXN | DESC_UXN, DESC_PAGE);
	test_l3[4] = normal((uintptr_t)ktest_frames[4], DESC_AP_RO | DESC_UXN,
			    DESC_PAGE);

	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_T0SZ(16) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
		     TCR_SH0_INNER | TCR_TG0_4K | TCR_T1SZ(16) |
		     TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER |
		     TCR_TG1_4K | TCR_IPS(mmfr0 & 7));
	write_sysreg(ttbr0_el1, (uintptr_t)id_l0);
	write_sysreg(ttbr1_el1, (uintptr_t)boot_ttbr1);
	dsb_sy();
	__asm__ volatile("tlbi vmalle1" : : : "memory");
	dsb_sy();
	isb();
	write_sysreg(sctlr_el1, read_sysreg(sctlr_el1) | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
	/* The code pages were written as data: make them fetchable. */
	sync_icache((uintptr_t)ktest_frames[3], 8);
	sync_icache((uintptr_t)ktest_frames[4], 8);
}
