/* SPDX-License-Identifier: MIT */
/*
 * The platform interface: the only door between the libvmalloc core and
 * the world. An engine (soft MMU, Linux host, a freestanding kernel) fills
 * one struct vm_platform and passes it to vmalloc_core_init(); the core
 * never calls anything else outside itself, with two link-time exceptions:
 * memcpy/memset (the compiler may emit calls to them) and
 * vm_platform_autoinit() below.
 *
 * The contract, for every hook:
 *  - ctx is passed back unchanged as the first argument.
 *  - Hooks marked OPTIONAL may be NULL; the core then does nothing there.
 *  - "No core calls": the hook must not call any libvmalloc function (the
 *    core may hold its own locks around the call).
 *  - "Locks held: none": the core calls it with none of its locks held,
 *    so the hook may sleep, take its own locks, make system calls, and
 *    call libvmalloc functions (log and symbolize too: a log hook may
 *    allocate with vmalloc()).
 *  - "Locks held: the purge lock": as "none", except that the hook must
 *    not call libvmalloc functions (a call could need a purge, and purges
 *    wait for each other). Lines it logs are queued until the purge ends.
 *  - "May be called with core locks held": the hook must be quick, must
 *    not call any libvmalloc function, and must not take a lock that is
 *    also held around a call into libvmalloc.
 *
 * Memory layout:
 *  - Physical frames are [base_pfn, base_pfn + nr_frames), 4 KiB each. The
 *    pool is split into nr_nodes NUMA nodes of equal frame count (the last
 *    node takes the remainder). Frames below 4 GiB physical
 *    (pfn < 0x100000) form the DMA32 zone of their node.
 *  - base_pfn > 0: pfn 0 is never a frame, so vmalloc_to_pfn() can
 *    return 0 for "nothing mapped".
 *  - direct_map is where frame base_pfn is readable and writable by the
 *    core; frame pfn lives at direct_map + (pfn - base_pfn) * PAGE_SIZE.
 *    The core touches a frame only after grow() covered it.
 *  - The core asks meta_alloc() for VM_FRAME_META_BYTES per frame at init
 *    (the frame array), plus its object caches and page arrays; a
 *    platform that carves metadata up front sizes it from that.
 *  - [vmalloc_start, vmalloc_end) is the managed virtual range. Both are
 *    page aligned, canonical, and vmalloc_start < vmalloc_end. The core
 *    places every area inside it and never writes a page-table entry for
 *    any other address.
 *  - vmalloc_accessible: the core may dereference a vmalloc address once
 *    sync_map() returned for it (true for host and kernel engines). Then
 *    large page arrays are themselves vmalloc()ed (VM_VPAGES, as the
 *    kernel does); otherwise they come from meta_alloc().
 */
#ifndef VMALLOC_PLATFORM_H
#define VMALLOC_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "vmalloc/vmalloc.h"

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Storage for one platform lock. The core embeds these in its own
 * structures; the platform casts the storage to its lock type (it must fit
 * in 64 bytes with 16-byte alignment).
 */
#if defined(__GNUC__)
#define VM_PLAT_LOCK_ALIGN	__attribute__((aligned(16)))
#elif defined(__cplusplus)
#define VM_PLAT_LOCK_ALIGN	alignas(16)
#else
#define VM_PLAT_LOCK_ALIGN	_Alignas(16)
#endif
struct vm_plat_lock {
	VM_PLAT_LOCK_ALIGN unsigned char opaque[64];
};
#undef VM_PLAT_LOCK_ALIGN

/*
 * A hint in sync_map()'s pte_flags (see there): map lazily. Bit 52 of an
 * x86-64 entry, which no protection the core accepts has and no entry it
 * writes carries.
 */
#define VM_SYNC_LAZY	(1ULL << 52)

/*
 * Filled by the platform; sz = sizeof(struct vm_platform), as for the
 * structs of vmalloc.h (VMALLOC_OPTS). The core copies what it gets.
 */
struct vm_platform {
	size_t sz;
	const char *name;		/* "soft", "host", "kernel", ... */
	void *ctx;

	/* --- physical memory --------------------------------------- */
	unsigned long base_pfn;
	unsigned long nr_frames;	/* at most 2^32 - 2 */
	unsigned int nr_nodes;		/* 1 .. VMALLOC_MAX_NODES */
	unsigned char *direct_map;	/* see above */

