/* SPDX-License-Identifier: MIT */
/*
 * The area cache: vfree() of a plain vmalloc area keeps it whole (frames,
 * page array, mapping) for the next vmalloc() of its size on that CPU.
 * A reused area must look fresh to every observer, the cache must keep
 * its limits, and every drain (vm_unmap_aliases, a low pool) must give
 * everything back.
 *
 * Cases that count what one CPU's cache holds pin the thread to the CPU
 * it runs on (the cache is per CPU; correctness never depends on it).
 */
#include "harness.h"
#include "page/page_alloc.h"

#include <pthread.h>
#include <sched.h>

static struct vmalloc_stats stats(void)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st;
}

static void pin_here(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Two call sites: vmallocinfo and find_vm_area name the caller. */
static __attribute__((noinline)) void *alloc_here(unsigned long size)
{
	return vmalloc(size);
}

static __attribute__((noinline)) void *alloc_there(unsigned long size)
{
	void *p = vmalloc(size);

	__asm__ volatile("" ::: "memory");	/* no tail call */
	return p;
}

static bool listed(const void *p)
{
	static char buf[1 << 16];
	char needle[32];

	vmallocinfo(buf, sizeof(buf));
	snprintf(needle, sizeof(needle), "0x%016lx-", (unsigned long)p);
	return strstr(buf, needle) != NULL;
}

TEST(cache_reuses_the_area_without_host_system_calls)
{
	static const unsigned long pages[] = { 1, 4, 16, 256 };
	unsigned int i;

	vt_init(16, 1);
	pin_here();
	for (i = 0; i < ARRAY_LEN(pages); i++) {
		unsigned long size = pages[i] * PAGE_SIZE;
		struct vmalloc_stats a, b;
		const void *caller;
		char *p, *q;

		p = alloc_here(size);
		ASSERT_NONNULL(p);
		caller = find_vm_area(p)->caller;
		vfree(p);
		a = stats();
		ASSERT_EQ(a.cache_areas, 1);
		ASSERT_EQ(a.cache_pages, pages[i]);
		ASSERT_EQ(a.areas, 0);		/* free to its users */
		ASSERT_EQ(a.vmap_areas, 0);
		ASSERT_NULL(find_vm_area(p));
		ASSERT_TRUE(!listed(p));
		q = alloc_there(size);
		b = stats();
		ASSERT_TRUE(q == p);
		ASSERT_EQ(b.host_syscalls, a.host_syscalls);
		ASSERT_EQ(b.cache_areas, 0);
		ASSERT_EQ(b.areas, 1);
		ASSERT_NONNULL(find_vm_area(q));
		ASSERT_EQ(find_vm_area(q)->nr_pages, pages[i]);
		ASSERT_EQ(find_vm_area(q)->size, size + PAGE_SIZE);
		ASSERT_TRUE(find_vm_area(q)->caller != caller);
		ASSERT_TRUE(listed(q));
		ASSERT_EQ(vmalloc_nr_pages(), pages[i]);
		vfree(q);
		ASSERT_EQ(vmalloc_nr_pages(), 0);
		vm_unmap_aliases();
	}
	ASSERT_EQ(vmalloc_check(), 0);
}

TEST(cache_zeroes_for_vzalloc_and_vmalloc_user)
{
	unsigned long size = 16 * PAGE_SIZE;
	char *p, *q;

	vt_init(16, 1);
	pin_here();
	p = vmalloc(size);
	ASSERT_NONNULL(p);
	vt_fill(p, size, 7);
	vfree(p);
	q = vzalloc(size);
	ASSERT_TRUE(q == p);
	ASSERT_TRUE(vt_zeroed(q, size));
	vt_fill(q, size, 8);
	vfree(q);
	q = __vmalloc(size, GFP_KERNEL | __GFP_ZERO);
	ASSERT_TRUE(q == p);
	ASSERT_TRUE(vt_zeroed(q, size));
	vfree(q);
	/* vmalloc_user keeps VM_USERMAP: only its own kind comes back. */
	p = vmalloc_user(size);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(find_vm_area(p)->flags & VM_USERMAP);
	vt_fill(p, size, 9);
	vfree(p);
	q = vmalloc(size);	/* not the VM_USERMAP area */
	ASSERT_TRUE(!(find_vm_area(q)->flags & VM_USERMAP));
	vfree(q);
	q = vmalloc_user(size);
	ASSERT_TRUE(find_vm_area(q)->flags & VM_USERMAP);
	ASSERT_TRUE(vt_zeroed(q, size));
	vfree(q);
	ASSERT_EQ(vmalloc_check(), 0);
}

TEST(cache_reuse_keeps_guard_page_and_translations)
{
	unsigned long size = 8 * PAGE_SIZE, i;
	struct page *pg[8];
	char *p, *q;

	vt_init(16, 1);
	pin_here();
	p = vmalloc(size);
	ASSERT_NONNULL(p);
	for (i = 0; i < 8; i++)
		pg[i] = vmalloc_to_page(p + i * PAGE_SIZE);
	vt_fill(p, size, 3);
	vfree(p);
	q = vmalloc(size);
	ASSERT_TRUE(q == p);
	for (i = 0; i < 8; i++) {
		ASSERT_TRUE(vmalloc_to_page(q + i * PAGE_SIZE) == pg[i]);
		ASSERT_EQ(*(unsigned char *)page_address(pg[i]),
			  vt_pattern(i * PAGE_SIZE, 3));
	}
	ASSERT_FILLED(q, size, 3);	/* not zeroed: plain vmalloc */
	ASSERT_NULL(vmalloc_to_page(q + size));
	if (vt_is_host()) {
		ASSERT_TRUE(vt_probe(q + size, false) == q + size);
		ASSERT_NULL(vt_probe(q + size - 1, true));
	}
	vfree(q);
}

TEST(cache_vm_unmap_aliases_drains_and_unmaps)
{
	struct vt_snap before, after;
	struct vmalloc_stats st;
	char *p, *q;

	vt_init(16, 1);
	before = vt_snap();
	p = vmalloc(PAGE_SIZE);
	q = vmalloc(64 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(q);
	vfree(p);
	vfree(q);
	st = stats();
	ASSERT_TRUE(st.cache_areas >= 1);
	vm_unmap_aliases();
	st = stats();
	ASSERT_EQ(st.cache_areas, 0);
	ASSERT_EQ(st.cache_pages, 0);
	ASSERT_EQ(st.lazy_pages, 0);
	ASSERT_NULL(vmalloc_to_page(p));
	ASSERT_NULL(vmalloc_to_page(q));
	if (vt_is_host()) {
		ASSERT_TRUE(vt_probe(p, false) == p);
		ASSERT_TRUE(vt_probe(q + PAGE_SIZE, false) == q + PAGE_SIZE);
	}
	after = vt_snap();
	ASSERT_SNAP_EQ(before, after);
}

TEST(cache_keeps_its_limits_and_zero_turns_it_off)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 16,
				      .quiet = true, .cache_pages = 8,
				      .cache_areas = 3 };
	char *p[8];
	struct vmalloc_stats st;
	unsigned int i;

	vt_init_cfg(&cfg);
	pin_here();
	for (i = 0; i < 8; i++)
		ASSERT_NONNULL(p[i] = vmalloc((i % 4 + 1) * PAGE_SIZE));
	for (i = 0; i < 8; i++)
		vfree(p[i]);
	st = stats();
	ASSERT_LE(st.cache_areas, 3);
	ASSERT_LE(st.cache_pages, 8);
	ASSERT_TRUE(st.cache_areas >= 1);
	/* Larger than the page limit: never cached. */
	p[0] = vmalloc(9 * PAGE_SIZE);
	vfree(p[0]);
	ASSERT_LE(stats().cache_pages, 8);
	vmalloc_exit();

	cfg.no_cache = true;
	vt_init_cfg(&cfg);
	p[0] = vmalloc(PAGE_SIZE);
	vfree(p[0]);
	ASSERT_EQ(stats().cache_areas, 0);
	ASSERT_NULL(vmalloc_to_page(p[0]));	/* unmapped at once */
	vmalloc_exit();

	/* The environment: 0 turns it off. */
	setenv("VMALLOC_CACHE_PAGES", "0", 1);
	vt_init(16, 1);
	p[0] = vmalloc(PAGE_SIZE);
	vfree(p[0]);
	ASSERT_EQ(stats().cache_areas, 0);
	vmalloc_exit();
	unsetenv("VMALLOC_CACHE_PAGES");
	setenv("VMALLOC_CACHE_AREAS", "70000", 1);
	ASSERT_EQ(vmalloc_init(NULL), -EINVAL);
	unsetenv("VMALLOC_CACHE_AREAS");
}

