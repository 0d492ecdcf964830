/* SPDX-License-Identifier: MIT */
/*
 * vmbench: the scenarios of the kernel's test_vmalloc module, timed over
 * libvmalloc's public API on the soft engine and over the seed baseline
 * (bench/seed_list.c). See bench/README.md for what is measured.
 *
 * Layout: vmbench.c parses options and drives runs; scenarios.c holds
 * the scenario bodies; report.c prints tables and JSON; plot.c draws the
 * SVG; hostbench.c is the host-engine section; seed_list.c the baseline.
 *
 * One "op" is one allocation and the free that undoes it (an alloc+free
 * pair). A scenario loop may hold several ops (ops_per_loop).
 */
#ifndef VMBENCH_BENCH_H
#define VMBENCH_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmalloc/vmalloc.h"
#include "seed_list.h"

#define MAX_REPEAT	64
#define MAX_THREADS	64
#define MAX_BUSY	16

/* What is allocated: address space only, or the whole vmalloc. */
enum bench_mode { MODE_KVA, MODE_FULL };
/* Who allocates it. */
enum bench_impl { IMPL_OURS, IMPL_SEED };

struct worker;
struct bench_run;

struct scenario {
	const char *name;
	const char *what;		/* one line: what a loop does */
	const char *param_name;		/* "pages", "busy", or NULL */
	unsigned long default_loops;
	unsigned long quick_loops;
	unsigned int ops_per_loop;
	bool kernel_default;		/* in the default (all) set */
	/* Modes that make sense (0: both, and the seed baseline in kva). */
	bool full_only;			/* needs frames: no kva, no seed */
	bool kva_only;			/* address space only: no full, no seed */
	/* Untimed, per worker. Return 0 or -1 (the run is marked failed). */
	int (*setup)(struct worker *w);
	/* Timed. Counts failures and bad results in the worker. */
	void (*loop)(struct worker *w, unsigned long loops);
	void (*teardown)(struct worker *w);
	/* Data frames one worker may hold at once (full mode sizing). */
	unsigned long (*frames)(const struct bench_run *r);
};

extern const struct scenario scenarios[];
extern const unsigned int nr_scenarios;

/* One allocated thing: an address (full), a vm_struct (kva), a seed_area. */
typedef uintptr_t handle_t;

struct worker {
	struct bench_run *run;
	unsigned int id;
	pthread_t thread;
	uint64_t rng;
	handle_t *held;			/* areas the set-up keeps busy */
	unsigned long nr_held;
	unsigned long fails;		/* allocations that returned NULL */
	unsigned long bad;		/* wrong results: misaligned, out of range */
	unsigned long successes;	/* align_shift: allocations that worked */
	unsigned long loops_run;	/* timed and warm-up loops */
	char err[160];			/* first set-up or check error */
	uint64_t t0[MAX_REPEAT], t1[MAX_REPEAT];	/* ns, monotonic */
};

