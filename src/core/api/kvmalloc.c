/* SPDX-License-Identifier: MIT */
/*
 * The kvmalloc family: memory that is physically contiguous when it is
 * small and virtually contiguous when it is not, as the kernel's
 * mm/util.c hands out.
 *
 *   size <= VM_KV_MAX (4 KiB)   an object of kvmalloc's own size-class
 *                               caches (lib/slab.c: vm_kv_alloc), zeroed
 *   larger                      vmalloc, with the caller's gfp flags
 *                               (and 2 MiB leaves where they fit:
 *                               VM_ALLOW_HUGE_VMAP, as the kernel)
 *
 * kvfree() tells the two apart by address: is_vmalloc_addr() first, then
 * the caches' chunks (vm_kv_size). The small objects live in caches of
 * their own rather than in the metadata's size classes, so a pointer to
 * the library's metadata (a page array) or to anything else is refused
 * with a warning instead of being freed into a cache; and no size is
 * stored with an object, so nothing is read at an address before it is
 * known to be ours. The price is a binary search of each class's chunk
 * index per small kvfree (O(log chunks) per class, nine classes).
 *
 * As today's kernel (6.x), a small request that finds no memory fails
 * (it does not fall back to vmalloc), and a large one goes to vmalloc
 * whatever its gfp flags (GFP_NOWAIT and GFP_ATOMIC included: before
 * 6.8 the kernel refused non-blocking flags there). Requests above
 * INT_MAX bytes fail, as in the kernel.
 */
#include "api/api.h"
#include "lib/slab.h"

#define RET_IP	(__builtin_return_address(0))

static void *kv_alloc(size_t size, gfp_t flags, int node, const void *caller)
{
	if (!vm_ensure_ready() || !size)
		return NULL;
	if (size <= VM_KV_MAX)
		return vm_kv_alloc(size);	/* always zeroed */
	if (size > INT_MAX) {
		if (!(flags & __GFP_NOWARN))
			vm_warn("kvmalloc: %zu bytes is more than INT_MAX", size);
		return NULL;
	}
	return __vmalloc_node_range(size, 1, vm_plat->vmalloc_start,
				    vm_plat->vmalloc_end, flags, PAGE_KERNEL,
				    VM_ALLOW_HUGE_VMAP, node, caller);
}

/* Zero @n bytes of kvmalloc memory at @p (either kind). */
static void kv_zero(void *p, size_t n)
{
	if (!n)
		return;
	if (is_vmalloc_addr(p)) {
		vm_vmem_zero(p, n);
		return;
	}
	vm_memset(p, 0, n);
	/* The memory may be freed next: keep the stores. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/**
 * kvmalloc_node - allocate memory, physically contiguous if small
 * @size: bytes
 * @flags: gfp flags (__GFP_ZERO, __GFP_NOWARN, ...), for the vmalloc path
 * @node: NUMA node for vmalloc'ed frames, or NUMA_NO_NODE
 *
 * Sizes up to 4 KiB come from kvmalloc's object caches (and are always
 * zeroed), larger ones from vmalloc. Free with kvfree().
 *
 * Return: the memory, or NULL (also for @size 0, or above INT_MAX).
 * Context: may sleep (the vmalloc path).
 */
void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return kv_alloc(size, flags, node, RET_IP);
}

/**
 * kvzalloc_node - kvmalloc_node() with the memory zeroed
 * @size: bytes
 * @flags: gfp flags
 * @node: NUMA node for vmalloc'ed frames, or NUMA_NO_NODE
 *
 * Return: the memory, or NULL. Context: may sleep.
 */
void *kvzalloc_node(size_t size, gfp_t flags, int node)
{
	return kv_alloc(size, flags | __GFP_ZERO, node, RET_IP);
}

/**
 * kvmalloc - kvmalloc_node() on any node
 * @size: bytes
 * @flags: gfp flags
 *
 * Return: the memory, or NULL. Context: may sleep.
 */
void *kvmalloc(size_t size, gfp_t flags)
{
	return kv_alloc(size, flags, NUMA_NO_NODE, RET_IP);
}

/**
 * kvzalloc - kvmalloc() with the memory zeroed
 * @size: bytes
 * @flags: gfp flags
 *
 * Return: the memory, or NULL. Context: may sleep.
 */
void *kvzalloc(size_t size, gfp_t flags)
{
	return kv_alloc(size, flags | __GFP_ZERO, NUMA_NO_NODE, RET_IP);
}

/**
 * kvmalloc_array - kvmalloc() of an array
 * @n: elements
 * @size: bytes per element
 * @flags: gfp flags
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 * Context: may sleep.
 */
void *kvmalloc_array(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kv_alloc(bytes, flags, NUMA_NO_NODE, RET_IP);
}

/**
 * kvcalloc - kvmalloc_array() with the memory zeroed
 * @n: elements
 * @size: bytes per element
 * @flags: gfp flags
 *
 * Return: the memory, or NULL (also when @n * @size overflows).
 * Context: may sleep.
 */
void *kvcalloc(size_t n, size_t size, gfp_t flags)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kv_alloc(bytes, flags | __GFP_ZERO, NUMA_NO_NODE, RET_IP);
}

