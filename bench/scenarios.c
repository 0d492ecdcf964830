/* SPDX-License-Identifier: MIT */
/*
 * The scenarios of the kernel's lib/test_vmalloc.c, over one allocator
 * interface with three implementations:
 *
 *   full  libvmalloc   vmalloc() / __vmalloc_node_range() + vfree()
 *   kva   libvmalloc   get_vm_area() / __get_vm_area_aligned() + free_vm_area()
 *   kva   seed list    seed_list_alloc() + seed_list_free() (bench/seed_list.c)
 *
 * Each scenario has an untimed set-up (areas kept busy for the whole
 * run), a timed loop, and a teardown that frees everything the set-up
 * took. Every result is checked on the way (non-NULL, inside the range,
 * aligned as asked): a wrong answer counts in worker->bad, a NULL in
 * worker->fails; only align_shift expects NULLs.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define CALLER	(__builtin_return_address(0))

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median_of(const double *v, unsigned int n)
{
	double s[MAX_REPEAT];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double median_any(const double *v, unsigned int n)
{
	double *s, m;

	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

void ratio_summary(const double *v, unsigned int n, double *med,
		   double *min, double *max)
{
	unsigned int i;

	*med = median_any(v, n);
	*min = *max = n ? v[0] : 0;
	for (i = 1; i < n; i++) {
		if (v[i] < *min)
			*min = v[i];
		if (v[i] > *max)
			*max = v[i];
	}
}

/* splitmix64: small, fast, and good enough to pick sizes. */
uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ */
/* The allocator interface                                             */
/* ------------------------------------------------------------------ */

/* The plain entry points: vmalloc() and get_vm_area(). */
static handle_t b_alloc(const struct bench_run *r, unsigned long size)
{
	if (r->impl == IMPL_SEED)
		return (handle_t)seed_list_alloc(r->sl, size, 1, VM_ALLOC);
	if (r->mode == MODE_KVA)
		return (handle_t)get_vm_area(size, VM_ALLOC);
	return (handle_t)vmalloc(size);
}

/* The entry points with an alignment, as test_vmalloc's __vmalloc_node(). */
static handle_t b_alloc_aligned(const struct bench_run *r, unsigned long size,
				unsigned long align)
{
	if (r->impl == IMPL_SEED)
		return (handle_t)seed_list_alloc(r->sl, size, align, VM_ALLOC);
	if (r->mode == MODE_KVA)
		return (handle_t)__get_vm_area_aligned(size, align, VM_ALLOC,
						      r->range_start,
						      r->range_end, CALLER);
	return (handle_t)__vmalloc_node_range(size, align, r->range_start,
					      r->range_end, GFP_KERNEL,
					      PAGE_KERNEL, 0, -1, CALLER);
}

/* Set-up allocation: the seed baseline may skip its O(n) scan (push). */
static handle_t b_alloc_setup(const struct bench_run *r, unsigned long size)
{
	if (r->impl == IMPL_SEED)
		return (handle_t)seed_list_push(r->sl, size, 1, VM_ALLOC);
	return b_alloc(r, size);
}

static void b_free(const struct bench_run *r, handle_t h)
{
	if (r->impl == IMPL_SEED)
		seed_list_free(r->sl, (struct seed_area *)h);
	else if (r->mode == MODE_KVA)
		free_vm_area((struct vm_struct *)h);
	else
		vfree((void *)h);
}

static unsigned long b_addr(const struct bench_run *r, handle_t h)
{
	if (r->impl == IMPL_SEED)
		return ((struct seed_area *)h)->addr;
	if (r->mode == MODE_KVA)
		return (unsigned long)((struct vm_struct *)h)->addr;
	return (unsigned long)h;
}

/*
 * Is @h a right answer for @size bytes at @align? Counts a NULL in
 * w->fails and a wrong area in w->bad (with the first one described).
 */
