/* SPDX-License-Identifier: MIT */
/*
 * Page tables for the vmalloc range, in the format the platform's MMU
 * reads (format.h: x86-64 4- or 5-level, AArch64).
 *
 * One walker serves every operation. A walk descends level by level with
 * the same loop at each level (the top level, levels - 1, down to level
 * 0, the PTEs): split
 * [addr, end) at the boundaries of the entries of this level, find or
 * (when allowed) install the next table, recurse. At the PMD level it
 * hands whole runs of one PTE table to the operation's leaf function, so
 * the per-page work is a plain loop. A PMD entry that is a 2 MiB leaf, or
 * an empty one that a huge mapping may fill (see huge_fits), goes to the
 * operation's PMD function instead: one more row, not another walker.
 *
 *   level  shift  one entry covers
 *     4     48        256 TiB       (P4D: 5-level x86-64 only)
 *     3     39        512 GiB       (PGD; AArch64 level 0)
 *     2     30          1 GiB       (PUD; AArch64 level 1)
 *     1     21          2 MiB       (PMD; AArch64 level 2, blocks)
 *     0     12          4 KiB       (PTE; AArch64 level 3, pages)
 *
 * What an entry looks like is the format's: the walker asks it whether
 * an entry is a table, a block or a page (entry_table, entry_huge) and
 * has it build leaves from the pgprot (pt_mk_page, pt_mk_block); readers
 * get the pgprot back (pt_lookup), whatever the format.
 */
#include "pgtable/pgtable.h"
#include "page/page_alloc.h"

static struct {
	const struct pt_format *fmt;	/* set at init, never changes */
	uint64_t *pgd;			/* read by every walk: a line of its own */
	struct page *own_pgd;		/* NULL when the platform gave one */
	struct vm_lock lock __vm_cacheline;	/* installs of tables */
	unsigned long nr_tables;	/* table frames, own PGD included */
	unsigned long nr_huge;		/* 2 MiB leaves in place */
} pt __vm_cacheline;

static inline unsigned int level_shift(int level)
{
	return pt.fmt->shift[level];
}

static inline int top_level(void)
{
	return (int)pt.fmt->levels - 1;
}

static inline unsigned long entry_pfn(uint64_t e)
{
	return (unsigned long)((e & pt.fmt->addr_mask) >> PAGE_SHIFT);
}

