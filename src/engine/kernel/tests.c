/* SPDX-License-Identifier: MIT */
/*
 * Functional tests of libvmalloc on a real (emulated) MMU: the core's
 * page tables are the ones the CPU walks, so a wrong entry, a missing TLB
 * flush or a mapped guard page shows up as wrong data or a wrong (or
 * missing) fault, not as a wrong value in a simulated table.
 *
 * Faults are provoked with the probes of entry.S, which return -EFAULT
 * and leave the fault address and syndrome (CR2 and the error code on
 * x86-64, FAR_EL1 and ESR_EL1 on AArch64) in kfault_last. The cases here
 * hold for every architecture; what reads the entry format or the
 * instruction set (the boot state, the hardware walk) is in
 * <arch>/tests_arch.c, and the no-exec fetch and huge-leaf cases are in
 * tests_mmu.c over that file's kt_arch_* hooks.
 */
#include "ktest.h"

#define PG		PAGE_SIZE
#define EFAULT_RC	(-KERNEL_EFAULT)

uint64_t kt_pattern(uint64_t seed, uint64_t i)
{
	uint64_t x = seed + i * 0x9e3779b97f4a7c15ULL;

	x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 29);
}

void kt_fill_words(void *p, unsigned long bytes, uint64_t seed)
{
	uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < bytes / 8; i++)
		w[i] = kt_pattern(seed, i);
}

long kt_check_words(const void *p, unsigned long n, uint64_t seed,
		    unsigned long first)
{
	const uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < n; i++)
		if (w[i] != kt_pattern(seed, first + i))
			return (long)i;
	return -1;
}

bool kt_pfn_in_pool(const struct vm_platform *p, unsigned long pfn)
{
	return pfn >= p->base_pfn && pfn - p->base_pfn < p->nr_frames;
}

void kt_check_fault(struct kt *t, unsigned long before, uint64_t addr,
		    enum kfault_kind kind, const char *what)
{
	KT_CHECK(t, kfault_last.count == before + 1,
		 "%s: %lu faults recorded, expected 1", what,
		 kfault_last.count - before);
	KT_CHECK(t, kfault_last.addr == addr &&
		 kfault_key(kfault_last.error) == kfault_expect(kind),
		 "%s: vector %lu address 0x%lx error 0x%lx (key 0x%lx), expected 0x%lx key 0x%lx",
		 what, (unsigned long)kfault_last.vector,
		 (unsigned long)kfault_last.addr,
		 (unsigned long)kfault_last.error,
		 (unsigned long)kfault_key(kfault_last.error),
		 (unsigned long)addr, (unsigned long)kfault_expect(kind));
}

/* ------------------------------------------------------------------ */

/* Platform locks disable interrupts, nest in any order, restore once. */
void test_irq_lock(struct kt *t)
{
	const struct vm_platform *p = t->plat;
	struct vm_plat_lock a, b;

	p->lock_init(p->ctx, &a);
	p->lock_init(p->ctx, &b);
	KT_CHECK(t, irqs_enabled(), "interrupts off before");
	p->lock(p->ctx, &a);
	KT_CHECK(t, !irqs_enabled(), "lock left interrupts enabled");
	p->lock(p->ctx, &b);
	KT_CHECK(t, kplat_stats.lock_depth == 2, "depth %lu",
		 kplat_stats.lock_depth);
	p->unlock(p->ctx, &a);		/* not the innermost: still off */
	KT_CHECK(t, !irqs_enabled(), "interrupts enabled with b held");
	p->unlock(p->ctx, &b);
	KT_CHECK(t, irqs_enabled(), "interrupts not restored");
	p->lock_destroy(p->ctx, &a);
	p->lock_destroy(p->ctx, &b);
}

/*
 * Many sizes: write every word through the vmalloc address, read it back
 * there and through the direct map, frame by frame, and check that no
 * frame is mapped twice.
 */
