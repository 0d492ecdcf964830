/* SPDX-License-Identifier: MIT */
/*
 * Records of user ranges. Entries are read and written with relaxed
 * atomics: the owner of a range maps and unmaps it, anyone may ask.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uvma.h"

#define UVMA_MAGIC	0x75766d61UL

struct uvma {
	unsigned long magic;
	unsigned long start, end;
	unsigned long pfn[];		/* one per page, 0 when unmapped */
};

int uvma_create(struct vm_area_struct *vma, unsigned long start,
		unsigned long size)
{
	unsigned long pages = size >> PAGE_SHIFT;
	struct uvma *u;

	if (!pages || pages > (1UL << 30))
		return -EINVAL;
	u = calloc(1, sizeof(*u) + pages * sizeof(u->pfn[0]));
	if (!u)
		return -ENOMEM;
	u->magic = UVMA_MAGIC;
	u->start = start;
	u->end = start + size;
	memset(vma, 0, sizeof(*vma));
	vma->vm_start = start;
	vma->vm_end = start + size;
	vma->vm_flags = VM_READ | VM_WRITE | VM_SHARED;
	vma->vm_mm = u;
	return 0;
}

struct uvma *uvma_of(const struct vm_area_struct *vma)
{
	struct uvma *u = vma ? vma->vm_mm : NULL;

	if (!u || u->magic != UVMA_MAGIC || vma->vm_start < u->start ||
	    vma->vm_end > u->end || vma->vm_start >= vma->vm_end)
		return NULL;
	return u;
}

bool uvma_covers(const struct uvma *u, unsigned long uaddr, unsigned long len)
{
	return uaddr >= u->start && uaddr < u->end && len <= u->end - uaddr;
}

void uvma_set(struct uvma *u, unsigned long uaddr, unsigned long pfn,
	      unsigned long nr)
{
	unsigned long i, first = (uaddr - u->start) >> PAGE_SHIFT;

	for (i = 0; i < nr; i++)
		__atomic_store_n(&u->pfn[first + i], pfn + i, __ATOMIC_RELAXED);
}

void uvma_clear(struct uvma *u, unsigned long uaddr, unsigned long len)
{
	unsigned long i, first = (uaddr - u->start) >> PAGE_SHIFT;

	for (i = 0; i < len >> PAGE_SHIFT; i++)
		__atomic_store_n(&u->pfn[first + i], 0, __ATOMIC_RELAXED);
}

unsigned long uvma_pfn(const struct uvma *u, unsigned long uaddr)
{
	return __atomic_load_n(&u->pfn[(uaddr - u->start) >> PAGE_SHIFT],
			       __ATOMIC_RELAXED);
}

void uvma_destroy(struct vm_area_struct *vma)
{
	struct uvma *u = uvma_of(vma);

	if (!u)
		return;
	u->magic = 0;
	free(u);
	vma->vm_mm = NULL;
}
