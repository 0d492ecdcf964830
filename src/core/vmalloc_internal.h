/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the API layer (vmalloc.c, vmallocinfo.c).
 */
#ifndef VM_VMALLOC_INTERNAL_H
#define VM_VMALLOC_INTERNAL_H

#include "core.h"

/*
 * The descriptor behind every struct vm_struct the API hands out. state
 * says who owns it: the library (LIVE: registered), the caller (REMOVED:
 * returned by remove_vm_area(), to be freed with free_vm_area()), or
 * nobody (FREE: back in the cache). Invariant: vm.addr and vm.size match
 * the busy vmap_area while LIVE.
 */
struct vm_desc {
	struct vm_struct vm;
	uint32_t state;
	uint32_t kind;		/* VMD_ARRAY: the page array of another area */
};

#define VMD_LIVE	0x4556494cu
#define VMD_REMOVED	0x564d4552u
#define VMD_FREE	0x45455246u
#define VMD_ARRAY	0x1u

static inline struct vm_desc *vm_desc_of(const struct vm_struct *vm)
{
	return container_of(vm, struct vm_desc, vm);
}

int vm_areas_init(void);
/* Free every live area (at vmalloc_core_exit). Return how many there were. */
long vm_areas_exit(void);

#endif /* VM_VMALLOC_INTERNAL_H */
