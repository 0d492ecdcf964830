/* SPDX-License-Identifier: MIT */
/*
 * The host engine: vmalloc on real, dereferenceable memory in a Linux
 * process.
 *
 *  physical memory   one memfd; frame pfn is the 4 KiB at file offset
 *                    pfn * PAGE_SIZE: the offset is the "physical"
 *                    address (the first 1 MiB of the file, below
 *                    HOST_BASE_PFN, is a hole that costs nothing), so
 *                    a 2 MiB-aligned frame block is a 2 MiB-aligned
 *                    range of the file, as a huge mapping needs. The file grows
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
 *                    system calls. Runs of 2 MiB leaves (vmalloc_huge) are
 *                    mapped 2 MiB-aligned at 2 MiB-aligned file offsets
 *                    with MADV_HUGEPAGE: the host may back them with huge
 *                    pages (shmem THP: shmem_enabled must allow it), and
 *                    the statistics report from /proc/self/smaps how many
 *                    bytes it really does.
 *
 * Each mapped run is one kernel VMA, and the reservation between runs is
 * split into more: vm.max_map_count (65530 by default) bounds the number of
 * live areas to about half that. A refused mmap becomes -ENOMEM; the first
 * one of an instance logs the limit and what to raise it to.
 *
 * fork(): in the child, before it runs (hosted.c's fork handler), the
 * reservation and the user ranges are replaced by inaccessible mappings
 * that stay, and the direct map is unmapped: the child never sees the
 * parent's vmalloc memory, a pointer it inherited faults, and its own next
 * instance is placed elsewhere by the kernel (the old range is still taken).
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

struct host_ctx {
	int fd;
	unsigned char *direct;
	unsigned long pool_bytes;
	unsigned char *vbase;
	unsigned long vsize;
	pthread_mutex_t grow_lock;	/* file_bytes and the ftruncate */
	unsigned long file_bytes;
	unsigned long syscalls;		/* atomic counter */
	bool map_limit_logged;		/* atomic: said once per instance */
	bool release_logged;		/* atomic: said once per instance */
	bool huge_mapped;		/* atomic: a huge run was ever mapped */
};

static void counted(struct host_ctx *c)
{
	__atomic_fetch_add(&c->syscalls, 1, __ATOMIC_RELAXED);
}

static unsigned long file_offset(unsigned long pfn)
{
	return pfn << PAGE_SHIFT;
}

/*
 * Reading /proc when a mapping was just refused: no stdio, which would
 * malloc a buffer, and a malloc that needs a new mapping fails too (a
 * sanitizer's allocator dies of it).
 */

/* A number from /proc, or -1. */
static long proc_number(const char *path)
{
	char buf[32];
	long v = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		v = strtol(buf, NULL, 10);
	}
	close(fd);
	return v;
}

