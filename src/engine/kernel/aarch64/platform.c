/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 kernel platform: libvmalloc as the vmalloc of this kernel.
 *
 * Physical memory. RAM above the kernel image is split in two, as on
 * x86-64 (../x86_64/platform.c):
 *
 *   __kernel_end                                              RAM end
 *   | metadata: VM_FRAME_META_BYTES/frame + META_SLACK | frame pool: base_pfn .. +nr |
 *
 * The identity map (TTBR0, mmu.c) is the direct map: frame pfn is at
 * address pfn << 12, Normal write-back memory.
 *
 * Page tables. The core's top-level table is boot_ttbr1, the live TTBR1
 * root; the core fills only the entries of the vmalloc range (level-0
 * slots 256-257), so its tables hang in the very tables the CPU walks:
 * nothing to synchronise, a vmalloc address is usable as soon as
 * vmalloc() returns, and unmapping needs a real TLB invalidation
 * (kplat_flush_tlb). The core writes AArch64 descriptors there
 * (mmu = "aarch64").
 *
 * Locks. One CPU, no preemption, but the lock is a real one: an atomic
 * exchange with acquire/release order (LDAXR/STLXR on ARMv8.0), taken
 * with IRQs masked. The DAIF of the outermost lock is restored by the
 * last unlock, so any nesting order works. Taking a lock twice would
 * spin forever; here it panics.
 */
#include "kernel.h"
#include "mmu.h"

#define KPAGE_SIZE	4096UL
#define META_SLACK	(4UL << 20)		/* slab chunks, big arrays */
#define MIN_POOL_FRAMES	1024UL			/* 4 MiB */
#define KLOCK_MAGIC	0x6b6c636bu

#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))

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
/* Locks: IRQs masked, then an acquire exchange                        */
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

static unsigned int kplat_cpu(void *ctx)
{
	(void)ctx;
	return 0;
}

/* ------------------------------------------------------------------ */
/* New entries, and the TLB                                            */
/* ------------------------------------------------------------------ */

/*
 * kplat_sync_vmap - the flush_cache_vmap hook: the core has just written
 * the entries of [start, end) and returns the area next. DSB ISHST makes
 * the descriptor stores visible to the table walker, ISB makes sure no
 * later instruction was translated before they were (no TLB entry can be
 * stale: an invalid entry is never cached). The caches need nothing: the
 * walker is coherent with them (TCR_EL1 inner-shareable write-back walks).
 * Context: may be called with core locks held.
 */
static void kplat_sync_vmap(void *ctx, unsigned long start, unsigned long end)
{
	(void)ctx;
	(void)start;
	(void)end;
	kplat_stats.sync_calls++;
	dsb_ishst();
	isb();
}

/*
 * kplat_flush_tlb - the flush_tlb_kernel_range hook
 * @ctx: unused
 * @start: first address of the range
 * @end: end of the range (exclusive)
 *
 * DSB ISHST first: the core's descriptor writes (the cleared entries, or
 * under break-before-make the invalid entry between the old and the new
 * one) must reach the table walker before the invalidation. Then TLBI
 * VAAE1IS per page (every ASID: vmalloc entries are global), or TLBI
 * VMALLE1IS past KPLAT_INVLPG_MAX pages (a purge may span most of the
 * range); DSB ISH waits for the invalidation to complete, ISB makes the
 * following instructions translate afresh.
 * Context: no core locks held, or the purge lock.
 */
static void kplat_flush_tlb(void *ctx, unsigned long start, unsigned long end)
{
	unsigned long va = start & ~(KPAGE_SIZE - 1);

	(void)ctx;
	kplat_stats.flush_calls++;
	if (end <= va)
		return;
	dsb_ishst();
	if ((end - va + KPAGE_SIZE - 1) / KPAGE_SIZE > KPLAT_INVLPG_MAX) {
		kplat_stats.flush_full++;
		tlbi_vmalle1is();
	} else {
		for (; va < end; va += KPAGE_SIZE) {
			tlbi_vaae1is(va);
			kplat_stats.flush_pages++;
		}
	}
	dsb_ish();
	isb();
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
	unsigned long s = ALIGN_UP((unsigned long)__kernel_end, KPAGE_SIZE);
	unsigned long e = (kernel_ram[0].base + kernel_ram[0].len) & ~(KPAGE_SIZE - 1);
	unsigned long pages = s < e ? (e - s) / KPAGE_SIZE : 0;
	unsigned long meta_pages, pool;

	/* The frame array: VM_FRAME_META_BYTES per pool frame (<= pages). */
	meta_pages = (pages * VM_FRAME_META_BYTES + KPAGE_SIZE - 1) / KPAGE_SIZE +
		     META_SLACK / KPAGE_SIZE;
	if (pages < meta_pages + MIN_POOL_FRAMES) {
		kprintf("# kernel: RAM above the image too small (%lu KiB)\n",
			pages * 4);
		return -12;	/* -ENOMEM */
	}
	pool = s + meta_pages * KPAGE_SIZE;
	kmeta_init(s, pool);

	memset(p, 0, sizeof(*p));
	p->sz = sizeof(*p);
	p->name = "kernel-aarch64";
	p->base_pfn = pool / KPAGE_SIZE;
	p->nr_frames = pages - meta_pages;
	p->nr_nodes = 1;
	p->direct_map = (unsigned char *)pool;		/* identity map */
	p->frames_zeroed = false;	/* RAM may hold anything */
	p->vmalloc_start = KPLAT_VMALLOC_START;
	p->vmalloc_end = KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE;
	p->vmalloc_accessible = true;
	p->pgd = boot_ttbr1;
	p->flush_cache_vmap = kplat_sync_vmap;
	p->flush_tlb_kernel_range = kplat_flush_tlb;
	p->meta_alloc = kmeta_alloc;
	p->meta_free = kmeta_free;
	p->lock_init = kplat_lock_init;
	p->lock_destroy = kplat_lock_destroy;
	p->lock = kplat_lock;
	p->unlock = kplat_unlock;
	p->self = kplat_self;
	p->cpu = kplat_cpu;
	p->ncpus = 1;
	p->log = kplat_log;
	p->mmu = "aarch64";
	kprintf("# kernel: image 0x%lx-0x%lx, metadata 0x%lx-0x%lx, pool 0x%lx-0x%lx, TTBR1 root %p\n",
		(unsigned long)__kernel_start, (unsigned long)__kernel_end,
		s, pool, pool, e, (void *)boot_ttbr1);
	return 0;
}
