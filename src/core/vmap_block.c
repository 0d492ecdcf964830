/* SPDX-License-Identifier: MIT */
/*
 * The small-area fast path: per-CPU blocks of fixed-size slots, after the
 * kernel's vmap_block (which serves vm_map_ram).
 *
 * Requests of 1 to 4 pages with page alignment and the whole range as
 * window are the bulk of vmalloc traffic. Each takes a slot of a block of
 * its size class owned by the calling CPU: a block is one busy range of
 * the tree, aligned to 2 MiB and at most 2 MiB long, cut into slots of
 * (pages + 1) pages, the guard page included:
 *
 *   2 MiB aligned
 *   | slot 0      | slot 1      | slot 2      |     | slot n-1    |
 *   | data | gd   | data | gd   | data | gd   | ... | data | gd   |
 *
 * A slot is free, used (a live area), dirty (freed after being mapped:
 * its TLB entries may live until the next purge, so it waits like an area
 * on the lazy list) or purging (the running purge is flushing it). An
 * allocation takes the lowest free slot of the first block on its CPU's
 * partial list (blocks with a free slot, most recently refilled first),
 * so the common case is one lock round trip and a bit scan. A free finds
 * the block through a two-level directory indexed by the address's 2 MiB
 * granule (read lock-free; blocks are never freed, only recycled, so a
 * stale pointer is always a block) and takes its owner's lock.
 *
 * Locking: vb_cpu.lock (one per CPU) protects its blocks' bitmaps, slot
 * pointers, lists and counts, and its descriptor stock. It nests inside
 * va.lock (walks, sanity) and outside slab locks; purges take each CPU's
 * lock in turn with only the purge lock held. Directory updates happen
 * under va.lock.
 */
#include "vmap_internal.h"
#include "pgtable.h"
#include "slab.h"

#define VB_CLASSES	4		/* 1 .. 4 pages of data */
#define VB_SPAN_SHIFT	21		/* 2 MiB: alignment and maximum size */
#define VB_SPAN_PAGES	(1UL << (VB_SPAN_SHIFT - PAGE_SHIFT))
#define VB_MAX_SLOTS	256
#define VB_WORDS	(VB_MAX_SLOTS / 64)
#define VB_LEAF_SHIFT	9		/* 512 granules (1 GiB) per leaf */
#define VB_LEAF		(1UL << VB_LEAF_SHIFT)
#define VB_STOCK_BATCH	16		/* descriptors fetched at once */
#define VB_STOCK_MAX	64		/* descriptors kept per CPU */

struct vm_block {
	/*
	 * Read without a lock by vb_lookup(), which may hold a stale
	 * pointer to a block being recycled: written and read atomically.
	 */
	unsigned long start;		/* VA of slot 0, 2 MiB aligned */
	unsigned long span;		/* nslots * stride */
	/* The rest: under the owner CPU's lock (or before publication). */
	unsigned long stride;		/* bytes per slot, guard included */
	uint32_t recip;			/* ceil(2^16 / stride in pages) */
	struct vmap_area *va;		/* its busy range in the tree */
	struct vm_block *next;		/* partial list of its CPU */
	struct vm_block *prev;
	struct vm_block *dirty_next;	/* its CPU's dirty list */
	struct vm_block *purge_next;	/* a purge's batch or release list */
	uint16_t cls, nslots, cpu, nr_used, nr_dirty, nr_purging;
	uint16_t words;			/* bitmap words in use */
	bool on_partial, on_dirty;
	bool published;			/* in the directory (va.lock) */
	uint64_t tail;			/* valid bits of the last word */
	uint64_t used[VB_WORDS];
	uint64_t dirty[VB_WORDS];
	uint64_t purging[VB_WORDS];
	struct vm_desc *slot[VB_MAX_SLOTS];	/* live descriptors */
};

/*
 * One per CPU, on its own cache lines. The counters change under the
 * lock with plain stores (a locked add costs ~6 ns, several per call) and
 * are summed by readers.
 */
