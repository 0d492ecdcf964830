/* SPDX-License-Identifier: MIT */
/*
 * The small-area fast path: per-CPU blocks of fixed-size slots, after the
 * kernel's vmap_block (which serves vm_map_ram).
 *
 * Requests of 1 to 4 pages with page alignment and the whole range as
 * window are the bulk of vmalloc traffic. Each takes a slot of a block of
 * its size class owned by the calling CPU: a block is one busy range of
 * the registry, aligned to 2 MiB and at most 2 MiB long, cut into slots of
 * (pages + 1) pages, the guard page included:
 *
 *   2 MiB aligned
 *   | slot 0      | slot 1      | slot 2      |     | slot n-1    |
 *   | data | gd   | data | gd   | data | gd   | ... | data | gd   |
 *
 * A slot is free, used (a live or claimed area), dirty (freed after being
 * mapped: its TLB entries may live until the next purge, so it waits like
 * an area on the lazy list) or purging (the running purge is flushing
 * it). An allocation takes the lowest free slot of the first block on its
 * CPU's partial list (blocks with a free slot, most recently refilled
 * first), so the common case is one lock round trip and a bit scan. A
 * free finds the block through a two-level directory indexed by the
 * address's 2 MiB granule and takes its owner's lock.
 *
 * The directory is read without a lock, so what it gives is a hint: the
 * block may be in the middle of being released and reused for another
 * granule, CPU or size class. Blocks are never freed, only recycled, so a
 * stale pointer is always a block. Its identity (start, span, stride,
 * cpu) changes only while it is out of service, between vb_forget() and
 * vb_publish(), and a sequence count is odd for exactly that time.
 *
 * Claims. A slot holds its descriptor's address with the low bit set
 * while the area is claimed. A free (vb_claim) first tries without any
 * lock: an even, unchanged sequence count around its reads of the
 * identity, the slot the address falls in, a descriptor there whose own
 * address is the address freed (a descriptor's address is unique among
 * live areas, whatever the hint), and a compare-and-swap that sets the
 * claim bit. A consistent identity that does not cover the address (a
 * tree area in the tail of a block's granule) goes to the registry's
 * tree at once. Anything else (a stale hint, a bad address) takes the
 * locked path: it locks the CPU the hint names and re-checks, under that
 * lock, that the block is published, still that CPU's, and covers the
 * address before it reads the slot.
 *
 * vm_map_ram blocks (class VB_RAM). The kernel serves small vm_map_ram()
 * mappings from per-CPU blocks with no descriptor per mapping; so do we.
 * A ram block is a block whose slots are single pages (256 of them, 1
 * MiB): a mapping of n pages takes the lowest run of n + 1 free pages of
 * one of the CPU's ram blocks (its data and its guard page). Its first
 * page is marked in head[]; the run ends at the next head or the first
 * unused page, so used[] and head[] alone give every mapping's length.
 *
 *   | head           | head      | free  | head      | dirty     |
 *   | data data gd   | data gd   |       | data gd   | .. .. ..  |
 *
 * held[] marks a mapping that a thread holds: its mapper until the PTEs
 * are set (vb_ram_publish), its unmapper from the claim (vb_ram_claim)
 * until its pages turn dirty (vb_ram_retire). Walks and unmaps see only
 * heads that are not held. slot[] stays 0, so a lock-free claim that
 * meets a ram block (vfree of such an address) finds no descriptor and
 * the locked path says no area is there. A freed mapping's pages are
 * dirty until a purge, as a slot's are: purges treat both kinds alike.
 *
 * Locking: vb_cpu.lock (one per CPU, rank BLOCK) protects its blocks'
 * bitmaps, slot pointers, lists and counts, and its descriptor stock. It
 * is taken inside the registry's lock (walks, sanity, publication) or
 * alone. vb.pool_lock (rank BLOCK_POOL) protects the blocks kept for
 * reuse. Directory entries change with atomic compare-and-swap.
 */
#include "area/vmap_block.h"

#define VB_CLASSES	4		/* 1 .. 4 pages of data */
#define VB_RAM		VB_CLASSES	/* vm_map_ram()'s blocks (see below) */
#define VB_LISTS	(VB_CLASSES + 1)
#define VB_RAM_SCAN	8		/* ram blocks tried before a new one */
#define VB_SPAN_SHIFT	21		/* 2 MiB: alignment and maximum size */
#define VB_SPAN_PAGES	(1UL << (VB_SPAN_SHIFT - PAGE_SHIFT))
#define VB_MAX_SLOTS	256
#define VB_WORDS	(VB_MAX_SLOTS / 64)
#define VB_LEAF_SHIFT	9		/* 512 granules (1 GiB) per leaf */
#define VB_LEAF		(1UL << VB_LEAF_SHIFT)
#define VB_STOCK_BATCH	16		/* descriptors fetched at once */
#define VB_STOCK_MAX	64		/* descriptors kept per CPU */

_Static_assert(VB_ALIGN == 1UL << VB_SPAN_SHIFT, "VB_ALIGN is the span");
_Static_assert(VB_MAX_PAGES == VB_CLASSES + 1, "a slot: data and guard");

