/* SPDX-License-Identifier: MIT */
/*
 * vmbench in a short form: the scenarios of the kernel's vmalloc
 * benchmark (lib/test_vmalloc.c), with loop counts small enough for TCG,
 * timed with arch_cycles(). Each scenario is a test case (every allocation must
 * succeed, or in align_shift fail exactly where no aligned address
 * exists) and a row of the table bench_print_table() prints at the end.
 * Loop counts are multiplied by scale= from the command line.
 */
#include "ktest.h"

#define PG	PAGE_SIZE
#define CALLER	(__builtin_return_address(0))

struct bench_row {
	const char *name;
	unsigned long loops;
	unsigned long fails;		/* allocations that failed */
	unsigned long expected_fails;
	uint64_t cycles;
};

static struct bench_row rows[8];
static unsigned int nr_rows;

static void record(const char *name, unsigned long loops,
		   unsigned long fails, unsigned long expected, uint64_t cycles)
{
	if (nr_rows < ARRAY_LEN(rows))
		rows[nr_rows++] = (struct bench_row){ name, loops, fails,
						      expected, cycles };
}

/* An array of @n pointers, itself from vmalloc. */
static void **ptr_array(struct kt *t, unsigned long n)
{
	void **a = vzalloc(n * sizeof(void *));

	KT_CHECK(t, a != NULL, "vzalloc of %lu pointers", n);
	return a;
}