void test_vmalloc_sizes(struct kt *t)
{
	static const unsigned long sizes[] = {
		1, 64, 4095, 4096, 4097, 8192, 3 * 4096 + 1, 65535, 65536,
		100000, 512 * 1024, (1UL << 20) + 1, 2UL << 20,
		(4UL << 20) + 4096, 16UL << 20,
	};
	const struct vm_platform *p = t->plat;
	unsigned long bitmap_bytes = (p->nr_frames + 63) / 64 * 8;
	uint64_t *seen = vzalloc(bitmap_bytes);
	unsigned int k;

	if (!KT_CHECK(t, seen != NULL, "vzalloc(%lu) for the bitmap",
		      bitmap_bytes))
		return;
	for (k = 0; k < ARRAY_LEN(sizes); k++) {
		unsigned long size = sizes[k], n = PAGE_ALIGN(size) / PG, i;
		uint64_t seed = t->seed + k;
		unsigned char *v = vmalloc(size);
		struct vm_struct *vm;
		bool vpages;
		long bad;

		if (!KT_CHECK(t, v != NULL, "vmalloc(%lu)", size))
			continue;
		KT_CHECK(t, ((uintptr_t)v & (PG - 1)) == 0 &&
			 (uintptr_t)v >= VMALLOC_START &&
			 (uintptr_t)v + n * PG < VMALLOC_END,
			 "vmalloc(%lu) = %p", size, (void *)v);
		vm = find_vm_area(v);
		vpages = n * sizeof(struct page *) > PG;
		if (KT_CHECK(t, vm && vm->addr == v, "find_vm_area(%p)", (void *)v))
			KT_CHECK(t, vm->size == n * PG + PG && vm->nr_pages == n &&
				 !!(vm->flags & VM_VPAGES) == vpages,
				 "size %lu: area size %lu, %u pages, flags 0x%lx",
				 size, vm->size, vm->nr_pages, vm->flags);

		kt_fill_words(v, n * PG, seed);
		bad = kt_check_words(v, n * PG / 8, seed, 0);
		KT_CHECK(t, bad < 0, "size %lu: word %ld reads back wrong", size,
			 bad);
		for (i = 0; i < n; i++) {
			struct page *pg = vmalloc_to_page(v + i * PG);
			unsigned long pfn = page_to_pfn(pg), idx;

			if (!KT_CHECK(t, pg && kt_pfn_in_pool(p, pfn),
				      "size %lu page %lu: no frame", size, i))
				break;
			idx = pfn - p->base_pfn;
			if (!KT_CHECK(t, !(seen[idx / 64] & (1ULL << (idx % 64))),
				      "size %lu: pfn 0x%lx mapped twice", size, pfn))
				break;
			seen[idx / 64] |= 1ULL << (idx % 64);
			bad = kt_check_words(page_address(pg), PG / 8, seed, i * PG / 8);
			if (!KT_CHECK(t, bad < 0,
				      "size %lu page %lu (pfn 0x%lx): word %ld differs in the direct map",
				      size, i, pfn, bad))
				break;
		}
		memset(seen, 0, bitmap_bytes);
		vfree(v);
	}
	vfree(seen);
}

/*
 * RAM is not assumed zero (frames_zeroed = false): vzalloc() must clear
 * frames that an earlier area dirtied.
 */
void test_vzalloc_recycled(struct kt *t)
{
	enum { N = 64 };
	unsigned long old[N], reused = 0, i, j;
	unsigned char *p = vmalloc(N * PG), *q;
	long bad;

	if (!KT_CHECK(t, p != NULL, "vmalloc"))
		return;
	memset(p, 0xa5, N * PG);
	for (i = 0; i < N; i++)
		old[i] = vmalloc_to_pfn(p + i * PG);
	vfree(p);
	q = vzalloc(N * PG);
	if (!KT_CHECK(t, q != NULL, "vzalloc"))
		return;
	for (i = 0; i < N; i++) {
		unsigned long pfn = vmalloc_to_pfn(q + i * PG);

		for (j = 0; j < N; j++)
			reused += old[j] == pfn;
	}
	bad = -1;
	for (i = 0; i < N * PG; i++) {
		if (q[i]) {
			bad = (long)i;
			break;
		}
	}
	KT_CHECK(t, bad < 0, "byte %ld of vzalloc() memory is 0x%x", bad,
		 bad >= 0 ? q[bad] : 0);
	KT_CHECK(t, reused > 0, "no dirty frame was reused: the test proves nothing");
	kt_note(t, "%lu of %d frames were recycled dirty frames", reused, N);
	vfree(q);
}

