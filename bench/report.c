/* SPDX-License-Identifier: MIT */
/*
 * vmbench output: the header, one table per scenario, the performance
 * targets, the host table, and the same numbers as JSON.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

void report_machine(char *model, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(model, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = 0;
		snprintf(model, len, "%s", colon);
		break;
	}
	fclose(f);
}

static void today(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

void report_header(FILE *f, const struct opts *o)
{
	char model[128], date[32];

	report_machine(model, sizeof(model));
	today(date, sizeof(date));
	fprintf(f, "vmbench: libvmalloc vs the seed's list allocator (%s)\n", date);
	fprintf(f, "machine: %s, %ld CPUs online\n", model,
		sysconf(_SC_NPROCESSORS_ONLN));
	if (!o->soft) {
		fprintf(f, "host section only; %u repeat(s), median reported%s\n\n",
			o->repeat, o->quick ? "; QUICK run" : "");
		return;
	}
	fprintf(f, "soft engine (no host system calls); %u repeat(s), median "
		"reported; threads %u; random seed %lu%s\n", o->repeat,
		o->threads, (unsigned long)o->seed, o->quick ? "; QUICK run" : "");
	fprintf(f, "op = one allocation + the free that undoes it; ns/op is "
		"per thread (wall time / ops)\n");
	fprintf(f, "kva = get_vm_area/free_vm_area (address space + descriptor); "
		"full = vmalloc/vfree (+ frames, page tables, lazy purge)\n");
	fprintf(f, "x seed = seed-list ns/op / this row's ns/op (higher is "
		"better); full rows compare with the seed's kva cost\n\n");
}

static const char *impl_name(const struct bench_run *r)
{
	return r->impl == IMPL_OURS ? "libvmalloc" : "seed-list";
}

static const char *mode_name(const struct bench_run *r)
{
	return r->mode == MODE_KVA ? "kva" : "full";
}

/* The seed run that @r compares with (same scenario, param, threads). */
static const struct bench_run *seed_of(struct bench_run **runs, unsigned int n,
				       const struct bench_run *r)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (runs[i]->impl == IMPL_SEED && runs[i]->sc == r->sc &&
		    runs[i]->param == r->param &&
		    runs[i]->threads == r->threads && !runs[i]->failed)
			return runs[i];
	return NULL;
}

/* The one-thread twin of @r, for the scaling column. */
static const struct bench_run *single_of(struct bench_run **runs,
					 unsigned int n,
					 const struct bench_run *r)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (runs[i]->threads == 1 && runs[i]->sc == r->sc &&
		    runs[i]->impl == r->impl && runs[i]->mode == r->mode &&
		    runs[i]->param == r->param && !runs[i]->failed)
			return runs[i];
	return NULL;
}

/* Metadata bytes per live area, the fixed start-up part left out. */
static double meta_per_area(const struct bench_run *r)
{
	return (double)(r->meta_bytes - r->meta_base) /
	       (double)r->meta_vmap_areas;
}

static void ns_cell(char *buf, size_t len, double ns)
{
	if (ns >= 1e6)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1e4)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else
		snprintf(buf, len, "%.1f", ns);
}

/* Metadata per area: for each mode, the run that held the most areas. */
static void report_meta(FILE *f, struct bench_run **runs, unsigned int n)
{
	unsigned int i, m;

	for (m = 0; m < 2; m++) {
		const struct bench_run *best = NULL;

		for (i = 0; i < n; i++) {
			const struct bench_run *r = runs[i];

			if (r->impl == IMPL_OURS && !r->failed &&
			    r->mode == (m ? MODE_FULL : MODE_KVA) &&
			    r->meta_vmap_areas >= 1000 &&
			    (!best || r->meta_vmap_areas > best->meta_vmap_areas))
				best = r;
		}
		if (best)
			fprintf(f, "  metadata with %lu live areas (%s): %.2f bytes "
				"per area ((meta_bytes %lu - %lu before) / %lu "
				"vmap_areas)\n", best->meta_areas,
				mode_name(best), meta_per_area(best),
				best->meta_bytes, best->meta_base,
				best->meta_vmap_areas);
	}
}

