/* SPDX-License-Identifier: MIT */
/*
 * Address-space allocator: lowest-address first fit over an augmented
 * red-black tree of free blocks, a red-black tree of busy areas, and lazy
 * freeing with batched purges.
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
#include "vmap_area.h"
#include "pgtable.h"
#include "slab.h"

#define VA_SPARE_MAX	64

static struct {
	struct vm_lock lock;		/* everything below but purge_lock */
	struct vm_lock purge_lock;	/* one purge at a time */
	struct rb_root free_root;
	struct rb_root busy_root;
	struct vmap_area *lazy;		/* freed, awaiting the next purge */
	struct vmap_area *purging;	/* taken by the running purge */
	unsigned long lazy_pages;	/* pages on the lazy list */
	unsigned long lazy_max;
	unsigned long busy;
	unsigned long purges;
	unsigned long purged_areas;
	struct vmap_area *spare;	/* node stock, via lazy_next */
	unsigned int nr_spare;
	struct kcache cache;
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

/* ------------------------------------------------------------------ */
/* Node stock                                                          */
/* ------------------------------------------------------------------ */

/* Make sure two nodes are in stock (the most one carve can need). */
static bool stock_locked(void)
{
	vm_lock_assert_held(&va.lock);
	while (va.nr_spare < 2) {
		struct vmap_area *v = kcache_alloc(&va.cache);

		if (!v)
			return false;
		v->lazy_next = va.spare;
		va.spare = v;
		__atomic_store_n(&va.nr_spare, va.nr_spare + 1, __ATOMIC_RELAXED);
	}
	return true;
}

static struct vmap_area *node_get_locked(void)
{
	struct vmap_area *v = va.spare;

	va.spare = v->lazy_next;
	__atomic_store_n(&va.nr_spare, va.nr_spare - 1, __ATOMIC_RELAXED);
	vm_memset(v, 0, sizeof(*v));
	return v;
}

