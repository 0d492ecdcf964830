/* SPDX-License-Identifier: MIT */
/*
 * The fuzz driver: decodes a byte string into a sequence of libvmalloc
 * calls, runs each against the library and the reference model
 * (model.h), and checks after every call that the two agree.
 *
 * Two front ends share it: libfuzzer_main.c (the bytes come from
 * libFuzzer) and standalone.c (the bytes come from a seeded generator,
 * or from a file to replay). The same bytes give the same calls on the
 * same engine, so anything either finds can be replayed by the other.
 *
 * Input format: bytes 0 and 1 choose the configuration (nodes, lazy
 * purge threshold, pool and range size, where the soft engine puts the
 * range, whether the small-area fast path is on, how many free frames
 * are kept before frames go back to the OS, and, in the second format,
 * how many threads run); every following op is one selector byte and
 * its parameters. With N threads the op bytes are cut into N equal
 * parts, one per thread. When the bytes run out, the run ends:
 * everything is freed and the library must be back where it started.
 *
 * With one thread a run is deterministic. With several, each thread
 * works on its own objects (areas, pages, user ranges) with exact
 * checks, hostile calls on shared state run concurrently, and the
 * global checks run at barriers; which thread's call comes first is
 * up to the scheduler, so a run does not repeat exactly.
 */
#ifndef FUZZ_DRIVER_H
#define FUZZ_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FZ_MAX_THREADS	4

struct fz_input {
	const uint8_t *data;	/* the bytes; NULL: generate them */
	size_t len;
	uint64_t seed;		/* generator seed (data == NULL) */
};

struct fz_options {
	const char *engine;		/* "soft" or "host" */
	unsigned long max_ops;		/* stop after this many (0: input end) */
	unsigned int check_every;	/* full check period (0: 64 ops) */
	bool verbose;			/* print every call */
	unsigned int threads;		/* 1-4: force this many threads (and
					   the second format); 0: the input's */
	const char *repeat;		/* how to repeat this run (printed) */
	void (*on_fail)(void);		/* after a divergence; must not return */
	bool no_cache;			/* the area cache off (default: on,
					   with the fast path) */
};

/* Calls of today's API (third format) counted by kind. */
enum fz_kind {
	FZK_VMALLOC_KIND = 0,	/* + the variant of the vmalloc op (16) */
	FZK_ARRAY_OVERFLOW = 16,
	FZK_NOFAIL_OK, FZK_NOFAIL_FAILED,
	FZK_VFREE_ATOMIC,
	FZK_NO_GUARD, FZK_FLUSH_RESET, FZK_SPARSE,	/* areas made */
	FZK_GVA_CALLER, FZK_GVA_CALLER2,
	FZK_SET_FLUSH,
	FZK_MAP_PAGES, FZK_MAP_PAGES_OK, FZK_UNMAP_PAGES,
	FZK_VMAP_PFN, FZK_VMAP_PFN_OK,
	FZK_IS_VMALLOC, FZK_NR_PAGES, FZK_DUMP_OBJ, FZK_DUMP_OBJ_TRUE,
	FZK_VIRT_TO_PAGE, FZK_UNPURGED, FZK_NOFAIL_PAST_FAULT,
	FZK_LOWEST_FIT,
	/* the merged API (third format, byte 2 bit 7) */
	FZK_HUGE_CALLS, FZK_HUGE_OK, FZK_HUGE_LEAF, FZK_HUGE_PTES, FZK_HUGE_UNMAP_WIDE,
	FZK_MAP_RAM, FZK_MAP_RAM4, FZK_MAP_RAM_REFUSED,
	FZK_BULK, FZK_BULK_FILLED,
	FZK_PCPU, FZK_PCPU_OK, FZK_PCPU_EXACT,
	FZK_VREALLOC_GROW, FZK_VREALLOC_SHRINK, FZK_VREALLOC_FREE, FZK_VREALLOC_MOVED,
	FZK_VREALLOC_EXACT, FZK_VREALLOC_MODEL, FZK_VREALLOC_REFUSED,
	FZK_KV_SMALL, FZK_KV_BIG, FZK_KVREALLOC, FZK_KVFREE_REFUSED,
	/* the area cache (any format) */
	FZK_CACHE_PUT, FZK_CACHE_HIT, FZK_CACHE_RETIRED, FZK_CACHE_DRAINED,
	FZK_MAX
};

/* Its name in the summary, or NULL for a kind that is not reported. */
const char *fz_kind_name(int k);

/* Counters for the report of one run. */
struct fz_result {
	unsigned long ops;
	unsigned long bytes;		/* input bytes consumed */
	unsigned long calls_ok;		/* allocating calls that succeeded */
	unsigned long calls_failed;	/* ... that failed (as allowed) */
	unsigned long refused;		/* hostile calls refused as expected */
	unsigned long faults;		/* failures injected */
	unsigned long full_checks;
	unsigned long purges;
	unsigned int threads;		/* threads the run used */
	unsigned long barriers;		/* threaded: global checks */
	unsigned long races;		/* threaded: double frees that raced */
	unsigned long kind[FZK_MAX];	/* calls of today's API, by kind */
};

/*
 * Run one input from a clean library: vmalloc_init() with the input's
 * configuration, the ops, the final teardown and leak check, and
 * vmalloc_exit(). Return 0; a divergence never returns (on_fail).
 * Return -1 when the library cannot be initialised.
 */
int fz_run(const struct fz_options *o, const struct fz_input *in,
	   struct fz_result *res);

/*
 * The bytes the generator handed out in the current (or last) run, so a
 * generated run can be saved and replayed (with several threads: the
 * configuration, then each thread's bytes, all parts as long as the
 * longest, as a threaded input is laid out). NULL when replaying.
 */
const uint8_t *fz_generated(size_t *len);

/* Where each op of the current run began in the input (op 1 first). */
const size_t *fz_op_starts(unsigned long *n);

/* The op running now and its number (for a watchdog's message; thread 0). */
const char *fz_current(unsigned long *op);

/* Release what fz_run keeps between runs (buffers, the model). */
void fz_shutdown(void);

#endif /* FUZZ_DRIVER_H */
