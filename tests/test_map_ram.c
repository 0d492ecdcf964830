/* SPDX-License-Identifier: MIT */
/*
 * vm_map_ram()/vm_unmap_ram() (small mappings from per-CPU ram blocks,
 * large ones from the tree), alloc_pages_bulk() and the per-CPU
 * allocator's congruent areas (pcpu_get_vm_areas), on whichever engine.
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>

#define MAX_PAGES	1024
#define VM_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((a) - 1))

static struct page *pg[MAX_PAGES];

/* @n frames, each page filled with a byte of its own (@seed + index). */
static void get_pages(unsigned int n, unsigned char seed)
{
	unsigned int i;

	memset(pg, 0, sizeof(pg));
	ASSERT_EQ(alloc_pages_bulk(GFP_KERNEL, n, pg), n);
	for (i = 0; i < n; i++)
		memset(page_address(pg[i]), (unsigned char)(seed + i), PAGE_SIZE);
}

static void put_pages(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		__free_page(pg[i]);
}

/* The mapping at @p shows pg[0..n) through vread and vmalloc_to_page. */
static void check_mapping(const char *p, unsigned int n, unsigned char seed)
{
	static char buf[MAX_PAGES * PAGE_SIZE];
	unsigned int i;

	ASSERT_EQ(vread(buf, (char *)p, n * PAGE_SIZE), (long)(n * PAGE_SIZE));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(vmalloc_to_page(p + i * PAGE_SIZE), pg[i]);
		ASSERT_EQ((unsigned char)buf[i * PAGE_SIZE], (unsigned char)(seed + i));
		ASSERT_EQ((unsigned char)buf[(i + 1) * PAGE_SIZE - 1],
			  (unsigned char)(seed + i));
		if (vt_is_host())
			ASSERT_EQ((unsigned char)p[i * PAGE_SIZE + 7],
				  (unsigned char)(seed + i));
	}
	ASSERT_NULL(vmalloc_to_page(p + n * PAGE_SIZE));	/* the guard */
}

static int count_lines(const char *buf, const char *needle)
{
	int n = 0;

	for (; (buf = strstr(buf, needle)) != NULL; buf++)
		n++;
	return n;
}

static struct vmalloc_stats stats(void)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	return st;
}

TEST(small_mappings_of_1_to_64_pages_show_their_frames)
{
	struct vt_snap s0;
	unsigned int n;

	vt_init(64, 1);
	s0 = vt_snap();
	for (n = 1; n <= 64; n++) {
		struct vmalloc_stats before = { .sz = sizeof(struct vmalloc_stats) }, during = { .sz = sizeof(struct vmalloc_stats) };
		char *p;

		get_pages(n, (unsigned char)n);
		before = stats();
		p = vm_map_ram(pg, n, NUMA_NO_NODE);
		ASSERT_NONNULL(p);
		during = stats();
		/* A busy range, but no vm_struct: the kernel gives it none. */
		ASSERT_EQ(during.vmap_areas, before.vmap_areas + 1);
		ASSERT_EQ(during.areas, before.areas);
		ASSERT_NULL(find_vm_area(p));
		check_mapping(p, n, (unsigned char)n);
		vm_unmap_ram(p, n);
		ASSERT_NULL(vmalloc_to_page(p));
		ASSERT_EQ(stats().vmap_areas, before.vmap_areas);
		ASSERT_GE(stats().lazy_pages, n);	/* dirty until a purge */
		put_pages(n);
	}
	ASSERT_SANE();
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(stats().lazy_pages, 0);
	ASSERT_EQ(vt_warnings(), 0);
}

TEST(small_mappings_of_one_cpu_share_a_block)
{
	char *a, *b;

	vt_init(64, 1);
	get_pages(8, 1);
	a = vm_map_ram(pg, 3, -1);
	b = vm_map_ram(pg, 5, -1);
	ASSERT_NONNULL(a);
	ASSERT_NONNULL(b);
	/* Next to each other (3 pages and a guard), unless the thread
	 * moved to another CPU in between. */
	if (((unsigned long)a >> 21) == ((unsigned long)b >> 21))
		ASSERT_EQ(b - a, 4 * PAGE_SIZE);
	vm_unmap_ram(a, 3);
	vm_unmap_ram(b, 5);
	put_pages(8);
	ASSERT_SANE();
}

TEST(large_mappings_take_a_range_of_the_tree)
{
	static const unsigned int sizes[] = { 65, 200, 1000 };
	struct vt_snap s0;
	unsigned int i;

	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		unsigned int n = sizes[i];
		struct vmalloc_stats before = stats();
		char *p;

		get_pages(n, (unsigned char)(3 * i));
		p = vm_map_ram(pg, n, 0);
		ASSERT_NONNULL(p);
		ASSERT_EQ(stats().vmap_areas, before.vmap_areas + 1);
		ASSERT_NULL(find_vm_area(p));
		ASSERT_NULL(find_vm_area(p + PAGE_SIZE));
		check_mapping(p, n, (unsigned char)(3 * i));
		vm_unmap_ram(p, n);
		ASSERT_NULL(vmalloc_to_page(p));
		ASSERT_NULL(vmalloc_to_page(p + (n - 1) * PAGE_SIZE));
		ASSERT_EQ(stats().vmap_areas, before.vmap_areas);
		put_pages(n);
	}
	ASSERT_SANE();
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_EQ(vt_warnings(), 0);
}

