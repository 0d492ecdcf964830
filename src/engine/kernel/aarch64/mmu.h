/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 translation regime this kernel runs: 4 KiB granules, 48-bit
 * virtual addresses in both halves (T0SZ = T1SZ = 16), four levels (0-3,
 * 512 entries of 8 bytes each), stage 1 at EL1 only.
 *
 *   TTBR0_EL1  0x0000000000000000 ..  identity map (boot tables, mmu.c):
 *              the UART as Device-nGnRnE, RAM as Normal write-back
 *   TTBR1_EL1  0xffff000000000000 ..  boot_ttbr1: the vmalloc range
 *              (KPLAT_VMALLOC_*, level-0 slots 256-257) for the core, and
 *              slot 511 (KTEST_VA) for the boot self-test pages
 *
 * The descriptor bits (Arm ARM D8.3, VMSAv8-64 descriptors) that this
 * kernel writes or checks.
 */
#ifndef KERNEL_MMU_H
#define KERNEL_MMU_H

#include <stdint.h>

#define DESC_VALID	(1ULL << 0)
#define DESC_TABLE	(1ULL << 1)	/* levels 0-2: table; level 3: page */
#define DESC_PAGE	(DESC_VALID | DESC_TABLE)
#define DESC_BLOCK	DESC_VALID	/* levels 1-2 */
#define DESC_ATTR(i)	((uint64_t)(i) << 2)	/* MAIR_EL1 index */
#define DESC_ATTR_MASK	(7ULL << 2)
#define DESC_AP_RO	(1ULL << 7)	/* AP[2]: read-only */
#define DESC_AP_EL0	(1ULL << 6)	/* AP[1]: EL0 access (never here) */
#define DESC_SH_INNER	(3ULL << 8)
#define DESC_AF		(1ULL << 10)
#define DESC_NG		(1ULL << 11)
#define DESC_PXN	(1ULL << 53)
#define DESC_UXN	(1ULL << 54)
#define DESC_ADDR	0x0000fffffffff000ULL

/*
 * MAIR_EL1. The core's AArch64 format takes AttrIndx from the x86 cache
 * bits of the protection (the API's language): _PAGE_PWT is bit 0,
 * _PAGE_PCD bit 1, _PAGE_PAT bit 2. So index 0 (PAGE_KERNEL) is Normal
 * write-back, 1 (PWT) Normal non-cacheable, 2 and 3 (PCD,
 * PAGE_KERNEL_NOCACHE) Device-nGnRE; 4-7 repeat 0-3. The boot tables use
 * the same indices for RAM and the UART.
 */
#define MT_NORMAL		0	/* 0xff: write-back, read/write-allocate */
#define MT_NORMAL_NC		1	/* 0x44: non-cacheable */
#define MT_DEVICE_nGnRE		2	/* 0x04 */
#define MAIR_VALUE		0x040444ff040444ffULL

/* TCR_EL1 fields. */
#define TCR_T0SZ(n)	((uint64_t)(n) << 0)
#define TCR_IRGN0_WBWA	(1ULL << 8)
#define TCR_ORGN0_WBWA	(1ULL << 10)
#define TCR_SH0_INNER	(3ULL << 12)
#define TCR_TG0_4K	(0ULL << 14)
#define TCR_T1SZ(n)	((uint64_t)(n) << 16)
#define TCR_IRGN1_WBWA	(1ULL << 24)
#define TCR_ORGN1_WBWA	(1ULL << 26)
#define TCR_SH1_INNER	(3ULL << 28)
#define TCR_TG1_4K	(2ULL << 30)
#define TCR_IPS(n)	((uint64_t)(n) << 32)

/*
 * The boot self-test pages in TTBR1 level-0 slot 511 (mmu.c), one level-3
 * table, checked by platform_boot:
 *   page 0  RW, XN              page 1  invalid (a guard page)
 *   page 2  RO, XN              page 3  RO, PXN, holding code
 *   page 4  RO, executable, the same code
 */
#define KTEST_VA	0xffffff8000000000UL
#define KTEST_PAGES	5

/* The TTBR1 root: the core links its tables for the vmalloc range into
 * it (platform.c). Page aligned, physical = virtual (identity map). */
extern uint64_t boot_ttbr1[512];
/* Frames of the self-test pages (their physical addresses). */
extern unsigned char ktest_frames[KTEST_PAGES][4096];

/* Build the tables, program MAIR/TCR/TTBR0/TTBR1, turn the MMU and the
 * caches on. Runs with the MMU off: no unaligned accesses (-mstrict-align
 * for the kernel's own files), no console yet. */
void mmu_init(void);

#endif /* KERNEL_MMU_H */
