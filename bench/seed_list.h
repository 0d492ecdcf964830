/* SPDX-License-Identifier: MIT */
/*
 * The seed baseline for vmbench: the 2.6.24 address-space allocator's
 * design, on a plain numeric range, with nothing mapped.
 *
 * Every reserved range is one descriptor (malloc'ed, as the seed's
 * kmalloc'ed vm_struct) on one singly linked list sorted by address,
 * guarded by one lock. Reserving scans the list from the lowest address
 * and takes the first gap that holds the aligned request plus its guard
 * page (first fit); releasing scans the list for the exact start address
 * and unlinks it. Both are O(areas) per call: that is what the benchmark
 * measures against.
 *
 * Two defects of the seed are not reproduced (the baseline must be
 * correct to be a fair reference): a request is never placed past the
 * end of the range when the scan runs off the tail of the list, and the
 * "does it still fit below end" test cannot underflow for a request
 * larger than the range. Alignment arithmetic that would wrap past the
 * top of the address space fails the request instead.
 *
 * Thread-safe: every call takes sl->lock.
 */
#ifndef VMBENCH_SEED_LIST_H
#define VMBENCH_SEED_LIST_H

#include <pthread.h>
#include <stdbool.h>

/*
 * One reserved range; size includes the guard page. The fields are those
 * of the seed's vm_struct, so the descriptor costs what the seed's did
 * (the last three are unused here: the baseline maps nothing).
 */
struct seed_area {
	struct seed_area *next;		/* next higher range */
	unsigned long addr;
	unsigned long size;
	unsigned long flags;
	void **pages;
	unsigned int nr_pages;
	unsigned long phys_addr;
};

struct seed_list {
	pthread_mutex_t lock;		/* protects every field below */
	struct seed_area *head;		/* lowest address first */
	struct seed_area *tail_hint;	/* last area, or NULL when unknown */
	unsigned long start, end;	/* the managed range [start, end) */
	unsigned long live;		/* descriptors on the list */
};

/* Manage [start, end); both page aligned, start < end. Return 0 or -EINVAL. */
int seed_list_init(struct seed_list *sl, unsigned long start,
		   unsigned long end);

/* Free every descriptor still on the list. Return how many there were. */
unsigned long seed_list_destroy(struct seed_list *sl);

/*
 * Reserve the lowest [addr, addr + PAGE_ALIGN(size) + PAGE_SIZE) with
 * addr a multiple of @align (a power of two; raised to PAGE_SIZE) that
 * fits in the range. Return the descriptor (size includes the guard page),
 * or NULL: size 0, bad alignment, no room, or no memory.
 */
struct seed_area *seed_list_alloc(struct seed_list *sl, unsigned long size,
				  unsigned long align, unsigned long flags);

/*
 * Set-up shortcut: reserve like seed_list_alloc(), assuming no gap below
 * the last area can hold the request, so first fit would land just past
 * the last area anyway. Skips the O(n) scan (setting up a million busy
 * areas one scan at a time would take hours). Precondition: the caller
 * has only pushed (no seed_list_free) since the list was last empty, so
 * there are no gaps; vmbench's self-test checks the result matches
 * seed_list_alloc() address for address.
 */
struct seed_area *seed_list_push(struct seed_list *sl, unsigned long size,
				 unsigned long align, unsigned long flags);

/*
 * Unlink the area starting exactly at @addr (the seed's remove_vm_area)
 * and return it; the caller frees it with seed_area_put(). NULL when no
 * area starts there.
 */
struct seed_area *seed_list_remove(struct seed_list *sl, unsigned long addr);

/* The seed's free_vm_area(): remove @a (by its address) and free it. */
void seed_list_free(struct seed_list *sl, struct seed_area *a);

void seed_area_put(struct seed_area *a);

/* Walk the list: sorted, non-overlapping, inside the range, count right. */
bool seed_list_check(struct seed_list *sl);

#endif /* VMBENCH_SEED_LIST_H */
