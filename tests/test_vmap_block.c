/* SPDX-License-Identifier: MIT */
/*
 * The small-area fast path (src/core/vmap_block.c): what it guarantees in
 * place of strict lowest-address placement, on whichever engine.
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>
#include <sched.h>

#define BLOCK	(2UL << 20)

/* Pin this process to one CPU, so "the calling CPU's block" is one block. */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
}

TEST(small_areas_take_consecutive_slots_of_an_aligned_block)
{
	unsigned int pages;

	pin(0);
	vt_init(64, 1);
	for (pages = 1; pages <= 4; pages++) {
		struct vm_struct *a[8];
		int i;

		for (i = 0; i < 8; i++) {
			a[i] = get_vm_area(pages * PAGE_SIZE, VM_ALLOC);
			ASSERT_NONNULL(a[i]);
			ASSERT_EQ(a[i]->size, (pages + 1) * PAGE_SIZE);
		}
		/* A new class starts a new block, aligned to 2 MiB. */
		ASSERT_EQ((unsigned long)a[0]->addr & (BLOCK - 1), 0);
		for (i = 1; i < 8; i++)
			ASSERT_EQ((unsigned long)a[i]->addr,
				  (unsigned long)a[i - 1]->addr + a[i - 1]->size);
		for (i = 0; i < 8; i++)
			free_vm_area(a[i]);
	}
	ASSERT_SANE();
}

TEST(the_lowest_free_slot_is_reused_first)
{
	struct vm_struct *a[10], *b, *c;
	void *addr3, *addr7;
	int i;

	pin(0);
	vt_init(64, 1);
	for (i = 0; i < 10; i++)
		ASSERT_NONNULL(a[i] = get_vm_area(PAGE_SIZE, VM_ALLOC));
	addr3 = a[3]->addr;
	addr7 = a[7]->addr;
	free_vm_area(a[7]);
	free_vm_area(a[3]);
	/* Never mapped: reusable at once, lowest slot first. */
	b = get_vm_area(PAGE_SIZE, VM_ALLOC);
	c = get_vm_area(PAGE_SIZE, VM_ALLOC);
	ASSERT_TRUE(b->addr == addr3);
	ASSERT_TRUE(c->addr == addr7);
	free_vm_area(b);
	free_vm_area(c);
	for (i = 0; i < 10; i++)
		if (i != 3 && i != 7)
			free_vm_area(a[i]);
	ASSERT_SANE();
}

TEST(a_freed_mapped_slot_waits_for_the_purge)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	char *p, *q, *r;

	pin(0);
	vt_init_uncached(64);	/* the dirty slot, not the area cache */
	p = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(p);
	vfree(p);
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.lazy_pages, 2);
	q = vmalloc(PAGE_SIZE);
	ASSERT_TRUE(q != p);		/* p's slot is dirty */
	ASSERT_NULL(vmalloc_to_page(p));
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	ASSERT_EQ(st.lazy_pages, 0);
	r = vmalloc(PAGE_SIZE);
	ASSERT_TRUE(r == p);		/* flushed: the lowest slot again */
	vfree(q);
	vfree(r);
	ASSERT_SANE();
}

TEST(lookups_and_walks_see_slot_areas)
{
	struct vm_struct *a, *b;
	char buf[4 * PAGE_SIZE], *info;
	size_t n;

	pin(0);
	vt_init(64, 1);
	a = get_vm_area(2 * PAGE_SIZE, VM_ALLOC);	/* 3-page slots */
	b = get_vm_area(2 * PAGE_SIZE, VM_ALLOC);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	ASSERT_TRUE(find_vm_area((char *)a->addr + PAGE_SIZE + 1) == a);
	ASSERT_TRUE(find_vm_area((char *)a->addr + 2 * PAGE_SIZE) == a); /* guard */
	ASSERT_TRUE(find_vm_area(b->addr) == b);
	/* An interior address is no area's start: warns, frees nothing. */
	vt_log_clear();
	vfree((char *)a->addr + PAGE_SIZE);
	ASSERT_EQ(vt_log_count("nonexistent vm area"), 1);
	ASSERT_TRUE(find_vm_area(a->addr) == a);
	/* vread across two slots: unmapped data and the guard read zero. */
	memset(buf, 0x77, sizeof(buf));
	ASSERT_EQ(vread(buf, a->addr, sizeof(buf)), (long)sizeof(buf));
	ASSERT_EQ(buf[0], 0);
	ASSERT_EQ(buf[2 * PAGE_SIZE + 1], 0);		/* a's guard page */
	ASSERT_EQ(buf[sizeof(buf) - 1], 0);
	/* Three pages from a end in its guard: they count up to its data. */
	ASSERT_EQ(vread(buf, a->addr, 3 * PAGE_SIZE), 2 * (long)PAGE_SIZE);
	n = vmallocinfo(NULL, 0);
	info = malloc(n + 1);
	ASSERT_NONNULL(info);
	vmallocinfo(info, n + 1);
	ASSERT_TRUE(strstr(info, "12288") != NULL);
	ASSERT_TRUE(strchr(info, '\n') != strrchr(info, '\n'));	/* two lines */
	free(info);
	free_vm_area(a);
	free_vm_area(b);
}

