/* SPDX-License-Identifier: MIT */
/*
 * vmbench: options, the run driver (threads, repeats, timing, leak
 * checks) and the order of the sections. See bench/README.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sched.h>

#include "bench.h"

#define MAX_RUNS	512

static const unsigned long sweep_default[] = {
	1000, 2000, 5000, 10000, 15000, 20000, 50000, 100000, 200000, 500000,
	1000000,
};
static const unsigned long sweep_quick[] = { 1000, 15000, 100000 };

static bool show_progress;
static char run_label[160];
static unsigned long soft_start, soft_end;

/* ------------------------------------------------------------------ */
/* Progress                                                            */
/* ------------------------------------------------------------------ */

void progress(const char *fmt, ...)
{
	va_list ap;

	if (!show_progress)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void progress_done(void)
{
	if (!show_progress)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* ------------------------------------------------------------------ */
/* Running one configuration                                           */
/* ------------------------------------------------------------------ */

static int soft_init(unsigned long phys_mb)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg),
		.engine = "soft",
		.phys_mb = phys_mb,
		.quiet = true,
	};

	vmalloc_exit();
	return vmalloc_init(&cfg);
}

/* Pool for a run: every frame a worker may hold, page tables, slack. */
static unsigned long phys_mb_for(const struct bench_run *r)
{
	unsigned long frames = 0, mb;

	if (r->mode == MODE_FULL)
		frames = r->sc->frames(r) * r->threads;
	frames += frames / 4 + 16384;
	mb = (frames * PAGE_SIZE >> 20) + 1;
	return mb < 256 ? 256 : mb;
}

static void set_failed(struct bench_run *r)
{
	__atomic_store_n(&r->failed, true, __ATOMIC_RELAXED);
}

static bool has_failed(struct bench_run *r)
{
	return __atomic_load_n(&r->failed, __ATOMIC_RELAXED);
}

/* Metadata with all the set-up areas live (worker 0, others waiting). */
static void measure_meta(struct bench_run *r)
{
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };

	if (r->impl != IMPL_OURS || vmalloc_get_stats(&st))
		return;
	r->meta_bytes = st.meta_bytes;
	r->meta_areas = st.areas;
	r->meta_vmap_areas = st.vmap_areas;
}

/*
 * Warm up (untimed) with doubling loop counts for about 20 ms, and from
 * the same loops estimate the cost per loop: the seed baseline gets its
 * loop count cut so one repeat stays within the time budget (its cost
 * per op grows with the number of areas; at a million busy areas the full
 * count would take hours).
 */
static void warm_up(struct worker *w)
{
	struct bench_run *r = w->run;
	unsigned long max = r->loops < 4096 ? r->loops : 4096;
	unsigned long done = 0, k = 1;
	uint64_t spent = 0;

	while (done < max && spent < 20000000ull) {
		uint64_t t;

		if (k > max - done)
			k = max - done;
		t = now_ns();
		r->sc->loop(w, k);
		spent += now_ns() - t;
		done += k;
		k *= 2;
	}
	w->loops_run += done;
	/* The cap is set once: every part of a run times the same loops. */
	if (r->budget_ns > 0 && done && !r->capped) {
		double per_loop = (double)spent / (double)done;

		if (per_loop * (double)r->loops > r->budget_ns) {
			unsigned long cap = (unsigned long)(r->budget_ns / per_loop);

			r->loops = cap < 3 ? 3 : cap;
		}
	}
	r->capped = true;
}

void pin_to(unsigned int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)(n > 0 ? n : 1), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bench_run *r = w->run;
	unsigned int rep;

	if (r->threads > 1 && r->pin)
		pin_to(w->id);
	if (r->sc->setup(w))
		set_failed(r);
	pthread_barrier_wait(&r->bar);
	if (w->id == 0 && !has_failed(r)) {
		measure_meta(r);
		warm_up(w);
	}
	pthread_barrier_wait(&r->bar);
	for (rep = r->rep0; rep < r->rep0 + r->nrep; rep++) {
		pthread_barrier_wait(&r->bar);
		if (w->id == 0)
			progress("%s  repeat %u/%u", run_label, rep + 1,
				 r->repeat);
		w->t0[rep] = now_ns();
		if (!has_failed(r))
			r->sc->loop(w, r->loops);
		w->t1[rep] = now_ns();
		w->loops_run += r->loops;
	}
	pthread_barrier_wait(&r->bar);
	r->sc->teardown(w);
	return NULL;
}

/*
 * What the machine itself gives N threads that share nothing: each runs
 * a compute loop (a multiply and shifts, in registers: no memory that
 * another thread touches, not even a lock of its own) on its own pinned
 * CPU. One turn is one thread, then N threads; a turn follows each
 * repeat of a threads run, so that the run and the ceiling see the same
 * moments of a shared machine's noise.
 */