TEST(cache_low_pool_drains_before_failing)
{
	struct vmalloc_stats st;
	unsigned long want;
	char *a, *b, *big;

	vt_init(16, 1);
	pin_here();
	a = vmalloc(256 * PAGE_SIZE);
	b = vmalloc(256 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	vfree(a);
	vfree(b);
	st = stats();
	ASSERT_EQ(st.cache_pages, 512);
	/* More than the free frames: only the cached ones make it fit. */
	want = st.free_pages + 400;
	big = vmalloc(want * PAGE_SIZE);
	ASSERT_NONNULL(big);
	ASSERT_EQ(stats().cache_areas, 0);
	vfree(big);
	ASSERT_EQ(vmalloc_check(), 0);
}

TEST(cache_serves_before_the_pool_grows)
{
	unsigned long grown, ungrown;
	char *a, *b, *big;

	vt_init(64, 1);
	pin_here();
	a = vmalloc(256 * PAGE_SIZE);
	b = vmalloc(256 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	vfree(a);
	vfree(b);
	ASSERT_EQ(stats().cache_pages, 512);
	grown = pa_nr_free_grown(-1);
	ungrown = pa_nr_free(-1) - grown;
	/* More than the grown free frames, less than with the cached ones. */
	big = vmalloc((grown + 100) * PAGE_SIZE);
	ASSERT_NONNULL(big);
	ASSERT_EQ(stats().cache_areas, 0);
	ASSERT_EQ(pa_nr_free(-1) - pa_nr_free_grown(-1), ungrown);
	vfree(big);
}

TEST(cache_alloc_pages_drains_before_failing)
{
	struct vmalloc_stats st;
	struct page **pg;
	unsigned long n, i;
	char *a, *b;

	vt_init(16, 1);
	pin_here();
	a = vmalloc(256 * PAGE_SIZE);
	b = vmalloc(256 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	vfree(a);
	vfree(b);
	st = stats();
	ASSERT_EQ(st.cache_pages, 512);
	/* Take every free frame, then some of the cached ones. */
	n = st.free_pages + 100;
	pg = calloc(n, sizeof(*pg));
	ASSERT_NONNULL(pg);
	for (i = 0; i < n; i++) {
		pg[i] = alloc_page(GFP_KERNEL);
		ASSERT_NONNULL(pg[i]);
	}
	ASSERT_EQ(stats().cache_areas, 0);
	for (i = 0; i < n; i++)
		__free_page(pg[i]);
	free(pg);
}

/* The same for alloc_pages_bulk(): the cached frames serve the bulk. */
TEST(cache_alloc_pages_bulk_drains_before_failing)
{
	struct vmalloc_stats st;
	struct page **pg;
	unsigned long n, got, i;
	char *a, *b;

	vt_init(16, 1);
	pin_here();
	a = vmalloc(256 * PAGE_SIZE);
	b = vmalloc(256 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	vfree(a);
	vfree(b);
	st = stats();
	ASSERT_EQ(st.cache_pages, 512);
	n = st.free_pages + 100;
	pg = calloc(n, sizeof(*pg));
	ASSERT_NONNULL(pg);
	got = alloc_pages_bulk(GFP_KERNEL, n, pg);
	ASSERT_EQ(got, n);
	ASSERT_EQ(stats().cache_areas, 0);
	for (i = 0; i < got; i++)
		__free_page(pg[i]);
	free(pg);
}

/* And for vrealloc(): a grow takes the cached frames before failing. */
TEST(cache_vrealloc_grow_drains_before_failing)
{
	struct page **pg;
	unsigned long n, i;
	char *a, *b, *p, *q;

	vt_init(16, 1);
	pin_here();
	p = vmalloc(PAGE_SIZE);
	a = vmalloc(256 * PAGE_SIZE);
	b = vmalloc(256 * PAGE_SIZE);
	ASSERT_TRUE(p && a && b);
	ASSERT_EQ(vwrite("x", p, 1), 1);	/* the soft range is not ours */
	vfree(a);
	vfree(b);
	ASSERT_EQ(stats().cache_pages, 512);
	/* Every free frame taken: only the cached ones are left. */
	n = stats().free_pages;
	pg = calloc(n, sizeof(*pg));
	ASSERT_NONNULL(pg);
	for (i = 0; i < n; i++) {
		pg[i] = alloc_page(GFP_KERNEL);
		ASSERT_NONNULL(pg[i]);
	}
	ASSERT_EQ(stats().cache_pages, 512);
	q = vrealloc(p, 100 * PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(q);
	{
		char c = 0;

		ASSERT_EQ(vread(&c, q, 1), 1);
		ASSERT_EQ(c, 'x');
		ASSERT_EQ(vwrite("y", q + 100 * PAGE_SIZE - 1, 1), 1);
	}
	ASSERT_EQ(stats().cache_areas, 0);
	vfree(q);
	for (i = 0; i < n; i++)
		__free_page(pg[i]);
	free(pg);
	ASSERT_SANE();
}

TEST(cache_never_takes_areas_that_are_not_plain)
{
	char *p;

	vt_init(16, 1);
	pin_here();
	/* Partly unmapped by unmap_kernel_range: never handed out again. */
	p = vmalloc(4 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	unmap_kernel_range((unsigned long)p + PAGE_SIZE, PAGE_SIZE);
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 0);
	/* Another protection, another alignment, a 2.6 prot: not cached. */
	p = vmalloc_exec(4 * PAGE_SIZE);
	vfree(p);
	p = __vmalloc(4 * PAGE_SIZE, GFP_KERNEL, PAGE_KERNEL_RO);
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 0);
	/* vfree of a vmap area: its pages are the caller's. */
	p = vmalloc(PAGE_SIZE);
	ASSERT_EQ(stats().cache_areas, 0);
	{
		struct page *pg = vmalloc_to_page(p);
		void *m = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);

		ASSERT_NONNULL(m);
		vunmap(m);
		ASSERT_EQ(stats().cache_areas, 0);
	}
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 1);
	ASSERT_EQ(vmalloc_check(), 0);
}

TEST(cache_never_takes_frames_user_space_maps)
{
	struct vm_area_struct vma;
	struct vmalloc_stats st;
	char *p;

	vt_init(16, 1);
	pin_here();
	p = vmalloc_user(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 0), 0);
	vfree(p);
	st = stats();
	ASSERT_EQ(st.cache_areas, 0);
	ASSERT_NULL(vmalloc_to_page(p));
	vm_user_range_release(&vma);
	/* Without a user mapping the same kind of area is cached. */
	p = vmalloc_user(2 * PAGE_SIZE);
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 1);
}

