/* SPDX-License-Identifier: MIT */
/*
 * The behaviour the kernel's own vmalloc self-test (lib/test_vmalloc.c,
 * 13 cases in Linux 6.x) checks, in our words and with our checks: each
 * case here runs the same kind of calls, on several threads where the
 * kernel module runs them on several CPUs, and proves more than that the
 * calls returned non-NULL: contents, alignment, placement, and that every
 * count is back at its baseline afterwards.
 *
 *   kernel case                  here
 *   fix_size_alloc_test          fixed_size_allocations_round_trip
 *   full_fit_alloc_test          exact_holes_are_filled_by_same_size_allocations
 *   long_busy_list_alloc_test    allocations_succeed_beside_a_long_busy_list
 *   random_size_alloc_test       random_sizes_round_trip_with_their_contents
 *   fix_align_alloc_test         fixed_alignment_is_honoured
 *   random_size_align_alloc_test random_sizes_and_alignments_are_honoured
 *   align_shift_alloc_test       alignments_past_the_range_fail_cleanly
 *   pcpu_alloc_test              congruent_per_cpu_areas_round_trip
 *   kvfree_rcu_1_arg_vmalloc_test kvfree_releases_vmalloc_memory
 *   kvfree_rcu_2_arg_vmalloc_test kvfree_releases_a_vmalloced_object_with_a_head
 *   vm_map_ram_test              vm_map_ram_maps_bulk_allocated_pages
 *   no_block_alloc_test          non_blocking_flags_allocate
 *   vrealloc_test                vrealloc_grows_and_shrinks_keeping_contents
 *
 * The kernel has no RCU here (kvfree_rcu is not provided): the two
 * kvfree_rcu cases free with kvfree, which is what the grace period ends in.
 */
#include <pthread.h>

#include "harness.h"

#define THREADS		2
#define LOOPS		3000

/* Run @fn on THREADS threads at once, each with its own seed; every one
 * returns its failure count. */
