/* SPDX-License-Identifier: MIT */
/*
 * A small kselftest-style harness: named test cases, TAP output, each case
 * in its own child process (a crash or a signal fails that case only),
 * seeds printed for every randomised case, and helpers to prove that
 * nothing leaked.
 *
 *   TEST(name) { ... ASSERT_EQ(a, b); ... }
 *
 * Environment: VT_FILTER=substring runs matching cases only; VT_SEED=n
 * fixes the seed; VT_LONG=1 selects the long (stress) mode; VT_NOFORK=1
 * runs cases in-process (for a debugger).
 */
#ifndef VT_HARNESS_H
#define VT_HARNESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmalloc/vmalloc.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static inline unsigned long vm_min_ul(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

typedef void (*vt_fn)(void);

struct vt_case {
	const char *name;
	vt_fn fn;
};

#define VT_MAX_CASES 256
static struct vt_case vt_cases[VT_MAX_CASES];
static int vt_ncases;
static const char *vt_current;
static int vt_skipped;
static char vt_skip_reason[256];

static inline void vt_register(const char *name, vt_fn fn)
{
	if (vt_ncases < VT_MAX_CASES)
		vt_cases[vt_ncases++] = (struct vt_case){ name, fn };
}

#define TEST(name)							\
	static void vt_test_##name(void);				\
	__attribute__((constructor)) static void vt_reg_##name(void)	\
	{								\
		vt_register(#name, vt_test_##name);			\
	}								\
	static void vt_test_##name(void)

/*
 * Fail the running case: report and leave the child. The line goes to
 * stderr too, so that prove (which hides a test's stdout) shows why a
 * case failed in make test's output.
 */
static inline __attribute__((noreturn, format(printf, 3, 4)))
void vt_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s:%d: %s\n", file, line, msg);
	fflush(stdout);
	fprintf(stderr, "# %s: %s:%d: %s\n", vt_current ? vt_current : "?",
		file, line, msg);
	exit(1);
}

#define ASSERT_TRUE(c)							\
	do {								\
		if (!(c))						\
			vt_fail(__FILE__, __LINE__, "expected: %s", #c);\
	} while (0)
#define ASSERT_FALSE(c)	ASSERT_TRUE(!(c))
#define VT_CMP(a, op, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
		if (!(__a op __b))					\
			vt_fail(__FILE__, __LINE__,			\
				"expected %s %s %s (0x%llx vs 0x%llx, %lld vs %lld)", \
				#a, #op, #b, __a, __b, (long long)__a,	\
				(long long)__b);			\
	} while (0)
#define ASSERT_EQ(a, b)	VT_CMP(a, ==, b)
#define ASSERT_NE(a, b)	VT_CMP(a, !=, b)
#define ASSERT_LT(a, b)	VT_CMP(a, <, b)
#define ASSERT_LE(a, b)	VT_CMP(a, <=, b)
#define ASSERT_GT(a, b)	VT_CMP(a, >, b)
#define ASSERT_GE(a, b)	VT_CMP(a, >=, b)
#define ASSERT_NULL(p)	ASSERT_TRUE((p) == NULL)
#define ASSERT_NONNULL(p) ASSERT_TRUE((p) != NULL)
#define ASSERT_MEMEQ(a, b, n) ASSERT_TRUE(memcmp((a), (b), (n)) == 0)

/* Skip the running case with a reason. */
#define SKIP(...)							\
	do {								\
		snprintf(vt_skip_reason, sizeof(vt_skip_reason), __VA_ARGS__); \
		vt_skipped = 1;						\
		return;							\
	} while (0)

/* ------------------------------------------------------------------ */
/* Randomness with printed seeds                                       */
/* ------------------------------------------------------------------ */

static uint64_t vt_rng_state;

static inline uint64_t vt_seed(void)
{
	const char *s = getenv("VT_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) :
			(uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);

	vt_rng_state = seed ? seed : 1;
	printf("# %s: seed %" PRIu64 " (VT_SEED=%" PRIu64 " to repeat)\n",
	       vt_current, seed, seed);
	return seed;
}

static inline uint64_t vt_rand(void)
{
	uint64_t x = vt_rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	vt_rng_state = x;
	return x;
}

/* Uniform in [0, n). */
static inline uint64_t vt_below(uint64_t n)
{
	return n ? vt_rand() % n : 0;
}

static inline bool vt_long(void)
{
	return getenv("VT_LONG") != NULL;
}

/* ------------------------------------------------------------------ */
/* Library set-up, log capture and leak checks                         */
/* ------------------------------------------------------------------ */

#define VT_LOG_LINES 64
static char vt_log[VT_LOG_LINES][256];
static int vt_log_n;

static inline void vt_log_hook(int level, const char *line)
{
	(void)level;
	snprintf(vt_log[vt_log_n % VT_LOG_LINES], sizeof(vt_log[0]), "%s", line);
	vt_log_n++;
	if (getenv("VT_VERBOSE"))
		printf("# log: %s\n", line);
}

static inline void vt_log_clear(void)
{
	vt_log_n = 0;
}

/* How many captured lines contain @needle. */
static inline int vt_log_count(const char *needle)
{
	int i, n = 0, last = vt_log_n < VT_LOG_LINES ? vt_log_n : VT_LOG_LINES;

	for (i = 0; i < last; i++)
		if (strstr(vt_log[i], needle))
			n++;
	return n;
}

/* The engine under test: VMALLOC_ENGINE, default host. */
static inline const char *vt_engine(void)
{
	const char *e = getenv("VMALLOC_ENGINE");

	return e && *e ? e : "host";
}

/* Initialise with a pool of @phys_mb MiB on @nodes nodes (0: defaults). */
static inline void vt_init_cfg(const struct vmalloc_config *cfg)
{
	int err = vmalloc_init(cfg);

	if (err)
		vt_fail(__FILE__, __LINE__, "vmalloc_init: %d", err);
	vmalloc_set_log_hook(vt_log_hook);
	vt_log_clear();
}

static inline void vt_init(unsigned long phys_mb, unsigned int nodes)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = phys_mb, .nodes = nodes,
				      .quiet = true };

	vt_init_cfg(&cfg);
}

