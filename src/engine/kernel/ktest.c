/* SPDX-License-Identifier: MIT */
/*
 * The KTAP runner (see ktest.h). Output, on the console:
 *
 *   KTAP version 1
 *   1..N
 *   # diagnostics
 *   ok 1 platform_boot
 *   not ok 2 ...
 *   # kernel: P passed, F failed
 */
#include "ktest.h"

#define KT_MAX_REPORTS	8	/* failure lines printed per case */

struct kt_case {
	const char *name;
	void (*fn)(struct kt *t);
	unsigned int flags;
};

static const struct kt_case cases[] = {
	{ "platform_boot", test_platform_boot, 0 },
	{ "irq_lock", test_irq_lock, 0 },
	{ "vmalloc_sizes", test_vmalloc_sizes, 0 },
	{ "vzalloc_recycled", test_vzalloc_recycled, 0 },
	{ "vmap_alias", test_vmap_alias, 0 },
	{ "hw_walk", test_hw_walk, 0 },
	{ "guard_read", test_guard_read, 0 },
	{ "guard_write", test_guard_write, 0 },
	{ "readonly_write", test_readonly_write, 0 },
	{ "nx_fetch", test_nx_fetch, 0 },
	{ "use_after_vfree", test_use_after_vfree, 0 },
	{ "area_cache_reuse", test_area_cache_reuse, 0 },
	{ "vm_map_ram", test_vm_map_ram, 0 },
	{ "tlb_reuse_invlpg", test_tlb_reuse_invlpg, 0 },
	{ "tlb_reuse_full", test_tlb_reuse_full, 0 },
	{ "lazy_threshold", test_lazy_threshold, 0 },
	{ "vrealloc_remaps", test_vrealloc_remaps, 0 },
	{ "huge_pmd", test_huge_pmd, 0 },
	{ "vmbench_fix_size", bench_fix_size, 0 },
	{ "vmbench_full_fit", bench_full_fit, 0 },
	{ "vmbench_long_busy_list", bench_long_busy_list, 0 },
	{ "vmbench_random_size", bench_random_size, 0 },
	{ "vmbench_fix_align", bench_fix_align, 0 },
	{ "vmbench_random_size_align", bench_random_size_align, 0 },
	{ "vmbench_align_shift", bench_align_shift, 0 },
	ARCH_CASES
};

static uint64_t base_seed;

bool kt_check(struct kt *t, bool ok, const char *file, int line,
	      const char *expr, const char *fmt, ...)
{
	char msg[200];
	__builtin_va_list ap;

	if (ok)
		return true;
	if (t->failures++ < KT_MAX_REPORTS) {
		__builtin_va_start(ap, fmt);
		vm_vsnprintf(msg, sizeof(msg), fmt, ap);
		__builtin_va_end(ap);
		kprintf("# %s: FAIL at %s:%d: %s: %s\n", t->name, file, line,
			expr, msg);
	} else if (t->failures == KT_MAX_REPORTS + 1) {
		kprintf("# %s: more failures not shown\n", t->name);
	}
	return false;
}

void kt_note(struct kt *t, const char *fmt, ...)
{
	char msg[256];
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vm_vsnprintf(msg, sizeof(msg), fmt, ap);
	__builtin_va_end(ap);
	kprintf("# %s: %s\n", t->name, msg);
}