struct vm_block {
	/*
	 * Identity: read without a lock through stale directory hints, so
	 * always accessed atomically; changed only while seq is odd.
	 */
	unsigned int seq;		/* odd while out of service */
	unsigned int cpu;		/* the owner */
	unsigned long start;		/* address of slot 0, 2 MiB aligned */
	unsigned long span;		/* nslots * stride */
	unsigned long stride;		/* bytes per slot, guard included */
	uint32_t recip;			/* ceil(2^16 / stride in pages) */
	bool published;			/* in service (owner's lock) */
	/* The rest: under the owner CPU's lock (or before publication). */
	struct vm_block *next;		/* partial list of its CPU; pool */
	struct vm_block *prev;
	struct vm_block *dirty_next;	/* its CPU's dirty list */
	struct vm_block *purge_next;	/* a purge's batch or release list */
	uint16_t cls, nslots, nr_used, nr_dirty, nr_purging;
	uint16_t words;			/* bitmap words in use */
	unsigned int walkers;		/* vb_walk inside (atomic; see
					   vb_quiesce) */
	bool on_partial, on_dirty;
	uint64_t tail;			/* valid bits of the last word */
	uint64_t used[VB_WORDS];	/* a descriptor is there */
	uint64_t dirty[VB_WORDS];
	uint64_t purging[VB_WORDS];
	uint64_t head[VB_WORDS];	/* ram: first page of a mapping */
	uint64_t held[VB_WORDS];	/* ram: its mapper or unmapper holds it */
	/* A descriptor's address | SLOT_CLAIMED, or 0 (atomic; ram: 0). */
	uintptr_t slot[VB_MAX_SLOTS];
};

#define SLOT_CLAIMED	((uintptr_t)1)

/*
 * One per CPU, on its own cache lines. The counters change under the
 * lock and are summed by readers (vm_counter_*).
 */
struct vb_cpu {
	struct vm_lock lock;
	struct vm_block *partial[VB_LISTS];
	struct vm_block *dirty;		/* read without the lock as a hint */
	struct objstock stock;		/* free descriptors */
	unsigned long areas;		/* descriptors handed out here, net */
	unsigned long busy;		/* used slots of this CPU's blocks */
	unsigned long empty;		/* its published blocks with none used */
	unsigned long lazy;		/* dirty pages not yet in the lazy count */
} __attribute__((aligned(64)));

/*
 * Dirty pages are folded into the registry's lazy count in batches of up
 * to 64 pages per CPU, and at most a quarter of the threshold across all
 * CPUs: the purge comes at most that late.
 */
#define VB_LAZY_BATCH	64

static struct {
	/* Read by every call, written by init: lines of their own. */
	unsigned int ncpus;
	struct vb_cpu *cpus;
	size_t cpus_bytes;
	struct vm_block ***dir;		/* leaves of VB_LEAF block pointers */
	unsigned long dir_base;		/* first granule of the range */
	unsigned long dir_len;		/* leaves */
	struct kcache *descs;		/* the registry's descriptor cache */
	unsigned long *lazy_pages;	/* the registry's lazy count (atomic) */
	unsigned long lazy_max;
	unsigned long lazy_batch;	/* pages per fold */
	/* Written when blocks come and go. */
	struct kcache block_cache __vm_cacheline;
	struct vm_lock pool_lock;	/* pool, nr_pool */
	struct vm_block *pool;		/* blocks for reuse */
	unsigned long nr_pool;
	unsigned long blocks;		/* published or being released */
} vb __vm_cacheline;

