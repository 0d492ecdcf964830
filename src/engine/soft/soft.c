/* SPDX-License-Identifier: MIT */
/*
 * The soft engine: a software MMU on process memory.
 *
 * Physical memory is one private anonymous reservation (MAP_NORESERVE):
 * the host backs a frame only once it is written, and release() hands
 * frames back with MADV_DONTNEED (they read as zero afterwards). The
 * vmalloc range is a kernel-like range the process cannot dereference
 * (32 TiB by default, where the chosen MMU's Linux puts vmalloc: x86-64
 * 0xffffc90000000000, x86-64 LA57 0xffa0000000000000, AArch64
 * 0xffff800080000000): the core's page tables, in that MMU's format, are
 * the only MMU there is, and contents are reached with vread()/vwrite()
 * or page_address(vmalloc_to_page(p)).
 *
 * User ranges for remap_vmalloc_range() live in a simulated user address
 * space: each reservation only records the frame mapped at each page.
 *
 * fork(): the child drops its copy of the pool, and its next instance
 * takes a range that no ancestor of this process used, so a pointer the
 * child inherited is never one of its own areas (the range is only
 * numbers: nothing would fault).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../hosted/engine.h"
#include "../../hosted/uvma.h"

#define SOFT_BASE_PFN		256UL			/* frames from 1 MiB */
#define SOFT_USER_BASE		0x0000100000000000UL
#define SOFT_UPPER_TOP		(0UL - PAGE_SIZE)	/* the end may not wrap */

/*
 * Per page-table format: the default start (Linux's vmalloc base there)
 * and the canonical upper half, where a forked child looks for a range.
 */
static const struct soft_layout {
	const char *mmu;
	unsigned long vmalloc_start;
	unsigned long upper_base;
} layouts[] = {
	{ "x86_64",	 0xffffc90000000000UL, 0xffff800000000000UL },
	{ "x86_64-la57", 0xffa0000000000000UL, 0xff00000000000000UL },
	{ "aarch64",	 0xffff800080000000UL, 0xffff000000000000UL },
};
static unsigned long upper_base = 0xffff800000000000UL;	/* the running format's */
#define SOFT_SLOT_STEP		(1UL << 40)		/* 1 TiB */
#define SOFT_LINEAGE_MAX	64

struct soft_ctx {
	unsigned char *pool;
	size_t pool_bytes;
	unsigned long start, end;	/* the vmalloc range */
	unsigned long next_user;	/* next simulated user address */
	bool release_logged;		/* atomic: said once per instance */
};

/*
 * The ranges of this process's ancestors' instances, inherited through
 * fork(): pointers into them may still be around here. Written only in a
 * forked child (single-threaded) and at set-up (the init lock held).
 */
static struct {
	unsigned long start, end;
} lineage[SOFT_LINEAGE_MAX];
static unsigned int lineage_n;
static bool lineage_full;	/* an ancestor's range could not be noted */

static bool lineage_overlaps(unsigned long start, unsigned long end)
{
	unsigned int i;

	for (i = 0; i < lineage_n; i++)
		if (start < lineage[i].end && lineage[i].start < end)
			return true;
	return false;
}

/* The largest page-aligned gap of the upper half no ancestor used. */
static unsigned long lineage_largest_gap(void)
{
	unsigned long at = upper_base, best = 0;

	for (;;) {
		unsigned long next = SOFT_UPPER_TOP;
		unsigned int i;
		bool inside = false;

		for (i = 0; i < lineage_n; i++) {
			if (lineage[i].start <= at && at < lineage[i].end) {
				at = lineage[i].end;
				inside = true;
			}
		}
		if (inside)
			continue;
		if (at >= SOFT_UPPER_TOP)
			return best;
		for (i = 0; i < lineage_n; i++)
			if (lineage[i].start > at && lineage[i].start < next)
				next = lineage[i].start;
		if (next - at > best)
			best = next - at;
		at = next;
	}
}

/*
 * Where this instance's range of @size bytes goes: at @want (the
 * configured or default start) unless an ancestor used any of it, else
 * at the lowest 1 TiB step of the upper half that no ancestor used.
 * Return 0 when there is none.
 */
static unsigned long pick_start(unsigned long want, unsigned long size)
{
	unsigned long a;

	if (!lineage_overlaps(want, want + size))
		return want;
	for (a = upper_base; a <= SOFT_UPPER_TOP - size; a += SOFT_SLOT_STEP) {
		if (!lineage_overlaps(a, a + size))
			return a;
		if (a > SOFT_UPPER_TOP - SOFT_SLOT_STEP)
			break;
	}
	return 0;
}

/*
 * MADV_DONTNEED makes private anonymous memory read as zero, unless it
 * fails (locked pages: mlockall() in the process): then the contents
 * stay, and the core must not take the frames for zeroed ones.
 */
