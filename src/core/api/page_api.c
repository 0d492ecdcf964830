/* SPDX-License-Identifier: MIT */
/*
 * The kernel's page-allocator API over the page layer.
 */
#include "api/api.h"
#include "area/area.h"
#include "page/page_alloc.h"

/**
 * alloc_pages_node - allocate 2^@order physically contiguous frames
 * @nid: preferred NUMA node, or -1 for node 0
 * @gfp_mask: __GFP_ZERO, __GFP_DMA32, __GFP_THISNODE, __GFP_NOWARN, ...
 * @order: 0 .. MAX_ORDER - 1
 *
 * Return: the first frame's page, with one reference, or NULL.
 * Context: may sleep.
 */
struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order)
{
	if (!vm_ensure_ready())
		return NULL;
	if (nid >= (int)pa_nr_nodes() || nid < -1) {
		vm_log(VM_LOG_WARNING, "alloc_pages_node: no node %d", nid);
		return NULL;
	}
	if (area_cache_held()) {
		/* Never fail while the area cache holds frames: drain it. */
		struct page *pg = pa_alloc(nid, gfp_mask | __GFP_NOWARN, order,
					   VM_FAULT_PAGE);

		if (pg)
			return pg;
		area_cache_drain();
	}
	return pa_alloc(nid, gfp_mask, order, VM_FAULT_PAGE);
}

/**
 * alloc_pages - alloc_pages_node() on node 0
 * @gfp_mask: allocation flags
 * @order: 0 .. MAX_ORDER - 1
 *
 * Return: the page, or NULL. Context: may sleep.
 */
struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)
{
	return alloc_pages_node(-1, gfp_mask, order);
}

/**
 * alloc_pages_bulk_node - fill the empty slots of a page array
 * @gfp: allocation flags (__GFP_ZERO, __GFP_DMA32, __GFP_THISNODE, ...)
 * @nid: preferred NUMA node, or -1
 * @nr_pages: slots in @page_array
 * @page_array: slots; NULL ones get a single frame, set ones are kept
 *
 * Each run of NULL slots is filled by the page allocator's bulk path (one
 * lock round trip per zone, all or nothing). When a run cannot be had in
 * bulk, its slots are filled one frame at a time (draining the area
 * cache before giving up on one), and the call stops at the first frame
 * it cannot get: the slots after it stay as they were.
 * Each frame has one reference (__free_page()).
 *
 * Return: how many slots of @page_array are set now (those set before
 * included); 0 for a NULL @page_array or a bad @nid (logged).
 * Context: may sleep.
 */
unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid, unsigned long nr_pages,
				    struct page **page_array)
{
	unsigned long i, j, set = 0;

	if (!vm_ensure_ready() || !nr_pages)
		return 0;
	if (!page_array || nid >= (int)pa_nr_nodes() || nid < -1) {
		vm_log(VM_LOG_WARNING,
		       "alloc_pages_bulk: bad arguments (array %p, node %d)",
		       (void *)page_array, nid);
		return 0;
	}
	for (i = 0; i < nr_pages; i = j) {
		if (page_array[i]) {
			j = i + 1;
			continue;
		}
		for (j = i; j < nr_pages && !page_array[j]; j++)
			;
		/* All or nothing for the run: on failure it is still empty. */
		if (!pa_alloc_bulk(nid, gfp, j - i, page_array + i, true))
			continue;
		for (; i < j; i++) {
			page_array[i] = pa_alloc(nid, gfp | __GFP_NOWARN, 0,
						 VM_FAULT_PAGE);
			/* As alloc_pages_node: not while the area cache
			 * holds frames. */
			if (!page_array[i] && area_cache_held() &&
			    area_cache_drain())
				page_array[i] = pa_alloc(nid, gfp | __GFP_NOWARN,
							 0, VM_FAULT_PAGE);
			if (!page_array[i])
				goto out;
		}
	}
out:
	for (i = 0; i < nr_pages; i++)
		set += page_array[i] != NULL;
	return set;
}

/**
 * alloc_pages_bulk - alloc_pages_bulk_node() on any node
 * @gfp: allocation flags
 * @nr_pages: slots in @page_array
 * @page_array: slots; NULL ones are filled
 *
 * Return: how many slots are set now. Context: may sleep.
 */
unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
			       struct page **page_array)
{
	return alloc_pages_bulk_node(gfp, -1, nr_pages, page_array);
}

/**
 * __free_pages - drop the reference alloc_pages() gave
 * @page: the first page of the block
 * @order: the order it was allocated with
 *
 * The block goes back to the pool when no other reference (get_page(), a
 * user mapping) is left. A page that is not an allocated block of @order,
 * or whose count is already zero (a second free, even one racing with the
 * first), is reported ("Bad page state") and left alone.
 * Context: may sleep.
 */
void __free_pages(struct page *page, unsigned int order)
{
	if (!page || !vm_ensure_ready())
		return;
	pa_free(page, order);
}

/**
 * get_page - take a reference on the block holding @page
 * @page: any page of an allocated block
 *
 * The block stays allocated until every reference is dropped. A page that
 * is not allocated is refused with a warning.
 * Context: any; lock-free.
 */
void get_page(struct page *page)
{
	if (page && vm_ensure_ready())
		pa_get(page);
}

/**
 * put_page - drop a reference taken with get_page() (or the allocation's)
 * @page: any page of an allocated block
 *
 * The last reference frees the block, with the order it was allocated
 * with. A page with no reference left is reported and left alone.
 * Context: may sleep.
 */
void put_page(struct page *page)
{
	if (page && vm_ensure_ready())
		pa_put(page);
}

/**
 * page_count - references held on the block containing @page
 * @page: a page of the pool
 *
 * Return: the count, 0 for a free page or a pointer that is no page.
 * Context: any; lock-free.
 */
int page_count(const struct page *page)
{
	if (!page || !vm_ensure_ready())
		return 0;
	return (int)pa_count(page);
}

/**
 * page_address - the address at which the core reaches a frame
 * @page: a page of the pool
 *
 * Return: its direct-map address, or NULL for a pointer that is no page.
 * Context: any.
 */
void *page_address(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return NULL;
	return pa_page_address(page);
}

/**
 * page_to_pfn - the frame number of @page
 * @page: a page of the pool
 *
 * Return: the pfn, or 0 for a pointer that is no page.
 */
unsigned long page_to_pfn(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return 0;
	return pa_page_pfn(page);
}

/**
 * pfn_to_page - the page of a frame number
 * @pfn: a frame number
 *
 * Return: its page; NULL outside the pool and for a frame the pool has
 * not brought into use yet (it grows lazily: such a frame has no memory
 * behind it, so nothing may map it).
 */
struct page *pfn_to_page(unsigned long pfn)
{
	if (!vm_ensure_ready())
		return NULL;
	return pa_pfn_page_present(pfn);
}

/**
 * virt_to_page - the page behind a direct-map address
 * @addr: any address inside a frame's direct-map page (page_address())
 *
 * The inverse of page_address(), for memory that is not vmalloc memory
 * (use vmalloc_to_page() for that).
 *
 * Return: the page; NULL for an address outside the direct map or in a
 * part of the pool not yet brought into use. Context: any.
 */
struct page *virt_to_page(const void *addr)
{
	if (!vm_ensure_ready())
		return NULL;
	return pa_virt_page(addr);
}

/**
 * page_to_nid - the NUMA node of @page
 * @page: a page of the pool
 *
 * Return: the node, or -1 for a pointer that is no page.
 */
int page_to_nid(const struct page *page)
{
	if (!page || !vm_ensure_ready() || !pa_valid_page(page))
		return -1;
	return pa_page_nid(page);
}

/** nr_free_pages - free frames of every node (grown or not). */
unsigned long nr_free_pages(void)
{
	return vm_ensure_ready() ? pa_nr_free(-1) : 0;
}

/** nr_free_pages_node - free frames of node @nid (0 for no such node). */
unsigned long nr_free_pages_node(int nid)
{
	if (!vm_ensure_ready() || nid < 0 || nid >= (int)pa_nr_nodes())
		return 0;
	return pa_nr_free(nid);
}

/** num_physpages_total - frames in the pool. */
unsigned long num_physpages_total(void)
{
	return vm_ensure_ready() ? pa_nr_frames() : 0;
}

/** num_online_nodes - NUMA nodes of the pool. */
int num_online_nodes(void)
{
	return vm_ensure_ready() ? (int)pa_nr_nodes() : 0;
}