/* With the fast path off, small mappings take the lowest free range. */
TEST(without_the_fast_path_small_mappings_are_lowest_first)
{
	static char buf[4096];
	struct vt_snap s0;
	char *a, *b;

	vt_init_strict(64);
	get_pages(4, 2);
	s0 = vt_snap();
	a = vm_map_ram(pg, 2, -1);
	b = vm_map_ram(pg, 4, -1);
	ASSERT_EQ((unsigned long)a, VMALLOC_START);
	ASSERT_EQ(b, a + 3 * PAGE_SIZE);
	ASSERT_NULL(find_vm_area(a));
	check_mapping(b, 4, 2);
	vmallocinfo(buf, sizeof(buf));
	ASSERT_EQ(count_lines(buf, " vm_map_ram\n"), 2);
	vfree(a);
	ASSERT_NONNULL(vmalloc_to_page(a));	/* refused: not an area */
	vm_unmap_ram(a, 3);			/* wrong count */
	ASSERT_NONNULL(vmalloc_to_page(a));
	vm_unmap_ram(a, 2);
	vm_unmap_ram(b, 4);
	ASSERT_NULL(vmalloc_to_page(b));
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	put_pages(4);
}

/* Both forms: today's three arguments and the pre-5.8 four. */
TEST(both_call_forms_map_with_their_protection)
{
	void *(*fn)(struct page **, unsigned int, int) = vm_map_ram;
	char buf[PAGE_SIZE], *rw, *ro, *big_ro, *direct;

	vt_init(64, 1);
	get_pages(100, 9);
	rw = fn(pg, 2, -1);
	ro = vm_map_ram(pg, 2, -1, PAGE_KERNEL_RO);
	big_ro = vm_map_ram(pg, 100, -1, PAGE_KERNEL_RO);
	direct = vm_map_ram_prot(pg, 1, -1, PAGE_KERNEL);
	ASSERT_NONNULL(rw);
	ASSERT_NONNULL(ro);
	ASSERT_NONNULL(big_ro);
	ASSERT_NONNULL(direct);
	/* vwrite writes writable pages only. */
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(vwrite(buf, ro, PAGE_SIZE), (long)PAGE_SIZE);
	ASSERT_EQ(vwrite(buf, big_ro, PAGE_SIZE), (long)PAGE_SIZE);
	ASSERT_EQ(*(unsigned char *)page_address(pg[0]), 9);
	ASSERT_EQ(vwrite(buf, rw, PAGE_SIZE), (long)PAGE_SIZE);
	ASSERT_EQ(*(unsigned char *)page_address(pg[0]), 0x5a);
	ASSERT_EQ(vread(buf, ro, 16), 16);
	ASSERT_EQ((unsigned char)buf[0], 0x5a);		/* aliases alias */
	if (vt_is_host()) {
		ASSERT_EQ(vt_probe(ro, true), ro);	/* read-only faults */
		ASSERT_NULL(vt_probe(rw + 1, true));
		ASSERT_EQ(vt_probe(rw + 2 * PAGE_SIZE, false),
			  rw + 2 * PAGE_SIZE);		/* the guard page */
		ASSERT_EQ(direct[1], 1);		/* written by vt_probe */
	}
	vm_unmap_ram(rw, 2);
	vm_unmap_ram(ro, 2);
	vm_unmap_ram(big_ro, 100);
	vm_unmap_ram(direct, 1);
	put_pages(100);
	ASSERT_SANE();
	ASSERT_EQ(vt_warnings(), 0);
}

TEST(vmallocinfo_lists_each_mapping_as_vm_map_ram_and_dump_obj_skips_them)
{
	static char buf[1 << 16];
	char line[80], *small, *big;
	void *v;

	vt_init(64, 1);
	get_pages(70, 0);
	v = vmalloc(3 * PAGE_SIZE);
	small = vm_map_ram(pg, 4, -1);
	big = vm_map_ram(pg, 70, -1);
	ASSERT_NONNULL(small);
	ASSERT_NONNULL(big);
	ASSERT_LT(vmallocinfo(buf, sizeof(buf)), sizeof(buf));
	ASSERT_EQ(count_lines(buf, " vm_map_ram\n"), 2);
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx %7lu vm_map_ram\n",
		 (unsigned long)small, (unsigned long)small + 5 * PAGE_SIZE,
		 5 * PAGE_SIZE);
	ASSERT_NONNULL(strstr(buf, line));
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx %7lu vm_map_ram\n",
		 (unsigned long)big, (unsigned long)big + 71 * PAGE_SIZE,
		 71 * PAGE_SIZE);
	ASSERT_NONNULL(strstr(buf, line));
	ASSERT_EQ(count_lines(buf, " vmalloc"), 1);
	/* No vm_struct behind either mapping: not an object's home, as in
	 * the kernel, and nothing logged; the vmalloc area next to them is. */
	vt_log_clear();
	ASSERT_FALSE(vmalloc_dump_obj(small + PAGE_SIZE));
	ASSERT_FALSE(vmalloc_dump_obj(big + 69 * PAGE_SIZE));
	ASSERT_EQ(vt_log_n, 0);
	ASSERT_TRUE(vmalloc_dump_obj((char *)v + 10));
	ASSERT_EQ(vt_log_count("3-page vmalloc region starting at"), 1);
	vm_unmap_ram(small, 4);
	vm_unmap_ram(big, 70);
	vmallocinfo(buf, sizeof(buf));
	ASSERT_EQ(count_lines(buf, " vm_map_ram\n"), 0);
	vfree(v);
	put_pages(70);
}