struct vb_cpu {
	struct vm_lock lock;
	struct vm_block *partial[VB_CLASSES];
	struct vm_block *dirty;
	struct vm_desc *stock;		/* linked through their first word */
	unsigned int nr_stock;
	long areas;			/* descriptors handed out here, net */
	long busy;			/* live slots of this CPU's blocks */
	long empty;			/* its blocks without a live area */
	long lazy;			/* dirty pages not yet counted globally */
} __attribute__((aligned(64)));

/*
 * Dirty pages are folded into the global lazy count in batches of up to
 * 64 pages per CPU, and at most a quarter of the threshold across all
 * CPUs: the purge comes at most that late.
 */
#define VB_LAZY_BATCH	64

static inline void cpu_count(long *c, long delta)
{
	__atomic_store_n(c, *c + delta, __ATOMIC_RELAXED);
}

static struct {
	bool enabled;
	unsigned int ncpus;
	struct vb_cpu *cpus;
	size_t cpus_bytes;
	struct vm_block ***dir;		/* leaves of VB_LEAF block pointers */
	unsigned long dir_base;		/* first granule of the range */
	unsigned long dir_len;		/* leaves */
	struct kcache block_cache;
	struct vm_block *recycled;	/* released blocks (va.lock) */
	unsigned long nr_recycled;
	unsigned long blocks;		/* live blocks (atomic) */
	long lazy_batch;		/* pages per fold */
} vb;

static inline unsigned long slot_start(const struct vm_block *b, unsigned int i)
{
	return b->start + i * b->stride;
}

/*
 * The slot holding byte @off of the block, and whether @off is that
 * slot's start. Offsets are below 2 MiB (512 pages), where multiplying
 * by a rounded-up 2^16 / stride reciprocal divides exactly (the error is
 * below 512 * 1 / 2^16 of a slot): no 64-bit division on the free path.
 */
static inline unsigned int slot_of(const struct vm_block *b, unsigned long off,
				   bool *at_start)
{
	unsigned long pages = off >> PAGE_SHIFT;
	unsigned int i = (unsigned int)((pages * b->recip) >> 16);

	*at_start = !(off & (PAGE_SIZE - 1)) &&
		    pages == i * (b->stride >> PAGE_SHIFT);
	return i;
}

