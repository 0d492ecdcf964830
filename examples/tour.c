/* SPDX-License-Identifier: MIT */
/*
 * A tour of libvmalloc: `make run`.
 *
 * Allocates with the main entry points, writes and reads back what it
 * wrote, shows page tables and aliases at work, prints the vmallocinfo
 * listing, frees everything and shows the counters back where they
 * started. On the host engine (the default) it uses the pointers
 * directly; with VMALLOC_ENGINE=soft it goes through vread/vwrite.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmalloc/vmalloc.h"

static int direct;	/* can we dereference vmalloc addresses? */

static void put(void *dst, const void *src, unsigned long n)
{
	if (direct)
		memcpy(dst, src, n);
	else
		vwrite((char *)src, (char *)dst, n);
}

static void get(void *dst, const void *src, unsigned long n)
{
	if (direct)
		memcpy(dst, src, n);
	else
		vread((char *)dst, (char *)src, n);
}

static void check(int ok, const char *what)
{
	printf("  %-58s %s\n", what, ok ? "ok" : "FAILED");
	if (!ok)
		exit(1);
}

int main(void)
{
	struct vmalloc_stats st0, st;
	struct page *pg[4], *ring[8];
	struct vm_struct *area;
	struct page **cursor;
	char *big, *user, *view, *buf;
	unsigned long i, n = 1UL << 20;
	int k;

	/* The stats struct begins with its own size (see vmalloc.h); this
	 * way of setting it reads the same in C and C++. */
	memset(&st0, 0, sizeof(st0));
	st0.sz = sizeof(st0);
	st = st0;

	/* No set-up needed: the first call picks the engine (host). */
	vmalloc_get_stats(&st0);
	direct = !strcmp(vmalloc_engine(), "host");
	printf("libvmalloc tour on the %s engine: vmalloc range %#lx-%#lx, %lu frames\n\n",
	       vmalloc_engine(), VMALLOC_START, VMALLOC_END, st0.phys_pages);

	printf("vmalloc(1 MiB): 256 single frames mapped contiguously\n");
	big = (char *)vmalloc(n);
	buf = (char *)malloc(n);
	if (!big || !buf)
		return 1;
	for (i = 0; i < n; i++)
		buf[i] = (char)(i * 13 + 1);
	put(big, buf, n);
	memset(buf, 0, n);
	get(buf, big, n);
	for (i = 0; i < n && buf[i] == (char)(i * 13 + 1); i++)
		;
	check(i == n, "1 MiB written and read back");
	printf("  first frames: pfn %lu, %lu, %lu ... guard page mapped: %s\n",
	       vmalloc_to_pfn(big), vmalloc_to_pfn(big + PAGE_SIZE),
	       vmalloc_to_pfn(big + 2 * PAGE_SIZE),
	       vmalloc_to_page(big + n) ? "yes" : "no");

	printf("vmalloc_user(16 KiB): zeroed, may be mapped into user space\n");
	user = (char *)vmalloc_user(4 * PAGE_SIZE);
	get(buf, user, 4 * PAGE_SIZE);
	for (i = 0; i < 4 * PAGE_SIZE && !buf[i]; i++)
		;
	check(user && i == 4 * PAGE_SIZE, "reads as zero");

	printf("vmap(): the same 4 frames mapped twice in a row\n");
	for (k = 0; k < 4; k++) {
		pg[k] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		ring[k] = ring[k + 4] = pg[k];
	}
	view = (char *)vmap(ring, 8, VM_MAP, PAGE_KERNEL);
	put(view + 4 * PAGE_SIZE - 3, "wrap-around", 12);	/* crosses the end */
	get(buf, view + 4 * PAGE_SIZE - 3, 12);
	check(!strcmp(buf, "wrap-around"), "a record crossing the end reads back whole");
	get(buf, view, 9);
	check(!memcmp(buf, "p-around", 9), "its tail is at the start of the frames");

	printf("get_vm_area() + map_vm_area(): address space first, frames later\n");
	area = get_vm_area(2 * PAGE_SIZE, VM_MAP);
	cursor = pg;
	check(area && map_vm_area(area, PAGE_KERNEL, &cursor) == 0,
	      "two frames mapped into a reserved area");
	check(vmalloc_to_page(area->addr) == pg[0], "vmalloc_to_page() finds the frame");

	printf("\n/proc/vmallocinfo:\n");
	vmallocinfo_print(stdout);

	vfree(big);
	vfree(user);
	vunmap(view);
	free_vm_area(area);
	for (k = 0; k < 4; k++)
		__free_page(pg[k]);
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	printf("\nafter freeing everything:\n");
	check(st.areas == st0.areas && st.vmap_areas == st0.vmap_areas,
	      "no area left");
	check(st.free_pages + st.pt_pages == st0.free_pages + st0.pt_pages,
	      "every frame back (page tables kept, as the kernel does)");
	printf("  %lu lazy purges, %lu TLB flushes, %lu system calls by the engine\n",
	       st.purges, st.tlb_flushes, st.host_syscalls);
	free(buf);
	return 0;
}
