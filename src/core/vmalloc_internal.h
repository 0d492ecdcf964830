/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the API layer (vmalloc.c, vmallocinfo.c).
 */
#ifndef VM_VMALLOC_INTERNAL_H
#define VM_VMALLOC_INTERNAL_H

#include "core.h"

/* Free every live area (at vmalloc_core_exit). Return how many there were. */
long vm_areas_exit(void);

#endif /* VM_VMALLOC_INTERNAL_H */
