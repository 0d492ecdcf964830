/* SPDX-License-Identifier: MIT */
/*
 * The host engine: vmalloc on real, dereferenceable memory in a Linux
 * process.
 *
 *  physical memory   one memfd; frame pfn is the 4 KiB at file offset
 *                    (pfn - HOST_BASE_PFN) * PAGE_SIZE. The file grows
 *                    (ftruncate) as the core's zones grow, and frames the
 *                    core releases are hole-punched, so the process's
 *                    memory follows its live vmalloc memory.
 *  direct map        one MAP_SHARED mapping of the whole pool:
 *                    page_address() points there.
 *  vmalloc range     one PROT_NONE, MAP_NORESERVE reservation made at set-up;
 *                    VMALLOC_START/END are its bounds.
 *  page tables       the core's software tables stay the truth; sync_map
 *                    makes a run of PTEs real with one mmap(MAP_FIXED |
 *                    MAP_SHARED) of the frames' file range, with the PTE's
 *                    protection; sync_unmap puts the PROT_NONE reservation
 *                    back. The core's lazy purge calls sync_unmap once per
 *                    run of adjacent freed areas, so frees batch into few
 *                    system calls.
 *
 * Each mapped run is one kernel VMA, and the reservation between runs is
 * split into more: vm.max_map_count (65530 by default) bounds the number of
 * live areas to about half that. A refused mmap becomes -ENOMEM with one
 * log line that names the limit.
 *
 * fork(): the child's copy of every mapping of the engine (the direct map,
 * the reservation with everything mapped in it, the user ranges) is
 * unmapped by the hosted layer's fork handler before the child runs (see
 * hosted.c), so the child never sees the parent's vmalloc memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../hosted/engine.h"
#include "../../hosted/uvma.h"

#define HOST_BASE_PFN	256UL		/* frames start at 1 MiB "physical" */
#define GROW_STEP	(64UL << 20)	/* the file grows at least this much */
#define MPOL_BIND_MODE	2		/* <linux/mempolicy.h> MPOL_BIND */
#define POPULATE_MIN	4		/* pages: prefault runs this long */

/* A user range made by vm_user_range_reserve(). */
struct user_range {
	struct user_range *next;
	unsigned long start, len;
};

struct host_ctx {
	int fd;
	unsigned char *direct;
	unsigned long pool_bytes;
	unsigned char *vbase;
	unsigned long vsize;
	pthread_mutex_t grow_lock;	/* file_bytes and the ftruncate */
	unsigned long file_bytes;
	unsigned long syscalls;		/* atomic counter */
	pthread_mutex_t user_lock;	/* users */
	struct user_range *users;
};

static void counted(struct host_ctx *c)
{
	__atomic_fetch_add(&c->syscalls, 1, __ATOMIC_RELAXED);
}

static unsigned long file_offset(unsigned long pfn)
{
	return (pfn - HOST_BASE_PFN) << PAGE_SHIFT;
}

static long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void log_map_failure(int err, const char *what, unsigned long va,
			    unsigned long len)
{
	if (err == ENOMEM)
		hosted_log(VM_LOG_ERR,
			   "host: %s of %lu KiB at 0x%lx failed: %s (the process may have reached vm.max_map_count=%ld mappings)",
			   what, len >> 10, va, strerror(err), max_map_count());
	else
		hosted_log(VM_LOG_ERR, "host: %s of %lu KiB at 0x%lx failed: %s",
			   what, len >> 10, va, strerror(err));
}

/* ------------------------------------------------------------------ */
/* Physical memory                                                     */
/* ------------------------------------------------------------------ */

static int host_grow(void *ctx, unsigned long pfn, unsigned long nr)
{
	struct host_ctx *c = ctx;
	unsigned long end = file_offset(pfn + nr), target;
	int err = 0;

	pthread_mutex_lock(&c->grow_lock);
	if (end > c->file_bytes) {
		target = (end + GROW_STEP - 1) / GROW_STEP * GROW_STEP;
		if (target > c->pool_bytes)
			target = c->pool_bytes;
		if (vm_fault_should_fail(VM_FAULT_HOST_GROW)) {
			err = ENOSPC;
		} else {
			counted(c);
			if (ftruncate(c->fd, (off_t)target))
				err = errno;
		}
		if (err)
			hosted_log(VM_LOG_ERR,
				   "host: cannot grow the memory file to %lu MiB: %s",
				   target >> 20, strerror(err));
		else
			c->file_bytes = target;
	}
	pthread_mutex_unlock(&c->grow_lock);
	return err ? -ENOMEM : 0;
}

