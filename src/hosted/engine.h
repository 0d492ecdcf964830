/* SPDX-License-Identifier: MIT */
/*
 * Hosted engines: the parts of a struct vm_platform that differ between
 * the soft MMU and the Linux host engine. hosted.c fills the common hooks
 * (locks, logging, metadata, threads) and asks the chosen engine for the
 * rest.
 */
#ifndef VM_HOSTED_ENGINE_H
#define VM_HOSTED_ENGINE_H

#include "vmalloc/vmalloc.h"
#include "vmalloc/platform.h"

/* The configuration after defaults and the environment were applied. */
struct engine_config {
	unsigned long phys_mb;
	unsigned int nodes;
	unsigned long vmalloc_size_mb;
	unsigned long vmalloc_start;	/* 0: the engine's choice */
	const char *mmu;		/* page-table format: "x86_64",
					   "x86_64-la57" or "aarch64" */
	unsigned long lazy_max_pages;
	unsigned long reserve_pages;
	bool no_fast_path;
	unsigned long cache_pages;	/* per CPU; see no_cache */
	unsigned long cache_areas;
	bool no_cache;
};

struct hosted_engine {
	const char *name;
	unsigned long default_vmalloc_size_mb;
	/*
	 * Fill the engine's part of @plat (memory, range, MMU hooks, ctx).
	 * Return 0 or -errno, with one log line on failure that says what to
	 * change.
	 */
	int (*setup)(const struct engine_config *cfg, struct vm_platform *plat);
	/* Undo setup (the core has exited): unmap everything, free ctx. */
	void (*teardown)(void *ctx);
	/*
	 * In the child after fork(): the instance in @ctx is the parent's.
	 * Make its memory unreachable here (an inherited pointer must fault
	 * or find nothing, and must never reach this process's next
	 * instance), drop its user ranges, free @ctx. Frames are not touched.
	 */
	void (*forget)(void *ctx);
	/* User ranges: where a fresh one of @size bytes starts, and undoing it. */
	int (*user_reserve)(void *ctx, unsigned long size, unsigned long *start);
	void (*user_unreserve)(void *ctx, unsigned long start, unsigned long len);
};

extern const struct hosted_engine vm_soft_engine;
extern const struct hosted_engine vm_host_engine;

/* Memory for the platform's meta_alloc (zeroed, aligned) and for engines. */
void *hosted_map_zeroed(size_t size);
void hosted_unmap(void *p, size_t size);

/*
 * Log one line through the log hook or stderr (engines use this). Before
 * the core is up (engine set-up), lines still reach the hook, or stderr.
 */
void hosted_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Say that engine @name could not give @nr frames back to the OS by @how
 * (error @err), once per instance (@logged, atomic). A refusal lasts (a
 * seccomp filter, locked memory, the file system); the frames stay
 * resident and the core zeroes them before reuse.
 */
void hosted_release_refused(bool *logged, const char *name,
			    const char *how, unsigned long nr, int err);

/* "; the address-space limit (ulimit -v) is N MiB", or "" without one. */
const char *hosted_as_limit_note(char *buf, size_t len);

#endif /* VM_HOSTED_ENGINE_H */