/* Strict lowest-address placement for every size (no fast path). */
static inline void vt_init_strict(unsigned long phys_mb)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = phys_mb, .no_fast_path = true,
				      .quiet = true };

	vt_init_cfg(&cfg);
}

/*
 * No area cache: vfree() unmaps at once and the range goes onto the lazy
 * list, for cases about freeing, lazy lists and purges (the cache keeps a
 * plain area mapped for reuse instead; test_cache.c checks it).
 */
static inline void vt_init_uncached(unsigned long phys_mb)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = phys_mb,
				      .no_cache = true, .quiet = true };

	vt_init_cfg(&cfg);
}

static inline bool vt_is_host(void)
{
	const char *e = vmalloc_engine();

	return e && !strcmp(e, "host");
}

/* Counters that must come back after every operation, failed or not. */
struct vt_snap {
	unsigned long free_pages;	/* free frames + page-table frames */
	unsigned long pt_pages;
	unsigned long areas;
	unsigned long vmap_areas;
	unsigned long meta_bytes;
	unsigned long host_mappings;
};

static inline struct vt_snap vt_snap(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct vt_snap s;

	vm_unmap_aliases();
	if (vmalloc_get_stats(&st))
		vt_fail(__FILE__, __LINE__, "vmalloc_get_stats failed");
	s.free_pages = st.free_pages + st.pt_pages;
	s.pt_pages = st.pt_pages;
	s.areas = st.areas;
	s.vmap_areas = st.vmap_areas;
	s.meta_bytes = st.meta_bytes;
	s.host_mappings = st.host_mappings;
	return s;
}

/* Everything but page tables (which the kernel keeps, and so do we). */
#define ASSERT_SNAP_EQ(a, b)						\
	do {								\
		struct vt_snap __x = (a), __y = (b);			\
		ASSERT_EQ(__x.free_pages, __y.free_pages);		\
		ASSERT_EQ(__x.areas, __y.areas);			\
		ASSERT_EQ(__x.vmap_areas, __y.vmap_areas);		\
		ASSERT_EQ(__x.meta_bytes, __y.meta_bytes);		\
		ASSERT_EQ(__x.host_mappings, __y.host_mappings);	\
	} while (0)

/* Also the page tables: for calls refused before they map anything. */
#define ASSERT_SNAP_EXACT(a, b)						\
	do {								\
		ASSERT_SNAP_EQ(a, b);					\
		ASSERT_EQ((a).pt_pages, (b).pt_pages);			\
	} while (0)

/*
 * Page tables a mapping of @bytes may install: one table per level for
 * each span of that level it touches (two more for a start that is not
 * aligned to the span). A mapping that fails leaves them (they serve the
 * next mapping there, as in the kernel), and never more than this.
 */
static inline unsigned long vt_table_bound(unsigned long bytes)
{
	return (bytes >> 21) + 2 + (bytes >> 30) + 2 + (bytes >> 39) + 2;
}

/* A failed operation that may have mapped up to @bytes: as ASSERT_SNAP_EQ,
 * and page tables grew by at most what such a mapping installs. */
#define ASSERT_SNAP_FAILED(a, b, bytes)					\
	do {								\
		struct vt_snap __f = (a), __g = (b);			\
		ASSERT_SNAP_EQ(__f, __g);				\
		ASSERT_GE(__f.pt_pages, __g.pt_pages);			\
		ASSERT_LE(__f.pt_pages - __g.pt_pages,			\
			  vt_table_bound(bytes));			\
	} while (0)

static inline unsigned long vt_warnings(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	vmalloc_get_stats(&st);
	return st.warnings;
}

#define ASSERT_SANE() ASSERT_EQ(vmalloc_check(), 0)

/* ------------------------------------------------------------------ */
/* Contents, through vread/vwrite (which work on every engine)         */
/* ------------------------------------------------------------------ */

/* Byte @i of the pattern @seed names; it differs page to page too. */
static inline unsigned char vt_pattern(unsigned long i, unsigned int seed)
{
	return (unsigned char)(i * 31 + (i >> 12) + seed);
}

