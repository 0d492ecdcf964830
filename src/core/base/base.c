/* SPDX-License-Identifier: MIT */
/*
 * The core-wide state every layer reads: the platform (set and cleared
 * by vmalloc_core_init/exit in api/init.c) and the counters behind
 * vmalloc_get_stats() that no single layer owns.
 */
#include "base/core.h"

const struct vm_platform *vm_plat;
struct vm_counters vm_count;
