/* SPDX-License-Identifier: MIT */
/*
 * vm_map_ram()/vm_unmap_ram() and the per-CPU allocator's congruent
 * areas (pcpu_get_vm_areas()/pcpu_free_vm_areas()).
 *
 * vm_map_ram() is vmap() without a vm_struct: short-lived mappings that
 * must be cheap. As in the kernel, small ones (up to VMAP_MAX_ALLOC
 * pages) come from per-CPU blocks and cost no descriptor; larger ones
 * take a range of the tree. Neither is an area that find_vm_area(),
 * vfree() or vunmap() accepts: only vm_unmap_ram() with the same count
 * undoes one. Its range is flushed lazily, like a freed area's; the next
 * purge (at the latest vm_unmap_aliases()) makes it reusable.
 *
 * Every path validates first, then reserves, maps and publishes; a
 * failure cancels the reservation, so nothing is left behind.
 */
#include "api/api.h"
#include "area/area.h"
#include "lib/slab.h"
#include "page/page_alloc.h"

#define RET_IP	(__builtin_return_address(0))

/* Congruent sets: more areas than any NUMA machine has node groups. */
#define PCPU_MAX_AREAS	4096

static void *map_ram(struct page **pages, unsigned int count, int node,
		     pgprot_t prot, const void *caller)
{
	struct area_ram r;
	int err;

	if (!vm_ensure_ready())
		return NULL;
	if (!pages || !count || count > pa_nr_frames() || !vm_prot_ok(prot) ||
	    node < -1 || node >= (int)pa_nr_nodes()) {
		vm_log(VM_LOG_WARNING,
		       "vm_map_ram: bad arguments (pages %p, count %u, node %d, prot 0x%llx)",
		       (void *)pages, count, node,
		       (unsigned long long)pgprot_val(prot));
		return NULL;
	}
	if (!vm_pages_ok("vm_map_ram", pages, count))
		return NULL;
	err = area_ram_alloc(count, caller, &r);
	if (err) {
		vm_log(VM_LOG_WARNING, "vm_map_ram: no %s for %u pages (%d)",
		       err == -VM_ENOSPC ? "vmalloc space" : "memory", count,
		       err);
		return NULL;
	}
	err = vm_map_range(r.addr, pages, count, prot);
	if (err) {
		area_ram_cancel(&r);
		vm_log(VM_LOG_WARNING, "vm_map_ram: mapping %u pages failed (%d)",
		       count, err);
		return NULL;
	}
	area_ram_publish(&r);
	return (void *)r.addr;
}

/**
 * vm_map_ram - map pages into virtually contiguous space, without a vm_struct
 * @pages: @count allocated frames of the pool (the same one may repeat)
 * @count: number of pages, 1 or more
 * @node: NUMA node for the bookkeeping (advisory), or NUMA_NO_NODE
 *
 * Maps @pages read-write (PAGE_KERNEL). Up to VMAP_MAX_ALLOC (64) pages
 * come from this CPU's vm_map_ram blocks (no descriptor), more from the
 * tree. Each mapping is followed by an unmapped guard page, as every
 * area of this library (the kernel's small mappings have none). The
 * header's vm_map_ram() macro sends four-argument calls (before 5.8, with
 * a protection) to vm_map_ram_prot().
 *
 * Return: the address, or NULL with a log line: for NULL @pages, @count
 * 0 or larger than the pool, a bad @node, a NULL, foreign or free page,
 * or no room or memory. Nothing is left behind on failure.
 * Context: may sleep. Undo with vm_unmap_ram(addr, @count) only.
 */
void *(vm_map_ram)(struct page **pages, unsigned int count, int node)
{
	return map_ram(pages, count, node, PAGE_KERNEL, RET_IP);
}

/**
 * vm_map_ram_prot - vm_map_ram() with a protection (the pre-5.8 form)
 * @pages: @count allocated frames of the pool
 * @count: number of pages, 1 or more
 * @node: NUMA node (advisory), or NUMA_NO_NODE
 * @prot: protection of the mapping
 *
 * Return: as vm_map_ram(); also NULL (logged) for a bad @prot.
 * Context: may sleep.
 */
void *vm_map_ram_prot(struct page **pages, unsigned int count, int node,
		      pgprot_t prot)
{
	return map_ram(pages, count, node, prot, RET_IP);
}

/**
 * vm_unmap_ram - unmap a mapping made by vm_map_ram()
 * @mem: the address vm_map_ram() returned
 * @count: the count it was given
 *
 * Clears the mapping's PTEs at once; its range is flushed from the TLB
 * lazily and reused after the next purge (vm_unmap_aliases() forces one).
 * The pages stay their owner's. A NULL or unaligned @mem, @count 0, an
 * address that is not the start of a live vm_map_ram() mapping (another
 * kind of area, or one unmapped already) and a @count other than the
 * mapping's log one line, count a warning and change nothing.
 *
 * Context: may sleep. Two threads unmapping the same mapping: one does,
 * the other is told it is not mapped.
 */
void vm_unmap_ram(const void *mem, unsigned int count)
{
	unsigned long addr = (unsigned long)mem, found;
	int err;

	if (!vm_ensure_ready())
		return;
	if (!mem || !count || (addr & (PAGE_SIZE - 1))) {
		vm_warn("vm_unmap_ram: bad address %p or count %u", mem, count);
		return;
	}
	err = area_ram_free(addr, count, &found);
	if (err == -VM_EINVAL)
		vm_warn("vm_unmap_ram: %p maps %lu pages, not %u: not unmapped",
			mem, found, count);
	else if (err)
		vm_warn("vm_unmap_ram: %p is not mapped by vm_map_ram", mem);
	vm_log_flush();
}

