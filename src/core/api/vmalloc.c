/* SPDX-License-Identifier: MIT */
/*
 * The vmalloc API: areas (vm_struct), their pages and mappings.
 *
 * Every allocating entry point is a thin wrapper around one of two core
 * functions: get_area() reserves address space with a descriptor, and
 * __vmalloc_node_range() adds frames and page tables to it. Every path
 * validates its input first, then reserves, then commits; a failure at
 * any step undoes the steps before it, so frames, areas and metadata
 * return to what they were (the tests prove it with counters; page tables
 * stay, as in the kernel).
 *
 * An area being built is born uninitialised (VMD_UNINIT): no public call
 * can claim it until it is complete, so a failure can always take it back.
 * Every operation on an existing area claims it first (area_claim: look
 * up and validate), then works on it with no lock held, then unclaims or
 * retires it.
 */
#include "api/api.h"
#include "area/area.h"
#include "lib/slab.h"
#include "page/page_alloc.h"
#include "pgtable/pgtable.h"

#define RET_IP	(__builtin_return_address(0))

/* Frames that vmalloc areas own (vmalloc_nr_pages): per CPU, summed. */
static struct vm_pcpu_stat nr_vmalloc_pages;

/* Flags a caller may ask for; VM_VPAGES is the library's own. */
#define VM_PUBLIC_FLAGS	(VM_IOREMAP | VM_ALLOC | VM_MAP | VM_USERMAP | \
			 VM_NO_GUARD | VM_FLUSH_RESET_PERMS | VM_SPARSE | \
			 VM_ALLOW_HUGE_VMAP)

/* ------------------------------------------------------------------ */
/* Address space                                                       */
/* ------------------------------------------------------------------ */

bool vm_prot_ok(pgprot_t prot)
{
	uint64_t v = pgprot_val(prot);

	return (v & _PAGE_PRESENT) && !(v & ~PT_PROT_MASK);
}

#define prot_ok(prot)	vm_prot_ok(prot)

bool vm_pages_ok(const char *who, struct page *const *pages,
		 unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++) {
		const char *bad = !pages[i] ? "NULL" :
				  !pa_valid_page(pages[i]) ? "not a page of the pool" :
				  !pa_page_allocated(pages[i]) ? "not allocated" : NULL;

		if (bad) {
			vm_log(VM_LOG_WARNING, "%s: page %lu is %s", who, i, bad);
			return false;
		}
	}
	return true;
}

/* A protection and node for new frames: false, with a log line, if bad. */
static bool prot_node_ok(const char *who, pgprot_t prot, int node)
{
	if (prot_ok(prot) && node >= -1 && node < (int)pa_nr_nodes())
		return true;
	vm_log(VM_LOG_WARNING, "%s: bad protection 0x%llx or node %d", who,
	       (unsigned long long)pgprot_val(prot), node);
	return false;
}

/* Pages of data in @vm: its size without the guard page. */
static inline unsigned long area_pages(const struct vm_struct *vm)
{
	return vm_data_size(vm) >> PAGE_SHIFT;
}

/* How get_area() makes the area. */
#define GA_UNINIT	0x1u	/* being built: area_ready() publishes it */
#define GA_INTERNAL	0x2u	/* the library's own (a page array) */
#define GA_VPAGES	0x4u	/* VM_VPAGES allowed: vmalloc_range set it */
#define GA_PLAIN	0x8u	/* to be mapped whole with PAGE_KERNEL by
				   4 KiB entries (VMD_PLAIN) */

/* The log line of a request that found no room. */
static __vm_slow void get_area_no_room(int err, gfp_t gfp)
{
	if (err == -VM_ENOSPC && !(gfp & __GFP_NOWARN))
		vm_log(VM_LOG_WARNING,
		       "vmalloc: allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.");
}

static __vm_slow void get_area_bad_window(unsigned long start,
					  unsigned long end)
{
	vm_log(VM_LOG_WARNING,
	       "vmalloc: window 0x%lx-0x%lx outside the vmalloc range 0x%lx-0x%lx",
	       start, end, vm_plat->vmalloc_start, vm_plat->vmalloc_end);
}

/*
 * Reserve a validated request: @align a power of two (VM_IOREMAP's
 * raise applied), @size neither 0 nor too large, @flags allowed.
 * Inline: the entry points' constants (align 1, the whole range, how 0)
 * fold away.
 */
static inline __attribute__((always_inline))
struct vm_struct *get_area_checked(unsigned long size, unsigned long align,
				   unsigned long flags, unsigned long start,
				   unsigned long end, gfp_t gfp,
				   const void *caller, unsigned int how)
{
	struct area_request rq;
	struct vm_struct *vm;
	int err;

	rq.align = vm_max(align, PAGE_SIZE);
	rq.size = PAGE_ALIGN(size) +			/* the guard page */
		  (flags & VM_NO_GUARD ? 0 : PAGE_SIZE);
	rq.vstart = vm_max(start, vm_plat->vmalloc_start);
	rq.vend = vm_min(end, vm_plat->vmalloc_end);
	/* Constant for the entry points that pass the whole range. */
	rq.whole = rq.vstart == vm_plat->vmalloc_start &&
		   rq.vend == vm_plat->vmalloc_end;
	rq.flags = flags;
	rq.caller = caller;
	rq.uninit = how & GA_UNINIT;
	rq.internal = how & GA_INTERNAL;
	rq.ram = false;
	rq.plain = how & GA_PLAIN;
	if (unlikely(rq.vstart >= rq.vend)) {
		get_area_bad_window(start, end);
		return NULL;
	}
	vm = area_alloc(&rq, &err);
	if (unlikely(!vm))
		get_area_no_room(err, gfp);
	return vm;
}

/* get_area() for every request the common case does not cover. */
static __attribute__((noinline))
struct vm_struct *get_area_slow(unsigned long size, unsigned long align,
				unsigned long flags, unsigned long start,
				unsigned long end, gfp_t gfp,
				const void *caller, unsigned int how)
{
	if (!size)
		return NULL;
	if (size > ULONG_MAX - 2 * PAGE_SIZE) {
		vm_log(VM_LOG_WARNING, "vmalloc: size %lu too large", size);
		return NULL;
	}
	if (flags & ~(VM_PUBLIC_FLAGS | (how & GA_VPAGES ? VM_VPAGES : 0))) {
		vm_log(VM_LOG_WARNING, "vmalloc: unknown area flags 0x%lx",
		       flags & ~VM_PUBLIC_FLAGS);
		return NULL;
	}
	if (!VM_IS_POW2(align)) {
		vm_log(VM_LOG_WARNING,
		       "vmalloc: alignment %lu is not a power of two", align);
		return NULL;
	}
	if (flags & VM_IOREMAP) {
		int bit = vm_fls(size);

		if (bit > IOREMAP_MAX_ORDER)
			bit = IOREMAP_MAX_ORDER;
		else if (bit < PAGE_SHIFT)
			bit = PAGE_SHIFT;
		align = vm_max(align, 1UL << bit);
	}
	return get_area_checked(size, align, flags, start, end, gfp, caller,
				how);
}

/*
 * get_area - reserve [addr, addr + PAGE_ALIGN(size) + guard) inside
 * [start, end) clipped to the managed range, aligned to @align (a power of
 * two; VM_IOREMAP raises it to the size's order as the seed does), made
 * as @how (GA_*) says.
 * Return: the live descriptor; or NULL with one log line saying why (none
 * for size 0, as the seed). Inline, for the common request: the rest,
 * and every refusal, goes through get_area_slow().
 */
static inline __attribute__((always_inline))
struct vm_struct *get_area(unsigned long size, unsigned long align,
			   unsigned long flags, unsigned long start,
			   unsigned long end, gfp_t gfp, const void *caller,
			   unsigned int how)
{
	if (unlikely(size - 1 >= ULONG_MAX - 2 * PAGE_SIZE ||
		     (flags & (VM_IOREMAP | ~(VM_PUBLIC_FLAGS |
			       (how & GA_VPAGES ? VM_VPAGES : 0)))) ||
		     !VM_IS_POW2(align)))
		return get_area_slow(size, align, flags, start, end, gfp,
				     caller, how);
	return get_area_checked(size, align, flags, start, end, gfp, caller,
				how);
}

/*
 * Map @nr frames at @start, which the caller holds (in an area that is
 * uninitialised or claimed), with 2 MiB leaves where they fit when @order
 * is PT_PMD_ORDER. On failure nothing is mapped and the range is flushed;
 * page tables the attempt added stay.
 *
 * A mapping the platform refuses for lack of memory is tried once more
 * after a purge, as the kernel retries an allocation: lazily freed areas
 * hold platform resources until then (the host engine's mappings count
 * against the process's vm.max_map_count). A page table that cannot be
 * allocated is not retried: lazily freed areas hold no frames.
 */
static int map_range_order(unsigned long start, struct page *const *pages,
			   unsigned long nr, pgprot_t prot, unsigned int order,
			   bool lazy)
{
	bool refused;
	int err = pt_map_order(start, pages, nr, pgprot_val(prot), order,
			       lazy, &refused);

	if (err) {
		vm_flush_tlb(start, start + nr * PAGE_SIZE);
		if (refused && err == -VM_ENOMEM && area_purge(true))
			err = pt_map_order(start, pages, nr, pgprot_val(prot),
					   order, lazy, &refused);
	}
	if (err) {
		vm_flush_tlb(start, start + nr * PAGE_SIZE);
		return err;
	}
	vm_flush_cache_vmap(start, start + nr * PAGE_SIZE);
	return 0;
}

int vm_map_range(unsigned long start, struct page *const *pages,
		 unsigned long nr, pgprot_t prot)
{
	return map_range_order(start, pages, nr, prot, 0, true);
}

/*
 * map_range_order() at page @first of @vm (map_area: at its start); the
 * area will need a flush before its range is reused. The frames of a
 * VM_ALLOC area are its own, about to be used: the platform may prefault
 * them; any other area maps the caller's frames (vmap and its kin),
 * lazily (VM_SYNC_LAZY).
 */
static int map_area_at(struct vm_struct *vm, unsigned long first,
		       struct page *const *pages, unsigned long nr,
		       pgprot_t prot, unsigned int order)
{
	int err = map_range_order((unsigned long)vm->addr +
				  (first << PAGE_SHIFT), pages, nr, prot,
				  order, !(vm->flags & VM_ALLOC));

	if (!err)
		area_mark_mapped(vm);
	return err;
}

static int map_area(struct vm_struct *vm, struct page *const *pages,
		    unsigned long nr, pgprot_t prot, unsigned int order)
{
	return map_area_at(vm, 0, pages, nr, prot, order);
}

/* Undo get_area() for an area still being built (nobody else saw it). */
static void discard_area(struct vm_struct *vm)
{
	struct vm_struct *claimed;

	if (area_claim((unsigned long)vm->addr, vm, AREA_CORE, &claimed)) {
		vm_bug("vmalloc: an area being built at %p is gone", vm->addr);
		return;
	}
	area_retire(vm, false);
}

static void retire_and_free(struct vm_struct *vm);

static void free_page_array(struct page **pages, unsigned long nr,
			    unsigned long flags)
{
	struct vm_struct *array;

	if (!(flags & VM_VPAGES)) {
		vm_kfree(pages, nr * sizeof(struct page *));
		return;
	}
	/* The array is an internal vmalloc area of its own. */
	if (area_claim((unsigned long)pages, NULL, AREA_CORE, &array)) {
		vm_bug("vmalloc: page array at %p is gone", (void *)pages);
		return;
	}
	retire_and_free(array);
}