/* long_busy_list over several busy counts: ns/op relative to the first. */
static void report_growth(FILE *f, struct bench_run **runs, unsigned int n)
{
	const struct bench_run *base[3] = { NULL, NULL, NULL };
	unsigned int i, k, rows = 0;

	for (i = 0; i < n; i++)
		if (runs[i]->threads == runs[0]->threads && !runs[i]->failed)
			rows += runs[i]->impl == IMPL_OURS &&
				runs[i]->mode == MODE_KVA;
	if (rows < 2)
		return;
	fprintf(f, "  growth: ns/op relative to the smallest busy count "
		"(1.00 = flat)\n  %-8s %8s %8s %10s\n", "busy", "kva", "full",
		"seed-list");
	for (i = 0; i < n; i++) {
		const struct bench_run *r = runs[i];

		if (r->threads != runs[0]->threads || r->failed)
			continue;
		k = r->impl == IMPL_SEED ? 2 : r->mode == MODE_FULL ? 1 : 0;
		if (!base[k])
			base[k] = r;
	}
	for (i = 0; i < n; i++) {
		const struct bench_run *row[3] = { NULL, NULL, NULL };
		char cell[3][16];
		unsigned int j;

		if (i && runs[i]->param == runs[i - 1]->param)
			continue;
		for (j = i; j < n && runs[j]->param == runs[i]->param; j++) {
			const struct bench_run *r = runs[j];

			if (r->threads != runs[0]->threads || r->failed)
				continue;
			k = r->impl == IMPL_SEED ? 2 : r->mode == MODE_FULL ? 1 : 0;
			row[k] = r;
		}
		for (k = 0; k < 3; k++) {
			if (row[k] && base[k] && base[k]->median > 0)
				snprintf(cell[k], sizeof(cell[k]), "%.2f",
					 row[k]->median / base[k]->median);
			else
				snprintf(cell[k], sizeof(cell[k]), "-");
		}
		fprintf(f, "  %-8lu %8s %8s %10s\n", runs[i]->param, cell[0],
			cell[1], cell[2]);
	}
}