/* ------------------------------------------------------------------ */
/* Congruent areas for the per-CPU allocator                           */
/* ------------------------------------------------------------------ */

/*
 * The kernel's checks, as log lines instead of BUG_ON(): @align a power
 * of two of at least a page, every offset and size aligned to it, sizes
 * not zero, no two areas (each with its guard page) overlapping, and
 * the whole span no larger than the vmalloc range. Fills rel[] (offsets
 * from the lowest) and len[] (sizes with the guard page).
 */
static bool pcpu_args_ok(const unsigned long *offsets, const size_t *sizes,
			 int nr_vms, size_t align, unsigned long *rel,
			 unsigned long *len)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	int i, j;

	if (!VM_IS_POW2(align) || align < PAGE_SIZE) {
		vm_log(VM_LOG_WARNING,
		       "pcpu_get_vm_areas: alignment %zu is not a power of two of a page or more",
		       align);
		return false;
	}
	for (i = 0; i < nr_vms; i++) {
		unsigned long s = offsets[i], e = s + sizes[i] + PAGE_SIZE;

		if (!sizes[i] || (s | sizes[i]) & (align - 1) || e < s ||
		    sizes[i] > ULONG_MAX - PAGE_SIZE) {
			vm_log(VM_LOG_WARNING,
			       "pcpu_get_vm_areas: area %d (offset 0x%lx, size 0x%zx) is empty, overflows or is not aligned to 0x%zx",
			       i, s, sizes[i], align);
			return false;
		}
		for (j = 0; j < i; j++) {
			unsigned long s2 = offsets[j];
			unsigned long e2 = s2 + sizes[j] + PAGE_SIZE;

			if (s < e2 && s2 < e) {
				vm_log(VM_LOG_WARNING,
				       "pcpu_get_vm_areas: areas %d and %d overlap (guard pages included)",
				       j, i);
				return false;
			}
		}
		lo = vm_min(lo, s);
		hi = vm_max(hi, e);
	}
	if (hi - lo > vm_plat->vmalloc_end - vm_plat->vmalloc_start) {
		vm_log(VM_LOG_WARNING,
		       "pcpu_get_vm_areas: a span of 0x%lx bytes is larger than the vmalloc range",
		       hi - lo);
		return false;
	}
	for (i = 0; i < nr_vms; i++) {
		rel[i] = offsets[i] - lo;
		len[i] = sizes[i] + PAGE_SIZE;
	}
	return true;
}

/**
 * pcpu_get_vm_areas - allocate congruent areas for the per-CPU allocator
 * @offsets: offset of each area from a common base
 * @sizes: size of each area (without its guard page)
 * @nr_vms: number of areas
 * @align: alignment of the base: a power of two, PAGE_SIZE or more
 *
 * Finds one base such that every [base + @offsets[i], + @sizes[i]) and
 * the guard page after it is free, at the highest such place of the
 * vmalloc range (searched from the top, as the kernel does, away from
 * ordinary areas, which take the lowest addresses), and reserves all
 * the areas at once: each gets its own vm_struct (VM_ALLOC, no frames;
 * map them with map_vm_area()). So vms[i]->addr - vms[0]->addr ==
 * offsets[i] - offsets[0].
 *
 * Return: an array of @nr_vms descriptors, or NULL and nothing reserved:
 * for bad arguments (logged: see pcpu_args_ok), no room (after one
 * purge) or no memory. Free with pcpu_free_vm_areas().
 * Context: may sleep.
 */
struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align)
{
	struct area_request rq = { .flags = VM_ALLOC, .caller = RET_IP };
	struct vm_struct **vms = NULL;
	unsigned long *rel = NULL, *len = NULL;
	size_t n;
	int err = -VM_ENOMEM;

	if (!vm_ensure_ready())
		return NULL;
	if (!offsets || !sizes || nr_vms <= 0 || nr_vms > PCPU_MAX_AREAS) {
		vm_log(VM_LOG_WARNING, "pcpu_get_vm_areas: bad arguments (%d areas)",
		       nr_vms);
		return NULL;
	}
	n = (size_t)nr_vms;
	vms = vm_kmalloc(n * sizeof(*vms));
	rel = vm_kmalloc(n * sizeof(*rel));
	len = vm_kmalloc(n * sizeof(*len));
	if (vms && rel && len) {
		err = -VM_EINVAL;
		if (pcpu_args_ok(offsets, sizes, nr_vms, align, rel, len)) {
			rq.align = align;
			rq.vstart = vm_plat->vmalloc_start;
			rq.vend = vm_plat->vmalloc_end;
			err = area_alloc_congruent(rel, len, (unsigned int)n,
						   align, &rq, vms);
		}
	}
	if (rel)
		vm_kfree(rel, n * sizeof(*rel));
	if (len)
		vm_kfree(len, n * sizeof(*len));
	if (err) {
		if (vms)
			vm_kfree(vms, n * sizeof(*vms));
		if (err != -VM_EINVAL)
			vm_log(VM_LOG_WARNING,
			       "pcpu_get_vm_areas: no %s for %d congruent areas (%d)",
			       err == -VM_ENOSPC ? "vmalloc space" : "memory",
			       nr_vms, err);
		return NULL;
	}
	return vms;
}

/**
 * pcpu_free_vm_areas - free what pcpu_get_vm_areas() returned
 * @vms: the array it returned (NULL does nothing)
 * @nr_vms: the count it was given
 *
 * Frees each area (as free_vm_area(): frames the caller mapped stay its
 * own) and the array. Context: may sleep.
 */
void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms)
{
	int i;

	if (!vms || nr_vms <= 0 || !vm_ensure_ready())
		return;
	for (i = 0; i < nr_vms; i++)
		free_vm_area(vms[i]);
	vm_kfree(vms, (size_t)nr_vms * sizeof(*vms));
}
