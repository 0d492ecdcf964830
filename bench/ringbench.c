/* SPDX-License-Identifier: MIT */
/*
 * The ring section: a 64 KiB double-mapped ring buffer (the same 16
 * frames mapped twice, back to back, as examples/ringbuf.c builds it) set
 * up and torn down through libvmalloc on the host engine, against the
 * plain recipe a program would otherwise write:
 *
 *   libvmalloc  16 x alloc_page(__GFP_ZERO) (or one alloc_pages_bulk),
 *               vmap(pages twice) ... vunmap, 16 x __free_page
 *   memfd       memfd_create, ftruncate, an anonymous PROT_NONE
 *               reservation of twice the size, two mmap(MAP_FIXED |
 *               MAP_SHARED) of the file into it, close ... munmap
 *
 * Two ops are timed: the bare set-up + tear-down, and the same with one
 * write per page through the first view checked through the second (a
 * wrong byte counts as a failure). The kinds take turns inside each
 * repeat, so they share the machine's noise; medians are reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

#define RING_PAGES	16
#define RING_BYTES	(RING_PAGES * PAGE_SIZE)
#define MEMFD_SYSCALLS	6	/* memfd_create ftruncate mmap x3 close munmap */

enum ring_kind { RK_LOOP, RK_BULK, RK_MEMFD, RK_KINDS };

struct ring {
	char *base;
	struct page *pages[RING_PAGES];
};

static int ring_up(enum ring_kind kind, struct ring *r)
{
	struct page *twice[2 * RING_PAGES];
	unsigned int i;
	int fd;

	if (kind == RK_MEMFD) {
		char *p;

		fd = memfd_create("ring", MFD_CLOEXEC);
		if (fd < 0)
			return -1;
		if (ftruncate(fd, RING_BYTES)) {
			close(fd);
			return -1;
		}
		r->base = mmap(NULL, 2 * RING_BYTES, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r->base == MAP_FAILED) {
			close(fd);
			return -1;
		}
		for (i = 0; i < 2; i++) {
			p = mmap(r->base + i * RING_BYTES, RING_BYTES,
				 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				 fd, 0);
			if (p == MAP_FAILED) {
				munmap(r->base, 2 * RING_BYTES);
				close(fd);
				return -1;
			}
		}
		close(fd);
		return 0;
	}
	memset(r->pages, 0, sizeof(r->pages));
	if (kind == RK_BULK) {
		if (alloc_pages_bulk(GFP_KERNEL | __GFP_ZERO, RING_PAGES,
				     r->pages) != RING_PAGES)
			goto fail;
	} else {
		for (i = 0; i < RING_PAGES; i++) {
			r->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
			if (!r->pages[i])
				goto fail;
		}
	}
	for (i = 0; i < RING_PAGES; i++)
		twice[i] = twice[i + RING_PAGES] = r->pages[i];
	r->base = vmap(twice, 2 * RING_PAGES, VM_MAP, PAGE_KERNEL);
	if (r->base)
		return 0;
fail:
	for (i = 0; i < RING_PAGES; i++)
		if (r->pages[i])
			__free_page(r->pages[i]);
	return -1;
}

static void ring_down(enum ring_kind kind, struct ring *r)
{
	unsigned int i;

	if (kind == RK_MEMFD) {
		munmap(r->base, 2 * RING_BYTES);
		return;
	}
	vunmap(r->base);
	for (i = 0; i < RING_PAGES; i++)
		__free_page(r->pages[i]);
}

/* One write per page through the first view, read back through the second. */
static int ring_touch(const struct ring *r, unsigned long n)
{
	volatile char *a = r->base, *b = r->base + RING_BYTES;
	unsigned int i;
	int bad = 0;

	for (i = 0; i < RING_PAGES; i++)
		a[i * PAGE_SIZE + (n + i) % PAGE_SIZE] = (char)(n + i);
	for (i = 0; i < RING_PAGES; i++)
		bad |= b[i * PAGE_SIZE + (n + i) % PAGE_SIZE] != (char)(n + i);
	return bad;
}

/* @ops set-ups and tear-downs; ns per op, or -1 when one failed. */
static double ring_loop(enum ring_kind kind, bool touch, unsigned long ops)
{
	uint64_t t0 = now_ns();
	struct ring r;
	unsigned long i;

	for (i = 0; i < ops; i++) {
		if (ring_up(kind, &r))
			return -1;
		if (touch && ring_touch(&r, i)) {
			ring_down(kind, &r);
			return -1;
		}
		ring_down(kind, &r);
	}
	return (double)(now_ns() - t0) / (double)ops;
}