static void node_put_locked(struct vmap_area *v)
{
	if (va.nr_spare < VA_SPARE_MAX) {
		v->lazy_next = va.spare;
		va.spare = v;
		__atomic_store_n(&va.nr_spare, va.nr_spare + 1, __ATOMIC_RELAXED);
	} else {
		kcache_free(&va.cache, v);
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

	while (*link) {
		parent = *link;
		link = v->va_start < to_va(parent)->va_start ?
		       &parent->left : &parent->right;
	}
	rb_link_node(&v->rb_node, parent, link);
	rb_insert(&va.busy_root, &v->rb_node, NULL);
	va.busy++;
}

struct vmap_area *va_find_locked(unsigned long addr)
{
	struct rb_node *n = va.busy_root.node;

	vm_lock_assert_held(&va.lock);
	while (n) {
		struct vmap_area *v = to_va(n);

		if (addr < v->va_start)
			n = n->left;
		else if (addr > v->va_start)
			n = n->right;
		else
			return v;
	}
	return NULL;
}

struct vmap_area *va_first_after_locked(unsigned long addr)
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

struct vmap_area *va_next_locked(struct vmap_area *v)
{
	struct rb_node *n = rb_next(&v->rb_node);

	return n ? to_va(n) : NULL;
}

/* Is any busy area other than @self inside [start, end)? */
static bool busy_in_range_locked(const void *self, unsigned long start,
				 unsigned long end)
{
	struct vmap_area *v = va_first_after_locked(start);

	for (; v && v->va_start < end; v = va_next_locked(v))
		if (v != self)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Allocation and release                                              */
/* ------------------------------------------------------------------ */

int va_alloc(unsigned long size, unsigned long align, unsigned long vstart,
	     unsigned long vend, struct vm_struct *vm, struct vmap_area **out)
{
	struct vmap_area *f, *busy;
	unsigned long addr;
	bool purged = false;

	vm_lock(&va.lock);
	for (;;) {
		if (!stock_locked()) {
			vm_unlock(&va.lock);
			return -VM_ENOMEM;
		}
		f = find_lowest_fit_locked(size, align, vstart, vend, &addr);
		if (f || purged || (!va.lazy && !va.purging))
			break;
		vm_unlock(&va.lock);
		va_purge();
		purged = true;
		vm_lock(&va.lock);
	}
	if (!f) {
		vm_unlock(&va.lock);
		return -VM_ENOSPC;
	}
	busy = carve_locked(f, addr, size);
	busy->vm = vm;
	busy->flags = 0;
	vm->addr = (void *)addr;
	vm->size = size;
	busy_insert_locked(busy);
	vm_unlock(&va.lock);
	if (VM_DEBUG >= 2)
		va_check();
	*out = busy;
	return 0;
}

struct vmap_area *va_detach(unsigned long addr,
			     bool (*refuse)(const struct vm_struct *vm,
					    const void *ctx),
			     const void *ctx, bool *refused)
{
	struct vmap_area *v;

	*refused = false;
	vm_lock(&va.lock);
	v = va_find_locked(addr);
	if (v && refuse && refuse(v->vm, ctx)) {
		*refused = true;
		v = NULL;
	}
	if (v) {
		rb_erase(&va.busy_root, &v->rb_node, NULL);
		va.busy--;
	}
	vm_unlock(&va.lock);
	return v;
}

void va_release(struct vmap_area *v)
{
	bool purge;

	vm_lock(&va.lock);
	if (!(v->flags & VA_MAPPED)) {
		/* Never mapped: no TLB entry can exist, reuse at once. */
		v->flags = 0;
		free_insert_merge_locked(v);
		vm_unlock(&va.lock);
		return;
	}
	v->lazy_next = va.lazy;
	va.lazy = v;
	va.lazy_pages += va_size(v) >> PAGE_SHIFT;
	purge = va.lazy_pages > va.lazy_max;
	vm_unlock(&va.lock);
	if (purge)
		va_purge();
}

void va_abort(struct vmap_area *v, struct pt_fresh *fresh,
	      struct pt_fresh *out)
{
	vm_lock(&va.lock);
	rb_erase(&va.busy_root, &v->rb_node, NULL);
	va.busy--;
	v->flags = 0;
	free_insert_merge_locked(v);
	if (fresh)
		pt_unlink_fresh(fresh, busy_in_range_locked, NULL, out);
	vm_unlock(&va.lock);
}

void va_unlink_fresh(struct vmap_area *v, struct pt_fresh *fresh,
		     struct pt_fresh *out)
{
	vm_lock(&va.lock);
	pt_unlink_fresh(fresh, busy_in_range_locked, v, out);
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

void va_purge(void)
{
	struct vmap_area *list, *v, *next, *dead = NULL;
	unsigned long lo = ULONG_MAX, hi = 0, count = 0;

	vm_lock(&va.purge_lock);
	vm_lock(&va.lock);
	list = va.lazy;
	va.lazy = NULL;
	va.lazy_pages = 0;
	va.purging = list;
	vm_unlock(&va.lock);
	if (!list) {
		vm_unlock(&va.purge_lock);
		return;
	}

	/* Runs of adjacent areas become one range: one sync, one node. */
	list = sort_by_start(list);
	for (v = list; v; v = v->lazy_next) {
		count++;
		while (v->lazy_next && v->lazy_next->va_start == v->va_end) {
			next = v->lazy_next;
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
		lo = vm_min(lo, v->va_start);
		hi = vm_max(hi, v->va_end);
	}
	vm_flush_tlb(lo, hi);

	vm_lock(&va.lock);
	for (v = list; v; v = next) {
		next = v->lazy_next;
		v->flags = 0;
		free_insert_merge_locked(v);
	}
	for (v = dead; v; v = next) {
		next = v->lazy_next;
		node_put_locked(v);
	}
	va.purging = NULL;
	va.purges++;
	va.purged_areas += count;
	vm_unlock(&va.lock);
	vm_unlock(&va.purge_lock);
	if (VM_DEBUG >= 2)
		va_check();
}

/* ------------------------------------------------------------------ */
/* Set-up, stats, sanity                                               */
/* ------------------------------------------------------------------ */

int va_init(unsigned long lazy_max_pages)
{
	struct vmap_area *all;

	vm_memset(&va, 0, sizeof(va));
	va.start = vm_plat->vmalloc_start;
	va.end = vm_plat->vmalloc_end;
	va.lazy_max = lazy_max_pages;
	vm_lock_init(&va.lock, "vmap_area");
	vm_lock_init(&va.purge_lock, "vmap_purge");
	kcache_init(&va.cache, "vmap_area", sizeof(struct vmap_area));
	all = kcache_alloc(&va.cache);
	if (!all) {
		va_exit();
		return -VM_ENOMEM;
	}
	all->va_start = va.start;
	all->va_end = va.end;
	vm_lock(&va.lock);
	free_link_locked(all, NULL, &va.free_root.node);
	vm_unlock(&va.lock);
	return 0;
}

void va_exit(void)
{
	kcache_destroy(&va.cache);
	vm_lock_destroy(&va.lock);
	vm_lock_destroy(&va.purge_lock);
	vm_memset(&va, 0, sizeof(va));
}

void va_lock(void)
{
	vm_lock(&va.lock);
}

void va_unlock(void)
{
	vm_unlock(&va.lock);
}

void va_get_stats(struct va_stats *st)
{
	vm_lock(&va.lock);
	st->busy = va.busy;
	st->lazy_pages = va.lazy_pages;
	st->lazy_max_pages = va.lazy_max;
	st->purges = va.purges;
	st->purged_areas = va.purged_areas;
	vm_unlock(&va.lock);
}

unsigned long va_node_bytes(void)
{
	return va.cache.size;
}

unsigned long va_stock_bytes(void)
{
	return __atomic_load_n(&va.nr_spare, __ATOMIC_RELAXED) * va.cache.size;
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
			busy++;
			if (!b->vm || (unsigned long)b->vm->addr != b->va_start ||
			    b->vm->size != va_size(b))
				return "busy area and its vm_struct disagree";
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
	if (lazy_pages != va.lazy_pages)
		return "lazy page count wrong";
	if (busy != va.busy)
		return "busy count wrong";
	return NULL;
}

int va_check(void)
{
	const char *why;

	vm_lock(&va.purge_lock);
	vm_lock(&va.lock);
	why = check_locked();
	vm_unlock(&va.lock);
	vm_unlock(&va.purge_lock);
	if (why) {
		vm_bug("vmap_area: %s", why);
		return -VM_EUCLEAN;
	}
	return 0;
}