static inline bool bit_test(const uint64_t *map, unsigned int i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static inline void bit_set(uint64_t *map, unsigned int i)
{
	map[i / 64] |= 1ULL << (i % 64);
}

static inline void bit_clear(uint64_t *map, unsigned int i)
{
	map[i / 64] &= ~(1ULL << (i % 64));
}

static inline bool block_full(const struct vm_block *b)
{
	return b->nr_used + b->nr_dirty + b->nr_purging == b->nslots;
}

/* The lowest slot that is neither used, dirty nor purging. */
static int first_free(const struct vm_block *b)
{
	unsigned int w;

	for (w = 0; w < b->words; w++) {
		uint64_t free = ~(b->used[w] | b->dirty[w] | b->purging[w]);

		if (w + 1 == b->words)
			free &= b->tail;
		if (free)
			return (int)(w * 64 + (unsigned int)__builtin_ctzll(free));
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Lists (the CPU's lock held)                                         */
/* ------------------------------------------------------------------ */

static void partial_add(struct vb_cpu *pc, struct vm_block *b)
{
	if (b->on_partial)
		return;
	b->prev = NULL;
	b->next = pc->partial[b->cls];
	if (b->next)
		b->next->prev = b;
	pc->partial[b->cls] = b;
	b->on_partial = true;
}

static void partial_del(struct vb_cpu *pc, struct vm_block *b)
{
	if (!b->on_partial)
		return;
	if (b->prev)
		b->prev->next = b->next;
	else
		pc->partial[b->cls] = b->next;
	if (b->next)
		b->next->prev = b->prev;
	b->next = b->prev = NULL;
	b->on_partial = false;
}

static bool stock_refill_locked(struct vb_cpu *pc)
{
	vm_lock_assert_held(&pc->lock);
	pc->nr_stock += va_desc_alloc_batch(&pc->stock, VB_STOCK_BATCH);
	return pc->stock != NULL;
}

static struct vm_desc *stock_pop_locked(struct vb_cpu *pc)
{
	struct vm_desc *d = pc->stock;

	vm_lock_assert_held(&pc->lock);
	pc->stock = *(struct vm_desc **)d;
	pc->nr_stock--;
	return d;
}

/* Keep @d; return a batch to give back when the stock is too full. */
static struct vm_desc *stock_push_locked(struct vb_cpu *pc, struct vm_desc *d,
					 unsigned int *excess)
{
	struct vm_desc *batch = NULL;

	vm_lock_assert_held(&pc->lock);
	d->state = VMD_FREE;
	*(struct vm_desc **)d = pc->stock;
	pc->stock = d;
	pc->nr_stock++;
	*excess = 0;
	if (pc->nr_stock > VB_STOCK_MAX) {
		unsigned int i;

		batch = pc->stock;
		for (i = 1; i < VB_STOCK_BATCH; i++)
			pc->stock = *(struct vm_desc **)pc->stock;
		d = pc->stock;
		pc->stock = *(struct vm_desc **)d;
		*(struct vm_desc **)d = NULL;
		pc->nr_stock -= VB_STOCK_BATCH;
		*excess = VB_STOCK_BATCH;
	}
	return batch;
}

/* ------------------------------------------------------------------ */
/* The directory                                                       */
/* ------------------------------------------------------------------ */

struct vm_block *vb_lookup(unsigned long addr)
{
	unsigned long g = (addr >> VB_SPAN_SHIFT) - vb.dir_base;
	struct vm_block **leaf;
	struct vm_block *b;

	if (!vb.dir || (addr >> VB_SPAN_SHIFT) < vb.dir_base ||
	    (g >> VB_LEAF_SHIFT) >= vb.dir_len)
		return NULL;
	leaf = __atomic_load_n(&vb.dir[g >> VB_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	if (!leaf)
		return NULL;
	b = __atomic_load_n(&leaf[g & (VB_LEAF - 1)], __ATOMIC_ACQUIRE);
	if (!b || addr - __atomic_load_n(&b->start, __ATOMIC_RELAXED) >=
		  __atomic_load_n(&b->span, __ATOMIC_RELAXED))
		return NULL;
	return b;
}

/* Publish @b (or clear its entry, @b NULL) for @start; va.lock held. */
static int dir_set_locked(unsigned long start, struct vm_block *b)
{
	unsigned long g = (start >> VB_SPAN_SHIFT) - vb.dir_base;
	struct vm_block **leaf = vb.dir[g >> VB_LEAF_SHIFT];

	va_assert_locked();
	if (!leaf) {
		if (!b)
			return 0;
		leaf = vm_plat->meta_alloc(vm_plat->ctx,
					   VB_LEAF * sizeof(*leaf));
		if (!leaf)
			return -VM_ENOMEM;
		__atomic_store_n(&vb.dir[g >> VB_LEAF_SHIFT], leaf,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&leaf[g & (VB_LEAF - 1)], b, __ATOMIC_RELEASE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                              */
/* ------------------------------------------------------------------ */

/*
 * Make a block of class @cls for @cpu and put it on the CPU's partial
 * list. Return it, or NULL with *err (-ENOSPC: no 2 MiB-aligned room).
 */
static struct vm_block *new_block(unsigned int cls, unsigned int cpu, int *err)
{
	unsigned long pages = cls + 2;
	unsigned int nslots = (unsigned int)vm_min(VB_SPAN_PAGES / pages,
						   (unsigned long)VB_MAX_SLOTS);
	struct vb_cpu *pc = &vb.cpus[cpu];
	struct vmap_area *v;
	struct vm_block *b;

	va_lock();
	b = vb.recycled;
	if (b) {
		vb.recycled = b->next;
		__atomic_store_n(&vb.nr_recycled, vb.nr_recycled - 1,
				 __ATOMIC_RELAXED);
	}
	va_unlock();
	if (!b)
		b = kcache_alloc(&vb.block_cache);	/* zeroed */
	if (!b) {
		*err = -VM_ENOMEM;
		return NULL;
	}
	/* start and span stay as they were until published again. */
	vm_memset(&b->stride, 0, sizeof(*b) - offsetof(struct vm_block, stride));
	b->cls = (uint16_t)cls;
	b->nslots = (uint16_t)nslots;
	b->cpu = (uint16_t)cpu;
	b->stride = pages << PAGE_SHIFT;
	b->recip = (uint32_t)((65536 + pages - 1) / pages);
	b->words = (uint16_t)((nslots + 63) / 64);
	b->tail = nslots % 64 ? (1ULL << (nslots % 64)) - 1 : ~0ULL;
	v = va_block_range(nslots * b->stride, 1UL << VB_SPAN_SHIFT, b, err);
	if (!v) {
		kcache_free(&vb.block_cache, b);
		return NULL;
	}
	/* Still under va.lock: the block appears whole, or not at all. */
	*err = dir_set_locked(b->start, b);
	if (*err) {
		va_block_range_free_locked(v);
		va_unlock();
		kcache_free(&vb.block_cache, b);
		return NULL;
	}
	/* Published and listed at once, as a sanity walk must see it. */
	vm_lock(&pc->lock);
	b->published = true;
	cpu_count(&pc->empty, 1);
	partial_add(pc, b);
	vm_unlock(&pc->lock);
	va_unlock();
	vm_stat_add(&vb.blocks, 1);
	return b;
}

static inline bool vb_wants(const struct va_request *rq)
{
	unsigned long pages = rq->size >> PAGE_SHIFT;

	return vb.enabled && pages >= 2 && pages <= VB_CLASSES + 1 &&
	       rq->align == PAGE_SIZE && !(rq->flags & VM_IOREMAP) &&
	       rq->vstart == vm_plat->vmalloc_start &&
	       rq->vend == vm_plat->vmalloc_end;
}

struct vm_struct *vb_get(const struct va_request *rq, int *err)
{
	unsigned int cls = (unsigned int)(rq->size >> PAGE_SHIFT) - 2;
	unsigned int cpu;
	struct vb_cpu *pc;
	struct vm_block *b;
	struct vm_desc *d;
	int i;

	if (!vb_wants(rq)) {
		*err = -VM_ENOSPC;
		return NULL;
	}
	cpu = vm_this_cpu();
	pc = &vb.cpus[cpu];
	vm_lock(&pc->lock);
	for (;;) {
		if (!pc->stock && !stock_refill_locked(pc)) {
			vm_unlock(&pc->lock);
			*err = -VM_ENOMEM;
			return NULL;
		}
		b = pc->partial[cls];
		if (b)
			break;
		vm_unlock(&pc->lock);
		if (!new_block(cls, cpu, err))
			return NULL;
		vm_lock(&pc->lock);
	}
	i = first_free(b);
	d = stock_pop_locked(pc);
	va_desc_fill(d, slot_start(b, (unsigned int)i), rq, VMD_SLOT);
	d->cpu = (uint16_t)cpu;
	bit_set(b->used, (unsigned int)i);
	b->slot[i] = d;
	if (!b->nr_used++)
		cpu_count(&pc->empty, -1);
	if (block_full(b))
		partial_del(pc, b);
	cpu_count(&pc->areas, 1);
	cpu_count(&pc->busy, 1);
	vm_unlock(&pc->lock);
	return &d->vm;
}

bool vb_take(unsigned long addr,
	     bool (*refuse)(const struct vm_struct *vm, const void *ctx),
	     const void *ctx, bool *refused, struct vm_struct *snap,
	     struct vm_struct **out)
{
	struct vm_block *b = vb_lookup(addr);
	struct vm_desc *d, *batch = NULL;
	unsigned int i, excess = 0;
	struct vb_cpu *pc;
	bool was_full, mapped, at_start, purge = false;

	if (!b)
		return false;
	*out = NULL;
	i = slot_of(b, addr - b->start, &at_start);
	if (!at_start)
		return true;		/* inside a slot, not its start */
	pc = &vb.cpus[b->cpu];
	vm_lock(&pc->lock);
	d = b->slot[i];
	if (!d || !bit_test(b->used, i)) {
		vm_unlock(&pc->lock);
		return true;
	}
	if (refuse && refuse(&d->vm, ctx)) {
		vm_unlock(&pc->lock);
		*refused = true;
		return true;
	}
	was_full = block_full(b);
	bit_clear(b->used, i);
	b->slot[i] = NULL;
	if (!--b->nr_used)
		cpu_count(&pc->empty, 1);
	cpu_count(&pc->busy, -1);
	mapped = va_flags(&d->vm) & VMD_MAPPED;
	if (mapped) {
		/* A few PTEs: cleared here, flushed by the next purge. */
		vm_flush_cache_vunmap(addr, addr + b->stride - PAGE_SIZE);
		pt_unmap_noflush(addr, (b->stride >> PAGE_SHIFT) - 1);
		bit_set(b->dirty, i);
		b->nr_dirty++;
		if (!b->on_dirty) {
			b->dirty_next = pc->dirty;
			__atomic_store_n(&pc->dirty, b, __ATOMIC_RELAXED);
			b->on_dirty = true;
		}
		cpu_count(&pc->lazy, (long)(b->stride >> PAGE_SHIFT));
		if (pc->lazy >= vb.lazy_batch) {
			/* Under the lock: the pages are always counted once. */
			purge = va_lazy_add(pc->lazy);
			cpu_count(&pc->lazy, -pc->lazy);
		}
	} else if (was_full) {
		partial_add(pc, b);
	}
	if (snap) {
		*snap = d->vm;
		batch = stock_push_locked(pc, d, &excess);
		cpu_count(&pc->areas, -1);
		*out = snap;
	} else {
		d->state = VMD_REMOVED;	/* va_put() counts it out later */
		*out = &d->vm;
	}
	vm_unlock(&pc->lock);
	if (batch)
		va_desc_free_batch(batch, excess);
	if (purge)
		va_purge(false);
	return true;
}

void vb_abort(struct vm_desc *d)
{
	unsigned long addr = (unsigned long)d->vm.addr;
	struct vm_block *b = vb_lookup(addr);
	struct vm_desc *batch;
	unsigned int i, excess;
	struct vb_cpu *pc;
	bool was_full, at_start;

	if (!b) {
		vm_bug("vb_abort: no block at %lx", addr);
		return;
	}
	i = slot_of(b, addr - b->start, &at_start);
	pc = &vb.cpus[b->cpu];
	vm_lock(&pc->lock);
	was_full = block_full(b);
	bit_clear(b->used, i);
	b->slot[i] = NULL;
	if (!--b->nr_used)
		cpu_count(&pc->empty, 1);
	if (was_full)
		partial_add(pc, b);
	batch = stock_push_locked(pc, d, &excess);
	cpu_count(&pc->areas, -1);
	cpu_count(&pc->busy, -1);
	vm_unlock(&pc->lock);
	if (batch)
		va_desc_free_batch(batch, excess);
}

/* ------------------------------------------------------------------ */
/* Walks and lookups (va.lock held)                                    */
/* ------------------------------------------------------------------ */

struct vm_struct *vb_find_locked(struct vm_block *b, unsigned long addr,
				 bool containing)
{
	struct vb_cpu *pc = &vb.cpus[b->cpu];
	unsigned long off = addr - b->start;
	struct vm_struct *vm = NULL;
	unsigned int i;
	bool at_start;

	va_assert_locked();
	if (off >= b->span)
		return NULL;
	i = slot_of(b, off, &at_start);
	vm_lock(&pc->lock);
	if (b->slot[i] && (containing || at_start))
		vm = &b->slot[i]->vm;
	vm_unlock(&pc->lock);
	return vm;
}

bool vb_walk_locked(struct vm_block *b, unsigned long from, unsigned long to,
		    bool (*fn)(struct vm_struct *vm, void *arg), void *arg)
{
	struct vb_cpu *pc = &vb.cpus[b->cpu];
	bool stop = false;
	unsigned int i;

	va_assert_locked();
	vm_lock(&pc->lock);
	for (i = 0; i < b->nslots && !stop; i++) {
		unsigned long s = slot_start(b, i);

		if (s >= to)
			break;
		if (s + b->stride > from && b->slot[i])
			stop = fn(&b->slot[i]->vm, arg);
	}
	vm_unlock(&pc->lock);
	return stop;
}

bool vb_in_use_locked(struct vm_block *b, const void *self,
		      unsigned long start, unsigned long end)
{
	struct vb_cpu *pc = &vb.cpus[b->cpu];
	bool used = false;
	unsigned int i;

	va_assert_locked();
	vm_lock(&pc->lock);
	for (i = 0; i < b->nslots && !used; i++) {
		unsigned long s = slot_start(b, i);

		if (s + b->stride > start && s < end && b->slot[i] &&
		    &b->slot[i]->vm != self)
			used = true;
	}
	vm_unlock(&pc->lock);
	return used;
}

/* ------------------------------------------------------------------ */
/* Purge                                                               */
/* ------------------------------------------------------------------ */

/* Take the CPU's empty blocks off its partial lists for release. */
static void collect_empty_locked(struct vb_cpu *pc, struct vb_purge *p)
{
	unsigned int cls;

	vm_lock_assert_held(&pc->lock);
	for (cls = 0; cls < VB_CLASSES; cls++) {
		struct vm_block *b = pc->partial[cls], *next;

		for (; b; b = next) {
			next = b->next;
			if (b->nr_used || b->nr_dirty || b->nr_purging)
				continue;
			partial_del(pc, b);
			cpu_count(&pc->empty, -1);
			b->purge_next = p->empty;
			p->empty = b;
		}
	}
}

void vb_purge_collect(struct vb_purge *p, bool shrink)
{
	unsigned int c, w;

	for (c = 0; c < vb.ncpus; c++) {
		struct vb_cpu *pc = &vb.cpus[c];
		struct vm_block *b, *next;

		if (!shrink && !__atomic_load_n(&pc->dirty, __ATOMIC_RELAXED))
			continue;	/* no dirty slot, so no uncounted page */
		vm_lock(&pc->lock);
		/* The pages this purge subtracts must all be counted first. */
		if (pc->lazy) {
			va_lazy_add(pc->lazy);
			cpu_count(&pc->lazy, -pc->lazy);
		}
		if (shrink)
			collect_empty_locked(pc, p);
		for (b = pc->dirty; b; b = next) {
			next = b->dirty_next;
			for (w = 0; w < VB_WORDS; w++) {
				b->purging[w] = b->dirty[w];
				b->dirty[w] = 0;
			}
			b->nr_purging = b->nr_dirty;
			b->nr_dirty = 0;
			b->on_dirty = false;
			b->dirty_next = NULL;
			p->slots += b->nr_purging;
			p->pages += b->nr_purging * (b->stride >> PAGE_SHIFT);
			b->purge_next = p->blocks;
			p->blocks = b;
		}
		__atomic_store_n(&pc->dirty, NULL, __ATOMIC_RELAXED);
		vm_unlock(&pc->lock);
	}
}

void vb_purge_sync(struct vb_purge *p,
		   void (*flush)(void *arg, unsigned long start,
				 unsigned long end), void *arg)
{
	struct vm_block *b;

	/* Only this purge touches purging bits until vb_purge_finish. */
	for (b = p->blocks; b; b = b->purge_next) {
		unsigned int i = 0, j;

		while (i < b->nslots) {
			if (!bit_test(b->purging, i)) {
				i++;
				continue;
			}
			for (j = i; j < b->nslots && bit_test(b->purging, j); j++)
				;
			vm_sync_unmap(slot_start(b, i),
				      (j - i) * b->stride - PAGE_SIZE);
			flush(arg, slot_start(b, i), slot_start(b, j));
			i = j;
		}
	}
}

void vb_purge_finish(struct vb_purge *p)
{
	struct vm_block *b, *next;
	unsigned int w;

	for (b = p->blocks; b; b = next) {
		struct vb_cpu *pc = &vb.cpus[b->cpu];
		bool was_full;

		next = b->purge_next;
		vm_lock(&pc->lock);
		was_full = block_full(b);
		for (w = 0; w < VB_WORDS; w++)
			b->purging[w] = 0;
		b->nr_purging = 0;
		b->purge_next = NULL;
		if (was_full && !block_full(b))
			partial_add(pc, b);
		/*
		 * Empty: give it back, unless it is the warm block that serves
		 * its class next (and this is no shrinking purge).
		 */
		if (!b->nr_used && !b->nr_dirty &&
		    (p->shrink || pc->partial[b->cls] != b)) {
			partial_del(pc, b);
			cpu_count(&pc->empty, -1);
			b->purge_next = p->empty;
			p->empty = b;
		}
		vm_unlock(&pc->lock);
	}
	p->blocks = NULL;
}

void vb_attach_locked(struct vm_block *b, struct vmap_area *v)
{
	va_assert_locked();
	b->va = v;
	__atomic_store_n(&b->start, v->va_start, __ATOMIC_RELAXED);
	__atomic_store_n(&b->span, (unsigned long)b->nslots * b->stride,
			 __ATOMIC_RELAXED);
}

void vb_release_locked(struct vm_block *b)
{
	va_assert_locked();
	dir_set_locked(b->start, NULL);
	b->published = false;
	__atomic_store_n(&b->span, 0, __ATOMIC_RELAXED);
	b->va = NULL;
	b->next = vb.recycled;
	vb.recycled = b;
	__atomic_store_n(&vb.nr_recycled, vb.nr_recycled + 1, __ATOMIC_RELAXED);
	vm_stat_add(&vb.blocks, -1);
}

struct vmap_area *vb_range(struct vm_block *b)
{
	return b->va;
}

struct vm_block *vb_next_release(struct vm_block *b)
{
	return b->purge_next;
}

/* ------------------------------------------------------------------ */
/* Set-up, stats, sanity                                               */
/* ------------------------------------------------------------------ */

int vb_init(bool enabled, unsigned long lazy_max)
{
	unsigned long first, last;
	unsigned int c;

	vm_memset(&vb, 0, sizeof(vb));
	vb.enabled = enabled;
	vb.ncpus = vm_ncpus();
	vb.lazy_batch = (long)vm_max(1UL, vm_min((unsigned long)VB_LAZY_BATCH,
						 lazy_max / 4 / vb.ncpus));
	kcache_init(&vb.block_cache, "vmap_block", sizeof(struct vm_block));
	vb.cpus_bytes = vb.ncpus * sizeof(struct vb_cpu);
	vb.cpus = vm_plat->meta_alloc(vm_plat->ctx, vb.cpus_bytes);
	first = vm_plat->vmalloc_start >> VB_SPAN_SHIFT;
	last = (vm_plat->vmalloc_end - 1) >> VB_SPAN_SHIFT;
	vb.dir_base = first;
	vb.dir_len = ((last - first) >> VB_LEAF_SHIFT) + 1;
	vb.dir = vm_plat->meta_alloc(vm_plat->ctx, vb.dir_len * sizeof(*vb.dir));
	if (!vb.cpus || !vb.dir) {
		vb_exit();
		return -VM_ENOMEM;
	}
	for (c = 0; c < vb.ncpus; c++)
		vm_lock_init(&vb.cpus[c].lock, "vmap_block_cpu");
	return 0;
}

void vb_exit(void)
{
	unsigned long l;
	unsigned int c;

	if (vb.dir) {
		for (l = 0; l < vb.dir_len; l++)
			if (vb.dir[l])
				vm_plat->meta_free(vm_plat->ctx, vb.dir[l],
						   VB_LEAF * sizeof(*vb.dir[l]));
		vm_plat->meta_free(vm_plat->ctx, vb.dir,
				   vb.dir_len * sizeof(*vb.dir));
	}
	if (vb.cpus) {
		for (c = 0; c < vb.ncpus; c++)
			vm_lock_destroy(&vb.cpus[c].lock);
		vm_plat->meta_free(vm_plat->ctx, vb.cpus, vb.cpus_bytes);
	}
	kcache_destroy(&vb.block_cache);
	vm_memset(&vb, 0, sizeof(vb));
}

void vb_stats(struct vb_counts *c)
{
	long descs = 0, empty = 0;
	unsigned int i;

	vm_memset(c, 0, sizeof(*c));
	for (i = 0; i < vb.ncpus; i++) {
		struct vb_cpu *pc = &vb.cpus[i];

		descs += (long)__atomic_load_n(&pc->nr_stock, __ATOMIC_RELAXED);
		empty += __atomic_load_n(&pc->empty, __ATOMIC_RELAXED);
		c->areas += __atomic_load_n(&pc->areas, __ATOMIC_RELAXED);
		c->busy += __atomic_load_n(&pc->busy, __ATOMIC_RELAXED);
		c->lazy += __atomic_load_n(&pc->lazy, __ATOMIC_RELAXED);
	}
	c->blocks = vm_stat_read(&vb.blocks);
	/* Descriptors in stock and blocks that hold no live area. */
	c->stock_bytes = (unsigned long)descs *
			 VM_ALIGN_UP(sizeof(struct vm_desc), 16UL) +
			 (__atomic_load_n(&vb.nr_recycled, __ATOMIC_RELAXED) +
			  (unsigned long)empty) * vb.block_cache.size;
}

void vb_lock_all(void)
{
	unsigned int c;

	for (c = 0; c < vb.ncpus; c++)
		vm_lock(&vb.cpus[c].lock);
}

void vb_unlock_all(void)
{
	unsigned int c;

	for (c = vb.ncpus; c-- > 0;)
		vm_unlock(&vb.cpus[c].lock);
}

const char *vb_check_locked(struct vm_block *b, unsigned long *live,
			    unsigned long *dirty_pages)
{
	const char *why = NULL;
	unsigned int i, used = 0, dirty = 0;

	vm_lock_assert_held(&vb.cpus[b->cpu].lock);
	/* A block being made is in the tree before the directory. */
	if (b->va->va_start != b->start || b->span != b->nslots * b->stride ||
	    b->va->va_end - b->va->va_start != b->span ||
	    b->start & ((1UL << VB_SPAN_SHIFT) - 1) ||
	    (b->published ? vb_lookup(b->start) != b :
			    b->nr_used || b->on_partial))
		why = "block range or directory entry wrong";
	for (i = 0; i < b->nslots && !why; i++) {
		struct vm_desc *d = b->slot[i];
		bool u = bit_test(b->used, i), dt = bit_test(b->dirty, i);

		if ((u && dt) || bit_test(b->purging, i) || u != (d != NULL))
			why = "slot states overlap";
		else if (d && (d->state != VMD_LIVE || !(va_flags(&d->vm) & VMD_SLOT) ||
			       d->cpu != b->cpu ||
			       (unsigned long)d->vm.addr != slot_start(b, i) ||
			       d->vm.size != b->stride))
			why = "slot and its vm_struct disagree";
		used += u;
		dirty += dt;
	}
	if (!why && (used != b->nr_used || dirty != b->nr_dirty))
		why = "block slot counts wrong";
	if (!why && b->nr_purging)
		why = "block slots left purging";
	if (!why && b->on_partial == block_full(b))
		why = b->on_partial ? "full block on the partial list" :
				      "block with a free slot off the partial list";
	*live = used;
	*dirty_pages = dirty * (b->stride >> PAGE_SHIFT);
	return why;
}
