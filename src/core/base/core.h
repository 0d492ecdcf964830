/* SPDX-License-Identifier: MIT */
/*
 * The base layer of the libvmalloc core: what every other layer uses.
 * Freestanding: only the four headers below and compiler builtins.
 *
 *   lock.c    core locks: ranks, owners, the held-lock table (debug)
 *   log.c     logging, warnings, the queue of lines logged under a lock
 *   fault.c   the fault-injection point
 *   fmt.c     the core's vsnprintf
 *
 * The base layer calls nothing but the platform; every layer above may
 * call it. The layers, lowest first (tests/check_layers enforces it):
 *
 *   base -> lib (rbtree, slab) -> page -> pgtable -> area -> api
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
#define VM_ENOENT	2
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

/*
 * Debug level: 0 release, 1 lock assertions (owners, ranks, no call out
 * of the core with a lock held), 2 also a sanity walk after each op.
 */
#ifndef VM_DEBUG
#define VM_DEBUG 0
#endif

#define likely(x)	__builtin_expect(!!(x), 1)
/* Keep a slow path out of its fast caller's frame (fewer saved registers). */
#define __vm_slow	__attribute__((noinline, cold))
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * Data that CPUs share goes on cache lines of its own kind: what every
 * call reads (the platform, pointers set at init) never shares a line
 * with what some call writes (a lock, a counter), or each write makes
 * every other CPU miss on its next read (false sharing). Per-CPU structs
 * are aligned and padded to whole lines for the same reason.
 */
#define VM_CACHELINE	64
#define __vm_cacheline	__attribute__((aligned(VM_CACHELINE)))
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

static inline void vm_memmove(void *d, const void *s, size_t n)
{
	__builtin_memmove(d, s, n);
}

