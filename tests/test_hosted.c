/* SPDX-License-Identifier: MIT */
/*
 * The hosted layer and its engines: user ranges that outlive instances,
 * configuration at full width, what a user is told when set-up fails,
 * fork(), metadata that LeakSanitizer must be able to see, frames the OS
 * did not take back, and the host's mapping limit. Cases marked host or
 * soft run on that engine only; the others on both.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "harness.h"

#define REQUIRE_ENGINE(e)						\
	do {								\
		if (strcmp(vt_engine(), (e)))				\
			SKIP(e " engine only");				\
	} while (0)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/*
 * Run @fn in a child (its failures exit non-zero) and return the wait
 * status. With @err_out, the child's stderr goes to a file whose contents
 * land in @err_out (NUL-terminated, cut at @len).
 */
static int in_child(void (*fn)(void *), void *arg, char *err_out, size_t len)
{
	FILE *f = NULL;
	int status;
	pid_t pid;

	if (err_out) {
		f = tmpfile();
		ASSERT_NONNULL(f);
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		if (f)
			dup2(fileno(f), 2);
		fn(arg);
		fflush(stdout);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (f) {
		size_t n;

		rewind(f);
		n = fread(err_out, 1, len - 1, f);
		err_out[n] = 0;
		fclose(f);
	}
	return status;
}

#define ASSERT_CHILD_OK(st)						\
	do {								\
		int __st = (st);					\
		ASSERT_TRUE(WIFEXITED(__st));				\
		ASSERT_EQ(WEXITSTATUS(__st), 0);			\
	} while (0)

/* Lines of @text that contain @needle. */
static int count_lines(const char *text, const char *needle)
{
	int n = 0;

	for (; (text = strstr(text, needle)); text += strlen(needle))
		n++;
	return n;
}


/* Fill or check @len bytes of vmalloc memory, on either engine. */
static void vm_fill(void *p, int byte, unsigned long len)
{
	char buf[PAGE_SIZE];
	unsigned long off;

	if (vt_is_host()) {
		memset(p, byte, len);
		return;
	}
	memset(buf, byte, sizeof(buf));
	for (off = 0; off < len; off += PAGE_SIZE)
		ASSERT_EQ(vwrite(buf, (char *)p + off, vm_min_ul(PAGE_SIZE, len - off)),
			  (long)vm_min_ul(PAGE_SIZE, len - off));
}

/* The first byte of [p, p + len) that is not @byte, or -1. */
static long vm_first_not(const void *p, int byte, unsigned long len)
{
	unsigned char buf[PAGE_SIZE];
	unsigned long off, i, n;

	for (off = 0; off < len; off += PAGE_SIZE) {
		n = vm_min_ul(PAGE_SIZE, len - off);
		if (vt_is_host())
			memcpy(buf, (const char *)p + off, n);
		else
			ASSERT_EQ(vread((char *)buf, (char *)p + off, n), (long)n);
		for (i = 0; i < n; i++)
			if (buf[i] != (unsigned char)byte)
				return (long)(off + i);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* User ranges: references, handles, instances                         */
/* ------------------------------------------------------------------ */

#define UR_PAGES 4

TEST(user_range_keeps_its_frames_after_vfree_until_it_is_released)
{
	unsigned long pfn[UR_PAGES], free0, i, k, n = 0, max = 4096;
	struct vm_area_struct vma;
	struct vt_snap s0;
	void **held;
	char *p;

	vt_init(8, 1);			/* 2048 frames: easy to exhaust */
	held = calloc(max, sizeof(*held));
	ASSERT_NONNULL(held);
	s0 = vt_snap();
	p = vmalloc_user(UR_PAGES * PAGE_SIZE);
	ASSERT_NONNULL(p);
	vm_fill(p, 0x6b, UR_PAGES * PAGE_SIZE);
	ASSERT_EQ(vm_user_range_reserve(&vma, UR_PAGES * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 0), 0);
	for (i = 0; i < UR_PAGES; i++) {
		pfn[i] = vm_user_range_pfn(&vma, vma.vm_start + i * PAGE_SIZE);
		ASSERT_EQ(pfn[i], vmalloc_to_pfn(p + i * PAGE_SIZE));
		/* The area's reference and user space's. */
		ASSERT_EQ(page_count(pfn_to_page(pfn[i])), 2);
	}

	vm_unmap_aliases();
	free0 = nr_free_pages();
	vfree(p);
	vm_unmap_aliases();
	/* User space still maps the frames: none of them is free. */
	ASSERT_EQ(nr_free_pages(), free0);
	for (i = 0; i < UR_PAGES; i++)
		ASSERT_EQ(page_count(pfn_to_page(pfn[i])), 1);

	/* Take every frame there is: none of the user's comes back. */
	while (n < max && (held[n] = __vmalloc(PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN,
					       PAGE_KERNEL))) {
		for (i = 0; i < UR_PAGES; i++)
			ASSERT_NE(vmalloc_to_pfn(held[n]), pfn[i]);
		vm_fill(held[n], 0x5a, PAGE_SIZE);
		n++;
	}
	ASSERT_LT(n, max);		/* the pool ran out */
	ASSERT_GT(n, 1000);
	/* The old mapping still shows the old data. */
	for (i = 0; i < UR_PAGES; i++) {
		const unsigned char *u = vt_is_host() ?
			(const unsigned char *)vma.vm_start + i * PAGE_SIZE :
			page_address(pfn_to_page(pfn[i]));

		for (k = 0; k < PAGE_SIZE; k++)
			ASSERT_EQ(u[k], 0x6b);
	}
	for (k = 0; k < n; k++)
		vfree(held[k]);
	free(held);

	vm_user_range_release(&vma);
	for (i = 0; i < UR_PAGES; i++)
		ASSERT_EQ(page_count(pfn_to_page(pfn[i])), 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(remapping_a_user_range_again_drops_the_references_it_replaces)
{
	struct vm_area_struct vma;
	struct vt_snap s0;
	char *a, *b;
	unsigned long i;

	vt_init(16, 1);
	s0 = vt_snap();
	a = vmalloc_user(2 * PAGE_SIZE);
	b = vmalloc_user(2 * PAGE_SIZE);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, a, 0), 0);
	/* The same frames again: still one user reference each. */
	ASSERT_EQ(remap_vmalloc_range(&vma, a, 0), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(page_count(vmalloc_to_page(a + i * PAGE_SIZE)), 2);
	/* Other frames: a's lose the user's reference, b's gain one. */
	ASSERT_EQ(remap_vmalloc_range(&vma, b, 0), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(page_count(vmalloc_to_page(a + i * PAGE_SIZE)), 1);
		ASSERT_EQ(page_count(vmalloc_to_page(b + i * PAGE_SIZE)), 2);
		ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start + i * PAGE_SIZE),
			  vmalloc_to_pfn(b + i * PAGE_SIZE));
	}
	vfree(a);
	vfree(b);
	vm_user_range_release(&vma);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(user_range_released_twice_or_through_a_copy_changes_nothing)
{
	struct vm_area_struct vma, copy;
	struct vt_snap s0;
	char *p;

	vt_init(16, 1);
	p = vmalloc_user(PAGE_SIZE);
	ASSERT_NONNULL(p);
	s0 = vt_snap();
	ASSERT_EQ(vm_user_range_reserve(&vma, PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 0), 0);
	copy = vma;
	vm_user_range_release(&vma);
	vm_user_range_release(&vma);
	vm_user_range_release(&copy);		/* a stale handle */
	ASSERT_EQ(remap_vmalloc_range(&copy, p, 0), -EINVAL);
	ASSERT_EQ(vm_user_range_pfn(&copy, copy.vm_start), 0);
	ASSERT_EQ(page_count(vmalloc_to_page(p)), 1);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	vfree(p);
	ASSERT_SANE();
}

/*
 * @vma is a user range of another instance (an earlier one, or the
 * parent's before fork): remapping into it, looking it up and releasing
 * it are refused and change nothing here.
 */
static void foreign_user_range_is_refused(struct vm_area_struct *vma)
{
	struct vt_snap s0;
	char *p;

	p = vmalloc_user(PAGE_SIZE);
	ASSERT_NONNULL(p);
	s0 = vt_snap();
	ASSERT_EQ(remap_vmalloc_range(vma, p, 0), -EINVAL);
	ASSERT_EQ(vm_user_range_pfn(vma, vma->vm_start), 0);
	vm_user_range_release(vma);
	ASSERT_EQ(page_count(vmalloc_to_page(p)), 1);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	vfree(p);
}

TEST(user_range_from_before_vmalloc_exit_is_refused)
{
	struct vm_area_struct old;
	volatile char *other = NULL;
	char *p;

	vt_init(16, 1);
	p = vmalloc_user(PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vm_user_range_reserve(&old, PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&old, p, 0), 0);
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);

	if (vt_is_host()) {
		/* Someone else's memory now lives where the range was. */
		other = mmap((void *)old.vm_start, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		ASSERT_TRUE(other == (volatile char *)old.vm_start);
		other[0] = 'Z';
	}
	vt_init(16, 1);
	foreign_user_range_is_refused(&old);
	if (other) {
		ASSERT_EQ(other[0], 'Z');
		munmap((void *)other, PAGE_SIZE);
	}
	ASSERT_SANE();
}

static struct vm_area_struct parent_vma;

static void child_uses_parents_user_range(void *arg)
{
	(void)arg;
	foreign_user_range_is_refused(&parent_vma);	/* a fresh instance */
	/* The parent's user mapping is not readable here. */
	if (vt_is_host())
		ASSERT_TRUE(vt_probe((char *)parent_vma.vm_start, false) ==
			    (void *)parent_vma.vm_start);
	ASSERT_SANE();
}

TEST(user_range_reserved_before_fork_is_refused_in_the_child)
{
	char *p;

	vt_init(16, 1);
	p = vmalloc_user(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vm_fill(p, 0x77, PAGE_SIZE);
	ASSERT_EQ(vm_user_range_reserve(&parent_vma, PAGE_SIZE), 0);
	ASSERT_EQ(remap_vmalloc_range(&parent_vma, p, 0), 0);
	ASSERT_CHILD_OK(in_child(child_uses_parents_user_range, NULL, NULL, 0));
	/* The parent's range is untouched. */
	ASSERT_EQ(vm_user_range_pfn(&parent_vma, parent_vma.vm_start),
		  vmalloc_to_pfn(p));
	if (vt_is_host())
		ASSERT_EQ(*(volatile unsigned char *)parent_vma.vm_start, 0x77);
	vm_user_range_release(&parent_vma);
	vfree(p);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

struct bad_env {
	const char *var, *value, *says;
};

static const struct bad_env bad_envs[] = {
	{ "VMALLOC_NODES", "4294967297", "VMALLOC_NODES=4294967297 is out of range (1 .. 8)" },
	{ "VMALLOC_NODES", "4294967304", "VMALLOC_NODES=4294967304 is out of range (1 .. 8)" },
	{ "VMALLOC_NODES", "9", "VMALLOC_NODES=9 is out of range (1 .. 8)" },
	{ "VMALLOC_NODES", "0", "VMALLOC_NODES=0 is out of range (1 .. 8)" },
	{ "VMALLOC_NODES", "-1", "VMALLOC_NODES=-1 is not a number" },
	{ "VMALLOC_NODES", " 1", "VMALLOC_NODES= 1 is not a number" },
	{ "VMALLOC_NODES", "1x", "VMALLOC_NODES=1x is not a number" },
	/* No octal: 010 is ten (octal would make it 8, accepted). */
	{ "VMALLOC_NODES", "010", "VMALLOC_NODES=010 is out of range (1 .. 8)" },
	{ "VMALLOC_NODES", "0x", "VMALLOC_NODES=0x is not a number" },
	{ "VMALLOC_NODES", "08x", "VMALLOC_NODES=08x is not a number" },
	{ "VMALLOC_PHYS_MB", "16777216", "VMALLOC_PHYS_MB=16777216 is out of range (1 .. 16777215)" },
	{ "VMALLOC_PHYS_MB", "4294967297", "VMALLOC_PHYS_MB=4294967297 is out of range (1 .. 16777215)" },
	{ "VMALLOC_PHYS_MB", "99999999999999999999", "VMALLOC_PHYS_MB=99999999999999999999 is out of range" },
	{ "VMALLOC_SIZE_MB", "67108865", "VMALLOC_SIZE_MB=67108865 is out of range (1 .. 67108864)" },
	{ "VMALLOC_SIZE_MB", "0x10000000000000001", "VMALLOC_SIZE_MB=0x10000000000000001 is out of range" },
	{ "VMALLOC_LAZY_PAGES", "18446744073709551616", "VMALLOC_LAZY_PAGES=18446744073709551616 is out of range (0 .. 18446744073709551615)" },
	{ "VMALLOC_RESERVE_PAGES", "+5", "VMALLOC_RESERVE_PAGES=+5 is not a number" },
	{ "VMALLOC_FAST_PATH", "2", "VMALLOC_FAST_PATH=2 is out of range (0 .. 1)" },
	{ "VMALLOC_FAST_PATH", "4294967296", "VMALLOC_FAST_PATH=4294967296 is out of range (0 .. 1)" },
};

TEST(configuration_values_are_range_checked_at_full_width)
{
	unsigned int i;

	/* Before init, lines go to the hook (none of them is lost). */
	vmalloc_set_log_hook(vt_log_hook);
	for (i = 0; i < ARRAY_LEN(bad_envs); i++) {
		const struct bad_env *b = &bad_envs[i];

		vt_log_clear();
		setenv(b->var, b->value, 1);
		ASSERT_EQ(vmalloc_init(NULL), -EINVAL);
		unsetenv(b->var);
		if (vt_log_count(b->says) != 1)
			vt_fail(__FILE__, __LINE__, "%s=%s: expected one line '%s', got %d lines, last '%s'",
				b->var, b->value, b->says, vt_log_n,
				vt_log_n ? vt_log[(vt_log_n - 1) % VT_LOG_LINES] : "");
		ASSERT_NULL(vmalloc_engine());
	}
	/* At the edges: accepted. */
	setenv("VMALLOC_NODES", "8", 1);
	setenv("VMALLOC_FAST_PATH", "0", 1);
	setenv("VMALLOC_LAZY_PAGES", "18446744073709551615", 1);
	setenv("VMALLOC_PHYS_MB", "0x40", 1);
	ASSERT_EQ(vmalloc_init(NULL), 0);
	ASSERT_EQ(num_online_nodes(), 8);
	ASSERT_EQ(num_physpages_total(), 64UL << 8);
	unsetenv("VMALLOC_NODES");
	unsetenv("VMALLOC_FAST_PATH");
	unsetenv("VMALLOC_LAZY_PAGES");
	unsetenv("VMALLOC_PHYS_MB");
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(config_struct_values_are_range_checked)
{
	struct vmalloc_config bad[] = {
		{ .sz = sizeof(struct vmalloc_config), .nodes = 9 },
		{ .sz = sizeof(struct vmalloc_config), .nodes = UINT_MAX },
		{ .sz = sizeof(struct vmalloc_config), .phys_mb = 1UL << 24 },
		{ .sz = sizeof(struct vmalloc_config), .phys_mb = ULONG_MAX },
		{ .sz = sizeof(struct vmalloc_config), .vmalloc_size_mb = (1UL << 26) + 1 },
		{ .sz = sizeof(struct vmalloc_config), .vmalloc_size_mb = ULONG_MAX },
		{ .sz = sizeof(struct vmalloc_config), .vmalloc_start = 0xffffc90000000001UL },
	};
	static const char *const says[] = {
		"vmalloc_config.nodes = 9 is out of range (1 .. 8)",
		"vmalloc_config.nodes = 4294967295 is out of range (1 .. 8)",
		"vmalloc_config.phys_mb = 16777216 is out of range (1 .. 16777215)",
		"vmalloc_config.phys_mb = 18446744073709551615 is out of range (1 .. 16777215)",
		"vmalloc_config.vmalloc_size_mb = 67108865 is out of range (1 .. 67108864)",
		"vmalloc_config.vmalloc_size_mb = 18446744073709551615 is out of range",
		"vmalloc_config.vmalloc_start = 0xffffc90000000001 is not page aligned",
	};
	unsigned int i;

	vmalloc_set_log_hook(vt_log_hook);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		vt_log_clear();
		bad[i].engine = "soft";
		ASSERT_EQ(vmalloc_init(&bad[i]), -EINVAL);
		if (vt_log_count(says[i]) != 1)
			vt_fail(__FILE__, __LINE__, "expected one line '%s', got %d lines, last '%s'",
				says[i], vt_log_n,
				vt_log_n ? vt_log[(vt_log_n - 1) % VT_LOG_LINES] : "");
	}
}

TEST(the_largest_documented_pool_is_accepted)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft", .phys_mb = (1UL << 24) - 1,
				      .quiet = true };
	char *p;
	int err;

	/* 2^24 - 1 MiB: 4294967040 frames, under the core's 2^32 - 2. */
	vmalloc_set_log_hook(vt_log_hook);
	err = vmalloc_init(&cfg);
	if (err == -ENOMEM) {
		/* Accepted, but 16 TiB of address space is not there (TSan). */
		ASSERT_EQ(vt_log_count("soft: cannot reserve the 16777215 MiB pool"), 1);
		SKIP("no room for a 16 TiB pool in this process");
	}
	ASSERT_EQ(err, 0);
	ASSERT_EQ(num_physpages_total(), ((1UL << 24) - 1) << 8);
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);
}

/* ------------------------------------------------------------------ */
/* Errors users can act on                                             */
/* ------------------------------------------------------------------ */

static void many_calls_with_a_bad_engine(void *arg)
{
	int i;

	(void)arg;
	setenv("VMALLOC_ENGINE", "bogus", 1);
	for (i = 0; i < 1000; i++)
		ASSERT_NULL(vmalloc(PAGE_SIZE));
	fputs("-- mark 1\n", stderr);
	/* An explicit init tries again, and says so again. */
	ASSERT_EQ(vmalloc_init(NULL), -EINVAL);
	fputs("-- mark 2\n", stderr);
	for (i = 0; i < 1000; i++) {
		ASSERT_NULL(vmalloc(PAGE_SIZE));
		ASSERT_EQ(vmalloc_get_stats(&(struct vmalloc_stats){ .sz = sizeof(struct vmalloc_stats) }), -ENODEV);
	}
	/* Fixed, and asked again: it works. */
	setenv("VMALLOC_ENGINE", "soft", 1);
	ASSERT_EQ(vmalloc_init(NULL), 0);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(a_failed_automatic_initialisation_is_reported_once)
{
	static char err[1 << 17];
	const char *m1, *m2;

	ASSERT_CHILD_OK(in_child(many_calls_with_a_bad_engine, NULL, err, sizeof(err)));
	m1 = strstr(err, "-- mark 1");
	m2 = strstr(err, "-- mark 2");
	ASSERT_NONNULL(m1);
	ASSERT_NONNULL(m2);
	ASSERT_EQ(count_lines(err, "unknown engine 'bogus' (soft, host)"), 2);
	ASSERT_EQ(count_lines(m1, "unknown engine"), 1);	/* vmalloc_init */
	ASSERT_EQ(count_lines(m2, "unknown engine"), 0);
}

/* The process's address space now, in bytes (VmSize). */
static unsigned long vm_size_now(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long kb = 0;
	char line[256];

	ASSERT_NONNULL(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

static void init_under_an_address_space_limit(void *arg)
{
	const char *engine = arg;
	struct rlimit rl;
	char *p;

	/* ulimit -v: 2 GiB more than the process has (sanitizers map a lot). */
	rl.rlim_cur = rl.rlim_max = vm_size_now() + (2UL << 30);
	ASSERT_EQ(setrlimit(RLIMIT_AS, &rl), 0);
	setenv("VMALLOC_ENGINE", engine, 1);
	if (!strcmp(engine, "soft"))
		setenv("VMALLOC_PHYS_MB", "4096", 1);
	ASSERT_EQ(vmalloc_init(NULL), -ENOMEM);
	fputs("-- mark\n", stderr);
	/* What the line says to do is enough. */
	setenv("VMALLOC_SIZE_MB", "1024", 1);
	setenv("VMALLOC_PHYS_MB", "256", 1);
	ASSERT_EQ(vmalloc_init(NULL), 0);
	p = vmalloc(1UL << 20);
	ASSERT_NONNULL(p);
	vm_fill(p, 1, 1UL << 20);
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(init_under_an_address_space_limit_says_what_to_set)
{
	static char err[1 << 14];
	const char *engine = vt_engine(), *mark;
	char *line;

	ASSERT_CHILD_OK(in_child(init_under_an_address_space_limit,
				 (void *)engine, err, sizeof(err)));
	mark = strstr(err, "-- mark");
	ASSERT_NONNULL(mark);
	ASSERT_EQ(count_lines(mark, "libvmalloc"), 0);
	ASSERT_EQ(count_lines(err, "libvmalloc"), 1);
	ASSERT_NONNULL(strstr(err, "the address-space limit (ulimit -v) is"));
	if (!strcmp(engine, "host"))
		ASSERT_NONNULL(strstr(err, "host: cannot reserve a 65536 MiB vmalloc range"));
	ASSERT_NONNULL(strstr(err, !strcmp(engine, "host") ? "set VMALLOC_SIZE_MB lower" :
			      "set VMALLOC_PHYS_MB lower"));
	for (line = strtok(err, "\n"); line; line = strtok(NULL, "\n"))
		printf("# stderr: %s\n", line);
}

/* ------------------------------------------------------------------ */
/* LeakSanitizer                                                       */
/* ------------------------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define VT_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define VT_LSAN 1
#endif
#endif

#ifdef VT_LSAN
static void *volatile leak_sink;

static void leak_on_purpose(void *arg)
{
	(void)arg;
	leak_sink = malloc(4096);
	if (!leak_sink)
		_exit(3);
	leak_sink = NULL;
	exit(0);		/* LeakSanitizer runs at exit */
}

static void exit_without_vmalloc_exit(void *arg)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft", .phys_mb = 64,
				      .quiet = true };
	static void *p[64];
	int i;

	(void)arg;
	ASSERT_EQ(vmalloc_init(&cfg), 0);
	/* Blocks in several 2 MiB granules: leaves of the block directory. */
	for (i = 0; i < 64; i++)
		ASSERT_NONNULL(p[i] = vmalloc((unsigned long)(i % 4 + 1) * PAGE_SIZE));
	ASSERT_NONNULL(vmalloc(300 * PAGE_SIZE));
	exit(0);
}

static void forked_child_starts_over(void *arg)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = vt_engine(), .phys_mb = 64,
				      .quiet = true };
	pid_t pid;
	int st;
	void *p;

	(void)arg;
	ASSERT_EQ(vmalloc_init(&cfg), 0);
	p = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	pid = fork();
	if (pid == 0) {
		/* A fresh instance; the parent's blocks are the child's to free. */
		void *q = vmalloc(3 * PAGE_SIZE);

		if (!q)
			_exit(3);
		vfree(q);
		vmalloc_exit();
		exit(0);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	vfree(p);
	vmalloc_exit();
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
}
#endif

TEST(leak_sanitizer_sees_no_leak_when_the_program_skips_vmalloc_exit)
{
#ifdef VT_LSAN
	static char report[1 << 14];
	int st;

	/* LeakSanitizer must be on for this case to mean anything. */
	st = in_child(leak_on_purpose, NULL, report, sizeof(report));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		SKIP("LeakSanitizer is off (ASAN_OPTIONS=detect_leaks=0?)");
	ASSERT_NONNULL(strstr(report, "LeakSanitizer: detected memory leaks"));
	st = in_child(exit_without_vmalloc_exit, NULL, report, sizeof(report));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("# %s\n", report);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
	st = in_child(forked_child_starts_over, NULL, report, sizeof(report));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		printf("# %s\n", report);
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(WEXITSTATUS(st), 0);
#else
	SKIP("needs LeakSanitizer (an ASan build)");
#endif
}

/* ------------------------------------------------------------------ */
/* fork()                                                              */
/* ------------------------------------------------------------------ */

struct fork_case {
	char *parent;			/* the parent's area, 3 pages */
	unsigned long start, end;	/* the parent's range */
};

static void child_meets_a_stale_pointer(void *arg)
{
	struct fork_case *fc = arg;
	unsigned char buf[64];
	char *mine[8];
	unsigned long w;
	int i;

	/* The child's own areas, in a fresh instance. */
	for (i = 0; i < 8; i++) {
		mine[i] = vmalloc(3 * PAGE_SIZE);
		ASSERT_NONNULL(mine[i]);
		vm_fill(mine[i], 0x40 + i, 3 * PAGE_SIZE);
		ASSERT_TRUE((unsigned long)mine[i] + 3 * PAGE_SIZE <= fc->start ||
			    (unsigned long)mine[i] >= fc->end);
	}
	ASSERT_TRUE(VMALLOC_END <= fc->start || VMALLOC_START >= fc->end);
	vmalloc_set_log_hook(vt_log_hook);
	vt_log_clear();

	/* The parent's pointer reaches nothing. */
	if (vt_is_host()) {
		ASSERT_TRUE(vt_probe(fc->parent, false) == fc->parent);
		ASSERT_TRUE(vt_probe(fc->parent + 2 * PAGE_SIZE, true) ==
			    fc->parent + 2 * PAGE_SIZE);
	}
	ASSERT_EQ(vread((char *)buf, fc->parent, sizeof(buf)), 0);	/* no area */
	ASSERT_NULL(vmalloc_to_page(fc->parent));
	ASSERT_NULL(find_vm_area(fc->parent));

	/* Freeing it warns and frees nothing of the child's. */
	w = vt_warnings();
	vfree(fc->parent);
	ASSERT_EQ(vt_warnings(), w + 1);
	ASSERT_EQ(vt_log_count("nonexistent vm area"), 1);
	for (i = 0; i < 8; i++) {
		ASSERT_NONNULL(find_vm_area(mine[i]));
		ASSERT_EQ(vm_first_not(mine[i], 0x40 + i, 3 * PAGE_SIZE), -1);
	}
	ASSERT_SANE();
	for (i = 0; i < 8; i++)
		vfree(mine[i]);
	ASSERT_SANE();
}

static void grandchild_meets_two_stale_pointers(void *arg)
{
	struct fork_case *fc = arg, mine;
	int st;

	/* A child that ran the library forks again: both ranges stay out. */
	mine.parent = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(mine.parent);
	mine.start = VMALLOC_START;
	mine.end = VMALLOC_END;
	st = in_child(child_meets_a_stale_pointer, fc, NULL, 0);
	ASSERT_CHILD_OK(st);
	st = in_child(child_meets_a_stale_pointer, &mine, NULL, 0);
	ASSERT_CHILD_OK(st);
	vfree(mine.parent);
}

TEST(fork_child_can_neither_reach_nor_free_the_parents_areas)
{
	struct fork_case fc;

	vt_init(16, 1);
	fc.parent = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(fc.parent);
	vm_fill(fc.parent, 0x3a, 3 * PAGE_SIZE);
	fc.start = VMALLOC_START;
	fc.end = VMALLOC_END;
	ASSERT_CHILD_OK(in_child(child_meets_a_stale_pointer, &fc, NULL, 0));
	ASSERT_CHILD_OK(in_child(grandchild_meets_two_stale_pointers, &fc, NULL, 0));
	/* The parent's area did not change under it. */
	ASSERT_EQ(vm_first_not(fc.parent, 0x3a, 3 * PAGE_SIZE), -1);
	ASSERT_NONNULL(find_vm_area(fc.parent));
	vfree(fc.parent);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Frames the OS did not take back                                     */
/* ------------------------------------------------------------------ */

#define DIRTY_BYTES	(16UL << 20)

/*
 * With a reserve of one frame, freed 4 MiB blocks are released at once;
 * when the release fails their old contents stay, and every zeroing
 * allocation must still read zero.
 */
static void zeroing_allocations_read_zero_after_failed_releases(void)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .reserve_pages = 1,
				      .quiet = true };
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	int kind;

	vt_init_cfg(&cfg);
	for (kind = 0; kind < 3; kind++) {
		char *p = vmalloc(DIRTY_BYTES), *z;
		long bad;

		ASSERT_NONNULL(p);
		vm_fill(p, 0xab, DIRTY_BYTES);
		vfree(p);
		vm_unmap_aliases();
		switch (kind) {
		case 0: z = vzalloc(DIRTY_BYTES); break;
		case 1: z = vmalloc_user(DIRTY_BYTES); break;
		default: z = __vmalloc(DIRTY_BYTES, GFP_KERNEL | __GFP_ZERO,
				       PAGE_KERNEL); break;
		}
		ASSERT_NONNULL(z);
		bad = vm_first_not(z, 0, DIRTY_BYTES);
		if (bad >= 0)
			vt_fail(__FILE__, __LINE__, "%s: byte %ld of 16 MiB is not zero",
				kind == 0 ? "vzalloc" : kind == 1 ? "vmalloc_user" :
				"__vmalloc(__GFP_ZERO)", bad);
		vfree(z);
		vm_unmap_aliases();
	}
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.released_pages, 0);
	ASSERT_SANE();
}

