/* SPDX-License-Identifier: MIT */
/*
 * The area registry: busy ranges and their descriptors, claims, the lazy
 * list and purges, over the arena (free space) and the per-CPU blocks.
 *
 * A busy range is a node the arena handed out (struct arena_node), with
 * the registry's fields after it (struct vmap_area). It sits in the busy
 * tree, by address, until it is retired: then it goes back to the arena
 * at once if its area was never mapped, or onto the lazy list until the
 * next purge has flushed its TLB entries.
 *
 * Claims: a claim marks a tree area dying (VA_DYING) or a slot claimed,
 * under the lock that protects it, after checking that the area may be
 * claimed; nothing else touches it until its claimer unclaims or retires
 * it. So validation and the change it allows never race, and retirement
 * is a plain step that cannot fail.
 */
#include "area/area.h"
#include "area/arena.h"
#include "area/vmap_block.h"
#include "pgtable/pgtable.h"
#include "page/page_alloc.h"
#include "lib/slab.h"

#define FLUSH_RUNS_MAX	16	/* a purge flushes run by run up to this */
#define DESC_STOCK_MAX	64
#define DESC_STOCK_FILL	16
#define NEW_BLOCK_TRIES	4	/* new blocks made before the tree serves */

/* A busy range: the arena's node, then the registry's own fields. */
struct vmap_area {
	struct arena_node an;		/* an.rb links the busy tree */
	union {
		struct vm_desc *desc;		/* a tree area */
		struct vm_block *block;		/* VA_BLOCK */
		struct vmap_area *lazy_next;	/* on the lazy list */
	};
	unsigned long flags;
};

/*
 * Hot cells: per CPU, one cell per size in pages (guard page included)
 * up to HOT_MAX_PAGES. free_vm_area() of an area that was never mapped
 * leaves it claimed, descriptor and range together, in its size's cell
 * of the freeing CPU (an atomic exchange; the area it displaces is
 * retired for good); the next allocation of that size on that CPU takes
 * it back if it fits the request (alignment, window). A slot comes back
 * with no lock at all, a tree area with one hold of the registry's lock
 * and no tree or arena work. Cells are emptied by every shrinking purge
 * (vm_unmap_aliases, an allocation that found no room). See
 * docs/design.md, "Hot cells".
 */
#define HOT_MAX_PAGES	128
_Static_assert(AREA_HOT_MAX_BYTES == HOT_MAX_PAGES << PAGE_SHIFT,
	       "area.h's bound is the cells'");
/* Flags that keep a claimed area out of the cells (hot_wants). */
#define HOT_REFUSE	(VMD_MAPPED | VMD_INTERNAL | VMD_UNINIT | VMD_RAM)
struct hot_cells {
	struct vm_desc *cell[HOT_MAX_PAGES + 1];	/* atomic */
} __attribute__((aligned(64)));

/*
 * The area cache: per CPU, AC_WAYS cells per size in data pages (1 to
 * AREA_CACHE_MAX_PAGES) of whole mapped vmalloc areas that vfree() left
 * claimed with their frames, page array and mapping (area_cache_put), for
 * the next vmalloc() of that size on that CPU (area_cache_get). Bounded
 * per CPU by areas and pages, both counted in one word (@used: areas in
 * the high half, pages in the low), reserved before an area goes in, so
 * the limits hold exactly. Emptied (area_cache_drain: frames freed, range
 * onto the lazy list) by every shrinking purge. See docs/design.md,
 * "The area cache".
 */
#define AC_WAYS		2
#define AC_AREA		(1UL << 32)	/* one area in @used */
#define AC_PAGES(u)	((u) & (AC_AREA - 1))
#define AC_AREAS(u)	((u) >> 32)
struct area_cache_cpu {
	unsigned long used;					/* atomic */
	struct vm_desc *cell[AREA_CACHE_MAX_PAGES][AC_WAYS];	/* atomic */
} __attribute__((aligned(64)));

#define VA_BLOCK	0x1UL	/* the range of a fast-path block */
#define VA_DYING	0x2UL	/* claimed: no lookup finds it, but it
				   covers its range until it is retired */

/*
 * Three kinds of cache line (core.h, __vm_cacheline): what the fast
 * paths read and only init writes; the lazy count, which every CPU adds
 * to (a batch at a time); and what the locks protect.
 */
static struct {
	struct hot_cells *hot;		/* one per CPU (fast path only) */
	size_t hot_bytes;
	struct area_cache_cpu *ac;	/* one per CPU; NULL: no area cache */
	size_t ac_bytes;
	unsigned long ac_max_pages;	/* per CPU */
	unsigned long ac_max_areas;	/* per CPU */
	bool fast_path;
	unsigned long lazy_max;
	unsigned long start, end;
	unsigned long lazy_pages __vm_cacheline;	/* lazy list + folded
							   dirty slots (atomic) */
	unsigned long ac_released;	/* frames area cache drains freed
					   (atomic) */
	struct vm_lock lock __vm_cacheline;	/* everything below but
						   purge_lock */
	struct vm_lock purge_lock;	/* one purge at a time */
	struct arena arena;		/* free space (guarded by lock) */
	struct rb_root busy;		/* busy ranges by address */
	struct vmap_area *lazy;		/* retired, awaiting the next purge */
	unsigned long areas;		/* live + removed descriptors */
	unsigned long busy_count;	/* live tree areas */
	unsigned long purges;
	unsigned long purged_areas;
	struct objstock descs;		/* descriptor stock */
	struct kcache desc_cache;
	struct vmap_area **hash;	/* tree areas by start (see hash_) */
	unsigned int hash_shift;	/* 64 - log2(buckets) */
	unsigned long hash_count;
} reg __vm_cacheline;

/*
 * A busy node's flags: written under reg.lock, except that the thread
 * that takes a tree area out of a hot cell clears VA_DYING without it
 * (hot_get: nobody else writes a dying node's flags). So every reader
 * loads them atomically; acquire: a node seen alive has its descriptor
 * filled.
 */
static inline unsigned long va_flags(const struct vmap_area *v)
{
	return __atomic_load_n(&v->flags, __ATOMIC_ACQUIRE);
}

static inline struct vmap_area *to_va(const struct rb_node *n)
{
	return container_of(n, struct vmap_area, an.rb);
}

static inline unsigned long va_size(const struct vmap_area *v)
{
	return v->an.end - v->an.start;
}

