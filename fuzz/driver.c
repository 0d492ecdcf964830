/* SPDX-License-Identifier: MIT */
/*
 * The fuzz driver (see driver.h): bytes -> calls -> checks.
 *
 * Every op decodes its parameters first, works out from the model what
 * the library must do (refuse, or may fail, or must succeed; purge or
 * not), makes the call, and then checks the result, the new state of
 * every counter, and the model's update. Expectations the model cannot
 * make exactly (where an area lands, whether memory runs out first) are
 * checked as bounds: page aligned, inside the window, on no live area and
 * no range still waiting for its purge; a failure only when the model
 * cannot prove there was room.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmalloc/vmalloc.h"
#include "pgtable/pgtable.h"	/* pt_lookup, PT_PROT_MASK, PT_ADDR_MASK */

#include "driver.h"
#include "model.h"

#define RW_MAX		(1UL << 20)	/* largest vread/vwrite the driver makes */
#define RW_CANARY	64		/* bytes after the span that must stay */
#define PARR_MAX	256		/* page arrays for vmap/map_vm_area */
#define PT_SLACK(n)	(8 + (n) / 256)	/* frames page tables may need */
#define VM_PUBLIC	(VM_IOREMAP | VM_ALLOC | VM_MAP | VM_USERMAP | \
			 VM_NO_GUARD | VM_FLUSH_RESET_PERMS | VM_SPARSE)
/* Areas whose free unmaps and flushes at once: never on the lazy list. */
#define VM_FLUSH_NOW	(VM_NO_GUARD | VM_FLUSH_RESET_PERMS)
/* Bytes of a guard page after an area with @flags. */
#define GUARD(flags)	((flags) & VM_NO_GUARD ? 0UL : PAGE_SIZE)
#define CANARY		0xa5
#define VM_KV_MAX_DRIVER 4096UL	/* kvmalloc: larger sizes are vmalloc memory */

/* ------------------------------------------------------------------ */
/* State of the running input                                          */
/* ------------------------------------------------------------------ */

/*
 * One model per worker thread (a partition: the areas, driver pages,
 * removed descriptors and lazy ranges that worker made). With one
 * thread there is one partition, and M is the model of old. Everything
 * the ops keep between calls is thread-local; what the workers share
 * is in G (threaded mode, below).
 */
static struct model parts[FZ_MAX_THREADS];
static bool part_ready[FZ_MAX_THREADS];
static __thread struct model *Mp;
#define M (*Mp)
static const struct fz_options *O;
static __thread struct fz_result *R;

struct source {
	const uint8_t *data;
	size_t len, pos;
	bool gen;
	uint64_t rng;
	uint8_t *rec;		/* generate: every byte handed out so far */
	size_t rec_cap;
	bool end;		/* replay: the bytes ran out */
};
static __thread struct source *Sp;	/* this worker's (workers[tid].src) */
#define S (*Sp)

static __thread unsigned long op_no;
static __thread char op_what[400];
static size_t *op_starts;		/* byte offset where each op began (thread 0) */
static size_t op_starts_cap;
#define RECENT	8
static __thread char recent[RECENT][440];	/* "op N: " + op_what */
static __thread unsigned int recent_pos;

static bool is_host;
static bool lax_node;		/* VMFUZZ_LAX_NODE: no node-locality check */
static unsigned long START, END;
static struct vmalloc_stats base = { .sz = sizeof(struct vmalloc_stats) };
static __thread struct vmalloc_stats prev = { .sz = sizeof(struct vmalloc_stats) }, cur = { .sz = sizeof(struct vmalloc_stats) };
static __thread bool fault_active;	/* this thread injects failures */

/* The log hook's view (of the calls of this thread). */
#define LOGRING	8
static __thread char logring[LOGRING][256];
static __thread unsigned int log_pos;
static __thread unsigned long err_lines, err_seen;
static __thread char last_err[256];	/* the last error line */

static __thread unsigned char *rw_buf, *rw_exp;

/* The CPUs the process may run on; the driver pins itself to one. */
static int cpus[CPU_SETSIZE];
static int nr_cpus;
static __thread struct page *parr[PARR_MAX + 1];
static unsigned char some_static[64];	/* a pointer that is no page */
static const unsigned char zero_page[PAGE_SIZE];

/* Frames may go back to the OS (the reserve is below the pool). */
static bool trims;

/* A user range reserved from a library instance before this run's. */
static struct vm_area_struct stale_vma;
static bool have_stale;

/* The input's configuration (byte 1): see start_library(). */
static unsigned int nthreads = 1;	/* worker threads of this run */
static bool v2;				/* the input uses the second op table */
static bool v3;				/* ... the third (today's API too) */
static bool merged;			/* third, byte 2 bit 7: the merged API too */
static bool huge_ops;			/* merged: huge allocations (host: byte 2 bits 4-5) */
static int merged_only = -1;		/* VMFUZZ_MERGED_ONLY=k: every merged op is case k */
static __thread int tid;		/* this worker's number, 0 first */

/*
 * Switches (fuzz/README.md, "Switches"). sem: what the model expects
 * where the library has changed: all on for the library as it is now,
 * VMFUZZ_SEM=-name turns one off (for a library from before the change);
 * VMFUZZ_SEM=name turns on the two that are off by default. (An open
 * library bug the default runs should tolerate until it is fixed gets a
 * switch here, off under VMFUZZ_STRICT=1, and a reproduction in
 * regress/open-*.bin: see fuzz/README.md. None is open now.)
 */
static struct {
	bool keep_failed_tables;	/* a failed mapping keeps its tables */
	bool hide_internal;		/* internal areas refused by every call */
	bool strict_pages;		/* pfn_to_page of an ungrown frame is NULL,
					   vmap refuses pages not allocated */
	bool refcounts;			/* remap_vmalloc_range() holds a frame
					   reference per user page */
	bool concurrent_check;		/* vmalloc_check() while others run */
	bool quiet_inject;		/* (off) configure fault injection with
					   the other workers held between ops */
} sem;


/* ------------------------------------------------------------------ */
/* The byte source                                                     */
/* ------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void hold_if_failing(void);

static uint8_t u8(void)
{
	uint8_t b;

	if (nthreads > 1)
		hold_if_failing();
	if (S.gen) {
		b = (uint8_t)splitmix(&S.rng);
		if (S.pos == S.rec_cap) {
			size_t cap = S.rec_cap ? 2 * S.rec_cap : 65536;
			uint8_t *n = realloc(S.rec, cap);

			if (!n)
				abort();
			S.rec = n;
			S.rec_cap = cap;
		}
		S.rec[S.pos] = b;
	} else if (S.pos < S.len) {
		b = S.data[S.pos];
	} else {
		S.end = true;
		return 0;
	}
	S.pos++;
	return b;
}

static uint16_t u16(void)
{
	uint16_t v = u8();

	return (uint16_t)(v | (uint16_t)u8() << 8);
}

static uint32_t u32(void)
{
	uint32_t v = u16();

	return v | (uint32_t)u16() << 16;
}

static uint64_t u64(void)
{
	uint64_t v = u32();

	return v | (uint64_t)u32() << 32;
}

/* Uniform enough in [0, n); n == 0 gives 0. Consumes 1, 2, 4 or 8 bytes. */
static unsigned long below(unsigned long n)
{
	if (n <= 1)
		return 0;
	if (n <= 256)
		return u8() % n;
	if (n <= 65536)
		return u16() % n;
	if (n <= 0xffffffffUL)
		return u32() % n;
	return u64() % n;
}

/* True with probability k/256. */
static bool chance(unsigned int k)
{
	return u8() < k;
}

/* ------------------------------------------------------------------ */
/* Threaded mode: what the workers share                               */
/* ------------------------------------------------------------------ */

/*
 * Each worker owns a partition of the objects (its model, Mp) and
 * checks its own calls on them exactly. G holds what the partitions
 * cannot know alone, under G.lock:
 *
 *  reg      every live area (and removed descriptor) of every worker:
 *           a new area must meet none of them, a hostile address must
 *           not hit one (it would free another worker's area). A worker
 *           marks an area dying before a call that may free it, so a
 *           worker that gets the range back next does not see a clash.
 *  owner    the worker that owns each frame: a new frame must be free.
 *  hist     starts of areas any worker freed (other threads' stale
 *           addresses).
 *  res      frames and address space that calls in flight may take:
 *           a call must succeed only if it fits beside all of them.
 *
 * Two reader-writer locks order calls whose expected result depends on
 * what other workers do: "creators" is held shared by every call that
 * can create an area or a mapping (vmalloc, vmap, get_vm_area,
 * map_vm_area, __vmalloc_area) until the model knows the result, and
 * exclusively by a hostile call on addresses that are not the worker's
 * own (a free of a never-allocated or stale address, unmap_kernel_range,
 * remap_vmalloc_range or vwrite over them): then no area appears while
 * it runs, and the registry says exactly what is there. "data" is held
 * shared while the driver writes its own frames directly, exclusively
 * by a vread that may read other workers' frames (a racy read that
 * would be no bug of the library's).
 *
 * Fault injection is process-global: a storm is announced in storm_seq
 * (odd while injection is on), and any call that overlapped one may
 * fail (fault_possible()). With VMFUZZ_SEM=quiet_inject the storm's
 * thread turns injection on and off while no other worker is inside an
 * op ("world" held exclusively; every op holds it shared): before
 * 6b195bc, vmalloc_fault_inject() wrote its settings with plain stores
 * that allocations in other threads read (a data race TSan showed).
 */
#define REG_MAX		(FZ_MAX_THREADS * (MODEL_MAX_AREAS + MODEL_MAX_REMOVED + 8))
#define HIST_MAX	64

struct reg {
	unsigned long start, size;	/* size 0: a removed descriptor */
	struct vm_struct *vm;
	unsigned long id;		/* the area's id in its owner's model */
	int owner;
	bool dying;			/* being freed: may be gone any time */
};

static struct {
	pthread_mutex_t lock;
	pthread_rwlock_t creators, data;
	pthread_rwlock_t world;		/* shared: an op; exclusive: (re)configuring
					   fault injection */
	struct reg reg[REG_MAX];
	unsigned int nreg;
	signed char *owner;		/* per frame: worker + 1, or 0 */
	unsigned long base_pfn;
	unsigned long hist[HIST_MAX];
	unsigned int hist_pos;
	unsigned long res_frames, res_pages, res_gaps;
	unsigned long greedy_gen;	/* calls that reserved without a promise */
	unsigned long storm_seq;	/* atomic; odd: injection is on */
	pthread_mutex_t storm;		/* one storm at a time */
	/* the barrier */
	pthread_mutex_t blk;
	pthread_cond_t bcv;
	int parties, arrived;
	unsigned long gen;
	bool quiet;			/* all workers wait: global checks */
	/* failure reports */
	pthread_mutex_t fail;
	pthread_mutex_t wlock;		/* cur_op */
	char cur_op[FZ_MAX_THREADS][440];
	unsigned long purges;		/* the library's purges, followed */
	unsigned long lazy_slack;	/* lazy pages the model may miss */
	struct vmalloc_stats bprev;	/* the counters at the last barrier */
	unsigned long barriers;
	int failing;			/* atomic: a worker is reporting */
	/* a racing double free offered to another worker (op_duel) */
	pthread_mutex_t dlock;
	pthread_cond_t dcv;
	int dstate;			/* atomic: 0 none, 1 offered, 2 taken,
					   3 partner done */
	int dkind;			/* 0 vfree(daddr), 1 __free_pages(dpg) */
	unsigned long daddr;
	struct page *dpg;
	unsigned int dorder;
	int dgo;			/* atomic: both are about to call */
	unsigned long duels, duels_raced;
} G = {
	.dlock = PTHREAD_MUTEX_INITIALIZER,
	.dcv = PTHREAD_COND_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.storm = PTHREAD_MUTEX_INITIALIZER,
	.blk = PTHREAD_MUTEX_INITIALIZER,
	.bcv = PTHREAD_COND_INITIALIZER,
	.fail = PTHREAD_MUTEX_INITIALIZER,
	.wlock = PTHREAD_MUTEX_INITIALIZER,
};

static __thread unsigned long op_seq0;	/* storm_seq when the op began */

/* Another worker is reporting a divergence: wait for the end. */
static void hold_if_failing(void)
{
	if (__atomic_load_n(&G.failing, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&G.fail);
		pthread_mutex_unlock(&G.fail);
	}
}

/* Several workers, and not all of them waiting at a barrier. */
static bool concurrent(void)
{
	return nthreads > 1 && !G.quiet;
}

static unsigned long storm_seq(void)
{
	return __atomic_load_n(&G.storm_seq, __ATOMIC_SEQ_CST);
}

/* May the current op's calls have met an injected failure? */
static bool promise_broken(void);

static bool fault_possible(void)
{
	return fault_active ||
	       (nthreads > 1 && ((op_seq0 & 1) || storm_seq() != op_seq0)) ||
	       promise_broken();
}

static void lock(void)
{
	if (nthreads > 1)
		pthread_mutex_lock(&G.lock);
}

static void unlock(void)
{
	if (nthreads > 1)
		pthread_mutex_unlock(&G.lock);
}

/* Around a call that may create an area or a mapping. */
static void creating(bool begin)
{
	if (!concurrent())
		return;
	if (begin)
		pthread_rwlock_rdlock(&G.creators);
	else
		pthread_rwlock_unlock(&G.creators);
}

/* Around a hostile call on addresses others may own. */
static void exclusive(bool begin)
{
	if (!concurrent())
		return;
	if (begin)
		pthread_rwlock_wrlock(&G.creators);
	else
		pthread_rwlock_unlock(&G.creators);
}

/* Around the driver's own writes to frames (shared) or a wide vread. */
static void data_lock(bool begin, bool excl)
{
	if (!concurrent())
		return;
	if (!begin)
		pthread_rwlock_unlock(&G.data);
	else if (excl)
		pthread_rwlock_wrlock(&G.data);
	else
		pthread_rwlock_rdlock(&G.data);
}

static void fail_at(int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
#define FAIL(...)	fail_at(__LINE__, __VA_ARGS__)
#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			FAIL(__VA_ARGS__);				\
	} while (0)

/* This worker's registry entry of area @id (live), or -1 (G.lock held). */
static int reg_find(unsigned long id)
{
	unsigned int k;

	for (k = 0; k < G.nreg; k++)
		if (G.reg[k].owner == tid && G.reg[k].id == id && G.reg[k].size)
			return (int)k;
	return -1;
}

/*
 * A new area of this worker's (its model id @id): it must meet no live
 * area of any worker (those being freed excepted: their range may come
 * back at once), and its descriptor must be no other live area's or
 * removed descriptor.
 */
static void reg_add(unsigned long start, unsigned long size, struct vm_struct *vm,
		    unsigned long id)
{
	unsigned int k;

	if (nthreads == 1)
		return;
	lock();
	for (k = 0; k < G.nreg; k++) {
		const struct reg *r = &G.reg[k];

		if (r->size && !r->dying && start < r->start + r->size &&
		    r->start < start + size) {
			struct reg c = *r;

			unlock();
			FAIL("new area 0x%lx + 0x%lx overlaps area 0x%lx + 0x%lx of thread %d",
			     start, size, c.start, c.size, c.owner);
		}
		if (vm && r->vm == vm && !r->dying) {
			struct reg c = *r;

			unlock();
			FAIL("new area's descriptor %p is %s 0x%lx of thread %d",
			     (void *)vm, c.size ? "live area" : "the removed descriptor of",
			     c.start, c.owner);
		}
	}
	if (G.nreg == REG_MAX)
		abort();	/* the partitions are bounded: a driver bug */
	G.reg[G.nreg++] = (struct reg){ start, size, vm, id, tid, false };
	unlock();
}

/* Area @id of this worker's may be freed from now on (or not any more). */
static void reg_dying(unsigned long id, bool dying)
{
	int k;

	if (nthreads == 1)
		return;
	lock();
	if ((k = reg_find(id)) >= 0)
		G.reg[k].dying = dying;
	unlock();
}

/* Area @id of this worker's is gone; its start goes to the history. */
static void reg_gone(unsigned long id)
{
	int k;

	if (nthreads == 1)
		return;
	lock();
	if ((k = reg_find(id)) >= 0) {
		G.hist[G.hist_pos++ % HIST_MAX] = G.reg[k].start;
		G.reg[k] = G.reg[--G.nreg];
	}
	unlock();
}

/* This worker's removed descriptor @vm is about to be freed. */
static void reg_gone_removed(const struct vm_struct *vm)
{
	unsigned int k;

	if (nthreads == 1)
		return;
	lock();
	for (k = 0; k < G.nreg; k++)
		if (G.reg[k].owner == tid && G.reg[k].vm == vm && !G.reg[k].size) {
			G.reg[k] = G.reg[--G.nreg];
			break;
		}
	unlock();
}

/* Area @id became a removed descriptor (its range is free). */
static void reg_removed(unsigned long id)
{
	int k;

	if (nthreads == 1)
		return;
	lock();
	if ((k = reg_find(id)) >= 0) {
		G.hist[G.hist_pos++ % HIST_MAX] = G.reg[k].start;
		G.reg[k].size = 0;
		G.reg[k].dying = false;
	}
	unlock();
}

/*
 * Does [start, start + len) meet an area or descriptor of another worker
 * (or, with @array, a page array of any)? With "creators" held
 * exclusively no new area can appear meanwhile.
 */
static bool reg_meets_other(unsigned long start, unsigned long len)
{
	unsigned long end = start + len < start ? ULONG_MAX : start + len;
	unsigned int k;
	bool hit = false;

	if (nthreads == 1)
		return false;
	lock();
	for (k = 0; k < G.nreg && !hit; k++) {
		const struct reg *r = &G.reg[k];

		hit = r->owner != tid && r->size &&
		      start < r->start + r->size && r->start < end;
	}
	unlock();
	return hit;
}

/* Is @x the start of a live (or dying) area of another worker? */
static bool reg_start_other(unsigned long x)
{
	unsigned int k;
	bool hit = false;

	if (nthreads == 1)
		return false;
	lock();
	for (k = 0; k < G.nreg && !hit; k++)
		hit = G.reg[k].owner != tid && G.reg[k].size && G.reg[k].start == x;
	unlock();
	return hit;
}

/* A stale address of any worker, or 0. */
static unsigned long reg_stale(unsigned long pick)
{
	unsigned long a = 0;

	lock();
	if (G.hist_pos)
		a = G.hist[pick % (G.hist_pos < HIST_MAX ? G.hist_pos : HIST_MAX)];
	unlock();
	return a;
}

/* Frames: claim @pg for this worker; return the previous owner or -1. */
static int frame_claim(const struct page *pg)
{
	unsigned long i = page_to_pfn(pg) - G.base_pfn;
	int prev_owner = -1;

	if (nthreads == 1)
		return -1;
	lock();
	if (i < M.phys_pages) {
		if (G.owner[i])
			prev_owner = G.owner[i] - 1;
		else
			G.owner[i] = (signed char)(tid + 1);
	}
	unlock();
	return prev_owner;
}

static void frame_release(const struct page *pg)
{
	unsigned long i = page_to_pfn(pg) - G.base_pfn;

	if (nthreads == 1)
		return;
	lock();
	if (i < M.phys_pages && G.owner[i] == tid + 1)
		G.owner[i] = 0;
	unlock();
}

/*
 * Reservations of calls in flight. A call that may take @frames frames
 * and @pages pages of address space reserves them; it must succeed if
 * the frames that are free now, less every other reservation and a
 * margin for the frames per-CPU lists hold back, cover it (and, for
 * address space, if the range has room for it beside every area, every
 * reservation and as many gaps as there are areas). Return what the
 * model can promise: bit 0 frames, bit 1 address space.
 */
struct resv {
	unsigned long frames, pages, gaps;
	unsigned long gen;		/* greedy_gen when this one reserved */
	bool held;
};

/*
 * The reservation of this worker's call in flight (NULL: none). A call
 * promised to succeed may still fail when another call reserved after
 * it without a promise of its own: such a call runs anyway (its failure
 * path is what it tests) and may take, for a while, the frames or the
 * address space the promise counted on (a bulk allocation takes frames
 * before it knows it cannot get them all). fault_possible() says so.
 */
static __thread const struct resv *cur_resv;

static bool promise_broken(void)
{
	return cur_resv && cur_resv->held &&
	       __atomic_load_n(&G.greedy_gen, __ATOMIC_ACQUIRE) != cur_resv->gen;
}

static unsigned int reserve(struct resv *rv, unsigned long frames,
			    unsigned long pages, unsigned long req_pages)
{
	unsigned long free_now, busy = 0, gaps, margin;
	unsigned int ok = 0, k;

	rv->frames = frames;
	rv->pages = pages;
	rv->gaps = pages ? 1 : 0;
	rv->held = concurrent();
	if (!rv->held)
		return 0;
	margin = (unsigned long)(nr_cpus < 2 ? 2 : nr_cpus) * 64 * M.nodes * 2;
	lock();
	free_now = nr_free_pages();
	/* While another worker's free hands warm 4 MiB blocks back to the
	 * OS they are not free (nor allocatable): with a reserve small
	 * enough for that to happen, no promise about frames. */
	if (free_now >= frames + G.res_frames + margin && !trims)
		ok |= 1;
	for (k = 0; k < G.nreg; k++)
		busy += G.reg[k].size >> PAGE_SHIFT;
	gaps = G.nreg + G.res_gaps + 1;
	busy += G.res_pages;
	if (req_pages && busy < ((END - START) >> PAGE_SHIFT) &&
	    ((END - START) >> PAGE_SHIFT) - busy > gaps * (req_pages - 1) + req_pages)
		ok |= 2;
	G.res_frames += rv->frames;
	G.res_pages += rv->pages;
	G.res_gaps += rv->gaps;
	if ((frames && !(ok & 1)) || (pages && !(ok & 2)))
		__atomic_add_fetch(&G.greedy_gen, 1, __ATOMIC_RELEASE);
	rv->gen = G.greedy_gen;
	cur_resv = rv;
	unlock();
	return ok;
}

