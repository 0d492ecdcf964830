/* SPDX-License-Identifier: MIT */
/*
 * The soft engine: a software MMU on process memory.
 *
 * Physical memory is one private anonymous reservation (MAP_NORESERVE):
 * the host backs a frame only once it is written, and release() hands
 * frames back with MADV_DONTNEED (they read as zero afterwards). The
 * vmalloc range is a kernel-like range the process cannot dereference
 * (default 0xffffc90000000000, 32 TiB): the core's page tables are the
 * only MMU there is, and contents are reached with vread()/vwrite() or
 * page_address(vmalloc_to_page(p)).
 *
 * User ranges for remap_vmalloc_range() live in a simulated user address
 * space: each reservation records the frame mapped at each of its pages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../hosted/engine.h"

#define SOFT_BASE_PFN		256UL			/* frames from 1 MiB */
#define SOFT_VMALLOC_START	0xffffc90000000000UL
#define SOFT_USER_BASE		0x0000100000000000UL
#define SOFT_UVMA_MAGIC		0x75766d61UL

struct soft_uvma {
	unsigned long magic;
	unsigned long start, end;
	unsigned long pfn[];		/* one per page, 0 when unmapped */
};

struct soft_ctx {
	unsigned char *pool;
	size_t pool_bytes;
	pthread_mutex_t user_lock;	/* next_user and the uvma contents */
	unsigned long next_user;
};

static void soft_release(void *ctx, unsigned long pfn, unsigned long nr)
{
	struct soft_ctx *c = ctx;

	madvise(c->pool + (pfn - SOFT_BASE_PFN) * PAGE_SIZE, nr * PAGE_SIZE,
		MADV_DONTNEED);
}

static struct soft_uvma *uvma_of(const struct vm_area_struct *vma)
{
	struct soft_uvma *u = vma->vm_mm;

	if (!u || u->magic != SOFT_UVMA_MAGIC || vma->vm_start < u->start ||
	    vma->vm_end > u->end)
		return NULL;
	return u;
}

static int soft_user_map(void *ctx, struct vm_area_struct *vma,
			 unsigned long uaddr, unsigned long pfn,
			 unsigned long nr)
{
	struct soft_ctx *c = ctx;
	struct soft_uvma *u = uvma_of(vma);
	unsigned long i, first;

	if (!u || uaddr < u->start || nr > (u->end - uaddr) >> PAGE_SHIFT)
		return -EINVAL;
	first = (uaddr - u->start) >> PAGE_SHIFT;
	pthread_mutex_lock(&c->user_lock);
	for (i = 0; i < nr; i++)
		u->pfn[first + i] = pfn + i;
	pthread_mutex_unlock(&c->user_lock);
	return 0;
}

static void soft_user_unmap(void *ctx, struct vm_area_struct *vma,
			    unsigned long uaddr, unsigned long len)
{
	struct soft_ctx *c = ctx;
	struct soft_uvma *u = uvma_of(vma);
	unsigned long i, first;

	if (!u || uaddr < u->start || len > u->end - uaddr)
		return;
	first = (uaddr - u->start) >> PAGE_SHIFT;
	pthread_mutex_lock(&c->user_lock);
	for (i = 0; i < len >> PAGE_SHIFT; i++)
		u->pfn[first + i] = 0;
	pthread_mutex_unlock(&c->user_lock);
}

static int soft_user_reserve(void *ctx, struct vm_area_struct *vma,
			     unsigned long size)
{
	struct soft_ctx *c = ctx;
	unsigned long pages = size >> PAGE_SHIFT;
	struct soft_uvma *u;

	if (pages > (1UL << 30))
		return -EINVAL;
	u = calloc(1, sizeof(*u) + pages * sizeof(u->pfn[0]));
	if (!u)
		return -ENOMEM;
	pthread_mutex_lock(&c->user_lock);
	u->start = c->next_user;
	c->next_user += size + 16 * PAGE_SIZE;	/* keep a gap */
	pthread_mutex_unlock(&c->user_lock);
	u->end = u->start + size;
	u->magic = SOFT_UVMA_MAGIC;
	memset(vma, 0, sizeof(*vma));
	vma->vm_start = u->start;
	vma->vm_end = u->end;
	vma->vm_flags = VM_READ | VM_WRITE | VM_SHARED;
	vma->vm_mm = u;
	return 0;
}

static void soft_user_release(void *ctx, struct vm_area_struct *vma)
{
	struct soft_uvma *u = uvma_of(vma);

	(void)ctx;
	if (!u)
		return;
	u->magic = 0;
	free(u);
	vma->vm_mm = NULL;
}

static unsigned long soft_user_pfn(void *ctx, const struct vm_area_struct *vma,
				   unsigned long uaddr)
{
	struct soft_ctx *c = ctx;
	struct soft_uvma *u = uvma_of(vma);
	unsigned long pfn;

	if (!u)
		return 0;
	pthread_mutex_lock(&c->user_lock);
	pfn = u->pfn[(uaddr - u->start) >> PAGE_SHIFT];
	pthread_mutex_unlock(&c->user_lock);
	return pfn;
}

static int soft_setup(const struct engine_config *cfg, struct vm_platform *p)
{
	struct soft_ctx *c = calloc(1, sizeof(*c));
	unsigned long size = cfg->vmalloc_size_mb << 20;
	unsigned long start = cfg->vmalloc_start ? cfg->vmalloc_start :
			      SOFT_VMALLOC_START;

	if (!c)
		return -ENOMEM;
	c->pool_bytes = cfg->phys_mb << 20;
	c->pool = hosted_map_zeroed(c->pool_bytes);
	if (!c->pool) {
		hosted_log(VM_LOG_ERR, "soft: cannot reserve %lu MiB of pool",
			   cfg->phys_mb);
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->user_lock, NULL);
	c->next_user = SOFT_USER_BASE;

	p->name = "soft";
	p->ctx = c;
	p->base_pfn = SOFT_BASE_PFN;
	p->nr_frames = c->pool_bytes >> PAGE_SHIFT;
	p->nr_nodes = cfg->nodes;
	p->direct_map = c->pool;
	p->release = soft_release;
	p->frames_zeroed = true;
	p->vmalloc_start = start;
	p->vmalloc_end = start + size;
	p->vmalloc_accessible = false;
	p->user_map = soft_user_map;
	p->user_unmap = soft_user_unmap;
	return 0;
}

static void soft_teardown(void *ctx)
{
	struct soft_ctx *c = ctx;

	hosted_unmap(c->pool, c->pool_bytes);
	pthread_mutex_destroy(&c->user_lock);
	free(c);
}

const struct hosted_engine vm_soft_engine = {
	.name = "soft",
	.default_vmalloc_size_mb = 32UL << 20,	/* 32 TiB */
	.setup = soft_setup,
	.teardown = soft_teardown,
	.user_reserve = soft_user_reserve,
	.user_release = soft_user_release,
	.user_pfn = soft_user_pfn,
};
