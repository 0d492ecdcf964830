/* SPDX-License-Identifier: MIT */
/*
 * The area layer: lowest-address first fit over an augmented red-black
 * tree of free blocks, a red-black tree of busy ranges, descriptors, and
 * lazy freeing with batched purges. Small requests go to the per-CPU
 * blocks of vmap_block.c first.
 *
 * Finding a block: every free-tree node knows the largest free block in
 * its subtree, so the search visits blocks in address order and skips
 * any subtree that cannot hold the request, and any block that ends
 * before the window. The first block that holds an aligned request
 * inside the window wins: O(log n) for page-aligned requests, plus the
 * blocks that are big enough but fail the alignment or window test.
 *
 * Carving the request [a, a + size) out of free block [s, e):
 *
 *   whole block   |<-------- busy -------->|          node becomes busy
 *                 s                        e
 *   left edge     |<-- busy -->|<-- free ->|          free.start = a + size
 *   right edge    |<-- free -->|<-- busy ->|          free.end = a
 *   middle        |<- free ->|<-busy->|<-free->|      free.end = a, plus a
 *                                                     new node for the tail
 *
 * Only the middle case needs a second node, and it is taken from a small
 * stock refilled before anything changes, so carving never fails.
 *
 * Giving a block back merges it with its free neighbours:
 *
 *   [prev][ v ][next]  ->  [prev.........next]   both adjacent: prev grows
 *   [prev][ v ]  ...   ->  [prev......]  ...     prev grows
 *    ...  [ v ][next]  ->   ...  [......next]    next grows to the left
 *    ...  [ v ]  ...   ->  a new node
 */
#include "vmap_internal.h"
#include "pgtable.h"
#include "slab.h"

#define VA_SPARE_MAX	64
#define FLUSH_RUNS_MAX	16	/* a purge flushes run by run up to this */

static struct {
	struct vm_lock lock;		/* everything below but purge_lock */
	struct vm_lock purge_lock;	/* one purge at a time */
	struct rb_root free_root;
	struct rb_root busy_root;
	struct vmap_area *lazy;		/* freed, awaiting the next purge */
	unsigned long lazy_pages;	/* lazy list + dirty slots (atomic) */
	unsigned long lazy_max;
	unsigned long areas;		/* live + removed descriptors */
	unsigned long busy;		/* live ranges */
	unsigned long purges;
	unsigned long purged_areas;
	struct vmap_area *spare;	/* node stock, via lazy_next */
	unsigned int nr_spare;
	struct vm_desc *descs;		/* descriptor stock, via first word */
	unsigned int nr_descs;
	struct kcache node_cache;
	struct kcache desc_cache;
	unsigned long start, end;
} va;

static inline struct vmap_area *to_va(const struct rb_node *n)
{
	return container_of(n, struct vmap_area, rb_node);
}

static inline unsigned long va_size(const struct vmap_area *v)
{
	return v->va_end - v->va_start;
}

static inline unsigned long subtree_max(const struct rb_node *n)
{
	return n ? to_va(n)->subtree_max_size : 0;
}

/* Free-tree augmentation: the largest block in the subtree. */
static bool free_recompute(struct rb_node *n)
{
	struct vmap_area *v = to_va(n);
	unsigned long m = va_size(v);

	m = vm_max(m, subtree_max(n->left));
	m = vm_max(m, subtree_max(n->right));
	if (v->subtree_max_size == m)
		return false;
	v->subtree_max_size = m;
	return true;
}

/* The tree's counters change under va.lock: plain stores, atomic reads. */
static void count_locked(long areas, long busy)
{
	vm_lock_assert_held(&va.lock);
	if (areas)
		__atomic_store_n(&va.areas, va.areas + (unsigned long)areas,
				 __ATOMIC_RELAXED);
	if (busy)
		__atomic_store_n(&va.busy, va.busy + (unsigned long)busy,
				 __ATOMIC_RELAXED);
}

