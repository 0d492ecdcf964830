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