static void unreserve(struct resv *rv)
{
	if (!rv->held)
		return;
	lock();
	G.res_frames -= rv->frames;
	G.res_pages -= rv->pages;
	G.res_gaps -= rv->gaps;
	unlock();
	rv->held = false;
	if (cur_resv == rv)
		cur_resv = NULL;
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

static __thread unsigned int fault_sites;
static __thread unsigned long fault_nth;

static void what(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void what(const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(op_what, sizeof(op_what), fmt, ap);
	va_end(ap);
	n = strlen(op_what);
	if (fault_active)
		snprintf(op_what + n, sizeof(op_what) - n,
			 " [fault injection: sites 0x%x, attempt %lu]",
			 fault_sites, fault_nth);
	snprintf(recent[recent_pos++ % RECENT], sizeof(recent[0]), "op %lu: %s",
		 op_no, op_what);
	if (nthreads > 1) {
		pthread_mutex_lock(&G.wlock);
		snprintf(G.cur_op[tid], sizeof(G.cur_op[0]), "op %lu: %s", op_no, op_what);
		pthread_mutex_unlock(&G.wlock);
		if (O->verbose)
			printf("t%d op %lu: %s\n", tid, op_no, op_what);
	} else if (O->verbose) {
		printf("op %lu: %s\n", op_no, op_what);
	}
}

static int cmp_start(const void *x, const void *y);
static const char *kind_name(enum model_kind k);

/* One partition's view of the range, for a divergence report. */
static void dump_part(const struct model *m, int t)
{
	static __thread const struct model_area *sorted[MODEL_MAX_AREAS];
	unsigned int n = 0, k;
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (m->areas[i].used)
			sorted[n++] = &m->areas[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_start);
	if (t >= 0)
		fprintf(stderr, "  model of thread %d:", t);
	else
		fprintf(stderr, "  model:");
	fprintf(stderr, " range 0x%lx-0x%lx, %u areas, %u lazy ranges (%lu pages), %lu frames in use\n",
		START, END, n, m->nr_lazy, m->lazy_pages, m->nr_frames);
	for (k = 0; k < n && k < 64; k++)
		fprintf(stderr, "    area #%lu %s 0x%lx-0x%lx (%lu pages + guard) flags 0x%lx\n",
			sorted[k]->id, kind_name(sorted[k]->kind), sorted[k]->start,
			sorted[k]->start + sorted[k]->size, sorted[k]->npages,
			sorted[k]->flags);
	for (k = 0; k < m->nr_lazy && k < 32; k++)
		fprintf(stderr, "    lazy 0x%lx-0x%lx\n", m->lazy[k].start,
			m->lazy[k].start + m->lazy[k].pages * PAGE_SIZE);
}

/* The model's view of the range, for a divergence report. */
static void dump_model(void)
{
	char *info = malloc(16384);
	unsigned int t;

	if (nthreads == 1) {
		dump_part(&M, -1);
	} else if (G.quiet) {
		for (t = 0; t < nthreads; t++)
			dump_part(&parts[t], (int)t);
	} else {
		/* The others keep running: only this thread's partition. */
		dump_part(&M, tid);
	}
	if (info) {
		vmallocinfo(info, 16384);
		fprintf(stderr, "  the library's vmallocinfo:\n%s", info);
		free(info);
	}
}

static void fail_at(int line, const char *fmt, ...)
{
	unsigned int i, n = recent_pos < RECENT ? recent_pos : RECENT;
	va_list ap;

	if (nthreads > 1) {
		pthread_mutex_lock(&G.fail);	/* the first report only */
		__atomic_store_n(&G.failing, 1, __ATOMIC_RELEASE);
	}
	fflush(stdout);
	if (nthreads > 1)
		fprintf(stderr, "\nvmfuzz: DIVERGENCE on the %s engine in thread %d of %u at its op %lu (driver.c:%d)%s\n",
			O->engine, tid, nthreads, op_no, line,
			G.quiet ? ", at a barrier (all threads waiting)" : "");
	else
		fprintf(stderr, "\nvmfuzz: DIVERGENCE on the %s engine at op %lu (driver.c:%d)\n",
			O->engine, op_no, line);
	fprintf(stderr, "  call:     %s\n  problem:  ", op_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  recent calls%s:\n", nthreads > 1 ? " of this thread" : "");
	for (i = recent_pos - n; i < recent_pos; i++)
		fprintf(stderr, "    %s\n", recent[i % RECENT]);
	if (nthreads > 1) {
		fprintf(stderr, "  the other threads' last calls (they may still be running):\n");
		pthread_mutex_lock(&G.wlock);
		for (i = 0; i < nthreads; i++)
			if ((int)i != tid)
				fprintf(stderr, "    thread %u: %s\n", i, G.cur_op[i]);
		pthread_mutex_unlock(&G.wlock);
	}
	n = log_pos < LOGRING ? log_pos : LOGRING;
	if (n)
		fprintf(stderr, "  recent library log lines%s:\n",
			nthreads > 1 ? " in this thread" : "");
	for (i = log_pos - n; i < log_pos; i++)
		fprintf(stderr, "    %s\n", logring[i % LOGRING]);
	dump_model();
	if (nthreads > 1)
		fprintf(stderr, "  %u threads: the run does not repeat exactly; running it again usually finds the same problem if it is not a narrow race\n",
			nthreads);
	if (O->repeat)
		fprintf(stderr, "  repeat with: %s\n", O->repeat);
	fflush(stderr);
	O->on_fail();
	abort();
}

static __thread const char *want_line;	/* a line the call must log */
static __thread bool saw_line;
static __thread unsigned long nofail_lines;	/* "__GFP_NOFAIL ... cannot be satisfied" */

static void log_hook(int level, const char *line)
{
	if (want_line && strstr(line, want_line))
		saw_line = true;
	if (strstr(line, "__GFP_NOFAIL allocation") && strstr(line, "cannot be satisfied"))
		nofail_lines++;
	snprintf(logring[log_pos++ % LOGRING], sizeof(logring[0]), "<%d> %s",
		 level, line);
	if (level <= VM_LOG_ERR) {
		err_lines++;
		snprintf(last_err, sizeof(last_err), "%s", line);
	}
	if (O && O->verbose) {
		if (nthreads > 1)
			printf("  t%d log <%d> %s\n", tid, level, line);
		else
			printf("  log <%d> %s\n", level, line);
	}
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

static void cache_retired(void);

static void snap(void)
{
	if (concurrent())
		return;		/* the counters are checked at barriers */
	if (vmalloc_get_stats(&cur))
		FAIL("vmalloc_get_stats failed");
	/* Before an op's own lazy accounting looks at cur.lazy_pages. */
	cache_retired();
}

/*
 * How many page tables could hold a live area's PTEs: the 2 MiB, 1 GiB
 * and 512 GiB regions that live areas meet. A failed call may keep the
 * tables it added where a live area could use them (the library unlinks
 * only those no live area can); it can keep no more than this.
 */
static unsigned long table_bound(void)
{
	static const int shifts[] = { 21, 30, 39 };
	unsigned long n = 0;
	unsigned int s;
	int i;

	for (s = 0; s < 3; s++) {
		unsigned long last = ULONG_MAX, lo, hi;
		bool any = false;
		int order[MODEL_MAX_AREAS], k, cnt = 0, j;

		for (i = 0; i < MODEL_MAX_AREAS; i++) {
			if (!M.areas[i].used)
				continue;
			for (j = cnt; j > 0 && M.areas[order[j - 1]].start > M.areas[i].start; j--)
				order[j] = order[j - 1];
			order[j] = i;
			cnt++;
		}
		for (k = 0; k < cnt; k++) {
			lo = M.areas[order[k]].start >> shifts[s];
			hi = (M.areas[order[k]].start + M.areas[order[k]].size - 1) >> shifts[s];
			if (any && lo <= last)
				lo = last + 1;
			if (lo <= hi)
				n += hi - lo + 1;
			if (!any || hi > last)
				last = hi;
			any = true;
		}
	}
	return n;
}

/* Page tables a range of @pages pages can need at most. */
static unsigned long tables_for(unsigned long pages)
{
	return (pages >> 9) + 2 + (pages >> 18) + 2 + 2;
}

enum { CHANGED, SAME, FAILED };

/* Set for one check: a lazily freed range now holds a node (meta). */
static __thread bool meta_may_change;
/* Set for a FAILED check: pages (guard included) the call asked for. */
static __thread unsigned long failed_pages;

/* The model's totals: this partition, or all of them in threaded mode. */
struct totals {
	unsigned long areas, removed, in_use, lazy, warnings;
	unsigned long vpages;	/* frames owned by vmalloc-style areas */
};

static struct totals totals(void)
{
	struct totals t = { 0, 0, 0, 0, 0, 0 };
	unsigned int k;
	int i;

	for (k = 0; k < nthreads; k++) {
		const struct model *m = nthreads == 1 ? &M : &parts[k];

		for (i = 0; i < MODEL_MAX_AREAS; i++)
			if (m->areas[i].used && m->areas[i].owned)
				t.vpages += m->areas[i].npages;
		t.areas += m->nr_areas;
		t.removed += m->nr_removed;
		t.in_use += model_frames_in_use(m);
		t.lazy += m->lazy_pages;
		t.warnings += m->warnings;
	}
	return t;
}

/*
 * Threaded mode, all workers waiting: follow the purges any of them
 * caused since the last look. Without one, the lazy pages are the sum
 * of the partitions' (plus up to G.lazy_slack that failed calls may have
 * left); after one, whatever is lazy now was freed after it, where is
 * unknown.
 */
static void follow_lazy_threaded(void)
{
	unsigned long sum = totals().lazy;
	unsigned int k;

	if (cur.purges != G.purges) {
		EXPECT(cur.lazy_pages <= sum + G.lazy_slack,
		       "lazy_pages %lu after a purge, but only %lu (+%lu) were freed lazily",
		       cur.lazy_pages, sum, G.lazy_slack);
		for (k = 0; k < nthreads; k++) {
			parts[k].nr_lazy = 0;
			parts[k].lazy_pages = 0;
		}
		G.purges = cur.purges;
		sum = 0;
	} else {
		EXPECT(cur.lazy_pages >= sum && cur.lazy_pages <= sum + G.lazy_slack,
		       "lazy_pages %lu, model %lu (+%lu that failed calls may have left)",
		       cur.lazy_pages, sum, G.lazy_slack);
	}
	if (cur.lazy_pages > sum) {
		struct model *m = &parts[0];

		if (m->nr_lazy == MODEL_MAX_LAZY)
			m->nr_lazy--;
		m->lazy[m->nr_lazy].start = 0;
		m->lazy[m->nr_lazy++].pages = cur.lazy_pages - sum;
		m->lazy_pages += cur.lazy_pages - sum;
	}
	G.lazy_slack = 0;
	if (!M.fast)
		EXPECT(cur.lazy_pages <= M.lazy_max,
		       "lazy_pages %lu past the threshold %lu and no purge",
		       cur.lazy_pages, M.lazy_max);
}

/*
 * The area cache (model.h, "cached"). Outside concurrent calls, each
 * possibly cached area is one of: reused or retired and its range taken
 * again (a live area meets it: forget it), retired (no PTE at its start:
 * vfree's retirement, late, so its range joins the lazy list), or still
 * cached (mapped, in no area). The cached ones are exactly what
 * vmalloc_get_stats() counts (threaded: at barriers, an address in two
 * partitions' sets counted once, cache_forget_stale).
 */
static __thread unsigned long op_purges0;	/* cur.purges when the op began */
static __thread bool lazy_unknown;	/* one thread: an area retired from the
					   cache in an op that also purged */
static bool cache_lost;			/* a set overflowed: no bound
						   until the next drain (atomic) */
static unsigned long cache_seq;			/* model_cached.seq (atomic) */

/* Is @x in an area any partition may have cached (guard included)? */
static bool cached_anywhere(unsigned long x)
{
	unsigned int t, k;

	for (t = 0; t < nthreads; t++) {
		const struct model *m = nthreads == 1 ? &M : &parts[t];

		for (k = 0; k < m->nr_cached; k++)
			if (x >= m->cached[k].start && x - m->cached[k].start < m->cached[k].size)
				return true;
	}
	return false;
}

/* Is @x in a data page of an area this partition may have cached? */
static bool cached_at(unsigned long x)
{
	unsigned int k;

	for (k = 0; k < M.nr_cached; k++)
		if (x >= M.cached[k].start &&
		    x - M.cached[k].start < M.cached[k].npages * PAGE_SIZE)
			return true;
	return false;
}

static bool live_anywhere(unsigned long start, unsigned long size)
{
	unsigned int k;

	for (k = 0; k < nthreads; k++)
		if (model_overlaps_live(nthreads == 1 ? &M : &parts[k], start, size))
			return true;
	return false;
}

/*
 * Threaded, all workers waiting: of two possibly cached areas that meet
 * (in two partitions: another worker reused the range, after a hit or a
 * retirement and a purge, and freed it again), only the later is there.
 * (One thread: adopt() and m_cache_reused() forget at once.)
 */
static void cache_forget_stale(void)
{
	unsigned int t, k, j, q;

	for (t = 0; nthreads > 1 && t < nthreads; t++)
		for (k = 0; k < parts[t].nr_cached;) {
			const struct model_cached *c = &parts[t].cached[k];
			bool stale = false;

			for (j = 0; j < nthreads && !stale; j++)
				for (q = 0; q < parts[j].nr_cached && !stale; q++) {
					const struct model_cached *d = &parts[j].cached[q];

					stale = d->seq > c->seq && d->start < c->start + c->size &&
						c->start < d->start + d->size;
				}
			if (stale)
				model_cached_del(&parts[t], k);
			else
				k++;
		}
}

/*
 * Threaded: a retired cached area's range waits for the purge (its
 * address, for the listing's unpurged lines) but its pages are only a
 * bound (G.lazy_slack): it may be on another partition's lazy list
 * already (reused there, then freed lazily).
 */
static void cache_lazy_threaded(struct model *m, const struct model_cached *c)
{
	if (m->nr_lazy < MODEL_MAX_LAZY) {
		m->lazy[m->nr_lazy].start = c->start;
		/* Not in m->lazy_pages: counted in the slack. */
		m->lazy[m->nr_lazy++].pages = c->size >> PAGE_SHIFT;
	}
	G.lazy_slack += c->size >> PAGE_SHIFT;
}

/* Forget the areas reused or retired since the last look (after a snap). */
static void cache_retired(void)
{
	unsigned int t, k;

	cache_forget_stale();

	for (t = 0; t < nthreads; t++) {
		struct model *m = nthreads == 1 ? &M : &parts[t];

		for (k = 0; k < m->nr_cached;) {
			const struct model_cached *c = &m->cached[k];

			if (live_anywhere(c->start, c->size)) {
				model_cached_del(m, k);
				continue;
			}
			if (!pt_lookup(c->start)) {
				/* Retired. After a purge in this op it may be
				 * purged already (one thread: check_counts
				 * follows cur.lazy_pages once; threaded:
				 * follow_lazy_threaded bounds it). */
				if (nthreads > 1)
					cache_lazy_threaded(m, c);
				else if (cur.purges == op_purges0)
					model_lazy_add(m, c->start, c->size >> PAGE_SHIFT);
				else
					lazy_unknown = true;
				R->kind[FZK_CACHE_RETIRED]++;
				model_cached_del(m, k);
				continue;
			}
			k++;
		}
	}
}

/* After every op: the cached areas against the counters. */
static void cache_follow(void)
{
	unsigned long areas = 0, pages = 0;
	unsigned int t, k, j;

	cache_retired();
	for (t = 0; t < nthreads; t++) {
		struct model *m = nthreads == 1 ? &M : &parts[t];

		for (k = 0; k < m->nr_cached; k++) {
			const struct model_cached *c = &m->cached[k];
			bool dup = false;

			EXPECT(!find_vm_area((void *)c->start),
			       "cached area 0x%lx (was #%lu) is found", c->start, c->id);
			/* Whole: its last page too (its first one is). */
			EXPECT(pt_lookup(c->start + c->size - 2 * PAGE_SIZE),
			       "cached area 0x%lx + 0x%lx (was #%lu): last page unmapped",
			       c->start, c->size, c->id);
			for (j = 0; j < t && !dup; j++) {
				const struct model *o = &parts[j];
				unsigned int q;

				for (q = 0; q < o->nr_cached; q++)
					dup |= o->cached[q].start == c->start;
			}
			if (!dup) {
				areas++;
				pages += c->npages;
			}
		}
	}
	if (__atomic_load_n(&cache_lost, __ATOMIC_RELAXED))
		return;
	/* (Threaded: all workers wait at the barrier, nothing moves.) */
	EXPECT(cur.cache_areas == areas && cur.cache_pages == pages,
	       "area cache holds %lu areas, %lu pages; model: %lu areas, %lu pages mapped and freed",
	       cur.cache_areas, cur.cache_pages, areas, pages);
}

/*
 * After every op (cur holds the stats taken after its calls): the
 * counters the model predicts exactly. SAME: the op was refused or only
 * looked, so tables and metadata are exactly as before. FAILED: an
 * allocation failed; tables may stay only where live areas can use them
 * (table_bound()). In both, metadata is as before unless a purge ran (a
 * purge merges free blocks).
 */
static void check_counts(int mode)
{
	struct totals t;
	unsigned long in_use;

	if (concurrent()) {
		/* Only what this thread's calls show; the rest at barriers. */
		if (!fault_possible())
			EXPECT(err_lines == err_seen, "the library logged an error: %s",
			       last_err);
		err_seen = err_lines;
		meta_may_change = false;
		failed_pages = 0;
		return;
	}
	cache_follow();
	if (nthreads > 1)
		follow_lazy_threaded();
	else if (M.fast && cur.purges != M.purges) {
		/*
		 * Fast path: dirty slots reach the threshold count in per-CPU
		 * batches, so purges come when they come. Follow: whatever
		 * is lazy now was freed after the purge, where is unknown.
		 */
		M.nr_lazy = 0;
		M.lazy_pages = 0;
		M.purges = cur.purges;
		if (cur.lazy_pages) {
			M.lazy[0].start = 0;
			M.lazy[0].pages = cur.lazy_pages;
			M.nr_lazy = 1;
			M.lazy_pages = cur.lazy_pages;
		}
	}

	if (nthreads == 1 && lazy_unknown) {
		/* Whether the purge came before the retirement is unknown:
		 * whatever is lazy now, where is unknown (as after a purge
		 * with the fast path above). */
		M.nr_lazy = 0;
		M.lazy_pages = 0;
		if (cur.lazy_pages) {
			M.lazy[0].start = 0;
			M.lazy[0].pages = cur.lazy_pages;
			M.nr_lazy = 1;
			M.lazy_pages = cur.lazy_pages;
		}
	}
	lazy_unknown = false;
	t = totals();
	in_use = t.in_use;
	EXPECT(cur.areas == t.areas + t.removed,
	       "areas counter %lu, model %lu live + %lu removed",
	       cur.areas, t.areas, t.removed);
	EXPECT(cur.vmap_areas == t.areas, "vmap_areas %lu, model %lu live areas",
	       cur.vmap_areas, t.areas);
	if (nthreads == 1) {
		EXPECT(cur.purges == M.purges, "purges %lu, model %lu", cur.purges, M.purges);
		EXPECT(cur.lazy_pages == M.lazy_pages, "lazy_pages %lu, model %lu",
		       cur.lazy_pages, M.lazy_pages);
	}
	EXPECT(cur.warnings == t.warnings, "warnings %lu, model expects %lu",
	       cur.warnings, t.warnings);
	if (v3) {
		unsigned long nr = vmalloc_nr_pages();

		EXPECT(nr == t.vpages, "vmalloc_nr_pages() %lu, model %lu frames of vmalloc areas",
		       nr, t.vpages);
		R->kind[FZK_NR_PAGES]++;
	}
	/* Cached areas keep their frames (cache_follow checked the count). */
	EXPECT(cur.free_pages + cur.pt_pages + cur.cache_pages ==
	       base.free_pages + base.pt_pages - in_use,
	       "free %lu + tables %lu + cached %lu, model: %lu - %lu frames in use",
	       cur.free_pages, cur.pt_pages, cur.cache_pages,
	       base.free_pages + base.pt_pages, in_use);
	EXPECT(cur.pt_pages >= prev.pt_pages, "page tables went from %lu to %lu",
	       prev.pt_pages, cur.pt_pages);
	if (mode == SAME)
		EXPECT(cur.pt_pages == prev.pt_pages,
		       "refused call changed page tables %lu -> %lu",
		       prev.pt_pages, cur.pt_pages);
	if (mode == FAILED) {
		unsigned long bound = table_bound();

		/* Semantic switch: a failed mapping keeps its tables. */
		if (sem.keep_failed_tables)
			bound += tables_for(failed_pages);
		EXPECT(cur.pt_pages - prev.pt_pages <= bound,
		       "failed call kept %lu new page tables, but live areas can use at most %lu",
		       cur.pt_pages - prev.pt_pages, bound);
	}
	/* (A failed fast-path call may leave an empty block until a purge.) */
	if (mode != CHANGED && !meta_may_change && !(M.fast && mode == FAILED)) {
		if (cur.purges == prev.purges && cur.cache_areas == prev.cache_areas)
			EXPECT(cur.meta_bytes == prev.meta_bytes,
			       "failed/refused call changed meta_bytes %lu -> %lu",
			       prev.meta_bytes, cur.meta_bytes);
	}
	if (!fault_active)
		EXPECT(err_lines == err_seen, "the library logged an error: %s",
		       last_err);
	err_seen = err_lines;
	meta_may_change = false;
	failed_pages = 0;
	R->faults = cur.fault_injected;
	R->purges = cur.purges;
	prev = cur;
}

/*
 * After an op that only looks (reads, lookups): check the counters? On
 * the host engine every vmalloc_get_stats() parses /proc/self/maps (for
 * host_mappings), which costs more than most ops: there only every
 * eighth such op, and under fault injection.
 */
static bool want_counts(void)
{
	if (concurrent())
		return false;
	return !is_host || fault_active || op_no % 8 == 0;
}

/* A purge the model could not predict (allocation retry): follow it. */
static unsigned long follow_purges(void)
{
	unsigned long d = cur.purges - prev.purges;

	if (nthreads > 1)
		return 0;	/* followed at barriers (follow_lazy_threaded) */
	if (d) {
		M.nr_lazy = 0;
		M.lazy_pages = 0;
		M.purges = cur.purges;
	}
	return d;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static int fls_ul(unsigned long x)
{
	return x ? 64 - __builtin_clzl(x) : 0;
}

static bool pow2(unsigned long x)
{
	return x && !(x & (x - 1));
}

static unsigned long max_ul(unsigned long a, unsigned long b)
{
	return a > b ? a : b;
}

static unsigned long min_ul(unsigned long a, unsigned long b)
{
	return a < b ? a : b;
}

static bool prot_ok(pgprot_t prot)
{
	uint64_t v = pgprot_val(prot);

	return (v & _PAGE_PRESENT) && !(v & ~PT_PROT_MASK);
}

static const char *kind_name(enum model_kind k)
{
	static const char *const n[] = { "vmalloc", "vmap", "get_vm_area", "page array" };

	return n[k];
}

static unsigned long pfn_of(const struct page *pg)
{
	return page_to_pfn(pg);
}

/* A frame's owner, for messages. */
static const char *owner_name(int owner)
{
	static __thread char buf[64];

	if (owner >= 0)
		snprintf(buf, sizeof(buf), "%s area #%lu",
			 kind_name(M.areas[owner].kind), M.areas[owner].id);
	else
		snprintf(buf, sizeof(buf), "driver block %d", -1 - owner);
	return buf;
}

/* Pick a live area whose kind is in @kinds (bit per kind), or -1. */
static int pick_area(unsigned int kinds)
{
	int i, n = 0, k;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used && (kinds >> M.areas[i].kind & 1))
			n++;
	if (!n)
		return -1;
	k = (int)below((unsigned long)n);
	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used && (kinds >> M.areas[i].kind & 1) && k-- == 0)
			return i;
	return -1;
}

#define K_VMALLOC	(1u << MODEL_VMALLOC)
#define K_VMAP		(1u << MODEL_VMAP)
#define K_GVA		(1u << MODEL_GVA)
#define K_ARRAY		(1u << MODEL_ARRAY)
#define K_USER		(K_VMALLOC | K_VMAP | K_GVA)
#define K_ANY		(K_USER | K_ARRAY)

/* Every frame of the driver's blocks, into @out (at most @max). */
static unsigned int driver_frames(struct page **out, unsigned int max)
{
	unsigned int b, n = 0;
	unsigned long j;

	for (b = 0; b < MODEL_MAX_BLOCKS; b++) {
		if (!M.blocks[b].used)
			continue;
		for (j = 0; j < (1UL << M.blocks[b].order) && n < max; j++)
			out[n++] = pfn_to_page(pfn_of(M.blocks[b].head) + j);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Parameter choices, each with hostile variants                       */
/* ------------------------------------------------------------------ */

static unsigned long range_pages(void)
{
	return (END - START) >> PAGE_SHIFT;
}

static unsigned long pick_vsize(void)
{
	unsigned int r = u8();
	unsigned long pages, size;

	/*
	 * The size of an area that may be cached, a quarter of the time,
	 * so that the area cache serves (decodes as before without it).
	 */
	if (r < 240 && M.nr_cached && !(r & 3)) {
		size = M.cached[below(M.nr_cached)].npages * PAGE_SIZE;
		if (chance(4))
			size -= below(PAGE_SIZE);
		return size;
	}
	if (r < 240) {
		if (r < 160)
			pages = 1 + below(16);
		else if (r < 216)
			pages = 1 + below(64);
		else
			pages = 65 + below(600);	/* arrays of > 1 page: > 512 */
		size = pages * PAGE_SIZE;
		if (chance(128))
			size -= below(PAGE_SIZE);
		return size;
	}
	switch (r & 15) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ULONG_MAX;
	case 3: return ULONG_MAX - PAGE_SIZE + 2;	/* PAGE_ALIGN wraps */
	case 4: return (M.phys_pages + 1) * PAGE_SIZE;	/* more than the pool */
	case 5: return M.phys_pages * PAGE_SIZE;
	case 6: return (prev.free_pages + 1) * PAGE_SIZE; /* more than free */
	case 7: return 1UL << 44;			/* 2^32 pages */
	case 8: return ULONG_MAX / 2;
	case 9: return prev.free_pages * PAGE_SIZE;
	case 10: return PAGE_SIZE + 1;
	default: return u64();
	}
}

static unsigned long pick_gva_size(void)
{
	unsigned int r = u8();
	unsigned long pages, rs = END - START;

	if (r < 225) {
		if (r < 150)
			pages = 1 + below(16);
		else if (r < 200)
			pages = 1 + below(64);
		else
			pages = 1 + below(range_pages() / 4);
		return pages * PAGE_SIZE - (chance(64) ? below(PAGE_SIZE) : 0);
	}
	switch (r & 15) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ULONG_MAX;
	case 3: return ULONG_MAX - 2 * PAGE_SIZE;
	case 4: return ULONG_MAX - 2 * PAGE_SIZE + 1;
	case 5: return rs;			/* no room for the guard */
	case 6: return rs - PAGE_SIZE;		/* the whole range */
	case 7: return rs - 2 * PAGE_SIZE + 1;
	case 8: return 1UL << 63;
	case 9: return ULONG_MAX - PAGE_SIZE + 2;
	default: return u64();
	}
}

static unsigned long pick_align(void)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2;
	case 3: return PAGE_SIZE;
	case 4: case 5: case 6: case 7: return PAGE_SIZE << below(10);
	case 8: return 3 * PAGE_SIZE;
	case 9: return 1UL << 20;
	case 10: return 1UL << (20 + below(44));
	case 11: return 1UL << 63;
	case 12: return ULONG_MAX;
	case 13: return PAGE_SIZE + 1;
	case 14: return END - START;
	default: return u64();
	}
}

static void pick_window(unsigned long *s, unsigned long *e)
{
	unsigned long rp = range_pages();

	switch (below(12)) {
	case 4:
		*s = 0;
		*e = ULONG_MAX;
		return;
	case 5: case 6: case 7:
		*s = START + below(rp) * PAGE_SIZE;
		*e = *s + (1 + below(rp / 2)) * PAGE_SIZE;
		return;
	case 8:
		*s = chance(128) ? 0 : START - below(16) * PAGE_SIZE;
		*e = START;
		return;
	case 9:
		*s = END;
		*e = chance(128) ? ULONG_MAX : END + PAGE_SIZE;
		return;
	case 10:
		*s = START + below(rp) * PAGE_SIZE;
		*e = chance(128) ? *s : *s - PAGE_SIZE;	/* empty, inverted */
		return;
	case 11:
		*s = START + below(rp) * PAGE_SIZE + 1 + below(PAGE_SIZE - 1);
		*e = *s + (1 + below(64)) * PAGE_SIZE + below(PAGE_SIZE);
		return;
	default:
		*s = START;
		*e = END;
		return;
	}
}

static pgprot_t pick_prot(void)
{
	switch (below(16)) {
	case 4: return PAGE_KERNEL_RO;
	case 5: return PAGE_KERNEL_EXEC;
	case 6: return PAGE_KERNEL_NOCACHE;
	case 7: return __pgprot(_PAGE_PRESENT);
	case 8: return __pgprot(__PAGE_KERNEL | _PAGE_USER);
	case 9: return __pgprot(0);
	case 10: return __pgprot(_PAGE_PRESENT | (1ULL << 55));
	case 11: return __pgprot(_PAGE_RW);
	case 12: return __pgprot(__PAGE_KERNEL | _PAGE_PSE);
	case 13: return __pgprot(_PAGE_PRESENT | (u16() & 0xfffu));
	case 14: return __pgprot(u64());
	default: return PAGE_KERNEL;
	}
}

static gfp_t pick_gfp(void)
{
	static const gfp_t basev[] = { GFP_KERNEL, GFP_KERNEL | __GFP_HIGHMEM,
				       GFP_ATOMIC, GFP_NOIO, 0 };
	static const gfp_t extra[] = { __GFP_ZERO, __GFP_DMA32, __GFP_DMA,
				       __GFP_NOWARN, __GFP_THISNODE, __GFP_HIGH };
	gfp_t g = basev[below(5)];
	unsigned int bits = u8(), i;

	for (i = 0; i < 6; i++)
		if (bits >> i & 1 && (i != 4 || bits & 0x80))	/* THISNODE rarer */
			g |= extra[i];
	return g;
}

/* Third format: pick_gfp(), sometimes with __GFP_NOFAIL (or NORETRY). */
static gfp_t pick_gfp_nofail(void)
{
	gfp_t g = pick_gfp();

	if (v3) {
		unsigned int r = u8();

		if (r < 64)
			g |= __GFP_NOFAIL;
		else if (r < 72)
			g |= __GFP_NORETRY | __GFP_ACCOUNT;
	}
	return g;
}

/* Third format: today's area flags, now and then (else 0). */
static unsigned long pick_today_flags(void)
{
	static const unsigned long v[] = { VM_NO_GUARD, VM_NO_GUARD,
		VM_FLUSH_RESET_PERMS, VM_FLUSH_RESET_PERMS,
		VM_NO_GUARD | VM_FLUSH_RESET_PERMS, VM_SPARSE, VM_NO_GUARD, 0 };

	if (!v3 || !chance(48))
		return 0;
	return v[below(8)];
}

static int pick_node(void)
{
	switch (below(12)) {
	case 4: case 5: case 6: return (int)below(M.nodes);
	case 7: return (int)M.nodes;
	case 8: return -2;
	case 9: return INT_MAX;
	default: return -1;
	}
}

static unsigned long pick_vmflags(void)
{
	static const unsigned long v[] = { 0, 0, 0, 0, VM_USERMAP, VM_USERMAP,
		VM_IOREMAP, VM_MAP, VM_USERMAP | VM_IOREMAP, VM_VPAGES, 0x2000,
		VM_ALLOC, 0, 0, VM_USERMAP, 0 };

	return v[below(16)] | pick_today_flags();
}

static unsigned long pick_area_flags(void)
{
	static const unsigned long v[] = { VM_ALLOC, VM_ALLOC, VM_ALLOC,
		VM_IOREMAP, VM_IOREMAP, VM_MAP, VM_MAP, VM_USERMAP,
		VM_MAP | VM_USERMAP, 0, VM_VPAGES, 0x20, VM_ALLOC | VM_VPAGES,
		VM_IOREMAP | VM_USERMAP, VM_ALLOC | VM_USERMAP, VM_MAP };
	static const unsigned long t[] = { VM_SPARSE, VM_SPARSE, VM_SPARSE,
		VM_SPARSE | VM_NO_GUARD, VM_ALLOC | VM_NO_GUARD,
		VM_ALLOC | VM_FLUSH_RESET_PERMS, VM_MAP | VM_NO_GUARD,
		VM_IOREMAP | VM_NO_GUARD, VM_NO_GUARD, VM_SPARSE | VM_USERMAP,
		VM_ALLOC | VM_USERMAP | VM_NO_GUARD, VM_FLUSH_RESET_PERMS };

	if (v3 && chance(96))
		return t[below(12)];
	return v[below(16)];
}

/*
 * An address for lookups, frees, reads: mostly related to a live area
 * (its start, inside it, its guard page, just past it), otherwise
 * anywhere near or far from the range.
 */
static unsigned long pick_addr(unsigned int kinds)
{
	int i;
	unsigned int r = (unsigned int)below(16);
	const struct model_area *a;

	if (r < 7 && (i = pick_area(kinds)) >= 0) {
		a = &M.areas[i];
		switch (r) {
		case 0: case 1: return a->start;
		case 2: return a->start + 1 + below(PAGE_SIZE - 1);
		case 3: return a->start + below(a->npages) * PAGE_SIZE +
			       (chance(128) ? below(PAGE_SIZE) : 0);
		case 4: return a->start + a->size - PAGE_SIZE +	/* guard */
			       (chance(128) ? below(PAGE_SIZE) : 0);
		case 5: return a->start + a->size - PAGE_SIZE - 1 - below(16);
		default: return chance(128) ? a->start + a->size : a->start - 1;
		}
	}
	switch (r) {
	case 7: case 8: case 9:
		return START - 4 * PAGE_SIZE +
		       below(range_pages() + 8) * PAGE_SIZE +
		       (chance(64) ? below(PAGE_SIZE) : 0);
	case 10:
		if (nthreads > 1 && chance(128)) {
			unsigned long st = reg_stale(u8());	/* any thread's */

			if (st)
				return st;
		}
		if (M.history_pos)
			return M.history[below(min_ul(M.history_pos,
						      MODEL_MAX_HISTORY))].addr;
		return START;
	case 11:
		if (M.nr_lazy && M.lazy[0].start)
			return M.lazy[below(M.nr_lazy)].start;
		return END - PAGE_SIZE;
	case 12: {
		const unsigned long sp[] = { 0, 1, PAGE_SIZE, START, START - 1,
			END, END - 1, END - PAGE_SIZE, ULONG_MAX,
			ULONG_MAX & PAGE_MASK, 1UL << 47, -(1UL << 47),
			START + PAGE_SIZE, (unsigned long)some_static,
			ULONG_MAX - PAGE_SIZE, 0x1000 };

		return sp[below(16)];
	}
	case 13:
		return u64();
	default:
		return START + below(range_pages()) * PAGE_SIZE;
	}
}

/* ------------------------------------------------------------------ */
/* Area requests: what get_area() must accept                          */
/* ------------------------------------------------------------------ */

struct req {
	unsigned long size, align, flags, start, end;	/* as passed */
	/* derived when accepted */
	unsigned long total, ealign, vs, ve;
};

/* NULL when get_area() must accept @r (and fill in the derived fields). */
static const char *req_check(struct req *r)
{
	unsigned long a = r->align;

	if (!r->size)
		return "size 0";
	if (r->size > ULONG_MAX - 2 * PAGE_SIZE)
		return "size too large";
	if (r->flags & ~VM_PUBLIC)
		return "unknown area flags";
	if (!pow2(a))
		return "alignment not a power of two";
	if (r->flags & VM_IOREMAP) {
		int bit = fls_ul(r->size);

		if (bit > IOREMAP_MAX_ORDER)
			bit = IOREMAP_MAX_ORDER;
		else if (bit < PAGE_SHIFT)
			bit = PAGE_SHIFT;
		a = max_ul(a, 1UL << bit);
	}
	r->ealign = max_ul(a, PAGE_SIZE);
	r->total = PAGE_ALIGN(r->size) + GUARD(r->flags);
	r->vs = max_ul(r->start, START);
	r->ve = min_ul(r->end, END);
	if (r->vs >= r->ve)
		return "window outside the range";
	return NULL;
}

/*
 * Must an accepted request find room? Only when the model sees all the
 * space: with the fast path, blocks hold ranges it does not know.
 */
static bool room(const struct req *r)
{
	if (nthreads > 1)
		return false;	/* threaded: reserve() decides */
	return !M.fast && model_fit_exists(&M, r->total, r->ealign, r->vs, r->ve, false);
}

/*
 * Threaded: reserve frames and, for a request whose window is the whole
 * range at page alignment with the fast path off, address space. Return
 * whether the call must then succeed (it cannot if nothing was asked).
 */
static bool reserve_req(struct resv *rv, const struct req *r, unsigned long frames,
			bool need_frames)
{
	unsigned long pages = r ? r->total >> PAGE_SHIFT : 0;
	bool whole = r && !M.fast && r->ealign == PAGE_SIZE && r->vs == START &&
		     r->ve == END;
	unsigned int ok = reserve(rv, frames, pages, whole ? pages : 0);

	return (!need_frames || (ok & 1)) && (!r || (whole && (ok & 2)));
}

/* Purge expectations of an accepted request (before the call). */
struct purge_exp {
	bool must, never;
};

/* Does the model know where every lazy range is? */
static bool lazy_known(void)
{
	unsigned int k;

	for (k = 0; k < M.nr_lazy; k++)
		if (!M.lazy[k].start)
			return false;
	return true;
}

/*
 * @need: frames the call may take (its frames and page tables). A mapping
 * the platform refuses for lack of memory purges and tries once more
 * (since 20ac8f9 only a platform refusal, not a page table that cannot be
 * allocated): a purge is no surprise under fault injection.
 */
static struct purge_exp purge_expect(const struct req *r, bool accepted,
				     bool second_alloc, unsigned long need)
{
	struct purge_exp p = { false, true };

	if (nthreads > 1)
		return (struct purge_exp){ false, false };	/* any thread purges */
	/*
	 * Short of frames, vmalloc() drains the area cache before it looks
	 * at the request (api/vmalloc.c, vmalloc_range): even a request it
	 * then refuses may retire cached areas, and that may purge.
	 */
	if (!accepted && M.cache && prev.cache_areas)
		p.never = false;
	if (!accepted)
		return p;
	if (M.fast) {
		p.never = false;	/* blocks hold space the model cannot see */
		return p;
	}
	(void)need;
	p.never = !second_alloc && !fault_active &&
		  model_fit_exists(&M, r->total, r->ealign, r->vs, r->ve, true);
	p.must = !fault_active && M.nr_lazy && lazy_known() &&
		 !model_fit_exists(&M, r->total, r->ealign, r->vs, r->ve, true);
	return p;
}

static void check_purges(const struct purge_exp *p, unsigned long d)
{
	EXPECT(!(p->never && d), "%lu purge(s) ran although the window had room", d);
	EXPECT(!(p->must && !d), "no purge ran although only lazy ranges had room");
}

/* ------------------------------------------------------------------ */
/* Checking an area against the model                                  */
/* ------------------------------------------------------------------ */

static void check_ptes(int i, bool all_pages)
{
	const struct model_area *a = &M.areas[i];
	unsigned long p, step = 1;

	if (!all_pages && a->npages > 64)
		step = a->npages / 16;
	for (p = 0; p < a->npages; p += step) {
		unsigned long va = a->start + p * PAGE_SIZE;
		struct page *want = a->map ? a->map[p] : NULL;
		struct page *got = vmalloc_to_page((void *)(va + (p & 1 ? PAGE_SIZE - 1 : 0)));
		uint64_t pte = pt_lookup(va);

		EXPECT(got == want, "%s area #%lu page %lu (0x%lx): vmalloc_to_page %p, model %p",
		       kind_name(a->kind), a->id, p, va, (void *)got, (void *)want);
		EXPECT(vmalloc_to_pfn((void *)va) == (want ? pfn_of(want) : 0),
		       "%s area #%lu page %lu: vmalloc_to_pfn 0x%lx, model 0x%lx",
		       kind_name(a->kind), a->id, p, vmalloc_to_pfn((void *)va),
		       want ? pfn_of(want) : 0);
		if (want)
			EXPECT((pte & PT_PROT_MASK) == a->prot[p],
			       "%s area #%lu page %lu: PTE bits 0x%llx, model 0x%llx",
			       kind_name(a->kind), a->id, p,
			       (unsigned long long)(pte & PT_PROT_MASK),
			       (unsigned long long)a->prot[p]);
		if (step > 1 && p + step >= a->npages && p != a->npages - 1)
			p = a->npages - 1 - step;	/* always the last page */
	}
	if (a->flags & VM_NO_GUARD)
		return;
	EXPECT(!vmalloc_to_page((void *)(a->start + a->size - PAGE_SIZE)),
	       "%s area #%lu: its guard page 0x%lx is mapped",
	       kind_name(a->kind), a->id, a->start + a->size - PAGE_SIZE);
	EXPECT(!pt_lookup(a->start + a->size - PAGE_SIZE),
	       "%s area #%lu: guard page PTE 0x%llx", kind_name(a->kind), a->id,
	       (unsigned long long)pt_lookup(a->start + a->size - PAGE_SIZE));
}

/* The descriptor still says what the model says. */
static void check_desc(int i)
{
	const struct model_area *a = &M.areas[i];
	const struct vm_struct *vm = a->vm;
	unsigned long p;

	if (!vm)
		return;	/* a hidden page array (semantic switch) */
	EXPECT((unsigned long)vm->addr == a->start && vm->size == a->size &&
	       vm->flags == a->flags,
	       "%s area #%lu: descriptor says addr %p size 0x%lx flags 0x%lx, model 0x%lx 0x%lx 0x%lx",
	       kind_name(a->kind), a->id, vm->addr, vm->size, vm->flags,
	       a->start, a->size, a->flags);
	if (a->kind == MODEL_VMALLOC || a->kind == MODEL_ARRAY) {
		EXPECT(vm->nr_pages == a->npages && vm->pages,
		       "%s area #%lu: nr_pages %u pages %p, model %lu pages",
		       kind_name(a->kind), a->id, vm->nr_pages, (void *)vm->pages,
		       a->npages);
		if (!is_host && (a->flags & VM_VPAGES))
			return;	/* soft: the array is not dereferenceable */
		for (p = 0; p < a->npages; p++)
			EXPECT(vm->pages[p] == a->owned[p],
			       "%s area #%lu: pages[%lu] %p, model %p",
			       kind_name(a->kind), a->id, p, (void *)vm->pages[p],
			       (void *)a->owned[p]);
	} else {
		EXPECT(!vm->pages && !vm->nr_pages,
		       "%s area #%lu: pages %p nr_pages %u, expected none",
		       kind_name(a->kind), a->id, (void *)vm->pages, vm->nr_pages);
	}
}

/* Compare @n bytes at @addr read by vread() with the model. */
static void check_contents(unsigned long addr, unsigned long n, const char *who)
{
	unsigned long off = 0;

	while (off < n) {
		unsigned long chunk = min_ul(n - off, RW_MAX), k;
		long got;

		got = vread((char *)rw_buf, (char *)(addr + off), chunk);
		EXPECT(got == (long)chunk, "%s: vread(0x%lx, %lu) returned %ld",
		       who, addr + off, chunk, got);
		model_read(&M, addr + off, chunk, rw_exp);
		if (memcmp(rw_buf, rw_exp, chunk)) {
			for (k = 0; rw_buf[k] == rw_exp[k]; k++)
				;
			FAIL("%s: byte at 0x%lx reads 0x%02x, model 0x%02x", who,
			     addr + off + k, rw_buf[k], rw_exp[k]);
		}
		off += chunk;
	}
}

/* Host engine: the mapped pages of area @i through the pointer. */
static void check_direct(int i)
{
	const struct model_area *a = &M.areas[i];
	unsigned long p;

	if (!is_host || !a->map)
		return;
	for (p = 0; p < a->npages; p++) {
		const struct model_frame *f;
		const unsigned char *va = (const unsigned char *)(a->start + p * PAGE_SIZE);

		if (!a->map[p])
			continue;
		f = model_frame(&M, a->map[p]);
		EXPECT(f, "area #%lu page %lu maps a frame the model does not know",
		       a->id, p);
		if (memcmp(va, f->data, PAGE_SIZE))
			FAIL("%s area #%lu page %lu: contents through the pointer differ from the model",
			     kind_name(a->kind), a->id, p);
	}
}

/* ------------------------------------------------------------------ */
/* Adopting a new area                                                 */
/* ------------------------------------------------------------------ */

struct newarea {
	enum model_kind kind;
	struct vm_struct *vm;		/* GVA: as returned */
	unsigned long addr;		/* VMALLOC/VMAP: as returned */
	const struct req *rq;
	unsigned long flags;		/* expected vm->flags */
	unsigned long npages;
	pgprot_t prot;
	struct page **pages;		/* VMAP: what was mapped */
	bool zero;			/* frames must read zero */
	bool purged;
	bool vpages;			/* VMALLOC: array must be vmalloc()ed */
	int node;			/* check frames are on it (-1: no) */
	bool caller_set;
	const void *caller;
	bool plain;			/* VMALLOC: vmalloc() with PAGE_KERNEL */
};

static void check_placement(unsigned long addr, unsigned long total,
			    const struct req *rq, bool purged, const char *who)
{
	EXPECT(!(addr & (PAGE_SIZE - 1)) && addr >= START && addr <= END &&
	       total <= END - addr,
	       "%s at 0x%lx + 0x%lx is not a page-aligned part of the range 0x%lx-0x%lx",
	       who, addr, total, START, END);
	if (rq) {
		EXPECT(!(addr & (rq->ealign - 1)), "%s at 0x%lx is not aligned to 0x%lx",
		       who, addr, rq->ealign);
		EXPECT(addr >= rq->vs && addr < rq->ve && total <= rq->ve - addr,
		       "%s at 0x%lx + 0x%lx is outside the window 0x%lx-0x%lx",
		       who, addr, total, rq->vs, rq->ve);
	}
	if (model_overlaps_live(&M, addr, total)) {
		int j = model_area_at(&M, addr);
		unsigned long k;

		for (k = 0; j < 0 && k < total; k += PAGE_SIZE)
			j = model_area_at(&M, addr + k);
		FAIL("%s at 0x%lx + 0x%lx overlaps live %s area #%lu at 0x%lx + 0x%lx",
		     who, addr, total, kind_name(M.areas[j].kind), M.areas[j].id,
		     M.areas[j].start, M.areas[j].size);
	}
	if (!purged && nthreads == 1)	/* threaded: any thread may purge */
		EXPECT(!model_overlaps_lazy(&M, addr, total),
		       "%s at 0x%lx + 0x%lx reuses a range freed lazily before any purge",
		       who, addr, total);
}

/* Register the frames of a VMALLOC or ARRAY area; check they are fresh. */
static void adopt_frames(int i, struct page **pages, bool zero)
{
	struct model_area *a = &M.areas[i];
	unsigned long p;

	a->owned = malloc(a->npages * sizeof(*a->owned));
	EXPECT(a->owned && model_area_maps(&M, i) == 0, "driver out of memory");
	for (p = 0; p < a->npages; p++) {
		struct page *pg = pages[p];
		const unsigned char *data;
		int prev_owner = 0;

		EXPECT(pg && pfn_to_page(pfn_of(pg)) == pg,
		       "%s area #%lu: pages[%lu] = %p is not a page of the pool",
		       kind_name(a->kind), a->id, p, (void *)pg);
		data = page_address(pg);
		EXPECT(data, "page_address(%p) is NULL", (void *)pg);
		if (!model_frame_add(&M, pg, i, data, &prev_owner))
			FAIL("%s area #%lu: frame pfn 0x%lx (pages[%lu]) already belongs to %s",
			     kind_name(a->kind), a->id, pfn_of(pg), p,
			     owner_name(prev_owner));
		if ((prev_owner = frame_claim(pg)) >= 0)
			FAIL("%s area #%lu: frame pfn 0x%lx (pages[%lu]) belongs to thread %d",
			     kind_name(a->kind), a->id, pfn_of(pg), p, prev_owner);
		if (zero && memcmp(data, zero_page, PAGE_SIZE)) {
			unsigned long k;

			for (k = 0; !data[k]; k++)
				;
			FAIL("%s area #%lu: zeroed memory has 0x%02x at page %lu + %lu",
			     kind_name(a->kind), a->id, data[k], p, k);
		}
		a->owned[p] = pg;
		a->map[p] = pg;
	}
}

/*
 * Semantic switch hide_internal: the page array of VMALLOC area @i is
 * an area no public call shows; what the model knows of it comes from
 * the owner's descriptor and the PTEs.
 */
static void adopt_hidden_array(int i, bool purged)
{
	struct model_area *a = &M.areas[i];
	unsigned long bytes = a->npages * sizeof(struct page *), p;
	unsigned long start = (unsigned long)a->vm->pages;
	unsigned long np = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	int c;

	check_placement(start, (np + 1) * PAGE_SIZE, NULL, purged, "page array");
	c = model_area_new(&M);
	EXPECT(c >= 0, "model full (page array)");
	a->child = c;
	M.areas[c].kind = MODEL_ARRAY;
	M.areas[c].parent = i;
	M.areas[c].vm = NULL;
	M.areas[c].start = start;
	M.areas[c].size = (np + 1) * PAGE_SIZE;
	M.areas[c].npages = np;
	M.areas[c].flags = VM_ALLOC;
	M.areas[c].ever_mapped = true;
	reg_add(start, M.areas[c].size, NULL, M.areas[c].id);
	{
		struct page *pg[np];

		for (p = 0; p < np; p++) {
			pg[p] = vmalloc_to_page((void *)(start + p * PAGE_SIZE));
			EXPECT(pg[p], "page array of area #%lu: page %lu unmapped", a->id, p);
		}
		adopt_frames(c, pg, false);
	}
	for (p = 0; p < np; p++)
		M.areas[c].prot[p] = pgprot_val(PAGE_KERNEL);
	check_ptes(c, true);
}

/* The page array of VMALLOC area @i was vmalloc()ed: adopt it too. */
static void adopt_array(int i, bool purged)
{
	struct model_area *a = &M.areas[i];
	struct vm_struct *avm = find_vm_area(a->vm->pages);
	unsigned long bytes = a->npages * sizeof(struct page *), p;
	int c;

	if (sem.hide_internal) {
		/* Semantic switch: no public call sees the array. */
		EXPECT(!avm, "VM_VPAGES area #%lu: find_vm_area finds its page array",
		       a->id);
		adopt_hidden_array(i, purged);
		return;
	}
	EXPECT(avm, "VM_VPAGES area #%lu: its page array %p is in no area",
	       a->id, (void *)a->vm->pages);
	EXPECT(avm->addr == (void *)a->vm->pages && avm->flags == VM_ALLOC &&
	       avm->size == PAGE_ALIGN(bytes) + PAGE_SIZE &&
	       avm->nr_pages == PAGE_ALIGN(bytes) >> PAGE_SHIFT && avm->pages,
	       "page array of area #%lu: addr %p (pages %p) size 0x%lx flags 0x%lx nr %u",
	       a->id, avm->addr, (void *)a->vm->pages, avm->size, avm->flags,
	       avm->nr_pages);
	check_placement((unsigned long)avm->addr, avm->size, NULL, purged,
			"page array");
	c = model_area_new(&M);
	EXPECT(c >= 0, "model full (page array)");
	a->child = c;
	M.areas[c].kind = MODEL_ARRAY;
	M.areas[c].parent = i;
	M.areas[c].vm = avm;
	M.areas[c].start = (unsigned long)avm->addr;
	M.areas[c].size = avm->size;
	M.areas[c].npages = avm->nr_pages;
	M.areas[c].flags = VM_ALLOC;
	M.areas[c].ever_mapped = true;
	reg_add(M.areas[c].start, M.areas[c].size, avm, M.areas[c].id);
	adopt_frames(c, avm->pages, false);
	for (p = 0; p < M.areas[c].npages; p++)
		M.areas[c].prot[p] = pgprot_val(PAGE_KERNEL);
	/* Its contents: the pointers, then zeroes. */
	model_read(&M, M.areas[c].start, M.areas[c].npages * PAGE_SIZE, rw_exp);
	EXPECT(!memcmp(rw_exp, a->vm->pages, bytes),
	       "page array of area #%lu does not hold its page pointers", a->id);
	for (p = bytes; p < M.areas[c].npages * PAGE_SIZE; p++)
		EXPECT(!rw_exp[p], "page array of area #%lu: byte %lu past the pointers is 0x%02x",
		       a->id, p, rw_exp[p]);
	check_ptes(c, true);
}

static int adopt(struct newarea *n)
{
	struct vm_struct *vm = n->vm;
	unsigned long addr, p;
	const char *who = kind_name(n->kind);
	int i;

	if (!vm) {
		vm = find_vm_area((void *)n->addr);
		EXPECT(vm, "find_vm_area(0x%lx) of the new %s area is NULL", n->addr, who);
		EXPECT(vm->addr == (void *)n->addr, "find_vm_area(0x%lx) gives an area at %p",
		       n->addr, vm->addr);
	}
	addr = (unsigned long)vm->addr;
	EXPECT(vm->size == n->rq->total, "new %s area: size 0x%lx, expected 0x%lx",
	       who, vm->size, n->rq->total);
	EXPECT(vm->flags == n->flags, "new %s area: flags 0x%lx, expected 0x%lx",
	       who, vm->flags, n->flags);
	EXPECT(!vm->phys_addr, "new %s area: phys_addr 0x%lx", who, vm->phys_addr);
	if (n->caller_set)
		EXPECT(vm->caller == n->caller, "new %s area: caller %p, expected %p",
		       who, vm->caller, n->caller);
	check_placement(addr, vm->size, n->rq, n->purged, who);
	/*
	 * Third format, one thread, fast path off: lowest-address first fit
	 * (docs/design.md), with ranges freed lazily still busy unless a
	 * purge ran (then either: the purge may have come after the area
	 * was placed). VM_NO_GUARD areas have no guard page to skip.
	 */
	if (v3 && nthreads == 1 && !M.fast && !fault_active && n->rq &&
	    lazy_known() && !(n->purged && n->vpages)) {
		unsigned long a1 = 0, a2 = 0;
		bool f1 = model_lowest_fit(&M, n->rq->total, n->rq->ealign, n->rq->vs,
					   n->rq->ve, true, &a1);
		bool f2 = n->purged &&
			  model_lowest_fit(&M, n->rq->total, n->rq->ealign, n->rq->vs,
					   n->rq->ve, false, &a2);

		EXPECT((f1 && addr == a1) || (f2 && addr == a2),
		       "new %s area at 0x%lx, lowest fit 0x%lx%s%s (purged: 0x%lx%s)", who, addr,
		       a1, f1 ? "" : " (none)", n->purged ? "" : ", no purge", a2,
		       f2 ? "" : " none");
		R->kind[FZK_LOWEST_FIT]++;
	}
	EXPECT(find_vm_area((void *)(addr + vm->size - 1)) == vm,
	       "find_vm_area of the new area's last guard byte 0x%lx is %p, not %p",
	       addr + vm->size - 1, (void *)find_vm_area((void *)(addr + vm->size - 1)),
	       (void *)vm);

	/*
	 * A possibly cached area this one meets was reused (a hit: same
	 * start, same size) or retired and its range taken again.
	 */
	for (p = 0; p < M.nr_cached;) {
		const struct model_cached *c = &M.cached[p];

		if (c->start < addr + vm->size && addr < c->start + c->size) {
			if (c->start == addr && c->size == vm->size &&
			    n->kind == MODEL_VMALLOC)
				R->kind[FZK_CACHE_HIT]++;
			model_cached_del(&M, (unsigned int)p);
		} else {
			p++;
		}
	}
	i = model_area_new(&M);
	EXPECT(i >= 0, "model full");
	if (n->flags & VM_NO_GUARD)
		R->kind[FZK_NO_GUARD]++;
	if (n->flags & VM_FLUSH_RESET_PERMS)
		R->kind[FZK_FLUSH_RESET]++;
	if (n->flags & VM_SPARSE)
		R->kind[FZK_SPARSE]++;
	reg_add(addr, vm->size, vm, M.areas[i].id);
	M.areas[i].kind = n->kind;
	M.areas[i].vm = vm;
	M.areas[i].start = addr;
	M.areas[i].size = vm->size;
	M.areas[i].npages = (vm->size - GUARD(n->flags)) / PAGE_SIZE;
	M.areas[i].flags = n->flags;
	switch (n->kind) {
	case MODEL_VMALLOC:
		EXPECT(vm->nr_pages == n->npages && vm->pages,
		       "new vmalloc area: nr_pages %u pages %p, expected %lu",
		       vm->nr_pages, (void *)vm->pages, n->npages);
		if (!is_host && (vm->flags & VM_VPAGES))
			FAIL("soft engine vmalloc()ed a page array");
		adopt_frames(i, vm->pages, n->zero);
		for (p = 0; p < n->npages; p++)
			M.areas[i].prot[p] = pgprot_val(n->prot);
		M.areas[i].ever_mapped = true;
		M.areas[i].plain = n->plain;
		if (n->node >= 0)
			for (p = 0; p < n->npages; p++)
				EXPECT(page_to_nid(vm->pages[p]) == n->node,
				       "vmalloc on node %d: page %lu is on node %d",
				       n->node, p, page_to_nid(vm->pages[p]));
		if (n->vpages)
			adopt_array(i, n->purged);
		break;
	case MODEL_VMAP:
		EXPECT(!vm->pages && !vm->nr_pages, "new vmap area has pages %p", (void *)vm->pages);
		EXPECT(model_area_maps(&M, i) == 0, "driver out of memory");
		for (p = 0; p < n->npages; p++) {
			M.areas[i].map[p] = n->pages[p];
			M.areas[i].prot[p] = pgprot_val(n->prot);
		}
		M.areas[i].ever_mapped = true;
		break;
	default:
		EXPECT(!vm->pages && !vm->nr_pages, "new area has pages %p", (void *)vm->pages);
		break;
	}
	check_ptes(i, false);
	check_direct(i);
	R->calls_ok++;
	return i;
}

/* ------------------------------------------------------------------ */
/* Freeing in the model                                                */
/* ------------------------------------------------------------------ */

/*
 * Threaded: area @i (and its page array) is about to be freed: another
 * worker may get its range, descriptor and frames from now on.
 */
/* The model's count of the block holding @pg (0: not in the model). */
static unsigned int head_refs(const struct page *pg)
{
	const struct model_frame *f = model_frame(&M, pg);

	f = f ? model_frame(&M, f->head) : NULL;
	return f ? f->refs : 0;
}

/* Threaded: @pg's block is about to lose a reference; the last? Then its
 * frames are free for other workers from now on. */
static void release_if_last(const struct page *pg)
{
	const struct model_frame *f = model_frame(&M, pg), *h;
	unsigned long k, pfn;

	if (nthreads == 1 || !f || !(h = model_frame(&M, f->head)) || h->refs != 1)
		return;
	for (k = 0, pfn = pfn_of(h->pg); k < (1UL << h->order); k++)
		frame_release(pfn_to_page(pfn + k));
}

static void pre_release(int i)
{
	const struct model_area *a = &M.areas[i];
	unsigned long p;
	int c = a->child;

	if (nthreads == 1)
		return;
	reg_dying(a->id, true);
	if (a->owned)
		for (p = 0; p < a->npages; p++)
			release_if_last(a->owned[p]);
	if (c >= 0) {
		reg_dying(M.areas[c].id, true);
		for (p = 0; p < M.areas[c].npages; p++)
			frame_release(M.areas[c].owned[p]);
	}
}

/*
 * Set by the callers of vfree() (and vfree_atomic()) for model_released:
 * the area may go into the area cache.
 */
static __thread bool by_vfree;

/*
 * May vfree() leave area @i in the area cache (docs/design.md, "Which
 * areas")? A plain vmalloc area of 1 to 256 pages, every page mapped to
 * its own frame with PAGE_KERNEL, no frame user space maps. (The key's
 * node and DMA32 bits decide which requests it serves, not whether.)
 */
static bool cacheable(int i)
{
	const struct model_area *a = &M.areas[i];
	unsigned long p;

	if (!M.cache || a->kind != MODEL_VMALLOC || !a->plain || a->child >= 0 ||
	    (a->flags & ~(VM_USERMAP | VM_ALLOW_HUGE_VMAP)) != VM_ALLOC ||
	    !a->npages || a->npages > MODEL_CACHE_PAGES || !a->map || !a->owned)
		return false;
	for (p = 0; p < a->npages; p++)
		if (a->map[p] != a->owned[p] || a->prot[p] != pgprot_val(PAGE_KERNEL) ||
		    head_refs(a->owned[p]) != 1)
			return false;
	return true;
}

/* An area that may be cached now (model.h): remember it. */
static void cache_maybe(int i)
{
	if (!model_cached_add(&M, i))
		__atomic_store_n(&cache_lost, true, __ATOMIC_RELAXED);
	else
		M.cached[M.nr_cached - 1].seq =
			__atomic_add_fetch(&cache_seq, 1, __ATOMIC_RELAXED);
	R->kind[FZK_CACHE_PUT]++;
}

/* The library released area @i (vfree, vunmap, free_vm_area). */
static void model_released(int i)
{
	struct model_area *a = &M.areas[i];
	unsigned long p, start = a->start, size = a->size;
	int c = a->child;
	bool cached = by_vfree && cacheable(i), plain = a->plain;
	enum model_kind kind = a->kind;

	by_vfree = false;
	if (cached)
		cache_maybe(i);

	reg_gone(a->id);
	if (c >= 0)
		reg_gone(M.areas[c].id);
	model_history_add(&M, a->start, a->size, a->vm);
	/* Frames user space still maps stay allocated (orphans). */
	if (a->owned)
		for (p = 0; p < a->npages; p++)
			model_frame_put(&M, a->owned[p], true);
	if (a->ever_mapped && !(a->flags & VM_FLUSH_NOW) && !cached)
		model_lazy_add(&M, a->start, a->size >> PAGE_SHIFT);
	model_area_free(&M, i);
	if (c >= 0) {
		struct model_area *ca = &M.areas[c];

		for (p = 0; p < ca->npages; p++)
			model_frame_put(&M, ca->owned[p], true);
		if (!(ca->flags & VM_FLUSH_NOW))
			model_lazy_add(&M, ca->start, ca->size >> PAGE_SHIFT);
		model_area_free(&M, c);
	}
	/* Gone at once: no lookup finds it, no PTE is left. (Threaded:
	 * another worker may have the range already; see the barriers.) */
	if (concurrent())
		return;
	EXPECT(!find_vm_area((void *)start) && !find_vm_area((void *)(start + size - 1)),
	       "freed area 0x%lx + 0x%lx is still found", start, size);
	/* Cached: mapped until reused or drained; else retired (cache_follow). */
	for (p = 0; !cached && p < size; p += max_ul(PAGE_SIZE, size / 8 & PAGE_MASK))
		EXPECT(!vmalloc_to_page((void *)(start + p)) && !pt_lookup(start + p),
		       "freed area 0x%lx: page at +0x%lx still mapped (%s, %s)", start, p,
		       kind_name(kind), plain ? "plain" : "not plain");
}

/* ------------------------------------------------------------------ */
/* Ops: allocation                                                     */
/* ------------------------------------------------------------------ */

static bool model_full(void)
{
	return M.nr_areas + 2 > MODEL_MAX_AREAS;
}

/* Threaded: what the current creating call reserved (reserve()). */
static __thread struct resv rsv;

static void op_vmalloc_1(void)
{
	static const char *const names[] = { "vmalloc", "vzalloc", "vmalloc_user",
		"vmalloc_32", "vmalloc_32_user", "vmalloc_node", "vzalloc_node",
		"vmalloc_exec", "__vmalloc", "__vmalloc_node_range",
		"__vmalloc(2)", "__vmalloc_node", "vmalloc_array", "__vmalloc_array",
		"vcalloc", "__vcalloc" };
	unsigned int v = (unsigned int)below(v3 ? 16 : 10);
	unsigned long size = pick_vsize(), real, npages, arr = 0, d;
	size_t an = 0, asz = 0;		/* the array calls' n and size */
	bool overflow = false, nofail, nofail_exact;
	gfp_t gfp = GFP_KERNEL | __GFP_HIGHMEM;
	pgprot_t prot = PAGE_KERNEL;
	unsigned long vmf = 0;
	int node = -1;
	const void *caller = NULL;
	struct req rq = { .align = 1, .start = START, .end = END };
	const char *refuse = NULL;
	bool vpages, must_ok, reserves;
	struct purge_exp pe;
	void *p;

	switch (v) {
	case 1: case 2: case 4: case 6:
		gfp |= __GFP_ZERO;
		break;
	}
	if (v == 2 || v == 4)
		vmf = VM_USERMAP;
	if (v == 3 || v == 4)
		gfp = (gfp & __GFP_ZERO) | GFP_KERNEL | GFP_DMA32;
	if (v == 5 || v == 6)
		node = pick_node();
	if (v == 7)
		prot = PAGE_KERNEL_EXEC;
	if (v >= 8) {
		gfp = pick_gfp();
		prot = pick_prot();
	}
	if (v3 && v >= 8 && v != 12 && v != 14)
		gfp = pick_gfp_nofail();
	if (v == 9) {
		rq.align = pick_align();
		pick_window(&rq.start, &rq.end);
		vmf = pick_vmflags();
		node = pick_node();
		caller = (const void *)(uintptr_t)u32();
	}
	if (v >= 10)
		prot = PAGE_KERNEL;	/* today's calls: always PAGE_KERNEL */
	if (v == 11) {
		rq.align = pick_align();
		node = pick_node();
		caller = (const void *)(uintptr_t)u32();
	}
	if (v == 12 || v == 14)
		gfp = GFP_KERNEL;
	if (v == 14 || v == 15)
		gfp |= __GFP_ZERO;
	if (v >= 12) {
		/* n elements of asz bytes: about size, overflowing, or 0. */
		static const size_t el[] = { 1, 8, 24, 3, PAGE_SIZE, 40, 2, 512 };
		unsigned int r = (unsigned int)below(16);

		asz = el[below(8)];
		an = (size + asz - 1) / asz;
		if (size >= ULONG_MAX - asz)
			an = size / asz;
		if (r == 12) {
			asz = 2 + below(PAGE_SIZE);
			an = ULONG_MAX / asz + 1 + below(16);
		} else if (r == 13) {
			an = 1UL << 32;
			asz = 1UL << 32;
		} else if (r == 14) {
			if (chance(128))
				an = 0;
			else
				asz = 0;
		} else if (r == 15) {
			an = 1 + below(4);
			asz = ULONG_MAX / an + 1;
		}
		overflow = __builtin_mul_overflow(an, asz, &size);
		if (overflow)
			size = 0;
		want_line = overflow ? "overflow" : NULL;
		saw_line = false;
	}
	nofail = gfp & __GFP_NOFAIL;
	if (v >= 12)
		what("%s(%zu, %zu: size 0x%lx%s) gfp 0x%x", names[v], an, asz, size,
		     overflow ? ", n x size overflows" : "", gfp);
	else
		what("%s(size 0x%lx) gfp 0x%x prot 0x%llx vm_flags 0x%lx node %d align 0x%lx window 0x%lx-0x%lx",
		     names[v], size, gfp, (unsigned long long)pgprot_val(prot), vmf, node,
		     rq.align, rq.start, rq.end);

	/* What __vmalloc_node_range must do. */
	real = PAGE_ALIGN(size);
	npages = real >> PAGE_SHIFT;
	vpages = M.vpages && npages * sizeof(struct page *) > PAGE_SIZE;
	if (vpages)
		arr = PAGE_ALIGN(npages * sizeof(struct page *)) >> PAGE_SHIFT;
	rq.size = real;
	rq.flags = VM_ALLOC | vmf;
	if (overflow)
		refuse = "n x size overflows";
	else if (!size)
		refuse = "size 0";
	else if (!real || npages > M.phys_pages || npages > UINT_MAX)
		refuse = "more than the pool";
	else if (!prot_ok(prot) || node < -1 || node >= (int)M.nodes)
		refuse = "bad protection or node";
	else
		refuse = req_check(&rq);
	pe = purge_expect(&rq, !refuse, vpages, npages + arr + PT_SLACK(npages));
	if (nofail)
		pe.never = false;	/* a failed try purges and tries again */
	reserves = !refuse;
	/* Cached frames serve too: vmalloc drains the cache before failing. */
	if (!refuse && nthreads == 1 && npages + arr > prev.free_pages + prev.cache_pages &&
	    !nofail)
		refuse = "more frames than are free";	/* after the reservation */
	/*
	 * __GFP_NOFAIL tries again after a failure: one injected failure
	 * (the nth attempt) cannot make it fail.
	 */
	nofail_exact = nofail && fault_active && fault_nth && nthreads == 1;
	must_ok = !refuse && (!fault_active || nofail_exact) && !vpages &&
		  !(gfp & __GFP_THISNODE) &&
		  prev.free_pages >= npages + PT_SLACK(npages) &&
		  room(&rq);
	if (nthreads > 1) {
		bool whole = !refuse && !M.fast && rq.ealign == PAGE_SIZE &&
			     rq.vs == START && rq.ve == END;
		unsigned int ok = reserve(&rsv,
			refuse ? 0 : npages + arr + PT_SLACK(npages) + (vpages ? PT_SLACK(arr) : 0),
			refuse ? 0 : (rq.total >> PAGE_SHIFT) + (vpages ? arr + 1 : 0),
			whole ? rq.total >> PAGE_SHIFT : 0);

		must_ok = !refuse && !vpages && !(gfp & __GFP_THISNODE) && ok == 3;
	}

	switch (v) {
	case 0: p = vmalloc(size); break;
	case 1: p = vzalloc(size); break;
	case 2: p = vmalloc_user(size); break;
	case 3: p = vmalloc_32(size); break;
	case 4: p = vmalloc_32_user(size); break;
	case 5: p = vmalloc_node(size, node); break;
	case 6: p = vzalloc_node(size, node); break;
	case 7: p = vmalloc_exec(size); break;
	case 8: p = __vmalloc(size, gfp, prot); break;
	case 9:
		p = __vmalloc_node_range(size, rq.align, rq.start, rq.end, gfp,
					 prot, vmf, node, caller);
		break;
	case 10: p = __vmalloc(size, gfp); break;
	case 11: p = __vmalloc_node(size, rq.align, gfp, node, caller); break;
	case 12: p = vmalloc_array(an, asz); break;
	case 13: p = __vmalloc_array(an, asz, gfp); break;
	case 14: p = vcalloc(an, asz); break;
	default: p = __vcalloc(an, asz, gfp & ~__GFP_ZERO); break;
	}
	if (v3)
		R->kind[FZK_VMALLOC_KIND + v]++;
	if (v >= 12) {
		EXPECT(saw_line || !overflow, "%s(%zu, %zu) overflows, but no log line says so",
		       names[v], an, asz);
		want_line = NULL;
		if (overflow)
			R->kind[FZK_ARRAY_OVERFLOW]++;
	}
	if (nofail) {
		R->kind[p ? FZK_NOFAIL_OK : FZK_NOFAIL_FAILED]++;
		meta_may_change = true;	/* the retries' purges shrink blocks */
	}
	snap();
	if (nofail_exact && p && cur.fault_injected > prev.fault_injected)
		R->kind[FZK_NOFAIL_PAST_FAULT]++;
	d = follow_purges();
	check_purges(&pe, d);
	if (!p && nofail && size) {
		/* Loudly, __GFP_NOWARN or not: a line and a warning. */
		EXPECT(nofail_lines == 1, "failed __GFP_NOFAIL call logged %lu 'cannot be satisfied' lines",
		       nofail_lines);
		M.warnings++;
	} else {
		EXPECT(!nofail_lines, "%s logged 'cannot be satisfied' (returned %p)", names[v], p);
	}
	nofail_lines = 0;
	if (!p) {
		EXPECT(!must_ok || (fault_possible() && !nofail_exact),
		       "%s failed although %lu frames were free and the window had room%s",
		       names[v], nthreads > 1 ? nr_free_pages() : prev.free_pages,
		       nofail_exact ? " (__GFP_NOFAIL, one failure injected)" : "");
		if (vpages && nthreads > 1) {
			/* The page array may have been mapped, then freed lazily. */
			lock();
			G.lazy_slack += arr + 1;
			unlock();
			meta_may_change = true;
		} else if (vpages && cur.lazy_pages == M.lazy_pages + arr + 1) {
			/* The page array was vmalloc()ed, then freed lazily. */
			M.lazy[M.nr_lazy].start = 0;
			M.lazy[M.nr_lazy++].pages = arr + 1;
			M.lazy_pages += arr + 1;
			meta_may_change = true;
		} else if (vpages && nofail && cur.lazy_pages > M.lazy_pages &&
			   (cur.lazy_pages - M.lazy_pages) % (arr + 1) == 0) {
			/* Tries after the purge: each may leave its array. */
			M.lazy[M.nr_lazy].start = 0;
			M.lazy[M.nr_lazy++].pages = cur.lazy_pages - M.lazy_pages;
			M.lazy_pages = cur.lazy_pages;
			meta_may_change = true;
		}
		failed_pages = npages + 1 + (vpages ? arr + 1 : 0);
		check_counts(reserves ? FAILED : SAME);
		if (refuse)
			R->refused++;
		else
			R->calls_failed++;
		return;
	}
	EXPECT(!refuse, "%s returned %p although it must fail: %s", names[v], p,
	       refuse);
	{
		struct newarea n = {
			.kind = MODEL_VMALLOC, .addr = (unsigned long)p, .rq = &rq,
			.flags = rq.flags | (vpages ? VM_VPAGES : 0),
			.npages = npages, .prot = prot,
			.zero = gfp & __GFP_ZERO, .purged = d != 0,
			.vpages = vpages, .node = -1,
			.caller_set = v == 9 || v == 11, .caller = caller,
			.plain = pgprot_val(prot) == pgprot_val(PAGE_KERNEL),
		};

		/*
		 * Frames come from @node when it has room for all of them
		 * (free frames on per-CPU lists included). VMFUZZ_LAX_NODE=1
		 * skips this check (see fuzz/README.md).
		 */
		if (node >= 0 && (gfp & __GFP_THISNODE ||
				  (!lax_node && nthreads == 1 && prev.node_free_pages[node] >=
				   npages + arr + PT_SLACK(npages))))
			n.node = node;
		if (gfp & (__GFP_DMA32 | __GFP_DMA))
			EXPECT(vmalloc_to_pfn(p) < (1UL << 20), "DMA32 frame above 4 GiB");
		adopt(&n);
	}
	check_counts(CHANGED);
}

static void op_get_vm_area_1(void)
{
	static const char *const names[] = { "get_vm_area", "get_vm_area_node",
		"__get_vm_area", "__get_vm_area_aligned", "alloc_vm_area",
		"get_vm_area_caller", "__get_vm_area_caller" };
	unsigned int v = (unsigned int)below(v3 ? 7 : 5);
	struct req rq = { .align = 1, .start = START, .end = END };
	const char *refuse;
	const void *caller = NULL;
	struct vm_struct *vm;
	struct purge_exp pe;
	int node = -1;
	gfp_t gfp = GFP_KERNEL;
	bool must_ok;
	unsigned long d;

	rq.size = pick_gva_size();
	rq.flags = v == 4 ? VM_IOREMAP : pick_area_flags();
	if (v == 1) {
		node = pick_node();
		gfp = chance(128) ? GFP_KERNEL : GFP_KERNEL | __GFP_NOWARN;
	}
	if (v == 2 || v == 3 || v == 6)
		pick_window(&rq.start, &rq.end);
	if (v == 3) {
		rq.align = pick_align();
		caller = (const void *)(uintptr_t)u32();
	}
	if (v >= 5)
		caller = (const void *)(uintptr_t)u32();
	what("%s(size 0x%lx, flags 0x%lx) align 0x%lx window 0x%lx-0x%lx node %d",
	     names[v], rq.size, rq.flags, rq.align, rq.start, rq.end, node);
	refuse = req_check(&rq);
	pe = purge_expect(&rq, !refuse, false,
			  v == 4 && !refuse ? PT_SLACK(rq.total >> PAGE_SHIFT) : 0);
	must_ok = !refuse && !fault_active &&
		  room(&rq) &&
		  (v != 4 || prev.free_pages >= PT_SLACK(rq.total >> PAGE_SHIFT));
	if (nthreads > 1)
		must_ok = !refuse && reserve_req(&rsv, &rq,
			v == 4 ? PT_SLACK(rq.total >> PAGE_SHIFT) : 0, v == 4);

	switch (v) {
	case 0: vm = get_vm_area(rq.size, rq.flags); break;
	case 1: vm = get_vm_area_node(rq.size, rq.flags, node, gfp); break;
	case 2: vm = __get_vm_area(rq.size, rq.flags, rq.start, rq.end); break;
	case 3:
		vm = __get_vm_area_aligned(rq.size, rq.align, rq.flags, rq.start,
					  rq.end, caller);
		break;
	case 5:
		vm = get_vm_area_caller(rq.size, rq.flags, caller);
		R->kind[FZK_GVA_CALLER]++;
		break;
	case 6:
		vm = __get_vm_area_caller(rq.size, rq.flags, rq.start, rq.end, caller);
		R->kind[FZK_GVA_CALLER2]++;
		break;
	default: vm = alloc_vm_area(rq.size); break;
	}
	snap();
	d = follow_purges();
	check_purges(&pe, d);
	if (!vm) {
		EXPECT(!must_ok || fault_possible(), "%s failed although the window had room",
		       names[v]);
		if (!refuse)
			failed_pages = rq.total >> PAGE_SHIFT;
		check_counts(refuse ? SAME : FAILED);
		if (refuse)
			R->refused++;
		else
			R->calls_failed++;
		return;
	}
	EXPECT(!refuse, "%s returned an area although it must fail: %s",
	       names[v], refuse);
	EXPECT(find_vm_area(vm->addr) == vm, "find_vm_area(%p) is not the new area", vm->addr);
	{
		struct newarea n = {
			.kind = MODEL_GVA, .vm = vm, .rq = &rq, .flags = rq.flags,
			.purged = d != 0, .node = -1,
			.caller_set = v == 3 || v >= 5, .caller = caller,
		};

		adopt(&n);
	}
	check_counts(CHANGED);
}

/*
 * Fill parr[0..count) from the driver's frames: a run with a stride
 * (0: one frame repeated), then a few random entries; few input bytes
 * for any count. Return how many frames the driver has (0: none).
 */
static unsigned int fill_pages(unsigned int count)
{
	static __thread struct page *frames[MODEL_MAX_BLOCKS * 4];
	unsigned int nf = driver_frames(frames, MODEL_MAX_BLOCKS * 4), i, n;
	unsigned long first, stride;

	if (!nf)
		return 0;
	count = (unsigned int)min_ul(count, PARR_MAX);
	first = below(nf);
	stride = below(4);
	for (i = 0; i < count; i++)
		parr[i] = frames[(first + i * stride) % nf];
	for (n = (unsigned int)below(4); count && n; n--)
		parr[below(count)] = frames[below(nf)];
	return nf;
}

/* A hostile entry in parr[0..count): NULL or no page. Return its kind. */
static const char *spoil_pages(unsigned int count, unsigned int *at)
{
	*at = (unsigned int)below(count);
	switch (below(v2 ? 4 : 3)) {
	case 3: {
		/* A page that is not allocated: one the driver freed (one
		 * thread only: another would get it meanwhile). */
		struct page *pg = M.freed_pos && nthreads == 1 ?
			M.freed_heads[below(min_ul(M.freed_pos, 16))] : NULL;

		if (pg && sem.strict_pages && !page_count(pg)) {
			parr[*at] = pg;
			return "a free page";
		}
		parr[*at] = (struct page *)(void *)some_static;
		return "foreign";
	}
	case 0:
		parr[*at] = NULL;
		return "NULL";
	case 1:
		parr[*at] = (struct page *)(void *)some_static;
		return "foreign";
	default:
		parr[*at] = (struct page *)((char *)parr[*at] + 1);
		return "misaligned";
	}
}

static void op_page_alloc_in(void);

static void op_vmap_1(void)
{
	static const unsigned long fl[] = { VM_MAP, VM_MAP, VM_MAP, VM_ALLOC,
		VM_IOREMAP, VM_USERMAP | VM_MAP, 0, VM_VPAGES, 0x4000,
		VM_USERMAP, VM_MAP, VM_MAP };
	unsigned int count, r = (unsigned int)below(16), bad_at = 0, k;
	unsigned long flags = fl[below(12)], d;
	pgprot_t prot = pick_prot();
	/* Third format: vmap_pfn() of the same frames by number. */
	bool pfn = v3 && chance(64);
	static __thread unsigned long pfns[PARR_MAX + 1];
	struct req rq = { .align = 1, .start = START, .end = END };
	const char *refuse = NULL, *spoiled = NULL;
	struct page **pages = parr;
	struct purge_exp pe;
	bool must_ok;
	void *v;

	if (r < 10)
		count = 1 + (unsigned int)below(16);
	else if (r < 13)
		count = 1 + (unsigned int)below(64);
	else if (r == 13)
		count = 1 + (unsigned int)below(PARR_MAX);
	else if (r == 14)
		count = 0;
	else
		count = chance(128) ? UINT_MAX : (unsigned int)M.phys_pages + 1;
	if (!fill_pages(min_ul(count, PARR_MAX))) {
		op_page_alloc_in();
		return;
	}
	if (count && count <= PARR_MAX && chance(32))
		spoiled = spoil_pages(count, &bad_at);
	if (chance(8))
		pages = NULL;
	if (pfn) {
		flags = VM_IOREMAP;	/* vmap_pfn's area, aligned as ioremap's */
		for (k = 0; k < min_ul(count, PARR_MAX); k++)
			pfns[k] = pfn_of(parr[k]);
		if (spoiled && strcmp(spoiled, "a free page")) {
			/* No frame of the pool: past its end, or far off. */
			static const unsigned long far[] = { ULONG_MAX, 1UL << 52,
				ULONG_MAX >> PAGE_SHIFT, 0 };

			pfns[bad_at] = far[below(4)];
			if (!pfns[bad_at] || pfn_to_page(pfns[bad_at]))
				pfns[bad_at] = pfn_of(parr[(bad_at + 1) % count]) +
					       4 * M.phys_pages + below(1024);
			EXPECT(!pfn_to_page(pfns[bad_at]), "pfn 0x%lx is in the pool",
			       pfns[bad_at]);
			spoiled = "a pfn outside the pool";
		} else if (spoiled) {
			pfns[bad_at] = pfn_of(parr[bad_at]);
		}
	} else {
		flags |= pick_today_flags();
	}
	what("%s(%s, %u pages, flags 0x%lx, prot 0x%llx)%s%s", pfn ? "vmap_pfn" : "vmap",
	     pages ? "pages" : "NULL", count, flags,
	     (unsigned long long)pgprot_val(prot), spoiled ? " with a bad entry: " : "",
	     spoiled ? spoiled : "");

	rq.size = (unsigned long)count << PAGE_SHIFT;
	rq.flags = flags;
	if (!count)
		refuse = "count 0";
	else if (!pages || count > M.phys_pages || !prot_ok(prot))
		refuse = "bad arguments";
	else if (spoiled)
		refuse = "bad page entry";
	else
		refuse = req_check(&rq);
	pe = purge_expect(&rq, !refuse, false, PT_SLACK(count));
	must_ok = !refuse && !fault_active && prev.free_pages >= PT_SLACK(count) &&
		  room(&rq);
	if (nthreads > 1)
		must_ok = !refuse && reserve_req(&rsv, &rq, PT_SLACK(count), true);

	if (pfn) {
		v = vmap_pfn(pages ? pfns : NULL, count, prot);
		R->kind[FZK_VMAP_PFN]++;
		if (v)
			R->kind[FZK_VMAP_PFN_OK]++;
	} else {
		v = vmap(pages, count, flags, prot);
	}
	snap();
	d = follow_purges();
	check_purges(&pe, d);
	if (!v) {
		EXPECT(!must_ok || fault_possible(), "vmap failed although the range had room");
		if (!refuse)
			failed_pages = rq.total >> PAGE_SHIFT;
		check_counts(refuse ? SAME : FAILED);
		if (refuse)
			R->refused++;
		else
			R->calls_failed++;
		return;
	}
	EXPECT(!refuse, "vmap returned %p although it must fail: %s", v, refuse);
	{
		struct newarea n = {
			.kind = MODEL_VMAP, .addr = (unsigned long)v, .rq = &rq,
			.flags = flags, .npages = count, .prot = prot,
			.pages = parr, .purged = d != 0, .node = -1,
		};

		adopt(&n);
	}
	for (k = 0; k < count; k++)
		EXPECT(vmalloc_to_page((char *)v + (unsigned long)k * PAGE_SIZE) == parr[k],
		       "vmap page %u maps the wrong frame", k);
	check_counts(CHANGED);
}

/* ------------------------------------------------------------------ */
/* Ops: the driver's own pages                                         */
/* ------------------------------------------------------------------ */

static bool block_mapped(unsigned int b)
{
	unsigned long pfn0 = pfn_of(M.blocks[b].head), n = 1UL << M.blocks[b].order;
	unsigned long p;
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		const struct model_area *a = &M.areas[i];

		if (!a->used || !a->map)
			continue;
		for (p = 0; p < a->npages; p++)
			if (a->map[p] && pfn_of(a->map[p]) - pfn0 < n)
				return true;
	}
	return false;
}