bool va_lazy_add(long pages)
{
	unsigned long now = __atomic_add_fetch(&va.lazy_pages,
					       (unsigned long)pages,
					       __ATOMIC_RELAXED);

	return pages > 0 && now > va.lazy_max;
}

/* ------------------------------------------------------------------ */
/* Node stock and descriptors                                          */
/* ------------------------------------------------------------------ */

/*
 * Make sure two nodes (the most one carve can need) and, with @desc, one
 * descriptor are in stock, so that what follows cannot fail.
 */
static bool stock_locked(bool desc)
{
	vm_lock_assert_held(&va.lock);
	while (va.nr_spare < 2) {
		struct vmap_area *v = kcache_alloc(&va.node_cache);

		if (!v)
			return false;
		v->lazy_next = va.spare;
		va.spare = v;
		__atomic_store_n(&va.nr_spare, va.nr_spare + 1, __ATOMIC_RELAXED);
	}
	if (desc && !va.descs) {
		struct vm_desc *d = kcache_alloc(&va.desc_cache);

		if (!d)
			return false;
		*(struct vm_desc **)d = NULL;
		va.descs = d;
		__atomic_store_n(&va.nr_descs, 1, __ATOMIC_RELAXED);
	}
	return true;
}

static struct vmap_area *node_get_locked(void)
{
	struct vmap_area *v = va.spare;

	vm_lock_assert_held(&va.lock);
	va.spare = v->lazy_next;
	__atomic_store_n(&va.nr_spare, va.nr_spare - 1, __ATOMIC_RELAXED);
	vm_memset(v, 0, sizeof(*v));
	return v;
}

static void node_put_locked(struct vmap_area *v)
{
	vm_lock_assert_held(&va.lock);
	if (va.nr_spare < VA_SPARE_MAX) {
		v->lazy_next = va.spare;
		va.spare = v;
		__atomic_store_n(&va.nr_spare, va.nr_spare + 1, __ATOMIC_RELAXED);
	} else {
		kcache_free(&va.node_cache, v);
	}
}

/* A descriptor from the stock (stock_locked(true) made sure of one). */
static struct vm_desc *desc_get_locked(void)
{
	struct vm_desc *d = va.descs;

	vm_lock_assert_held(&va.lock);
	va.descs = *(struct vm_desc **)d;
	__atomic_store_n(&va.nr_descs, va.nr_descs - 1, __ATOMIC_RELAXED);
	count_locked(1, 0);
	return d;
}

static void desc_put_locked(struct vm_desc *d)
{
	vm_lock_assert_held(&va.lock);
	d->state = VMD_FREE;
	count_locked(-1, 0);
	if (va.nr_descs < VA_SPARE_MAX) {
		*(struct vm_desc **)d = va.descs;
		va.descs = d;
		__atomic_store_n(&va.nr_descs, va.nr_descs + 1, __ATOMIC_RELAXED);
	} else {
		kcache_free(&va.desc_cache, d);
	}
}

static void desc_free(struct vm_desc *d)
{
	vm_lock(&va.lock);
	desc_put_locked(d);
	vm_unlock(&va.lock);
}

unsigned int va_desc_alloc_batch(struct vm_desc **list, unsigned int n)
{
	unsigned int got = 0;

	while (got < n) {
		struct vm_desc *d = kcache_alloc(&va.desc_cache);

		if (!d)
			break;
		*(struct vm_desc **)d = *list;
		*list = d;
		got++;
	}
	return got;
}

void va_desc_free_batch(struct vm_desc *list, unsigned int n)
{
	while (n-- && list) {
		struct vm_desc *next = *(struct vm_desc **)list;

		list->state = VMD_FREE;
		kcache_free(&va.desc_cache, list);
		list = next;
	}
}

/* ------------------------------------------------------------------ */
/* Free tree                                                           */
/* ------------------------------------------------------------------ */

/*
 * Does [s, e) hold @size bytes at an @align-aligned address inside
 * [vstart, vend)? Sets *addr to the lowest such address.
 */
