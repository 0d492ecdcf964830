/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's reference model (see model.h). Everything here is a
 * linear scan over small arrays: the point is to be obviously right,
 * not fast.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "model.h"

/* ------------------------------------------------------------------ */
/* Frames: open addressing, linear probing, backward-shift deletion    */
/* ------------------------------------------------------------------ */

static size_t frame_hash(const struct page *pg)
{
	uint64_t x = (uint64_t)(uintptr_t)pg;

	x ^= x >> 29;
	x *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(x >> 48) & (MODEL_HASH_SLOTS - 1);
}

/* Shadow pages come from one store, mapped once and reused by every run. */
static void slot_put(struct model *m, unsigned char *data)
{
	m->free_slots[m->nr_free_slots++] =
		(uint32_t)((size_t)(data - m->store) / PAGE_SIZE);
}

static void slots_reset(struct model *m)
{
	uint32_t i;

	for (i = 0; i < MODEL_MAX_FRAMES; i++)
		m->free_slots[i] = MODEL_MAX_FRAMES - 1 - i;
	m->nr_free_slots = MODEL_MAX_FRAMES;
}

struct model_frame *model_frame(struct model *m, const struct page *pg)
{
	size_t i = frame_hash(pg);

	while (m->frames[i].pg) {
		if (m->frames[i].pg == pg)
			return &m->frames[i];
		i = (i + 1) & (MODEL_HASH_SLOTS - 1);
	}
	return NULL;
}

struct model_frame *model_frame_add(struct model *m, struct page *pg,
				    int owner, const void *data,
				    int *prev_owner)
{
	size_t i = frame_hash(pg);
	struct model_frame *f;

	while (m->frames[i].pg) {
		if (m->frames[i].pg == pg) {
			if (prev_owner)
				*prev_owner = m->frames[i].owner;
			return NULL;
		}
		i = (i + 1) & (MODEL_HASH_SLOTS - 1);
	}
	if (!m->nr_free_slots)
		abort();	/* the pool is far smaller: a driver bug */
	f = &m->frames[i];
	f->data = m->store + (size_t)m->free_slots[--m->nr_free_slots] * PAGE_SIZE;
	if (data)
		memcpy(f->data, data, PAGE_SIZE);
	else
		memset(f->data, 0, PAGE_SIZE);
	f->pg = pg;
	f->owner = owner;
	f->head = pg;
	f->refs = 1;
	f->order = 0;
	m->nr_frames++;
	return f;
}

bool model_frame_put(struct model *m, struct page *pg, bool orphan)
{
	struct model_frame *f = model_frame(m, pg), *h;
	struct page *head;
	unsigned long k, pfn, nr;

	if (!f)
		return true;
	head = f->head;
	h = model_frame(m, head);
	if (!h)
		return true;
	nr = 1UL << h->order;
	if (h->refs > 1) {
		h->refs--;
		if (orphan)
			for (k = 0, pfn = page_to_pfn(head); k < nr; k++) {
				struct model_frame *t = model_frame(m, pfn_to_page(pfn + k));

				if (t)
					t->owner = MODEL_ORPHAN;
			}
		return false;
	}
	for (k = 0, pfn = page_to_pfn(head); k < nr; k++)
		model_frame_del(m, nr == 1 ? head : pfn_to_page(pfn + k));
	return true;
}