static void on_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];
	uintptr_t seeds[THREADS];
	unsigned int i;
	void *bad;

	for (i = 0; i < THREADS; i++) {
		seeds[i] = (uintptr_t)vt_rand() | 1;
		ASSERT_EQ(pthread_create(&t[i], NULL, fn, (void *)seeds[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(pthread_join(t[i], &bad), 0);
		ASSERT_EQ((uintptr_t)bad, 0);
	}
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ------------------------------------------------------------------ */

static void *fixed_size(void *arg)
{
	uintptr_t bad = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < LOOPS; i++) {
		unsigned char *p = vmalloc(PAGE_SIZE);
		unsigned char b = 0x5a;

		if (!p) {
			bad++;
			continue;
		}
		vwrite((char *)&b, (char *)p, 1);
		b = 0;
		vread((char *)&b, (char *)p, 1);
		bad += b != 0x5a;
		vfree(p);
	}
	return (void *)bad;
}

TEST(fixed_size_allocations_round_trip)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(fixed_size);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(exact_holes_are_filled_by_same_size_allocations)
{
	enum { N = 512 };
	void *keep[N], *junk[N], *p;
	struct vt_snap s0;
	unsigned int i;

	vt_init_strict(64);		/* lowest fit for every size */
	s0 = vt_snap();
	for (i = 0; i < N; i++) {
		keep[i] = vmalloc(PAGE_SIZE);
		junk[i] = vmalloc(PAGE_SIZE);
		ASSERT_NONNULL(keep[i]);
		ASSERT_NONNULL(junk[i]);
	}
	for (i = 0; i < N; i++)
		vfree(junk[i]);
	vm_unmap_aliases();		/* the holes are free address space now */
	/* Each one-page allocation fills the lowest hole exactly, and its
	 * free opens it again. */
	for (i = 0; i < LOOPS; i++) {
		p = vmalloc(PAGE_SIZE);
		ASSERT_EQ(p, junk[0]);
		vfree(p);
		vm_unmap_aliases();
	}
	for (i = 0; i < N; i++) {
		junk[i] = vmalloc(PAGE_SIZE);
		ASSERT_NONNULL(junk[i]);
		ASSERT_EQ((char *)junk[i], (char *)keep[i] + 2 * PAGE_SIZE);
	}
	for (i = 0; i < N; i++) {
		vfree(keep[i]);
		vfree(junk[i]);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *beside_busy(void *arg)
{
	uintptr_t bad = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < LOOPS / 10; i++) {
		void *big = vmalloc(100 * PAGE_SIZE), *small = vmalloc(PAGE_SIZE);

		bad += !big + !small;
		if (big)
			vt_fill(big, 100 * PAGE_SIZE, i);
		if (big && !vt_filled(big, 100 * PAGE_SIZE, i))
			bad++;
		vfree(big);
		vfree(small);
	}
	return (void *)bad;
}

TEST(allocations_succeed_beside_a_long_busy_list)
{
	enum { BUSY = 15000 };
	struct vt_snap s0;
	void **busy;
	unsigned int i;

	vt_seed();
	vt_init(256, 1);
	s0 = vt_snap();
	busy = calloc(BUSY, sizeof(*busy));
	ASSERT_NONNULL(busy);
	for (i = 0; i < BUSY; i++)
		ASSERT_NONNULL(busy[i] = get_vm_area(PAGE_SIZE, VM_ALLOC));
	on_threads(beside_busy);
	for (i = 0; i < BUSY; i++)
		free_vm_area(busy[i]);
	free(busy);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *random_sizes(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	uintptr_t bad = 0;
	unsigned int i;

	for (i = 0; i < LOOPS / 10; i++) {
		unsigned long n = (next(&s) % 100 + 1) * PAGE_SIZE;
		void *p = vmalloc(n);

		if (!p) {
			bad++;
			continue;
		}
		vt_fill(p, n, i);
		bad += !vt_filled(p, n, i);
		bad += find_vm_area(p)->size != n + PAGE_SIZE;
		vfree(p);
	}
	return (void *)bad;
}

TEST(random_sizes_round_trip_with_their_contents)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(random_sizes);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* The kernel's THREAD_ALIGN << 1 on x86-64: 32 KiB. */
static void *fixed_align(void *arg)
{
	uintptr_t bad = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < LOOPS; i++) {
		void *p = __vmalloc_node(5 * PAGE_SIZE, 32UL << 10,
					 GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
					 __builtin_return_address(0));

		bad += !p || ((unsigned long)p & ((32UL << 10) - 1));
		vfree(p);
	}
	return (void *)bad;
}

TEST(fixed_alignment_is_honoured)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(fixed_align);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *random_align(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	uintptr_t bad = 0;
	unsigned int i;

	for (i = 0; i < LOOPS; i++) {
		unsigned int r = (unsigned int)next(&s);
		unsigned long align = 1UL << (r % 23), size = (r % 10 + 1) * PAGE_SIZE;
		void *p = __vmalloc_node(size, align, GFP_KERNEL | __GFP_ZERO,
					 NUMA_NO_NODE, NULL);
		unsigned long want = align < PAGE_SIZE ? PAGE_SIZE : align;

		bad += !p || ((unsigned long)p & (want - 1));
		vfree(p);
	}
	return (void *)bad;
}

TEST(random_sizes_and_alignments_are_honoured)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(random_align);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(alignments_past_the_range_fail_cleanly)
{
	unsigned long worked = 0, failed = 0;
	struct vt_snap s0;
	unsigned int shift;

	vt_init(16, 1);
	s0 = vt_snap();
	for (shift = 0; shift < 64; shift++) {
		unsigned long align = 1UL << shift, start = VMALLOC_START;
		unsigned long first = (start + align - 1) & ~(align - 1);
		/* Is there an aligned start with room for a page and its guard? */
		bool room = first >= start && first < VMALLOC_END &&
			    VMALLOC_END - first >= 2 * PAGE_SIZE;
		void *p = __vmalloc_node(PAGE_SIZE, align,
					 GFP_KERNEL | __GFP_NOWARN, NUMA_NO_NODE,
					 NULL);

		/* The (nearly empty) range has room exactly where an aligned
		 * start exists: there the allocation works and is aligned;
		 * elsewhere it fails cleanly, with no wrap. */
		if (room) {
			ASSERT_NONNULL(p);
			ASSERT_EQ((unsigned long)p & (align - 1), 0);
			worked++;
		} else {
			ASSERT_NULL(p);
			failed++;
		}
		vfree(p);
	}
	ASSERT_GT(worked, 12);
	ASSERT_GT(failed, 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *congruent(void *arg)
{
	static const unsigned long offsets[] = { 0, 1UL << 20, 4UL << 20 };
	static const size_t sizes[] = { 64UL << 10, 64UL << 10, 128UL << 10 };
	uint64_t s = (uintptr_t)arg;
	uintptr_t bad = 0;
	unsigned int i, k;

	for (i = 0; i < LOOPS / 10; i++) {
		int nr = 1 + (int)(next(&s) % 3);
		struct vm_struct **vms = pcpu_get_vm_areas(offsets, sizes, nr,
							   PAGE_SIZE);

		if (!vms) {
			bad++;
			continue;
		}
		for (k = 1; k < (unsigned int)nr; k++)
			bad += (unsigned long)vms[k]->addr -
			       (unsigned long)vms[0]->addr != offsets[k];
		for (k = 0; k < (unsigned int)nr; k++)
			bad += vms[k]->size < sizes[k] || vms[k]->nr_pages;
		pcpu_free_vm_areas(vms, nr);
	}
	return (void *)bad;
}

TEST(congruent_per_cpu_areas_round_trip)
{
	struct vt_snap s0;
	void *low;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	low = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(low);
	on_threads(congruent);
	vfree(low);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *kvfree_vmalloced(void *arg)
{
	uintptr_t bad = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < LOOPS; i++) {
		char *p = vmalloc(PAGE_SIZE), c = 'a';

		if (!p) {
			bad++;
			continue;
		}
		bad += !is_vmalloc_addr(p);
		vwrite(&c, p, 1);
		kvfree(p);
	}
	return (void *)bad;
}

TEST(kvfree_releases_vmalloc_memory)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(kvfree_vmalloced);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* The kernel's second kvfree_rcu case frees an object with an rcu_head. */
struct object_with_head {
	void *head[2];
	char array[10];
};

static void *kvfree_object(void *arg)
{
	uintptr_t bad = 0;
	unsigned int i;

	(void)arg;
	for (i = 0; i < LOOPS; i++) {
		struct object_with_head *o = vmalloc(PAGE_SIZE), w = { { 0 }, "a" };

		if (!o) {
			bad++;
			continue;
		}
		vwrite((char *)&w, (char *)o, sizeof(w));
		kvfree(o);
	}
	return (void *)bad;
}

TEST(kvfree_releases_a_vmalloced_object_with_a_head)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(kvfree_object);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *map_ram(void *arg)
{
	enum { NR = 16 };
	struct page *pages[NR] = { NULL };
	uintptr_t bad = 0;
	unsigned int i, k;

	(void)arg;
	if (alloc_pages_bulk(GFP_KERNEL, NR, pages) != NR)
		return (void *)1;
	for (i = 0; i < LOOPS; i++) {
		unsigned int n = 1 + i % NR;
		char *v = vm_map_ram(pages, n, NUMA_NO_NODE);

		if (!v) {
			bad++;
			continue;
		}
		for (k = 0; k < n; k++)
			bad += vmalloc_to_page(v + k * PAGE_SIZE) != pages[k];
		vm_unmap_ram(v, n);
	}
	for (k = 0; k < NR; k++)
		__free_page(pages[k]);
	return (void *)bad;
}

TEST(vm_map_ram_maps_bulk_allocated_pages)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(map_ram);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

static void *no_block(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	uintptr_t bad = 0;
	unsigned int i;

	for (i = 0; i < LOOPS; i++) {
		gfp_t gfp = next(&s) & 1 ? GFP_NOWAIT : GFP_ATOMIC;
		void *p = __vmalloc((next(&s) % 4 + 1) * PAGE_SIZE, gfp);

		bad += !p;
		vfree(p);
	}
	return (void *)bad;
}

TEST(non_blocking_flags_allocate)
{
	struct vt_snap s0;

	vt_seed();
	vt_init(64, 1);
	s0 = vt_snap();
	on_threads(no_block);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(vrealloc_grows_and_shrinks_keeping_contents)
{
	struct vt_snap s0;
	char *p;

	vt_init(16, 1);
	s0 = vt_snap();
	p = vrealloc(NULL, PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(p);
	vt_fill(p, PAGE_SIZE, 1);
	p = vrealloc(p, 4 * PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(vt_filled(p, PAGE_SIZE, 1));
	vt_fill(p, 4 * PAGE_SIZE, 2);
	p = vrealloc(p, PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(vt_filled(p, PAGE_SIZE, 2));
	p = vrealloc(p, PAGE_SIZE / 2, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(vt_filled(p, PAGE_SIZE / 2, 2));
	p = vrealloc(p, PAGE_SIZE, GFP_KERNEL);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(vt_filled(p, PAGE_SIZE / 2, 2));
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
