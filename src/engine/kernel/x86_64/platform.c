/* SPDX-License-Identifier: MIT */
/*
 * The kernel platform: libvmalloc as the vmalloc of this kernel.
 *
 * Physical memory. The largest available RAM region above the kernel
 * image (and inside the 4 GiB identity map) is split in two:
 *
 *   __kernel_end                                              region end
 *   | metadata: VM_FRAME_META_BYTES/frame + META_SLACK | frame pool: base_pfn .. +nr |
 *
 * The identity map is the direct map: frame pfn is at address pfn << 12.
 *
 * Page tables. The core's top-level table is the live PML4 (boot.S). The
 * core fills only the entries of the vmalloc range, so its PUD/PMD/PTE
 * tables hang in the very tables the CPU walks: there is nothing to
 * synchronise (sync_map/sync_unmap are NULL), a vmalloc address is usable
 * as soon as vmalloc() returns, and unmapping needs a real TLB flush.
 *
 * Locks. One CPU, no preemption: a lock only has to keep interrupt
 * handlers out, so it disables interrupts. The flags are saved by the
 * outermost lock and restored by the last unlock, so any nesting order
 * works. Taking a lock twice would deadlock on a real machine; here it
 * panics.
 */
#include "arch.h"
#include "kernel.h"

#define KPAGE_SIZE	4096UL
#define IDENTITY_TOP	(4UL << 30)		/* boot.S maps 0 .. 4 GiB */
#define META_SLACK	(4UL << 20)		/* slab chunks, big arrays */
#define MIN_POOL_FRAMES	1024UL			/* 4 MiB */
#define KLOCK_MAGIC	0x6b6c636bu

#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))

struct klock {
	uint32_t magic;
	uint32_t held;
};
_Static_assert(sizeof(struct klock) <= sizeof(struct vm_plat_lock),
	       "struct klock must fit in struct vm_plat_lock");

static struct {
	unsigned long irq_flags;		/* of the outermost lock */
} kp;

struct kplat_stats kplat_stats;

/* ------------------------------------------------------------------ */
/* Locks: interrupts off                                               */
/* ------------------------------------------------------------------ */

static void kplat_lock_init(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	k->magic = KLOCK_MAGIC;
	k->held = 0;
}

static void kplat_lock_destroy(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	if (k->held)
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
	if (k->held)
		kpanic("platform lock %p taken twice (deadlock)", (void *)l);
	k->held = 1;
	if (kplat_stats.lock_depth++ == 0)
		kp.irq_flags = flags;
}

static void kplat_unlock(void *ctx, struct vm_plat_lock *l)
{
	struct klock *k = (struct klock *)(void *)l->opaque;

	(void)ctx;
	if (!k->held || !kplat_stats.lock_depth)
		kpanic("platform lock %p released but not held", (void *)l);
	k->held = 0;
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
 * Drop every TLB entry, global ones included: vmalloc PTEs carry
 * _PAGE_GLOBAL, which a CR3 load alone keeps. Toggling CR4.PGE flushes
 * everything; without PGE a CR3 reload is enough.
 */
static void flush_tlb_all(void)
{
	unsigned long flags = irq_save();
	unsigned long cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
	irq_restore(flags);
}

/*
 * kplat_flush_tlb - the flush_tlb_kernel_range hook
 * @ctx: unused
 * @start: first address of the range
 * @end: end of the range (exclusive)
 *
 * invlpg for each page of a small range; a whole-TLB flush past
 * KPLAT_INVLPG_MAX pages (a purge may span most of the vmalloc range).
 * Context: no core locks held.
 */
static void kplat_flush_tlb(void *ctx, unsigned long start, unsigned long end)
{
	unsigned long va = start & ~(KPAGE_SIZE - 1);

	(void)ctx;
	kplat_stats.flush_calls++;
	if (end <= va)
		return;
	if ((end - va + KPAGE_SIZE - 1) / KPAGE_SIZE > KPLAT_INVLPG_MAX) {
		kplat_stats.flush_full++;
		flush_tlb_all();
		return;
	}
	for (; va < end; va += KPAGE_SIZE) {
		invlpg(va);
		kplat_stats.flush_pages++;
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
	unsigned long floor = ALIGN_UP((unsigned long)__kernel_end, KPAGE_SIZE);
	unsigned long best_s = 0, best_e = 0, pages, meta_pages, pool;
	unsigned int i;

	/* The largest run of RAM above the image, inside the identity map. */
	for (i = 0; i < kernel_nr_ram; i++) {
		unsigned long s = kernel_ram[i].base;
		unsigned long e = s + kernel_ram[i].len;

		if (e > IDENTITY_TOP)
			e = IDENTITY_TOP;
		if (s < floor)
			s = floor;
		s = ALIGN_UP(s, KPAGE_SIZE);
		e &= ~(KPAGE_SIZE - 1);
		if (s < e && e - s > best_e - best_s) {
			best_s = s;
			best_e = e;
		}
	}
	pages = (best_e - best_s) / KPAGE_SIZE;
	/* The frame array: VM_FRAME_META_BYTES per pool frame (<= pages). */
	meta_pages = (pages * VM_FRAME_META_BYTES + KPAGE_SIZE - 1) / KPAGE_SIZE +
		     META_SLACK / KPAGE_SIZE;
	if (pages < meta_pages + MIN_POOL_FRAMES) {
		kprintf("# kernel: no RAM region big enough (largest %lu KiB)\n",
			pages * 4);
		return -12;	/* -ENOMEM */
	}

	pool = best_s + meta_pages * KPAGE_SIZE;
	kmeta_init(best_s, pool);

	memset(p, 0, sizeof(*p));
	p->sz = sizeof(*p);
	p->name = "kernel";
	p->base_pfn = pool / KPAGE_SIZE;
	p->nr_frames = pages - meta_pages;
	p->nr_nodes = 1;
	p->direct_map = (unsigned char *)pool;		/* identity map */
	p->frames_zeroed = false;	/* RAM may hold anything */
	p->vmalloc_start = KPLAT_VMALLOC_START;
	p->vmalloc_end = KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE;
	p->vmalloc_accessible = true;
	p->pgd = kernel_top();
	p->mmu = kernel_la57() ? "x86_64-la57" : "x86_64";
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
	kprintf("# kernel: %u-level paging (%s page tables), vmalloc 0x%lx-0x%lx\n",
		(unsigned int)boot_paging_levels, p->mmu, p->vmalloc_start,
		p->vmalloc_end);
	kprintf("# kernel: image 0x%lx-0x%lx, metadata 0x%lx-0x%lx, pool 0x%lx-0x%lx\n",
		(unsigned long)__kernel_start, (unsigned long)__kernel_end,
		best_s, pool, pool, best_e);
	return 0;
}
