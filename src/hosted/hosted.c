/* SPDX-License-Identifier: MIT */
/*
 * Hosted glue: vmalloc_init() and the zero-code default (configuration
 * from the environment), the platform hooks every hosted engine shares
 * (pthread locks, stderr logging, metadata from malloc/mmap, thread ids),
 * and the hosted-only API (vmallocinfo_print, user ranges).
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
#include <sys/rseq.h>
#include <unistd.h>

#include "engine.h"

/* The core's logger (so engine lines reach the log hook too). */
void vm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(struct vm_plat_lock),
	       "pthread_mutex_t must fit in struct vm_plat_lock");

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vm_platform platform;		/* valid while initialised */
static const struct hosted_engine *engine;	/* NULL when not initialised */
static bool quiet;
static struct vmalloc_config running_cfg;	/* what is running */
static bool child_restart;			/* forked: start over with it */
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

#define META_MMAP_MIN	(256UL * 1024)

static void *meta_alloc(void *ctx, size_t size)
{
	void *p = NULL;

	(void)ctx;
	if (size >= META_MMAP_MIN)
		return hosted_map_zeroed(size);
	if (posix_memalign(&p, size >= PAGE_SIZE ? PAGE_SIZE : 64, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

static void meta_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	if (size >= META_MMAP_MIN)
		hosted_unmap(p, size);
	else
		free(p);
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
 */
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
	c = sched_getcpu();
	return c < 0 ? 0 : (unsigned int)c;
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

void hosted_log(int level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vm_log(level, "%s", line);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/* Configuration errors come before the core runs: stderr, unless quiet. */
static void config_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void config_error(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fputs("libvmalloc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A whole number from the environment; *ok goes false on garbage. */
static unsigned long env_number(const char *name, unsigned long dflt,
				bool *ok)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || s[0] == '-') {
		config_error("%s=%s is not a number", name, s);
		*ok = false;
		return dflt;
	}
	return v;
}

static const struct hosted_engine *find_engine(const char *name)
{
	if (!strcmp(name, "soft"))
		return &vm_soft_engine;
	if (!strcmp(name, "host"))
		return &vm_host_engine;
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
 * fork(): before the child runs, its copies of the engine's mappings are
 * unmapped (the engine's teardown), so the child can neither read, write
 * nor free the parent's vmalloc memory, and sees none of the parent's
 * later changes. Its copy of the library state describes memory it does
 * not have: it is forgotten (never freed: that memory is gone), and the
 * next call in the child starts a fresh instance with the parent's
 * configuration.
 */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&init_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&init_lock);
}

static void atfork_child(void)
{
	if (engine) {
		vmalloc_core_forget();
		engine->teardown(platform.ctx);
		engine = NULL;
		child_restart = true;
	}
	pthread_mutex_unlock(&init_lock);
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* init_lock held. */
static int init_locked(const struct vmalloc_config *cfg)
{
	static const struct vmalloc_config none;
	const struct hosted_engine *eng;
	struct engine_config ec;
	struct vmalloc_tunables tun;
	const char *name;
	bool ok = true;
	int err;

	if (vmalloc_core_ready())
		return -EBUSY;
	pthread_once(&atfork_once, register_atfork);
	if (!cfg)
		cfg = &none;
	quiet = cfg->quiet || getenv("VMALLOC_QUIET");
	name = cfg->engine ? cfg->engine : getenv("VMALLOC_ENGINE");
	if (!name || !*name)
		name = "host";
	eng = find_engine(name);
	if (!eng) {
		config_error("unknown engine '%s' (soft, host)", name);
		return -EINVAL;
	}
	memset(&ec, 0, sizeof(ec));
	ec.phys_mb = cfg->phys_mb ? cfg->phys_mb :
		     env_number("VMALLOC_PHYS_MB", 1024, &ok);
	ec.nodes = cfg->nodes ? cfg->nodes :
		   (unsigned int)env_number("VMALLOC_NODES", 1, &ok);
	ec.vmalloc_size_mb = cfg->vmalloc_size_mb ? cfg->vmalloc_size_mb :
			     env_number("VMALLOC_SIZE_MB",
					eng->default_vmalloc_size_mb, &ok);
	ec.vmalloc_start = cfg->vmalloc_start;
	ec.lazy_max_pages = cfg->lazy_max_pages ? cfg->lazy_max_pages :
			    env_number("VMALLOC_LAZY_PAGES", 0, &ok);
	ec.reserve_pages = cfg->reserve_pages ? cfg->reserve_pages :
			   env_number("VMALLOC_RESERVE_PAGES", 0, &ok);
	ec.no_fast_path = cfg->no_fast_path ||
			  !env_number("VMALLOC_FAST_PATH", 1, &ok);
	if (!ok)
		return -EINVAL;
	if (!ec.phys_mb || ec.phys_mb > (1UL << 24) || !ec.nodes ||
	    ec.nodes > VMALLOC_MAX_NODES || !ec.vmalloc_size_mb ||
	    ec.vmalloc_size_mb > (1UL << 26)) {
		config_error("bad configuration (phys %lu MiB, %u nodes, range %lu MiB)",
			     ec.phys_mb, ec.nodes, ec.vmalloc_size_mb);
		return -EINVAL;
	}

	memset(&platform, 0, sizeof(platform));
	fill_common(&platform);
	err = eng->setup(&ec, &platform);
	if (err)
		return err;
	tun.lazy_max_pages = ec.lazy_max_pages;
	tun.reserve_pages = ec.reserve_pages;
	tun.no_fast_path = ec.no_fast_path;
	err = vmalloc_core_init(&platform, &tun);
	if (err) {
		eng->teardown(platform.ctx);
		return err;
	}
	engine = eng;
	running_cfg = *cfg;
	running_cfg.engine = eng->name;
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

int vm_platform_autoinit(void)
{
	int err = 0;

	pthread_mutex_lock(&init_lock);
	if (!vmalloc_core_ready())
		err = init_locked(child_restart ? &running_cfg : NULL);
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
		engine = NULL;
	}
	child_restart = false;
	pthread_mutex_unlock(&init_lock);
	return left;
}

const char *vmalloc_engine(void)
{
	return engine ? engine->name : NULL;
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
	if (!vma || !size || (size & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (vm_platform_autoinit() || !engine)
		return -ENODEV;
	return engine->user_reserve(platform.ctx, vma, size);
}

void vm_user_range_release(struct vm_area_struct *vma)
{
	if (vma && engine && vma->vm_mm)
		engine->user_release(platform.ctx, vma);
}

unsigned long vm_user_range_pfn(const struct vm_area_struct *vma,
				unsigned long uaddr)
{
	if (!vma || !engine || uaddr < vma->vm_start || uaddr >= vma->vm_end)
		return 0;
	return engine->user_pfn(platform.ctx, vma, uaddr & PAGE_MASK);
}
