/* SPDX-License-Identifier: MIT */
/*
 * libvmalloc public API.
 *
 * The Linux kernel's vmalloc interface, with the kernel's names and types:
 * the 2.6.24 API and today's (Linux 6.x) additions; where the two eras
 * disagree (__vmalloc, vm_map_ram, kvrealloc) both forms compile:
 * virtually contiguous memory built from single physical pages that are
 * mapped through x86-64 4-level page tables, with a guard page after every
 * area and lazy unmapping.
 *
 * This header is freestanding: it needs only <stddef.h>, <stdint.h> and
 * <stdbool.h>, so a kernel that embeds the core can include it. The hosted
 * extras (vmalloc_init() with an engine name, FILE * output, user vmas of a
 * Linux process) are declared at the end and exist only in hosted builds.
 *
 * All functions are thread-safe unless their comment says otherwise. Every
 * function has a manual page (man 3 vmalloc, man 3 kvmalloc, ...: one per
 * name), and libvmalloc(7) is the overview.
 */
#ifndef VMALLOC_VMALLOC_H
#define VMALLOC_VMALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
/* FILE, for vmallocinfo_print() (hosted builds); included here, outside
 * extern "C" and the visibility pragma, where C++ requires a standard
 * header to be. */
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(VMALLOC_FREESTANDING)
#include <stdio.h>
#endif

/*
 * The library's version: this header is the one place it is written (the
 * shared library's file name and SONAME, the pkg-config file and the
 * CHANGELOG follow it). vmalloc_version() returns the running library's.
 */
#define VMALLOC_VERSION_MAJOR	1
#define VMALLOC_VERSION_MINOR	0
#define VMALLOC_VERSION_PATCH	0
#define VMALLOC_VERSION(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))
#define VMALLOC_VERSION_CODE	VMALLOC_VERSION(VMALLOC_VERSION_MAJOR, \
					VMALLOC_VERSION_MINOR, VMALLOC_VERSION_PATCH)
#define VMALLOC_VERSION_STRING	"1.0.0"

/*
 * Everything declared here is the library's interface, visible from the
 * shared library even when the including code builds with
 * -fvisibility=hidden (the library itself does: what no public header
 * declares stays inside it).
 */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library actually running: VMALLOC_VERSION_CODE and
 * VMALLOC_VERSION_STRING as it was built. */
unsigned int vmalloc_version(void);
const char *vmalloc_version_string(void);

/* ------------------------------------------------------------------ */
/* Pages and protections                                               */
/* ------------------------------------------------------------------ */

/*
 * The page size is fixed at 4 KiB: the x86-64 format the page tables use.
 * VMALLOC_PAGE_SHIFT/SIZE/MASK are always defined. The kernel's names
 * (PAGE_SHIFT, PAGE_SIZE, PAGE_MASK, PAGE_ALIGN, and MAX_ORDER,
 * MAX_PAGE_ORDER, NR_PAGE_ORDERS below) are defined too, each unless the
 * program defined it first, the page ones spelled as glibc's
 * <sys/user.h> spells them, so either may be included first. A program's
 * own definition wins, and PAGE_SIZE/PAGE_MASK then follow its PAGE_SHIFT
 * (PAGE_ALIGN stays 4 KiB): the library's pages are 4 KiB whatever these
 * names say. A program that uses one of those names for something else
 * (another page size, a variable, an enum) defines VMALLOC_NO_PAGE_MACROS
 * before including this header.
 */
#define VMALLOC_PAGE_SHIFT	12
#define VMALLOC_PAGE_SIZE	(1UL << VMALLOC_PAGE_SHIFT)
#define VMALLOC_PAGE_MASK	(~(VMALLOC_PAGE_SIZE-1))
#ifndef VMALLOC_NO_PAGE_MACROS
#ifndef PAGE_SHIFT
#define PAGE_SHIFT		12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK		(~(PAGE_SIZE-1))
#endif
/* Rounds up; wraps to 0 for sizes within a page of ULONG_MAX (callers check). */
#ifndef PAGE_ALIGN
#define PAGE_ALIGN(x)	(((unsigned long)(x) + VMALLOC_PAGE_SIZE - 1) & \
			 VMALLOC_PAGE_MASK)