uint64_t kt_rand(struct kt *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t kt_cycles_to_us(uint64_t cycles)
{
	return cycle_khz ? cycles * 1000 / cycle_khz : 0;
}

unsigned long kt_scale(void)
{
	unsigned long s = cmdline_ulong("scale", 1);

	return s ? s : 1;
}

/* FNV-1a: a per-case seed that does not change when cases are added. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

void ktest_header(void)
{
	kprintf("KTAP version 1\n1..%u\n", (unsigned int)ARRAY_LEN(cases));
}

/* Compare the state around a case: everything it took must be back. */
static void check_after(struct kt *t, const struct kt_case *c,
			const struct vmalloc_stats *s0,
			const struct kplat_stats *k0)
{
	struct vmalloc_stats s1 = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long new_tables;

	vm_unmap_aliases();
	KT_CHECK(t, vmalloc_check() == 0, "sanity walk after the case");
	if (!KT_CHECK(t, vmalloc_get_stats(&s1) == 0, "stats"))
		return;
	new_tables = s1.pt_pages - s0->pt_pages;
	KT_CHECK(t, s1.areas == s0->areas && s1.vmap_areas == s0->vmap_areas,
		 "areas %lu -> %lu, busy ranges %lu -> %lu", s0->areas,
		 s1.areas, s0->vmap_areas, s1.vmap_areas);
	KT_CHECK(t, s1.free_pages + new_tables == s0->free_pages,
		 "free frames %lu -> %lu with %lu new page tables: frames leaked",
		 s0->free_pages, s1.free_pages, new_tables);
	KT_CHECK(t, s1.meta_bytes == s0->meta_bytes,
		 "metadata bytes %lu -> %lu", s0->meta_bytes, s1.meta_bytes);
	KT_CHECK(t, s1.lazy_pages == 0, "%lu lazy pages after a purge",
		 s1.lazy_pages);
	if (!(c->flags & KT_WARNINGS_OK)) {
		unsigned long w0 = k0->log_lines[VM_LOG_ERR] +
				   k0->log_lines[VM_LOG_WARNING];
		unsigned long w1 = kplat_stats.log_lines[VM_LOG_ERR] +
				   kplat_stats.log_lines[VM_LOG_WARNING];

		KT_CHECK(t, s1.warnings == s0->warnings && w1 == w0,
			 "%lu warnings, %lu warning/error log lines",
			 s1.warnings - s0->warnings, w1 - w0);
	}
	KT_CHECK(t, kplat_stats.lock_depth == 0,
		 "%lu platform locks still held", kplat_stats.lock_depth);
	KT_CHECK(t, irqs_enabled(), "interrupts left disabled");
}

int ktest_run_all(const struct vm_platform *plat)
{
	unsigned int i, passed = 0, failed = 0, skipped = 0;

	base_seed = cmdline_ulong("seed", 0x5eedc0de);
	kprintf("# seed=0x%lx scale=%lu (change with " ARCH_CMDLINE_HINT ")\n",
		(unsigned long)base_seed, kt_scale());
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct kt_case *c = &cases[i];
		struct kt t = { .name = c->name, .plat = plat };
		struct vmalloc_stats s0 = { .sz = sizeof(struct vmalloc_stats) };
		struct kplat_stats k0;
		uint64_t t0, us;

		t.seed = base_seed ^ name_hash(c->name);
		t.rng = t.seed ? t.seed : 1;
		vm_unmap_aliases();
		vmalloc_get_stats(&s0);
		k0 = kplat_stats;
		t0 = arch_cycles();
		c->fn(&t);
		us = kt_cycles_to_us(arch_cycles() - t0);
		if (!t.skip)
			check_after(&t, c, &s0, &k0);
		kprintf("# %s: %lu.%03lu ms\n", c->name,
			(unsigned long)(us / 1000), (unsigned long)(us % 1000));
		if (t.skip) {
			skipped++;
			kprintf("ok %u %s # SKIP %s\n", i + 1, c->name, t.skip);
		} else if (t.failures) {
			failed++;
			kprintf("not ok %u %s\n", i + 1, c->name);
		} else {
			passed++;
			kprintf("ok %u %s\n", i + 1, c->name);
		}
	}
	bench_print_table();
	kprintf("# kernel: %lu TLB flush calls (%lu pages one by one, %lu full), %lu new-entry syncs, metadata peak %lu of %lu KiB, %lu recovered faults, %lu spurious IRQs\n",
		kplat_stats.flush_calls, kplat_stats.flush_pages,
		kplat_stats.flush_full, kplat_stats.sync_calls, kplat_stats.meta_peak >> 10,
		kplat_stats.meta_region >> 10, kfault_last.count,
		trap_spurious_irqs());
	kprintf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		passed, failed, skipped);
	return (int)failed;
}
