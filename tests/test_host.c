/* SPDX-License-Identifier: MIT */
/*
 * The host engine: memory that a program uses by pointer, guard pages that
 * really fault, aliases that really alias, memory that goes back to the OS,
 * and host failures that leave nothing behind. Skipped on other engines.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "harness.h"

#define REQUIRE_HOST()							\
	do {								\
		if (strcmp(vt_engine(), "host"))			\
			SKIP("host engine only");			\
	} while (0)

/* Run @fn in a child; return its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	ASSERT_GT(pid, 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	return status;
}


static unsigned long rss_shmem_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kb = 0;

	ASSERT_NONNULL(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssShmem: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

TEST(host_is_the_default_engine_without_any_set_up)
{
	char *p;

	REQUIRE_HOST();
	unsetenv("VMALLOC_ENGINE");
	p = vmalloc(100);		/* no vmalloc_init(): defaults */
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(vmalloc_engine());
	ASSERT_EQ(strcmp(vmalloc_engine(), "host"), 0);
	p[0] = 1;
	p[99] = 2;
	ASSERT_EQ(p[0] + p[99], 3);
	vfree(p);
}

TEST(host_memory_is_used_by_pointer_across_the_whole_area)
{
	unsigned long n = 1UL << 20;
	unsigned char *p, *q, *z;
	unsigned long i;

	REQUIRE_HOST();
	vt_init(64, 1);
	p = vmalloc(n);
	q = vmalloc(n);
	z = vzalloc(n);
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(q);
	ASSERT_NONNULL(z);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	memcpy(q, p, n);
	ASSERT_MEMEQ(p, q, n);
	memset(p, 0xab, n);
	for (i = 0; i < n; i += 4093)
		ASSERT_EQ(p[i], 0xab);
	for (i = 0; i < n; i++)
		ASSERT_EQ(z[i], 0);
	/* The pointer and vread agree. */
	{
		unsigned char buf[64];

		ASSERT_EQ(vread((char *)buf, (char *)q + 4000, 64), 64);
		ASSERT_MEMEQ(buf, q + 4000, 64);
	}
	vfree(p);
	vfree(q);
	vfree(z);
}

TEST(host_vmalloc_user_reads_zero_after_frames_were_dirtied)
{
	unsigned long n = 64 * PAGE_SIZE, i;
	unsigned char *p, *u;
	int round;

	REQUIRE_HOST();
	vt_init(4, 1);			/* a small pool: frames get reused */
	for (round = 0; round < 6; round++) {
		p = vmalloc(n);
		ASSERT_NONNULL(p);
		memset(p, 0xcd, n);
		vfree(p);
		vm_unmap_aliases();
		u = round & 1 ? vmalloc_32_user(n) : vmalloc_user(n);
		ASSERT_NONNULL(u);
		for (i = 0; i < n; i++)
			if (u[i])
				vt_fail(__FILE__, __LINE__, "round %d: byte %lu is %x",
					round, i, u[i]);
		vfree(u);
	}
}

static void write_past_end(void *arg)
{
	unsigned long size = (unsigned long)arg;
	volatile char *p = vmalloc(size);

	if (!p)
		_exit(3);
	signal(SIGSEGV, SIG_DFL);	/* sanitizers catch it otherwise */
	p[size - 1] = 1;		/* the last byte is fine */
	p[PAGE_ALIGN(size)] = 1;	/* the guard page is not */
	_exit(4);
}

TEST(host_guard_page_kills_a_child_that_writes_past_the_end)
{
	unsigned long sizes[] = { 1, PAGE_SIZE, 3 * PAGE_SIZE + 5, 1UL << 20 };
	unsigned int i;

	REQUIRE_HOST();
	vt_init(16, 1);
	for (i = 0; i < 4; i++) {
		int st = in_child(write_past_end, (void *)sizes[i]);

		ASSERT_TRUE(WIFSIGNALED(st));
		ASSERT_EQ(WTERMSIG(st), SIGSEGV);
	}
}

