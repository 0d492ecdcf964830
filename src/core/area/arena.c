/* SPDX-License-Identifier: MIT */
/*
 * The arena: lowest-address first fit over an augmented red-black tree
 * of free blocks.
 *
 * Finding a block: every node knows the largest free block in its
 * subtree, so the search visits blocks in address order and skips any
 * subtree that cannot hold the request, and any block that ends before
 * the window. The first block that holds an aligned request inside the
 * window wins: O(log n) for page-aligned requests, plus the blocks that
 * are big enough but fail the alignment or window test.
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
 * Every case but the first hands out a node from the stock (the busy
 * node), and the middle case needs a second one for the tail: the stock
 * holds two before anything changes, so carving never fails.
 *
 * Giving a block back merges it with its free neighbours:
 *
 *   [prev][ n ][next]  ->  [prev.........next]   both adjacent: prev grows
 *   [prev][ n ]  ...   ->  [prev......]  ...     prev grows
 *    ...  [ n ][next]  ->   ...  [......next]    next grows to the left
 *    ...  [ n ]  ...   ->  n joins the tree
 *
 * A node no longer needed goes to the stock (up to ARENA_SPARE_MAX).
 */
#include "area/arena.h"

#define ARENA_SPARE_MIN	2
#define ARENA_SPARE_MAX	64

static inline struct arena_node *to_node(const struct rb_node *n)
{
	return container_of(n, struct arena_node, rb);
}

static inline unsigned long node_size(const struct arena_node *n)
{
	return n->end - n->start;
}

static inline unsigned long subtree_max(const struct rb_node *n)
{
	return n ? to_node(n)->subtree_max : 0;
}

/* The augmentation: the largest block in the subtree. */
static bool recompute(struct rb_node *rb)
{
	struct arena_node *n = to_node(rb);
	unsigned long m = node_size(n);

	m = vm_max(m, subtree_max(rb->left));
	m = vm_max(m, subtree_max(rb->right));
	if (n->subtree_max == m)
		return false;
	n->subtree_max = m;
	return true;
}

#define arena_assert_locked(a)	vm_lock_assert_held((a)->guard)

/* ------------------------------------------------------------------ */
/* Nodes                                                               */
/* ------------------------------------------------------------------ */

int arena_prepare_many_locked(struct arena *a, unsigned long allocs)
{
	unsigned long want = vm_max(allocs * 2, (unsigned long)ARENA_SPARE_MIN);

	arena_assert_locked(a);
	if (a->spare.n >= want)
		return 0;
	kcache_stock_fill(&a->nodes, &a->spare, want - a->spare.n);
	return a->spare.n >= want ? 0 : -VM_ENOMEM;
}

int arena_prepare_locked(struct arena *a)
{
	return arena_prepare_many_locked(a, 1);
}

static struct arena_node *node_get_locked(struct arena *a)
{
	struct arena_node *n = objstock_pop(&a->spare);

	vm_memset(n, 0, sizeof(*n));
	return n;
}

static void node_put_locked(struct arena *a, struct arena_node *n)
{
	objstock_push(&a->spare, n);
	if (a->spare.n > ARENA_SPARE_MAX)
		kcache_stock_put(&a->nodes, &a->spare, ARENA_SPARE_MAX / 2);
}

unsigned long arena_stock_bytes(const struct arena *a)
{
	return vm_counter_read(&a->spare.n) * a->nodes.size;
}

/* ------------------------------------------------------------------ */
/* Search                                                              */
/* ------------------------------------------------------------------ */

/*
 * Does block @n hold @size bytes at an @align-aligned address inside
 * [lo, hi)? Sets *addr to the lowest such address.
 */
static bool block_fits(const struct arena_node *n, unsigned long size,
		       unsigned long align, unsigned long lo, unsigned long hi,
		       unsigned long *addr)
{
	unsigned long s = vm_max(n->start, lo);
	unsigned long e = vm_min(n->end, hi);
	unsigned long a = VM_ALIGN_UP(s, align);

	if (a < s || a >= e || e - a < size)
		return false;
	*addr = a;
	return true;
}