void report_scenario(FILE *f, const struct scenario *sc, struct bench_run **runs,
		     unsigned int n)
{
	bool threads = false, full = false, capped = false, seed = false;
	unsigned int i, t;

	for (i = 0; i < n; i++) {
		threads |= runs[i]->threads > 1;
		full |= runs[i]->mode == MODE_FULL;
		seed |= runs[i]->impl == IMPL_SEED;
		capped |= runs[i]->loops != runs[i]->loops_asked;
	}
	fprintf(f, "== %s: %s; %u op%s per loop\n", sc->name, sc->what,
		sc->ops_per_loop, sc->ops_per_loop > 1 ? "s" : "");
	fprintf(f, "  %-8s %-4s %-10s %3s %10s %12s %12s %12s %9s %8s%s\n",
		sc->param_name ? sc->param_name : "", "mode", "allocator",
		"thr", "loops", "median ns/op", "min", "max", "x seed",
		"Mops/s", threads ? "  scaling     min..max  ceiling  of it" : "");
	for (i = 0; i < n; i++) {
		const struct bench_run *r = runs[i], *s = seed_of(runs, n, r);
		char p[24] = "", med[24], mn[24], mx[24], ratio[24] = "-";

		if (sc->param_name)
			snprintf(p, sizeof(p), "%lu", r->param);
		if (r->failed) {
			fprintf(f, "  %-8s %-4s %-10s %3u   FAILED: %s\n", p,
				mode_name(r), impl_name(r), r->threads, r->check);
			continue;
		}
		ns_cell(med, sizeof(med), r->median);
		ns_cell(mn, sizeof(mn), r->min);
		ns_cell(mx, sizeof(mx), r->max);
		if (s && r->median > 0)
			snprintf(ratio, sizeof(ratio), "%.1fx%s",
				 s->median / r->median,
				 r->mode == MODE_FULL ? "*" : "");
		fprintf(f, "  %-8s %-4s %-10s %3u %10lu%s %12s %12s %12s %9s %8.2f",
			p, mode_name(r), impl_name(r), r->threads, r->loops,
			r->loops != r->loops_asked ? "+" : " ", med, mn, mx,
			ratio, r->mops_median);
		if (r->turns) {
			char range[32];

			snprintf(range, sizeof(range), "%.2f..%.2f",
				 r->scaling_min, r->scaling_max);
			fprintf(f, "  %6.2fx %12s %7.2fx %5.0f%%", r->scaling,
				range, r->ceiling, 100 * r->share);
		} else if (r->threads > 1) {
			const struct bench_run *one = single_of(runs, n, r);

			if (one && one->mops_median > 0)
				fprintf(f, "  %6.2fx", r->mops_median /
					one->mops_median);
		}
		fputc('\n', f);
		if (r->threads > 1) {
			fprintf(f, "      per thread ns/op:");
			for (t = 0; t < r->threads; t++)
				fprintf(f, " %.1f", r->thread_ns[t]);
			fputc('\n', f);
		}
	}
	if (full && seed)
		fprintf(f, "  * full mode (vmalloc: frames + page tables) vs the "
			"seed list's address-space-only cost\n");
	if (capped)
		fprintf(f, "  + loops cut to keep one repeat near the time "
			"budget (--budget-ms)\n");
	if (threads)
		fprintf(f, "  scaling: total throughput / the one-thread run's in "
			"the same repeat (the two take turns,\n  then a turn of "
			"the ceiling: a compute loop on 1 and on N pinned threads); "
			"median of the\n  per-repeat ratios, their min..max, the "
			"ceiling's median, and the median of\n  per-repeat "
			"scaling / ceiling\n");
	report_meta(f, runs, n);
	if (!strcmp(sc->name, "long_busy_list"))
		report_growth(f, runs, n);
	if (!strcmp(sc->name, "long_busy_list") || !strcmp(sc->name, "full_fit"))
		fprintf(f, "  metadata, seed-list: %zu bytes per area (its "
			"descriptor, malloc'ed)\n", sizeof(struct seed_area));
	if (!strcmp(sc->name, "align_shift")) {
		fprintf(f, "  allocations that succeed per 64 alignments "
			"(the rest failed cleanly):\n   ");
		for (i = 0; i < n; i++)
			if (!runs[i]->failed)
				fprintf(f, " %s %s thr %u: %.2f;", mode_name(runs[i]),
					impl_name(runs[i]), runs[i]->threads,
					runs[i]->ok_per_loop);
		fputc('\n', f);
		if (threads)
			fprintf(f, "  (the widest alignments have one or two "
				"places in the range: concurrent threads may "
				"take them from each other)\n");
	}
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Targets                                                             */
/* ------------------------------------------------------------------ */

static const struct bench_run *find(struct bench_run **runs, unsigned int n,
				    const char *sc, enum bench_mode mode,
				    enum bench_impl impl, unsigned long param,
				    unsigned int threads)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct bench_run *r = runs[i];

		if (!strcmp(r->sc->name, sc) && r->mode == mode &&
		    r->impl == impl && r->param == param &&
		    r->threads == threads && !r->failed)
			return r;
	}
	return NULL;
}

#define TARGET_ROW	"  %-50s %11s %9s  %s\n"

/* One target: @value against @goal, met or MISSED; "-" and @how (the
 * command that measures it) when this run did not. */
static void target(FILE *f, const char *what, bool known, double value,
		   const char *unit, const char *goal, bool met,
		   const char *how)
{
	char v[32];

	if (known)
		snprintf(v, sizeof(v), "%.*f%s",
			 value >= 1000 ? 0 : !strcmp(unit, " B") ? 1 : 2,
			 value, unit);
	else
		snprintf(v, sizeof(v), "-");
	fprintf(f, TARGET_ROW, what, v, goal,
		known ? (met ? "met" : "MISSED") : how);
}

/* A scaling target: the median of the per-repeat ratios, with their
 * range and the ceiling of the same turns. */
static void scaling_target(FILE *f, const char *what, bool known,
			   double v, double min, double max, double ceiling,
			   double share, double goal, const char *how)
{
	char val[24], g[16], st[96];

	snprintf(g, sizeof(g), ">= %.1fx", goal);
	if (!known) {
		fprintf(f, TARGET_ROW, what, "-", g, how);
		return;
	}
	snprintf(val, sizeof(val), "%.2fx", v);
	snprintf(st, sizeof(st), "%s (%.2f..%.2f; %.0f%% of a ceiling of %.2fx)",
		 v >= goal ? "met" : "MISSED", min, max, 100 * share, ceiling);
	fprintf(f, TARGET_ROW, what, val, g, st);
}

static const struct host_row *host_of(const struct host_row *h,
				      unsigned int n, unsigned long size,
				      unsigned int threads)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (h[i].size == size && (h[i].threads > 1) == (threads > 1))
			return &h[i];
	return NULL;
}

