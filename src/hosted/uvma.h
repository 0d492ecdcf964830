/* SPDX-License-Identifier: MIT */
/*
 * User ranges for remap_vmalloc_range() on hosted engines: which frame
 * each page of a reserved user range maps, and the references those
 * frames hold. The soft engine keeps only this record; the host engine
 * also makes the mapping real, through the callbacks below.
 *
 * A vma's vm_mm is a handle, not a pointer: a number that names one range
 * of the running instance and is never given out twice in this process
 * (or, after fork(), in its children). Every use looks the handle up in
 * the table of live ranges, so a vma that was released, that outlived
 * vmalloc_exit(), or that a parent reserved before fork() is simply not
 * found: nothing stale is ever dereferenced or mapped over.
 */
#ifndef VM_HOSTED_UVMA_H
#define VM_HOSTED_UVMA_H

#include "vmalloc/vmalloc.h"

/* The engine's side of a mapping: make [uaddr, +nr pages) real, or undo. */
typedef int (*uvma_map_fn)(void *ctx, unsigned long uaddr, unsigned long pfn,
			   unsigned long nr, int prot);
typedef void (*uvma_unmap_fn)(void *ctx, unsigned long uaddr,
			      unsigned long len);

/* Record [start, start + size) as a live range and describe it in @vma. */
int uvma_create(struct vm_area_struct *vma, unsigned long start,
		unsigned long size);

/*
 * user_map for an engine: map frames pfn .. pfn + nr - 1 at @uaddr of
 * @vma with @map (NULL: record only). A page that already mapped a frame
 * (a second remap) drops that frame's reference once the new mapping is
 * in place. Return 0, -EINVAL for a vma that is not a live range or a
 * range outside it, -ENOMEM, or @map's error.
 */
int uvma_map(void *ctx, const struct vm_area_struct *vma, unsigned long uaddr,
	     unsigned long pfn, unsigned long nr, uvma_map_fn map);

/*
 * user_unmap for an engine (the core's rollback of a failed remap): undo
 * [uaddr, uaddr + len) with @unmap and forget its frames. The references
 * are the core's to drop, not ours.
 */
void uvma_unmap(void *ctx, const struct vm_area_struct *vma,
		unsigned long uaddr, unsigned long len, uvma_unmap_fn unmap);

/* The frame @uaddr of @vma maps, or 0. */
unsigned long uvma_pfn(const struct vm_area_struct *vma, unsigned long uaddr);

/*
 * vm_user_range_release(): take the range out of the table, let @unmap
 * (may be NULL) drop what the engine made, then drop one reference per
 * mapped page. A vma that is not a live range is left alone.
 */
void uvma_release(void *ctx, struct vm_area_struct *vma, uvma_unmap_fn unmap);

/*
 * The instance ends (vmalloc_exit(), or a child forgets its parent's):
 * call @drop (may be NULL) on every live range and forget them all. No
 * reference is dropped: the frames go with the instance.
 */
void uvma_drop_all(void *ctx, uvma_unmap_fn drop);

/* fork(): hold the table across it, so the child's copy is whole. */
void uvma_fork_prepare(void);
void uvma_fork_parent(void);
void uvma_fork_child(void);

#endif /* VM_HOSTED_UVMA_H */
