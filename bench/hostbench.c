/* SPDX-License-Identifier: MIT */
/*
 * The host section: on the host engine vmalloc'ed memory is
 * real, so compare vmalloc + touch every page + vfree with the two things
 * a program would otherwise use, mmap + touch + munmap and malloc + touch
 * + free, at 4 KiB .. 8 MiB. Runs only when vmalloc_init(.engine = "host")
 * succeeds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

enum host_kind { HK_VMALLOC, HK_MMAP, HK_MALLOC };

/* Write one byte per page: every page is faulted in. */
static void touch(void *p, unsigned long size)
{
	volatile char *c = p;
	unsigned long off;

	for (off = 0; off < size; off += PAGE_SIZE)
		c[off] = (char)(off >> PAGE_SHIFT);
}

/* @ops rounds of one kind; ns per op, or -1 when an allocation failed. */
static double host_loop(enum host_kind kind, unsigned long size,
			unsigned long ops)
{
	uint64_t t0 = now_ns();
	unsigned long i;

	for (i = 0; i < ops; i++) {
		void *p;

		switch (kind) {
		case HK_VMALLOC:
			p = vmalloc(size);
			if (!p)
				return -1;
			touch(p, size);
			vfree(p);
			break;
		case HK_MMAP:
			p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return -1;
			touch(p, size);
			munmap(p, size);
			break;
		case HK_MALLOC:
			p = malloc(size);
			if (!p)
				return -1;
			touch(p, size);
			free(p);
			break;
		}
	}
	return (double)(now_ns() - t0) / (double)ops;
}

/* One worker of host_threads(). */
struct host_worker {
	pthread_barrier_t *start;
	int cpu;		/* pinned there; -1: roams */
	unsigned long size, ops;
	double ns;
	uint64_t t0, t1;	/* the worker's own clock: first op to last */
};

static void *host_worker_main(void *arg)
{
	struct host_worker *w = arg;

	if (w->cpu >= 0)
		pin_to((unsigned int)w->cpu);
	pthread_barrier_wait(w->start);
	w->t0 = now_ns();
	w->ns = host_loop(HK_VMALLOC, w->size, w->ops);
	w->t1 = now_ns();
	return NULL;
}

/*
 * @n threads each doing @ops vmalloc + touch + vfree of @size bytes at
 * once (@pin: on CPUs 0 .. n-1): wall ns per op over all of them
 * (throughput), or -1 when an allocation failed.
 */
static double host_threads(unsigned long size, unsigned long ops,
			   unsigned int n, bool pin)
{
	struct host_worker w[2];
	pthread_barrier_t start;
	pthread_t t[2];
	uint64_t t0 = UINT64_MAX, t1 = 0;
	unsigned int i, made = 0;
	bool failed = false;

	if (n > 2)
		n = 2;
	pthread_barrier_init(&start, NULL, n + 1);
	for (i = 0; i < n; i++) {
		w[i] = (struct host_worker){ .start = &start, .size = size,
					     .ops = ops, .cpu = pin ? (int)i : -1 };
		if (pthread_create(&t[i], NULL, host_worker_main, &w[i]))
			break;
		made++;
	}
	if (made < n) {	/* the barrier would wait forever: give up */
		fprintf(stderr, "vmbench: cannot start host threads\n");
		exit(1);
	}
	pthread_barrier_wait(&start);
	/* Wall time from the first worker's start to the last one's end
	 * (this thread may wake after they are done). */
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		failed |= w[i].ns < 0;
		t0 = w[i].t0 < t0 ? w[i].t0 : t0;
		t1 = w[i].t1 > t1 ? w[i].t1 : t1;
	}
	pthread_barrier_destroy(&start);
	return failed ? -1 : (double)(t1 - t0) / (double)(ops * n);
}

int host_engine_start(char *err, size_t errlen)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "host",
				      .quiet = true };
	int rc;

	vmalloc_exit();
	rc = vmalloc_init(&cfg);
	if (rc) {
		snprintf(err, errlen, "%s (vmalloc_init returned %d)",
			 strerror(-rc), rc);
		return rc < 0 ? rc : -EINVAL;
	}
	return 0;
}

