/* SPDX-License-Identifier: MIT */
/*
 * Hostile conditions in the core: threads that race a failed mapping or a
 * double free, log hooks and library constructors that call back into the
 * library, public calls aimed at the library's own areas, frames the pool
 * never grew, fault injection configured before the first call, and block
 * lookups racing block recycling. (Refused releases, user ranges and the
 * processes around them: test_hosted.c.)
 *
 * Each case asserts what the library must do; the comment above it says
 * how to provoke the condition. Cases that can hang use a watchdog that
 * fails them instead (alarm()).
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MiB		(1UL << 20)
#define GiB		(1UL << 30)
#define GRANULE		(2 * MiB)	/* one page table, one block */

static bool host_engine(void)
{
	return !strcmp(vt_engine(), "host");
}

#define REQUIRE_HOST()							\
	do {								\
		if (!host_engine())					\
			SKIP("host engine only");			\
	} while (0)

#define REQUIRE_2_CPUS()						\
	do {								\
		if (sysconf(_SC_NPROCESSORS_ONLN) < 2)			\
			SKIP("needs two CPUs");				\
	} while (0)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A watchdog: a case that is still running after @sec seconds failed. */
static char watchdog_msg[256];

static void watchdog_fire(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(1, watchdog_msg, strlen(watchdog_msg));
	(void)r;
	_exit(1);
}

static void watchdog(unsigned int sec, const char *what)
{
	struct sigaction sa;

	snprintf(watchdog_msg, sizeof(watchdog_msg),
		 "# %s: %s did not finish within %u s: deadlock\n",
		 vt_current, what, sec);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_fire;
	sigaction(SIGALRM, &sa, NULL);
	alarm(sec);
}

static void watchdog_off(void)
{
	alarm(0);
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof(set), &set), 0);
	sched_yield();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

/* ------------------------------------------------------------------ */
/* Two threads free the same page at the same moment                   */
/* ------------------------------------------------------------------ */

static struct {
	struct page *volatile pg;
	void *volatile kv;		/* with it: kvfree(kv), not the page */
	volatile unsigned long round;	/* the helper frees when it changes */
	volatile unsigned long done;	/* the helper's last round */
	volatile unsigned long delay;	/* spin iterations before its free */
	int stop;
} dbl;

static void *double_free_helper(void *arg)
{
	unsigned long seen = 0, r, i;

	(void)arg;
	pin_cpu(1);
	for (;;) {
		while ((r = __atomic_load_n(&dbl.round, __ATOMIC_ACQUIRE)) == seen)
			if (__atomic_load_n(&dbl.stop, __ATOMIC_ACQUIRE))
				return NULL;
		seen = r;
		for (i = 0; i < dbl.delay; i++)
			__asm__ volatile("" ::: "memory");
		if (dbl.kv)
			kvfree(dbl.kv);
		else
			__free_page(dbl.pg);
		__atomic_store_n(&dbl.done, r, __ATOMIC_RELEASE);
	}
}

/*
 * Two threads on two CPUs call __free_page() on one page at once,
 * thousands of times: exactly one free takes effect and the other is
 * reported once ("Bad page state", one warning); the free count is exact
 * after every round; the pool never hands out a frame twice.
 */
