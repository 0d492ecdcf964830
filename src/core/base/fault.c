/* SPDX-License-Identifier: MIT */
/*
 * The fault-injection point. Every place in the core and the engines that
 * can fail asks vm_fault_should_fail(site) first. The configuration is
 * the process's, not the running instance's: set before the first call
 * (which initialises the library automatically), it stays set.
 *
 * Any thread may reconfigure while others allocate. The fast path reads
 * one word (sites). A writer publishes a new configuration under a
 * sequence count: odd while it writes, so a reader that sees an odd or
 * changed count reads again and never mixes two configurations.
 */
#include "base/core.h"

static struct {
	unsigned int sites;		/* 0: injection off (fast path) */
	unsigned int seq;		/* odd while a writer updates */
	unsigned int permille;
	unsigned long nth;
	uint64_t seed;
	unsigned long attempts;
	unsigned char writing;		/* writers' spinlock */
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
	unsigned int seq, permille;
	unsigned long n, nth;
	uint64_t seed;
	bool fail;

	if (likely(!(__atomic_load_n(&fi.sites, __ATOMIC_RELAXED) & site)))
		return false;
	do {
		seq = __atomic_load_n(&fi.seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			vm_cpu_relax();
			continue;
		}
		if (!(__atomic_load_n(&fi.sites, __ATOMIC_RELAXED) & site))
			return false;
		nth = __atomic_load_n(&fi.nth, __ATOMIC_RELAXED);
		permille = __atomic_load_n(&fi.permille, __ATOMIC_RELAXED);
		seed = __atomic_load_n(&fi.seed, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while (seq != __atomic_load_n(&fi.seq, __ATOMIC_RELAXED) || (seq & 1));
	/* Counted once, against the configuration just read. */
	n = __atomic_add_fetch(&fi.attempts, 1, __ATOMIC_RELAXED);
	if (nth)
		fail = n == nth;
	else
		fail = splitmix64(seed + n) % 1000 < permille;
	if (fail)
		vm_stat_add(&vm_count.fault_injected, 1);
	return fail;
}

void vmalloc_fault_inject(unsigned int sites, unsigned long nth,
			  unsigned int permille, uint64_t seed)
{
	while (__atomic_test_and_set(&fi.writing, __ATOMIC_ACQUIRE))
		vm_cpu_relax();
	__atomic_store_n(&fi.seq, __atomic_load_n(&fi.seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);	/* odd: readers wait */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&fi.sites, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.nth, nth, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.permille, permille > 1000 ? 1000 : permille,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&fi.seed, seed, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.attempts, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.sites, sites & VM_FAULT_ALL, __ATOMIC_RELAXED);
	__atomic_store_n(&fi.seq, __atomic_load_n(&fi.seq, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);	/* even: published */
	__atomic_clear(&fi.writing, __ATOMIC_RELEASE);
}

unsigned long vmalloc_fault_attempts(void)
{
	return __atomic_load_n(&fi.attempts, __ATOMIC_RELAXED);
}
