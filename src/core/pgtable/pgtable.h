/* SPDX-License-Identifier: MIT */
/*
 * Page tables (pt_): the tables of the vmalloc range, in the format the
 * platform names (vm_platform.mmu; format.h): x86-64 4-level (PGD -> PUD
 * -> PMD -> PTE), x86-64 5-level (LA57, a P4D level above), AArch64
 * 4-level with a 4 KiB granule; 512 entries of 8 bytes per level, 4 KiB
 * pages everywhere. Tables are frames from the page allocator, reached
 * through the direct map; the top level may be the platform's live table.
 *
 * The interface speaks the API's protection language on every format:
 * pt_map() takes a pgprot (x86 _PAGE_* bits), pt_lookup() returns the
 * x86-style PTE the mapping stands for (frame address in PT_ADDR_MASK,
 * the pgprot bits it was mapped with), whatever the entry looks like.
 *
 * Tables are never freed while the core runs (as in the kernel's vmalloc
 * range): a table, once linked, stays linked until vmalloc_core_exit(), so
 * a walker that found one may use it without a lock. A mapping that fails
 * leaves the tables it installed; they serve the next mapping of that
 * span (at most one table per level per span, so what failures leave is
 * bounded by the range's size, as the kernel's is).
 *
 * Huge leaves: an entry of a PMD table may itself be the leaf, mapping
 * 2 MiB (_PAGE_PSE set; the frame address is 2 MiB aligned). pt_map_order()
 * places one wherever a whole, aligned 2 MiB chunk of the range is backed
 * by 512 consecutive frames starting at a multiple of 512 and its PMD
 * entry is still empty. Since tables are never freed, a chunk whose PMD
 * entry already points to a PTE table (an earlier 4 KiB mapping of that
 * span, a block of the fast path, alloc_vm_area) cannot become a leaf:
 * that chunk is mapped with 512 PTEs instead, in the existing table. The
 * result is the same memory; only the TLB reach differs. Nothing else
 * ever turns a leaf into a table or back: a leaf is cleared whole.
 * Readers see a 2 MiB leaf through pt_lookup() as the 4 KiB entry it
 * implies for the address asked about (frame inside the leaf, the leaf's
 * protection bits), so their arithmetic is the same for both sizes.
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
#include "pgtable/format.h"

#define PT_ENTRIES	512
/* The frame address in what pt_lookup() returns (x86-style, any format). */
#define PT_ADDR_MASK	0x000ffffffffff000ULL
/* One PMD entry: a 2 MiB leaf (order 9 in 4 KiB frames). */
#define PT_PMD_SHIFT	21
#define PT_PMD_SIZE	(1UL << PT_PMD_SHIFT)
#define PT_PMD_ORDER	(PT_PMD_SHIFT - PAGE_SHIFT)
#define PT_PMD_PAGES	(1UL << PT_PMD_ORDER)
/* Bits a caller may put in a leaf entry (the rest are reserved). */
#define PT_PROT_MASK	(0xfffULL | _PAGE_NX)

/* Bring up the tables in the format vm_plat->mmu names (checked before). */
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
 * @lazy: the frames are the caller's (vmap and its kin): sync_map() gets
 * VM_SYNC_LAZY with the bits, a hint not to prefault them.
 * Context: no core lock held (sync_map is a call out).
 */
int pt_map(unsigned long addr, struct page *const *pages, unsigned long nr,
	   uint64_t prot, bool lazy, bool *refused);

/*
 * pt_map_order - pt_map() with 2 MiB leaves where they fit (@order
 * PT_PMD_ORDER; 0 is pt_map()): each whole aligned 2 MiB chunk of the
 * range whose frames are one naturally aligned run of 512 and whose PMD
 * entry is empty becomes one PMD leaf, the rest gets PTEs (see above).
 * A protection with bit 7 set (_PAGE_PAT in a PTE, _PAGE_PSE in a PMD)
 * is always mapped with PTEs. The platform's sync_map_huge() (or, without
 * it, sync_map()) makes the leaf runs real. All or nothing, as pt_map().
 * Context: no core lock held.
 */
int pt_map_order(unsigned long addr, struct page *const *pages,
		 unsigned long nr, uint64_t prot, unsigned int order,
		 bool lazy, bool *refused);

/*
 * pt_unmap_noflush - clear the PTEs of [addr, addr + nr pages). No TLB
 * flush and no sync_unmap(): the caller owes both (now, or through the
 * lazy purge). A 2 MiB leaf the range meets is cleared whole (as the
 * kernel does; a range that covers only part of one is a caller's bug,
 * logged: pt_huge_span() gives the span to clear instead). Return: the
 * number of 4 KiB pages that were mapped and are not now.
 */
unsigned long pt_unmap_noflush(unsigned long addr, unsigned long nr);

/* Allocate every table that maps [addr, addr + size); map nothing. */
int pt_populate(unsigned long addr, unsigned long size);

/*
 * The leaf entry that maps @addr, or 0. Inside a 2 MiB leaf: the entry a
 * PTE for @addr's page would hold (its frame, the leaf's protection bits,
 * no _PAGE_PSE). pt_lookup_size() also says how much one leaf there maps
 * (PAGE_SIZE or PT_PMD_SIZE; 0 when nothing is mapped).
 */
uint64_t pt_lookup(unsigned long addr);
uint64_t pt_lookup_size(unsigned long addr, unsigned long *size);

/*
 * Widen [*start, *end) (page aligned) to whole 2 MiB leaves where it
 * begins or ends inside one. Return: whether it changed.
 */
bool pt_huge_span(unsigned long *start, unsigned long *end);

/* 2 MiB leaves in place now (for the statistics). */
unsigned long pt_nr_huge(void);

unsigned long pt_nr_tables(void);

/* The running format (NULL before pt_init), and its top-level table. */
const struct pt_format *pt_format(void);
uint64_t *pt_top(void);

/* Sanity walk of every table in the range. 0 or -EUCLEAN. */
int pt_check(void);

#endif /* VM_PGTABLE_H */