/*
 * Retire claimed area @vm and free what it owned: its frames (each drops
 * one reference: a frame that user space still maps stays allocated
 * until that mapping is released) and its page array.
 */
static void retire_and_free(struct vm_struct *vm)
{
	struct page **pages = vm->pages;
	unsigned long nr = vm->nr_pages, flags = vm->flags;

	area_retire(vm, false);
	if (pages) {
		vm_pcpu_stat_add(&nr_vmalloc_pages, -(long)(nr));
		pa_free_bulk(pages, nr);
		free_page_array(pages, nr, flags);
	}
}

/* ------------------------------------------------------------------ */
/* vmalloc                                                             */
/* ------------------------------------------------------------------ */

static void *vmalloc_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end, gfp_t gfp,
			   pgprot_t prot, unsigned long vm_flags, int node,
			   const void *caller, bool internal);

/* Is the page array of an @nr-page area vmalloc()ed itself? */
static bool vpages_needed(unsigned long nr)
{
	return nr * sizeof(struct page *) > PAGE_SIZE &&
	       vm_plat->vmalloc_accessible;
}

/*
 * A zeroed page array for @nr frames: an internal vmalloc area of its own
 * when @vpages (the area is VM_VPAGES), else metadata. free_page_array()
 * frees it, given the same @nr and the area's flags.
 */
static struct page **page_array_alloc(unsigned long nr, bool vpages,
				      gfp_t gfp, int node, const void *caller)
{
	unsigned long array_size = nr * sizeof(struct page *);

	if (!vpages)
		return vm_kmalloc(array_size);
	/* Strictly bounded recursion: the array is 512x smaller. */
	return vmalloc_range(array_size, 1, vm_plat->vmalloc_start,
			     vm_plat->vmalloc_end,
			     (gfp & ~__GFP_DMA32 & ~__GFP_DMA) | __GFP_ZERO |
			     __GFP_NOWARN, PAGE_KERNEL, 0, node, caller, true);
}

/*
 * @nr frames into @pages: single frames in bulk for @order 0; else blocks
 * of 2^@order, each split into single frames (as the kernel's
 * split_page(): every frame is then freed, and counted by get_page(),
 * on its own, as any vmalloc frame). All or nothing.
 */
static int alloc_frames(int node, gfp_t gfp, unsigned long nr,
			unsigned int order, struct page **pages)
{
	unsigned long got, j, n = 1UL << order;

	/* Sorted frames map as runs: one host mapping per run. Where the
	 * platform syncs nothing (soft, kernel), the order is free. */
	if (!order)
		return pa_alloc_bulk(node, gfp, nr, pages,
				     vm_plat->sync_map != NULL);
	for (got = 0; got < nr; got += n) {
		struct page *head = pa_alloc(node, gfp, order, VM_FAULT_PAGE);

		if (!head) {
			pa_free_bulk(pages, got);
			return -VM_ENOMEM;
		}
		pa_split(head, order);
		for (j = 0; j < n; j++)
			pages[got + j] = head + j;	/* one frame array */
	}
	return 0;
}

/*
 * Give area @area, which the caller holds (uninitialised or claimed), its
 * frames (blocks of 2^@order, mapped with leaves of that size where they
 * fit) and map them; *@out is the page array, which the caller stores in
 * the area. On failure everything this function did is undone; the
 * caller still holds the (unmapped) area.
 */
static int populate_area(struct vm_struct *area, gfp_t gfp, pgprot_t prot,
			 int node, unsigned int order, struct page ***out)
{
	unsigned long nr = area_pages(area);
	struct page **pages;
	int err;

	pages = page_array_alloc(nr, area->flags & VM_VPAGES, gfp, node,
				 area->caller);
	if (!pages)
		return -VM_ENOMEM;
	err = alloc_frames(node, gfp, nr, order, pages);
	if (!err) {
		err = map_area(area, pages, nr, prot, order);
		if (err)
			pa_free_bulk(pages, nr);
	}
	if (err) {
		free_page_array(pages, nr, area->flags);
		return err;
	}
	vm_pcpu_stat_add(&nr_vmalloc_pages, (long)(nr));
	*out = pages;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The area cache                                                      */
/* ------------------------------------------------------------------ */

/*
 * vfree() keeps a plain vmalloc area whole (frames, page array, mapping)
 * in the area layer's per-CPU cache, and the next vmalloc() of the same
 * size on that CPU takes it back: no frames, page tables, mapping or
 * system call. Only areas that cannot be told from a fresh one qualify:
 * VM_ALLOC (with at most VM_USERMAP, VM_ALLOW_HUGE_VMAP), mapped whole
 * with PAGE_KERNEL by 4 KiB entries, up to AREA_CACHE_MAX_PAGES, frames
 * that nobody else holds a reference to (a remap_vmalloc_range() user
 * mapping) and a page array from the metadata allocator; only requests
 * that a fresh area of that kind would serve take one. The key says what
 * else a request may need of the frames. See docs/design.md.
 */
#define CK_NODE		0xffUL	/* node + 1 of every frame; 0: mixed nodes */
#define CK_DMA32	0x100UL	/* every frame below 4 GiB (vmalloc_32) */
#define CK_USERMAP	0x200UL	/* the area's VM_USERMAP */
#define CK_HUGE		0x400UL	/* the area's VM_ALLOW_HUGE_VMAP */
#define CK_FLAGS	(VM_USERMAP | VM_ALLOW_HUGE_VMAP)

/* Frames a miss may need beyond its own: page tables, a page array. */
#define CACHE_SLACK	8UL

static unsigned long cache_flag_key(unsigned long flags)
{
	return (flags & VM_USERMAP ? CK_USERMAP : 0) |
	       (flags & VM_ALLOW_HUGE_VMAP ? CK_HUGE : 0);
}

/* The key of claimed area @vm; false when it may not be cached. */
static bool cache_key(const struct vm_struct *vm, unsigned long *key)
{
	unsigned long nr = vm->nr_pages, i, dma32 = CK_DMA32, node = 0;

	if ((vm->flags & ~CK_FLAGS) != VM_ALLOC || !vm->pages ||
	    vm->page_order || nr - 1 >= AREA_CACHE_MAX_PAGES ||
	    nr != area_pages(vm) || !area_is_plain(vm))
		return false;
	for (i = 0; i < nr; i++) {
		const struct page *pg = vm->pages[i];
		unsigned long n = (unsigned long)pa_page_nid(pg) + 1;

		if (pa_count(pg) != 1)	/* user space maps it too */
			return false;
		if (pa_page_pfn(pg) >= DMA32_PFN_LIMIT)
			dma32 = 0;
		node = !i || n == node ? n : CK_NODE + 1;
	}
	*key = cache_flag_key(vm->flags) | dma32 |
	       (node > CK_NODE ? 0 : node);
	return true;
}

/*
 * vfree() of claimed area @vm (held by @holder): into the cache? False:
 * the caller frees it.
 */
static bool cache_put(struct vm_struct *vm, void *holder)
{
	unsigned long key;

	/* nr_vmalloc_pages keeps counting its frames: see vmalloc_nr_pages.
	 * The key reads every frame: for a larger area, when the cache has
	 * no room, for nothing; so room first (a small one is cheaper to
	 * read than to ask about). */
	return (vm->nr_pages <= 16 || area_cache_room(vm->nr_pages)) &&
	       cache_key(vm, &key) &&
	       area_cache_put(vm, (unsigned int)key, holder);
}

/* How often a __GFP_NOFAIL allocation is retried after purges. */
#define NOFAIL_ROUNDS	16

/**
 * __vmalloc_node_range - allocate virtually contiguous memory
 * @size: bytes to allocate (rounded up to pages)
 * @align: alignment of the start (a power of two; below PAGE_SIZE means
 *	   page aligned)
 * @start: lowest address the area may start at
 * @end: the area and its guard page end at or below this
 * @gfp_mask: page allocator flags (__GFP_ZERO, __GFP_DMA32, ...)
 * @prot: protection of the mapping
 * @vm_flags: extra VM_* flags for the area (VM_USERMAP, VM_ALLOW_HUGE_VMAP)
 * @node: NUMA node for the frames, or -1
 * @caller: shown in vmallocinfo
 *
 * The one function behind every vmalloc variant: reserve the address
 * space, allocate the page array (vmalloc'ed itself when it is larger than
 * a page and the platform allows it: VM_VPAGES), allocate the frames in
 * bulk, and map them.
 *
 * With VM_ALLOW_HUGE_VMAP, when the size (per node, for @node -1, as the
 * kernel counts it) is at least 2 MiB, the area is aligned to 2 MiB, its
 * size rounded up to 2 MiB, its frames come as 2 MiB blocks (split into
 * single frames: pages[] and nr_pages still count 4 KiB frames) and are
 * mapped with PMD leaves (page_order 9; a 2 MiB slot whose PMD already
 * points to a page table gets 4 KiB entries, see pgtable.h). When that
 * fails (no aligned room in the window, no 2 MiB block, any failure of
 * the attempt) everything is undone and the request is made again with
 * 4 KiB pages, as the kernel does. A protection with bit 7 set
 * (_PAGE_PAT) is never mapped huge.
 *
 * Return: the address, or NULL (nothing allocated).
 * Context: may sleep; takes and releases the allocator's locks.
 */
void *__vmalloc_node_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node,
			   const void *caller)
{
	unsigned int round;
	void *p;

	if (!(gfp_mask & __GFP_NOFAIL))
		return vmalloc_range(size, align, start, end, gfp_mask, prot,
				     vm_flags, node, caller, false);
	/*
	 * __GFP_NOFAIL: the kernel loops until memory turns up. A finite
	 * pool can run out for good, so retry only while a purge gives
	 * something back (or another thread may have freed: two rounds
	 * at least), then say loudly that it cannot be done.
	 */
	p = vmalloc_range(size, align, start, end, gfp_mask | __GFP_NOWARN,
			  prot, vm_flags, node, caller, false);
	for (round = 0; !p && round < NOFAIL_ROUNDS; round++) {
		bool gave = vm_ensure_ready() && area_purge(true);

		p = vmalloc_range(size, align, start, end,
				  gfp_mask | __GFP_NOWARN, prot, vm_flags, node,
				  caller, false);
		if (!gave && round)
			break;
	}
	if (!p && size)
		vm_warn("vmalloc: __GFP_NOFAIL allocation of %lu bytes cannot be satisfied",
			size);
	return p;
}

/*
 * Try 2 MiB leaves for a request of @real bytes? As the kernel: only when
 * asked (VM_ALLOW_HUGE_VMAP) and at least 2 MiB land on each node (for
 * "any node", the size is spread over the nodes); never for a protection
 * whose bit 7 means PAT in a PTE.
 */
static bool huge_wanted(unsigned long real, unsigned long align,
			pgprot_t prot, unsigned long vm_flags, int node)
{
	unsigned long per_node = real;

	if (!(vm_flags & VM_ALLOW_HUGE_VMAP) || (pgprot_val(prot) & _PAGE_PSE) ||
	    !VM_IS_POW2(align))	/* refused as such by the small attempt */
		return false;
	if (node == NUMA_NO_NODE)
		per_node /= pa_nr_nodes();
	return per_node >= PT_PMD_SIZE;
}