#endif
#endif /* !VMALLOC_NO_PAGE_MACROS */

/* Page allocation flags (the kernel's values). */
typedef unsigned int gfp_t;
#define __GFP_DMA	0x01u	/* treated as __GFP_DMA32: no 16 MiB zone */
#define __GFP_HIGHMEM	0x02u	/* accepted; 64-bit has no high memory */
#define __GFP_DMA32	0x04u	/* frames below 4 GiB physical only */
#define __GFP_WAIT	0x10u
#define __GFP_HIGH	0x20u
#define __GFP_IO	0x40u
#define __GFP_FS	0x80u
#define __GFP_NOWARN	0x200u	/* no log line when the allocation fails */
#define __GFP_ZERO	0x8000u	/* zero the frames */
#define __GFP_THISNODE	0x40000u /* no fallback to other nodes */
/* Today's names. Retry bits are accepted: see __GFP_NOFAIL. */
#define __GFP_RETRY_MAYFAIL 0x400u /* the 2.6 __GFP_REPEAT bit */
#define __GFP_NOFAIL	0x800u	/* purge and retry; fail (loudly) only when
				   the pool cannot ever satisfy the request */
#define __GFP_NORETRY	0x1000u	/* accepted: as in the kernel, running out of
				   address space still purges lazily freed
				   areas and retries once */
#define __GFP_ACCOUNT	0x100000u /* accepted (no memory cgroups here) */
#define __GFP_KSWAPD_RECLAIM 0x400000u /* accepted */
#define __GFP_DIRECT_RECLAIM __GFP_WAIT
#define __GFP_RECLAIM	(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC	(__GFP_HIGH)
#define GFP_NOIO	(__GFP_WAIT)
#define GFP_NOFS	(__GFP_WAIT | __GFP_IO)
#define GFP_KERNEL	(__GFP_WAIT | __GFP_IO | __GFP_FS)
#define GFP_USER	GFP_KERNEL
#define GFP_HIGHUSER	(GFP_KERNEL | __GFP_HIGHMEM)
#define GFP_DMA		__GFP_DMA
#define GFP_DMA32	__GFP_DMA32
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN) /* never sleeps */
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)

/* "Any node" for the node arguments below. */
#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE	(-1)
#endif

/* x86-64 page-table entry bits. */
#define _PAGE_PRESENT	0x001ULL
#define _PAGE_RW	0x002ULL
#define _PAGE_USER	0x004ULL
#define _PAGE_PWT	0x008ULL
#define _PAGE_PCD	0x010ULL
#define _PAGE_ACCESSED	0x020ULL
#define _PAGE_DIRTY	0x040ULL
#define _PAGE_PSE	0x080ULL
#define _PAGE_GLOBAL	0x100ULL
#define _PAGE_NX	(1ULL << 63)

typedef struct { uint64_t pgprot; } pgprot_t;
#define pgprot_val(x)	((x).pgprot)
#ifdef __cplusplus	/* C++ has no compound literals: a braced init */
#define __pgprot(x)	(pgprot_t{ (uint64_t)(x) })
#else
#define __pgprot(x)	((pgprot_t){ (uint64_t)(x) })
#endif

#define __PAGE_KERNEL_EXEC \
	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL)
#define __PAGE_KERNEL		(__PAGE_KERNEL_EXEC | _PAGE_NX)
#define __PAGE_KERNEL_RO	(__PAGE_KERNEL & ~_PAGE_RW)
#define __PAGE_KERNEL_NOCACHE	(__PAGE_KERNEL | _PAGE_PCD | _PAGE_PWT)
#define PAGE_KERNEL		__pgprot(__PAGE_KERNEL)
#define PAGE_KERNEL_EXEC	__pgprot(__PAGE_KERNEL_EXEC)
#define PAGE_KERNEL_RO		__pgprot(__PAGE_KERNEL_RO)
#define PAGE_KERNEL_NOCACHE	__pgprot(__PAGE_KERNEL_NOCACHE)

