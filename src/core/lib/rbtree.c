/* SPDX-License-Identifier: MIT */
/*
 * Red-black tree (insert and erase fix-ups after Cormen et al., with
 * NULL leaves, so erase tracks the parent of the moved-up child).
 */
#include "lib/rbtree.h"

static inline void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & 1);
}

static inline void set_black(struct rb_node *n)
{
	n->parent_color |= RB_BLACK;
}

static inline void set_red(struct rb_node *n)
{
	n->parent_color &= ~(uintptr_t)1;
}

static inline bool is_red(const struct rb_node *n)
{
	return n && !(n->parent_color & 1);
}

/* Make @parent's link to @old point at @new (or the root's). */
static inline void replace_child(struct rb_root *root, struct rb_node *parent,
				 struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		root->node = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*
 *      x                y
 *     / \              / \
 *    a   y     ->     x   c
 *       / \          / \
 *      b   c        a   b
 *
 * The subtree keeps its node set, so only x and y need new summaries
 * (x first: it is now y's child).
 */
static void rotate_left(struct rb_root *root, struct rb_node *x,
			rb_recompute_fn fn)
{
	struct rb_node *y = x->right;
	struct rb_node *p = rb_parent(x);

	x->right = y->left;
	if (y->left)
		set_parent(y->left, x);
	set_parent(y, p);
	replace_child(root, p, x, y);
	y->left = x;
	set_parent(x, y);
	if (fn) {
		fn(x);
		fn(y);
	}
}

/* The mirror image of rotate_left. */
static void rotate_right(struct rb_root *root, struct rb_node *x,
			 rb_recompute_fn fn)
{
	struct rb_node *y = x->left;
	struct rb_node *p = rb_parent(x);

	x->left = y->right;
	if (y->right)
		set_parent(y->right, x);
	set_parent(y, p);
	replace_child(root, p, x, y);
	y->right = x;
	set_parent(x, y);
	if (fn) {
		fn(x);
		fn(y);
	}
}

void rb_propagate(struct rb_node *node, rb_recompute_fn fn)
{
	if (!fn)
		return;
	for (; node; node = rb_parent(node))
		if (!fn(node))
			break;
}

static void propagate_all(struct rb_node *node, rb_recompute_fn fn)
{
	if (!fn)
		return;
	for (; node; node = rb_parent(node))
		fn(node);
}

void rb_insert(struct rb_root *root, struct rb_node *node, rb_recompute_fn fn)
{
	struct rb_node *p, *g, *u;

	/* A new leaf can only raise its ancestors' summaries. */
	if (fn) {
		fn(node);
		rb_propagate(rb_parent(node), fn);
	}

	while ((p = rb_parent(node)) && is_red(p)) {
		g = rb_parent(p);	/* exists: a red node is never the root */
		if (p == g->left) {
			u = g->right;
			if (is_red(u)) {
				set_black(p);
				set_black(u);
				set_red(g);
				node = g;
				continue;
			}
			if (node == p->right) {
				rotate_left(root, p, fn);
				node = p;
				p = rb_parent(node);
			}
			set_black(p);
			set_red(g);
			rotate_right(root, g, fn);
		} else {
			u = g->left;
			if (is_red(u)) {
				set_black(p);
				set_black(u);
				set_red(g);
				node = g;
				continue;
			}
			if (node == p->left) {
				rotate_right(root, p, fn);
				node = p;
				p = rb_parent(node);
			}
			set_black(p);
			set_red(g);
			rotate_left(root, g, fn);
		}
	}
	set_black(root->node);
}

/* Restore the black height after removing a black node above @x. */
static void erase_fixup(struct rb_root *root, struct rb_node *x,
			struct rb_node *xp, rb_recompute_fn fn)
{
	struct rb_node *w;

	while (x != root->node && !is_red(x)) {
		if (x == xp->left) {
			w = xp->right;
			if (is_red(w)) {
				set_black(w);
				set_red(xp);
				rotate_left(root, xp, fn);
				w = xp->right;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				set_red(w);
				x = xp;
				xp = rb_parent(x);
				continue;
			}
			if (!is_red(w->right)) {
				set_black(w->left);
				set_red(w);
				rotate_right(root, w, fn);
				w = xp->right;
			}
			w->parent_color = (w->parent_color & ~(uintptr_t)1) |
					  (xp->parent_color & 1);
			set_black(xp);
			set_black(w->right);
			rotate_left(root, xp, fn);
			x = root->node;
			break;
		} else {
			w = xp->left;
			if (is_red(w)) {
				set_black(w);
				set_red(xp);
				rotate_right(root, xp, fn);
				w = xp->left;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				set_red(w);
				x = xp;
				xp = rb_parent(x);
				continue;
			}
			if (!is_red(w->left)) {
				set_black(w->right);
				set_red(w);
				rotate_left(root, w, fn);
				w = xp->left;
			}
			w->parent_color = (w->parent_color & ~(uintptr_t)1) |
					  (xp->parent_color & 1);
			set_black(xp);
			set_black(w->left);
			rotate_right(root, xp, fn);
			x = root->node;
			break;
		}
	}
	if (x)
		set_black(x);
}

void rb_erase(struct rb_root *root, struct rb_node *z, rb_recompute_fn fn)
{
	struct rb_node *y, *x, *xp;
	bool removed_black;

	/* y is the node that physically leaves its position. */
	if (!z->left || !z->right) {
		y = z;
	} else {
		y = z->right;
		while (y->left)
			y = y->left;
	}
	x = y->left ? y->left : y->right;
	xp = rb_parent(y);
	removed_black = rb_is_black(y);

	if (x)
		set_parent(x, xp);
	replace_child(root, xp, y, x);

	if (y != z) {
		/* The successor takes z's place, colour and children. */
		if (xp == z)
			xp = y;
		y->left = z->left;
		y->right = z->right;
		if (y->left)
			set_parent(y->left, y);
		if (y->right)
			set_parent(y->right, y);
		y->parent_color = z->parent_color;
		replace_child(root, rb_parent(z), z, y);
	}

	/* Summaries below xp are intact; everything from xp up may not be. */
	propagate_all(xp, fn);

	if (removed_black)
		erase_fixup(root, x, xp, fn);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (n)
		while (n->left)
			n = n->left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	if (n)
		while (n->right)
			n = n->right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *n)
{
	struct rb_node *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct rb_node *)n;
	}
	while ((p = rb_parent(n)) && n == p->right)
		n = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *n)
{
	struct rb_node *p;

	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct rb_node *)n;
	}
	while ((p = rb_parent(n)) && n == p->left)
		n = p;
	return p;
}

static int check_node(const struct rb_node *n, const struct rb_node *parent)
{
	int lh, rh;

	if (!n)
		return 1;
	if (rb_parent(n) != parent)
		return -1;
	if (is_red(n) && (is_red(n->left) || is_red(n->right)))
		return -1;
	lh = check_node(n->left, n);
	rh = check_node(n->right, n);
	if (lh < 0 || rh < 0 || lh != rh)
		return -1;
	return lh + (rb_is_black(n) ? 1 : 0);
}

int rb_check(const struct rb_root *root)
{
	if (root->node && !rb_is_black(root->node))
		return -1;
	return check_node(root->node, NULL);
}