static bool block_fits(const struct vmap_area *v, unsigned long size,
		       unsigned long align, unsigned long vstart,
		       unsigned long vend, unsigned long *addr)
{
	unsigned long lo = vm_max(v->va_start, vstart);
	unsigned long hi = vm_min(v->va_end, vend);
	unsigned long a = VM_ALIGN_UP(lo, align);

	if (a < lo || a >= hi || hi - a < size)
		return false;
	*addr = a;
	return true;
}

static struct vmap_area *find_lowest_fit_locked(unsigned long size,
						unsigned long align,
						unsigned long vstart,
						unsigned long vend,
						unsigned long *addr)
{
	struct rb_node *n = va.free_root.node, *p;

	vm_lock_assert_held(&va.lock);
	if (subtree_max(n) < size)
		return NULL;
	for (;;) {
		/*
		 * n's subtree may hold a fit. Go left while the left subtree
		 * may too: it needs a big enough block, and blocks left of n
		 * end at or before n starts, so n must start after vstart.
		 */
		while (subtree_max(n->left) >= size && to_va(n)->va_start > vstart)
			n = n->left;
		for (;;) {
			/* Visit n: every block left of it is ruled out. */
			struct vmap_area *v = to_va(n);

			if (v->va_start >= vend)
				return NULL;
			if (va_size(v) >= size &&
			    block_fits(v, size, align, vstart, vend, addr))
				return v;
			if (subtree_max(n->right) >= size) {
				n = n->right;
				break;
			}
			/* Up to the first ancestor whose left side we finished. */
			for (;;) {
				p = rb_parent(n);
				if (!p)
					return NULL;
				if (p->left == n) {
					n = p;
					break;
				}
				n = p;
			}
		}
	}
}

static void free_link_locked(struct vmap_area *v, struct rb_node *parent,
			     struct rb_node **link)
{
	vm_lock_assert_held(&va.lock);
	v->subtree_max_size = va_size(v);
	rb_link_node(&v->rb_node, parent, link);
	rb_insert(&va.free_root, &v->rb_node, free_recompute);
}

/* Give [v) to the free tree, merging with its neighbours. */
static void free_insert_merge_locked(struct vmap_area *v)
{
	struct rb_node **link = &va.free_root.node, *parent = NULL;
	struct vmap_area *prev = NULL, *next = NULL;

	vm_lock_assert_held(&va.lock);
	v->flags = 0;
	while (*link) {
		parent = *link;
		if (v->va_start < to_va(parent)->va_start) {
			next = to_va(parent);
			link = &parent->left;
		} else {
			prev = to_va(parent);
			link = &parent->right;
		}
	}
	if ((prev && prev->va_end > v->va_start) ||
	    (next && next->va_start < v->va_end)) {
		vm_bug("vmap_area: freeing %lx-%lx overlaps a free block",
		       v->va_start, v->va_end);
		node_put_locked(v);
		return;
	}
	if (next && next->va_start == v->va_end) {
		if (prev && prev->va_end == v->va_start) {
			unsigned long end = next->va_end;

			rb_erase(&va.free_root, &next->rb_node, free_recompute);
			node_put_locked(next);
			prev->va_end = end;
			rb_propagate(&prev->rb_node, free_recompute);
		} else {
			next->va_start = v->va_start;
			rb_propagate(&next->rb_node, free_recompute);
		}
		node_put_locked(v);
	} else if (prev && prev->va_end == v->va_start) {
		prev->va_end = v->va_end;
		rb_propagate(&prev->rb_node, free_recompute);
		node_put_locked(v);
	} else {
		free_link_locked(v, parent, link);
	}
}