/* Two vmaps of the same frames: writes through one show in the other. */
void test_vmap_alias(struct kt *t)
{
	struct page *pg[4] = { 0 }, *rev[3];
	volatile uint64_t *a = NULL, *b = NULL;
	unsigned long n0;
	uint64_t v;
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (!KT_CHECK(t, (pg[i] = alloc_page(GFP_KERNEL)) != NULL,
			      "alloc_page"))
			goto out;
	rev[0] = pg[2];		/* the same frame twice */
	rev[1] = pg[2];
	rev[2] = pg[0];
	a = vmap(pg, 4, VM_MAP, PAGE_KERNEL);
	b = vmap(rev, 3, VM_MAP, PAGE_KERNEL);
	if (!KT_CHECK(t, a && b, "vmap: %p %p", (void *)a, (void *)b))
		goto out;
	KT_CHECK(t, find_vm_area((void *)a)->flags & VM_MAP, "VM_MAP flag");
	for (i = 0; i < 4; i++) {
		a[i * PG / 8] = 0x1000 + i;
		a[i * PG / 8 + PG / 8 - 1] = 0x2000 + i;
		KT_CHECK(t, vmalloc_to_page((const void *)(a + i * PG / 8)) == pg[i],
			 "vmalloc_to_page of alias page %u", i);
	}
	KT_CHECK(t, b[0] == 0x1002 && b[PG / 8] == 0x1002 &&
		 b[2 * PG / 8] == 0x1000 && b[PG / 8 - 1] == 0x2002,
		 "reads through the second alias: %lx %lx %lx",
		 (unsigned long)b[0], (unsigned long)b[PG / 8],
		 (unsigned long)b[2 * PG / 8]);
	b[PG / 8 + 1] = 0xbeef;	/* page 1 of b is frame 2 */
	KT_CHECK(t, a[2 * PG / 8 + 1] == 0xbeef && b[1] == 0xbeef &&
		 ((volatile uint64_t *)page_address(pg[2]))[1] == 0xbeef,
		 "write through b not seen in a, b or the direct map");
	vunmap((void *)a);
	vunmap((void *)b);
	vm_unmap_aliases();
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(a, &v) == EFAULT_RC, "vunmapped alias readable");
	kt_check_fault(t, n0, (uintptr_t)a, KF_READ_UNMAPPED, "read after vunmap");
	a = b = NULL;
out:
	if (a)
		vunmap((void *)a);
	if (b)
		vunmap((void *)b);
	for (i = 0; i < 4; i++)
		if (pg[i])
			__free_page(pg[i]);
}

void test_guard_read(struct kt *t)
{
	unsigned char *p = vmalloc(3 * PG);
	unsigned long n0;
	uint64_t v = 0;

	if (!KT_CHECK(t, p != NULL, "vmalloc"))
		return;
	kt_fill_words(p, 3 * PG, t->seed);
	KT_CHECK(t, kprobe_read(p + 3 * PG - 8, &v) == 0 &&
		 v == kt_pattern(t->seed, 3 * PG / 8 - 1), "last word unreadable");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(p + 3 * PG, &v) == EFAULT_RC,
		 "guard page readable");
	kt_check_fault(t, n0, (uintptr_t)p + 3 * PG, KF_READ_UNMAPPED, "guard read");
	vfree(p);
}

void test_guard_write(struct kt *t)
{
	unsigned char *p = vmalloc(2 * PG);
	unsigned long n0;

	if (!KT_CHECK(t, p != NULL, "vmalloc"))
		return;
	kt_fill_words(p, 2 * PG, t->seed);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_write(p + 2 * PG + 64, 0xdead) == EFAULT_RC,
		 "guard page writable");
	kt_check_fault(t, n0, (uintptr_t)p + 2 * PG + 64, KF_WRITE_UNMAPPED, "guard write");
	KT_CHECK(t, kt_check_words(p, 2 * PG / 8, t->seed, 0) < 0,
		 "area changed by a faulting write");
	vfree(p);
}