TEST(host_release_refused_by_seccomp_leaves_zeroing_allocations_zero)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fallocate, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_LEN(filter), filter };

	REQUIRE_ENGINE("host");
	/* This case's process only: every fallocate() fails with EPERM. */
	ASSERT_EQ(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ASSERT_EQ(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
	zeroing_allocations_read_zero_after_failed_releases();
	ASSERT_EQ(vt_log_count("host: cannot release"), 1);
	ASSERT_EQ(vt_log_count("Operation not permitted"), 1);
}

TEST(soft_release_refused_for_locked_memory_leaves_zeroing_allocations_zero)
{
	REQUIRE_ENGINE("soft");
	/*
	 * Lock what is mapped from now on (the pool): MADV_DONTNEED then
	 * fails. Not MCL_CURRENT: a sanitizer's shadow is terabytes. The
	 * system call, not mlockall(): ASan makes that a no-op.
	 */
	if (syscall(SYS_mlockall, MCL_FUTURE))
		SKIP("mlockall: %s", strerror(errno));
	zeroing_allocations_read_zero_after_failed_releases();
	ASSERT_EQ(vt_log_count("soft: cannot release"), 1);
	ASSERT_EQ(vt_log_count("Invalid argument"), 1);
}

TEST(injected_release_failure_leaves_zeroing_allocations_zero)
{
	vmalloc_fault_inject(VM_FAULT_RELEASE, 0, 1000, 1);
	zeroing_allocations_read_zero_after_failed_releases();
	ASSERT_GT(vmalloc_fault_attempts(), 1);
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_EQ(vt_log_count("cannot release"), 1);
}

/* ------------------------------------------------------------------ */
/* vm.max_map_count                                                    */
/* ------------------------------------------------------------------ */

#define MAP_LIMIT_MAX	80000

#if defined(__SANITIZE_THREAD__)
#define VT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VT_TSAN 1
#endif
#endif

/*
 * ThreadSanitizer's runtime cannot take a refused mapping (it checks and
 * then deadlocks). ASan's allocator, when it needs a new mapping at the
 * limit, aborts by default where glibc's malloc returns NULL (which the
 * library handles): make it return NULL too.
 */
#ifdef VT_LSAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

#ifdef VT_TSAN
#define REQUIRE_MAP_LIMIT_SAFE() SKIP("ThreadSanitizer dies at vm.max_map_count")
#else
#define REQUIRE_MAP_LIMIT_SAFE() do { } while (0)
#endif

/* Lines that name the limit, however many lines come after them. */
static int map_limit_lines;

static void map_limit_hook(int level, const char *line)
{
	(void)level;
	if (strstr(line, "vm.max_map_count") &&
	    strstr(line, "sysctl -w vm.max_map_count="))
		map_limit_lines++;
}

/* One-page vmallocs until the host refuses a mapping: how many fit. */
static unsigned long fill_to_the_map_limit(void **v)
{
	unsigned long n = 0;

	while (n < MAP_LIMIT_MAX && (v[n] = vmalloc(PAGE_SIZE)))
		n++;
	ASSERT_LT(n, MAP_LIMIT_MAX);	/* the limit was reached */
	ASSERT_GT(n, 1000);
	return n;
}

TEST(host_max_map_count_is_reported_once_per_instance)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 512, .quiet = true };
	unsigned long n, i;
	void **v;

	REQUIRE_ENGINE("host");
	REQUIRE_MAP_LIMIT_SAFE();
	v = calloc(MAP_LIMIT_MAX, sizeof(*v));
	ASSERT_NONNULL(v);
	vt_init_cfg(&cfg);
	vmalloc_set_log_hook(map_limit_hook);
	map_limit_lines = 0;
	n = fill_to_the_map_limit(v);
	/*
	 * A few more: each fails and would log. Not many: at the limit, a
	 * sanitizer's allocator dies when it needs a mapping.
	 */
	for (i = 0; i < 3; i++)
		ASSERT_NULL(vmalloc(PAGE_SIZE));
	for (i = 0; i < n; i++)
		vfree(v[i]);
	vm_unmap_aliases();
	ASSERT_EQ(map_limit_lines, 1);
	ASSERT_SANE();
	ASSERT_EQ(vmalloc_exit(), 0);
	free(v);

	/* A new instance says it again, once (an injected ENOMEM here). */
	vt_init_cfg(&cfg);
	for (i = 0; i < 3; i++) {
		vmalloc_fault_inject(VM_FAULT_HOST_MAP, 0, 1000, 1);
		ASSERT_NULL(vmalloc(PAGE_SIZE));
		vmalloc_fault_inject(0, 0, 0, 0);
	}
	ASSERT_EQ(vt_log_count("host: mmap of"), 1);
	ASSERT_EQ(vt_log_count("(reported once)"), 1);
	ASSERT_SANE();
}