/* One request of vmalloc_range(), fixed in every detail. */
struct vmalloc_req {
	unsigned long size;		/* page aligned, within the pool */
	unsigned long align;
	unsigned long start, end;
	gfp_t gfp;
	pgprot_t prot;
	unsigned long vm_flags;		/* public flags only */
	int node;
	const void *caller;
	bool internal;
	unsigned int order;		/* 0, or PT_PMD_ORDER for 2 MiB leaves */
};

/*
 * Reserve, populate and publish one area for @rq. Return: its address; or
 * NULL with nothing left behind, and *@err -ENOSPC when no area could be
 * reserved (get_area() logged why), else the error of the population.
 */
static void *vmalloc_attempt(const struct vmalloc_req *rq, int *err)
{
	unsigned long flags = rq->vm_flags;
	struct vm_struct *area;
	struct page **pages;

	/* Decided now: flags never change once the area is visible. */
	if (vpages_needed(rq->size >> PAGE_SHIFT))
		flags |= VM_VPAGES;
	area = get_area(rq->size, rq->align, VM_ALLOC | flags, rq->start,
			rq->end, rq->gfp, rq->caller, GA_UNINIT | GA_VPAGES |
			(rq->internal ? GA_INTERNAL : 0) |
			(pgprot_val(rq->prot) == pgprot_val(PAGE_KERNEL) &&
			 !rq->order ? GA_PLAIN : 0));
	if (!area) {
		*err = -VM_ENOSPC;
		return NULL;
	}
	*err = populate_area(area, rq->gfp, rq->prot, rq->node, rq->order,
			     &pages);
	if (*err) {
		discard_area(area);
		return NULL;
	}
	/* Unseen until area_ready(): plain stores. */
	area->pages = pages;
	area->nr_pages = (unsigned int)area_pages(area);
	area->page_order = rq->order;
	area_ready(area);
	return area->addr;
}

/*
 * A cached area for @rq, published, or NULL. As a fresh area: __GFP_ZERO
 * (vzalloc, vmalloc_user) zeroes it, and the caller is recorded.
 */
static void *cache_get(const struct vmalloc_req *rq)
{
	unsigned long nr = rq->size >> PAGE_SHIFT, i;
	unsigned int key, mask;
	struct vm_struct *vm;
	void *addr;

	/* An alignment that is no power of two: refused (get_area), not
	 * served from here. */
	if (rq->internal || rq->align > PAGE_SIZE || !rq->align ||
	    (rq->align & (rq->align - 1)) ||
	    rq->start > vm_plat->vmalloc_start ||
	    rq->end < vm_plat->vmalloc_end ||
	    pgprot_val(rq->prot) != pgprot_val(PAGE_KERNEL) ||
	    (rq->vm_flags & ~CK_FLAGS) || nr > AREA_CACHE_MAX_PAGES ||
	    !area_cache_enabled())
		return NULL;
	key = (unsigned int)cache_flag_key(rq->vm_flags);
	mask = CK_USERMAP | CK_HUGE;
	if (rq->node >= 0) {
		key |= (unsigned int)rq->node + 1;
		mask |= CK_NODE;
	}
	if (rq->gfp & (__GFP_DMA32 | __GFP_DMA)) {
		key |= CK_DMA32;
		mask |= CK_DMA32;
	}
	vm = area_cache_get(nr, key, mask, rq->caller);
	if (!vm)
		return NULL;
	if (rq->gfp & __GFP_ZERO)
		for (i = 0; i < nr; i++)
			vm_memset(pa_page_address(vm->pages[i]), 0, PAGE_SIZE);
	addr = vm->addr;
	area_cache_publish(vm);
	return addr;
}

/*
 * __vmalloc_node_range(), also for the library's own page arrays
 * (@internal: no public call will ever accept the area).
 */
static void *vmalloc_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node,
			   const void *caller, bool internal)
{
	unsigned long real = PAGE_ALIGN(size);
	struct vmalloc_req rq = {
		.size = real, .align = align, .start = start, .end = end,
		.gfp = gfp_mask, .prot = prot, .vm_flags = vm_flags,
		.node = node, .caller = caller, .internal = internal,
	};
	void *addr;
	int err;

	if (!vm_ensure_ready() || !size)
		return NULL;
	if (!real || (real >> PAGE_SHIFT) > pa_nr_frames() ||
	    (real >> PAGE_SHIFT) > UINT_MAX) {
		if (!(gfp_mask & __GFP_NOWARN))
			vm_log(VM_LOG_WARNING,
			       "vmalloc: %lu bytes is more than the %lu-page pool",
			       size, pa_nr_frames());
		return NULL;
	}
	if (!prot_node_ok("vmalloc", prot, node))
		return NULL;
	if (vm_flags & ~VM_PUBLIC_FLAGS) {	/* VM_VPAGES is ours to set */
		vm_log(VM_LOG_WARNING, "vmalloc: unknown area flags 0x%lx",
		       vm_flags & ~VM_PUBLIC_FLAGS);
		return NULL;
	}
	addr = cache_get(&rq);
	if (addr)
		return addr;
	/* Cached frames serve before the pool grows for this request. */
	if (area_cache_held() &&
	    pa_nr_free_grown(node) < (real >> PAGE_SHIFT) + CACHE_SLACK)
		area_cache_drain();
	if (huge_wanted(real, align, prot, vm_flags, node)) {
		struct vmalloc_req huge = rq;

		/* Rounded up to 2 MiB, aligned to it; quiet: the fallback
		 * speaks for both. */
		huge.size = (real + PT_PMD_SIZE - 1) & ~(PT_PMD_SIZE - 1);
		huge.align = vm_max(align, PT_PMD_SIZE);
		huge.gfp |= __GFP_NOWARN;
		huge.order = PT_PMD_ORDER;
		if (huge.size >> PAGE_SHIFT <= pa_nr_frames()) {
			addr = vmalloc_attempt(&huge, &err);
			if (addr)
				return addr;
		}
		/* As the kernel: everything undone, once more with 4 KiB. */
	}
	addr = vmalloc_attempt(&rq, &err);
	/* Never fail while cached frames could serve: give them back. */
	if (!addr && err == -VM_ENOMEM && area_cache_drain())
		addr = vmalloc_attempt(&rq, &err);
	if (!addr && err != -VM_ENOSPC && !(gfp_mask & __GFP_NOWARN))
		vm_log(VM_LOG_WARNING,
		       "vmalloc: allocation failure: %lu bytes (%d)", real, err);
	return addr;
}

/**
 * __vmalloc_area_node - give an area from get_vm_area() frames and map them
 * @area: a live VM_ALLOC area, never mapped (get_vm_area(size, VM_ALLOC))
 * @gfp_mask: page allocator flags (__GFP_ZERO, __GFP_DMA32, ...)
 * @prot: protection of the mapping
 * @node: NUMA node for the frames, or -1
 *
 * The second half of vmalloc, for a caller that reserved the address
 * space itself. Afterwards the area is an ordinary vmalloc area: vfree()
 * frees it, frames and all. The page array comes from the metadata
 * allocator whatever its size (the area's flags were fixed when it was
 * created, so it cannot become VM_VPAGES).
 *
 * Return: area->addr; or NULL, and then, as in the seed, @area itself is
 * gone (freed, its descriptor too). An @area that is not a live, unmapped
 * VM_ALLOC area of this library is refused with a warning, a bad @prot or
 * @node with a log line, and @area is left as it was.
 * Context: may sleep. While the call runs the area is claimed: a vfree()
 * of it from another thread is refused as a free of no area.
 */
void *__vmalloc_area_node(struct vm_struct *area, gfp_t gfp_mask,
			  pgprot_t prot, int node)
{
	struct vm_struct *claimed;
	struct page **pages;
	unsigned long nr;
	int err;

	if (!area || !vm_ensure_ready())
		return NULL;
	if (!prot_node_ok("__vmalloc_area", prot, node))
		return NULL;
	if (area_claim((unsigned long)area->addr, area, AREA_REFUSE_FRAMES,
		       &claimed)) {
		vm_warn("__vmalloc_area: %p is not an unmapped VM_ALLOC area",
			(void *)area);
		return NULL;
	}
	if (!(area->flags & VM_ALLOC) || (area->flags & VM_IOREMAP) ||
	    area_is_mapped(area)) {
		area_unclaim(area);
		vm_warn("__vmalloc_area: %p is not an unmapped VM_ALLOC area",
			(void *)area);
		return NULL;
	}
	nr = area_pages(area);
	err = nr > pa_nr_frames() || nr > UINT_MAX ? -VM_ENOMEM :
	      populate_area(area, gfp_mask, prot, node, 0, &pages);
	if (err) {
		area_retire(area, false);	/* as the seed: the area goes */
		if (!(gfp_mask & __GFP_NOWARN))
			vm_log(VM_LOG_WARNING,
			       "__vmalloc_area: allocation failure: %lu pages (%d)",
			       nr, err);
		return NULL;
	}
	area_set_pages(area, pages, (unsigned int)nr);
	area_unclaim(area);
	return area->addr;
}

/**
 * __vmalloc_area - __vmalloc_area_node() on any node
 * @area: a live VM_ALLOC area, never mapped
 * @gfp_mask: page allocator flags
 * @prot: protection of the mapping
 *
 * Return: as __vmalloc_area_node().
 */
void *__vmalloc_area(struct vm_struct *area, gfp_t gfp_mask, pgprot_t prot)
{
	return __vmalloc_area_node(area, gfp_mask, prot, -1);
}

static void *vmalloc_common(unsigned long size, gfp_t gfp, pgprot_t prot,
			    unsigned long vm_flags, int node,
			    const void *caller)
{
	if (!vm_ensure_ready())
		return NULL;
	return __vmalloc_node_range(size, 1, vm_plat->vmalloc_start,
				    vm_plat->vmalloc_end, gfp, prot, vm_flags,
				    node, caller);
}

/**
 * __vmalloc - allocate virtually contiguous memory (today's form)
 * @size: allocation size
 * @gfp_mask: flags for the page level allocator (__GFP_ZERO, ...)
 *
 * The header's __vmalloc() macro sends three-argument calls (the 2.6
 * form, with a protection) to __vmalloc_pgprot().
 *
 * Return: the address of @size bytes mapped PAGE_KERNEL, or NULL.
 * Context: may sleep.
 */
void *(__vmalloc)(unsigned long size, gfp_t gfp_mask)
{
	return vmalloc_common(size, gfp_mask, PAGE_KERNEL, 0, -1, RET_IP);
}

/**
 * __vmalloc_pgprot - allocate virtually contiguous memory (2.6's form)
 * @size: allocation size
 * @gfp_mask: flags for the page level allocator
 * @prot: protection mask for the allocated pages
 *
 * What __vmalloc(size, gfp_mask, prot) calls.
 * Return: the address, or NULL.
 * Context: may sleep.
 */
void *__vmalloc_pgprot(unsigned long size, gfp_t gfp_mask, pgprot_t prot)
{
	return vmalloc_common(size, gfp_mask, prot, 0, -1, RET_IP);
}

/**
 * vmalloc - allocate virtually contiguous memory
 * @size: allocation size
 *
 * Return: the address of @size bytes (rounded up to pages) mapped
 * read-write, non-executable, followed by an unmapped guard page; or NULL.
 * Context: may sleep.
 */
void *vmalloc(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM, PAGE_KERNEL,
			      0, -1, RET_IP);
}