/* ------------------------------------------------------------------ */
/* Areas                                                               */
/* ------------------------------------------------------------------ */

/* vm_struct flags. */
#define VM_IOREMAP	0x00000001UL	/* ioremap() and friends */
#define VM_ALLOC	0x00000002UL	/* vmalloc() */
#define VM_MAP		0x00000004UL	/* vmap()ed pages */
#define VM_USERMAP	0x00000008UL	/* suitable for remap_vmalloc_range */
#define VM_VPAGES	0x00000010UL	/* the pages array was vmalloc()ed (2.6;
					   set by the library, never by callers) */
#define VM_NO_GUARD	0x00000040UL	/* no guard page after the area */
#define VM_FLUSH_RESET_PERMS 0x00000100UL /* vfree unmaps and flushes at once */
#define VM_ALLOW_HUGE_VMAP 0x00000400UL	/* may map 2 MiB runs with PMD leaves */
#define VM_SPARSE	0x00001000UL	/* pages mapped piecewise:
					   vm_area_map_pages() */
/* ioremap areas are aligned to their size, up to 2^IOREMAP_MAX_ORDER. */
#define IOREMAP_MAX_ORDER	(7 + VMALLOC_PAGE_SHIFT)

/*
 * One reserved range of the vmalloc space. The fields are the kernel's;
 * "next" (the seed's global list) is gone: areas live in trees.
 * Invariant: addr is page aligned; size includes one guard page that is
 * never mapped (none with VM_NO_GUARD), so the reserved bytes are
 * size - PAGE_SIZE (size). pages[] lists every 4 KiB frame the area
 * owns, nr_pages of them, mapped from addr on: nr_pages * PAGE_SIZE is
 * the usable size, all of the reserved bytes except after a vrealloc()
 * shrink (the range is kept; the pages past nr_pages are unmapped).
 * page_order is 9 when the area is mapped with 2 MiB leaves.
 */
struct page;
struct vm_struct {
	void		*addr;
	unsigned long	size;
	unsigned long	flags;
	struct page	**pages;	/* vmalloc()ed areas only */
	unsigned int	page_order;	/* of each mapped run: 0, or 9 (huge) */
	unsigned int	nr_pages;
	unsigned long	phys_addr;
	const void	*caller;	/* return address of the allocator */
};

/* vm_area_struct flags (today's kernel values). */
typedef unsigned long vm_flags_t;
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_DONTEXPAND	0x00040000UL	/* set by remap_vmalloc_range() */
#define VM_DONTDUMP	0x04000000UL	/* set by remap_vmalloc_range() */
/*
 * 2.6's VM_RESERVED is gone (its bit is VM_LOCKONFAULT today); 3.7
 * replaced it with these two, so seed-era code that sets or tests it
 * means what today's remap_vmalloc_range() sets.
 */
#define VM_RESERVED	(VM_DONTEXPAND | VM_DONTDUMP)

struct vm_area_struct;
struct vm_fault;
typedef unsigned int vm_fault_t;

/*
 * What a driver's mmap handler may install in vma->vm_ops. Hosted
 * builds call close() when vm_user_range_release() tears the range down
 * (the kernel calls it at munmap); the library calls nothing else.
 */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *area);
	void (*close)(struct vm_area_struct *area);
	vm_fault_t (*fault)(struct vm_fault *vmf);
};

/*
 * A user-space mapping target for remap_vmalloc_range(). vm_start and
 * vm_end are page aligned, vm_start < vm_end. vm_mm identifies the address
 * space (engine-defined; hosted builds fill it with vm_user_range_*()).
 * vm_page_prot, vm_private_data and vm_ops are the driver's, as in the
 * kernel: the library never reads the first two.
 */
struct vm_area_struct {
	unsigned long	vm_start;
	unsigned long	vm_end;
	vm_flags_t	vm_flags;
	unsigned long	vm_pgoff;
	void		*vm_mm;
	pgprot_t	vm_page_prot;
	void		*vm_private_data;
	const struct vm_operations_struct *vm_ops;
};

/* Today's accessors for vm_flags (6.3 and later). */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}

static inline void vm_flags_mod(struct vm_area_struct *vma, vm_flags_t set,
				vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}