	/*
	 * grow - frames [pfn, pfn + nr) are about to be used for the first
	 * time (the pool grows in 4 MiB steps, in pfn order within a zone).
	 * Return 0, or -ENOMEM when the backing store cannot grow; the core
	 * then fails the allocation cleanly. OPTIONAL. Locks held: none.
	 */
	int (*grow)(void *ctx, unsigned long pfn, unsigned long nr);

	/*
	 * release - free frames [pfn, pfn + nr) whose contents may be thrown
	 * away (to give memory back to the OS). Return true only when every
	 * frame of the range now reads as zero (the hole punch or discard
	 * worked); false when the contents may still be there, and then the
	 * core zeroes the frames itself before it hands them out for
	 * __GFP_ZERO. The core trusts nothing else about released frames.
	 * OPTIONAL. Locks held: none.
	 */
	bool (*release)(void *ctx, unsigned long pfn, unsigned long nr);

	/*
	 * frames_zeroed - frames read as zero when grow() first hands them
	 * over (a fresh file or anonymous memory); __GFP_ZERO then skips the
	 * memset for them. It says nothing about released frames.
	 */
	bool frames_zeroed;

	/* --- virtual range and page tables ---------------------------- */
	unsigned long vmalloc_start;
	unsigned long vmalloc_end;
	bool vmalloc_accessible;

	/*
	 * The top-level (PGD) table the core fills for the vmalloc range, or
	 * NULL for one of its own from the pool. A platform whose MMU walks
	 * the core's tables passes its live top-level table here. Entries
	 * outside the vmalloc range are never read or written.
	 */
	uint64_t *pgd;

	/*
	 * sync_map - PTEs for [addr, addr + nr pages) were just set to frames
	 * pfn .. pfn + nr - 1 (consecutive) with the page-table entry bits
	 * pte_flags (the _PAGE_* bits of the protection). Make them real.
	 * Called once per run of consecutive frames. Return 0 or -errno;
	 * on failure the core clears the range again and calls sync_unmap()
	 * for every run that succeeded. pte_flags may also carry
	 * VM_SYNC_LAZY, a hint that is never part of a PTE: the frames are
	 * the caller's (vmap, vm_map_ram, vmap_pfn, vm_area_map_pages, and
	 * map_vm_area), who may touch few of them, or map them twice (a
	 * ring buffer): a platform that prefaults its mappings had better
	 * not prefault this one. OPTIONAL. Locks held: none.
	 */
	int (*sync_map)(void *ctx, unsigned long addr, unsigned long pfn,
			unsigned long nr, uint64_t pte_flags);

	/*
	 * sync_map_huge - as sync_map, for a run that the core mapped with
	 * 2 MiB leaf entries (PMD entries with _PAGE_PSE; vmalloc_huge()):
	 * addr and pfn are multiples of 2 MiB / 512 frames, nr a multiple
	 * of 512, and pte_flags are the same bits sync_map would get (no
	 * _PAGE_PSE). A platform that can back the run with large pages of
	 * its own does so here. OPTIONAL: when NULL, sync_map() gets these
	 * runs too (the same frames at the same addresses). Requires
	 * sync_map (checked at init). Locks held: none. Failure: as sync_map.
	 */
	int (*sync_map_huge)(void *ctx, unsigned long addr, unsigned long pfn,
			     unsigned long nr, uint64_t pte_flags);

	/*
	 * sync_unmap - the PTEs of [addr, addr + len) were cleared and the range
	 * is about to be flushed from the TLB: drop whatever sync_map made.
	 * For lazily freed areas this comes at purge time, once for each run
	 * of adjacent freed areas: from the first area's start to the end of
	 * the last area's data (the guard pages between them included, the
	 * last one not), so the range starts and ends where sync_map()ed
	 * runs did. Must not fail (a platform that can fail here logs it).
	 * OPTIONAL. Locks held: none, or the purge lock (lazily freed areas).
	 */
	void (*sync_unmap)(void *ctx, unsigned long addr, unsigned long len);

	/*
	 * Where the seed calls flush_cache_vmap/vunmap and
	 * flush_tlb_kernel_range. The core's PTEs carry _PAGE_GLOBAL
	 * (PAGE_KERNEL has it): a flush of the whole TLB must drop global
	 * entries too (on x86, toggle CR4.PGE; a CR3 reload keeps them).
	 * On AArch64 (mmu "aarch64") the TLB hook is DSB ISHST (the
	 * core's descriptor stores reach the walker), TLBI VAAE1IS per page
	 * (or VMALLE1IS for a large range), DSB ISH, ISB, complete when it
	 * returns: break-before-make relies on it; and flush_cache_vmap,
	 * called after every new mapping, is DSB ISHST + ISB there, so the
	 * walker sees the new descriptors before their first use.
	 * OPTIONAL. The cache hooks may be called with core locks held
	 * (they are architecture primitives: quick, no core calls); the TLB
	 * flush with none, or with the purge lock.
	 */
	void (*flush_cache_vmap)(void *ctx, unsigned long start, unsigned long end);
	void (*flush_cache_vunmap)(void *ctx, unsigned long start, unsigned long end);
	void (*flush_tlb_kernel_range)(void *ctx, unsigned long start,
				       unsigned long end);