static int pick_block(void)
{
	int b, n = 0, k;

	for (b = 0; b < MODEL_MAX_BLOCKS; b++)
		n += M.blocks[b].used;
	if (!n)
		return -1;
	k = (int)below((unsigned long)n);
	for (b = 0; b < MODEL_MAX_BLOCKS; b++)
		if (M.blocks[b].used && k-- == 0)
			return b;
	return -1;
}

/*
 * The driver drops one of its references on block @b: __free_pages()
 * of the head, or (@put) put_page() of page @k of it. The last of all
 * references frees the block; the driver's last leaves it to user
 * space (orphans) if that still maps it.
 */
static void block_put(unsigned int b, bool put, unsigned long k)
{
	struct model_block *bl = &M.blocks[b];
	struct page *head = bl->head, *pg = pfn_to_page(pfn_of(head) + k);

	if (put)
		what("put_page(pfn 0x%lx) [block pfn 0x%lx order %u, driver refs %u, count %u]",
		     pfn_of(pg), pfn_of(head), bl->order, bl->drefs, head_refs(head));
	else
		what("__free_pages(pfn 0x%lx, order %u) [driver refs %u, count %u]",
		     pfn_of(head), bl->order, bl->drefs, head_refs(head));
	release_if_last(head);
	if (put)
		put_page(pg);
	else
		__free_pages(head, bl->order);
	bl->drefs--;
	if (model_frame_put(&M, head, !bl->drefs)) {
		M.freed_heads[M.freed_pos % 16] = head;
		M.freed_orders[M.freed_pos++ % 16] = bl->order;
	}
	if (!bl->drefs) {
		bl->used = false;
		M.nr_blocks--;
	}
	if (bl->used || !concurrent())	/* else another worker may have it */
		EXPECT(page_count(head) == (int)head_refs(head),
		       "page_count(pfn 0x%lx) = %d, model %u", pfn_of(head),
		       page_count(head), head_refs(head));
}

/* Give the driver's block @b back to the page allocator and the model. */
static void block_free(unsigned int b)
{
	while (M.blocks[b].used)
		block_put(b, false, 0);
}

static __thread struct resv prsv;	/* op_page_alloc's reservation */
static __thread bool plain_alloc;	/* alloc_pages(), not alloc_pages_node() */

static void op_page_alloc_1(void)
{
	unsigned int order = below(8) < 6 ? 0 : 1 + (unsigned int)below(2);
	gfp_t gfp = GFP_KERNEL;
	int nid = -1, b;
	unsigned long j;
	struct page *pg;
	bool must_ok;
	const char *refuse = NULL;

	if (chance(128))
		gfp |= __GFP_ZERO;
	if (chance(32))
		gfp |= __GFP_DMA32;
	if (chance(48))
		nid = pick_node();
	if (nid >= 0 && chance(64))
		gfp |= __GFP_THISNODE;
	if (chance(8))
		order = chance(128) ? MAX_ORDER : 31;
	for (b = 0; b < MODEL_MAX_BLOCKS && M.blocks[b].used; b++)
		;
	if (b == MODEL_MAX_BLOCKS)
		return;
	if (plain_alloc) {
		nid = -1;
		gfp &= ~__GFP_THISNODE;
		what("alloc_pages(0x%x, order %u)", gfp, order);
	} else {
		what("alloc_pages_node(%d, 0x%x, order %u)", nid, gfp, order);
	}
	if (order >= MAX_ORDER)
		refuse = "order too large";
	else if (nid < -1 || nid >= (int)M.nodes)
		refuse = "no such node";
	else if (nthreads == 1 && (1UL << order) > prev.free_pages + prev.cache_pages)
		refuse = "more than is free";	/* (a drain gives the cache's back) */
	must_ok = !refuse && !fault_active && !order &&
		  prev.free_pages > 64 &&
		  (!(gfp & __GFP_THISNODE) || prev.node_free_pages[nid] > 64);
	if (nthreads > 1)
		must_ok = !refuse && !order && !(gfp & __GFP_THISNODE) &&
			  (reserve(&prsv, refuse ? 0 : 1UL << order, 0, 0) & 1);
	if (plain_alloc)
		pg = order ? alloc_pages(gfp, order) : alloc_page(gfp);
	else
		pg = alloc_pages_node(nid, gfp, order);
	snap();
	if (!pg) {
		EXPECT(!must_ok || fault_possible(), "alloc_pages_node failed with %lu frames free",
		       prev.free_pages);
		check_counts(SAME);
		if (refuse)
			R->refused++;
		else
			R->calls_failed++;
		return;
	}
	EXPECT(!refuse, "alloc_pages_node returned a page although: %s", refuse);
	EXPECT(!(pfn_of(pg) & ((1UL << order) - 1)), "order-%u block at pfn 0x%lx",
	       order, pfn_of(pg));
	if (gfp & __GFP_THISNODE)
		EXPECT(page_to_nid(pg) == nid, "__GFP_THISNODE page on node %d, not %d",
		       page_to_nid(pg), nid);
	M.blocks[b] = (struct model_block){ true, pg, order, 1 };
	M.nr_blocks++;
	for (j = 0; j < (1UL << order); j++) {
		struct page *f = pfn_to_page(pfn_of(pg) + j);
		unsigned char *data = page_address(f);
		int prev_owner = 0;
		unsigned long k;

		EXPECT(f && data, "frame %lu of a new block has no address", j);
		if (!model_frame_add(&M, f, -1 - b, data, &prev_owner))
			FAIL("new block: frame pfn 0x%lx already belongs to %s",
			     pfn_of(f), owner_name(prev_owner));
		if ((prev_owner = frame_claim(f)) >= 0)
			FAIL("new block: frame pfn 0x%lx belongs to thread %d",
			     pfn_of(f), prev_owner);
		model_frame(&M, f)->head = pg;
		model_frame(&M, f)->order = order;
		if (gfp & __GFP_ZERO)
			EXPECT(!memcmp(data, zero_page, PAGE_SIZE),
			       "__GFP_ZERO frame pfn 0x%lx is not zero", pfn_of(f));
		/* A pattern the driver owns: vmap readers will see it. */
		if (chance(160)) {
			struct model_frame *mf = model_frame(&M, f);
			uint8_t seed = u8();

			for (k = 0; k < PAGE_SIZE; k++)
				data[k] = (unsigned char)(seed + k * 7 + (k >> 8));
			memcpy(mf->data, data, PAGE_SIZE);
		}
	}
	R->calls_ok++;
	check_counts(CHANGED);
}