void model_frame_del(struct model *m, struct page *pg)
{
	size_t i = frame_hash(pg), j, home;

	while (m->frames[i].pg && m->frames[i].pg != pg)
		i = (i + 1) & (MODEL_HASH_SLOTS - 1);
	if (!m->frames[i].pg)
		return;
	slot_put(m, m->frames[i].data);
	m->frames[i].pg = NULL;
	m->frames[i].data = NULL;
	m->nr_frames--;
	/* Pull later members of the probe run back over the hole. */
	j = i;
	for (;;) {
		j = (j + 1) & (MODEL_HASH_SLOTS - 1);
		if (!m->frames[j].pg)
			break;
		home = frame_hash(m->frames[j].pg);
		/* Leave j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->frames[i] = m->frames[j];
		m->frames[j].pg = NULL;
		m->frames[j].data = NULL;
		i = j;
	}
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */
/* ------------------------------------------------------------------ */

int model_init(struct model *m)
{
	void *store;

	memset(m, 0, sizeof(*m));
	m->frames = calloc(MODEL_HASH_SLOTS, sizeof(*m->frames));
	m->free_slots = malloc(MODEL_MAX_FRAMES * sizeof(*m->free_slots));
	store = mmap(NULL, (size_t)MODEL_MAX_FRAMES * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!m->frames || !m->free_slots || store == MAP_FAILED) {
		free(m->frames);
		free(m->free_slots);
		return -1;
	}
	m->store = store;
	slots_reset(m);
	return 0;
}

static void area_arrays_free(struct model_area *a)
{
	free(a->owned);
	free(a->map);
	free(a->prot);
	a->owned = NULL;
	a->map = NULL;
	a->prot = NULL;
}

void model_reset(struct model *m)
{
	struct model_frame *frames = m->frames;
	unsigned char *store = m->store;
	uint32_t *free_slots = m->free_slots;
	unsigned int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		area_arrays_free(&m->areas[i]);
	if (m->nr_frames)
		memset(frames, 0, MODEL_HASH_SLOTS * sizeof(*frames));
	memset(m, 0, sizeof(*m));
	m->frames = frames;
	m->store = store;
	m->free_slots = free_slots;
	slots_reset(m);
}

void model_destroy(struct model *m)
{
	model_reset(m);
	free(m->frames);
	free(m->free_slots);
	munmap(m->store, (size_t)MODEL_MAX_FRAMES * PAGE_SIZE);
	m->frames = NULL;
	m->free_slots = NULL;
	m->store = NULL;
}

/* ------------------------------------------------------------------ */
/* Areas                                                               */
/* ------------------------------------------------------------------ */

int model_area_new(struct model *m)
{
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		if (!m->areas[i].used) {
			memset(&m->areas[i], 0, sizeof(m->areas[i]));
			m->areas[i].used = true;
			m->areas[i].child = -1;
			m->areas[i].parent = -1;
			m->areas[i].id = ++m->next_id;
			m->nr_areas++;
			return i;
		}
	}
	return -1;
}

void model_area_free(struct model *m, int i)
{
	area_arrays_free(&m->areas[i]);
	m->areas[i].used = false;
	m->nr_areas--;
}

int model_area_at(const struct model *m, unsigned long addr)
{
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		const struct model_area *a = &m->areas[i];

		if (a->used && addr >= a->start && addr - a->start < a->size)
			return i;
	}
	return -1;
}

int model_area_starting(const struct model *m, unsigned long addr)
{
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (m->areas[i].used && m->areas[i].start == addr)
			return i;
	return -1;
}

int model_area_of_vm(const struct model *m, const struct vm_struct *vm)
{
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (m->areas[i].used && m->areas[i].vm == vm)
			return i;
	return -1;
}

int model_removed_of_vm(const struct model *m, const struct vm_struct *vm)
{
	unsigned int i;

	for (i = 0; i < m->nr_removed; i++)
		if (m->removed[i].vm == vm)
			return (int)i;
	return -1;
}

/* Do [s1, s1 + l1) and [s2, s2 + l2) meet? (lengths > 0, no wrap) */
static bool meets(unsigned long s1, unsigned long l1, unsigned long s2,
		  unsigned long l2)
{
	return s1 < s2 + l2 && s2 < s1 + l1;
}

bool model_overlaps_live(const struct model *m, unsigned long start,
			 unsigned long len)
{
	int i;

	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (m->areas[i].used &&
		    meets(start, len, m->areas[i].start, m->areas[i].size))
			return true;
	return false;
}

bool model_overlaps_lazy(const struct model *m, unsigned long start,
			 unsigned long len)
{
	unsigned int i;

	for (i = 0; i < m->nr_lazy; i++)
		if (m->lazy[i].start &&
		    meets(start, len, m->lazy[i].start,
			  m->lazy[i].pages * PAGE_SIZE))
			return true;
	return false;
}