TEST(requests_with_a_window_or_alignment_bypass_the_blocks)
{
	struct vm_struct *small, *aligned, *windowed;

	pin(0);
	vt_init(64, 1);
	small = get_vm_area(PAGE_SIZE, VM_ALLOC);		/* fast path */
	aligned = __get_vm_area_aligned(PAGE_SIZE, 4 * PAGE_SIZE, VM_ALLOC,
				       VMALLOC_START, VMALLOC_END, NULL);
	windowed = __get_vm_area(PAGE_SIZE, VM_ALLOC, VMALLOC_START,
				 VMALLOC_START + (64UL << 20));
	ASSERT_NONNULL(small);
	ASSERT_NONNULL(aligned);
	ASSERT_NONNULL(windowed);
	/* Both placed by the tree, outside the block, lowest-first. */
	ASSERT_NE(((unsigned long)aligned->addr ^ (unsigned long)small->addr) /
		  (2UL << 20), 0);
	ASSERT_NE(((unsigned long)windowed->addr ^ (unsigned long)small->addr) /
		  (2UL << 20), 0);
	ASSERT_LT((unsigned long)aligned->addr, VMALLOC_START + (4UL << 20));
	ASSERT_LT((unsigned long)windowed->addr, VMALLOC_START + (4UL << 20));
	ASSERT_EQ((unsigned long)aligned->addr & (4 * PAGE_SIZE - 1), 0);
	free_vm_area(small);
	free_vm_area(aligned);
	free_vm_area(windowed);
}

TEST(unmap_aliases_gives_empty_blocks_back)
{
	struct vt_snap s0;
	void *p[600];
	int i;

	pin(0);
	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < 600; i++)		/* three blocks of 256 slots */
		ASSERT_NONNULL(p[i] = vmalloc(PAGE_SIZE));
	for (i = 0; i < 600; i++)
		vfree(p[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);	/* vt_snap purges */
	/* The range is whole again: a 1 GiB area fits at the very start. */
	p[0] = __get_vm_area(1UL << 30, VM_ALLOC, VMALLOC_START, VMALLOC_END)->addr;
	ASSERT_EQ((unsigned long)p[0], VMALLOC_START);
	ASSERT_SANE();
	free_vm_area(find_vm_area(p[0]));
}

/*
 * Hot cells (registry.c): free_vm_area() of a never-mapped area leaves it
 * in a per-CPU cell of its size, and the next request of that size it
 * fits takes it back, at the same address, with the same descriptor. To
 * the user it is freed: the counts leave it out, lookups do not find it,
 * a second free of it is refused, and a shrinking purge gives it back.
 */
TEST(a_freed_area_comes_back_from_its_hot_cell)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct vm_struct *a, *b, *t, *u;
	struct vt_snap s0;
	unsigned long w0;
	void *addr;

	pin(0);
	vt_init(64, 1);
	s0 = vt_snap();
	/* A slot. */
	ASSERT_NONNULL(a = get_vm_area(PAGE_SIZE, VM_ALLOC));
	addr = a->addr;
	free_vm_area(a);
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.areas, 0);
	ASSERT_EQ(st.vmap_areas, 0);
	ASSERT_TRUE(find_vm_area(addr) == NULL);
	ASSERT_SANE();
	ASSERT_NONNULL(b = get_vm_area(PAGE_SIZE, VM_MAP));
	ASSERT_TRUE(b == a && b->addr == addr);
	ASSERT_EQ(b->flags, VM_MAP);
	ASSERT_TRUE(find_vm_area(addr) == b);
	free_vm_area(b);
	/* A tree area. */
	ASSERT_NONNULL(t = get_vm_area(50 * PAGE_SIZE, VM_ALLOC));
	addr = t->addr;
	free_vm_area(t);
	ASSERT_TRUE(find_vm_area(addr) == NULL);
	ASSERT_SANE();
	ASSERT_NONNULL(u = get_vm_area(50 * PAGE_SIZE, VM_ALLOC));
	ASSERT_TRUE(u == t && u->addr == addr);
	ASSERT_EQ(u->size, 51 * PAGE_SIZE);
	ASSERT_TRUE(find_vm_area((char *)addr + 10 * PAGE_SIZE) == u);
	free_vm_area(u);
	/* A second free of an area in a cell is a free of no area. */
	w0 = vt_warnings();
	free_vm_area(u);
	ASSERT_EQ(vt_warnings(), w0 + 1);
	ASSERT_SANE();
	/* A request the cell's area does not fit: it goes, the tree serves. */
	ASSERT_NONNULL(u = __get_vm_area_aligned(50 * PAGE_SIZE, 1UL << 30,
						 VM_ALLOC, VMALLOC_START,
						 VMALLOC_END, NULL));
	ASSERT_EQ((unsigned long)u->addr & ((1UL << 30) - 1), 0);
	ASSERT_SANE();
	free_vm_area(u);
	ASSERT_SNAP_EQ(vt_snap(), s0);	/* vt_snap purges: cells empty */
	ASSERT_SANE();
}