TEST(host_allocation_at_max_map_count_purges_lazily_freed_areas)
{
	/* Lazily freed areas keep their mappings until a purge. */
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 512, .lazy_max_pages = 1UL << 30,
				      .quiet = true };
	void **v;
	unsigned long n, i, back = 0;
	struct vt_snap s0;

	REQUIRE_ENGINE("host");
	REQUIRE_MAP_LIMIT_SAFE();
	v = calloc(MAP_LIMIT_MAX, sizeof(*v));
	ASSERT_NONNULL(v);
	vt_init_cfg(&cfg);
	s0 = vt_snap();
	n = fill_to_the_map_limit(v);
	for (i = 0; i < n; i += 2)
		vfree(v[i]);
	/* No vm_unmap_aliases(): the failing mapping must purge by itself. */
	for (i = 0; i < n; i += 2) {
		v[i] = vmalloc(PAGE_SIZE);
		if (v[i])
			back++;
	}
	printf("# %lu one-page areas fit; %lu of the %lu freed came back\n",
	       n, back, (n + 1) / 2);
	/* Free first: a failing case must not exit at the limit. */
	for (i = 0; i < n; i++)
		vfree(v[i]);
	vm_unmap_aliases();
	ASSERT_GE(back + 16, (n + 1) / 2);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	free(v);
}