struct ceil_arg {
	unsigned int cpu;
	uint64_t ns;
	uint64_t sink;			/* the result, so the loop stays */
} __attribute__((aligned(64)));

#define CEIL_ITERS	20000000UL

static void *ceil_main(void *arg)
{
	struct ceil_arg *a = arg;
	uint64_t x = a->cpu + 1, t0;
	unsigned long i;

	pin_to(a->cpu);
	t0 = now_ns();
	for (i = 0; i < CEIL_ITERS; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
		__asm__ volatile("" : "+r"(x));
	}
	a->ns = now_ns() - t0;
	a->sink = x;
	return NULL;
}

/* @n pinned threads at once: the wall time from the first start to the
 * last end, ns; 0 when a thread cannot start. */
static uint64_t ceil_run(struct ceil_arg *a, pthread_t *t, unsigned int n)
{
	uint64_t t0 = now_ns();
	unsigned int i, made;

	for (made = 0; made < n; made++) {
		a[made].cpu = made;
		if (pthread_create(&t[made], NULL, ceil_main, &a[made]))
			break;
	}
	for (i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	return made == n ? now_ns() - t0 : 0;
}

double ceiling_turn(unsigned int threads, double *one_ns, double *n_ns)
{
	struct ceil_arg *a = aligned_alloc(64, threads * sizeof(*a));
	pthread_t *t = calloc(threads, sizeof(*t));
	uint64_t w1 = 0, wn = 0;

	if (a && t) {
		memset(a, 0, threads * sizeof(*a));
		w1 = ceil_run(a, t, 1);
		wn = w1 ? ceil_run(a, t, threads) : 0;
	}
	free(a);
	free(t);
	if (!w1 || !wn)
		return -1;
	if (one_ns)
		*one_ns = (double)w1 / CEIL_ITERS;
	if (n_ns)
		*n_ns = (double)wn / CEIL_ITERS;
	return threads * (double)w1 / (double)wn;
}

/* Every turn of the soft scenarios, for the summary (JSON "ceiling"). */
static double ceil_one[CEIL_MAX], ceil_n[CEIL_MAX];

static double ceiling_note(struct ceiling *c, unsigned int threads)
{
	double one, n, v = ceiling_turn(threads, &one, &n);

	if (v > 0 && c->turns < CEIL_MAX) {
		ceil_one[c->turns] = one;
		ceil_n[c->turns] = n;
		c->repeats[c->turns++] = v;
	}
	return v;
}

static void ceiling_sum(struct ceiling *c, unsigned int threads)
{
	if (!c->turns)
		return;
	c->threads = threads;
	c->one_ns = median_any(ceil_one, c->turns);
	c->n_ns = median_any(ceil_n, c->turns);
	c->scaling = median_any(c->repeats, c->turns);
}

/* align_shift: allocations that worked per loop, warm-up included. */
static double successes_per_loop(const struct bench_run *r)
{
	unsigned long ok = 0, loops = 0;
	unsigned int t;

	for (t = 0; t < r->threads; t++) {
		ok += r->w[t].successes;
		loops += r->w[t].loops_run;
	}
	return loops ? (double)ok / (double)loops : 0;
}

static void summarise(struct bench_run *r)
{
	double ops = (double)r->loops * r->sc->ops_per_loop;
	unsigned int rep, t;

	for (rep = 0; rep < r->repeat; rep++) {
		uint64_t first = UINT64_MAX, last = 0;
		double sum = 0;

		for (t = 0; t < r->threads; t++) {
			struct worker *w = &r->w[t];

			sum += (double)(w->t1[rep] - w->t0[rep]) / ops;
			if (w->t0[rep] < first)
				first = w->t0[rep];
			if (w->t1[rep] > last)
				last = w->t1[rep];
		}
		r->ns_op[rep] = sum / r->threads;
		r->mops[rep] = last > first ?
			ops * r->threads * 1e3 / (double)(last - first) : 0;
	}
	for (t = 0; t < r->threads; t++) {
		double v[MAX_REPEAT];

		for (rep = 0; rep < r->repeat; rep++)
			v[rep] = (double)(r->w[t].t1[rep] - r->w[t].t0[rep]) / ops;
		r->thread_ns[t] = median_of(v, r->repeat);
	}
	r->median = median_of(r->ns_op, r->repeat);
	r->min = r->max = r->ns_op[0];
	for (rep = 1; rep < r->repeat; rep++) {
		if (r->ns_op[rep] < r->min)
			r->min = r->ns_op[rep];
		if (r->ns_op[rep] > r->max)
			r->max = r->ns_op[rep];
	}
	r->mops_median = median_of(r->mops, r->repeat);
	r->ok_per_loop = successes_per_loop(r);
}

/* Append one message to r->check ("" means every check passed). */
static void __attribute__((format(printf, 2, 3)))
fail_msg(struct bench_run *r, const char *fmt, ...)
{
	size_t len = strlen(r->check);
	va_list ap;

	if (len + 3 >= sizeof(r->check))
		return;
	if (len) {
		strcpy(r->check + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->check + len, sizeof(r->check) - len, fmt, ap);
	va_end(ap);
}

/* After the teardown: everything must be back where it started. */
static void check_ours(struct bench_run *r, const struct vmalloc_stats *s0)
{
	struct vmalloc_stats s1 = { .sz = sizeof(struct vmalloc_stats) };
	long left;

	vm_unmap_aliases();
	if (vmalloc_get_stats(&s1)) {
		fail_msg(r, "vmalloc_get_stats failed");
		return;
	}
	if (s1.areas || s1.vmap_areas)
		fail_msg(r, "%lu areas and %lu vmap_areas still live", s1.areas,
		      s1.vmap_areas);
	if (s1.free_pages + s1.pt_pages != s0->free_pages + s0->pt_pages)
		fail_msg(r, "frames: %lu free + %lu tables, was %lu + %lu",
		      s1.free_pages, s1.pt_pages, s0->free_pages, s0->pt_pages);
	if (s1.meta_bytes != s0->meta_bytes)
		fail_msg(r, "metadata %lu bytes, was %lu", s1.meta_bytes,
		      s0->meta_bytes);
	if (s1.warnings != s0->warnings)
		fail_msg(r, "%lu warnings logged", s1.warnings - s0->warnings);
	if (s1.lazy_pages)
		fail_msg(r, "%lu lazy pages after a purge", s1.lazy_pages);
	if (vmalloc_check())
		fail_msg(r, "vmalloc_check() failed");
	left = vmalloc_exit();
	if (left)
		fail_msg(r, "vmalloc_exit(): %ld areas live", left);
}

static void check_workers(struct bench_run *r)
{
	unsigned long bad = 0, fails = 0;
	unsigned int t;

	for (t = 0; t < r->threads; t++) {
		bad += r->w[t].bad;
		fails += r->w[t].fails;
		if (r->w[t].err[0] && !r->check[0])
			fail_msg(r, "thread %u: %s", t, r->w[t].err);
	}
	if (bad)
		fail_msg(r, "%lu wrong areas", bad);
	if (fails)
		fail_msg(r, "%lu allocations failed", fails);
	if (has_failed(r) && !r->check[0])
		fail_msg(r, "set-up failed");
}

/*
 * Run repeats @rep0 .. @rep0 + @nrep - 1 of @r: set up the allocator,
 * start the workers (set-up, warm-up, the timed repeats, teardown),
 * check that everything came back. A part after a failed one is skipped.
 */
static void run_part(struct bench_run *r, unsigned int rep0, unsigned int nrep)
{
	struct vmalloc_stats s0 = { .sz = sizeof(struct vmalloc_stats) };
	struct seed_list sl;
	unsigned int t;
	int err;

	if (r->failed || r->check[0])
		return;
	r->rep0 = rep0;
	r->nrep = nrep;
	if (r->impl == IMPL_OURS) {
		err = soft_init(phys_mb_for(r));
		if (err) {
			fail_msg(r, "vmalloc_init(soft): %s", strerror(-err));
			r->failed = true;
			return;
		}
		r->range_start = vmalloc_range_start();
		r->range_end = vmalloc_range_end();
		vmalloc_get_stats(&s0);
		r->meta_base = s0.meta_bytes;
	} else {
		r->range_start = soft_start;
		r->range_end = soft_end;
		if (seed_list_init(&sl, r->range_start, r->range_end)) {
			fail_msg(r, "seed_list_init failed");
			r->failed = true;
			return;
		}
		r->sl = &sl;
	}

	pthread_barrier_init(&r->bar, NULL, r->threads);
	for (t = 0; t < r->threads; t++) {
		struct worker *w = &r->w[t];

		/* Later parts keep the counters and the earlier repeats. */
		if (!rep0) {
			memset(w, 0, sizeof(*w));
			w->run = r;
			w->id = t;
			w->rng = r->seed + 0x1000193ull * (t + 1);
		}
		if (pthread_create(&w->thread, NULL, worker_main, w)) {
			fprintf(stderr, "vmbench: cannot start thread %u\n", t);
			exit(2);
		}
	}
	for (t = 0; t < r->threads; t++)
		pthread_join(r->w[t].thread, NULL);
	pthread_barrier_destroy(&r->bar);
	progress_done();

	if (r->impl == IMPL_OURS) {
		check_ours(r, &s0);
	} else {
		if (!seed_list_check(&sl))
			fail_msg(r, "seed list corrupt");
		if (sl.live)
			fail_msg(r, "%lu seed areas still live", sl.live);
		seed_list_destroy(&sl);
		r->sl = NULL;
	}
}

/* After the last part: the summary and the workers' counts. */
static void run_finish(struct bench_run *r)
{
	if (!has_failed(r) && !r->check[0])
		summarise(r);
	check_workers(r);
	if (r->check[0])
		r->failed = true;
}

static void run_one(struct bench_run *r)
{
	run_part(r, 0, r->repeat);
	run_finish(r);
}

/*
 * @r (N threads) and its one-thread twin @one, in turns: repeat i is
 * [one thread, N threads, ceiling 1, ceiling N], so the scaling of each
 * repeat compares runs seconds apart; the summary is the median of the
 * per-repeat ratios.
 */
static void run_turns(struct bench_run *r, struct bench_run *one,
		      struct ceiling *c)
{
	double share[MAX_REPEAT];
	unsigned int rep, n = 0;

	for (rep = 0; rep < r->repeat; rep++) {
		run_part(one, rep, 1);
		run_part(r, rep, 1);
		r->ceil_rep[rep] = ceiling_note(c, r->threads);
	}
	run_finish(one);
	run_finish(r);
	if (r->failed || one->failed)
		return;
	for (rep = 0; rep < r->repeat; rep++) {
		if (one->mops[rep] <= 0 || r->ceil_rep[rep] <= 0)
			return;
		r->scale_rep[rep] = r->mops[rep] / one->mops[rep];
		share[n++] = r->scale_rep[rep] / r->ceil_rep[rep];
	}
	ratio_summary(r->scale_rep, n, &r->scaling, &r->scaling_min,
		      &r->scaling_max);
	r->ceiling = median_of(r->ceil_rep, n);
	r->share = median_of(share, n);
	r->turns = true;
}

/* ------------------------------------------------------------------ */
/* Self-test of the baseline against a brute-force first fit           */
/* ------------------------------------------------------------------ */

#define ST_PAGES	256

/* Lowest aligned page run of @n free pages in @used, or -1. */
static long oracle_fit(const bool *used, unsigned long n, unsigned long align)
{
	unsigned long a, i;

	for (a = 0; a + n <= ST_PAGES; a += align) {
		for (i = 0; i < n && !used[a + i]; i++)
			;
		if (i == n)
			return (long)a;
	}
	return -1;
}

/*
 * The baseline must be right before it is fast: random allocs and frees
 * on a small range, every answer compared with the brute-force lowest
 * aligned fit; push() compared with alloc() on a gapless list.
 */
static int seed_selftest(uint64_t seed)
{
	const unsigned long base = 0x100000UL;
	struct seed_area *live[ST_PAGES];
	bool used[ST_PAGES];
	struct seed_list sl;
	unsigned long nlive = 0, i;
	uint64_t s = seed;
	int bad = 0;

	memset(used, 0, sizeof(used));
	seed_list_init(&sl, base, base + ST_PAGES * PAGE_SIZE);
	for (i = 0; i < 20000 && !bad; i++) {
		uint64_t x = rng_next(&s);

		if (nlive && (x % 3 == 0 || nlive == ST_PAGES)) {
			unsigned long k = (x >> 8) % nlive, p, q;
			struct seed_area *a = live[k];

			p = (a->addr - base) / PAGE_SIZE;
			for (q = 0; q < a->size / PAGE_SIZE; q++)
				used[p + q] = false;
			seed_list_free(&sl, a);
			live[k] = live[--nlive];
		} else {
			unsigned long pages = (x >> 8) % 6 + 1;
			unsigned long align = 1UL << ((x >> 16) % 16);
			unsigned long apages = align > PAGE_SIZE ? align / PAGE_SIZE : 1;
			long want = oracle_fit(used, pages + 1, apages);
			struct seed_area *a = seed_list_alloc(&sl, pages * PAGE_SIZE,
							      align, 0);
			long got = a ? (long)((a->addr - base) / PAGE_SIZE) : -1;
			unsigned long q;

			if (got != want) {
				fprintf(stderr, "seed self-test: %lu pages at 0x%lx: got %ld, want %ld\n",
					pages, align, got, want);
				bad = 1;
			}
			if (a) {
				for (q = 0; q <= pages; q++)
					used[got + q] = true;
				live[nlive++] = a;
			}
		}
		if (!seed_list_check(&sl)) {
			fprintf(stderr, "seed self-test: list check failed at step %lu\n", i);
			bad = 1;
		}
	}
	/* Too big, huge alignments, wrapping sizes: fail, never misplace. */
	if (seed_list_alloc(&sl, (ST_PAGES + 1) * PAGE_SIZE, 1, 0) ||
	    seed_list_alloc(&sl, ~0UL - 100, 1, 0) ||
	    seed_list_alloc(&sl, PAGE_SIZE, 1UL << 63, 0) ||
	    seed_list_alloc(&sl, PAGE_SIZE, 3 * PAGE_SIZE, 0)) {
		fprintf(stderr, "seed self-test: an impossible request succeeded\n");
		bad = 1;
	}
	seed_list_destroy(&sl);

	/* push == alloc on a list without gaps. */
	{
		struct seed_list a, b;

		seed_list_init(&a, base, base + 16384 * PAGE_SIZE);
		seed_list_init(&b, base, base + 16384 * PAGE_SIZE);
		for (i = 0; i < 1000 && !bad; i++) {
			unsigned long sz = (i % 7 + 1) * PAGE_SIZE;
			struct seed_area *x = seed_list_alloc(&a, sz, 1, 0);
			struct seed_area *y = seed_list_push(&b, sz, 1, 0);

			if (!x || !y || x->addr != y->addr) {
				fprintf(stderr, "seed self-test: push differs from alloc at %lu\n", i);
				bad = 1;
			}
		}
		if (!seed_list_check(&a) || !seed_list_check(&b))
			bad = 1;
		seed_list_destroy(&a);
		seed_list_destroy(&b);
	}
	if (bad)
		fprintf(stderr, "vmbench: the seed baseline failed its self-test\n");
	return bad ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f,
"usage: vmbench [options]\n"
"  --scenario LIST   comma-separated scenarios, or 'all' (default):\n");
	for (i = 0; i < nr_scenarios; i++)
		fprintf(f, "                      %-18s %s\n", scenarios[i].name,
			scenarios[i].what);
	fprintf(f, "                      %-18s %s\n", "ring",
		"host engine: a 64 KiB double-mapped ring (vmap of 16 pages "
		"twice) set up\n"
		"                                         and torn down, against "
		"memfd + two mmap(MAP_FIXED);\n"
		"                                         named alone, only the ring runs");
	fprintf(f,
"  --mode LIST       kva,full (default both): address space only, or vmalloc\n"
"  --no-seed         skip the seed baseline\n"
"  --pages N         fix_size: pages per allocation (default 1)\n"
"  --busy LIST       long_busy_list: busy areas, e.g. 1000,15000,1000000\n"
"                    (default 15000; up to 4000000)\n"
"  --loops N         loops per repeat for every scenario (default: per scenario)\n"
"  --repeat N        timed repeats; the median is reported (default 5)\n"
"  --threads N       workers running each scenario concurrently (default 1),\n"
"                    each pinned to its own CPU (--no-pin: let them roam)\n"
"  --random-seed N   seed for the random sizes (default 1)\n"
"  --budget-ms N     cap one repeat of the seed baseline at about N ms by\n"
"                    cutting its loops (default 250; 0 = no cap)\n"
"  --json FILE       write every result as JSON\n"
"  --plot FILE.svg   long_busy_list at 1k..1M busy areas (or --busy), ours\n"
"                    and the seed baseline, drawn as an SVG\n"
"  --quick           a few seconds' smoke run (small loops, 3 repeats)\n"
"  --no-host         skip the host-engine section\n"
"  --host-only       only the host-engine section\n"
"  --no-progress     no progress line on stderr\n"
"  -h, --help\n"
"One op = one allocation and the free that undoes it.\n");
}

static int parse_list(const char *s, unsigned long *out, unsigned int max)
{
	unsigned int n = 0;
	char *end;

	while (*s) {
		unsigned long v;

		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || end == s || n == max)
			return -1;
		if (*end == 'k' || *end == 'K') {
			v *= 1000;
			end++;
		} else if (*end == 'm' || *end == 'M') {
			v *= 1000000;
			end++;
		}
		out[n++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return (int)n;
}

static unsigned long number(const char *opt, const char *s, unsigned long lo,
			    unsigned long hi)
{
	unsigned long v;

	if (parse_list(s, &v, 1) != 1 || v < lo || v > hi) {
		fprintf(stderr, "vmbench: %s wants a number in %lu..%lu, not '%s'\n",
			opt, lo, hi, s);
		exit(2);
	}
	return v;
}

static void parse_scenarios(struct opts *o, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned int i;

	o->scen_mask = 0;
	o->ring = false;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			o->scen_mask = (1UL << nr_scenarios) - 1;
			o->ring = true;
			continue;
		}
		if (!strcmp(tok, "ring")) {
			o->ring = true;
			continue;
		}
		for (i = 0; i < nr_scenarios; i++)
			if (!strcmp(tok, scenarios[i].name))
				break;
		if (i == nr_scenarios) {
			fprintf(stderr, "vmbench: unknown scenario '%s'\n", tok);
			exit(2);
		}
		o->scen_mask |= 1UL << i;
	}
	/* The ring alone: neither the soft scenarios nor the host sizes. */
	if (!o->scen_mask && o->ring)
		o->soft = o->host_sizes = false;
	free(copy);
}