/*
 * An 8 MiB range holds 2048 pages; 20000 one-page mappings (two pages
 * each with the guard) only fit if unmapped ones are flushed and reused.
 * The purge threshold is out of reach: only running out of room, or
 * vm_unmap_aliases(), flushes.
 */
TEST(unmap_and_unmap_aliases_give_the_space_back)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .vmalloc_size_mb = 8,
				      .lazy_max_pages = 1UL << 30,
				      .quiet = true };
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	struct vt_snap s0;
	unsigned long i, purges;
	struct vm_struct *whole;

	vt_init_cfg(&cfg);
	get_pages(64, 0);
	s0 = vt_snap();
	purges = stats().purges;
	for (i = 0; i < 20000; i++) {
		unsigned int n = 1 + (unsigned int)(i % 3 ? 0 : i % 64);
		char *p = vm_map_ram(pg, n, -1);

		ASSERT_NONNULL(p);
		ASSERT_EQ(vmalloc_to_page(p), pg[0]);
		vm_unmap_ram(p, n);
	}
	st = stats();
	ASSERT_GT(st.purges, purges);		/* running out purged */
	ASSERT_GT(st.lazy_pages, 0);
	vm_unmap_aliases();
	st = stats();
	ASSERT_EQ(st.lazy_pages, 0);
	/* The whole range is free again (blocks included). */
	whole = __get_vm_area(VMALLOC_END - VMALLOC_START - PAGE_SIZE, VM_ALLOC,
			      VMALLOC_START, VMALLOC_END);
	ASSERT_NONNULL(whole);
	free_vm_area(whole);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	put_pages(64);
}

TEST(a_dirty_range_is_reused_only_after_a_purge)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64,
				      .lazy_max_pages = 1UL << 30,
				      .quiet = true };
	char *p, *q;
	int i;

	vt_init_cfg(&cfg);
	get_pages(4, 0);
	p = vm_map_ram(pg, 1, -1);
	ASSERT_NONNULL(p);
	vm_unmap_ram(p, 1);
	/* Its stale TLB entries may live: no new mapping takes it yet. */
	for (i = 0; i < 64; i++) {
		q = vm_map_ram(pg, 1, -1);
		ASSERT_NE(q, p);
		vm_unmap_ram(q, 1);
	}
	vm_unmap_aliases();
	ASSERT_EQ(stats().lazy_pages, 0);
	put_pages(4);
	ASSERT_SANE();
}

static void map_fails(struct page **pages, unsigned int n, int node,
		      const char *why)
{
	vt_log_clear();
	ASSERT_NULL(vm_map_ram(pages, n, node));
	ASSERT_EQ(vt_log_count(why), 1);
}

