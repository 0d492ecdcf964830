/* SPDX-License-Identifier: MIT */
/*
 * The page-table formats the core can fill: one table of data each.
 *
 * x86-64, 4-level and 5-level (LA57): the entry bits are the pgprot bits
 * (the API's protection language is x86's), a table entry is
 * P|RW|A|D, a 2 MiB leaf is a PMD entry with PS (bit 7) set.
 *
 * AArch64, 4 KiB granule, 48-bit VA, 4 levels, the kernel half (TTBR1):
 *
 *   bits    field         from the pgprot
 *   1:0     type          0b11 table (levels 3-1), 0b11 page (level 0),
 *                         0b01 block (level 1, 2 MiB); bit 0 = _PAGE_PRESENT
 *   4:2     AttrIndx      _PAGE_PWT, _PAGE_PCD, bit 7 (PAT, pages only):
 *                         the x86 PAT index, read through MAIR_EL1 below
 *   6       AP[1]         _PAGE_USER (EL0 access)
 *   7       AP[2]         not _PAGE_RW (read-only)
 *   9:8     SH            0b11, inner shareable, always
 *   10      AF            _PAGE_ACCESSED (the kernel's protections have it)
 *   11      nG            not _PAGE_GLOBAL
 *   47:12   output address
 *   53      PXN           _PAGE_NX
 *   54      UXN           always: EL0 never executes kernel mappings
 *   55      software      _PAGE_DIRTY (where Linux arm64 keeps PTE_DIRTY)
 *   58:56   software      x86 bits 9-11 (software-available there too)
 *
 * MAIR_EL1 for these AttrIndx values (the x86 PAT index): 0 and 4
 * Normal write-back (0xff), 1 and 5 Normal non-cacheable (0x44, write
 * combining), 2, 3, 6 and 7 Device-nGnRE (0x04, uncached):
 * PAGE_KERNEL_NOCACHE (PCD|PWT) is index 3, Device memory.
 */
#include "pgtable/format.h"

const struct pt_format pt_format_x86_64 = {
	.name = "x86_64",
	.levels = 4,
	.va_bits = 48,
	.pa_bits = 52,
	.shift = { 12, 21, 30, 39 },
	.addr_mask = 0x000ffffffffff000ULL,
	.type_mask = _PAGE_PRESENT | _PAGE_PSE,
	.table_type = _PAGE_PRESENT,
	.block_type = _PAGE_PRESENT | _PAGE_PSE,
	.page_mask = _PAGE_PRESENT,
	.page_type = _PAGE_PRESENT,
	.table_bits = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY,
	/* Linux's x86-64 layout, Documentation/arch/x86/x86_64/mm.rst */
	.vmalloc_start = 0xffffc90000000000UL,
	.vmalloc_end = 0xffffe90000000000UL,		/* 32 TiB */
	.kernel_base = 0xffff800000000000UL,
};

const struct pt_format pt_format_x86_64_la57 = {
	.name = "x86_64-la57",
	.levels = 5,
	.va_bits = 57,
	.pa_bits = 52,
	.shift = { 12, 21, 30, 39, 48 },
	.addr_mask = 0x000ffffffffff000ULL,
	.type_mask = _PAGE_PRESENT | _PAGE_PSE,
	.table_type = _PAGE_PRESENT,
	.block_type = _PAGE_PRESENT | _PAGE_PSE,
	.page_mask = _PAGE_PRESENT,
	.page_type = _PAGE_PRESENT,
	.table_bits = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY,
	/* the same document's 5-level map: 12.5 PiB of vmalloc space */
	.vmalloc_start = 0xffa0000000000000UL,
	.vmalloc_end = 0xffd2000000000000UL,
	.kernel_base = 0xff00000000000000UL,
};

#define A64_VALID	(1ULL << 0)
#define A64_TABLE	(3ULL << 0)	/* table (levels 3-1), page (level 0) */
#define A64_BLOCK	(1ULL << 0)
#define A64_ATTR(i)	((uint64_t)(i) << 2)
#define A64_AP1		(1ULL << 6)
#define A64_AP2		(1ULL << 7)
#define A64_SH_INNER	(3ULL << 8)
#define A64_AF		(1ULL << 10)
#define A64_NG		(1ULL << 11)
#define A64_PXN		(1ULL << 53)
#define A64_UXN		(1ULL << 54)
#define A64_SW(n)	(1ULL << (55 + (n)))

static const struct pt_rule aarch64_rules[] = {
	{ _PAGE_PRESENT,	A64_VALID,		0 },
	{ _PAGE_RW,		0,			A64_AP2 },
	{ _PAGE_USER,		A64_AP1,		0 },
	{ _PAGE_PWT,		A64_ATTR(1),		0 },
	{ _PAGE_PCD,		A64_ATTR(2),		0 },
	{ _PAGE_PSE,		A64_ATTR(4),		0 },	/* PAT in a PTE */
	{ _PAGE_ACCESSED,	A64_AF,			0 },
	{ _PAGE_DIRTY,		A64_SW(0),		0 },
	{ _PAGE_GLOBAL,		0,			A64_NG },
	{ 1ULL << 9,		A64_SW(1),		0 },
	{ 1ULL << 10,		A64_SW(2),		0 },
	{ 1ULL << 11,		A64_SW(3),		0 },
	{ _PAGE_NX,		A64_PXN,		0 },
};

const struct pt_format pt_format_aarch64 = {
	.name = "aarch64",
	.levels = 4,
	.va_bits = 48,
	.pa_bits = 48,
	.shift = { 12, 21, 30, 39 },
	.addr_mask = 0x0000fffffffff000ULL,
	.type_mask = 3,
	.table_type = A64_TABLE,
	.block_type = A64_BLOCK,
	.page_mask = 3,
	.page_type = A64_TABLE,
	.table_bits = A64_TABLE,
	.leaf_fixed = A64_SH_INNER | A64_UXN,
	.rules = aarch64_rules,
	.nr_rules = ARRAY_SIZE(aarch64_rules),
	.needs_bbm = true,
	/* Linux arm64, 4 KiB pages, 48-bit VA: Documentation/arch/arm64/memory.rst */
	.vmalloc_start = 0xffff800080000000UL,
	.vmalloc_end = 0xfffffbfff0000000UL,		/* 124 TiB */
	.kernel_base = 0xffff000000000000UL,
	.mair = 0x040444ff040444ffULL,
};

static bool name_is(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

const struct pt_format *pt_format_find(const char *name)
{
	static const struct pt_format *const all[] = {
		&pt_format_x86_64, &pt_format_x86_64_la57, &pt_format_aarch64,
	};
	unsigned int i;

	if (!name || !*name)
		return &pt_format_x86_64;
	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (name_is(name, all[i]->name))
			return all[i];
	return NULL;
}

bool pt_format_range_ok(const struct pt_format *f, unsigned long start,
			unsigned long end)
{
	/*
	 * The kernel half is [kernel_base, 2^64), the user half as large at
	 * the bottom: x86-64 splits its va_bits in two (bit 47 or 56 is
	 * copied upwards), AArch64 gives each TTBR all 48 bits.
	 */
	unsigned long user_top = 0UL - f->kernel_base;

	return start < end && (end - 1 < user_top || start >= f->kernel_base);
}