/* PAGE_KERNEL_RO: readable, and a write is a protection fault. */
void test_readonly_write(struct kt *t)
{
	unsigned char *q = __vmalloc(2 * PG, GFP_KERNEL | __GFP_ZERO,
				     PAGE_KERNEL_RO);
	volatile uint64_t *direct;
	unsigned long n0;
	uint64_t v = 1;

	if (!KT_CHECK(t, q != NULL, "__vmalloc(PAGE_KERNEL_RO)"))
		return;
	KT_CHECK(t, kprobe_read(q + 16, &v) == 0 && v == 0,
		 "read-only page not readable as zero");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_write(q + PG + 16, 0x77) == EFAULT_RC,
		 "read-only page writable");
	kt_check_fault(t, n0, (uintptr_t)q + PG + 16, KF_WRITE_READONLY,
		    "read-only write");
	/* The frame is still writable through the direct map. */
	direct = page_address(vmalloc_to_page(q + PG));
	direct[2] = 0x5a5a;
	KT_CHECK(t, kprobe_read(q + PG + 16, &v) == 0 && v == 0x5a5a,
		 "direct-map write not visible: 0x%lx", (unsigned long)v);
	vfree(q);
}

/*
 * After vfree() the PTEs are gone but the TLB may still map the area
 * until the lazy purge flushes it; after the purge any access faults.
 * With the area cache the area stays mapped, whole, until it is reused
 * or drained: vm_unmap_aliases() drains it, then purges.
 */
void test_use_after_vfree(struct kt *t)
{
	volatile uint64_t *p = vmalloc(2 * PG);
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long n0, purges, cached;
	uint64_t v;
	int stale;

	if (!KT_CHECK(t, p != NULL, "vmalloc"))
		return;
	p[0] = 1;
	p[PG / 8] = 2;
	KT_CHECK(t, p[0] + p[PG / 8] == 3, "readback");
	vmalloc_get_stats(&st);
	cached = st.cache_areas;
	vfree((void *)p);
	vmalloc_get_stats(&st);
	purges = st.purges;
	if (st.cache_areas == cached + 1) {
		/* Kept by the area cache: mapped, contents and all. */
		KT_CHECK(t, kprobe_read(p, &v) == 0 && v == 1,
			 "a cached area is still mapped");
	} else {
		KT_CHECK(t, st.lazy_pages >= 3, "%lu lazy pages after vfree",
			 st.lazy_pages);
		/* Not asserted: whether the stale translation is cached. */
		stale = kprobe_read(p, &v) == 0;
		kt_note(t, "before the purge a read %s", stale ?
			"still went through a stale TLB entry" : "faulted");
	}
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	KT_CHECK(t, st.purges == purges + 1 && st.lazy_pages == 0 &&
		 st.cache_areas == 0,
		 "purges %lu -> %lu, %lu lazy pages, %lu cached", purges,
		 st.purges, st.lazy_pages, st.cache_areas);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(p, &v) == EFAULT_RC, "freed area readable");
	kt_check_fault(t, n0, (uintptr_t)p, KF_READ_UNMAPPED, "read after vfree");
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_write(p + PG / 8, 7) == EFAULT_RC,
		 "freed area writable");
	kt_check_fault(t, n0, (uintptr_t)(p + PG / 8), KF_WRITE_UNMAPPED,
		    "write after vfree");
}

/*
 * vm_map_ram: a small mapping (a ram block) and a large one (the tree).
 * Writes through each land in the frames; the page after each is its
 * guard; after vm_unmap_ram and vm_unmap_aliases any access faults.
 */