TEST(host_guard_page_faults_at_exactly_its_address)
{
	char *p;

	REQUIRE_HOST();
	vt_init(16, 1);
	p = vmalloc(2 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_NULL(vt_probe(p + 2 * PAGE_SIZE - 1, true));
	ASSERT_TRUE(vt_probe(p + 2 * PAGE_SIZE, true) == p + 2 * PAGE_SIZE);
	ASSERT_TRUE(vt_probe(p + 2 * PAGE_SIZE, false) == p + 2 * PAGE_SIZE);
	ASSERT_TRUE(vt_probe(p + 3 * PAGE_SIZE - 1, false) == p + 3 * PAGE_SIZE - 1);
	vfree(p);
	/* After the purge the freed range faults too. */
	vm_unmap_aliases();
	ASSERT_TRUE(vt_probe(p, false) == p);
}

TEST(host_vmap_aliases_pages_mapped_elsewhere)
{
	struct page *pg[3];
	volatile char *a, *b;
	char *direct;
	int i;

	REQUIRE_HOST();
	vt_init(16, 1);
	for (i = 0; i < 3; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL | __GFP_ZERO));
	a = vmap(pg, 3, VM_MAP, PAGE_KERNEL);
	b = vmap(pg, 3, VM_MAP, PAGE_KERNEL);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_TRUE(a != b);
	direct = page_address(pg[1]);
	a[PAGE_SIZE + 10] = 'x';
	ASSERT_EQ(b[PAGE_SIZE + 10], 'x');
	ASSERT_EQ(((volatile char *)direct)[10], 'x');
	direct[20] = 'y';
	ASSERT_EQ(a[PAGE_SIZE + 20], 'y');
	vunmap((void *)a);
	vunmap((void *)b);
	for (i = 0; i < 3; i++)
		__free_page(pg[i]);
}

TEST(host_vmalloc_exec_runs_code_and_read_only_faults_on_write)
{
	/* x86-64: mov eax, 42; ret */
	static const unsigned char code[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };
	int (*fn)(void);
	char *x, *ro, *rw;

	REQUIRE_HOST();
	vt_init(16, 1);
	x = vmalloc_exec(PAGE_SIZE);
	ASSERT_NONNULL(x);
	memcpy(x, code, sizeof(code));
	__builtin___clear_cache(x, x + sizeof(code));
	fn = (int (*)(void))(void *)x;
	ASSERT_EQ(fn(), 42);
	vfree(x);

	/* Plain vmalloc memory is not executable. */
	rw = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(rw);
	ASSERT_NULL(vt_probe(rw, true));
	vfree(rw);

	ro = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, PAGE_KERNEL_RO);
	ASSERT_NONNULL(ro);
	ASSERT_NULL(vt_probe(ro + 5, false));
	ASSERT_TRUE(vt_probe(ro + 5, true) == ro + 5);
	vfree(ro);
}