	/* vmalloc_sync_all(): propagate top-level entries to other address
	 * spaces. OPTIONAL. Locks held: none. */
	void (*sync_all)(void *ctx);

	/*
	 * user_map - map frames pfn .. pfn + nr - 1 at user address uaddr of
	 * vma (remap_vmalloc_range). Return 0 or -errno; on failure the core
	 * calls user_unmap() for what it mapped before. OPTIONAL (without it
	 * remap_vmalloc_range() returns -ENOSYS). Locks held: none.
	 */
	int (*user_map)(void *ctx, struct vm_area_struct *vma,
			unsigned long uaddr, unsigned long pfn,
			unsigned long nr);
	void (*user_unmap)(void *ctx, struct vm_area_struct *vma,
			   unsigned long uaddr, unsigned long len);

	/* --- metadata (the seed's kmalloc/kfree) ---------------------- */

	/*
	 * meta_alloc - @size bytes of zero-filled memory, 64-byte aligned
	 * (page aligned when size >= PAGE_SIZE), or NULL. meta_free gets the
	 * same size back. Large requests (the frame array, up to 16 bytes per
	 * frame) should be reserved lazily. May be called with core locks
	 * held; no core calls.
	 */
	void *(*meta_alloc)(void *ctx, size_t size);
	void (*meta_free)(void *ctx, void *ptr, size_t size);

	/* --- locking -------------------------------------------------- */

	/*
	 * Non-recursive mutual exclusion over struct vm_plat_lock storage.
	 * lock() may sleep or spin (hosted) or disable interrupts (a
	 * single-CPU kernel); the core never takes a lock in interrupt
	 * context. lock_init/lock_destroy bracket each lock's life.
	 */
	void (*lock_init)(void *ctx, struct vm_plat_lock *l);
	void (*lock_destroy)(void *ctx, struct vm_plat_lock *l);
	void (*lock)(void *ctx, struct vm_plat_lock *l);
	void (*unlock)(void *ctx, struct vm_plat_lock *l);

	/*
	 * self - a nonzero identifier of the running thread (or CPU), for
	 * lock-ownership assertions. cpu - a small index, 0 .. ncpus - 1,
	 * that is usually the same for a thread between two calls (per-CPU
	 * caches use it; correctness never depends on it). OPTIONAL (cpu).
	 */
	uintptr_t (*self)(void *ctx);
	unsigned int (*cpu)(void *ctx);
	unsigned int ncpus;		/* 0 is taken as 1 */

	/* --- logging -------------------------------------------------- */

	/*
	 * log - one complete line, no trailing newline, with a VM_LOG_* level.
	 * Locks held: none. Lines logged where the core holds a lock are
	 * queued and delivered, in order, once it has let go of them.
	 */
	void (*log)(void *ctx, int level, const char *line);

	/*
	 * symbolize - name the code address @addr (for vmallocinfo's caller
	 * column) into @buf, NUL-terminated, and return buf; or return NULL
	 * to have the address printed in hex. OPTIONAL. Locks held: none
	 * (vmallocinfo collects the areas under its lock and names their
	 * callers after it let go).
	 */
	const char *(*symbolize)(void *ctx, const void *addr, char *buf,
				 size_t len);

	/*
	 * stats - fill the engine's fields of @st (host_mappings,
	 * host_syscalls). OPTIONAL. Locks held: none.
	 */
	void (*stats)(void *ctx, struct vmalloc_stats *st);

	/*
	 * Engines with failure points of their own (system calls) ask
	 * vm_fault_should_fail() with their VM_FAULT_HOST_* site first.
	 */

	/* --- added after the first release ------------------------------ */

