/* SPDX-License-Identifier: MIT */
/*
 * x86-64 4-level page tables for the vmalloc range.
 *
 * One walker serves every operation. A walk descends level by level with
 * the same loop at each level (level 3 = PGD .. level 0 = PTE): split
 * [addr, end) at the boundaries of the entries of this level, find or
 * (when allowed) install the next table, recurse. At the PMD level it
 * hands whole runs of one PTE table to the operation's leaf function, so
 * the per-page work is a plain loop.
 *
 *   level  shift  one entry covers
 *     3     39        512 GiB       (PGD)
 *     2     30          1 GiB       (PUD)
 *     1     21          2 MiB       (PMD)
 *     0     12          4 KiB       (PTE)
 */
#include "pgtable/pgtable.h"
#include "page/page_alloc.h"

static struct {
	uint64_t *pgd;
	struct page *own_pgd;		/* NULL when the platform gave one */
	struct vm_lock lock;		/* installs of tables */
	unsigned long nr_tables;	/* table frames, own PGD included */
} pt;

static inline unsigned int level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned int)level;
}

static inline uint64_t entry_load(const uint64_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

static inline void entry_store(uint64_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}

/* The table an intermediate entry points at (NULL when absent). */
static inline uint64_t *entry_table(uint64_t e)
{
	struct page *p;

	if (!(e & _PAGE_PRESENT))
		return NULL;
	p = pa_pfn_page((e & PT_ADDR_MASK) >> PAGE_SHIFT);
	return p ? pa_page_address(p) : NULL;
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
	bool alloc;			/* install missing tables */
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
	pg = pa_alloc(0, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0, VM_FAULT_PT);
	if (!pg)
		return NULL;
	vm_lock(&pt.lock);
	cur = entry_load(e);
	if (!cur) {
		entry_store(e, ((uint64_t)pa_page_pfn(pg) << PAGE_SHIFT) |
			       PT_TABLE_FLAGS);
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

static int walk(uint64_t *table, int level, unsigned long addr,
		unsigned long end, struct pt_walk *w)
{
	do {
		unsigned long next = entry_end(addr, end, level);
		uint64_t *e = &table[entry_index(addr, level)];
		uint64_t *child = get_table(e, w);
		int err;

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
	return walk(pt.pgd, 3, addr, end, w);
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
		/*
		 * Release: whatever was written to the frame before it was
		 * mapped (zeroing, a vmap caller's data) is visible to a
		 * lock-free reader that finds this entry (pt_lookup).
		 */
		__atomic_store_n(&ptes[i], (pfn << PAGE_SHIFT) | w->prot,
				 __ATOMIC_RELEASE);
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

		/* An entry is either empty or present; nothing in between. */
		VM_WARN_ON(old && !(old & _PAGE_PRESENT));
		if (old & _PAGE_PRESENT)
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

/* ------------------------------------------------------------------ */
/* Operations                                                          */
/* ------------------------------------------------------------------ */

int pt_populate(unsigned long addr, unsigned long size)
{
	struct pt_walk w = { .leaf = leaf_none, .alloc = true, .start = addr };

	vm_assert_unlocked(0, "pt_populate");
	return walk_range(addr, addr + size, &w);
}

unsigned long pt_unmap_noflush(unsigned long addr, unsigned long nr)
{
	struct pt_walk w = { .leaf = leaf_clear };

	walk_range(addr, addr + nr * PAGE_SIZE, &w);
	return w.count;
}

/* Make the PTEs real on the platform, one call per run of frames. */
static int sync_runs(unsigned long addr, struct page *const *pages,
		     unsigned long nr, uint64_t prot)
{
	unsigned long i = 0;

	vm_assert_unlocked(0, "sync_map");
	while (i < nr) {
		unsigned long pfn = pa_page_pfn(pages[i]), run = 1;
		int err;

		while (i + run < nr && pa_page_pfn(pages[i + run]) == pfn + run)
			run++;
		err = vm_plat->sync_map(vm_plat->ctx, addr + i * PAGE_SIZE,
					pfn, run, prot);
		if (err) {
			vm_sync_unmap(addr, i * PAGE_SIZE);
			return err < 0 ? err : -VM_ENOMEM;
		}
		i += run;
	}
	return 0;
}

int pt_map(unsigned long addr, struct page *const *pages, unsigned long nr,
	   uint64_t prot, bool *refused)
{
	struct pt_walk w = { .leaf = leaf_set, .need_tables = true,
			     .start = addr, .pages = pages,
			     .prot = prot & PT_PROT_MASK };
	unsigned long end = addr + nr * PAGE_SIZE;
	int err;

	*refused = false;
	if (!nr)
		return 0;
	/* Phase 1: every table, or nothing mapped at all. */
	err = pt_populate(addr, nr * PAGE_SIZE);
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
		err = sync_runs(addr, pages, nr, w.prot);
		if (err) {
			pt_unmap_noflush(addr, nr);
			*refused = true;
		}
	}
	return err;
}

uint64_t pt_lookup(unsigned long addr)
{
	uint64_t *t = pt.pgd;
	int level;

	if (addr < vm_plat->vmalloc_start || addr >= vm_plat->vmalloc_end)
		return 0;
	for (level = 3; level > 0; level--) {
		t = entry_table(entry_load(&t[entry_index(addr, level)]));
		if (!t)
			return 0;
	}
	/* Acquire: pairs with leaf_set(); the frame's contents are ready. */
	return __atomic_load_n(&t[entry_index(addr, 0)], __ATOMIC_ACQUIRE);
}

/* ------------------------------------------------------------------ */
/* Set-up, tear-down, sanity                                           */
/* ------------------------------------------------------------------ */

int pt_init(void)
{
	vm_memset(&pt, 0, sizeof(pt));
	if (vm_plat->pgd) {
		pt.pgd = vm_plat->pgd;
	} else {
		pt.own_pgd = pa_alloc(0, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN,
				      0, 0);
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
			pa_free(pa_pfn_page((v & PT_ADDR_MASK) >> PAGE_SHIFT), 0);
		}
		addr = next;
	} while (addr != end);
}

void pt_exit(void)
{
	if (!pt.pgd)
		return;
	free_tables(pt.pgd, 3, vm_plat->vmalloc_start, vm_plat->vmalloc_end);
	if (pt.own_pgd)
		pa_free(pt.own_pgd, 0);
	vm_lock_destroy(&pt.lock);
	pt.pgd = NULL;
}

unsigned long pt_nr_tables(void)
{
	return vm_stat_read(&pt.nr_tables);
}

/* Count tables below @t; -1 on a malformed entry. */
static long check_tables(const uint64_t *t, int level, unsigned long addr,
			 unsigned long end)
{
	long n = 0;

	do {
		unsigned long next = entry_end(addr, end, level);
		uint64_t e = entry_load(&t[entry_index(addr, level)]);

		if (level == 0) {
			if (e && (!(e & _PAGE_PRESENT) ||
				  !pa_pfn_page((e & PT_ADDR_MASK) >> PAGE_SHIFT)))
				return -1;
		} else if (e) {
			const uint64_t *child = entry_table(e);
			long sub;

			if ((e & ~PT_ADDR_MASK) != PT_TABLE_FLAGS || !child)
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

	/* Installs happen under the lock: the walk and the count agree. */
	vm_lock(&pt.lock);
	n = check_tables(pt.pgd, 3, vm_plat->vmalloc_start,
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