/**
 * vzalloc - vmalloc() with the memory zeroed (later kernels)
 * @size: allocation size
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vzalloc(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO,
			      PAGE_KERNEL, 0, -1, RET_IP);
}

/**
 * vmalloc_user - allocate zeroed memory that may be mapped to user space
 * @size: allocation size
 *
 * The area is zeroed (no stale data can leak) and marked VM_USERMAP, which
 * remap_vmalloc_range() requires. Unlike the seed, the flag is set when
 * the area is created, so no other thread can see it without.
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vmalloc_user(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO,
			      PAGE_KERNEL, VM_USERMAP, -1, RET_IP);
}

/**
 * vmalloc_node - allocate memory with frames from one NUMA node
 * @size: allocation size
 * @node: node to take frames from (others are used when it is full)
 *
 * Return: the address, or NULL (also for a node that does not exist).
 * Context: may sleep.
 */
void *vmalloc_node(unsigned long size, int node)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM, PAGE_KERNEL,
			      0, node, RET_IP);
}

/**
 * vzalloc_node - vmalloc_node() with the memory zeroed (later kernels)
 * @size: allocation size
 * @node: node to take frames from
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vzalloc_node(unsigned long size, int node)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO,
			      PAGE_KERNEL, 0, node, RET_IP);
}

/**
 * vmalloc_huge_node - allocate memory that may be mapped with 2 MiB pages
 * @size: allocation size
 * @gfp_mask: flags for the page level allocator
 * @node: NUMA node for the frames, or NUMA_NO_NODE
 *
 * __vmalloc_node_range() with VM_ALLOW_HUGE_VMAP: from 2 MiB (on each
 * node, for NUMA_NO_NODE) the area is 2 MiB aligned, rounded up to 2 MiB
 * and mapped with PMD leaves (find_vm_area(p)->page_order is 9); smaller
 * requests, or when no 2 MiB frame block or aligned room is left, get
 * 4 KiB pages, as from vmalloc_node().
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node)
{
	return vmalloc_common(size, gfp_mask, PAGE_KERNEL, VM_ALLOW_HUGE_VMAP,
			      node, RET_IP);
}

/**
 * vmalloc_huge - allocate memory that may be mapped with 2 MiB pages
 * @size: allocation size
 * @gfp_mask: flags for the page level allocator
 *
 * vmalloc_huge_node() on any node.
 * Return: the address, or NULL. Context: may sleep.
 */
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask)
{
	return vmalloc_common(size, gfp_mask, PAGE_KERNEL, VM_ALLOW_HUGE_VMAP,
			      NUMA_NO_NODE, RET_IP);
}

/**
 * vmalloc_exec - allocate executable memory
 * @size: allocation size
 *
 * Return: the address of memory mapped read-write-execute, or NULL.
 * Context: may sleep.
 */
void *vmalloc_exec(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | __GFP_HIGHMEM,
			      PAGE_KERNEL_EXEC, 0, -1, RET_IP);
}

/**
 * vmalloc_32 - allocate memory whose frames lie below 4 GiB physical
 * @size: allocation size
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vmalloc_32(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | GFP_DMA32, PAGE_KERNEL, 0, -1,
			      RET_IP);
}

/**
 * vmalloc_32_user - zeroed memory below 4 GiB physical, for user mapping
 * @size: allocation size
 *
 * Return: the address, or NULL. Context: may sleep.
 */
void *vmalloc_32_user(unsigned long size)
{
	return vmalloc_common(size, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO,
			      PAGE_KERNEL, VM_USERMAP, -1, RET_IP);
}

/* ------------------------------------------------------------------ */
/* Freeing                                                             */
/* ------------------------------------------------------------------ */

/*
 * The seed's __vunmap. @who names the entry point for the log lines.
 * vunmap() refuses an area that owns frames (a vmalloc() area): that
 * would leak them; vfree() frees them. The library's own areas (page
 * arrays) are nobody else's to free.
 */
static void release_area(const void *addr, bool vfree_pages, const char *who)
{
	struct vm_struct *vm;
	void *holder = NULL;
	int err;

	if (!addr || !vm_ensure_ready())
		return;
	if ((unsigned long)addr & (PAGE_SIZE - 1)) {
		vm_warn("Trying to %s() bad address (%p)", who, addr);
		return;
	}
	err = area_cache_enabled() ?
	      area_claim_held((unsigned long)addr, NULL,
			      vfree_pages ? 0 : AREA_REFUSE_FRAMES, &vm,
			      &holder) :
	      area_claim((unsigned long)addr, NULL,
			 vfree_pages ? 0 : AREA_REFUSE_FRAMES, &vm);
	if (err == -VM_EPERM)
		vm_warn("Trying to vunmap() a vmalloc() area (%p): use vfree()",
			addr);
	else if (err)
		vm_warn("Trying to %s() nonexistent vm area (%p)", who, addr);
	else if (!holder || !cache_put(vm, holder))
		retire_and_free(vm);
	vm_log_flush();
}

/**
 * vfree - release memory allocated by vmalloc()
 * @addr: the address vmalloc() (or a variant, or vmap()) returned
 *
 * Unmaps the area, frees its frames and its descriptor. The address range
 * is reused only after the next lazy purge. NULL does nothing; an address
 * that is not the start of a live area logs one line, counts a warning and
 * changes nothing.
 *
 * Context: may sleep; not from interrupt context.
 */
void vfree(const void *addr)
{
	release_area(addr, true, "vfree");
}

/**
 * vunmap - release a mapping made by vmap()
 * @addr: the address vmap() returned
 *
 * The pages stay with their owner. An area made by vmalloc() is refused
 * (with a log line): vunmap() would leak its frames.
 *
 * Context: may sleep; not from interrupt context.
 */
void vunmap(const void *addr)
{
	release_area(addr, false, "vunmap");
}

/* ------------------------------------------------------------------ */
/* vrealloc                                                            */
/* ------------------------------------------------------------------ */

/*
 * A vmalloc area's size changes without copying its data: its frames stay
 * where they are and only the mappings change.
 *
 *   grow in place   the new frames are mapped after the old ones, in the
 *                   range the area still reserves (after a shrink), or in
 *                   free address space the area's range is extended over
 *                   (area_extend: its guard page moves to the new end);
 *   move            when the space after it is taken (and always for a
 *                   slot of the fast path, whose size is fixed): a new
 *                   area maps the old frames followed by the new ones,
 *                   and the old area is retired without freeing its
 *                   frames, which change owner;
 *   shrink          the tail frames are unmapped (flushed at once: they
 *                   are freed at once) and freed; the area keeps its
 *                   address range, so a later grow up to it needs no
 *                   address space and cannot move.
 *
 * So vm->size is the reserved range (guard page included) and nr_pages
 * the frames mapped from its start, at most vm_data_size() / PAGE_SIZE;
 * the data pages after them are unmapped. The page array always has
 * exactly nr_pages entries, and VM_VPAGES says how it was allocated
 * (vpages_needed(nr_pages)): a resize allocates a new array first, so
 * every failure leaves the old allocation as it was.
 */

/* The protection @vm's pages are mapped with (its first PTE's). */
static pgprot_t area_prot(const struct vm_struct *vm)
{
	return __pgprot(pt_lookup((unsigned long)vm->addr) & PT_PROT_MASK);
}

/* Flags of an area with @nr frames, from its flags @flags. */
static unsigned long resized_flags(unsigned long flags, unsigned long nr)
{
	return vpages_needed(nr) ? flags | VM_VPAGES : flags & ~VM_VPAGES;
}

/*
 * Give claimed area @vm the page array @np of @nr frames and flags
 * @flags; free the old array. Tree areas are invisible while claimed;
 * a slot's flags never change (its array is never VM_VPAGES).
 */
static void set_page_array(struct vm_struct *vm, struct page **np,
			   unsigned long nr, unsigned long flags)
{
	struct page **old = vm->pages;
	unsigned long old_nr = vm->nr_pages, old_flags = vm->flags;

	if (flags != old_flags)
		vm->flags = flags;
	area_set_pages(vm, np, (unsigned int)nr);
	free_page_array(old, old_nr, old_flags);
}

/*
 * With __GFP_ZERO, zero the bytes after @size up to the end of the @nr
 * frames kept, as the kernel does: a later grow inside them then reads
 * zeros there (through the direct map: the range may not be accessible).
 */
static void zero_tail(struct page **pages, unsigned long nr, size_t size,
		      gfp_t gfp)
{
	unsigned long i = size >> PAGE_SHIFT, off = size & (PAGE_SIZE - 1);

	if (!(gfp & __GFP_ZERO))
		return;
	for (; i < nr; i++, off = 0)
		vm_memset((char *)pa_page_address(pages[i]) + off, 0,
			  PAGE_SIZE - off);
}

/*
 * Shrink claimed area @vm to @nr frames (nr <= nr_pages). An area of
 * 2 MiB leaves (page_order 9) keeps whole leaves: a leaf is cleared
 * whole, so the frames kept are @nr rounded up to 512.
 */
static int shrink_area(struct vm_struct *vm, unsigned long nr, size_t size,
		       gfp_t gfp)
{
	unsigned long old = vm->nr_pages;
	unsigned long keep = vm_min(VM_ALIGN_UP(nr, 1UL << vm->page_order), old);
	unsigned long old_flags = vm->flags;
	unsigned long flags = resized_flags(old_flags, keep);
	unsigned long tail = (unsigned long)vm->addr + (keep << PAGE_SHIFT);
	unsigned long len = (old - keep) << PAGE_SHIFT;
	struct page **pages = vm->pages, **np;

	if (keep == old) {
		zero_tail(pages, keep, size, gfp);
		return 0;
	}
	np = page_array_alloc(keep, flags & VM_VPAGES, gfp, -1, vm->caller);
	if (!np)
		return -VM_ENOMEM;
	vm_memcpy(np, pages, keep * sizeof(*np));
	zero_tail(np, keep, size, gfp);
	/* The frames are freed now: no stale TLB entry may keep them. */
	vm_flush_cache_vunmap(tail, tail + len);
	pt_unmap_noflush(tail, old - keep);
	vm_sync_unmap(tail, len);
	vm_flush_tlb(tail, tail + len);
	/*
	 * Swap the arrays before the tail frames are freed: for a slot,
	 * area_set_pages() takes the block lock a walker (vread,
	 * vmallocinfo) that found the slot before the claim still holds,
	 * so none of them reads a frame after it has a new owner (as
	 * area_retire() does for vfree()). set_page_array() would free the
	 * old array, which still lists the frames: done by hand here.
	 */
	if (flags != vm->flags)
		vm->flags = flags;
	area_set_pages(vm, np, (unsigned int)keep);
	vm_pcpu_stat_add(&nr_vmalloc_pages, -(long)(old - keep));
	pa_free_bulk(pages + keep, old - keep);
	free_page_array(pages, old, old_flags);
	return 0;
}

/*
 * Grow claimed area @vm to @nr frames (nr > nr_pages), with new frames
 * and mappings of 2^@order pages (@nr rounded up to them): in place when
 * @order is the area's own, or at a new address (*out); see above. On
 * failure @vm is as it was.
 */
