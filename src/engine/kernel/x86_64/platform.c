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
#define META_ALIGN	64UL
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

/* A free block of the metadata region; blocks are address-ordered. */
struct meta_block {
	unsigned long size;
	struct meta_block *next;
};

static struct {
	unsigned long meta_base, meta_end;	/* the metadata region */
	struct meta_block *free;		/* its free blocks */
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
/* Metadata: first fit over an address-ordered free list               */
/* ------------------------------------------------------------------ */

/*
 * kplat_meta_alloc - the meta_alloc hook
 * @ctx: unused
 * @size: bytes wanted
 *
 * Every block is a multiple of 64 bytes at a 64-byte boundary, so a
 * split never leaves a fragment too small for its own header. Requests
 * of a page or more are page aligned.
 *
 * Return: zeroed memory, or NULL when the region is exhausted.
 * Context: may be called with core locks held (interrupts are off then).
 */
static void *kplat_meta_alloc(void *ctx, size_t size)
{
	unsigned long need = ALIGN_UP((unsigned long)(size ? size : 1), META_ALIGN);
	unsigned long align = need >= KPAGE_SIZE ? KPAGE_SIZE : META_ALIGN;
	struct meta_block **link;
	unsigned long flags;
	void *ret = NULL;

	(void)ctx;
	flags = irq_save();
	for (link = &kp.free; *link; link = &(*link)->next) {
		struct meta_block *b = *link, *next = b->next;
		unsigned long s = (unsigned long)b, e = s + b->size;
		unsigned long a = ALIGN_UP(s, align);

		if (a >= e || e - a < need)
			continue;
		if (a + need < e) {
			struct meta_block *tail = (struct meta_block *)(a + need);

			tail->size = e - (a + need);
			tail->next = next;
			next = tail;
		}
		if (a > s) {
			b->size = a - s;
			b->next = next;
		} else {
			*link = next;
		}
		kplat_stats.meta_bytes += need;
		if (kplat_stats.meta_bytes > kplat_stats.meta_peak)
			kplat_stats.meta_peak = kplat_stats.meta_bytes;
		ret = (void *)a;
		break;
	}
	irq_restore(flags);
	if (ret)
		memset(ret, 0, need);
	return ret;
}

/*
 * kplat_meta_free - the meta_free hook
 * @ctx: unused
 * @ptr: what kplat_meta_alloc() returned
 * @size: the size it was asked for
 *
 * Puts the block back in address order and merges it with free
 * neighbours. A block that is not ours or overlaps a free one is a core
 * bug: panic rather than corrupt the list.
 */
static void kplat_meta_free(void *ctx, void *ptr, size_t size)
{
	unsigned long need = ALIGN_UP((unsigned long)(size ? size : 1), META_ALIGN);
	unsigned long s = (unsigned long)ptr, e = s + need;
	struct meta_block **link = &kp.free, *prev = NULL, *b;
	unsigned long flags;

	(void)ctx;
	if (!ptr)
		return;
	if (s < kp.meta_base || e > kp.meta_end || (s & (META_ALIGN - 1)))
		kpanic("meta_free of %p (%zu bytes): not from meta_alloc", ptr,
		       size);
	flags = irq_save();
	while (*link && (unsigned long)*link < s) {
		prev = *link;
		link = &(*link)->next;
	}
	if ((prev && (unsigned long)prev + prev->size > s) ||
	    (*link && (unsigned long)*link < e))
		kpanic("meta_free of %p (%zu bytes): overlaps a free block",
		       ptr, size);
	b = (struct meta_block *)ptr;
	b->size = need;
	b->next = *link;
	if (b->next && (unsigned long)b->next == e) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (unsigned long)prev + prev->size == s) {
		prev->size += b->size;
		prev->next = b->next;
	} else {
		*link = b;
	}
	kplat_stats.meta_bytes -= need;
	irq_restore(flags);
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
	unsigned long best_s = 0, best_e = 0, pages, meta_pages;
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

	kp.meta_base = best_s;
	kp.meta_end = best_s + meta_pages * KPAGE_SIZE;
	kp.free = (struct meta_block *)kp.meta_base;
	kp.free->size = kp.meta_end - kp.meta_base;
	kp.free->next = NULL;
	kplat_stats.meta_region = kp.meta_end - kp.meta_base;

	memset(p, 0, sizeof(*p));
	p->sz = sizeof(*p);
	p->name = "kernel";
	p->base_pfn = kp.meta_end / KPAGE_SIZE;
	p->nr_frames = pages - meta_pages;
	p->nr_nodes = 1;
	p->direct_map = (unsigned char *)kp.meta_end;	/* identity map */
	p->frames_zeroed = false;	/* RAM may hold anything */
	p->vmalloc_start = KPLAT_VMALLOC_START;
	p->vmalloc_end = KPLAT_VMALLOC_START + KPLAT_VMALLOC_SIZE;
	p->vmalloc_accessible = true;
	p->pgd = kernel_pml4;
	p->flush_tlb_kernel_range = kplat_flush_tlb;
	p->meta_alloc = kplat_meta_alloc;
	p->meta_free = kplat_meta_free;
	p->lock_init = kplat_lock_init;
	p->lock_destroy = kplat_lock_destroy;
	p->lock = kplat_lock;
	p->unlock = kplat_unlock;
	p->self = kplat_self;
	p->ncpus = 1;
	p->log = kplat_log;
	kprintf("# kernel: image 0x%lx-0x%lx, metadata 0x%lx-0x%lx, pool 0x%lx-0x%lx\n",
		(unsigned long)__kernel_start, (unsigned long)__kernel_end,
		kp.meta_base, kp.meta_end, kp.meta_end, best_e);
	return 0;
}
