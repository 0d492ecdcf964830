/* SPDX-License-Identifier: MIT */
/*
 * The seed baseline: first fit over an address-sorted singly linked list
 * (see seed_list.h for the design and the two seed defects left out).
 *
 * The scan keeps a candidate address and walks the areas in address
 * order. An area that starts below the candidate can only push it up (to
 * the aligned end of that area); the first area that starts at or above
 * the candidate either leaves a gap that holds the request (done: insert
 * before it) or pushes the candidate past itself. Running off the tail,
 * the request still has to fit below the end of the range.
 *
 *   candidate        area            next area
 *       |              |                 |
 *   ....[ gap ........][ busy ..........][ busy ...]
 *       ^ fits here when size <= area.addr - candidate
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "seed_list.h"

#define SL_PAGE		4096UL

/* Round @x up to @a (a power of two); false when that wraps. */
static bool align_up(unsigned long x, unsigned long a, unsigned long *out)
{
	unsigned long r = (x + a - 1) & ~(a - 1);

	if (r < x)
		return false;
	*out = r;
	return true;
}

/* [addr, addr + size) lies below @limit, computed without overflow. */
static bool fits_below(unsigned long addr, unsigned long size,
		       unsigned long limit)
{
	return addr <= limit && size <= limit - addr;
}

int seed_list_init(struct seed_list *sl, unsigned long start,
		   unsigned long end)
{
	pthread_mutexattr_t attr;

	if (start >= end || ((start | end) & (SL_PAGE - 1)))
		return -EINVAL;
	/* The same lock type as libvmalloc's, so lock cost is not the difference. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_NORMAL);
	pthread_mutex_init(&sl->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	sl->head = NULL;
	sl->tail_hint = NULL;
	sl->start = start;
	sl->end = end;
	sl->live = 0;
	return 0;
}

unsigned long seed_list_destroy(struct seed_list *sl)
{
	unsigned long n = 0;
	struct seed_area *a;

	pthread_mutex_lock(&sl->lock);
	while ((a = sl->head)) {
		sl->head = a->next;
		free(a);
		n++;
	}
	sl->tail_hint = NULL;
	sl->live = 0;
	pthread_mutex_unlock(&sl->lock);
	pthread_mutex_destroy(&sl->lock);
	return n;
}

/* Size with its guard page, or 0 when it is 0 or would wrap. */
static unsigned long total_size(unsigned long size)
{
	unsigned long r;

	if (!size || !align_up(size, SL_PAGE, &r) || r > ~0UL - SL_PAGE)
		return 0;
	return r + SL_PAGE;
}

static bool good_align(unsigned long *align)
{
	if (*align & (*align - 1))
		return false;
	if (*align < SL_PAGE)
		*align = SL_PAGE;
	return true;
}

/* A descriptor for an area of @total bytes at *@align, or NULL. */
static struct seed_area *new_area(unsigned long total, unsigned long *align)
{
	struct seed_area *a;

	if (!total || !good_align(align))
		return NULL;
	a = malloc(sizeof(*a));
	if (!a)
		return NULL;
	a->pages = NULL;
	a->nr_pages = 0;
	a->phys_addr = 0;
	return a;
}

struct seed_area *seed_list_alloc(struct seed_list *sl, unsigned long size,
				  unsigned long align, unsigned long flags)
{
	struct seed_area *a, *cur, **link;
	unsigned long total = total_size(size), addr;

	/* The descriptor is allocated before the lock, as the seed does. */
	a = new_area(total, &align);
	if (!a)
		return NULL;

	pthread_mutex_lock(&sl->lock);
	if (!align_up(sl->start, align, &addr))
		goto fail;
	for (link = &sl->head; (cur = *link) != NULL; link = &cur->next) {
		unsigned long cur_end = cur->addr + cur->size;

		if (cur->addr < addr) {
			if (cur_end > addr && !align_up(cur_end, align, &addr))
				goto fail;
			continue;
		}
		if (total <= cur->addr - addr)
			goto found;
		if (!align_up(cur_end, align, &addr) ||
		    !fits_below(addr, total, sl->end))
			goto fail;
	}
	/* Off the tail: the seed forgot this test. */
	if (!fits_below(addr, total, sl->end))
		goto fail;
found:
	a->addr = addr;
	a->size = total;
	a->flags = flags;
	a->next = *link;
	*link = a;
	if (!a->next)
		sl->tail_hint = a;
	sl->live++;
	pthread_mutex_unlock(&sl->lock);
	return a;

fail:
	pthread_mutex_unlock(&sl->lock);
	free(a);
	return NULL;
}

struct seed_area *seed_list_push(struct seed_list *sl, unsigned long size,
				 unsigned long align, unsigned long flags)
{
	struct seed_area *a, *tail;
	unsigned long total = total_size(size), addr;

	/* The descriptor is allocated before the lock, as the seed does. */
	a = new_area(total, &align);
	if (!a)
		return NULL;

	pthread_mutex_lock(&sl->lock);
	tail = sl->tail_hint;
	if (!tail && sl->head)
		for (tail = sl->head; tail->next; tail = tail->next)
			;
	if (!align_up(tail ? tail->addr + tail->size : sl->start, align,
		      &addr) || !fits_below(addr, total, sl->end)) {
		pthread_mutex_unlock(&sl->lock);
		free(a);
		return NULL;
	}
	a->addr = addr;
	a->size = total;
	a->flags = flags;
	a->next = NULL;
	if (tail)
		tail->next = a;
	else
		sl->head = a;
	sl->tail_hint = a;
	sl->live++;
	pthread_mutex_unlock(&sl->lock);
	return a;
}

struct seed_area *seed_list_remove(struct seed_list *sl, unsigned long addr)
{
	struct seed_area *cur, **link;

	pthread_mutex_lock(&sl->lock);
	for (link = &sl->head; (cur = *link) != NULL; link = &cur->next) {
		if (cur->addr == addr) {
			*link = cur->next;
			if (cur == sl->tail_hint)
				sl->tail_hint = NULL;
			sl->live--;
			break;
		}
	}
	pthread_mutex_unlock(&sl->lock);
	return cur;
}

void seed_area_put(struct seed_area *a)
{
	free(a);
}

void seed_list_free(struct seed_list *sl, struct seed_area *a)
{
	struct seed_area *got;

	if (!a)
		return;
	got = seed_list_remove(sl, a->addr);
	if (got != a)
		abort();	/* a stranger's descriptor: a vmbench bug */
	seed_area_put(a);
}

bool seed_list_check(struct seed_list *sl)
{
	unsigned long n = 0, prev_end = sl->start;
	struct seed_area *a, *last = NULL;
	bool ok = true;

	pthread_mutex_lock(&sl->lock);
	for (a = sl->head; a; a = a->next) {
		if (a->addr < prev_end || (a->addr & (SL_PAGE - 1)) ||
		    !a->size || !fits_below(a->addr, a->size, sl->end))
			ok = false;
		prev_end = a->addr + a->size;
		last = a;
		n++;
	}
	if (n != sl->live || (sl->tail_hint && sl->tail_hint != last))
		ok = false;
	pthread_mutex_unlock(&sl->lock);
	return ok;
}