/* vmalloc one page, touch it, vfree it. */
void bench_fix_size(struct kt *t)
{
	unsigned long loops = 5000 * kt_scale(), fails = 0, i;
	uint64_t t0 = arch_cycles();

	for (i = 0; i < loops; i++) {
		unsigned char *p = vmalloc(PG);

		if (!p) {
			fails++;
			continue;
		}
		*p = 0;
		vfree(p);
	}
	record("fix_size", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed", fails);
}

/*
 * Fill the space with pairs of one-page areas, free every second one:
 * one-page holes (plus guard) that a one-page request fits exactly.
 */
void bench_full_fit(struct kt *t)
{
	unsigned long junk = 2048 * kt_scale(), loops = 5000 * kt_scale();
	unsigned long fails = 0, i;
	void **keep = ptr_array(t, junk), **hole = ptr_array(t, junk);
	uint64_t t0 = arch_cycles();

	if (!keep || !hole)
		goto out;
	for (i = 0; i < junk; i++) {
		keep[i] = vmalloc(PG);
		hole[i] = vmalloc(PG);
		fails += !keep[i] + !hole[i];
	}
	for (i = 0; i < junk; i++)
		vfree(hole[i]);
	for (i = 0; i < loops; i++) {
		unsigned char *p = vmalloc(PG);

		if (!p) {
			fails++;
			continue;
		}
		*p = 1;
		vfree(p);
	}
	for (i = 0; i < junk; i++)
		vfree(keep[i]);
	record("full_fit", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed", fails);
out:
	vfree(keep);
	vfree(hole);
}

/* Many one-page areas held while 100-page and 1-page areas come and go. */
void bench_long_busy_list(struct kt *t)
{
	unsigned long held = 5000 * kt_scale(), loops = 1000 * kt_scale();
	unsigned long fails = 0, i;
	void **busy = ptr_array(t, held);
	uint64_t t0 = arch_cycles();

	if (!busy)
		return;
	for (i = 0; i < held; i++)
		fails += !(busy[i] = vmalloc(PG));
	for (i = 0; i < loops; i++) {
		unsigned char *p1 = vmalloc(100 * PG), *p2 = vmalloc(PG);

		fails += !p1 + !p2;
		if (p1)
			*p1 = 0;
		if (p2)
			*p2 = 0;
		vfree(p1);
		vfree(p2);
	}
	for (i = 0; i < held; i++)
		vfree(busy[i]);
	record("long_busy_list", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed", fails);
	vfree(busy);
}

/* 1..100 pages, at random. */
void bench_random_size(struct kt *t)
{
	unsigned long loops = 2000 * kt_scale(), fails = 0, i;
	uint64_t t0 = arch_cycles();

	kt_note(t, "seed 0x%lx", (unsigned long)t->seed);
	for (i = 0; i < loops; i++) {
		unsigned long n = 1 + kt_rand(t) % 100;
		unsigned char *p = vmalloc(n * PG);

		if (!p) {
			fails++;
			continue;
		}
		*p = 1;
		vfree(p);
	}
	record("random_size", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed", fails);
}

/*
 * Five pages at 32 KiB alignment (THREAD_ALIGN << 1 in the kernel's
 * test), as a bare area and as a mapped, zeroed allocation.
 */
void bench_fix_align(struct kt *t)
{
	const unsigned long align = 32 * 1024;
	unsigned long loops = 2000 * kt_scale(), fails = 0, i;
	uint64_t t0 = arch_cycles();

	for (i = 0; i < loops; i++) {
		struct vm_struct *vm;
		unsigned char *p;

		vm = __get_vm_area_aligned(5 * PG, align, VM_ALLOC,
					  VMALLOC_START, VMALLOC_END, CALLER);
		if (!vm || ((uintptr_t)vm->addr & (align - 1)))
			fails++;
		free_vm_area(vm);
		p = __vmalloc_node_range(5 * PG, align, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL | __GFP_ZERO,
					 PAGE_KERNEL, 0, -1, CALLER);
		if (!p || ((uintptr_t)p & (align - 1)) || p[5 * PG - 1])
			fails++;
		if (p)
			p[0] = 1;
		vfree(p);
	}
	record("fix_align", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed or were misaligned",
		 fails);
}

/* 1..10 pages at an alignment of 2^0 .. 2^22 bytes, at random. */
void bench_random_size_align(struct kt *t)
{
	unsigned long loops = 2000 * kt_scale(), fails = 0, i;
	uint64_t t0 = arch_cycles();

	kt_note(t, "seed 0x%lx", (unsigned long)t->seed);
	for (i = 0; i < loops; i++) {
		uint64_t r = kt_rand(t);
		unsigned long align = 1UL << (r % 23);
		unsigned long size = ((r >> 8) % 10 + 1) * PG;
		unsigned long need = align > PG ? align : PG;
		unsigned char *p;

		p = __vmalloc_node_range(size, align, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL | __GFP_ZERO,
					 PAGE_KERNEL, 0, -1, CALLER);
		if (!p || ((uintptr_t)p & (need - 1)) || p[size - 1])
			fails++;
		if (p)
			p[0] = 1;
		vfree(p);
	}
	record("random_size_align", loops, fails, 0, arch_cycles() - t0);
	KT_CHECK(t, fails == 0, "%lu allocations failed or were misaligned",
		 fails);
}

/*
 * One page at alignments 2^0 .. 2^63. Whether one fits is known in
 * advance: the lowest aligned address in the range, computed without
 * overflow, must leave room for the page and its guard. The impossible
 * ones must fail cleanly: NULL, no log line (__GFP_NOWARN), no leak.
 */
void bench_align_shift(struct kt *t)
{
	const unsigned long start = VMALLOC_START, end = VMALLOC_END;
	unsigned long fails = 0, expected = 0, wrong = 0;
	unsigned int shift;
	uint64_t t0 = arch_cycles();

	for (shift = 0; shift < 64; shift++) {
		unsigned long align = 1UL << shift;
		unsigned long a = align <= PG ? start :
				  (start + (align - 1)) & ~(align - 1);
		bool fits = a >= start && a < end && end - a >= 2 * PG;
		unsigned char *p;

		expected += !fits;
		p = __vmalloc_node_range(PG, align, start, end,
					 GFP_KERNEL | __GFP_NOWARN, PAGE_KERNEL,
					 0, -1, CALLER);
		fails += !p;
		if (!p != !fits ||
		    (p && ((uintptr_t)p & ((align > PG ? align : PG) - 1)))) {
			wrong++;
			kt_note(t, "alignment 2^%u: got %p, expected %s", shift,
				(void *)p, fits ? "an address" : "NULL");
		}
		if (p)
			*p = 1;
		vfree(p);
	}
	record("align_shift", 64, fails, expected, arch_cycles() - t0);
	kt_note(t, "%lu of 64 alignments cannot fit in the range and failed",
		 fails);
	KT_CHECK(t, wrong == 0, "%lu alignments behaved unexpectedly", wrong);
}

void bench_print_table(void)
{
	unsigned int i;

	if (!nr_rows)
		return;
	kprintf("# vmbench (short form; counter %lu kHz, %lu KiB pages)\n",
		(unsigned long)cycle_khz, PG >> 10);
	kprintf("# %-18s %7s %6s %10s %12s %10s\n", "scenario", "loops",
		"fails", "total ms", "cycles/loop", "us/loop");
	for (i = 0; i < nr_rows; i++) {
		const struct bench_row *r = &rows[i];
		uint64_t us = kt_cycles_to_us(r->cycles);
		uint64_t per10 = r->loops ? us * 10 / r->loops : 0;
		char fails[24];

		if (r->expected_fails)
			vm_snprintf(fails, sizeof(fails), "%lu/%lu", r->fails,
				  r->expected_fails);
		else
			vm_snprintf(fails, sizeof(fails), "%lu", r->fails);
		kprintf("# %-18s %7lu %6s %6lu.%03lu %12lu %8lu.%lu\n", r->name,
			r->loops, fails, (unsigned long)(us / 1000),
			(unsigned long)(us % 1000),
			(unsigned long)(r->loops ? r->cycles / r->loops : 0),
			(unsigned long)(per10 / 10), (unsigned long)(per10 % 10));
	}
	kprintf("# (align_shift fails column: failed/expected to fail)\n");
}