/*
 * Frames whose contents may go: punch them out of the file. A punched
 * range reads as zero; when the punch is refused (a seccomp filter, a
 * file system without it) the contents stay, and the core is told so.
 */
static bool host_release(void *ctx, unsigned long pfn, unsigned long nr)
{
	struct host_ctx *c = ctx;
	int err = 0;

	if (vm_fault_should_fail(VM_FAULT_RELEASE)) {
		err = EPERM;
	} else {
		counted(c);
		if (fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)file_offset(pfn), (off_t)(nr << PAGE_SHIFT)))
			err = errno;
	}
	if (err)
		hosted_log(VM_LOG_WARNING, "host: cannot release %lu frames: %s",
			   nr, strerror(err));
	return !err;
}

/* ------------------------------------------------------------------ */
/* Making page tables real                                             */
/* ------------------------------------------------------------------ */

static int prot_of(uint64_t pte)
{
	int prot = PROT_READ;

	if (pte & _PAGE_RW)
		prot |= PROT_WRITE;
	if (!(pte & _PAGE_NX))
		prot |= PROT_EXEC;
	return prot;
}

static int map_frames(struct host_ctx *c, unsigned long va, unsigned long pfn,
		      unsigned long nr, int prot, const char *what)
{
	unsigned long len = nr << PAGE_SHIFT;
	void *p;
	int err;

	if (vm_fault_should_fail(VM_FAULT_HOST_MAP)) {
		err = ENOMEM;
	} else {
		counted(c);
		p = mmap((void *)va, len, prot, MAP_SHARED | MAP_FIXED |
			 (prot & PROT_WRITE || nr < POPULATE_MIN ? 0 :
			  MAP_POPULATE), c->fd,
			 (off_t)file_offset(pfn));
		err = p == MAP_FAILED ? errno : 0;
		/*
		 * The frames are resident: map them all now rather than one
		 * fault per page. MAP_POPULATE would map a shared writable
		 * range read-only (each first write would still fault). For
		 * a page or two the extra call costs more than the faults.
		 */
		if (!err && (prot & PROT_WRITE) && nr >= POPULATE_MIN) {
			counted(c);
			madvise(p, len, MADV_POPULATE_WRITE);
		}
	}
	if (err) {
		log_map_failure(err, what, va, len);
		return -err;
	}
	return 0;
}

static int host_sync_map(void *ctx, unsigned long va, unsigned long pfn,
			 unsigned long nr, uint64_t pte_flags)
{
	return map_frames(ctx, va, pfn, nr, prot_of(pte_flags), "mmap");
}

/* Put the PROT_NONE reservation back over [va, va + len). */
static void reserve_again(struct host_ctx *c, unsigned long va,
			  unsigned long len)
{
	void *p;

	counted(c);
	p = mmap((void *)va, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED && errno == ENOMEM) {
		/*
		 * A split may take the process one mapping past
		 * vm.max_map_count; from there the kernel refuses every
		 * mmap(), but munmap() still works and lowers the count. Refill
		 * the hole at once, without clobbering anything that another
		 * thread may have mapped there in between.
		 */
		counted(c);
		munmap((void *)va, len);
		counted(c);
		p = mmap((void *)va, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && p != (void *)va) {
			munmap(p, len);		/* an old kernel ignored the flag */
			p = MAP_FAILED;
			errno = EEXIST;
		}
	}
	if (p == MAP_FAILED)
		log_map_failure(errno, "unmap", va, len);
}

static void host_sync_unmap(void *ctx, unsigned long va, unsigned long len)
{
	reserve_again(ctx, va, len);
}

/* ------------------------------------------------------------------ */
/* User ranges                                                         */
/* ------------------------------------------------------------------ */

static int host_user_map(void *ctx, struct vm_area_struct *vma,
			 unsigned long uaddr, unsigned long pfn,
			 unsigned long nr)
{
	struct uvma *u = uvma_of(vma);
	int prot = 0, err;

	if (!u || !uvma_covers(u, uaddr, nr << PAGE_SHIFT))
		return -EINVAL;
	if (vma->vm_flags & VM_READ)
		prot |= PROT_READ;
	if (vma->vm_flags & VM_WRITE)
		prot |= PROT_WRITE;
	if (vma->vm_flags & VM_EXEC)
		prot |= PROT_EXEC;
	err = map_frames(ctx, uaddr, pfn, nr, prot, "user mmap");
	if (!err)
		uvma_set(u, uaddr, pfn, nr);
	return err;
}

