/* SPDX-License-Identifier: MIT */
/*
 * Bring-up and tear-down of the core, the statistics and the sanity walk
 * over every layer: the top of the core, the only file that calls every
 * layer's set-up (each layer's init calls only the layers below it).
 */
#include "api/api.h"
#include "area/area.h"
#include "lib/slab.h"
#include "page/page_alloc.h"
#include "pgtable/pgtable.h"

int vm_core_ready;			/* 1 once init succeeded */
/*
 * vm_plat while the core is up: read by every call, written only by
 * init, so alone on its cache lines (core.h, __vm_cacheline).
 */
static union {
	struct vm_platform p;
	char lines[(sizeof(struct vm_platform) + VM_CACHELINE - 1) &
		   ~(size_t)(VM_CACHELINE - 1)];
} plat_lines __vm_cacheline;
#define plat_copy	(plat_lines.p)

/* The CPU of a platform that has no cpu hook: one list for all. */
static unsigned int cpu_none(void *ctx)
{
	(void)ctx;
	return 0;
}

unsigned int vmalloc_version(void)
{
	return VMALLOC_VERSION_CODE;
}

const char *vmalloc_version_string(void)
{
	return VMALLOC_VERSION_STRING;
}

/* ------------------------------------------------------------------ */
/* Bring-up                                                            */
/* ------------------------------------------------------------------ */

