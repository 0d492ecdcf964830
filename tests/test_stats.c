/* SPDX-License-Identifier: MIT */
/*
 * Statistics that many CPUs change: the per-CPU counters of base/core.h
 * (vm_pcpu_stat, behind vmalloc_nr_pages) summed across CPUs, and every
 * count vmalloc_get_stats() gives exact after threads on different CPUs
 * have allocated and freed at once (the hot cells of the
 * get_vm_area/free_vm_area fast path included).
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "base/core.h"

/* A platform whose CPU is whatever the calling thread says it is. */
static __thread unsigned int fake_cpu;

static unsigned int fake_cpu_of(void *ctx)
{
	(void)ctx;
	return fake_cpu;
}

static struct vm_platform fake = { .cpu = fake_cpu_of, .ncpus = 200 };
static struct vm_pcpu_stat counter;

#define ADDS	200000

struct adder {
	pthread_t t;
	unsigned int cpu;
};

static void *add_on(void *arg)
{
	struct adder *a = arg;
	unsigned long i;

	fake_cpu = a->cpu;
	for (i = 0; i < ADDS; i++)
		vm_pcpu_stat_add(&counter, 3);
	for (i = 0; i < ADDS; i++)
		vm_pcpu_stat_add(&counter, -2);
	return NULL;
}

TEST(per_cpu_stats_sum_what_every_cpu_changed)
{
	/* CPUs 70 and 134 share slot 6 with CPU 6; two threads share 6. */
	static const unsigned int cpus[] = { 0, 1, 6, 6, 63, 70, 134, 199 };
	struct adder a[ARRAY_SIZE(cpus)];
	unsigned int i;

	/* The core is down in this process: the counter needs only a CPU. */
	ASSERT_NULL(vm_plat);
	vm_plat = &fake;
	fake_cpu = 5;
	vm_pcpu_stat_add(&counter, 7);
	fake_cpu = 9;
	vm_pcpu_stat_add(&counter, -10);	/* a slot below zero */
	ASSERT_EQ(vm_pcpu_stat_read(&counter), (unsigned long)-3L);
	for (i = 0; i < ARRAY_SIZE(cpus); i++) {
		a[i].cpu = cpus[i];
		ASSERT_EQ(pthread_create(&a[i].t, NULL, add_on, &a[i]), 0);
	}
	for (i = 0; i < ARRAY_SIZE(cpus); i++)
		ASSERT_EQ(pthread_join(a[i].t, NULL), 0);
	ASSERT_EQ(vm_pcpu_stat_read(&counter),
		  ARRAY_SIZE(cpus) * (unsigned long)ADDS - 3);
	/* Each CPU of a shared machine writes its own cache line. */
	ASSERT_EQ((uintptr_t)&counter.slot[1] - (uintptr_t)&counter.slot[0],
		  VM_CACHELINE);
	ASSERT_EQ((uintptr_t)&counter.slot[0] % VM_CACHELINE, 0);
	vm_plat = NULL;
}

/* ------------------------------------------------------------------ */
/* A storm of threads on different CPUs, then every count exact         */
/* ------------------------------------------------------------------ */

#define STORM_THREADS	4
#define STORM_OPS	20000
#define STORM_HELD	16

struct stormer {
	pthread_t t;
	unsigned int id;
	uint64_t rng;
	void *mem[STORM_HELD];		/* vmalloc()ed, or NULL */
	unsigned long mem_pages[STORM_HELD];
	struct vm_struct *kva[STORM_HELD];	/* get_vm_area()ed, or NULL */
	unsigned long failures;
};

static uint64_t storm_rand(struct stormer *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *storm(void *arg)
{
	struct stormer *s = arg;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	unsigned long i;

	/* Pinned round-robin, so the threads report different CPUs. */
	CPU_ZERO(&set);
	CPU_SET(s->id % (unsigned int)(ncpu > 0 ? ncpu : 1), &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (i = 0; i < STORM_OPS; i++) {
		uint64_t r = storm_rand(s);
		unsigned int k = (unsigned int)(r % STORM_HELD);
		unsigned long pages = (r >> 8) % 8 + 1;

		if (r & (1ULL << 40)) {
			if (s->mem[k]) {
				vfree(s->mem[k]);
				s->mem[k] = NULL;
			} else if ((s->mem[k] = vmalloc(pages * PAGE_SIZE))) {
				s->mem_pages[k] = pages;
			} else {
				s->failures++;
			}
		} else {
			if (s->kva[k]) {
				free_vm_area(s->kva[k]);
				s->kva[k] = NULL;
			} else if (!(s->kva[k] = get_vm_area((pages % 5 + 1) *
							     PAGE_SIZE,
							     VM_ALLOC))) {
				s->failures++;
			}
		}
	}
	return NULL;
}

TEST(every_count_is_exact_after_a_threaded_storm)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };
	static struct stormer s[STORM_THREADS];
	unsigned long areas = 0, pages = 0, before_areas;
	uint64_t seed = vt_seed();
	unsigned int i, k;

	vt_init(256, 1);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	before_areas = st.areas;
	for (i = 0; i < STORM_THREADS; i++) {
		s[i].id = i;
		s[i].rng = seed + i;
		ASSERT_EQ(pthread_create(&s[i].t, NULL, storm, &s[i]), 0);
	}
	for (i = 0; i < STORM_THREADS; i++)
		ASSERT_EQ(pthread_join(s[i].t, NULL), 0);
	for (i = 0; i < STORM_THREADS; i++) {
		ASSERT_EQ(s[i].failures, 0);
		for (k = 0; k < STORM_HELD; k++) {
			if (s[i].mem[k]) {
				areas++;
				pages += s[i].mem_pages[k];
			}
			if (s[i].kva[k])
				areas++;
		}
	}
	/* What the threads hold, no more, no less, from any CPU's view. */
	ASSERT_EQ(vmalloc_nr_pages(), pages);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.areas - before_areas, areas);
	ASSERT_SANE();
	/* Freed here, on one CPU: areas the others made, pages they counted. */
	for (i = 0; i < STORM_THREADS; i++)
		for (k = 0; k < STORM_HELD; k++) {
			vfree(s[i].mem[k]);
			free_vm_area(s[i].kva[k]);
		}
	ASSERT_EQ(vmalloc_nr_pages(), 0);
	vm_unmap_aliases();
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.areas, before_areas);
	ASSERT_EQ(st.lazy_pages, 0);
	ASSERT_SANE();
}

/*
 * free_vm_area()'s fast path takes a slot without a lock: a foreign
 * struct, a copy of a live descriptor and a second free must still be
 * refused, with the general path's message, and change nothing.
 */
TEST(the_lock_free_free_refuses_what_the_general_path_refuses)
{
	struct vm_struct *a, copy;

	vt_init(64, 1);
	a = get_vm_area(PAGE_SIZE, VM_ALLOC);
	ASSERT_NONNULL(a);
	copy = *a;
	free_vm_area(&copy);		/* the same address, not our struct */
	ASSERT_EQ(vt_log_count("is not an area of this library"), 1);
	ASSERT_TRUE(find_vm_area(a->addr) == a);
	free_vm_area(a);
	ASSERT_NULL(find_vm_area(copy.addr));
	/* In a hot cell now (claimed): a second free finds no area. */
	free_vm_area(a);
	ASSERT_EQ(vt_log_count("is not an area of this library"), 2);
	ASSERT_SANE();
}