static int grow_area(struct vm_struct *vm, unsigned long nr, gfp_t gfp,
		     unsigned int order, const void *caller, void **out)
{
	unsigned long old = vm->nr_pages, flags;
	pgprot_t prot = area_prot(vm);
	struct area_extension x = { 0 };
	bool same = order == vm->page_order, in_place;
	struct page **np;
	struct vm_struct *nv;
	int err;

	nr = VM_ALIGN_UP(nr, 1UL << order);
	if (nr > pa_nr_frames())
		return -VM_ENOMEM;
	flags = resized_flags(vm->flags, nr);
	in_place = same && nr <= area_pages(vm);
	/* What both ways need, first: the array and the new frames. */
	np = page_array_alloc(nr, flags & VM_VPAGES, gfp, -1, vm->caller);
	if (!np)
		return -VM_ENOMEM;
	vm_memcpy(np, vm->pages, old * sizeof(*np));
	err = alloc_frames(-1, gfp, nr - old, order, np + old);
	if (err)
		goto free_array;
	if (same && !in_place) {
		err = area_extend(vm, (nr << PAGE_SHIFT) +
				  (vm->size - vm_data_size(vm)), &x);
		if (err == -VM_ENOMEM)
			goto free_frames;
		in_place = !err;
	}
	if (in_place) {
		/* old is a multiple of 2^order: the new part starts aligned. */
		err = map_area_at(vm, old, np + old, nr - old, prot, order);
		if (x.node)
			area_extend_end(vm, &x, !err);
		if (err)
			goto free_frames;
		vm_pcpu_stat_add(&nr_vmalloc_pages, (long)(nr - old));
		set_page_array(vm, np, nr, flags);
		*out = vm->addr;
		return 0;
	}

	/* Move: the same frames, and the new ones, at a new address. */
	nv = get_area(nr << PAGE_SHIFT, PAGE_SIZE << order,
		      flags & (VM_PUBLIC_FLAGS | VM_VPAGES),
		      vm_plat->vmalloc_start, vm_plat->vmalloc_end, gfp, caller,
		      GA_UNINIT | GA_VPAGES);
	if (!nv) {
		err = -VM_ENOMEM;
		goto free_frames;
	}
	err = map_area(nv, np, nr, prot, order);
	if (err) {
		discard_area(nv);
		goto free_frames;
	}
	/* Unseen until area_ready(): plain stores. */
	nv->pages = np;
	nv->nr_pages = (unsigned int)nr;
	nv->page_order = order;
	area_ready(nv);
	vm_pcpu_stat_add(&nr_vmalloc_pages, (long)(nr - old));
	/* The old frames are nv's now: retire @vm without freeing them. */
	np = vm->pages;
	flags = vm->flags;
	area_retire(vm, false);
	free_page_array(np, old, flags);
	*out = nv->addr;
	return 0;

free_frames:
	pa_free_bulk(np + old, nr - old);
free_array:
	free_page_array(np, nr, flags);
	return err;
}

static int resize_area(struct vm_struct *vm, unsigned long nr, size_t size,
		       gfp_t gfp, const void *caller, void **out)
{
	int err;

	if (nr <= vm->nr_pages)
		return shrink_area(vm, nr, size, gfp);
	err = grow_area(vm, nr, gfp, vm->page_order, caller, out);
	/* As vmalloc_huge(): without 2 MiB blocks, 4 KiB pages (a move). */
	if (err && vm->page_order)
		err = grow_area(vm, nr, gfp, 0, caller, out);
	return err;
}

/**
 * vrealloc - resize memory allocated by vmalloc() (Linux 6.12)
 * @p: the address vmalloc() (or a variant) returned, or NULL
 * @size: the new size in bytes
 * @flags: page allocator flags for new frames (__GFP_ZERO, __GFP_NOWARN,
 *	   ...)
 *
 * The contents up to the smaller of the old and new sizes are kept, and
 * never copied: growing maps new frames after the old ones in place when
 * the address space after the area is free, else maps the old frames and
 * the new ones at a new address; shrinking frees the frames past the new
 * size (the area keeps its address range). With __GFP_ZERO the new
 * frames are zeroed, and so are the bytes of the last page past @size, so
 * that a later grow reads zeros there (the kernel's rule: bytes between
 * the old and the new size within the last old page are zero only if an
 * earlier call zeroed them). Without it, new bytes are undefined.
 *
 * @p NULL is __vmalloc(@size, @flags); @size 0 frees @p (vfree) and
 * returns NULL. An @p that is not the start of a live vmalloc() area
 * (a vmap(), ioremap or VM_SPARSE area, an area without frames, the
 * library's own) logs a warning and returns NULL, changing nothing. Unlike
 * the kernel, a shrink may fail (it needs a smaller page array): then
 * NULL, and @p is as it was, as after any other failure. __GFP_NOFAIL
 * retries after purges as __vmalloc_node_range() does, and warns when the
 * pool cannot satisfy it. The area keeps its flags (VM_USERMAP,
 * VM_NO_GUARD, VM_FLUSH_RESET_PERMS) and its mapping's protection; a
 * VM_USERMAP area (vmalloc_user) is resized as with __GFP_ZERO whatever
 * @flags say, since user space may map its new frames. An
 * area of 2 MiB leaves (vmalloc_huge) grows and shrinks by whole leaves
 * (its page count stays a multiple of 512); without an order-9 block
 * for a grow it moves to 4 KiB pages, as vmalloc_huge() falls back.
 *
 * Return: the (possibly moved) address, or NULL; after a move @p is no
 * longer valid, after a failure it is unchanged.
 * Context: may sleep. The area is claimed while the call runs: a vfree()
 * of it from another thread meanwhile is refused as a free of no area.
 */
void *vrealloc(const void *p, size_t size, gfp_t flags)
{
	unsigned long nr = PAGE_ALIGN(size) >> PAGE_SHIFT;
	struct vm_struct *vm;
	unsigned int round;
	void *out = NULL;
	int err;

	if (!vm_ensure_ready())
		return NULL;
	if (!p)
		return vmalloc_common(size, flags, PAGE_KERNEL, 0, -1, RET_IP);
	if (!size) {
		vfree(p);
		return NULL;
	}
	if (((unsigned long)p & (PAGE_SIZE - 1)) ||
	    area_claim((unsigned long)p, NULL, 0, &vm)) {
		vm_warn("Trying to vrealloc() nonexistent vm area (%p)", p);
		return NULL;
	}
	if (!(vm->flags & VM_ALLOC) || (vm->flags & (VM_IOREMAP | VM_SPARSE)) ||
	    !vm->pages || !vm->nr_pages || !area_is_mapped(vm) ||
	    !(pt_lookup((unsigned long)p) & _PAGE_PRESENT)) {
		area_unclaim(vm);
		vm_warn("Trying to vrealloc() an area vmalloc() did not make (%p)",
			p);
		return NULL;
	}
	/* User space may map it (remap_vmalloc_range): no stale data. */
	if (vm->flags & VM_USERMAP)
		flags |= __GFP_ZERO;
	if (!nr || nr > pa_nr_frames() || nr > UINT_MAX) {
		err = -VM_EOVERFLOW;	/* never: not even with __GFP_NOFAIL */
	} else {
		err = resize_area(vm, nr, size, flags, RET_IP, &out);
		/* As vmalloc(): never fail while cached frames could serve. */
		if (err == -VM_ENOMEM && area_cache_drain())
			err = resize_area(vm, nr, size, flags, RET_IP, &out);
		/* As __vmalloc_node_range(): retry while purges give back. */
		for (round = 0; err == -VM_ENOMEM && (flags & __GFP_NOFAIL) &&
		     round < NOFAIL_ROUNDS; round++) {
			bool gave = area_purge(true);

			err = resize_area(vm, nr, size, flags, RET_IP, &out);
			if (!gave && round)
				break;
		}
	}
	if (err && (flags & __GFP_NOFAIL))
		vm_warn("vrealloc: __GFP_NOFAIL reallocation to %zu bytes cannot be satisfied",
			size);
	if (!err && !out)
		out = (void *)p;
	if (err || out == p)
		area_unclaim(vm);	/* else grow_area() retired it */
	if (err && !(flags & __GFP_NOWARN))
		vm_log(VM_LOG_WARNING, "vrealloc: allocation failure: %zu bytes (%d)",
		       size, err);
	vm_log_flush();
	return err ? NULL : out;
}

/* ------------------------------------------------------------------ */
/* vmap                                                                */
/* ------------------------------------------------------------------ */

/* vmap() for @caller; @who names it in log lines. */
static void *vmap_common(struct page **pages, unsigned int count,
			 unsigned long flags, pgprot_t prot, const void *caller,
			 const char *who)
{
	struct vm_struct *area;

	if (!vm_ensure_ready() || !count)
		return NULL;
	if (!pages || count > pa_nr_frames() || !prot_ok(prot)) {
		vm_log(VM_LOG_WARNING, "%s: bad arguments (%u pages)", who,
		       count);
		return NULL;
	}
	if (!vm_pages_ok(who, pages, count))
		return NULL;
	/* 64-bit arithmetic: the seed's count << PAGE_SHIFT wrapped. */
	area = get_area((unsigned long)count << PAGE_SHIFT, 1, flags,
			vm_plat->vmalloc_start, vm_plat->vmalloc_end, GFP_KERNEL,
			caller, GA_UNINIT);
	if (!area)
		return NULL;
	if (map_area(area, pages, count, prot, 0)) {
		discard_area(area);
		vm_log(VM_LOG_WARNING, "%s: mapping %u pages failed", who,
		       count);
		return NULL;
	}
	area_ready(area);
	return area->addr;
}

/**
 * vmap - map an array of pages into virtually contiguous space
 * @pages: @count page pointers; the same page may appear more than once
 * @count: number of pages to map
 * @flags: vm_struct flags for the area (usually VM_MAP)
 * @prot: page protection for the mapping
 *
 * Return: the address, or NULL: for @count 0 or larger than the pool, a
 * NULL or foreign page in @pages, a page that is not allocated (free, or
 * never brought into use by the pool), a bad @prot, or no room. Nothing
 * is left behind on failure.
 * Context: may sleep.
 */
void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgprot_t prot)
{
	return vmap_common(pages, count, flags, prot, RET_IP, "vmap");
}

/* ------------------------------------------------------------------ */
/* Areas                                                               */
/* ------------------------------------------------------------------ */

/**
 * __get_vm_area_aligned - reserve aligned address space inside a window
 * @size: bytes (rounded up to pages; a guard page is added)
 * @align: alignment, a power of two
 * @flags: VM_IOREMAP, VM_ALLOC, VM_MAP, VM_USERMAP
 * @start: window start (clipped to the vmalloc range)
 * @end: window end (clipped to the vmalloc range)
 * @caller: shown in vmallocinfo
 *
 * Return: the area descriptor, nothing mapped; or NULL. A window that
 * does not meet the vmalloc range gets NULL: nothing is ever placed
 * outside the range the library manages.
 * Context: may sleep.
 */
struct vm_struct *__get_vm_area_aligned(unsigned long size, unsigned long align,
					unsigned long flags,
					unsigned long start, unsigned long end,
					const void *caller)
{
	if (!vm_ensure_ready())
		return NULL;
	return get_area(size, align, flags, start, end, GFP_KERNEL, caller, 0);
}

/**
 * __get_vm_area_caller - reserve address space inside a window
 * @size: bytes (rounded up to pages; a guard page is added)
 * @flags: VM_* flags of the area
 * @start: window start (clipped to the vmalloc range)
 * @end: window end (clipped to the vmalloc range)
 * @caller: shown in vmallocinfo
 *
 * Return: the area descriptor, nothing mapped; or NULL.
 * Context: may sleep.
 */
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags,
				       unsigned long start, unsigned long end,
				       const void *caller)
{
	if (!vm_ensure_ready())
		return NULL;
	return get_area(size, 1, flags, start, end, GFP_KERNEL, caller, 0);
}

