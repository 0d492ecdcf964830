/* SPDX-License-Identifier: MIT */
/*
 * Core locks. Release builds: the platform's lock and nothing else.
 * Debug builds (VM_DEBUG >= 1) also know who holds what:
 *
 *  - each lock records its owner, so *_locked functions can assert that
 *    their caller holds it (vm_lock_assert_held);
 *  - a table of the locks each thread holds, indexed by the platform's
 *    thread id, checks every acquisition against the rank order of
 *    core.h (a lock of a lower or equal rank taken while a higher one is
 *    held is a deadlock waiting to happen: it traps at once, on the first
 *    run that takes the path, not on the unlucky run that deadlocks);
 *  - vm_assert_unlocked() checks, before every call out of the core
 *    that may take foreign locks, that the thread holds no core lock.
 *
 * The table has room for HELD_THREADS threads holding locks at the same
 * moment; a thread that finds no room is not checked (counted in
 * held_overflow, never a false report).
 */
#include "base/core.h"

#define HELD_THREADS	128
#define HELD_DEPTH	16

struct held {
	uintptr_t owner;	/* the thread, 0 when the slot is free */
	unsigned int n;		/* written and read by the owner only */
	const struct vm_lock *locks[HELD_DEPTH];
};

static struct held held[HELD_THREADS];
static unsigned long held_overflow;

void vm_lock_init(struct vm_lock *l, const char *name, unsigned int rank)
{
	l->owner = 0;
	l->name = name;
	l->rank = rank;
	vm_plat->lock_init(vm_plat->ctx, &l->impl);
}

void vm_lock_destroy(struct vm_lock *l)
{
	vm_plat->lock_destroy(vm_plat->ctx, &l->impl);
}

bool vm_lock_held(const struct vm_lock *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) == vm_self();
}

static unsigned int held_hash(uintptr_t self)
{
	uint64_t h = (uint64_t)self * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> 57) % HELD_THREADS;
}

/* This thread's slot; with @claim, take a free one if it has none. */
static struct held *my_slot(bool claim)
{
	uintptr_t self = vm_self();
	unsigned int i, start = held_hash(self);

	for (i = 0; i < HELD_THREADS; i++) {
		struct held *h = &held[(start + i) % HELD_THREADS];

		if (__atomic_load_n(&h->owner, __ATOMIC_ACQUIRE) == self)
			return h;
	}
	if (!claim)
		return NULL;
	for (i = 0; i < HELD_THREADS; i++) {
		struct held *h = &held[(start + i) % HELD_THREADS];
		uintptr_t free_slot = 0;

		if (__atomic_compare_exchange_n(&h->owner, &free_slot, self,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			h->n = 0;
			return h;
		}
	}
	vm_stat_add(&held_overflow, 1);
	return NULL;
}

/* May a thread holding @h take @l? Same rank: blocks, by address. */
static bool order_ok(const struct vm_lock *h, const struct vm_lock *l)
{
	if (h->rank != l->rank)
		return h->rank < l->rank;
	return l->rank == VM_RANK_BLOCK && h < l;
}

void vm_lock_acquiring(struct vm_lock *l)
{
	struct held *h = my_slot(false);
	unsigned int i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		if (h->locks[i] == l)
			vm_bug("lock %s taken again by its holder", l->name);
		else if (!order_ok(h->locks[i], l))
			vm_bug("lock order: %s (rank %u) taken while holding %s (rank %u)",
			       l->name, l->rank, h->locks[i]->name,
			       h->locks[i]->rank);
	}
}

void vm_lock_acquired(struct vm_lock *l)
{
	struct held *h = my_slot(true);

	__atomic_store_n(&l->owner, vm_self(), __ATOMIC_RELAXED);
	if (!h)
		return;
	if (h->n < HELD_DEPTH)
		h->locks[h->n++] = l;
	else
		vm_stat_add(&held_overflow, 1);
}

void vm_lock_releasing(struct vm_lock *l)
{
	struct held *h = my_slot(false);
	unsigned int i;

	if (!vm_lock_held(l))
		vm_bug("unlock of %s by a thread that does not hold it",
		       l->name);
	__atomic_store_n(&l->owner, 0, __ATOMIC_RELAXED);
	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		if (h->locks[i] == l) {
			h->locks[i] = h->locks[--h->n];
			break;
		}
	}
	if (!h->n)
		__atomic_store_n(&h->owner, 0, __ATOMIC_RELEASE);
}

void vm_assert_unlocked_fn(unsigned int max_rank, const char *what)
{
	struct held *h;
	unsigned int i;

	if (!vm_plat)
		return;		/* no core yet, so no core lock */
	h = my_slot(false);
	if (!h)
		return;
	for (i = 0; i < h->n; i++)
		if (h->locks[i]->rank > max_rank)
			vm_bug("%s called with lock %s held", what,
			       h->locks[i]->name);
}
