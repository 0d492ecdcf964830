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
	unsigned long lazy_max_pages;
	unsigned long reserve_pages;
	bool no_fast_path;
};

struct hosted_engine {
	const char *name;
	unsigned long default_vmalloc_size_mb;
	/*
	 * Fill the engine's part of @plat (memory, range, MMU hooks, ctx).
	 * Return 0 or -errno, with one log line on failure.
	 */
	int (*setup)(const struct engine_config *cfg, struct vm_platform *plat);
	/* Undo setup (the core has exited). */
	void (*teardown)(void *ctx);
	/* User ranges for remap_vmalloc_range(). */
	int (*user_reserve)(void *ctx, struct vm_area_struct *vma,
			    unsigned long size);
	void (*user_release)(void *ctx, struct vm_area_struct *vma);
	unsigned long (*user_pfn)(void *ctx, const struct vm_area_struct *vma,
				  unsigned long uaddr);
};

extern const struct hosted_engine vm_soft_engine;
extern const struct hosted_engine vm_host_engine;

/* Memory for the platform's meta_alloc (zeroed, aligned) and for engines. */
void *hosted_map_zeroed(size_t size);
void hosted_unmap(void *p, size_t size);

/* Log one line through the core's hook or stderr (engines use this). */
void hosted_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* VM_HOSTED_ENGINE_H */
