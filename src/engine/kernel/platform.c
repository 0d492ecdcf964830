/* SPDX-License-Identifier: MIT */
/*
 * The kernel platform: libvmalloc as the vmalloc of this kernel. What is
 * the same on every architecture is here; <arch>/platform.c brings the
 * RAM it may use (arch_plat_ram), the live top-level table and the
 * page-table format (arch_plat_fill), and the TLB invalidation
 * (arch_flush_tlb_pages, arch_flush_tlb_all).
 *
 * Physical memory. The RAM range above the kernel image that
 * arch_plat_ram() returns is split in two:
 *
 *   __kernel_end                                              range end
 *   | metadata: VM_FRAME_META_BYTES/frame + META_SLACK | frame pool: base_pfn .. +nr |
 *
 * The identity map is the direct map: frame pfn is at address pfn << 12.
 *
 * Locks. One CPU, no preemption, but the lock is a real one: an atomic
 * exchange with acquire/release order, taken with interrupts masked
 * (irq_save). The interrupt state of the outermost lock is restored by
 * the last unlock, so any nesting order works. Taking a lock twice would
 * spin forever on a real machine; here it panics.
 */
#include "kernel.h"

#define META_SLACK	(4UL << 20)		/* slab chunks, big arrays */
#define MIN_POOL_FRAMES	1024UL			/* 4 MiB */
#define KLOCK_MAGIC	0x6b6c636bu

struct klock {
	uint32_t magic;
	uint32_t held;		/* 0 or 1, exchanged atomically */
};
_Static_assert(sizeof(struct klock) <= sizeof(struct vm_plat_lock),
	       "struct klock must fit in struct vm_plat_lock");

static struct {
	unsigned long irq_flags;		/* of the outermost lock */
} kp;

struct kplat_stats kplat_stats;

/* ------------------------------------------------------------------ */
/* Locks: interrupts masked, then an acquire exchange                 */
/* ------------------------------------------------------------------ */

static void kplat_lock_init(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	k->magic = KLOCK_MAGIC;
	__atomic_store_n(&k->held, 0, __ATOMIC_RELEASE);
}

static void kplat_lock_destroy(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	if (__atomic_load_n(&k->held, __ATOMIC_RELAXED))
		kpanic("platform lock %p destroyed while held", (void *)l);
	k->magic = 0;
}

static void kplat_lock(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;
	unsigned long flags = irq_save();

	(void)ctx;
	if (k->magic != KLOCK_MAGIC)
		kpanic("platform lock %p used before lock_init", (void *)l);
	/* One CPU: a held lock can only be ours, and would never drop. */
	if (__atomic_exchange_n(&k->held, 1, __ATOMIC_ACQUIRE))
		kpanic("platform lock %p taken twice (deadlock)", (void *)l);
	if (kplat_stats.lock_depth++ == 0)
		kp.irq_flags = flags;
}

static void kplat_unlock(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	if (!__atomic_load_n(&k->held, __ATOMIC_RELAXED) ||
	    !kplat_stats.lock_depth)
		kpanic("platform lock %p released but not held", (void *)l);
	__atomic_store_n(&k->held, 0, __ATOMIC_RELEASE);
	if (--kplat_stats.lock_depth == 0)
		irq_restore(kp.irq_flags);
}

static uintptr_t kplat_self(void *ctx)
{
	(void)ctx;
	return 1;		/* the one CPU */
}

/* ------------------------------------------------------------------ */
/* TLB                                                                 */
/* ------------------------------------------------------------------ */

/*
 * kplat_flush_tlb - the flush_tlb_kernel_range hook
 * @ctx: unused
 * @start: first address of the range
 * @end: end of the range (exclusive)
 *
 * The architecture's per-page invalidation for a small range; a
 * whole-TLB flush past KPLAT_INVLPG_MAX pages (a purge may span most of
 * the vmalloc range). Either is complete when it returns, which the
 * core's break-before-make relies on.
 * Context: no core locks held, or the purge lock.
 */
static void kplat_flush_tlb(void *ctx, unsigned long start, unsigned long end)
{
	unsigned long va = start & ~(KPAGE_SIZE - 1);
	unsigned long pages;

	(void)ctx;
	kplat_stats.flush_calls++;
	if (end <= va)
		return;
	pages = (end - va + KPAGE_SIZE - 1) / KPAGE_SIZE;
	if (pages > KPLAT_INVLPG_MAX) {
		kplat_stats.flush_full++;
		arch_flush_tlb_all();
	} else {
		kplat_stats.flush_pages += pages;
		arch_flush_tlb_pages(va, pages);
	}
}

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

/* One core log line as a KTAP diagnostic, with its printk level. */
static void kplat_log(void *ctx, int level, const char *line)
{
	(void)ctx;
	if (level >= 0 && level < 8)
		kplat_stats.log_lines[level]++;
	kprintf("# <%d>%s\n", level, line);
}

/* The core calls this on first use without vmalloc_core_init(): kmain
 * always initialises explicitly first, so there is nothing to do. */
int vm_platform_autoinit(void)
{
	return -19;	/* -ENODEV */
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */
/* ------------------------------------------------------------------ */

int kplat_setup(struct vm_platform *p)
{
	unsigned long s, e, pages, meta_pages, pool;

	arch_plat_ram(&s, &e);
	pages = s < e ? (e - s) / KPAGE_SIZE : 0;
	/* The frame array: VM_FRAME_META_BYTES per pool frame (<= pages). */
	meta_pages = (pages * VM_FRAME_META_BYTES + KPAGE_SIZE - 1) / KPAGE_SIZE +
		     META_SLACK / KPAGE_SIZE;
	if (pages < meta_pages + MIN_POOL_FRAMES) {
		kprintf("# kernel: usable RAM above the image too small (%lu KiB)\n",
			pages * 4);
		return -12;	/* -ENOMEM */
	}

	pool = s + meta_pages * KPAGE_SIZE;
	kmeta_init(s, pool);

	memset(p, 0, sizeof(*p));
	p->sz = sizeof(*p);
	p->base_pfn = pool / KPAGE_SIZE;
	p->nr_frames = pages - meta_pages;
	p->nr_nodes = 1;
	p->direct_map = (unsigned char *)pool;		/* identity map */
	p->frames_zeroed = false;	/* RAM may hold anything */
	p->vmalloc_start = KPLAT_VMALLOC_START;
	p->vmalloc_end = KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE;
	p->vmalloc_accessible = true;
	p->flush_tlb_kernel_range = kplat_flush_tlb;
	p->meta_alloc = kmeta_alloc;
	p->meta_free = kmeta_free;
	p->lock_init = kplat_lock_init;
	p->lock_destroy = kplat_lock_destroy;
	p->lock = kplat_lock;
	p->unlock = kplat_unlock;
	p->self = kplat_self;
	p->ncpus = 1;
	p->log = kplat_log;
	arch_plat_fill(p);
	kprintf("# kernel: image 0x%lx-0x%lx, metadata 0x%lx-0x%lx, pool 0x%lx-0x%lx\n",
		(unsigned long)__kernel_start, (unsigned long)__kernel_end,
		s, pool, pool, e);
	return 0;
}