static void host_user_unmap(void *ctx, struct vm_area_struct *vma,
			    unsigned long uaddr, unsigned long len)
{
	struct uvma *u = uvma_of(vma);

	if (!u || !uvma_covers(u, uaddr, len))
		return;
	reserve_again(ctx, uaddr, len);
	uvma_clear(u, uaddr, len);
}

static int host_user_reserve(void *ctx, struct vm_area_struct *vma,
			     unsigned long size)
{
	struct host_ctx *c = ctx;
	struct user_range *r = malloc(sizeof(*r));
	void *p;
	int err;

	if (!r)
		return -ENOMEM;
	counted(c);
	p = mmap(NULL, size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(r);
		return -ENOMEM;
	}
	err = uvma_create(vma, (unsigned long)p, size);
	if (err) {
		munmap(p, size);
		free(r);
		return err;
	}
	r->start = (unsigned long)p;
	r->len = size;
	pthread_mutex_lock(&c->user_lock);
	r->next = c->users;
	c->users = r;
	pthread_mutex_unlock(&c->user_lock);
	return 0;
}

static void host_user_release(void *ctx, struct vm_area_struct *vma)
{
	struct host_ctx *c = ctx;
	struct user_range **pr, *r = NULL;

	if (!uvma_of(vma))
		return;
	pthread_mutex_lock(&c->user_lock);
	for (pr = &c->users; *pr; pr = &(*pr)->next) {
		if ((*pr)->start == vma->vm_start) {
			r = *pr;
			*pr = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&c->user_lock);
	if (r) {
		munmap((void *)r->start, r->len);
		free(r);
	}
	uvma_destroy(vma);
}

static unsigned long host_user_pfn(void *ctx, const struct vm_area_struct *vma,
				   unsigned long uaddr)
{
	struct uvma *u = uvma_of(vma);

	(void)ctx;
	return u && uvma_covers(u, uaddr, PAGE_SIZE) ? uvma_pfn(u, uaddr) : 0;
}

/* ------------------------------------------------------------------ */
/* NUMA                                                                */
/* ------------------------------------------------------------------ */

static unsigned int host_numa_nodes(void)
{
	FILE *f = fopen("/sys/devices/system/node/online", "r");
	unsigned int lo = 0, hi = 0;
	int n;

	if (!f)
		return 1;
	n = fscanf(f, "%u-%u", &lo, &hi);
	fclose(f);
	return n == 2 && hi > lo ? hi - lo + 1 : 1;
}

/*
 * Bind pool node i's part of the file to host node i modulo the host's
 * nodes. Failures only lose locality: log them and go on.
 */
static void bind_nodes(struct host_ctx *c, unsigned int nodes)
{
	unsigned int host = host_numa_nodes(), i;
	unsigned long frames = c->pool_bytes >> PAGE_SHIFT, per = frames / nodes;

	if (nodes < 2)
		return;
	if (host < 2) {
		hosted_log(VM_LOG_INFO,
			   "host: one NUMA node here: the %u pool nodes share it",
			   nodes);
		return;
	}
	for (i = 0; i < nodes; i++) {
		unsigned long first = i * per;
		unsigned long count = i + 1 == nodes ? frames - first : per;
		unsigned long mask = 1UL << (i % host);
		long r;

		if (vm_fault_should_fail(VM_FAULT_HOST_BIND)) {
			r = -1;
			errno = EIO;
		} else {
			counted(c);
			r = syscall(SYS_mbind, c->direct + (first << PAGE_SHIFT),
				    count << PAGE_SHIFT, MPOL_BIND_MODE, &mask,
				    sizeof(mask) * 8, 0);
		}
		if (r)
			hosted_log(VM_LOG_WARNING,
				   "host: cannot bind pool node %u to host node %u: %s",
				   i, i % host, strerror(errno));
	}
}

/* ------------------------------------------------------------------ */
/* Statistics, set-up                                                  */
/* ------------------------------------------------------------------ */

/* Kernel VMAs inside the vmalloc reservation (from /proc/self/maps). */
static unsigned long count_mappings(struct host_ctx *c)
{
	unsigned long lo = (unsigned long)c->vbase, hi = lo + c->vsize, n = 0;
	unsigned long s, e;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s >= lo && e <= hi)
			n++;
	fclose(f);
	return n;
}