TEST(bad_input_is_refused_and_changes_nothing)
{
	struct page *bad[4];
	struct vt_snap s0;
	struct page *freed;
	char *small, *big;
	void *v;

	vt_init(64, 2);
	get_pages(80, 4);
	freed = alloc_page(GFP_KERNEL);
	__free_page(freed);
	s0 = vt_snap();
	vt_log_clear();
	map_fails(NULL, 1, -1, "vm_map_ram: bad arguments");
	map_fails(pg, 0, -1, "vm_map_ram: bad arguments");
	map_fails(pg, 1, 2, "vm_map_ram: bad arguments");	/* no node 2 */
	map_fails(pg, 1, -2, "vm_map_ram: bad arguments");
	vt_log_clear();
	ASSERT_NULL(vm_map_ram(pg, 1, -1, __pgprot(0)));	/* not present */
	ASSERT_NULL(vm_map_ram(pg, 1, -1,
			       __pgprot(_PAGE_PRESENT | (1ULL << 52))));
	ASSERT_EQ(vt_log_count("vm_map_ram: bad arguments"), 2);
	memcpy(bad, pg, sizeof(bad));
	bad[2] = NULL;
	map_fails(bad, 4, -1, "vm_map_ram: page 2 is NULL");
	bad[2] = freed;
	map_fails(bad, 4, -1, "vm_map_ram: page 2 is not allocated");
	bad[2] = (struct page *)bad;
	map_fails(bad, 4, -1, "vm_map_ram: page 2 is not a page of the pool");
	ASSERT_SNAP_EXACT(vt_snap(), s0);

	small = vm_map_ram(pg, 3, -1);
	big = vm_map_ram(pg, 80, -1);
	v = vmalloc(PAGE_SIZE);
	ASSERT_NONNULL(small);
	ASSERT_NONNULL(big);
	ASSERT_NONNULL(v);
	vt_log_clear();
	vm_unmap_ram(NULL, 1);
	vm_unmap_ram(small, 0);
	vm_unmap_ram(small + 1, 3);
	ASSERT_EQ(vt_log_count("vm_unmap_ram: bad address"), 3);
	vm_unmap_ram(small, 2);					/* wrong count */
	vm_unmap_ram(small, 4);
	vm_unmap_ram(big, 79);
	vm_unmap_ram(big, 64);
	ASSERT_EQ(vt_log_count("maps 3 pages, not"), 2);
	ASSERT_EQ(vt_log_count("maps 80 pages, not"), 2);
	vm_unmap_ram(small + PAGE_SIZE, 2);			/* not a start */
	vm_unmap_ram(big + PAGE_SIZE, 79);
	vm_unmap_ram(v, 1);					/* vmalloc's */
	vm_unmap_ram((char *)VMALLOC_END - PAGE_SIZE, 1);	/* nothing */
	vm_unmap_ram((void *)PAGE_SIZE, 1);			/* not vmalloc */
	ASSERT_EQ(vt_log_count("is not mapped by vm_map_ram"), 5);
	/* No other call takes a vm_map_ram mapping. */
	vfree(small);
	vunmap(big);
	ASSERT_NULL(remove_vm_area(small));
	ASSERT_EQ(vt_log_count("nonexistent vm area"), 2);
	/* All still mapped and intact. */
	check_mapping(small, 3, 4);
	check_mapping(big, 80, 4);
	ASSERT_NONNULL(vmalloc_to_page(v));
	vm_unmap_ram(small, 3);
	vm_unmap_ram(big, 80);
	vt_log_clear();
	vm_unmap_ram(small, 3);					/* double */
	vm_unmap_ram(big, 80);
	ASSERT_EQ(vt_log_count("is not mapped by vm_map_ram"), 2);
	vfree(v);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	put_pages(80);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

/* A mapping handed between threads: its address | its count. */
struct churn {
	unsigned int id;
	unsigned long ops;
	struct page **pages;
	uintptr_t *shared;
	int fail;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	uint64_t x = 0x9e3779b97f4a7c15ULL * (c->id + 1);
	unsigned long i;
	char buf[16];

	for (i = 0; i < c->ops && !c->fail; i++) {
		unsigned int n, slot;
		uintptr_t theirs;
		char *mine;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = x % 8 ? 1 + (unsigned int)(x >> 8) % 64 :
			    65 + (unsigned int)(x >> 8) % 100;
		mine = vm_map_ram(c->pages, n, -1);
		if (!mine || vmalloc_to_page(mine + (n - 1) * PAGE_SIZE) !=
			     c->pages[n - 1] ||
		    vread(buf, mine, sizeof(buf)) != sizeof(buf) ||
		    (unsigned char)buf[0] != 0xc3) {
			c->fail = 1;
			break;
		}
		if (x & 0x100) {
			vm_unmap_ram(mine, n);
			continue;
		}
		/* Hand it over; unmap what another thread left there. */
		slot = (unsigned int)(x >> 20) % 32;
		theirs = __atomic_exchange_n(&c->shared[slot],
					     (uintptr_t)mine | n, __ATOMIC_ACQ_REL);
		if (theirs)
			vm_unmap_ram((void *)(theirs & PAGE_MASK),
				     (unsigned int)(theirs & ~PAGE_MASK));
		if (i % 1000 == 999)
			vm_unmap_aliases();
	}
	return NULL;
}

TEST(threads_map_and_unmap_concurrently)
{
	static uintptr_t shared[32];
	struct churn c[4];
	pthread_t t[4];
	struct vt_snap s0;
	unsigned int i;

	vt_init(64, 1);
	get_pages(164, 0);
	for (i = 0; i < 164; i++)
		memset(page_address(pg[i]), 0xc3, PAGE_SIZE);
	s0 = vt_snap();
	for (i = 0; i < 4; i++) {
		c[i] = (struct churn){ i, vt_long() ? 100000 : 5000, pg,
				       shared, 0 };
		ASSERT_EQ(pthread_create(&t[i], NULL, churn_main, &c[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		ASSERT_EQ(c[i].fail, 0);
	}
	for (i = 0; i < 32; i++)
		if (shared[i])
			vm_unmap_ram((void *)(shared[i] & PAGE_MASK),
				     (unsigned int)(shared[i] & ~PAGE_MASK));
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	put_pages(164);
}

/* ------------------------------------------------------------------ */
/* alloc_pages_bulk                                                    */
/* ------------------------------------------------------------------ */

TEST(alloc_pages_bulk_fills_only_the_empty_slots)
{
	struct page *a[40] = { NULL }, *kept[3];
	struct vt_snap s0;
	unsigned int i, j;

	vt_init(64, 2);
	s0 = vt_snap();
	kept[0] = a[0] = alloc_page(GFP_KERNEL);
	kept[1] = a[17] = alloc_page(GFP_KERNEL);
	kept[2] = a[39] = alloc_page(GFP_KERNEL);
	ASSERT_EQ(alloc_pages_bulk(GFP_KERNEL, 40, a), 40);
	ASSERT_EQ(a[0], kept[0]);
	ASSERT_EQ(a[17], kept[1]);
	ASSERT_EQ(a[39], kept[2]);
	for (i = 0; i < 40; i++) {
		ASSERT_NONNULL(a[i]);
		ASSERT_EQ(page_count(a[i]), 1);
		for (j = 0; j < i; j++)
			ASSERT_NE(a[i], a[j]);
	}
	/* A full array: nothing to do, every slot counted. */
	ASSERT_EQ(alloc_pages_bulk_array(GFP_KERNEL, 40, a), 40);
	ASSERT_EQ(a[1] != NULL, 1);
	for (i = 0; i < 40; i++)
		__free_page(a[i]);
	/* Node and zeroing honoured. */
	memset(a, 0, sizeof(a));
	ASSERT_EQ(alloc_pages_bulk_node(GFP_KERNEL | __GFP_ZERO | __GFP_THISNODE,
					1, 40, a), 40);
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(page_to_nid(a[i]), 1);
		ASSERT_EQ(((unsigned char *)page_address(a[i]))[100], 0);
		__free_page(a[i]);
	}
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

TEST(alloc_pages_bulk_refuses_bad_arguments)
{
	struct page *a[4] = { NULL };
	struct vt_snap s0;

	vt_init(64, 1);
	s0 = vt_snap();
	ASSERT_EQ(alloc_pages_bulk(GFP_KERNEL, 0, a), 0);
	ASSERT_EQ(alloc_pages_bulk(GFP_KERNEL, 4, NULL), 0);
	ASSERT_EQ(alloc_pages_bulk_node(GFP_KERNEL, 1, 4, a), 0);
	ASSERT_EQ(alloc_pages_bulk_node(GFP_KERNEL, -2, 4, a), 0);
	ASSERT_EQ(vt_log_count("alloc_pages_bulk: bad arguments"), 3);
	ASSERT_NULL(a[0]);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
}

/* A request larger than the pool: filled up to the first frame it cannot
 * get, from the front. */
TEST(alloc_pages_bulk_stops_early_and_counts_what_is_set)
{
	static struct page *a[2048];
	struct vt_snap s0;
	unsigned long got, prev = 0, i, free0;

	vt_init(4, 1);		/* 1024 frames */
	s0 = vt_snap();
	free0 = nr_free_pages();
	got = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, 2048, a);
	ASSERT_LT(got, 2048);
	ASSERT_LE(got, free0);
	ASSERT_GT(got, free0 - 64);	/* every free frame, near enough */
	for (i = 0; i < got; i++)	/* filled from the front */
		ASSERT_NONNULL(a[i]);
	for (; i < 2048; i++)
		ASSERT_NULL(a[i]);
	/* Called again: nothing more to get, nothing changes. */
	prev = got;
	got = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, 2048, a);
	ASSERT_EQ(got, prev);
	ASSERT_NULL(a[got]);
	for (i = 0; i < got; i++)
		__free_page(a[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* pcpu_get_vm_areas                                                   */
/* ------------------------------------------------------------------ */

#define MiB	(1UL << 20)

static void check_congruent(struct vm_struct **vms, const unsigned long *off,
			    const size_t *sizes, int n, size_t align)
{
	int i;

	ASSERT_NONNULL(vms);
	for (i = 0; i < n; i++) {
		ASSERT_EQ((unsigned long)vms[i]->addr - (unsigned long)vms[0]->addr,
			  off[i] - off[0]);
		ASSERT_EQ(vms[i]->size, sizes[i] + PAGE_SIZE);
		ASSERT_EQ(vms[i]->flags, VM_ALLOC);
		ASSERT_NULL(vms[i]->pages);
		ASSERT_EQ(find_vm_area(vms[i]->addr), vms[i]);
	}
	ASSERT_EQ(((unsigned long)vms[0]->addr - off[0]) & (align - 1), 0);
}

TEST(pcpu_areas_are_congruent_and_at_the_top)
{
	unsigned long off[3] = { 4 * MiB, 0, 16 * MiB };
	size_t sizes[3] = { 2 * MiB, MiB, 64 * 1024 };
	struct vm_struct **vms, *fence;
	unsigned long top = 0, end, lowest_normal_top = 0; /* the highest normal area */
	struct vt_snap s0;
	void *v[20];
	int i;

	vt_init(64, 1);
	s0 = vt_snap();
	for (i = 0; i < 20; i++) {
		ASSERT_NONNULL(v[i] = vmalloc((1 + i * 37) * PAGE_SIZE));
		if ((unsigned long)v[i] > lowest_normal_top)
			lowest_normal_top = (unsigned long)v[i];
	}
	vms = pcpu_get_vm_areas(off, sizes, 3, 64 * 1024);
	check_congruent(vms, off, sizes, 3, 64 * 1024);
	for (i = 0; i < 3; i++) {
		end = (unsigned long)vms[i]->addr + vms[i]->size;
		top = end > top ? end : top;
		ASSERT_GT((unsigned long)vms[i]->addr, lowest_normal_top);
	}
	/* The highest base: within one alignment step of the top. */
	ASSERT_LE(top, VMALLOC_END);
	ASSERT_LT(VMALLOC_END - top, 64 * 1024);
	/* Mappable: map_vm_area() into one. */
	get_pages(16, 7);
	{
		struct page **pp = pg;

		ASSERT_EQ(map_vm_area(vms[2], PAGE_KERNEL, &pp), 0);
		check_mapping(vms[2]->addr, 16, 7);
	}
	pcpu_free_vm_areas(vms, 3);
	put_pages(16);

	/* Something at the top: the set goes below it, still congruent. */
	fence = __get_vm_area(3 * MiB, VM_IOREMAP, VMALLOC_END - 8 * MiB,
			      VMALLOC_END);
	ASSERT_NONNULL(fence);
	vms = pcpu_get_vm_areas(off, sizes, 3, 64 * 1024);
	check_congruent(vms, off, sizes, 3, 64 * 1024);
	for (i = 0; i < 3; i++) {
		unsigned long s = (unsigned long)vms[i]->addr;
		unsigned long f = (unsigned long)fence->addr;

		ASSERT_TRUE(s + vms[i]->size <= f || s >= f + fence->size);
		ASSERT_GT(s, lowest_normal_top);
	}
	pcpu_free_vm_areas(vms, 3);
	free_vm_area(fence);
	for (i = 0; i < 20; i++)
		vfree(v[i]);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/* Interleaved free holes: only some base fits every range at once. */
TEST(pcpu_areas_fit_between_busy_ranges)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .vmalloc_size_mb = 64,
				      .quiet = true };
	unsigned long off[2] = { 0, 8 * MiB };
	size_t sizes[2] = { MiB - PAGE_SIZE, MiB - PAGE_SIZE };
	struct vm_struct *busy[64], **vms;
	unsigned long s;
	int i, n = 0;

	vt_init_cfg(&cfg);
	/* Busy 1 MiB out of every 2 MiB of the top 32 MiB; one hole pair
	 * 8 MiB apart is left where both lie in a free half. */
	for (s = VMALLOC_END - 32 * MiB; s < VMALLOC_END; s += 2 * MiB) {
		busy[n] = __get_vm_area(MiB - PAGE_SIZE, VM_ALLOC, s, s + MiB);
		ASSERT_NONNULL(busy[n]);
		ASSERT_EQ((unsigned long)busy[n]->addr, s);
		n++;
	}
	vms = pcpu_get_vm_areas(off, sizes, 2, PAGE_SIZE);
	check_congruent(vms, off, sizes, 2, PAGE_SIZE);
	/* The highest: the upper area in the top free half. */
	ASSERT_EQ((unsigned long)vms[1]->addr, VMALLOC_END - MiB);
	pcpu_free_vm_areas(vms, 2);
	for (i = 0; i < n; i++)
		free_vm_area(busy[i]);
	ASSERT_SANE();
}

TEST(pcpu_areas_are_all_or_none)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .vmalloc_size_mb = 16,
				      .quiet = true };
	unsigned long off[2] = { 0, 12 * MiB };
	size_t sizes[2] = { MiB, MiB };
	struct vm_struct *mid, **vms;
	struct vt_snap s0;

	vt_init_cfg(&cfg);
	/* A busy range in the middle leaves no base for both areas, though
	 * each would fit alone. */
	mid = __get_vm_area(2 * MiB, VM_ALLOC, VMALLOC_START + 4 * MiB,
			    VMALLOC_START + 8 * MiB);
	ASSERT_NONNULL(mid);
	s0 = vt_snap();
	off[1] = 10 * MiB;
	vms = pcpu_get_vm_areas(off, sizes, 2, MiB);
	ASSERT_NONNULL(vms);	/* 0 and 10 MiB around the hole: fits */
	pcpu_free_vm_areas(vms, 2);
	off[1] = 12 * MiB;
	sizes[0] = 5 * MiB;
	vt_log_clear();
	ASSERT_NULL(pcpu_get_vm_areas(off, sizes, 2, MiB));
	ASSERT_EQ(vt_log_count("pcpu_get_vm_areas: no vmalloc space"), 1);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	free_vm_area(mid);
	ASSERT_SANE();
}

TEST(pcpu_get_vm_areas_validates_like_the_kernel)
{
	unsigned long off[2] = { 0, 4 * MiB }, bad_off[2] = { PAGE_SIZE, 4 * MiB };
	unsigned long ovl[2] = { 0, MiB }, huge[2] = { 0, 1UL << 62 };
	size_t sizes[2] = { MiB, MiB }, odd[2] = { MiB, PAGE_SIZE * 3 };
	size_t zero[2] = { MiB, 0 }, abut[2] = { MiB - PAGE_SIZE, MiB };
	struct vt_snap s0;
	struct vm_struct **vms;

	vt_init(64, 1);
	s0 = vt_snap();
	vt_log_clear();
	ASSERT_NULL(pcpu_get_vm_areas(off, sizes, 2, 3 * PAGE_SIZE));
	ASSERT_NULL(pcpu_get_vm_areas(off, sizes, 2, 512));
	ASSERT_NULL(pcpu_get_vm_areas(bad_off, sizes, 2, 64 * 1024));
	ASSERT_NULL(pcpu_get_vm_areas(off, odd, 2, 64 * 1024));
	ASSERT_NULL(pcpu_get_vm_areas(off, zero, 2, PAGE_SIZE));
	ASSERT_NULL(pcpu_get_vm_areas(ovl, sizes, 2, PAGE_SIZE));
	ASSERT_NULL(pcpu_get_vm_areas(huge, sizes, 2, PAGE_SIZE));
	ASSERT_NULL(pcpu_get_vm_areas(off, sizes, 0, PAGE_SIZE));
	ASSERT_NULL(pcpu_get_vm_areas(NULL, sizes, 2, PAGE_SIZE));
	ASSERT_EQ(vt_log_count("pcpu_get_vm_areas:"), 9);
	ASSERT_EQ(vt_log_count("overlap"), 1);
	ASSERT_EQ(vt_log_count("larger than the vmalloc range"), 1);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	/* Data that abuts, guard page included, is accepted. */
	vms = pcpu_get_vm_areas(ovl, abut, 2, PAGE_SIZE);
	check_congruent(vms, ovl, abut, 2, PAGE_SIZE);
	pcpu_free_vm_areas(vms, 2);
	pcpu_free_vm_areas(NULL, 2);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
}

/*
 * The oracle: random busy areas in a 16 MiB range, a random congruent set
 * (offsets in any order, gaps, alignments of 1 to 16 pages); the base
 * pcpu_get_vm_areas() picks must be the highest that a brute-force scan
 * of every aligned base finds, or none when the scan finds none.
 */
TEST(pcpu_placement_matches_a_brute_force_search)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .phys_mb = 64, .vmalloc_size_mb = 16,
				      .quiet = true };
	unsigned long round, rounds = vt_long() ? 2000 : 150, found = 0;

	vt_seed();
	for (round = 0; round < rounds; round++) {
		unsigned long busy_s[48], busy_e[48], off[4], lo, hi, pages;
		struct vm_struct *busy[48];
		unsigned long align = PAGE_SIZE << vt_below(5), at = 0, span = 0;
		unsigned long b, x, off0 = 0, want = 0;
		size_t sizes[4];
		struct vm_struct **vms;
		int nb = 0, n = 1 + (int)vt_below(4), i, j;
		bool have = false;

		vmalloc_exit();
		vt_init_cfg(&cfg);
		lo = VMALLOC_START;
		hi = VMALLOC_END;
		pages = (hi - lo) >> PAGE_SHIFT;
		for (j = (int)vt_below(48); j > 0; j--) {
			/* A window not at the start: never a fast-path slot. */
			unsigned long w = lo + (1 + vt_below(pages - 1)) * PAGE_SIZE;
			struct vm_struct *a = __get_vm_area((1 + vt_below(256)) *
							    PAGE_SIZE, VM_ALLOC,
							    w, hi);

			if (a) {
				busy[nb] = a;
				busy_s[nb] = (unsigned long)a->addr;
				busy_e[nb++] = (unsigned long)a->addr + a->size;
			}
		}
		for (i = 0; i < n; i++) {
			at += vt_below(4) * align;
			off[i] = at;
			if (!i)
				off0 = at;
			sizes[i] = (1 + vt_below(64 * PAGE_SIZE / align + 1)) * align;
			at += VM_ALIGN_UP(sizes[i] + PAGE_SIZE, align);
			span = off[i] + sizes[i] + PAGE_SIZE;
		}
		if (vt_below(2))	/* any order */
			for (i = 0; i < n / 2; i++) {
				unsigned long o = off[i];
				size_t z = sizes[i];

				off[i] = off[n - 1 - i];
				sizes[i] = sizes[n - 1 - i];
				off[n - 1 - i] = o;
				sizes[n - 1 - i] = z;
			}
		/*
		 * Brute force, from the highest aligned base down, while the
		 * lowest area (off0, the first before any reversal) stays in
		 * the range: x is where that area starts.
		 */
		for (x = (hi - (span - off0)) & ~(align - 1); x >= lo && !have;
		     x -= align) {
			bool ok = true;

			b = x - off0;

			for (i = 0; i < n && ok; i++) {
				unsigned long s = b + off[i];
				unsigned long e = s + sizes[i] + PAGE_SIZE;

				for (j = 0; j < nb && ok; j++)
					ok = e <= busy_s[j] || s >= busy_e[j];
			}
			if (ok) {
				have = true;
				want = b;
			}
			if (x < align)
				break;
		}
		vms = pcpu_get_vm_areas(off, sizes, n, align);
		if (have) {
			ASSERT_NONNULL(vms);
			found++;
			for (i = 0; i < n; i++)
				ASSERT_EQ((unsigned long)vms[i]->addr,
					  want + off[i]);
			ASSERT_SANE();
			pcpu_free_vm_areas(vms, n);
		} else {
			ASSERT_NULL(vms);
		}
		for (j = 0; j < nb; j++)
			free_vm_area(busy[j]);
	}
	ASSERT_GT(found, rounds / 2);
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

static void *res;
static struct vm_struct **res_vms;
static unsigned long res_n;
static struct page *bulk[48];

static bool do_map_small(void) { return (res = vm_map_ram(pg, 3, -1)) != NULL; }
static void undo_map_small(void) { vm_unmap_ram(res, 3); }
static bool do_map_big(void) { return (res = vm_map_ram(pg, 100, -1)) != NULL; }
static void undo_map_big(void) { vm_unmap_ram(res, 100); }

static bool do_bulk(void)
{
	memset(bulk, 0, sizeof(bulk));
	bulk[5] = pg[0];	/* a kept slot splits the runs */
	res_n = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, 48, bulk);
	return res_n == 48;
}
static void undo_bulk(void)
{
	unsigned long i;

	for (i = 0; i < 48; i++)
		if (bulk[i] && i != 5)
			__free_page(bulk[i]);
}