/* Bounds of the managed range (fixed once the library is initialised). */
unsigned long vmalloc_range_start(void);
unsigned long vmalloc_range_end(void);
#define VMALLOC_START	(vmalloc_range_start())
#define VMALLOC_END	(vmalloc_range_end())

/* ------------------------------------------------------------------ */
/* The vmalloc API (the seed's signatures)                             */
/* ------------------------------------------------------------------ */

void *vmalloc(unsigned long size);
void *vmalloc_user(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vmalloc_exec(unsigned long size);
void *vmalloc_32(unsigned long size);
void *vmalloc_32_user(unsigned long size);
/*
 * __vmalloc: today's form is __vmalloc(size, gfp); 2.6's took a third
 * argument, the protection. Both compile: the macro below picks
 * __vmalloc_pgprot() for three arguments. (__vmalloc)(size, gfp), or the
 * name without a call, is the function itself.
 */
void *(__vmalloc)(unsigned long size, gfp_t gfp_mask);
void *__vmalloc_pgprot(unsigned long size, gfp_t gfp_mask, pgprot_t prot);
void *__vmalloc_area(struct vm_struct *area, gfp_t gfp_mask, pgprot_t prot);
void *__vmalloc_area_node(struct vm_struct *area, gfp_t gfp_mask,
			  pgprot_t prot, int node);
void vfree(const void *addr);

void *vmap(struct page **pages, unsigned int count,
	   unsigned long flags, pgprot_t prot);
void vunmap(const void *addr);

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);
struct vm_struct *get_vm_area_node(unsigned long size, unsigned long flags,
				   int node, gfp_t gfp_mask);
struct vm_struct *__get_vm_area(unsigned long size, unsigned long flags,
				unsigned long start, unsigned long end);
struct vm_struct *remove_vm_area(void *addr);
struct vm_struct *find_vm_area(const void *addr);
int map_vm_area(struct vm_struct *area, pgprot_t prot, struct page ***pages);
void unmap_kernel_range(unsigned long addr, unsigned long size);

long vread(char *buf, char *addr, unsigned long count);
long vwrite(char *buf, char *addr, unsigned long count);

int remap_vmalloc_range(struct vm_area_struct *vma, void *addr,
			unsigned long pgoff);

struct vm_struct *alloc_vm_area(size_t size);
void free_vm_area(struct vm_struct *area);
void vmalloc_sync_all(void);

struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);

/* ------------------------------------------------------------------ */
/* Today's kernel (Linux 6.x)                                          */
/* ------------------------------------------------------------------ */

void *vzalloc(unsigned long size);
void *vzalloc_node(unsigned long size, int node);
void *__vmalloc_node_range(unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end,
			   gfp_t gfp_mask, pgprot_t prot,
			   unsigned long vm_flags, int node,
			   const void *caller);
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask,
		     int node, const void *caller);
/*
 * vmalloc_huge: 2 MiB-aligned runs of 2 MiB frames mapped with PMD leaves
 * when the size is at least 2 MiB (the area is then aligned to 2 MiB and
 * its size rounded up to it; page_order 9); 4 KiB pages otherwise, or
 * when no 2 MiB block or aligned room is left, as the kernel falls back.
 */
void *vmalloc_huge(unsigned long size, gfp_t gfp_mask);
void *vmalloc_huge_node(unsigned long size, gfp_t gfp_mask, int node);
void *vmalloc_array(size_t n, size_t size);
void *__vmalloc_array(size_t n, size_t size, gfp_t flags);
void *vcalloc(size_t n, size_t size);
void *__vcalloc(size_t n, size_t size, gfp_t flags);
void vfree_atomic(const void *addr);

void *vrealloc(const void *p, size_t size, gfp_t flags);

void *vmap_pfn(unsigned long *pfns, unsigned int count, pgprot_t prot);

/*
 * vm_map_ram: today's form is vm_map_ram(pages, count, node); before
 * 5.8 it took a fourth argument, the protection. Both compile, as for
 * __vmalloc.
 */
