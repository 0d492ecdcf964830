/* SPDX-License-Identifier: MIT */
/*
 * The table of live user ranges. One mutex guards it; whoever maps into a
 * range holds it across the engine's mmap(), so a range cannot be released
 * (its addresses unmapped and perhaps given to someone else) while a
 * mapping is being made in it. References are dropped after the mutex is
 * let go: put_page() may log, and a log hook may call back into us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "uvma.h"

struct uvma {
	struct uvma *next;
	unsigned long id;		/* the handle in vm_mm */
	unsigned long start, end;
	unsigned long pfn[];		/* one per page, 0 when unmapped */
};

#define UVMA_MAX_PAGES	(1UL << 30)

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct uvma *table;
/* Handles are never reused: a released or inherited one finds nothing. */
static unsigned long next_id = 1;

static unsigned long handle_of(const struct vm_area_struct *vma)
{
	return (unsigned long)(uintptr_t)vma->vm_mm;
}

/* The live range @vma names, if @vma lies inside it. Table lock held. */
static struct uvma *find_locked(const struct vm_area_struct *vma)
{
	unsigned long id;
	struct uvma *u;

	if (!vma || !vma->vm_mm)
		return NULL;
	id = handle_of(vma);
	for (u = table; u; u = u->next)
		if (u->id == id)
			break;
	if (!u || vma->vm_start < u->start || vma->vm_end > u->end ||
	    vma->vm_start >= vma->vm_end)
		return NULL;
	return u;
}

/* Are the @nr pages from @uaddr inside @u? */
static bool covers(const struct uvma *u, unsigned long uaddr, unsigned long nr)
{
	return uaddr >= u->start && uaddr < u->end && !(uaddr & ~PAGE_MASK) &&
	       nr && nr <= (u->end - uaddr) >> PAGE_SHIFT;
}

static int prot_of(const struct vm_area_struct *vma)
{
	int prot = 0;

	if (vma->vm_flags & VM_READ)
		prot |= PROT_READ;
	if (vma->vm_flags & VM_WRITE)
		prot |= PROT_WRITE;
	if (vma->vm_flags & VM_EXEC)
		prot |= PROT_EXEC;
	return prot;
}

static void put_frames(const unsigned long *pfn, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (pfn[i])
			put_page(pfn_to_page(pfn[i]));
}

int uvma_create(struct vm_area_struct *vma, unsigned long start,
		unsigned long size)
{
	unsigned long pages = size >> PAGE_SHIFT;
	struct uvma *u;

	if (!pages || pages > UVMA_MAX_PAGES)
		return -EINVAL;
	u = calloc(1, sizeof(*u) + pages * sizeof(u->pfn[0]));
	if (!u)
		return -ENOMEM;
	u->start = start;
	u->end = start + size;
	pthread_mutex_lock(&table_lock);
	u->id = next_id++;
	u->next = table;
	table = u;
	pthread_mutex_unlock(&table_lock);
	memset(vma, 0, sizeof(*vma));
	vma->vm_start = start;
	vma->vm_end = start + size;
	vma->vm_flags = VM_READ | VM_WRITE | VM_SHARED;
	vma->vm_page_prot = __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER |
				     _PAGE_NX);
	vma->vm_mm = (void *)(uintptr_t)u->id;
	return 0;
}

int uvma_map(void *ctx, const struct vm_area_struct *vma, unsigned long uaddr,
	     unsigned long pfn, unsigned long nr, uvma_map_fn map)
{
	unsigned long *old = NULL, n_old = 0, first, i;
	struct uvma *u;
	int err = 0;

	pthread_mutex_lock(&table_lock);
	u = find_locked(vma);
	if (!u || !covers(u, uaddr, nr)) {
		err = -EINVAL;
		goto out;
	}
	first = (uaddr - u->start) >> PAGE_SHIFT;
	for (i = 0; i < nr; i++)
		n_old += u->pfn[first + i] != 0;
	if (n_old) {
		old = malloc(n_old * sizeof(*old));
		if (!old) {
			n_old = 0;
			err = -ENOMEM;
			goto out;
		}
	}
	if (map)
		err = map(ctx, uaddr, pfn, nr, prot_of(vma));
	n_old = 0;
	for (i = 0; !err && i < nr; i++) {
		if (u->pfn[first + i])
			old[n_old++] = u->pfn[first + i];
		u->pfn[first + i] = pfn + i;
	}
out:
	pthread_mutex_unlock(&table_lock);
	/* The new mapping replaced these: their user references go. */
	put_frames(old, n_old);
	free(old);
	return err;
}

void uvma_unmap(void *ctx, const struct vm_area_struct *vma,
		unsigned long uaddr, unsigned long len, uvma_unmap_fn unmap)
{
	struct uvma *u;

	pthread_mutex_lock(&table_lock);
	u = find_locked(vma);
	if (u && covers(u, uaddr, len >> PAGE_SHIFT)) {
		if (unmap)
			unmap(ctx, uaddr, len);
		memset(&u->pfn[(uaddr - u->start) >> PAGE_SHIFT], 0,
		       (len >> PAGE_SHIFT) * sizeof(u->pfn[0]));
	}
	pthread_mutex_unlock(&table_lock);
}

unsigned long uvma_pfn(const struct vm_area_struct *vma, unsigned long uaddr)
{
	unsigned long pfn = 0;
	struct uvma *u;

	pthread_mutex_lock(&table_lock);
	u = find_locked(vma);
	if (u && covers(u, uaddr & PAGE_MASK, 1))
		pfn = u->pfn[(uaddr - u->start) >> PAGE_SHIFT];
	pthread_mutex_unlock(&table_lock);
	return pfn;
}

void uvma_release(void *ctx, struct vm_area_struct *vma, uvma_unmap_fn unmap)
{
	struct uvma **pu, *u;

	pthread_mutex_lock(&table_lock);
	u = find_locked(vma);
	for (pu = &table; u && *pu != u; pu = &(*pu)->next)
		;
	if (u)
		*pu = u->next;
	pthread_mutex_unlock(&table_lock);
	if (!u)
		return;
	/* As munmap does: the driver's close() first, with the range whole. */
	if (vma->vm_ops && vma->vm_ops->close)
		vma->vm_ops->close(vma);
	/* User space lets go of the frames first, then their references. */
	if (unmap)
		unmap(ctx, u->start, u->end - u->start);
	put_frames(u->pfn, (u->end - u->start) >> PAGE_SHIFT);
	free(u);
	vma->vm_mm = NULL;
}

void uvma_drop_all(void *ctx, uvma_unmap_fn drop)
{
	struct uvma *u;

	pthread_mutex_lock(&table_lock);
	u = table;
	table = NULL;
	pthread_mutex_unlock(&table_lock);
	while (u) {
		struct uvma *next = u->next;

		if (drop)
			drop(ctx, u->start, u->end - u->start);
		free(u);
		u = next;
	}
}

void uvma_fork_prepare(void)
{
	pthread_mutex_lock(&table_lock);
}

void uvma_fork_parent(void)
{
	pthread_mutex_unlock(&table_lock);
}

void uvma_fork_child(void)
{
	pthread_mutex_unlock(&table_lock);
}