static bool check(struct worker *w, handle_t h, unsigned long size,
		  unsigned long align)
{
	const struct bench_run *r = w->run;
	unsigned long a;

	if (!h) {
		w->fails++;
		return false;
	}
	a = b_addr(r, h);
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	if ((a & (align - 1)) || a < r->range_start || a >= r->range_end ||
	    size > r->range_end - a) {
		if (!w->bad++)
			snprintf(w->err, sizeof(w->err),
				 "bad area 0x%lx for %lu bytes at alignment 0x%lx",
				 a, size, align);
		return false;
	}
	return true;
}

/* One alloc + free of @size bytes; false on failure. */
static inline bool pair(struct worker *w, unsigned long size)
{
	handle_t h = b_alloc(w->run, size);

	if (!check(w, h, size, PAGE_SIZE))
		return false;
	b_free(w->run, h);
	return true;
}

static inline bool pair_aligned(struct worker *w, unsigned long size,
				unsigned long align)
{
	handle_t h = b_alloc_aligned(w->run, size, align);

	if (!check(w, h, size, align))
		return false;
	b_free(w->run, h);
	return true;
}

static int hold(struct worker *w, unsigned long n)
{
	w->held = calloc(n ? n : 1, sizeof(*w->held));
	w->nr_held = 0;
	if (!w->held) {
		snprintf(w->err, sizeof(w->err), "no memory for %lu handles", n);
		return -1;
	}
	return 0;
}

static void release_held(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < w->nr_held; i++)
		if (w->held[i])
			b_free(w->run, w->held[i]);
	free(w->held);
	w->held = NULL;
	w->nr_held = 0;
}

static int no_setup(struct worker *w)
{
	(void)w;
	return 0;
}

static void no_teardown(struct worker *w)
{
	(void)w;
}

/* ------------------------------------------------------------------ */
/* fix_size: vmalloc(N pages) + vfree                                  */
/* ------------------------------------------------------------------ */

static void fix_size_loop(struct worker *w, unsigned long loops)
{
	unsigned long size = w->run->param * PAGE_SIZE, i;

	for (i = 0; i < loops; i++)
		pair(w, size);
}

static unsigned long fix_size_frames(const struct bench_run *r)
{
	return r->param + 1;
}

/* ------------------------------------------------------------------ */
/* full_fit: one-page allocations into exact one-page holes            */
/* ------------------------------------------------------------------ */

static unsigned long full_fit_pairs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int fls = 0;

	if (n < 1)
		n = 1;
	while (n >> fls)
		fls++;
	/* test_vmalloc: fls(num_online_cpus()) * (32 MiB / PAGE_SIZE). */
	return fls * (32UL << 20) / PAGE_SIZE;
}

static int full_fit_setup(struct worker *w)
{
	unsigned long n = full_fit_pairs(), i;

	if (hold(w, 2 * n))
		return -1;
	/* Interleave kept and junk one-page areas: K J K J K J ... */
	for (i = 0; i < 2 * n; i++) {
		handle_t h = b_alloc_setup(w->run, PAGE_SIZE);

		if (!check(w, h, PAGE_SIZE, PAGE_SIZE)) {
			snprintf(w->err, sizeof(w->err),
				 "set-up allocation %lu of %lu failed", i, 2 * n);
			return -1;
		}
		w->held[w->nr_held++] = h;
	}
	/* ... then free the junk: K _ K _ K _, exact one-page holes. */
	for (i = 1; i < 2 * n; i += 2) {
		b_free(w->run, w->held[i]);
		w->held[i] = 0;
	}
	/* Freed vmalloc ranges are lazy: make the holes real before timing. */
	if (w->run->impl == IMPL_OURS && w->run->mode == MODE_FULL)
		vm_unmap_aliases();
	return 0;
}

static void full_fit_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++)
		pair(w, PAGE_SIZE);
}

static unsigned long full_fit_frames(const struct bench_run *r)
{
	(void)r;
	return 2 * full_fit_pairs() + 2;
}

/* ------------------------------------------------------------------ */
/* long_busy_list: many busy areas, then 100-page + 1-page pairs       */
/* ------------------------------------------------------------------ */