/* Threads allocating and freeing mixed sizes, each checking its data. */
/*
 * vmalloc_nr_pages() counts cached frames out through the registry's
 * count of what drains freed; vmalloc_exit() drains, and a new instance
 * must start from zero all the same (it counted the frames of the areas
 * the cache held at the last exit, forever).
 */
TEST(cache_nr_pages_starts_at_zero_after_exit)
{
	void *p, *q;

	vt_init(16, 1);
	p = vmalloc(4 * PAGE_SIZE);
	q = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(q);
	vfree(p);
	ASSERT_TRUE(stats().cache_areas >= 1);
	vm_unmap_aliases();		/* drained while running */
	vfree(q);			/* cached at the exit */
	ASSERT_EQ(vmalloc_nr_pages(), 0);
	vmalloc_exit();
	vt_init(16, 1);
	ASSERT_EQ(vmalloc_nr_pages(), 0);
	p = vmalloc(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vmalloc_nr_pages(), 2);
	vfree(p);
	ASSERT_EQ(vmalloc_nr_pages(), 0);
}

/*
 * unmap_kernel_range() over a freed area's range is allowed (it clears
 * whatever PTEs are there). While that area is cached, it must not come
 * back with pages the call unmapped: every page of a fresh area is mapped.
 */
TEST(cache_unmap_kernel_range_over_a_cached_area)
{
	char *p, *q;
	unsigned long i;

	vt_init(16, 1);
	pin_here();
	p = vmalloc(4 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 1);
	unmap_kernel_range((unsigned long)p, PAGE_SIZE);
	q = vmalloc(4 * PAGE_SIZE);
	ASSERT_NONNULL(q);
	for (i = 0; i < 4; i++)
		ASSERT_NONNULL(vmalloc_to_page(q + i * PAGE_SIZE));
	if (vt_is_host())
		memset(q, 0x5a, 4 * PAGE_SIZE);	/* every page mapped */
	vfree(q);
	ASSERT_EQ(vmalloc_check(), 0);
}