static void parse_modes(struct opts *o, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	o->mode_kva = o->mode_full = false;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "kva"))
			o->mode_kva = true;
		else if (!strcmp(tok, "full"))
			o->mode_full = true;
		else {
			fprintf(stderr, "vmbench: unknown mode '%s' (kva, full)\n",
				tok);
			exit(2);
		}
	}
	free(copy);
}

enum {
	OPT_SCENARIO = 256, OPT_MODE, OPT_NO_SEED, OPT_PAGES, OPT_BUSY,
	OPT_LOOPS, OPT_REPEAT, OPT_THREADS, OPT_NO_PIN, OPT_RSEED, OPT_BUDGET,
	OPT_JSON,
	OPT_PLOT, OPT_QUICK, OPT_NO_HOST, OPT_HOST_ONLY, OPT_NO_PROGRESS,
};

static void parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, OPT_SCENARIO },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "no-seed", no_argument, NULL, OPT_NO_SEED },
		{ "pages", required_argument, NULL, OPT_PAGES },
		{ "busy", required_argument, NULL, OPT_BUSY },
		{ "loops", required_argument, NULL, OPT_LOOPS },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "no-pin", no_argument, NULL, OPT_NO_PIN },
		{ "random-seed", required_argument, NULL, OPT_RSEED },
		{ "budget-ms", required_argument, NULL, OPT_BUDGET },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "no-host", no_argument, NULL, OPT_NO_HOST },
		{ "host-only", no_argument, NULL, OPT_HOST_ONLY },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool budget_set = false, repeat_set = false;
	int c, n;

	memset(o, 0, sizeof(*o));
	o->scen_mask = (1UL << nr_scenarios) - 1;
	o->mode_kva = o->mode_full = o->seed_baseline = true;
	o->pages = 1;
	o->repeat = 5;
	o->threads = 1;
	o->pin = true;
	o->seed = 1;
	o->budget_ms = 250;
	o->host = o->soft = o->progress = true;
	o->ring = o->host_sizes = true;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SCENARIO:
			parse_scenarios(o, optarg);
			break;
		case OPT_MODE:
			parse_modes(o, optarg);
			break;
		case OPT_NO_SEED:
			o->seed_baseline = false;
			break;
		case OPT_PAGES:
			o->pages = number("--pages", optarg, 1, 1UL << 20);
			break;
		case OPT_BUSY:
			n = parse_list(optarg, o->busy, MAX_BUSY);
			if (n <= 0) {
				fprintf(stderr, "vmbench: --busy wants up to %d numbers\n",
					MAX_BUSY);
				exit(2);
			}
			o->nr_busy = (unsigned int)n;
			for (n = 0; n < (int)o->nr_busy; n++)
				if (o->busy[n] > 4000000) {
					fprintf(stderr, "vmbench: --busy %lu: at most 4000000\n",
						o->busy[n]);
					exit(2);
				}
			break;
		case OPT_LOOPS:
			o->loops = number("--loops", optarg, 1, 1UL << 40);
			break;
		case OPT_REPEAT:
			o->repeat = (unsigned int)number("--repeat", optarg, 1,
							 MAX_REPEAT);
			repeat_set = true;
			break;
		case OPT_NO_PIN:
			o->pin = false;
			break;
		case OPT_THREADS:
			o->threads = (unsigned int)number("--threads", optarg, 1,
							  MAX_THREADS);
			break;
		case OPT_RSEED:
			o->seed = number("--random-seed", optarg, 0, ~0UL);
			break;
		case OPT_BUDGET:
			o->budget_ms = (double)number("--budget-ms", optarg, 0,
						      3600000);
			budget_set = true;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_PLOT:
			o->plot = optarg;
			break;
		case OPT_QUICK:
			o->quick = true;
			break;
		case OPT_NO_HOST:
			o->host = false;
			break;
		case OPT_HOST_ONLY:
			o->soft = false;
			o->host = true;
			o->host_sizes = true;
			break;
		case OPT_NO_PROGRESS:
			o->progress = false;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmbench: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	if (!o->mode_kva && !o->mode_full && !o->seed_baseline) {
		fprintf(stderr, "vmbench: nothing to run\n");
		exit(2);
	}
	if (o->quick) {
		if (!repeat_set)
			o->repeat = 3;
		if (!budget_set)
			o->budget_ms = 20;
	}
	if (o->plot) {
		unsigned int i;

		o->scen_mask |= 1UL << 2;	/* long_busy_list */
		if (!o->nr_busy) {
			const unsigned long *src = o->quick ? sweep_quick : sweep_default;
			unsigned int cnt = o->quick ?
				sizeof(sweep_quick) / sizeof(*src) :
				sizeof(sweep_default) / sizeof(*src);

			for (i = 0; i < cnt; i++)
				o->busy[i] = src[i];
			o->nr_busy = cnt;
		}
	}
	if (!o->nr_busy) {
		o->busy[0] = 15000;
		o->nr_busy = 1;
	}
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