/*
 * The kernel's full_fit_alloc_test on each of @threads threads: 16,384
 * pairs of one-page areas (fls(2) * 8192), every second one freed, then
 * one-page allocations into the holes. How far each gets before the host
 * refuses a mapping, and what that says about the cost of an area.
 */
struct full_fit {
	pthread_t t;
	pthread_barrier_t *go;
	unsigned long live;		/* areas held when it stopped */
	bool failed;			/* a vmalloc returned NULL */
	void **v;
};

#define FULL_FIT_PAIRS	16384

static void *full_fit_thread(void *arg)
{
	struct full_fit *f = arg;
	unsigned long i, n = 0;

	pthread_barrier_wait(f->go);
	for (i = 0; i < 2 * FULL_FIT_PAIRS; i++) {
		f->v[i] = vmalloc(PAGE_SIZE);
		if (!f->v[i]) {
			f->failed = true;
			break;
		}
		*(volatile char *)f->v[i] = 1;
		n++;
	}
	f->live = n;
	pthread_barrier_wait(f->go);	/* everyone is at the peak */
	for (i = 1; i < n; i += 2)
		vfree(f->v[i]);
	for (i = 0; i < 1000 && !f->failed; i++) {
		char *p = vmalloc(PAGE_SIZE);

		if (!p)
			f->failed = true;
		else
			vfree(p);
	}
	for (i = 0; i < n; i += 2)
		vfree(f->v[i]);
	return NULL;
}