TEST(a_page_freed_by_two_threads_at_once_is_freed_exactly_once)
{
	unsigned long rounds = vt_long() ? 200000 : 20000, r, base, w0, i;
	unsigned long nframes, got = 0, lo;
	struct page **all;
	unsigned char *seen;
	pthread_t t;

	REQUIRE_2_CPUS();
	vt_init(16, 1);
	vt_seed();
	pin_cpu(0);
	memset((void *)&dbl, 0, sizeof(dbl));
	ASSERT_EQ(pthread_create(&t, NULL, double_free_helper, NULL), 0);
	w0 = vt_warnings();
	for (r = 1; r <= rounds; r++) {
		unsigned long mine = vt_below(600), j;
		struct page *pg;

		base = nr_free_pages();
		pg = alloc_page(GFP_KERNEL);
		ASSERT_NONNULL(pg);
		vt_log_clear();
		dbl.pg = pg;
		dbl.delay = vt_below(16);
		__atomic_store_n(&dbl.round, r, __ATOMIC_RELEASE);
		for (j = 0; j < mine; j++)
			__asm__ volatile("" ::: "memory");
		__free_page(pg);
		while (__atomic_load_n(&dbl.done, __ATOMIC_ACQUIRE) != r)
			;
		if (nr_free_pages() != base ||
		    vt_log_count("Bad page state") != 1) {
			fprintf(stderr, "# round %lu: free frames %lu (want %lu), "
				"\"Bad page state\" lines %d (want 1); last log line: %s\n",
				r, nr_free_pages(), base,
				vt_log_count("Bad page state"),
				vt_log_n ? vt_log[(vt_log_n - 1) % VT_LOG_LINES] : "none");
			break;
		}
	}
	if (r > rounds)
		ASSERT_EQ(vt_warnings(), w0 + rounds);
	__atomic_store_n(&dbl.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("# %lu of %lu rounds clean\n", r - 1, rounds);
	ASSERT_EQ(r, rounds + 1);
	ASSERT_SANE();
	/* Every frame once: take them all and look for a duplicate. */
	nframes = num_physpages_total();
	all = calloc(nframes + 16, sizeof(*all));
	seen = calloc(nframes, 1);
	ASSERT_TRUE(all && seen);
	while (got < nframes + 16 &&
	       (all[got] = alloc_page(GFP_KERNEL | __GFP_NOWARN)) != NULL)
		got++;
	ASSERT_LE(got, nframes);
	for (i = 0, lo = ULONG_MAX; i < got; i++)
		lo = vm_min_ul(lo, page_to_pfn(all[i]));
	for (i = 0; i < got; i++) {
		unsigned long idx = page_to_pfn(all[i]) - lo;

		ASSERT_LT(idx, nframes);
		ASSERT_EQ(seen[idx], 0);
		seen[idx] = 1;
	}
	for (i = 0; i < got; i++)
		__free_page(all[i]);
	free(all);
	free(seen);
	ASSERT_SANE();
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * The same for kvfree() of a small kvmalloc object: exactly one of the
 * two frees puts it back, the other is reported once, and its size
 * class never hands the object out twice.
 */
TEST(a_small_kvmalloc_object_freed_by_two_threads_at_once_is_freed_exactly_once)
{
	unsigned long rounds = vt_long() ? 200000 : 20000, r, w0, i;
	enum { TAKE = 20000 };
	void **all;
	pthread_t t;

	REQUIRE_2_CPUS();
	vt_init(16, 1);
	vt_seed();
	pin_cpu(0);
	memset((void *)&dbl, 0, sizeof(dbl));
	ASSERT_EQ(pthread_create(&t, NULL, double_free_helper, NULL), 0);
	w0 = vt_warnings();
	for (r = 1; r <= rounds; r++) {
		unsigned long mine = vt_below(600), j;
		void *p = kvmalloc(64, GFP_KERNEL);

		ASSERT_NONNULL(p);
		vt_log_clear();
		dbl.kv = p;
		dbl.delay = vt_below(16);
		__atomic_store_n(&dbl.round, r, __ATOMIC_RELEASE);
		for (j = 0; j < mine; j++)
			__asm__ volatile("" ::: "memory");
		kvfree(p);
		while (__atomic_load_n(&dbl.done, __ATOMIC_ACQUIRE) != r)
			;
		if (vt_log_count("kvfree:") != 1) {
			fprintf(stderr, "# round %lu: %d \"kvfree:\" lines (want 1)\n",
				r, vt_log_count("kvfree:"));
			break;
		}
	}
	if (r > rounds)
		ASSERT_EQ(vt_warnings(), w0 + rounds);
	__atomic_store_n(&dbl.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("# %lu of %lu rounds clean\n", r - 1, rounds);
	ASSERT_EQ(r, rounds + 1);
	/* An object freed twice would be on the free lists twice. */
	all = calloc(TAKE, sizeof(*all));
	ASSERT_NONNULL(all);
	for (i = 0; i < TAKE; i++) {
		all[i] = kvmalloc(64, GFP_KERNEL);
		ASSERT_NONNULL(all[i]);
	}
	qsort(all, TAKE, sizeof(*all), cmp_ptr);
	for (i = 1; i < TAKE; i++)
		ASSERT_NE((uintptr_t)all[i - 1], (uintptr_t)all[i]);
	for (i = 0; i < TAKE; i++)
		kvfree(all[i]);
	free(all);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Callbacks that call back into the library                           */
/* ------------------------------------------------------------------ */

static __thread int in_hook;
static int hook_lines, hook_allocs;

/* A log hook that allocates and frees, as a logging framework might. */
static void allocating_hook(int level, const char *line)
{
	void *a, *b;

	vt_log_hook(level, line);
	if (in_hook)
		return;
	in_hook = 1;
	__atomic_add_fetch(&hook_lines, 1, __ATOMIC_RELAXED);
	a = vmalloc(PAGE_SIZE);		/* fast path, a CPU frame list */
	b = vmalloc(16 * PAGE_SIZE);	/* tree path, the zone lock */
	if (a && b)
		__atomic_add_fetch(&hook_allocs, 1, __ATOMIC_RELAXED);
	vfree(a);
	vfree(b);
	in_hook = 0;
}

static void hook_init(unsigned long phys_mb)
{
	vt_init(phys_mb, 1);
	hook_lines = hook_allocs = 0;
	vmalloc_set_log_hook(allocating_hook);
}

/*
 * A second free of a block of @order, while the log hook itself calls
 * vmalloc and vfree: the report must not run with a frame-list lock held
 * (it ran under the CPU's list lock for order 0, the zone lock for larger
 * blocks, and deadlocked).
 */
static void double_free_with_an_allocating_hook(unsigned int order)
{
	struct vt_snap s0;
	unsigned long w0;
	struct page *pg;

	s0 = vt_snap();
	w0 = vt_warnings();
	pg = alloc_pages(GFP_KERNEL, order);
	ASSERT_NONNULL(pg);
	__free_pages(pg, order);
	watchdog(3, "a second __free_pages() with an allocating log hook");
	__free_pages(pg, order);
	watchdog_off();
	ASSERT_EQ(vt_warnings(), w0 + 1);
	ASSERT_EQ(vt_log_count("Bad page state"), 1);
	ASSERT_EQ(hook_allocs, hook_lines);
	ASSERT_GT(hook_allocs, 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(log_hook_may_allocate_while_a_double_free_of_a_page_is_reported)
{
	unsigned long w0;

	hook_init(16);
	/* A bad vfree is reported with no lock held: the hook runs fine. */
	w0 = vt_warnings();
	vfree((char *)VMALLOC_START + 123 * PAGE_SIZE);
	ASSERT_EQ(vt_warnings(), w0 + 1);
	ASSERT_EQ(hook_allocs, hook_lines);
	double_free_with_an_allocating_hook(0);
}

TEST(log_hook_may_allocate_while_a_double_free_of_a_block_is_reported)
{
	hook_init(16);
	double_free_with_an_allocating_hook(2);
}

/*
 * Host engine: a failure to grow the memory file is logged from inside
 * the allocator (it was, under the zone lock); the hook's own allocations
 * must still work.
 */
TEST(log_hook_may_allocate_while_a_failed_pool_growth_is_reported)
{
	struct vt_snap s0;
	void *p;

	REQUIRE_HOST();
	hook_init(256);
	s0 = vt_snap();
	/*
	 * The hook allocates while the pool cannot grow, so it needs frames
	 * that the 80 MiB take below leaves: a CPU list's (that take empties
	 * the zone, not the CPU lists). One small vmalloc fills this CPU's.
	 */
	vfree(vmalloc(PAGE_SIZE));
	/* The file grows in 64 MiB steps: 80 MiB needs a second step. */
	vmalloc_fault_inject(VM_FAULT_HOST_GROW, 1, 0, 0);
	watchdog(5, "vmalloc() whose pool growth fails, with an allocating log hook");
	p = vmalloc(80 * MiB);
	watchdog_off();
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_GT(vt_log_count("cannot grow"), 0);
	ASSERT_EQ(hook_allocs, hook_lines);
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* vmallocinfo() against dlopen() of a library that allocates in its constructor. */
static int info_stop;

static void *info_loop(void *arg)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap);
	unsigned long *n = arg;

	while (!__atomic_load_n(&info_stop, __ATOMIC_ACQUIRE)) {
		vmallocinfo(buf, cap);
		(*n)++;
	}
	free(buf);
	return NULL;
}

static void dso_path(char *out, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	ASSERT_GT(n, 0);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	ASSERT_NONNULL(slash);
	*slash = '\0';
	snprintf(out, len, "%s/hostile_dso.so", exe);
}

/*
 * vmallocinfo() names each area's caller through the symbolize hook
 * (dladdr: the loader's lock) while dlopen() runs a constructor that
 * calls vmalloc (the loader's lock, then the library's): vmallocinfo must
 * not hold the library's locks while it asks.
 */
TEST(vmallocinfo_does_not_deadlock_with_a_constructor_that_allocates)
{
	unsigned long infos = 0, loads = 0;
	void *areas[600];
	char path[4200];
	pthread_t t;
	uint64_t end;
	int i;

	dso_path(path, sizeof(path));
	if (access(path, R_OK))
		vt_fail(__FILE__, __LINE__, "%s is missing (make tests builds it)",
			path);
	vt_init(64, 1);
	for (i = 0; i < (int)ARRAY_LEN(areas); i++) {
		areas[i] = vmalloc((unsigned long)(1 + i % 7) * PAGE_SIZE);
		ASSERT_NONNULL(areas[i]);
	}
	watchdog(4, "vmallocinfo() racing dlopen() of an allocating constructor");
	ASSERT_EQ(pthread_create(&t, NULL, info_loop, &infos), 0);
	end = now_ns() + 1500000000ULL;
	while (now_ns() < end) {
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		int *ok;

		if (!h)
			vt_fail(__FILE__, __LINE__, "dlopen: %s", dlerror());
		ok = dlsym(h, "hostile_dso_constructed");
		ASSERT_NONNULL(ok);
		ASSERT_EQ(*ok, 1);
		dlclose(h);
		loads++;
	}
	__atomic_store_n(&info_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	watchdog_off();
	printf("# %lu loads, %lu listings\n", loads, infos);
	for (i = 0; i < (int)ARRAY_LEN(areas); i++)
		vfree(areas[i]);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* The page array of a large area is the library's, not the caller's   */
/* ------------------------------------------------------------------ */

#define BIG_PAGES	1000	/* an 8000-byte page array: vmalloc()ed */

struct big_area {
	struct vt_snap s0;
	unsigned long w0;
	char *p;
	struct page **pages;		/* the area's own array */
	struct page **copy;		/* what it held */
};

static void big_area_make(struct big_area *b)
{
	struct vm_struct *vm;

	vt_init(64, 1);
	b->s0 = vt_snap();
	b->p = vmalloc(BIG_PAGES * PAGE_SIZE);
	ASSERT_NONNULL(b->p);
	memset(b->p, 0x3c, BIG_PAGES * PAGE_SIZE);
	vm = find_vm_area(b->p);
	ASSERT_NONNULL(vm);
	ASSERT_TRUE(vm->flags & VM_VPAGES);
	b->pages = vm->pages;
	b->copy = malloc(BIG_PAGES * sizeof(*b->copy));
	ASSERT_NONNULL(b->copy);
	memcpy(b->copy, b->pages, BIG_PAGES * sizeof(*b->copy));
	b->w0 = vt_warnings();
}

/* The area is untouched; vfree() of it works and leaves nothing. */
static void big_area_check_and_free(struct big_area *b)
{
	struct vm_struct *vm;
	unsigned long i;

	vm_unmap_aliases();
	vm = find_vm_area(b->p);
	ASSERT_NONNULL(vm);
	ASSERT_TRUE(vm->pages == b->pages);
	ASSERT_MEMEQ(vm->pages, b->copy, BIG_PAGES * sizeof(*b->copy));
	for (i = 0; i < BIG_PAGES; i++)
		ASSERT_TRUE(vmalloc_to_page(b->p + i * PAGE_SIZE) == b->copy[i]);
	for (i = 0; i < BIG_PAGES * PAGE_SIZE; i += 1021)
		ASSERT_EQ((unsigned char)b->p[i], 0x3c);
	vfree(b->p);
	free(b->copy);
	ASSERT_SNAP_EQ(vt_snap(), b->s0);
	ASSERT_SANE();
}

TEST(vfree_of_a_large_areas_page_array_is_refused)
{
	struct big_area b;

	REQUIRE_HOST();
	big_area_make(&b);
	vfree(b.pages);
	ASSERT_EQ(vt_warnings(), b.w0 + 1);
	big_area_check_and_free(&b);
}

TEST(vunmap_of_a_large_areas_page_array_is_refused)
{
	struct big_area b;

	REQUIRE_HOST();
	big_area_make(&b);
	vunmap(b.pages);
	ASSERT_EQ(vt_warnings(), b.w0 + 1);
	big_area_check_and_free(&b);
}

TEST(remove_vm_area_of_a_large_areas_page_array_is_refused)
{
	struct big_area b;
	struct vm_struct *got;

	REQUIRE_HOST();
	big_area_make(&b);
	got = remove_vm_area(b.pages);
	printf("# remove_vm_area(page array) = %p\n", (void *)got);
	ASSERT_NULL(got);
	ASSERT_EQ(vt_warnings(), b.w0 + 1);
	big_area_check_and_free(&b);
}

TEST(find_vm_area_does_not_return_a_large_areas_page_array)
{
	struct big_area b;

	REQUIRE_HOST();
	big_area_make(&b);
	ASSERT_NULL(find_vm_area(b.pages));
	ASSERT_NULL(find_vm_area((char *)b.pages + 3 * PAGE_SIZE));
	big_area_check_and_free(&b);
}

TEST(free_vm_area_of_a_large_areas_page_array_changes_nothing)
{
	struct big_area b;
	struct vm_struct *desc;

	REQUIRE_HOST();
	big_area_make(&b);
	desc = find_vm_area(b.pages);
	printf("# find_vm_area(page array) = %p\n", (void *)desc);
	if (desc)
		free_vm_area(desc);
	big_area_check_and_free(&b);
}

TEST(vwrite_into_a_large_areas_page_array_writes_nothing)
{
	struct big_area b;
	char junk[256];

	REQUIRE_HOST();
	big_area_make(&b);
	memset(junk, 0xee, sizeof(junk));
	vwrite(junk, (char *)b.pages, sizeof(junk));
	ASSERT_MEMEQ(b.pages, b.copy, BIG_PAGES * sizeof(*b.copy));
	big_area_check_and_free(&b);
}

/*
 * The calls that take a range or a descriptor: unmap_kernel_range() over
 * the array, and a descriptor forged to name it (its address is in
 * vmallocinfo) for map_vm_area() and __vmalloc_area().
 */
TEST(range_and_descriptor_calls_refuse_a_large_areas_page_array)
{
	struct vm_struct fake;
	struct page *pg, **pp = &pg;
	struct big_area b;

	REQUIRE_HOST();
	big_area_make(&b);
	ASSERT_NONNULL(pg = alloc_page(GFP_KERNEL));
	unmap_kernel_range((unsigned long)b.pages, PAGE_SIZE);
	ASSERT_EQ(vt_warnings(), b.w0 + 1);
	ASSERT_EQ(vt_log_count("holds the library's own memory"), 1);
	memset(&fake, 0, sizeof(fake));
	fake.addr = b.pages;
	fake.size = 2 * PAGE_SIZE;
	fake.flags = VM_ALLOC;
	ASSERT_EQ(map_vm_area(&fake, PAGE_KERNEL, &pp), -EINVAL);
	ASSERT_TRUE(pp == &pg);
	ASSERT_NULL(__vmalloc_area(&fake, GFP_KERNEL, PAGE_KERNEL));
	ASSERT_EQ(vt_warnings(), b.w0 + 2);
	__free_page(pg);
	big_area_check_and_free(&b);
}

/* ------------------------------------------------------------------ */
/* Frames the pool never grew                                          */
/* ------------------------------------------------------------------ */

/* The last frame of a 256 MiB pool, which a fresh instance never grew. */
static unsigned long last_pfn(void)
{
	unsigned long first;

	for (first = 1; first < (1UL << 20) && !pfn_to_page(first); first++)
		;
	ASSERT_NONNULL(pfn_to_page(first));
	return first + num_physpages_total() - 1;
}

/*
 * The pool grows lazily (host engine: the memory file is shorter than the
 * pool). A frame it never handed out is no page yet: pfn_to_page() gives
 * NULL, or at least vmap() refuses it.
 */
TEST(vmap_refuses_a_frame_the_pool_never_grew)
{
	struct page *pg;
	void *v = NULL;

	vt_init(256, 1);
	pg = pfn_to_page(last_pfn());
	if (pg)
		v = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	printf("# pfn_to_page(last frame) = %p, vmap of it = %p\n", (void *)pg, v);
	if (v)
		vunmap(v);
	ASSERT_NULL(v);
	ASSERT_SANE();
}

/* Whatever vmap() accepted, vread() over it and around it never crashes. */
TEST(vread_around_a_vmap_of_a_frame_the_pool_never_grew_does_not_crash)
{
	char buf[4 * PAGE_SIZE];
	struct page *pg;
	void *v = NULL;

	vt_init(256, 1);
	pg = pfn_to_page(last_pfn());
	if (pg)
		v = vmap(&pg, 1, VM_MAP, PAGE_KERNEL);
	if (!v)
		return;
	ASSERT_EQ(vread(buf, (char *)v - PAGE_SIZE, sizeof(buf)),
		  (long)(2 * PAGE_SIZE));
	vunmap(v);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

/*
 * Configured before the first call of the process (no vmalloc_init: the
 * first call initialises the library): injection is still in force.
 */
TEST(fault_injection_configured_before_the_first_call_stays_in_force)
{
	void *p;

	setenv("VMALLOC_QUIET", "1", 1);
	ASSERT_NULL(vmalloc_engine());	/* nothing initialised yet */
	vmalloc_fault_inject(VM_FAULT_PAGE, 1, 0, 0);
	p = vmalloc(PAGE_SIZE);
	printf("# vmalloc = %p, attempts counted %lu\n", p,
	       vmalloc_fault_attempts());
	vfree(p);
	ASSERT_NULL(p);
	ASSERT_GE(vmalloc_fault_attempts(), 1);
	vmalloc_fault_inject(0, 0, 0, 0);
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
}

static int fi_stop;

static void *fi_worker(void *arg)
{
	unsigned long *ops = arg;

	while (!__atomic_load_n(&fi_stop, __ATOMIC_ACQUIRE)) {
		void *a = vmalloc(PAGE_SIZE), *b = vmalloc(6 * PAGE_SIZE);

		vfree(a);
		vfree(b);
		(*ops)++;
	}
	return NULL;
}

/*
 * Reconfiguring injection while other threads allocate is no data race
 * (ThreadSanitizer checks it; the release build only checks the outcome).
 */
TEST(reconfiguring_fault_injection_while_threads_allocate_is_race_free)
{
	unsigned long ops[2] = { 0, 0 }, n = 0;
	struct vt_snap s0;
	pthread_t t[2];
	uint64_t end;
	int i;

	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, fi_worker, &ops[i]), 0);
	end = now_ns() + 500000000ULL;
	while (now_ns() < end) {
		vmalloc_fault_inject(VM_FAULT_PAGE | VM_FAULT_META, 0,
				     (unsigned int)(n % 3), n);
		vmalloc_fault_inject(VM_FAULT_PT, 1000000, 0, 0);
		n++;
	}
	vmalloc_fault_inject(0, 0, 0, 0);
	__atomic_store_n(&fi_stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("# %lu reconfigurations, %lu + %lu allocation rounds\n", n,
	       ops[0], ops[1]);
	ASSERT_GT(ops[0] + ops[1], 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* A failed mapping rolls back page tables a small area is mapping into */
/* ------------------------------------------------------------------ */

#define RB_EMPTY_BLOCKS	48	/* empty blocks the rollback walks past */
#define RB_SLOTS	256	/* one-page slots per block */

static struct {
	volatile unsigned long round, done;
	volatile uint64_t delay_ns;
	int stop;
	void *volatile area;
	volatile int mapped;	/* every page mapped, data reads back */
} rb;

static void *rollback_helper(void *arg)
{
	unsigned long seen = 0, r;
	char out[64], in[64];

	(void)arg;
	pin_cpu(1);
	for (;;) {
		void *p;
		int ok = 1;

		while ((r = __atomic_load_n(&rb.round, __ATOMIC_ACQUIRE)) == seen)
			if (__atomic_load_n(&rb.stop, __ATOMIC_ACQUIRE))
				return NULL;
		seen = r;
		spin_ns(rb.delay_ns);
		p = vmalloc(PAGE_SIZE);
		if (p) {
			memset(out, (int)(r & 0x7f) + 1, sizeof(out));
			memset(in, 0, sizeof(in));
			ok = vmalloc_to_page(p) != NULL &&
			     vwrite(out, p, sizeof(out)) == (long)sizeof(out) &&
			     vread(in, p, sizeof(in)) == (long)sizeof(in) &&
			     !memcmp(in, out, sizeof(in));
		}
		rb.area = p;
		rb.mapped = ok;
		__atomic_store_n(&rb.done, r, __ATOMIC_RELEASE);
	}
}

/* A one-page tree area in @region whose page table cannot be allocated. */
static uint64_t failing_tree_map(unsigned long region, void **out)
{
	uint64_t t0 = now_ns();

	*out = __vmalloc_node_range(PAGE_SIZE, 1,
				    region + (RB_EMPTY_BLOCKS + 1) * GRANULE,
				    region + GiB, GFP_KERNEL | __GFP_NOWARN,
				    PAGE_KERNEL, 0, -1, NULL);
	return now_ns() - t0;
}

/*
 * One thread maps a tree-path area whose page-table allocation fails after
 * it installed the page directory of a fresh 1 GiB region (fault
 * injection of VM_FAULT_PT); rolling back, it checks that no live area
 * needs that directory (walking past many empty blocks) and unlinks it.
 * Meanwhile a thread on the other CPU vmalloc()s one page into a block of
 * the same region, whose mapping follows the directory that is linked at
 * that moment. Every vmalloc that succeeds must map its page (data reads
 * back), and the sanity walk must pass after every round. Each round uses
 * a fresh region: address space below it is reserved by one filler area.
 */
TEST(small_areas_stay_mapped_while_another_thread_rolls_back_a_failed_mapping)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .quiet = true };
	unsigned long base, regions, r, rounds, nslots, i, failed_round = 0;
	unsigned long helper_ok = 0, injected = 0;
	struct vm_struct **slots;
	uint64_t span = 0, calib = 0, t_start, end;
	bool calibrating, x_stayed = false;
	const char *why = NULL;
	pthread_t t;
	void *x;

	REQUIRE_2_CPUS();
	if (host_engine())
		cfg.vmalloc_size_mb = 256 * 1024;	/* 256 regions */
	vt_init_cfg(&cfg);
	vt_seed();
	pin_cpu(0);
	base = (VMALLOC_START + GiB - 1) & ~(GiB - 1);
	regions = (VMALLOC_END - base) / GiB;
	rounds = vm_min_ul(regions - 1, vt_long() ? 2000 : 400);
#if VM_DEBUG >= 2
	/* A sanity walk after every call: one round takes seconds. */
	rounds = 1;
#endif
	/* The upper tables of region 0's 512 GiB exist from here on. */
	x = __vmalloc_node_range(PAGE_SIZE, 1, base, base + GiB, GFP_KERNEL,
				 PAGE_KERNEL, 0, -1, NULL);
	ASSERT_NONNULL(x);
	vfree(x);
	nslots = RB_EMPTY_BLOCKS * RB_SLOTS;
	slots = malloc(nslots * sizeof(*slots));
	ASSERT_NONNULL(slots);
	memset((void *)&rb, 0, sizeof(rb));
	ASSERT_EQ(pthread_create(&t, NULL, rollback_helper, NULL), 0);
	t_start = now_ns();
	end = t_start + (vt_long() ? 30 : 3) * 1000000000ULL;
	for (r = 1; r <= rounds && now_ns() < end; r++) {
		unsigned long region = base + r * GiB;
		struct vm_struct *filler, *a;

		filler = __get_vm_area(region - VMALLOC_START - PAGE_SIZE,
				       VM_ALLOC, VMALLOC_START, region);
		ASSERT_NONNULL(filler);
		ASSERT_EQ((unsigned long)filler->addr, VMALLOC_START);
		/* The helper CPU's block first, then empty blocks of this CPU. */
		pin_cpu(1);
		a = get_vm_area(PAGE_SIZE, VM_ALLOC);
		pin_cpu(0);
		ASSERT_NONNULL(a);
		ASSERT_EQ((unsigned long)a->addr, region);
		free_vm_area(a);
		for (i = 0; i < nslots; i++)
			ASSERT_NONNULL(slots[i] = get_vm_area(PAGE_SIZE, VM_ALLOC));
		ASSERT_EQ((unsigned long)slots[0]->addr, region + GRANULE);
		for (i = 0; i < nslots; i++)
			free_vm_area(slots[i]);
		calibrating = !span;
		for (i = 0; !span && i < 5; i++) {
			/* How long a failing attempt takes, with nobody racing. */
			uint64_t ns;

			vmalloc_fault_inject(VM_FAULT_PT, 2, 0, 0);
			ns = failing_tree_map(region, &x);
			vmalloc_fault_inject(0, 0, 0, 0);
			x_stayed |= x != NULL;	/* the tables stayed */
			vfree(x);
			if (!calib || ns < calib)
				calib = ns;
			if (i == 4) {
				span = calib;
				printf("# a failing tree mapping takes %" PRIu64
				       " ns\n", span);
			}
		}
		rb.delay_ns = vt_below(span + span / 2);
		/*
		 * The second table allocation fails: the region's directory
		 * goes in, the page table does not. Where calibration left
		 * the directory in place (page tables stay), the first fails.
		 */
		vmalloc_fault_inject(VM_FAULT_PT, calibrating && x_stayed ? 1 : 2,
				     0, 0);
		__atomic_store_n(&rb.round, r, __ATOMIC_RELEASE);
		failing_tree_map(region, &x);
		while (__atomic_load_n(&rb.done, __ATOMIC_ACQUIRE) != r)
			;
		vmalloc_fault_inject(0, 0, 0, 0);
		if (x)
			vfree(x);
		else
			injected++;
		if (rb.area) {
			helper_ok++;
			if (!rb.mapped)
				why = "a successful vmalloc() left its page unmapped";
		}
		vfree(rb.area);
		free_vm_area(filler);
		vm_unmap_aliases();
		if (!why && vmalloc_check())
			why = "the sanity walk failed";
		if (why) {
			failed_round = r;
			break;
		}
	}
	__atomic_store_n(&rb.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	free(slots);
	printf("# %lu rounds in %" PRIu64 " ms, %lu failing tree mappings, "
	       "%lu helper vmallocs\n", r - (failed_round ? 0 : 1),
	       (now_ns() - t_start) / 1000000, injected, helper_ok);
	if (why)
		vt_fail(__FILE__, __LINE__, "round %lu (helper delay %" PRIu64
			" ns): %s", failed_round, rb.delay_ns, why);
	/* One round (debug builds) is calibration only: nothing to race. */
	if (rounds > 1)
		ASSERT_GT(injected, 0);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Block lookups racing the recycling of blocks                        */
/* ------------------------------------------------------------------ */

static int tl_stop;
static int tl_paused;		/* the freeing thread is held in the handler */
static volatile uint64_t tl_pause_ns;

/*
 * Blocks of every size class, made and released. Between cycles the
 * 510-page blocks stand empty but published (what a lookup finds); the
 * next cycle starts as soon as the freeing thread is held in the handler,
 * or after 20 us (so that the freeing thread is not starved of the area
 * lock).
 */
static void *block_recycler(void *arg)
{
	unsigned long *cycles = arg;

	pin_cpu(1);
	while (!__atomic_load_n(&tl_stop, __ATOMIC_ACQUIRE)) {
		/* 2- and 4-page classes: 510-page blocks, a 2-page tail. */
		struct vm_struct *a = get_vm_area(2 * PAGE_SIZE, VM_ALLOC);
		struct vm_struct *b = get_vm_area(4 * PAGE_SIZE, VM_ALLOC);
		struct vm_struct *c, *d;
		uint64_t idle;

		free_vm_area(a);
		free_vm_area(b);
		idle = now_ns() + 20000;
		while (!__atomic_load_n(&tl_paused, __ATOMIC_ACQUIRE) &&
		       now_ns() < idle)
			;
		vm_unmap_aliases();
		/* 1- and 3-page classes: blocks span the whole 2 MiB. */
		c = get_vm_area(PAGE_SIZE, VM_ALLOC);
		d = get_vm_area(3 * PAGE_SIZE, VM_ALLOC);
		free_vm_area(c);
		free_vm_area(d);
		vm_unmap_aliases();
		(*cycles)++;
	}
	return NULL;
}

/* Preemption on demand: the signalled thread stops for a while. */
static void pause_handler(int sig)
{
	(void)sig;
	__atomic_store_n(&tl_paused, 1, __ATOMIC_RELEASE);
	spin_ns(tl_pause_ns);
	__atomic_store_n(&tl_paused, 0, __ATOMIC_RELEASE);
}

/*
 * One-page tree areas placed in the 2-page tails of the granules that
 * 510-page blocks use, allocated and freed while another CPU releases
 * those blocks and reuses them for other granules and size classes. A
 * timer interrupts the freeing thread every 40 us and holds it there for
 * 10 us (time for the other CPU to recycle a block), so that a block can
 * change between any two of its instructions. No free may be
 * misattributed: no "nonexistent vm area" warning, nothing left behind.
 */
TEST(freeing_areas_in_block_tails_while_another_thread_recycles_blocks_is_never_misattributed)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .quiet = true };
	unsigned long cycles = 0, frees = 0, tails[2], w0;
	struct itimerspec its;
	struct sigevent sev;
	struct sigaction sa;
	struct vt_snap s0;
	timer_t timer;
	pthread_t t;
	uint64_t end;
	int k;

	REQUIRE_2_CPUS();
	vt_init_cfg(&cfg);
	pin_cpu(0);
	tails[0] = ((VMALLOC_START + GRANULE - 1) & ~(GRANULE - 1)) +
		   510 * PAGE_SIZE;
	tails[1] = tails[0] + GRANULE;
	s0 = vt_snap();
	w0 = vt_warnings();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pause_handler;
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
	tl_pause_ns = 10000;
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 40000;
	its.it_interval = its.it_value;

	ASSERT_EQ(pthread_create(&t, NULL, block_recycler, &cycles), 0);
	ASSERT_EQ(timer_settime(timer, 0, &its, NULL), 0);
	end = now_ns() + (vt_long() ? 60 : 4) * 1000000000ULL;
	while (now_ns() < end && !vt_log_count("nonexistent")) {
		for (k = 0; k < 2; k++) {
			struct vm_struct *a = __get_vm_area(PAGE_SIZE, VM_ALLOC,
						tails[k], tails[k] + 2 * PAGE_SIZE);

			if (!a)
				continue;	/* a 512-page block holds it now */
			vfree(a->addr);
			frees++;
		}
	}
	memset(&its, 0, sizeof(its));
	timer_settime(timer, 0, &its, NULL);
	timer_delete(timer);
	__atomic_store_n(&tl_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("# %lu tail frees, %lu recycling cycles, %lu warnings\n", frees,
	       cycles, vt_warnings() - w0);
	ASSERT_GT(frees, 0);
	ASSERT_EQ(vt_warnings(), w0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Flags added to a live area while walkers read it                    */
/* ------------------------------------------------------------------ */

static int flags_stop;

static void *flags_lister(void *arg)
{
	static char buf[1 << 16];
	unsigned long *rounds = arg;

	while (!__atomic_load_n(&flags_stop, __ATOMIC_ACQUIRE)) {
		vmallocinfo(buf, sizeof(buf));
		(*rounds)++;
	}
	return NULL;
}

/*
 * set_vm_flush_reset_perms() adds a flag to an area that a vmallocinfo()
 * walk may be reading (a slot of the fast path, found before the claim):
 * the flag is written under the lock the walk holds, so the walk reads
 * the flags whole, before or after (ThreadSanitizer reported the plain
 * store). Every flagged area is then flushed at its vfree.
 */
TEST(flags_set_on_areas_while_a_thread_lists_them_are_race_free)
{
	unsigned long rounds = 0, i, n = vt_long() ? 200000 : 20000;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct vt_snap s0;
	pthread_t t;

	vt_init(64, 1);
	s0 = vt_snap();
	ASSERT_EQ(pthread_create(&t, NULL, flags_lister, &rounds), 0);
	for (i = 0; i < n; i++) {
		char *p = vmalloc((1 + i % 4) * PAGE_SIZE);

		ASSERT_NONNULL(p);
		set_vm_flush_reset_perms(p + PAGE_SIZE / 2);
		vfree(p);
	}
	__atomic_store_n(&flags_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("# %lu areas flagged and freed, %lu listings\n", n, rounds);
	ASSERT_GT(rounds, 0);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.lazy_pages, 0);		/* every one flushed at its free */
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