void *(vm_map_ram)(struct page **pages, unsigned int count, int node);
void *vm_map_ram_prot(struct page **pages, unsigned int count, int node,
		      pgprot_t prot);
void vm_unmap_ram(const void *mem, unsigned int count);

struct vm_struct *get_vm_area_caller(unsigned long size, unsigned long flags,
				     const void *caller);
struct vm_struct *__get_vm_area_caller(unsigned long size, unsigned long flags,
				       unsigned long start, unsigned long end,
				       const void *caller);
/* Not the kernel's: __get_vm_area_caller() with an alignment. */
struct vm_struct *__get_vm_area_aligned(unsigned long size, unsigned long align,
					unsigned long flags,
					unsigned long start, unsigned long end,
					const void *caller);

int vm_area_map_pages(struct vm_struct *area, unsigned long start,
		      unsigned long end, struct page **pages);
void vm_area_unmap_pages(struct vm_struct *area, unsigned long start,
			 unsigned long end);

/* Mark the area at @addr VM_FLUSH_RESET_PERMS (a no-op for any other). */
void set_vm_flush_reset_perms(void *addr);

struct vm_struct **pcpu_get_vm_areas(const unsigned long *offsets,
				     const size_t *sizes, int nr_vms,
				     size_t align);
void pcpu_free_vm_areas(struct vm_struct **vms, int nr_vms);

bool is_vmalloc_addr(const void *x);
int is_vmalloc_or_module_addr(const void *x);
unsigned long vmalloc_nr_pages(void);
bool vmalloc_dump_obj(void *object);

/* The kvmalloc family: small sizes from the library's object caches,
 * the rest from vmalloc. kvfree() tells them apart by address. */
void *kvmalloc(size_t size, gfp_t flags);
void *kvzalloc(size_t size, gfp_t flags);
void *kvmalloc_node(size_t size, gfp_t flags, int node);
void *kvzalloc_node(size_t size, gfp_t flags, int node);
void *kvmalloc_array(size_t n, size_t size, gfp_t flags);
void *kvcalloc(size_t n, size_t size, gfp_t flags);
/*
 * kvrealloc: today's form is kvrealloc(p, size, flags); 5.15 to 6.11 took
 * kvrealloc(p, oldsize, newsize, flags). Both compile, as for __vmalloc.
 */
void *(kvrealloc)(const void *p, size_t size, gfp_t flags);
void *kvrealloc_oldsize(const void *p, size_t oldsize, size_t newsize,
			gfp_t flags);
void kvfree(const void *addr);
void kvfree_sensitive(const void *addr, size_t len);