static int long_busy_setup(struct worker *w)
{
	unsigned long n = w->run->param, i;

	if (hold(w, n))
		return -1;
	for (i = 0; i < n; i++) {
		handle_t h = b_alloc_setup(w->run, PAGE_SIZE);

		if (!check(w, h, PAGE_SIZE, PAGE_SIZE)) {
			snprintf(w->err, sizeof(w->err),
				 "busy area %lu of %lu failed", i, n);
			return -1;
		}
		w->held[w->nr_held++] = h;
	}
	return 0;
}

static void long_busy_loop(struct worker *w, unsigned long loops)
{
	const struct bench_run *r = w->run;
	unsigned long i;

	for (i = 0; i < loops; i++) {
		handle_t big = b_alloc(r, 100 * PAGE_SIZE);
		handle_t one = b_alloc(r, PAGE_SIZE);

		if (check(w, big, 100 * PAGE_SIZE, PAGE_SIZE))
			b_free(r, big);
		if (check(w, one, PAGE_SIZE, PAGE_SIZE))
			b_free(r, one);
	}
}

static unsigned long long_busy_frames(const struct bench_run *r)
{
	return r->param + 102;
}

/* ------------------------------------------------------------------ */
/* random_size: 1..100 pages                                           */
/* ------------------------------------------------------------------ */

static void random_size_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++)
		pair(w, (rng_next(&w->rng) % 100 + 1) * PAGE_SIZE);
}

static unsigned long random_size_frames(const struct bench_run *r)
{
	(void)r;
	return 101;
}

/* ------------------------------------------------------------------ */
/* fix_align: 5 pages at 32 KiB (THREAD_ALIGN << 1 on x86-64)          */
/* ------------------------------------------------------------------ */

static void fix_align_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++)
		pair_aligned(w, 5 * PAGE_SIZE, 32UL << 10);
}

static unsigned long fix_align_frames(const struct bench_run *r)
{
	(void)r;
	return 6;
}

/* ------------------------------------------------------------------ */
/* random_size_align: align 1 << (r % 23) bytes, 1..10 pages           */
/* ------------------------------------------------------------------ */

static void random_size_align_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++) {
		/* One draw for both, as test_vmalloc does. */
		unsigned int rnd = (unsigned int)rng_next(&w->rng);

		pair_aligned(w, (rnd % 10 + 1) * PAGE_SIZE, 1UL << (rnd % 23));
	}
}

static unsigned long random_size_align_frames(const struct bench_run *r)
{
	(void)r;
	return 11;
}

/* ------------------------------------------------------------------ */
/* align_shift: one page at 2^0 .. 2^63; the large ones must fail      */
/* ------------------------------------------------------------------ */

static void align_shift_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;
	unsigned int s;

	for (i = 0; i < loops; i++) {
		for (s = 0; s < 64; s++) {
			unsigned long fails = w->fails;

			if (pair_aligned(w, PAGE_SIZE, 1UL << s))
				w->successes++;
			else if (w->fails != fails)
				w->fails = fails;	/* expected: not an error */
		}
	}
}

static unsigned long align_shift_frames(const struct bench_run *r)
{
	(void)r;
	return 2;
}

/* ------------------------------------------------------------------ */
/* no_block_alloc: 1 page with GFP_NOWAIT or GFP_ATOMIC + vfree         */
/* ------------------------------------------------------------------ */

static void no_block_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++) {
		gfp_t gfp = rng_next(&w->rng) & 1 ? GFP_NOWAIT : GFP_ATOMIC;
		void *p = __vmalloc(PAGE_SIZE, gfp);

		if (check(w, (handle_t)p, PAGE_SIZE, PAGE_SIZE))
			vfree(p);
	}
}

static unsigned long one_page_frames(const struct bench_run *r)
{
	(void)r;
	return 2;
}

/* ------------------------------------------------------------------ */
/* vm_map_ram: map N bulk-allocated pages, unmap (test_vmalloc)      */
/* ------------------------------------------------------------------ */

