/* SPDX-License-Identifier: MIT */
/*
 * Page tables (pt_): x86-64 4-level tables (PGD -> PUD -> PMD -> PTE,
 * 512 entries of 8 bytes per level, 4 KiB pages) for the vmalloc range.
 * Tables are frames from the page allocator, reached through the direct
 * map; the top level may be the platform's live table.
 *
 * Tables are never freed while the core runs (as in the kernel's vmalloc
 * range): a table, once linked, stays linked until vmalloc_core_exit(), so
 * a walker that found one may use it without a lock. A mapping that fails
 * leaves the tables it installed; they serve the next mapping of that
 * span (at most one table per level per span, so what failures leave is
 * bounded by the range's size, as the kernel's is).
 *
 * Locking: pt.lock serialises installing a new table into its parent
 * entry. PTEs themselves belong to the area that covers them: only its
 * owner writes them, so setting and clearing PTEs takes no lock. Readers
 * (vmalloc_to_page, vread) load entries atomically and may race only with
 * changes to areas they do not own, as in the kernel.
 */
#ifndef VM_PGTABLE_H
#define VM_PGTABLE_H

#include "base/core.h"

#define PT_ENTRIES	512
#define PT_ADDR_MASK	0x000ffffffffff000ULL
/* Bits a caller may put in a leaf entry (the rest are reserved). */
#define PT_PROT_MASK	(0xfffULL | _PAGE_NX)
/* Intermediate entries: present, writable, accessed, dirty. */
#define PT_TABLE_FLAGS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

int pt_init(void);
void pt_exit(void);

/*
 * pt_map - map @nr frames @pages at @addr with leaf bits @prot, all or
 * nothing: tables are allocated first (the only step that can fail for
 * lack of memory), then the PTEs are set, then the platform's sync_map()
 * makes them real run by run. On failure every PTE of the range is clear
 * again and sync_unmap() has undone the runs that were made; the tables
 * stay. Return: 0, -ENOMEM (no frame for a table), or the platform's
 * error, and then *@refused is true (the tables and PTEs were fine).
 * Context: no core lock held (sync_map is a call out).
 */
int pt_map(unsigned long addr, struct page *const *pages, unsigned long nr,
	   uint64_t prot, bool *refused);

/*
 * pt_unmap_noflush - clear the PTEs of [addr, addr + nr pages). No TLB
 * flush and no sync_unmap(): the caller owes both (now, or through the
 * lazy purge). Return: the number of present entries cleared.
 */
unsigned long pt_unmap_noflush(unsigned long addr, unsigned long nr);

/* Allocate every table that maps [addr, addr + size); map nothing. */
int pt_populate(unsigned long addr, unsigned long size);

/* The leaf entry that maps @addr, or 0. */
uint64_t pt_lookup(unsigned long addr);

unsigned long pt_nr_tables(void);

/* Sanity walk of every table in the range. 0 or -EUCLEAN. */
int pt_check(void);

#endif /* VM_PGTABLE_H */