static inline uint64_t entry_load(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

static inline void entry_store(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* Is this PMD entry a 2 MiB leaf (rather than a table or empty)? */
static inline bool entry_huge(uint64_t e)
{
	return (e & pt.fmt->type_mask) == pt.fmt->block_type;
}

/* Is this PTE a page (rather than empty)? */
static inline bool entry_page(uint64_t e)
{
	return (e & pt.fmt->page_mask) == pt.fmt->page_type;
}

/* The table an intermediate entry points at (NULL when absent or a leaf). */
static inline uint64_t *entry_table(uint64_t e)
{
	struct page *p;

	if ((e & pt.fmt->type_mask) != pt.fmt->table_type)
		return NULL;
	p = pa_pfn_page(entry_pfn(e));
	return p ? pa_page_address(p) : NULL;
}

/*
 * Write leaf @v where @e is. The core only ever fills empty entries and
 * clears live ones; should a live entry ever be replaced by another live
 * one (a bug the callers warn about, or a future in-place change), a
 * format that needs break-before-make (AArch64) gets the sequence the
 * architecture requires: invalid, TLB flush of the range, then the new
 * entry. Release: what was written to the frames before they were mapped
 * is visible to a lock-free reader that finds the entry (pt_lookup).
 */
static void entry_set_leaf(uint64_t *e, uint64_t v, unsigned long addr,
			   unsigned long size)
{
	uint64_t old = __atomic_load_n(e, __ATOMIC_RELAXED);

	if (old && old != v && pt.fmt->needs_bbm) {
		__atomic_store_n(e, 0, __ATOMIC_RELEASE);
		if (vm_plat->flush_tlb_kernel_range)
			vm_plat->flush_tlb_kernel_range(vm_plat->ctx, addr,
							addr + size);
	}
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* End of the entry containing addr at this level, clamped to end. */
static inline unsigned long entry_end(unsigned long addr, unsigned long end,
				      int level)
{
	unsigned long size = 1UL << level_shift(level);
	unsigned long b = (addr + size) & ~(size - 1);

	return b - 1 < end - 1 ? b : end;
}

static inline unsigned int entry_index(unsigned long addr, int level)
{
	return (unsigned int)(addr >> level_shift(level)) & (PT_ENTRIES - 1);
}

/* ------------------------------------------------------------------ */
/* The walker                                                          */
/* ------------------------------------------------------------------ */

struct pt_walk {
	/*
	 * Called for the entries [first, first + n) of one PTE table, which
	 * map [addr, addr + n pages). Leaf functions find their place from
	 * @addr, never from a running cursor, so a table skipped by the walk
	 * cannot shift what the next table gets.
	 */
	int (*leaf)(struct pt_walk *w, uint64_t *ptes, unsigned int first,
		    unsigned int n, unsigned long addr);
	/*
	 * Called for the PMD entry @pmd covering [addr, next) when it is a
	 * 2 MiB leaf, or empty where huge_fits() allows one: the entry is
	 * then the operation's, not a table's.
	 */
	int (*pmd)(struct pt_walk *w, uint64_t *pmd, unsigned long addr,
		   unsigned long next);
	bool alloc;			/* install missing tables */
	bool huge;			/* empty PMD entries may become leaves */
	bool need_tables;		/* a missing table is a bug */
	unsigned long start;		/* the walk's first address */
	struct page *const *pages;	/* pt_map: frame of each page */
	uint64_t prot;
	unsigned long count;		/* leaf-specific tally */
};

/*
 * Find the table below *e, installing a zeroed one if allowed. Once an
 * entry points at a table it never changes until pt_exit(), so the
 * table may be used without the lock.
 */
static uint64_t *get_table(uint64_t *e, struct pt_walk *w)
{
	uint64_t cur = entry_load(e);
	struct page *pg;
	uint64_t *t;

	if (cur || !w->alloc)
		return entry_table(cur);
	pg = pa_alloc_lasting(0, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
			      VM_FAULT_PT);
	if (!pg)
		return NULL;
	vm_lock(&pt.lock);
	cur = entry_load(e);
	if (!cur) {
		entry_store(e, ((uint64_t)pa_page_pfn(pg) << PAGE_SHIFT) |
			       pt.fmt->table_bits);
		vm_stat_add(&pt.nr_tables, 1);
		t = pa_page_address(pg);
		pg = NULL;
	} else {
		t = entry_table(cur);
	}
	vm_unlock(&pt.lock);
	if (pg)		/* somebody else installed one first */
		pa_free(pg, 0);
	return t;
}

/*
 * May the empty PMD entry for [addr, next) become a 2 MiB leaf? Only in
 * a huge walk, for a whole entry, whose frames are 512 consecutive ones
 * starting at a multiple of 512 (the leaf's frame address is 2 MiB
 * aligned). Every phase of pt_map_order() asks the same question of the
 * same frames, so they agree on which chunks are leaves.
 */
static bool huge_fits(const struct pt_walk *w, unsigned long addr,
		      unsigned long next)
{
	struct page *const *pages;
	unsigned long pfn, i;

	if (!w->huge || next - addr != PT_PMD_SIZE)
		return false;
	pages = w->pages + ((addr - w->start) >> PAGE_SHIFT);
	pfn = pa_page_pfn(pages[0]);
	if (pfn & (PT_PMD_PAGES - 1))
		return false;
	for (i = 1; i < PT_PMD_PAGES; i++)
		if (pa_page_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

static int walk(uint64_t *table, int level, unsigned long addr,
		unsigned long end, struct pt_walk *w)
{
	do {
		unsigned long next = entry_end(addr, end, level);
		uint64_t *e = &table[entry_index(addr, level)];
		uint64_t *child;
		int err;

		if (level == 1) {
			uint64_t cur = entry_load(e);

			if (entry_huge(cur) || (!cur && huge_fits(w, addr, next))) {
				err = w->pmd(w, e, addr, next);
				if (err)
					return err;
				addr = next;
				continue;
			}
		}
		child = get_table(e, w);
		if (!child) {
			if (w->alloc)
				return -VM_ENOMEM;
			if (w->need_tables) {
				vm_bug("page tables: no table for 0x%lx", addr);
				return -VM_EFAULT;
			}
		} else if (level == 1) {
			err = w->leaf(w, child, entry_index(addr, 0),
				      (unsigned int)((next - addr) >> PAGE_SHIFT),
				      addr);
			if (err)
				return err;
		} else {
			err = walk(child, level - 1, addr, next, w);
			if (err)
				return err;
		}
		addr = next;
	} while (addr != end);
	return 0;
}

static int walk_range(unsigned long addr, unsigned long end, struct pt_walk *w)
{
	if (addr >= end)
		return 0;
	if (VM_DEBUG && (addr < vm_plat->vmalloc_start ||
			 end > vm_plat->vmalloc_end))
		vm_bug("page tables: walk %lx-%lx outside the range", addr, end);
	return walk(pt.pgd, top_level(), addr, end, w);
}

/* ------------------------------------------------------------------ */
/* Leaf operations                                                     */
/* ------------------------------------------------------------------ */

static int leaf_set(struct pt_walk *w, uint64_t *ptes, unsigned int first,
		    unsigned int n, unsigned long addr)
{
	struct page *const *pages = w->pages + ((addr - w->start) >> PAGE_SHIFT);
	unsigned int i;

	for (i = first; i < first + n; i++) {
		uint64_t pfn = pa_page_pfn(*pages++);

		VM_WARN_ON(__atomic_load_n(&ptes[i], __ATOMIC_RELAXED) != 0);
		entry_set_leaf(&ptes[i], pt_mk_page(pt.fmt, pfn, w->prot),
			       addr + (unsigned long)(i - first) * PAGE_SIZE,
			       PAGE_SIZE);
	}
	return 0;
}

static int leaf_clear(struct pt_walk *w, uint64_t *ptes, unsigned int first,
		      unsigned int n, unsigned long addr)
{
	unsigned int i;

	(void)addr;
	for (i = first; i < first + n; i++) {
		uint64_t old = __atomic_exchange_n(&ptes[i], 0, __ATOMIC_RELAXED);

		/* An entry is either empty or a page; nothing in between. */
		VM_WARN_ON(old && !entry_page(old));
		if (old && entry_page(old))
			w->count++;
	}
	return 0;
}

static int leaf_none(struct pt_walk *w, uint64_t *ptes, unsigned int first,
		     unsigned int n, unsigned long addr)
{
	(void)w, (void)ptes, (void)first, (void)n, (void)addr;
	return 0;
}

/* A 2 MiB leaf for the chunk at @addr (huge_fits() said it may be one). */
static int pmd_set(struct pt_walk *w, uint64_t *pmd, unsigned long addr,
		   unsigned long next)
{
	struct page *first = w->pages[(addr - w->start) >> PAGE_SHIFT];
	uint64_t old = entry_load(pmd);

	(void)next;
	if (old) {
		/* A leaf already: somebody else's mapping under ours. */
		vm_bug("page tables: 0x%lx is mapped already (0x%llx)", addr,
		       (unsigned long long)old);
		return -VM_EFAULT;
	}
	/* Release (entry_set_leaf): the frames' contents are ready. */
	entry_set_leaf(pmd, pt_mk_block(pt.fmt, pa_page_pfn(first), w->prot),
		       addr, PT_PMD_SIZE);
	vm_stat_add(&pt.nr_huge, 1);
	return 0;
}

/*
 * Clear a 2 MiB leaf, whole even when the walk covers only part of it
 * (a caller's bug: pt_huge_span() gives the span, so the platform's view
 * and ours stay the same).
 */
static int pmd_clear(struct pt_walk *w, uint64_t *pmd, unsigned long addr,
		     unsigned long next)
{
	uint64_t old;

	if (!entry_huge(entry_load(pmd)))
		return 0;	/* empty: nothing mapped */
	if (next - addr != PT_PMD_SIZE)
		vm_warn("page tables: unmap of 0x%lx-0x%lx clears the whole 2 MiB leaf",
			addr, next);
	old = __atomic_exchange_n(pmd, 0, __ATOMIC_RELAXED);
	if (entry_huge(old)) {
		w->count += PT_PMD_PAGES;
		vm_stat_add(&pt.nr_huge, -1);
	}
	return 0;
}

/* Leave the entry alone: an empty one will be a leaf, not a table. */
static int pmd_none(struct pt_walk *w, uint64_t *pmd, unsigned long addr,
		    unsigned long next)
{
	(void)w, (void)pmd, (void)addr, (void)next;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

/*
 * Install every table [addr, addr + size) needs; in a huge walk (@pages
 * given, @huge) not the PTE tables of chunks that will be 2 MiB leaves.
 */
static int populate(unsigned long addr, unsigned long size,
		    struct page *const *pages, bool huge)
{
	struct pt_walk w = { .leaf = leaf_none, .pmd = pmd_none, .alloc = true,
			     .huge = huge, .start = addr, .pages = pages };

	vm_assert_unlocked(0, "pt_populate");
	return walk_range(addr, addr + size, &w);
}

int pt_populate(unsigned long addr, unsigned long size)
{
	return populate(addr, size, NULL, false);
}

unsigned long pt_unmap_noflush(unsigned long addr, unsigned long nr)
{
	struct pt_walk w = { .leaf = leaf_clear, .pmd = pmd_clear };

	walk_range(addr, addr + nr * PAGE_SIZE, &w);
	return w.count;
}

/* Is @addr (2 MiB aligned) mapped by a 2 MiB leaf? */
static bool huge_at(unsigned long addr)
{
	unsigned long size;

	return pt_lookup_size(addr, &size) && size == PT_PMD_SIZE;
}

/*
 * Make the entries real on the platform, one call per run of frames;
 * in a huge mapping the runs of 2 MiB leaves and those of PTEs are told
 * apart (sync_map_huge for the first when the platform has it).
 */
static int sync_runs(unsigned long addr, struct page *const *pages,
		     unsigned long nr, uint64_t prot, bool huge)
{
	unsigned long i = 0;

	vm_assert_unlocked(0, "sync_map");
	while (i < nr) {
		unsigned long a = addr + i * PAGE_SIZE;
		unsigned long pfn = pa_page_pfn(pages[i]), run = 1;
		bool leaf = huge && !(a & (PT_PMD_SIZE - 1)) && huge_at(a);
		int err;

		if (leaf)
			run = PT_PMD_PAGES;	/* huge_fits(): consecutive */
		while (i + run < nr && pa_page_pfn(pages[i + run]) == pfn + run) {
			unsigned long b = a + run * PAGE_SIZE;

			/* A run changes kind only at a 2 MiB boundary. */
			if (huge && !(b & (PT_PMD_SIZE - 1)) && huge_at(b) != leaf)
				break;
			run += leaf ? PT_PMD_PAGES : 1;
		}
		if (leaf && vm_plat->sync_map_huge)
			err = vm_plat->sync_map_huge(vm_plat->ctx, a, pfn, run,
						     prot);
		else
			err = vm_plat->sync_map(vm_plat->ctx, a, pfn, run, prot);
		if (err) {
			vm_sync_unmap(addr, i * PAGE_SIZE);
			return err < 0 ? err : -VM_ENOMEM;
		}
		i += run;
	}
	return 0;
}

int pt_map(unsigned long addr, struct page *const *pages, unsigned long nr,
	   uint64_t prot, bool lazy, bool *refused)
{
	return pt_map_order(addr, pages, nr, prot, 0, lazy, refused);
}

int pt_map_order(unsigned long addr, struct page *const *pages,
		 unsigned long nr, uint64_t prot, unsigned int order,
		 bool lazy, bool *refused)
{
	struct pt_walk w = { .leaf = leaf_set, .pmd = pmd_set,
			     .need_tables = true, .start = addr, .pages = pages,
			     .prot = prot & PT_PROT_MASK };
	/* w.prot stays the pgprot: sync_map() speaks it on every format. */
	unsigned long end = addr + nr * PAGE_SIZE;
	int err;

	*refused = false;
	if (!nr)
		return 0;
	/* Bit 7 is PAT in a PTE but PSE in a PMD: such a protection stays small. */
	w.huge = order == PT_PMD_ORDER && !(w.prot & _PAGE_PSE);
	/* Phase 1: every table, or nothing mapped at all. */
	err = populate(addr, nr * PAGE_SIZE, pages, w.huge);
	if (err)
		return err;
	/* Phase 2: cannot fail (tables, once linked, stay). */
	err = walk_range(addr, end, &w);
	if (err) {
		pt_unmap_noflush(addr, nr);
		return err;
	}
	/* Phase 3: the platform may still refuse. */
	if (vm_plat->sync_map) {
		err = sync_runs(addr, pages, nr,
				w.prot | (lazy ? VM_SYNC_LAZY : 0), w.huge);
		if (err) {
			pt_unmap_noflush(addr, nr);
			*refused = true;
		}
	}
	return err;
}

uint64_t pt_lookup_size(unsigned long addr, unsigned long *size)
{
	uint64_t *t = pt.pgd, e;
	int level;

	*size = 0;
	if (addr < vm_plat->vmalloc_start || addr >= vm_plat->vmalloc_end)
		return 0;
	for (level = top_level(); level > 0; level--) {
		/* Acquire: pairs with pmd_set() and leaf_set(). */
		e = entry_load(&t[entry_index(addr, level)]);
		if (level == 1 && entry_huge(e)) {
			/*
			 * The PTE this page would have: the leaf's frame
			 * plus the page's offset in it (bit 12 of an x86
			 * leaf, its PAT bit, is never set), the leaf's
			 * protection.
			 */
			*size = PT_PMD_SIZE;
			return (((uint64_t)entry_pfn(e) << PAGE_SHIFT) &
				~(uint64_t)(PT_PMD_SIZE - 1)) |
			       (addr & (PT_PMD_SIZE - 1) & PAGE_MASK) |
			       (pt_decode(pt.fmt, e) & ~_PAGE_PSE);
		}
		t = entry_table(e);
		if (!t)
			return 0;
	}
	/* Acquire: pairs with leaf_set(); the frame's contents are ready. */
	e = __atomic_load_n(&t[entry_index(addr, 0)], __ATOMIC_ACQUIRE);
	if (!entry_page(e))
		return 0;
	*size = PAGE_SIZE;
	return ((uint64_t)entry_pfn(e) << PAGE_SHIFT) | pt_decode(pt.fmt, e);
}

uint64_t pt_lookup(unsigned long addr)
{
	unsigned long size;

	return pt_lookup_size(addr, &size);
}

bool pt_huge_span(unsigned long *start, unsigned long *end)
{
	unsigned long s = *start, e = *end, size;

	if (s < e && pt_lookup_size(s, &size) && size == PT_PMD_SIZE)
		s &= ~(PT_PMD_SIZE - 1);
	if (s < e && pt_lookup_size(e - 1, &size) && size == PT_PMD_SIZE)
		e = (e + PT_PMD_SIZE - 1) & ~(PT_PMD_SIZE - 1);
	if (s == *start && e == *end)
		return false;
	*start = s;
	*end = e;
	return true;
}

unsigned long pt_nr_huge(void)
{
	return vm_stat_read(&pt.nr_huge);
}

/* ------------------------------------------------------------------ */
/* Set-up, tear-down, sanity                                           */
/* ------------------------------------------------------------------ */

int pt_init(void)
{
	const struct pt_format *fmt = pt_format_find(vm_plat->mmu);

	if (!fmt)
		return -VM_EINVAL;	/* the platform check refused it first */
	vm_memset(&pt, 0, sizeof(pt));
	pt.fmt = fmt;
	if (vm_plat->pgd) {
		pt.pgd = vm_plat->pgd;
	} else {
		pt.own_pgd = pa_alloc_lasting(0, GFP_KERNEL | __GFP_ZERO |
					      __GFP_NOWARN, 0);
		if (!pt.own_pgd)
			return -VM_ENOMEM;
		pt.pgd = pa_page_address(pt.own_pgd);
		pt.nr_tables = 1;
	}
	vm_lock_init(&pt.lock, "page-tables", VM_RANK_PT);
	return 0;
}

/* Free every table below @t (a table of @level) within [addr, end). */
static void free_tables(uint64_t *t, int level, unsigned long addr,
			unsigned long end)
{
	do {
		unsigned long next = entry_end(addr, end, level);
		uint64_t *e = &t[entry_index(addr, level)];
		uint64_t v = entry_load(e);
		uint64_t *child = entry_table(v);

		if (child) {
			if (level > 1)
				free_tables(child, level - 1, addr, next);
			entry_store(e, 0);
			vm_stat_add(&pt.nr_tables, -1);
			pa_free(pa_pfn_page(entry_pfn(v)), 0);
		}
		addr = next;
	} while (addr != end);
}

void pt_exit(void)
{
	if (!pt.pgd)
		return;
	free_tables(pt.pgd, top_level(), vm_plat->vmalloc_start,
		    vm_plat->vmalloc_end);
	if (pt.own_pgd)
		pa_free(pt.own_pgd, 0);
	vm_lock_destroy(&pt.lock);
	pt.pgd = NULL;
}

unsigned long pt_nr_tables(void)
{
	return vm_stat_read(&pt.nr_tables);
}

const struct pt_format *pt_format(void)
{
	return pt.fmt;
}

uint64_t *pt_top(void)
{
	return pt.pgd;
}

/* Count tables below @t; -1 on a malformed entry. */
static long check_tables(const uint64_t *t, int level, unsigned long addr,
			 unsigned long end)
{
	const struct pt_format *f = pt.fmt;
	long n = 0;

	do {
		unsigned long next = entry_end(addr, end, level);
		uint64_t e = entry_load(&t[entry_index(addr, level)]);

		if (level == 0) {
			/*
			 * A page: a frame of the pool, and exactly the bits
			 * the format gives the protection they decode to.
			 */
			if (e && (!entry_page(e) || !pa_pfn_page(entry_pfn(e)) ||
				  e != pt_mk_page(f, entry_pfn(e),
						  pt_decode(f, e))))
				return -1;
		} else if (level == 1 && e && (e & f->type_mask) != f->table_type) {
			/*
			 * A 2 MiB leaf: a block, a whole aligned entry's
			 * worth of frames of the pool, no bit but what the
			 * protection gives (on x86-64, bits 12-20 clear:
			 * no PAT).
			 */
			unsigned long pfn = entry_pfn(e);

			if (!entry_huge(e) || (pfn & (PT_PMD_PAGES - 1)) ||
			    e != pt_mk_block(f, pfn, pt_decode(f, e) & ~_PAGE_PSE) ||
			    !pa_pfn_page(pfn) ||
			    !pa_pfn_page(pfn + PT_PMD_PAGES - 1))
				return -1;
		} else if (e) {
			const uint64_t *child = entry_table(e);
			long sub;

			if ((e & ~f->addr_mask) != f->table_bits || !child)
				return -1;
			sub = check_tables(child, level - 1, addr, next);
			if (sub < 0)
				return -1;
			n += 1 + sub;
		}
		addr = next;
	} while (addr != end);
	return n;
}

int pt_check(void)
{
	unsigned long counted;
	long n;

	/*
	 * Installs happen under the lock: the walk and the count agree.
	 * Leaves (2 MiB ones too) come and go without it, set and cleared
	 * by their owners: each is checked for its form only.
	 */
	vm_lock(&pt.lock);
	n = check_tables(pt.pgd, top_level(), vm_plat->vmalloc_start,
			 vm_plat->vmalloc_end);
	counted = pt_nr_tables();
	vm_unlock(&pt.lock);
	if (n < 0 || (unsigned long)n + (pt.own_pgd ? 1 : 0) != counted) {
		vm_bug("page tables: malformed or miscounted (%ld tables, %lu counted)",
		       n, counted);
		return -VM_EUCLEAN;
	}
	return 0;
}