void test_vm_map_ram(struct kt *t)
{
	static struct page *pg[100];
	static const unsigned int counts[] = { 8, 100 };
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long n0, got, c, i;
	volatile uint64_t *p;
	uint64_t v;

	for (i = 0; i < 100; i++)
		pg[i] = NULL;
	got = alloc_pages_bulk(GFP_KERNEL, 100, pg);
	while (got < 100) {		/* it may stop early, as the kernel's */
		unsigned long more = alloc_pages_bulk(GFP_KERNEL, 100, pg);

		if (!KT_CHECK(t, more > got, "alloc_pages_bulk stuck at %lu",
			      got))
			goto out;
		got = more;
	}
	for (c = 0; c < 2; c++) {
		unsigned int n = counts[c];

		p = vm_map_ram(pg, n, NUMA_NO_NODE);
		if (!KT_CHECK(t, p != NULL, "vm_map_ram(%u)", n))
			goto out;
		KT_CHECK(t, !find_vm_area((const void *)p),
			 "find_vm_area found a vm_map_ram mapping");
		for (i = 0; i < n; i++) {
			p[i * PG / 8] = kt_pattern(c, i);
			KT_CHECK(t, vmalloc_to_page((const void *)(p + i * PG / 8)) ==
				 pg[i], "vmalloc_to_page of page %lu", i);
			KT_CHECK(t, *(volatile uint64_t *)page_address(pg[i]) ==
				 kt_pattern(c, i), "page %lu: write not in its frame",
				 i);
		}
		n0 = kfault_last.count;
		KT_CHECK(t, kprobe_read(p + n * PG / 8, &v) == EFAULT_RC,
			 "guard page after %u pages readable", n);
		kt_check_fault(t, n0, (uintptr_t)(p + n * PG / 8), KF_READ_UNMAPPED,
			    "vm_map_ram guard read");
		vm_unmap_ram((const void *)p, n);
		vm_unmap_aliases();
		vmalloc_get_stats(&st);
		KT_CHECK(t, st.lazy_pages == 0, "%lu lazy pages after the purge",
			 st.lazy_pages);
		n0 = kfault_last.count;
		KT_CHECK(t, kprobe_read(p, &v) == EFAULT_RC,
			 "purged vm_map_ram mapping readable");
		kt_check_fault(t, n0, (uintptr_t)p, KF_READ_UNMAPPED, "read after vm_unmap_ram");
		n0 = kfault_last.count;
		KT_CHECK(t, kprobe_write(p + (n - 1) * PG / 8, 7) == EFAULT_RC,
			 "purged vm_map_ram mapping writable");
		kt_check_fault(t, n0, (uintptr_t)(p + (n - 1) * PG / 8), KF_WRITE_UNMAPPED,
			    "write after vm_unmap_ram");
	}
out:
	for (i = 0; i < 100; i++)
		if (pg[i])
			__free_page(pg[i]);
}

/*
 * A purge must flush before the range is reused: map frame A at an
 * address, use it (the TLB caches it), unmap and purge, map frame B at
 * the same address, write. Without the flush the write lands in A.
 * @npages decides which flush path runs (invlpg, or a whole-TLB flush
 * past KPLAT_INVLPG_MAX).
 */
static void tlb_reuse(struct kt *t, unsigned int npages, bool want_full)
{
	struct page *fa = alloc_page(GFP_KERNEL), *fb = alloc_page(GFP_KERNEL);
	struct page *arr[64];
	volatile uint64_t *a = NULL, *b = NULL, *da, *db;
	unsigned long full0, inv0;
	unsigned int i;

	if (!KT_CHECK(t, fa && fb && npages <= ARRAY_LEN(arr), "alloc_page"))
		goto out;
	da = page_address(fa);
	db = page_address(fb);
	da[0] = 0xaaaa;
	db[0] = 0xbbbb;
	for (i = 0; i < npages; i++)
		arr[i] = fa;
	a = vmap(arr, npages, VM_MAP, PAGE_KERNEL);
	if (!KT_CHECK(t, a != NULL, "vmap of frame A"))
		goto out;
	for (i = 0; i < npages; i++)	/* a TLB entry for every page */
		KT_CHECK(t, a[i * PG / 8] == 0xaaaa, "alias %u of A", i);
	vunmap((void *)a);
	full0 = kplat_stats.flush_full;
	inv0 = kplat_stats.flush_pages;
	vm_unmap_aliases();
	if (want_full)
		KT_CHECK(t, kplat_stats.flush_full > full0,
			 "no whole-TLB flush for %u pages", npages + 1);
	else
		KT_CHECK(t, kplat_stats.flush_full == full0 &&
			 kplat_stats.flush_pages >= inv0 + npages,
			 "expected invlpg: %lu full, %lu pages",
			 kplat_stats.flush_full - full0,
			 kplat_stats.flush_pages - inv0);
	for (i = 0; i < npages; i++)
		arr[i] = fb;
	b = vmap(arr, npages, VM_MAP, PAGE_KERNEL);
	if (!KT_CHECK(t, b == a, "the range was not reused (%p, %p)",
		      (void *)a, (void *)b))
		goto out;
	for (i = 0; i < npages; i++) {
		b[i * PG / 8] = 0xc0de0000 + i;
		KT_CHECK(t, db[0] == 0xc0de0000 + i && da[0] == 0xaaaa,
			 "write %u went to the old frame (stale TLB): A 0x%lx B 0x%lx",
			 i, (unsigned long)da[0], (unsigned long)db[0]);
	}
out:
	if (b)
		vunmap((void *)b);
	if (fa)
		__free_page(fa);
	if (fb)
		__free_page(fb);
}

