/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the fuzzer: plain arrays and linear scans of
 * what the library should hold, simple enough to be obviously right.
 *
 *  areas     every live area the driver knows, with its range (guard page
 *            included), flags, descriptor, the frames it owns (vmalloc)
 *            and, per data page, the frame its PTE maps and the PTE's
 *            protection bits. The page array of a large vmalloc() area
 *            on an engine that vmallocs page arrays (VM_VPAGES) is an
 *            area of its own (MODEL_ARRAY), linked to its owner.
 *  frames    one shadow copy of the contents of every frame the model
 *            knows (frames of live vmalloc areas, the driver's own
 *            pages), keyed by struct page *; each frame has one owner.
 *            Contents live with frames, not with addresses, so aliases
 *            (vmap of the same page twice) need no special case.
 *  lazy      ranges freed while mapped, not yet purged.
 *  removed   descriptors remove_vm_area() handed back, not yet freed.
 *  cached    vmalloc areas vfree() may have left in the area cache: the
 *            set of every cacheable area freed since the last drain that
 *            no later call is known to have retired or reused. A cached
 *            area keeps its range (in no listing), its PTEs and frames
 *            (out of the model's frames: their contents are never
 *            assumed again); one retired goes onto the lazy list.
 *
 * Invariant the model itself keeps: live areas never overlap (the
 * driver checks every area the library hands out against this before
 * adding it), and every frame has at most one owner.
 */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmalloc/vmalloc.h"

#define MODEL_MAX_AREAS		192
#define MODEL_MAX_REMOVED	32
#define MODEL_MAX_LAZY		1024
#define MODEL_MAX_BLOCKS	48	/* driver page blocks */
#define MODEL_MAX_HISTORY	32	/* freed areas remembered */
#define MODEL_HASH_SLOTS	65536	/* a power of two, 2 x MODEL_MAX_FRAMES */
#define MODEL_MAX_FRAMES	32768	/* frames known at once (pool: 8192) */
#define MODEL_MAX_CACHED	256	/* possibly cached areas */
#define MODEL_CACHE_PAGES	256	/* the largest cacheable area (pages;
					   AREA_CACHE_MAX_PAGES) */

enum model_kind {
	MODEL_VMALLOC,		/* vmalloc() family: owns its frames */
	MODEL_VMAP,		/* vmap() of driver pages */
	MODEL_GVA,		/* get_vm_area() family, map_vm_area() */
	MODEL_ARRAY,		/* the vmalloc()ed page array of a VMALLOC area */
};

struct model_area {
	bool used;
	enum model_kind kind;
	unsigned long id;		/* serial number, for messages */
	unsigned long start;
	unsigned long size;		/* guard page included */
	unsigned long npages;		/* data pages: size / PAGE_SIZE - 1 */
	unsigned long flags;		/* expected vm->flags */
	struct vm_struct *vm;
	struct page **owned;		/* VMALLOC, ARRAY: npages frames */
	struct page **map;		/* per data page, NULL: unmapped; the
					   array is NULL while nothing is */
	uint64_t *prot;			/* per data page: expected PTE bits */
	bool ever_mapped;		/* freed lazily (VA_MAPPED) */
	bool plain;			/* VMALLOC: made by vmalloc() mapped
					   whole with PAGE_KERNEL (VMD_PLAIN) */
	int child;			/* ARRAY area of a VMALLOC, or -1 */
	int parent;			/* VMALLOC area of an ARRAY, or -1 */
};

struct model_removed {
	struct vm_struct *vm;
	unsigned long addr;
	unsigned long size;		/* without the guard page */
	unsigned long flags;
};

struct model_lazy {
	unsigned long start;		/* 0: address unknown */
	unsigned long pages;		/* guard page included */
};

struct model_block {			/* alloc_pages() by the driver */
	bool used;
	struct page *head;
	unsigned int order;
	unsigned int drefs;		/* references the driver holds: the
					   allocation's and get_page()s */
};

struct model_cached {			/* an area that may be cached */
	unsigned long start;
	unsigned long size;		/* guard page included */
	unsigned long npages;
	unsigned long id;		/* the model area it was (0: none) */
	unsigned long seq;		/* order of the vfree()s, all threads */
};

struct model_history {			/* a freed area */
	unsigned long addr;
	unsigned long size;
	struct vm_struct *vm;
};

/* A frame's owner when no area or block of the driver has it any more:
 * user space still maps it (references taken by remap_vmalloc_range). */
#define MODEL_ORPHAN	INT_MIN

struct model_frame {
	struct page *pg;		/* NULL: empty slot */
	int owner;			/* area index, -1 - block index, or
					   MODEL_ORPHAN */
	unsigned char *data;		/* PAGE_SIZE bytes */
	struct page *head;		/* the block's first page (itself for a
					   vmalloc frame) */
	unsigned int refs;		/* head only: the library's count */
	unsigned int order;		/* head only: the block's order */
};

/* A user range that remap_vmalloc_range() filled and the driver keeps. */
#define MODEL_MAX_URANGES	8
#define MODEL_URANGE_PAGES	24

struct model_urange {
	bool used;
	struct vm_area_struct vma;
	unsigned long npages;
	struct page *pages[MODEL_URANGE_PAGES];	/* what each user page maps */
};

struct model {
	unsigned long range_start, range_end;
	unsigned long phys_pages;
	unsigned long lazy_max;
	unsigned int nodes;
	bool vpages;			/* big page arrays are vmalloc()ed */
	bool fast;			/* the small-area fast path is on: lazy
					   pages are counted per CPU and purges
					   come later than the threshold says */
	bool follow;			/* threaded: never purge by itself, the
					   driver follows the library's purges */
	bool arrays_fixed;		/* vwrite does not write page arrays */
	bool cache;			/* the area cache is on */