/*
 * A request the library refuses without the cache (an alignment that is
 * no power of two) is refused with an area of its size cached as well.
 */
TEST(cache_refuses_what_a_fresh_area_refuses)
{
	void *p;

	vt_init(16, 1);
	pin_here();
	ASSERT_NULL(__vmalloc_node(PAGE_SIZE, 0, GFP_KERNEL | __GFP_NOWARN, -1,
				   __builtin_return_address(0)));
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	ASSERT_EQ(stats().cache_areas, 1);
	ASSERT_NULL(__vmalloc_node(PAGE_SIZE, 0, GFP_KERNEL | __GFP_NOWARN, -1,
				   __builtin_return_address(0)));
	ASSERT_NULL(__vmalloc_node(PAGE_SIZE, 3, GFP_KERNEL | __GFP_NOWARN, -1,
				   __builtin_return_address(0)));
	ASSERT_EQ(stats().cache_areas, 1);
}

static unsigned long storm_errors;

static void *storm(void *arg)
{
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	unsigned char buf[4 * 4096];
	unsigned int i;

	for (i = 0; i < 3000; i++) {
		unsigned long pages, size;
		bool zero;
		char *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pages = x % 4 + 1;
		size = pages * PAGE_SIZE;
		zero = x & 0x100;
		p = zero ? vzalloc(size) : vmalloc(size);
		if (!p) {
			__atomic_add_fetch(&storm_errors, 1, __ATOMIC_RELAXED);
			continue;
		}
		if (zero) {
			memset(buf, 0x55, size);
			if (vread((char *)buf, p, size) != (long)size)
				__atomic_add_fetch(&storm_errors, 1, __ATOMIC_RELAXED);
			for (unsigned long k = 0; k < size; k++)
				if (buf[k]) {
					__atomic_add_fetch(&storm_errors, 1,
							   __ATOMIC_RELAXED);
					break;
				}
		}
		memset(buf, (int)(x >> 24), size);
		vwrite((char *)buf, p, size);
		if (!(x & 0x3f0000))
			vm_unmap_aliases();
		vfree(p);
	}
	return NULL;
}

TEST(cache_storm_of_threads_stays_consistent)
{
	struct vt_snap before, after;
	pthread_t t[4];
	uintptr_t i;

	vt_init(64, 1);
	before = vt_snap();
	for (i = 0; i < 4; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, storm, (void *)(i + 1)), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ASSERT_EQ(storm_errors, 0);
	ASSERT_EQ(vmalloc_check(), 0);
	after = vt_snap();
	ASSERT_SNAP_EQ(before, after);
	ASSERT_EQ(stats().cache_areas, 0);
}