static unsigned long syscalls_now(void)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };

	vmalloc_get_stats(&st);
	return st.host_syscalls;
}

/* Runs of consecutive frames in @pages. */
static unsigned int frame_runs(struct page *const *pages, unsigned int n)
{
	unsigned int i, runs = n ? 1 : 0;

	for (i = 1; i < n; i++)
		if (page_to_pfn(pages[i]) != page_to_pfn(pages[i - 1]) + 1)
			runs++;
	return runs;
}

/*
 * One untimed set-up of @kind: the system calls and new host mappings of
 * the set-up alone, and the runs of consecutive frames it got.
 */
static int ring_probe(enum ring_kind kind, struct ring_row *row)
{
	struct vmalloc_stats st = { .sz = sizeof(st) };
	unsigned long sys0, map0;
	struct ring r;

	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	sys0 = st.host_syscalls;
	map0 = st.host_mappings;
	if (ring_up(kind, &r))
		return -1;
	vmalloc_get_stats(&st);
	row->setup_syscalls = (double)(st.host_syscalls - sys0);
	row->setup_mappings = (long)st.host_mappings - (long)map0;
	row->runs = frame_runs(r.pages, RING_PAGES);
	ring_down(kind, &r);
	return 0;
}

int ring_bench(const struct opts *o, struct ring_row *rows, unsigned int max,
	       char *err, size_t errlen)
{
	unsigned long ops = o->loops ? o->loops : o->quick ? 200 : 2000;
	static const enum ring_kind vm_kinds[] = { RK_LOOP, RK_BULK };
	unsigned int nrows = 0, k, t, rep;
	long left;
	int rc;

	rc = host_engine_start(err, errlen);
	if (rc)
		return rc;
	for (t = 0; t < 2; t++) {
		for (k = 0; k < 2 && nrows < max; k++) {
			struct ring_row *r = &rows[nrows];
			double vm[MAX_REPEAT], mm[MAX_REPEAT], ratio[MAX_REPEAT];
			unsigned long sys0, sys1;

			memset(r, 0, sizeof(*r));
			r->bulk = vm_kinds[k] == RK_BULK;
			r->touch = t;
			r->ops = ops;
			r->memfd_syscalls = MEMFD_SYSCALLS;
			/* Warm both up: the first set-up builds page tables. */
			if (ring_loop(vm_kinds[k], t, 16) < 0 ||
			    ring_loop(RK_MEMFD, t, 16) < 0)
				goto failed;
			sys0 = syscalls_now();
			for (rep = 0; rep < o->repeat; rep++) {
				progress("ring %s%s  repeat %u/%u",
					 r->bulk ? "bulk" : "loop",
					 t ? " touch" : "", rep + 1, o->repeat);
				vm[rep] = ring_loop(vm_kinds[k], t, ops);
				mm[rep] = ring_loop(RK_MEMFD, t, ops);
				if (vm[rep] < 0 || mm[rep] < 0)
					goto failed;
				ratio[rep] = vm[rep] / mm[rep];
			}
			progress_done();
			sys1 = syscalls_now();
			r->vm_syscalls = (double)(sys1 - sys0) /
					 (double)(ops * o->repeat);
			r->vm_ns = median_of(vm, o->repeat);
			r->memfd_ns = median_of(mm, o->repeat);
			r->ratio = median_of(ratio, o->repeat);
			r->ratio_min = r->ratio_max = ratio[0];
			for (rep = 1; rep < o->repeat; rep++) {
				if (ratio[rep] < r->ratio_min)
					r->ratio_min = ratio[rep];
				if (ratio[rep] > r->ratio_max)
					r->ratio_max = ratio[rep];
			}
			if (ring_probe(vm_kinds[k], r))
				goto failed;
			nrows++;
		}
	}
	vm_unmap_aliases();
	left = vmalloc_exit();
	if (left)
		fprintf(stderr, "vmbench: ring section: vmalloc_exit() found %ld live areas\n",
			left);
	return (int)nrows;
failed:
	progress_done();
	snprintf(err, errlen, "a ring set-up failed or read back wrong bytes");
	vmalloc_exit();
	return -ENOMEM;
}