/* Inside a creating call: "creators" is held already. */
static void op_page_alloc_in(void)
{
	op_page_alloc_1();
	unreserve(&prsv);
}

/* Threaded: a creator too, so that a worker holding "creators"
 * exclusively knows that no frame gets allocated meanwhile. */
static void op_page_alloc(void)
{
	creating(true);
	op_page_alloc_in();
	creating(false);
}

/*
 * Reference counts of the driver's blocks (second format): get_page and
 * put_page of any page of a block, __free_pages with references left,
 * page_count; and the refusals, each one warning: a pointer that is no
 * page, and get_page, put_page, __free_pages of a block freed before.
 */
static void op_refs(void)
{
	unsigned int r = (unsigned int)below(8);
	int b = pick_block();
	struct model_block *bl;
	struct page *pg;
	unsigned long k;

	switch (r) {
	case 0: case 1:
		if (b < 0) {
			op_page_alloc();
			return;
		}
		bl = &M.blocks[b];
		k = below(1UL << bl->order);
		pg = pfn_to_page(pfn_of(bl->head) + k);
		what("get_page(pfn 0x%lx) [block pfn 0x%lx order %u, count %u]", pfn_of(pg),
		     pfn_of(bl->head), bl->order, head_refs(bl->head));
		get_page(pg);
		bl->drefs++;
		model_frame(&M, bl->head)->refs++;
		EXPECT(page_count(pg) == (int)head_refs(pg) &&
		       page_count(bl->head) == (int)head_refs(pg),
		       "after get_page: page_count %d (head %d), model %u", page_count(pg),
		       page_count(bl->head), head_refs(pg));
		snap();
		check_counts(SAME);
		return;
	case 2: case 3:
		if (b < 0)
			return;
		bl = &M.blocks[b];
		if (bl->drefs == 1 && block_mapped((unsigned int)b)) {
			what("(block %d is mapped: no put)", b);
			return;
		}
		k = below(1UL << bl->order);
		block_put((unsigned int)b, r == 2, k);
		snap();
		check_counts(CHANGED);
		return;
	case 4: {
		int i = pick_area(K_VMALLOC | K_VMAP | K_GVA);
		const struct model_area *a;

		if (i < 0 || !M.areas[i].map)
			return;
		a = &M.areas[i];
		k = below(a->npages);
		pg = a->map[k];
		if (!pg)
			return;
		what("page_count(pfn 0x%lx) [%s area #%lu page %lu]", pfn_of(pg),
		     kind_name(a->kind), a->id, k);
		EXPECT(page_count(pg) == (int)head_refs(pg), "page_count(pfn 0x%lx) = %d, model %u",
		       pfn_of(pg), page_count(pg), head_refs(pg));
		return;
	}
	case 5:
		what("get_page, put_page, page_count of NULL and of a pointer that is no page");
		get_page(NULL);
		put_page(NULL);
		get_page((struct page *)(void *)some_static);
		put_page((struct page *)(void *)some_static);
		M.warnings += 2;
		EXPECT(!page_count(NULL) && !page_count((struct page *)(void *)some_static),
		       "page_count of no page is not 0");
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	default: {
		unsigned int v = (unsigned int)below(3), order;
		bool excl = concurrent();

		if (!M.freed_pos)
			return;
		k = below(min_ul(M.freed_pos, 16));
		pg = M.freed_heads[k];
		order = M.freed_orders[k];
		/* Free now, and (threaded) no frame is allocated meanwhile. */
		if (excl)
			exclusive(true);
		if (page_count(pg)) {
			if (excl)
				exclusive(false);
			return;	/* in use again */
		}
		what("%s(pfn 0x%lx%s) [a block freed before]",
		     v == 0 ? "get_page" : v == 1 ? "put_page" : "__free_pages", pfn_of(pg),
		     v == 2 ? (order ? ", its order" : ", order 0") : "");
		if (v == 0)
			get_page(pg);
		else if (v == 1)
			put_page(pg);
		else
			__free_pages(pg, order);
		EXPECT(!page_count(pg), "a free page has count %d after %s", page_count(pg),
		       v == 0 ? "get_page" : "a second free");
		if (excl)
			exclusive(false);
		M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	}
	}
}

static void op_pages(void)
{
	unsigned int r = (unsigned int)below(8);
	int b = pick_block();
	unsigned long j;

	if (r < 3 || b < 0) {
		op_page_alloc();
		return;
	}
	if (r < 5) {
		/* Free a block no live area maps. */
		if (block_mapped((unsigned int)b)) {
			what("(block %d is mapped: no free)", b);
			return;
		}
		block_free((unsigned int)b);
		snap();
		check_counts(CHANGED);
		return;
	}
	if (r < 7) {
		/* Write a pattern through the direct map. */
		unsigned long off = below(PAGE_SIZE), len = 1 + below(PAGE_SIZE - off);
		struct page *f = pfn_to_page(pfn_of(M.blocks[b].head) +
					     below(1UL << M.blocks[b].order));
		struct model_frame *mf = model_frame(&M, f);
		unsigned char *data = page_address(f), v = u8();

		what("write %lu bytes at +%lu of driver frame pfn 0x%lx", len, off, pfn_of(f));
		EXPECT(mf && data, "driver frame unknown");
		EXPECT(!memcmp(data, mf->data, PAGE_SIZE),
		       "driver frame pfn 0x%lx changed behind the driver's back", pfn_of(f));
		data_lock(true, false);
		for (j = 0; j < len; j++)
			data[off + j] = (unsigned char)(v + j);
		data_lock(false, false);
		memcpy(mf->data + off, data + off, len);
		return;
	}
	/* Hostile frees: wrong order, a tail page, no page at all. */
	{
		struct model_block *bl = &M.blocks[b];
		unsigned int k = (unsigned int)below(4);

		if (k == 0) {
			what("__free_pages(pfn 0x%lx, wrong order %u)", pfn_of(bl->head),
			     bl->order + 1);
			__free_pages(bl->head, bl->order + 1);
		} else if (k == 1 && bl->order) {
			what("__free_pages(tail pfn 0x%lx, 0)", pfn_of(bl->head) + 1);
			__free_pages(pfn_to_page(pfn_of(bl->head) + 1), 0);
		} else if (k == 2) {
			what("__free_pages(not a page, 0)");
			__free_pages((struct page *)(void *)some_static, 0);
		} else {
			what("__free_pages(NULL, 0)");
			__free_pages(NULL, 0);
			snap();
			check_counts(SAME);
			return;
		}
		M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
	}
}

/*
 * A racing double free (second format). The worker frees one of its
 * objects, a vmalloc/vmap/get_vm_area area (vfree) or a block with no
 * other reference (__free_pages), and offers the same free to another
 * worker, which takes it between its ops: both call at once. Exactly
 * one call must free; the other must warn ("nonexistent vm area", "Bad
 * page state") and change nothing. While it runs this worker holds
 * "creators" exclusively and page allocations are creators too: nothing
 * can take the freed range or frames for the second call to hit. With
 * one thread, or when no partner comes within a few milliseconds, the
 * worker makes the second call itself.
 */
static void duel_call(int kind, unsigned long addr, struct page *pg, unsigned int order)
{
	if (kind == 0 && v3 && (tid & 1))
		vfree_atomic((void *)addr);	/* the same semantics */
	else if (kind == 0)
		vfree((void *)addr);
	else
		__free_pages(pg, order);
}

/* Between ops: take an offered duel, if any. */
static void duel_take(void)
{
	int kind;
	unsigned long addr;
	struct page *pg;
	unsigned int order;

	if (__atomic_load_n(&G.dstate, __ATOMIC_ACQUIRE) != 1)
		return;
	pthread_mutex_lock(&G.dlock);
	if (G.dstate != 1) {
		pthread_mutex_unlock(&G.dlock);
		return;
	}
	__atomic_store_n(&G.dstate, 2, __ATOMIC_RELEASE);
	kind = G.dkind;
	addr = G.daddr;
	pg = G.dpg;
	order = G.dorder;
	pthread_cond_broadcast(&G.dcv);
	pthread_mutex_unlock(&G.dlock);
	__atomic_add_fetch(&G.dgo, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&G.dgo, __ATOMIC_ACQUIRE) < 2)
		sched_yield();
	duel_call(kind, addr, pg, order);
	pthread_mutex_lock(&G.dlock);
	__atomic_store_n(&G.dstate, 3, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&G.dcv);
	pthread_mutex_unlock(&G.dlock);
}

/* Offer the free, make it, and the second one: return whether it raced. */
static bool duel(int kind, unsigned long addr, struct page *pg, unsigned int order)
{
	bool partner = false;

	if (nthreads > 1 && concurrent()) {
		struct timespec until;

		pthread_mutex_lock(&G.dlock);
		if (!G.dstate) {
			G.dkind = kind;
			G.daddr = addr;
			G.dpg = pg;
			G.dorder = order;
			__atomic_store_n(&G.dgo, 0, __ATOMIC_RELEASE);
			__atomic_store_n(&G.dstate, 1, __ATOMIC_RELEASE);
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 20 * 1000 * 1000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			while (G.dstate == 1 &&
			       !pthread_cond_timedwait(&G.dcv, &G.dlock, &until))
				;
			if (G.dstate == 1)
				__atomic_store_n(&G.dstate, 0, __ATOMIC_RELEASE);
			else
				partner = true;
		}
		pthread_mutex_unlock(&G.dlock);
	}
	if (partner) {
		__atomic_add_fetch(&G.dgo, 1, __ATOMIC_ACQ_REL);
		while (__atomic_load_n(&G.dgo, __ATOMIC_ACQUIRE) < 2)
			sched_yield();
	}
	duel_call(kind, addr, pg, order);
	if (partner) {
		pthread_mutex_lock(&G.dlock);
		while (G.dstate != 3)
			pthread_cond_wait(&G.dcv, &G.dlock);
		__atomic_store_n(&G.dstate, 0, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&G.dlock);
	} else {
		duel_call(kind, addr, pg, order);
	}
	return partner;
}

static void op_free(void);

static void op_duel(void)
{
	bool excl = concurrent(), raced;
	int i = pick_area(K_USER), b = pick_block();

	if (chance(128) || b < 0) {
		struct model_area *a;

		if (i < 0) {
			op_free();
			return;
		}
		a = &M.areas[i];
		if (a->kind != MODEL_VMALLOC && a->kind != MODEL_VMAP && a->kind != MODEL_GVA)
			return;
		if (excl)
			exclusive(true);
		what("vfree(0x%lx) twice at once [%s area #%lu]", a->start, kind_name(a->kind),
		     a->id);
		pre_release(i);
		raced = duel(0, a->start, NULL, 0);
		/* Nobody can have made an area there meanwhile. */
		EXPECT(!find_vm_area((void *)a->start),
		       "after two vfree()s, find_vm_area(0x%lx) finds an area", a->start);
		if (excl)
			exclusive(false);
		by_vfree = true;
		model_released(i);
	} else {
		struct model_block *bl = &M.blocks[b];
		struct page *head = bl->head;

		if (bl->drefs != 1 || head_refs(head) != 1 || block_mapped((unsigned int)b))
			return;	/* a second free would drop someone's reference */
		if (excl)
			exclusive(true);
		what("__free_pages(pfn 0x%lx, order %u) twice at once", pfn_of(head), bl->order);
		release_if_last(head);
		raced = duel(1, 0, head, bl->order);
		bl->drefs = 0;
		model_frame_put(&M, head, true);
		M.freed_heads[M.freed_pos % 16] = head;
		M.freed_orders[M.freed_pos++ % 16] = bl->order;
		bl->used = false;
		M.nr_blocks--;
		EXPECT(!page_count(head), "after two frees, page_count(pfn 0x%lx) = %d",
		       pfn_of(head), page_count(head));
		if (excl)
			exclusive(false);
	}
	if (raced) {
		lock();
		G.duels_raced++;
		unlock();
		snprintf(op_what + strlen(op_what), sizeof(op_what) - strlen(op_what),
			 " [raced with another thread]");
	}
	M.warnings++;	/* one of the two calls */
	snap();
	check_counts(CHANGED);
}

/* ------------------------------------------------------------------ */
/* Ops: freeing                                                        */
/* ------------------------------------------------------------------ */