static bool do_pcpu(void)
{
	static const unsigned long off[3] = { 0, 4 * MiB, 16 * MiB };
	static const size_t sizes[3] = { MiB, 2 * MiB, 64 * 1024 };

	return (res_vms = pcpu_get_vm_areas(off, sizes, 3, 64 * 1024)) != NULL;
}
static void undo_pcpu(void) { pcpu_free_vm_areas(res_vms, 3); }

struct op {
	const char *name;
	bool (*run)(void);
	void (*undo)(void);
	bool partial;		/* a failure may leave a result to undo */
	bool absorbs;		/* recovers from any single failure */
};

static void sweep(const struct op *op)
{
	unsigned long k, attempts, failed = 0;

	for (k = 1;; k++) {
		struct vt_snap base;
		bool ok;

		vmalloc_exit();
		vt_init(64, 1);
		get_pages(100, 0);
		base = vt_snap();
		vmalloc_fault_inject(VM_FAULT_ALL, k, 0, 0);
		ok = op->run();
		attempts = vmalloc_fault_attempts();
		vmalloc_fault_inject(0, 0, 0, 0);
		if (!ok && attempts < k)
			vt_fail(__FILE__, __LINE__, "%s failed with %lu attempts at k=%lu",
				op->name, attempts, k);
		if (ok || op->partial)
			op->undo();
		if (ok) {
			ASSERT_SNAP_EQ(vt_snap(), base);
		} else {
			failed++;
			ASSERT_SNAP_FAILED(vt_snap(), base, 1UL << 20);
		}
		ASSERT_SANE();
		put_pages(100);
		if (ok && attempts < k)
			break;
	}
	if (!op->absorbs)
		ASSERT_GT(failed, 0);
	else
		ASSERT_EQ(failed, 0);
	printf("# %-24s %3lu failure points: %lu failed cleanly, %lu absorbed\n",
	       op->name, k - 1, failed, k - 1 - failed);
}