	/*
	 * mmu - the page-table format the core writes: "x86_64" (4-level,
	 * also when NULL or when the platform's struct predates the field),
	 * "x86_64-la57" (5-level, 57-bit addresses) or "aarch64" (4 KiB
	 * granule, 48-bit, the TTBR1 half). The vmalloc range must be
	 * canonical for it. pgd, when given, is a top-level table of that
	 * format. Whatever the format, the hooks above get the protection as
	 * x86 _PAGE_* bits (the API's language), never the entry's encoding.
	 * On a format that needs break-before-make (AArch64) the TLB hook
	 * must finish the invalidation before it returns (docs/design.md,
	 * "Page-table formats").
	 */
	const char *mmu;
};

/* Bytes of core metadata per frame (struct page). */
#define VM_FRAME_META_BYTES	16

/* Tunables of the core (zero selects the default; sz as above). */
struct vmalloc_tunables {
	size_t sz;			/* sizeof(struct vmalloc_tunables) */
	unsigned long lazy_max_pages;	/* default: 8192 * fls(ncpus) */
	unsigned long reserve_pages;	/* free frames kept before release();
					   default 8192; ULONG_MAX: never */
	bool no_fast_path;		/* every request lowest-address first */
	/* Since 1.1: the area cache (whole mapped areas kept by vfree()
	 * for the next vmalloc() of their size), per CPU. */
	unsigned long cache_pages;	/* frames held; default 512 */
	unsigned long cache_areas;	/* areas held; default 16 */
	bool no_cache;			/* no area cache */
};

/*
 * vmalloc_core_init - bring the core up on @plat (copied: the caller's
 * struct may go away; ctx must stay valid until vmalloc_core_exit()) and
 * @tun (NULL: defaults). Return: 0, -EBUSY when already up, -EINVAL when
 * @plat breaks the contract above or a sz is wrong (with a log line),
 * -ENOMEM.
 */
int vmalloc_core_init(const struct vm_platform *plat,
		      const struct vmalloc_tunables *tun);

/*
 * vmalloc_core_exit - release every area, frame, table and metadata byte
 * back to the platform. Return: the number of areas that were still live.
 */
long vmalloc_core_exit(void);

/*
 * vmalloc_core_forget - drop the running instance without touching any of
 * its memory or calling any hook: for a child process after fork(), where
 * the parent's memory must not be used. Its metadata is leaked; the core is
 * uninitialised afterwards and may be initialised again.
 */
void vmalloc_core_forget(void);

/* True once vmalloc_core_init() succeeded (and until exit). */
bool vmalloc_core_ready(void);

/*
 * Provided by the embedding, at link time: called by the core on the
 * first API use when vmalloc_core_init() was never called. It must
 * initialise the core once (thread-safely) and return 0, or return -errno
 * (the API call then fails). A kernel that initialises explicitly can
 * simply return -ENODEV.
 */
int vm_platform_autoinit(void);

/*
 * For platforms: ask the fault-injection point whether this attempt at
 * @site (VM_FAULT_*) must fail. Counts the attempt.
 */
bool vm_fault_should_fail(unsigned int site);

/*
 * For platforms and hosted layers that take a sized struct of their own
 * (VMALLOC_OPTS in vmalloc.h) from a caller. VM_SIZE_THROUGH(type, field)
 * is the struct's size at a release whose last field was @field.
 * vm_opts_problem - may the struct at @src (sz first) be used by a build
 * whose struct is @size bytes and was @v1 bytes in its first release?
 * Return: NULL, or why not (a sz below @v1 or above 4096: it was never
 * set; or a field beyond @size set: the caller knows a newer header), for
 * a log line.
 * vm_opts_take - copy an accepted struct into @dst, @size bytes: the
 * caller's bytes, and zero for the fields it does not have.
 */
#define VM_SIZE_THROUGH(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))
const char *vm_opts_problem(const void *src, size_t size, size_t v1);
void vm_opts_take(void *dst, size_t size, const void *src);

/*
 * For platforms that log before the core is up (configuration, set-up):
 * the hook vmalloc_set_log_hook() installed, or NULL. Once the core is up,
 * its own logger delivers to that hook or to the platform's log.
 */
vmalloc_log_fn vm_log_hook(void);

/*
 * For platforms without a formatter: the core's small vsnprintf (%s %c %d
 * %i %u %x %p %%, the length modifiers l, ll, z, a width or '*', and the
 * '-' and '0' flags). Another conversion is copied as text together with
 * the rest of the format, and no argument after it is read.
 * Return: the length the whole output needs.
 */
size_t vm_vsnprintf(char *buf, size_t len, const char *fmt,
		    __builtin_va_list ap);
size_t vm_snprintf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* VMALLOC_PLATFORM_H */
