/* SPDX-License-Identifier: MIT */
/*
 * The core's lock rules (base/core.h, docs/design.md "Locking"), as debug
 * builds enforce them: a lock taken against the rank order, a lock taken
 * twice, and a call out of the core with a core lock held all trap at
 * once. Release builds do not check (the cases say so and skip); `make
 * test` runs the suite once with VM_DEBUG=2.
 */
#include "harness.h"
#include "base/core.h"

/* Run @fn in a child; return the signal that ended it, or 0. */
static int child_signal(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		vt_init(16, 1);
		fn();
		_exit(0);
	}
	ASSERT_TRUE(pid > 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static struct vm_lock outer, inner;

static void take_against_the_order(void)
{
	vm_lock_init(&outer, "test-area", VM_RANK_AREA);
	vm_lock_init(&inner, "test-zone", VM_RANK_ZONE);
	vm_lock(&inner);
	vm_lock(&outer);	/* AREA under ZONE: traps in debug builds */
	vm_unlock(&outer);
	vm_unlock(&inner);
}

static void take_in_order(void)
{
	vm_lock_init(&outer, "test-area", VM_RANK_AREA);
	vm_lock_init(&inner, "test-zone", VM_RANK_ZONE);
	vm_lock(&outer);
	vm_lock(&inner);
	vm_unlock(&inner);
	vm_unlock(&outer);
}

static void take_twice(void)
{
	vm_lock_init(&outer, "test-area", VM_RANK_AREA);
	vm_lock(&outer);
	vm_lock(&outer);	/* would deadlock: traps first */
}

static void log_with_a_lock_held(void)
{
	vm_lock_init(&inner, "test-zone", VM_RANK_ZONE);
	vm_lock(&inner);
	vm_log(VM_LOG_INFO, "called out with a lock held");
	vm_unlock(&inner);
}

static void log_without_locks(void)
{
	vm_lock_init(&inner, "test-zone", VM_RANK_ZONE);
	vm_lock(&inner);
	vm_unlock(&inner);
	vm_log(VM_LOG_INFO, "called out with no lock held");
}

TEST(locks_taken_against_the_rank_order_trap_in_debug_builds)
{
	if (!VM_DEBUG)
		SKIP("lock ranks are checked in VM_DEBUG builds");
	ASSERT_EQ(child_signal(take_in_order), 0);
	ASSERT_EQ(child_signal(take_against_the_order), SIGILL);
	ASSERT_EQ(child_signal(take_twice), SIGILL);
}

TEST(calls_out_of_the_core_with_a_lock_held_trap_in_debug_builds)
{
	if (!VM_DEBUG)
		SKIP("call-out rules are checked in VM_DEBUG builds");
	ASSERT_EQ(child_signal(log_without_locks), 0);
	ASSERT_EQ(child_signal(log_with_a_lock_held), SIGILL);
}