static inline unsigned long ld(const unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline unsigned long slot_start(const struct vm_block *b, unsigned int i)
{
	return b->start + i * b->stride;
}

/*
 * The slot holding byte @off of a block with slots of @stride bytes, and
 * whether @off is that slot's start. Offsets are below 2 MiB (512
 * pages), where multiplying by a rounded-up 2^16 / stride reciprocal
 * @recip divides exactly (the error is below 512 * 1 / 2^16 of a slot):
 * no 64-bit division on the free path.
 */
static inline unsigned int slot_index(unsigned long off, unsigned long stride,
				      uint32_t recip, bool *at_start)
{
	unsigned long pages = off >> PAGE_SHIFT;
	unsigned int i = (unsigned int)((pages * recip) >> 16);

	*at_start = !(off & (PAGE_SIZE - 1)) &&
		    pages == i * (stride >> PAGE_SHIFT);
	return i;
}

static inline unsigned int slot_of(const struct vm_block *b, unsigned long off,
				   bool *at_start)
{
	return slot_index(off, b->stride, b->recip, at_start);
}

static inline uintptr_t slot_load(const struct vm_block *b, unsigned int i)
{
	return __atomic_load_n(&b->slot[i], __ATOMIC_ACQUIRE);
}

static inline void slot_store(struct vm_block *b, unsigned int i, uintptr_t v)
{
	__atomic_store_n(&b->slot[i], v, __ATOMIC_RELEASE);
}

static inline struct vm_desc *slot_desc(uintptr_t v)
{
	return (struct vm_desc *)(v & ~SLOT_CLAIMED);
}

/* The live (unclaimed) descriptor in slot @i, or NULL. */
static inline struct vm_desc *slot_live(const struct vm_block *b,
					unsigned int i)
{
	uintptr_t v = slot_load(b, i);

	return v & SLOT_CLAIMED ? NULL : slot_desc(v);
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

static inline bool published(const struct vm_block *b)
{
	return __atomic_load_n(&b->published, __ATOMIC_RELAXED);
}

static inline void set_published(struct vm_block *b, bool on)
{
	__atomic_store_n(&b->published, on, __ATOMIC_RELAXED);
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

static inline struct vb_cpu *cpu_of(const struct vm_block *b)
{
	return &vb.cpus[__atomic_load_n(&b->cpu, __ATOMIC_RELAXED)];
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

/* Take an empty block out of service (the CPU's lock held). */
static void unpublish_locked(struct vb_cpu *pc, struct vm_block *b,
			     struct vb_purge *p)
{
	vm_lock_assert_held(&pc->lock);
	partial_del(pc, b);
	set_published(b, false);
	vm_counter_add_locked(&pc->empty, -1);
	b->purge_next = p->empty;
	p->empty = b;
}

/* ------------------------------------------------------------------ */
/* The directory                                                       */
/* ------------------------------------------------------------------ */

/* Install directory leaf @l (publishers race for it). */
static __vm_slow struct vm_block **dir_new_leaf(unsigned long l)
{
	struct vm_block **leaf = NULL, **fresh;

	fresh = vm_plat->meta_alloc(vm_plat->ctx, VB_LEAF * sizeof(*fresh));
	if (!fresh)
		return NULL;
	if (__atomic_compare_exchange_n(&vb.dir[l], &leaf, fresh, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return fresh;
	/* Another publisher installed one first. */
	vm_plat->meta_free(vm_plat->ctx, fresh, VB_LEAF * sizeof(*fresh));
	return leaf;
}

static inline struct vm_block **dir_slot(unsigned long addr, bool create)
{
	/* Below the range, g wraps and fails the test too; no directory:
	 * dir_len is 0. */
	unsigned long g = (addr >> VB_SPAN_SHIFT) - vb.dir_base;
	struct vm_block **leaf;

	if ((g >> VB_LEAF_SHIFT) >= vb.dir_len)
		return NULL;
	leaf = __atomic_load_n(&vb.dir[g >> VB_LEAF_SHIFT], __ATOMIC_ACQUIRE);
	if (!leaf && create)
		leaf = dir_new_leaf(g >> VB_LEAF_SHIFT);
	return leaf ? &leaf[g & (VB_LEAF - 1)] : NULL;
}

struct vm_block *vb_lookup(unsigned long addr)
{
	struct vm_block **e = dir_slot(addr, false);

	return e ? __atomic_load_n(e, __ATOMIC_ACQUIRE) : NULL;
}

/* ------------------------------------------------------------------ */
/* Blocks                                                              */
/* ------------------------------------------------------------------ */

struct vm_block *vb_new(const struct area_request *rq, unsigned long *span)
{
	unsigned int cls = rq->ram ? VB_RAM :
			   (unsigned int)(rq->size >> PAGE_SHIFT) - 2;
	unsigned long pages = rq->ram ? 1 : cls + 2;
	unsigned int nslots = (unsigned int)vm_min(VB_SPAN_PAGES / pages,
						   (unsigned long)VB_MAX_SLOTS);
	struct vm_block *b;

	vm_lock(&vb.pool_lock);
	b = vb.pool;
	if (b) {
		vb.pool = b->next;
		vm_counter_add_locked(&vb.nr_pool, -1);
	}
	vm_unlock(&vb.pool_lock);
	if (!b) {
		b = kcache_alloc(&vb.block_cache);	/* zeroed */
		if (!b)
			return NULL;
		__atomic_store_n(&b->seq, 1, __ATOMIC_RELAXED);
	}
	/*
	 * Out of service (seq odd): stale hints may read the identity, so
	 * it changes with atomic stores; the rest nobody reads.
	 */
	vm_memset(&b->next, 0, sizeof(*b) - offsetof(struct vm_block, next));
	__atomic_store_n(&b->cpu, vm_this_cpu(), __ATOMIC_RELAXED);
	__atomic_store_n(&b->stride, pages << PAGE_SHIFT, __ATOMIC_RELAXED);
	__atomic_store_n(&b->recip, (uint32_t)((65536 + pages - 1) / pages),
			 __ATOMIC_RELAXED);
	b->cls = (uint16_t)cls;
	b->nslots = (uint16_t)nslots;
	b->words = (uint16_t)((nslots + 63) / 64);
	b->tail = nslots % 64 ? (1ULL << (nslots % 64)) - 1 : ~0ULL;
	*span = nslots * b->stride;
	return b;
}

int vb_publish(struct vm_block *b, unsigned long start)
{
	struct vm_block **e = dir_slot(start, true);
	struct vm_block *none = NULL;
	struct vb_cpu *pc = cpu_of(b);

	if (!e)
		return -VM_ENOMEM;
	__atomic_store_n(&b->start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&b->span, (unsigned long)b->nslots * b->stride,
			 __ATOMIC_RELAXED);
	/* Release: a lookup that finds the entry sees the identity. */
	if (!__atomic_compare_exchange_n(e, &none, b, false, __ATOMIC_RELEASE,
					 __ATOMIC_RELAXED)) {
		vm_bug("vmap_block: granule of 0x%lx already has a block", start);
		return -VM_EEXIST;
	}
	vm_lock(&pc->lock);
	/* Even: the identity is complete (release: readers see it). */
	__atomic_store_n(&b->seq, b->seq + 1, __ATOMIC_RELEASE);
	set_published(b, true);
	vm_counter_add_locked(&pc->empty, 1);
	partial_add(pc, b);
	vm_unlock(&pc->lock);
	vm_stat_add(&vb.blocks, 1);
	return 0;
}

void vb_discard(struct vm_block *b)
{
	vm_lock(&vb.pool_lock);
	b->next = vb.pool;
	vb.pool = b;
	vm_counter_add_locked(&vb.nr_pool, 1);
	vm_unlock(&vb.pool_lock);
}

void vb_forget(struct vm_block *b)
{
	struct vm_block **e = dir_slot(b->start, false);
	struct vm_block *self = b;

	/* Odd before anything changes: lock-free claims stop trusting it. */
	__atomic_store_n(&b->seq, b->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (!e || !__atomic_compare_exchange_n(e, &self, NULL, false,
					       __ATOMIC_RELEASE,
					       __ATOMIC_RELAXED))
		vm_bug("vmap_block: block at 0x%lx not in the directory",
		       b->start);
	__atomic_store_n(&b->span, 0, __ATOMIC_RELAXED);
	vm_stat_add(&vb.blocks, -1);
	vb_discard(b);
}

/* A walk may hold the descriptor: it holds the lock until done. */
static __vm_slow void quiesce_wait(struct vm_block *b)
{
	struct vb_cpu *pc = cpu_of(b);

	vm_lock(&pc->lock);
	vm_unlock(&pc->lock);
}

void vb_quiesce(struct vm_block *b)
{
	if (__atomic_load_n(&b->walkers, __ATOMIC_SEQ_CST))
		quiesce_wait(b);
}

unsigned int vb_owner(const struct vm_block *b)
{
	return __atomic_load_n(&b->cpu, __ATOMIC_RELAXED);
}

unsigned long vb_start(const struct vm_block *b)
{
	return ld(&b->start);
}

unsigned long vb_span(const struct vm_block *b)
{
	return (unsigned long)b->nslots * b->stride;
}

/* ------------------------------------------------------------------ */
/* Allocation, claim, retirement                                       */
/* ------------------------------------------------------------------ */

int vb_alloc(const struct area_request *rq, struct vm_desc **out)
{
	unsigned int cls = (unsigned int)(rq->size >> PAGE_SHIFT) - 2;
	unsigned int cpu = vm_this_cpu();
	struct vb_cpu *pc = &vb.cpus[cpu];
	struct vm_block *b;
	struct vm_desc *d;
	int i;

	vm_lock(&pc->lock);
	if (!pc->stock.head &&
	    !kcache_stock_fill(vb.descs, &pc->stock, VB_STOCK_BATCH)) {
		vm_unlock(&pc->lock);
		return -VM_ENOMEM;
	}
	b = pc->partial[cls];
	if (!b) {
		vm_unlock(&pc->lock);
		return -VM_ENOSPC;
	}
	i = first_free(b);
	d = objstock_pop(&pc->stock);
	desc_fill(d, slot_start(b, (unsigned int)i), rq, VMD_SLOT);
	bit_set(b->used, (unsigned int)i);
	slot_store(b, (unsigned int)i, (uintptr_t)d);
	if (!b->nr_used++)
		vm_counter_add_locked(&pc->empty, -1);
	if (block_full(b))
		partial_del(pc, b);
	vm_counter_add_locked(&pc->areas, 1);
	vm_counter_add_locked(&pc->busy, 1);
	vm_unlock(&pc->lock);
	*out = d;
	return 0;
}

/*
 * Claim slot @i of @b, which held @v (descriptor @d, unclaimed), as
 * @expect and @how allow. VB_ELSEWHERE here: the slot changed meanwhile
 * (another claim or a retirement won the compare-and-swap).
 */
static inline __attribute__((always_inline))
enum vb_claim claim_slot(struct vm_block *b, unsigned int i,
				uintptr_t v, struct vm_desc *d,
				const struct vm_struct *expect,
				unsigned int how, struct vm_desc **out)
{
	if (desc_check_claim(d, expect, how & ~AREA_REFUSE_FRAMES))
		return VB_NONE;
	/* Sequentially consistent: vb_quiesce() pairs it with vb_walk. */
	if (!__atomic_compare_exchange_n(&b->slot[i], &v, v | SLOT_CLAIMED,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_RELAXED))
		return VB_ELSEWHERE;
	/* Ours now: its page array can be read without a race. */
	if ((how & AREA_REFUSE_FRAMES) && desc_check_claim(d, expect, how)) {
		slot_store(b, i, v);
		return VB_REFUSED;
	}
	*out = d;
	return VB_CLAIMED;
}

/*
 * The lock-free claim of a slot (see the file comment). Return true with
 * *res when it knows the answer, false when the locked path must decide.
 */
static bool claim_fast(struct vm_block *b, unsigned long addr,
		       const struct vm_struct *expect, unsigned int how,
		       enum vb_claim *res, struct vm_desc **out)
{
	unsigned int seq = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE), i;
	unsigned long start, span, stride;
	struct vm_desc *d;
	uint32_t recip;
	bool at_start;
	uintptr_t v;

	if (seq & 1)
		return false;
	start = ld(&b->start);
	span = ld(&b->span);
	stride = ld(&b->stride);
	recip = __atomic_load_n(&b->recip, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&b->seq, __ATOMIC_RELAXED) != seq)
		return false;
	if (addr - start >= span) {
		/*
		 * A consistent identity that does not cover @addr: no live
		 * slot area starts there. A live slot's block stays
		 * published, and in the directory entry of its granule, for
		 * as long as the slot is used, so the hint of a caller that
		 * frees its own area is always that block. The registry's
		 * tree decides (a tree area in the tail of this granule, or
		 * no area): no block lock is worth taking.
		 */
		*res = VB_ELSEWHERE;
		return true;
	}
	i = slot_index(addr - start, stride, recip, &at_start);
	if (!at_start || i >= VB_MAX_SLOTS)
		return false;
	v = slot_load(b, i);
	d = slot_desc(v);
	/* The descriptor at @addr, whatever happened to the block since. */
	if (!d || (v & SLOT_CLAIMED) ||
	    (unsigned long)__atomic_load_n(&d->vm.addr, __ATOMIC_RELAXED) != addr)
		return false;
	*res = claim_slot(b, i, v, d, expect, how, out);
	return *res != VB_ELSEWHERE;
}

/*
 * Lock the CPU that owns @b, for a claim of @addr. The block's CPU is a
 * hint read without a lock: it is checked again under that CPU's lock,
 * with the block still published there and @addr inside it. Return: the
 * owner, locked (the caller unlocks it before it returns), or NULL when
 * @addr is not in this block any more (VB_ELSEWHERE).
 */
static struct vb_cpu *lock_owner(struct vm_block *b, unsigned long addr)
{
	unsigned int cpu = __atomic_load_n(&b->cpu, __ATOMIC_RELAXED);
	struct vb_cpu *pc;

	if (cpu >= vb.ncpus)
		return NULL;
	pc = &vb.cpus[cpu];
	vm_lock(&pc->lock);
	if (!published(b) || __atomic_load_n(&b->cpu, __ATOMIC_RELAXED) != cpu ||
	    addr - b->start >= b->span) {
		vm_unlock(&pc->lock);
		return NULL;
	}
	return pc;
}

/* The locked claim: a stale hint, a bad address, a refusal. */
static __attribute__((noinline))
enum vb_claim claim_locked(struct vm_block *b, unsigned long addr,
			   const struct vm_struct *expect, unsigned int how,
			   struct vm_desc **out)
{
	enum vb_claim res = VB_NONE;
	struct vb_cpu *pc = lock_owner(b, addr);
	struct vm_desc *d;
	bool at_start;
	unsigned int i;
	uintptr_t v;

	if (!pc)
		return VB_ELSEWHERE;
	i = slot_of(b, addr - b->start, &at_start);
	v = slot_load(b, i);
	d = slot_desc(v);
	if (at_start && d && !(v & SLOT_CLAIMED)) {
		res = claim_slot(b, i, v, d, expect, how, out);
		if (res == VB_ELSEWHERE)	/* another claim was first */
			res = VB_NONE;
	}
	vm_unlock(&pc->lock);
	return res;
}

enum vb_claim vb_claim(struct vm_block *b, unsigned long addr,
		       const struct vm_struct *expect, unsigned int how,
		       struct vm_desc **out)
{
	enum vb_claim res;

	if (claim_fast(b, addr, expect, how, &res, out))
		return res;
	return claim_locked(b, addr, expect, how, out);
}

/*
 * The block of a live or claimed slot area: while a slot is used its
 * block stays published, so the directory entry for it is exact.
 */
static inline struct vm_block *block_of(const struct vm_desc *d)
{
	return vb_lookup((unsigned long)d->vm.addr);
}

void vb_unclaim(struct vm_block *b, struct vm_desc *d)
{
	unsigned int i;
	bool at_start;

	if (!b)
		b = block_of(d);

	/* Only the claimer writes a claimed slot; its block stays put. */
	i = slot_of(b, (unsigned long)d->vm.addr - b->start, &at_start);
	slot_store(b, i, (uintptr_t)d);
}

uintptr_t *vb_slot_word(struct vm_block *b, const struct vm_desc *d)
{
	bool at_start;

	return &b->slot[slot_of(b, (unsigned long)d->vm.addr - b->start,
				&at_start)];
}

uintptr_t *vb_claim_hot(unsigned long addr, const struct vm_struct *expect,
			uint16_t refuse, struct vm_block **hint,
			unsigned int *owner)
{
	struct vm_block **e = dir_slot(addr, false), *b;
	const struct vm_desc *d = vm_desc_of(expect);
	uintptr_t v = (uintptr_t)d, *word;
	unsigned long i;

	if (!e)
		return NULL;
	*hint = b = __atomic_load_n(e, __ATOMIC_ACQUIRE);
	if (!b)
		return NULL;
	/*
	 * No sequence count here: the slot word decides. The identity may
	 * be torn (a stale hint being recycled), so @i may be any slot; but
	 * a slot word that holds @expect, unclaimed, proves that @expect is
	 * the live area of that slot (only vb_alloc puts a descriptor there,
	 * and only while its block is in service), so the compare-and-swap
	 * below claims exactly @expect, and a wrong @i only fails to find
	 * it. For a consistent identity, @i is exact (slot_index).
	 */
	i = (((addr - ld(&b->start)) >> PAGE_SHIFT) *
	     __atomic_load_n(&b->recip, __ATOMIC_RELAXED)) >> 16;
	if (i >= VB_MAX_SLOTS)
		return NULL;
	word = &b->slot[i];
	/* Ours, live: its flags may be read (acquire, as slot_load). */
	if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != v ||
	    (desc_flags_acquire(d) & refuse))
		return NULL;
	/* Sequentially consistent: vb_quiesce() pairs it with vb_walk. */
	if (!__atomic_compare_exchange_n(word, &v, v | SLOT_CLAIMED, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return NULL;
	vb_quiesce(b);
	*owner = __atomic_load_n(&b->cpu, __ATOMIC_RELAXED);
	return word;
}

void vb_set_pages(struct vm_desc *d, struct page **pages, unsigned int nr)
{
	struct vb_cpu *pc = cpu_of(block_of(d));

	vm_lock(&pc->lock);
	d->vm.pages = pages;
	d->vm.nr_pages = nr;
	vm_unlock(&pc->lock);
}

void vb_add_flags(struct vm_desc *d, unsigned long flags)
{
	struct vb_cpu *pc = cpu_of(block_of(d));

	vm_lock(&pc->lock);
	d->vm.flags |= flags;
	vm_unlock(&pc->lock);
}

/* Fold this CPU's dirty pages into the lazy count (its lock held). */
static bool fold_lazy_locked(struct vb_cpu *pc)
{
	unsigned long now;

	vm_lock_assert_held(&pc->lock);
	if (!pc->lazy)
		return false;
	/* Under the lock: the pages are always counted exactly once. */
	now = __atomic_add_fetch(vb.lazy_pages, pc->lazy, __ATOMIC_RELAXED);
	vm_counter_add_locked(&pc->lazy, -(long)pc->lazy);
	return now > vb.lazy_max;
}

bool vb_retire(struct vm_block *b, struct vm_desc *d, bool mapped, bool keep)
{
	struct vb_cpu *pc;

	if (!b)
		b = block_of(d);
	pc = cpu_of(b);
	bool purge = false;
	unsigned int i;
	bool was_full, at_start;

	vm_lock(&pc->lock);
	i = slot_of(b, (unsigned long)d->vm.addr - b->start, &at_start);
	was_full = block_full(b);
	bit_clear(b->used, i);
	slot_store(b, i, 0);
	if (!--b->nr_used)
		vm_counter_add_locked(&pc->empty, 1);
	vm_counter_add_locked(&pc->busy, -1);
	if (mapped) {
		bit_set(b->dirty, i);
		b->nr_dirty++;
		if (!b->on_dirty) {
			b->dirty_next = pc->dirty;
			__atomic_store_n(&pc->dirty, b, __ATOMIC_RELAXED);
			b->on_dirty = true;
		}
		vm_counter_add_locked(&pc->lazy, (long)(b->stride >> PAGE_SHIFT));
		if (pc->lazy >= vb.lazy_batch)
			purge = fold_lazy_locked(pc);
	} else if (was_full) {
		partial_add(pc, b);
	}
	if (keep) {
		d->state = VMD_REMOVED;	/* the registry counts it out later */
	} else {
		d->state = VMD_FREE;
		objstock_push(&pc->stock, d);
		vm_counter_add_locked(&pc->areas, -1);
		if (pc->stock.n > VB_STOCK_MAX)
			kcache_stock_put(vb.descs, &pc->stock,
					 VB_STOCK_MAX - VB_STOCK_BATCH);
	}
	vm_unlock(&pc->lock);
	return purge;
}

/* ------------------------------------------------------------------ */
/* vm_map_ram blocks                                                   */
/* ------------------------------------------------------------------ */

/* The pages of the mapping whose head is page @i (its guard included). */
static unsigned int ram_run(const struct vm_block *b, unsigned int i)
{
	unsigned int j = i + 1;

	while (j < b->nslots && bit_test(b->used, j) && !bit_test(b->head, j))
		j++;
	return j - i;
}

/* The lowest run of @n free pages of ram block @b, or -1. */
static int ram_fit(const struct vm_block *b, unsigned int n)
{
	unsigned int i, run = 0;

	for (i = 0; i < b->nslots; i++) {
		if (bit_test(b->used, i) || bit_test(b->dirty, i) ||
		    bit_test(b->purging, i)) {
			run = 0;
			continue;
		}
		if (++run == n)
			return (int)(i + 1 - n);
	}
	return -1;
}

static void bits_set(uint64_t *map, unsigned int i, unsigned int n)
{
	while (n--)
		bit_set(map, i++);
}

static void bits_clear(uint64_t *map, unsigned int i, unsigned int n)
{
	while (n--)
		bit_clear(map, i++);
}

int vb_ram_alloc(unsigned int pages, unsigned long *addr)
{
	struct vb_cpu *pc = &vb.cpus[vm_this_cpu()];
	struct vm_block *b;
	unsigned int tries = 0;
	int i = -1;

	if (!pages || pages > VB_RAM_MAX_PAGES)
		return -VM_EINVAL;
	vm_lock(&pc->lock);
	for (b = pc->partial[VB_RAM]; b && tries < VB_RAM_SCAN;
	     b = b->next, tries++) {
		i = ram_fit(b, pages);
		if (i >= 0)
			break;
	}
	if (!b || i < 0) {
		vm_unlock(&pc->lock);
		return -VM_ENOSPC;
	}
	bits_set(b->used, (unsigned int)i, pages);
	bit_set(b->head, (unsigned int)i);
	bit_set(b->held, (unsigned int)i);
	if (!b->nr_used)
		vm_counter_add_locked(&pc->empty, -1);
	b->nr_used = (uint16_t)(b->nr_used + pages);
	if (block_full(b))
		partial_del(pc, b);
	*addr = slot_start(b, (unsigned int)i);
	vm_unlock(&pc->lock);
	return 0;
}

/*
 * The ram block of a held mapping at @addr, and its page, locked: while
 * the mapping holds pages the block stays published, so the directory
 * entry is exact.
 */
static struct vm_block *ram_block_lock(unsigned long addr, unsigned int *i)
{
	struct vm_block *b = vb_lookup(addr);
	bool at_start;

	vm_lock(&cpu_of(b)->lock);
	*i = slot_of(b, addr - b->start, &at_start);
	if (VM_DEBUG && (b->cls != VB_RAM || !bit_test(b->held, *i)))
		vm_bug("vmap_block: no held ram mapping at 0x%lx", addr);
	return b;
}

void vb_ram_publish(unsigned long addr)
{
	unsigned int i;
	struct vm_block *b = ram_block_lock(addr, &i);
	struct vb_cpu *pc = cpu_of(b);

	bit_clear(b->held, i);
	vm_counter_add_locked(&pc->busy, 1);
	vm_unlock(&pc->lock);
}

void vb_ram_cancel(unsigned long addr)
{
	unsigned int i, n;
	struct vm_block *b = ram_block_lock(addr, &i);
	struct vb_cpu *pc = cpu_of(b);
	bool was_full = block_full(b);

	n = ram_run(b, i);
	bit_clear(b->head, i);
	bit_clear(b->held, i);
	bits_clear(b->used, i, n);
	b->nr_used = (uint16_t)(b->nr_used - n);
	if (!b->nr_used)
		vm_counter_add_locked(&pc->empty, 1);
	if (was_full)
		partial_add(pc, b);
	vm_unlock(&pc->lock);
}

enum vb_claim vb_ram_claim(struct vm_block *b, unsigned long addr,
			   unsigned int pages, unsigned int *found)
{
	enum vb_claim res = VB_NONE;
	struct vb_cpu *pc;
	unsigned int i, n;
	bool at_start;

	*found = 0;
	pc = lock_owner(b, addr);
	if (!pc)
		return VB_ELSEWHERE;
	if (b->cls == VB_RAM) {
		i = slot_of(b, addr - b->start, &at_start);
		if (at_start && bit_test(b->head, i) && !bit_test(b->held, i)) {
			n = ram_run(b, i);
			*found = n;
			res = VB_REFUSED;
			if (n == pages) {
				bit_set(b->held, i);
				vm_counter_add_locked(&pc->busy, -1);
				res = VB_CLAIMED;
			}
		}
	}
	vm_unlock(&pc->lock);
	return res;
}

bool vb_ram_retire(unsigned long addr)
{
	unsigned int i, n;
	struct vm_block *b = ram_block_lock(addr, &i);
	struct vb_cpu *pc = cpu_of(b);
	bool purge = false;

	n = ram_run(b, i);
	bit_clear(b->head, i);
	bit_clear(b->held, i);
	bits_clear(b->used, i, n);
	bits_set(b->dirty, i, n);
	b->nr_used = (uint16_t)(b->nr_used - n);
	b->nr_dirty = (uint16_t)(b->nr_dirty + n);
	if (!b->nr_used)
		vm_counter_add_locked(&pc->empty, 1);
	if (!b->on_dirty) {
		b->dirty_next = pc->dirty;
		__atomic_store_n(&pc->dirty, b, __ATOMIC_RELAXED);
		b->on_dirty = true;
	}
	vm_counter_add_locked(&pc->lazy, (long)n);
	if (pc->lazy >= vb.lazy_batch)
		purge = fold_lazy_locked(pc);
	vm_unlock(&pc->lock);
	return purge;
}

/*
 * Walk the live mappings of ram block @b meeting [from, to) (its lock
 * held). Each is shown to @fn as a descriptor made up for the call:
 * VMD_RAM, its range, no pages.
 */
static bool ram_walk_locked(struct vm_block *b, unsigned long from,
			    unsigned long to,
			    bool (*fn)(struct vm_struct *vm, void *arg),
			    void *arg)
{
	struct vm_desc t;
	unsigned int i, n;

	for (i = 0; published(b) && i < b->nslots; i++) {
		unsigned long s = slot_start(b, i);

		if (s >= to)
			break;
		if (!bit_test(b->head, i) || bit_test(b->held, i))
			continue;
		n = ram_run(b, i);
		if (s + ((unsigned long)n << PAGE_SHIFT) <= from)
			continue;
		vm_memset(&t, 0, sizeof(t));
		t.vm.addr = (void *)s;
		t.vm.size = (unsigned long)n << PAGE_SHIFT;
		t.state = VMD_LIVE;
		t.flags = VMD_RAM | VMD_MAPPED;
		if (fn(&t.vm, arg))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Walks and lookups (the registry's lock held)                        */
/* ------------------------------------------------------------------ */

struct vm_desc *vb_find(struct vm_block *b, unsigned long addr,
			bool containing)
{
	struct vb_cpu *pc = cpu_of(b);
	struct vm_desc *d = NULL;
	unsigned int i;
	bool at_start;

	vm_lock(&pc->lock);
	if (published(b) && addr - b->start < b->span) {
		i = slot_of(b, addr - b->start, &at_start);
		if (containing || at_start)
			d = slot_live(b, i);
	}
	vm_unlock(&pc->lock);
	return d;
}

bool vb_walk(struct vm_block *b, unsigned long from, unsigned long to,
	     bool (*fn)(struct vm_struct *vm, void *arg), void *arg)
{
	struct vb_cpu *pc = cpu_of(b);
	bool stop = false;
	unsigned int i;

	vm_lock(&pc->lock);
	if (b->cls == VB_RAM) {
		stop = ram_walk_locked(b, from, to, fn, arg);
		vm_unlock(&pc->lock);
		return stop;
	}
	/*
	 * @fn reads the descriptors it is shown. A free that claims one of
	 * them meanwhile (no lock) may not write it until we are done: it
	 * sees walkers (vb_quiesce), or we see its claim. Both sides are
	 * sequentially consistent: the increment and slot loads here, the
	 * claim's compare-and-swap and the load of walkers there.
	 */
	__atomic_fetch_add(&b->walkers, 1, __ATOMIC_SEQ_CST);
	for (i = 0; published(b) && i < b->nslots && !stop; i++) {
		unsigned long s = slot_start(b, i);
		uintptr_t v;

		if (s >= to)
			break;
		v = __atomic_load_n(&b->slot[i], __ATOMIC_SEQ_CST);
		if (s + b->stride > from && v && !(v & SLOT_CLAIMED))
			stop = fn(&slot_desc(v)->vm, arg);
	}
	__atomic_fetch_sub(&b->walkers, 1, __ATOMIC_RELEASE);
	vm_unlock(&pc->lock);
	return stop;
}

/* ------------------------------------------------------------------ */
/* Purge                                                               */
/* ------------------------------------------------------------------ */

/* Take the CPU's empty blocks out of service for release. */
static void collect_empty_locked(struct vb_cpu *pc, struct vb_purge *p)
{
	unsigned int cls;

	vm_lock_assert_held(&pc->lock);
	for (cls = 0; cls < VB_LISTS; cls++) {
		struct vm_block *b = pc->partial[cls], *next;

		for (; b; b = next) {
			next = b->next;
			if (!b->nr_used && !b->nr_dirty && !b->nr_purging)
				unpublish_locked(pc, b, p);
		}
	}
}

void vb_purge_collect(struct vb_purge *p, bool shrink)
{
	unsigned int c, w;

	p->shrink = shrink;
	for (c = 0; c < vb.ncpus; c++) {
		struct vb_cpu *pc = &vb.cpus[c];
		struct vm_block *b, *next;

		if (!shrink && !__atomic_load_n(&pc->dirty, __ATOMIC_RELAXED))
			continue;	/* no dirty slot, so no uncounted page */
		vm_lock(&pc->lock);
		/* The pages this purge subtracts must all be counted first. */
		fold_lazy_locked(pc);
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
		struct vb_cpu *pc = cpu_of(b);
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
		    (p->shrink || pc->partial[b->cls] != b))
			unpublish_locked(pc, b, p);
		vm_unlock(&pc->lock);
	}
	p->blocks = NULL;
}

struct vm_block *vb_next_empty(struct vm_block *b)
{
	return b->purge_next;
}

/* ------------------------------------------------------------------ */
/* Set-up, stats, sanity                                               */
/* ------------------------------------------------------------------ */

int vb_init(unsigned long lazy_max, struct kcache *descs,
	    unsigned long *lazy_pages)
{
	unsigned long first, last;
	unsigned int c;

	vm_memset(&vb, 0, sizeof(vb));
	vb.descs = descs;
	vb.lazy_pages = lazy_pages;
	vb.lazy_max = lazy_max;
	vb.ncpus = vm_ncpus();
	vb.lazy_batch = vm_max(1UL, vm_min((unsigned long)VB_LAZY_BATCH,
					   lazy_max / 4 / vb.ncpus));
	kcache_init(&vb.block_cache, "vmap_block", sizeof(struct vm_block));
	vm_lock_init(&vb.pool_lock, "vmap_block_pool", VM_RANK_BLOCK_POOL);
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
		vm_lock_init(&vb.cpus[c].lock, "vmap_block_cpu", VM_RANK_BLOCK);
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
		/* Stock descriptors go back with the registry's cache. */
		for (c = 0; c < vb.ncpus; c++)
			vm_lock_destroy(&vb.cpus[c].lock);
		vm_plat->meta_free(vm_plat->ctx, vb.cpus, vb.cpus_bytes);
	}
	if (vb.ncpus)
		vm_lock_destroy(&vb.pool_lock);
	kcache_destroy(&vb.block_cache);
	vm_memset(&vb, 0, sizeof(vb));
}

void vb_stats(struct vb_counts *c)
{
	unsigned long descs = 0, empty = 0;
	unsigned int i;

	vm_memset(c, 0, sizeof(*c));
	for (i = 0; i < vb.ncpus; i++) {
		struct vb_cpu *pc = &vb.cpus[i];

		descs += vm_counter_read(&pc->stock.n);
		empty += vm_counter_read(&pc->empty);
		c->areas += (long)vm_counter_read(&pc->areas);
		c->busy += (long)vm_counter_read(&pc->busy);
		c->lazy += (long)vm_counter_read(&pc->lazy);
	}
	c->blocks = vm_stat_read(&vb.blocks);
	/* Descriptors in stock and blocks that hold no live area. */
	c->stock_bytes = descs * vb.descs->size +
			 (vm_counter_read(&vb.nr_pool) + empty) *
			 vb.block_cache.size;
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

/*
 * A ram block: no descriptors; every used page belongs to the run of a
 * head; held marks only heads; *live counts the mappings not held.
 */
static const char *ram_check_locked(const struct vm_block *b,
				    unsigned long *live)
{
	unsigned int i, used = 0, dirty = 0;

	*live = 0;
	for (i = 0; i < b->nslots; i++) {
		bool u = bit_test(b->used, i), h = bit_test(b->head, i);

		if (slot_load(b, i))
			return "ram block holds a descriptor";
		if ((u && bit_test(b->dirty, i)) || bit_test(b->purging, i))
			return "slot states overlap";
		if ((h && !u) || (bit_test(b->held, i) && !h) ||
		    (u && !h && (!i || !bit_test(b->used, i - 1))))
			return "ram block mapping bits disagree";
		*live += h && !bit_test(b->held, i);
		used += u;
		dirty += bit_test(b->dirty, i);
	}
	if (used != b->nr_used || dirty != b->nr_dirty)
		return "block slot counts wrong";
	if (b->nr_purging)
		return "block slots left purging";
	return NULL;
}

const char *vb_check_locked(struct vm_block *b, unsigned long start,
			    unsigned long size, unsigned long *live,
			    unsigned long *dirty_pages)
{
	const char *why = NULL;
	unsigned int i, used = 0, dirty = 0;

	vm_lock_assert_held(&cpu_of(b)->lock);
	if (!published(b) || b->start != start || b->span != size ||
	    b->span != (unsigned long)b->nslots * b->stride ||
	    b->start & (VB_ALIGN - 1) || vb_lookup(b->start) != b)
		why = "block range or directory entry wrong";
	if (!why && b->cls == VB_RAM) {
		why = ram_check_locked(b, live);
		if (!why && b->on_partial == block_full(b))
			why = b->on_partial ? "full block on the partial list" :
			      "block with a free slot off the partial list";
		*dirty_pages = b->nr_dirty;
		return why;
	}
	for (i = 0; i < b->nslots && !why; i++) {
		struct vm_desc *d = slot_desc(slot_load(b, i));
		bool u = bit_test(b->used, i), dt = bit_test(b->dirty, i);

		/* Claims come and go without this lock: either is fine. */
		if ((u && dt) || bit_test(b->purging, i) || u != (d != NULL))
			why = "slot states overlap";
		else if (d && (d->state != VMD_LIVE ||
			       !(desc_flags(d) & VMD_SLOT) ||
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