void test_tlb_reuse_invlpg(struct kt *t)
{
	tlb_reuse(t, 1, false);
}

void test_tlb_reuse_full(struct kt *t)
{
	tlb_reuse(t, 40, true);
}

/*
 * Freed areas wait on the lazy list until more than lazy_max_pages are
 * waiting; then the vfree() that crosses the line purges them all.
 */
void test_lazy_threshold(struct kt *t)
{
	struct vmalloc_stats st0 = { .sz = sizeof(struct vmalloc_stats) }, st = { .sz = sizeof(struct vmalloc_stats) };
	volatile uint64_t *a, *c = NULL, *d = NULL;
	void *big;
	unsigned long n0;
	uint64_t v;

	vmalloc_get_stats(&st0);
	if (st0.lazy_max_pages > 512 * 64 ||
	    st0.lazy_max_pages + 64 > t->plat->nr_frames / 2) {
		t->skip = "lazy_max_pages too large for this test";
		return;
	}
	/*
	 * vmalloc_exec: placed as vmalloc is, but never kept by the area
	 * cache (not PAGE_KERNEL), so its vfree goes to the lazy list.
	 */
	a = vmalloc_exec(PG);
	if (!KT_CHECK(t, a != NULL, "vmalloc"))
		return;
	a[0] = 1;
	vfree((void *)a);
	c = vmalloc_exec(PG);
	if (!KT_CHECK(t, c != NULL && c != a,
		      "a lazily freed range was reused before the purge (%p)",
		      (void *)c))
		goto out;
	vmalloc_get_stats(&st);
	KT_CHECK(t, st.purges == st0.purges && st.lazy_pages == 2,
		 "purges %lu, lazy pages %lu", st.purges - st0.purges,
		 st.lazy_pages);
	/* With its guard page this crosses the threshold. */
	big = vmalloc(st0.lazy_max_pages * PG);
	if (!KT_CHECK(t, big != NULL, "vmalloc(%lu pages)", st0.lazy_max_pages))
		goto out;
	vfree(big);
	vmalloc_get_stats(&st);
	KT_CHECK(t, st.purges == st0.purges + 1 &&
		 st.lazy_pages < st0.lazy_max_pages,
		 "purges %lu, lazy pages %lu", st.purges - st0.purges,
		 st.lazy_pages);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(a, &v) == EFAULT_RC, "purged area readable");
	kt_check_fault(t, n0, (uintptr_t)a, KF_READ_UNMAPPED, "read after the purge");
	d = vmalloc_exec(PG);
	KT_CHECK(t, d == a, "lowest fit did not reuse the purged range: %p, %p",
		 (void *)d, (void *)a);
out:
	vfree((void *)c);
	vfree((void *)d);
}

/*
 * The area cache on the real MMU: a vmalloc after a vfree of the same size
 * gets the area back, mapped as before; its guard page still faults, a
 * vzalloc reads zeros; once drained (vm_unmap_aliases) it faults.
 */
