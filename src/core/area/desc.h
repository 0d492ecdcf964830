/* SPDX-License-Identifier: MIT */
/*
 * Area descriptors: the struct vm_struct behind every area the library
 * hands out, as the block layer and the registry both make them.
 */
#ifndef VM_DESC_H
#define VM_DESC_H

#include "base/core.h"

/*
 * state says who owns the descriptor:
 *  LIVE     the library: the area is registered, anyone may find it;
 *  CLAIMED  the thread that claimed it (area_claim): still covering its
 *           range, but no lookup or walk finds it and no other claim
 *           can take it; the claimer unclaims or retires it (a slot
 *           area's claim is a bit in its slot, and its state stays LIVE);
 *  REMOVED  the caller of remove_vm_area(), until free_vm_area();
 *  FREE     nobody (in a stock or a cache).
 * Invariant: while LIVE or CLAIMED, vm.addr and vm.size are its range
 * (guard page included) in the registry or in a block: the address finds
 * what holds it (its busy node, or its block). 64 bytes: one cache line,
 * and what the kernel's vm_struct costs.
 */
struct vm_desc {
	struct vm_struct vm;
	uint32_t state;
	uint16_t flags;		/* VMD_*, atomic */
};

_Static_assert(sizeof(struct vm_desc) <= 64, "a descriptor is 64 bytes");

#define VMD_LIVE	0x4556494cu
#define VMD_CLAIMED	0x4d49414cu
#define VMD_REMOVED	0x564d4552u
#define VMD_FREE	0x45455246u

#define VMD_MAPPED	0x1u	/* PTEs were set: flush before reuse */
#define VMD_INTERNAL	0x2u	/* the library's own (a vmalloc()ed page
				   array): refused by every public call */
#define VMD_SLOT	0x4u	/* lives in a block of the fast path */
#define VMD_UNINIT	0x8u	/* pages/nr_pages still being set up */
#define VMD_RAM		0x10u	/* a vm_map_ram() mapping: the kernel gives
				   it no vm_struct, so only vm_unmap_ram()
				   (AREA_RAM) claims it; walks see it */
#define VMD_PLAIN	0x20u	/* a vmalloc area mapped with PAGE_KERNEL by
				   4 KiB entries, all of it: the area cache
				   may keep it (unmap_kernel_range clears it) */

static inline struct vm_desc *vm_desc_of(const struct vm_struct *vm)
{
	return container_of(vm, struct vm_desc, vm);
}

/*
 * The bytes of @vm that may be mapped: all but its guard page (all of it
 * with VM_NO_GUARD).
 */
static inline unsigned long vm_data_size(const struct vm_struct *vm)
{
	return vm->size - (vm->flags & VM_NO_GUARD ? 0 : PAGE_SIZE);
}

/*
 * Areas whose retirement unmaps and flushes at once instead of going on
 * the lazy list: VM_FLUSH_RESET_PERMS asks for it, and a VM_NO_GUARD
 * area's last page is mapped, which a lazy run's unmap (up to the last
 * guard page) would not cover.
 */
#define VM_FLUSH_NOW	(VM_NO_GUARD | VM_FLUSH_RESET_PERMS)

/* A request: validated and clipped by the caller. */
struct area_request {
	unsigned long size;	/* bytes, guard page included, page multiple */
	unsigned long align;	/* a power of two >= PAGE_SIZE */
	unsigned long vstart;	/* window, inside the managed range */
	unsigned long vend;
	bool whole;		/* the window is the whole managed range */
	unsigned long flags;	/* VM_* of the area */
	const void *caller;
	bool uninit;		/* born VMD_UNINIT: area_ready() publishes it */
	bool internal;		/* the library's own: VMD_INTERNAL */
	bool ram;		/* vm_map_ram(): VMD_RAM */
	bool plain;		/* VMD_PLAIN */
};

/*
 * Reuse claimed descriptor @d for @rq over the range it already has (a
 * hot cell's, registry.c): every field but the range and the state,
 * which the sanity walk may be reading under a lock this path does not
 * take (they keep their values).
 */
static inline void desc_refill_plain(struct vm_desc *d, unsigned long flags,
				     const void *caller)
{
	d->vm.flags = flags;
	d->vm.pages = NULL;
	d->vm.nr_pages = 0;
	d->vm.page_order = 0;
	d->vm.phys_addr = 0;
	d->vm.caller = caller;
}

static inline void desc_refill(struct vm_desc *d,
			       const struct area_request *rq, uint16_t flags)
{
	desc_refill_plain(d, rq->flags, rq->caller);
	__atomic_store_n(&d->flags, (uint16_t)(flags |
			 (rq->uninit ? VMD_UNINIT : 0) |
			 (rq->internal ? VMD_INTERNAL : 0) |
			 (rq->plain ? VMD_PLAIN : 0)), __ATOMIC_RELAXED);
}

/* A descriptor for request @rq at @addr: LIVE, with @flags (VMD_*). */
static inline void desc_fill(struct vm_desc *d, unsigned long addr,
			     const struct area_request *rq, uint16_t flags)
{
	/* Atomic: a lock-free claim may read a recycled descriptor's. */
	__atomic_store_n(&d->vm.addr, (void *)addr, __ATOMIC_RELAXED);
	d->vm.size = rq->size;
	desc_refill(d, rq, (uint16_t)(flags | (rq->ram ? VMD_RAM : 0)));
	d->state = VMD_LIVE;
}

/* Descriptor flags are read by walkers while the owner sets them. */
static inline uint16_t desc_flags(const struct vm_desc *d)
{
	return __atomic_load_n(&d->flags, __ATOMIC_RELAXED);
}

/* Acquire: a ready area's pages and nr_pages are visible (area_ready). */
static inline uint16_t desc_flags_acquire(const struct vm_desc *d)
{
	return __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
}

/*
 * May @d be claimed? @expect (may be NULL) is the descriptor that must be
 * there (free_vm_area); internal and uninitialised areas are the core's
 * alone (AREA_CORE); vm_map_ram() areas are vm_unmap_ram()'s alone
 * (AREA_RAM, which claims nothing else); AREA_REFUSE_FRAMES turns away
 * an area that owns frames (vunmap of a vmalloc area): its page array is
 * read, so this test is made by the claimer, once nobody else can be
 * writing it. Return 0, -ENOENT (as if no area were there) or -EPERM
 * (refused: the caller says why).
 */
#define AREA_CORE		0x1u
#define AREA_REFUSE_FRAMES	0x2u
#define AREA_RAM		0x4u

static inline int desc_check_claim(const struct vm_desc *d,
				   const struct vm_struct *expect,
				   unsigned int how)
{
	uint16_t f;

	if (expect && &d->vm != expect)
		return -VM_ENOENT;
	f = desc_flags_acquire(d);
	if (!(how & (AREA_CORE | AREA_RAM)) && (f & VMD_RAM))
		return -VM_ENOENT;
	if ((how & AREA_RAM) && !(f & VMD_RAM))
		return -VM_ENOENT;
	if (!(how & AREA_CORE) && (f & (VMD_INTERNAL | VMD_UNINIT)))
		return -VM_ENOENT;
	if ((how & AREA_REFUSE_FRAMES) && d->vm.pages)
		return -VM_EPERM;
	return 0;
}

#endif /* VM_DESC_H */