int host_bench(const struct opts *o, struct host_row *rows, unsigned int max,
	       char *err, size_t errlen)
{
	static const unsigned long sizes[] = {
		4UL << 10, 64UL << 10, 1UL << 20, 8UL << 20,
	};
	unsigned long budget = o->quick ? 4UL << 20 : 256UL << 20;
	unsigned long min_ops = o->quick ? 4 : 16;
	unsigned int nrows = 0, i, rep;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	long left;
	int rc;

	rc = host_engine_start(err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]) && nrows < max; i++) {
		struct host_row *r = &rows[nrows];
		double vm[MAX_REPEAT], mm[MAX_REPEAT], ml[MAX_REPEAT];
		unsigned long ops = budget / sizes[i];
		unsigned long sys0, sys1;

		if (ops < min_ops)
			ops = min_ops;
		if (ops > (o->quick ? 2000UL : 20000UL))
			ops = o->quick ? 2000UL : 20000UL;
		memset(r, 0, sizeof(*r));
		r->size = sizes[i];
		r->ops = ops;
		vmalloc_get_stats(&st);
		sys0 = st.host_syscalls;
		/* Interleave the three so they share the machine's noise. */
		for (rep = 0; rep < o->repeat; rep++) {
			progress("host %lu KiB  repeat %u/%u", sizes[i] >> 10,
				 rep + 1, o->repeat);
			vm[rep] = host_loop(HK_VMALLOC, sizes[i], ops);
			mm[rep] = host_loop(HK_MMAP, sizes[i], ops);
			ml[rep] = host_loop(HK_MALLOC, sizes[i], ops);
			if (vm[rep] < 0 || mm[rep] < 0 || ml[rep] < 0) {
				progress_done();
				snprintf(err, errlen, "an allocation of %lu bytes failed",
					 sizes[i]);
				vmalloc_exit();
				return -ENOMEM;
			}
		}
		progress_done();
		vmalloc_get_stats(&st);
		sys1 = st.host_syscalls;
		r->vm_ns = median_of(vm, o->repeat);
		r->mmap_ns = median_of(mm, o->repeat);
		r->malloc_ns = median_of(ml, o->repeat);
		/* Engines that do not count leave host_syscalls at 0. */
		r->vm_syscalls = sys1 || sys0 ?
			(double)(sys1 - sys0) / (double)(ops * o->repeat) : -1;
		nrows++;
	}
	/*
	 * The threads rows: 2 threads each doing the 4 KiB and the 64 KiB
	 * loop at once, against one thread alone, in turns: repeat i is
	 * [1 thread, 2 threads, ceiling 1, ceiling 2], so each repeat's
	 * scaling compares runs seconds apart, and is read against the
	 * machine's ceiling of the same moment (vmbench.c).
	 */
	for (i = 0; i < 2 && nrows < max; i++) {
		struct host_row *r = &rows[nrows];
		double one[MAX_REPEAT], two[MAX_REPEAT], share[MAX_REPEAT];
		unsigned long ops = o->quick ? 2000UL : 20000UL;

		memset(r, 0, sizeof(*r));
		r->size = sizes[i];
		r->ops = ops;
		r->threads = 2;
		r->vm_syscalls = -1;
		for (rep = 0; rep < o->repeat; rep++) {
			progress("host %lu KiB  2 threads  repeat %u/%u",
				 sizes[i] >> 10, rep + 1, o->repeat);
			one[rep] = host_loop(HK_VMALLOC, sizes[i], ops);
			two[rep] = host_threads(sizes[i], ops, 2, o->pin);
			if (one[rep] < 0 || two[rep] < 0) {
				progress_done();
				snprintf(err, errlen, "an allocation of %lu bytes failed",
					 sizes[i]);
				vmalloc_exit();
				return -ENOMEM;
			}
			r->scale_rep[rep] = one[rep] / two[rep];
			r->ceil_rep[rep] = ceiling_turn(2, NULL, NULL);
			share[rep] = r->ceil_rep[rep] > 0 ?
				     r->scale_rep[rep] / r->ceil_rep[rep] : 0;
		}
		progress_done();
		r->nrep = o->repeat;
		r->one_ns = median_of(one, o->repeat);
		r->vm_ns = median_of(two, o->repeat);
		ratio_summary(r->scale_rep, o->repeat, &r->scaling,
			      &r->scaling_min, &r->scaling_max);
		r->ceiling = median_of(r->ceil_rep, o->repeat);
		r->share = median_of(share, o->repeat);
		nrows++;
	}
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	if (st.areas || st.vmap_areas)
		fprintf(stderr, "vmbench: host section left %lu areas, %lu vmap_areas\n",
			st.areas, st.vmap_areas);
	left = vmalloc_exit();
	if (left)
		fprintf(stderr, "vmbench: host section: vmalloc_exit() found %ld live areas\n",
			left);
	return (int)nrows;
}