static void host_stats(void *ctx, struct vmalloc_stats *st)
{
	struct host_ctx *c = ctx;

	st->host_mappings = count_mappings(c);
	st->host_syscalls = __atomic_load_n(&c->syscalls, __ATOMIC_RELAXED);
}

/*
 * Unmap everything (also in a child after fork(), where these are the
 * inherited copies of the parent's mappings) and free the context.
 */
static void host_teardown(void *ctx)
{
	struct host_ctx *c = ctx;

	while (c->users) {
		struct user_range *r = c->users;

		c->users = r->next;
		munmap((void *)r->start, r->len);
		free(r);
	}
	pthread_mutex_destroy(&c->user_lock);
	if (c->vbase)
		munmap(c->vbase - PAGE_SIZE, c->vsize + 2 * PAGE_SIZE);
	if (c->direct)
		munmap(c->direct, c->pool_bytes);
	if (c->fd >= 0)
		close(c->fd);
	pthread_mutex_destroy(&c->grow_lock);
	free(c);
}

static int host_setup(const struct engine_config *cfg, struct vm_platform *p)
{
	struct host_ctx *c = calloc(1, sizeof(*c));
	void *m;

	if (!c)
		return -ENOMEM;
	c->fd = -1;
	pthread_mutex_init(&c->grow_lock, NULL);
	pthread_mutex_init(&c->user_lock, NULL);
	c->pool_bytes = cfg->phys_mb << 20;
	c->vsize = cfg->vmalloc_size_mb << 20;
	if (cfg->vmalloc_start) {
		hosted_log(VM_LOG_ERR, "host: the range is placed by the kernel; "
			   "vmalloc_start is for the soft engine");
		goto fail_inval;
	}
	c->fd = memfd_create("libvmalloc", MFD_CLOEXEC);
	if (c->fd < 0) {
		hosted_log(VM_LOG_ERR, "host: memfd_create: %s", strerror(errno));
		goto fail;
	}
	m = mmap(NULL, c->pool_bytes, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, c->fd, 0);
	if (m == MAP_FAILED) {
		hosted_log(VM_LOG_ERR, "host: cannot map %lu MiB of pool: %s",
			   cfg->phys_mb, strerror(errno));
		goto fail;
	}
	c->direct = m;
	/*
	 * The range is bracketed by a read-only sentinel page at each end.
	 * They never merge with it, so its edges are always mapping
	 * boundaries, whatever the kernel places next to it: putting the
	 * reservation back over a run that ends at an edge then never needs
	 * a split (which vm.max_map_count could refuse).
	 */
	m = mmap(NULL, c->vsize + 2 * PAGE_SIZE, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED ||
	    mprotect((char *)m + PAGE_SIZE, c->vsize, PROT_NONE)) {
		hosted_log(VM_LOG_ERR, "host: cannot reserve a %lu MiB vmalloc range: %s",
			   cfg->vmalloc_size_mb, strerror(errno));
		if (m != MAP_FAILED)
			munmap(m, c->vsize + 2 * PAGE_SIZE);
		goto fail;
	}
	c->vbase = (unsigned char *)m + PAGE_SIZE;
	c->syscalls = 4;
	bind_nodes(c, cfg->nodes);

	p->name = "host";
	p->ctx = c;
	p->base_pfn = HOST_BASE_PFN;
	p->nr_frames = c->pool_bytes >> PAGE_SHIFT;
	p->nr_nodes = cfg->nodes;
	p->direct_map = c->direct;
	p->grow = host_grow;
	p->release = host_release;
	p->frames_zeroed = true;
	p->vmalloc_start = (unsigned long)c->vbase;
	p->vmalloc_end = (unsigned long)c->vbase + c->vsize;
	p->vmalloc_accessible = true;
	p->sync_map = host_sync_map;
	p->sync_unmap = host_sync_unmap;
	p->user_map = host_user_map;
	p->user_unmap = host_user_unmap;
	p->stats = host_stats;
	return 0;

fail_inval:
	host_teardown(c);
	return -EINVAL;
fail:
	host_teardown(c);
	return -ENOMEM;
}

const struct hosted_engine vm_host_engine = {
	.name = "host",
	.default_vmalloc_size_mb = 64UL << 10,	/* 64 GiB */
	.setup = host_setup,
	.teardown = host_teardown,
	.user_reserve = host_user_reserve,
	.user_release = host_user_release,
	.user_pfn = host_user_pfn,
};