void test_area_cache_reuse(struct kt *t)
{
	volatile uint64_t *p = vmalloc(2 * PG), *q;
	struct vmalloc_stats st = { .sz = sizeof(struct vmalloc_stats) };
	unsigned long n0;
	uint64_t v;

	if (!KT_CHECK(t, p != NULL, "vmalloc"))
		return;
	p[0] = 0x1234;
	vfree((void *)p);
	q = vzalloc(2 * PG);
	if (!KT_CHECK(t, q != NULL, "vzalloc"))
		return;
	/* One CPU: its cache took the area and gives it back. */
	KT_CHECK(t, q == p, "the vfree'd area did not come back: %p, %p",
		 (void *)q, (void *)p);
	KT_CHECK(t, q[0] == 0 && q[PG / 8] == 0, "vzalloc not zeroed");
	q[PG / 8] = 5;
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(q + 2 * PG / 8, &v) == EFAULT_RC,
		 "guard page readable");
	kt_check_fault(t, n0, (uintptr_t)(q + 2 * PG / 8), KF_READ_UNMAPPED,
		       "guard read");
	vfree((void *)q);
	vm_unmap_aliases();
	vmalloc_get_stats(&st);
	KT_CHECK(t, st.cache_areas == 0 && st.lazy_pages == 0,
		 "%lu cached, %lu lazy after vm_unmap_aliases",
		 st.cache_areas, st.lazy_pages);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(q, &v) == EFAULT_RC, "drained area readable");
	kt_check_fault(t, n0, (uintptr_t)q, KF_READ_UNMAPPED,
		       "read after the drain");
}

/*
 * vrealloc on the real MMU: growing in place turns the old guard page into
 * data and faults at the new one; a shrink's tail faults at once (it is
 * flushed before its frames are freed, even with the TLB warm); after a
 * move the data is at the new address and the old one faults once purged.
 */
void test_vrealloc_remaps(struct kt *t)
{
	unsigned char *p = vmalloc(8 * PG), *b = vmalloc(8 * PG), *r;
	unsigned long n0;
	uint64_t v = 0;

	if (!KT_CHECK(t, p && b == p + 9 * PG, "adjacent areas %p %p", p, b))
		goto out;
	kt_fill_words(p, 8 * PG, t->seed);
	vfree(b);
	b = NULL;
	vm_unmap_aliases();
	r = vrealloc(p, 16 * PG, GFP_KERNEL);
	if (!KT_CHECK(t, r == p, "grew to %p, not in place at %p", r, p))
		goto out;
	KT_CHECK(t, kt_check_words(p, 8 * PG / 8, t->seed, 0) < 0,
		 "contents changed growing in place");
	KT_CHECK(t, kprobe_write(p + 8 * PG, 0x1234) == 0 &&
		 kprobe_read(p + 8 * PG, &v) == 0 && v == 0x1234,
		 "the old guard page is not data now");
	kt_fill_words(p, 16 * PG, t->seed + 1);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(p + 16 * PG, &v) == EFAULT_RC,
		 "the new guard page is readable");
	kt_check_fault(t, n0, (uintptr_t)p + 16 * PG, KF_READ_UNMAPPED, "new guard read");

	/* Warm the TLB over the tail, then shrink: the tail faults at once. */
	KT_CHECK(t, kprobe_read(p + 12 * PG, &v) == 0, "tail unreadable");
	r = vrealloc(p, 4 * PG, GFP_KERNEL);
	KT_CHECK(t, r == p, "shrink moved to %p", r);
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(p + 12 * PG, &v) == EFAULT_RC,
		 "shrunk tail still readable");
	kt_check_fault(t, n0, (uintptr_t)p + 12 * PG, KF_READ_UNMAPPED, "shrunk tail read");
	KT_CHECK(t, kt_check_words(p, 4 * PG / 8, t->seed + 1, 0) < 0,
		 "contents changed shrinking");

	/* Busy space after it: a move, the data at the new address. */
	b = vmalloc(8 * PG);
	r = vrealloc(p, 40 * PG, GFP_KERNEL);
	if (!KT_CHECK(t, r && r != p, "grew to %p from %p", r, p))
		goto out;
	KT_CHECK(t, kt_check_words(r, 4 * PG / 8, t->seed + 1, 0) < 0,
		 "contents changed moving");
	kt_fill_words(r, 40 * PG, t->seed + 2);
	vm_unmap_aliases();
	n0 = kfault_last.count;
	KT_CHECK(t, kprobe_read(p, &v) == EFAULT_RC,
		 "the old address is readable after the move");
	kt_check_fault(t, n0, (uintptr_t)p, KF_READ_UNMAPPED, "read after move");
	p = r;
out:
	vfree(b);
	vfree(p);
}
