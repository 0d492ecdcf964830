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
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmalloc/vmalloc.h"
#include "pgtable/pgtable.h"	/* pt_lookup, PT_PROT_MASK, PT_ADDR_MASK */

#include "driver.h"
#include "model.h"

#define RW_MAX		(1UL << 20)	/* largest vread/vwrite the driver makes */
#define RW_CANARY	64		/* bytes after the span that must stay */
#define PARR_MAX	256		/* page arrays for vmap/map_vm_area */
#define PT_SLACK(n)	(8 + (n) / 256)	/* frames page tables may need */
#define VM_PUBLIC	(VM_IOREMAP | VM_ALLOC | VM_MAP | VM_USERMAP)
#define CANARY		0xa5

/* ------------------------------------------------------------------ */
/* State of the running input                                          */
/* ------------------------------------------------------------------ */

static struct model M;
static bool model_ready;
static const struct fz_options *O;
static struct fz_result *R;

static struct {
	const uint8_t *data;
	size_t len, pos;
	bool gen;
	uint64_t rng;
	uint8_t *rec;		/* generate: every byte handed out so far */
	size_t rec_cap;
	bool end;		/* replay: the bytes ran out */
} S;

static unsigned long op_no;
static char op_what[400];
static size_t *op_starts;		/* byte offset where each op began */
static size_t op_starts_cap;
#define RECENT	8
static char recent[RECENT][440];	/* "op N: " + op_what */
static unsigned int recent_pos;

static bool is_host;
static bool lax_node;		/* VMFUZZ_LAX_NODE: no node-locality check */
static unsigned long START, END;
static struct vmalloc_stats base, prev, cur;
static bool fault_active;

/* The log hook's view. */
#define LOGRING	8
static char logring[LOGRING][256];
static unsigned int log_pos;
static unsigned long err_lines, err_seen;

static unsigned char *rw_buf, *rw_exp;

/* The CPUs the process may run on; the driver pins itself to one. */
static int cpus[CPU_SETSIZE];
static int nr_cpus;
static struct page *parr[PARR_MAX + 1];
static unsigned char some_static[64];	/* a pointer that is no page */
static const unsigned char zero_page[PAGE_SIZE];

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

static uint8_t u8(void)
{
	uint8_t b;

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
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

static unsigned int fault_sites;
static unsigned long fault_nth;

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
	if (O->verbose)
		printf("op %lu: %s\n", op_no, op_what);
}

static int cmp_start(const void *x, const void *y);
static const char *kind_name(enum model_kind k);

/* The model's view of the range, for a divergence report. */
static void dump_model(void)
{
	static struct model_area *sorted[MODEL_MAX_AREAS];
	unsigned int n = 0, k;
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used)
			sorted[n++] = &M.areas[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_start);
	fprintf(stderr, "  model: range 0x%lx-0x%lx, %u areas, %u lazy ranges (%lu pages), %lu frames in use\n",
		START, END, n, M.nr_lazy, M.lazy_pages, M.nr_frames);
	for (k = 0; k < n && k < 64; k++)
		fprintf(stderr, "    area #%lu %s 0x%lx-0x%lx (%lu pages + guard) flags 0x%lx\n",
			sorted[k]->id, kind_name(sorted[k]->kind), sorted[k]->start,
			sorted[k]->start + sorted[k]->size, sorted[k]->npages,
			sorted[k]->flags);
	for (k = 0; k < M.nr_lazy && k < 32; k++)
		fprintf(stderr, "    lazy 0x%lx-0x%lx\n", M.lazy[k].start,
			M.lazy[k].start + M.lazy[k].pages * PAGE_SIZE);
	{
		static char info[16384];

		vmallocinfo(info, sizeof(info));
		fprintf(stderr, "  the library's vmallocinfo:\n%s", info);
	}
}

static void __attribute__((noreturn, format(printf, 2, 3)))
fail_at(int line, const char *fmt, ...)
{
	unsigned int i, n = recent_pos < RECENT ? recent_pos : RECENT;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "\nvmfuzz: DIVERGENCE on the %s engine at op %lu (driver.c:%d)\n",
		O->engine, op_no, line);
	fprintf(stderr, "  call:     %s\n  problem:  ", op_what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  recent calls:\n");
	for (i = recent_pos - n; i < recent_pos; i++)
		fprintf(stderr, "    %s\n", recent[i % RECENT]);
	n = log_pos < LOGRING ? log_pos : LOGRING;
	if (n)
		fprintf(stderr, "  recent library log lines:\n");
	for (i = log_pos - n; i < log_pos; i++)
		fprintf(stderr, "    %s\n", logring[i % LOGRING]);
	dump_model();
	if (O->repeat)
		fprintf(stderr, "  repeat with: %s\n", O->repeat);
	fflush(stderr);
	O->on_fail();
	abort();
}

