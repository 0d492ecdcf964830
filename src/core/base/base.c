/* SPDX-License-Identifier: MIT */
/*
 * The core-wide state every layer reads: the platform (set and cleared
 * by vmalloc_core_init/exit in api/init.c) and the counters behind
 * vmalloc_get_stats() that no single layer owns; and the rules for the
 * sized structs callers pass in and get back (VMALLOC_OPTS).
 */
#include "base/core.h"

union vm_plat_line vm_plat_line;
struct vm_counters vm_count;

unsigned long vm_pcpu_stat_read(const struct vm_pcpu_stat *s)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < VM_PCPU_SLOTS; i++)
		sum += __atomic_load_n(&s->slot[i].v, __ATOMIC_RELAXED);
	return sum;
}

/* The caller's sz, read as bytes: the struct may be shorter than ours. */
static size_t opts_sz(const void *src)
{
	size_t sz;

	vm_memcpy(&sz, src, sizeof(sz));
	return sz;
}

/* vm_opts_problem - see platform.h. */
const char *vm_opts_problem(const void *src, size_t size, size_t v1)
{
	const unsigned char *p = src;
	size_t sz, i;

	if (!src)
		return "the struct pointer is NULL";
	sz = opts_sz(src);
	if (sz < v1)
		return "sz is smaller than the struct ever was: set it to sizeof the struct";
	if (sz > VM_OPTS_MAX_SZ)
		return "sz is larger than any struct will be (4096 bytes): set it to sizeof the struct";
	for (i = size; i < sz; i++)
		if (p[i])
			return "a field this library version does not know is set "
			       "(the program was built against a newer header)";
	return NULL;
}

/* vm_opts_take - see platform.h. */
void vm_opts_take(void *dst, size_t size, const void *src)
{
	vm_memset(dst, 0, size);
	vm_memcpy(dst, src, vm_min(opts_sz(src), size));
}

/* vm_opts_give - fill the caller's struct @dst (its sz kept) from ours,
 * @src of @size bytes: the fields both know, zero for the ones only the
 * caller knows. */
void vm_opts_give(void *dst, const void *src, size_t size)
{
	size_t sz = opts_sz(dst);

	if (sz > size)
		vm_memset((char *)dst + size, 0, sz - size);
	vm_memcpy((char *)dst + sizeof(sz), (const char *)src + sizeof(sz),
		  vm_min(sz, size) - sizeof(sz));
}