/**
 * kvrealloc - resize kvmalloc memory (today's form)
 * @p: memory from the kvmalloc family, or NULL
 * @size: the new size in bytes
 * @flags: gfp flags (__GFP_ZERO zeroes what is new, as vrealloc())
 *
 * The header's kvrealloc() macro sends four-argument calls (5.15 to
 * 6.11) to kvrealloc_oldsize(). vmalloc memory is resized with vrealloc()
 * and stays vmalloc memory (as in the kernel). A small object is kept
 * when @size still fits its size class (with __GFP_ZERO, the bytes after
 * @size are zeroed); otherwise its contents move to a new small object or,
 * past 4 KiB, to vmalloc memory, and it is freed.
 *
 * @p NULL is kvmalloc(); @size 0 frees @p and returns NULL. An @p that is
 * neither a kvmalloc object nor vmalloc memory logs a warning, returns
 * NULL and changes nothing.
 *
 * Return: the (possibly moved) memory, or NULL; @p is unchanged after a
 * failure. Context: may sleep.
 */
void *(kvrealloc)(const void *p, size_t size, gfp_t flags)
{
	size_t old;
	void *n;

	if (!vm_ensure_ready())
		return NULL;
	if (!p)
		return kv_alloc(size, flags, NUMA_NO_NODE, RET_IP);
	if (is_vmalloc_addr(p))
		return vrealloc(p, size, flags);
	old = vm_kv_size(p);
	if (!old) {
		vm_warn("kvrealloc: %p is not kvmalloc memory", p);
		return NULL;
	}
	if (!size) {
		if (!vm_kv_free((void *)p, old))
			vm_warn("kvrealloc: %p is not kvmalloc memory", p);
		return NULL;
	}
	if (size <= old) {
		if (flags & __GFP_ZERO)
			kv_zero((char *)p + size, old - size);
		return (void *)p;
	}
	n = kv_alloc(size, flags, NUMA_NO_NODE, RET_IP);
	if (!n)
		return NULL;
	if (is_vmalloc_addr(n))
		vm_vmem_copy((void *)p, n, old, true);
	else
		vm_memcpy(n, p, old);
	if (!vm_kv_free((void *)p, old))	/* freed meanwhile: by another */
		vm_warn("kvrealloc: %p is not kvmalloc memory", p);
	return n;
}

/**
 * kvrealloc_oldsize - resize kvmalloc memory (the 5.15 to 6.11 form)
 * @p: memory from the kvmalloc family, or NULL
 * @oldsize: its size as the caller knows it
 * @newsize: the new size
 * @flags: gfp flags (__GFP_ZERO: the bytes after @oldsize are zero)
 *
 * As those kernels: a @newsize not above @oldsize returns @p unchanged;
 * otherwise the memory grows as kvrealloc() grows it.
 *
 * Return: the memory, or NULL (and then @p is unchanged).
 * Context: may sleep.
 */
void *kvrealloc_oldsize(const void *p, size_t oldsize, size_t newsize,
			gfp_t flags)
{
	void *n;

	if (oldsize >= newsize)
		return (void *)p;
	n = (kvrealloc)(p, newsize, flags);
	if (n && p && (flags & __GFP_ZERO))
		kv_zero((char *)n + oldsize, newsize - oldsize);
	return n;
}

/**
 * kvfree - free memory from the kvmalloc family
 * @addr: the memory, or NULL
 *
 * vmalloc memory goes to vfree(), a small object back to its cache. NULL
 * does nothing; an address that is neither logs a warning and changes
 * nothing (nothing is read at it).
 *
 * Context: may sleep (vfree).
 */
void kvfree(const void *addr)
{
	size_t size;

	if (!addr || !vm_ensure_ready())
		return;
	if (is_vmalloc_addr(addr)) {
		vfree(addr);
		return;
	}
	size = vm_kv_size(addr);
	if (!size || !vm_kv_free((void *)addr, size))
		vm_warn("kvfree: %p is neither kvmalloc nor vmalloc memory",
			addr);
}

/**
 * kvfree_sensitive - zero, then free, memory that held secrets
 * @addr: the memory, or NULL
 * @len: bytes to zero (clipped to the allocation)
 *
 * The zeroing is not elided by the compiler (the memory is about to be
 * freed). vmalloc memory is zeroed through its frames, so it works where
 * the vmalloc range is not accessible. An address that is neither kind
 * of memory is left alone (the warning is kvfree()'s).
 *
 * Context: may sleep (vfree).
 */
void kvfree_sensitive(const void *addr, size_t len)
{
	struct vm_struct *vm;
	size_t size;

	if (!addr || !vm_ensure_ready())
		return;
	if (is_vmalloc_addr(addr)) {
		/* The caller owns it: find_vm_area() finds it whole. */
		vm = find_vm_area(addr);
		if (vm && vm->addr == addr && vm->pages)
			kv_zero((void *)addr,
				vm_min(len, (size_t)vm->nr_pages << PAGE_SHIFT));
		vfree(addr);
		return;
	}
	size = vm_kv_size(addr);
	if (!size) {
		kvfree(addr);		/* warns */
		return;
	}
	kv_zero((void *)addr, vm_min(len, size));
	if (!vm_kv_free((void *)addr, size))
		vm_warn("kvfree: %p is neither kvmalloc nor vmalloc memory",
			addr);
}