/* Cut [addr, addr + size) out of free block f (see the diagram above). */
static struct vmap_area *carve_locked(struct vmap_area *f, unsigned long addr,
				      unsigned long size)
{
	unsigned long end = addr + size, fend = f->va_end;
	struct vmap_area *busy, *tail;
	struct rb_node *n, **link;

	vm_lock_assert_held(&va.lock);
	if (f->va_start == addr && fend == end) {
		rb_erase(&va.free_root, &f->rb_node, free_recompute);
		return f;
	}
	busy = node_get_locked();
	busy->va_start = addr;
	busy->va_end = end;
	/*
	 * Propagate f's new size before the tail goes in: the insert's
	 * rotations assume every summary above them is already right.
	 */
	if (f->va_start == addr) {
		f->va_start = end;
		rb_propagate(&f->rb_node, free_recompute);
	} else {
		f->va_end = addr;
		rb_propagate(&f->rb_node, free_recompute);
		if (fend != end) {
			tail = node_get_locked();
			tail->va_start = end;
			tail->va_end = fend;
			/* The tail is f's in-order successor. */
			n = &f->rb_node;
			link = &n->right;
			while (*link) {
				n = *link;
				link = &n->left;
			}
			free_link_locked(tail, n, link);
		}
	}
	return busy;
}

/* ------------------------------------------------------------------ */
/* Busy tree                                                           */
/* ------------------------------------------------------------------ */

static void busy_insert_locked(struct vmap_area *v)
{
	struct rb_node **link = &va.busy_root.node, *parent = NULL;

	vm_lock_assert_held(&va.lock);
	while (*link) {
		parent = *link;
		link = v->va_start < to_va(parent)->va_start ?
		       &parent->left : &parent->right;
	}
	rb_link_node(&v->rb_node, parent, link);
	rb_insert(&va.busy_root, &v->rb_node, NULL);
}

/* The first busy range that ends after @addr. */
static struct vmap_area *busy_first_after_locked(unsigned long addr)
{
	struct rb_node *n = va.busy_root.node;
	struct vmap_area *best = NULL;