static void op_free(void)
{
	int i = pick_area(K_USER);
	struct model_area *a;
	unsigned int m;
	struct vm_struct *vm;

	if (i < 0) {
		/* Maybe a removed descriptor to free. */
		if (M.nr_removed) {
			struct model_removed *rm = &M.removed[0];

			what("free_vm_area(removed %p)", (void *)rm->vm);
			reg_gone_removed(rm->vm);
			free_vm_area(rm->vm);
			M.removed[0] = M.removed[--M.nr_removed];
			snap();
			check_counts(CHANGED);
		}
		return;
	}
	a = &M.areas[i];
	m = a->kind == MODEL_VMALLOC ? 0 : (unsigned int)below(5);
	if (M.nr_removed && chance(64)) {
		unsigned int k = (unsigned int)below(M.nr_removed);
		struct model_removed *rm = &M.removed[k];

		what("free_vm_area(removed descriptor %p of 0x%lx)", (void *)rm->vm, rm->addr);
		EXPECT((unsigned long)rm->vm->addr == rm->addr && rm->vm->size == rm->size,
		       "removed descriptor changed: addr %p size 0x%lx, expected 0x%lx 0x%lx",
		       rm->vm->addr, rm->vm->size, rm->addr, rm->size);
		reg_gone_removed(rm->vm);
		free_vm_area(rm->vm);
		M.removed[k] = M.removed[--M.nr_removed];
		snap();
		check_counts(CHANGED);
		return;
	}
	if (v3 && chance(48))
		m = 5;
	pre_release(i);
	switch (m) {
	case 0: case 4:
		what("vfree(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vfree((void *)a->start);
		by_vfree = true;
		break;
	case 5:
		what("vfree_atomic(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vfree_atomic((void *)a->start);
		by_vfree = true;
		R->kind[FZK_VFREE_ATOMIC]++;
		break;
	case 1:
		what("vunmap(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vunmap((void *)a->start);
		break;
	case 2:
		what("free_vm_area(%p) [%s area #%lu]", (void *)a->vm, kind_name(a->kind), a->id);
		free_vm_area(a->vm);
		break;
	default:
		if (M.nr_removed == MODEL_MAX_REMOVED) {
			what("vfree(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
			vfree((void *)a->start);
			by_vfree = true;
			break;
		}
		what("remove_vm_area(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vm = remove_vm_area((void *)a->start);
		EXPECT(vm == a->vm, "remove_vm_area returned %p, expected %p",
		       (void *)vm, (void *)a->vm);
		EXPECT((unsigned long)vm->addr == a->start && vm->size == a->npages * PAGE_SIZE,
		       "removed descriptor: addr %p size 0x%lx, expected 0x%lx 0x%lx",
		       vm->addr, vm->size, a->start, a->npages * PAGE_SIZE);
		M.removed[M.nr_removed++] = (struct model_removed){
			vm, a->start, a->npages * PAGE_SIZE, a->flags };
		reg_removed(a->id);
		break;
	}
	model_released(i);
	snap();
	check_counts(CHANGED);
}

/*
 * Frees the library must refuse (warn, change nothing) or ignore, or,
 * where the hostile address happens to be a live area's start, carry out.
 */
static void op_free_hostile_1(unsigned int m, unsigned long x);

static void op_free_hostile(void)
{
	unsigned int m = (unsigned int)below(6);
	unsigned long x = chance(16) ? 0 : pick_addr(K_ANY);
	bool excl = concurrent() && m < 3 && model_area_starting(&M, x) < 0;

	/*
	 * Threaded: a free of an address that is no area of this worker's
	 * must find no other worker's area there either, and none may
	 * appear meanwhile.
	 */
	if (excl) {
		exclusive(true);
		if (reg_start_other(x)) {
			exclusive(false);
			return;
		}
	}
	op_free_hostile_1(m, x);
	if (excl)
		exclusive(false);
}

static void op_free_hostile_1(unsigned int m, unsigned long x)
{
	int i = model_area_starting(&M, x);
	struct vm_struct fake, *vm;

	if (i >= 0 && M.areas[i].kind == MODEL_ARRAY) {
		if (!sem.hide_internal || m > 3)
			return;	/* the library's own page array: never */
		/* Semantic switch: refused by every public call. */
		what("%s(0x%lx) [a page array of the library's]",
		     m == 0 ? "vfree" : m == 1 ? "vunmap" : m == 2 ? "remove_vm_area" :
		     "free_vm_area", x);
		if (m == 0)
			vfree((void *)x);
		else if (m == 1)
			vunmap((void *)x);
		else if (m == 2)
			EXPECT(!remove_vm_area((void *)x), "remove_vm_area of a page array");
		else {
			/* Its descriptor is the library's: a copy of it. */
			memset(&fake, 0, sizeof(fake));
			fake.addr = (void *)x;
			fake.size = M.areas[i].size;
			fake.flags = VM_ALLOC;
			free_vm_area(&fake);
		}
		M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	}
	switch (m) {
	case 0: case 1: {	/* vfree (vfree_atomic), vunmap */
		bool atomic = !m && v3 && chance(64);

		what("%s(0x%lx)%s", m ? "vunmap" : atomic ? "vfree_atomic" : "vfree", x,
		     i >= 0 ? " [a live area]" : "");
		if (m && i >= 0 && M.areas[i].kind == MODEL_VMALLOC) {
			vunmap((void *)x);		/* refused: frames would leak */
			M.warnings++;
			R->refused++;
			snap();
			check_counts(SAME);
			return;
		}
		if (i >= 0)
			pre_release(i);
		if (atomic) {
			R->kind[FZK_VFREE_ATOMIC]++;
			/* A bad address: its log line names vfree_atomic. */
			want_line = x && i < 0 && !(x & (PAGE_SIZE - 1)) ?
				    "Trying to vfree_atomic() nonexistent" :
				    x && i < 0 ? "Trying to vfree_atomic() bad address" : NULL;
			saw_line = false;
			vfree_atomic((void *)x);
			EXPECT(!want_line || saw_line || concurrent(),
			       "vfree_atomic(0x%lx) did not log '%s'", x, want_line);
			want_line = NULL;
		} else {
			m ? vunmap((void *)x) : vfree((void *)x);
		}
		if (i >= 0) {
			by_vfree = !m;
			model_released(i);
			snap();
			check_counts(CHANGED);
			return;
		}
		if (x)
			M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	}
	case 2:			/* remove_vm_area */
		if (i >= 0 && (M.areas[i].kind == MODEL_VMALLOC ||
			       M.nr_removed == MODEL_MAX_REMOVED))
			return;		/* would leak the frames: never */
		what("remove_vm_area(0x%lx)%s", x, i >= 0 ? " [a live area]" : "");
		if (i >= 0)
			pre_release(i);
		vm = remove_vm_area((void *)x);
		if (i >= 0) {
			EXPECT(vm == M.areas[i].vm, "remove_vm_area gave %p, expected %p",
			       (void *)vm, (void *)M.areas[i].vm);
			M.removed[M.nr_removed++] = (struct model_removed){
				vm, x, M.areas[i].npages * PAGE_SIZE, M.areas[i].flags };
			reg_removed(M.areas[i].id);
			model_released(i);
			snap();
			check_counts(CHANGED);
			return;
		}
		EXPECT(!vm, "remove_vm_area(0x%lx) gave %p for no area", x, (void *)vm);
		if (x)
			M.warnings++;	/* since 20ac8f9 (a log line before) */
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	case 3:			/* free_vm_area of a copy */
		memset(&fake, 0, sizeof(fake));
		fake.addr = (void *)x;
		fake.size = i >= 0 ? M.areas[i].size : PAGE_SIZE * 2;
		fake.flags = VM_ALLOC;
		what("free_vm_area(a copy with addr 0x%lx)%s", x, i >= 0 ? " [a live area]" : "");
		free_vm_area(&fake);
		M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	case 4: {		/* free_vm_area of a descriptor freed before */
		const struct model_history *h;
		int live, rem;

		if (!M.history_pos || nthreads > 1)
			return;	/* threaded: another worker may reuse it meanwhile */
		h = &M.history[below(min_ul(M.history_pos, MODEL_MAX_HISTORY))];
		live = model_area_of_vm(&M, h->vm);
		rem = model_removed_of_vm(&M, h->vm);
		if (live >= 0 || rem >= 0)
			return;	/* reused since: not stale */
		what("free_vm_area(stale descriptor %p, was 0x%lx)", (void *)h->vm, h->addr);
		free_vm_area(h->vm);
		M.warnings++;
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	}
	default:		/* NULL everywhere */
		what("vfree/vunmap/remove_vm_area/free_vm_area(NULL)");
		vfree(NULL);
		vunmap(NULL);
		EXPECT(!remove_vm_area(NULL), "remove_vm_area(NULL) returned an area");
		free_vm_area(NULL);
		snap();
		check_counts(SAME);
		return;
	}
}

/* ------------------------------------------------------------------ */
/* Ops: map_vm_area, unmap_kernel_range                                */
/* ------------------------------------------------------------------ */

static void op_map_vm_area_1(void)
{
	int i = pick_area(chance(200) ? K_GVA : K_USER);
	unsigned int r = (unsigned int)below(12), bad_at = 0;
	pgprot_t prot = chance(200) ? pick_prot() : PAGE_KERNEL;
	struct vm_struct fake, *area;
	struct page **cursor = parr, ***pp = &cursor;
	const char *spoiled = NULL;
	int expect = 0, got;
	unsigned long nr = 0, p;
	struct model_area *a = NULL;
	bool frames_ok;

	if (i >= 0)
		a = &M.areas[i];
	if (r == 0 && M.nr_removed) {
		area = M.removed[below(M.nr_removed)].vm;
		a = NULL;
	} else if (r == 1) {
		memset(&fake, 0, sizeof(fake));
		fake.addr = a ? (void *)a->start : (void *)START;
		fake.size = a ? a->size : 2 * PAGE_SIZE;
		fake.flags = VM_ALLOC;
		area = &fake;
		a = NULL;
	} else if (r == 2) {
		area = NULL;
		a = NULL;
	} else if (!a) {
		return;
	} else {
		area = a->vm;
	}
	if (a && a->npages > PARR_MAX) {
		what("(map_vm_area: area too large for the driver's arrays)");
		return;
	}
	if (a)
		nr = a->npages;
	if (!fill_pages((unsigned int)max_ul(nr, 1))) {
		op_page_alloc_in();
		return;
	}
	if (r == 3 && nr)
		spoiled = spoil_pages((unsigned int)nr, &bad_at);
	if (r == 4)
		pp = NULL;
	if (r == 5)
		cursor = NULL;
	what("map_vm_area(%s, prot 0x%llx, %s)%s%s",
	     a ? kind_name(a->kind) : (area ? "a descriptor that is no live area" : "NULL"),
	     (unsigned long long)pgprot_val(prot), pp ? (cursor ? "pages" : "&NULL") : "NULL",
	     spoiled ? " bad entry: " : "", spoiled ? spoiled : "");

	/* The checks in map_vm_area's order. */
	if (!area || !pp || !cursor || !prot_ok(prot) || !a) {
		expect = -EINVAL;
	} else {
		for (p = 0; p < nr && !expect; p++) {
			if (!parr[p])
				expect = -ENOMEM;
			else if (spoiled && p == bad_at)
				expect = -EINVAL;
			else if (a->map && a->map[p])
				expect = -EBUSY;
		}
	}
	frames_ok = prev.free_pages >= PT_SLACK(nr);
	if (nthreads > 1)
		frames_ok = reserve(&rsv, expect ? 0 : PT_SLACK(nr), 0, 0) & 1;
	got = map_vm_area(area, prot, pp);
	snap();
	follow_purges();	/* a mapping short of memory purges, retries */
	if (expect) {
		EXPECT(got == expect, "map_vm_area returned %d, expected %d", got, expect);
		EXPECT(cursor == parr || !cursor, "failed map_vm_area moved the cursor");
		R->refused++;
		check_counts(SAME);
		return;
	}
	if (got) {
		EXPECT(got == -ENOMEM && (fault_possible() || !frames_ok),
		       "map_vm_area returned %d with %lu frames free", got, prev.free_pages);
		EXPECT(cursor == parr, "failed map_vm_area moved the cursor");
		R->calls_failed++;
		failed_pages = nr + 1;
		check_counts(FAILED);
		return;
	}
	EXPECT(cursor == parr + nr, "map_vm_area advanced the cursor by %ld, not %lu",
	       (long)(cursor - parr), nr);
	EXPECT(model_area_maps(&M, i) == 0, "driver out of memory");
	for (p = 0; p < nr; p++) {
		a->map[p] = parr[p];
		a->prot[p] = pgprot_val(prot);
	}
	a->ever_mapped = true;
	check_ptes(i, true);
	check_direct(i);
	R->calls_ok++;
	check_counts(CHANGED);
}

/* After unmap_kernel_range(addr, size) of a good range. */
static bool huge_span(unsigned long *s, unsigned long *e);

static void op_unmap_done(unsigned long addr, unsigned long size, unsigned long end)
{
	unsigned long p;
	int k;

	for (k = 0; k < MODEL_MAX_AREAS; k++) {
		struct model_area *a = &M.areas[k];

		if (!a->used || !a->map)
			continue;
		for (p = 0; p < a->npages; p++) {
			unsigned long va = a->start + p * PAGE_SIZE;

			if (va >= addr && va < end)
				a->map[p] = NULL;
		}
	}
	for (p = 0; p < size; p += max_ul(PAGE_SIZE, (size / 8) & PAGE_MASK))
		EXPECT(!vmalloc_to_page((void *)(addr + p)),
		       "0x%lx still mapped after unmap_kernel_range", addr + p);
	R->calls_ok++;
	check_counts(CHANGED);
}

static void op_unmap_range(void)
{
	unsigned long addr, size, end, addr0, size0;
	bool others = false;
	unsigned int r = (unsigned int)below(10);
	int i = pick_area(v2 && chance(24) ? K_ANY : K_USER), k;
	bool bad;

	if (r < 5 && i >= 0) {
		const struct model_area *a = &M.areas[i];
		unsigned long first = below(a->npages);

		addr = a->start + first * PAGE_SIZE;
		size = (1 + below(a->npages - first + (r == 4))) * PAGE_SIZE;
		if (r == 0) {
			addr = a->start;
			size = a->npages * PAGE_SIZE;
		}
	} else if (r < 7) {
		addr = START + below(range_pages()) * PAGE_SIZE;
		size = (1 + below(64)) * PAGE_SIZE;
	} else {
		static const unsigned long sz[] = { 0, 1, PAGE_SIZE + 1, ULONG_MAX & PAGE_MASK,
						    2 * PAGE_SIZE };

		addr = pick_addr(K_USER);
		size = sz[below(5)];
	}
	end = addr + size;
	addr0 = addr;
	size0 = size;
	bad = !size || end < addr || ((addr | size) & (PAGE_SIZE - 1)) ||
	      addr < START || end > END;
	/*
	 * A 2 MiB leaf goes whole, with a warning (merged API only).
	 * Threaded, over no area of this worker's: the leaves there may be
	 * others', looked at only with "creators" held exclusively (below).
	 */
	if (!bad && concurrent()) {
		int j = model_area_at(&M, addr);

		others = j < 0 || end > M.areas[j].start + M.areas[j].size;
	}
	if (!bad && merged && !others && huge_span(&addr, &end)) {
		M.warnings++;
		R->kind[FZK_HUGE_UNMAP_WIDE]++;
		size = end - addr;
	}
	/* The library's own page arrays: refused (hide_internal), else never. */
	for (k = 0; !bad && k < MODEL_MAX_AREAS; k++)
		if (M.areas[k].used && M.areas[k].kind == MODEL_ARRAY &&
		    M.areas[k].start < end && addr < M.areas[k].start + M.areas[k].size) {
			if (!sem.hide_internal)
				return;
			what("unmap_kernel_range(0x%lx, 0x%lx) [holds a page array of the library's]",
			     addr, size);
			unmap_kernel_range(addr0, size0);
			M.warnings++;
			R->refused++;
			for (k = 0; k < MODEL_MAX_AREAS; k++)
				if (M.areas[k].used && M.areas[k].start < end &&
				    addr < M.areas[k].start + M.areas[k].size)
					check_ptes(k, false);
			snap();
			check_counts(SAME);
			return;
		}
	if (others) {
		/* Not inside one area of this worker: others must have none
		 * there, and get none while it runs. */
		{
			exclusive(true);
			if (merged && huge_span(&addr, &end))
				size = end - addr;
			if (reg_meets_other(addr, size)) {
				exclusive(false);
				return;
			}
			if (addr != addr0 || size != size0) {
				M.warnings++;
				R->kind[FZK_HUGE_UNMAP_WIDE]++;
			}
			what("unmap_kernel_range(0x%lx, 0x%lx) [no other thread's area there]",
			     addr, size);
			unmap_kernel_range(addr0, size0);
			op_unmap_done(addr, size, end);
			exclusive(false);
			return;
		}
	}
	what("unmap_kernel_range(0x%lx, 0x%lx)%s", addr0, size0, bad ? " [bad range]" :
	     addr != addr0 || size != size0 ? " [cuts a 2 MiB leaf: all of it goes]" : "");
	unmap_kernel_range(addr0, size0);
	snap();
	if (bad) {
		M.warnings++;
		R->refused++;
		check_counts(SAME);
		return;
	}
	op_unmap_done(addr, size, end);
}

/* ------------------------------------------------------------------ */
/* Ops: vread, vwrite                                                  */
/* ------------------------------------------------------------------ */

static unsigned long pick_count(unsigned long addr)
{
	switch (below(16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: case 3: case 4: return 1 + below(64);
	case 5: case 6: return 1 + below(4 * PAGE_SIZE);
	case 7: case 8: return 1 + below(64 * PAGE_SIZE);
	case 9: return ULONG_MAX;
	case 10: return ULONG_MAX - addr;
	case 11: return -addr;			/* addr + count == 2^64 */
	case 12: return 1UL << 63;
	case 13: return (1 + below(16)) * PAGE_SIZE;
	case 14: return 1 + below(RW_MAX);
	default: return u64();
	}
}

static void op_rw_exact(bool write, unsigned long addr, unsigned long count,
			unsigned long span, bool nullbuf);

/*
 * Threaded: a vread over other workers' areas. Their contents change
 * under it, areas come and go: what it returns is bounded by this
 * worker's areas it reaches and the count; the bytes of this worker's
 * areas (and their guard pages) are exact, nothing past the return
 * value is written.
 */
static void op_rw_weak(unsigned long addr, unsigned long count)
{
	unsigned long lo, k;
	long got;
	int i;

	if (addr + count < addr)
		count = 0 - addr - 1;	/* the library clips there too */
	count = min_ul(count, RW_MAX);
	lo = model_rw_span(&M, addr, count);
	what("vread(buf, 0x%lx, 0x%lx) [over other threads' areas; this thread's span %lu]",
	     addr, count, lo);
	memset(rw_buf, CANARY, count + RW_CANARY);
	data_lock(true, true);
	got = vread((char *)rw_buf, (char *)addr, count);
	data_lock(false, true);
	EXPECT(got >= (long)lo && (unsigned long)got <= count,
	       "vread returned %ld: below this thread's areas (%lu) or past the count", got, lo);
	for (k = (unsigned long)got; k < count + RW_CANARY && k < (unsigned long)got + RW_CANARY; k++)
		EXPECT(rw_buf[k] == CANARY, "vread wrote byte %lu past its return value %ld", k, got);
	model_read(&M, addr, (unsigned long)got, rw_exp);
	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		const struct model_area *a = &M.areas[i];
		unsigned long s, e;

		if (!a->used)
			continue;
		s = max_ul(addr, a->start);
		e = min_ul(addr + (unsigned long)got, a->start + a->size);
		for (k = s; k < e; k++)
			EXPECT(rw_buf[k - addr] == rw_exp[k - addr],
			       "vread: byte at 0x%lx (%s area #%lu of this thread) is 0x%02x, model 0x%02x",
			       k, kind_name(a->kind), a->id, rw_buf[k - addr], rw_exp[k - addr]);
	}
}

static void op_rw(bool write)
{
	unsigned long addr = pick_addr(K_ANY), count = pick_count(addr), span;
	bool nullbuf = chance(4);

	span = model_rw_span(&M, addr, count);
	if (span > RW_MAX) {
		count = 1 + below(RW_MAX);
		span = model_rw_span(&M, addr, count);
	}
	if (concurrent() && !nullbuf && count) {
		unsigned long len = addr + count < addr ? 0 - addr : count;
		int j = model_area_at(&M, addr);

		/* Not inside one area of this worker's? */
		if (j < 0 || len > M.areas[j].start + M.areas[j].size - addr) {
			exclusive(true);
			if (!reg_meets_other(addr, len)) {
				op_rw_exact(write, addr, count, span, nullbuf);
				exclusive(false);
				return;
			}
			exclusive(false);
			if (!write)
				op_rw_weak(addr, count);
			return;
		}
	}
	op_rw_exact(write, addr, count, span, nullbuf);
}

static void op_rw_exact(bool write, unsigned long addr, unsigned long count,
			unsigned long span, bool nullbuf)
{
	unsigned long k;
	long got;
	int i;

	what("%s(%s, 0x%lx, 0x%lx) [model span %lu]", write ? "vwrite" : "vread",
	     nullbuf ? "NULL" : "buf", addr, count, span);
	if (nullbuf) {
		got = write ? vwrite(NULL, (char *)addr, count) : vread(NULL, (char *)addr, count);
		EXPECT(!got, "with a NULL buffer it returned %ld", got);
		snap();
		check_counts(SAME);
		return;
	}
	if (!write) {
		unsigned long tail = min_ul(count - span, RW_CANARY);

		memset(rw_buf, CANARY, span + tail);
		got = vread((char *)rw_buf, (char *)addr, count);
		EXPECT(got == (long)span, "vread returned %ld, model %lu", got, span);
		model_read(&M, addr, span, rw_exp);
		if (memcmp(rw_buf, rw_exp, span)) {
			for (k = 0; rw_buf[k] == rw_exp[k]; k++)
				;
			FAIL("vread: byte %lu (0x%lx) is 0x%02x, model 0x%02x", k, addr + k,
			     rw_buf[k], rw_exp[k]);
		}
		for (k = span; k < span + tail; k++)
			EXPECT(rw_buf[k] == CANARY, "vread wrote byte %lu past its span %lu", k, span);
	} else {
		uint8_t seed = u8();

		for (k = 0; k < span; k++)
			rw_buf[k] = (unsigned char)(seed ^ (k * 13) ^ (k >> 9));
		/* Over the library's page arrays, write what is there (with
		 * the semantic switch: anything, it must not land). */
		for (i = 0; i < MODEL_MAX_AREAS && !sem.hide_internal; i++) {
			const struct model_area *a = &M.areas[i];
			unsigned long lo, hi;

			if (!a->used || a->kind != MODEL_ARRAY || !span)
				continue;
			lo = max_ul(addr, a->start);
			hi = min_ul(addr + span, a->start + a->size);
			if (lo < hi)
				model_read(&M, lo, hi - lo, rw_buf + (lo - addr));
		}
		got = vwrite((char *)rw_buf, (char *)addr, count);
		EXPECT(got == (long)span, "vwrite returned %ld, model %lu", got, span);
		model_write(&M, addr, span, rw_buf);
		/* Read it back. */
		if (span)
			check_contents(addr, span, "after vwrite");
	}
	if (want_counts()) {
		snap();
		check_counts(SAME);
	}
}

/* ------------------------------------------------------------------ */
/* Ops: remap_vmalloc_range                                            */
/* ------------------------------------------------------------------ */

/*
 * Release user range @vma, which maps @pages[0..n): each frame loses
 * the reference the mapping held, a frame whose area is gone is freed
 * with its last.
 */
static void urange_release(struct vm_area_struct *vma, struct page **pages,
			   unsigned long n)
{
	bool drops = sem.refcounts;
	unsigned long j;

	/* Threaded: frames this release frees are free for others at once. */
	for (j = 0; j < n && drops && nthreads > 1; j++) {
		const struct model_frame *f = model_frame(&M, pages[j]), *h;
		unsigned long i, same = 0, pfn;

		h = f ? model_frame(&M, f->head) : NULL;
		if (!h)
			continue;
		for (i = 0; i < n; i++) {
			const struct model_frame *g = model_frame(&M, pages[i]);

			if (g && g->head == h->pg) {
				if (i < j)
					break;	/* counted at its first page */
				same++;
			}
		}
		if (i < n || h->refs != same)
			continue;
		for (i = 0, pfn = pfn_of(h->pg); i < (1UL << h->order); i++)
			frame_release(pfn_to_page(pfn + i));
	}
	vm_user_range_release(vma);
	for (j = 0; j < n && drops; j++)
		model_frame_put(&M, pages[j], false);
}

static void op_remap(void)
{
	int i = -1, k;
	unsigned int r = (unsigned int)below(16);
	struct vm_area_struct vma, call;
	unsigned long x, pages, pgoff, npages = 0, j;
	int expect = 0, got, err;
	bool late = false, alien, excl;
	const struct model_area *a = NULL;
	struct page *mapped[MODEL_URANGE_PAGES];
	unsigned long nmapped = 0;

	/* Prefer areas that may be mapped to user space. */
	if (chance(200)) {
		int n = 0;

		for (k = 0; k < MODEL_MAX_AREAS; k++)
			n += M.areas[k].used && (M.areas[k].flags & VM_USERMAP);
		if (n) {
			n = (int)below((unsigned long)n);
			for (k = 0; k < MODEL_MAX_AREAS; k++)
				if (M.areas[k].used && (M.areas[k].flags & VM_USERMAP) &&
				    n-- == 0)
					i = k;
		}
	}
	if (i < 0)
		i = pick_area(K_ANY);
	if (i >= 0) {
		a = &M.areas[i];
		npages = a->npages;
	}
	x = a && r < 12 ? a->start : pick_addr(K_ANY);
	if (r == 12 && a)
		x = a->start + 1;
	pages = 1 + below(min_ul(npages + 2, 24));
	switch (below(8)) {
	case 0: pgoff = npages ? below(npages + 2) : 0; break;
	case 1: pgoff = chance(128) ? 1UL << 52 : ULONG_MAX; break;
	case 2: pgoff = 1UL << 51; break;
	default:
		pgoff = npages > pages ? below(npages - pages + 1) : 0;
		break;
	}
	err = vm_user_range_reserve(&vma, pages * PAGE_SIZE);
	EXPECT(!err, "vm_user_range_reserve(%lu pages) failed: %d", pages, err);
	call = vma;
	switch (below(16)) {
	case 0: call.vm_end = call.vm_start; break;		/* empty */
	case 1: call.vm_end = call.vm_start - PAGE_SIZE; break;	/* inverted */
	case 2: call.vm_start += 1; break;			/* unaligned */
	case 3: call.vm_mm = NULL; break;			/* not reserved */
	case 4: call.vm_end += PAGE_SIZE; break;		/* past the reservation */
	}
	alien = call.vm_mm != vma.vm_mm || call.vm_end > vma.vm_end;
	what("remap_vmalloc_range(vma of %lu pages, 0x%lx, pgoff 0x%lx)%s", pages, x, pgoff,
	     call.vm_end != vma.vm_end || call.vm_start != vma.vm_start || !call.vm_mm ?
	     " [bad vma]" : "");

	k = model_area_starting(&M, x);
	if (call.vm_end <= call.vm_start ||
	    ((call.vm_start | call.vm_end) & (PAGE_SIZE - 1)) || (x & (PAGE_SIZE - 1)) ||
	    k < 0 || !(M.areas[k].flags & VM_USERMAP) || pgoff > M.areas[k].npages ||
	    call.vm_end - call.vm_start > (M.areas[k].npages - pgoff) * PAGE_SIZE) {
		expect = -EINVAL;
	} else {
		/* An unmapped page is found while mapping: after the runs
		 * before it, whose mapping may fail first under injection. */
		for (j = 0; j < (call.vm_end - call.vm_start) >> PAGE_SHIFT; j++)
			if (!M.areas[k].map || !M.areas[k].map[pgoff + j])
				expect = -EINVAL;
		/* A vma the engine did not reserve: its mapping fails. */
		if (alien)
			expect = -EINVAL;
		late = !alien;
	}
	/* Threaded: no other worker's area there, none appearing. */
	excl = concurrent() && k < 0;
	if (excl) {
		exclusive(true);
		if (reg_start_other(x)) {
			exclusive(false);
			vm_user_range_release(&vma);
			return;
		}
	}
	got = remap_vmalloc_range(&call, (void *)x, pgoff);
	if (excl)
		exclusive(false);
	EXPECT(got == expect || (fault_possible() && late && got < 0),
	       "remap_vmalloc_range returned %d, expected %d", got, expect);
	if (!got) {
		const struct model_area *t = &M.areas[k];

		EXPECT(call.vm_flags & VM_RESERVED, "remap did not set VM_RESERVED");
		for (j = 0; j < pages; j++) {
			unsigned long upfn = vm_user_range_pfn(&call, call.vm_start + j * PAGE_SIZE);
			const struct model_frame *f = model_frame(&M, t->map[pgoff + j]);

			EXPECT(upfn == pfn_of(t->map[pgoff + j]) &&
			       upfn == vmalloc_to_pfn((void *)(x + (pgoff + j) * PAGE_SIZE)),
			       "user page %lu maps pfn 0x%lx, model 0x%lx", j, upfn,
			       pfn_of(t->map[pgoff + j]));
			if (is_host && f)
				EXPECT(!memcmp((void *)(call.vm_start + j * PAGE_SIZE), f->data,
					       PAGE_SIZE),
				       "user page %lu: contents differ from the model", j);
			mapped[j] = t->map[pgoff + j];
		}
		nmapped = pages;
		/* Each user page holds a reference on its frame. */
		for (j = 0; j < pages && sem.refcounts; j++) {
			struct model_frame *h = model_frame(&M, model_frame(&M, mapped[j])->head);

			h->refs++;
		}
		for (j = 0; j < pages; j++)
			EXPECT(page_count(mapped[j]) == (int)head_refs(mapped[j]),
			       "after remap: page_count(pfn 0x%lx) = %d, model %u",
			       pfn_of(mapped[j]), page_count(mapped[j]), head_refs(mapped[j]));
		R->calls_ok++;
		/* Keep the user range for a while (second format). */
		if (v2 && chance(96)) {
			for (k = 0; k < MODEL_MAX_URANGES && M.uranges[k].used; k++)
				;
			if (k < MODEL_MAX_URANGES) {
				struct model_urange *u = &M.uranges[k];

				u->used = true;
				u->vma = vma;
				u->npages = pages;
				memcpy(u->pages, mapped, pages * sizeof(mapped[0]));
				snprintf(op_what + strlen(op_what),
					 sizeof(op_what) - strlen(op_what),
					 " [user range kept]");
				snap();
				follow_purges();
				check_counts(CHANGED);
				return;
			}
		}
	} else {
		for (j = 0; j < pages; j++)
			EXPECT(!vm_user_range_pfn(&vma, vma.vm_start + j * PAGE_SIZE),
			       "failed remap left user page %lu mapped", j);
		R->refused++;
	}
	urange_release(&vma, mapped, nmapped);
	if (want_counts()) {
		snap();
		follow_purges();	/* user_map short of memory purges */
		check_counts(SAME);
	}
}

/* User range k of this worker: the frames it maps, their counts and
 * (host) their contents through it. */
static void check_urange(const struct model_urange *u)
{
	unsigned long j;

	for (j = 0; j < u->npages; j++) {
		unsigned long ua = u->vma.vm_start + j * PAGE_SIZE;
		unsigned long upfn = vm_user_range_pfn(&u->vma, ua);
		const struct model_frame *f = model_frame(&M, u->pages[j]);

		EXPECT(upfn == pfn_of(u->pages[j]),
		       "user range 0x%lx page %lu maps pfn 0x%lx, model 0x%lx",
		       u->vma.vm_start, j, upfn, pfn_of(u->pages[j]));
		EXPECT(f, "user range 0x%lx page %lu: frame pfn 0x%lx left the model",
		       u->vma.vm_start, j, pfn_of(u->pages[j]));
		EXPECT(page_count(u->pages[j]) == (int)head_refs(u->pages[j]),
		       "user range 0x%lx page %lu: page_count(pfn 0x%lx) = %d, model %u",
		       u->vma.vm_start, j, pfn_of(u->pages[j]), page_count(u->pages[j]),
		       head_refs(u->pages[j]));
		if (is_host)
			EXPECT(!memcmp((void *)ua, f->data, PAGE_SIZE),
			       "user range 0x%lx page %lu (pfn 0x%lx%s): contents differ from the model",
			       u->vma.vm_start, j, pfn_of(u->pages[j]),
			       f->owner == MODEL_ORPHAN ? ", its area freed" : "");
	}
}

/*
 * A second remap_vmalloc_range() into kept user range @u, from one of
 * this worker's VM_USERMAP areas: each page then maps the new frame, the
 * frame it mapped before loses that page's reference (an orphan's last
 * frees it). Threaded: only when no frame can be freed so (another
 * worker could get it before the model knows).
 */
static void urange_again(struct model_urange *u)
{
	struct page *now[MODEL_URANGE_PAGES];
	unsigned long j, pgoff = 0;
	int i, k, err;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		const struct model_area *a = &M.areas[i];

		if (!a->used || !(a->flags & VM_USERMAP) || a->npages < u->npages || !a->map)
			continue;
		for (j = 0; j < u->npages && a->map[j]; j++)
			;
		if (j == u->npages)
			break;
	}
	if (i == MODEL_MAX_AREAS)
		return;
	for (j = 0; nthreads > 1 && j < u->npages; j++) {
		const struct model_frame *f = model_frame(&M, u->pages[j]);

		if (f && f->owner == MODEL_ORPHAN && head_refs(u->pages[j]) <= u->npages)
			return;
	}
	what("remap_vmalloc_range(kept user range 0x%lx of %lu pages, again, %s area #%lu)",
	     u->vma.vm_start, u->npages, kind_name(M.areas[i].kind), M.areas[i].id);
	err = remap_vmalloc_range(&u->vma, (void *)M.areas[i].start, pgoff);
	EXPECT(!err || fault_possible(), "a second remap into a kept range returned %d", err);
	for (j = 0; j < u->npages; j++) {
		unsigned long pfn = vm_user_range_pfn(&u->vma, u->vma.vm_start + j * PAGE_SIZE);

		now[j] = pfn ? pfn_to_page(pfn) : NULL;
		if (!err)
			EXPECT(now[j] == M.areas[i].map[j],
			       "after a second remap, user page %lu maps pfn 0x%lx, model 0x%lx",
			       j, pfn, pfn_of(M.areas[i].map[j]));
		else
			EXPECT(!now[j] || now[j] == u->pages[j],
			       "after a failed second remap, user page %lu maps pfn 0x%lx (was 0x%lx)",
			       j, pfn, pfn_of(u->pages[j]));
	}
	/* New references first: a frame mapped both before and after. */
	for (j = 0; j < u->npages; j++)
		if (now[j] && now[j] != u->pages[j])
			model_frame(&M, model_frame(&M, now[j])->head)->refs++;
	for (j = 0; j < u->npages; j++)
		if (now[j] != u->pages[j])
			model_frame_put(&M, u->pages[j], false);
	if (err) {
		/* Pages the failed remap left unmapped hold nothing: release
		 * the range with the frames it still maps. */
		for (j = 0, k = 0; j < u->npages; j++)
			if (now[j])
				now[k++] = now[j];
		urange_release(&u->vma, now, (unsigned long)k);
		u->used = false;
	} else {
		for (j = 0; j < u->npages; j++)
			u->pages[j] = now[j];
		check_urange(u);
	}
	snap();
	check_counts(CHANGED);
}

/* Check a kept user range, and sometimes release it (second format). */
static void op_urange(void)
{
	int k, n = 0;
	struct model_urange *u = NULL;

	for (k = 0; k < MODEL_MAX_URANGES; k++)
		n += M.uranges[k].used;
	if (!n) {
		op_remap();
		return;
	}
	n = (int)below((unsigned long)n);
	for (k = 0; k < MODEL_MAX_URANGES; k++)
		if (M.uranges[k].used && n-- == 0)
			u = &M.uranges[k];
	what("user range 0x%lx (%lu pages): check%s", u->vma.vm_start, u->npages,
	     "");
	check_urange(u);
	if (chance(64)) {
		urange_again(u);
		return;
	}
	if (chance(128)) {
		what("vm_user_range_release(0x%lx, %lu pages)", u->vma.vm_start, u->npages);
		urange_release(&u->vma, u->pages, u->npages);
		u->used = false;
		snap();
		check_counts(CHANGED);
	}
}

/* ------------------------------------------------------------------ */
/* Ops: lookups and translation                                        */
/* ------------------------------------------------------------------ */

static void op_find(void)
{
	unsigned long x = pick_addr(K_ANY);
	int i = model_area_at(&M, x);
	struct vm_struct *vm = find_vm_area((void *)x), *want = i >= 0 ? M.areas[i].vm : NULL;
	struct page *pg = vmalloc_to_page((void *)x), *wpg = NULL;

	what("find_vm_area/vmalloc_to_page/vmalloc_to_pfn(0x%lx)", x);
	if (i < 0 && !concurrent() && cached_at(x)) {
		/* Cached (mapped, its frames no one's) or retired (not yet
		 * seen): in no listing either way. */
		EXPECT(!vm, "find_vm_area(0x%lx) = %p in a freed (cached) area", x, (void *)vm);
		EXPECT(!pg || !model_frame(&M, pg),
		       "vmalloc_to_page(0x%lx) in a cached area = pfn 0x%lx, a frame the model knows",
		       x, pfn_of(pg));
		EXPECT(vmalloc_to_pfn((void *)x) == (pg ? pfn_of(pg) : 0),
		       "vmalloc_to_pfn(0x%lx) = 0x%lx, vmalloc_to_page %p", x,
		       vmalloc_to_pfn((void *)x), (void *)pg);
		if (want_counts()) {
			snap();
			check_counts(SAME);
		}
		return;
	}
	if (i < 0 && concurrent()) {
		/* Another worker's area may be there: not one of this one's. */
		EXPECT(!vm || (model_area_of_vm(&M, vm) < 0 && model_removed_of_vm(&M, vm) < 0),
		       "find_vm_area(0x%lx) = %p, a descriptor of this thread's elsewhere",
		       x, (void *)vm);
		EXPECT(!pg || !model_frame(&M, pg),
		       "vmalloc_to_page(0x%lx) = pfn 0x%lx, a frame of this thread's mapped elsewhere",
		       x, pfn_of(pg));
		return;
	}
	if (i >= 0 && M.areas[i].kind == MODEL_ARRAY && sem.hide_internal)
		want = NULL;	/* semantic switch: internal areas are hidden */
	EXPECT(vm == want, "find_vm_area(0x%lx) = %p, model %p (%s)", x, (void *)vm,
	       (void *)want, i >= 0 ? kind_name(M.areas[i].kind) : "no area");
	if (i >= 0) {
		const struct model_area *a = &M.areas[i];
		unsigned long p = (x - a->start) >> PAGE_SHIFT;

		if (p < a->npages && a->map)
			wpg = a->map[p];
	}
	EXPECT(pg == wpg, "vmalloc_to_page(0x%lx) = %p, model %p", x, (void *)pg, (void *)wpg);
	EXPECT(vmalloc_to_pfn((void *)x) == (wpg ? pfn_of(wpg) : 0),
	       "vmalloc_to_pfn(0x%lx) = 0x%lx, model 0x%lx", x,
	       vmalloc_to_pfn((void *)x), wpg ? pfn_of(wpg) : 0);
	if (wpg) {
		const struct model_frame *f = model_frame(&M, wpg);

		EXPECT(f && !memcmp(page_address(wpg), f->data, PAGE_SIZE),
		       "frame behind 0x%lx differs from the model", x);
	}
	if (want_counts()) {
		snap();
		check_counts(SAME);
	}
}

/* Host: read and write an area through its pointer. */
static void op_direct(void)
{
	int i = pick_area(K_USER);
	struct model_area *a;
	unsigned long p, off, len, j;
	struct model_frame *f;
	unsigned char *va;

	if (i < 0)
		return;
	a = &M.areas[i];
	if (!a->map)
		return;
	p = below(a->npages);
	if (!a->map[p])
		return;
	f = model_frame(&M, a->map[p]);
	off = below(PAGE_SIZE);
	len = 1 + below(PAGE_SIZE - off);
	va = is_host ? (unsigned char *)(a->start + p * PAGE_SIZE)
		     : page_address(a->map[p]);
	what("%s %lu bytes at +0x%lx of %s area #%lu page %lu", is_host ? "deref" :
	     "page_address", len, off, kind_name(a->kind), a->id, p);
	EXPECT(f && !memcmp(va + off, f->data + off, len),
	       "contents at 0x%lx differ from the model", a->start + p * PAGE_SIZE + off);
	if ((a->prot[p] & _PAGE_RW) && chance(128)) {
		uint8_t v = u8();

		data_lock(true, false);
		for (j = 0; j < len; j++)
			va[off + j] = (unsigned char)(v + 3 * j);
		data_lock(false, false);
		memcpy(f->data + off, va + off, len);
	}
}

/* ------------------------------------------------------------------ */
/* Ops: __vmalloc_area, __vmalloc_area_node (second op table)          */
/* ------------------------------------------------------------------ */

/* May __vmalloc_area() populate area @i (a live, never mapped VM_ALLOC area)? */
static bool populatable(int i)
{
	const struct model_area *a = &M.areas[i];

	return a->kind == MODEL_GVA && (a->flags & VM_ALLOC) &&
	       !(a->flags & VM_IOREMAP) && !a->ever_mapped;
}

static int pick_populatable(void)
{
	int k, n = 0;

	for (k = 0; k < MODEL_MAX_AREAS; k++)
		n += M.areas[k].used && populatable(k);
	if (!n)
		return -1;
	n = (int)below((unsigned long)n);
	for (k = 0; k < MODEL_MAX_AREAS; k++)
		if (M.areas[k].used && populatable(k) && n-- == 0)
			return k;
	return -1;
}

/*
 * get_vm_area(size, VM_ALLOC [| VM_USERMAP]) for __vmalloc_area: a new
 * area of this worker's, or -1 when there is none (failure as allowed).
 */
static int new_alloc_area(void)
{
	struct req rq = { .align = 1, .start = START, .end = END };
	unsigned int r = u8();
	struct vm_struct *vm;
	unsigned long pages;
	bool must_ok;

	if (r < 200)
		pages = 1 + below(r < 120 ? 16 : 128);
	else if (r < 240)
		pages = 129 + below(700);	/* page array > 1 page: kmalloc'ed still */
	else
		pages = chance(128) ? prev.free_pages + 1 + below(64) : M.phys_pages + 1;
	rq.size = pages * PAGE_SIZE - (chance(64) ? below(PAGE_SIZE) : 0);
	rq.flags = VM_ALLOC | (chance(64) ? VM_USERMAP : 0);
	if (req_check(&rq))
		return -1;
	what("get_vm_area(size 0x%lx, flags 0x%lx) for __vmalloc_area", rq.size, rq.flags);
	must_ok = !fault_active && room(&rq);
	if (nthreads > 1)
		must_ok = reserve_req(&rsv, &rq, pages + PT_SLACK(pages), false);
	vm = get_vm_area(rq.size, rq.flags);
	snap();
	follow_purges();
	if (!vm) {
		EXPECT(!must_ok || fault_possible(), "get_vm_area failed although the range had room");
		failed_pages = rq.total >> PAGE_SHIFT;
		check_counts(FAILED);
		R->calls_failed++;
		return -1;
	}
	{
		struct newarea n = {
			.kind = MODEL_GVA, .vm = vm, .rq = &rq, .flags = rq.flags,
			.purged = true, .node = -1,
		};
		int i = adopt(&n);

		check_counts(CHANGED);
		return i;
	}
}

static void op_vmalloc_area_1(void)
{
	unsigned int r = (unsigned int)below(16);
	bool with_node = chance(128);
	gfp_t gfp = chance(176) ? (GFP_KERNEL | __GFP_HIGHMEM |
				   (chance(128) ? __GFP_ZERO : 0)) : pick_gfp();
	pgprot_t prot = chance(216) ? (chance(200) ? PAGE_KERNEL : PAGE_KERNEL_RO) : pick_prot();
	int node = with_node ? pick_node() : -1, i = -1;
	struct vm_struct fake, *area = NULL;
	const char *target;
	bool usable = false, bad_args, must_ok = false;
	unsigned long npages = 0, p;
	void *ret;

	switch (r) {
	case 10:	/* a live area it must refuse: mapped, vmalloc, vmap, ... */
		i = pick_area(K_ANY);
		if (i >= 0 && (populatable(i) || !M.areas[i].vm))
			i = -1;
		target = "a live area that is no unmapped VM_ALLOC area";
		break;
	case 11:	/* a removed descriptor */
		if (!M.nr_removed)
			return;
		area = M.removed[below(M.nr_removed)].vm;
		target = "a removed descriptor";
		break;
	case 12:	/* a copy of a live area's descriptor */
		i = pick_area(K_ANY);
		memset(&fake, 0, sizeof(fake));
		fake.addr = i >= 0 ? (void *)M.areas[i].start : (void *)START;
		fake.size = i >= 0 ? M.areas[i].size : 2 * PAGE_SIZE;
		fake.flags = VM_ALLOC;
		area = &fake;
		i = -1;
		target = "a copy of a descriptor";
		break;
	case 13: {	/* a descriptor freed before (one thread only) */
		const struct model_history *h;

		if (!M.history_pos || nthreads > 1)
			return;
		h = &M.history[below(min_ul(M.history_pos, MODEL_MAX_HISTORY))];
		if (model_area_of_vm(&M, h->vm) >= 0 || model_removed_of_vm(&M, h->vm) >= 0)
			return;	/* reused since: not stale */
		area = h->vm;
		target = "a stale descriptor";
		break;
	}
	case 14:
		target = "NULL";
		break;
	default:	/* an unmapped VM_ALLOC area from get_vm_area */
		i = chance(160) ? pick_populatable() : -1;
		if (i < 0 && !model_full())
			i = new_alloc_area();
		if (i < 0)
			return;
		target = "an unmapped VM_ALLOC area";
		usable = true;
		break;
	}
	if (i >= 0) {
		area = M.areas[i].vm;
		npages = M.areas[i].npages;
	}
	if (r == 10 && i < 0)
		return;
	if (with_node)
		what("__vmalloc_area_node(%s%s%s, gfp 0x%x, prot 0x%llx, node %d)",
		     target, i >= 0 ? ": " : "", i >= 0 ? kind_name(M.areas[i].kind) : "",
		     gfp, (unsigned long long)pgprot_val(prot), node);
	else
		what("__vmalloc_area(%s%s%s, gfp 0x%x, prot 0x%llx)",
		     target, i >= 0 ? ": " : "", i >= 0 ? kind_name(M.areas[i].kind) : "",
		     gfp, (unsigned long long)pgprot_val(prot));
	if (i >= 0)
		snprintf(op_what + strlen(op_what), sizeof(op_what) - strlen(op_what),
			 " [area #%lu, %lu pages]", M.areas[i].id, npages);
	bad_args = !prot_ok(prot) || node < -1 || node >= (int)M.nodes;
	if (usable && !bad_args) {
		must_ok = !fault_active && !(gfp & __GFP_THISNODE) && npages <= M.phys_pages &&
			  prev.free_pages >= npages + PT_SLACK(npages);
		if (nthreads > 1) {
			unreserve(&rsv);	/* new_alloc_area's: the area is known now */
			must_ok = !(gfp & __GFP_THISNODE) && npages <= M.phys_pages &&
				  (reserve(&rsv, npages + PT_SLACK(npages), 0, 0) & 1);
		}
		/* The call frees the area if it fails: others may get it. */
		reg_dying(M.areas[i].id, true);
	}
	ret = with_node ? __vmalloc_area_node(area, gfp, prot, node)
			: __vmalloc_area(area, gfp, prot);
	snap();
	follow_purges();	/* a mapping short of memory purges, retries */
	if (!area || bad_args || !usable) {
		EXPECT(!ret, "__vmalloc_area on %s returned %p", target, ret);
		if (area && !bad_args)
			M.warnings++;
		if (i >= 0) {
			check_desc(i);
			check_ptes(i, false);
		}
		R->refused++;
		check_counts(SAME);
		return;
	}
	if (!ret) {
		unsigned long bound = table_bound();

		/* As the seed: the area is gone, descriptor and all. */
		EXPECT(!must_ok || fault_possible(),
		       "__vmalloc_area of %lu pages failed with %lu frames free",
		       npages, nthreads > 1 ? nr_free_pages() : prev.free_pages);
		model_released(i);
		if (!concurrent()) {
			if (sem.keep_failed_tables)
				bound += tables_for(npages + 1);
			EXPECT(cur.pt_pages - prev.pt_pages <= bound,
			       "failed __vmalloc_area kept %lu new page tables, live areas can use %lu",
			       cur.pt_pages - prev.pt_pages, bound);
		}
		R->calls_failed++;
		check_counts(CHANGED);
		return;
	}
	reg_dying(M.areas[i].id, false);
	EXPECT(ret == area->addr && (unsigned long)ret == M.areas[i].start,
	       "__vmalloc_area returned %p, the area is at 0x%lx", ret, M.areas[i].start);
	EXPECT(area->flags == M.areas[i].flags && area->size == M.areas[i].size,
	       "__vmalloc_area changed the area: flags 0x%lx size 0x%lx, were 0x%lx 0x%lx",
	       area->flags, area->size, M.areas[i].flags, M.areas[i].size);
	EXPECT(area->pages && area->nr_pages == npages,
	       "__vmalloc_area: pages %p nr_pages %u, expected %lu",
	       (void *)area->pages, area->nr_pages, npages);
	EXPECT(find_vm_area(ret) == area, "find_vm_area(%p) is not the populated area", ret);
	M.areas[i].kind = MODEL_VMALLOC;
	M.areas[i].ever_mapped = true;
	adopt_frames(i, area->pages, gfp & __GFP_ZERO);
	for (p = 0; p < npages; p++)
		M.areas[i].prot[p] = pgprot_val(prot);
	if (gfp & __GFP_THISNODE)
		for (p = 0; p < npages; p++)
			EXPECT(page_to_nid(area->pages[p]) == (node < 0 ? page_to_nid(area->pages[0]) : node),
			       "__GFP_THISNODE: page %lu is on node %d", p,
			       page_to_nid(area->pages[p]));
	if (gfp & (__GFP_DMA32 | __GFP_DMA))
		EXPECT(vmalloc_to_pfn(ret) < (1UL << 20), "DMA32 frame above 4 GiB");
	check_desc(i);
	check_ptes(i, true);
	check_direct(i);
	R->calls_ok++;
	check_counts(CHANGED);
}

/* ------------------------------------------------------------------ */
/* Ops: the rest of the API (second op table)                          */
/* ------------------------------------------------------------------ */

static void op_misc(void)
{
	unsigned int r = (unsigned int)below(9);

	switch (r) {
	case 8: {	/* remap into a user range that is gone */
		struct vm_area_struct v;
		bool stale = have_stale && !is_host && chance(128);
		int i, err;

		for (i = 0; i < MODEL_MAX_AREAS; i++)
			if (M.areas[i].used && (M.areas[i].flags & VM_USERMAP) &&
			    M.areas[i].npages >= 4)
				break;
		if (i == MODEL_MAX_AREAS)
			return;
		if (stale) {
			/* Reserved before vmalloc_exit() (start_library). */
			v = stale_vma;
			what("remap_vmalloc_range(a vma reserved before vmalloc_exit(), %s area #%lu)",
			     kind_name(M.areas[i].kind), M.areas[i].id);
		} else {
			err = vm_user_range_reserve(&v, 4 * PAGE_SIZE);
			if (err) {
				EXPECT(fault_possible(), "vm_user_range_reserve(4 pages) failed: %d",
				       err);
				return;
			}
			vm_user_range_release(&v);
			what("remap_vmalloc_range(a vma released before, %s area #%lu)",
			     kind_name(M.areas[i].kind), M.areas[i].id);
		}
		err = remap_vmalloc_range(&v, (void *)M.areas[i].start, 0);
		EXPECT(err == -EINVAL, "remap into a vma that is no live range returned %d", err);
		EXPECT(!vm_user_range_pfn(&v, v.vm_start), "a range that is gone maps pfn 0x%lx",
		       vm_user_range_pfn(&v, v.vm_start));
		vm_user_range_release(&v);	/* ignored */
		R->refused++;
		snap();
		check_counts(SAME);
		return;
	}
	case 0: {	/* translation of pages and pfns that are no frame of the pool */
		unsigned long pfn = below(2), x;
		struct page *pg;
		int b = pick_block();

		what("page_to_pfn/pfn_to_page/page_address/page_to_nid of no frame, pfn %lu; nr_free_pages_node(bad)",
		     pfn);
		EXPECT(!page_to_pfn(NULL) && !page_address(NULL) && page_to_nid(NULL) == -1,
		       "NULL page: pfn %lu, address %p, nid %d", page_to_pfn(NULL),
		       page_address(NULL), page_to_nid(NULL));
		pg = (struct page *)(void *)some_static;
		EXPECT(!page_to_pfn(pg) && !page_address(pg) && page_to_nid(pg) == -1,
		       "a pointer that is no page: pfn %lu, address %p, nid %d",
		       page_to_pfn(pg), page_address(pg), page_to_nid(pg));
		EXPECT(!nr_free_pages_node(-1) && !nr_free_pages_node((int)M.nodes),
		       "nr_free_pages_node of no node: %lu, %lu", nr_free_pages_node(-1),
		       nr_free_pages_node((int)M.nodes));
		EXPECT(!pfn_to_page(pfn) && !pfn_to_page(ULONG_MAX),
		       "pfn_to_page(%lu) = %p", pfn, (void *)pfn_to_page(pfn));
		if (b >= 0) {
			pg = M.blocks[b].head;
			x = page_to_pfn(pg);
			EXPECT(pfn_to_page(x) == pg && page_address(pg) &&
			       page_to_nid(pg) >= 0 && page_to_nid(pg) < (int)M.nodes,
			       "a driver page: pfn %lu maps back to %p, nid %d", x,
			       (void *)pfn_to_page(x), page_to_nid(pg));
			/* Past the pool's last frame, before its first. */
			for (x = page_to_pfn(pg); pfn_to_page(x + 1); x++)
				;
			EXPECT(!pfn_to_page(x + 1 + M.phys_pages), "pfn_to_page far past the pool");
			for (x = page_to_pfn(pg); x > 1 && pfn_to_page(x - 1); x--)
				;
			EXPECT(page_to_pfn(pg) + 1 - x <= M.phys_pages,
			       "pfn_to_page finds more frames than the pool has");
		}
		return;
	}
	case 1:		/* alloc_pages / alloc_page without a node */
		plain_alloc = true;
		op_page_alloc();
		plain_alloc = false;
		return;
	case 2:
		what("vmalloc_engine()");
		EXPECT(vmalloc_engine() && !strcmp(vmalloc_engine(), O->engine),
		       "vmalloc_engine() is '%s', running %s",
		       vmalloc_engine() ? vmalloc_engine() : "(null)", O->engine);
		return;
	case 3: {	/* vmallocinfo_print against vmallocinfo */
		char *mem = NULL, *buf;
		size_t msize = 0, need;
		FILE *f = open_memstream(&mem, &msize);
		long n;

		what("vmallocinfo_print(memstream)");
		EXPECT(f, "open_memstream failed");
		n = vmallocinfo_print(f);
		fclose(f);
		EXPECT(n >= 0 && (size_t)n == msize, "vmallocinfo_print returned %ld, wrote %zu",
		       n, msize);
		if (!concurrent()) {
			need = vmallocinfo(NULL, 0);
			buf = malloc(need + 1);
			EXPECT(buf, "driver out of memory");
			vmallocinfo(buf, need + 1);
			EXPECT(need == msize && !memcmp(buf, mem, need),
			       "vmallocinfo_print wrote %zu bytes, vmallocinfo %zu, or they differ",
			       msize, need);
			free(buf);
		}
		free(mem);
		return;
	}
	case 4: {	/* vmalloc_init again: -EBUSY, nothing changes */
		struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = O->engine, .quiet = true };
		int err;

		what("vmalloc_init() while initialised");
		err = vmalloc_init(chance(128) ? &cfg : NULL);
		EXPECT(err == -EBUSY, "vmalloc_init while initialised returned %d", err);
		EXPECT(VMALLOC_START == START && VMALLOC_END == END,
		       "the range moved: 0x%lx-0x%lx", VMALLOC_START, VMALLOC_END);
		snap();
		check_counts(SAME);
		return;
	}
	case 5: {	/* user ranges: bad sizes, a vma that is none */
		struct vm_area_struct vma;
		int err;

		memset(&vma, 0, sizeof(vma));
		what("vm_user_range_reserve(size 0 / unaligned / NULL), release and pfn of no range");
		err = vm_user_range_reserve(&vma, 0);
		EXPECT(err == -EINVAL, "vm_user_range_reserve(size 0) = %d", err);
		err = vm_user_range_reserve(&vma, PAGE_SIZE + 1);
		EXPECT(err == -EINVAL, "vm_user_range_reserve(unaligned) = %d", err);
		err = vm_user_range_reserve(NULL, PAGE_SIZE);
		EXPECT(err == -EINVAL, "vm_user_range_reserve(NULL) = %d", err);
		vm_user_range_release(NULL);
		vm_user_range_release(&vma);
		EXPECT(!vm_user_range_pfn(NULL, 0) && !vm_user_range_pfn(&vma, 0),
		       "vm_user_range_pfn of no range");
		return;
	}
	case 6: {	/* the fault-injection counter */
		unsigned long a;
		struct page *pg;

		if (nthreads > 1)
			return;	/* process-global: see op_fault */
		what("vmalloc_fault_inject(pages, nth ULONG_MAX) around alloc_page; vmalloc_fault_attempts()");
		vmalloc_fault_inject(VM_FAULT_PAGE, ULONG_MAX, 0, 0);
		EXPECT(vmalloc_fault_attempts() == 0, "attempts not reset by configuring");
		pg = alloc_page(GFP_KERNEL);
		a = vmalloc_fault_attempts();
		if (pg)
			__free_page(pg);
		vmalloc_fault_inject(0, 0, 0, 0);
		EXPECT(a >= 1, "alloc_page made %lu attempts", a);
		EXPECT(vmalloc_fault_attempts() == 0, "attempts not reset by turning it off");
		snap();
		check_counts(SAME);
		return;
	}
	default:
		if (concurrent() && !sem.concurrent_check)
			return;	/* see sem.concurrent_check */
		what("vmalloc_check()");
		EXPECT(!vmalloc_check(), "vmalloc_check() failed");
		return;
	}
}

/* ------------------------------------------------------------------ */
/* The full check                                                      */
/* ------------------------------------------------------------------ */

static int cmp_start(const void *x, const void *y)
{
	const struct model_area *a = *(const struct model_area *const *)x;
	const struct model_area *b = *(const struct model_area *const *)y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/* An area of some partition, for the checks over all of them. */
struct owned_area {
	const struct model_area *a;
	struct model *m;
};

static int cmp_owned(const void *x, const void *y)
{
	const struct owned_area *a = x, *b = y;

	return a->a->start < b->a->start ? -1 : a->a->start > b->a->start;
}

/* Does a live area of any partition (all: else this one) hold @addr? */
static bool any_area_at(unsigned long addr, bool all)
{
	unsigned int t;

	if (!all || nthreads == 1)
		return model_area_at(&M, addr) >= 0;
	for (t = 0; t < nthreads; t++)
		if (model_area_at(&parts[t], addr) >= 0)
			return true;
	return false;
}

/*
 * Does vmallocinfo line @line say what model area @a is: the ioremap,
 * user and sparse words, and (for areas that own frames) the N<node>=
 * count of every node its frames are on (printed on every machine)?
 */
static bool info_line_ok(const char *line, const struct model_area *a)
{
	unsigned long cnt[VMALLOC_MAX_NODES] = { 0 }, p;
	unsigned int nd;
	char word[48];

	if (!!strstr(line, " ioremap") != !!(a->flags & VM_IOREMAP) ||
	    !!strstr(line, " user") != !!(a->flags & VM_USERMAP) ||
	    !!strstr(line, " sparse") != !!(a->flags & VM_SPARSE))
		return false;
	if (!a->owned)
		return !strstr(line, " N0=");
	for (p = 0; p < a->npages; p++) {
		int nid = page_to_nid(a->owned[p]);

		if (nid < 0 || nid >= VMALLOC_MAX_NODES)
			return false;
		cnt[nid]++;
	}
	for (nd = 0; nd < VMALLOC_MAX_NODES; nd++) {
		snprintf(word, sizeof(word), " N%u=", nd);
		if (!cnt[nd] != !strstr(line, word))
			return false;
		snprintf(word, sizeof(word), " N%u=%lu", nd, cnt[nd]);
		if (cnt[nd] && !strstr(line, word))
			return false;
	}
	return true;
}

/*
 * An "unpurged vm_area" line [s, e): one of the ranges a partition
 * freed lazily; or, when some partition no longer knows where its lazy
 * ranges are (purges followed, fast path), at least on no live area.
 */
static bool unpurged_ok(unsigned long s, unsigned long e, unsigned long size)
{
	unsigned int t, k, nparts = nthreads == 1 ? 1 : nthreads;
	/* Threaded: failed calls' page arrays, freed lazily, unmodelled. */
	bool unknown = nthreads > 1 && G.lazy_slack;

	if (size != e - s)
		return false;
	for (t = 0; t < nparts; t++) {
		const struct model *m = nthreads == 1 ? Mp : &parts[t];

		for (k = 0; k < m->nr_lazy; k++) {
			if (!m->lazy[k].start)
				unknown = true;
			else if (m->lazy[k].start == s &&
				 m->lazy[k].pages * PAGE_SIZE == size)
				return true;
		}
	}
	if (!unknown)
		return false;
	for (t = 0; t < nparts; t++)
		if (model_overlaps_live(nthreads == 1 ? Mp : &parts[t], s, size))
			return false;
	return true;
}

/*
 * The listing against the model: with @exact, line for line (all areas
 * of all partitions, in address order); otherwise (other threads are
 * running) in order, without overlaps, and this worker's areas each on
 * one line that says what the model says.
 */
static void check_vmallocinfo(const struct owned_area *sorted, unsigned int n, bool exact)
{
	size_t need = vmallocinfo(NULL, 0), got;
	char *buf, *line, *save = NULL;
	unsigned int k = 0, seen = 0;
	unsigned long last_end = 0;

	if (!exact)
		need += 64 * 128;	/* room for areas that appear meanwhile */
	buf = malloc(need + 1);
	EXPECT(buf, "driver out of memory");
	got = vmallocinfo(buf, need + 1);
	if (exact)
		EXPECT(got == need, "vmallocinfo length changed %zu -> %zu", need, got);
	else if (got > need)
		buf[need] = 0;	/* truncated: check the complete lines */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e, size;

		if (!exact && !save[0] && got > need)
			break;	/* the last, cut line */
		if (strstr(line, " unpurged vm_area")) {
			/* Freed, not yet purged: one of the model's lazy ranges. */
			if (exact) {
				EXPECT(sscanf(line, "0x%lx-0x%lx %lu", &s, &e, &size) == 3 &&
				       unpurged_ok(s, e, size),
				       "vmallocinfo line '%s' is no range the model freed lazily",
				       line);
				R->kind[FZK_UNPURGED]++;
			}
			continue;
		}
		EXPECT(sscanf(line, "0x%lx-0x%lx %lu", &s, &e, &size) == 3,
		       "vmallocinfo line '%s'", line);
		if (!exact) {
			EXPECT(s >= last_end && e > s && size == e - s,
			       "vmallocinfo line '%s' overlaps the line before or is out of order",
			       line);
			last_end = e;
			while (k < n && sorted[k].a->start < s)
				k++;	/* must have been listed already */
			if (k < n && sorted[k].a->start == s) {
				EXPECT(e == s + sorted[k].a->size,
				       "vmallocinfo line '%s', this thread's area #%lu 0x%lx + 0x%lx",
				       line, sorted[k].a->id, sorted[k].a->start, sorted[k].a->size);
				EXPECT(info_line_ok(line, sorted[k].a),
				       "vmallocinfo line '%s' vs flags 0x%lx", line, sorted[k].a->flags);
				k++;
				seen++;
			}
			continue;
		}
		EXPECT(k < n, "vmallocinfo lists more than the %u live areas", n);
		EXPECT(s == sorted[k].a->start && e == s + sorted[k].a->size &&
		       size == sorted[k].a->size,
		       "vmallocinfo line %u '%s', model 0x%lx + 0x%lx", k, line,
		       sorted[k].a->start, sorted[k].a->size);
		EXPECT(info_line_ok(line, sorted[k].a),
		       "vmallocinfo line '%s' vs flags 0x%lx", line, sorted[k].a->flags);
		k++;
	}
	if (!exact) {
		EXPECT(got > need || seen == n,
		       "vmallocinfo lists %u of this thread's %u areas", seen, n);
		free(buf);
		return;
	}
	EXPECT(k == n, "vmallocinfo lists %u areas, model %u", k, n);
	/* snprintf() semantics: truncated, terminated, same length. */
	if (need) {
		size_t cut = 1 + (size_t)(need * 7 / 13 % need);

		got = vmallocinfo(buf, cut);
		EXPECT(got == need && strlen(buf) == cut - 1,
		       "vmallocinfo(buf, %zu) returned %zu with %zu bytes, listing is %zu",
		       cut, got, strlen(buf), need);
	}
	free(buf);
}

/*
 * Every area, descriptor, PTE and byte against the model, then the
 * listing and the counters. Threaded, with the other workers running:
 * only this worker's objects (and a listing that must show them).
 */
static void full_check(void)
{
	static __thread struct owned_area sorted[FZ_MAX_THREADS * MODEL_MAX_AREAS];
	struct model *own = Mp;
	bool all = !concurrent();
	unsigned int n = 0, k, t, nparts = nthreads == 1 ? 1 : nthreads;
	unsigned long p;
	int i, err;

	R->full_checks++;
	if (all)
		cache_retired();	/* what drains and evictions left lazy */
	if (all || sem.concurrent_check) {
		err = vmalloc_check();
		EXPECT(!err, "vmalloc_check() = %d", err);
	}
	for (t = 0; t < nparts; t++) {
		struct model *m = nthreads == 1 ? own : &parts[t];

		if (!all && m != own)
			continue;
		for (i = 0; i < MODEL_MAX_AREAS; i++)
			if (m->areas[i].used)
				sorted[n++] = (struct owned_area){ &m->areas[i], m };
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_owned);
	for (k = 0; k < n; k++) {
		const struct model_area *a = sorted[k].a;
		int idx;
		struct vm_struct *want;

		Mp = sorted[k].m;
		idx = (int)(a - M.areas);
		want = a->kind == MODEL_ARRAY && sem.hide_internal ? NULL : a->vm;
		EXPECT(a->start >= START && a->start + a->size <= END,
		       "area #%lu 0x%lx + 0x%lx outside the range", a->id, a->start, a->size);
		if (k + 1 < n)
			EXPECT(a->start + a->size <= sorted[k + 1].a->start,
			       "areas #%lu and #%lu overlap", a->id, sorted[k + 1].a->id);
		EXPECT(find_vm_area((void *)a->start) == want &&
		       find_vm_area((void *)(a->start + a->size - 1)) == want,
		       "find_vm_area does not find area #%lu at 0x%lx", a->id, a->start);
		check_desc(idx);
		check_ptes(idx, true);
		check_contents(a->start, a->npages * PAGE_SIZE, "full check");
		check_direct(idx);
		for (p = 0; a->map && p < a->npages; p++)
			EXPECT(!a->map[p] || page_count(a->map[p]) == (int)head_refs(a->map[p]),
			       "%s area #%lu page %lu: page_count(pfn 0x%lx) = %d, model %u",
			       kind_name(a->kind), a->id, p, pfn_of(a->map[p]),
			       page_count(a->map[p]), head_refs(a->map[p]));
	}
	for (t = 0; t < nparts; t++) {
		Mp = nthreads == 1 ? own : &parts[t];
		if (!all && Mp != own)
			continue;
		for (k = 0; k < MODEL_MAX_URANGES; k++)
			if (M.uranges[k].used)
				check_urange(&M.uranges[k]);
		for (k = 0; k < M.nr_removed; k++)
			EXPECT((unsigned long)M.removed[k].vm->addr == M.removed[k].addr &&
			       M.removed[k].vm->size == M.removed[k].size,
			       "removed descriptor %u changed", k);
		/* Lazily freed: nothing there, unless a live area is (after a
		 * purge). Threaded, another worker may take it meanwhile. */
		for (k = 0; all && k < M.nr_lazy; k++) {
			unsigned long st = M.lazy[k].start;

			if (!st)
				continue;
			EXPECT(!find_vm_area((void *)st) || any_area_at(st, all),
			       "lazily freed 0x%lx is found", st);
			/* (Reused after a purge: live, or cached since.) */
			for (p = 0; p < M.lazy[k].pages; p += max_ul(1, M.lazy[k].pages - 1))
				EXPECT(!pt_lookup(st + p * PAGE_SIZE) ||
				       any_area_at(st + p * PAGE_SIZE, all) ||
				       cached_anywhere(st + p * PAGE_SIZE),
				       "lazily freed 0x%lx: page %lu still has PTE 0x%llx", st, p,
				       (unsigned long long)pt_lookup(st + p * PAGE_SIZE));
		}
		for (k = 0; k < MODEL_MAX_BLOCKS; k++) {
			unsigned long j;

			if (!M.blocks[k].used)
				continue;
			for (j = 0; j < (1UL << M.blocks[k].order); j++) {
				struct page *f = pfn_to_page(pfn_of(M.blocks[k].head) + j);
				const struct model_frame *mf = model_frame(&M, f);

				EXPECT(mf && !memcmp(page_address(f), mf->data, PAGE_SIZE),
				       "driver frame pfn 0x%lx differs from the model", pfn_of(f));
			}
		}
	}
	Mp = own;
	check_vmallocinfo(sorted, n, all);
	if (!all)
		return;
	{
		unsigned long sum = 0;
		unsigned int nd;

		snap();
		for (nd = 0; nd < M.nodes; nd++)
			sum += nr_free_pages_node((int)nd);
		EXPECT(nr_free_pages() == cur.free_pages && sum == cur.free_pages &&
		       num_physpages_total() == M.phys_pages &&
		       num_online_nodes() == (int)M.nodes,
		       "nr_free_pages %lu, per node %lu, stats %lu; %lu frames, %d nodes",
		       nr_free_pages(), sum, cur.free_pages, num_physpages_total(),
		       num_online_nodes());
		check_counts(nthreads == 1 ? SAME : CHANGED);
	}
}

/*
 * Calls that create areas or mappings: threaded, they hold "creators"
 * shared until the model knows what they made (see G), and their
 * reservation until then.
 */
#define CREATOR(name)							\
	static void name(void)						\
	{								\
		creating(true);						\
		name##_1();						\
		unreserve(&rsv);					\
		creating(false);					\
	}
CREATOR(op_vmalloc)
CREATOR(op_get_vm_area)
CREATOR(op_vmap)
CREATOR(op_map_vm_area)
CREATOR(op_vmalloc_area)

/* ------------------------------------------------------------------ */
/* Today's API (third format): sparse areas, flush flags, queries      */
/* ------------------------------------------------------------------ */

/* A live VM_SPARSE area of this partition, or -1. */
static int pick_sparse(void)
{
	int i, n = 0, k;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used && M.areas[i].kind == MODEL_GVA &&
		    (M.areas[i].flags & VM_SPARSE))
			n++;
	if (!n)
		return -1;
	k = (int)below((unsigned long)n);
	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used && M.areas[i].kind == MODEL_GVA &&
		    (M.areas[i].flags & VM_SPARSE) && k-- == 0)
			return i;
	return -1;
}

/* get_vm_area(size, VM_SPARSE [| VM_NO_GUARD]): a new sparse area, or -1. */
static int new_sparse_area(void)
{
	struct req rq = { .align = 1, .start = START, .end = END };
	struct vm_struct *vm;
	bool must_ok;
	unsigned long d;

	rq.size = (1 + below(chance(200) ? 16 : 64)) * PAGE_SIZE -
		  (chance(32) ? below(PAGE_SIZE) : 0);
	rq.flags = VM_SPARSE | (chance(64) ? VM_NO_GUARD : 0) |
		   (chance(32) ? VM_FLUSH_RESET_PERMS : 0);
	if (req_check(&rq))
		return -1;
	what("get_vm_area(size 0x%lx, flags 0x%lx) for vm_area_map_pages", rq.size, rq.flags);
	must_ok = !fault_active && room(&rq);
	if (nthreads > 1)
		must_ok = reserve_req(&rsv, &rq, 0, false);
	vm = get_vm_area(rq.size, rq.flags);
	snap();
	d = follow_purges();
	if (!vm) {
		EXPECT(!must_ok || fault_possible(), "get_vm_area failed although the range had room");
		failed_pages = rq.total >> PAGE_SHIFT;
		check_counts(FAILED);
		R->calls_failed++;
		return -1;
	}
	{
		struct newarea n = {
			.kind = MODEL_GVA, .vm = vm, .rq = &rq, .flags = rq.flags,
			.purged = d != 0 || M.fast, .node = -1,
		};
		int i = adopt(&n);

		check_counts(CHANGED);
		return i;
	}
}

/*
 * vm_area_map_pages(area, start, end, pages) on a sparse area of this
 * partition, with the driver's pages: all or nothing; -EINVAL for a bad
 * area, range or page, -EBUSY over a mapped page; the pages stay the
 * driver's (the model keeps them with their blocks, like vmap's).
 */
static void op_sparse_map_1(void)
{
	int i = pick_sparse(), expect = 0, got;
	unsigned int r = (unsigned int)below(20), bad_at = 0;
	unsigned long first, nr, start, end, p;
	struct vm_struct *area;
	struct page **pages = parr;
	const char *spoiled = NULL, *why = "";
	struct model_area *a;
	bool frames_ok;

	if (i < 0) {
		new_sparse_area();
		return;
	}
	a = &M.areas[i];
	area = a->vm;
	first = below(a->npages);
	nr = 1 + below(min_ul(a->npages - first, 24));
	if (chance(64)) {
		first = 0;
		nr = min_ul(a->npages, PARR_MAX);
	}
	if (!fill_pages((unsigned int)nr)) {
		op_page_alloc_in();
		return;
	}
	start = a->start + first * PAGE_SIZE;
	end = start + nr * PAGE_SIZE;
	switch (r) {
	case 0:		/* past the data: into the guard page or beyond */
		end = a->start + (a->npages + 1 + below(2)) * PAGE_SIZE;
		why = " (past the data)";
		break;
	case 1:
		start += 1 + below(PAGE_SIZE - 1);
		why = " (unaligned start)";
		break;
	case 2:
		end = chance(128) ? start : start - PAGE_SIZE;
		why = " (empty or inverted)";
		break;
	case 3: {	/* a live area that is not sparse */
		int j = pick_area(K_USER);

		if (j >= 0 && !(M.areas[j].flags & VM_SPARSE)) {
			area = M.areas[j].vm;
			start = M.areas[j].start;
			end = start + PAGE_SIZE;
			why = " (not a sparse area)";
		}
		break;
	}
	case 4:
		if (M.nr_removed) {
			area = M.removed[below(M.nr_removed)].vm;
			start = (unsigned long)area->addr;
			end = start + PAGE_SIZE;
			why = " (a removed descriptor)";
		} else {
			area = NULL;
			why = " (NULL area)";
		}
		break;
	case 5:
		pages = NULL;
		why = " (NULL pages)";
		break;
	case 6: case 7:
		spoiled = spoil_pages((unsigned int)nr, &bad_at);
		break;
	case 8:
		start = a->start - PAGE_SIZE;
		why = " (starts before the area)";
		break;
	}
	what("vm_area_map_pages(area #%lu 0x%lx + %lu pages%s, 0x%lx-0x%lx, %lu pages)%s%s%s",
	     a->id, a->start, a->npages, a->flags & VM_NO_GUARD ? " no guard" : "",
	     start, end, nr, why, spoiled ? " bad entry: " : "", spoiled ? spoiled : "");
	/* The library's checks, in its order. */
	if (!pages || !area || start >= end || ((start | end) & (PAGE_SIZE - 1)) ||
	    area != a->vm || start < a->start || end > a->start + a->npages * PAGE_SIZE) {
		expect = -EINVAL;
	} else {
		for (p = 0; p < nr && !expect; p++) {
			if (spoiled && p == bad_at)
				expect = -EINVAL;
			else if (a->map && a->map[first + p])
				expect = -EBUSY;
		}
	}
	frames_ok = prev.free_pages >= PT_SLACK(nr);
	if (nthreads > 1)
		frames_ok = reserve(&rsv, expect ? 0 : PT_SLACK(nr), 0, 0) & 1;
	got = vm_area_map_pages(area, start, end, pages);
	R->kind[FZK_MAP_PAGES]++;
	snap();
	follow_purges();
	if (expect) {
		EXPECT(got == expect, "vm_area_map_pages returned %d, expected %d", got, expect);
		R->refused++;
		check_counts(SAME);
		return;
	}
	if (got) {
		EXPECT(got == -ENOMEM && (fault_possible() || !frames_ok),
		       "vm_area_map_pages returned %d with %lu frames free", got, prev.free_pages);
		R->calls_failed++;
		failed_pages = nr + 1;
		check_counts(FAILED);
		return;
	}
	R->kind[FZK_MAP_PAGES_OK]++;
	EXPECT(model_area_maps(&M, i) == 0, "driver out of memory");
	for (p = 0; p < nr; p++) {
		a->map[first + p] = parr[p];
		a->prot[first + p] = pgprot_val(PAGE_KERNEL);
	}
	a->ever_mapped = true;
	check_ptes(i, true);
	check_direct(i);
	check_desc(i);
	R->calls_ok++;
	check_counts(CHANGED);
}
CREATOR(op_sparse_map)

/* vm_area_unmap_pages(): at once (no lazy range), the pages the driver's. */
static void op_sparse_unmap(void)
{
	int i = pick_sparse();
	unsigned int r = (unsigned int)below(12);
	unsigned long first, nr, start, end, p;
	struct model_area *a;
	struct vm_struct *area;
	bool bad = false;

	if (i < 0)
		return;
	a = &M.areas[i];
	area = a->vm;
	first = below(a->npages);
	nr = 1 + below(a->npages - first);
	start = a->start + first * PAGE_SIZE;
	end = start + nr * PAGE_SIZE;
	if (r == 0) {
		end = a->start + (a->npages + 1) * PAGE_SIZE;	/* past the data */
		bad = true;
	} else if (r == 1) {
		end -= 1 + below(PAGE_SIZE - 1);
		bad = true;
	} else if (r == 2) {
		int j = pick_area(K_USER);

		if (j >= 0 && !(M.areas[j].flags & VM_SPARSE)) {
			area = M.areas[j].vm;
			start = M.areas[j].start;
			end = start + PAGE_SIZE;
			bad = true;
		}
	} else if (r == 3) {
		area = NULL;
		bad = true;
	}
	what("vm_area_unmap_pages(%s #%lu, 0x%lx-0x%lx)%s", area == a->vm ? "sparse area" : "area",
	     a->id, start, end, bad ? " (refused)" : "");
	vm_area_unmap_pages(area, start, end);
	R->kind[FZK_UNMAP_PAGES]++;
	if (!bad && a->map)
		for (p = 0; p < nr; p++)
			a->map[first + p] = NULL;
	/* Flushed at once: nothing of the range maps anything now. */
	if (!bad)
		for (p = start; p < end; p += PAGE_SIZE)
			EXPECT(!vmalloc_to_page((void *)p) && !pt_lookup(p),
			       "vm_area_unmap_pages: 0x%lx still mapped", p);
	check_ptes(i, true);
	check_desc(i);
	if (bad)
		R->refused++;
	if (want_counts()) {
		snap();
		check_counts(SAME);
	}
}

/*
 * set_vm_flush_reset_perms(addr): the area that holds @addr (its guard
 * page included) gets VM_FLUSH_RESET_PERMS, so its free flushes at once;
 * an address of no area changes nothing. Threaded: this worker's areas.
 */
static void op_set_flush(void)
{
	unsigned long x;
	int i, j = -1;

	if (concurrent()) {
		j = pick_area(K_USER);
		if (j < 0)
			return;
		x = M.areas[j].start + below(M.areas[j].size);
	} else {
		x = chance(32) ? 0 : pick_addr(K_ANY);
	}
	i = x ? model_area_at(&M, x) : -1;
	what("set_vm_flush_reset_perms(0x%lx)%s", x, i >= 0 ? " [a live area]" : "");
	set_vm_flush_reset_perms((void *)x);
	R->kind[FZK_SET_FLUSH]++;
	if (i >= 0 && !(M.areas[i].kind == MODEL_ARRAY && sem.hide_internal))
		M.areas[i].flags |= VM_FLUSH_RESET_PERMS;
	if (i >= 0) {
		check_desc(i);
		check_ptes(i, false);
	}
	if (want_counts()) {
		snap();
		check_counts(SAME);
	}
}

/*
 * is_vmalloc_addr, is_vmalloc_or_module_addr (the range, mapped or not),
 * vmalloc_dump_obj (true in a live area or its guard page, one line
 * naming the area), virt_to_page (page_address's inverse).
 */
static void op_query(void)
{
	unsigned long x = pick_addr(K_ANY);
	bool in = x >= START && x < END, got;
	int i = model_area_at(&M, x), b;
	char want[128];

	what("is_vmalloc_addr/is_vmalloc_or_module_addr/vmalloc_dump_obj(0x%lx)", x);
	EXPECT(is_vmalloc_addr((void *)x) == in, "is_vmalloc_addr(0x%lx) is %d", x, !in);
	EXPECT(is_vmalloc_or_module_addr((void *)x) == (in ? 1 : 0),
	       "is_vmalloc_or_module_addr(0x%lx) is %d", x,
	       is_vmalloc_or_module_addr((void *)x));
	R->kind[FZK_IS_VMALLOC]++;
	if (i >= 0) {
		const struct model_area *a = &M.areas[i];

		snprintf(want, sizeof(want), "%lu-page vmalloc region starting at 0x%lx allocated at ",
			 a->owned ? a->npages : 0UL, a->start);
		want_line = want;
	}
	saw_line = false;
	got = vmalloc_dump_obj((void *)x);
	want_line = NULL;
	R->kind[FZK_DUMP_OBJ]++;
	if (got)
		R->kind[FZK_DUMP_OBJ_TRUE]++;
	if (i >= 0) {
		EXPECT(got && saw_line, "vmalloc_dump_obj(0x%lx) in area #%lu: %d, line '%s' %s",
		       x, M.areas[i].id, got, want, saw_line ? "logged" : "not logged");
	} else if (!concurrent()) {
		/* Threaded: another worker's area may be there. */
		EXPECT(!got, "vmalloc_dump_obj(0x%lx) is true outside every live area", x);
	}
	/* virt_to_page of a frame's direct-map bytes. */
	b = pick_block();
	if (b >= 0) {
		struct page *pg = pfn_to_page(pfn_of(M.blocks[b].head) +
					      below(1UL << M.blocks[b].order));
		unsigned long off = below(PAGE_SIZE);
		struct page *vp = virt_to_page((char *)page_address(pg) + off);

		EXPECT(vp == pg, "virt_to_page(page_address(%p) + %lu) = %p", (void *)pg, off,
		       (void *)vp);
		R->kind[FZK_VIRT_TO_PAGE]++;
		/*
		 * The direct map is linear: any frame's bytes are page_address
		 * of this one plus the pfn difference, and virt_to_page of
		 * them is pfn_to_page of that pfn (NULL outside the pool and
		 * in parts of it not yet brought into use).
		 */
		{
			unsigned long pfn0 = pfn_of(pg), k = below(2 * M.phys_pages + 64);
			long delta = (long)k - (long)M.phys_pages - 32;
			unsigned long pfn = pfn0 + (unsigned long)delta;

			if (delta >= 0 || (unsigned long)-delta <= pfn0) {
				const void *va = (const void *)((uintptr_t)page_address(pg) +
					(uintptr_t)(delta * (long)PAGE_SIZE) + off);

				vp = virt_to_page(va);
				EXPECT(vp == pfn_to_page(pfn),
				       "virt_to_page(%p: pfn 0x%lx + 0x%lx) = %p, pfn_to_page %p",
				       (void *)va, pfn, off, (void *)vp, (void *)pfn_to_page(pfn));
				R->kind[FZK_VIRT_TO_PAGE]++;
			}
		}
	}
	if ((i = pick_area(K_VMALLOC)) >= 0) {
		struct page *pg = M.areas[i].owned[below(M.areas[i].npages)];
		struct page *vp = virt_to_page((char *)page_address(pg) + PAGE_SIZE - 1);

		EXPECT(vp == pg, "virt_to_page(last byte of frame %p of area #%lu) = %p",
		       (void *)pg, M.areas[i].id, (void *)vp);
		R->kind[FZK_VIRT_TO_PAGE]++;
	}
	EXPECT(!virt_to_page(some_static) && !virt_to_page(NULL),
	       "virt_to_page of memory outside the direct map is not NULL");
	R->kind[FZK_VIRT_TO_PAGE]++;
	if (want_counts()) {
		snap();
		check_counts(SAME);
	}
}

/* ------------------------------------------------------------------ */
/* The merged API (third format with byte 2 bit 7): huge mappings,     */
/* vm_map_ram, alloc_pages_bulk, pcpu_get_vm_areas, vrealloc, kvmalloc */
/* ------------------------------------------------------------------ */

static __thread struct resv mrsv;

static void m_begin(unsigned long frames, unsigned long pages)
{
	creating(true);
	reserve(&mrsv, frames, pages, 0);
}

static void m_end(void)
{
	unreserve(&mrsv);
	creating(false);
}

/* A range the op itself freed lazily (known address). */
static void m_lazy(unsigned long start, unsigned long pages)
{
	model_lazy_add(&M, start, pages);
}

/*
 * vfree() (kvfree, vrealloc(p, 0)) of an area outside the model, of
 * @size bytes (guard included), @nr frames, flags @flags, page order
 * @order, mapped with @prot: into the area cache maybe (model.h), else
 * lazily (as m_lazy).
 */
/*
 * An area outside the model (kvmalloc, vrealloc) is at [start, start +
 * size): an area that may have been cached there was reused or retired.
 */
static void m_cache_reused(unsigned long start, unsigned long size)
{
	unsigned int k;

	for (k = 0; k < M.nr_cached;) {
		const struct model_cached *c = &M.cached[k];

		if (c->start < start + size && start < c->start + c->size) {
			if (c->start == start && c->size == size)
				R->kind[FZK_CACHE_HIT]++;
			model_cached_del(&M, k);
		} else {
			k++;
		}
	}
}

static void m_freed(unsigned long start, unsigned long size, unsigned long nr,
		    unsigned long flags, unsigned int order, uint64_t prot)
{
	unsigned int i;

	m_cache_reused(start, size);

	if (!M.cache || order || !nr || nr > MODEL_CACHE_PAGES ||
	    size != (nr + 1) << PAGE_SHIFT || prot != pgprot_val(PAGE_KERNEL) ||
	    (flags & ~(VM_USERMAP | VM_ALLOW_HUGE_VMAP)) != VM_ALLOC) {
		m_lazy(start, size >> PAGE_SHIFT);
		return;
	}
	i = M.nr_cached;
	if (i == MODEL_MAX_CACHED) {
		__atomic_store_n(&cache_lost, true, __ATOMIC_RELAXED);
		return;
	}
	M.cached[M.nr_cached++] = (struct model_cached){ start, size, nr, 0,
		__atomic_add_fetch(&cache_seq, 1, __ATOMIC_RELAXED) };
	R->kind[FZK_CACHE_PUT]++;
}

/* Huge area @i (page_order 9): frames in aligned runs of 512, each
 * frame's count 1, every translation a leaf or 4 KiB entries. */
static void check_huge(int i)
{
	const struct model_area *a = &M.areas[i];
	const struct vm_struct *vm = a->vm;
	unsigned long r, j, sz;

	EXPECT(!(a->start & (PT_PMD_SIZE - 1)) && a->npages % 512 == 0 &&
	       vm->nr_pages == a->npages,
	       "huge area #%lu at 0x%lx: %lu pages, nr_pages %u: not whole aligned 2 MiB runs",
	       a->id, a->start, a->npages, vm->nr_pages);
	for (r = 0; r < a->npages; r += 512) {
		unsigned long run = pfn_of(vm->pages[r]);

		EXPECT(!(run & 511), "huge area #%lu: run %lu starts at pfn 0x%lx",
		       a->id, r / 512, run);
		for (j = 0; j < 512; j++) {
			EXPECT(pfn_of(vm->pages[r + j]) == run + j,
			       "huge area #%lu: pages[%lu] pfn 0x%lx, run from 0x%lx",
			       a->id, r + j, pfn_of(vm->pages[r + j]), run);
			if (j % 97 == 0 || j == 511)
				EXPECT(page_count(vm->pages[r + j]) == (int)head_refs(vm->pages[r + j]),
				       "huge area #%lu: page_count(pages[%lu]) %d, model %u",
				       a->id, r + j, page_count(vm->pages[r + j]),
				       head_refs(vm->pages[r + j]));
		}
		sz = 0;
		if (!pt_lookup_size(a->start + r * PAGE_SIZE, &sz))
			continue;	/* unmapped (unmap_kernel_range) */
		EXPECT(sz == PT_PMD_SIZE || sz == PAGE_SIZE,
		       "huge area #%lu: pt_lookup_size gives 0x%lx", a->id, sz);
		if (sz == PT_PMD_SIZE) {
			R->kind[FZK_HUGE_LEAF]++;
			for (j = 0; j < 512; j += 61) {
				uint64_t e = pt_lookup_size(a->start + (r + j) * PAGE_SIZE + 8, &sz);

				EXPECT(sz == PT_PMD_SIZE && (e & PT_ADDR_MASK) >> PAGE_SHIFT == run + j,
				       "huge area #%lu: leaf page %lu: entry 0x%llx size 0x%lx",
				       a->id, r + j, (unsigned long long)e, sz);
			}
		} else {
			R->kind[FZK_HUGE_PTES]++;
			for (j = 0; j < 512; j++) {
				pt_lookup_size(a->start + (r + j) * PAGE_SIZE, &sz);
				EXPECT(sz == PAGE_SIZE || (!sz && (!a->map || !a->map[r + j])),
				       "huge area #%lu: 2 MiB slot %lu mixes sizes (page %lu: 0x%lx)",
				       a->id, r / 512, r + j, sz);
			}
		}
	}
}

/* The widened range of unmap_kernel_range over 2 MiB leaves. */
static bool huge_span(unsigned long *s, unsigned long *e)
{
	unsigned long sz, s0 = *s, e0 = *e;

	if (*s < *e && pt_lookup_size(*s, &sz) && sz == PT_PMD_SIZE)
		*s &= ~(PT_PMD_SIZE - 1);
	if (*s < *e && pt_lookup_size(*e - 1, &sz) && sz == PT_PMD_SIZE)
		*e = (*e + PT_PMD_SIZE - 1) & ~(PT_PMD_SIZE - 1);
	return *s != s0 || *e != e0;
}

static void op_huge_1(void)
{
	static const char *const names[] = { "vmalloc_huge", "vmalloc_huge_node",
		"__vmalloc_node_range(VM_ALLOW_HUGE_VMAP)" };
	unsigned int v = (unsigned int)below(3);
	unsigned long size, real, hsize, npages, vmf = VM_ALLOW_HUGE_VMAP;
	gfp_t gfp = GFP_KERNEL;
	pgprot_t prot = PAGE_KERNEL;
	int node = -1;
	const void *caller = NULL;
	struct req rq = { .align = 1, .start = START, .end = END }, hq;
	const char *refuse = NULL;
	bool wanted, vpages;
	void *p;
	struct vm_struct *vm;

	switch (below(4)) {
	case 0: size = (1 + below(4)) << 21; break;
	case 1: size = ((1 + below(3)) << 21) - below(4 * PAGE_SIZE); break;
	case 2: size = ((1 + below(3)) << 21) + 1 + below(8 * PAGE_SIZE); break;
	default: size = pick_vsize(); break;
	}
	if (chance(64))
		gfp |= __GFP_ZERO;
	if (chance(32))
		gfp |= __GFP_NOWARN;
	if (v >= 1)
		node = chance(16) ? pick_node() : (int)below(M.nodes);
	if (v == 2) {
		rq.align = chance(160) ? PAGE_SIZE << below(10) : pick_align();
		if (chance(64))
			pick_window(&rq.start, &rq.end);
		if (chance(32))
			prot = pick_prot();
		if (chance(64))
			vmf |= VM_USERMAP;
		caller = (const void *)(uintptr_t)u32();
	}
	what("%s(size 0x%lx) gfp 0x%x prot 0x%llx vm_flags 0x%lx node %d align 0x%lx window 0x%lx-0x%lx",
	     names[v], size, gfp, (unsigned long long)pgprot_val(prot), vmf, node,
	     rq.align, rq.start, rq.end);
	real = PAGE_ALIGN(size);
	hsize = (real + PT_PMD_SIZE - 1) & ~(PT_PMD_SIZE - 1);
	rq.size = real;
	rq.flags = VM_ALLOC | (vmf & ~VM_ALLOW_HUGE_VMAP);
	if (!size)
		refuse = "size 0";
	else if (!real || (real >> PAGE_SHIFT) > M.phys_pages)
		refuse = "more than the pool";
	else if (!prot_ok(prot) || node < -1 || node >= (int)M.nodes)
		refuse = "bad protection or node";
	else
		refuse = req_check(&rq);
	wanted = !refuse && !(pgprot_val(prot) & _PAGE_PSE) && pow2(rq.align) &&
		 (node == -1 ? real / M.nodes : real) >= PT_PMD_SIZE;
	m_begin(refuse ? 0 : (wanted ? hsize : real) / PAGE_SIZE + PT_SLACK(hsize / PAGE_SIZE) + 8,
		refuse ? 0 : (wanted ? 2 * hsize : real) / PAGE_SIZE + 1);
	if (v == 0)
		p = vmalloc_huge(size, gfp);
	else if (v == 1)
		p = vmalloc_huge_node(size, gfp, node);
	else
		p = __vmalloc_node_range(size, rq.align, rq.start, rq.end, gfp, prot, vmf,
					 node, caller);
	R->kind[FZK_HUGE_CALLS]++;
	snap();
	follow_purges();
	if (!p) {
		if (nthreads > 1 && !refuse && (wanted || M.vpages)) {
			/* failed attempts: their vmalloc()ed page arrays, and
			 * (injected failures) the partly mapped huge range */
			lock();
			if (wanted)
				G.lazy_slack += 2 * (PAGE_ALIGN(hsize / PAGE_SIZE * sizeof(void *)) /
						     PAGE_SIZE + 1) + hsize / PAGE_SIZE + 1;
			if (M.vpages)
				G.lazy_slack += PAGE_ALIGN(real / PAGE_SIZE * sizeof(void *)) /
						PAGE_SIZE + 1;
			unlock();
		}
		if (!concurrent() && cur.lazy_pages > M.lazy_pages) {
			/* failed attempts' vmalloc()ed page arrays */
			M.lazy[M.nr_lazy].start = 0;
			M.lazy[M.nr_lazy++].pages = cur.lazy_pages - M.lazy_pages;
			M.lazy_pages = cur.lazy_pages;
			meta_may_change = true;
		}
		EXPECT(refuse || fault_possible() || nthreads > 1 || M.fast ||
		       prev.free_pages < real / PAGE_SIZE + PT_SLACK(real / PAGE_SIZE) + 64 ||
		       !model_fit_exists(&M, rq.total, rq.ealign, rq.vs, rq.ve, false) ||
		       (M.vpages && real / PAGE_SIZE * sizeof(void *) > PAGE_SIZE),
		       "%s failed although %lu frames were free and the window had room",
		       names[v], prev.free_pages);
		failed_pages = hsize / PAGE_SIZE + 1;
		meta_may_change = true;
		check_counts(refuse ? SAME : FAILED);
		if (refuse)
			R->refused++;
		else
			R->calls_failed++;
		m_end();
		return;
	}
	EXPECT(!refuse, "%s returned %p although it must fail: %s", names[v], p, refuse);
	vm = find_vm_area(p);
	EXPECT(vm && vm->addr == p, "find_vm_area(%p) of the new huge-capable area is %p",
	       p, (void *)vm);
	EXPECT(vm->page_order == 0 || (vm->page_order == 9 && wanted),
	       "%s: page_order %u (huge %s)", names[v], vm->page_order,
	       wanted ? "wanted" : "not wanted");
	hq = rq;
	if (vm->page_order == 9) {
		hq.size = hsize;
		hq.align = max_ul(rq.align, PT_PMD_SIZE);
		req_check(&hq);
		R->kind[FZK_HUGE_OK]++;
	}
	npages = hq.size >> PAGE_SHIFT;
	vpages = M.vpages && npages * sizeof(struct page *) > PAGE_SIZE;
	if (nthreads > 1 && wanted && vm->page_order == 0) {
		lock();
		G.lazy_slack += PAGE_ALIGN(hsize / PAGE_SIZE * sizeof(void *)) / PAGE_SIZE + 1 +
				hsize / PAGE_SIZE + 1;
		unlock();
	}
	if (!concurrent() && wanted && (M.vpages || fault_active) &&
	    cur.lazy_pages > M.lazy_pages) {
		/* the failed huge attempt's page array, freed lazily */
		M.lazy[M.nr_lazy].start = 0;
		M.lazy[M.nr_lazy++].pages = cur.lazy_pages - M.lazy_pages;
		M.lazy_pages = cur.lazy_pages;
	}
	{
		struct newarea n = {
			.kind = MODEL_VMALLOC, .addr = (unsigned long)p, .rq = &hq,
			.flags = VM_ALLOC | vmf | (vpages ? VM_VPAGES : 0),
			.npages = npages, .prot = prot,
			.zero = gfp & __GFP_ZERO, .purged = true,
			.vpages = vpages, .node = -1,
			.caller_set = v == 2, .caller = caller,
			.plain = pgprot_val(prot) == pgprot_val(PAGE_KERNEL) &&
				 !vm->page_order,
		};
		int i = adopt(&n);

		if (vm->page_order == 9)
			check_huge(i);
	}
	meta_may_change = true;
	check_counts(CHANGED);
	m_end();
}

/* ------------------------------------------------------------------ */

/* Must a vmalloc of @pages (whole range, page aligned) find room and frames? */
static bool vm_room(unsigned long pages)
{
	struct req rq = { .size = pages * PAGE_SIZE, .align = 1, .start = START,
			  .end = END, .flags = VM_ALLOC };

	if (nthreads > 1 || M.fast || fault_possible() || M.vpages || req_check(&rq))
		return false;
	return prev.free_pages >= pages + PT_SLACK(pages) + 64 &&
	       model_fit_exists(&M, rq.total, rq.ealign, rq.vs, rq.ve, false);
}

static char *info_text(void)
{
	size_t need = vmallocinfo(NULL, 0) + 4096;
	char *buf = malloc(need);

	EXPECT(buf, "driver out of memory");
	vmallocinfo(buf, need);
	return buf;
}

static void op_map_ram_1(void)
{
	unsigned int count = (unsigned int)(chance(160) ? 1 + below(64) : 1 + below(200)), k;
	int node = chance(224) ? (int)below(M.nodes) - (int)chance(64) : pick_node();
	bool four = chance(96), bad;
	pgprot_t prot = four ? (chance(200) ? PAGE_KERNEL : pick_prot()) : PAGE_KERNEL;
	unsigned long addr, len;
	char pat[48], *info;
	void *p;

	count = (unsigned int)min_ul(count, PARR_MAX);
	if (!fill_pages(count))
		return;
	bad = node < -1 || node >= (int)M.nodes || !prot_ok(prot);
	what("vm_map_ram(pages, %u, node %d%s) prot 0x%llx", count, node,
	     four ? ", prot" : "", (unsigned long long)pgprot_val(prot));
	m_begin(bad ? 0 : PT_SLACK(count) + 8, bad ? 0 : count + 1 + 512);
	if (four)
		p = vm_map_ram(parr, count, node, prot);
	else
		p = vm_map_ram(parr, count, node);
	R->kind[four ? FZK_MAP_RAM4 : FZK_MAP_RAM]++;
	snap();
	follow_purges();
	if (!p) {
		struct req rq = { .size = (unsigned long)count * PAGE_SIZE, .align = 1,
				  .start = START, .end = END, .flags = VM_MAP };

		req_check(&rq);
		EXPECT(bad || fault_possible() || nthreads > 1 || M.fast ||
		       prev.free_pages < PT_SLACK(count) + 64 ||
		       !model_fit_exists(&M, rq.total, PAGE_SIZE, START, END, false),
		       "vm_map_ram of %u pages failed although there was room", count);
		failed_pages = count + 1;
		meta_may_change = true;
		check_counts(bad ? SAME : FAILED);
		R->refused++;
		m_end();
		return;
	}
	EXPECT(!bad, "vm_map_ram with a bad node or protection returned %p", p);
	addr = (unsigned long)p;
	len = (unsigned long)count * PAGE_SIZE;
	check_placement(addr, len + PAGE_SIZE, NULL, true, "vm_map_ram mapping");
	for (k = 0; k < count; k++) {
		struct page *got = vmalloc_to_page((char *)p + k * PAGE_SIZE);

		EXPECT(got == parr[k], "vm_map_ram: page %u maps %p, not %p", k,
		       (void *)got, (void *)parr[k]);
		EXPECT((pt_lookup(addr + k * PAGE_SIZE) & PT_PROT_MASK) == pgprot_val(prot),
		       "vm_map_ram: page %u PTE bits 0x%llx, asked 0x%llx", k,
		       (unsigned long long)(pt_lookup(addr + k * PAGE_SIZE) & PT_PROT_MASK),
		       (unsigned long long)pgprot_val(prot));
	}
	EXPECT(!vmalloc_to_page((char *)p + len), "vm_map_ram: guard page mapped");
	EXPECT(is_vmalloc_addr(p), "is_vmalloc_addr(vm_map_ram mapping %p) false", p);
	EXPECT(!find_vm_area(p), "find_vm_area(vm_map_ram mapping %p) finds an area", p);
	/* vread gives the frames' bytes */
	data_lock(true, false);
	{
		unsigned long n = min_ul(len, RW_MAX);
		long got = vread((char *)rw_buf, p, n);

		EXPECT(got == (long)n, "vread of the vm_map_ram mapping returned %ld, not %lu",
		       got, n);
		for (k = 0; k < n / PAGE_SIZE; k++) {
			struct model_frame *f = model_frame(&M, parr[k]);

			EXPECT(f && !memcmp(rw_buf + (unsigned long)k * PAGE_SIZE, f->data, PAGE_SIZE),
			       "vread of vm_map_ram page %u differs from its frame", k);
		}
	}
	data_lock(false, false);
	info = info_text();
	snprintf(pat, sizeof(pat), "0x%016lx-0x%016lx ", addr, addr + len + PAGE_SIZE);
	{
		char *l = strstr(info, pat);

		EXPECT(l && (l == info || l[-1] == '\n') && strstr(l, "vm_map_ram") &&
		       strstr(l, "vm_map_ram") < strchr(l, '\n'),
		       "vmallocinfo has no vm_map_ram line '%s...' (first such line: %.80s)", pat,
		       strstr(info, "vm_map_ram") ? strstr(info, "vm_map_ram") - 60 : "none");
		if (l)
			EXPECT(!strstr(strchr(l, '\n'), pat), "two vmallocinfo lines for %s", pat);
	}
	free(info);
	/* Refused, each with a warning, nothing changed. */
	for (k = (unsigned int)below(3); k; k--) {
		unsigned int h = (unsigned int)below(6);

		switch (h) {
		case 0: what("vfree(vm_map_ram mapping %p)", p); vfree(p); break;
		case 1: what("vunmap(vm_map_ram mapping %p)", p); vunmap(p); break;
		case 2:
			what("remove_vm_area(vm_map_ram mapping %p)", p);
			EXPECT(!remove_vm_area(p), "remove_vm_area of a vm_map_ram mapping");
			break;
		case 3: {
			unsigned int c = count + 1 + (unsigned int)below(3);

			if (chance(128) && count > 1)
				c = count - 1 - (unsigned int)below(count - 1);
			what("vm_unmap_ram(%p, %u) [maps %u]", p, c, count);
			vm_unmap_ram(p, c);
			break;
		}
		case 4:
			what("vm_unmap_ram(%p, %u) [inside the mapping or its guard]",
			     (char *)p + PAGE_SIZE, count);
			vm_unmap_ram((char *)p + PAGE_SIZE * (1 + below(count)), count);
			break;
		default:
			what("vm_unmap_ram(%p, 0)", p);
			vm_unmap_ram(p, 0);
			break;
		}
		M.warnings++;
		R->kind[FZK_MAP_RAM_REFUSED]++;
		EXPECT(vmalloc_to_page(p) == parr[0] &&
		       vmalloc_to_page((char *)p + len - PAGE_SIZE) == parr[count - 1],
		       "a refused call changed the vm_map_ram mapping");
	}
	what("vm_unmap_ram(%p, %u)", p, count);
	vm_unmap_ram(p, count);
	/* (Threaded: after a purge another worker may map the range.) */
	for (k = 0; !concurrent() && k < count; k += 1 + count / 8)
		EXPECT(!vmalloc_to_page((char *)p + k * PAGE_SIZE) &&
		       !pt_lookup(addr + k * PAGE_SIZE),
		       "vm_unmap_ram(%p, %u): page %u still mapped", p, count, k);
	m_lazy(addr, count + 1);
	if (chance(64)) {
		/*
		 * Threaded: once a purge (any thread's) has made the range
		 * free, another worker's vm_map_ram may get it; those live
		 * only inside an op that holds "creators" shared, so the
		 * second unmap runs with it held exclusively.
		 */
		m_end();
		exclusive(true);
		what("vm_unmap_ram(%p, %u) again", p, count);
		vm_unmap_ram(p, count);
		M.warnings++;
		R->kind[FZK_MAP_RAM_REFUSED]++;
		exclusive(false);
		m_begin(0, 0);
	}
	if (chance(48) && nthreads == 1) {
		what("vm_unmap_aliases() after vm_unmap_ram");
		vm_unmap_aliases();
		model_purge(&M);
	}
	snap();
	if (!concurrent() && M.fast && cur.lazy_pages != M.lazy_pages && cur.purges == M.purges) {
		/* ram blocks: dirty pages counted in per-CPU batches */
		M.nr_lazy = 0;
		M.lazy_pages = 0;
		if (cur.lazy_pages) {
			M.lazy[0].start = 0;
			M.lazy[0].pages = cur.lazy_pages;
			M.nr_lazy = 1;
			M.lazy_pages = cur.lazy_pages;
		}
	}
	meta_may_change = true;
	check_counts(CHANGED);
	m_end();
}

/* ------------------------------------------------------------------ */

static void op_bulk_1(void)
{
	struct page *arr[80], *was[80];
	struct page *frames[64];
	unsigned long n = 1 + below(80), set = 0, ret, k, got = 0, nf;
	bool node_form = chance(128), zero = chance(96), stopped = false;
	int nid = node_form ? (chance(224) ? (int)below(M.nodes) : pick_node()) : -1;
	gfp_t gfp = GFP_KERNEL | (zero ? __GFP_ZERO : 0);

	nf = driver_frames(frames, 64);
	for (k = 0; k < n; k++) {
		arr[k] = NULL;
		if (nf && chance(64))
			arr[k] = frames[below(nf)];
		set += arr[k] != NULL;
		was[k] = arr[k];
	}
	what("alloc_pages_bulk%s(gfp 0x%x%s%d, %lu, array with %lu set)",
	     node_form ? "_node" : "", gfp, node_form ? ", nid " : "", nid, n, set);
	m_begin(n + 8, 0);
	if (node_form)
		ret = alloc_pages_bulk_node(gfp, nid, n, arr);
	else
		ret = alloc_pages_bulk(gfp, n, arr);
	R->kind[FZK_BULK]++;
	if (nid < -1 || nid >= (int)M.nodes) {
		/* refused with a log line: 0, the array untouched */
		EXPECT(ret == 0, "alloc_pages_bulk_node(nid %d) returned %lu", nid, ret);
		for (k = 0; k < n; k++)
			EXPECT(arr[k] == was[k], "refused alloc_pages_bulk_node changed slot %lu", k);
		R->refused++;
		snap();
		check_counts(SAME);
		m_end();
		return;
	}
	for (k = 0; k < n; k++) {
		if (was[k]) {
			EXPECT(arr[k] == was[k], "alloc_pages_bulk changed set slot %lu", k);
			continue;
		}
		if (!arr[k]) {
			stopped = true;
			continue;
		}
		EXPECT(!stopped, "alloc_pages_bulk filled slot %lu after leaving one empty", k);
		EXPECT(pfn_to_page(pfn_of(arr[k])) == arr[k] && !model_frame(&M, arr[k]),
		       "alloc_pages_bulk slot %lu: %p is no fresh frame", k, (void *)arr[k]);
		EXPECT(page_count(arr[k]) == 1, "alloc_pages_bulk slot %lu: page_count %d",
		       k, page_count(arr[k]));
		EXPECT(!zero || !memcmp(page_address(arr[k]), zero_page, PAGE_SIZE),
		       "alloc_pages_bulk(__GFP_ZERO) slot %lu not zeroed", k);
		if (node_form && nid >= 0 && nid < (int)M.nodes && nthreads == 1 && !lax_node &&
		    prev.node_free_pages[nid] >= n + 64)
			EXPECT(page_to_nid(arr[k]) == nid, "alloc_pages_bulk_node(%d) slot %lu on node %d",
			       nid, k, page_to_nid(arr[k]));
		got++;
	}
	EXPECT(ret == set + got, "alloc_pages_bulk returned %lu, %lu slots set", ret, set + got);
	EXPECT(ret == n || fault_possible() || nthreads > 1 || prev.free_pages < n + 64,
		       "alloc_pages_bulk filled %lu of %lu with %lu frames free", ret, n,
		       prev.free_pages);
	/* distinct */
	for (k = 0; k < n; k++) {
		unsigned long j;

		if (!arr[k] || was[k])
			continue;
		for (j = k + 1; j < n; j++)
			EXPECT(arr[j] != arr[k] || was[j], "alloc_pages_bulk gave %p twice", (void *)arr[k]);
		__free_pages(arr[k], 0);
	}
	if (ret > set)
		R->kind[FZK_BULK_FILLED]++;
	snap();
	follow_purges();
	check_counts(CHANGED);
	m_end();
}

/* ------------------------------------------------------------------ */

static bool pcpu_fits(const unsigned long *rel, const unsigned long *len, int nr,
		      unsigned long b, bool lazy_busy)
{
	int i;

	for (i = 0; i < nr; i++)
		if (model_overlaps_live(&M, b + rel[i], len[i]) ||
		    (lazy_busy && model_overlaps_lazy(&M, b + rel[i], len[i])))
			return false;
	return true;
}

/* The highest aligned base where all fit (0: none, or gave up). */
static unsigned long pcpu_top(const unsigned long *rel, const unsigned long *len, int nr,
			      unsigned long align, unsigned long span, bool lazy_busy,
			      bool *gave_up)
{
	unsigned long b, tries = 0;

	*gave_up = false;
	if (span > END - START)
		return 0;
	b = (END - span) & ~(align - 1);
	while (b >= START && b + span <= END) {
		if (pcpu_fits(rel, len, nr, b, lazy_busy))
			return b;
		if (++tries > 4096) {
			*gave_up = true;
			return 0;
		}
		if (b < START + align)
			break;
		b -= align;
	}
	return 0;
}

static void op_pcpu_1(void)
{
	unsigned long offsets[4], rel[4], len[4], lo = ULONG_MAX, hi = 0, off = 0;
	size_t sizes[4], align = PAGE_SIZE << below(chance(32) ? 11 : 5);
	int nr = 1 + (int)below(4), i, j, nr_call = nr;
	bool ok = true, gave_up = false, exact;
	unsigned long top = 0, top2 = 0, d, sum = 0;
	struct vm_struct **vms;
	unsigned int h = (unsigned int)below(16);

	for (i = 0; i < nr; i++) {
		sizes[i] = (1 + below(chance(200) ? 4 : 64)) * align;
		offsets[i] = off + below(3) * align;
		off = (offsets[i] + sizes[i] + PAGE_SIZE + align - 1) & ~(align - 1);
	}
	for (i = nr - 1; i > 0; i--) {	/* any order */
		unsigned long t = below((unsigned long)i + 1), o = offsets[i];
		size_t s = sizes[i];

		offsets[i] = offsets[t]; sizes[i] = sizes[t];
		offsets[t] = o; sizes[t] = s;
	}
	switch (h) {
	case 0: align = chance(128) ? 0 : PAGE_SIZE / 2; break;
	case 1: align = 3 * PAGE_SIZE; break;
	case 2: sizes[below(nr)] = 0; break;
	case 3: offsets[below(nr)] += PAGE_SIZE / (align > PAGE_SIZE ? 1 : 2); break;
	case 4: if (nr > 1) offsets[1] = offsets[0] + sizes[0]; break;
	case 5: offsets[below(nr)] += (END - START) & ~(align - 1); break;
	case 6: nr_call = chance(128) ? 0 : -1; break;
	}
	/* The kernel's rules, as the library logs them. */
	if (nr_call <= 0 || !pow2(align) || align < PAGE_SIZE)
		ok = false;
	for (i = 0; ok && i < nr; i++) {
		unsigned long s = offsets[i], e = s + sizes[i] + PAGE_SIZE;

		if (!sizes[i] || (s | sizes[i]) & (align - 1) || e < s)
			ok = false;
		for (j = 0; ok && j < i; j++)
			if (s < offsets[j] + sizes[j] + PAGE_SIZE && offsets[j] < e)
				ok = false;
		lo = min_ul(lo, s);
		hi = max_ul(hi, e);
	}
	if (ok && hi - lo > END - START)
		ok = false;
	what("pcpu_get_vm_areas(%d areas, align 0x%zx) offsets 0x%lx 0x%lx 0x%lx 0x%lx sizes 0x%zx 0x%zx 0x%zx 0x%zx%s",
	     nr_call, align, offsets[0], nr > 1 ? offsets[1] : 0, nr > 2 ? offsets[2] : 0,
	     nr > 3 ? offsets[3] : 0, sizes[0], nr > 1 ? sizes[1] : 0, nr > 2 ? sizes[2] : 0,
	     nr > 3 ? sizes[3] : 0, ok ? "" : " [invalid]");
	if (ok) {
		for (i = 0; i < nr; i++) {
			rel[i] = offsets[i] - lo;
			len[i] = sizes[i] + PAGE_SIZE;
			sum += len[i] >> PAGE_SHIFT;
		}
	}
	exact = ok && nthreads == 1 && !M.fast && !fault_active && lazy_known();
	if (exact) {
		top = pcpu_top(rel, len, nr, align, hi - lo, true, &gave_up);
		if (!top && !gave_up)
			top2 = pcpu_top(rel, len, nr, align, hi - lo, false, &gave_up);
		exact = !gave_up;
	}
	m_begin(ok ? 16 : 0, ok ? sum + 1 : 0);
	vms = pcpu_get_vm_areas(offsets, sizes, nr_call, align);
	R->kind[FZK_PCPU]++;
	snap();
	d = follow_purges();
	if (!vms) {
		EXPECT(!exact || (!top && !top2) || fault_possible(),
		       "pcpu_get_vm_areas failed, but base 0x%lx fits%s", top ? top : top2,
		       top ? "" : " after a purge");
		check_counts(ok ? FAILED : SAME);
		R->refused++;
		m_end();
		return;
	}
	EXPECT(ok, "pcpu_get_vm_areas accepted invalid arguments");
	{
		unsigned long b = (unsigned long)vms[0]->addr - rel[0];

		EXPECT(!(b & (align - 1)), "pcpu_get_vm_areas: base 0x%lx not aligned to 0x%zx",
		       b, align);
		if (exact) {
			EXPECT(top ? b == top && !d : b == top2,
			       "pcpu_get_vm_areas: base 0x%lx, model's highest 0x%lx (after a purge 0x%lx)%s",
			       b, top, top2, d ? ", purged" : "");
			R->kind[FZK_PCPU_EXACT]++;
		}
		for (i = 0; i < nr; i++) {
			struct vm_struct *vm = vms[i];

			EXPECT(vm && (unsigned long)vm->addr == b + rel[i] &&
			       vm->size == len[i] && vm->flags == VM_ALLOC && !vm->pages &&
			       !vm->nr_pages,
			       "pcpu area %d: addr %p size 0x%lx flags 0x%lx; want 0x%lx + 0x%lx",
			       i, vm ? vm->addr : NULL, vm ? vm->size : 0, vm ? vm->flags : 0,
			       b + rel[i], len[i]);
			check_placement(b + rel[i], len[i], NULL, d != 0, "pcpu area");
			EXPECT(find_vm_area(vm->addr) == vm, "find_vm_area of pcpu area %d", i);
		}
	}
	R->kind[FZK_PCPU_OK]++;
	what("pcpu_free_vm_areas(%d areas)", nr);
	pcpu_free_vm_areas(vms, nr);
	snap();
	check_counts(CHANGED);
	m_end();
}

/* ------------------------------------------------------------------ */

/* An area this op owns (made by it, or taken over from the model). */
struct own {
	void *p;
	struct vm_struct *vm;
	unsigned long nr;		/* frames */
	unsigned long flags;
	uint64_t prot;
	struct page **pages;		/* copy of vm->pages */
	unsigned char *data;		/* nr pages of expected contents */
	int sh;				/* its range in the model, or -1 */
};

/* Show the owned area's range to the model (placements, room), or not. */
static void own_shadow(struct own *o, bool on)
{
	int i;

	if (o->sh >= 0)
		model_area_free(&M, o->sh);
	o->sh = -1;
	if (!on || (i = model_area_new(&M)) < 0)
		return;
	M.areas[i].kind = MODEL_GVA;
	M.areas[i].start = (unsigned long)o->p;
	M.areas[i].size = o->vm->size;
	M.areas[i].npages = (o->vm->size - GUARD(o->flags)) >> PAGE_SHIFT;
	M.areas[i].flags = o->flags;
	o->sh = i;
}

static void own_free_copy(struct own *o)
{
	free(o->pages);
	free(o->data);
	o->pages = NULL;
	o->data = NULL;
}

/* Read what the library has now (after checking what it must have). */
static void own_snapshot(struct own *o)
{
	unsigned long k;

	o->vm = find_vm_area(o->p);
	EXPECT(o->vm && o->vm->addr == o->p && o->vm->pages && o->vm->nr_pages,
	       "vrealloc: find_vm_area(%p) is %p", o->p, (void *)o->vm);
	o->nr = o->vm->nr_pages;
	o->flags = o->vm->flags;
	m_cache_reused((unsigned long)o->p, o->vm->size);
	free(o->pages);
	o->pages = malloc(o->nr * sizeof(*o->pages));
	EXPECT(o->pages, "driver out of memory");
	memcpy(o->pages, o->vm->pages, o->nr * sizeof(*o->pages));
	o->data = realloc(o->data, o->nr * PAGE_SIZE);
	EXPECT(o->data, "driver out of memory");
	for (k = 0; k < o->nr; k++)
		memcpy(o->data + k * PAGE_SIZE, page_address(o->pages[k]), PAGE_SIZE);
}

/* Contents, frames and PTEs of @o against what the op expects. */
static void own_check(const struct own *o, const char *who)
{
	unsigned long k, off;

	EXPECT(o->vm->nr_pages == o->nr, "%s: nr_pages %u, expected %lu", who,
	       o->vm->nr_pages, o->nr);
	for (k = 0; k < o->nr; k++) {
		EXPECT(o->vm->pages[k] == o->pages[k], "%s: pages[%lu] changed", who, k);
		if (k % 37 == 0 || k == o->nr - 1) {
			EXPECT(vmalloc_to_page((char *)o->p + k * PAGE_SIZE) == o->pages[k],
			       "%s: page %lu maps %p, not %p", who, k,
			       (void *)vmalloc_to_page((char *)o->p + k * PAGE_SIZE),
			       (void *)o->pages[k]);
			EXPECT((pt_lookup((unsigned long)o->p + k * PAGE_SIZE) & PT_PROT_MASK) == o->prot,
			       "%s: page %lu PTE bits 0x%llx, expected 0x%llx", who, k,
			       (unsigned long long)(pt_lookup((unsigned long)o->p + k * PAGE_SIZE) &
						    PT_PROT_MASK), (unsigned long long)o->prot);
		}
	}
	for (off = 0; off < o->nr * PAGE_SIZE; off += RW_MAX) {
		unsigned long n = min_ul(RW_MAX, o->nr * PAGE_SIZE - off);
		long got = vread((char *)rw_buf, (char *)o->p + off, n);

		EXPECT(got == (long)n, "%s: vread returned %ld of %lu", who, got, n);
		if (memcmp(rw_buf, o->data + off, n)) {
			for (k = 0; rw_buf[k] == o->data[off + k]; k++)
				;
			FAIL("%s: byte %lu reads 0x%02x, expected 0x%02x", who, off + k,
			     rw_buf[k], o->data[off + k]);
		}
	}
}

/* Take model area @i (a plain vmalloc area) out of the model. */
static bool own_take(int i, struct own *o)
{
	struct model_area *a = &M.areas[i];
	unsigned long p;

	if (nthreads > 1 || a->kind != MODEL_VMALLOC || a->child >= 0 || !a->map ||
	    (a->flags & (VM_IOREMAP | VM_SPARSE)) ||
	    a->vm->nr_pages != a->npages)
		return false;
	for (p = 0; p < a->npages; p++)
		if (a->map[p] != a->owned[p] || head_refs(a->owned[p]) != 1 ||
		    a->prot[p] != a->prot[0])
			return false;
	memset(o, 0, sizeof(*o));
	o->sh = -1;
	o->p = (void *)a->start;
	o->prot = a->prot[0];
	o->nr = a->npages;
	own_snapshot(o);
	o->prot = a->prot[0];
	{
		unsigned char *want = malloc(a->npages * PAGE_SIZE);

		EXPECT(want, "driver out of memory");
		model_read(&M, a->start, a->npages * PAGE_SIZE, want);
		EXPECT(!memcmp(want, o->data, a->npages * PAGE_SIZE),
		       "area #%lu: its frames differ from the model", a->id);
		free(want);
	}
	own_check(o, "taken-over area");
	reg_gone(a->id);
	for (p = 0; p < a->npages; p++)
		model_frame_del(&M, a->owned[p]);
	model_area_free(&M, i);
	return true;
}

/* vfree of an owned area (or vrealloc(p, 0)) of @size bytes (read before
 * the call: threaded, the descriptor may be another's at once): lazily
 * unless flushed. */
static void own_freed(struct own *o, unsigned long size)
{
	own_shadow(o, false);
	if (!(o->flags & VM_FLUSH_NOW))
		m_freed((unsigned long)o->p, size, o->nr, o->flags, 0, o->prot);
	own_free_copy(o);
}

static void mid_snap(void)
{
	snap();
	follow_purges();
	if (!concurrent())
		prev.purges = cur.purges;
}

static void op_vrealloc_1(void)
{
	struct own o;
	unsigned int calls, r = (unsigned int)below(16);
	int i = -1;
	void *q;

	memset(&o, 0, sizeof(o));
	o.sh = -1;
	if (r < 3) {
		/* Refused: not a vmalloc area of the library's making. */
		unsigned long x;
		int j = pick_area(K_VMAP | K_GVA);

		x = j >= 0 && chance(160) ? M.areas[j].start : pick_addr(K_ANY);
		if (j < 0 && !x)
			return;
		i = model_area_starting(&M, x);
		if (i >= 0 && M.areas[i].kind == MODEL_VMALLOC &&
		    !(M.areas[i].flags & (VM_IOREMAP | VM_SPARSE)))
			return;
		if (!x || reg_start_other(x) || (nthreads > 1 && i < 0))
			return;
		what("vrealloc(0x%lx, 0x%lx) [%s]", x, PAGE_SIZE * (1 + below(8)),
		     i >= 0 ? kind_name(M.areas[i].kind) : "no area starts there");
		q = vrealloc((void *)x, PAGE_SIZE * (1 + below(8)), GFP_KERNEL);
		EXPECT(!q, "vrealloc of 0x%lx returned %p", x, q);
		M.warnings++;
		R->kind[FZK_VREALLOC_REFUSED]++;
		if (i >= 0) {
			check_desc(i);
			check_ptes(i, false);
		}
		snap();
		check_counts(SAME);
		return;
	}
	m_begin(256 + 64, 512);
	if (r < 8 && (i = pick_area(K_VMALLOC)) >= 0 && own_take(i, &o)) {
		what("vrealloc on model area at %p (%lu pages, flags 0x%lx)", o.p, o.nr, o.flags);
		R->kind[FZK_VREALLOC_MODEL]++;
	} else {
		unsigned long sz = PAGE_SIZE * (1 + below(chance(32) ? (M.vpages ? 500 : 600) : 40)) -
				   below(PAGE_SIZE);
		unsigned long vmf = chance(48) ? VM_NO_GUARD : chance(32) ? VM_FLUSH_RESET_PERMS : 0;
		gfp_t g = GFP_KERNEL | (chance(128) ? __GFP_ZERO : 0);

		if (!chance(16))
			vmf = 0;
		what("vrealloc: area of 0x%lx bytes%s (vm_flags 0x%lx)", sz,
		     r == 15 ? " by vrealloc(NULL)" : r == 14 ? ", huge" : "", vmf);
		if (r == 15)
			o.p = vrealloc(NULL, sz, g);
		else if (r == 14 && !M.vpages)
			o.p = vmalloc_huge(sz + (1UL << 21), g);
		else
			o.p = __vmalloc_node_range(sz, 1, START, END, g, PAGE_KERNEL, vmf, -1, NULL);
		mid_snap();
		if (!o.p) {
			meta_may_change = true;
			snap();
			check_counts(FAILED);
			m_end();
			return;
		}
		o.prot = pgprot_val(PAGE_KERNEL);
		own_snapshot(&o);
	}
	own_shadow(&o, true);
	/* some bytes of our own */
	{
		unsigned long off = below(o.nr * PAGE_SIZE), n = min_ul(1 + below(3 * PAGE_SIZE),
							    o.nr * PAGE_SIZE - off), k;
		unsigned char x = (unsigned char)u8();

		for (k = 0; k < n; k++)
			rw_buf[k] = (unsigned char)(x + k * 7);
		data_lock(true, false);	/* threaded: no wide vread meanwhile */
		for (k = 0; k < n; k++) {
			unsigned long b = off + k;

			((unsigned char *)page_address(o.pages[b / PAGE_SIZE]))[b % PAGE_SIZE] = rw_buf[k];
		}
		data_lock(false, false);
		memcpy(o.data + off, rw_buf, n);
		own_check(&o, "vrealloc: before");
	}
	for (calls = 1 + (unsigned int)below(3); calls; calls--) {
		unsigned int s = (unsigned int)below(16);
		unsigned long old_nr = o.nr, size, nr, want_nr, k, oldsize = o.vm->size;
		unsigned long guard = GUARD(o.flags), oldaddr = (unsigned long)o.p;
		gfp_t g = GFP_KERNEL | (chance(96) ? __GFP_ZERO : 0) | (chance(32) ? __GFP_NOWARN : 0);
		/* A VM_USERMAP area is resized as with __GFP_ZERO, whatever g says
		 * (user space may map it: no stale bytes, new or past the end). */
		bool huge = o.vm->page_order == 9, inplace_pred = false;
		bool zero = (g & __GFP_ZERO) || (o.flags & VM_USERMAP);
		bool exact = nthreads == 1 && !M.fast && !fault_active && lazy_known() && !huge &&
			     !M.vpages;
		struct vm_struct *ovm = o.vm;

		if (s < 6)
			size = PAGE_SIZE * (old_nr + 1 + below(s < 2 ? 300 : 16)) - below(PAGE_SIZE);
		else if (s < 11)
			size = 1 + below(old_nr * PAGE_SIZE);
		else if (s < 13)
			size = old_nr * PAGE_SIZE - below(PAGE_SIZE);
		else if (s < 14)
			size = 0;
		else if (s < 15) {
			/* bad pointers: interior, guard page */
			unsigned long span = oldsize >> PAGE_SHIFT, x;

			/* a page of its reserved range or guard, not the next area */
			if (span < 2)
				continue;
			x = oldaddr + PAGE_SIZE * (1 + below(span - 1)) +
			    (chance(128) ? 0 : below(PAGE_SIZE));

			what("vrealloc(0x%lx, 0x%lx) [inside an area]", x, PAGE_SIZE);
			q = vrealloc((void *)x, PAGE_SIZE, g);
			EXPECT(!q, "vrealloc of an interior address returned %p", q);
			M.warnings++;
			R->kind[FZK_VREALLOC_REFUSED]++;
			own_check(&o, "after a refused vrealloc");
			continue;
		} else
			size = (old_nr + 1 + below(4)) * PAGE_SIZE;
		/* Host: no vmalloc()ed page arrays (their lazy ranges). */
		if (M.vpages && size > 512 * PAGE_SIZE)
			size = 512 * PAGE_SIZE - below(PAGE_SIZE);
		nr = PAGE_ALIGN(size) >> PAGE_SHIFT;
		want_nr = huge && nr <= old_nr ? (nr + 511) & ~511UL : nr;
		if (exact && nr > old_nr) {
			unsigned long need = nr * PAGE_SIZE + guard;

			inplace_pred = need <= oldsize ||
				(oldaddr + need <= END && oldaddr + need > oldaddr &&
				 !model_overlaps_live(&M, oldaddr + oldsize, need - oldsize) &&
				 !model_overlaps_lazy(&M, oldaddr + oldsize, need - oldsize));
		}
		what("vrealloc(%p, 0x%lx, gfp 0x%x) [%lu -> %lu pages%s]", o.p, size, g,
		     old_nr, nr, huge ? ", huge" : "");
		/* __GFP_ZERO writes the mapped last page: as the driver's writes */
		data_lock(true, false);
		q = vrealloc(o.p, size, g);
		data_lock(false, false);
		R->kind[size ? (nr > old_nr ? FZK_VREALLOC_GROW : FZK_VREALLOC_SHRINK)
			     : FZK_VREALLOC_FREE]++;
		if (!size) {
			EXPECT(!q, "vrealloc(p, 0) returned %p", q);
			own_freed(&o, oldsize);
			mid_snap();
			break;
		}
		snap();
		if (q && q != o.p && !(o.flags & VM_FLUSH_NOW)) {
			/* the old range waits for a purge; one in the call
			 * (for room) may have come before or after it */
			unsigned long pd = concurrent() ? 0 : cur.purges - prev.purges;

			m_lazy(oldaddr, oldsize >> PAGE_SHIFT);
			follow_purges();
			if (pd && cur.lazy_pages == oldsize >> PAGE_SHIFT)
				m_lazy(oldaddr, oldsize >> PAGE_SHIFT);
			if (!concurrent())
				prev.purges = cur.purges;
		} else {
			follow_purges();
			if (!concurrent())
				prev.purges = cur.purges;
		}
		if (!q) {
			EXPECT(fault_possible() || !exact || nr < old_nr ||
			       prev.free_pages < nr + PT_SLACK(nr) + 64 ||
			       (!inplace_pred && !model_fit_exists(&M, nr * PAGE_SIZE + guard,
								   PAGE_SIZE, START, END, false)),
			       "vrealloc to %lu pages failed with %lu frames free", nr,
			       prev.free_pages);
			o.vm = find_vm_area(o.p);
			EXPECT(o.vm == ovm, "failed vrealloc: the area is gone");
			own_check(&o, "after a failed vrealloc");
			meta_may_change = true;
			continue;
		}
		o.vm = find_vm_area(q);
		EXPECT(o.vm && o.vm->addr == q, "vrealloc returned %p: find_vm_area %p", q,
		       (void *)o.vm);
		if (o.vm->page_order == 9)
			want_nr = (nr + 511) & ~511UL;
		if (nr <= old_nr)
			EXPECT(q == o.p, "shrinking vrealloc moved %p to %p", o.p, q);
		if (exact && nr > old_nr) {
			EXPECT((q == o.p) == inplace_pred,
			       "vrealloc grow %lu -> %lu pages at %p: %s, the model says %s",
			       old_nr, nr, o.p, q == o.p ? "in place" : "moved",
			       inplace_pred ? "in place" : "move");
			R->kind[FZK_VREALLOC_EXACT]++;
		}
		EXPECT(o.vm->nr_pages == want_nr && o.vm->flags == o.flags,
		       "vrealloc: nr_pages %u flags 0x%lx, expected %lu, 0x%lx", o.vm->nr_pages,
		       o.vm->flags, want_nr, o.flags);
		if (q == o.p)
			EXPECT(o.vm == ovm && o.vm->size >= want_nr * PAGE_SIZE + guard &&
			       o.vm->size >= oldsize,
			       "vrealloc in place: size 0x%lx (was 0x%lx) for %lu pages",
			       o.vm->size, oldsize, want_nr);
		else {
			EXPECT(o.vm->size == want_nr * PAGE_SIZE + guard ||
			       o.vm->page_order == 9,
			       "moved area size 0x%lx for %lu pages", o.vm->size, want_nr);
			check_placement((unsigned long)q, o.vm->size, NULL, true, "moved area");
			if (!concurrent()) {	/* threaded: others may get it */
				EXPECT(find_vm_area(o.p) != ovm || ovm->addr != o.p,
				       "the old area is still found after a move");
				EXPECT(!vmalloc_to_page(o.p) && !pt_lookup(oldaddr),
				       "vrealloc moved %p to %p: the old range is still mapped",
				       o.p, q);
			}
			R->kind[FZK_VREALLOC_MOVED]++;
		}
		/* expected contents: kept frames keep their bytes */
		if (zero && want_nr <= old_nr) {
			unsigned long from = huge || o.vm->page_order == 9 ? size : size;

			memset(o.data + from, 0, want_nr * PAGE_SIZE - from);
		}
		o.data = realloc(o.data, want_nr * PAGE_SIZE);
		EXPECT(o.data, "driver out of memory");
		{
			struct page **np = malloc(want_nr * sizeof(*np));

			EXPECT(np, "driver out of memory");
			for (k = 0; k < want_nr; k++) {
				if (k < old_nr) {
					EXPECT(o.vm->pages[k] == o.pages[k],
					       "vrealloc: kept page %lu has a new frame", k);
					np[k] = o.pages[k];
					continue;
				}
				np[k] = o.vm->pages[k];
				EXPECT(!model_frame(&M, np[k]), "vrealloc: new frame %lu is someone's", k);
				if (zero)
					EXPECT(!memcmp(page_address(np[k]), zero_page, PAGE_SIZE),
					       "vrealloc(__GFP_ZERO): new page %lu not zeroed", k);
				memcpy(o.data + k * PAGE_SIZE, page_address(np[k]), PAGE_SIZE);
			}
			free(o.pages);
			o.pages = np;
		}
		o.nr = want_nr;
		o.p = q;
		own_shadow(&o, true);
		own_check(&o, "after vrealloc");
	}
	if (o.pages) {
		unsigned long sz = o.vm->size;

		what("vfree(%p) [vrealloc'ed]", o.p);
		vfree(o.p);
		own_freed(&o, sz);
	}
	snap();
	follow_purges();
	meta_may_change = true;
	check_counts(CHANGED);
	m_end();
}

/* ------------------------------------------------------------------ */

static void op_kv_1(void)
{
	static const char *const names[] = { "kvmalloc", "kvzalloc", "kvmalloc_node",
		"kvzalloc_node", "kvcalloc", "kvmalloc_array", "kvfree",
		"kvrealloc(NULL)" };
	unsigned int v = (unsigned int)below(8);
	size_t size, n = 1, el = 1;
	gfp_t gfp = GFP_KERNEL | (chance(32) ? __GFP_NOWARN : 0);
	int node = (int)below(M.nodes);
	bool zero, big, ovf = false;
	unsigned char *p, local[32];
	struct vm_struct *vm = NULL;

	if (v == 6) {
		/* hostile kvfree / kvfree_sensitive */
		unsigned int h = (unsigned int)below(5);
		const void *x = local;
		int j;
		struct page *frames[4];

		if (h == 1)
			x = some_static + below(16);
		else if (h == 2) {
			j = pick_area(K_VMALLOC);
			if (j < 0 || !M.areas[j].vm)
				return;
			x = M.areas[j].vm->pages;	/* the library's page array */
			if (is_vmalloc_addr(x) && !sem.hide_internal)
				return;
		} else if (h == 3) {
			if (!driver_frames(frames, 4))
				return;
			x = page_address(frames[0]);
		} else if (h == 4) {
			p = kvmalloc(64 + below(900), GFP_KERNEL);
			if (!p) {
				meta_may_change = true;
				snap();
				check_counts(CHANGED);
				return;
			}
			what("kvfree(%p + 16) [inside an object]", (void *)p);
			kvfree(p + 16);
			M.warnings++;
			R->kind[FZK_KVFREE_REFUSED]++;
			kvfree(p);
			meta_may_change = true;
			snap();
			check_counts(CHANGED);
			return;
		}
		what("kvfree%s(%p) [hostile %u]", chance(64) ? "_sensitive" : "", x, h);
		if (chance(64))
			kvfree_sensitive(x, 16);
		else
			kvfree(x);
		M.warnings++;
		R->kind[FZK_KVFREE_REFUSED]++;
		snap();
		check_counts(SAME);
		return;
	}
	switch (below(8)) {
	case 0: case 1: case 2: size = 1 + below(VM_KV_MAX_DRIVER); break;
	case 3: size = VM_KV_MAX_DRIVER - below(2) + below(2); break;
	case 4: case 5: size = VM_KV_MAX_DRIVER + 1 + below(32 * PAGE_SIZE); break;
	case 6: size = PAGE_SIZE * (1 + below(300)); break;
	default: size = chance(128) ? 0 : (size_t)INT_MAX + 1 + below(4); break;
	}
	if (v >= 4) {
		el = 1 + below(64);
		n = (size + el - 1) / el;
		if (chance(16)) {
			n = SIZE_MAX / el + 1 + below(4);
			el = 2 + below(64);
		}
		ovf = __builtin_mul_overflow(n, el, &size);
		if (ovf)
			size = 0;
	}
	zero = v == 1 || v == 3 || v == 4;
	big = size > VM_KV_MAX_DRIVER;
	what("%s(%zu%s) gfp 0x%x node %d", names[v], size,
	     v >= 4 ? " as n x size" : "", gfp, node);
	m_begin(big && size < (1UL << 30) ? size / PAGE_SIZE + 64 : 0,
		big && size < (1UL << 30) ? size / PAGE_SIZE + 2 : 0);
	switch (v) {
	case 0: p = kvmalloc(size, gfp); break;
	case 1: p = kvzalloc(size, gfp); break;
	case 2: p = kvmalloc_node(size, gfp, node); break;
	case 3: p = kvzalloc_node(size, gfp, node); break;
	case 4: p = kvcalloc(n, el, gfp); break;
	case 5: p = kvmalloc_array(n, el, gfp); break;
	default: p = kvrealloc(NULL, size, gfp); break;
	}
	R->kind[big ? FZK_KV_BIG : FZK_KV_SMALL]++;
	mid_snap();
	if (!p) {
		if (size > INT_MAX && !(gfp & __GFP_NOWARN) && !ovf)
			M.warnings++;
		EXPECT(!size || size > INT_MAX || fault_possible() || nthreads > 1 ||
		       (big && !vm_room(PAGE_ALIGN(size) >> PAGE_SHIFT)),
		       "%s(%zu) failed", names[v], size);
		meta_may_change = true;
		snap();
		check_counts(size > INT_MAX || !size ? SAME : FAILED);
		m_end();
		return;
	}
	EXPECT(size && size <= INT_MAX, "%s(%zu) returned %p", names[v], size, (void *)p);
	EXPECT(is_vmalloc_addr(p) == big, "%s(%zu): is_vmalloc_addr(%p) is %d",
	       names[v], size, (void *)p, is_vmalloc_addr(p));
	if (!big) {
		size_t k;

		for (k = 0; k < size; k++)
			EXPECT(!p[k], "small kvmalloc object: byte %zu is 0x%02x", k, p[k]);
		memset(p, 0x5a, size);
		if (chance(96)) {
			size_t ns = 1 + below(2 * VM_KV_MAX_DRIVER);
			unsigned char *q;

			what("kvrealloc(%p, %zu) [small, %zu]", (void *)p, ns, size);
			q = chance(64) ? kvrealloc(p, size, ns, gfp | __GFP_ZERO)
				       : kvrealloc(p, ns, gfp);
			R->kind[FZK_KVREALLOC]++;
			if (q) {
				unsigned char chk[2 * 4096];
				size_t m = min_ul(size, ns);

				if (is_vmalloc_addr(q))
					EXPECT(vread((char *)chk, (char *)q, m) == (long)m,
					       "vread of kvrealloc'ed memory");
				else
					memcpy(chk, q, m);
				for (k = 0; k < m; k++)
					EXPECT(chk[k] == 0x5a, "kvrealloc lost byte %zu", k);
				p = q;
				size = ns;
				big = is_vmalloc_addr(q);
				zero = false;
			} else {
				EXPECT(fault_possible() || nthreads > 1 ||
				       (ns > VM_KV_MAX_DRIVER && !vm_room(PAGE_ALIGN(ns) >> PAGE_SHIFT)),
				       "kvrealloc of a small object to %zu failed", ns);
			}
			mid_snap();
		}
	}
	if (big) {
		vm = find_vm_area(p);
		EXPECT(vm && vm->addr == p && (vm->flags & VM_ALLOC) &&
		       (vm->flags & VM_ALLOW_HUGE_VMAP) &&
		       (vm->nr_pages == PAGE_ALIGN(size) >> PAGE_SHIFT || vm->page_order == 9),
		       "kvmalloc(%zu): area %p flags 0x%lx nr_pages %u", size,
		       vm ? vm->addr : NULL, vm ? vm->flags : 0, vm ? vm->nr_pages : 0);
		m_cache_reused((unsigned long)p, vm->size);
		if (zero) {
			unsigned long off;

			for (off = 0; off < PAGE_ALIGN(size); off += RW_MAX) {
				unsigned long c = min_ul(RW_MAX, PAGE_ALIGN(size) - off);

				vread((char *)rw_buf, (char *)p + off, c);
				{
					unsigned long k;

					for (k = 0; k < c; k++)
						EXPECT(!rw_buf[k], "kvzalloc memory: byte 0x%lx is 0x%02x",
						       off + k, rw_buf[k]);
				}
			}
		}
	}
	what("kvfree%s(%p) [%zu bytes]", v & 1 ? "_sensitive" : "", (void *)p, size);
	if (big)
		m_freed((unsigned long)p, vm->size, vm->nr_pages, vm->flags,
			vm->page_order, pgprot_val(PAGE_KERNEL));
	data_lock(true, false);		/* kvfree_sensitive writes the frames */
	if (v & 1)
		kvfree_sensitive(p, size);
	else
		kvfree(p);
	data_lock(false, false);
	snap();
	follow_purges();
	meta_may_change = true;
	check_counts(CHANGED);
	m_end();
}

static void op_huge(void)
{
	if (huge_ops)
		op_huge_1();
	else
		op_bulk_1();
}

static void op_bulk(void)
{
	op_bulk_1();
}

static void op_merged(void)
{
	unsigned int k = (unsigned int)below(16);

	if (merged_only >= 0)
		k = (unsigned int)merged_only;
	if (k >= 16)
		return;
	switch (k) {
	case 0: case 1: case 2: op_huge(); break;
	case 3: case 4: case 5: op_map_ram_1(); break;
	case 6: case 7: op_bulk_1(); break;
	case 8: case 9: op_pcpu_1(); break;
	case 10: case 11: case 12: op_vrealloc_1(); break;
	default: op_kv_1(); break;
	}
}

static void op_today(void)
{
	unsigned int r = (unsigned int)below(16);

	if (r < 6)
		op_sparse_map();
	else if (r < 8)
		op_sparse_unmap();
	else if (r < 10)
		op_set_flush();
	else
		op_query();
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

static void op_vm_unmap_aliases(void)
{
	unsigned int k;

	what("vm_unmap_aliases()");
	vmalloc_sync_all();
	vm_unmap_aliases();
	/*
	 * It drains the area cache: every area this partition freed into it
	 * is retired (onto the lazy list) and purged, unmapped, unreadable.
	 * Threaded: another worker may have the range at once.
	 */
	for (k = 0; k < M.nr_cached; k++) {
		const struct model_cached *c = &M.cached[k];

		if (!concurrent()) {
			EXPECT(!find_vm_area((void *)c->start) &&
			       !pt_lookup(c->start) && !vmalloc_to_page((void *)c->start) &&
			       !pt_lookup(c->start + c->size - 2 * PAGE_SIZE),
			       "area 0x%lx + 0x%lx (was #%lu) still mapped after vm_unmap_aliases",
			       c->start, c->size, c->id);
			if (nthreads == 1)
				model_lazy_add(&M, c->start, c->size >> PAGE_SHIFT);
		}
		R->kind[FZK_CACHE_DRAINED]++;
	}
	M.nr_cached = 0;
	if (!concurrent())
		__atomic_store_n(&cache_lost, false, __ATOMIC_RELAXED);
	if (nthreads == 1)
		model_purge(&M);	/* threaded: followed at barriers */
	snap();
	check_counts(CHANGED);
	if (!concurrent())
		EXPECT(!cur.cache_areas && !cur.cache_pages,
		       "vm_unmap_aliases left %lu areas, %lu pages in the area cache",
		       cur.cache_areas, cur.cache_pages);
}

/*
 * Move to another CPU. The library keeps per-CPU state (frame lists,
 * fast-path blocks, descriptor stocks); pinning makes which CPU runs a
 * call part of the input, so runs repeat exactly, and this op makes
 * frees on one CPU of what another allocated.
 */
static void pin_to(int k)
{
	cpu_set_t set;

	if (nr_cpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpus[k], &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void op_migrate(void)
{
	int k = (int)below((unsigned long)nr_cpus);

	what("run on CPU %d", nr_cpus ? cpus[k] : -1);
	pin_to(k);
}

static void op_sparse_map(void);
static void op_merged(void);
static void op_huge(void);
static void op_bulk(void);

/* One allocating op, while failures are being injected. */
static void faulty_op(void)
{
	if (model_full())
		return;
	switch (below(merged ? 12 : v3 ? 9 : v2 ? 8 : 7)) {
	case 11: op_merged(); break;
	case 10: op_huge(); break;
	case 9: op_bulk(); break;
	case 8: op_sparse_map(); break;
	case 7: op_vmalloc_area(); break;
	case 0: case 1: op_vmalloc(); break;
	case 2: op_get_vm_area(); break;
	case 3: op_vmap(); break;
	case 4: op_map_vm_area(); break;
	case 5: op_page_alloc(); break;
	default: op_remap(); break;
	}
}

/*
 * Threaded: configure fault injection with no other worker inside an op
 * (see G: the library's settings are plain variables).
 */
static void inject(unsigned int sites, unsigned long nth, unsigned int permille,
		   uint64_t seed)
{
	bool quiesce = nthreads > 1 && !G.quiet && sem.quiet_inject;

	if (quiesce) {
		pthread_rwlock_unlock(&G.world);
		pthread_rwlock_wrlock(&G.world);
	}
	vmalloc_fault_inject(sites, nth, permille, seed);
	if (quiesce) {
		pthread_rwlock_unlock(&G.world);
		pthread_rwlock_rdlock(&G.world);
	}
}

/*
 * Fault injection: fail the nth attempt at the chosen sites during one
 * op, or (a storm) fail attempts at random during a few ops. Every op
 * must then succeed, or fail with everything as it was (threaded: and
 * every other worker's calls meanwhile too).
 */
static void op_fault(void)
{
	unsigned int sites = u8() & VM_FAULT_ALL, n;

	if (!sites)
		sites = VM_FAULT_ALL;
	/* Threaded: one storm at a time, announced to every worker. */
	if (nthreads > 1) {
		if (pthread_mutex_trylock(&G.storm))
			return;
		__atomic_add_fetch(&G.storm_seq, 1, __ATOMIC_SEQ_CST);
	}
	fault_sites = sites;
	if (chance(192)) {
		fault_nth = 1 + below(6);
		inject(sites, fault_nth, 0, 0);
		fault_active = true;
		faulty_op();
	} else {
		unsigned int permille = 50 + (unsigned int)below(450);

		fault_nth = 0;
		inject(sites, 0, permille, u32());
		fault_active = true;
		for (n = 1 + (unsigned int)below(4); n; n--)
			faulty_op();
	}
	inject(0, 0, 0, 0);
	fault_active = false;
	err_seen = err_lines;
	if (nthreads > 1) {
		__atomic_add_fetch(&G.storm_seq, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_unlock(&G.storm);
	}
}

/* ------------------------------------------------------------------ */
/* The op loop                                                         */
/* ------------------------------------------------------------------ */

/* The first format's op table: old inputs decode as they always did. */
static void one_op_v1(unsigned int r)
{
	if (model_full() && r < 120)
		r = 140;	/* full: free instead */
	if (r < 48)
		op_vmalloc();
	else if (r < 72)
		op_get_vm_area();
	else if (r < 92)
		op_vmap();
	else if (r < 120)
		op_pages();
	else if (r < 150)
		op_free();
	else if (r < 164)
		op_free_hostile();
	else if (r < 176)
		op_map_vm_area();
	else if (r < 184)
		op_unmap_range();
	else if (r < 198)
		op_rw(false);
	else if (r < 212)
		op_rw(true);
	else if (r < 220)
		op_remap();
	else if (r < 232)
		op_find();
	else if (r < 240)
		op_direct();
	else if (r < 242)
		op_vm_unmap_aliases();
	else if (r < 244)
		op_migrate();
	else if (r < 254)
		op_fault();
	else
		full_check();
}

/* The second format's: __vmalloc_area and the rest of the API too. */
static void one_op_v2(unsigned int r)
{
	if (model_full() && r < 110)
		r = 130;	/* full: free instead */
	if (r < 44)
		op_vmalloc();
	else if (r < 66)
		op_get_vm_area();
	else if (r < 84)
		op_vmap();
	else if (r < 110)
		op_pages();
	else if (r < 138)
		op_free();
	else if (r < 150)
		op_free_hostile();
	else if (r < 160)
		op_map_vm_area();
	else if (r < 168)
		op_unmap_range();
	else if (r < 180)
		op_rw(false);
	else if (r < 192)
		op_rw(true);
	else if (r < 200)
		op_remap();
	else if (r < 210)
		op_find();
	else if (r < 216)
		op_direct();
	else if (r < 218)
		op_vm_unmap_aliases();
	else if (r < 220)
		op_migrate();
	else if (r < 229)
		op_fault();
	else if (r < 241)
		op_vmalloc_area();
	else if (r < 246)
		op_misc();
	else if (r < 250)
		op_refs();
	else if (r < 251)
		op_duel();
	else if (r < 255)
		op_urange();
	else
		full_check();
}

/*
 * The third format's: the second's, and today's API. The vmalloc,
 * get_vm_area, vmap and free ops make today's calls and flags too
 * (below(), chance() in them read more only in this format).
 */
static void one_op_v3(unsigned int r)
{
	if (merged && r >= 36 && r < 68) {
		if (model_full())
			op_free();
		else
			op_merged();
		return;
	}
	if (merged && r >= 68) {
		one_op_v2(r == 255 ? 255 : (r - 68) * 255 / 187);
		return;
	}
	if (r < 36) {
		if (model_full())
			op_free();
		else
			op_today();
		return;
	}
	one_op_v2(r == 255 ? 255 : (r - 36) * 255 / 219);
}

static void one_op(void)
{
	unsigned int r = u8();

	op_purges0 = cur.purges;
	if (nthreads > 1)
		op_seq0 = storm_seq();
	if (v3)
		one_op_v3(r);
	else if (v2)
		one_op_v2(r);
	else
		one_op_v1(r);
	/* Threaded: error lines of this op's calls, whether or not the op
	 * looked at the counters (fault_possible() is this op's). */
	if (concurrent()) {
		if (!fault_possible())
			EXPECT(err_lines == err_seen, "the library logged an error: %s",
			       last_err);
		err_seen = err_lines;
	}
}

/* Free everything partition M holds, the calls chosen without input. */
static void teardown_part(void)
{
	unsigned int k = 0;
	int i;

	for (k = 0; k < MODEL_MAX_URANGES; k++) {
		struct model_urange *u = &M.uranges[k];

		if (!u->used)
			continue;
		what("teardown: vm_user_range_release(0x%lx, %lu pages)", u->vma.vm_start,
		     u->npages);
		check_urange(u);
		urange_release(&u->vma, u->pages, u->npages);
		u->used = false;
		snap();
		check_counts(CHANGED);
	}
	k = 0;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		struct model_area *a = &M.areas[i];

		if (!a->used || a->kind == MODEL_ARRAY)
			continue;
		if (a->kind == MODEL_VMALLOC || k % 3 == 0) {
			what("teardown: vfree(0x%lx)", a->start);
			vfree((void *)a->start);
			by_vfree = true;
		} else if (k % 3 == 1) {
			what("teardown: vunmap(0x%lx)", a->start);
			vunmap((void *)a->start);
		} else {
			what("teardown: free_vm_area(%p)", (void *)a->vm);
			free_vm_area(a->vm);
		}
		k++;
		model_released(i);
		snap();
		check_counts(CHANGED);
	}
	while (M.nr_removed) {
		what("teardown: free_vm_area(removed %p)", (void *)M.removed[0].vm);
		reg_gone_removed(M.removed[0].vm);
		free_vm_area(M.removed[0].vm);
		M.removed[0] = M.removed[--M.nr_removed];
	}
	for (k = 0; k < MODEL_MAX_BLOCKS; k++)
		if (M.blocks[k].used)
			block_free(k);
}

/* After every partition's teardown: the library is back where it began. */
static void teardown_end(void)
{
	op_vm_unmap_aliases();
	what("teardown: everything back as it started");
	EXPECT(cur.areas == 0 && cur.vmap_areas == 0 && cur.lazy_pages == 0,
	       "left: %lu areas, %lu ranges, %lu lazy pages", cur.areas, cur.vmap_areas,
	       cur.lazy_pages);
	EXPECT(!totals().in_use, "the model still holds %lu frames", totals().in_use);
	EXPECT(cur.free_pages + cur.pt_pages == base.free_pages + base.pt_pages - totals().in_use,
	       "frames leaked: free %lu + tables %lu, at start %lu + %lu (%lu expected leaked)",
	       cur.free_pages, cur.pt_pages, base.free_pages, base.pt_pages, totals().in_use);
	EXPECT(cur.meta_bytes == base.meta_bytes, "metadata leaked: %lu bytes, at start %lu",
	       cur.meta_bytes, base.meta_bytes);
	EXPECT(cur.host_mappings == base.host_mappings,
	       "host mappings in the range: %lu, at start %lu", cur.host_mappings,
	       base.host_mappings);
	EXPECT(!vmalloc_check(), "vmalloc_check() failed after the teardown");
}

/* VMFUZZ_SEM, VMFUZZ_STRICT (see the declaration of sem). */
static bool sem_word(const char *e, const char *name, bool dflt)
{
	size_t n = strlen(name);
	const char *p;

	for (p = e; p && (p = strstr(p, name)); p += n) {
		bool minus = p > e && p[-1] == '-';

		if ((p[n] == 0 || p[n] == ',') &&
		    (p == e || p[-1] == ',' || (minus && (p - 1 == e || p[-2] == ','))))
			return !minus;
	}
	return dflt;
}

/* VMFUZZ_STRICT=1: no tolerance of open bugs (none is open now). */
static bool strict_mode;

static void read_switches(void)
{
	const char *e = getenv("VMFUZZ_SEM"), *st = getenv("VMFUZZ_STRICT");

	strict_mode = st && *st && strcmp(st, "0");

	sem.keep_failed_tables = sem_word(e, "keep_failed_tables", true);
	sem.hide_internal = sem_word(e, "hide_internal", true);
	sem.strict_pages = sem_word(e, "strict_pages", true);
	sem.refcounts = sem_word(e, "refcounts", true);
	sem.concurrent_check = sem_word(e, "concurrent_check", true);
	sem.quiet_inject = sem_word(e, "quiet_inject", false);
	{
		const char *mo = getenv("VMFUZZ_MERGED_ONLY");

		merged_only = mo ? atoi(mo) : -1;
	}
}

/*
 * Decode the configuration bytes and bring the library up.
 *
 * Byte 0: bits 0-1 nodes, 2-3 lazy threshold, 4 pool size, 5-6 where the
 * soft engine's range lies, 7 range size. Byte 1: bit 0 fast path, bits
 * 1-2 reserve; bit 7 set with bit 3 clear marks the second format
 * (v2), in which bits 4-5 are the number of threads less one and bit 6
 * shortens the period of the global checks (16 ops instead of 64).
 */
static unsigned int every_v2;
static size_t cfg_len = 2;		/* configuration bytes of the input */

static int start_library(void)
{
	static const unsigned long lazy[] = { 32, 128, 1024, 0 };
	static const unsigned long reserve_tab[] = { 0, 1, 64, 1024 };
	unsigned int c = u8(), c2 = u8(), c3 = 0, t;
	char cfg3[8];
	struct vmalloc_config cfg = { .sz = sizeof(cfg),
		.engine = O->engine,
		.phys_mb = c & 0x10 ? 32 : 16,
		.nodes = 1 + (c & 3) % 3,
		.vmalloc_size_mb = c & 0x80 ? 16 : 64,
		.lazy_max_pages = lazy[(c >> 2) & 3],
		.quiet = true,
	};
	int err;

	if (S.gen && O->threads) {
		/* Generating with --threads: the third format, that many. */
		c2 = (c2 & 0x47) | 0x88 | ((O->threads - 1) & 3) << 4;
		S.rec[1] = (uint8_t)c2;
		c |= 3;
		S.rec[0] = (uint8_t)c;
	}
	/*
	 * The third format: byte 1 as the second's with bit 3 set, and the
	 * low two bits of byte 0 set (no seed or regression input of the
	 * first format has both); byte 2 is more configuration: the nodes.
	 */
	v3 = (c2 & 0x88) == 0x88 && (c & 3) == 3;
	if (v3) {
		c3 = u8();
		/* The generator writes the merged API's marker (bit 7). */
		if (S.gen) {
			c3 |= 0x80;
			S.rec[2] = (uint8_t)c3;
		}
		cfg.nodes = 1 + c3 % 3;
	}
	/*
	 * Byte 2 bit 7 (no older input has it): the merged API's ops
	 * (huge mappings, vm_map_ram, bulk, congruent areas, vrealloc,
	 * kvmalloc); bit 6 then makes the pool 64 MiB, so that 2 MiB
	 * blocks are there more often.
	 */
	merged = v3 && (c3 & 0x80);
	/* Host engine: once a huge run is mapped, every vmalloc_get_stats()
	 * reads /proc/self/smaps (host_huge_bytes), which makes the run
	 * several times slower: huge allocations only in runs with bits 4 and 5. */
	huge_ops = merged && (strcmp(O->engine, "host") || (c3 & 0x30) == 0x30);
	if (merged && (c3 & 0x40))
		cfg.phys_mb = 64;
	cfg_len = v3 ? 3 : 2;
	cfg.no_fast_path = !(c2 & 1);
	/*
	 * The model does not know the area cache (a vfree() that keeps the
	 * area mapped for the next vmalloc() of its size on that CPU): it
	 * runs with the cache off, and tests/test_cache.c checks the cache.
	 */
	/*
	 * The area cache (with the fast path only): on unless --cache off.
	 * The model knows which areas may be cached (model.h, "cached").
	 */
	cfg.no_cache = O->no_cache;
	cfg.reserve_pages = reserve_tab[(c2 >> 1) & 3];	/* frames released early */
	trims = (cfg.reserve_pages ? cfg.reserve_pages : 8192) + 1024 <=
		(cfg.phys_mb << 20) / PAGE_SIZE;
	v2 = (c2 & 0x88) == 0x80 || v3;	/* the third extends the second */
	nthreads = v2 ? 1 + ((c2 >> 4) & 3) : 1;
	if (O->threads)
		nthreads = O->threads;
	every_v2 = c2 & 0x40 ? 16 : 64;
	is_host = !strcmp(O->engine, "host");
	if (!is_host) {
		unsigned long size = cfg.vmalloc_size_mb << 20;

		switch ((c >> 5) & 3) {
		case 1: cfg.vmalloc_start = 0x1000; break;
		case 2: cfg.vmalloc_start = (1UL << 47) - size; break;
		case 3: cfg.vmalloc_start = (0UL - size) - PAGE_SIZE; break;
		}
	}
	vmalloc_exit();
	/*
	 * A user range from an instance that is gone: remap_vmalloc_range
	 * must refuse it (-EINVAL). Soft engine only: were the library to
	 * take it (as before 7e5fb1c), the host engine would mmap over
	 * whatever the process now has at that address.
	 */
	if (v2 && !is_host && !vmalloc_init(&cfg)) {
		if (have_stale)
			vm_user_range_release(&stale_vma);
		have_stale = !vm_user_range_reserve(&stale_vma, 4 * PAGE_SIZE);
		vmalloc_exit();
	}
	err = vmalloc_init(&cfg);
	if (err) {
		fprintf(stderr, "vmfuzz: vmalloc_init(engine %s) failed: %d\n", O->engine, err);
		return -1;
	}
	vmalloc_set_log_hook(log_hook);
	START = VMALLOC_START;
	END = VMALLOC_END;
	if (vmalloc_get_stats(&base))
		return -1;
	for (t = 0; t < nthreads; t++) {
		struct model *m = &parts[t];

		if (!part_ready[t]) {
			if (model_init(m))
				return -1;
			part_ready[t] = true;
		}
		model_reset(m);
		m->range_start = START;
		m->range_end = END;
		m->phys_pages = base.phys_pages;
		m->lazy_max = base.lazy_max_pages;
		m->nodes = (unsigned int)base.nr_nodes;
		m->vpages = is_host;
		m->fast = !cfg.no_fast_path;
		m->follow = nthreads > 1;
		m->arrays_fixed = sem.hide_internal;
		m->cache = !cfg.no_cache && !cfg.no_fast_path;
		m->warnings = t ? 0 : base.warnings;
		m->purges = base.purges;
	}
	prev = cur = base;
	err_lines = err_seen = 0;
	snprintf(cfg3, sizeof(cfg3), " 0x%02x", c3);
	if (O->verbose)
		printf("config 0x%02x 0x%02x%.0s%s: %s engine, range 0x%lx-0x%lx, %lu frames, %u nodes, lazy max %lu, fast path %s, reserve %lu, format %d, %u thread%s%s\n",
		       c, c2, "", v3 ? cfg3 : "", O->engine, START, END, M.phys_pages, M.nodes, M.lazy_max,
		       M.fast ? "on" : "off", cfg.reserve_pages, v3 ? 3 : v2 ? 2 : 1, nthreads,
		       nthreads > 1 ? "s" : "", merged ? ", merged API" : "");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Threads and barriers                                                */
/* ------------------------------------------------------------------ */

struct worker {
	pthread_t th;
	int id;
	struct fz_result res;
	struct source src;		/* handed back when the thread ends */
	unsigned long max_ops;
	unsigned int every;
};

static struct worker workers[FZ_MAX_THREADS];
static uint8_t *assembled;		/* a generated threaded run, laid out */
static size_t assembled_len;

/*
 * All workers are waiting: check everything against all partitions.
 * Runs in the last thread to arrive, with its own partition restored
 * afterwards.
 */
static void barrier_checks(void)
{
	struct model *own = Mp;
	int own_tid = tid;

	prev = cur = G.bprev;
	G.barriers++;
	what("barrier %lu: every partition, the listing and the counters", G.barriers);
	full_check();
	G.bprev = prev;
	Mp = own;
	tid = own_tid;
}

/*
 * Wait at the barrier (@leaving: this worker is done and leaves the
 * barrier for good). The last worker to arrive runs the global checks
 * while the others wait.
 */
static void barrier(bool leaving)
{
	pthread_mutex_lock(&G.blk);
	if (leaving)
		G.parties--;
	else
		G.arrived++;
	if (G.parties > 0 && G.arrived == G.parties) {
		G.quiet = true;
		pthread_mutex_unlock(&G.blk);
		barrier_checks();
		pthread_mutex_lock(&G.blk);
		G.quiet = false;
		G.arrived = 0;
		G.gen++;
		pthread_cond_broadcast(&G.bcv);
	} else if (!leaving) {
		unsigned long gen = G.gen;

		while (gen == G.gen)
			pthread_cond_wait(&G.bcv, &G.blk);
	}
	pthread_mutex_unlock(&G.blk);
}

/* One worker's ops (thread 0: the caller's thread). */
static void run_ops(struct worker *w)
{
	while (!S.end && (!w->max_ops || op_no < w->max_ops) &&
	       (S.gen || S.pos < S.len)) {
		if (tid == 0) {
			if (op_no == op_starts_cap) {
				size_t cap = op_starts_cap ? 2 * op_starts_cap : 4096;
				size_t *n = realloc(op_starts, cap * sizeof(*n));

				if (!n)
					abort();
				op_starts = n;
				op_starts_cap = cap;
			}
			op_starts[op_no] = S.pos;
		}
		op_no++;
		if (nthreads > 1) {
			duel_take();
			pthread_rwlock_rdlock(&G.world);
		}
		one_op();
		if (nthreads > 1)
			pthread_rwlock_unlock(&G.world);
		if (op_no % w->every == 0) {
			if (nthreads == 1) {
				what("periodic full check");
				full_check();
			} else {
				barrier(false);
			}
		}
	}
	R->ops = op_no;
	if (nthreads > 1)
		barrier(true);
}

static void thread_state(struct worker *w)
{
	tid = w->id;
	Mp = &parts[w->id];
	R = &w->res;
	op_no = 0;
	recent_pos = 0;
	log_pos = 0;
	fault_active = false;
	err_lines = err_seen = 0;
	prev = cur = base;
	snprintf(op_what, sizeof(op_what), "start of thread %d", w->id);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	thread_state(w);
	Sp = &w->src;
	rw_buf = malloc(RW_MAX + RW_CANARY);
	rw_exp = malloc(RW_MAX + RW_CANARY);
	if (!rw_buf || !rw_exp)
		abort();
	if (nr_cpus)
		pin_to(w->id % nr_cpus);
	run_ops(w);
	free(rw_buf);
	free(rw_exp);
	rw_buf = rw_exp = NULL;
	return NULL;
}

/* Set up the shared state of a threaded run. */
static int threads_begin(void)
{
	struct page *pg;
	unsigned long q;
	pthread_rwlockattr_t at;

	memset(G.reg, 0, sizeof(G.reg));
	G.nreg = 0;
	G.hist_pos = 0;
	G.res_frames = G.res_pages = G.res_gaps = 0;
	G.greedy_gen = 0;
	G.parties = (int)nthreads;
	G.arrived = 0;
	G.quiet = false;
	G.purges = base.purges;
	G.lazy_slack = 0;
	G.bprev = base;
	G.barriers = 0;
	G.failing = 0;
	G.dstate = 0;
	G.duels = G.duels_raced = 0;
	memset(G.cur_op, 0, sizeof(G.cur_op));
	/* Frame owners by pfn: find the pool's first pfn. */
	pg = alloc_page(GFP_KERNEL);
	if (!pg)
		return -1;
	q = page_to_pfn(pg);
	__free_page(pg);
	while (q > 1 && pfn_to_page(q - 1))
		q--;
	G.base_pfn = q;
	free(G.owner);
	G.owner = calloc(base.phys_pages, 1);
	if (!G.owner)
		return -1;
	pthread_rwlockattr_init(&at);
	pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&G.creators, &at);
	pthread_rwlock_init(&G.data, &at);
	pthread_rwlock_init(&G.world, &at);
	pthread_rwlockattr_destroy(&at);
	return 0;
}

static void threads_end(void)
{
	pthread_rwlock_destroy(&G.creators);
	pthread_rwlock_destroy(&G.data);
	pthread_rwlock_destroy(&G.world);
	free(G.owner);
	G.owner = NULL;
}

/* A generated threaded run as an input: config, then equal parts. */
static void assemble(void)
{
	size_t longest = 0, len;
	unsigned int t;
	uint8_t *out;

	for (t = 0; t < nthreads; t++) {
		len = workers[t].src.pos - (t ? 0 : cfg_len);
		if (len > longest)
			longest = len;
	}
	out = realloc(assembled, cfg_len + longest * nthreads);
	if (!out)
		return;
	assembled = out;
	assembled_len = cfg_len + longest * nthreads;
	memcpy(out, workers[0].src.rec, cfg_len);
	for (t = 0; t < nthreads; t++) {
		struct source *src = &workers[t].src;
		const uint8_t *rec = src->rec + (t ? 0 : cfg_len);
		size_t have = src->pos - (t ? 0 : cfg_len), k;
		uint8_t *part = out + cfg_len + t * longest;

		memcpy(part, rec, have);
		/* The rest from the same generator: what it would have made. */
		for (k = have; k < longest; k++)
			part[k] = (uint8_t)splitmix(&src->rng);
	}
}

int fz_run(const struct fz_options *o, const struct fz_input *in,
	   struct fz_result *res)
{
	static struct fz_result dummy;
	struct worker *w0 = &workers[0];
	unsigned int t;
	long left;

	uint8_t *rec = w0->src.rec;
	size_t rec_cap = w0->src.rec_cap;

	O = o;
	read_switches();
	tid = 0;
	Mp = &parts[0];
	R = &w0->res;
	memset(workers, 0, sizeof(workers));
	w0->src.rec = rec;		/* the generator's buffer stays */
	w0->src.rec_cap = rec_cap;
	Sp = &w0->src;
	if (!rw_buf) {
		rw_buf = malloc(RW_MAX + RW_CANARY);
		rw_exp = malloc(RW_MAX + RW_CANARY);
		if (!rw_buf || !rw_exp)
			return -1;
	}
	S.data = in->data;
	S.len = in->len;
	S.pos = 0;
	S.end = false;
	S.gen = !in->data;
	S.rng = in->seed;
	op_no = 0;
	recent_pos = 0;
	log_pos = 0;
	fault_active = false;
	nthreads = 1;
	assembled_len = 0;
	snprintf(op_what, sizeof(op_what), "vmalloc_init");
	if (!nr_cpus) {
		cpu_set_t set;
		int c;

		if (!sched_getaffinity(0, sizeof(set), &set))
			for (c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &set))
					cpus[nr_cpus++] = c;
	}
	pin_to(0);
	lax_node = getenv("VMFUZZ_LAX_NODE") != NULL;
	if (start_library())
		return -1;
	thread_state(w0);
	for (t = 0; t < nthreads; t++) {
		struct worker *w = &workers[t];

		w->id = (int)t;
		w->every = o->check_every ? o->check_every : nthreads > 1 ? every_v2 : 64;
		w->max_ops = o->max_ops ? (o->max_ops + nthreads - 1) / nthreads : 0;
	}
	if (nthreads > 1) {
		if (threads_begin())
			return -1;
		/* The op bytes, cut into one part per thread. */
		if (!S.gen) {
			const uint8_t *data = S.data;
			size_t len = S.len, at = S.pos, part = (len - at) / nthreads;

			for (t = 0; t < nthreads; t++) {
				struct source *src = &workers[t].src;

				src->data = data + at + t * part;
				src->len = t + 1 < nthreads ? part : len - at - t * part;
				src->pos = 0;
				src->end = false;
				src->gen = false;
			}
		} else {
			for (t = 1; t < nthreads; t++) {
				workers[t].src = (struct source){ .gen = true };
				workers[t].src.rng = in->seed ^ (0x9e3779b97f4a7c15ULL * (t + 1));
				splitmix(&workers[t].src.rng);
			}
		}
		for (t = 1; t < nthreads; t++)
			if (pthread_create(&workers[t].th, NULL, worker_main, &workers[t])) {
				fprintf(stderr, "vmfuzz: cannot start thread %u\n", t);
				abort();
			}
	}
	run_ops(w0);
	for (t = 1; t < nthreads; t++)
		pthread_join(workers[t].th, NULL);
	if (nthreads > 1) {
		/* One thread again: the checks over every partition. */
		G.quiet = true;
		prev = cur = G.bprev;
	}
	what("final full check");
	full_check();
	for (t = 0; t < nthreads; t++) {
		if (nthreads > 1) {
			Mp = &parts[t];
			tid = (int)t;
		}
		teardown_part();
	}
	Mp = &parts[0];
	tid = 0;
	teardown_end();
	if (nthreads > 1 && S.gen)
		assemble();
	res = res ? res : &dummy;
	memset(res, 0, sizeof(*res));
	for (t = 0; t < nthreads; t++) {
		const struct fz_result *r = &workers[t].res;

		res->ops += r->ops;
		res->calls_ok += r->calls_ok;
		res->calls_failed += r->calls_failed;
		res->refused += r->refused;
		res->full_checks += r->full_checks;
		res->bytes += workers[t].src.pos;
		for (int k = 0; k < FZK_MAX; k++)
			res->kind[k] += r->kind[k];
	}
	res->faults = cur.fault_injected;
	res->purges = cur.purges;
	res->threads = nthreads;
	res->barriers = nthreads > 1 ? G.barriers : 0;
	res->races = nthreads > 1 ? G.duels_raced : 0;
	vmalloc_set_log_hook(NULL);
	left = vmalloc_exit();
	EXPECT(left == 0, "vmalloc_exit() found %ld areas left", left);
	if (nthreads > 1) {
		for (t = 1; t < nthreads; t++) {
			free(workers[t].src.rec);
			workers[t].src.rec = NULL;
		}
		threads_end();
		G.quiet = false;
	}
	return 0;
}

const char *fz_kind_name(int k)
{
	static const char *const vnames[16] = {
		[10] = "__vmalloc(size, gfp)", [11] = "__vmalloc_node",
		[12] = "vmalloc_array", [13] = "__vmalloc_array",
		[14] = "vcalloc", [15] = "__vcalloc" };
	static const char *const names[FZK_MAX - 16] = {
		"n*size overflows refused", "__GFP_NOFAIL succeeded",
		"__GFP_NOFAIL failed loudly", "vfree_atomic",
		"VM_NO_GUARD areas", "VM_FLUSH_RESET_PERMS areas", "VM_SPARSE areas",
		"get_vm_area_caller", "__get_vm_area_caller",
		"set_vm_flush_reset_perms", "vm_area_map_pages",
		"vm_area_map_pages ok", "vm_area_unmap_pages", "vmap_pfn",
		"vmap_pfn ok", "is_vmalloc(_or_module)_addr", "vmalloc_nr_pages",
		"vmalloc_dump_obj", "vmalloc_dump_obj true", "virt_to_page",
		"unpurged lines checked",
		"__GFP_NOFAIL succeeded past an injected failure",
		"placements checked (lowest fit)",
		"huge allocations", "huge areas (page_order 9)", "2 MiB leaves checked",
		"2 MiB slots of 4 KiB PTEs checked", "unmap_kernel_range widened to a leaf",
		"vm_map_ram", "vm_map_ram(prot)", "vm_map_ram misuse refused",
		"alloc_pages_bulk(_node)", "bulk calls that filled slots",
		"pcpu_get_vm_areas", "pcpu_get_vm_areas ok", "pcpu bases checked (highest fit)",
		"vrealloc grow", "vrealloc shrink/same", "vrealloc(p, 0)", "vrealloc moves",
		"vrealloc in-place predictions", "vrealloc on model areas", "vrealloc refused",
		"kvmalloc small", "kvmalloc large", "kvrealloc of small objects",
		"hostile kvfree refused",
		"vfrees into the area cache (possibly)", "area cache hits",
		"cached areas retired (evicted, low memory)",
		"cached areas drained by vm_unmap_aliases" };

	if (k < 0 || k >= FZK_MAX)
		return NULL;
	return k < 16 ? vnames[k] : names[k - 16];
}

const char *fz_current(unsigned long *op)
{
	*op = op_no;
	return op_what;
}

const size_t *fz_op_starts(unsigned long *n)
{
	*n = nthreads == 1 ? op_no : 0;
	return op_starts;
}

const uint8_t *fz_generated(size_t *len)
{
	const struct source *s0 = &workers[0].src;

	if (nthreads > 1 && s0->gen) {
		if (!assembled_len)
			assemble();	/* a failure: the others wait (u8) */
		*len = assembled_len;
		return assembled_len ? assembled : NULL;
	}
	*len = s0->gen ? s0->pos : 0;
	return s0->gen ? s0->rec : NULL;
}

void fz_shutdown(void)
{
	unsigned int t;

	free(workers[0].src.rec);
	workers[0].src.rec = NULL;
	workers[0].src.rec_cap = 0;
	free(op_starts);
	op_starts = NULL;
	op_starts_cap = 0;
	free(assembled);
	assembled = NULL;
	assembled_len = 0;
	for (t = 0; t < FZ_MAX_THREADS; t++)
		if (part_ready[t]) {
			model_destroy(&parts[t]);
			part_ready[t] = false;
		}
	free(rw_buf);
	free(rw_exp);
	rw_buf = rw_exp = NULL;
}
