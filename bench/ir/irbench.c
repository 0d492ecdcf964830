/* SPDX-License-Identifier: MIT */
/*
 * irbench: KVA pairs (get_vm_area + free_vm_area) of six scenarios, for counting
 * instructions under callgrind (`make bench-ir`, which runs bench/ir/run).
 *
 *   irbench SCENARIO LOOPS [BUSY] [full]
 *
 * Sets up BUSY one-page areas (get_vm_area, held for the whole run),
 * then runs LOOPS loops of SCENARIO. bench/ir/run has callgrind count
 * only the library's entry points (--toggle-collect), for two loop
 * numbers, and divides the difference by the pairs in between, so the
 * harness, set-up, warm-up and the first blocks drop out.
 *
 *   page1     get_vm_area(1 page) + free_vm_area         1 pair a loop
 *   random    1..100 pages (uniform, splitmix64 seed 1)    1 pair
 *   align2m   3 pages at 2 MiB alignment                   1 pair
 *   busy100   100 pages, 1 page, free both                 2 pairs
 *
 * With "full", vmalloc()/__vmalloc_node_range() + vfree() instead.
 * Exit 1 when an allocation fails or is misplaced.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmalloc/vmalloc.h>

static bool full;
static unsigned long bad;
static uint64_t rng = 1;

static uint64_t rng_next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void *get(unsigned long size, unsigned long align)
{
	void *h;

	if (full)
		h = align > PAGE_SIZE ?
		    __vmalloc_node_range(size, align, VMALLOC_START,
					 VMALLOC_END, GFP_KERNEL, PAGE_KERNEL,
					 0, -1, NULL) :
		    vmalloc(size);
	else
		h = align > PAGE_SIZE ?
		    __get_vm_area_aligned(size, align, VM_ALLOC, VMALLOC_START,
					  VMALLOC_END, NULL) :
		    get_vm_area(size, VM_ALLOC);
	if (!h)
		bad++;
	else if (!full && ((unsigned long)((struct vm_struct *)h)->addr &
			   (align - 1)))
		bad++;
	return h;
}

static void put(void *h)
{
	if (!h)
		return;
	if (full)
		vfree(h);
	else
		free_vm_area(h);
}

enum scenario { PAGE1, RANDOM, ALIGN2M, BUSY100 };

static __attribute__((noinline)) void ir_loop(enum scenario s,
					      unsigned long loops)
{
	unsigned long i;

	for (i = 0; i < loops; i++) {
		switch (s) {
		case PAGE1:
			put(get(PAGE_SIZE, PAGE_SIZE));
			break;
		case RANDOM:
			put(get((rng_next() % 100 + 1) * PAGE_SIZE, PAGE_SIZE));
			break;
		case ALIGN2M:
			put(get(3 * PAGE_SIZE, 2UL << 20));
			break;
		case BUSY100: {
			void *big = get(100 * PAGE_SIZE, PAGE_SIZE);
			void *one = get(PAGE_SIZE, PAGE_SIZE);

			put(big);
			put(one);
			break;
		}
		}
	}
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "page1", "random", "align2m",
					     "busy100" };
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft",
				      .quiet = true };
	unsigned long loops, busy = 0, i;
	void **held = NULL;
	int s = -1, err;

	if (argc < 3)
		goto usage;
	for (i = 0; i < 4; i++)
		if (!strcmp(argv[1], names[i]))
			s = (int)i;
	if (s < 0)
		goto usage;
	loops = strtoul(argv[2], NULL, 0);
	if (argc > 3)
		busy = strtoul(argv[3], NULL, 0);
	full = argc > 4 && !strcmp(argv[4], "full");
	/* Frames for the busy areas (full mode) and a 100-page area. */
	cfg.phys_mb = 64 + (full ? (busy + 200) * PAGE_SIZE / (1 << 20) : 0);
	err = vmalloc_init(&cfg);
	if (err) {
		fprintf(stderr, "irbench: vmalloc_init: %s\n", strerror(-err));
		return 1;
	}
	held = calloc(busy ? busy : 1, sizeof(*held));
	for (i = 0; i < busy; i++)
		held[i] = get(PAGE_SIZE, PAGE_SIZE);
	ir_loop((enum scenario)s, loops);
	for (i = 0; i < busy; i++)
		put(held[i]);
	free(held);
	vmalloc_exit();
	if (bad) {
		fprintf(stderr, "irbench: %lu allocations failed\n", bad);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: irbench page1|random|align2m|busy100 LOOPS [BUSY] [full]\n");
	return 2;
}