/* One measured configuration: scenario x mode x allocator x param x threads. */
struct bench_run {
	const struct scenario *sc;
	enum bench_mode mode;
	enum bench_impl impl;
	unsigned long param;		/* pages or busy areas; 0 if unused */
	unsigned int threads;
	bool pin;			/* workers pinned to distinct CPUs */
	unsigned int repeat;
	unsigned long loops;		/* per repeat, per thread */
	unsigned long loops_asked;	/* before the seed time cap */
	uint64_t seed;
	double budget_ns;		/* seed cap per repeat; 0 = none */
	unsigned long range_start, range_end;
	struct seed_list *sl;
	pthread_barrier_t bar;
	struct worker w[MAX_THREADS];
	bool failed;
	/* Metadata with every set-up area live (ours only). */
	unsigned long meta_bytes, meta_areas, meta_vmap_areas;
	unsigned long meta_base;	/* meta_bytes before the set-up */
	/* Results. */
	double ns_op[MAX_REPEAT];	/* per-thread ns/op, mean over threads */
	double mops[MAX_REPEAT];	/* total throughput, all threads */
	double thread_ns[MAX_THREADS];	/* per thread, median over repeats */
	double median, min, max;	/* of ns_op */
	double mops_median;
	double ok_per_loop;		/* align_shift: successes per loop */
	char check[200];		/* "" when the leak checks passed */
	/*
	 * Turns (--threads N): an N-thread run and its one-thread twin run
	 * one repeat each in turn, then a turn of the machine's ceiling, so
	 * each repeat's scaling compares runs seconds apart. run_part()
	 * runs repeats rep0 .. rep0 + nrep - 1, each part from a fresh
	 * library (init, set-up, warm-up, timed repeats, teardown, checks).
	 */
	unsigned int rep0, nrep;
	bool capped;			/* the seed cap is set (first warm-up) */
	bool turns;			/* N threads, measured in turns */
	double scale_rep[MAX_REPEAT];	/* Mops / the twin's, same repeat */
	double ceil_rep[MAX_REPEAT];	/* the ceiling's turn, same repeat */
	double scaling, scaling_min, scaling_max;	/* of scale_rep */
	double ceiling;			/* median of ceil_rep */
	double share;			/* median of scale_rep / ceil_rep */
};

/* ---- helpers (scenarios.c) ---- */

uint64_t rng_next(uint64_t *s);
uint64_t now_ns(void);
/* The median of @v[0..n), n <= MAX_REPEAT; @v is left as it was. */
double median_of(const double *v, unsigned int n);

/* ---- options (vmbench.c) ---- */

struct opts {
	unsigned long scen_mask;	/* bit per scenario index */
	bool mode_kva, mode_full, seed_baseline;
	unsigned long pages;
	unsigned long busy[MAX_BUSY];
	unsigned int nr_busy;
	unsigned long loops;		/* 0: per-scenario default */
	unsigned int repeat;
	unsigned int threads;
	uint64_t seed;
	double budget_ms;
	const char *json;
	const char *plot;
	bool quick, host, soft, progress, verbose;
	bool pin;			/* workers on distinct CPUs (threads > 1) */
	bool ring;			/* the ring section (--scenario ring, all) */
	bool host_sizes;		/* the host section's vmalloc/mmap rows */
};

/* ---- reporting (report.c) ---- */

struct host_row {
	unsigned long size;
	unsigned long ops;
	double vm_ns, mmap_ns, malloc_ns;	/* medians, 0 = not measured */
	double vm_syscalls;			/* per op; < 0 unknown */
	unsigned int threads;			/* 1; 2: a threads row */
	double one_ns;				/* threads row: 1 thread, ns/op */
	/* Threads rows, per repeat: [1 thread, 2 threads, ceiling 1, 2]. */
	unsigned int nrep;
	double scale_rep[MAX_REPEAT];		/* one ns/op / two ns/op */
	double ceil_rep[MAX_REPEAT];		/* the ceiling's turn */
	double scaling, scaling_min, scaling_max;	/* of scale_rep */
	double ceiling;				/* median of ceil_rep */
	double share;				/* median of scale / ceiling */
};

/* The ring section: a 64 KiB double-mapped ring, libvmalloc vs memfd. */
struct ring_row {
	bool bulk;			/* alloc_pages_bulk, else alloc_page x16 */
	bool touch;			/* one write + read per page per op */
	unsigned long ops;
	double vm_ns, memfd_ns;		/* medians of ns per set-up + tear-down */
	double ratio, ratio_min, ratio_max;	/* vm / memfd, per repeat */
	double vm_syscalls;		/* host_syscalls per op, purges included */
	unsigned int memfd_syscalls;	/* fixed by the recipe */
	double setup_syscalls;		/* one set-up alone */
	long setup_mappings;		/* host mappings one set-up adds */
	unsigned int runs;		/* runs of consecutive frames in its pages */
};