static struct arena_node *lowest_fit_locked(struct arena *a,
					    unsigned long size,
					    unsigned long align,
					    unsigned long lo, unsigned long hi,
					    unsigned long *addr)
{
	struct rb_node *n = a->root.node, *p;

	if (subtree_max(n) < size)
		return NULL;
	for (;;) {
		/*
		 * n's subtree may hold a fit. Go left while the left subtree
		 * may too: it needs a big enough block, and blocks left of n
		 * end at or before n starts, so n must start after lo.
		 */
		while (subtree_max(n->left) >= size && to_node(n)->start > lo)
			n = n->left;
		for (;;) {
			/* Visit n: every block left of it is ruled out. */
			struct arena_node *v = to_node(n);

			if (v->start >= hi)
				return NULL;
			if (node_size(v) >= size &&
			    block_fits(v, size, align, lo, hi, addr))
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

/* The free block with the highest start at or below @addr, or NULL. */
static struct arena_node *floor_block_locked(struct arena *a,
					     unsigned long addr)
{
	struct rb_node *n = a->root.node;
	struct arena_node *best = NULL;

	while (n) {
		struct arena_node *v = to_node(n);

		if (v->start <= addr) {
			best = v;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

static struct arena_node *prev_block(struct arena_node *v)
{
	struct rb_node *p = rb_prev(&v->rb);

	return p ? to_node(p) : NULL;
}

/*
 * Congruent ranges, searched from the top (the kernel's
 * pcpu_get_vm_areas). Range i is [b + rel[i], b + rel[i] + len[i]); b
 * starts at the highest aligned value that keeps the whole set below hi.
 * Each step checks the next range: if it lies in one free block, one
 * more range fits; if not, b moves down to the highest aligned value at
 * which that range fits in a free block at or below where it was, and
 * the count restarts at one. All n fit in a row: done. Every move lowers
 * b, so the loop ends, at the latest when b would pass below lo.
 *
 *     b_old + rel[i]  ->   |####| busy        range i did not fit
 *                      |free.....|            highest block at or below
 *                      |  [i]    |  b_new + rel[i] = its end - len[i],
 *                                             aligned down
 */
bool arena_find_congruent_locked(struct arena *a, const unsigned long *rel,
				 const unsigned long *len, unsigned int n,
				 unsigned long align, unsigned long lo,
				 unsigned long hi, unsigned long *base)
{
	unsigned long span = 0, b;
	unsigned int i, ok = 0;

	arena_assert_locked(a);
	lo = vm_max(lo, a->start);
	hi = vm_min(hi, a->end);
	for (i = 0; i < n; i++)
		span = vm_max(span, rel[i] + len[i]);
	if (!n || lo >= hi || hi - lo < span)
		return false;
	b = VM_ALIGN_DOWN(hi - span, align);
	if (b < lo)
		return false;
	for (i = 0; ok < n; i = (i + 1) % n) {
		unsigned long s = b + rel[i], c, nb;
		struct arena_node *f = floor_block_locked(a, s);

		if (f && f->end >= s + len[i]) {
			ok++;
			continue;
		}
		/* Lower b until range i fits in a block at or below s. */
		for (;; f = prev_block(f)) {
			if (!f)
				return false;
			if (node_size(f) < len[i])
				continue;
			c = vm_min(s, f->end - len[i]);
			if (c < lo + rel[i])
				return false;
			nb = VM_ALIGN_DOWN(c - rel[i], align);
			if (nb < lo)
				return false;
			if (nb + rel[i] >= f->start)
				break;
		}
		b = nb;
		ok = 1;
	}
	*base = b;
	return true;
}

/* ------------------------------------------------------------------ */
/* Carving and merging                                                 */
/* ------------------------------------------------------------------ */

static void link_locked(struct arena *a, struct arena_node *n,
			struct rb_node *parent, struct rb_node **link)
{
	n->subtree_max = node_size(n);
	rb_link_node(&n->rb, parent, link);
	rb_insert(&a->root, &n->rb, recompute);
}

/* Cut [addr, addr + size) out of free block f (see the diagram above). */
static struct arena_node *carve_locked(struct arena *a, struct arena_node *f,
				       unsigned long addr, unsigned long size)
{
	unsigned long end = addr + size, fend = f->end;
	struct arena_node *busy, *tail;
	struct rb_node *n, **link;

	if (f->start == addr && fend == end) {
		rb_erase(&a->root, &f->rb, recompute);
		return f;
	}
	busy = node_get_locked(a);
	busy->start = addr;
	busy->end = end;
	/*
	 * Propagate f's new size before the tail goes in: the insert's
	 * rotations assume every summary above them is already right.
	 */
	if (f->start == addr) {
		f->start = end;
		rb_propagate(&f->rb, recompute);
	} else {
		f->end = addr;
		rb_propagate(&f->rb, recompute);
		if (fend != end) {
			tail = node_get_locked(a);
			tail->start = end;
			tail->end = fend;
			/* The tail is f's in-order successor. */
			n = &f->rb;
			link = &n->right;
			while (*link) {
				n = *link;
				link = &n->left;
			}
			link_locked(a, tail, n, link);
		}
	}
	return busy;
}

struct arena_node *arena_alloc_locked(struct arena *a, unsigned long size,
				      unsigned long align, unsigned long lo,
				      unsigned long hi)
{
	struct arena_node *f, *n;
	unsigned long addr;

	arena_assert_locked(a);
	if (VM_DEBUG && a->spare.n < ARENA_SPARE_MIN)
		vm_bug("arena %s: allocation without arena_prepare_locked",
		       a->nodes.name);
	f = lowest_fit_locked(a, size, align, vm_max(lo, a->start),
			      vm_min(hi, a->end), &addr);
	if (!f)
		return NULL;
	n = carve_locked(a, f, addr, size);
	vm_counter_add_locked(&a->free_bytes, -(long)size);
	return n;
}

struct arena_node *arena_alloc_at_locked(struct arena *a, unsigned long addr,
					 unsigned long size)
{
	struct arena_node *f, *n;

	arena_assert_locked(a);
	if (VM_DEBUG && a->spare.n < ARENA_SPARE_MIN)
		vm_bug("arena %s: allocation without arena_prepare_locked",
		       a->nodes.name);
	f = floor_block_locked(a, addr);
	if (!f || f->end <= addr || f->end - addr < size || !size)
		return NULL;
	n = carve_locked(a, f, addr, size);
	vm_counter_add_locked(&a->free_bytes, -(long)size);
	return n;
}

void arena_free_locked(struct arena *a, struct arena_node *v)
{
	struct rb_node **link = &a->root.node, *parent = NULL;
	struct arena_node *prev = NULL, *next = NULL;

	arena_assert_locked(a);
	while (*link) {
		parent = *link;
		if (v->start < to_node(parent)->start) {
			next = to_node(parent);
			link = &parent->left;
		} else {
			prev = to_node(parent);
			link = &parent->right;
		}
	}
	if (v->start < a->start || v->end > a->end || v->start >= v->end ||
	    (prev && prev->end > v->start) || (next && next->start < v->end)) {
		vm_bug("arena %s: freeing 0x%lx-0x%lx, which is not allocated",
		       a->nodes.name, v->start, v->end);
		return;
	}
	vm_counter_add_locked(&a->free_bytes, (long)node_size(v));
	if (next && next->start == v->end) {
		if (prev && prev->end == v->start) {
			unsigned long end = next->end;

			rb_erase(&a->root, &next->rb, recompute);
			node_put_locked(a, next);
			prev->end = end;
			rb_propagate(&prev->rb, recompute);
		} else {
			next->start = v->start;
			rb_propagate(&next->rb, recompute);
		}
		node_put_locked(a, v);
	} else if (prev && prev->end == v->start) {
		prev->end = v->end;
		rb_propagate(&prev->rb, recompute);
		node_put_locked(a, v);
	} else {
		link_locked(a, v, parent, link);
	}
}

void arena_discard_locked(struct arena *a, struct arena_node *n)
{
	arena_assert_locked(a);
	node_put_locked(a, n);
}

/* ------------------------------------------------------------------ */
/* Walks, set-up, sanity                                               */
/* ------------------------------------------------------------------ */

struct arena_node *arena_first_locked(struct arena *a)
{
	struct rb_node *n;

	arena_assert_locked(a);
	n = rb_first(&a->root);
	return n ? to_node(n) : NULL;
}

struct arena_node *arena_next_locked(struct arena *a, struct arena_node *n)
{
	struct rb_node *r;

	arena_assert_locked(a);
	r = rb_next(&n->rb);
	return r ? to_node(r) : NULL;
}

int arena_init(struct arena *a, const char *name, unsigned long start,
	       unsigned long end, size_t node_size, const struct vm_lock *guard)
{
	struct arena_node *all;

	vm_memset(a, 0, sizeof(*a));
	a->start = start;
	a->end = end;
	a->guard = guard;
	kcache_init(&a->nodes, name, vm_max(node_size, sizeof(struct arena_node)));
	all = kcache_alloc(&a->nodes);
	if (!all) {
		kcache_destroy(&a->nodes);
		return -VM_ENOMEM;
	}
	all->start = start;
	all->end = end;
	all->subtree_max = end - start;
	rb_link_node(&all->rb, NULL, &a->root.node);
	rb_insert(&a->root, &all->rb, recompute);
	a->free_bytes = end - start;
	return 0;
}

void arena_destroy(struct arena *a)
{
	/* Nodes (free, in stock or held by the user) all live in the cache. */
	kcache_destroy(&a->nodes);
	vm_memset(a, 0, sizeof(*a));
}

/* Recompute subtree maxima; -1 if a stored one is wrong. */
static long check_max(const struct rb_node *n)
{
	long l, r, m;

	if (!n)
		return 0;
	l = check_max(n->left);
	r = check_max(n->right);
	if (l < 0 || r < 0)
		return -1;
	m = (long)node_size(to_node(n));
	m = vm_max(m, vm_max(l, r));
	return (unsigned long)m == to_node(n)->subtree_max ? m : -1;
}

const char *arena_check_locked(struct arena *a)
{
	struct arena_node *n, *prev = NULL;
	unsigned long bytes = 0;

	arena_assert_locked(a);
	if (rb_check(&a->root) < 0)
		return "arena: red-black invariant broken";
	if (check_max(a->root.node) < 0)
		return "arena: subtree maximum wrong";
	for (n = arena_first_locked(a); n; prev = n, n = arena_next_locked(a, n)) {
		if (n->start >= n->end || n->start < a->start || n->end > a->end ||
		    !VM_IS_ALIGNED(n->start | n->end, PAGE_SIZE))
			return "arena: empty, unaligned or outside block";
		if (prev && prev->end >= n->start)
			return prev->end == n->start ?
			       "arena: adjacent free blocks not merged" :
			       "arena: free blocks overlap or out of order";
		bytes += node_size(n);
	}
	if (bytes != a->free_bytes)
		return "arena: free byte count wrong";
	return NULL;
}
