/* SPDX-License-Identifier: MIT */
/*
 * What the files of the API layer share (vmalloc.c, vmallocinfo.c,
 * page_api.c, init.c). Only this layer is entered from outside the core,
 * so only it initialises the core on first use and delivers queued log
 * lines on the way out.
 */
#ifndef VM_API_H
#define VM_API_H

#include "base/core.h"

/* 1 once vmalloc_core_init() succeeded (written in init.c only). */
extern int vm_core_ready;
bool vm_ensure_ready_slow(void);

/* Make sure the core is up (initialising on first use). Inline: every
 * public call starts here. */
static inline bool vm_ensure_ready(void)
{
	if (likely(__atomic_load_n(&vm_core_ready, __ATOMIC_ACQUIRE)))
		return true;
	return vm_ensure_ready_slow();
}

/* Is @prot a protection the page tables take (present, known bits)? */
bool vm_prot_ok(pgprot_t prot);
/*
 * Are @pages[0 .. count) allocated frames of the pool? False, with a
 * line naming @who and the first bad page, when one is not.
 */
bool vm_pages_ok(const char *who, struct page *const *pages,
		 unsigned long count);
/*
 * Map @nr frames at @start, which the caller holds (its own range, not
 * mapped), with one purge and retry when the platform refuses for lack
 * of memory. Return 0, or the error with nothing mapped and the range
 * flushed (tables the attempt added stay).
 */
int vm_map_range(unsigned long start, struct page *const *pages,
		 unsigned long nr, pgprot_t prot);

/* Free every live area (at vmalloc_core_exit). Return how many there were. */
long vm_areas_exit(void);

/*
 * vmalloc memory of an area the caller owns, through the frames' direct
 * map (the vmalloc range need not be accessible): zero @n bytes at @addr
 * (never elided), or copy between @buf and @addr (@write: into @addr).
 * Unmapped pages are skipped (and read as zeros). For kvmalloc.c.
 */
void vm_vmem_zero(const void *addr, unsigned long n);
void vm_vmem_copy(void *buf, const void *addr, unsigned long n, bool write);

#endif /* VM_API_H */