TEST(every_new_operation_fails_cleanly_at_every_point)
{
	static const struct op ops[] = {
		{ "vm_map_ram(3 pages)", do_map_small, undo_map_small, false,
		  false },
		{ "vm_map_ram(100 pages)", do_map_big, undo_map_big, false,
		  false },
		/* A failed bulk falls back to single frames. */
		{ "alloc_pages_bulk(48)", do_bulk, undo_bulk, true, true },
		{ "pcpu_get_vm_areas(3)", do_pcpu, undo_pcpu, false, false },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(ops); i++)
		sweep(&ops[i]);
}

/*
 * Frames that cannot be had at all (every attempt fails from the k-th
 * on): the bulk of a run fails, single frames fill it up to the first
 * failure, and what the call reports is exactly what is set.
 */
TEST(alloc_pages_bulk_partial_under_injection_counts_exactly)
{
	struct vt_snap s0;
	unsigned long k, i, set, attempts;

	vt_init(64, 1);
	get_pages(1, 0);
	s0 = vt_snap();
	vmalloc_fault_inject(VM_FAULT_PAGE, 0, 1000, 1);
	do_bulk();
	attempts = vmalloc_fault_attempts();
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_EQ(res_n, 1);			/* only the kept slot */
	ASSERT_EQ(attempts, 1 + 1);		/* one bulk try, one single */
	for (i = 0; i < 48; i++)
		ASSERT_EQ(bulk[i] != NULL, i == 5);
	ASSERT_SNAP_EXACT(vt_snap(), s0);
	/* Frames for the first k - 1 attempts only: a prefix is set. */
	for (k = 2; k <= 48; k += 5) {
		vmalloc_fault_inject(VM_FAULT_PAGE, 0, 0, 0);
		memset(bulk, 0, sizeof(bulk));
		bulk[5] = pg[0];
		for (i = 0; i < 48 && i + 1 < k; i++)
			if (!bulk[i])
				ASSERT_NONNULL(bulk[i] = alloc_page(GFP_KERNEL));
		vmalloc_fault_inject(VM_FAULT_PAGE, 0, 1000, k);
		res_n = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, 48, bulk);
		vmalloc_fault_inject(0, 0, 0, 0);
		for (i = 0, set = 0; i < 48; i++)
			set += bulk[i] != NULL;
		ASSERT_EQ(res_n, set);
		for (i = 0; i < 48; i++)
			if (bulk[i])
				ASSERT_EQ(page_count(bulk[i]), 1);
		undo_bulk();
		ASSERT_SNAP_EQ(vt_snap(), s0);
	}
	put_pages(1);
	ASSERT_SANE();
}