static struct bench_run *new_run(const struct opts *o,
				 const struct scenario *sc,
				 enum bench_mode mode, enum bench_impl impl,
				 unsigned long param, unsigned int threads)
{
	struct bench_run *r = calloc(1, sizeof(*r));

	if (!r) {
		fprintf(stderr, "vmbench: out of memory\n");
		exit(2);
	}
	r->sc = sc;
	r->mode = mode;
	r->impl = impl;
	r->param = param;
	r->threads = threads;
	r->pin = o->pin;
	r->repeat = o->repeat;
	r->loops = o->loops ? o->loops :
		   o->quick ? sc->quick_loops : sc->default_loops;
	r->loops_asked = r->loops;
	r->seed = o->seed;
	r->budget_ns = impl == IMPL_SEED ? o->budget_ms * 1e6 : 0;
	return r;
}

static void label(const struct bench_run *r, unsigned int idx, unsigned int n)
{
	char param[40] = "";

	if (r->sc->param_name)
		snprintf(param, sizeof(param), " %s=%lu", r->sc->param_name,
			 r->param);
	snprintf(run_label, sizeof(run_label), "[%u/%u] %s%s %s %s threads=%u",
		 idx, n, r->sc->name, param, r->mode == MODE_KVA ? "kva" : "full",
		 r->impl == IMPL_OURS ? "libvmalloc" : "seed-list", r->threads);
}

