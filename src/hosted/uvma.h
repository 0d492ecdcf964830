/* SPDX-License-Identifier: MIT */
/*
 * User ranges for remap_vmalloc_range() on hosted engines: which frame
 * each page of a reserved user range maps. The soft engine keeps only
 * this record; the host engine also makes the mapping real.
 */
#ifndef VM_HOSTED_UVMA_H
#define VM_HOSTED_UVMA_H

#include "vmalloc/vmalloc.h"

struct uvma;

/* Describe [start, start + size) in @vma; vma->vm_mm records it. */
int uvma_create(struct vm_area_struct *vma, unsigned long start,
		unsigned long size);
/* The record of @vma, or NULL when @vma is not one of ours. */
struct uvma *uvma_of(const struct vm_area_struct *vma);
/* Is [uaddr, uaddr + len) inside @u? */
bool uvma_covers(const struct uvma *u, unsigned long uaddr, unsigned long len);
void uvma_set(struct uvma *u, unsigned long uaddr, unsigned long pfn,
	      unsigned long nr);
void uvma_clear(struct uvma *u, unsigned long uaddr, unsigned long len);
unsigned long uvma_pfn(const struct uvma *u, unsigned long uaddr);
void uvma_destroy(struct vm_area_struct *vma);

#endif /* VM_HOSTED_UVMA_H */
