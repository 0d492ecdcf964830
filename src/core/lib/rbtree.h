/* SPDX-License-Identifier: MIT */
/*
 * Intrusive red-black tree with optional augmentation.
 *
 * The caller searches and links a new node at a leaf itself (rb_link_node),
 * then calls rb_insert(), which rebalances. An augmented tree passes a
 * recompute callback that derives a node's summary from its own key and
 * its two children; the tree calls it for every node whose subtree
 * changes shape, so summaries are exact after every insert and erase.
 *
 * Invariants: the root is black; no red node has a red child; every path
 * from a node to a leaf passes the same number of black nodes. Hence the
 * height is at most 2 * log2(n + 1).
 */
#ifndef VM_RBTREE_H
#define VM_RBTREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct rb_node {
	uintptr_t parent_color;	/* parent pointer | colour in bit 0 */
	struct rb_node *left;
	struct rb_node *right;
};

struct rb_root {
	struct rb_node *node;
};

/* Recompute @n's summary from its children. Return true if it changed. */
typedef bool (*rb_recompute_fn)(struct rb_node *n);

#define RB_RED		0UL
#define RB_BLACK	1UL

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_color & ~(uintptr_t)3);
}

static inline bool rb_is_black(const struct rb_node *n)
{
	return !n || (n->parent_color & 1);
}

/* Attach @node as the child *@link of @parent (NULL for the root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->parent_color = (uintptr_t)parent | RB_RED;
	node->left = node->right = NULL;
	*link = node;
}

/* Rebalance after rb_link_node(); @fn may be NULL. */
void rb_insert(struct rb_root *root, struct rb_node *node, rb_recompute_fn fn);

/* Remove @node from the tree; @fn may be NULL. */
void rb_erase(struct rb_root *root, struct rb_node *node, rb_recompute_fn fn);

/*
 * Recompute summaries from @node up to the root, after the caller changed
 * @node's own key. Stops early at the first ancestor that did not change.
 */
void rb_propagate(struct rb_node *node, rb_recompute_fn fn);

struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * Check colours, black height and parent links. Return the black height,
 * or -1 when the tree is broken.
 */
int rb_check(const struct rb_root *root);

#endif /* VM_RBTREE_H */