/* The configurations of one scenario, in table order. */
static unsigned int plan(const struct opts *o, const struct scenario *sc,
			 struct bench_run **out)
{
	unsigned long params[MAX_BUSY];
	unsigned int np = 1, i, n = 0, k;
	unsigned int tcounts[2] = { o->threads, 1 };
	unsigned int nt = o->threads > 1 ? 2 : 1;

	if (sc->param_name && !strcmp(sc->param_name, "busy")) {
		np = o->nr_busy;
		memcpy(params, o->busy, np * sizeof(*params));
	} else if (sc->param_name) {
		params[0] = o->pages;
	} else {
		params[0] = 0;
	}
	for (i = 0; i < np; i++) {
		for (k = 0; k < nt; k++) {
			if (o->mode_kva && !sc->full_only)
				out[n++] = new_run(o, sc, MODE_KVA, IMPL_OURS,
						   params[i], tcounts[k]);
			if (o->mode_full && !sc->kva_only)
				out[n++] = new_run(o, sc, MODE_FULL, IMPL_OURS,
						   params[i], tcounts[k]);
			if (o->seed_baseline && !sc->full_only && !sc->kva_only)
				out[n++] = new_run(o, sc, MODE_KVA, IMPL_SEED,
						   params[i], tcounts[k]);
		}
	}
	return n;
}

