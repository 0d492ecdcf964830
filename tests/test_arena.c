/* SPDX-License-Identifier: MIT */
/*
 * The arena on its own: free address space with no descriptors, mappings
 * or purges (area/arena.c), driven directly with a lock of the test's own
 * and compared after every call with a brute-force model, a bitmap of
 * the range's pages. Every allocation must land at the lowest aligned fit
 * inside its window, exactly when one exists; every free must merge; the
 * arena's own walk (arena_check_locked) must pass throughout.
 */
#include "harness.h"
#include "area/arena.h"

#define ARENA_PAGES	2048UL
#define MAX_HELD	256

static struct vm_lock guard;
static struct arena a;
static unsigned long base;
static unsigned char used[ARENA_PAGES];	/* the model: 1 = allocated */

struct held {
	struct arena_node *n;
	unsigned long start, pages;
};

static struct held held[MAX_HELD];
static unsigned int nheld;

/* The lowest @align-aligned run of @pages free pages in [lo, hi), or 0. */
static unsigned long model_fit(unsigned long pages, unsigned long align,
			       unsigned long lo, unsigned long hi)
{
	unsigned long p, k;

	lo = lo < base ? base : lo;
	hi = hi > base + ARENA_PAGES * PAGE_SIZE ? base + ARENA_PAGES * PAGE_SIZE : hi;
	for (p = (lo + align - 1) & ~(align - 1); p >= lo && p < hi &&
	     hi - p >= pages * PAGE_SIZE; p += align) {
		unsigned long first = (p - base) >> PAGE_SHIFT;

		for (k = 0; k < pages && !used[first + k]; k++)
			;
		if (k == pages)
			return p;
		if (p + align < p)
			break;
	}
	return 0;
}

static void set_used(unsigned long start, unsigned long pages, unsigned char v)
{
	unsigned long i, first = (start - base) >> PAGE_SHIFT;

	for (i = 0; i < pages; i++) {
		ASSERT_EQ(used[first + i], !v);
		used[first + i] = v;
	}
}

/* The arena's free blocks are exactly the model's runs of free pages. */
static void check_against_model(void)
{
	struct arena_node *n;
	unsigned long p = 0, free_pages = 0;
	const char *why;

	vm_lock(&guard);
	why = arena_check_locked(&a);
	for (n = arena_first_locked(&a); n; n = arena_next_locked(&a, n)) {
		unsigned long s = (n->start - base) >> PAGE_SHIFT;
		unsigned long e = (n->end - base) >> PAGE_SHIFT;

		for (; p < s; p++)
			ASSERT_TRUE(used[p]);
		/* A free block ends where the next allocated page starts. */
		ASSERT_TRUE(s == 0 || used[s - 1]);
		for (; p < e; p++)
			ASSERT_FALSE(used[p]);
		ASSERT_TRUE(e == ARENA_PAGES || used[e]);
		free_pages += e - s;
	}
	for (; p < ARENA_PAGES; p++)
		ASSERT_TRUE(used[p]);
	ASSERT_EQ(a.free_bytes, free_pages * PAGE_SIZE);
	vm_unlock(&guard);
	if (why)
		vt_fail(__FILE__, __LINE__, "arena: %s", why);
}

static void start_arena(void)
{
	vt_init(16, 1);
	vm_lock_init(&guard, "test-arena", VM_RANK_AREA);
	base = 0x100000000UL;
	memset(used, 0, sizeof(used));
	nheld = 0;
	ASSERT_EQ(arena_init(&a, "test-arena", base,
			     base + ARENA_PAGES * PAGE_SIZE,
			     sizeof(struct arena_node), &guard), 0);
}

static void stop_arena(void)
{
	arena_destroy(&a);
	vm_lock_destroy(&guard);
}

/* Allocate and compare with the model; return whether it got one. */
static bool try_alloc(unsigned long pages, unsigned long align,
		      unsigned long lo, unsigned long hi)
{
	unsigned long want = model_fit(pages, align, lo, hi);
	struct arena_node *n;

	vm_lock(&guard);
	ASSERT_EQ(arena_prepare_locked(&a), 0);
	n = arena_alloc_locked(&a, pages * PAGE_SIZE, align, lo, hi);
	vm_unlock(&guard);
	if (!want) {
		ASSERT_NULL(n);
		return false;
	}
	ASSERT_NONNULL(n);
	ASSERT_EQ(n->start, want);
	ASSERT_EQ(n->end, want + pages * PAGE_SIZE);
	set_used(want, pages, 1);
	ASSERT_LT(nheld, MAX_HELD);
	held[nheld++] = (struct held){ n, want, pages };
	return true;
}

static void free_held(unsigned int i)
{
	struct held h = held[i];

	vm_lock(&guard);
	arena_free_locked(&a, h.n);
	vm_unlock(&guard);
	set_used(h.start, h.pages, 0);
	held[i] = held[--nheld];
}

/* The four ways a free block is carved, and the four ways one merges. */
TEST(arena_carves_and_merges_every_way)
{
	start_arena();
	ASSERT_TRUE(try_alloc(4, PAGE_SIZE, 0, ~0UL));		/* left edge */
	ASSERT_TRUE(try_alloc(4, PAGE_SIZE, base + 16 * PAGE_SIZE, ~0UL)); /* middle */
	ASSERT_TRUE(try_alloc(4, PAGE_SIZE, base + (ARENA_PAGES - 4) * PAGE_SIZE,
			      ~0UL));					/* right edge */
	ASSERT_TRUE(try_alloc(12, PAGE_SIZE, 0, ~0UL));		/* a whole hole */
	check_against_model();
	while (nheld) {
		free_held(nheld / 2);
		check_against_model();
	}
	ASSERT_EQ(a.free_bytes, ARENA_PAGES * PAGE_SIZE);
	stop_arena();
}

/*
 * Random sizes, alignments (up to the whole range) and windows (inside,
 * straddling and outside the range), random frees: every placement as
 * the model says, refusals exactly when it finds nothing.
 */
TEST(arena_placements_match_a_brute_force_oracle)
{
	unsigned long ops = vt_long() ? 200000 : 20000, i, got = 0, refused = 0;

	vt_seed();
	start_arena();
	for (i = 0; i < ops; i++) {
		if (nheld && (nheld == MAX_HELD || vt_below(5) < 2)) {
			free_held((unsigned int)vt_below(nheld));
		} else {
			unsigned long pages = 1 + vt_below(vt_below(4) ? 8 : 300);
			unsigned long align = PAGE_SIZE << vt_below(vt_below(3) ? 2 : 12);
			unsigned long lo = 0, hi = ~0UL;

			if (vt_below(3) == 0) {
				lo = base + (vt_below(ARENA_PAGES + 64) << PAGE_SHIFT) -
				     32 * PAGE_SIZE;
				hi = lo + ((1 + vt_below(ARENA_PAGES / 2)) << PAGE_SHIFT);
			}
			if (try_alloc(pages, align, lo, hi))
				got++;
			else
				refused++;
		}
		if (i % 64 == 0)
			check_against_model();
	}
	while (nheld)
		free_held(0);
	check_against_model();
	ASSERT_EQ(a.free_bytes, ARENA_PAGES * PAGE_SIZE);
	ASSERT_GT(got, ops / 4);
	ASSERT_GT(refused, 0);
	printf("# %lu operations: %lu placed as the oracle says, %lu refused as it says\n",
	       ops, got, refused);
	stop_arena();
}
