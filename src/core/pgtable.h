/* SPDX-License-Identifier: MIT */
/*
 * Page tables (pt_): x86-64 4-level tables (PGD -> PUD -> PMD -> PTE,
 * 512 entries of 8 bytes per level, 4 KiB pages) for the vmalloc range.
 * Tables are frames from the page allocator, reached through the direct
 * map; the top level may be the platform's live table.
 *
 * Locking: pt.lock serialises installing a new table into its parent
 * entry (and unlinking one on rollback). PTEs themselves belong to the
 * area that covers them: only its owner writes them, so setting and
 * clearing PTEs takes no lock. Readers (vmalloc_to_page, vread) load
 * entries atomically and may race only with changes to areas they do not
 * own, as in the kernel.
 */
#ifndef VM_PGTABLE_H
#define VM_PGTABLE_H

#include "core.h"

#define PT_ENTRIES	512
#define PT_ADDR_MASK	0x000ffffffffff000ULL
/* Bits a caller may put in a leaf entry (the rest are reserved). */
#define PT_PROT_MASK	(0xfffULL | _PAGE_NX)
/* Intermediate entries: present, writable, accessed, dirty. */
#define PT_TABLE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/*
 * Tables installed by one operation, newest first (linked through the
 * table frames' own struct page), so a failed operation can take them
 * back out with pt_unlink_fresh() + pt_free_unlinked().
 */
struct pt_fresh {
	uint32_t head;		/* frame index, PA_NONE when empty */
	unsigned long count;
};
#define PT_FRESH_INIT	{ .head = UINT32_MAX, .count = 0 }

int pt_init(void);
void pt_exit(void);

/*
 * pt_map - map @nr frames @pages at @addr with leaf bits @prot, all or
 * nothing: tables are allocated first (the only step that can fail for
 * lack of memory), then the PTEs are set, then the platform's sync_map()
 * makes them real run by run. On failure every PTE of the range is clear
 * again, sync_unmap() has undone the runs that were made, and the new
 * tables are still linked in @fresh for the caller to release.
 * Return: 0, -ENOMEM, or the platform's error.
 */
int pt_map(unsigned long addr, struct page *const *pages, unsigned long nr,
	   uint64_t prot, struct pt_fresh *fresh);

/*
 * pt_unmap_noflush - clear the PTEs of [addr, addr + nr pages). No TLB
 * flush and no sync_unmap(): the caller owes both (now, or through the
 * lazy purge). Return: the number of present entries cleared.
 */
unsigned long pt_unmap_noflush(unsigned long addr, unsigned long nr);

/* Allocate every table that maps [addr, addr + size); map nothing. */
int pt_populate(unsigned long addr, unsigned long size, struct pt_fresh *fresh);

/* The leaf entry that maps @addr, or 0. */
uint64_t pt_lookup(unsigned long addr);

/*
 * Roll back @fresh: unlink each of its tables whose address span no live
 * area can use any more (@in_use says, given @ctx; the caller holds what
 * keeps that answer stable, i.e. the va lock) and move it to @out; the
 * others stay in @fresh for a later try. The frames in @out go back with
 * pt_free_unlinked(), which must run with no core lock held (it flushes
 * the TLB and frees frames).
 */
void pt_unlink_fresh(struct pt_fresh *fresh,
		     bool (*in_use)(const void *ctx, unsigned long start,
				    unsigned long end),
		     const void *ctx, struct pt_fresh *out);
void pt_free_unlinked(struct pt_fresh *out);

unsigned long pt_nr_tables(void);

/* Sanity walk of every table in the range. 0 or -EUCLEAN. */
int pt_check(void);

#endif /* VM_PGTABLE_H */