/* Write the pattern into [addr, addr + n). */
static inline void vt_fill(void *addr, unsigned long n, unsigned int seed)
{
	unsigned char *buf = malloc(n);
	unsigned long i;

	ASSERT_NONNULL(buf);
	for (i = 0; i < n; i++)
		buf[i] = vt_pattern(i, seed);
	ASSERT_EQ(vwrite((char *)buf, addr, n), (long)n);
	free(buf);
}

/*
 * The first offset of [addr, addr + n) that does not hold the pattern
 * @seed (@zero: that is not 0), or -1 when all of it does.
 */
static inline long vt_mismatch(void *addr, unsigned long n, unsigned int seed,
			       bool zero)
{
	unsigned char *buf = malloc(n);
	unsigned long i;
	long bad = -1;

	ASSERT_NONNULL(buf);
	memset(buf, 0xee, n);
	ASSERT_EQ(vread((char *)buf, addr, n), (long)n);
	for (i = 0; i < n && bad < 0; i++)
		if (buf[i] != (zero ? 0 : vt_pattern(i, seed)))
			bad = (long)i;
	free(buf);
	return bad;
}

static inline bool vt_filled(void *addr, unsigned long n, unsigned int seed)
{
	return vt_mismatch(addr, n, seed, false) < 0;
}

static inline bool vt_zeroed(void *addr, unsigned long n)
{
	return vt_mismatch(addr, n, 0, true) < 0;
}

#define ASSERT_FILLED(addr, n, seed)					\
	do {								\
		long __m = vt_mismatch((addr), (n), (seed), false);	\
		if (__m >= 0)						\
			vt_fail(__FILE__, __LINE__,			\
				"%s: byte %ld is not pattern %u", #addr,	\
				__m, (unsigned int)(seed));		\
	} while (0)
#define ASSERT_ZEROED(addr, n)						\
	do {								\
		long __m = vt_mismatch((addr), (n), 0, true);		\
		if (__m >= 0)						\
			vt_fail(__FILE__, __LINE__, "%s: byte %ld is not 0", \
				#addr, __m);				\
	} while (0)

/* ------------------------------------------------------------------ */
/* In-process fault probes (host engine)                               */
/* ------------------------------------------------------------------ */

static sigjmp_buf vt_probe_env;
static void *vt_probe_addr;

static inline void vt_probe_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	vt_probe_addr = si->si_addr;
	siglongjmp(vt_probe_env, 1);
}

/* Read (or write) one byte at @p: the faulting address, or NULL if none. */
static inline void *vt_probe(volatile char *p, bool write)
{
	struct sigaction sa, old_segv, old_bus;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vt_probe_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	vt_probe_addr = NULL;
	if (!sigsetjmp(vt_probe_env, 1)) {
		if (write)
			*p = 1;
		else
			(void)*p;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return vt_probe_addr;
}

/* ------------------------------------------------------------------ */
/* Runner                                                              */
/* ------------------------------------------------------------------ */

static inline int vt_run_case(const struct vt_case *c)
{
	int status;
	pid_t pid;

	vt_current = c->name;
	vt_skipped = 0;
	fflush(stdout);
	if (getenv("VT_NOFORK")) {
		c->fn();
		vmalloc_exit();
		return vt_skipped ? 2 : 0;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		c->fn();
		if (vmalloc_exit() != 0 && !vt_skipped) {
			printf("# %s left areas behind at exit\n", c->name);
			fflush(stdout);
			fprintf(stderr, "# %s left areas behind at exit\n", c->name);
			_exit(1);
		}
		fflush(stdout);
		if (vt_skipped) {
			printf("# %s skipped: %s\n", c->name, vt_skip_reason);
			fflush(stdout);
			_exit(2);
		}
		exit(0);	/* not _exit: let LeakSanitizer check the case */
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFSIGNALED(status)) {
		printf("# %s: killed by signal %d\n", c->name, WTERMSIG(status));
		fprintf(stderr, "# %s: killed by signal %d\n", c->name,
			WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	const char *filter = getenv("VT_FILTER");
	int i, n = 0, failed = 0, k = 0;

	(void)argc;
	(void)argv;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < vt_ncases; i++)
		if (!filter || strstr(vt_cases[i].name, filter))
			n++;
	printf("1..%d\n", n);
	printf("# engine: %s\n", vt_engine());
	for (i = 0; i < vt_ncases; i++) {
		int r;

		if (filter && !strstr(vt_cases[i].name, filter))
			continue;
		k++;
		r = vt_run_case(&vt_cases[i]);
		if (r == 2) {
			if (getenv("VT_NOFORK"))
				printf("ok %d - %s # SKIP %s\n", k, vt_cases[i].name,
				       vt_skip_reason);
			else
				printf("ok %d - %s # SKIP\n", k, vt_cases[i].name);
		} else if (r == 0) {
			printf("ok %d - %s\n", k, vt_cases[i].name);
		} else {
			printf("not ok %d - %s\n", k, vt_cases[i].name);
			failed++;
		}
	}
	return failed ? 1 : 0;
}

#endif /* VT_HARNESS_H */