int model_area_maps(struct model *m, int i)
{
	struct model_area *a = &m->areas[i];

	if (a->map)
		return 0;
	a->map = calloc(a->npages, sizeof(*a->map));
	a->prot = calloc(a->npages, sizeof(*a->prot));
	if (!a->map || !a->prot) {
		free(a->map);
		free(a->prot);
		a->map = NULL;
		a->prot = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lazy list                                                           */
/* ------------------------------------------------------------------ */

void model_purge(struct model *m)
{
	if (m->nr_lazy)
		m->purges++;
	m->nr_lazy = 0;
	m->lazy_pages = 0;
}

void model_lazy_add(struct model *m, unsigned long start, unsigned long pages)
{
	if (m->nr_lazy == MODEL_MAX_LAZY) {
		/* Forget an address, keep the count (overlap checks weaken). */
		m->lazy[0].start = 0;
		m->lazy[0].pages += m->lazy[--m->nr_lazy].pages;
	}
	m->lazy[m->nr_lazy].start = start;
	m->lazy[m->nr_lazy].pages = pages;
	m->nr_lazy++;
	m->lazy_pages += pages;
	if (m->lazy_pages > m->lazy_max && !m->fast && !m->follow)
		model_purge(m);
}

/* ------------------------------------------------------------------ */
/* The area cache                                                      */
/* ------------------------------------------------------------------ */

bool model_cached_add(struct model *m, int i)
{
	const struct model_area *a = &m->areas[i];

	if (m->nr_cached == MODEL_MAX_CACHED)
		return false;
	m->cached[m->nr_cached++] = (struct model_cached){
		a->start, a->size, a->npages, a->id, 0 };
	return true;
}

void model_cached_del(struct model *m, unsigned int k)
{
	m->cached[k] = m->cached[--m->nr_cached];
}

unsigned long model_cached_pages(const struct model *m)
{
	unsigned long n = 0;
	unsigned int k;

	for (k = 0; k < m->nr_cached; k++)
		n += m->cached[k].npages;
	return n;
}

/* ------------------------------------------------------------------ */
/* Placement                                                           */
/* ------------------------------------------------------------------ */

struct span {
	unsigned long start, end;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Lowest aligned a >= lo with [a, a + size) inside [lo, hi)? */
static bool gap_fits(unsigned long lo, unsigned long hi, unsigned long size,
		     unsigned long align, unsigned long *out)
{
	unsigned long a;

	if (lo >= hi)
		return false;
	if (lo & (align - 1)) {
		a = (lo | (align - 1)) + 1;	/* may wrap to 0 */
		if (a < lo)
			return false;
	} else {
		a = lo;
	}
	*out = a;
	return a < hi && hi - a >= size;
}

bool model_fit_exists(const struct model *m, unsigned long size,
		      unsigned long align, unsigned long vs, unsigned long ve,
		      bool lazy_busy)
{
	unsigned long a;

	return model_lowest_fit(m, size, align, vs, ve, lazy_busy, &a);
}

bool model_lowest_fit(const struct model *m, unsigned long size,
		      unsigned long align, unsigned long vs, unsigned long ve,
		      bool lazy_busy, unsigned long *out)
{
	static __thread struct span occ[MODEL_MAX_AREAS + MODEL_MAX_LAZY];
	unsigned long pos = vs;
	unsigned int n = 0, i;

	if (vs >= ve || !size)
		return false;
	for (i = 0; i < MODEL_MAX_AREAS; i++)
		if (m->areas[i].used)
			occ[n++] = (struct span){ m->areas[i].start,
						  m->areas[i].start + m->areas[i].size };
	if (lazy_busy) {
		for (i = 0; i < m->nr_lazy; i++) {
			if (!m->lazy[i].start)
				return false;	/* unknown: assume the worst */
			occ[n++] = (struct span){ m->lazy[i].start,
				m->lazy[i].start + m->lazy[i].pages * PAGE_SIZE };
		}
	}
	qsort(occ, n, sizeof(occ[0]), cmp_span);
	for (i = 0; i < n && pos < ve; i++) {
		if (occ[i].end <= pos)
			continue;
		if (occ[i].start > pos &&
		    gap_fits(pos, occ[i].start < ve ? occ[i].start : ve, size,
			     align, out))
			return true;
		if (occ[i].end > pos)
			pos = occ[i].end;
	}
	return pos < ve && gap_fits(pos, ve, size, align, out);
}

/* ------------------------------------------------------------------ */
/* Contents                                                            */
/* ------------------------------------------------------------------ */

unsigned long model_rw_span(const struct model *m, unsigned long addr,
			    unsigned long count)
{
	unsigned long end, best = 0;
	int i;

	if (!count)
		return 0;
	if (addr + count < addr)
		count = ULONG_MAX - addr;
	end = addr + count;
	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		const struct model_area *a = &m->areas[i];
		unsigned long data_end, stop;

		if (!a->used)
			continue;
		data_end = a->start + a->npages * PAGE_SIZE;
		if (a->start >= end || data_end <= addr)
			continue;
		stop = data_end < end ? data_end : end;
		if (stop - addr > best)
			best = stop - addr;
	}
	return best;
}

/* Area @a's data page holding @addr, if mapped and readable by vread. */
static const struct model_frame *backing(const struct model *m,
					 const struct model_area *a,
					 unsigned long addr, bool write)
{
	unsigned long pg = (addr - a->start) >> PAGE_SHIFT;

	if (pg >= a->npages || !a->map || !a->map[pg])
		return NULL;
	if (a->flags & VM_IOREMAP)
		return NULL;
	if (write && !(a->prot[pg] & _PAGE_RW))
		return NULL;
	if (write && m->arrays_fixed && a->kind == MODEL_ARRAY)
		return NULL;
	return model_frame((struct model *)m, a->map[pg]);
}

bool model_byte_backed(const struct model *m, unsigned long addr, bool write)
{
	int i = model_area_at(m, addr);

	return i >= 0 && backing(m, &m->areas[i], addr, write) != NULL;
}

/* Indices of the live areas in address order (insertion sort). */
static int sorted_areas(const struct model *m, int *order)
{
	int i, j, n = 0;

	for (i = 0; i < MODEL_MAX_AREAS; i++) {
		if (!m->areas[i].used)
			continue;
		for (j = n; j > 0 &&
		     m->areas[order[j - 1]].start > m->areas[i].start; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}

/* Call @fn for each piece of [addr, addr + n) that lies in one data page. */
static void for_each_piece(const struct model *m, unsigned long addr,
			   unsigned long n, bool write,
			   void (*fn)(const struct model_frame *f,
				      unsigned long off, unsigned long len,
				      unsigned long pos, void *ctx),
			   void *ctx)
{
	int order[MODEL_MAX_AREAS], n_areas, k;

	/* In address order: where one frame is mapped twice, the higher
	 * address is written last, as the library walks. */
	n_areas = sorted_areas(m, order);
	for (k = 0; k < n_areas; k++) {
		const struct model_area *a = &m->areas[order[k]];
		unsigned long lo, hi, data_end, p;

		if (!n)
			continue;
		data_end = a->start + a->npages * PAGE_SIZE;
		lo = addr > a->start ? addr : a->start;
		hi = addr + n < data_end ? addr + n : data_end;
		for (p = lo; p < hi;) {
			unsigned long off = p & (PAGE_SIZE - 1);
			unsigned long len = PAGE_SIZE - off;
			const struct model_frame *f;

			if (len > hi - p)
				len = hi - p;
			f = backing(m, a, p, write);
			if (f)
				fn(f, off, len, p - addr, ctx);
			p += len;
		}
	}
}

static void read_piece(const struct model_frame *f, unsigned long off,
		       unsigned long len, unsigned long pos, void *ctx)
{
	memcpy((unsigned char *)ctx + pos, f->data + off, len);
}

void model_read(const struct model *m, unsigned long addr, unsigned long n,
		unsigned char *out)
{
	memset(out, 0, n);
	for_each_piece(m, addr, n, false, read_piece, out);
}

static void write_piece(const struct model_frame *f, unsigned long off,
			unsigned long len, unsigned long pos, void *ctx)
{
	memcpy(f->data + off, (const unsigned char *)ctx + pos, len);
}

void model_write(struct model *m, unsigned long addr, unsigned long n,
		 const unsigned char *buf)
{
	for_each_piece(m, addr, n, true, write_piece, (void *)buf);
}

/* ------------------------------------------------------------------ */
/* Bookkeeping                                                         */
/* ------------------------------------------------------------------ */

void model_history_add(struct model *m, unsigned long addr,
		       unsigned long size, struct vm_struct *vm)
{
	m->history[m->history_pos % MODEL_MAX_HISTORY] =
		(struct model_history){ addr, size, vm };
	m->history_pos++;
}

unsigned long model_frames_in_use(const struct model *m)
{
	return m->nr_frames;
}
