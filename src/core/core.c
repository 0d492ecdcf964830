/* SPDX-License-Identifier: MIT */
/*
 * Core bring-up and tear-down, locks, logging, fault injection,
 * statistics and the sanity walk over all layers.
 */
#include "core.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "slab.h"
#include "vmap_area.h"
#include "vmalloc_internal.h"

const struct vm_platform *vm_plat;
struct vm_counters vm_count;

int vm_core_ready;			/* 1 once init succeeded */
static vmalloc_log_fn log_hook;		/* vmalloc_set_log_hook() */

/* ------------------------------------------------------------------ */
/* Locks                                                               */
/* ------------------------------------------------------------------ */

void vm_lock_init(struct vm_lock *l, const char *name)
{
	l->owner = 0;
	l->name = name;
	vm_plat->lock_init(vm_plat->ctx, &l->impl);
}

void vm_lock_destroy(struct vm_lock *l)
{
	vm_plat->lock_destroy(vm_plat->ctx, &l->impl);
}

void vm_lock_acquired(struct vm_lock *l)
{
	__atomic_store_n(&l->owner, vm_plat->self(vm_plat->ctx),
			 __ATOMIC_RELAXED);
}

void vm_lock_releasing(struct vm_lock *l)
{
	if (!vm_lock_held(l))
		vm_bug("unlock of %s by a thread that does not hold it",
		       l->name);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
}

bool vm_lock_held(const struct vm_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) ==
	       vm_plat->self(vm_plat->ctx);
}

/* ------------------------------------------------------------------ */
/* Logging                                                             */
/* ------------------------------------------------------------------ */

static void vlog(int level, const char *fmt, __builtin_va_list ap)
{
	char line[256];
	vmalloc_log_fn hook = __atomic_load_n(&log_hook, __ATOMIC_ACQUIRE);

	vm_vsnprintf(line, sizeof(line), fmt, ap);
	if (hook)
		hook(level, line);
	else if (vm_plat)
		vm_plat->log(vm_plat->ctx, level, line);
}

void vm_log(int level, const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vlog(level, fmt, ap);
	__builtin_va_end(ap);
}

void vm_warn(const char *fmt, ...)
{
	__builtin_va_list ap;

	vm_stat_add(&vm_count.warnings, 1);
	__builtin_va_start(ap, fmt);
	vlog(VM_LOG_WARNING, fmt, ap);
	__builtin_va_end(ap);
}

void vm_bug(const char *fmt, ...)
{
	__builtin_va_list ap;

	vm_stat_add(&vm_count.warnings, 1);
	__builtin_va_start(ap, fmt);
	vlog(VM_LOG_ERR, fmt, ap);
	__builtin_va_end(ap);
	if (VM_DEBUG)
		__builtin_trap();
}

