/* SPDX-License-Identifier: MIT */
/*
 * Page-table formats (pt_format): what an MMU's tables look like, as
 * data. The walker in pgtable.c knows only what this struct says: how
 * many levels, where each level's index sits in an address, how an entry
 * says "table", "page" or "2 MiB block", and how the protection language
 * of the API (the kernel's x86-style pgprot_t: _PAGE_RW, _PAGE_NX, ...)
 * becomes the bits of a leaf and back.
 *
 * The protection is translated by rules, one per pgprot bit (or group):
 * a leaf gets rule->set when the pgprot has rule->prot, rule->clear when
 * it has not; decoding gives back rule->prot when the entry's bits under
 * set | clear are exactly set. A format without rules (x86-64) stores the
 * pgprot bits as they are. The translation is exact both ways for every
 * protection the API accepts (_PAGE_PRESENT set, nothing outside
 * PT_PROT_MASK): pt_lookup() returns the pgprot the caller mapped with,
 * on every format.
 *
 * Every format here has 4 KiB pages, 512 entries of 8 bytes per table,
 * and 2 MiB blocks at level 1 (the PMD level); levels are numbered from
 * the leaf: level 0 holds pages, level levels - 1 is the top table.
 */
#ifndef VM_PT_FORMAT_H
#define VM_PT_FORMAT_H

#include "base/core.h"

#define PT_MAX_LEVELS	5

/* One pgprot bit (or bits) and the leaf bits that stand for it. */
struct pt_rule {
	uint64_t prot;		/* pgprot bits this rule covers */
	uint64_t set;		/* leaf bits when all of them are set */
	uint64_t clear;		/* leaf bits when they are not */
};

struct pt_format {
	const char *name;		/* as VMALLOC_MMU spells it */
	unsigned int levels;		/* 4 or 5 */
	unsigned int va_bits;		/* bits an address translates */
	unsigned int pa_bits;		/* bits an entry can point at */
	unsigned char shift[PT_MAX_LEVELS]; /* index of level l: addr >> shift[l] */
	uint64_t addr_mask;		/* the output address of an entry */

	/* Entry kinds: an entry is 0 (empty) or one of these. */
	uint64_t type_mask;		/* levels > 0: table or block */
	uint64_t table_type;		/* (e & type_mask) == this: a table */
	uint64_t block_type;		/* ... == this: a 2 MiB block (level 1) */
	uint64_t page_mask;		/* level 0 */
	uint64_t page_type;		/* (e & page_mask) == this: a page */
	uint64_t table_bits;		/* what an intermediate entry holds
					   besides its table's address */
	uint64_t leaf_fixed;		/* bits every leaf has (AArch64 SH) */

	/* pgprot <-> leaf bits; NULL: the same bits (x86-64). */
	const struct pt_rule *rules;
	unsigned int nr_rules;

	/*
	 * needs_bbm: a live valid entry must never be changed into another
	 * valid one in a single store (AArch64 break-before-make): write 0,
	 * flush the TLB for its range, then write the new entry.
	 */
	bool needs_bbm;

	/*
	 * The vmalloc range the architecture's Linux uses with this format
	 * (the soft engine's default start) and the bottom of the kernel
	 * half of the address space (the user half is as large, from 0).
	 */
	unsigned long vmalloc_start;
	unsigned long vmalloc_end;
	unsigned long kernel_base;
	uint64_t mair;			/* AArch64: the MAIR_EL1 the AttrIndx
					   values assume; 0 elsewhere */
};

extern const struct pt_format pt_format_x86_64;
extern const struct pt_format pt_format_x86_64_la57;
extern const struct pt_format pt_format_aarch64;

/* The format named @name (NULL or "": x86-64 4-level), or NULL. */
const struct pt_format *pt_format_find(const char *name);

/*
 * Is [start, end) inside one half of @f's address space (all of it
 * translatable, no non-canonical address)? end is exclusive, start < end.
 */
bool pt_format_range_ok(const struct pt_format *f, unsigned long start,
			unsigned long end);

/* The leaf bits (no address, no kind) that stand for pgprot @prot. */
static inline uint64_t pt_encode(const struct pt_format *f, uint64_t prot)
{
	uint64_t e = f->leaf_fixed;
	unsigned int i;

	if (!f->rules)
		return e | prot;
	for (i = 0; i < f->nr_rules; i++) {
		const struct pt_rule *r = &f->rules[i];

		e |= (prot & r->prot) == r->prot ? r->set : r->clear;
	}
	return e;
}

/* The pgprot bits that the leaf bits of @e stand for. */
static inline uint64_t pt_decode(const struct pt_format *f, uint64_t e)
{
	uint64_t prot = 0;
	unsigned int i;

	if (!f->rules)
		return e & (0xfffULL | _PAGE_NX);
	for (i = 0; i < f->nr_rules; i++) {
		const struct pt_rule *r = &f->rules[i];

		if ((e & (r->set | r->clear)) == r->set)
			prot |= r->prot;
	}
	return prot;
}

/* A level-0 leaf for frame @pfn with pgprot @prot; a level-1 block. */
static inline uint64_t pt_mk_page(const struct pt_format *f, uint64_t pfn,
				  uint64_t prot)
{
	return (pfn << PAGE_SHIFT) | pt_encode(f, prot) | f->page_type;
}

static inline uint64_t pt_mk_block(const struct pt_format *f, uint64_t pfn,
				   uint64_t prot)
{
	return (pfn << PAGE_SHIFT) | pt_encode(f, prot) | f->block_type;
}

#endif /* VM_PT_FORMAT_H */