TEST(host_vmalloc_32_frames_lie_below_4g)
{
	struct vm_struct *vm;
	char *p;
	unsigned int i;

	REQUIRE_HOST();
	vt_init(5120, 1);		/* 5 GiB, sparse */
	p = vmalloc_32(256 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	for (i = 0; i < vm->nr_pages; i++)
		ASSERT_LT(page_to_pfn(vm->pages[i]), 1UL << 20);
	memset(p, 1, 256 * PAGE_SIZE);
	vfree(p);
}

TEST(host_vmalloc_node_uses_the_node_and_degrades_on_one_host_node)
{
	struct vm_struct *vm;
	char *p;
	unsigned int i;

	REQUIRE_HOST();
	vt_init(64, 2);
	p = vmalloc_node(32 * PAGE_SIZE, 1);
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	for (i = 0; i < vm->nr_pages; i++)
		ASSERT_EQ(page_to_nid(vm->pages[i]), 1);
	memset(p, 2, 32 * PAGE_SIZE);
	vfree(p);
}

TEST(host_remap_vmalloc_range_shows_the_same_bytes_at_both_addresses)
{
	struct vm_area_struct vma;
	volatile char *k, *u;

	REQUIRE_HOST();
	vt_init(16, 1);
	k = vmalloc_user(4 * PAGE_SIZE);
	ASSERT_NONNULL(k);
	ASSERT_EQ(vm_user_range_reserve(&vma, 3 * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, (void *)k, 1), 0);
	u = (volatile char *)vma.vm_start;
	k[PAGE_SIZE + 1] = 'k';
	ASSERT_EQ(u[1], 'k');
	u[2 * PAGE_SIZE + 3] = 'u';
	ASSERT_EQ(k[3 * PAGE_SIZE + 3], 'u');
	vm_user_range_release(&vma);
	vfree((void *)k);
}

TEST(host_injected_mmap_failure_leaves_nothing_behind)
{
	struct vt_snap s0;
	unsigned long k;

	REQUIRE_HOST();
	vt_init(16, 1);
	s0 = vt_snap();
	for (k = 1; k <= 3; k++) {
		vt_log_clear();
		vmalloc_fault_inject(VM_FAULT_HOST_MAP, 1, 0, 0);
		ASSERT_NULL(vmalloc(k * 5 * PAGE_SIZE));
		vmalloc_fault_inject(0, 0, 0, 0);
		/* ENOMEM: the first one of the instance says why, once. */
		ASSERT_EQ(vt_log_count("host: mmap of"), k == 1);
		/* The tables of the first try serve the next ones. */
		ASSERT_SNAP_FAILED(vt_snap(), s0, 15 * PAGE_SIZE);
		ASSERT_SANE();
	}
}

TEST(host_memory_file_growth_failure_leaves_nothing_behind)
{
	struct vt_snap s0;
	void *p;

	REQUIRE_HOST();
	vt_init(256, 1);
	s0 = vt_snap();
	vmalloc_fault_inject(VM_FAULT_HOST_GROW, 1, 0, 0);
	/* 64 MiB + more: the file must grow past its first step. */
	p = vmalloc(100UL << 20);
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_NULL(p);
	ASSERT_EQ(vt_log_count("host: cannot grow the memory file"), 1);
	ASSERT_SNAP_FAILED(vt_snap(), s0, 100UL << 20);
	p = vmalloc(100UL << 20);
	ASSERT_NONNULL(p);
	vfree(p);
	ASSERT_SANE();
}

TEST(host_max_map_count_exhaustion_fails_cleanly)
{
	struct page **pg;
	void **v;
	struct vt_snap s0;
	unsigned long n = 0, max = 70000, i;

	REQUIRE_HOST();
	vt_init(1024, 1);
	pg = calloc(max, sizeof(*pg));
	v = calloc(max, sizeof(*v));
	ASSERT_NONNULL(pg);
	ASSERT_NONNULL(v);
	/* Scattered frames: every other one, so no two vmaps merge. */
	for (i = 0; i < max; i++)
		ASSERT_NONNULL(pg[i] = alloc_page(GFP_KERNEL));
	s0 = vt_snap();
	vt_log_clear();
	while (n < max / 2) {
		v[n] = vmap(&pg[2 * n], 1, VM_MAP, PAGE_KERNEL);
		if (!v[n])
			break;
		n++;
	}
	ASSERT_LT(n, max / 2);		/* the limit was reached */
	ASSERT_GT(n, 1000);
	ASSERT_EQ(vt_log_count("vm.max_map_count"), 1);
	printf("# %lu one-page vmaps fit under vm.max_map_count\n", n);
	for (i = 0; i < n; i++)
		vunmap(v[i]);
	/* Page tables stay (as in the kernel); everything else is back. */
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	/* Usable again. */
	v[0] = vmap(&pg[0], 1, VM_MAP, PAGE_KERNEL);
	ASSERT_NONNULL(v[0]);
	vunmap(v[0]);
	for (i = 0; i < max; i++)
		__free_page(pg[i]);
	free(pg);
	free(v);
}

TEST(host_rss_follows_live_vmalloc_memory)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 1024, .reserve_pages = 1024,
				      .quiet = true };
	unsigned long base, peak, after, n = 256UL << 20;
	char *p;

	REQUIRE_HOST();
	vt_init_cfg(&cfg);
	base = rss_shmem_kb();
	p = vmalloc(n);
	ASSERT_NONNULL(p);
	memset(p, 1, n);
	peak = rss_shmem_kb();
	ASSERT_GE(peak, base + (n >> 10) * 9 / 10);
	vfree(p);
	vm_unmap_aliases();
	after = rss_shmem_kb();
	/* Only the reserve (4 MiB) and a partial block may stay resident. */
	ASSERT_LE(after, base + 16 * 1024);
	printf("# RssShmem: %lu kB before, %lu kB with 256 MiB live, %lu kB after\n",
	       base, peak, after);
}