/* Check the platform against the contract in platform.h. */
static const char *platform_problem(const struct vm_platform *p)
{
	const struct pt_format *fmt = pt_format_find(p->mmu);

	if (!fmt)
		return "unknown mmu (x86_64, x86_64-la57, aarch64)";
	if (!p->meta_alloc || !p->meta_free || !p->lock_init ||
	    !p->lock_destroy || !p->lock || !p->unlock || !p->self || !p->log)
		return "a required hook is missing";
	if (!p->direct_map || !p->nr_frames || p->nr_frames > UINT32_MAX - 1)
		return "no frames, or too many";
	if (!p->base_pfn)
		return "pfn 0 must not be a frame";
	if (p->base_pfn + p->nr_frames < p->base_pfn ||
	    p->base_pfn + p->nr_frames > (1UL << (fmt->pa_bits - PAGE_SHIFT)))
		return "frames beyond the physical addresses the mmu's entries hold";
	if (!p->nr_nodes || p->nr_nodes > VMALLOC_MAX_NODES ||
	    p->nr_frames < p->nr_nodes * 16UL)
		return "bad node count";
	if (!VM_IS_ALIGNED(p->vmalloc_start | p->vmalloc_end, PAGE_SIZE) ||
	    p->vmalloc_end - p->vmalloc_start < 4 * PAGE_SIZE ||
	    p->vmalloc_start >= p->vmalloc_end ||
	    !pt_format_range_ok(fmt, p->vmalloc_start, p->vmalloc_end))
		return "bad vmalloc range";
	if (!p->user_map != !p->user_unmap)
		return "user_map and user_unmap come together";
	if (p->sync_map_huge && !p->sync_map)
		return "sync_map_huge needs sync_map";
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

/*
 * Log a refused set-up: to the log hook when one is installed, else to
 * the platform's log when @plat has one where the first release had it.
 */
static void init_refused(const struct vm_platform *plat, const char *what,
			 const char *why)
{
	vmalloc_log_fn hook = vm_log_hook();
	char line[192];

	vm_snprintf(line, sizeof(line), "vmalloc: %s rejected: %s", what, why);
	if (hook)
		hook(VM_LOG_ERR, line);
	else if (plat->sz >= VM_PLATFORM_SIZE_V1 && plat->log)
		plat->log(plat->ctx, VM_LOG_ERR, line);
}

int vmalloc_core_init(const struct vm_platform *plat,
		      const struct vmalloc_tunables *tun_in)
{
	struct vmalloc_tunables tun = { .sz = sizeof(tun) };
	unsigned long lazy, reserve;
	const char *why;
	int err;

	if (vmalloc_core_ready())
		return -VM_EBUSY;
	if (!plat)
		return -VM_EINVAL;
	why = vm_opts_problem(plat, sizeof(*plat), VM_PLATFORM_SIZE_V1);
	if (why) {
		init_refused(plat, "struct vm_platform", why);
		return -VM_EINVAL;
	}
	if (tun_in) {
		why = vm_opts_problem(tun_in, sizeof(tun), VM_TUNABLES_SIZE_V1);
		if (why) {
			init_refused(plat, "struct vmalloc_tunables", why);
			return -VM_EINVAL;
		}
		vm_opts_take(&tun, sizeof(tun), tun_in);
	}
	vm_opts_take(&plat_copy, sizeof(plat_copy), plat);
	why = platform_problem(&plat_copy);
	if (why) {
		init_refused(plat, "platform", why);
		return -VM_EINVAL;
	}
	/* The contract's defaults, so that no call has to test for them. */
	if (!plat_copy.ncpus)
		plat_copy.ncpus = 1;
	if (!plat_copy.cpu)
		plat_copy.cpu = cpu_none;
	lazy = tun.lazy_max_pages;
	reserve = tun.reserve_pages;
	vm_plat = &plat_copy;
	vm_memset(&vm_count, 0, sizeof(vm_count));
	/* Fault injection is the process's: set before init, it stays set. */
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
	err = area_init(lazy, !tun.no_fast_path,
			tun.no_cache ? 0 : vm_min(tun.cache_pages ?
			tun.cache_pages : VM_CACHE_PAGES_DEFAULT,
			VM_CACHE_PAGES_MAX),
			tun.no_cache ? 0 : vm_min(tun.cache_areas ?
			tun.cache_areas : VM_CACHE_AREAS_DEFAULT,
			VM_CACHE_AREAS_MAX));
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
	area_purge(true);
	__atomic_store_n(&vm_core_ready, 0, __ATOMIC_RELEASE);
	area_exit();
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

int vmalloc_get_stats(struct vmalloc_stats *out)
{
	struct vmalloc_stats stats = { .sz = sizeof(stats) }, *st = &stats;
	struct area_stats vs;
	const char *why;
	unsigned int n;

	if (!out)
		return -VM_EINVAL;
	if (!vm_ensure_ready())
		return -VM_ENODEV;
	/*
	 * Output only: the sz rules of a struct read in, except that the
	 * fields this build does not know are zeroed, not checked (hence
	 * the largest size any struct may have for ours).
	 */
	why = vm_opts_problem(out, VM_OPTS_MAX_SZ, VM_STATS_SIZE_V1);
	if (why) {
		vm_log(VM_LOG_ERR, "vmalloc_get_stats: struct vmalloc_stats "
		       "with sz %zu refused: %s", out->sz, why);
		return -VM_EINVAL;
	}
	st->phys_pages = pa_nr_frames();
	st->free_pages = pa_nr_free(-1);
	st->nr_nodes = pa_nr_nodes();
	for (n = 0; n < pa_nr_nodes(); n++)
		st->node_free_pages[n] = pa_nr_free((int)n);
	area_get_stats(&vs);
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
	st->huge_leaves = pt_nr_huge();
	st->cache_areas = vs.cache_areas;
	st->cache_pages = vs.cache_pages;
	if (vm_plat->stats)
		vm_plat->stats(vm_plat->ctx, st);
	vm_opts_give(out, st, sizeof(*st));
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
	if (area_check())
		err = -VM_EUCLEAN;
	vm_log_flush();
	return err;
}

void vm_unmap_aliases(void)
{
	if (vm_ensure_ready())
		area_purge(true);
}

unsigned long vmalloc_range_start(void)
{
	return vm_ensure_ready() ? vm_plat->vmalloc_start : 0;
}

unsigned long vmalloc_range_end(void)
{
	return vm_ensure_ready() ? vm_plat->vmalloc_end : 0;
}