static unsigned int collect_sweep(struct bench_run **runs, unsigned int n,
				  unsigned int threads, struct sweep_point *sw)
{
	unsigned int i, j, nsw = 0;

	for (i = 0; i < n; i++) {
		struct bench_run *r = runs[i];
		struct sweep_point *p = NULL;

		if (strcmp(r->sc->name, "long_busy_list") || r->threads != threads ||
		    r->failed)
			continue;
		for (j = 0; j < nsw; j++)
			if (sw[j].busy == r->param)
				p = &sw[j];
		if (!p) {
			p = &sw[nsw++];
			memset(p, 0, sizeof(*p));
			p->busy = r->param;
		}
		if (r->impl == IMPL_SEED) {
			p->seed = r->median;
			p->seed_min = r->min;
			p->seed_max = r->max;
			p->seed_loops = r->loops;
		} else if (r->mode == MODE_KVA) {
			p->ours_kva = r->median;
			p->ours_kva_min = r->min;
			p->ours_kva_max = r->max;
		} else {
			p->ours_full = r->median;
			p->ours_full_min = r->min;
			p->ours_full_max = r->max;
		}
	}
	return nsw;
}

/*
 * The runs of one scenario, runs[first .. first + count): a run on
 * several threads takes turns with its one-thread twin (run_turns), the
 * rest run whole.
 */
