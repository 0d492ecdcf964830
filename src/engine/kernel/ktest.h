/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel test runner: named cases, KTAP output, a seed for every
 * randomised case, and leak checks around every case.
 *
 *   void test_x(struct kt *t)
 *   {
 *           void *p = vmalloc(100);
 *
 *           if (!KT_CHECK(t, p != NULL, "vmalloc(100)"))
 *                   return;
 *           ...
 *   }
 *
 * KT_CHECK records a failure with its file, line and message and returns
 * the condition, so a case decides itself whether to go on. Around each
 * case the runner purges lazy areas and checks that vmalloc_check()
 * passes and that areas, frames, metadata and warnings are back where
 * they were (page-table frames excepted: tables stay once installed).
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "kernel.h"

struct kt {
	const char *name;
	const struct vm_platform *plat;
	unsigned int failures;
	const char *skip;		/* set: the case was skipped, why */
	uint64_t seed;			/* of this case's generator */
	uint64_t rng;
};

/* Flags of a case. */
#define KT_WARNINGS_OK	0x1u	/* expects core log lines at WARNING */

bool kt_check(struct kt *t, bool ok, const char *file, int line,
	      const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#define KT_CHECK(t, cond, ...) \
	kt_check((t), !!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

/* One KTAP diagnostic line ("# <case>: ..."). */
void kt_note(struct kt *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The case's generator (xorshift64*, seeded from seed= and the name). */
uint64_t kt_rand(struct kt *t);

/* arch_cycles() ticks to microseconds (cycle_khz). */
uint64_t kt_cycles_to_us(uint64_t cycles);

/* The benchmark loop-count multiplier (scale= on the command line). */
unsigned long kt_scale(void);

/* Shared helpers of the cases (tests.c). */

/* Word @i of a pattern: distinct per word and per seed. */
uint64_t kt_pattern(uint64_t seed, uint64_t i);
void kt_fill_words(void *p, unsigned long bytes, uint64_t seed);
/* Index of the first of @n words at @p that is not pattern word
 * @first + i, or -1 when all match. */
long kt_check_words(const void *p, unsigned long n, uint64_t seed,
		    unsigned long first);
bool kt_pfn_in_pool(const struct vm_platform *p, unsigned long pfn);
/* Did exactly one fault happen since @before, at @addr, of @kind (the
 * architecture's syndrome for it: kfault_expect())? */
void kt_check_fault(struct kt *t, unsigned long before, uint64_t addr,
		    enum kfault_kind kind, const char *what);

/* Cases whose checks read the entry format or the boot state: one file
 * per architecture (<arch>/tests_arch.c). */
void test_platform_boot(struct kt *t);
void test_hw_walk(struct kt *t);

/* MMU cases with the same steps everywhere (tests_mmu.c) ... */
void test_nx_fetch(struct kt *t);
void test_huge_pmd(struct kt *t);
/* ... over these hooks of <arch>/tests_arch.c: */
const void *kt_arch_ret42(size_t *len);	/* code of: return 42 */
void kt_arch_code_written(const void *p, size_t len);	/* make it fetchable */
/* Is the entry of @va a 2 MiB leaf with the kernel's protections (and, where
 * the CPU can say, does it translate there)? Reports; sets *pfn. */
bool kt_arch_huge_leaf(struct kt *t, unsigned long va, unsigned long *pfn);
bool kt_arch_leaf_valid(unsigned long va);	/* hardware walk of @va */
/* Exactly one read fault since @before at @addr, an unmapped 2 MiB slot. */
void kt_arch_check_huge_unmapped(struct kt *t, unsigned long before,
				 unsigned long addr, const char *what);
/* Cases of one architecture only, listed by its ARCH_CASES (arch.h). */
void test_bbm_replace(struct kt *t);		/* AArch64 */

/* Functional cases (tests.c). */
void test_irq_lock(struct kt *t);
void test_vmalloc_sizes(struct kt *t);
void test_vzalloc_recycled(struct kt *t);
void test_vmap_alias(struct kt *t);
void test_guard_read(struct kt *t);
void test_guard_write(struct kt *t);
void test_readonly_write(struct kt *t);
void test_use_after_vfree(struct kt *t);
void test_area_cache_reuse(struct kt *t);
void test_vm_map_ram(struct kt *t);
void test_tlb_reuse_invlpg(struct kt *t);
void test_tlb_reuse_full(struct kt *t);
void test_lazy_threshold(struct kt *t);
void test_vrealloc_remaps(struct kt *t);

/* vmbench scenarios (bench.c). */
void bench_fix_size(struct kt *t);
void bench_full_fit(struct kt *t);
void bench_long_busy_list(struct kt *t);
void bench_random_size(struct kt *t);
void bench_fix_align(struct kt *t);
void bench_random_size_align(struct kt *t);
void bench_align_shift(struct kt *t);
/* Print the table of the scenarios that ran (KTAP diagnostics). */
void bench_print_table(void);

#endif /* KERNEL_KTEST_H */