static int map_ram_setup(struct worker *w)
{
	unsigned long n = w->run->param ? w->run->param : 1;

	if (hold(w, n))
		return -1;
	if (alloc_pages_bulk(GFP_KERNEL, n, (struct page **)w->held) != n) {
		snprintf(w->err, sizeof(w->err), "alloc_pages_bulk: fewer than %lu pages", n);
		return -1;
	}
	w->nr_held = n;
	return 0;
}

static void map_ram_teardown(struct worker *w)
{
	unsigned long i;

	for (i = 0; i < w->nr_held; i++)
		if (w->held[i])
			__free_page((struct page *)w->held[i]);
	free(w->held);
	w->held = NULL;
	w->nr_held = 0;
}

static void map_ram_loop(struct worker *w, unsigned long loops)
{
	unsigned int n = (unsigned int)w->nr_held;
	unsigned long i;

	for (i = 0; i < loops; i++) {
		void *p = vm_map_ram((struct page **)w->held, n, NUMA_NO_NODE);

		if (!check(w, (handle_t)p, (unsigned long)n * PAGE_SIZE, PAGE_SIZE))
			continue;
		vm_unmap_ram(p, n);
	}
}

static unsigned long map_ram_frames(const struct bench_run *r)
{
	return (r->param ? r->param : 1) + 1;
}

/* ------------------------------------------------------------------ */
/* pcpu: two congruent 64 KiB areas 1 MiB apart, placed top-down       */
/* ------------------------------------------------------------------ */

static void pcpu_loop(struct worker *w, unsigned long loops)
{
	static const unsigned long offsets[] = { 0, 1UL << 20 };
	static const size_t sizes[] = { 64UL << 10, 64UL << 10 };
	unsigned long i;

	for (i = 0; i < loops; i++) {
		struct vm_struct **vms = pcpu_get_vm_areas(offsets, sizes, 2,
							   PAGE_SIZE);

		if (!vms) {
			w->fails++;
			continue;
		}
		if ((unsigned long)vms[1]->addr - (unsigned long)vms[0]->addr !=
		    offsets[1] && !w->bad++)
			snprintf(w->err, sizeof(w->err),
				 "pcpu areas at %p and %p are not congruent",
				 vms[0]->addr, vms[1]->addr);
		pcpu_free_vm_areas(vms, 2);
	}
}

/* ------------------------------------------------------------------ */
/* vrealloc: 1 page -> 4 -> 1 -> half a page -> 1, then vfree          */
/* ------------------------------------------------------------------ */

static void vrealloc_loop(struct worker *w, unsigned long loops)
{
	static const unsigned long sizes[] = {
		4 * PAGE_SIZE, PAGE_SIZE, PAGE_SIZE / 2, PAGE_SIZE,
	};
	unsigned long i;
	unsigned int k;

	for (i = 0; i < loops; i++) {
		void *p = vrealloc(NULL, PAGE_SIZE, GFP_KERNEL);

		if (!check(w, (handle_t)p, PAGE_SIZE, PAGE_SIZE))
			continue;
		for (k = 0; k < 4; k++) {
			void *q = vrealloc(p, sizes[k], GFP_KERNEL);

			if (!check(w, (handle_t)q, sizes[k], PAGE_SIZE))
				break;
			p = q;
		}
		vfree(p);
	}
}

static unsigned long vrealloc_frames(const struct bench_run *r)
{
	(void)r;
	return 10;
}

/* ------------------------------------------------------------------ */
/* kvfree: vmalloc(1 page) + kvfree (test_vmalloc's kvfree_rcu cases) */
/* ------------------------------------------------------------------ */

static void kvfree_loop(struct worker *w, unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++) {
		void *p = vmalloc(PAGE_SIZE);

		if (check(w, (handle_t)p, PAGE_SIZE, PAGE_SIZE))
			kvfree(p);
	}
}

/* ------------------------------------------------------------------ */