	vm_lock_assert_held(&va.lock);
	while (n) {
		struct vmap_area *v = to_va(n);

		if (v->va_end > addr) {
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
	struct rb_node *n = rb_next(&v->rb_node);

	return n ? to_va(n) : NULL;
}

/* The busy range containing @addr. */
static struct vmap_area *busy_containing_locked(unsigned long addr)
{
	struct vmap_area *v = busy_first_after_locked(addr);

	return v && v->va_start <= addr ? v : NULL;
}

/* Is any live area other than @self inside [start, end)? */
static bool in_use_locked(const void *self, unsigned long start,
			  unsigned long end)
{
	struct vmap_area *v = busy_first_after_locked(start);

	vm_lock_assert_held(&va.lock);
	for (; v && v->va_start < end; v = busy_next(v)) {
		if (v->flags & VA_BLOCK) {
			if (vb_in_use_locked(v->block, self, start, end))
				return true;
		} else if ((v->flags & VA_DYING) || &v->desc->vm != self) {
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Reserving and releasing                                             */
/* ------------------------------------------------------------------ */

/*
 * The tree path: find, carve and insert under one hold of va.lock,
 * purging once when the range is full and lazy areas are pending.
 */
static struct vmap_area *tree_get(unsigned long size, unsigned long align,
				  unsigned long vstart, unsigned long vend,
				  bool for_area, int *err)
{
	struct vmap_area *f, *busy;
	unsigned long addr;
	bool purged = !for_area;	/* blocks: the caller falls back */

	vm_lock(&va.lock);
	for (;;) {
		if (!stock_locked(for_area)) {
			vm_unlock(&va.lock);
			*err = -VM_ENOMEM;
			return NULL;
		}
		f = find_lowest_fit_locked(size, align, vstart, vend, &addr);
		if (f || purged)
			break;
		vm_unlock(&va.lock);
		va_purge(true);
		purged = true;
		vm_lock(&va.lock);
	}
	if (!f) {
		vm_unlock(&va.lock);
		*err = -VM_ENOSPC;
		return NULL;
	}
	busy = carve_locked(f, addr, size);
	busy->flags = 0;
	busy_insert_locked(busy);
	return busy;		/* va.lock still held: the caller finishes */
}

struct vm_struct *va_get(const struct va_request *rq, int *err)
{
	struct vmap_area *busy;
	struct vm_struct *vm;
	struct vm_desc *d;

	vm = vb_get(rq, err);
	if (vm || *err != -VM_ENOSPC) {
		if (VM_DEBUG >= 2)
			va_check();
		return vm;
	}
	busy = tree_get(rq->size, rq->align, rq->vstart, rq->vend, true, err);
	if (!busy)
		return NULL;
	d = desc_get_locked();
	busy->desc = d;
	va_desc_fill(d, busy->va_start, rq, 0);
	count_locked(0, 1);
	vm_unlock(&va.lock);
	if (VM_DEBUG >= 2)
		va_check();
	return &d->vm;
}

struct vmap_area *va_block_range(unsigned long size, unsigned long align,
				 struct vm_block *b, int *err)
{
	struct vmap_area *busy = tree_get(size, align, va.start, va.end, false,
					  err);

	if (!busy)
		return NULL;
	busy->flags = VA_BLOCK;
	busy->block = b;
	vb_attach_locked(b, busy);
	return busy;		/* va.lock still held: the caller publishes */
}

void va_block_range_free_locked(struct vmap_area *v)
{
	vm_lock_assert_held(&va.lock);
	rb_erase(&va.busy_root, &v->rb_node, NULL);
	free_insert_merge_locked(v);
}

/* A dying range whose PTEs are clear: onto the lazy list. */
static void release_range(struct vmap_area *v)
{
	bool purge;

	vm_lock(&va.lock);
	rb_erase(&va.busy_root, &v->rb_node, NULL);
	v->lazy_next = va.lazy;
	va.lazy = v;
	purge = va_lazy_add((long)(va_size(v) >> PAGE_SHIFT));
	vm_unlock(&va.lock);
	if (purge)
		va_purge(false);
}

/* Hand the descriptor back as va_take() promises. */
static struct vm_struct *finish_take(struct vm_desc *d, struct vm_struct *snap)
{
	if (!snap) {
		d->state = VMD_REMOVED;
		return &d->vm;
	}
	*snap = d->vm;
	desc_free(d);
	return snap;
}

struct vm_struct *va_take(unsigned long addr,
			  bool (*refuse)(const struct vm_struct *vm,
					 const void *ctx),
			  const void *ctx, bool *refused, struct vm_struct *snap)
{
	struct vmap_area *v;
	struct vm_struct *out;
	struct vm_desc *d;
	bool mapped;

	*refused = false;
	if (vb_take(addr, refuse, ctx, refused, snap, &out)) {
		if (VM_DEBUG >= 2)
			va_check();
		return out;
	}
	vm_lock(&va.lock);
	v = busy_containing_locked(addr);
	if (!v || v->va_start != addr || (v->flags & (VA_BLOCK | VA_DYING))) {
		vm_unlock(&va.lock);
		return NULL;
	}
	d = v->desc;
	if (refuse && refuse(&d->vm, ctx)) {
		vm_unlock(&va.lock);
		*refused = true;
		return NULL;
	}
	count_locked(0, -1);
	mapped = va_flags(&d->vm) & VMD_MAPPED;
	if (!mapped) {
		/* Never mapped: no PTE, no TLB entry; all in one go. */
		rb_erase(&va.busy_root, &v->rb_node, NULL);
		free_insert_merge_locked(v);
		out = snap ? snap : &d->vm;
		if (snap) {
			*snap = d->vm;
			desc_put_locked(d);
		} else {
			d->state = VMD_REMOVED;
		}
		vm_unlock(&va.lock);
		return out;
	}
	v->flags |= VA_DYING;
	vm_unlock(&va.lock);

	/* Dying: no lookup finds it. Clear the PTEs, no flush. */
	{
		unsigned long end = v->va_end - PAGE_SIZE;

		vm_flush_cache_vunmap(v->va_start, end);
		pt_unmap_noflush(v->va_start, (end - v->va_start) >> PAGE_SHIFT);
	}
	release_range(v);
	if (VM_DEBUG >= 2)
		va_check();
	return finish_take(d, snap);
}

void va_put(struct vm_struct *vm)
{
	desc_free(vm_desc_of(vm));
}

bool va_removed_desc(const struct vm_struct *p)
{
	return kcache_owns(&va.desc_cache, p) &&
	       vm_desc_of(p)->state == VMD_REMOVED;
}

void va_abort(struct vm_struct *vm, struct pt_fresh *fresh,
	      struct pt_fresh *out)
{
	struct vm_desc *d = vm_desc_of(vm);
	struct vmap_area *v;

	if (va_flags(vm) & VMD_SLOT) {
		vb_abort(d);
		if (fresh) {
			vm_lock(&va.lock);
			pt_unlink_fresh(fresh, in_use_locked, NULL, out);
			vm_unlock(&va.lock);
		}
		return;
	}
	vm_lock(&va.lock);
	v = busy_containing_locked((unsigned long)vm->addr);
	if (v && v->desc == d) {
		rb_erase(&va.busy_root, &v->rb_node, NULL);
		count_locked(0, -1);
		free_insert_merge_locked(v);
	} else {
		vm_bug("va_abort: %p is not live", vm->addr);
	}
	if (fresh)
		pt_unlink_fresh(fresh, in_use_locked, NULL, out);
	vm_unlock(&va.lock);
	desc_free(d);
}

void va_unlink_fresh(const struct vm_struct *vm, struct pt_fresh *fresh,
		     struct pt_fresh *out)
{
	vm_lock(&va.lock);
	pt_unlink_fresh(fresh, in_use_locked, vm, out);
	vm_unlock(&va.lock);
}

/* ------------------------------------------------------------------ */
/* Purge                                                               */
/* ------------------------------------------------------------------ */

static struct vmap_area *merge_lists(struct vmap_area *a, struct vmap_area *b)
{
	struct vmap_area *head = NULL, **tail = &head;

	while (a && b) {
		if (a->va_start < b->va_start) {
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
		up = up && v->va_start < v->lazy_next->va_start;
		down = down && v->va_start > v->lazy_next->va_start;
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

void va_purge(bool shrink)
{
	struct flush_set fs = { .lo = ULONG_MAX };
	struct vmap_area *list, *v, *next, *dead = NULL;
	struct vb_purge bp = { NULL, NULL, shrink, 0, 0 };
	struct vm_block *b, *bnext;
	unsigned long count = 0, pages = 0;

	vm_lock(&va.purge_lock);
	vb_purge_collect(&bp, shrink);
	vm_lock(&va.lock);
	list = va.lazy;
	va.lazy = NULL;
	vm_unlock(&va.lock);
	if (!list && !bp.blocks && !bp.empty) {
		vm_unlock(&va.purge_lock);
		return;
	}

	/* Runs of adjacent areas become one range: one sync, one node. */
	list = sort_by_start(list);
	for (v = list; v; v = v->lazy_next) {
		count++;
		pages += va_size(v) >> PAGE_SHIFT;
		while (v->lazy_next && v->lazy_next->va_start == v->va_end) {
			next = v->lazy_next;
			pages += va_size(next) >> PAGE_SHIFT;
			v->va_end = next->va_end;
			v->lazy_next = next->lazy_next;
			next->lazy_next = dead;
			dead = next;
			count++;
		}
		/*
		 * Up to the last area's data: the guard pages in between are
		 * covered, the trailing one is left alone (see sync_unmap).
		 */
		vm_sync_unmap(v->va_start, va_size(v) - PAGE_SIZE);
		flush_note(&fs, v->va_start, v->va_end);
	}
	vb_purge_sync(&bp, flush_note, &fs);
	flush_all(&fs);
	vb_purge_finish(&bp);
	va_lazy_add(-(long)(pages + bp.pages));

	vm_lock(&va.lock);
	for (v = list; v; v = next) {
		next = v->lazy_next;
		free_insert_merge_locked(v);
	}
	for (v = dead; v; v = next) {
		next = v->lazy_next;
		node_put_locked(v);
	}
	for (b = bp.empty; b; b = bnext) {
		bnext = vb_next_release(b);
		va_block_range_free_locked(vb_range(b));
		vb_release_locked(b);
	}
	va.purges++;
	va.purged_areas += count + bp.slots;
	vm_unlock(&va.lock);
	vm_unlock(&va.purge_lock);
	if (VM_DEBUG >= 2)
		va_check();
}

/* ------------------------------------------------------------------ */
/* Lookups and walks                                                   */
/* ------------------------------------------------------------------ */

void va_lock(void)
{
	vm_lock(&va.lock);
}

void va_assert_locked_fn(void)
{
	vm_lock_assert_held(&va.lock);
}

void va_unlock(void)
{
	vm_unlock(&va.lock);
}

static struct vm_struct *find_locked(unsigned long addr, bool containing)
{
	struct vmap_area *v;

	vm_lock_assert_held(&va.lock);
	v = busy_containing_locked(addr);
	if (!v || (v->flags & VA_DYING))
		return NULL;
	if (v->flags & VA_BLOCK)
		return vb_find_locked(v->block, addr, containing);
	return containing || v->va_start == addr ? &v->desc->vm : NULL;
}

struct vm_struct *va_find_locked(unsigned long addr)
{
	return find_locked(addr, false);
}

struct vm_struct *va_find_containing_locked(unsigned long addr)
{
	return find_locked(addr, true);
}

void va_walk_locked(unsigned long from, unsigned long to,
		    bool (*fn)(struct vm_struct *vm, void *arg), void *arg)
{
	struct vmap_area *v;

	vm_lock_assert_held(&va.lock);
	for (v = busy_first_after_locked(from); v && v->va_start < to;
	     v = busy_next(v)) {
		if (v->flags & VA_BLOCK) {
			if (vb_walk_locked(v->block, from, to, fn, arg))
				return;
		} else if (!(v->flags & VA_DYING) && fn(&v->desc->vm, arg)) {
			return;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Set-up, stats, sanity                                               */
/* ------------------------------------------------------------------ */

int va_init(unsigned long lazy_max_pages, bool fast_path)
{
	struct vmap_area *all;
	int err;

	vm_memset(&va, 0, sizeof(va));
	va.start = vm_plat->vmalloc_start;
	va.end = vm_plat->vmalloc_end;
	va.lazy_max = lazy_max_pages;
	vm_lock_init(&va.lock, "vmap_area");
	vm_lock_init(&va.purge_lock, "vmap_purge");
	kcache_init(&va.node_cache, "vmap_area", sizeof(struct vmap_area));
	kcache_init(&va.desc_cache, "vm_struct", sizeof(struct vm_desc));
	all = kcache_alloc(&va.node_cache);
	if (!all) {
		va_exit();
		return -VM_ENOMEM;
	}
	all->va_start = va.start;
	all->va_end = va.end;
	vm_lock(&va.lock);
	free_link_locked(all, NULL, &va.free_root.node);
	vm_unlock(&va.lock);
	err = vb_init(fast_path, lazy_max_pages);
	if (err)
		va_exit();
	return err;
}

void va_exit(void)
{
	vb_exit();
	kcache_destroy(&va.node_cache);
	kcache_destroy(&va.desc_cache);
	vm_lock_destroy(&va.lock);
	vm_lock_destroy(&va.purge_lock);
	vm_memset(&va, 0, sizeof(va));
}

void va_get_stats(struct va_stats *st)
{
	struct vb_counts c;

	vb_stats(&c);
	st->areas = vm_stat_read(&va.areas) + (unsigned long)c.areas;
	st->busy = vm_stat_read(&va.busy) + (unsigned long)c.busy;
	st->lazy_pages = vm_stat_read(&va.lazy_pages) + (unsigned long)c.lazy;
	st->lazy_max_pages = va.lazy_max;
	st->blocks = c.blocks;
	vm_lock(&va.lock);
	st->purges = va.purges;
	st->purged_areas = va.purged_areas;
	vm_unlock(&va.lock);
	st->meta_stock_bytes = c.stock_bytes +
		__atomic_load_n(&va.nr_spare, __ATOMIC_RELAXED) *
		va.node_cache.size +
		__atomic_load_n(&va.nr_descs, __ATOMIC_RELAXED) *
		va.desc_cache.size;
}

/* Recompute subtree maxima; -1 if a stored one is wrong. */
static long check_free_max(const struct rb_node *n)
{
	long l, r, m;

	if (!n)
		return 0;
	l = check_free_max(n->left);
	r = check_free_max(n->right);
	if (l < 0 || r < 0)
		return -1;
	m = (long)va_size(to_va(n));
	m = vm_max(m, vm_max(l, r));
	return (unsigned long)m == to_va(n)->subtree_max_size ? m : -1;
}

static const char *check_locked(void)
{
	struct rb_node *fn = rb_first(&va.free_root);
	struct rb_node *bn = rb_first(&va.busy_root);
	struct vmap_area *lz, *v;
	unsigned long pos = va.start, lazy_pages = 0, busy = 0;
	bool prev_free = false;
	const char *why;

	vm_lock_assert_held(&va.lock);
	if (rb_check(&va.free_root) < 0 || rb_check(&va.busy_root) < 0)
		return "red-black invariant broken";
	if (check_free_max(va.free_root.node) < 0)
		return "free-tree subtree maximum wrong";
	va.lazy = sort_by_start(va.lazy);	/* order does not matter */
	lz = va.lazy;
	/* Free, busy and lazy ranges must tile the whole range. */
	for (;;) {
		struct vmap_area *f = fn ? to_va(fn) : NULL;
		struct vmap_area *b = bn ? to_va(bn) : NULL;

		if (f && f->va_start == pos) {
			if (prev_free)
				return "adjacent free blocks not merged";
			v = f;
			fn = rb_next(fn);
		} else if (b && b->va_start == pos) {
			v = b;
			if (b->flags & VA_BLOCK) {
				unsigned long live = 0, dirty = 0;

				why = vb_check_locked(b->block, &live, &dirty);
				if (why)
					return why;
				busy += live;
				lazy_pages += dirty;
			} else if (!(b->flags & VA_DYING)) {
				busy++;
				if (!b->desc || b->desc->state != VMD_LIVE ||
				    (unsigned long)b->desc->vm.addr != b->va_start ||
				    b->desc->vm.size != va_size(b) ||
				    (va_flags(&b->desc->vm) & VMD_SLOT))
					return "busy area and its vm_struct disagree";
			}
			bn = rb_next(bn);
		} else if (lz && lz->va_start == pos) {
			v = lz;
			lazy_pages += va_size(lz) >> PAGE_SHIFT;
			lz = lz->lazy_next;
		} else {
			break;
		}
		prev_free = v == f;
		if (v->va_end <= v->va_start ||
		    !VM_IS_ALIGNED(v->va_start | v->va_end, PAGE_SIZE))
			return "empty or unaligned range";
		pos = v->va_end;
		if (pos == va.end)
			break;
	}
	if (pos != va.end || fn || bn || lz)
		return "ranges overlap or leave a hole";
	{
		struct vb_counts c;

		vb_stats(&c);
		if (lazy_pages != vm_stat_read(&va.lazy_pages) +
				  (unsigned long)c.lazy)
			return "lazy page count wrong";
		if (busy != vm_stat_read(&va.busy) + (unsigned long)c.busy)
			return "busy count wrong";
	}
	return NULL;
}

int va_check(void)
{
	const char *why;

	/* Purge, va and every block lock: nothing moves while we look. */
	vm_lock(&va.purge_lock);
	vm_lock(&va.lock);
	vb_lock_all();
	why = check_locked();
	vb_unlock_all();
	vm_unlock(&va.lock);
	vm_unlock(&va.purge_lock);
	if (why) {
		vm_bug("vmap_area: %s", why);
		return -VM_EUCLEAN;
	}
	return 0;
}
