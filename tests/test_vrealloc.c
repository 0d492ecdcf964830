/* SPDX-License-Identifier: MIT */
/*
 * vrealloc() and the kvmalloc family. Contents of vmalloc memory are
 * checked through vread/vwrite (every engine) and frames through
 * vmalloc_to_page(): growing in place keeps the address, moving keeps the
 * frames (no copy), shrinking returns the tail frames; every failure
 * leaves the old allocation and every count as they were.
 */
#include "harness.h"
#include <pthread.h>
#include <sched.h>

#define P PAGE_SIZE

static unsigned int nr_pages_of(const void *p)
{
	struct vm_struct *vm = find_vm_area(p);

	ASSERT_NONNULL(vm);
	ASSERT_TRUE(vm->addr == p);
	return vm->nr_pages;
}

/* The frames of [p, p + n pages), into @out. */
static void frames_of(const void *p, unsigned long n, struct page **out)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		out[i] = vmalloc_to_page((const char *)p + i * P);
		ASSERT_NONNULL(out[i]);
	}
}

static void expect_frames(const void *p, unsigned long n, struct page **want)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		ASSERT_TRUE(vmalloc_to_page((const char *)p + i * P) == want[i]);
}

/* The vmallocinfo line of the area at @p, into @line. */
static bool info_line(const void *p, char *line, size_t len)
{
	static char info[1 << 16];
	char key[32], *s, *e;

	ASSERT_LT(vmallocinfo(info, sizeof(info)), sizeof(info));
	snprintf(key, sizeof(key), "0x%016lx-", (unsigned long)p);
	s = strstr(info, key);
	if (!s)
		return false;
	e = strchr(s, '\n');
	snprintf(line, len, "%.*s", (int)(e - s), s);
	return true;
}

/* ------------------------------------------------------------------ */
/* vrealloc                                                            */
/* ------------------------------------------------------------------ */