/*
 * The performance targets (README.md, Performance; bench/README.md):
 * each with what this run measured, met / MISSED, or n/a and the
 * command that measures it. `make bench-targets` runs them all.
 */
void report_targets(FILE *f, const struct opts *o, struct bench_run **runs,
		    unsigned int n, const struct sweep_point *sw,
		    unsigned int nsw, const struct host_row *host,
		    unsigned int nhost, const struct ring_row *ring,
		    unsigned int nring)
{
	static const struct { unsigned long size; double goal; } hs[] = {
		{ 4UL << 10, 0.5 }, { 64UL << 10, 0.3 }, { 1UL << 20, 0.3 },
	};
	const struct bench_run *a, *b;
	const struct sweep_point *lo = NULL, *hi = NULL;
	char what[96], goal[16];
	unsigned int i;
	double v;

	fprintf(f, "== performance targets (one thread unless said; n/a: the "
		"command that measures it)\n");
	if (o->quick)
		fprintf(f, "   a --quick run: small loops, not the targets' "
			"conditions (make bench-targets)\n");
	fprintf(f, TARGET_ROW, "", "measured", "target", "");

	a = find(runs, n, "long_busy_list", MODE_KVA, IMPL_OURS, 15000, 1);
	b = find(runs, n, "long_busy_list", MODE_KVA, IMPL_SEED, 15000, 1);
	v = a && b ? b->median / a->median : 0;
	target(f, "long_busy_list 15k busy: seed / ours (kva)", a && b, v,
	       "x", ">= 300x", v >= 300,
	       "n/a: vmbench --scenario long_busy_list --busy 15k");

	for (i = 0; i < nsw; i++) {
		if (sw[i].busy == 1000)
			lo = &sw[i];
		if (sw[i].busy == 1000000)
			hi = &sw[i];
	}
	for (i = 0; i < 2; i++) {
		double l = !lo ? 0 : i ? lo->ours_full : lo->ours_kva;
		double h = !hi ? 0 : i ? hi->ours_full : hi->ours_kva;

		snprintf(what, sizeof(what),
			 "long_busy_list growth 1k -> 1M busy (%s)",
			 i ? "full" : "kva");
		v = l > 0 ? h / l : 0;
		target(f, what, l > 0 && h > 0, v, "x", "<= 1.5x", v <= 1.5,
		       "n/a: vmbench --busy 1k,1M");
	}

	a = find(runs, n, "fix_size", MODE_FULL, IMPL_OURS, 1, 1);
	target(f, "fix_size 1 page: vmalloc+vfree (full, soft)", a != NULL,
	       a ? a->median : 0, " ns", "<= 120 ns", a && a->median <= 120,
	       "n/a: vmbench --scenario fix_size --mode full");
	target(f, "KVA pair Ir, every bench-ir scenario", false, 0, "",
	       "<= 450", false, "n/a: make bench-ir");
	target(f, "KVA pair Ir, 1 page", false, 0, "", "<= 200", false,
	       "n/a: make bench-ir");

	for (i = 0; i < 2; i++) {
		enum bench_mode m = i ? MODE_FULL : MODE_KVA;

		a = find(runs, n, "fix_size", m, IMPL_OURS, 1, 2);
		snprintf(what, sizeof(what), "fix_size 2 threads / one (%s)",
			 i ? "full" : "kva");
		scaling_target(f, what, a && a->turns, a ? a->scaling : 0,
			       a ? a->scaling_min : 0, a ? a->scaling_max : 0,
			       a ? a->ceiling : 0, a ? a->share : 0, 1.6,
			       "n/a: vmbench --scenario fix_size --threads 2");
	}

	for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++) {
		const struct host_row *h = host_of(host, nhost, hs[i].size, 1);

		snprintf(what, sizeof(what), "host %lu %s: vmalloc / mmap",
			 hs[i].size >= (1UL << 20) ? hs[i].size >> 20 :
			 hs[i].size >> 10, hs[i].size >= (1UL << 20) ? "MiB" : "KiB");
		snprintf(goal, sizeof(goal), "<= %.1fx", hs[i].goal);
		v = h && h->mmap_ns > 0 ? h->vm_ns / h->mmap_ns : 0;
		target(f, what, h && h->mmap_ns > 0, v, "x", goal,
		       v <= hs[i].goal, "n/a: vmbench --host-only");
	}
	for (i = 0; i < 2; i++) {
		const struct host_row *h = host_of(host, nhost, hs[i].size, 2);

		snprintf(what, sizeof(what), "host %lu KiB: 2 threads / one",
			 hs[i].size >> 10);
		scaling_target(f, what, h && h->nrep, h ? h->scaling : 0,
			       h ? h->scaling_min : 0, h ? h->scaling_max : 0,
			       h ? h->ceiling : 0, h ? h->share : 0, 1.3,
			       "n/a: vmbench --host-only");
	}

	for (i = 0; i < 2; i++) {
		const struct ring_row *r = NULL;
		unsigned int k;

		for (k = 0; k < nring; k++)
			if (ring[k].bulk == (bool)i && !ring[k].touch)
				r = &ring[k];
		snprintf(what, sizeof(what), "ring 64 KiB: vmap / memfd (%s)",
			 i ? "alloc_pages_bulk" : "alloc_page x16");
		target(f, what, r != NULL, r ? r->ratio : 0, "x", "<= 1.2x",
		       r && r->ratio <= 1.2, "n/a: vmbench --scenario ring");
	}

	a = NULL;
	for (i = 0; i < n; i++) {
		const struct bench_run *r = runs[i];

		if (r->impl == IMPL_OURS && r->mode == MODE_KVA && !r->failed &&
		    !strcmp(r->sc->name, "long_busy_list") &&
		    r->meta_vmap_areas >= 1000 &&
		    (!a || r->meta_vmap_areas > a->meta_vmap_areas))
			a = r;
	}
	v = a ? meta_per_area(a) : 0;
	target(f, "metadata per live area (long_busy_list kva)", a != NULL,
	       v, " B", "<= 128 B", v <= 128,
	       "n/a: vmbench --scenario long_busy_list");
	fputc('\n', f);
}