/* A spinning wait's pause (the core never sleeps on its own). */
static inline void vm_cpu_relax(void)
{
#if defined(__x86_64__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

/*
 * A counter changed under a lock and read without it: the writer holds
 * the lock that guards it and publishes the new value with a relaxed
 * store (a locked add costs ~6 ns, several per call on the fast paths);
 * readers get a value that was true at some moment. Net counters that
 * may dip below zero (a per-CPU count of objects freed on another CPU)
 * wrap: their sum over CPUs is still exact.
 */
static inline void vm_counter_add_locked(unsigned long *c, long delta)
{
	__atomic_store_n(c, *c + (unsigned long)delta, __ATOMIC_RELAXED);
}

static inline unsigned long vm_counter_read(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* A statistic changed by anyone, with no lock: an atomic add. */
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

/* Set by vmalloc_core_init() (api/init.c), NULL while the core is down. */
/* Read by every call: alone on its cache line (vm_count is apart too). */
extern union vm_plat_line {
	const struct vm_platform *p;
	char line[VM_CACHELINE];
} vm_plat_line __vm_cacheline;
#define vm_plat	(vm_plat_line.p)

/* ------------------------------------------------------------------ */
/* Sized structs from the caller (VMALLOC_OPTS in vmalloc.h)           */
/* ------------------------------------------------------------------ */

/* The first release's sizes: a smaller sz was never a real struct. */
#define VM_STATS_SIZE_V1	VM_SIZE_THROUGH(struct vmalloc_stats, host_huge_bytes)
#define VM_TUNABLES_SIZE_V1	VM_SIZE_THROUGH(struct vmalloc_tunables, no_fast_path)
#define VM_PLATFORM_SIZE_V1	VM_SIZE_THROUGH(struct vm_platform, stats)
/* No sized struct will ever be larger (the kernel caps its sized structs,
 * bpf_attr and friends, at a page too): a larger sz is garbage, an unset
 * sz, and must not make the library read or zero that many bytes. */
#define VM_OPTS_MAX_SZ		4096

/* The area cache's per-CPU limits by default (docs/design.md). */
#define VM_CACHE_PAGES_DEFAULT	512UL
#define VM_CACHE_AREAS_DEFAULT	16UL
/* ... and their largest values (hosted.c checks its settings against
 * the same numbers): each count fits its half of the cache's word. */
#define VM_CACHE_PAGES_MAX	(1UL << 24)
#define VM_CACHE_AREAS_MAX	(1UL << 16)

/* vm_opts_problem() and vm_opts_take() are in platform.h. */
void vm_opts_give(void *dst, const void *src, size_t size);

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

/*
 * Lock ranks: a thread may take a lock only while every core lock it
 * holds has a lower rank. Debug builds check it on every acquisition
 * (lock.c); design.md has the same table. Locks of one rank are never
 * nested, except VM_RANK_BLOCK, whose per-CPU locks the sanity walk
 * takes all of, in ascending address order.
 */
enum vm_lock_rank {
	VM_RANK_PURGE = 1,	/* area/vmap_area.c: one purge at a time */
	VM_RANK_AREA,		/* area/vmap_area.c: trees, lazy list, arena */
	VM_RANK_BLOCK,		/* area/vmap_block.c: one per CPU */
	VM_RANK_BLOCK_POOL,	/* area/vmap_block.c: blocks for reuse */
	VM_RANK_PT,		/* pgtable/pgtable.c: table installs */
	VM_RANK_PCP,		/* page/pcp.c: one per CPU and zone */
	VM_RANK_ZONE,		/* page/buddy.c: one per zone */
	VM_RANK_MAG,		/* lib/slab.c: one per CPU and cache */
	VM_RANK_CACHE,		/* lib/slab.c: one per cache */
	VM_RANK_LEAF,		/* base: the log queue, the held table */
	VM_RANK_MAX
};

/*
 * A core lock: the platform lock, its rank and, in debug builds, its
 * owner, so that functions named *_locked can assert the caller holds it.
 */
struct vm_lock {
	struct vm_plat_lock impl;
	uintptr_t owner;	/* thread holding it, 0 when free (debug) */
	const char *name;
	unsigned int rank;
};

void vm_lock_init(struct vm_lock *l, const char *name, unsigned int rank);
void vm_lock_destroy(struct vm_lock *l);
bool vm_lock_held(const struct vm_lock *l);
/* Debug builds: record, check and forget the owner and rank (lock.c). */
void vm_lock_acquiring(struct vm_lock *l);
void vm_lock_acquired(struct vm_lock *l);
void vm_lock_releasing(struct vm_lock *l);
/*
 * Debug builds: trap unless the calling thread holds no core lock but
 * those of rank <= @max_rank (0: none at all). Called before every hook
 * the platform contract marks "Locks held: none" (or "the purge lock").
 */
void vm_assert_unlocked_fn(unsigned int max_rank, const char *what);
#define vm_assert_unlocked(max_rank, what)				\
	do {								\
		if (VM_DEBUG)						\
			vm_assert_unlocked_fn(max_rank, what);		\
	} while (0)

/* Inline: the fast paths take two or three of these per call. */
static inline void vm_lock(struct vm_lock *l)
{
	if (VM_DEBUG)
		vm_lock_acquiring(l);
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
/* Logging and warnings (log.c)                                        */
/* ------------------------------------------------------------------ */

/*
 * vm_log - format a line (fmt.c's conversions) and deliver it to the
 * log hook or the platform. The caller holds no core lock (debug builds
 * check); queued lines go out first, in order.
 */
void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A kernel WARN: vm_log() at warning level, counted in stats.warnings. */
void vm_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * An internal invariant broke: queue the line (the caller may hold
 * locks), count it as a warning; debug builds print it and trap.
 */
void vm_bug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Lines logged by this thread between vm_log_defer_begin() and
 * vm_log_defer_end() are queued, not delivered: for a purge, which calls
 * platform hooks (that may log) while it holds the purge lock. The end
 * delivers them. The caller holds the purge lock around the pair.
 */
void vm_log_defer_begin(void);
void vm_log_defer_end(void);

/* Deliver queued lines now; the caller holds no core lock. */
void vm_log_flush_slow(void);
extern unsigned int vm_log_queued;
static inline void vm_log_flush(void)
{
	if (unlikely(__atomic_load_n(&vm_log_queued, __ATOMIC_RELAXED)))
		vm_log_flush_slow();
}

#define VM_WARN_ON(cond)						\
	({								\
		bool __c = !!(cond);					\
		if (unlikely(__c))					\
			vm_bug("WARNING at %s:%d: %s", __FILE__,	\
			       __LINE__, #cond);			\
		__c;							\
	})

/* vm_vsnprintf and vm_snprintf (platform.h): behind vm_log and vmallocinfo. */

/* ------------------------------------------------------------------ */
/* Core-wide counters                                                  */
/* ------------------------------------------------------------------ */

struct vm_counters {
	unsigned long warnings;
	unsigned long fault_injected;
	unsigned long tlb_flushes;
} __vm_cacheline;	/* apart from vm_plat, which every call reads */
extern struct vm_counters vm_count;

/* ------------------------------------------------------------------ */
/* The platform hooks, with the optional ones made safe to call        */
/* ------------------------------------------------------------------ */

static inline void vm_flush_tlb(unsigned long start, unsigned long end)
{
	vm_assert_unlocked(VM_RANK_PURGE, "flush_tlb_kernel_range");
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

static inline void vm_sync_unmap(unsigned long addr, unsigned long len)
{
	vm_assert_unlocked(VM_RANK_PURGE, "sync_unmap");
	if (vm_plat->sync_unmap && len)
		vm_plat->sync_unmap(vm_plat->ctx, addr, len);
}

/* At least 1, and cpu is set: vmalloc_core_init() fills in the defaults. */
static inline unsigned int vm_ncpus(void)
{
	return vm_plat->ncpus;
}

static inline unsigned int vm_this_cpu(void)
{
	const struct vm_platform *p = vm_plat;
	unsigned int c = p->cpu(p->ctx);

	return likely(c < p->ncpus) ? c : c % p->ncpus;
}

/*
 * A statistic that calls on every CPU change (vmalloc_nr_pages): one
 * slot per CPU, each on a cache line of its own, so an update writes no
 * line that another CPU writes; a read sums the slots. CPUs beyond
 * VM_PCPU_SLOTS share slots (and two threads may share a CPU index), so
 * a slot changes with an atomic add, on a line that stays in its CPU's
 * cache. A slot holds its CPU's net change, which may be "negative"
 * (pages vmalloc()ed on one CPU and vfree()d on another); the sum, in
 * unsigned arithmetic, is exact once the calls that changed it have
 * returned (a read racing with them sees some of their changes).
 */
#define VM_PCPU_SLOTS	64
struct vm_pcpu_stat {
	struct {
		unsigned long v;
	} __vm_cacheline slot[VM_PCPU_SLOTS];
};

static inline void vm_pcpu_stat_add(struct vm_pcpu_stat *s, long delta)
{
	__atomic_fetch_add(&s->slot[vm_this_cpu() % VM_PCPU_SLOTS].v,
			   (unsigned long)delta, __ATOMIC_RELAXED);
}

unsigned long vm_pcpu_stat_read(const struct vm_pcpu_stat *s);

static inline uintptr_t vm_self(void)
{
	return vm_plat->self(vm_plat->ctx);
}

/* ------------------------------------------------------------------ */
/* Fault injection (fault.c)                                           */
/* ------------------------------------------------------------------ */

/* vm_fault_should_fail(site): platform.h. */

#endif /* VM_CORE_H */