/* The kernel's test: 1 -> 4 -> 1 page -> half a page -> 1 page. */
TEST(vrealloc_kernel_sequence_keeps_contents)
{
	struct vt_snap base;
	struct page *f0;
	char *p, *q;

	vt_init(64, 1);
	base = vt_snap();
	p = vmalloc(P);
	ASSERT_NONNULL(p);
	vt_fill(p, P, 1);
	f0 = vmalloc_to_page(p);

	q = vrealloc(p, 4 * P, GFP_KERNEL);
	ASSERT_NONNULL(q);
	/* A one-page slot cannot hold four pages: it moved, frame and all. */
	ASSERT_TRUE(q != p);
	ASSERT_TRUE(vmalloc_to_page(q) == f0);
	ASSERT_NULL(vmalloc_to_page(p));
	ASSERT_FILLED(q, P, 1);
	ASSERT_EQ(nr_pages_of(q), 4);
	vt_fill(q, 4 * P, 2);

	p = vrealloc(q, P, GFP_KERNEL);
	ASSERT_TRUE(p == q);
	ASSERT_EQ(nr_pages_of(p), 1);
	ASSERT_NULL(vmalloc_to_page(p + P));
	ASSERT_FILLED(p, P, 2);

	q = vrealloc(p, P / 2, GFP_KERNEL);
	ASSERT_TRUE(q == p);
	ASSERT_FILLED(q, P / 2, 2);

	p = vrealloc(q, P, GFP_KERNEL);
	ASSERT_TRUE(p == q);
	ASSERT_EQ(nr_pages_of(p), 1);
	/* No __GFP_ZERO: nothing was cleared, the whole page is as written. */
	ASSERT_FILLED(p, P, 2);
	ASSERT_EQ(vmalloc_check(), 0);
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/* The same sequence with __GFP_ZERO: what is new reads as zero. */
TEST(vrealloc_gfp_zero_semantics)
{
	const gfp_t z = GFP_KERNEL | __GFP_ZERO;
	struct vt_snap base;
	char *p, *q;

	vt_init(64, 1);
	base = vt_snap();
	/* Dirty frames first, so that zeros are not an accident of the pool. */
	p = vmalloc(64 * P);
	vt_fill(p, 64 * P, 9);
	vfree(p);
	vm_unmap_aliases();

	p = __vmalloc(P, z);
	ASSERT_NONNULL(p);
	vt_fill(p, P, 1);
	q = vrealloc(p, 4 * P, z);
	ASSERT_NONNULL(q);
	ASSERT_FILLED(q, P, 1);
	ASSERT_ZEROED(q + P, 3 * P);
	vt_fill(q, 4 * P, 2);

	p = vrealloc(q, P, z);
	ASSERT_TRUE(p == q);
	q = vrealloc(p, P / 2, z);
	ASSERT_TRUE(q == p);
	/* Shrinking with __GFP_ZERO clears the rest of the last page. */
	ASSERT_FILLED(q, P / 2, 2);
	ASSERT_ZEROED(q + P / 2, P / 2);
	p = vrealloc(q, P, z);
	ASSERT_TRUE(p == q);
	ASSERT_FILLED(p, P / 2, 2);
	ASSERT_ZEROED(p + P / 2, P / 2);

	/* A tree area grown in place over its own reserved range. */
	q = vrealloc(p, 4 * P, z);
	ASSERT_TRUE(q == p);
	ASSERT_ZEROED(q + P / 2, 3 * P + P / 2);
	vfree(q);
	ASSERT_SNAP_EQ(vt_snap(), base);

	/* Without __GFP_ZERO a shrink leaves the rest of the page alone. */
	p = vmalloc(2 * P);
	vt_fill(p, 2 * P, 3);
	q = vrealloc(p, 100, GFP_KERNEL);
	ASSERT_TRUE(q == p);
	ASSERT_FILLED(q, P, 3);
	vfree(q);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/*
 * a and b adjacent tree areas; free b: the range after a is free, and a
 * grows over it, its guard page moving to the new end.
 */
TEST(vrealloc_grows_in_place_when_the_range_after_is_free)
{
	struct page *old[8];
	struct vt_snap base, before;
	char *a, *b, *c, *r;

	vt_init(64, 1);
	base = vt_snap();
	a = vmalloc(8 * P);
	b = vmalloc(8 * P);
	ASSERT_NONNULL(a);
	ASSERT_TRUE(b == a + 9 * P);	/* lowest fit: b right after a's guard */
	vt_fill(a, 8 * P, 4);
	frames_of(a, 8, old);
	vfree(b);
	vm_unmap_aliases();
	before = vt_snap();

	r = vrealloc(a, 16 * P, GFP_KERNEL);
	ASSERT_TRUE(r == a);
	expect_frames(a, 8, old);
	ASSERT_FILLED(a, 8 * P, 4);
	ASSERT_EQ(nr_pages_of(a), 16);
	ASSERT_EQ(find_vm_area(a)->size, 17 * P);
	ASSERT_NONNULL(vmalloc_to_page(a + 15 * P));
	ASSERT_NULL(vmalloc_to_page(a + 16 * P));	/* the new guard page */
	/* Eight new frames and nothing else; still one area. */
	ASSERT_EQ(before.free_pages - vt_snap().free_pages, 8);
	ASSERT_EQ(vt_snap().vmap_areas, before.vmap_areas);
	vt_fill(a, 16 * P, 5);
	ASSERT_FILLED(a, 16 * P, 5);
	if (vt_is_host()) {
		a[16 * P - 1] = 7;
		ASSERT_TRUE(vt_probe(a + 16 * P, false) == a + 16 * P);
	}
	/* The next area starts after the moved guard page. */
	c = vmalloc(8 * P);
	ASSERT_TRUE(c == a + 17 * P);
	ASSERT_SANE();
	vfree(c);
	vfree(a);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(vrealloc_moves_when_the_next_range_is_busy)
{
	struct page *old[8], *bf[8];
	struct vt_snap base, before;
	char *a, *b, *r, info[256];

	vt_init(64, 1);
	base = vt_snap();
	a = vmalloc(8 * P);
	b = vmalloc(8 * P);
	ASSERT_TRUE(b == a + 9 * P);
	vt_fill(a, 8 * P, 6);
	vt_fill(b, 8 * P, 7);
	frames_of(a, 8, old);
	frames_of(b, 8, bf);
	before = vt_snap();

	r = vrealloc(a, 16 * P, GFP_KERNEL);
	ASSERT_NONNULL(r);
	ASSERT_TRUE(r != a);
	/* The same frames at the new address: nothing was copied. */
	expect_frames(r, 8, old);
	ASSERT_FILLED(r, 8 * P, 6);
	ASSERT_NULL(vmalloc_to_page(a));
	ASSERT_NULL(find_vm_area(a));
	ASSERT_EQ(nr_pages_of(r), 16);
	ASSERT_EQ(before.free_pages - vt_snap().free_pages, 8);
	ASSERT_EQ(vt_snap().areas, before.areas);
	/* b untouched. */
	expect_frames(b, 8, bf);
	ASSERT_FILLED(b, 8 * P, 7);
	ASSERT_TRUE(info_line(r, info, sizeof(info)));
	ASSERT_NONNULL(strstr(info, " pages=16 "));
	ASSERT_FALSE(info_line(a, info, sizeof(info)));
	vfree(a);	/* gone: refused */
	ASSERT_EQ(vt_log_count("nonexistent vm area"), 1);
	ASSERT_SANE();
	vfree(b);
	vfree(r);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(vrealloc_shrink_returns_tail_frames)
{
	struct page *old[64];
	struct vt_snap base, before;
	char *a, *r, info[256];

	vt_init(64, 1);
	base = vt_snap();
	a = vmalloc(64 * P);
	ASSERT_NONNULL(a);
	vt_fill(a, 64 * P, 8);
	frames_of(a, 64, old);
	before = vt_snap();

	r = vrealloc(a, 10 * P, GFP_KERNEL);
	ASSERT_TRUE(r == a);
	ASSERT_EQ(vt_snap().free_pages - before.free_pages, 54);
	ASSERT_EQ(nr_pages_of(a), 10);
	expect_frames(a, 10, old);
	ASSERT_NULL(vmalloc_to_page(a + 10 * P));
	ASSERT_NULL(vmalloc_to_page(a + 63 * P));
	ASSERT_FILLED(a, 10 * P, 8);
	/* The tail reads as unmapped (zeros), the range stays the area's. */
	ASSERT_ZEROED(a + 10 * P, 54 * P);
	ASSERT_EQ(find_vm_area(a)->size, 65 * P);
	ASSERT_TRUE(info_line(a, info, sizeof(info)));
	ASSERT_NONNULL(strstr(info, " pages=10 "));
	if (vt_is_host())
		ASSERT_TRUE(vt_probe(a + 10 * P, false) == a + 10 * P);
	ASSERT_SANE();

	/* Growing back fits the range it kept: in place, new frames. */
	r = vrealloc(a, 64 * P, GFP_KERNEL);
	ASSERT_TRUE(r == a);
	ASSERT_EQ(before.free_pages, vt_snap().free_pages);
	expect_frames(a, 10, old);
	ASSERT_FILLED(a, 10 * P, 8);
	vt_fill(a, 64 * P, 9);
	ASSERT_FILLED(a, 64 * P, 9);
	vfree(a);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(vrealloc_null_size_zero_and_bad_pointers)
{
	struct page *pg[2];
	struct vm_struct *area;
	struct vt_snap base, held;
	unsigned long w;
	char *p, *q, *m, stack[64];

	vt_init(64, 1);
	base = vt_snap();
	p = vrealloc(NULL, 3 * P, GFP_KERNEL | __GFP_ZERO);
	ASSERT_NONNULL(p);
	ASSERT_TRUE(is_vmalloc_addr(p));
	ASSERT_EQ(nr_pages_of(p), 3);
	ASSERT_ZEROED(p, 3 * P);
	ASSERT_NULL(vrealloc(p, 0, GFP_KERNEL));
	ASSERT_SNAP_EQ(vt_snap(), base);

	p = vmalloc(3 * P);
	vt_fill(p, 3 * P, 10);
	held = vt_snap();
	w = vt_warnings();
	ASSERT_NULL(vrealloc(p + P, 5 * P, GFP_KERNEL));	/* inside */
	ASSERT_NULL(vrealloc(p + 1, 5 * P, GFP_KERNEL));	/* unaligned */
	ASSERT_NULL(vrealloc(stack, 5 * P, GFP_KERNEL));	/* not ours */
	ASSERT_EQ(vt_warnings(), w + 3);
	ASSERT_EQ(vt_log_count("Trying to vrealloc() nonexistent vm area"), 3);

	/* Areas vmalloc() did not make: a vmap and an unpopulated area. */
	pg[0] = alloc_page(GFP_KERNEL);
	pg[1] = alloc_page(GFP_KERNEL);
	m = vmap(pg, 2, VM_MAP, PAGE_KERNEL);
	area = get_vm_area(4 * P, VM_ALLOC);
	ASSERT_NONNULL(m);
	ASSERT_NONNULL(area);
	ASSERT_NULL(vrealloc(m, 8 * P, GFP_KERNEL));
	ASSERT_NULL(vrealloc(area->addr, 8 * P, GFP_KERNEL));
	ASSERT_EQ(vt_warnings(), w + 5);
	ASSERT_TRUE(vmalloc_to_page(m) == pg[0]);
	vunmap(m);
	free_vm_area(area);
	__free_page(pg[0]);
	__free_page(pg[1]);

	/* Impossible sizes fail cleanly. */
	ASSERT_NULL(vrealloc(p, SIZE_MAX, GFP_KERNEL | __GFP_NOWARN));
	ASSERT_NULL(vrealloc(p, (size_t)1 << 50, GFP_KERNEL | __GFP_NOWARN));
	ASSERT_SNAP_EQ(vt_snap(), held);
	ASSERT_FILLED(p, 3 * P, 10);
	ASSERT_EQ(nr_pages_of(p), 3);
	q = vrealloc(p, 3 * P, GFP_KERNEL);	/* same size: same area */
	ASSERT_TRUE(q == p);
	vfree(q);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/* A page array bigger than a page (VM_VPAGES on the host engine). */
TEST(vrealloc_vpages_area_resizes_its_page_array)
{
	bool host = false;
	struct vt_snap base;
	struct page *f[4];
	char *p, *q, info[256];
	unsigned long i;

	vt_init(128, 1);
	host = vt_is_host();
	base = vt_snap();
	p = vmalloc(1024 * P);
	ASSERT_NONNULL(p);
	for (i = 0; i < 4; i++) {
		f[i] = vmalloc_to_page(p + i * 300 * P);
		vt_fill(p + i * 300 * P, P, (unsigned int)i);
	}
	if (host)
		ASSERT_TRUE(find_vm_area(p)->flags & VM_VPAGES);

	q = vrealloc(p, 2048 * P, GFP_KERNEL);
	ASSERT_NONNULL(q);
	ASSERT_EQ(nr_pages_of(q), 2048);
	for (i = 0; i < 4; i++) {
		ASSERT_TRUE(vmalloc_to_page(q + i * 300 * P) == f[i]);
		ASSERT_FILLED(q + i * 300 * P, P, (unsigned int)i);
	}
	vt_fill(q + 2047 * P, P, 11);
	ASSERT_SANE();

	/* Down to 100 pages: an 800-byte array, no longer VM_VPAGES. */
	p = vrealloc(q, 100 * P, GFP_KERNEL);
	ASSERT_TRUE(p == q);
	ASSERT_EQ(nr_pages_of(p), 100);
	ASSERT_FALSE(find_vm_area(p)->flags & VM_VPAGES);
	ASSERT_TRUE(info_line(p, info, sizeof(info)));
	ASSERT_NULL(strstr(info, "vpages"));
	ASSERT_FILLED(p, P, 0);
	ASSERT_SANE();

	/* And up again inside the range it kept. */
	q = vrealloc(p, 1500 * P, GFP_KERNEL);
	ASSERT_TRUE(q == p);
	ASSERT_EQ(nr_pages_of(q), 1500);
	if (host) {
		ASSERT_TRUE(find_vm_area(q)->flags & VM_VPAGES);
		ASSERT_TRUE(info_line(q, info, sizeof(info)));
		ASSERT_NONNULL(strstr(info, "vpages"));
	}
	ASSERT_FILLED(q, P, 0);
	ASSERT_TRUE(vmalloc_to_page(q + 1499 * P) != NULL);
	vfree(q);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/* vread() of a user mapping's frames survives a move; frame references too. */
TEST(vrealloc_move_keeps_user_mapped_frames)
{
	struct vm_area_struct vma;
	struct vt_snap base;
	struct page *f0;
	char *p, *b, *q;

	vt_init(64, 1);
	base = vt_snap();
	p = vmalloc_user(6 * P);
	b = vmalloc(6 * P);
	ASSERT_TRUE(b == p + 7 * P);
	vt_fill(p, 6 * P, 12);
	f0 = vmalloc_to_page(p);
	ASSERT_EQ(vm_user_range_reserve(&vma, 2 * P), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, p, 0), 0);
	ASSERT_EQ(page_count(f0), 2);
	q = vrealloc(p, 12 * P, GFP_KERNEL);
	ASSERT_TRUE(q && q != p);
	ASSERT_TRUE(find_vm_area(q)->flags & VM_USERMAP);
	ASSERT_TRUE(vmalloc_to_page(q) == f0);
	ASSERT_EQ(page_count(f0), 2);
	ASSERT_EQ(vm_user_range_pfn(&vma, vma.vm_start), page_to_pfn(f0));
	ASSERT_FILLED(q, 6 * P, 12);
	vfree(q);
	ASSERT_EQ(page_count(f0), 1);	/* user space still maps it */
	vm_user_range_release(&vma);
	vfree(b);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/*
 * A vmalloc_user() area keeps VM_USERMAP through vrealloc(), so
 * remap_vmalloc_range() may hand its frames to user space: the frames a
 * grow adds must be zeroed whatever the gfp flags, as vmalloc_user()
 * zeroes its own (else user space reads what the frames held before).
 * In place and on a move.
 */
TEST(vrealloc_of_a_user_area_zeroes_the_new_frames)
{
	struct vm_area_struct vma;
	struct vt_snap base;
	char *d, *p, *q, *b, *r;

	vt_init_strict(64);
	base = vt_snap();
	/* Stale data in free frames. */
	d = vmalloc(32 * P);
	ASSERT_NE(d, NULL);
	vt_fill(d, 32 * P, 77);
	vfree(d);
	vm_unmap_aliases();
	p = vmalloc_user(P);
	ASSERT_NE(p, NULL);
	q = vrealloc(p, 8 * P, GFP_KERNEL);	/* a slot: moves */
	ASSERT_NE(q, NULL);
	ASSERT_TRUE(find_vm_area(q)->flags & VM_USERMAP);
	ASSERT_ZEROED(q, 8 * P);
	b = vmalloc(P);				/* somewhere else */
	r = vrealloc(q, 12 * P, GFP_KERNEL);
	ASSERT_NE(r, NULL);
	ASSERT_ZEROED(r, 12 * P);
	ASSERT_EQ(vm_user_range_reserve(&vma, 12 * P), 0);
	ASSERT_EQ(remap_vmalloc_range(&vma, r, 0), 0);
	vm_user_range_release(&vma);
	vfree(r);
	vfree(b);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/* Today's area flags: VM_NO_GUARD grows without a guard page to move. */
TEST(vrealloc_no_guard_area_grows_in_place_and_keeps_its_flags)
{
	struct vt_snap base;
	struct page *f[4];
	char *p, *b, *c, *r;

	vt_init_strict(64);
	base = vt_snap();
	p = __vmalloc_node_range(4 * P, 1, VMALLOC_START, VMALLOC_END,
				 GFP_KERNEL, PAGE_KERNEL, VM_NO_GUARD,
				 NUMA_NO_NODE, NULL);
	ASSERT_NONNULL(p);
	b = vmalloc(P);
	ASSERT_TRUE(b == p + 4 * P);
	vt_fill(p, 4 * P, 16);
	frames_of(p, 4, f);
	vfree(b);
	vm_unmap_aliases();
	r = vrealloc(p, 10 * P, GFP_KERNEL);
	ASSERT_TRUE(r == p);
	ASSERT_EQ(find_vm_area(p)->size, 10 * P);
	ASSERT_TRUE(find_vm_area(p)->flags & VM_NO_GUARD);
	ASSERT_NONNULL(vmalloc_to_page(p + 9 * P));
	expect_frames(p, 4, f);
	ASSERT_FILLED(p, 4 * P, 16);
	c = vmalloc(P);
	ASSERT_TRUE(c == p + 10 * P);		/* still no guard page */

	/* Now the space after it is busy: it moves, flags and frames along. */
	r = vrealloc(p, 12 * P, GFP_KERNEL);
	ASSERT_TRUE(r && r != p);
	ASSERT_TRUE(find_vm_area(r)->flags & VM_NO_GUARD);
	ASSERT_EQ(find_vm_area(r)->size, 12 * P);
	expect_frames(r, 4, f);
	ASSERT_FILLED(r, 4 * P, 16);
	ASSERT_NULL(vmalloc_to_page(p));
	r = vrealloc(r, 2 * P, GFP_KERNEL);
	ASSERT_EQ(nr_pages_of(r), 2);
	ASSERT_NULL(vmalloc_to_page(r + 11 * P));	/* its last page, unmapped */
	ASSERT_SANE();
	vfree(c);
	vfree(r);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(vrealloc_keeps_vmalloc_nr_pages_and_refuses_sparse_areas)
{
	struct vm_struct *sp;
	unsigned long n0, w;
	char *p, *b;

	vt_init(64, 1);
	n0 = vmalloc_nr_pages();
	p = vmalloc(8 * P);
	b = vmalloc(8 * P);
	ASSERT_EQ(vmalloc_nr_pages(), n0 + 16);
	p = vrealloc(p, 20 * P, GFP_KERNEL);		/* move */
	ASSERT_EQ(vmalloc_nr_pages(), n0 + 28);
	p = vrealloc(p, 3 * P, GFP_KERNEL);		/* shrink */
	ASSERT_EQ(vmalloc_nr_pages(), n0 + 11);
	p = vrealloc(p, 6 * P, GFP_KERNEL);		/* in place */
	ASSERT_EQ(vmalloc_nr_pages(), n0 + 14);
	vfree(p);
	vfree(b);
	ASSERT_EQ(vmalloc_nr_pages(), n0);

	sp = get_vm_area(8 * P, VM_SPARSE);
	ASSERT_NONNULL(sp);
	w = vt_warnings();
	ASSERT_NULL(vrealloc(sp->addr, 16 * P, GFP_KERNEL));
	ASSERT_EQ(vt_warnings(), w + 1);
	free_vm_area(sp);

	/* __GFP_NOFAIL that the pool can never satisfy: said loudly. */
	p = vmalloc(P);
	w = vt_warnings();
	ASSERT_NULL(vrealloc(p, (size_t)1 << 45, GFP_KERNEL | __GFP_NOFAIL));
	ASSERT_EQ(vt_warnings(), w + 1);
	ASSERT_EQ(vt_log_count("cannot be satisfied"), 1);
	/* One it can: retried after purges, it succeeds. */
	p = vrealloc(p, 40 * P, GFP_KERNEL | __GFP_NOFAIL);
	ASSERT_NONNULL(p);
	ASSERT_EQ(nr_pages_of(p), 40);
	vfree(p);
	ASSERT_SANE();
}

/* An area of 2 MiB leaves grows and shrinks by whole leaves. */
TEST(vrealloc_huge_area_keeps_whole_leaves)
{
	const unsigned long H = 512;	/* pages per leaf */
	struct page *f[3];
	struct vt_snap base, before;
	char *p, *r;

	vt_init(64, 1);
	base = vt_snap();
	p = vmalloc_huge(2 * H * P, GFP_KERNEL);
	ASSERT_NONNULL(p);
	if (find_vm_area(p)->page_order != 9)
		SKIP("vmalloc_huge fell back to 4 KiB pages");
	vt_fill(p, P, 1);
	vt_fill(p + H * P, P, 2);
	vt_fill(p + (2 * H - 1) * P, P, 3);
	f[0] = vmalloc_to_page(p);
	f[1] = vmalloc_to_page(p + H * P);
	f[2] = vmalloc_to_page(p + (2 * H - 1) * P);

	/* 5 MiB: rounded up to three leaves. */
	r = vrealloc(p, 5UL << 20, GFP_KERNEL);
	ASSERT_NONNULL(r);
	p = r;
	ASSERT_EQ(nr_pages_of(p), 3 * H);
	ASSERT_EQ(find_vm_area(p)->page_order, 9);
	ASSERT_EQ((unsigned long)p & ((2UL << 20) - 1), 0);
	ASSERT_TRUE(vmalloc_to_page(p) == f[0]);
	ASSERT_TRUE(vmalloc_to_page(p + H * P) == f[1]);
	ASSERT_TRUE(vmalloc_to_page(p + (2 * H - 1) * P) == f[2]);
	ASSERT_FILLED(p, P, 1);
	ASSERT_FILLED(p + H * P, P, 2);
	ASSERT_FILLED(p + (2 * H - 1) * P, P, 3);
	vt_fill(p + (3 * H - 1) * P, P, 4);
	ASSERT_SANE();

	/* A shrink to a leaf and a page keeps two leaves, frees one. */
	before = vt_snap();
	r = vrealloc(p, (H + 1) * P, GFP_KERNEL);
	ASSERT_TRUE(r == p);
	ASSERT_EQ(nr_pages_of(p), 2 * H);
	/* A leaf of frames, and a page of the page array (host: vmalloc'ed). */
	ASSERT_GE(vt_snap().free_pages - before.free_pages, H);
	ASSERT_LE(vt_snap().free_pages - before.free_pages, H + 1);
	ASSERT_NULL(vmalloc_to_page(p + 2 * H * P));
	ASSERT_FILLED(p + (2 * H - 1) * P, P, 3);
	/* Within the first leaf: one leaf left; __GFP_ZERO clears the rest. */
	r = vrealloc(p, 100, GFP_KERNEL | __GFP_ZERO);
	ASSERT_TRUE(r == p);
	ASSERT_EQ(nr_pages_of(p), H);
	ASSERT_FILLED(p, 100, 1);
	ASSERT_ZEROED(p + 100, H * P - 100);
	ASSERT_SANE();
	vfree(p);
	ASSERT_SNAP_EQ(vt_snap(), base);

	/* No order-9 block for the grow: it moves to 4 KiB pages. */
	p = vmalloc_huge(2 * H * P, GFP_KERNEL);
	ASSERT_TRUE(p && find_vm_area(p)->page_order == 9);
	vt_fill(p, P, 5);
	f[0] = vmalloc_to_page(p);
	vmalloc_fault_inject(VM_FAULT_PAGE, 1, 0, 0);
	r = vrealloc(p, 3 * H * P, GFP_KERNEL);
	vmalloc_fault_inject(0, 0, 0, 0);
	ASSERT_TRUE(r && r != p);
	ASSERT_EQ(find_vm_area(r)->page_order, 0);
	ASSERT_EQ(nr_pages_of(r), 3 * H);
	ASSERT_TRUE(vmalloc_to_page(r) == f[0]);
	ASSERT_FILLED(r, P, 5);
	vfree(r);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

/*
 * One scenario: set up an allocation (none of it under injection), then
 * resize it with the k-th injection attempt failing, k = 1, 2, ... until
 * a run makes fewer than k attempts (as test_faults.c: a success that
 * still made a k-th attempt absorbed that failure, by a retry or the
 * 4 KiB fallback). After a failure the old allocation is intact (its
 * address, frames, page count and contents) and every count is as before
 * but page tables (bounded), and the sanity walk passes.
 */
struct scenario {
	const char *name;
	unsigned long pages;	/* the allocation */
	unsigned long to;	/* the new size, bytes */
	bool neighbour;		/* a busy area right after it: must move */
	bool freed_neighbour;	/* the area after it freed: grow in place */
	bool huge;		/* vmalloc_huge(): a failed 2 MiB grow may be
				   absorbed by the 4 KiB move */
};

static void sweep_vrealloc(const struct scenario *sc)
{
	struct page **fr = calloc(sc->pages, sizeof(*fr));
	unsigned long k, attempts, failed = 0, absorbed = 0;

	ASSERT_NONNULL(fr);
	for (k = 1; k < 400; k++) {
		struct vt_snap base;
		char *p, *n = NULL, *r;

		vmalloc_exit();
		vt_init(64, 1);
		p = sc->huge ? vmalloc_huge(sc->pages * P, GFP_KERNEL) :
			       vmalloc(sc->pages * P);
		ASSERT_NONNULL(p);
		if (sc->huge)
			ASSERT_EQ(find_vm_area(p)->page_order, 9);
		if (sc->neighbour || sc->freed_neighbour) {
			n = vmalloc(8 * P);
			ASSERT_TRUE(n == p + (sc->pages + 1) * P);
		}
		if (sc->freed_neighbour) {
			vfree(n);
			n = NULL;
		}
		vt_fill(p, sc->pages * P, 13);
		frames_of(p, sc->pages, fr);
		base = vt_snap();
		vmalloc_fault_inject(VM_FAULT_ALL, k, 0, 0);
		r = vrealloc(p, sc->to, GFP_KERNEL);
		attempts = vmalloc_fault_attempts();
		vmalloc_fault_inject(0, 0, 0, 0);
		if (!r) {
			failed++;
			ASSERT_GE(attempts, k);
			ASSERT_SNAP_FAILED(vt_snap(), base, 4UL << 20);
			ASSERT_EQ(nr_pages_of(p), sc->pages);
			expect_frames(p, sc->pages, fr);
			ASSERT_FILLED(p, sc->pages * P, 13);
			if (vmalloc_check())
				vt_fail(__FILE__, __LINE__, "%s: sanity walk failed at k=%lu",
					sc->name, k);
			vfree(p);
		} else {
			unsigned long keep = vm_min_ul(sc->pages, PAGE_ALIGN(sc->to) / P);

			if (sc->neighbour)
				ASSERT_TRUE(r != p);
			if ((sc->freed_neighbour && !sc->huge) ||
			    sc->to <= sc->pages * P)
				ASSERT_TRUE(r == p);
			absorbed += attempts >= k;
			expect_frames(r, keep, fr);
			ASSERT_FILLED(r, keep * P, 13);
			ASSERT_SANE();
			vfree(r);
		}
		if (n)
			vfree(n);
		ASSERT_EQ(vt_snap().areas, 0);
		if (attempts < k)
			break;		/* no k-th attempt: every point done */
	}
	ASSERT_LT(k, 400);
	printf("# %-28s %3lu failure points failed cleanly, %lu absorbed\n",
	       sc->name, failed, absorbed);
	ASSERT_GT(failed + absorbed, 0);
	free(fr);
}

TEST(vrealloc_fault_sweep_grow_in_place)
{
	const struct scenario sc = { "grow in place", 8, 40 * P, false, true, false };

	sweep_vrealloc(&sc);
}

TEST(vrealloc_fault_sweep_move)
{
	const struct scenario sc = { "move", 8, 40 * P, true, false, false };

	sweep_vrealloc(&sc);
}

TEST(vrealloc_fault_sweep_move_slot)
{
	const struct scenario sc = { "move a slot", 1, 3 * P, false, false, false };

	sweep_vrealloc(&sc);
}

TEST(vrealloc_fault_sweep_shrink)
{
	const struct scenario sc = { "shrink", 40, 3 * P + 5, false, false, false };

	sweep_vrealloc(&sc);
}

TEST(vrealloc_fault_sweep_huge_grow)
{
	const struct scenario sc = { "huge grow", 1024, 1100 * P, false, false,
				     true };

	sweep_vrealloc(&sc);
}

TEST(vrealloc_fault_sweep_vpages)
{
	const struct scenario sc = { "vpages grow", 520, 530 * P, false, false, false };

	sweep_vrealloc(&sc);
}

/* ------------------------------------------------------------------ */
/* kvmalloc                                                            */
/* ------------------------------------------------------------------ */

TEST(kvmalloc_small_and_large_paths)
{
	struct vt_snap base;
	char *s, *t, *l, *m;

	vt_init(64, 1);
	base = vt_snap();
	s = kvmalloc(100, GFP_KERNEL);
	t = kvmalloc(PAGE_SIZE, GFP_KERNEL);
	l = kvmalloc(PAGE_SIZE + 1, GFP_KERNEL);
	m = kvmalloc_node(5 * P, GFP_KERNEL, 0);
	ASSERT_TRUE(s && t && l && m);
	ASSERT_FALSE(is_vmalloc_addr(s));
	ASSERT_FALSE(is_vmalloc_addr(t));
	ASSERT_TRUE(is_vmalloc_addr(l));
	ASSERT_TRUE(is_vmalloc_addr(m));
	ASSERT_EQ(nr_pages_of(l), 2);
	ASSERT_EQ(page_to_nid(vmalloc_to_page(m)), 0);
	memset(s, 0x11, 100);
	memset(t, 0x22, PAGE_SIZE);
	ASSERT_EQ(s[99], 0x11);
	ASSERT_EQ(vt_snap().areas, base.areas + 2);
	ASSERT_GT(vt_snap().meta_bytes, base.meta_bytes);
	ASSERT_NULL(kvmalloc(0, GFP_KERNEL));
	ASSERT_NULL(kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL | __GFP_NOWARN));
	/* Non-blocking flags still reach vmalloc (today's kernel). */
	kvfree(m);
	m = kvmalloc(3 * P, GFP_NOWAIT);
	ASSERT_TRUE(m && is_vmalloc_addr(m));
	kvfree(m);
	m = kvmalloc(3 * P, GFP_ATOMIC);
	ASSERT_TRUE(m && is_vmalloc_addr(m));
	kvfree(m);
	kvfree(s);
	kvfree(t);
	kvfree(l);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SANE();
}

TEST(kvzalloc_zeroes_both_paths)
{
	struct vt_snap base;
	unsigned char *s;
	char *l;
	int i;

	vt_init(64, 1);
	base = vt_snap();
	/* Dirty what the next allocations will most likely get. */
	for (i = 0; i < 64; i++) {
		s = kvmalloc(200, GFP_KERNEL);
		memset(s, 0xaa, 200);
		kvfree(s);
	}
	l = vmalloc(5 * P);
	vt_fill(l, 5 * P, 14);
	vfree(l);
	vm_unmap_aliases();

	s = kvzalloc(200, GFP_KERNEL);
	ASSERT_NONNULL(s);
	for (i = 0; i < 200; i++)
		ASSERT_EQ(s[i], 0);
	l = kvzalloc(5 * P, GFP_KERNEL);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_ZEROED(l, 5 * P);
	kvfree(l);
	l = kvzalloc_node(5 * P, GFP_KERNEL, NUMA_NO_NODE);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_ZEROED(l, 5 * P);
	kvfree(l);
	kvfree(s);
	s = kvzalloc_node(64, GFP_KERNEL, 0);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(s[i], 0);
	kvfree(s);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(kvcalloc_and_kvmalloc_array_overflow)
{
	struct vt_snap base;
	unsigned char *s;
	char *l;
	int i;

	vt_init(64, 1);
	base = vt_snap();
	ASSERT_NULL(kvmalloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	ASSERT_NULL(kvcalloc(SIZE_MAX, 2, GFP_KERNEL));
	ASSERT_NULL(kvcalloc((size_t)1 << 33, (size_t)1 << 31, GFP_KERNEL));
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);

	s = kvcalloc(10, 100, GFP_KERNEL);
	ASSERT_TRUE(s && !is_vmalloc_addr(s));
	for (i = 0; i < 1000; i++)
		ASSERT_EQ(s[i], 0);
	l = kvcalloc(1000, 100, GFP_KERNEL);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_EQ(nr_pages_of(l), 25);
	ASSERT_ZEROED(l, 100000);
	kvfree(l);
	l = kvmalloc_array(3, 2 * P, GFP_KERNEL);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_EQ(nr_pages_of(l), 6);
	kvfree(l);
	kvfree(s);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
}

TEST(kvrealloc_crosses_the_small_large_boundary_both_ways)
{
	struct vt_snap base;
	unsigned char *s, *t, buf[3000];
	char *l, *m;
	int i;

	vt_init(64, 1);
	base = vt_snap();
	s = kvmalloc(100, GFP_KERNEL);
	for (i = 0; i < 100; i++)
		s[i] = (unsigned char)(i + 1);
	/* Still fits its 128-byte class: the same object. */
	ASSERT_TRUE(kvrealloc(s, 120, GFP_KERNEL) == s);
	t = kvrealloc(s, 3000, GFP_KERNEL);
	ASSERT_TRUE(t && !is_vmalloc_addr(t));
	for (i = 0; i < 100; i++)
		ASSERT_EQ(t[i], (unsigned char)(i + 1));
	for (i = 0; i < 3000; i++)
		t[i] = (unsigned char)(i * 7);

	/* Small to large: vmalloc memory with the contents. */
	l = kvrealloc(t, 10000, GFP_KERNEL);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_EQ(vread((char *)buf, l, 3000), 3000);
	for (i = 0; i < 3000; i++)
		ASSERT_EQ(buf[i], (unsigned char)(i * 7));
	ASSERT_EQ(nr_pages_of(l), 3);

	/* Large to small: vrealloc, as the kernel; the tail frames go. */
	m = kvrealloc(l, 200, GFP_KERNEL);
	ASSERT_TRUE(m == l);
	ASSERT_EQ(nr_pages_of(m), 1);
	ASSERT_EQ(vread((char *)buf, m, 200), 200);
	for (i = 0; i < 200; i++)
		ASSERT_EQ(buf[i], (unsigned char)(i * 7));

	/* The 5.15 form: bytes after the old size zero with __GFP_ZERO. */
	l = kvrealloc(m, 200, 6 * P, GFP_KERNEL | __GFP_ZERO);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	ASSERT_EQ(vread((char *)buf, l, 200), 200);
	for (i = 0; i < 200; i++)
		ASSERT_EQ(buf[i], (unsigned char)(i * 7));
	ASSERT_ZEROED(l + 200, 6 * P - 200);
	ASSERT_TRUE(kvrealloc(l, 6 * P, 100, GFP_KERNEL) == l);	/* no shrink */
	s = kvrealloc(NULL, 0, 50, GFP_KERNEL);
	ASSERT_TRUE(s && !is_vmalloc_addr(s));
	s[0] = 1;
	t = kvrealloc(s, 50, 60, GFP_KERNEL | __GFP_ZERO);
	ASSERT_TRUE(t == s);
	ASSERT_EQ(t[0], 1);
	ASSERT_EQ(t[55], 0);

	/* Size 0 frees, on both paths. */
	ASSERT_NULL(kvrealloc(l, 0, GFP_KERNEL));
	ASSERT_NULL(kvrealloc(t, 0, GFP_KERNEL));
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SANE();
}

TEST(kvfree_sensitive_zeroes_before_freeing)
{
	struct page *f[3];
	unsigned char *s, *d;
	struct vt_snap base;
	char *l;
	int i;

	vt_init(64, 1);
	base = vt_snap();
	/* vmalloc path: watch the frames through the direct map. */
	l = kvmalloc(3 * P, GFP_KERNEL);
	ASSERT_TRUE(l && is_vmalloc_addr(l));
	vt_fill(l, 3 * P, 15);
	frames_of(l, 3, f);
	kvfree_sensitive(l, P + 100);
	ASSERT_NULL(find_vm_area(l));
	d = page_address(f[0]);
	for (i = 0; i < (int)P; i++)
		ASSERT_EQ(d[i], 0);
	/* Exactly len bytes: the rest is as written (the frame was not
	 * cleared by anything else), so the zeros above are ours. */
	d = page_address(f[1]);
	for (i = 0; i < 100; i++)
		ASSERT_EQ(d[i], 0);
	for (i = 100; i < (int)P; i++)
		ASSERT_EQ(d[i], (unsigned char)((P + i) * 31 + 15 + 1));

	/* Small path: the object's memory, after the free-list link and
	 * the free tag (slab.c), which hold no data of the owner. */
	s = kvmalloc(512, GFP_KERNEL);
	memset(s, 0x5a, 512);
	kvfree_sensitive(s, 300);
	for (i = 16; i < 300; i++)
		ASSERT_EQ(s[i], 0);
	for (i = 300; i < 512; i++)
		ASSERT_EQ(s[i], 0x5a);
	kvfree_sensitive(NULL, 10);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SANE();
}

TEST(kvfree_null_and_foreign_pointers)
{
	struct vt_snap base, held;
	char *s, *l, stack[32], *heap = malloc(64);
	unsigned long w;

	vt_init(64, 1);
	base = vt_snap();
	kvfree(NULL);
	ASSERT_EQ(vt_warnings(), 0);
	s = kvmalloc(64, GFP_KERNEL);
	l = kvmalloc(2 * P, GFP_KERNEL);
	memset(s, 3, 64);
	held = vt_snap();
	w = vt_warnings();
	kvfree(stack);
	kvfree(heap);
	kvfree(s + 16);			/* inside an object */
	ASSERT_NULL(kvrealloc(stack, 100, GFP_KERNEL));
	kvfree_sensitive(heap, 64);
	ASSERT_EQ(vt_warnings(), w + 5);
	ASSERT_EQ(vt_log_count("neither kvmalloc nor vmalloc"), 4);
	kvfree(l + P);			/* inside a vmalloc area: vfree refuses */
	ASSERT_EQ(vt_warnings(), w + 6);
	ASSERT_SNAP_EQ(vt_snap(), held);
	ASSERT_EQ(s[63], 3);
	kvfree(s);
	kvfree(l);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
	free(heap);
}

/*
 * kvfree() of a small object twice, as vfree() twice, must be refused:
 * a second free would put the object on its free list twice, and two
 * later kvmalloc() calls would hand out the same memory.
 */
TEST(kvfree_twice_is_refused)
{
	struct vt_snap base;
	unsigned long w;
	size_t sizes[] = { 16, 64, 100, 4096 };
	unsigned int i;

	vt_init(64, 1);
	base = vt_snap();
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		char *s = kvmalloc(sizes[i], GFP_KERNEL), *a, *b;

		ASSERT_NE(s, NULL);
		kvfree(s);
		w = vt_warnings();
		kvfree(s);
		ASSERT_EQ(vt_warnings(), w + 1);
		kvfree_sensitive(s, sizes[i]);
		ASSERT_EQ(vt_warnings(), w + 2);
		ASSERT_NULL(kvrealloc(s, 2 * sizes[i], GFP_KERNEL));
		ASSERT_EQ(vt_warnings(), w + 3);
		a = kvmalloc(sizes[i], GFP_KERNEL);
		b = kvmalloc(sizes[i], GFP_KERNEL);
		ASSERT_NE(a, b);
		kvfree(a);
		kvfree(b);
		ASSERT_SNAP_EQ(vt_snap(), base);
	}
	ASSERT_SANE();
}

/*
 * Many chunks per class (a 64 KiB chunk holds about a thousand 64-byte
 * objects): kvfree() finds every object through the chunk index, in any
 * order, and refuses addresses between objects.
 */
TEST(kvfree_finds_objects_across_many_chunks)
{
	enum { N = 5000 };
	struct vt_snap base;
	unsigned long w;
	char **v = malloc(N * sizeof(*v));
	unsigned int i;

	vt_init(64, 1);
	vt_seed();
	base = vt_snap();
	ASSERT_NONNULL(v);
	for (i = 0; i < N; i++) {
		v[i] = kvmalloc(i % 3 ? 64 : 1000, GFP_KERNEL);
		ASSERT_TRUE(v[i] && !is_vmalloc_addr(v[i]));
		v[i][0] = (char)i;
	}
	w = vt_warnings();
	for (i = 0; i < N; i += 97) {
		kvfree(v[i] + 16);
		kvfree(v[i] - 16);
	}
	ASSERT_EQ(vt_warnings(), w + 2 * ((N + 96) / 97));
	for (i = N - 1; i > 0; i--) {		/* shuffle */
		unsigned int j = (unsigned int)vt_below(i + 1);
		char *t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	for (i = 0; i < N; i++)
		kvfree(v[i]);
	ASSERT_EQ(vt_warnings(), w + 2 * ((N + 96) / 97));
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_SANE();
	free(v);
}

/* kvmalloc and kvrealloc under injection: fail cleanly, old intact. */
TEST(kvmalloc_fault_sweep)
{
	static const struct { size_t from, to; } cases[] = {
		{ 0, 100 }, { 0, 20 * 4096 }, { 100, 3000 }, { 100, 9000 },
		{ 9000, 40000 },
	};
	unsigned int c;

	for (c = 0; c < ARRAY_LEN(cases); c++) {
		unsigned long k, attempts, failed = 0;

		for (k = 1; k < 400; k++) {
			unsigned char buf[100];
			struct vt_snap base;
			char *p = NULL, *r;
			int i;

			vmalloc_exit();
			vt_init(64, 1);
			if (cases[c].from) {
				p = kvmalloc(cases[c].from, GFP_KERNEL);
				ASSERT_NONNULL(p);
				for (i = 0; i < 100; i++)
					buf[i] = (unsigned char)(i + c);
				if (is_vmalloc_addr(p))
					vwrite((char *)buf, p, 100);
				else
					memcpy(p, buf, 100);
			}
			base = vt_snap();
			vmalloc_fault_inject(VM_FAULT_ALL, k, 0, 0);
			r = p ? kvrealloc(p, cases[c].to, GFP_KERNEL) :
				kvmalloc(cases[c].to, GFP_KERNEL);
			attempts = vmalloc_fault_attempts();
			vmalloc_fault_inject(0, 0, 0, 0);
			if (!r) {
				failed++;
				ASSERT_GE(attempts, k);
				ASSERT_SNAP_FAILED(vt_snap(), base, 4UL << 20);
				ASSERT_SANE();
			}
			if (p && !r) {
				memset(buf, 0, sizeof(buf));
				if (is_vmalloc_addr(p))
					vread((char *)buf, p, 100);
				else
					memcpy(buf, p, 100);
				for (i = 0; i < 100; i++)
					ASSERT_EQ(buf[i], (unsigned char)(i + c));
			}
			kvfree(r ? r : p);
			ASSERT_EQ(vt_snap().areas, 0);
			if (attempts < k)
				break;	/* every point done */
		}
		ASSERT_LT(k, 400);
		ASSERT_GT(failed, 0);
		printf("# kvmalloc %zu -> %zu: %lu failure points failed cleanly\n",
		       cases[c].from, cases[c].to, failed);
	}
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

#define RESIZERS	2
#define CHURNERS	2

static unsigned int thread_iters(void)
{
	return vt_long() ? 3000 : 150;
}

struct resizer {
	pthread_t t;
	unsigned int id;
	uint64_t seed;
	int bad;
};

static void *resize_loop(void *arg)
{
	struct resizer *r = arg;
	unsigned long pages = 1, i;
	unsigned char *buf = malloc(64 * P);
	char *p = vmalloc(P);
	uint64_t x = r->seed;

	if (!p || !buf) {
		r->bad = 1;
		return NULL;
	}
	memset(buf, (int)r->id + 1, 64 * P);
	vwrite((char *)buf, p, P);
	for (i = 0; i < thread_iters() && !r->bad; i++) {
		unsigned long want, keep, j;
		char *q;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		want = 1 + x % 40;
		q = vrealloc(p, want * P, GFP_KERNEL);
		if (!q) {
			r->bad = 2;
			break;
		}
		keep = vm_min_ul(pages, want);
		memset(buf, 0, keep * P);
		vread((char *)buf, q, keep * P);
		for (j = 0; j < keep * P; j++)
			if (buf[j] != (unsigned char)(r->id + 1 + (i & 0x3f))) {
				r->bad = 3;
				break;
			}
		memset(buf, (int)(r->id + 1 + ((i + 1) & 0x3f)), want * P);
		vwrite((char *)buf, q, want * P);
		p = q;
		pages = want;
	}
	vfree(p);
	free(buf);
	return NULL;
}

static volatile int churn_stop;

static void *churn_loop(void *arg)
{
	void *held[16] = { NULL };
	unsigned long i = 0;

	(void)arg;
	while (!__atomic_load_n(&churn_stop, __ATOMIC_RELAXED)) {
		unsigned int slot = (unsigned int)(i % 16);

		if (held[slot]) {
			if (slot & 1)
				kvfree(held[slot]);
			else
				vfree(held[slot]);
		}
		held[slot] = slot & 1 ? kvmalloc((i % 7) * 1500 + 8, GFP_KERNEL) :
			     vmalloc(((i % 9) + 1) * P);
		i++;
	}
	for (i = 0; i < 16; i++) {
		if (i & 1)
			kvfree(held[i]);
		else
			vfree(held[i]);
	}
	return NULL;
}

TEST(vrealloc_threads_resize_own_areas_while_others_allocate)
{
	struct resizer rs[RESIZERS];
	pthread_t ch[CHURNERS];
	struct vt_snap base;
	uint64_t seed;
	unsigned int i;

	vt_init(128, 2);
	seed = vt_seed();
	base = vt_snap();
	churn_stop = 0;
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(pthread_create(&ch[i], NULL, churn_loop, NULL), 0);
	for (i = 0; i < RESIZERS; i++) {
		rs[i].id = i;
		rs[i].seed = seed * 2654435761u + i + 1;
		rs[i].bad = 0;
		ASSERT_EQ(pthread_create(&rs[i].t, NULL, resize_loop, &rs[i]), 0);
	}
	for (i = 0; i < RESIZERS; i++)
		pthread_join(rs[i].t, NULL);
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < CHURNERS; i++)
		pthread_join(ch[i], NULL);
	for (i = 0; i < RESIZERS; i++)
		ASSERT_EQ(rs[i].bad, 0);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SANE();
}

/*
 * A shrink of a fast-path slot area frees its tail frames while a walker
 * (vread, vmallocinfo) may be inside the slot: walkers hold only the
 * block's lock, and a slot is claimed without it. The frames must not go
 * back to the page allocator before the shrink has passed that lock, as
 * a vfree() does (area_retire() takes it before the frames are freed):
 * otherwise a vread() that found the slot live may read a frame another
 * thread has meanwhile been given and is writing. The resizer and the
 * thread that takes the freed frames share a CPU (so its page cache);
 * they hand over with relaxed atomics, which order nothing. Run under
 * TSan: it reports the reader's copy against the new owner's write.
 */
static char *shrink_race_addr;
static unsigned long shrink_race_seen, shrink_race_go, shrink_race_done;
static int shrink_race_stop;

static bool pin_to(unsigned int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *shrink_race_reader(void *arg)
{
	char *buf = malloc(4 * P);

	pin_to(*(unsigned int *)arg);
	while (!__atomic_load_n(&shrink_race_stop, __ATOMIC_RELAXED)) {
		char *a = __atomic_load_n(&shrink_race_addr, __ATOMIC_RELAXED);

		if (!a)
			continue;
		vread(buf, a, 4 * P);
		__atomic_store_n(&shrink_race_seen, (unsigned long)a,
				 __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

static void *shrink_race_taker(void *arg)
{
	unsigned long done = 0, go;
	struct page *pg[4];
	unsigned int j;

	(void)arg;
	pin_to(0);
	while (!__atomic_load_n(&shrink_race_stop, __ATOMIC_RELAXED)) {
		go = __atomic_load_n(&shrink_race_go, __ATOMIC_RELAXED);
		if (go == done) {
			sched_yield();
			continue;
		}
		for (j = 0; j < 4; j++) {
			pg[j] = alloc_page(GFP_KERNEL);
			if (pg[j])
				memset(page_address(pg[j]), 0x5a, P);
		}
		for (j = 0; j < 4; j++)
			if (pg[j])
				__free_page(pg[j]);
		done = go;
		__atomic_store_n(&shrink_race_done, done, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void spin_until(unsigned long *v, unsigned long want)
{
	unsigned long k;

	for (k = 0; k < 1000000 &&
	     __atomic_load_n(v, __ATOMIC_RELAXED) != want; k++)
		sched_yield();
}

TEST(vrealloc_thread_shrink_of_slot_vs_vread)
{
	unsigned int other = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	struct vt_snap base;
	cpu_set_t was;
	pthread_t r, t;
	unsigned long i;

	vt_init(64, 1);
	ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof(was), &was), 0);
	if (!pin_to(0))
		SKIP("cannot pin threads to CPU 0");
	base = vt_snap();
	shrink_race_stop = 0;
	shrink_race_addr = NULL;
	ASSERT_EQ(pthread_create(&r, NULL, shrink_race_reader, &other), 0);
	ASSERT_EQ(pthread_create(&t, NULL, shrink_race_taker, NULL), 0);
	for (i = 1; i <= 200; i++) {
		char *p = vmalloc(4 * P), *q;

		ASSERT_NE(p, NULL);
		__atomic_store_n(&shrink_race_addr, p, __ATOMIC_RELAXED);
		spin_until(&shrink_race_seen, (unsigned long)p);
		q = vrealloc(p, P, GFP_KERNEL);
		ASSERT_EQ(q, p);
		__atomic_store_n(&shrink_race_go, i, __ATOMIC_RELAXED);
		spin_until(&shrink_race_done, i);
		__atomic_store_n(&shrink_race_addr, NULL, __ATOMIC_RELAXED);
		vfree(q);
	}
	__atomic_store_n(&shrink_race_stop, 1, __ATOMIC_RELAXED);
	pthread_join(r, NULL);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(was), &was);
	ASSERT_SNAP_EQ(vt_snap(), base);
	ASSERT_EQ(vt_warnings(), 0);
	ASSERT_SANE();
}