/**
 * get_vm_area_caller - reserve a range of the vmalloc space for @caller
 * @size: bytes (rounded up to pages; a guard page is added)
 * @flags: VM_* flags of the area
 * @caller: shown in vmallocinfo
 *
 * Return: the descriptor, or NULL. Context: may sleep.
 */
struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags,
				     const void *caller)
{
	if (!vm_ensure_ready())
		return NULL;
	return get_area(size, 1, flags, vm_plat->vmalloc_start,
			vm_plat->vmalloc_end, GFP_KERNEL, caller, 0);
}

/**
 * __get_vm_area - reserve address space inside [@start, @end)
 * @size: bytes (rounded up to pages; a guard page is added)
 * @flags: VM_IOREMAP (aligned to its size, up to 2^IOREMAP_MAX_ORDER),
 *	   VM_ALLOC, VM_MAP or VM_USERMAP
 * @start: window start
 * @end: window end
 *
 * Return: the descriptor, or NULL. Context: may sleep.
 */
struct vm_struct *__get_vm_area(unsigned long size, unsigned long flags,
				unsigned long start, unsigned long end)
{
	return __get_vm_area_caller(size, flags, start, end, RET_IP);
}

/**
 * get_vm_area - reserve a contiguous range of the vmalloc space
 * @size: bytes (rounded up to pages; a guard page is added)
 * @flags: VM_IOREMAP or VM_ALLOC (or VM_MAP, VM_USERMAP)
 *
 * Return: the descriptor, or NULL. Context: may sleep.
 */
static __attribute__((noinline))
struct vm_struct *get_vm_area_caller_ip(unsigned long size,
					unsigned long flags, const void *caller)
{
	return get_area(size, 1, flags, vm_plat->vmalloc_start,
			vm_plat->vmalloc_end, GFP_KERNEL, caller, 0);
}

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	struct vm_struct *vm;

	if (!vm_ensure_ready())
		return NULL;
	/*
	 * The common request first: an area of this size that this CPU freed
	 * (area_get_hot). Flags it refuses, or bits no caller may pass, and
	 * sizes beyond the cells go the whole way, checks first.
	 */
	if (likely(size - 1 < AREA_HOT_MAX_BYTES &&
		   !(flags & ~(VM_PUBLIC_FLAGS & ~(VM_IOREMAP | VM_NO_GUARD))))) {
		vm = area_get_hot(PAGE_ALIGN(size) + PAGE_SIZE, flags, RET_IP);
		if (likely(vm))
			return vm;
	}
	return get_vm_area_caller_ip(size, flags, RET_IP);
}

/**
 * get_vm_area_node - get_vm_area() with the descriptor on @node
 * @size: bytes
 * @flags: as for get_vm_area()
 * @node: NUMA node for the descriptor (advisory), or -1
 * @gfp_mask: allocation flags (__GFP_NOWARN silences the log line)
 *
 * Return: the descriptor, or NULL. Context: may sleep.
 */
struct vm_struct *get_vm_area_node(unsigned long size, unsigned long flags,
				   int node, gfp_t gfp_mask)
{
	(void)node;
	if (!vm_ensure_ready())
		return NULL;
	return get_area(size, 1, flags, vm_plat->vmalloc_start,
			vm_plat->vmalloc_end, gfp_mask, RET_IP, 0);
}

/**
 * find_vm_area - find the live area containing an address
 * @addr: any address inside the area or its guard page
 *
 * Return: the descriptor, or NULL (also for the library's own areas, and
 * for an area another call is changing right now). It stays valid only
 * while its owner keeps the area. Context: takes the area lock briefly.
 */
struct vm_struct *find_vm_area(const void *addr)
{
	if (!vm_ensure_ready())
		return NULL;
	return area_find((unsigned long)addr, true);
}

/**
 * remove_vm_area - take an area out of the vmalloc space
 * @addr: the start of the area
 *
 * Unmaps the area and releases its address range (after the next lazy
 * purge). Its frames, if any, stay allocated: the caller owns them and
 * the returned descriptor, whose size no longer counts the guard page;
 * the caller frees the descriptor with free_vm_area().
 *
 * Return: the descriptor, or NULL (with a warning) for an address that
 * is not the start of a live area (or is the library's own). Context: may
 * sleep.
 */
struct vm_struct *remove_vm_area(void *addr)
{
	struct vm_struct *vm;

	if (!addr || !vm_ensure_ready())
		return NULL;
	if (area_claim((unsigned long)addr, NULL, 0, &vm)) {
		vm_warn("remove_vm_area: no area at %p", addr);
		return NULL;
	}
	area_retire(vm, true);
	vm->size = vm_data_size(vm);
	return vm;
}

/**
 * free_vm_area - release an area obtained from get_vm_area() and friends
 * @area: a live area, or one that remove_vm_area() returned
 *
 * A live area is removed first (as the seed does); then the descriptor
 * is freed. Frames the area owns are not freed (use vfree() for that).
 * Context: may sleep.
 */
void free_vm_area(struct vm_struct *area)
{
	if (!area || !vm_ensure_ready())
		return;
	/* A live area: take it out (the seed's remove_vm_area + kfree). */
	if (likely(!area_free(area)))
		return;
	/* Removed before, or not ours at all (then not even read further). */
	if (area_removed_desc(area)) {
		area_put(area);
		return;
	}
	vm_warn("free_vm_area: %p is not an area of this library", (void *)area);
}

/**
 * map_vm_area - map pages into an area from get_vm_area()
 * @area: a live area
 * @prot: page protection
 * @pages: in: points at an array of (area->size - PAGE_SIZE) / PAGE_SIZE
 *	   pages; out: advanced past them on success (as the seed)
 *
 * All or nothing: a NULL page, a page from elsewhere or not allocated, or
 * a failure while mapping leaves the area unmapped and *@pages unchanged
 * (page tables the attempt added stay, as in the kernel).
 *
 * Return: 0; -EINVAL (not a live area, bad @prot, foreign or free page),
 * -EBUSY (already mapped), -ENOMEM (a NULL page, as the seed, or no memory
 * for tables). Context: may sleep.
 */
int map_vm_area(struct vm_struct *area, pgprot_t prot, struct page ***pages)
{
	unsigned long nr, i, start;
	struct vm_struct *claimed;
	int err = 0;

	if (!vm_ensure_ready())
		return -VM_ENODEV;
	if (!area || !pages || !*pages || !prot_ok(prot))
		return -VM_EINVAL;
	if (area_claim((unsigned long)area->addr, area, 0, &claimed)) {
		vm_log(VM_LOG_WARNING, "map_vm_area: %p is not a live area",
		       (void *)area);
		return -VM_EINVAL;
	}
	nr = area_pages(area);
	start = (unsigned long)area->addr;
	for (i = 0; i < nr && !err; i++) {
		struct page *p = (*pages)[i];

		if (!p)
			err = -VM_ENOMEM;
		else if (!pa_page_allocated(p))
			err = -VM_EINVAL;
		else if (pt_lookup(start + i * PAGE_SIZE))
			err = -VM_EBUSY;
	}
	if (!err)
		err = map_area(area, *pages, nr, prot, 0);
	area_unclaim(area);
	if (!err)
		*pages += nr;
	return err;
}

/*
 * Does the walked range hold a data page of an internal area? Every area
 * it meets may lose PTEs: none is a plain one (for the area cache) again.
 */
static bool touches_internal(struct vm_struct *vm, void *arg)
{
	bool *found = arg;

	area_clear_plain(vm);
	*found = area_is_internal(vm);
	return *found;
}

/**
 * unmap_kernel_range - clear the mappings of a range and flush the TLB
 * @addr: page-aligned start, inside the vmalloc range
 * @size: page-aligned length
 *
 * Areas keep their address space; only the PTEs go (at once, with a TLB
 * flush, unlike vfree()'s lazy purge). A bad range, or one that touches
 * the library's own areas (page arrays), logs one line and changes
 * nothing. Context: may sleep.
 */
void unmap_kernel_range(unsigned long addr, unsigned long size)
{
	unsigned long end = addr + size;
	bool internal = false;

	if (!vm_ensure_ready())
		return;
	if (!size || end < addr || ((addr | size) & (PAGE_SIZE - 1)) ||
	    addr < vm_plat->vmalloc_start || end > vm_plat->vmalloc_end) {
		vm_warn("unmap_kernel_range: bad range 0x%lx + 0x%lx", addr,
			size);
		return;
	}
	/* As the kernel: a 2 MiB leaf goes whole (and our hosts see that). */
	if (pt_huge_span(&addr, &end)) {
		vm_warn("unmap_kernel_range: the range cuts a 2 MiB leaf: unmapping 0x%lx-0x%lx",
			addr, end);
		size = end - addr;
	}
	area_walk(addr, end, touches_internal, &internal);
	if (internal) {
		vm_warn("unmap_kernel_range: 0x%lx + 0x%lx holds the library's own memory",
			addr, size);
		return;
	}
	/*
	 * A cached area (freed, in no walk) would come back to its next
	 * vmalloc() with the PTEs this call clears: none may be cached
	 * meanwhile. Coarse (every CPU's cache goes), as the call is rare.
	 */
	if (area_cache_held())
		area_cache_drain();
	vm_flush_cache_vunmap(addr, end);
	pt_unmap_noflush(addr, size >> PAGE_SHIFT);
	vm_sync_unmap(addr, size);
	vm_flush_tlb(addr, end);
}

/**
 * alloc_vm_area - reserve address space with its page tables in place
 * @size: bytes
 *
 * Reserves a VM_IOREMAP area and allocates every page table that maps it,
 * mapping nothing; then vmalloc_sync_all().
 *
 * Return: the descriptor, or NULL (nothing left behind but the page tables
 * the attempt added, as in the kernel). Context: may sleep.
 */
struct vm_struct *alloc_vm_area(size_t size)
{
	struct vm_struct *area;

	if (!vm_ensure_ready())
		return NULL;
	area = get_area(size, 1, VM_IOREMAP, vm_plat->vmalloc_start,
			vm_plat->vmalloc_end, GFP_KERNEL, RET_IP, GA_UNINIT);
	if (!area)
		return NULL;
	if (pt_populate((unsigned long)area->addr, area->size)) {
		discard_area(area);
		vm_log(VM_LOG_WARNING, "alloc_vm_area: no memory for page tables");
		return NULL;
	}
	area_ready(area);
	vmalloc_sync_all();
	return area;
}

/**
 * vmalloc_sync_all - make the vmalloc page tables visible everywhere
 *
 * Calls the platform's sync_all hook (a kernel with per-process top-level
 * tables copies the vmalloc entries). Context: may sleep.
 */
void vmalloc_sync_all(void)
{
	if (vm_ensure_ready() && vm_plat->sync_all)
		vm_plat->sync_all(vm_plat->ctx);
}

/* ------------------------------------------------------------------ */
/* Translation, vread, vwrite                                          */
/* ------------------------------------------------------------------ */

/**
 * vmalloc_to_page - the frame that a vmalloc address maps
 * @addr: any address in the vmalloc range
 *
 * Return: its struct page, or NULL when nothing is mapped there.
 * Context: any; lock-free.
 */
struct page *vmalloc_to_page(const void *addr)
{
	uint64_t pte;

	if (!vm_ensure_ready())
		return NULL;
	pte = pt_lookup((unsigned long)addr & PAGE_MASK);
	if (!(pte & _PAGE_PRESENT))
		return NULL;
	return pa_pfn_page((pte & PT_ADDR_MASK) >> PAGE_SHIFT);
}