static void run_block(struct bench_run **runs, unsigned int first,
		      unsigned int count, unsigned int nruns,
		      struct ceiling *c)
{
	bool done[MAX_RUNS] = { false };
	unsigned int i, j;

	for (i = first; i < first + count; i++) {
		struct bench_run *r = runs[i], *one = NULL;

		if (done[i])
			continue;
		for (j = first; j < first + count && r->threads > 1; j++)
			if (!done[j] && runs[j]->threads == 1 &&
			    runs[j]->mode == r->mode && runs[j]->impl == r->impl &&
			    runs[j]->param == r->param)
				break;
		if (r->threads > 1 && j < first + count) {
			one = runs[j];
			done[j] = true;
			label(r, i + 1, nruns);
			strncat(run_label, " (turns with 1 thread)",
				sizeof(run_label) - strlen(run_label) - 1);
			run_turns(r, one, c);
		} else {
			label(r, i + 1, nruns);
			run_one(r);
		}
		done[i] = true;
	}
}

int main(int argc, char **argv)
{
	static struct bench_run *runs[MAX_RUNS];
	struct sweep_point sweep[MAX_BUSY];
	struct ceiling ceil = { 0 };
	struct host_row host[8];
	struct ring_row ring[8];
	char host_err[200] = "", ring_err[200] = "";
	int nring = 0;
	unsigned int first[32], count[32];
	unsigned int nruns = 0, nsw = 0, i, s, failed = 0;
	int nhost = 0;
	struct opts o;
	int err;

	if (nr_scenarios > 32)
		return 2;
	parse_opts(&o, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	show_progress = o.progress && isatty(STDERR_FILENO);
	report_header(stdout, &o);

	if (o.soft) {
		if (seed_selftest(o.seed))
			return 1;
		err = soft_init(256);
		if (err) {
			fprintf(stderr, "vmbench: vmalloc_init(soft): %s\n",
				strerror(-err));
			return 1;
		}
		soft_start = vmalloc_range_start();
		soft_end = vmalloc_range_end();
		vmalloc_exit();

		for (s = 0; s < nr_scenarios; s++) {
			count[s] = 0;
			first[s] = nruns;
			if (!(o.scen_mask & (1UL << s)))
				continue;
			if (nruns + 3 * 2 * MAX_BUSY > MAX_RUNS)
				break;
			count[s] = plan(&o, &scenarios[s], runs + nruns);
			nruns += count[s];
		}
		for (s = 0; s < nr_scenarios; s++) {
			if (!count[s])
				continue;
			run_block(runs, first[s], count[s], nruns, &ceil);
			for (i = first[s]; i < first[s] + count[s]; i++)
				if (runs[i]->failed)
					failed++;
			report_scenario(stdout, &scenarios[s], runs + first[s],
					count[s]);
		}
		nsw = collect_sweep(runs, nruns, o.threads, sweep);
		if (o.plot) {
			if (plot_svg(o.plot, sweep, nsw, o.threads))
				failed++;
			else
				printf("plot: %s (long_busy_list, %u busy counts)\n\n",
				       o.plot, nsw);
		}
		ceiling_sum(&ceil, o.threads);
	}
	if (o.host && o.host_sizes) {
		nhost = host_bench(&o, host, 8, host_err, sizeof(host_err));
		if (nhost < 0)
			printf("host engine unavailable: %s\n", host_err);
		else
			report_host(stdout, host, (unsigned int)nhost);
	}
	if (o.host && o.ring) {
		nring = ring_bench(&o, ring, 8, ring_err, sizeof(ring_err));
		if (nring < 0)
			printf("ring: %s\n", ring_err);
		else
			report_ring(stdout, ring, (unsigned int)nring);
	}
	vmalloc_exit();
	report_targets(stdout, &o, runs, nruns, sweep, nsw, host,
		       nhost > 0 ? (unsigned int)nhost : 0, ring,
		       nring > 0 ? (unsigned int)nring : 0);
	if (o.json && report_json(o.json, &o, runs, nruns, host,
				  nhost > 0 ? (unsigned int)nhost : 0,
				  nhost < 0 ? host_err : NULL, sweep, nsw,
				  ring, nring, nring < 0 ? ring_err : NULL,
				  &ceil))
		failed++;
	if (failed)
		fprintf(stderr, "vmbench: %u run(s) failed their checks\n", failed);
	return failed ? 1 : 0;
}