#define FAIL(...)	fail_at(__LINE__, __VA_ARGS__)
#define EXPECT(cond, ...)						\
	do {								\
		if (!(cond))						\
			FAIL(__VA_ARGS__);				\
	} while (0)

static void log_hook(int level, const char *line)
{
	snprintf(logring[log_pos++ % LOGRING], sizeof(logring[0]), "<%d> %s",
		 level, line);
	if (level <= VM_LOG_ERR)
		err_lines++;
	if (O && O->verbose)
		printf("  log <%d> %s\n", level, line);
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

static void snap(void)
{
	if (vmalloc_get_stats(&cur))
		FAIL("vmalloc_get_stats failed");
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

enum { CHANGED, SAME, FAILED };

/* Set for one check: a lazily freed range now holds a node (meta). */
static bool meta_may_change;

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
	unsigned long in_use = model_frames_in_use(&M);

	if (M.fast && cur.purges != M.purges) {
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

	EXPECT(cur.areas == M.nr_areas + M.nr_removed,
	       "areas counter %lu, model %u live + %u removed",
	       cur.areas, M.nr_areas, M.nr_removed);
	EXPECT(cur.vmap_areas == M.nr_areas, "vmap_areas %lu, model %u live areas",
	       cur.vmap_areas, M.nr_areas);
	EXPECT(cur.purges == M.purges, "purges %lu, model %lu", cur.purges, M.purges);
	EXPECT(cur.lazy_pages == M.lazy_pages, "lazy_pages %lu, model %lu",
	       cur.lazy_pages, M.lazy_pages);
	EXPECT(cur.warnings == M.warnings, "warnings %lu, model expects %lu",
	       cur.warnings, M.warnings);
	EXPECT(cur.free_pages + cur.pt_pages == base.free_pages + base.pt_pages - in_use,
	       "free %lu + tables %lu, model: %lu - %lu frames in use",
	       cur.free_pages, cur.pt_pages, base.free_pages + base.pt_pages, in_use);
	EXPECT(cur.pt_pages >= prev.pt_pages, "page tables went from %lu to %lu",
	       prev.pt_pages, cur.pt_pages);
	if (mode == SAME)
		EXPECT(cur.pt_pages == prev.pt_pages,
		       "refused call changed page tables %lu -> %lu",
		       prev.pt_pages, cur.pt_pages);
	if (mode == FAILED)
		EXPECT(cur.pt_pages - prev.pt_pages <= table_bound(),
		       "failed call kept %lu new page tables, but live areas can use at most %lu",
		       cur.pt_pages - prev.pt_pages, table_bound());
	/* (A failed fast-path call may leave an empty block until a purge.) */
	if (mode != CHANGED && !meta_may_change && !(M.fast && mode == FAILED)) {
		if (cur.purges == prev.purges)
			EXPECT(cur.meta_bytes == prev.meta_bytes,
			       "failed/refused call changed meta_bytes %lu -> %lu",
			       prev.meta_bytes, cur.meta_bytes);
	}
	if (!fault_active)
		EXPECT(err_lines == err_seen, "the library logged an error: %s",
		       logring[(log_pos - 1) % LOGRING]);
	err_seen = err_lines;
	meta_may_change = false;
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
	return !is_host || fault_active || op_no % 8 == 0;
}

/* A purge the model could not predict (allocation retry): follow it. */
static unsigned long follow_purges(void)
{
	unsigned long d = cur.purges - prev.purges;

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
	static char buf[64];

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
		VM_IOREMAP, VM_MAP, VM_USERMAP | VM_IOREMAP, VM_VPAGES, 0x100,
		VM_ALLOC, 0, 0, VM_USERMAP, 0 };

	return v[below(16)];
}

static unsigned long pick_area_flags(void)
{
	static const unsigned long v[] = { VM_ALLOC, VM_ALLOC, VM_ALLOC,
		VM_IOREMAP, VM_IOREMAP, VM_MAP, VM_MAP, VM_USERMAP,
		VM_MAP | VM_USERMAP, 0, VM_VPAGES, 0x20, VM_ALLOC | VM_VPAGES,
		VM_IOREMAP | VM_USERMAP, VM_ALLOC | VM_USERMAP, VM_MAP };

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
	r->total = PAGE_ALIGN(r->size) + PAGE_SIZE;
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
	return !M.fast && model_fit_exists(&M, r->total, r->ealign, r->vs, r->ve, false);
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

static struct purge_exp purge_expect(const struct req *r, bool accepted,
				     bool second_alloc)
{
	struct purge_exp p = { false, true };

	if (!accepted)
		return p;
	if (M.fast) {
		p.never = false;	/* blocks hold space the model cannot see */
		return p;
	}
	p.never = !second_alloc &&
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
	if (!purged)
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

/* The page array of VMALLOC area @i was vmalloc()ed: adopt it too. */
static void adopt_array(int i, bool purged)
{
	struct model_area *a = &M.areas[i];
	struct vm_struct *avm = find_vm_area(a->vm->pages);
	unsigned long bytes = a->npages * sizeof(struct page *), p;
	int c;

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
	EXPECT(find_vm_area((void *)(addr + vm->size - 1)) == vm,
	       "find_vm_area of the new area's last guard byte 0x%lx is %p, not %p",
	       addr + vm->size - 1, (void *)find_vm_area((void *)(addr + vm->size - 1)),
	       (void *)vm);

	i = model_area_new(&M);
	EXPECT(i >= 0, "model full");
	M.areas[i].kind = n->kind;
	M.areas[i].vm = vm;
	M.areas[i].start = addr;
	M.areas[i].size = vm->size;
	M.areas[i].npages = vm->size / PAGE_SIZE - 1;
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

/* The library released area @i (vfree, vunmap, free_vm_area). */
static void model_released(int i)
{
	struct model_area *a = &M.areas[i];
	unsigned long p, start = a->start, size = a->size;
	int c = a->child;

	model_history_add(&M, a->start, a->size, a->vm);
	if (a->owned)
		for (p = 0; p < a->npages; p++)
			model_frame_del(&M, a->owned[p]);
	if (a->ever_mapped)
		model_lazy_add(&M, a->start, a->size >> PAGE_SHIFT);
	model_area_free(&M, i);
	if (c >= 0) {
		struct model_area *ca = &M.areas[c];

		for (p = 0; p < ca->npages; p++)
			model_frame_del(&M, ca->owned[p]);
		model_lazy_add(&M, ca->start, ca->size >> PAGE_SHIFT);
		model_area_free(&M, c);
	}
	/* Gone at once: no lookup finds it, no PTE is left. */
	EXPECT(!find_vm_area((void *)start) && !find_vm_area((void *)(start + size - 1)),
	       "freed area 0x%lx + 0x%lx is still found", start, size);
	for (p = 0; p < size; p += max_ul(PAGE_SIZE, size / 8 & PAGE_MASK))
		EXPECT(!vmalloc_to_page((void *)(start + p)) && !pt_lookup(start + p),
		       "freed area 0x%lx: page at +0x%lx still mapped", start, p);
}

/* ------------------------------------------------------------------ */
/* Ops: allocation                                                     */
/* ------------------------------------------------------------------ */

static bool model_full(void)
{
	return M.nr_areas + 2 > MODEL_MAX_AREAS;
}

static void op_vmalloc(void)
{
	static const char *const names[] = { "vmalloc", "vzalloc", "vmalloc_user",
		"vmalloc_32", "vmalloc_32_user", "vmalloc_node", "vzalloc_node",
		"vmalloc_exec", "__vmalloc", "__vmalloc_node_range" };
	unsigned int v = (unsigned int)below(10);
	unsigned long size = pick_vsize(), real, npages, arr = 0, d;
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
	if (v == 9) {
		rq.align = pick_align();
		pick_window(&rq.start, &rq.end);
		vmf = pick_vmflags();
		node = pick_node();
		caller = (const void *)(uintptr_t)u32();
	}
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
	if (!size)
		refuse = "size 0";
	else if (!real || npages > M.phys_pages || npages > UINT_MAX)
		refuse = "more than the pool";
	else if (!prot_ok(prot) || node < -1 || node >= (int)M.nodes)
		refuse = "bad protection or node";
	else
		refuse = req_check(&rq);
	pe = purge_expect(&rq, !refuse, vpages);
	reserves = !refuse;
	if (!refuse && npages + arr > prev.free_pages)
		refuse = "more frames than are free";	/* after the reservation */
	must_ok = !refuse && !fault_active && !vpages && !(gfp & __GFP_THISNODE) &&
		  prev.free_pages >= npages + PT_SLACK(npages) &&
		  room(&rq);

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
	default:
		p = __vmalloc_node_range(size, rq.align, rq.start, rq.end, gfp,
					 prot, vmf, node, caller);
		break;
	}
	snap();
	d = follow_purges();
	check_purges(&pe, d);
	if (!p) {
		EXPECT(!must_ok, "%s failed although %lu frames were free and the window had room",
		       names[v], prev.free_pages);
		if (vpages && cur.lazy_pages == M.lazy_pages + arr + 1) {
			/* The page array was vmalloc()ed, then freed lazily. */
			M.lazy[M.nr_lazy].start = 0;
			M.lazy[M.nr_lazy++].pages = arr + 1;
			M.lazy_pages += arr + 1;
			meta_may_change = true;
		}
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
			.caller_set = v == 9, .caller = caller,
		};

		/*
		 * Frames come from @node when it has room for all of them
		 * (free frames on per-CPU lists included). VMFUZZ_LAX_NODE=1
		 * skips this check (see fuzz/README.md).
		 */
		if (node >= 0 && (gfp & __GFP_THISNODE ||
				  (!lax_node && prev.node_free_pages[node] >=
				   npages + arr + PT_SLACK(npages))))
			n.node = node;
		if (gfp & (__GFP_DMA32 | __GFP_DMA))
			EXPECT(vmalloc_to_pfn(p) < (1UL << 20), "DMA32 frame above 4 GiB");
		adopt(&n);
	}
	check_counts(CHANGED);
}

static void op_get_vm_area(void)
{
	static const char *const names[] = { "get_vm_area", "get_vm_area_node",
		"__get_vm_area", "__get_vm_area_caller", "alloc_vm_area" };
	unsigned int v = (unsigned int)below(5);
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
	if (v == 2 || v == 3)
		pick_window(&rq.start, &rq.end);
	if (v == 3) {
		rq.align = pick_align();
		caller = (const void *)(uintptr_t)u32();
	}
	what("%s(size 0x%lx, flags 0x%lx) align 0x%lx window 0x%lx-0x%lx node %d",
	     names[v], rq.size, rq.flags, rq.align, rq.start, rq.end, node);
	refuse = req_check(&rq);
	pe = purge_expect(&rq, !refuse, false);
	must_ok = !refuse && !fault_active &&
		  room(&rq) &&
		  (v != 4 || prev.free_pages >= PT_SLACK(rq.total >> PAGE_SHIFT));

	switch (v) {
	case 0: vm = get_vm_area(rq.size, rq.flags); break;
	case 1: vm = get_vm_area_node(rq.size, rq.flags, node, gfp); break;
	case 2: vm = __get_vm_area(rq.size, rq.flags, rq.start, rq.end); break;
	case 3:
		vm = __get_vm_area_caller(rq.size, rq.align, rq.flags, rq.start,
					  rq.end, caller);
		break;
	default: vm = alloc_vm_area(rq.size); break;
	}
	snap();
	d = follow_purges();
	check_purges(&pe, d);
	if (!vm) {
		EXPECT(!must_ok, "%s failed although the window had room", names[v]);
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
			.caller_set = v == 3, .caller = caller,
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
	static struct page *frames[MODEL_MAX_BLOCKS * 4];
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
	switch (below(3)) {
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

static void op_page_alloc(void);

static void op_vmap(void)
{
	static const unsigned long fl[] = { VM_MAP, VM_MAP, VM_MAP, VM_ALLOC,
		VM_IOREMAP, VM_USERMAP | VM_MAP, 0, VM_VPAGES, 0x1000,
		VM_USERMAP, VM_MAP, VM_MAP };
	unsigned int count, r = (unsigned int)below(16), bad_at = 0, k;
	unsigned long flags = fl[below(12)], d;
	pgprot_t prot = pick_prot();
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
		op_page_alloc();
		return;
	}
	if (count && count <= PARR_MAX && chance(32))
		spoiled = spoil_pages(count, &bad_at);
	if (chance(8))
		pages = NULL;
	what("vmap(%s, %u pages, flags 0x%lx, prot 0x%llx)%s%s",
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
	pe = purge_expect(&rq, !refuse, false);
	must_ok = !refuse && !fault_active && prev.free_pages >= PT_SLACK(count) &&
		  room(&rq);

	v = vmap(pages, count, flags, prot);
	snap();
	d = follow_purges();
	check_purges(&pe, d);
	if (!v) {
		EXPECT(!must_ok, "vmap failed although the range had room");
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

/* Give the driver's block @b back to the page allocator and the model. */
static void block_free(unsigned int b)
{
	unsigned long j;

	what("__free_pages(pfn 0x%lx, order %u)", pfn_of(M.blocks[b].head),
	     M.blocks[b].order);
	__free_pages(M.blocks[b].head, M.blocks[b].order);
	for (j = 0; j < (1UL << M.blocks[b].order); j++)
		model_frame_del(&M, pfn_to_page(pfn_of(M.blocks[b].head) + j));
	M.blocks[b].used = false;
	M.nr_blocks--;
}

static void op_page_alloc(void)
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
	what("alloc_pages_node(%d, 0x%x, order %u)", nid, gfp, order);
	if (order >= MAX_ORDER)
		refuse = "order too large";
	else if (nid < -1 || nid >= (int)M.nodes)
		refuse = "no such node";
	else if ((1UL << order) > prev.free_pages)
		refuse = "more than is free";
	must_ok = !refuse && !fault_active && !order &&
		  prev.free_pages > 64 &&
		  (!(gfp & __GFP_THISNODE) || prev.node_free_pages[nid] > 64);
	pg = alloc_pages_node(nid, gfp, order);
	snap();
	if (!pg) {
		EXPECT(!must_ok, "alloc_pages_node failed with %lu frames free",
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
	M.blocks[b] = (struct model_block){ true, pg, order };
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
		for (j = 0; j < len; j++)
			data[off + j] = (unsigned char)(v + j);
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
		free_vm_area(rm->vm);
		M.removed[k] = M.removed[--M.nr_removed];
		snap();
		check_counts(CHANGED);
		return;
	}
	switch (m) {
	case 0: case 4:
		what("vfree(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vfree((void *)a->start);
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
			break;
		}
		what("remove_vm_area(0x%lx) [%s area #%lu]", a->start, kind_name(a->kind), a->id);
		vm = remove_vm_area((void *)a->start);
		EXPECT(vm == a->vm, "remove_vm_area returned %p, expected %p",
		       (void *)vm, (void *)a->vm);
		EXPECT((unsigned long)vm->addr == a->start && vm->size == a->size - PAGE_SIZE,
		       "removed descriptor: addr %p size 0x%lx, expected 0x%lx 0x%lx",
		       vm->addr, vm->size, a->start, a->size - PAGE_SIZE);
		M.removed[M.nr_removed++] = (struct model_removed){
			vm, a->start, a->size - PAGE_SIZE, a->flags };
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
static void op_free_hostile(void)
{
	unsigned int m = (unsigned int)below(6);
	unsigned long x = chance(16) ? 0 : pick_addr(K_ANY);
	int i = model_area_starting(&M, x);
	struct vm_struct fake, *vm;

	if (i >= 0 && M.areas[i].kind == MODEL_ARRAY)
		return;		/* the library's own page array: never */
	switch (m) {
	case 0: case 1:		/* vfree, vunmap */
		what("%s(0x%lx)%s", m ? "vunmap" : "vfree", x,
		     i >= 0 ? " [a live area]" : "");
		if (m && i >= 0 && M.areas[i].kind == MODEL_VMALLOC) {
			vunmap((void *)x);		/* refused: frames would leak */
			M.warnings++;
			R->refused++;
			snap();
			check_counts(SAME);
			return;
		}
		m ? vunmap((void *)x) : vfree((void *)x);
		if (i >= 0) {
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
	case 2:			/* remove_vm_area */
		if (i >= 0 && (M.areas[i].kind == MODEL_VMALLOC ||
			       M.nr_removed == MODEL_MAX_REMOVED))
			return;		/* would leak the frames: never */
		what("remove_vm_area(0x%lx)%s", x, i >= 0 ? " [a live area]" : "");
		vm = remove_vm_area((void *)x);
		if (i >= 0) {
			EXPECT(vm == M.areas[i].vm, "remove_vm_area gave %p, expected %p",
			       (void *)vm, (void *)M.areas[i].vm);
			M.removed[M.nr_removed++] = (struct model_removed){
				vm, x, M.areas[i].size - PAGE_SIZE, M.areas[i].flags };
			model_released(i);
			snap();
			check_counts(CHANGED);
			return;
		}
		EXPECT(!vm, "remove_vm_area(0x%lx) gave %p for no area", x, (void *)vm);
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

		if (!M.history_pos)
			return;
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

static void op_map_vm_area(void)
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
		op_page_alloc();
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
	got = map_vm_area(area, prot, pp);
	snap();
	if (expect) {
		EXPECT(got == expect, "map_vm_area returned %d, expected %d", got, expect);
		EXPECT(cursor == parr || !cursor, "failed map_vm_area moved the cursor");
		R->refused++;
		check_counts(SAME);
		return;
	}
	if (got) {
		EXPECT(got == -ENOMEM && (fault_active || prev.free_pages < PT_SLACK(nr)),
		       "map_vm_area returned %d with %lu frames free", got, prev.free_pages);
		EXPECT(cursor == parr, "failed map_vm_area moved the cursor");
		R->calls_failed++;
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

static void op_unmap_range(void)
{
	unsigned long addr, size, end, p;
	unsigned int r = (unsigned int)below(10);
	int i = pick_area(K_USER), k;
	bool bad;

	if (r < 5 && i >= 0) {
		const struct model_area *a = &M.areas[i];
		unsigned long first = below(a->npages);

		addr = a->start + first * PAGE_SIZE;
		size = (1 + below(a->npages - first + (r == 4))) * PAGE_SIZE;
		if (r == 0) {
			addr = a->start;
			size = a->size - PAGE_SIZE;
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
	bad = !size || end < addr || ((addr | size) & (PAGE_SIZE - 1)) ||
	      addr < START || end > END;
	/* Never the library's own page arrays. */
	for (k = 0; !bad && k < MODEL_MAX_AREAS; k++)
		if (M.areas[k].used && M.areas[k].kind == MODEL_ARRAY &&
		    M.areas[k].start < end && addr < M.areas[k].start + M.areas[k].size)
			return;
	what("unmap_kernel_range(0x%lx, 0x%lx)%s", addr, size, bad ? " [bad range]" : "");
	unmap_kernel_range(addr, size);
	snap();
	if (bad) {
		M.warnings++;
		R->refused++;
		check_counts(SAME);
		return;
	}
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

static void op_rw(bool write)
{
	unsigned long addr = pick_addr(K_ANY), count = pick_count(addr), span, k;
	bool nullbuf = chance(4);
	long got;
	int i;

	span = model_rw_span(&M, addr, count);
	if (span > RW_MAX) {
		count = 1 + below(RW_MAX);
		span = model_rw_span(&M, addr, count);
	}
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
		/* Over the library's page arrays, write what is there. */
		for (i = 0; i < MODEL_MAX_AREAS; i++) {
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

static void op_remap(void)
{
	int i = -1, k;
	unsigned int r = (unsigned int)below(16);
	struct vm_area_struct vma, call;
	unsigned long x, pages, pgoff, npages = 0, j;
	int expect = 0, got, err;
	bool late = false, alien;
	const struct model_area *a = NULL;

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
	got = remap_vmalloc_range(&call, (void *)x, pgoff);
	EXPECT(got == expect || (fault_active && late && got < 0),
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
		}
		R->calls_ok++;
	} else {
		for (j = 0; j < pages; j++)
			EXPECT(!vm_user_range_pfn(&vma, vma.vm_start + j * PAGE_SIZE),
			       "failed remap left user page %lu mapped", j);
		R->refused++;
	}
	vm_user_range_release(&vma);
	if (want_counts()) {
		snap();
		check_counts(SAME);
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

		for (j = 0; j < len; j++)
			va[off + j] = (unsigned char)(v + 3 * j);
		memcpy(f->data + off, va + off, len);
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

static void check_vmallocinfo(struct model_area **sorted, unsigned int n)
{
	size_t need = vmallocinfo(NULL, 0), got;
	char *buf = malloc(need + 1), *line, *save = NULL;
	unsigned int k = 0;

	EXPECT(buf, "driver out of memory");
	got = vmallocinfo(buf, need + 1);
	EXPECT(got == need, "vmallocinfo length changed %zu -> %zu", need, got);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, e, size;

		EXPECT(sscanf(line, "0x%lx-0x%lx %lu", &s, &e, &size) == 3,
		       "vmallocinfo line '%s'", line);
		EXPECT(k < n, "vmallocinfo lists more than the %u live areas", n);
		EXPECT(s == sorted[k]->start && e == s + sorted[k]->size &&
		       size == sorted[k]->size,
		       "vmallocinfo line %u '%s', model 0x%lx + 0x%lx", k, line,
		       sorted[k]->start, sorted[k]->size);
		EXPECT(!!strstr(line, " ioremap") == !!(sorted[k]->flags & VM_IOREMAP) &&
		       !!strstr(line, " user") == !!(sorted[k]->flags & VM_USERMAP),
		       "vmallocinfo line '%s' vs flags 0x%lx", line, sorted[k]->flags);
		k++;
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

static void full_check(void)
{
	static struct model_area *sorted[MODEL_MAX_AREAS];
	unsigned int n = 0, k;
	int i, err;

	R->full_checks++;
	err = vmalloc_check();
	EXPECT(!err, "vmalloc_check() = %d", err);
	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (M.areas[i].used)
			sorted[n++] = &M.areas[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_start);
	for (k = 0; k < n; k++) {
		const struct model_area *a = sorted[k];
		int idx = (int)(a - M.areas);

		EXPECT(a->start >= START && a->start + a->size <= END,
		       "area #%lu 0x%lx + 0x%lx outside the range", a->id, a->start, a->size);
		if (k + 1 < n)
			EXPECT(a->start + a->size <= sorted[k + 1]->start,
			       "areas #%lu and #%lu overlap", a->id, sorted[k + 1]->id);
		EXPECT(find_vm_area((void *)a->start) == a->vm &&
		       find_vm_area((void *)(a->start + a->size - 1)) == a->vm,
		       "find_vm_area does not find area #%lu at 0x%lx", a->id, a->start);
		check_desc(idx);
		check_ptes(idx, true);
		check_contents(a->start, a->npages * PAGE_SIZE, "full check");
		check_direct(idx);
	}
	for (k = 0; k < M.nr_removed; k++)
		EXPECT((unsigned long)M.removed[k].vm->addr == M.removed[k].addr &&
		       M.removed[k].vm->size == M.removed[k].size,
		       "removed descriptor %u changed", k);
	for (k = 0; k < M.nr_lazy; k++)
		if (M.lazy[k].start)
			EXPECT(!find_vm_area((void *)M.lazy[k].start) ||
			       model_area_at(&M, M.lazy[k].start) >= 0,
			       "lazily freed 0x%lx is found", M.lazy[k].start);
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
	check_vmallocinfo(sorted, n);
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
		check_counts(SAME);
	}
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */
/* ------------------------------------------------------------------ */

static void op_vm_unmap_aliases(void)
{
	what("vm_unmap_aliases()");
	vmalloc_sync_all();
	vm_unmap_aliases();
	model_purge(&M);
	snap();
	check_counts(CHANGED);
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

/* One allocating op, while failures are being injected. */
static void faulty_op(void)
{
	if (model_full())
		return;
	switch (below(7)) {
	case 0: case 1: op_vmalloc(); break;
	case 2: op_get_vm_area(); break;
	case 3: op_vmap(); break;
	case 4: op_map_vm_area(); break;
	case 5: op_page_alloc(); break;
	default: op_remap(); break;
	}
}

/*
 * Fault injection: fail the nth attempt at the chosen sites during one
 * op, or (a storm) fail attempts at random during a few ops. Every op
 * must then succeed, or fail with everything as it was.
 */
static void op_fault(void)
{
	unsigned int sites = u8() & VM_FAULT_ALL, n;

	if (!sites)
		sites = VM_FAULT_ALL;
	fault_sites = sites;
	if (chance(192)) {
		fault_nth = 1 + below(6);
		vmalloc_fault_inject(sites, fault_nth, 0, 0);
		fault_active = true;
		faulty_op();
	} else {
		unsigned int permille = 50 + (unsigned int)below(450);

		fault_nth = 0;
		vmalloc_fault_inject(sites, 0, permille, u32());
		fault_active = true;
		for (n = 1 + (unsigned int)below(4); n; n--)
			faulty_op();
	}
	vmalloc_fault_inject(0, 0, 0, 0);
	fault_active = false;
	err_seen = err_lines;
}

/* ------------------------------------------------------------------ */
/* The op loop                                                         */
/* ------------------------------------------------------------------ */

static void one_op(void)
{
	unsigned int r = u8();

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

/* Free everything the model holds, the calls chosen without input. */
static void teardown(void)
{
	unsigned int k = 0;
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		struct model_area *a = &M.areas[i];

		if (!a->used || a->kind == MODEL_ARRAY)
			continue;
		if (a->kind == MODEL_VMALLOC || k % 3 == 0) {
			what("teardown: vfree(0x%lx)", a->start);
			vfree((void *)a->start);
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
		free_vm_area(M.removed[0].vm);
		M.removed[0] = M.removed[--M.nr_removed];
	}
	for (k = 0; k < MODEL_MAX_BLOCKS; k++)
		if (M.blocks[k].used)
			block_free(k);
	op_vm_unmap_aliases();
	what("teardown: everything back as it started");
	EXPECT(cur.areas == 0 && cur.vmap_areas == 0 && cur.lazy_pages == 0,
	       "left: %lu areas, %lu ranges, %lu lazy pages", cur.areas, cur.vmap_areas,
	       cur.lazy_pages);
	EXPECT(cur.free_pages + cur.pt_pages == base.free_pages + base.pt_pages,
	       "frames leaked: free %lu + tables %lu, at start %lu + %lu",
	       cur.free_pages, cur.pt_pages, base.free_pages, base.pt_pages);
	EXPECT(cur.meta_bytes == base.meta_bytes, "metadata leaked: %lu bytes, at start %lu",
	       cur.meta_bytes, base.meta_bytes);
	EXPECT(cur.host_mappings == base.host_mappings,
	       "host mappings in the range: %lu, at start %lu", cur.host_mappings,
	       base.host_mappings);
	EXPECT(!vmalloc_check(), "vmalloc_check() failed after the teardown");
}

/* Decode the configuration byte and bring the library up. */
static int start_library(void)
{
	static const unsigned long lazy[] = { 32, 128, 1024, 0 };
	static const unsigned long reserve[] = { 0, 1, 64, 1024 };
	unsigned int c = u8(), c2 = u8();
	struct vmalloc_config cfg = {
		.engine = O->engine,
		.phys_mb = c & 0x10 ? 32 : 16,
		.nodes = 1 + (c & 3) % 3,
		.vmalloc_size_mb = c & 0x80 ? 16 : 64,
		.lazy_max_pages = lazy[(c >> 2) & 3],
		.no_fast_path = !(c2 & 1),
		.reserve_pages = reserve[(c2 >> 1) & 3],	/* frames released early */
		.quiet = true,
	};
	int err;

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
	model_reset(&M);
	M.range_start = START;
	M.range_end = END;
	M.phys_pages = base.phys_pages;
	M.lazy_max = base.lazy_max_pages;
	M.nodes = (unsigned int)base.nr_nodes;
	M.vpages = is_host;
	M.fast = !cfg.no_fast_path;
	M.warnings = base.warnings;
	M.purges = base.purges;
	prev = cur = base;
	err_lines = err_seen = 0;
	if (O->verbose)
		printf("config 0x%02x 0x%02x: %s engine, range 0x%lx-0x%lx, %lu frames, %u nodes, lazy max %lu, fast path %s, reserve %lu\n",
		       c, c2, O->engine, START, END, M.phys_pages, M.nodes, M.lazy_max,
		       M.fast ? "on" : "off", cfg.reserve_pages);
	return 0;
}

int fz_run(const struct fz_options *o, const struct fz_input *in,
	   struct fz_result *res)
{
	static struct fz_result dummy;
	unsigned int every;
	long left;

	O = o;
	R = res ? res : &dummy;
	memset(R, 0, sizeof(*R));
	every = o->check_every ? o->check_every : 64;
	if (!model_ready) {
		if (model_init(&M))
			return -1;
		rw_buf = malloc(RW_MAX + RW_CANARY);
		rw_exp = malloc(RW_MAX + RW_CANARY);
		if (!rw_buf || !rw_exp)
			return -1;
		model_ready = true;
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
	while (!S.end && (!o->max_ops || op_no < o->max_ops) &&
	       (S.gen || S.pos < S.len)) {
		if (op_no == op_starts_cap) {
			size_t cap = op_starts_cap ? 2 * op_starts_cap : 4096;
			size_t *n = realloc(op_starts, cap * sizeof(*n));

			if (!n)
				abort();
			op_starts = n;
			op_starts_cap = cap;
		}
		op_starts[op_no] = S.pos;
		op_no++;
		one_op();
		if (op_no % every == 0) {
			what("periodic full check");
			full_check();
		}
	}
	what("final full check");
	full_check();
	teardown();
	R->ops = op_no;
	R->bytes = S.pos;
	vmalloc_set_log_hook(NULL);
	left = vmalloc_exit();
	EXPECT(left == 0, "vmalloc_exit() found %ld areas left", left);
	return 0;
}

const char *fz_current(unsigned long *op)
{
	*op = op_no;
	return op_what;
}

const size_t *fz_op_starts(unsigned long *n)
{
	*n = op_no;
	return op_starts;
}

const uint8_t *fz_generated(size_t *len)
{
	*len = S.gen ? S.pos : 0;
	return S.gen ? S.rec : NULL;
}

void fz_shutdown(void)
{
	free(S.rec);
	S.rec = NULL;
	S.rec_cap = 0;
	free(op_starts);
	op_starts = NULL;
	op_starts_cap = 0;
	if (model_ready)
		model_destroy(&M);
	free(rw_buf);
	free(rw_exp);
	rw_buf = rw_exp = NULL;
	model_ready = false;
}