static bool soft_release(void *ctx, unsigned long pfn, unsigned long nr)
{
	struct soft_ctx *c = ctx;
	int err = 0;

	if (vm_fault_should_fail(VM_FAULT_RELEASE))
		err = EPERM;
	else if (madvise(c->pool + (pfn - SOFT_BASE_PFN) * PAGE_SIZE,
			 nr * PAGE_SIZE, MADV_DONTNEED))
		err = errno;
	if (err)
		hosted_release_refused(&c->release_logged, "soft",
				       "MADV_DONTNEED", nr, err);
	return !err;
}

static int soft_user_map(void *ctx, struct vm_area_struct *vma,
			 unsigned long uaddr, unsigned long pfn,
			 unsigned long nr)
{
	return uvma_map(ctx, vma, uaddr, pfn, nr, NULL);
}

static void soft_user_unmap(void *ctx, struct vm_area_struct *vma,
			    unsigned long uaddr, unsigned long len)
{
	uvma_unmap(ctx, vma, uaddr, len, NULL);
}

static int soft_user_reserve(void *ctx, unsigned long size,
			     unsigned long *start)
{
	struct soft_ctx *c = ctx;

	*start = __atomic_fetch_add(&c->next_user, size + 16 * PAGE_SIZE,
				    __ATOMIC_RELAXED);
	return 0;
}

static int soft_setup(const struct engine_config *cfg, struct vm_platform *p)
{
	struct soft_ctx *c;
	const struct soft_layout *lay = &layouts[0];
	unsigned long size = cfg->vmalloc_size_mb << 20;
	unsigned long want, start;
	char note[96];
	unsigned int i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (cfg->mmu && !strcmp(cfg->mmu, layouts[i].mmu))
			lay = &layouts[i];
	upper_base = lay->upper_base;
	want = cfg->vmalloc_start ? cfg->vmalloc_start : lay->vmalloc_start;

	if (size > SOFT_UPPER_TOP - want) {
		hosted_log(VM_LOG_ERR,
			   "soft: a %lu MiB range does not fit above 0x%lx: VMALLOC_SIZE_MB may be at most %lu there",
			   cfg->vmalloc_size_mb, want, (SOFT_UPPER_TOP - want) >> 20);
		return -EINVAL;
	}
	if (lineage_full) {
		hosted_log(VM_LOG_ERR,
			   "soft: more than %d ancestors of this process ran the library: no range is known to be free",
			   SOFT_LINEAGE_MAX);
		return -ENOMEM;
	}
	start = pick_start(want, size);
	if (!start) {
		hosted_log(VM_LOG_ERR,
			   "soft: no %lu MiB range is left that an ancestor of this process (fork) did not use: set VMALLOC_SIZE_MB to at most %lu",
			   cfg->vmalloc_size_mb, lineage_largest_gap() >> 20);
		return -ENOMEM;
	}
	if (start != want && cfg->vmalloc_start)
		hosted_log(VM_LOG_INFO,
			   "soft: vmalloc range at 0x%lx, not 0x%lx: a parent process used that one",
			   start, want);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->pool_bytes = cfg->phys_mb << 20;
	c->pool = hosted_map_zeroed(c->pool_bytes);
	if (!c->pool) {
		hosted_log(VM_LOG_ERR,
			   "soft: cannot reserve the %lu MiB pool: %s%s: set VMALLOC_PHYS_MB lower",
			   cfg->phys_mb, strerror(errno),
			   hosted_as_limit_note(note, sizeof(note)));
		free(c);
		return -ENOMEM;
	}
	c->start = start;
	c->end = start + size;
	c->next_user = SOFT_USER_BASE;

	p->name = "soft";
	p->ctx = c;
	p->base_pfn = SOFT_BASE_PFN;
	p->nr_frames = c->pool_bytes >> PAGE_SHIFT;
	p->nr_nodes = cfg->nodes;
	p->direct_map = c->pool;
	p->release = soft_release;
	p->frames_zeroed = true;
	p->vmalloc_start = c->start;
	p->vmalloc_end = c->end;
	p->vmalloc_accessible = false;
	p->user_map = soft_user_map;
	p->user_unmap = soft_user_unmap;
	return 0;
}

static void soft_teardown(void *ctx)
{
	struct soft_ctx *c = ctx;

	uvma_drop_all(c, NULL);
	hosted_unmap(c->pool, c->pool_bytes);
	free(c);
}

/*
 * A forked child drops its copy of the pool and notes the parent's range:
 * its own instances must never be placed there.
 */
static void soft_forget(void *ctx)
{
	struct soft_ctx *c = ctx;

	if (lineage_n < SOFT_LINEAGE_MAX) {
		lineage[lineage_n].start = c->start;
		lineage[lineage_n].end = c->end;
		lineage_n++;
	} else {
		lineage_full = true;
	}
	soft_teardown(c);
}

const struct hosted_engine vm_soft_engine = {
	.name = "soft",
	.default_vmalloc_size_mb = 32UL << 20,	/* 32 TiB */
	.setup = soft_setup,
	.teardown = soft_teardown,
	.forget = soft_forget,
	.user_reserve = soft_user_reserve,
};