/* Areas in cells go back when the range is full, so a large one fits. */
TEST(a_shrinking_purge_empties_the_hot_cells)
{
	struct vm_struct *a[4], *big;
	int i;

	pin(0);
	vt_init(64, 1);
	for (i = 0; i < 4; i++)
		ASSERT_NONNULL(a[i] = get_vm_area((unsigned long)(i + 1) * 40 *
						  PAGE_SIZE, VM_ALLOC));
	for (i = 0; i < 4; i++)
		free_vm_area(a[i]);
	/* The whole range, as one area: only if the cells gave theirs back. */
	big = __get_vm_area(VMALLOC_END - VMALLOC_START - PAGE_SIZE, VM_ALLOC,
			    VMALLOC_START, VMALLOC_END);
	ASSERT_NONNULL(big);
	ASSERT_EQ((unsigned long)big->addr, VMALLOC_START);
	free_vm_area(big);
	ASSERT_SANE();
}

/*
 * Tree areas are found by start through a hash that doubles as it fills
 * (registry.c): 3000 of them (past several doublings), freed in a
 * scattered order, each found and freed exactly; the sanity walk checks
 * that every tree area is in the hash.
 */
TEST(many_tree_areas_are_found_through_the_hash)
{
	enum { N = 3000 };
	struct vm_struct **a = calloc(N, sizeof(*a));
	struct vt_snap s0;
	unsigned long i;

	ASSERT_NONNULL(a);
	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < N; i++) {
		ASSERT_NONNULL(a[i] = get_vm_area((5 + i % 7) * PAGE_SIZE,
						  VM_ALLOC));
		ASSERT_TRUE(find_vm_area(a[i]->addr) == a[i]);
	}
	ASSERT_SANE();
	for (i = 0; i < N; i++) {
		unsigned long k = (i * 1237) % N;	/* 1237 is prime to N */

		free_vm_area(a[k]);
		if (i % 500 == 0)
			ASSERT_SANE();
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	free(a);
}

TEST(a_full_range_falls_back_from_blocks_to_the_tree)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = NULL, .phys_mb = 64,
				      .vmalloc_size_mb = 7, .quiet = true };
	struct vt_snap s0;
	struct vm_struct *a[4096];
	unsigned long n = 0, i;

	pin(0);
	vt_init_cfg(&cfg);
	s0 = vt_snap();
	/*
	 * 7 MiB holds at most three 2 MiB-aligned blocks; the rest of the
	 * range must still be used, through the tree.
	 */
	while (n < 4096 && (a[n] = get_vm_area(PAGE_SIZE, VM_ALLOC)) != NULL)
		n++;
	ASSERT_LT(n, 4096);
	ASSERT_GE(n * 2 * PAGE_SIZE, (7UL << 20) - 2 * BLOCK);
	ASSERT_SANE();
	for (i = 0; i < n; i++)
		free_vm_area(a[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

struct churn {
	int cpu;
	unsigned long ops;
	void **shared;		/* handed from one thread to the other */
	int fail;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	cpu_set_t set;
	unsigned long i;

	CPU_ZERO(&set);
	CPU_SET(c->cpu % 2, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (i = 0; i < c->ops; i++) {
		unsigned long pages = 1 + i % 4;
		void *mine = vmalloc(pages * PAGE_SIZE);
		void *theirs;

		if (!mine) {
			c->fail = 1;
			return NULL;
		}
		/* Free what the other thread allocated: a cross-CPU free. */
		theirs = __atomic_exchange_n(&c->shared[i % 64], mine,
					     __ATOMIC_ACQ_REL);
		if (theirs)
			vfree(theirs);
	}
	return NULL;
}

TEST(threads_free_each_others_small_areas)
{
	static void *shared[64];
	struct churn c[2];
	pthread_t t[2];
	struct vt_snap s0;
	int i;

	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < 2; i++) {
		c[i] = (struct churn){ i, vt_long() ? 200000 : 20000, shared, 0 };
		ASSERT_EQ(pthread_create(&t[i], NULL, churn_main, &c[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		ASSERT_EQ(c[i].fail, 0);
	}
	for (i = 0; i < 64; i++)
		vfree(shared[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}
