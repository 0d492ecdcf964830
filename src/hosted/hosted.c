/* SPDX-License-Identifier: MIT */
/*
 * Hosted glue: vmalloc_init() and the zero-code default (configuration
 * from the environment), the platform hooks every hosted engine shares
 * (pthread locks, stderr logging, metadata from malloc/mmap, thread ids),
 * fork(), and the hosted-only API (vmallocinfo_print, user ranges).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <unistd.h>

#include "engine.h"
#include "uvma.h"

/* The core's logger (so engine lines reach the log hook too). */
void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(struct vm_plat_lock),
	       "pthread_mutex_t must fit in struct vm_plat_lock");

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vm_platform platform;		/* valid while initialised */
static const struct hosted_engine *engine;	/* NULL when not initialised;
						   written under init_lock, read
						   without it by vmalloc_engine() */
static bool quiet;
static struct vmalloc_config running_cfg;	/* what is running */
static bool child_restart;			/* forked: start over with it */
static int auto_err;		/* an automatic initialisation failed so */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* ------------------------------------------------------------------ */
/* Shared platform hooks                                               */
/* ------------------------------------------------------------------ */

void *hosted_map_zeroed(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void hosted_unmap(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

/*
 * Metadata. Small blocks come from malloc, large ones (the frame array,
 * the block directory) from mmap, so that they are reserved lazily.
 *
 * Every block is also noted in a table of live blocks, for two reasons:
 *  - LeakSanitizer does not scan mmap()ed memory. A malloc()ed block that
 *    only an mmap()ed one points to (a leaf of the block directory) would
 *    be reported as leaked by a program that exits without
 *    vmalloc_exit(); the table keeps every block reachable from here.
 *    (Registering the mmap()ed blocks as LSan root regions would cover
 *    that case too, but not the next one.)
 *  - A child after fork() forgets its parent's instance (the core leaves
 *    that metadata alone: it describes the parent's memory). The child's
 *    copies of those blocks are its own, though: the table lets it free
 *    them, instead of leaking them (and LeakSanitizer reporting them).
 * Metadata blocks are few and large (slab chunks of 64 KiB, arrays), so
 * the table costs one hash operation per block.
 */
#define META_MMAP_MIN	(256UL * 1024)

struct meta_block {
	void *p;			/* NULL: an empty slot */
	size_t size;
};

static pthread_mutex_t meta_lock = PTHREAD_MUTEX_INITIALIZER;
static struct meta_block *meta_tab;	/* open addressing, linear probing */
static size_t meta_cap, meta_live;	/* cap: 0 or a power of two */

static size_t meta_slot(const void *p, size_t cap)
{
	return (size_t)(((uintptr_t)p >> 6) * 0x9e3779b97f4a7c15ULL >> 16) &
	       (cap - 1);
}

/* meta_lock held. Return false when the table cannot grow. */
static bool meta_note_locked(void *p, size_t size)
{
	size_t i;

	if ((meta_live + 1) * 2 > meta_cap) {
		size_t cap = meta_cap ? meta_cap * 2 : 256, j;
		struct meta_block *t = calloc(cap, sizeof(*t));

		if (!t)
			return false;
		for (j = 0; j < meta_cap; j++) {
			if (!meta_tab[j].p)
				continue;
			for (i = meta_slot(meta_tab[j].p, cap); t[i].p;
			     i = (i + 1) & (cap - 1))
				;
			t[i] = meta_tab[j];
		}
		free(meta_tab);
		meta_tab = t;
		meta_cap = cap;
	}
	for (i = meta_slot(p, meta_cap); meta_tab[i].p; i = (i + 1) & (meta_cap - 1))
		;
	meta_tab[i].p = p;
	meta_tab[i].size = size;
	meta_live++;
	return true;
}

/* meta_lock held: forget @p (backward-shift deletion keeps probes whole). */
static void meta_forget_locked(const void *p)
{
	size_t i, j, k;

	if (!meta_cap)
		return;
	for (i = meta_slot(p, meta_cap); meta_tab[i].p != p;
	     i = (i + 1) & (meta_cap - 1))
		if (!meta_tab[i].p)
			return;
	meta_tab[i].p = NULL;
	meta_live--;
	for (j = (i + 1) & (meta_cap - 1); meta_tab[j].p;
	     j = (j + 1) & (meta_cap - 1)) {
		k = meta_slot(meta_tab[j].p, meta_cap);
		/* Move j back to i unless its home lies in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			meta_tab[i] = meta_tab[j];
			meta_tab[j].p = NULL;
			i = j;
		}
	}
	if (!meta_live) {
		free(meta_tab);
		meta_tab = NULL;
		meta_cap = 0;
	}
}

static void meta_release(void *p, size_t size)
{
	if (size >= META_MMAP_MIN)
		hosted_unmap(p, size);
	else
		free(p);
}

static void *meta_alloc(void *ctx, size_t size)
{
	void *p = NULL;
	bool noted;

	(void)ctx;
	if (size >= META_MMAP_MIN) {
		p = hosted_map_zeroed(size);
		if (!p)
			return NULL;
	} else {
		if (posix_memalign(&p, size >= PAGE_SIZE ? PAGE_SIZE : 64, size))
			return NULL;
		memset(p, 0, size);
	}
	pthread_mutex_lock(&meta_lock);
	noted = meta_note_locked(p, size);
	pthread_mutex_unlock(&meta_lock);
	if (!noted) {
		meta_release(p, size);
		return NULL;
	}
	return p;
}

static void meta_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	pthread_mutex_lock(&meta_lock);
	meta_forget_locked(p);
	pthread_mutex_unlock(&meta_lock);
	meta_release(p, size);
}

/* In a forked child: free the copies of the forgotten instance's blocks. */
static void meta_free_all(void)
{
	size_t i;

	for (i = 0; i < meta_cap; i++)
		if (meta_tab[i].p)
			meta_release(meta_tab[i].p, meta_tab[i].size);
	free(meta_tab);
	meta_tab = NULL;
	meta_cap = meta_live = 0;
}

/*
 * Plain (PTHREAD_MUTEX_NORMAL) mutexes: an uncontended lock/unlock pair
 * costs about 4 ns here, against 9.5 ns for the adaptive kind.
 */
static void lock_init(void *ctx, struct vm_plat_lock *l)
{
	(void)ctx;
	pthread_mutex_init((pthread_mutex_t *)(void *)l->opaque, NULL);
}

static void lock_destroy(void *ctx, struct vm_plat_lock *l)
{
	(void)ctx;
	pthread_mutex_destroy((pthread_mutex_t *)(void *)l->opaque);
}

static void lock(void *ctx, struct vm_plat_lock *l)
{
	(void)ctx;
	pthread_mutex_lock((pthread_mutex_t *)(void *)l->opaque);
}

static void unlock(void *ctx, struct vm_plat_lock *l)
{
	(void)ctx;
	pthread_mutex_unlock((pthread_mutex_t *)(void *)l->opaque);
}

static uintptr_t self(void *ctx)
{
	(void)ctx;
	return (uintptr_t)pthread_self();
}

/*
 * The current CPU: glibc registers an rseq area for every thread, whose
 * cpu_id the kernel keeps current; reading it costs two loads, against
 * some thirty instructions for sched_getcpu() (which reads it too).
 * Without rseq (an older glibc, or under valgrind, which refuses the
 * system call) the thread keeps the answer of sched_getcpu() for
 * CPU_REREAD calls: the core uses the CPU only to pick which per-CPU
 * list (under its own lock) to use, so a stale id costs locality, never
 * correctness.
 */
#define CPU_REREAD	64
static __thread unsigned int cpu_cached, cpu_uses;

static unsigned int cpu(void *ctx)
{
	int c;

	(void)ctx;
#if defined(__x86_64__)
	if (__rseq_size) {
		const char *tp;

		__asm__("mov %%fs:0, %0" : "=r"(tp));
		c = (int)__atomic_load_n(&((const struct rseq *)(const void *)
					   (tp + __rseq_offset))->cpu_id,
					 __ATOMIC_RELAXED);
		if (c >= 0)
			return (unsigned int)c;
	}
#endif
	if (cpu_uses--)
		return cpu_cached;
	cpu_uses = CPU_REREAD - 1;
	c = sched_getcpu();
	cpu_cached = c < 0 ? 0 : (unsigned int)c;
	return cpu_cached;
}

static void log_line(void *ctx, int level, const char *line)
{
	(void)ctx;
	if (quiet || level >= VM_LOG_DEBUG)
		return;
	fprintf(stderr, "libvmalloc: %s\n", line);
}

static const char *symbolize(void *ctx, const void *addr, char *buf,
			     size_t len)
{
	Dl_info info;

	(void)ctx;
	if (!dladdr(addr, &info) || !info.dli_sname)
		return NULL;
	snprintf(buf, len, "%s+0x%lx", info.dli_sname,
		 (unsigned long)((const char *)addr - (const char *)info.dli_saddr));
	return buf;
}

/*
 * A line from before the core is up (configuration, engine set-up): the
 * core's logger would drop it for want of a platform when no hook is set,
 * and a user who is told nothing cannot fix the environment. To the hook
 * if there is one, else to stderr unless quiet.
 */
static void early_log(int level, const char *line)
{
	vmalloc_log_fn hook = vm_log_hook();

	if (hook)
		hook(level, line);
	else
		log_line(NULL, level, line);
}

void hosted_log(int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (vmalloc_core_ready())
		vm_log(level, "%s", line);
	else
		early_log(level, line);
}

void hosted_release_refused(bool *logged, const char *name,
			    const char *how, unsigned long nr, int err)
{
	if (__atomic_exchange_n(logged, true, __ATOMIC_RELAXED))
		return;
	hosted_log(VM_LOG_WARNING,
		   "%s: cannot release %lu frames to the OS (%s): %s; freed memory stays resident (reported once)",
		   name, nr, how, strerror(err));
}

const char *hosted_as_limit_note(char *buf, size_t len)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return "";
	snprintf(buf, len, "; the address-space limit (ulimit -v) is %lu MiB",
		 (unsigned long)(rl.rlim_cur >> 20));
	return buf;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/* Configuration errors come before the core runs: see early_log(). */
static void config_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void config_error(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	early_log(VM_LOG_ERR, line);
}

/* The largest values accepted (the core takes at most 2^32 - 2 frames). */
#define MAX_PHYS_MB	((1UL << 24) - 1)
#define MAX_SIZE_MB	(1UL << 26)

/*
 * One numeric setting: the struct vmalloc_config field when it is set
 * (nonzero), else the environment variable, else @dflt. Checked against
 * [min, max] at full width, before any narrowing. Return false (with one
 * line naming the setting and the allowed range) when it is bad.
 */
static bool setting(const char *env, const char *field, unsigned long cfg_val,
		    unsigned long dflt, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	const char *s;
	char *end;
	bool hex;
	unsigned long v;

	if (cfg_val) {
		if (cfg_val < min || cfg_val > max) {
			config_error("vmalloc_config.%s = %lu is out of range (%lu .. %lu)",
				     field, cfg_val, min, max);
			return false;
		}
		*out = cfg_val;
		return true;
	}
	s = getenv(env);
	if (!s || !*s) {
		*out = dflt;
		return true;
	}
	/*
	 * Decimal, or hex after 0x: no sign, no blanks (strtoul skips them),
	 * and no octal (a leading 0 is read as decimal: 0100 is 100).
	 */
	errno = 0;
	hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	v = strtoul(s, &end, hex ? 16 : 10);
	if (s[0] < '0' || s[0] > '9' || *end) {
		config_error("%s=%s is not a number (decimal or 0x hex)", env, s);
		return false;
	}
	if (errno == ERANGE || v < min || v > max) {
		config_error("%s=%s is out of range (%lu .. %lu)", env, s, min, max);
		return false;
	}
	*out = v;
	return true;
}

static const struct hosted_engine *find_engine(const char *name)
{
	if (!strcmp(name, "soft"))
		return &vm_soft_engine;
	if (!strcmp(name, "host"))
		return &vm_host_engine;
	return NULL;
}

/*
 * The page-table formats the core knows (vm_platform.mmu), by the name
 * VMALLOC_MMU and vmalloc_config.mmu use; the first is the default.
 */
static const char *const mmu_names[] = { "x86_64", "x86_64-la57", "aarch64" };

/* The format from the config, else VMALLOC_MMU, else x86_64; NULL: bad. */
static const char *find_mmu(const struct vmalloc_config *cfg)
{
	const char *name = cfg->mmu, *what = "vmalloc_config.mmu = ";
	unsigned int i;

	if (!name) {
		name = getenv("VMALLOC_MMU");
		what = "VMALLOC_MMU=";
	}
	if (!name || !*name)
		return mmu_names[0];
	for (i = 0; i < sizeof(mmu_names) / sizeof(mmu_names[0]); i++)
		if (!strcmp(name, mmu_names[i]))
			return mmu_names[i];
	config_error("%s%s is not a page-table format (x86_64, x86_64-la57, aarch64)",
		     what, name);
	return NULL;
}

static void fill_common(struct vm_platform *p)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	p->meta_alloc = meta_alloc;
	p->meta_free = meta_free;
	p->lock_init = lock_init;
	p->lock_destroy = lock_destroy;
	p->lock = lock;
	p->unlock = unlock;
	p->self = self;
	p->cpu = cpu;
	p->ncpus = n > 0 ? (unsigned int)n : 1;
	p->log = log_line;
	p->symbolize = symbolize;
}

/*
 * fork(): before the child runs, the engine makes the parent's memory
 * unreachable in it (engine->forget: a pointer the child inherited faults
 * or finds nothing, and its next instance is placed elsewhere), so the
 * child can neither read, write nor free the parent's vmalloc memory, and
 * sees none of the parent's later changes. The child's copy of the library
 * state describes memory it does not have: the core forgets it, its
 * metadata blocks (the child's own copies) are freed, and the next call in
 * the child starts a fresh instance with the parent's configuration.
 *
 * The locks of the tables the child frees are held across fork(), so the
 * child's copies are whole.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&init_lock);
	uvma_fork_prepare();
	pthread_mutex_lock(&meta_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&meta_lock);
	uvma_fork_parent();
	pthread_mutex_unlock(&init_lock);
}

static void atfork_child(void)
{
	pthread_mutex_unlock(&meta_lock);
	uvma_fork_child();
	if (engine) {
		vmalloc_core_forget();
		engine->forget(platform.ctx);
		meta_free_all();
		__atomic_store_n(&engine, NULL, __ATOMIC_RELEASE);
		child_restart = true;
	}
	pthread_mutex_unlock(&init_lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* The area cache's settings: the core's limits (base/core.h). */
#define CACHE_UNSET		ULONG_MAX
#define CACHE_PAGES_MAX		(1UL << 24)
#define CACHE_AREAS_MAX		(1UL << 16)

/* Every setting after defaults and the environment; false when one is bad. */
static bool settings(const struct vmalloc_config *cfg,
		     const struct hosted_engine *eng, struct engine_config *ec)
{
	unsigned long nodes, fast, cache_pages, cache_areas;
	bool ok = true;

	memset(ec, 0, sizeof(*ec));
	ok &= setting("VMALLOC_PHYS_MB", "phys_mb", cfg->phys_mb, 1024, 1,
		      MAX_PHYS_MB, &ec->phys_mb);
	ok &= setting("VMALLOC_NODES", "nodes", cfg->nodes, 1, 1,
		      VMALLOC_MAX_NODES, &nodes);
	ok &= setting("VMALLOC_SIZE_MB", "vmalloc_size_mb", cfg->vmalloc_size_mb,
		      eng->default_vmalloc_size_mb, 1, MAX_SIZE_MB,
		      &ec->vmalloc_size_mb);
	ok &= setting("VMALLOC_LAZY_PAGES", "lazy_max_pages",
		      cfg->lazy_max_pages, 0, 0, ULONG_MAX, &ec->lazy_max_pages);
	ok &= setting("VMALLOC_RESERVE_PAGES", "reserve_pages",
		      cfg->reserve_pages, 0, 0, ULONG_MAX, &ec->reserve_pages);
	ok &= setting("VMALLOC_FAST_PATH", "no_fast_path", 0, 1, 0, 1, &fast);
	/*
	 * The area cache: 0 in the environment turns it off (0 in the
	 * struct is unset); unset everywhere, the core's default (0).
	 */
	ok &= setting("VMALLOC_CACHE_PAGES", "cache_pages", cfg->cache_pages,
		      CACHE_UNSET, 0, CACHE_PAGES_MAX, &cache_pages);
	ok &= setting("VMALLOC_CACHE_AREAS", "cache_areas", cfg->cache_areas,
		      CACHE_UNSET, 0, CACHE_AREAS_MAX, &cache_areas);
	if (cfg->vmalloc_start & ~PAGE_MASK) {
		config_error("vmalloc_config.vmalloc_start = 0x%lx is not page aligned",
			     cfg->vmalloc_start);
		ok = false;
	}
	ec->mmu = find_mmu(cfg);
	if (!ec->mmu)
		ok = false;
	ec->nodes = (unsigned int)nodes;	/* at most VMALLOC_MAX_NODES */
	ec->vmalloc_start = cfg->vmalloc_start;
	ec->no_fast_path = cfg->no_fast_path || !fast;
	ec->no_cache = cfg->no_cache || !cache_pages || !cache_areas;
	ec->cache_pages = cache_pages == CACHE_UNSET ? 0 : cache_pages;
	ec->cache_areas = cache_areas == CACHE_UNSET ? 0 : cache_areas;
	return ok;
}

/* The first release's struct vmalloc_config ended with quiet. */
#define CONFIG_SIZE_V1	VM_SIZE_THROUGH(struct vmalloc_config, quiet)

/* init_lock held. */
static int init_locked(const struct vmalloc_config *cfg_in)
{
	struct vmalloc_config config = { .sz = sizeof(config) };
	const struct vmalloc_config *cfg = &config;
	const struct hosted_engine *eng;
	struct engine_config ec;
	struct vmalloc_tunables tun;
	const char *name, *why;
	int err;

	if (vmalloc_core_ready())
		return -EBUSY;
	pthread_once(&atfork_once, register_atfork);
	if (cfg_in) {
		why = vm_opts_problem(cfg_in, sizeof(config), CONFIG_SIZE_V1);
		if (why) {
			quiet = getenv("VMALLOC_QUIET") != NULL;
			config_error("struct vmalloc_config with sz %zu refused: %s",
				     cfg_in->sz, why);
			return -EINVAL;
		}
		vm_opts_take(&config, sizeof(config), cfg_in);
	}
	quiet = cfg->quiet || getenv("VMALLOC_QUIET");
	name = cfg->engine ? cfg->engine : getenv("VMALLOC_ENGINE");
	if (!name || !*name)
		name = "host";
	eng = find_engine(name);
	if (!eng) {
		config_error("unknown engine '%s' (soft, host)", name);
		return -EINVAL;
	}
	if (!settings(cfg, eng, &ec))
		return -EINVAL;

	memset(&platform, 0, sizeof(platform));
	platform.sz = sizeof(platform);
	fill_common(&platform);
	platform.mmu = ec.mmu;
	err = eng->setup(&ec, &platform);
	if (err)
		return err;
	tun.sz = sizeof(tun);
	tun.lazy_max_pages = ec.lazy_max_pages;
	tun.reserve_pages = ec.reserve_pages;
	tun.no_fast_path = ec.no_fast_path;
	tun.cache_pages = ec.cache_pages;
	tun.cache_areas = ec.cache_areas;
	tun.no_cache = ec.no_cache;
	err = vmalloc_core_init(&platform, &tun);
	if (err) {
		eng->teardown(platform.ctx);
		return err;
	}
	__atomic_store_n(&engine, eng, __ATOMIC_RELEASE);
	running_cfg = *cfg;
	running_cfg.engine = eng->name;
	running_cfg.mmu = ec.mmu;	/* ours, not the caller's string */
	auto_err = 0;
	return 0;
}

int vmalloc_init(const struct vmalloc_config *cfg)
{
	int err;

	pthread_mutex_lock(&init_lock);
	err = init_locked(cfg);
	pthread_mutex_unlock(&init_lock);
	return err;
}

/*
 * The first API call without vmalloc_init(). A failure (a bad variable,
 * no memory) is reported once and remembered: every later call would
 * fail the same way, and a line per call helps nobody. vmalloc_init()
 * tries again (and reports again); vmalloc_exit() forgets the failure.
 */
int vm_platform_autoinit(void)
{
	int err = 0;

	pthread_mutex_lock(&init_lock);
	if (!vmalloc_core_ready()) {
		if (auto_err && !child_restart) {
			err = auto_err;
		} else {
			err = init_locked(child_restart ? &running_cfg : NULL);
			auto_err = err;
		}
	}
	child_restart = false;
	pthread_mutex_unlock(&init_lock);
	return err;
}

long vmalloc_exit(void)
{
	long left = 0;

	pthread_mutex_lock(&init_lock);
	if (engine) {
		left = vmalloc_core_exit();
		engine->teardown(platform.ctx);
		__atomic_store_n(&engine, NULL, __ATOMIC_RELEASE);
	}
	child_restart = false;
	auto_err = 0;
	pthread_mutex_unlock(&init_lock);
	return left;
}

const char *vmalloc_engine(void)
{
	/* Lock-free: a first call may be initialising concurrently. */
	const struct hosted_engine *e = __atomic_load_n(&engine, __ATOMIC_ACQUIRE);

	return e ? e->name : NULL;
}

/* ------------------------------------------------------------------ */
/* Hosted-only API                                                     */
/* ------------------------------------------------------------------ */

long vmallocinfo_print(FILE *out)
{
	size_t cap = 4096, n;
	char *buf;

	if (!out)
		return -EINVAL;
	for (;;) {
		buf = malloc(cap);
		if (!buf)
			return -ENOMEM;
		n = vmallocinfo(buf, cap);
		if (n < cap)
			break;
		free(buf);
		cap = n + 4096;		/* areas may appear meanwhile */
	}
	if (fwrite(buf, 1, n, out) != n) {
		free(buf);
		return -EIO;
	}
	free(buf);
	return (long)n;
}

int vm_user_range_reserve(struct vm_area_struct *vma, unsigned long size)
{
	unsigned long start;
	int err;

	if (!vma || !size || (size & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (vm_platform_autoinit() || !engine)
		return -ENODEV;
	err = engine->user_reserve(platform.ctx, size, &start);
	if (err)
		return err;
	err = uvma_create(vma, start, size);
	if (err && engine->user_unreserve)
		engine->user_unreserve(platform.ctx, start, size);
	return err;
}

/*
 * A vma that is not a live range of this instance (released already, a
 * copy of one, from before vmalloc_exit() or from a parent process) is
 * not found, and nothing happens.
 */
void vm_user_range_release(struct vm_area_struct *vma)
{
	if (vma && engine)
		uvma_release(platform.ctx, vma, engine->user_unreserve);
}

unsigned long vm_user_range_pfn(const struct vm_area_struct *vma,
				unsigned long uaddr)
{
	if (!vma || !engine || uaddr < vma->vm_start || uaddr >= vma->vm_end)
		return 0;
	return uvma_pfn(vma, uaddr);
}