/* The process's mappings (lines of /proc/self/maps), or -1. */
static long process_mappings(void)
{
	char buf[4096];
	long lines = 0;
	ssize_t n, i;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/*
 * A refused mmap. ENOMEM almost always means vm.max_map_count (or an
 * address-space limit): every later mapping fails the same way until
 * areas are freed, so say it once per instance, with what to raise and
 * to what; the core reports each failed allocation anyway. Other errors
 * are logged each time.
 */
static void log_map_failure(struct host_ctx *c, int err, const char *what,
			    unsigned long va, unsigned long len)
{
	long limit, have;
	char note[96];

	if (err != ENOMEM) {
		hosted_log(VM_LOG_ERR, "host: %s of %lu KiB at 0x%lx failed: %s",
			   what, len >> 10, va, strerror(err));
		return;
	}
	if (__atomic_exchange_n(&c->map_limit_logged, true, __ATOMIC_RELAXED))
		return;
	limit = proc_number("/proc/sys/vm/max_map_count");
	have = process_mappings();
	if (limit > 0 && have >= limit - 2)
		hosted_log(VM_LOG_ERR,
			   "host: %s of %lu KiB at 0x%lx failed: %s: the process has %ld mappings, vm.max_map_count=%ld (each live area takes about two); raise it, e.g. sysctl -w vm.max_map_count=%ld (reported once)",
			   what, len >> 10, va, strerror(err), have, limit,
			   2 * limit);
	else
		hosted_log(VM_LOG_ERR,
			   "host: %s of %lu KiB at 0x%lx failed: %s (%ld mappings, vm.max_map_count=%ld%s) (reported once)",
			   what, len >> 10, va, strerror(err), have, limit,
			   hosted_as_limit_note(note, sizeof(note)));
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
		if (target > file_offset(HOST_BASE_PFN) + c->pool_bytes)
			target = file_offset(HOST_BASE_PFN) + c->pool_bytes;
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
		hosted_release_refused(&c->release_logged, "host", "hole punch",
				       nr, err);
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

/*
 * mmap frames [pfn, pfn + nr) at @va, prefaulted unless @lazy. Return 0
 * or an errno; no log.
 */
static int map_frames(struct host_ctx *c, unsigned long va, unsigned long pfn,
		      unsigned long nr, int prot, bool lazy)
{
	unsigned long len = nr << PAGE_SHIFT;
	bool populate = !lazy && nr >= POPULATE_MIN;
	void *p;

	if (vm_fault_should_fail(VM_FAULT_HOST_MAP))
		return ENOMEM;
	counted(c);
	p = mmap((void *)va, len, prot, MAP_SHARED | MAP_FIXED |
		 (prot & PROT_WRITE || !populate ? 0 : MAP_POPULATE),
		 c->fd, (off_t)file_offset(pfn));
	if (p == MAP_FAILED)
		return errno;
	/*
	 * The frames are resident: map them all now rather than one fault
	 * per page. MAP_POPULATE would map a shared writable range
	 * read-only (each first write would still fault). For a page or
	 * two the extra call costs more than the faults. Not for the
	 * caller's frames (VM_SYNC_LAZY: vmap and its kin): a ring maps
	 * its frames twice and a caller may touch few of them, while the
	 * prefault and the unmapping of what it mapped cost more than the
	 * mmap itself (32 entries: ~40 us on the reference machine).
	 */
	if ((prot & PROT_WRITE) && populate) {
		counted(c);
		madvise(p, len, MADV_POPULATE_WRITE);
	}
	return 0;
}

static int host_sync_map(void *ctx, unsigned long va, unsigned long pfn,
			 unsigned long nr, uint64_t pte_flags)
{
	int err = map_frames(ctx, va, pfn, nr, prot_of(pte_flags),
			     pte_flags & VM_SYNC_LAZY);

	if (err)
		log_map_failure(ctx, err, "mmap", va, nr << PAGE_SHIFT);
	return -err;
}

/*
 * A run of 2 MiB leaves: @va and the file offset are both 2 MiB aligned,
 * so the host can map it with PMD entries of its own. MADV_HUGEPAGE comes
 * before the prefault, which is when shmem chooses the page size of frames
 * never touched before (frames already in the page cache as small pages
 * stay small until khugepaged collapses them). The hint failing changes
 * nothing the core can see: the run is mapped either way.
 */
static int host_sync_map_huge(void *ctx, unsigned long va, unsigned long pfn,
			      unsigned long nr, uint64_t pte_flags)
{
	struct host_ctx *c = ctx;
	int prot = prot_of(pte_flags), err = 0;
	unsigned long len = nr << PAGE_SHIFT;
	void *p;

	__atomic_store_n(&c->huge_mapped, true, __ATOMIC_RELAXED);
	if (vm_fault_should_fail(VM_FAULT_HOST_MAP)) {
		err = ENOMEM;
	} else {
		counted(c);
		p = mmap((void *)va, len, prot, MAP_SHARED | MAP_FIXED, c->fd,
			 (off_t)file_offset(pfn));
		if (p == MAP_FAILED)
			err = errno;
	}
	if (err) {
		log_map_failure(c, err, "mmap", va, len);
		return -err;
	}
	counted(c);
	madvise((void *)va, len, MADV_HUGEPAGE);
	counted(c);
	madvise((void *)va, len, prot & PROT_WRITE ? MADV_POPULATE_WRITE :
						     MADV_POPULATE_READ);
	return 0;
}

/*
 * Put an inaccessible, reserve-nothing mapping over [va, va + len).
 * Return 0 or an errno; no log.
 */
static int reserve_again(struct host_ctx *c, unsigned long va,
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
	return p == MAP_FAILED ? errno : 0;
}

static void host_sync_unmap(void *ctx, unsigned long va, unsigned long len)
{
	int err = reserve_again(ctx, va, len);

	if (err)
		log_map_failure(ctx, err, "unmap", va, len);
}

/* ------------------------------------------------------------------ */
/* User ranges                                                         */
/* ------------------------------------------------------------------ */

/*
 * The table of user ranges (uvma.c) calls these with its lock held: they
 * note an error for the caller to log once the lock is let go.
 */
struct user_op {
	struct host_ctx *c;
	int err;
};

static int user_map_frames(void *ctx, unsigned long uaddr, unsigned long pfn,
			   unsigned long nr, int prot)
{
	struct user_op *op = ctx;

	op->err = map_frames(op->c, uaddr, pfn, nr, prot, false);
	return -op->err;
}

static void user_unmap_frames(void *ctx, unsigned long uaddr,
			      unsigned long len)
{
	struct user_op *op = ctx;

	op->err = reserve_again(op->c, uaddr, len);
}

static int host_user_map(void *ctx, struct vm_area_struct *vma,
			 unsigned long uaddr, unsigned long pfn,
			 unsigned long nr)
{
	struct user_op op = { ctx, 0 };
	int err = uvma_map(&op, vma, uaddr, pfn, nr, user_map_frames);

	if (op.err)
		log_map_failure(ctx, op.err, "user mmap", uaddr, nr << PAGE_SHIFT);
	return err;
}

static void host_user_unmap(void *ctx, struct vm_area_struct *vma,
			    unsigned long uaddr, unsigned long len)
{
	struct user_op op = { ctx, 0 };

	uvma_unmap(&op, vma, uaddr, len, user_unmap_frames);
	if (op.err)
		log_map_failure(ctx, op.err, "user unmap", uaddr, len);
}

static int host_user_reserve(void *ctx, unsigned long size,
			     unsigned long *start)
{
	void *p;

	counted(ctx);
	p = mmap(NULL, size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	*start = (unsigned long)p;
	return 0;
}

static void host_user_unreserve(void *ctx, unsigned long start,
				unsigned long len)
{
	counted(ctx);
	munmap((void *)start, len);
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

/* "Key:   123 kB" in @line: the number of bytes, or 0. */
static unsigned long smaps_kb(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return 0;
	return strtoul(line + n + 1, NULL, 10) << 10;
}

/*
 * Bytes of the vmalloc reservation that the host maps with huge pages:
 * the PMD-mapped shmem (a memfd is shmem) or file pages of every mapping
 * inside it, from /proc/self/smaps. Only read once a huge run was mapped:
 * smaps costs a walk of every mapping's page tables.
 */
static unsigned long huge_bytes(struct host_ctx *c)
{
	unsigned long lo = (unsigned long)c->vbase, hi = lo + c->vsize;
	unsigned long s, e, sum = 0;
	bool inside = false;
	char line[512];
	FILE *f;

	if (!__atomic_load_n(&c->huge_mapped, __ATOMIC_RELAXED))
		return 0;
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line; "Key:" lines never parse so. */
		if (sscanf(line, "%lx-%lx", &s, &e) == 2) {
			inside = s >= lo && e <= hi;
			continue;
		}
		if (inside)
			sum += smaps_kb(line, "ShmemPmdMapped") +
			       smaps_kb(line, "FilePmdMapped");
	}
	fclose(f);
	return sum;
}

static void host_stats(void *ctx, struct vmalloc_stats *st)
{
	struct host_ctx *c = ctx;

	st->host_huge_bytes = huge_bytes(c);
	st->host_mappings = count_mappings(c);
	st->host_syscalls = __atomic_load_n(&c->syscalls, __ATOMIC_RELAXED);
}

static void unmap_range(void *ctx, unsigned long start, unsigned long len)
{
	(void)ctx;
	munmap((void *)start, len);
}

/* Unmap everything (the core has exited, or never came up) and free. */
static void host_teardown(void *ctx)
{
	struct host_ctx *c = ctx;

	uvma_drop_all(c, unmap_range);
	if (c->vbase)
		munmap(c->vbase - PAGE_SIZE, c->vsize + 2 * PAGE_SIZE);
	if (c->direct)
		munmap(c->direct, c->pool_bytes);
	if (c->fd >= 0)
		close(c->fd);
	pthread_mutex_destroy(&c->grow_lock);
	free(c);
}

/*
 * Replace [start, start + len) with one inaccessible mapping that stays:
 * a pointer into it faults, and the kernel places nothing new there.
 */
static void seal_range(void *ctx, unsigned long start, unsigned long len)
{
	if (reserve_again(ctx, start, len))
		munmap((void *)start, len);	/* at least nothing is readable */
}

/*
 * In a child after fork() (single-threaded, before it runs): the parent's
 * vmalloc memory must become unreachable here. Unmapping it would let the
 * kernel place the child's next instance (or anything else) at the same
 * addresses, where a pointer the child inherited would silently find new
 * data and vfree() would free a stranger's area: seal the range instead,
 * sentinels included, and the user ranges. The direct map and the memory
 * file go. The grow lock may be held by a thread that does not exist
 * here: it is not destroyed, only freed with the context.
 */
static void host_forget(void *ctx)
{
	struct host_ctx *c = ctx;

	uvma_drop_all(c, seal_range);
	seal_range(c, (unsigned long)c->vbase - PAGE_SIZE,
		   c->vsize + 2 * PAGE_SIZE);
	munmap(c->direct, c->pool_bytes);
	close(c->fd);
	free(c);
}

static int host_setup(const struct engine_config *cfg, struct vm_platform *p)
{
	struct host_ctx *c = calloc(1, sizeof(*c));
	char note[96];
	void *m;

	if (!c)
		return -ENOMEM;
	c->fd = -1;
	pthread_mutex_init(&c->grow_lock, NULL);
	c->pool_bytes = cfg->phys_mb << 20;
	c->vsize = cfg->vmalloc_size_mb << 20;
	if (cfg->vmalloc_start) {
		hosted_log(VM_LOG_ERR, "host: the range is placed by the kernel; "
			   "vmalloc_start is for the soft engine");
		goto fail_inval;
	}
	/*
	 * The host's tables are the library's own x86-64 ones, made real by
	 * mmap in the process's (low, user) half: another format's kernel
	 * range is not the process's to map.
	 */
	if (cfg->mmu && strcmp(cfg->mmu, "x86_64")) {
		hosted_log(VM_LOG_ERR, "host: VMALLOC_MMU=%s needs the soft engine "
			   "(VMALLOC_ENGINE=soft): the host engine maps in the "
			   "process's own half with x86-64 tables", cfg->mmu);
		goto fail_inval;
	}
	c->fd = memfd_create("libvmalloc", MFD_CLOEXEC);
	if (c->fd < 0) {
		hosted_log(VM_LOG_ERR, "host: memfd_create: %s", strerror(errno));
		goto fail;
	}
	m = mmap(NULL, c->pool_bytes, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, c->fd,
		 (off_t)file_offset(HOST_BASE_PFN));
	if (m == MAP_FAILED) {
		hosted_log(VM_LOG_ERR,
			   "host: cannot map the %lu MiB pool: %s%s: set VMALLOC_PHYS_MB lower",
			   cfg->phys_mb, strerror(errno),
			   hosted_as_limit_note(note, sizeof(note)));
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
		hosted_log(VM_LOG_ERR,
			   "host: cannot reserve a %lu MiB vmalloc range: %s%s: set VMALLOC_SIZE_MB lower (the range and the %lu MiB pool, VMALLOC_PHYS_MB, must both fit)",
			   cfg->vmalloc_size_mb, strerror(errno),
			   hosted_as_limit_note(note, sizeof(note)),
			   cfg->phys_mb);
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
	p->sync_map_huge = host_sync_map_huge;
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
	.forget = host_forget,
	.user_reserve = host_user_reserve,
	.user_unreserve = host_user_unreserve,
};