/* Count @pages more lazy pages (or fewer); true when the purge is due. */
static bool lazy_add(long pages)
{
	unsigned long now = __atomic_add_fetch(&reg.lazy_pages,
					       (unsigned long)pages,
					       __ATOMIC_RELAXED);

	return pages > 0 && now > reg.lazy_max;
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

static bool desc_prepare_locked(void)
{
	vm_lock_assert_held(&reg.lock);
	if (!reg.descs.head)
		kcache_stock_fill(&reg.desc_cache, &reg.descs, 1);
	return reg.descs.head != NULL;
}

/* At least @n descriptors in the stock (a congruent set). */
static bool desc_prepare_many_locked(unsigned long n)
{
	vm_lock_assert_held(&reg.lock);
	if (reg.descs.n < n)
		kcache_stock_fill(&reg.desc_cache, &reg.descs, n - reg.descs.n);
	return reg.descs.n >= n;
}

/* A descriptor from the stock (desc_prepare_locked() made sure of one). */
static struct vm_desc *desc_get_locked(void)
{
	vm_lock_assert_held(&reg.lock);
	vm_counter_add_locked(&reg.areas, 1);
	return objstock_pop(&reg.descs);
}

static void desc_put_locked(struct vm_desc *d)
{
	vm_lock_assert_held(&reg.lock);
	d->state = VMD_FREE;
	vm_counter_add_locked(&reg.areas, -1);
	objstock_push(&reg.descs, d);
	if (reg.descs.n > DESC_STOCK_MAX)
		kcache_stock_put(&reg.desc_cache, &reg.descs,
				 DESC_STOCK_MAX - DESC_STOCK_FILL);
}

/* ------------------------------------------------------------------ */
/* The busy tree (reg.lock held)                                       */
/* ------------------------------------------------------------------ */

static void busy_insert_locked(struct vmap_area *v)
{
	struct rb_node **link = &reg.busy.node, *parent = NULL;

	vm_lock_assert_held(&reg.lock);
	while (*link) {
		parent = *link;
		link = v->an.start < to_va(parent)->an.start ?
		       &parent->left : &parent->right;
	}
	rb_link_node(&v->an.rb, parent, link);
	rb_insert(&reg.busy, &v->an.rb, NULL);
}

static void busy_erase_locked(struct vmap_area *v)
{
	vm_lock_assert_held(&reg.lock);
	rb_erase(&reg.busy, &v->an.rb, NULL);
}

/* The first busy range that ends after @addr. */
static struct vmap_area *busy_first_after_locked(unsigned long addr)
{
	struct rb_node *n = reg.busy.node;
	struct vmap_area *best = NULL;

	vm_lock_assert_held(&reg.lock);
	while (n) {
		struct vmap_area *v = to_va(n);

		if (v->an.end > addr) {
			best = v;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

static struct vmap_area *busy_next(struct vmap_area *v)
{
	struct rb_node *n = rb_next(&v->an.rb);

	return n ? to_va(n) : NULL;
}

/* The busy range containing @addr. */
static struct vmap_area *busy_containing_locked(unsigned long addr)
{
	struct vmap_area *v = busy_first_after_locked(addr);

	return v && v->an.start <= addr ? v : NULL;
}

/* ------------------------------------------------------------------ */
/* The hash of tree areas by start (reg.lock held)                     */
/* ------------------------------------------------------------------ */

/*
 * Every tree area in the busy tree (live, claimed, hot; not blocks, not
 * the lazy list) is also in a hash of chains by start address, linked
 * through its arena node's user word: a free finds its node in O(1)
 * instead of walking a busy tree of a million blocks and areas. The
 * table doubles when the chains average more than one node; a doubling
 * that finds no memory keeps the old table (longer chains, no failure).
 */
#define HASH_MIN_BITS	8

static inline struct vmap_area *hash_next(const struct vmap_area *v)
{
	return v->an.user;
}

static inline struct vmap_area **hash_bucket(unsigned long addr)
{
	return &reg.hash[((addr >> PAGE_SHIFT) * 0x9e3779b97f4a7c15UL) >>
			 reg.hash_shift];
}

static inline size_t hash_bytes(unsigned int shift)
{
	return sizeof(*reg.hash) << (64 - shift);
}

static __vm_slow void hash_grow_locked(void)
{
	unsigned int old_shift = reg.hash_shift;
	struct vmap_area **old = reg.hash, *v, *next;
	unsigned long i;
	void *fresh;

	fresh = vm_plat->meta_alloc(vm_plat->ctx, hash_bytes(old_shift - 1));
	if (!fresh)
		return;
	vm_memset(fresh, 0, hash_bytes(old_shift - 1));
	reg.hash = fresh;
	reg.hash_shift = old_shift - 1;
	for (i = 0; i < 1UL << (64 - old_shift); i++)
		for (v = old[i]; v; v = next) {
			struct vmap_area **b = hash_bucket(v->an.start);

			next = hash_next(v);
			v->an.user = *b;
			*b = v;
		}
	vm_plat->meta_free(vm_plat->ctx, old, hash_bytes(old_shift));
}

static void hash_insert_locked(struct vmap_area *v)
{
	struct vmap_area **b;

	vm_lock_assert_held(&reg.lock);
	if (++reg.hash_count > 1UL << (64 - reg.hash_shift))
		hash_grow_locked();
	b = hash_bucket(v->an.start);
	v->an.user = *b;
	*b = v;
}

static void hash_remove_locked(struct vmap_area *v)
{
	struct vmap_area **p = hash_bucket(v->an.start);

	vm_lock_assert_held(&reg.lock);
	while (*p && *p != v)
		p = (struct vmap_area **)&(*p)->an.user;
	if (!*p) {
		vm_bug("vmap_area: tree area 0x%lx not in the hash", v->an.start);
		return;
	}
	*p = hash_next(v);
	reg.hash_count--;
}

/* The tree area (live, claimed or hot) starting at @addr, or NULL. */
static inline struct vmap_area *hash_find_locked(unsigned long addr)
{
	struct vmap_area *v;

	for (v = *hash_bucket(addr); v; v = hash_next(v))
		if (v->an.start == addr)
			return v;
	return NULL;
}

/* A tree area joins or leaves the busy tree and the hash together. */
static void tree_insert_locked(struct vmap_area *v)
{
	busy_insert_locked(v);
	hash_insert_locked(v);
}

static void tree_erase_locked(struct vmap_area *v)
{
	hash_remove_locked(v);
	busy_erase_locked(v);
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */
/* ------------------------------------------------------------------ */

/*
 * Make a block for @rq on this CPU and give it a range: 0, -ENOMEM, or
 * -ENOSPC (no 2 MiB-aligned room: the tree serves the request).
 */
static __vm_slow int new_block(const struct area_request *rq)
{
	struct arena_node *n;
	struct vmap_area *v;
	struct vm_block *b;
	unsigned long span;
	int err;

	b = vb_new(rq, &span);
	if (!b)
		return -VM_ENOMEM;
	vm_lock(&reg.lock);
	err = arena_prepare_locked(&reg.arena);
	if (err)
		goto fail;
	n = arena_alloc_locked(&reg.arena, span, VB_ALIGN, reg.start, reg.end);
	if (!n) {
		err = -VM_ENOSPC;
		goto fail;
	}
	v = container_of(n, struct vmap_area, an);
	v->flags = VA_BLOCK;
	v->block = b;
	/* Under the lock: walkers see the block whole, or not at all. */
	busy_insert_locked(v);
	err = vb_publish(b, n->start);
	if (err) {
		busy_erase_locked(v);
		arena_free_locked(&reg.arena, n);
		goto fail;
	}
	vm_unlock(&reg.lock);
	return 0;
fail:
	vm_unlock(&reg.lock);
	vb_discard(b);
	return err;
}

/* The fast path: a slot of this CPU's block of the request's class. */
/* The fast path found no free slot on this CPU: make blocks, try again. */
static __vm_slow
struct vm_struct *block_alloc_slow(const struct area_request *rq, int *err)
{
	struct vm_desc *d;
	unsigned int tries;

	for (tries = 0; *err == -VM_ENOSPC && tries < NEW_BLOCK_TRIES; tries++) {
		*err = new_block(rq);
		if (*err)
			return NULL;
		*err = vb_alloc(rq, &d);
		if (!*err)
			return &d->vm;
	}
	return NULL;
}

/* The tree: lowest fit, purging once when the range is full. */
static __attribute__((noinline))
struct vm_struct *tree_alloc(const struct area_request *rq, int *err)
{
	struct arena_node *n = NULL;
	struct vmap_area *v;
	struct vm_desc *d;
	bool purged = false;

	vm_lock(&reg.lock);
	for (;;) {
		if (arena_prepare_locked(&reg.arena) || !desc_prepare_locked()) {
			vm_unlock(&reg.lock);
			*err = -VM_ENOMEM;
			return NULL;
		}
		n = arena_alloc_locked(&reg.arena, rq->size, rq->align,
				       rq->vstart, rq->vend);
		if (n || purged)
			break;
		vm_unlock(&reg.lock);
		area_purge(true);
		purged = true;
		vm_lock(&reg.lock);
	}
	if (!n) {
		vm_unlock(&reg.lock);
		*err = -VM_ENOSPC;
		return NULL;
	}
	v = container_of(n, struct vmap_area, an);
	v->flags = 0;
	d = desc_get_locked();
	v->desc = d;
	desc_fill(d, n->start, rq, 0);
	tree_insert_locked(v);
	vm_counter_add_locked(&reg.busy_count, 1);
	vm_unlock(&reg.lock);
	return &d->vm;
}

static struct vm_struct *hot_get(const struct area_request *rq);

struct vm_struct *area_alloc(const struct area_request *rq, int *err)
{
	struct vm_struct *vm = NULL;
	struct vm_desc *d;

	*err = -VM_ENOSPC;
	if (reg.hot) {
		vm = hot_get(rq);
		if (likely(vm)) {
			*err = 0;
			if (VM_DEBUG >= 2)
				area_check();
			return vm;
		}
	}
	if (reg.fast_path && vb_wants(rq)) {
		*err = vb_alloc(rq, &d);
		if (likely(!*err) && VM_DEBUG < 2)
			return &d->vm;
		vm = *err ? block_alloc_slow(rq, err) : &d->vm;
	}
	if (!vm && *err == -VM_ENOSPC)
		vm = tree_alloc(rq, err);
	if (VM_DEBUG >= 2)
		area_check();
	return vm;
}

/*
 * A vmalloc area is visible in the registry before its owner has set
 * pages and nr_pages: it carries VMD_UNINIT until then (the kernel's
 * VM_UNINITIALIZED). The owner clears it with release semantics; a walker
 * that reads those fields checks it with acquire semantics and skips the
 * area while it is set.
 */
void area_ready(struct vm_struct *vm)
{
	__atomic_fetch_and(&vm_desc_of(vm)->flags, (uint16_t)~VMD_UNINIT,
			   __ATOMIC_RELEASE);
}

bool area_is_ready(const struct vm_struct *vm)
{
	return !(desc_flags_acquire(vm_desc_of(vm)) & VMD_UNINIT);
}

void area_set_pages(struct vm_struct *vm, struct page **pages,
		    unsigned int nr)
{
	struct vm_desc *d = vm_desc_of(vm);

	if (desc_flags(d) & VMD_SLOT) {
		/* A walker may hold the slot, found before it was claimed. */
		vb_set_pages(d, pages, nr);
		return;
	}
	/* A claimed tree area is dying to walkers: they never read it. */
	vm->pages = pages;
	vm->nr_pages = nr;
}

void area_add_flags(struct vm_struct *vm, unsigned long flags)
{
	struct vm_desc *d = vm_desc_of(vm);

	if (desc_flags(d) & VMD_SLOT) {
		vb_add_flags(d, flags);	/* as area_set_pages */
		return;
	}
	vm->flags |= flags;
}

void area_mark_mapped(struct vm_struct *vm)
{
	__atomic_fetch_or(&vm_desc_of(vm)->flags, VMD_MAPPED, __ATOMIC_RELAXED);
}

bool area_is_mapped(const struct vm_struct *vm)
{
	return desc_flags(vm_desc_of(vm)) & VMD_MAPPED;
}

bool area_is_internal(const struct vm_struct *vm)
{
	return desc_flags(vm_desc_of(vm)) & VMD_INTERNAL;
}

bool area_is_plain(const struct vm_struct *vm)
{
	return desc_flags(vm_desc_of(vm)) & VMD_PLAIN;
}

void area_clear_plain(struct vm_struct *vm)
{
	__atomic_fetch_and(&vm_desc_of(vm)->flags, (uint16_t)~VMD_PLAIN,
			   __ATOMIC_RELAXED);
}

bool area_is_ram(const struct vm_struct *vm)
{
	return desc_flags(vm_desc_of(vm)) & VMD_RAM;
}

/* ------------------------------------------------------------------ */
/* Claims and retirement                                               */
/* ------------------------------------------------------------------ */

/* The busy node of claimed tree area @d (reg.lock held). */
static struct vmap_area *claimed_node_locked(const struct vm_desc *d)
{
	struct vmap_area *v = hash_find_locked((unsigned long)d->vm.addr);

	if (VM_DEBUG && (!v || v->desc != d || !(va_flags(v) & VA_DYING)))
		vm_bug("vmap_area: claimed area %p has no dying node",
		       d->vm.addr);
	return v;
}

/* Retire a tree area: lazy list or arena. Return: purge due. */
static __attribute__((noinline))
bool retire_tree(struct vm_desc *d, bool mapped, bool keep)
{
	struct vmap_area *v;
	bool purge = false;

	vm_lock(&reg.lock);
	v = claimed_node_locked(d);
	tree_erase_locked(v);
	vm_counter_add_locked(&reg.busy_count, -1);
	if (mapped) {
		v->lazy_next = reg.lazy;
		reg.lazy = v;
		purge = lazy_add((long)(va_size(v) >> PAGE_SHIFT));
	} else {
		/* Never mapped: no PTE, no TLB entry; free at once. */
		arena_free_locked(&reg.arena, &v->an);
	}
	if (keep)
		d->state = VMD_REMOVED;
	else
		desc_put_locked(d);
	vm_unlock(&reg.lock);
	return purge;
}

/* Clear the PTEs of [addr, data_end) (no flush), which the caller holds. */
static void unmap_held(unsigned long addr, unsigned long data_end)
{
	vm_flush_cache_vunmap(addr, data_end);
	pt_unmap_noflush(addr, (data_end - addr) >> PAGE_SHIFT);
}

/* Clear a claimed area's PTEs (no flush): nobody else maps, unmaps or
 * reuses its range meanwhile. */
static void unmap_claimed(const struct vm_struct *vm)
{
	unsigned long addr = (unsigned long)vm->addr;

	unmap_held(addr, addr + vm_data_size(vm));
}

/*
 * Unmap a claimed, mapped area being retired. Return whether its range
 * still owes a flush (the lazy list); a VM_FLUSH_NOW area is unmapped,
 * synced and flushed here, so it owes nothing. Context: no core lock.
 */
static bool unmap_retiring(const struct vm_struct *vm)
{
	unsigned long addr = (unsigned long)vm->addr;

	unmap_claimed(vm);
	if (!(vm->flags & VM_FLUSH_NOW))
		return true;
	vm_sync_unmap(addr, vm_data_size(vm));
	vm_flush_tlb(addr, addr + vm_data_size(vm));
	return false;
}

/* Retire a claimed slot area (of block @b; NULL: look it up). */
static inline void retire_slot(struct vm_block *b, struct vm_desc *d,
			       bool keep)
{
	bool mapped = desc_flags(d) & VMD_MAPPED;

	if (mapped)
		mapped = unmap_retiring(&d->vm);
	if (vb_retire(b, d, mapped, keep))
		area_purge(false);
}

/* ------------------------------------------------------------------ */
/* Hot cells                                                           */
/* ------------------------------------------------------------------ */

/*
 * While an area sits in a hot cell it is claimed (a slot: its claim bit;
 * a tree area: VA_DYING and VMD_CLAIMED), so no lookup, walk or claim
 * sees it, and the tiling and counts stay exact; area_get_stats() counts
 * cells out. Its descriptor's page array field, unused while claimed,
 * holds what holds the area: the slot word that holds its claim (a slot:
 * vb_slot_word), or its busy node.
 */
static inline void hot_set_holder(struct vm_desc *d, void *holder)
{
	d->vm.pages = (struct page **)holder;
}

static inline void *hot_holder(const struct vm_desc *d)
{
	return (void *)d->vm.pages;
}

static inline struct vm_desc **hot_cell(unsigned int cpu, unsigned long size)
{
	return &reg.hot[cpu].cell[size >> PAGE_SHIFT];
}

/* May a claimed, never-mapped area of @d go into a cell? */
static inline bool hot_wants(const struct vm_desc *d)
{
	return reg.hot && d->vm.size <= (HOT_MAX_PAGES << PAGE_SHIFT) &&
	       !(desc_flags(d) & HOT_REFUSE);
}

/* Retire hot tree area @d for good (reg.lock held). */
static void hot_drop_tree_locked(struct vm_desc *d)
{
	struct vmap_area *v = hot_holder(d);

	vm_lock_assert_held(&reg.lock);
	tree_erase_locked(v);
	vm_counter_add_locked(&reg.busy_count, -1);
	arena_free_locked(&reg.arena, &v->an);
	desc_put_locked(d);
}

/* Retire a hot area for good: its range is free at once (never mapped). */
static void hot_drop(struct vm_desc *d)
{
	if (desc_flags(d) & VMD_SLOT) {
		vb_retire(NULL, d, false, false);	/* its block stays put */
		return;
	}
	vm_lock(&reg.lock);
	hot_drop_tree_locked(d);
	vm_unlock(&reg.lock);
}

/*
 * Put claimed area @d, held by @holder, into @cpu's cell of its size: a
 * slot goes to its block's owner (so it serves only what its block would
 * serve), a tree area to the freeing CPU. Return the area it displaced,
 * which the caller retires (hot_drop), or NULL.
 */
static inline struct vm_desc *hot_put(struct vm_desc *d, void *holder,
				      unsigned int cpu)
{
	hot_set_holder(d, holder);
	return __atomic_exchange_n(hot_cell(cpu, d->vm.size), d,
				   __ATOMIC_ACQ_REL);
}

/*
 * An area for @rq from this CPU's cell of its size, LIVE again, or NULL.
 * The cell's area has the size; it must also sit inside the window at the
 * alignment, and a slot serves only what the blocks would serve.
 */
static struct vm_struct *hot_get(const struct area_request *rq)
{
	struct vmap_area *v;
	struct vm_desc **cell, *d;
	unsigned long addr;

	if (rq->size > (HOT_MAX_PAGES << PAGE_SHIFT) || rq->ram)
		return NULL;
	cell = hot_cell(vm_this_cpu(), rq->size);
	if (!__atomic_load_n(cell, __ATOMIC_RELAXED))
		return NULL;
	d = __atomic_exchange_n(cell, NULL, __ATOMIC_ACQ_REL);
	if (!d)
		return NULL;
	if (desc_flags(d) & VMD_SLOT) {
		uintptr_t *word = hot_holder(d);

		/* What the blocks serve: page aligned, the whole range. */
		if (unlikely(!vb_wants(rq))) {
			hot_drop(d);
			return NULL;
		}
		desc_refill(d, rq, VMD_SLOT);
		vb_unclaim_word(word, d);	/* release: the fields above */
		return &d->vm;
	}
	addr = (unsigned long)d->vm.addr;
	if ((addr & (rq->align - 1)) || addr < rq->vstart ||
	    addr >= rq->vend || rq->vend - addr < rq->size) {
		hot_drop(d);
		return NULL;
	}
	/*
	 * A tree area, with no lock: while it is dying only its claimer (we)
	 * writes its node's flags and descriptor, and lookups, walks and
	 * claims pass it by. The descriptor first, then the node (release:
	 * whoever sees the node alive sees the descriptor whole).
	 */
	v = hot_holder(d);
	desc_refill(d, rq, 0);
	__atomic_store_n(&d->state, VMD_LIVE, __ATOMIC_RELAXED);
	__atomic_store_n(&v->flags, va_flags(v) & ~VA_DYING, __ATOMIC_RELEASE);
	return &d->vm;
}

/*
 * get_vm_area()'s fast path (area.h): hot_get() for the plain request,
 * written out, so that the common pair costs two exchanges, one
 * compare-and-swap and no lock or call beyond the CPU id.
 */
struct vm_struct *area_get_hot(unsigned long size, unsigned long flags,
			       const void *caller)
{
	struct vm_desc **cell, *d;
	struct vmap_area *v;
	void *holder;

	if (size > (HOT_MAX_PAGES << PAGE_SHIFT) || !reg.hot)
		return NULL;
	cell = hot_cell(vm_this_cpu(), size);
	d = __atomic_exchange_n(cell, NULL, __ATOMIC_ACQ_REL);
	if (!d)
		return NULL;
	/*
	 * Any area of the size fits: the whole range at page alignment is
	 * every tree area's window, and what the blocks serve (no
	 * VM_IOREMAP or VM_NO_GUARD: the caller's part).
	 */
	holder = hot_holder(d);
	desc_refill_plain(d, flags, caller);
	if (desc_flags(d) & VMD_SLOT) {
		__atomic_store_n(&d->flags, (uint16_t)VMD_SLOT,
				 __ATOMIC_RELAXED);
		vb_unclaim_word(holder, d);	/* release: the fields above */
	} else {
		/* As hot_get(): the descriptor, then the node (release). */
		v = holder;
		__atomic_store_n(&d->flags, (uint16_t)0, __ATOMIC_RELAXED);
		__atomic_store_n(&d->state, VMD_LIVE, __ATOMIC_RELAXED);
		__atomic_store_n(&v->flags, va_flags(v) & ~VA_DYING,
				 __ATOMIC_RELEASE);
	}
	if (VM_DEBUG >= 2)
		area_check();
	return &d->vm;
}

/* Empty every cell (a shrinking purge). */
static void hot_flush(void)
{
	unsigned int c, i;

	if (!reg.hot)
		return;
	for (c = 0; c < vm_ncpus(); c++)
		for (i = 0; i <= HOT_MAX_PAGES; i++) {
			struct vm_desc **cell = &reg.hot[c].cell[i], *d;

			if (!__atomic_load_n(cell, __ATOMIC_RELAXED))
				continue;
			d = __atomic_exchange_n(cell, NULL, __ATOMIC_ACQ_REL);
			if (d)
				hot_drop(d);
		}
}

/* Areas in cells: slots and tree areas (approximate while calls run). */
static void hot_count(unsigned long *slots, unsigned long *tree)
{
	unsigned int c, i;

	*slots = *tree = 0;
	if (!reg.hot)
		return;
	for (c = 0; c < vm_ncpus(); c++)
		for (i = 0; i <= HOT_MAX_PAGES; i++) {
			struct vm_desc *d = __atomic_load_n(&reg.hot[c].cell[i],
							    __ATOMIC_ACQUIRE);

			if (d && (desc_flags(d) & VMD_SLOT))
				(*slots)++;
			else if (d)
				(*tree)++;
		}
}

static int claim_result(enum vb_claim r, struct vm_desc *d,
			struct vm_struct **out)
{
	switch (r) {
	case VB_CLAIMED:
		*out = &d->vm;
		return 0;
	case VB_REFUSED:
		return -VM_EPERM;
	default:
		return -VM_ENOENT;
	}
}

/*
 * Growing in place. The taken range is carved out of the arena as an
 * ordinary allocation, so the arena's counts and the tiling stay exact;
 * the busy node then absorbs it, and its arena node is kept aside for the
 * undo (which must give the range back without allocating).
 */
int area_extend(struct vm_struct *vm, unsigned long size,
		struct area_extension *x)
{
	struct vm_desc *d = vm_desc_of(vm);
	struct arena_node *n = NULL;
	struct vmap_area *v;
	unsigned long end, more;
	int err = -VM_ENOSPC;

	x->node = NULL;
	x->old_size = vm->size;
	if ((desc_flags(d) & VMD_SLOT) || size <= vm->size)
		return -VM_ENOSPC;
	more = size - vm->size;
	vm_lock(&reg.lock);
	v = claimed_node_locked(d);
	end = v->an.end;
	if (more <= reg.end - end) {
		if (arena_prepare_locked(&reg.arena))
			err = -VM_ENOMEM;
		else
			n = arena_alloc_locked(&reg.arena, more, PAGE_SIZE,
					       end, end + more);
	}
	if (n) {
		/* A claimed area: no lookup or walk reads it meanwhile. */
		v->an.end = n->end;
		d->vm.size = size;
		x->node = n;
		err = 0;
	}
	vm_unlock(&reg.lock);
	if (VM_DEBUG >= 2)
		area_check();
	return err;
}

void area_extend_end(struct vm_struct *vm, struct area_extension *x,
		     bool keep)
{
	struct vm_desc *d = vm_desc_of(vm);
	struct arena_node *n = x->node;
	struct vmap_area *v;

	vm_lock(&reg.lock);
	if (keep) {
		arena_discard_locked(&reg.arena, n);
	} else {
		v = claimed_node_locked(d);
		n->start = v->an.start + x->old_size;
		n->end = v->an.end;
		v->an.end = n->start;
		d->vm.size = x->old_size;
		arena_free_locked(&reg.arena, n);
	}
	vm_unlock(&reg.lock);
	x->node = NULL;
	if (VM_DEBUG >= 2)
		area_check();
}

/*
 * A claim the block directory could not settle: the busy tree decides.
 * With @retire, a tree area that was never mapped is retired in the same
 * hold of the lock (*out stays NULL; nothing of it is left to read).
 */
static __attribute__((noinline))
int claim_tree(unsigned long addr, const struct vm_struct *expect,
	       unsigned int how, bool retire, struct vm_struct **out,
	       void **holder)
{
	struct vmap_area *v;
	struct vm_desc *d = NULL, *old = NULL;
	enum vb_claim r;
	int err;

	vm_lock(&reg.lock);
	/* A tree area in O(1); else a block (a stale hint) or nothing. */
	v = hash_find_locked(addr);
	if (!v)
		v = busy_containing_locked(addr);
	if (v && (va_flags(v) & VA_BLOCK)) {
		/* Under the registry's lock the block cannot be reused. */
		r = vb_claim(v->block, addr, expect, how, &d);
		if (holder)
			*holder = v->block;
		vm_unlock(&reg.lock);
		return claim_result(r, d, out);
	}
	if (!v || v->an.start != addr || (va_flags(v) & VA_DYING)) {
		vm_unlock(&reg.lock);
		return -VM_ENOENT;
	}
	d = v->desc;
	err = desc_check_claim(d, expect, how);
	if (!err && retire && hot_wants(d)) {
		/* Validated, never mapped: claimed, into a hot cell. */
		v->flags |= VA_DYING;
		d->state = VMD_CLAIMED;
		old = hot_put(d, v, vm_this_cpu());
		if (old && !(desc_flags(old) & VMD_SLOT)) {
			hot_drop_tree_locked(old);
			old = NULL;
		}
	} else if (!err && retire && !(desc_flags(d) & VMD_MAPPED)) {
		/* Validated: retire at once (no PTE, no TLB entry). */
		tree_erase_locked(v);
		vm_counter_add_locked(&reg.busy_count, -1);
		arena_free_locked(&reg.arena, &v->an);
		desc_put_locked(d);
	} else if (!err) {
		v->flags |= VA_DYING;
		d->state = VMD_CLAIMED;
		*out = &d->vm;
		if (holder)
			*holder = v;
	}
	vm_unlock(&reg.lock);
	if (old)
		hot_drop(old);	/* a slot: its block's lock, not ours */
	return err;
}

int area_claim_held(unsigned long addr, const struct vm_struct *expect,
		    unsigned int how, struct vm_struct **out, void **holder)
{
	struct vm_block *b = vb_lookup(addr);
	struct vm_desc *d = NULL;
	enum vb_claim r;

	*out = NULL;
	/* The directory's hint first: no registry lock for a slot. */
	if (b) {
		r = vb_claim(b, addr, expect, how, &d);
		if (r != VB_ELSEWHERE) {
			if (holder)
				*holder = b;
			return claim_result(r, d, out);
		}
	}
	return claim_tree(addr, expect, how, false, out, holder);
}

int area_claim(unsigned long addr, const struct vm_struct *expect,
	       unsigned int how, struct vm_struct **out)
{
	return area_claim_held(addr, expect, how, out, NULL);
}

/*
 * area_claim() then area_retire(), written out, for free_vm_area(@vm):
 * the slot case, the bulk of the calls, retires the moment its claim
 * succeeds. First the fast path: a slot that was never mapped goes into
 * its block owner's hot cell after one lock-free claim (vb_claim_hot),
 * with no lock and no shared counter. Anything that does not settle
 * takes the general claim of the block (@b, the directory's hint that
 * vb_claim_hot found: one lookup), then the registry's tree.
 */
static __attribute__((noinline))
int free_claimed_or_tree(struct vm_struct *vm, struct vm_block *b)
{
	unsigned long addr = (unsigned long)vm->addr;
	struct vm_struct *out = NULL;
	struct vm_desc *d = NULL, *old;
	int err;

	if (b) {
		enum vb_claim r = vb_claim(b, addr, vm, 0, &d);

		if (r == VB_CLAIMED) {
			if (!hot_wants(d)) {
				retire_slot(b, d, false);
			} else {
				/* Then the descriptor is ours to write. */
				vb_quiesce(b);
				old = hot_put(d, vb_slot_word(b, d), vb_owner(b));
				if (old)
					hot_drop(old);
			}
			if (VM_DEBUG >= 2)
				area_check();
			return 0;
		}
		if (r != VB_ELSEWHERE) {
			err = claim_result(r, d, &out);
			goto out;
		}
	}
	err = claim_tree(addr, vm, 0, true, &out, NULL);
	if (!err && !out && VM_DEBUG >= 2)
		area_check();
out:
	if (out)
		area_retire(out, false);
	return err;
}

int area_free(struct vm_struct *vm)
{
	struct vm_block *b = NULL;
	struct vm_desc *old;
	unsigned int owner;
	uintptr_t *word;

	if (likely(reg.hot)) {
		word = vb_claim_hot((unsigned long)vm->addr, vm, HOT_REFUSE,
				    &b, &owner);
		if (likely(word)) {
			/* Claimed, no walk left in its block: ours to write. */
			old = hot_put(vm_desc_of(vm), word, owner);
			if (old)
				hot_drop(old);
			if (VM_DEBUG >= 2)
				area_check();
			return 0;
		}
	}
	return free_claimed_or_tree(vm, b);
}

void area_unclaim(struct vm_struct *vm)
{
	struct vm_desc *d = vm_desc_of(vm);

	if (desc_flags(d) & VMD_SLOT) {
		vb_unclaim(NULL, d);
		return;
	}
	vm_lock(&reg.lock);
	claimed_node_locked(d)->flags &= ~VA_DYING;
	d->state = VMD_LIVE;
	vm_unlock(&reg.lock);
}

void area_retire(struct vm_struct *vm, bool keep)
{
	struct vm_desc *d = vm_desc_of(vm);
	bool mapped = desc_flags(d) & VMD_MAPPED;

	if (desc_flags(d) & VMD_SLOT) {
		retire_slot(NULL, d, keep);
	} else {
		if (mapped)
			mapped = unmap_retiring(vm);
		if (retire_tree(d, mapped, keep))
			area_purge(false);
	}
	if (VM_DEBUG >= 2)
		area_check();
}

void area_put(struct vm_struct *vm)
{
	vm_lock(&reg.lock);
	desc_put_locked(vm_desc_of(vm));
	vm_unlock(&reg.lock);
}

bool area_removed_desc(const struct vm_struct *p)
{
	return kcache_owns(&reg.desc_cache, p) &&
	       vm_desc_of(p)->state == VMD_REMOVED;
}

/* ------------------------------------------------------------------ */
/* The area cache                                                      */
/* ------------------------------------------------------------------ */

/*
 * A cached area is claimed, as an area in a hot cell is (a slot: its
 * claim bit; a tree area: VA_DYING and VMD_CLAIMED), so lookups, walks
 * and claims pass it by and the tiling and counts stay exact; it keeps
 * VMD_MAPPED, its PTEs, its frames and its page array. Meanwhile its
 * descriptor's page_order (0 for every cached area) holds the caller's
 * key, and its phys_addr (unused by a VM_ALLOC area) what holds it: its
 * block, or its busy node, which the area comes back through without the
 * registry's lock (as from a hot cell).
 */
static inline struct vm_desc **ac_cell(struct area_cache_cpu *c,
				       unsigned long nr, unsigned int way)
{
	return &c->cell[nr - 1][way];
}

/* Room for one more area of @nr pages in @c, or false (nothing taken). */
static bool ac_reserve(struct area_cache_cpu *c, unsigned long nr)
{
	unsigned long now = __atomic_add_fetch(&c->used, AC_AREA + nr,
					       __ATOMIC_RELAXED);

	if (AC_AREAS(now) <= reg.ac_max_areas &&
	    AC_PAGES(now) <= reg.ac_max_pages)
		return true;
	__atomic_sub_fetch(&c->used, AC_AREA + nr, __ATOMIC_RELAXED);
	return false;
}

static inline void ac_unreserve(struct area_cache_cpu *c, unsigned long nr)
{
	__atomic_sub_fetch(&c->used, AC_AREA + nr, __ATOMIC_RELAXED);
}

/*
 * Retire cached area @d for good, as vfree() would have: its PTEs are
 * cleared and its range goes onto the lazy list (the next purge makes it
 * unreadable), its frames and page array are freed.
 * Context: no core lock held.
 */
static void ac_release(struct vm_desc *d)
{
	struct page **pages = d->vm.pages;
	unsigned long nr = d->vm.nr_pages;

	d->vm.phys_addr = 0;
	d->vm.page_order = 0;
	area_retire(&d->vm, false);
	pa_free_bulk(pages, nr);
	vm_kfree(pages, nr * sizeof(*pages));
	__atomic_add_fetch(&reg.ac_released, nr, __ATOMIC_RELAXED);
}

/* Put @d (reserved in @c) into a free way of its cell, else displace. */
static void ac_insert(struct area_cache_cpu *c, struct vm_desc *d,
		      unsigned long nr)
{
	struct vm_desc *old;
	unsigned int w;

	for (w = 0; w < AC_WAYS; w++) {
		struct vm_desc *none = NULL;

		if (__atomic_compare_exchange_n(ac_cell(c, nr, w), &none, d,
						false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return;
	}
	/* Every way is taken: the area just freed (the warmest) stays. */
	old = __atomic_exchange_n(ac_cell(c, nr, 0), d, __ATOMIC_ACQ_REL);
	if (old) {
		ac_unreserve(c, nr);
		ac_release(old);
	}
}

bool area_cache_enabled(void)
{
	return reg.ac != NULL;
}

bool area_cache_room(unsigned long nr)
{
	unsigned long used;

	if (!reg.ac || !nr || nr > AREA_CACHE_MAX_PAGES)
		return false;
	used = __atomic_load_n(&reg.ac[vm_this_cpu()].used, __ATOMIC_RELAXED);
	return AC_AREAS(used) < reg.ac_max_areas &&
	       AC_PAGES(used) + nr <= reg.ac_max_pages;
}

bool area_cache_held(void)
{
	unsigned int cpu;

	if (reg.ac)
		for (cpu = 0; cpu < vm_ncpus(); cpu++)
			if (__atomic_load_n(&reg.ac[cpu].used, __ATOMIC_RELAXED))
				return true;
	return false;
}

unsigned long area_cache_frames(void)
{
	unsigned long n = __atomic_load_n(&reg.ac_released, __ATOMIC_RELAXED);
	unsigned int cpu;

	if (reg.ac)
		for (cpu = 0; cpu < vm_ncpus(); cpu++)
			n += AC_PAGES(__atomic_load_n(&reg.ac[cpu].used,
						      __ATOMIC_RELAXED));
	return n;
}

unsigned long area_cache_take_released(void)
{
	return __atomic_exchange_n(&reg.ac_released, 0, __ATOMIC_RELAXED);
}

bool area_cache_put(struct vm_struct *vm, unsigned int key, void *holder)
{
	struct vm_desc *d = vm_desc_of(vm);
	unsigned long nr = vm->nr_pages;
	struct area_cache_cpu *c;

	if (!reg.ac || !nr || nr > AREA_CACHE_MAX_PAGES || vm->page_order ||
	    vm->size != (nr + 1) << PAGE_SHIFT ||
	    (desc_flags(d) & (VMD_MAPPED | VMD_INTERNAL | VMD_UNINIT |
			      VMD_RAM)) != VMD_MAPPED)
		return false;
	c = &reg.ac[vm_this_cpu()];
	if (!ac_reserve(c, nr))
		return false;
	if (desc_flags(d) & VMD_SLOT) {
		/* A walk that found the slot before the claim may read it:
		 * its caller field changes without the block's lock. */
		if (!holder)
			holder = vb_lookup((unsigned long)vm->addr);
		vb_quiesce(holder);
	} else if (!holder) {
		vm_lock(&reg.lock);
		holder = claimed_node_locked(d);
		vm_unlock(&reg.lock);
	}
	vm->page_order = key;
	vm->phys_addr = (unsigned long)holder;
	ac_insert(c, d, nr);
	if (VM_DEBUG >= 2)
		area_check();
	return true;
}

struct vm_struct *area_cache_get(unsigned long nr, unsigned int key,
				 unsigned int mask, const void *caller)
{
	struct area_cache_cpu *c;
	struct vm_desc **cell, *d;
	unsigned int w;

	if (!reg.ac || !nr || nr > AREA_CACHE_MAX_PAGES)
		return NULL;
	c = &reg.ac[vm_this_cpu()];
	for (w = AC_WAYS; w--;) {
		struct vm_desc *none = NULL;

		cell = ac_cell(c, nr, w);
		if (!__atomic_load_n(cell, __ATOMIC_RELAXED))
			continue;
		d = __atomic_exchange_n(cell, NULL, __ATOMIC_ACQUIRE);
		if (!d)
			continue;
		if ((d->vm.page_order & mask) == key) {
			ac_unreserve(c, nr);
			d->vm.page_order = 0;
			d->vm.caller = caller;
			return &d->vm;
		}
		/* Not for this request: back into its way, if still free. */
		if (!__atomic_compare_exchange_n(cell, &none, d, false,
						 __ATOMIC_RELEASE,
						 __ATOMIC_RELAXED)) {
			ac_unreserve(c, nr);
			ac_release(d);
		}
	}
	return NULL;
}

void area_cache_publish(struct vm_struct *vm)
{
	struct vm_desc *d = vm_desc_of(vm);
	void *holder = (void *)vm->phys_addr;

	vm->phys_addr = 0;
	if (desc_flags(d) & VMD_SLOT) {
		vb_unclaim(holder, d);	/* release: the fields above */
	} else {
		/*
		 * No lock, as hot_get(): while its node is dying only its
		 * claimer writes it. The descriptor first, then the node
		 * (release: whoever sees the node alive sees it whole).
		 */
		struct vmap_area *v = holder;

		__atomic_store_n(&d->state, VMD_LIVE, __ATOMIC_RELAXED);
		__atomic_store_n(&v->flags, va_flags(v) & ~VA_DYING,
				 __ATOMIC_RELEASE);
	}
	if (VM_DEBUG >= 2)
		area_check();
}

unsigned long area_cache_drain(void)
{
	unsigned long nr, pages = 0;
	unsigned int cpu, w;

	if (!reg.ac)
		return 0;
	for (cpu = 0; cpu < vm_ncpus(); cpu++) {
		struct area_cache_cpu *c = &reg.ac[cpu];

		if (!__atomic_load_n(&c->used, __ATOMIC_RELAXED))
			continue;
		for (nr = 1; nr <= AREA_CACHE_MAX_PAGES; nr++)
			for (w = 0; w < AC_WAYS; w++) {
				struct vm_desc **cell = ac_cell(c, nr, w), *d;

				if (!__atomic_load_n(cell, __ATOMIC_RELAXED))
					continue;
				d = __atomic_exchange_n(cell, NULL,
							__ATOMIC_ACQUIRE);
				if (!d)
					continue;
				ac_unreserve(c, nr);
				ac_release(d);
				pages += nr;
			}
	}
	return pages;
}

/* Cached areas (approximate while calls run): what stats count out. */
struct ac_counts {
	unsigned long slots, tree, pages, array_bytes;
};

static void ac_count(struct ac_counts *n)
{
	unsigned long nr;
	unsigned int cpu, w;

	vm_memset(n, 0, sizeof(*n));
	if (!reg.ac)
		return;
	for (cpu = 0; cpu < vm_ncpus(); cpu++) {
		struct area_cache_cpu *c = &reg.ac[cpu];

		if (!__atomic_load_n(&c->used, __ATOMIC_RELAXED))
			continue;
		for (nr = 1; nr <= AREA_CACHE_MAX_PAGES; nr++)
			for (w = 0; w < AC_WAYS; w++) {
				struct vm_desc *d = __atomic_load_n(
					ac_cell(c, nr, w), __ATOMIC_ACQUIRE);

				if (!d)
					continue;
				if (desc_flags(d) & VMD_SLOT)
					n->slots++;
				else
					n->tree++;
				n->pages += nr;
				n->array_bytes += vm_kmalloc_bytes(
					nr * sizeof(struct page *));
			}
	}
}

/* ------------------------------------------------------------------ */
/* vm_map_ram                                                          */
/* ------------------------------------------------------------------ */

/*
 * A vm_map_ram() mapping has no vm_struct in the kernel. Here a small one
 * (VB_RAM_MAX_PAGES with its guard page) is a run of pages of a ram block
 * (vmap_block.c), with no descriptor at all; a larger one, or one that
 * finds no 2 MiB-aligned room for a block (or all with the fast path
 * off), is a tree area whose descriptor carries VMD_RAM: only
 * vm_unmap_ram() claims it, lookups (find_vm_area) never return it, and
 * walks (vread, vmallocinfo) see both kinds.
 */
int area_ram_alloc(unsigned long pages, const void *caller,
		   struct area_ram *r)
{
	struct area_request rq = {
		.size = (pages + 1) << PAGE_SHIFT, .align = PAGE_SIZE,
		.vstart = reg.start, .vend = reg.end, .whole = true,
		.caller = caller, .uninit = true, .ram = true,
	};
	unsigned int tries;
	int err = -VM_ENOSPC;

	r->vm = NULL;
	if (reg.fast_path && pages + 1 <= VB_RAM_MAX_PAGES) {
		err = vb_ram_alloc((unsigned int)pages + 1, &r->addr);
		for (tries = 0; err == -VM_ENOSPC && tries < NEW_BLOCK_TRIES;
		     tries++) {
			err = new_block(&rq);
			if (err)
				break;
			err = vb_ram_alloc((unsigned int)pages + 1, &r->addr);
		}
		if (err != -VM_ENOSPC) {
			if (VM_DEBUG >= 2)
				area_check();
			return err;
		}
	}
	r->vm = tree_alloc(&rq, &err);
	if (VM_DEBUG >= 2)
		area_check();
	if (!r->vm)
		return err;
	r->addr = (unsigned long)r->vm->addr;
	return 0;
}

void area_ram_publish(struct area_ram *r)
{
	if (r->vm) {
		area_mark_mapped(r->vm);
		area_ready(r->vm);
	} else {
		vb_ram_publish(r->addr);
	}
}

void area_ram_cancel(struct area_ram *r)
{
	struct vm_struct *vm;

	if (!r->vm) {
		vb_ram_cancel(r->addr);
	} else if (area_claim(r->addr, r->vm, AREA_CORE, &vm)) {
		vm_bug("vmap_area: vm_map_ram area at 0x%lx is gone", r->addr);
		return;
	} else {
		area_retire(vm, false);
		return;		/* area_retire() ran the sanity walk */
	}
	if (VM_DEBUG >= 2)
		area_check();
}

int area_ram_free(unsigned long addr, unsigned long pages,
		  unsigned long *found)
{
	struct vm_block *b = vb_lookup(addr);
	enum vb_claim r = VB_ELSEWHERE;
	unsigned int f = 0;
	struct vm_struct *vm;

	*found = 0;
	if (b)
		r = vb_ram_claim(b, addr, (unsigned int)vm_min(pages + 1,
				 (unsigned long)UINT_MAX), &f);
	switch (r) {
	case VB_CLAIMED:
		unmap_held(addr, addr + (pages << PAGE_SHIFT));
		if (vb_ram_retire(addr))
			area_purge(false);
		if (VM_DEBUG >= 2)
			area_check();
		return 0;
	case VB_REFUSED:
		*found = f - 1;
		return -VM_EINVAL;
	case VB_NONE:
		return -VM_ENOENT;
	default:
		break;
	}
	if (area_claim(addr, NULL, AREA_RAM, &vm))
		return -VM_ENOENT;
	if (vm->size >> PAGE_SHIFT != pages + 1) {
		*found = (vm->size >> PAGE_SHIFT) - 1;
		area_unclaim(vm);
		return -VM_EINVAL;
	}
	area_retire(vm, false);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Congruent areas (pcpu_get_vm_areas)                                 */
/* ------------------------------------------------------------------ */

int area_alloc_congruent(const unsigned long *rel, const unsigned long *len,
			 unsigned int n, unsigned long align,
			 const struct area_request *rq, struct vm_struct **out)
{
	struct area_request one = *rq;
	unsigned long base = 0;
	bool found = false, purged = false;
	unsigned int i;

	vm_lock(&reg.lock);
	for (;;) {
		/* Every node and descriptor first: the commit cannot fail. */
		if (arena_prepare_many_locked(&reg.arena, n) ||
		    !desc_prepare_many_locked(n)) {
			vm_unlock(&reg.lock);
			return -VM_ENOMEM;
		}
		found = arena_find_congruent_locked(&reg.arena, rel, len, n,
						    align, rq->vstart,
						    rq->vend, &base);
		if (found || purged)
			break;
		vm_unlock(&reg.lock);
		area_purge(true);
		purged = true;
		vm_lock(&reg.lock);
	}
	if (!found) {
		vm_unlock(&reg.lock);
		return -VM_ENOSPC;
	}
	for (i = 0; i < n; i++) {
		struct arena_node *an = arena_alloc_at_locked(&reg.arena,
							      base + rel[i],
							      len[i]);
		struct vmap_area *v;
		struct vm_desc *d;

		if (!an) {	/* the search said it was free */
			vm_bug("vmap_area: congruent range 0x%lx is not free",
			       base + rel[i]);
			break;
		}
		v = container_of(an, struct vmap_area, an);
		v->flags = 0;
		d = desc_get_locked();
		v->desc = d;
		one.size = len[i];
		desc_fill(d, an->start, &one, 0);
		tree_insert_locked(v);
		vm_counter_add_locked(&reg.busy_count, 1);
		out[i] = &d->vm;
	}
	vm_unlock(&reg.lock);
	if (VM_DEBUG >= 2)
		area_check();
	return i == n ? 0 : -VM_EUCLEAN;
}

/* ------------------------------------------------------------------ */
/* Purge                                                               */
/* ------------------------------------------------------------------ */

static struct vmap_area *merge_lists(struct vmap_area *a, struct vmap_area *b)
{
	struct vmap_area *head = NULL, **tail = &head;

	while (a && b) {
		if (a->an.start < b->an.start) {
			*tail = a;
			a = a->lazy_next;
		} else {
			*tail = b;
			b = b->lazy_next;
		}
		tail = &(*tail)->lazy_next;
	}
	*tail = a ? a : b;
	return head;
}

/*
 * Sort a lazy list by address. Areas are often freed in address order,
 * which the push-front list holds reversed: both orders take one pass.
 * Anything else: bottom-up merge sort.
 */
static struct vmap_area *sort_by_start(struct vmap_area *l)
{
	struct vmap_area *bins[64] = { NULL }, *v, *rev = NULL, *res = NULL;
	bool up = true, down = true;
	unsigned int i;

	for (v = l; v && v->lazy_next; v = v->lazy_next) {
		up = up && v->an.start < v->lazy_next->an.start;
		down = down && v->an.start > v->lazy_next->an.start;
	}
	if (up)
		return l;
	if (down) {
		while (l) {
			v = l;
			l = l->lazy_next;
			v->lazy_next = rev;
			rev = v;
		}
		return rev;
	}
	while (l) {
		v = l;
		l = l->lazy_next;
		v->lazy_next = NULL;
		for (i = 0; bins[i]; i++) {
			v = merge_lists(bins[i], v);
			bins[i] = NULL;
		}
		bins[i] = v;
	}
	for (i = 0; i < ARRAY_SIZE(bins); i++)
		if (bins[i])
			res = merge_lists(bins[i], res);
	return res;
}

/*
 * The TLB flushes of one purge: each run on its own while there are
 * few (so a kernel can use invlpg), else one span over all of them.
 */
struct flush_set {
	unsigned long start[FLUSH_RUNS_MAX], end[FLUSH_RUNS_MAX];
	unsigned int n;
	unsigned long lo, hi;
	bool spill;
};

static void flush_note(void *arg, unsigned long start, unsigned long end)
{
	struct flush_set *fs = arg;

	if (fs->n < FLUSH_RUNS_MAX) {
		fs->start[fs->n] = start;
		fs->end[fs->n] = end;
		fs->n++;
	} else {
		fs->spill = true;
	}
	fs->lo = vm_min(fs->lo, start);
	fs->hi = vm_max(fs->hi, end);
}

static void flush_all(struct flush_set *fs)
{
	unsigned int i;

	if (fs->spill) {
		vm_flush_tlb(fs->lo, fs->hi);
		return;
	}
	for (i = 0; i < fs->n; i++)
		vm_flush_tlb(fs->start[i], fs->end[i]);
}

/*
 * Unmap (sync_unmap) and note for the flush each run of adjacent lazy
 * areas: one call per run. Return the pages; *count gets the areas.
 */
static unsigned long sync_runs(struct vmap_area *list, struct flush_set *fs,
			       unsigned long *count)
{
	unsigned long pages = 0;
	struct vmap_area *v = list;

	*count = 0;
	while (v) {
		unsigned long start = v->an.start, end = v->an.end;

		for (;;) {
			pages += va_size(v) >> PAGE_SHIFT;
			(*count)++;
			end = v->an.end;
			v = v->lazy_next;
			if (!v || v->an.start != end)
				break;
		}
		/*
		 * Up to the last area's data: the guard pages in between are
		 * covered, the trailing one is left alone (see sync_unmap).
		 */
		vm_sync_unmap(start, end - start - PAGE_SIZE);
		flush_note(fs, start, end);
	}
	return pages;
}

bool area_purge(bool shrink)
{
	struct flush_set fs = { .lo = ULONG_MAX };
	struct vb_purge bp = { 0 };
	struct vmap_area *list, *v, *next;
	struct vm_block *b, *bnext;
	unsigned long count = 0, pages = 0;

	/* Before the purge lock: a drain frees frames (release() is a call
	 * out) and its retirements may start a lazy purge of their own. */
	if (shrink)
		area_cache_drain();
	vm_lock(&reg.purge_lock);
	if (shrink)
		hot_flush();	/* before the blocks: they may empty */
	vb_purge_collect(&bp, shrink);
	vm_lock(&reg.lock);
	list = reg.lazy;
	reg.lazy = NULL;
	vm_unlock(&reg.lock);
	if (!list && !bp.blocks && !bp.empty) {
		vm_unlock(&reg.purge_lock);
		return false;
	}

	/* The platform's hooks, with only the purge lock held. */
	list = sort_by_start(list);
	vm_log_defer_begin();
	pages = sync_runs(list, &fs, &count);
	vb_purge_sync(&bp, flush_note, &fs);
	flush_all(&fs);
	vm_log_defer_end();
	vb_purge_finish(&bp);
	lazy_add(-(long)(pages + bp.pages));

	vm_lock(&reg.lock);
	for (v = list; v; v = next) {
		next = v->lazy_next;
		arena_free_locked(&reg.arena, &v->an);
	}
	for (b = bp.empty; b; b = bnext) {
		bnext = vb_next_empty(b);
		v = busy_containing_locked(vb_start(b));
		if (!v || !(va_flags(v) & VA_BLOCK) || v->block != b) {
			vm_bug("vmap_area: released block at 0x%lx not busy",
			       vb_start(b));
			continue;
		}
		busy_erase_locked(v);
		vb_forget(b);
		arena_free_locked(&reg.arena, &v->an);
	}
	vm_counter_add_locked(&reg.purges, 1);
	vm_counter_add_locked(&reg.purged_areas, (long)(count + bp.slots));
	vm_unlock(&reg.lock);
	vm_unlock(&reg.purge_lock);
	vm_log_flush();
	if (VM_DEBUG >= 2)
		area_check();
	return true;
}

/* ------------------------------------------------------------------ */
/* Lookups and walks                                                   */
/* ------------------------------------------------------------------ */

struct vm_struct *area_find(unsigned long addr, bool containing)
{
	struct vm_desc *d = NULL;
	struct vmap_area *v;

	vm_lock(&reg.lock);
	v = busy_containing_locked(addr);
	if (v && (va_flags(v) & VA_BLOCK))
		d = vb_find(v->block, addr, containing);
	else if (v && !(va_flags(v) & VA_DYING) &&
		 (containing || v->an.start == addr))
		d = v->desc;
	if (d && desc_check_claim(d, NULL, 0))
		d = NULL;	/* the core's own area */
	vm_unlock(&reg.lock);
	return d ? &d->vm : NULL;
}

void area_walk(unsigned long from, unsigned long to,
	       bool (*fn)(struct vm_struct *vm, void *arg), void *arg)
{
	struct vmap_area *v;

	vm_lock(&reg.lock);
	for (v = busy_first_after_locked(from); v && v->an.start < to;
	     v = busy_next(v)) {
		if (va_flags(v) & VA_BLOCK) {
			if (vb_walk(v->block, from, to, fn, arg))
				break;
		} else if (!(va_flags(v) & VA_DYING) && fn(&v->desc->vm, arg)) {
			break;
		}
	}
	vm_unlock(&reg.lock);
}

void area_walk_lazy(void (*fn)(unsigned long start, unsigned long size,
			       void *arg), void *arg)
{
	struct vmap_area *v;

	vm_lock(&reg.lock);
	for (v = reg.lazy; v; v = v->lazy_next)
		fn(v->an.start, va_size(v), arg);
	vm_unlock(&reg.lock);
}

/* ------------------------------------------------------------------ */
/* Set-up, stats, sanity                                               */
/* ------------------------------------------------------------------ */

int area_init(unsigned long lazy_max_pages, bool fast_path,
	      unsigned long cache_pages, unsigned long cache_areas)
{
	int err;

	vm_memset(&reg, 0, sizeof(reg));
	reg.start = vm_plat->vmalloc_start;
	reg.end = vm_plat->vmalloc_end;
	reg.lazy_max = lazy_max_pages;
	reg.fast_path = fast_path;
	vm_lock_init(&reg.lock, "vmap_area", VM_RANK_AREA);
	vm_lock_init(&reg.purge_lock, "vmap_purge", VM_RANK_PURGE);
	kcache_init(&reg.desc_cache, "vm_struct", sizeof(struct vm_desc));
	err = arena_init(&reg.arena, "vmap_area", reg.start, reg.end,
			 sizeof(struct vmap_area), &reg.lock);
	if (err)
		goto fail;
	err = vb_init(lazy_max_pages, &reg.desc_cache, &reg.lazy_pages);
	if (err)
		goto no_blocks;
	err = -VM_ENOMEM;
	reg.hash_shift = 64 - HASH_MIN_BITS;
	reg.hash = vm_plat->meta_alloc(vm_plat->ctx, hash_bytes(reg.hash_shift));
	if (!reg.hash)
		goto no_hash;
	vm_memset(reg.hash, 0, hash_bytes(reg.hash_shift));
	if (fast_path) {
		reg.hot_bytes = vm_ncpus() * sizeof(struct hot_cells);
		reg.hot = vm_plat->meta_alloc(vm_plat->ctx, reg.hot_bytes);
		if (!reg.hot)
			goto no_hot;
		vm_memset(reg.hot, 0, reg.hot_bytes);
	}
	/* Reuse at an old address is not lowest fit: off with the fast
	 * path, as the hot cells are. */
	if (fast_path && cache_pages && cache_areas) {
		reg.ac_bytes = vm_ncpus() * sizeof(struct area_cache_cpu);
		reg.ac = vm_plat->meta_alloc(vm_plat->ctx, reg.ac_bytes);
		if (!reg.ac)
			goto no_cache;
		vm_memset(reg.ac, 0, reg.ac_bytes);
		reg.ac_max_pages = cache_pages;
		reg.ac_max_areas = cache_areas;
	}
	return 0;
	/* Undone in the reverse order of set-up. */
no_cache:
	if (reg.hot)
		vm_plat->meta_free(vm_plat->ctx, reg.hot, reg.hot_bytes);
no_hot:
	vm_plat->meta_free(vm_plat->ctx, reg.hash, hash_bytes(reg.hash_shift));
no_hash:
	vb_exit();
no_blocks:
	arena_destroy(&reg.arena);
fail:
	kcache_destroy(&reg.desc_cache);
	vm_lock_destroy(&reg.lock);
	vm_lock_destroy(&reg.purge_lock);
	return err;
}

void area_exit(void)
{
	if (reg.ac)
		vm_plat->meta_free(vm_plat->ctx, reg.ac, reg.ac_bytes);
	if (reg.hot)
		vm_plat->meta_free(vm_plat->ctx, reg.hot, reg.hot_bytes);
	if (reg.hash)
		vm_plat->meta_free(vm_plat->ctx, reg.hash,
				   hash_bytes(reg.hash_shift));
	vb_exit();
	arena_destroy(&reg.arena);
	kcache_destroy(&reg.desc_cache);
	vm_lock_destroy(&reg.lock);
	vm_lock_destroy(&reg.purge_lock);
	vm_memset(&reg, 0, sizeof(reg));
}

void area_get_stats(struct area_stats *st)
{
	unsigned long hot_slots, hot_tree;
	struct ac_counts ac;
	struct vb_counts c;

	vb_stats(&c);
	hot_count(&hot_slots, &hot_tree);
	ac_count(&ac);
	/* Areas in hot cells and in the area cache are free to their
	 * users: counted out, their metadata as held in stock. */
	hot_slots += ac.slots;
	hot_tree += ac.tree;
	st->cache_areas = ac.slots + ac.tree;
	st->cache_pages = ac.pages;
	st->areas = vm_counter_read(&reg.areas) + (unsigned long)c.areas -
		    hot_slots - hot_tree;
	st->busy = vm_counter_read(&reg.busy_count) + (unsigned long)c.busy -
		   hot_slots - hot_tree;
	st->lazy_pages = vm_stat_read(&reg.lazy_pages) + (unsigned long)c.lazy;
	st->lazy_max_pages = reg.lazy_max;
	st->blocks = c.blocks;
	st->purges = vm_counter_read(&reg.purges);
	st->purged_areas = vm_counter_read(&reg.purged_areas);
	st->meta_stock_bytes = c.stock_bytes +
			       arena_stock_bytes(&reg.arena) +
			       (vm_counter_read(&reg.descs.n) + hot_slots +
				hot_tree) * reg.desc_cache.size +
			       hot_tree * reg.arena.nodes.size +
			       ac.array_bytes;
}

/* Busy node @v, a tree area: does its descriptor agree? */
static bool tree_area_ok(const struct vmap_area *v)
{
	const struct vm_desc *d = v->desc;
	uint32_t state = d ? __atomic_load_n(&d->state, __ATOMIC_RELAXED) : 0;

	/*
	 * Dying: claimed, or on its way out of a hot cell (hot_get makes the
	 * descriptor LIVE, then the node, without the lock).
	 */
	if (!(va_flags(v) & VA_DYING) ? state != VMD_LIVE :
	    state != VMD_CLAIMED && state != VMD_LIVE)
		return false;
	return
	       (unsigned long)d->vm.addr == v->an.start &&
	       d->vm.size == va_size(v) && !(desc_flags(d) & VMD_SLOT);
}

static const char *check_locked(void)
{
	struct arena_node *f = arena_first_locked(&reg.arena);
	struct rb_node *bn = rb_first(&reg.busy);
	struct vmap_area *lz;
	unsigned long pos = reg.start, lazy_pages = 0, busy = 0, tree_areas = 0;
	struct vb_counts c;
	const char *why;

	vm_lock_assert_held(&reg.lock);
	why = arena_check_locked(&reg.arena);
	if (why)
		return why;
	if (rb_check(&reg.busy) < 0)
		return "busy tree: red-black invariant broken";
	reg.lazy = sort_by_start(reg.lazy);	/* order does not matter */
	lz = reg.lazy;
	/* Free, busy and lazy ranges must tile the whole range. */
	while (pos != reg.end) {
		struct vmap_area *b = bn ? to_va(bn) : NULL;
		unsigned long s, e;

		if (f && f->start == pos) {
			s = f->start;
			e = f->end;
			f = arena_next_locked(&reg.arena, f);
		} else if (b && b->an.start == pos) {
			s = b->an.start;
			e = b->an.end;
			if (va_flags(b) & VA_BLOCK) {
				unsigned long live = 0, dirty = 0;

				why = vb_check_locked(b->block, s, e - s, &live,
						      &dirty);
				if (why)
					return why;
				busy += live;
				lazy_pages += dirty;
			} else {
				busy++;
				tree_areas++;
				if (!tree_area_ok(b))
					return "busy area and its vm_struct disagree";
				if (hash_find_locked(s) != b)
					return "tree area missing from the hash";
			}
			bn = rb_next(bn);
		} else if (lz && lz->an.start == pos) {
			s = lz->an.start;
			e = lz->an.end;
			lazy_pages += (e - s) >> PAGE_SHIFT;
			lz = lz->lazy_next;
		} else {
			break;
		}
		if (e <= s || !VM_IS_ALIGNED(s | e, PAGE_SIZE))
			return "empty or unaligned range";
		pos = e;
	}
	if (pos != reg.end || f || bn || lz)
		return "ranges overlap or leave a hole";
	if (tree_areas != reg.hash_count)
		return "hash count wrong";
	vb_stats(&c);
	if (lazy_pages != vm_stat_read(&reg.lazy_pages) + (unsigned long)c.lazy)
		return "lazy page count wrong";
	if (busy != vm_counter_read(&reg.busy_count) + (unsigned long)c.busy)
		return "busy count wrong";
	return NULL;
}

int area_check(void)
{
	const char *why;

	/* Purge, registry and every block lock: nothing moves while we look. */
	vm_lock(&reg.purge_lock);
	vm_lock(&reg.lock);
	vb_lock_all();
	why = check_locked();
	vb_unlock_all();
	vm_unlock(&reg.lock);
	vm_unlock(&reg.purge_lock);
	if (why) {
		vm_bug("vmap_area: %s", why);
		return -VM_EUCLEAN;
	}
	return 0;
}
