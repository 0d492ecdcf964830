/* SPDX-License-Identifier: MIT */
/*
 * Logging. The rule: the core never calls out (to the log hook, the
 * platform's log, or any hook that may take foreign locks) while it
 * holds one of its locks: a hook that allocates, or that holds a lock of
 * its own around libvmalloc calls (glibc's loader lock around a library
 * constructor), would deadlock with it.
 *
 * So a line is either delivered at once, by a caller that holds no core
 * lock (vm_log, vm_warn: debug builds check), or queued:
 *
 *  - vm_bug() always queues: invariant breaches are found deep inside
 *    locked code;
 *  - between vm_log_defer_begin() and vm_log_defer_end() every line of
 *    the deferring thread is queued: a purge calls the platform's unmap
 *    and flush hooks with the purge lock held, and those may log.
 *
 * Queued lines go out, oldest first, before the next line delivered at
 * once and at vm_log_flush() (the API layer calls it where an operation
 * that may have queued lines returns). The queue holds LOGQ_LINES lines;
 * beyond that, lines are counted and reported as lost.
 */
#include "base/core.h"

#define LOGQ_LINES	32
#define LOG_LINE	256

static vmalloc_log_fn log_hook;		/* vmalloc_set_log_hook() */

struct logq_entry {
	int level;
	char line[LOG_LINE];
};

/*
 * The queue. Its lock is a spinlock of its own, not a core lock: lines
 * are queued with any core lock held, and even before the platform's
 * locks exist. Critical sections copy one line.
 */
static struct {
	unsigned char busy;
	unsigned int head, tail;	/* tail - head lines are queued */
	unsigned long lost;
	struct logq_entry q[LOGQ_LINES];
} logq;

unsigned int vm_log_queued;		/* tail - head, for vm_log_flush() */
static uintptr_t defer_owner;		/* thread inside a defer section */

static void logq_lock(void)
{
	while (__atomic_test_and_set(&logq.busy, __ATOMIC_ACQUIRE))
		vm_cpu_relax();
}

static void logq_unlock(void)
{
	__atomic_clear(&logq.busy, __ATOMIC_RELEASE);
}

static void enqueue(int level, const char *line)
{
	logq_lock();
	if (logq.tail - logq.head < LOGQ_LINES) {
		struct logq_entry *e = &logq.q[logq.tail % LOGQ_LINES];

		e->level = level;
		vm_memcpy(e->line, line, LOG_LINE);
		logq.tail++;
	} else {
		logq.lost++;
	}
	__atomic_store_n(&vm_log_queued, logq.tail - logq.head + (logq.lost != 0),
			 __ATOMIC_RELAXED);
	logq_unlock();
}

/* Hand one line to the hook, or to the platform. */
static void emit(int level, const char *line)
{
	vmalloc_log_fn hook = __atomic_load_n(&log_hook, __ATOMIC_ACQUIRE);

	if (hook)
		hook(level, line);
	else if (vm_plat)
		vm_plat->log(vm_plat->ctx, level, line);
}

void vm_log_flush_slow(void)
{
	for (;;) {
		struct logq_entry e;
		unsigned long lost = 0;

		logq_lock();
		if (logq.head == logq.tail) {
			lost = logq.lost;
			logq.lost = 0;
			__atomic_store_n(&vm_log_queued, 0, __ATOMIC_RELAXED);
			logq_unlock();
			if (lost) {
				char line[80];

				vm_snprintf(line, sizeof(line),
					    "vmalloc: %lu log lines lost (queue full)",
					    lost);
				emit(VM_LOG_WARNING, line);
			}
			return;
		}
		e = logq.q[logq.head % LOGQ_LINES];
		logq.head++;
		__atomic_store_n(&vm_log_queued,
				 logq.tail - logq.head + (logq.lost != 0),
				 __ATOMIC_RELAXED);
		logq_unlock();
		emit(e.level, e.line);
	}
}

static bool deferring(void)
{
	uintptr_t owner = __atomic_load_n(&defer_owner, __ATOMIC_RELAXED);

	return owner && vm_plat && owner == vm_self();
}

/* Deliver now (queue first), or queue when this thread must not call out. */
static void deliver(int level, const char *line)
{
	if (deferring()) {
		enqueue(level, line);
		return;
	}
	vm_assert_unlocked(0, "the log hook");
	vm_log_flush();
	emit(level, line);
}

static void vlog(int level, const char *fmt, __builtin_va_list ap)
{
	char line[LOG_LINE];

	vm_vsnprintf(line, sizeof(line), fmt, ap);
	deliver(level, line);
}

void vm_log(int level, const char *fmt, ...)
{
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	vlog(level, fmt, ap);
	__builtin_va_end(ap);
}

void vm_warn(const char *fmt, ...)
{
	__builtin_va_list ap;

	vm_stat_add(&vm_count.warnings, 1);
	__builtin_va_start(ap, fmt);
	vlog(VM_LOG_WARNING, fmt, ap);
	__builtin_va_end(ap);
}

void vm_bug(const char *fmt, ...)
{
	char line[LOG_LINE];
	__builtin_va_list ap;

	vm_stat_add(&vm_count.warnings, 1);
	__builtin_va_start(ap, fmt);
	vm_vsnprintf(line, sizeof(line), fmt, ap);
	__builtin_va_end(ap);
	if (VM_DEBUG) {
		/* About to trap: straight to the platform, hook or not. */
		if (vm_plat)
			vm_plat->log(vm_plat->ctx, VM_LOG_ERR, line);
		__builtin_trap();
	}
	enqueue(VM_LOG_ERR, line);
}

void vm_log_defer_begin(void)
{
	__atomic_store_n(&defer_owner, vm_self(), __ATOMIC_RELAXED);
}

void vm_log_defer_end(void)
{
	__atomic_store_n(&defer_owner, 0, __ATOMIC_RELAXED);
}

vmalloc_log_fn vmalloc_set_log_hook(vmalloc_log_fn fn)
{
	return __atomic_exchange_n(&log_hook, fn, __ATOMIC_ACQ_REL);
}

vmalloc_log_fn vm_log_hook(void)
{
	return __atomic_load_n(&log_hook, __ATOMIC_ACQUIRE);
}