/**
 * vmalloc_to_pfn - the frame number that a vmalloc address maps
 * @addr: any address in the vmalloc range
 *
 * Return: the pfn, or 0 when nothing is mapped there (no frame of the
 * pool has pfn 0 on the soft and host engines). Context: any; lock-free.
 */
unsigned long vmalloc_to_pfn(const void *addr)
{
	uint64_t pte;

	if (!vm_ensure_ready())
		return 0;
	pte = pt_lookup((unsigned long)addr & PAGE_MASK);
	return pte & _PAGE_PRESENT ? (pte & PT_ADDR_MASK) >> PAGE_SHIFT : 0;
}

/*
 * Copy between @buf and [addr, addr + n) inside one area, page by page
 * through the frames' direct-map addresses. Pages without a mapping (and,
 * for writes, without write permission) read as zeros and take no write.
 */
/* The frame mapped at @addr's page, or NULL; *@pte gets its leaf entry. */
static struct page *frame_at(unsigned long addr, uint64_t *pte)
{
	*pte = pt_lookup(addr & PAGE_MASK);
	if (!(*pte & _PAGE_PRESENT))
		return NULL;
	return pa_pfn_page_present((*pte & PT_ADDR_MASK) >> PAGE_SHIFT);
}

static void copy_area(char *buf, unsigned long addr, unsigned long n,
		      bool write)
{
	while (n) {
		unsigned long off = addr & (PAGE_SIZE - 1);
		unsigned long chunk = vm_min(n, PAGE_SIZE - off);
		uint64_t pte;
		struct page *pg = frame_at(addr, &pte);

		if (!write) {
			if (pg)
				vm_memcpy(buf, (char *)pa_page_address(pg) + off,
					  chunk);
			else
				vm_memset(buf, 0, chunk);
		} else if (pg && (pte & _PAGE_RW)) {
			vm_memcpy((char *)pa_page_address(pg) + off, buf, chunk);
		}
		buf += chunk;
		addr += chunk;
		n -= chunk;
	}
}

/*
 * Zero [addr, addr + n) of an area the caller owns, page by page through
 * the direct map (the range itself may not be accessible), in a way the
 * compiler cannot drop as a dead store: the frames may be freed next.
 */
void vm_vmem_zero(const void *addr, unsigned long n)
{
	unsigned long a = (unsigned long)addr;

	while (n) {
		unsigned long off = a & (PAGE_SIZE - 1);
		unsigned long chunk = vm_min(n, PAGE_SIZE - off);
		uint64_t pte;
		struct page *pg = frame_at(a, &pte);

		if (pg) {
			char *d = (char *)pa_page_address(pg) + off;

			vm_memset(d, 0, chunk);
			__asm__ __volatile__("" : : "r"(d) : "memory");
		}
		a += chunk;
		n -= chunk;
	}
}

void vm_vmem_copy(void *buf, const void *addr, unsigned long n, bool write)
{
	copy_area(buf, (unsigned long)addr, n, write);
}

struct vrw_state {
	char *buf;		/* where [a, ...) starts in the caller's buffer */
	unsigned long a;	/* the first address */
	unsigned long pos;	/* next address to account */
	unsigned long end;
	bool write;
};

/* One area of the walk: the hole before it, then its data. */
static bool vrw_area(struct vm_struct *vm, void *arg)
{
	struct vrw_state *st = arg;
	unsigned long start = (unsigned long)vm->addr;
	unsigned long data_end = start + vm_data_size(vm), stop;

	if (data_end <= st->pos)
		return false;		/* only its guard page is ahead */
	if (start > st->pos) {
		if (!st->write)
			vm_memset(st->buf + (st->pos - st->a), 0, start - st->pos);
		st->pos = start;
	}
	stop = vm_min(data_end, st->end);
	if ((vm->flags & VM_IOREMAP) || (st->write && area_is_internal(vm))) {
		if (!st->write)
			vm_memset(st->buf + (st->pos - st->a), 0, stop - st->pos);
	} else {
		copy_area(st->buf + (st->pos - st->a), st->pos, stop - st->pos,
			  st->write);
	}
	st->pos = stop;
	return st->pos >= st->end;
}

/*
 * The seed's vread/vwrite walk, made safe: [addr, addr + count) is
 * clipped at the top of the address space; holes between areas and
 * guard pages read as zeros (vread) and are skipped (vwrite); VM_IOREMAP
 * areas are never touched (zeros / no write), the library's own areas
 * never written. The return value, as in
 * the seed, counts the bytes up to the end of the last area the range
 * reaches, 0 if it reaches none.
 */
static long vrw(char *buf, char *addr, unsigned long count, bool write)
{
	struct vrw_state st;

	if (!vm_ensure_ready() || !count || !buf)
		return 0;
	st.a = (unsigned long)addr;
	/* Clip at the top; the very last byte is never part of an area. */
	if (st.a + count < st.a)
		count = ULONG_MAX - st.a;
	st.buf = buf;
	st.pos = st.a;
	st.end = st.a + count;
	st.write = write;
	area_walk(st.a, st.end, vrw_area, &st);
	return (long)(st.pos - st.a);
}

/**
 * vread - read vmalloc memory into a buffer
 * @buf: destination, at least @count bytes
 * @addr: vmalloc address to start at
 * @count: bytes to read
 *
 * Return: bytes accounted, as described at vrw(); everything within them
 * that is not mapped memory of a live area reads as zero.
 * Context: takes the area lock for the copy.
 */
long vread(char *buf, char *addr, unsigned long count)
{
	return vrw(buf, addr, count, false);
}

/**
 * vwrite - write a buffer into vmalloc memory
 * @buf: source, at least @count bytes
 * @addr: vmalloc address to start at
 * @count: bytes to write
 *
 * Only mapped, writable pages of live non-ioremap areas are written.
 * Return: bytes accounted, as for vread().
 * Context: takes the area lock for the copy.
 */
long vwrite(char *buf, char *addr, unsigned long count)
{
	return vrw(buf, addr, count, true);
}

/* ------------------------------------------------------------------ */
/* User mappings                                                       */
/* ------------------------------------------------------------------ */

/* Drop the references remap_vmalloc_range() took on [kaddr, kaddr + len). */
static void put_user_refs(unsigned long kaddr, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE_SIZE)
		pa_put(vmalloc_to_page((void *)(kaddr + off)));
}

/**
 * remap_vmalloc_range - map a vmalloc_user() area into user space
 * @vma: the user range to cover, completely
 * @addr: start of a VM_USERMAP area
 * @pgoff: pages into the area where the mapping starts
 *
 * Every frame mapped gets a reference (get_page), dropped when the user
 * range is released (vm_user_range_release in hosted builds): a frame
 * stays allocated while user space maps it, even after vfree(@addr).
 *
 * Return: 0 (and VM_DONTEXPAND | VM_DONTDUMP set in @vma, as 6.x does;
 * VM_RESERVED names the pair); -EINVAL for an unaligned or
 * unknown @addr, an area without VM_USERMAP, an empty or unaligned @vma,
 * a vma the platform does not know (reserved before vmalloc_exit() or by
 * a parent process), or when @pgoff plus the vma's size passes the end of
 * the area (computed without overflow); -ENOSYS without platform support;
 * or the platform's error, with everything mapped so far unmapped again.
 * Context: may sleep. The area is claimed while the call runs.
 */
int remap_vmalloc_range(struct vm_area_struct *vma, void *addr,
			unsigned long pgoff)
{
	unsigned long usize, area_bytes, uaddr, kaddr, done = 0;
	struct vm_struct *area;
	int err = 0;

	if (!vm_ensure_ready())
		return -VM_ENODEV;
	if (!vma || vma->vm_end <= vma->vm_start ||
	    ((vma->vm_start | vma->vm_end) & (PAGE_SIZE - 1)) ||
	    ((unsigned long)addr & (PAGE_SIZE - 1)))
		return -VM_EINVAL;
	usize = vma->vm_end - vma->vm_start;
	if (area_claim((unsigned long)addr, NULL, 0, &area))
		return -VM_EINVAL;
	area_bytes = vm_data_size(area);
	if (!(area->flags & VM_USERMAP) || pgoff > area_bytes >> PAGE_SHIFT ||
	    usize > area_bytes - (pgoff << PAGE_SHIFT))
		err = -VM_EINVAL;
	else if (!vm_plat->user_map)
		err = -VM_ENOSYS;

	uaddr = vma->vm_start;
	kaddr = (unsigned long)addr + (pgoff << PAGE_SHIFT);
	while (!err && done < usize) {
		unsigned long pfn = vmalloc_to_pfn((void *)(kaddr + done));
		unsigned long run = PAGE_SIZE, off;

		if (!pfn) {
			err = -VM_EINVAL;
			break;
		}
		while (done + run < usize &&
		       vmalloc_to_pfn((void *)(kaddr + done + run)) ==
		       pfn + (run >> PAGE_SHIFT))
			run += PAGE_SIZE;
		vm_assert_unlocked(0, "user_map");
		err = vm_plat->user_map(vm_plat->ctx, vma, uaddr + done, pfn,
					run >> PAGE_SHIFT);
		/* As map_area(): once more after a purge. */
		if (err == -VM_ENOMEM && area_purge(true))
			err = vm_plat->user_map(vm_plat->ctx, vma, uaddr + done,
						pfn, run >> PAGE_SHIFT);
		if (err)
			break;
		/* Claimed: the frames cannot go away under us. */
		for (off = 0; off < run; off += PAGE_SIZE)
			pa_get(vmalloc_to_page((void *)(kaddr + done + off)));
		done += run;
	}
	if (err && done) {
		vm_plat->user_unmap(vm_plat->ctx, vma, uaddr, done);
		put_user_refs(kaddr, done);
	}
	area_unclaim(area);
	if (err)
		return err < 0 ? err : -VM_EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up and tear-down                                                */
/* ------------------------------------------------------------------ */

struct owner {
	unsigned long addr;
	unsigned long ram_pages;	/* a vm_map_ram() mapping: its count */
};

/* The first live area at or after the walk's start: not a page array. */
static bool first_owner(struct vm_struct *vm, void *arg)
{
	struct owner *o = arg;

	if (area_is_internal(vm))
		return false;	/* goes with the area that owns it */
	o->addr = (unsigned long)vm->addr;
	o->ram_pages = area_is_ram(vm) ? area_pages(vm) : 0;
	return true;
}

long vm_areas_exit(void)
{
	unsigned long pos = vm_plat->vmalloc_start;
	struct area_stats st;
	struct owner o;
	long left = 0;

	for (;;) {
		o.addr = 0;
		area_walk(pos, vm_plat->vmalloc_end, first_owner, &o);
		if (!o.addr)
			break;
		pos = o.addr + PAGE_SIZE;
		left++;
		if (o.ram_pages)
			vm_unmap_ram((void *)o.addr, (unsigned int)o.ram_pages);
		else
			vfree((void *)o.addr);
	}
	/*
	 * The cache gives everything back now, and its frames leave
	 * nr_vmalloc_pages (a count that outlives the instance) with the
	 * registry's record of them, which area_exit() forgets.
	 */
	area_cache_drain();
	vm_pcpu_stat_add(&nr_vmalloc_pages, -(long)area_cache_take_released());
	area_get_stats(&st);
	return left + (long)st.areas;	/* removed, never freed */
}

/* ------------------------------------------------------------------ */
/* Address classification                                              */
/* ------------------------------------------------------------------ */

/**
 * is_vmalloc_addr - is @x inside the vmalloc range?
 * @x: any address
 *
 * True for every address of [VMALLOC_START, VMALLOC_END), mapped or not,
 * as in the kernel: kvfree() uses it to choose between vfree() and the
 * object caches.
 *
 * Return: whether @x is in the range; false before the library is up.
 * Context: any; lock-free.
 */
bool is_vmalloc_addr(const void *x)
{
	unsigned long a = (unsigned long)x;

	if (!vm_ensure_ready())
		return false;
	return a >= vm_plat->vmalloc_start && a < vm_plat->vmalloc_end;
}

/**
 * is_vmalloc_or_module_addr - is @x a vmalloc or module address?
 * @x: any address
 *
 * The library manages no separate module range (on x86-64 the kernel's
 * modules live outside the vmalloc range), so this is is_vmalloc_addr().
 *
 * Return: 1 or 0. Context: any; lock-free.
 */
int is_vmalloc_or_module_addr(const void *x)
{
	return is_vmalloc_addr(x) ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Today's allocation wrappers                                         */
/* ------------------------------------------------------------------ */

/**
 * __vmalloc_node - allocate virtually contiguous memory on a node
 * @size: bytes to allocate (rounded up to pages)
 * @align: alignment of the start, a power of two
 * @gfp_mask: page allocator flags (__GFP_ZERO, __GFP_NOFAIL, ...)
 * @node: NUMA node for the frames, or NUMA_NO_NODE
 * @caller: shown in vmallocinfo
 *
 * Return: the address of @size bytes mapped PAGE_KERNEL, or NULL.
 * Context: may sleep.
 */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask,
		     int node, const void *caller)
{
	if (!vm_ensure_ready())
		return NULL;
	return __vmalloc_node_range(size, align, vm_plat->vmalloc_start,
				    vm_plat->vmalloc_end, gfp_mask, PAGE_KERNEL,
				    0, node, caller);
}

/* n * size, or 0 with a log line when it overflows. */
static unsigned long array_bytes(size_t n, size_t size, const char *who)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		vm_log(VM_LOG_WARNING, "%s: %zu elements of %zu bytes overflow",
		       who, n, size);
		return 0;
	}
	return bytes;
}