/* ------------------------------------------------------------------ */
/* Host                                                                */
/* ------------------------------------------------------------------ */

static void size_name(char *buf, size_t len, unsigned long size)
{
	if (size >= (1UL << 20))
		snprintf(buf, len, "%lu MiB", size >> 20);
	else
		snprintf(buf, len, "%lu KiB", size >> 10);
}

void report_host(FILE *f, const struct host_row *rows, unsigned int n)
{
	unsigned int i;

	fprintf(f, "== host engine: alloc + touch every page + free (real memory)\n");
	fprintf(f, "  %-8s %7s %14s %14s %14s %9s %9s %13s %9s\n", "size",
		"ops", "vmalloc ns/op", "mmap ns/op", "malloc ns/op",
		"vm/mmap", "vm/malloc", "vm syscalls", "mmap sys");
	for (i = 0; i < n; i++) {
		const struct host_row *r = &rows[i];
		char sz[24], sys[24];

		if (r->threads > 1)
			continue;
		size_name(sz, sizeof(sz), r->size);
		if (r->vm_syscalls >= 0)
			snprintf(sys, sizeof(sys), "%.2f", r->vm_syscalls);
		else
			snprintf(sys, sizeof(sys), "?");
		fprintf(f, "  %-8s %7lu %14.0f %14.0f %14.0f %8.2fx %8.2fx %13s %9s\n",
			sz, r->ops, r->vm_ns, r->mmap_ns, r->malloc_ns,
			r->vm_ns / r->mmap_ns, r->vm_ns / r->malloc_ns, sys, "2");
	}
	fprintf(f, "  vm/x < 1 means vmalloc is faster; syscalls are per op "
		"(host_syscalls from vmalloc_get_stats)\n");
	fprintf(f, "  %-8s %7s %7s %16s %16s %9s %12s %8s %6s\n", "size",
		"threads", "ops", "1 thread ns/op", "2 threads ns/op", "scaling",
		"min..max", "ceiling", "of it");
	for (i = 0; i < n; i++) {
		const struct host_row *r = &rows[i];
		char sz[24], range[32];

		if (r->threads < 2)
			continue;
		size_name(sz, sizeof(sz), r->size);
		snprintf(range, sizeof(range), "%.2f..%.2f", r->scaling_min,
			 r->scaling_max);
		fprintf(f, "  %-8s %7u %7lu %16.0f %16.0f %8.2fx %12s %7.2fx %5.0f%%\n",
			sz, r->threads, r->ops, r->one_ns, r->vm_ns, r->scaling,
			range, r->ceiling, 100 * r->share);
	}
	fprintf(f, "  threads: vmalloc + touch + vfree on each thread at once; "
		"ns/op is wall time over all ops;\n  each repeat is [1 thread, "
		"2 threads, ceiling 1, ceiling 2]; scaling: the median of the "
		"per-repeat\n  throughput ratios (min..max); of it: the median "
		"of per-repeat scaling / ceiling\n\n");
}