/* Argument-count dispatch for the calls whose form changed. */
#define __VM_NARGS(...)		__VM_NARGS_(__VA_ARGS__, 4, 3, 2, 1, 0)
#define __VM_NARGS_(a, b, c, d, n, ...) n
#define __VM_PASTE(a, b)	__VM_PASTE_(a, b)
#define __VM_PASTE_(a, b)	a##b
#define __vmalloc_2(size, gfp)	(__vmalloc)(size, gfp)
#define __vmalloc_3(size, gfp, prot) __vmalloc_pgprot(size, gfp, prot)
#define __vmalloc(...) \
	__VM_PASTE(__vmalloc_, __VM_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define __vm_map_ram_3(p, n, node) (vm_map_ram)(p, n, node)
#define __vm_map_ram_4(p, n, node, prot) vm_map_ram_prot(p, n, node, prot)
#define vm_map_ram(...) \
	__VM_PASTE(__vm_map_ram_, __VM_NARGS(__VA_ARGS__))(__VA_ARGS__)
#define __kvrealloc_3(p, size, gfp) (kvrealloc)(p, size, gfp)
#define __kvrealloc_4(p, old, size, gfp) kvrealloc_oldsize(p, old, size, gfp)
#define kvrealloc(...) \
	__VM_PASTE(__kvrealloc_, __VM_NARGS(__VA_ARGS__))(__VA_ARGS__)

/*
 * vmallocinfo - the /proc/vmallocinfo listing, one line per live area in
 * address order, written to @buf like snprintf(): at most @len bytes
 * including the terminating NUL. Return: the length the whole listing
 * needs (excluding the NUL); the output is complete when that is < @len.
 */
size_t vmallocinfo(char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* The page allocator                                                  */
/* ------------------------------------------------------------------ */

#define VMALLOC_MAX_ORDER	11	/* orders 0 .. VMALLOC_MAX_ORDER-1 */
/*
 * The kernel has spelled the order limit three ways: MAX_ORDER = 11, one
 * past the largest order (up to 6.3, the seed's meaning, kept here);
 * MAX_ORDER = 10, the largest order itself (6.4 to 6.7: code written for
 * those kernels should use the 6.8 names); and since 6.8 MAX_PAGE_ORDER
 * (the largest order, 10) and NR_PAGE_ORDERS (how many orders, 11).
 */
#ifndef VMALLOC_NO_PAGE_MACROS
#ifndef MAX_ORDER
#define MAX_ORDER	VMALLOC_MAX_ORDER
#endif
#ifndef MAX_PAGE_ORDER
#define MAX_PAGE_ORDER	(VMALLOC_MAX_ORDER - 1)
#endif
#ifndef NR_PAGE_ORDERS
#define NR_PAGE_ORDERS	VMALLOC_MAX_ORDER
#endif
#endif

struct page *alloc_pages(gfp_t gfp_mask, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
#define alloc_page(gfp_mask)	alloc_pages(gfp_mask, 0)
#define __free_page(page)	__free_pages((page), 0)
/*
 * Fill the NULL slots of @page_array (of @nr_pages) with single frames;
 * slots already set are kept. Return: how many slots are set now (the
 * set ones first counted; stops at the first frame it cannot get).
 */
unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
			       struct page **page_array);
unsigned long alloc_pages_bulk_node(gfp_t gfp, int nid,
				    unsigned long nr_pages,
				    struct page **page_array);
/* 5.13 to 6.13 spelled it so. */
#define alloc_pages_bulk_array(gfp, nr, array) \
	alloc_pages_bulk(gfp, nr, array)
/* The frame behind a direct-map address (page_address()'s inverse). */
struct page *virt_to_page(const void *addr);
/*
 * Reference counts, as in the kernel: alloc_pages() gives the block one
 * reference, get_page() adds one, put_page() and __free_pages() drop one,
 * and the block is freed when none is left. remap_vmalloc_range() holds
 * one per frame it maps into user space (dropped when the user range is
 * released), so frames outlive a vfree() while user space still maps them.
 */
void get_page(struct page *page);
void put_page(struct page *page);
int page_count(const struct page *page);
void *page_address(const struct page *page);
unsigned long page_to_pfn(const struct page *page);
struct page *pfn_to_page(unsigned long pfn);
int page_to_nid(const struct page *page);
unsigned long nr_free_pages(void);
unsigned long nr_free_pages_node(int nid);
unsigned long num_physpages_total(void);
int num_online_nodes(void);

/* ------------------------------------------------------------------ */
/* Statistics, tuning, fault injection                                 */
/* ------------------------------------------------------------------ */

#define VMALLOC_MAX_NODES	8

/*
 * Structs the caller fills (vmalloc_stats and vmalloc_config below,
 * vmalloc_tunables and vm_platform in platform.h) begin with their size,
 * as libbpf's option structs do, so fields can be added without breaking
 * programs built against an older header. Set sz to the size of the
 * struct as this header declares it:
 *
 *	VMALLOC_OPTS(vmalloc_config, cfg, .engine = "soft");	(C)
 *	struct vmalloc_stats st = { .sz = sizeof(st) };		(C)
 *	vmalloc_stats st{}; st.sz = sizeof(st);			(C++)
 *
 * The library reads and writes only the first sz bytes: a newer library
 * takes an older program's shorter struct (the fields it lacks count as
 * zero; vmalloc_get_stats() leaves them out); an older library takes a
 * newer program's longer struct when every field it does not know is
 * zero (vmalloc_get_stats() zeroes them) and refuses it otherwise. A sz
 * smaller than the first release's struct, or larger than 4096 bytes,
 * means sz was not set: refused.
 * Refusals return -EINVAL and log a line that says why.
 */
#define VMALLOC_OPTS(type, name, ...) \
	struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }

struct vmalloc_stats {
	size_t sz;				/* sizeof(struct vmalloc_stats) */
	unsigned long phys_pages;		/* frames in the pool */
	unsigned long free_pages;		/* free frames, all nodes */
	unsigned long node_free_pages[VMALLOC_MAX_NODES];
	unsigned long nr_nodes;
	unsigned long areas;			/* live vm_structs */
	unsigned long vmap_areas;		/* busy address ranges */
	unsigned long pt_pages;			/* page-table pages in use */
	unsigned long meta_bytes;		/* live metadata objects */
	unsigned long meta_reserved_bytes;	/* metadata held from the platform */
	unsigned long warnings;			/* WARN_ON()s and bad-address logs */
	unsigned long lazy_pages;		/* freed, not yet purged */
	unsigned long lazy_max_pages;		/* purge threshold */
	unsigned long purges;			/* lazy purges run */
	unsigned long purged_areas;		/* areas returned by purges */
	unsigned long tlb_flushes;		/* flush_tlb_kernel_range calls */
	unsigned long host_mappings;		/* engine mappings (host only) */
	unsigned long host_syscalls;		/* engine system calls so far */
	unsigned long released_pages;		/* frames handed back to the OS */
	unsigned long fault_injected;		/* failures injected so far */
	unsigned long huge_leaves;		/* 2 MiB PMD leaf entries in place */
	unsigned long host_huge_bytes;		/* host engine: bytes of the range
						   the host kernel maps with huge
						   pages (/proc/self/smaps) */
	/* Since 1.1. Areas vfree() keeps whole for reuse (the area cache):
	 * counted out of areas, vmap_areas and meta_bytes, not free_pages;
	 * vm_unmap_aliases() empties it. */
	unsigned long cache_areas;		/* areas in the area cache */
	unsigned long cache_pages;		/* their frames */
};

/* Fill the first @st->sz bytes of @st (see VMALLOC_OPTS; sz is kept).
 * Return: 0, -EINVAL for a bad sz, or -ENODEV when the library cannot
 * initialise. */
int vmalloc_get_stats(struct vmalloc_stats *st);

/* Purge every lazily freed area now (the kernel's vm_unmap_aliases()). */
void vm_unmap_aliases(void);

/*
 * Fault injection. Every place that can fail asks one injection point; the
 * sites below select which. Fail the @nth attempt (1-based, counted over
 * the selected sites from this call on), or, when @nth is 0, fail each
 * attempt with probability @permille / 1000 from a generator seeded with
 * @seed. vmalloc_fault_inject(0, 0, 0, 0) turns injection off.
 */
#define VM_FAULT_PAGE		0x01u	/* a data frame from the page allocator */
#define VM_FAULT_PT		0x02u	/* a page-table page */
#define VM_FAULT_META		0x04u	/* a metadata object */
#define VM_FAULT_HOST_MAP	0x08u	/* host engine: mmap() */
#define VM_FAULT_HOST_GROW	0x10u	/* host engine: growing the memfd */
#define VM_FAULT_HOST_BIND	0x20u	/* host engine: mbind() */
#define VM_FAULT_RELEASE	0x40u	/* an engine gives frames back (host: hole punch) */
#define VM_FAULT_ALL		0x7fu
void vmalloc_fault_inject(unsigned int sites, unsigned long nth,
			  unsigned int permille, uint64_t seed);
/* Return: how many attempts were counted since the last configure call. */
unsigned long vmalloc_fault_attempts(void);

/* Log hook: receives every line the library logs (no trailing newline). */
typedef void (*vmalloc_log_fn)(int level, const char *line);
#define VM_LOG_ERR	3
#define VM_LOG_WARNING	4
#define VM_LOG_INFO	6
#define VM_LOG_DEBUG	7
/* Return: the previous hook. NULL restores the engine's default output. */
vmalloc_log_fn vmalloc_set_log_hook(vmalloc_log_fn fn);

/* Sanity walk of every structure. Return: 0, or -EUCLEAN with a log line. */
int vmalloc_check(void);

/* ------------------------------------------------------------------ */
/* Hosted builds only                                                  */
/* ------------------------------------------------------------------ */

/*
 * Configuration for vmalloc_init(); sz as for vmalloc_stats (NULL is
 * fine: everything default). Zero fields take defaults (and the
 * environment: VMALLOC_ENGINE, VMALLOC_PHYS_MB, VMALLOC_NODES,
 * VMALLOC_SIZE_MB, VMALLOC_LAZY_PAGES, VMALLOC_RESERVE_PAGES,
 * VMALLOC_MMU).
 */
struct vmalloc_config {
	size_t		sz;		 /* sizeof(struct vmalloc_config) */
	const char	*engine;	 /* "host" (default) or "soft" */
	unsigned long	phys_mb;	 /* physical pool size in MiB */
	unsigned int	nodes;		 /* NUMA nodes the pool is split into */
	unsigned long	vmalloc_size_mb; /* size of the vmalloc range */
	unsigned long	vmalloc_start;	 /* soft engine: range base */
	unsigned long	lazy_max_pages;	 /* lazy purge threshold (pages) */
	unsigned long	reserve_pages;	 /* free frames kept before release */
	bool		no_fast_path;	 /* small areas lowest-first too */
	bool		quiet;		 /* no log output on stderr */
	/* Added after 1.0.0 (an older program's sz ends above them). */
	const char	*mmu;		 /* soft engine: page-table format,
					    "x86_64" (default), "x86_64-la57",
					    "aarch64" (or VMALLOC_MMU) */
	/* The area cache, per CPU (0: the environment's
	 * VMALLOC_CACHE_PAGES / VMALLOC_CACHE_AREAS, else 512 and 16). */
	unsigned long	cache_pages;	 /* frames it may hold */
	unsigned long	cache_areas;	 /* areas it may hold */
	bool		no_cache;	 /* no area cache */
};

/*
 * Initialise the library. Without a call, the first API use initialises
 * the default engine from the environment, once, thread-safely; when that
 * fails, the failure is reported once and later automatic attempts return
 * it silently, until vmalloc_init() (which tries again) or vmalloc_exit().
 * Return: 0; -EBUSY if already initialised; -EINVAL for a bad config;
 * -ENOMEM or the engine's error when set-up fails.
 */
int vmalloc_init(const struct vmalloc_config *cfg);

/*
 * Tear everything down: every area, frame and table is released and the
 * library returns to its uninitialised state (a later call initialises it
 * again). Not thread-safe: no other call may run concurrently.
 * Return: the number of areas that were still live (0 when clean).
 */
long vmalloc_exit(void);

/* Name of the running engine ("soft", "host", ...), or NULL. */
const char *vmalloc_engine(void);

/*
 * User address ranges for remap_vmalloc_range(): reserve @size bytes
 * (page aligned) of a fresh range in the calling process (host engine) or
 * in a simulated user address space (soft engine), and describe it in
 * @vma; vm_mm is a handle of the running instance, not a pointer.
 * Release it with vm_user_range_release(), which calls vma->vm_ops->close
 * (when a driver's mmap handler set one, as munmap does), then unmaps the
 * range and drops the frame references remap_vmalloc_range() took. A vma that is not a live
 * range of the running instance (released already, a copy of one,
 * reserved before vmalloc_exit() or by a parent process) is refused by
 * remap_vmalloc_range() (-EINVAL) and ignored by the calls below.
 * Releasing a range must not race with a remap into it.
 * Return: 0, -EINVAL, -ENOMEM, or -ENODEV without an instance.
 */
int vm_user_range_reserve(struct vm_area_struct *vma, unsigned long size);
void vm_user_range_release(struct vm_area_struct *vma);
/* The frame that user address @uaddr of @vma maps, or 0. */
unsigned long vm_user_range_pfn(const struct vm_area_struct *vma,
				unsigned long uaddr);

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(VMALLOC_FREESTANDING)
/* Print the vmallocinfo listing. Return: bytes written, or -errno. */
long vmallocinfo_print(FILE *out);
#endif

#ifdef __cplusplus
}
#endif

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* VMALLOC_VMALLOC_H */