	struct model_area areas[MODEL_MAX_AREAS];
	unsigned int nr_areas;
	unsigned long next_id;

	struct model_removed removed[MODEL_MAX_REMOVED];
	unsigned int nr_removed;

	struct model_cached cached[MODEL_MAX_CACHED];
	unsigned int nr_cached;

	struct model_lazy lazy[MODEL_MAX_LAZY];
	unsigned int nr_lazy;
	unsigned long lazy_pages;
	unsigned long purges;		/* purges the model made happen */

	struct model_block blocks[MODEL_MAX_BLOCKS];
	unsigned int nr_blocks;

	struct model_history history[MODEL_MAX_HISTORY];
	unsigned int history_pos;

	struct model_urange uranges[MODEL_MAX_URANGES];
	struct page *freed_heads[16];	/* blocks the driver freed (double frees) */
	unsigned int freed_orders[16];
	unsigned int freed_pos;

	struct model_frame *frames;	/* MODEL_HASH_SLOTS */
	unsigned long nr_frames;	/* frames owned: vmalloc + driver */
	unsigned char *store;		/* MODEL_MAX_FRAMES shadow pages */
	uint32_t *free_slots;		/* stack of unused store pages */
	unsigned long nr_free_slots;

	unsigned long warnings;		/* expected warning counter */
};

/* Set up an empty model (allocates the frame table once). */
int model_init(struct model *m);
/* Drop everything (shadow copies included); the model is empty again. */
void model_reset(struct model *m);
void model_destroy(struct model *m);

/* ---- frames ---- */
struct model_frame *model_frame(struct model *m, const struct page *pg);
/*
 * Register @pg for @owner with @data copied (NULL: zeroes). Return the
 * frame, or NULL when it is already owned (*prev_owner says by whom).
 */
struct model_frame *model_frame_add(struct model *m, struct page *pg,
				    int owner, const void *data,
				    int *prev_owner);
void model_frame_del(struct model *m, struct page *pg);
/*
 * Drop one reference on the block that holds @pg. At zero the block's
 * frames leave the model (return true); otherwise they stay, orphans
 * with @orphan.
 */
bool model_frame_put(struct model *m, struct page *pg, bool orphan);

/* ---- areas ---- */
int model_area_new(struct model *m);	/* a free slot, or -1 */
void model_area_free(struct model *m, int i);
/* The live area whose [start, start + size) holds @addr, or -1. */
int model_area_at(const struct model *m, unsigned long addr);
/* The live area that starts exactly at @addr, or -1. */
int model_area_starting(const struct model *m, unsigned long addr);
/* The live area or removed descriptor with descriptor @vm. */
int model_area_of_vm(const struct model *m, const struct vm_struct *vm);
int model_removed_of_vm(const struct model *m, const struct vm_struct *vm);
/* Does [start, start + len) meet a live area? */
bool model_overlaps_live(const struct model *m, unsigned long start,
			 unsigned long len);
/* Does [start, start + len) meet a range that waits for the purge? */
bool model_overlaps_lazy(const struct model *m, unsigned long start,
			 unsigned long len);
/* Make sure area @i has its per-page arrays. Return 0 or -1. */
int model_area_maps(struct model *m, int i);

/* ---- the lazy list ---- */
/* A mapped area's range was freed: queue it, purge past the threshold. */
void model_lazy_add(struct model *m, unsigned long start, unsigned long pages);
void model_purge(struct model *m);

/* ---- the area cache ---- */
/*
 * Area @i is being freed by vfree() and may go into the cache: remember
 * it. Return false when the set is full (the caller drains).
 */
bool model_cached_add(struct model *m, int i);
void model_cached_del(struct model *m, unsigned int k);
/* Pages of the possibly cached areas. */
unsigned long model_cached_pages(const struct model *m);

/* ---- placement ---- */
/*
 * Is there an @align-aligned [a, a + size) inside [vs, ve) that meets
 * no live area (and, with @lazy_busy, no lazy range either)? All the
 * arithmetic is overflow-checked.
 */
bool model_fit_exists(const struct model *m, unsigned long size,
		      unsigned long align, unsigned long vs, unsigned long ve,
		      bool lazy_busy);

/* The lowest such a, in *@out; false when there is none. */
bool model_lowest_fit(const struct model *m, unsigned long size,
		      unsigned long align, unsigned long vs, unsigned long ve,
		      bool lazy_busy, unsigned long *out);

/* ---- contents ---- */
/*
 * What vread/vwrite(addr, count) must return: the clipped range, then
 * the bytes up to the end of the data of the last live area it reaches.
 */
unsigned long model_rw_span(const struct model *m, unsigned long addr,
			    unsigned long count);
/* The bytes vread() must give for [addr, addr + n) (n <= span). */
void model_read(const struct model *m, unsigned long addr, unsigned long n,
		unsigned char *out);
/* Apply vwrite() of @buf to [addr, addr + n) (n <= span). */
void model_write(struct model *m, unsigned long addr, unsigned long n,
		 const unsigned char *buf);
/* Is the byte at @addr mapped (and writable, with @write) data? */
bool model_byte_backed(const struct model *m, unsigned long addr,
		       bool write);

/* Remember a freed area for hostile reuse of its address/descriptor. */
void model_history_add(struct model *m, unsigned long addr,
		       unsigned long size, struct vm_struct *vm);

/* Frames the model says are not free (vmalloc areas + driver blocks). */
unsigned long model_frames_in_use(const struct model *m);

#endif /* FUZZ_MODEL_H */