const struct scenario scenarios[] = {
	{
		.name = "fix_size", .param_name = "pages",
		.what = "vmalloc(N pages) + vfree",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true,
		.setup = no_setup, .loop = fix_size_loop,
		.teardown = no_teardown, .frames = fix_size_frames,
	},
	{
		.name = "full_fit",
		.what = "1-page alloc + free into exact 1-page holes "
			"(fls(ncpus) x 8192 kept areas, every second freed)",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true,
		.setup = full_fit_setup, .loop = full_fit_loop,
		.teardown = release_held, .frames = full_fit_frames,
	},
	{
		.name = "long_busy_list", .param_name = "busy",
		.what = "busy 1-page areas held; loop: alloc 100 pages + "
			"1 page, free both (2 ops)",
		.default_loops = 200000, .quick_loops = 5000,
		.ops_per_loop = 2, .kernel_default = true,
		.setup = long_busy_setup, .loop = long_busy_loop,
		.teardown = release_held, .frames = long_busy_frames,
	},
	{
		.name = "random_size",
		.what = "alloc 1..100 pages (uniform) + free",
		.default_loops = 200000, .quick_loops = 5000,
		.ops_per_loop = 1, .kernel_default = true,
		.setup = no_setup, .loop = random_size_loop,
		.teardown = no_teardown, .frames = random_size_frames,
	},
	{
		.name = "fix_align",
		.what = "alloc 5 pages at 32 KiB alignment + free",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true,
		.setup = no_setup, .loop = fix_align_loop,
		.teardown = no_teardown, .frames = fix_align_frames,
	},
	{
		.name = "random_size_align",
		.what = "alloc 1..10 pages at 2^(r%23) bytes alignment + free",
		.default_loops = 500000, .quick_loops = 10000,
		.ops_per_loop = 1, .kernel_default = true,
		.setup = no_setup, .loop = random_size_align_loop,
		.teardown = no_teardown, .frames = random_size_align_frames,
	},
	{
		.name = "align_shift",
		.what = "alloc 1 page at alignment 2^0 .. 2^63 (64 ops; "
			"the ones larger than the range fail) + free",
		.default_loops = 10000, .quick_loops = 200,
		.ops_per_loop = 64, .kernel_default = true,
		.setup = no_setup, .loop = align_shift_loop,
		.teardown = no_teardown, .frames = align_shift_frames,
	},
	{
		.name = "no_block_alloc",
		.what = "__vmalloc(1 page, GFP_NOWAIT or GFP_ATOMIC) + vfree",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true, .full_only = true,
		.setup = no_setup, .loop = no_block_loop,
		.teardown = no_teardown, .frames = one_page_frames,
	},
	{
		.name = "vm_map_ram", .param_name = "pages",
		.what = "vm_map_ram(N pages from alloc_pages_bulk) + vm_unmap_ram",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true, .full_only = true,
		.setup = map_ram_setup, .loop = map_ram_loop,
		.teardown = map_ram_teardown, .frames = map_ram_frames,
	},
	{
		.name = "pcpu",
		.what = "pcpu_get_vm_areas: 2 congruent 64 KiB areas 1 MiB "
			"apart, top-down + pcpu_free_vm_areas",
		.default_loops = 200000, .quick_loops = 5000,
		.ops_per_loop = 1, .kernel_default = true, .kva_only = true,
		.setup = no_setup, .loop = pcpu_loop,
		.teardown = no_teardown, .frames = one_page_frames,
	},
	{
		.name = "vrealloc",
		.what = "vrealloc 1 page -> 4 -> 1 -> half -> 1 page + vfree "
			"(5 ops)",
		.default_loops = 200000, .quick_loops = 5000,
		.ops_per_loop = 5, .kernel_default = true, .full_only = true,
		.setup = no_setup, .loop = vrealloc_loop,
		.teardown = no_teardown, .frames = vrealloc_frames,
	},
	{
		.name = "kvfree",
		.what = "vmalloc(1 page) + kvfree",
		.default_loops = 1000000, .quick_loops = 20000,
		.ops_per_loop = 1, .kernel_default = true, .full_only = true,
		.setup = no_setup, .loop = kvfree_loop,
		.teardown = no_teardown, .frames = one_page_frames,
	},
};

const unsigned int nr_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);
