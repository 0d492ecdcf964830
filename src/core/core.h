/* SPDX-License-Identifier: MIT */
/*
 * Shared definitions of the libvmalloc core. Freestanding: only the four
 * headers below and compiler builtins.
 */
#ifndef VM_CORE_H
#define VM_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <limits.h>

#include "vmalloc/vmalloc.h"
#include "vmalloc/platform.h"

_Static_assert(sizeof(unsigned long) == 8, "libvmalloc needs LP64");
_Static_assert(sizeof(void *) == 8, "libvmalloc needs 64-bit pointers");

/* Linux's errno numbers (the core has no <errno.h>). */
#define VM_EPERM	1
#define VM_ENXIO	6
#define VM_ENOMEM	12
#define VM_EFAULT	14
#define VM_EBUSY	16
#define VM_EEXIST	17
#define VM_ENODEV	19
#define VM_EINVAL	22
#define VM_ENOSPC	28
#define VM_ENOSYS	38
#define VM_EOVERFLOW	75
#define VM_EUCLEAN	117

/* Debug level: 0 release, 1 lock assertions, 2 sanity walk after each op. */
#ifndef VM_DEBUG
#define VM_DEBUG 0
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define vm_min(a, b)	((a) < (b) ? (a) : (b))
#define vm_max(a, b)	((a) > (b) ? (a) : (b))
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

#define VM_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((a) - 1))
#define VM_ALIGN_DOWN(x, a)	((x) & ~((a) - 1))
#define VM_IS_ALIGNED(x, a)	(((x) & ((a) - 1)) == 0)
#define VM_IS_POW2(x)		((x) != 0 && ((x) & ((x) - 1)) == 0)

/* Frames below this pfn form the DMA32 zone. */
#define DMA32_PFN_LIMIT		(1UL << (32 - PAGE_SHIFT))

/* fls: position of the most significant set bit, 1-based; fls(0) == 0. */
static inline int vm_fls(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

static inline size_t vm_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline void vm_memset(void *p, int c, size_t n)
{
	__builtin_memset(p, c, n);
}

static inline void vm_memcpy(void *d, const void *s, size_t n)
{
	__builtin_memcpy(d, s, n);
}

/* Relaxed atomic counters (statistics; never used for synchronisation). */
static inline void vm_stat_add(unsigned long *c, long v)
{
	__atomic_fetch_add(c, (unsigned long)v, __ATOMIC_RELAXED);
}

static inline unsigned long vm_stat_read(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* The platform, as the core sees it                                   */
/* ------------------------------------------------------------------ */

extern const struct vm_platform *vm_plat;

/*
 * A core lock: the platform lock plus its owner, so that functions named
 * *_locked can assert that the caller holds it (debug builds).
 */
struct vm_lock {
	struct vm_plat_lock impl;
	uintptr_t owner;	/* thread holding it, 0 when free (debug) */
	const char *name;
};

void vm_lock_init(struct vm_lock *l, const char *name);
void vm_lock_destroy(struct vm_lock *l);
bool vm_lock_held(const struct vm_lock *l);
/* Debug builds: record and check the owner (core.c). */
void vm_lock_acquired(struct vm_lock *l);
void vm_lock_releasing(struct vm_lock *l);

/* Inline: the fast paths take two or three of these per call. */
static inline void vm_lock(struct vm_lock *l)
{
	vm_plat->lock(vm_plat->ctx, &l->impl);
	if (VM_DEBUG)
		vm_lock_acquired(l);
}

static inline void vm_unlock(struct vm_lock *l)
{
	if (VM_DEBUG)
		vm_lock_releasing(l);
	vm_plat->unlock(vm_plat->ctx, &l->impl);
}

#define vm_lock_assert_held(l)						\
	do {								\
		if (VM_DEBUG && !vm_lock_held(l))			\
			vm_bug("lock %s not held in %s", (l)->name,	\
			       __func__);				\
	} while (0)

/* ------------------------------------------------------------------ */
/* Logging and warnings                                                */
/* ------------------------------------------------------------------ */

/*
 * vm_log - format a line (%s %d %u %ld %lu %lx %zu %p %c %%, with widths
 * and '-', '0' flags) and send it to the log hook or the platform.
 */
void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A kernel WARN: logs the line and counts it in stats.warnings. */
void vm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An internal invariant broke: log it, count it (and trap in debug). */
void vm_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define VM_WARN_ON(cond)						\
	({								\
		bool __c = !!(cond);					\
		if (unlikely(__c))					\
			vm_warn("WARNING at %s:%d: %s", __FILE__,	\
				__LINE__, #cond);			\
		__c;							\
	})

/* vm_vsnprintf and vm_snprintf (platform.h): behind vm_log and vmallocinfo. */

/* ------------------------------------------------------------------ */
/* Core-wide state and counters                                        */
/* ------------------------------------------------------------------ */

struct vm_counters {
	unsigned long warnings;
	unsigned long fault_injected;
	unsigned long tlb_flushes;
};
extern struct vm_counters vm_count;

/* 1 once vmalloc_core_init() succeeded (written in core.c only). */
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

/* Fault injection (fault.c). */
void vm_fault_reset(void);

/* The platform hooks, with the optional ones made safe to call. */
static inline void vm_flush_tlb(unsigned long start, unsigned long end)
{
	vm_stat_add(&vm_count.tlb_flushes, 1);
	if (vm_plat->flush_tlb_kernel_range)
		vm_plat->flush_tlb_kernel_range(vm_plat->ctx, start, end);
}

static inline void vm_flush_cache_vmap(unsigned long start, unsigned long end)
{
	if (vm_plat->flush_cache_vmap)
		vm_plat->flush_cache_vmap(vm_plat->ctx, start, end);
}

static inline void vm_flush_cache_vunmap(unsigned long start, unsigned long end)
{
	if (vm_plat->flush_cache_vunmap)
		vm_plat->flush_cache_vunmap(vm_plat->ctx, start, end);
}

static inline void vm_sync_unmap(unsigned long va, unsigned long len)
{
	if (vm_plat->sync_unmap && len)
		vm_plat->sync_unmap(vm_plat->ctx, va, len);
}

static inline unsigned int vm_ncpus(void)
{
	return vm_plat->ncpus ? vm_plat->ncpus : 1;
}

static inline unsigned int vm_this_cpu(void)
{
	unsigned int c = vm_plat->cpu ? vm_plat->cpu(vm_plat->ctx) : 0;

	return c < vm_ncpus() ? c : c % vm_ncpus();
}

#endif /* VM_CORE_H */