vmalloc_log_fn vmalloc_set_log_hook(vmalloc_log_fn fn)
{
	return __atomic_exchange_n(&log_hook, fn, __ATOMIC_ACQ_REL);
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

static struct {
	unsigned int sites;
	unsigned int permille;
	unsigned long nth;
	uint64_t seed;
	unsigned long attempts;
} fi;

/* A stateless generator: attempt n of seed s gives splitmix64(s + n). */
static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

bool vm_fault_should_fail(unsigned int site)
{
	unsigned long n;
	bool fail;

	if (likely(!(__atomic_load_n(&fi.sites, __ATOMIC_RELAXED) & site)))
		return false;
	n = __atomic_add_fetch(&fi.attempts, 1, __ATOMIC_RELAXED);
	if (fi.nth)
		fail = n == fi.nth;
	else
		fail = splitmix64(fi.seed + n) % 1000 < fi.permille;
	if (fail)
		vm_stat_add(&vm_count.fault_injected, 1);
	return fail;
}

void vmalloc_fault_inject(unsigned int sites, unsigned long nth,
			  unsigned int permille, uint64_t seed)
{
	__atomic_store_n(&fi.sites, 0, __ATOMIC_RELAXED);
	fi.nth = nth;
	fi.permille = permille > 1000 ? 1000 : permille;
	fi.seed = seed;
	__atomic_store_n(&fi.attempts, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.sites, sites & VM_FAULT_ALL, __ATOMIC_SEQ_CST);
}

unsigned long vmalloc_fault_attempts(void)
{
	return __atomic_load_n(&fi.attempts, __ATOMIC_RELAXED);
}

void vm_fault_reset(void)
{
	vmalloc_fault_inject(0, 0, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Bring-up                                                            */
/* ------------------------------------------------------------------ */

static bool canonical_range(unsigned long s, unsigned long e)
{
	const unsigned long low_top = 1UL << 47, high_base = ~0UL << 47;

	return (e <= low_top) || (s >= high_base);
}

/* Check the platform against the contract in platform.h. */
static const char *platform_problem(const struct vm_platform *p)
{
	if (!p->meta_alloc || !p->meta_free || !p->lock_init ||
	    !p->lock_destroy || !p->lock || !p->unlock || !p->self || !p->log)
		return "a required hook is missing";
	if (!p->direct_map || !p->nr_frames || p->nr_frames > UINT32_MAX - 1)
		return "no frames, or too many";
	if (!p->base_pfn)
		return "pfn 0 must not be a frame";
	if (p->base_pfn + p->nr_frames < p->base_pfn ||
	    p->base_pfn + p->nr_frames > (1UL << (52 - PAGE_SHIFT)))
		return "frames beyond 52-bit physical addresses";
	if (!p->nr_nodes || p->nr_nodes > VMALLOC_MAX_NODES ||
	    p->nr_frames < p->nr_nodes * 16UL)
		return "bad node count";
	if (!VM_IS_ALIGNED(p->vmalloc_start | p->vmalloc_end, PAGE_SIZE) ||
	    p->vmalloc_end - p->vmalloc_start < 4 * PAGE_SIZE ||
	    p->vmalloc_start >= p->vmalloc_end ||
	    !canonical_range(p->vmalloc_start, p->vmalloc_end - 1))
		return "bad vmalloc range";
	if (!p->user_map != !p->user_unmap)
		return "user_map and user_unmap come together";
	return NULL;
}

bool vmalloc_core_ready(void)
{
	return __atomic_load_n(&vm_core_ready, __ATOMIC_ACQUIRE);
}

bool vm_ensure_ready_slow(void)
{
	return vm_platform_autoinit() == 0 && vmalloc_core_ready();
}

int vmalloc_core_init(const struct vm_platform *plat,
		      const struct vmalloc_tunables *tun)
{
	unsigned long lazy = tun ? tun->lazy_max_pages : 0;
	unsigned long reserve = tun ? tun->reserve_pages : 0;
	const char *why;
	int err;

	if (vmalloc_core_ready())
		return -VM_EBUSY;
	if (!plat)
		return -VM_EINVAL;
	why = platform_problem(plat);
	if (why) {
		char line[128];

		vm_snprintf(line, sizeof(line), "vmalloc: platform rejected: %s",
			    why);
		if (plat->log)
			plat->log(plat->ctx, VM_LOG_ERR, line);
		return -VM_EINVAL;
	}
	vm_plat = plat;
	vm_memset(&vm_count, 0, sizeof(vm_count));
	vm_fault_reset();
	if (!lazy)
		lazy = 8192UL * (unsigned long)vm_fls(vm_ncpus());
	if (!reserve)
		reserve = 8192;

	err = slab_init();
	if (err)
		goto out;
	err = pa_init(reserve);
	if (err)
		goto out_slab;
	err = pt_init();
	if (err)
		goto out_pa;
	err = va_init(lazy, !(tun && tun->no_fast_path));
	if (err)
		goto out_pt;
	__atomic_store_n(&vm_core_ready, 1, __ATOMIC_RELEASE);
	return 0;

out_pt:
	pt_exit();
out_pa:
	pa_exit();
out_slab:
	slab_exit();
out:
	vm_log(VM_LOG_ERR, "vmalloc: core initialisation failed (%d)", err);
	vm_plat = NULL;
	return err;
}

long vmalloc_core_exit(void)
{
	long left;

	if (!vmalloc_core_ready())
		return 0;
	left = vm_areas_exit();
	va_purge(true);
	__atomic_store_n(&vm_core_ready, 0, __ATOMIC_RELEASE);
	va_exit();
	pt_exit();
	pa_exit();
	slab_exit();
	vm_plat = NULL;
	return left;
}

void vmalloc_core_forget(void)
{
	__atomic_store_n(&vm_core_ready, 0, __ATOMIC_RELEASE);
	vm_plat = NULL;
}

/* ------------------------------------------------------------------ */
/* Statistics and sanity                                               */
/* ------------------------------------------------------------------ */

int vmalloc_get_stats(struct vmalloc_stats *st)
{
	struct va_stats vs;
	unsigned int n;

	if (!st)
		return -VM_EINVAL;
	if (!vm_ensure_ready())
		return -VM_ENODEV;
	vm_memset(st, 0, sizeof(*st));
	st->phys_pages = pa_nr_frames();
	st->free_pages = pa_nr_free(-1);
	st->nr_nodes = pa_nr_nodes();
	for (n = 0; n < pa_nr_nodes(); n++)
		st->node_free_pages[n] = pa_nr_free((int)n);
	va_get_stats(&vs);
	st->areas = vs.areas;
	st->vmap_areas = vs.busy;
	st->pt_pages = pt_nr_tables();
	st->meta_bytes = slab_live_bytes() - vs.meta_stock_bytes;
	st->meta_reserved_bytes = slab_reserved_bytes();
	st->warnings = vm_stat_read(&vm_count.warnings);
	st->lazy_pages = vs.lazy_pages;
	st->lazy_max_pages = vs.lazy_max_pages;
	st->purges = vs.purges;
	st->purged_areas = vs.purged_areas;
	st->tlb_flushes = vm_stat_read(&vm_count.tlb_flushes);
	st->released_pages = pa_nr_released();
	st->fault_injected = vm_stat_read(&vm_count.fault_injected);
	if (vm_plat->stats)
		vm_plat->stats(vm_plat->ctx, st);
	return 0;
}

int vmalloc_check(void)
{
	int err = 0;

	if (!vm_ensure_ready())
		return -VM_ENODEV;
	if (pa_check())
		err = -VM_EUCLEAN;
	if (pt_check())
		err = -VM_EUCLEAN;
	if (va_check())
		err = -VM_EUCLEAN;
	return err;
}

void vm_unmap_aliases(void)
{
	if (vm_ensure_ready())
		va_purge(true);
}

unsigned long vmalloc_range_start(void)
{
	return vm_ensure_ready() ? vm_plat->vmalloc_start : 0;
}

unsigned long vmalloc_range_end(void)
{
	return vm_ensure_ready() ? vm_plat->vmalloc_end : 0;
}