static long process_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;

	ASSERT_NONNULL(f);
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

TEST(host_full_fit_areas_cost_two_host_mappings_each)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 1024, .quiet = true };
	struct full_fit f[2];
	pthread_barrier_t go;
	struct vt_snap s0;
	long limit = -1, spare;
	unsigned int threads, i;
	FILE *mc;

	REQUIRE_ENGINE("host");
	REQUIRE_MAP_LIMIT_SAFE();
	mc = fopen("/proc/sys/vm/max_map_count", "r");
	ASSERT_NONNULL(mc);
	ASSERT_EQ(fscanf(mc, "%ld", &limit), 1);
	fclose(mc);
	vt_init_cfg(&cfg);
	s0 = vt_snap();
	for (threads = 1; threads <= 2; threads++) {
		unsigned long total = 0;

		pthread_barrier_init(&go, NULL, threads);
		spare = limit - process_mappings();
		for (i = 0; i < threads; i++) {
			memset(&f[i], 0, sizeof(f[i]));
			f[i].go = &go;
			f[i].v = calloc(2 * FULL_FIT_PAIRS, sizeof(void *));
			ASSERT_NONNULL(f[i].v);
			ASSERT_EQ(pthread_create(&f[i].t, NULL, full_fit_thread, &f[i]), 0);
		}
		for (i = 0; i < threads; i++) {
			ASSERT_EQ(pthread_join(f[i].t, NULL), 0);
			total += f[i].live;
			printf("# full_fit, %u thread(s): thread %u held %lu one-page areas%s\n",
			       threads, i, f[i].live, f[i].failed ? ", then vmalloc failed" : "");
			free(f[i].v);
		}
		printf("# full_fit, %u thread(s): %lu live areas, %ld mappings were free (vm.max_map_count=%ld)\n",
		       threads, total, spare, limit);
		/* The floor: each area is one data mapping and one gap after it. */
		if (total < 2UL * FULL_FIT_PAIRS * threads)
			ASSERT_GE(2 * total + 64, (unsigned long)spare);
		pthread_barrier_destroy(&go);
		ASSERT_SNAP_EQ(vt_snap(), s0);
		ASSERT_SANE();
	}
}