void report_ring(FILE *f, const struct ring_row *rows, unsigned int n)
{
	unsigned int i;

	fprintf(f, "== ring: 64 KiB double-mapped ring, set up and torn down "
		"(host engine)\n");
	fprintf(f, "  %-22s %6s %11s %11s %8s %15s %9s %9s %8s %6s\n",
		"libvmalloc pages", "ops", "vm ns/op", "memfd ns/op", "vm/memfd",
		"min..max", "vm sys/op", "memfd sys", "setup sys", "runs");
	for (i = 0; i < n; i++) {
		const struct ring_row *r = &rows[i];
		char what[32], range[32];

		snprintf(what, sizeof(what), "%s%s",
			 r->bulk ? "alloc_pages_bulk" : "alloc_page x16",
			 r->touch ? " +rw" : "");
		snprintf(range, sizeof(range), "%.2f..%.2f", r->ratio_min,
			 r->ratio_max);
		fprintf(f, "  %-22s %6lu %11.0f %11.0f %7.2fx %15s %9.2f %9u %8.0f %6u\n",
			what, r->ops, r->vm_ns, r->memfd_ns, r->ratio, range,
			r->vm_syscalls, r->memfd_syscalls, r->setup_syscalls,
			r->runs);
	}
	fprintf(f, "  vm/memfd: median of the per-repeat ratios (the two take turns); "
		"+rw: one write per page through the\n  first view, read back "
		"through the second; sys/op includes purges; setup sys: one set-up "
		"alone;\n  runs: runs of consecutive frames in the 16 pages "
		"(1 = one mmap per view)\n\n");
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */
/* ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* A number, or null when it is not finite or not measured (< 0). */
static void json_num(FILE *f, double v)
{
	if (!isfinite(v) || v < 0)
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

/* , "name": [v0, v1, ...] */
static void json_array(FILE *f, const char *name, const double *v,
		       unsigned int n)
{
	unsigned int i;

	fprintf(f, ", \"%s\": [", name);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_num(f, v[i]);
	}
	fputc(']', f);
}

static void json_run(FILE *f, struct bench_run **runs, unsigned int n,
		     const struct bench_run *r)
{
	const struct bench_run *s = seed_of(runs, n, r);
	const struct bench_run *one = single_of(runs, n, r);
	unsigned int i;

	fprintf(f, "    {\"scenario\": ");
	json_str(f, r->sc->name);
	fprintf(f, ", \"mode\": \"%s\", \"allocator\": \"%s\"", mode_name(r),
		impl_name(r));
	if (r->sc->param_name)
		fprintf(f, ", \"%s\": %lu", r->sc->param_name, r->param);
	fprintf(f, ", \"threads\": %u, \"loops\": %lu, \"loops_asked\": %lu"
		", \"ops_per_loop\": %u, \"repeat\": %u, \"ok\": %s",
		r->threads, r->loops, r->loops_asked, r->sc->ops_per_loop,
		r->repeat, r->failed ? "false" : "true");
	if (r->failed) {
		fprintf(f, ", \"error\": ");
		json_str(f, r->check);
		fprintf(f, "}");
		return;
	}
	fprintf(f, ", \"median_ns\": ");
	json_num(f, r->median);
	fprintf(f, ", \"min_ns\": ");
	json_num(f, r->min);
	fprintf(f, ", \"max_ns\": ");
	json_num(f, r->max);
	fprintf(f, ", \"repeats_ns\": [");
	for (i = 0; i < r->repeat; i++)
		fprintf(f, "%s%.3f", i ? ", " : "", r->ns_op[i]);
	fprintf(f, "], \"total_mops\": ");
	json_num(f, r->mops_median);
	fprintf(f, ", \"ratio_vs_seed\": ");
	json_num(f, s && r->median > 0 ? s->median / r->median : -1);
	fprintf(f, ", \"ratio_basis\": \"%s\"",
		r->impl == IMPL_SEED ? "self" :
		r->mode == MODE_FULL ? "seed_kva_vs_full" : "seed_kva");
	if (r->threads > 1) {
		fprintf(f, ", \"per_thread_median_ns\": [");
		for (i = 0; i < r->threads; i++)
			fprintf(f, "%s%.3f", i ? ", " : "", r->thread_ns[i]);
		fprintf(f, "], \"scaling_vs_1_thread\": ");
		if (r->turns) {
			/* Medians of the per-repeat ratios (turns). */
			json_num(f, r->scaling);
			fprintf(f, ", \"scaling_min\": ");
			json_num(f, r->scaling_min);
			fprintf(f, ", \"scaling_max\": ");
			json_num(f, r->scaling_max);
			fprintf(f, ", \"ceiling\": ");
			json_num(f, r->ceiling);
			fprintf(f, ", \"scaling_vs_ceiling\": ");
			json_num(f, r->share);
			json_array(f, "scaling_repeats", r->scale_rep, r->repeat);
			json_array(f, "ceiling_repeats", r->ceil_rep, r->repeat);
		} else {
			json_num(f, one && one->mops_median > 0 ?
				 r->mops_median / one->mops_median : -1);
		}
	}
	if (r->impl == IMPL_OURS && r->meta_vmap_areas)
		fprintf(f, ", \"meta_bytes\": %lu, \"meta_areas\": %lu"
			", \"meta_vmap_areas\": %lu, \"meta_bytes_before\": %lu"
			", \"meta_bytes_per_area\": %.3f",
			r->meta_bytes, r->meta_areas, r->meta_vmap_areas,
			r->meta_base, meta_per_area(r));
	if (!strcmp(r->sc->name, "align_shift"))
		fprintf(f, ", \"successes_per_loop\": %.3f", r->ok_per_loop);
	fprintf(f, "}");
}

int report_json(const char *path, const struct opts *o, struct bench_run **runs,
		unsigned int n, const struct host_row *host, unsigned int nhost,
		const char *host_err, const struct sweep_point *sw,
		unsigned int nsw, const struct ring_row *ring, int nring,
		const char *ring_err, const struct ceiling *ceil)
{
	FILE *f = fopen(path, "w");
	char model[128], date[32];
	unsigned int i;

	if (!f) {
		perror(path);
		return -1;
	}
	report_machine(model, sizeof(model));
	today(date, sizeof(date));
	fprintf(f, "{\n  \"tool\": \"vmbench\",\n  \"date\": ");
	json_str(f, date);
	fprintf(f, ",\n  \"machine\": ");
	json_str(f, model);
	fprintf(f, ",\n  \"cpus\": %ld,\n  \"engine\": \"soft\",\n"
		"  \"op\": \"one allocation + the free that undoes it\",\n"
		"  \"repeat\": %u,\n  \"threads\": %u,\n  \"random_seed\": %lu,\n"
		"  \"quick\": %s,\n  \"results\": [\n",
		sysconf(_SC_NPROCESSORS_ONLN), o->repeat, o->threads,
		(unsigned long)o->seed, o->quick ? "true" : "false");
	for (i = 0; i < n; i++) {
		json_run(f, runs, n, runs[i]);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ],\n  \"ceiling\": ");
	if (ceil && ceil->threads > 1) {
		fprintf(f, "{\"threads\": %u, \"loop\": \"compute, no shared "
			"memory, pinned\", \"one_thread_ns\": ", ceil->threads);
		json_num(f, ceil->one_ns);
		fprintf(f, ", \"n_threads_wall_ns\": ");
		json_num(f, ceil->n_ns);
		fprintf(f, ", \"scaling\": ");
		json_num(f, ceil->scaling);
		fprintf(f, ", \"turns\": %u", ceil->turns);
		json_array(f, "repeats", ceil->repeats,
			   ceil->turns < CEIL_MAX ? ceil->turns : CEIL_MAX);
		fprintf(f, "}");
	} else {
		fprintf(f, "null");
	}
	fprintf(f, ",\n  \"busy_sweep\": [\n");
	for (i = 0; i < nsw; i++) {
		fprintf(f, "    {\"busy\": %lu, \"ours_kva_ns\": ", sw[i].busy);
		json_num(f, sw[i].ours_kva > 0 ? sw[i].ours_kva : -1);
		fprintf(f, ", \"ours_full_ns\": ");
		json_num(f, sw[i].ours_full > 0 ? sw[i].ours_full : -1);
		fprintf(f, ", \"seed_kva_ns\": ");
		json_num(f, sw[i].seed > 0 ? sw[i].seed : -1);
		fprintf(f, ", \"seed_loops\": %lu}%s\n", sw[i].seed_loops,
			i + 1 < nsw ? "," : "");
	}
	fprintf(f, "  ],\n  \"ring\": ");
	if (!o->ring || !o->host) {
		fprintf(f, "{\"skipped\": true}");
	} else if (ring_err) {
		fprintf(f, "{\"available\": false, \"error\": ");
		json_str(f, ring_err);
		fprintf(f, "}");
	} else {
		fprintf(f, "{\"available\": true, \"bytes\": 65536, \"rows\": [\n");
		for (i = 0; i < (unsigned int)nring; i++) {
			const struct ring_row *r = &ring[i];

			fprintf(f, "    {\"pages_from\": \"%s\", \"touch\": %s, "
				"\"ops\": %lu, \"vmalloc_ns\": ",
				r->bulk ? "alloc_pages_bulk" : "alloc_page",
				r->touch ? "true" : "false", r->ops);
			json_num(f, r->vm_ns);
			fprintf(f, ", \"memfd_ns\": ");
			json_num(f, r->memfd_ns);
			fprintf(f, ", \"ratio\": ");
			json_num(f, r->ratio);
			fprintf(f, ", \"ratio_min\": ");
			json_num(f, r->ratio_min);
			fprintf(f, ", \"ratio_max\": ");
			json_num(f, r->ratio_max);
			fprintf(f, ", \"vmalloc_syscalls_per_op\": ");
			json_num(f, r->vm_syscalls);
			fprintf(f, ", \"memfd_syscalls_per_op\": %u, "
				"\"setup_syscalls\": ", r->memfd_syscalls);
			json_num(f, r->setup_syscalls);
			fprintf(f, ", \"setup_mappings\": %ld, \"frame_runs\": %u}%s\n",
				r->setup_mappings, r->runs,
				i + 1 < (unsigned int)nring ? "," : "");
		}
		fprintf(f, "  ]}");
	}
	fprintf(f, ",\n  \"host\": ");
	if (!o->host || !o->host_sizes) {
		fprintf(f, "{\"skipped\": true}\n}\n");
	} else if (host_err) {
		fprintf(f, "{\"available\": false, \"error\": ");
		json_str(f, host_err);
		fprintf(f, "}\n}\n");
	} else {
		fprintf(f, "{\"available\": %s, \"rows\": [\n",
			nhost ? "true" : "false");
		for (i = 0; i < nhost; i++) {
			const struct host_row *h = &host[i];

			if (h->threads > 1) {
				fprintf(f, "    {\"size\": %lu, \"ops\": %lu, "
					"\"threads\": %u, \"one_thread_ns\": ",
					h->size, h->ops, h->threads);
				json_num(f, h->one_ns);
				fprintf(f, ", \"threads_ns\": ");
				json_num(f, h->vm_ns);
				fprintf(f, ", \"scaling_vs_1_thread\": ");
				json_num(f, h->scaling);
				fprintf(f, ", \"scaling_min\": ");
				json_num(f, h->scaling_min);
				fprintf(f, ", \"scaling_max\": ");
				json_num(f, h->scaling_max);
				fprintf(f, ", \"ceiling\": ");
				json_num(f, h->ceiling);
				fprintf(f, ", \"scaling_vs_ceiling\": ");
				json_num(f, h->share);
				json_array(f, "scaling_repeats", h->scale_rep,
					   h->nrep);
				json_array(f, "ceiling_repeats", h->ceil_rep,
					   h->nrep);
				fprintf(f, "}%s\n", i + 1 < nhost ? "," : "");
				continue;
			}
			fprintf(f, "    {\"size\": %lu, \"ops\": %lu, \"vmalloc_ns\": ",
				h->size, h->ops);
			json_num(f, h->vm_ns);
			fprintf(f, ", \"mmap_ns\": ");
			json_num(f, h->mmap_ns);
			fprintf(f, ", \"malloc_ns\": ");
			json_num(f, h->malloc_ns);
			fprintf(f, ", \"vmalloc_syscalls_per_op\": ");
			json_num(f, h->vm_syscalls);
			fprintf(f, ", \"mmap_syscalls_per_op\": 2}%s\n",
				i + 1 < nhost ? "," : "");
		}
		fprintf(f, "  ]}\n}\n");
	}
	if (fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}