/**
 * __vmalloc_array - allocate memory for an array
 * @n: number of elements
 * @size: bytes per element
 * @flags: page allocator flags
 *
 * Return: the address of @n * @size bytes, or NULL (also when the
 * product overflows). Context: may sleep.
 */
void *__vmalloc_array(size_t n, size_t size, gfp_t flags)
{
	unsigned long bytes = array_bytes(n, size, "vmalloc_array");

	if (!bytes)
		return NULL;
	return vmalloc_common(bytes, flags, PAGE_KERNEL, 0, -1, RET_IP);
}

/**
 * vmalloc_array - allocate memory for an array
 * @n: number of elements
 * @size: bytes per element
 *
 * Return: as __vmalloc_array() with GFP_KERNEL. Context: may sleep.
 */
void *vmalloc_array(size_t n, size_t size)
{
	return __vmalloc_array(n, size, GFP_KERNEL);
}

/**
 * __vcalloc - allocate zeroed memory for an array
 * @n: number of elements
 * @size: bytes per element
 * @flags: page allocator flags (__GFP_ZERO is added)
 *
 * Return: as __vmalloc_array(), the memory zeroed. Context: may sleep.
 */
void *__vcalloc(size_t n, size_t size, gfp_t flags)
{
	return __vmalloc_array(n, size, flags | __GFP_ZERO);
}

/**
 * vcalloc - allocate zeroed memory for an array
 * @n: number of elements
 * @size: bytes per element
 *
 * Return: as __vcalloc() with GFP_KERNEL. Context: may sleep.
 */
void *vcalloc(size_t n, size_t size)
{
	return __vcalloc(n, size, GFP_KERNEL);
}

/**
 * vfree_atomic - vfree() for contexts that must not sleep
 * @addr: as for vfree()
 *
 * The kernel defers the free to a worker. Here vfree() itself takes only
 * the library's own locks and never waits for another thread's work, so
 * the area is freed at once, exactly as vfree() frees it (its range goes
 * on the lazy list, and a purge may run).
 *
 * Context: any context in which the library's locks may be taken.
 */
void vfree_atomic(const void *addr)
{
	release_area(addr, true, "vfree_atomic");
}

/**
 * vmalloc_nr_pages - frames owned by vmalloc areas
 *
 * Counts the frames of every vmalloc()-style area (the library's own page
 * arrays included, as the kernel counts them); vmap() areas own none,
 * and neither do areas vfree() left in the area cache.
 *
 * Return: the count (approximate while other calls run). Context: any;
 * lock-free.
 */
unsigned long vmalloc_nr_pages(void)
{
	unsigned long all = vm_pcpu_stat_read(&nr_vmalloc_pages);
	unsigned long gone = area_cache_frames();

	/* Populated and cached between the two reads: not counted yet. */
	return all > gone ? all - gone : 0;
}

/* ------------------------------------------------------------------ */
/* vmap_pfn, sparse areas, flush-at-once areas                         */
/* ------------------------------------------------------------------ */

/**
 * vmap_pfn - map frames given by number into virtually contiguous space
 * @pfns: @count frame numbers
 * @count: how many
 * @prot: page protection
 *
 * The kernel uses this for memory without struct pages (device memory).
 * A library instance has no memory outside its pool, so here every pfn
 * must be an allocated frame of the pool; anything else is refused. The
 * area is VM_IOREMAP, as the kernel's is: vread() reads it as zeros.
 *
 * Return: the address, or NULL (nothing left behind). Context: may sleep.
 */
void *vmap_pfn(unsigned long *pfns, unsigned int count, pgprot_t prot)
{
	struct page **pages;
	unsigned int i;
	void *p = NULL;

	if (!vm_ensure_ready() || !count)
		return NULL;
	if (!pfns || count > pa_nr_frames()) {
		vm_log(VM_LOG_WARNING, "vmap_pfn: bad arguments (%u frames)",
		       count);
		return NULL;
	}
	pages = vm_kmalloc((size_t)count * sizeof(*pages));
	if (!pages)
		return NULL;
	for (i = 0; i < count; i++) {
		pages[i] = pa_pfn_page_present(pfns[i]);
		if (!pages[i] || !pa_page_allocated(pages[i])) {
			vm_log(VM_LOG_WARNING,
			       "vmap_pfn: pfn 0x%lx is not an allocated frame of the pool",
			       pfns[i]);
			goto out;
		}
	}
	p = vmap_common(pages, count, VM_IOREMAP, prot, RET_IP, "vmap_pfn");
out:
	vm_kfree(pages, (size_t)count * sizeof(*pages));
	return p;
}

/*
 * Claim the live VM_SPARSE area @area for a change of [start, end):
 * 0 with the pages of the range, or -EINVAL (logged as @who).
 */
static int claim_sparse(struct vm_struct *area, unsigned long start,
			unsigned long end, const char *who)
{
	struct vm_struct *claimed;
	unsigned long a;

	if (!area || start >= end || ((start | end) & (PAGE_SIZE - 1)) ||
	    area_claim((unsigned long)area->addr, area, 0, &claimed)) {
		vm_log(VM_LOG_WARNING, "%s: %p is not a live area, or 0x%lx-0x%lx is no range",
		       who, (void *)area, start, end);
		return -VM_EINVAL;
	}
	a = (unsigned long)area->addr;
	if (!(area->flags & VM_SPARSE) || start < a ||
	    end > a + vm_data_size(area)) {
		area_unclaim(area);
		vm_log(VM_LOG_WARNING,
		       "%s: 0x%lx-0x%lx is not inside the VM_SPARSE area at %p",
		       who, start, end, area->addr);
		return -VM_EINVAL;
	}
	return 0;
}

/**
 * vm_area_map_pages - map pages into part of a VM_SPARSE area
 * @area: a live area from get_vm_area(size, VM_SPARSE)
 * @start: page-aligned address inside @area
 * @end: page-aligned end, at most the end of @area's data
 * @pages: (@end - @start) / PAGE_SIZE allocated pages, which stay the
 *	   caller's
 *
 * All or nothing: a bad page, a page of the range that is mapped already,
 * or a failure while mapping leaves the range as it was.
 *
 * Return: 0; -EINVAL (not a sparse area, a range outside it, a page that
 * is not an allocated page of the pool); -EBUSY (part of the range is
 * mapped); -ENOMEM. Context: may sleep. The area is claimed meanwhile:
 * calls on one sparse area are serialised by the caller (as the kernel's
 * users do with their own lock); a concurrent one is refused (-EINVAL).
 */
int vm_area_map_pages(struct vm_struct *area, unsigned long start,
		      unsigned long end, struct page **pages)
{
	unsigned long nr, i;
	int err;

	if (!vm_ensure_ready())
		return -VM_ENODEV;
	if (!pages)
		return -VM_EINVAL;
	err = claim_sparse(area, start, end, "vm_area_map_pages");
	if (err)
		return err;
	nr = (end - start) >> PAGE_SHIFT;
	for (i = 0; i < nr && !err; i++) {
		if (!pages[i] || !pa_valid_page(pages[i]) ||
		    !pa_page_allocated(pages[i]))
			err = -VM_EINVAL;
		else if (pt_lookup(start + i * PAGE_SIZE))
			err = -VM_EBUSY;
	}
	if (!err) {
		bool refused;

		err = pt_map(start, pages, nr, pgprot_val(PAGE_KERNEL), true,
			     &refused);
		if (err)
			vm_flush_tlb(start, end);
		else
			area_mark_mapped(area);
		if (!err)
			vm_flush_cache_vmap(start, end);
	}
	area_unclaim(area);
	return err;
}

/**
 * vm_area_unmap_pages - unmap part of a VM_SPARSE area
 * @area: a live area from get_vm_area(size, VM_SPARSE)
 * @start: page-aligned address inside @area
 * @end: page-aligned end, at most the end of @area's data
 *
 * Clears the mappings of [@start, @end) and flushes the TLB at once; the
 * pages stay the caller's. Unmapped parts of the range are skipped. A bad
 * area or range logs one line and changes nothing.
 * Context: may sleep.
 */
void vm_area_unmap_pages(struct vm_struct *area, unsigned long start,
			 unsigned long end)
{
	if (!vm_ensure_ready() ||
	    claim_sparse(area, start, end, "vm_area_unmap_pages"))
		return;
	vm_flush_cache_vunmap(start, end);
	pt_unmap_noflush(start, (end - start) >> PAGE_SHIFT);
	vm_sync_unmap(start, end - start);
	vm_flush_tlb(start, end);
	area_unclaim(area);
}

/**
 * set_vm_flush_reset_perms - unmap an area at once when it is freed
 * @addr: any address inside a live area
 *
 * Sets VM_FLUSH_RESET_PERMS: vfree() (or vunmap(), free_vm_area())
 * then clears the area's mappings and flushes the TLB before it returns,
 * instead of leaving the range on the lazy list. The kernel also resets
 * the frames' direct-map permissions; the library never changes those.
 * An address of no area does nothing.
 * Context: may sleep; the area is claimed for the change.
 */
void set_vm_flush_reset_perms(void *addr)
{
	struct vm_struct *vm, *claimed;

	if (!addr || !vm_ensure_ready())
		return;
	vm = area_find((unsigned long)addr, true);
	if (!vm || area_claim((unsigned long)vm->addr, vm, 0, &claimed))
		return;
	area_add_flags(vm, VM_FLUSH_RESET_PERMS);
	area_unclaim(vm);
}
