/* SPDX-License-Identifier: MIT */
/*
 * The red-black tree against a brute-force oracle: after every insert and
 * erase the colours and black heights hold, the in-order walk is sorted and
 * matches the oracle's set, and every augmented subtree maximum is exact.
 */
#include "harness.h"
#include "lib/rbtree.h"

struct item {
	struct rb_node rb;
	unsigned long key;
	unsigned long weight;
	unsigned long max;		/* largest weight in the subtree */
	bool in;
};

#define ITEM(n) ((struct item *)(void *)((char *)(n) - offsetof(struct item, rb)))

static bool recompute(struct rb_node *n)
{
	struct item *it = ITEM(n);
	unsigned long m = it->weight;

	if (n->left && ITEM(n->left)->max > m)
		m = ITEM(n->left)->max;
	if (n->right && ITEM(n->right)->max > m)
		m = ITEM(n->right)->max;
	if (m == it->max)
		return false;
	it->max = m;
	return true;
}

static void insert(struct rb_root *root, struct item *it, bool aug)
{
	struct rb_node **link = &root->node, *parent = NULL;

	while (*link) {
		parent = *link;
		link = it->key < ITEM(parent)->key ? &parent->left : &parent->right;
	}
	it->max = it->weight;
	rb_link_node(&it->rb, parent, link);
	rb_insert(root, &it->rb, aug ? recompute : NULL);
	it->in = true;
}

static unsigned long check_max(struct rb_node *n)
{
	unsigned long m, l, r;

	if (!n)
		return 0;
	l = check_max(n->left);
	r = check_max(n->right);
	m = ITEM(n)->weight;
	if (l > m)
		m = l;
	if (r > m)
		m = r;
	ASSERT_EQ(ITEM(n)->max, m);
	return m;
}

static void verify(struct rb_root *root, struct item *items, int n, bool aug)
{
	struct rb_node *node;
	unsigned long prev = 0;
	int count = 0, expect = 0, i, height;

	height = rb_check(root);
	ASSERT_GE(height, 0);
	for (node = rb_first(root); node; node = rb_next(node)) {
		ASSERT_TRUE(ITEM(node)->in);
		if (count)
			ASSERT_LT(prev, ITEM(node)->key);
		prev = ITEM(node)->key;
		count++;
	}
	for (i = 0; i < n; i++)
		expect += items[i].in;
	ASSERT_EQ(count, expect);
	/* rb_prev walks the same set backwards. */
	count = 0;
	for (node = rb_last(root); node; node = rb_prev(node))
		count++;
	ASSERT_EQ(count, expect);
	if (aug)
		check_max(root->node);
}

static void random_ops(bool aug, int n, int ops)
{
	struct item *items = calloc((size_t)n, sizeof(*items));
	struct rb_root root = { NULL };
	int i;

	ASSERT_NONNULL(items);
	vt_seed();
	for (i = 0; i < n; i++) {
		items[i].key = (unsigned long)i * 7 + 3;
		items[i].weight = vt_below(1000);
	}
	for (i = 0; i < ops; i++) {
		struct item *it = &items[vt_below((uint64_t)n)];

		if (it->in) {
			rb_erase(&root, &it->rb, aug ? recompute : NULL);
			it->in = false;
		} else {
			insert(&root, it, aug);
		}
		if (i % 97 == 0 || n < 64)
			verify(&root, items, n, aug);
	}
	verify(&root, items, n, aug);
	free(items);
}

TEST(rbtree_plain_random)
{
	random_ops(false, 2000, vt_long() ? 400000 : 40000);
}

TEST(rbtree_augmented_random)
{
	random_ops(true, 2000, vt_long() ? 400000 : 40000);
}

TEST(rbtree_augmented_small_exhaustive_churn)
{
	random_ops(true, 12, 20000);
}

TEST(rbtree_sequential_insert_then_erase_keeps_balance)
{
	static struct item items[4096];
	struct rb_root root = { NULL };
	int i, h;

	for (i = 0; i < 4096; i++) {
		items[i].key = (unsigned long)i;
		items[i].weight = (unsigned long)i;
		insert(&root, &items[i], true);
	}
	h = rb_check(&root);
	/* Black height of a red-black tree with n nodes is at most log2(n+1). */
	ASSERT_GE(h, 1);
	ASSERT_LE(h, 13);
	verify(&root, items, 4096, true);
	for (i = 0; i < 4096; i += 2) {
		rb_erase(&root, &items[i].rb, recompute);
		items[i].in = false;
	}
	verify(&root, items, 4096, true);
	ASSERT_EQ(ITEM(root.node)->max, 4095);
}

TEST(rbtree_propagate_after_key_change)
{
	static struct item items[256];
	struct rb_root root = { NULL };
	int i;

	for (i = 0; i < 256; i++) {
		items[i].key = (unsigned long)i;
		items[i].weight = 1;
		insert(&root, &items[i], true);
	}
	items[100].weight = 500;
	rb_propagate(&items[100].rb, recompute);
	ASSERT_EQ(ITEM(root.node)->max, 500);
	items[100].weight = 2;
	rb_propagate(&items[100].rb, recompute);
	ASSERT_EQ(ITEM(root.node)->max, 2);
	verify(&root, items, 256, true);
}