struct sweep_point {
	unsigned long busy;
	double ours_kva, ours_full, seed;	/* median ns/op, 0 = none */
	double ours_kva_min, ours_kva_max, ours_full_min, ours_full_max;
	double seed_min, seed_max;
	unsigned long seed_loops;
};

/*
 * The machine's own ceiling for N threads, measured in the same run
 * (vmbench.c): a compute loop that touches no shared memory, on one
 * pinned thread and then on N threads pinned to N CPUs. One turn of it
 * follows each repeat of a threads run (and of the host's threads rows),
 * so the scaling of that repeat is read against the ceiling of the same
 * moment: on a shared machine another program may hold a CPU. This is
 * the summary over every turn of the soft scenarios.
 */
#define CEIL_MAX	512
struct ceiling {
	unsigned int threads;		/* 0: not measured */
	unsigned int turns;		/* turns taken (repeats[] holds up to
					   CEIL_MAX of them) */
	double one_ns;			/* ns per iteration, 1 thread (median) */
	double n_ns;			/* wall ns per N iterations, N threads */
	double scaling;			/* median of N * one / n_wall per turn */
	double repeats[CEIL_MAX];	/* each turn's scaling */
};

/*
 * One turn of the ceiling: the loop on one thread pinned to CPU 0, then
 * on @threads pinned to CPUs 0 .. threads-1 at once. Return the turn's
 * scaling (threads x one / wall), or -1; @one_ns and @n_ns get the ns
 * per iteration (either may be NULL).
 */
double ceiling_turn(unsigned int threads, double *one_ns, double *n_ns);

/* The median of @v[0..n) for any n (a sorted copy); 0 when n is 0. */
double median_any(const double *v, unsigned int n);
/* Median, min and max of @v[0..n): the summary of per-repeat ratios. */
void ratio_summary(const double *v, unsigned int n, double *med,
		   double *min, double *max);

void report_machine(char *model, size_t len);
void report_header(FILE *f, const struct opts *o);
void report_scenario(FILE *f, const struct scenario *sc, struct bench_run **runs,
		     unsigned int n);
void report_targets(FILE *f, const struct opts *o, struct bench_run **runs,
		    unsigned int n, const struct sweep_point *sw,
		    unsigned int nsw, const struct host_row *host,
		    unsigned int nhost, const struct ring_row *ring,
		    unsigned int nring);
int report_json(const char *path, const struct opts *o, struct bench_run **runs,
		unsigned int n, const struct host_row *host, unsigned int nhost,
		const char *host_err, const struct sweep_point *sw,
		unsigned int nsw, const struct ring_row *ring, int nring,
		const char *ring_err, const struct ceiling *ceil);
void report_host(FILE *f, const struct host_row *rows, unsigned int n);
void report_ring(FILE *f, const struct ring_row *rows, unsigned int n);

/* ---- the SVG plot (plot.c) ---- */

int plot_svg(const char *path, const struct sweep_point *pts, unsigned int n,
	     unsigned int threads);

/* ---- the host section (hostbench.c) ---- */

/* (Re)start the library on the host engine, quietly. Return 0, or
 * -errno with a message in @err (hostbench.c). */
int host_engine_start(char *err, size_t errlen);

/*
 * Run the host-engine comparison. Return the number of rows filled, or
 * -errno when the host engine cannot be initialised (@err gets a message).
 */
int host_bench(const struct opts *o, struct host_row *rows, unsigned int max,
	       char *err, size_t errlen);

/* ---- the ring section (ringbench.c) ---- */

/*
 * Time a double-mapped 64 KiB ring through libvmalloc (host engine)
 * against memfd + mmap. Return the rows filled, or -errno (@err says why).
 */
int ring_bench(const struct opts *o, struct ring_row *rows, unsigned int max,
	       char *err, size_t errlen);

/* Run the calling thread on CPU @cpu (modulo the CPUs online). */
void pin_to(unsigned int cpu);

/* Progress line on stderr (only when it is a terminal). */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void);

#endif /* VMBENCH_BENCH_H */
