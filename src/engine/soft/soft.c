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
 * space: each reservation only records the frame mapped at each page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "../../hosted/engine.h"
#include "../../hosted/uvma.h"

#define SOFT_BASE_PFN		256UL			/* frames from 1 MiB */
#define SOFT_VMALLOC_START	0xffffc90000000000UL
#define SOFT_USER_BASE		0x0000100000000000UL

struct soft_ctx {
	unsigned char *pool;
	size_t pool_bytes;
	unsigned long next_user;	/* next simulated user address */
};

/*
 * MADV_DONTNEED makes private anonymous memory read as zero, unless it
 * fails (locked pages: mlockall() in the process): then the contents
 * stay, and the core must not take the frames for zeroed ones.
 */
static bool soft_release(void *ctx, unsigned long pfn, unsigned long nr)
{
	struct soft_ctx *c = ctx;

	if (vm_fault_should_fail(VM_FAULT_RELEASE))
		return false;
	return madvise(c->pool + (pfn - SOFT_BASE_PFN) * PAGE_SIZE,
		       nr * PAGE_SIZE, MADV_DONTNEED) == 0;
}

static int soft_user_map(void *ctx, struct vm_area_struct *vma,
			 unsigned long uaddr, unsigned long pfn,
			 unsigned long nr)
{
	struct uvma *u = uvma_of(vma);

	(void)ctx;
	if (!u || !uvma_covers(u, uaddr, nr << PAGE_SHIFT))
		return -EINVAL;
	uvma_set(u, uaddr, pfn, nr);
	return 0;
}

static void soft_user_unmap(void *ctx, struct vm_area_struct *vma,
			    unsigned long uaddr, unsigned long len)
{
	struct uvma *u = uvma_of(vma);

	(void)ctx;
	if (u && uvma_covers(u, uaddr, len))
		uvma_clear(u, uaddr, len);
}

static int soft_user_reserve(void *ctx, struct vm_area_struct *vma,
			     unsigned long size)
{
	struct soft_ctx *c = ctx;
	unsigned long start = __atomic_fetch_add(&c->next_user,
						 size + 16 * PAGE_SIZE,
						 __ATOMIC_RELAXED);

	return uvma_create(vma, start, size);
}

static void soft_user_release(void *ctx, struct vm_area_struct *vma)
{
	(void)ctx;
	uvma_destroy(vma);
}

static unsigned long soft_user_pfn(void *ctx, const struct vm_area_struct *vma,
				   unsigned long uaddr)
{
	struct uvma *u = uvma_of(vma);

	(void)ctx;
	return u && uvma_covers(u, uaddr, PAGE_SIZE) ? uvma_pfn(u, uaddr) : 0;
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