static void child_uses_library(void *arg)
{
	volatile char *parent = arg;
	char *mine;

	/* The parent's area is not mapped here... */
	if (vt_probe(parent, false) != parent)
		_exit(10);
	/* ...nor known: freeing it changes nothing (and warns). */
	vfree((void *)parent);
	/* The child has a library of its own. */
	mine = vmalloc(3 * PAGE_SIZE);
	if (!mine)
		_exit(11);
	memset(mine, 0x5c, 3 * PAGE_SIZE);
	vfree(mine);
	_exit(0);
}

TEST(host_fork_child_cannot_touch_the_parents_areas)
{
	char *p;
	int st;
	unsigned long i;

	REQUIRE_HOST();
	vt_init(16, 1);
	p = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	memset(p, 0x3a, 3 * PAGE_SIZE);
	st = in_child(child_uses_library, p);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	for (i = 0; i < 3 * PAGE_SIZE; i++)
		ASSERT_EQ((unsigned char)p[i], 0x3a);
	ASSERT_TRUE(find_vm_area(p) != NULL);
	vfree(p);
	ASSERT_SANE();
}

TEST(host_window_outside_the_reservation_gets_null)
{
	static char own[PAGE_SIZE * 4];
	unsigned long o = (unsigned long)own;

	REQUIRE_HOST();
	vt_init(16, 1);
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, o & PAGE_MASK,
				  (o & PAGE_MASK) + 3 * PAGE_SIZE));
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, 0, VMALLOC_START));
	ASSERT_NULL(__get_vm_area(PAGE_SIZE, VM_ALLOC, VMALLOC_END,
				  VMALLOC_END + (1UL << 30)));
}

TEST(host_large_page_arrays_are_vmalloced)
{
	struct vt_snap s0;
	struct vm_struct *vm;
	char *p, info[4096];

	REQUIRE_HOST();
	vt_init(64, 1);
	s0 = vt_snap();
	p = vmalloc(1000 * PAGE_SIZE);	/* 8000-byte page array */
	ASSERT_NONNULL(p);
	vm = find_vm_area(p);
	ASSERT_TRUE(vm->flags & VM_VPAGES);
	/* The array is an area of the library's own: listed, not found. */
	ASSERT_NULL(find_vm_area(vm->pages));
	vmallocinfo(info, sizeof(info));
	ASSERT_NONNULL(strstr(info, "pages=1000 vmalloc vpages"));
	ASSERT_NONNULL(strstr(info, "pages=2 vmalloc"));
	memset(p, 9, 1000 * PAGE_SIZE);
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
}

struct worker {
	unsigned int id;
	unsigned long ops;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long i;

	for (i = 0; i < w->ops; i++) {
		unsigned long pages = 1 + (i * 7 + w->id) % 9;
		unsigned char *p = vmalloc(pages * PAGE_SIZE);
		unsigned long k;

		if (!p)
			return (void *)1;
		for (k = 0; k < pages * PAGE_SIZE; k += 512)
			p[k] = (unsigned char)(w->id + k);
		for (k = 0; k < pages * PAGE_SIZE; k += 512)
			if (p[k] != (unsigned char)(w->id + k))
				return (void *)2;
		vfree(p);
	}
	return NULL;
}

TEST(host_threads_allocate_and_free_concurrently)
{
	pthread_t t[4];
	struct worker w[4];
	struct vt_snap s0;
	int i;

	REQUIRE_HOST();
	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < 4; i++) {
		w[i].id = (unsigned int)i;
		w[i].ops = vt_long() ? 20000 : 1500;
		ASSERT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		void *r;

		ASSERT_EQ(pthread_join(t[i], &r), 0);
		ASSERT_NULL(r);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
