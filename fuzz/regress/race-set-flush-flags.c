/* SPDX-License-Identifier: MIT */
/*
 * Library race (ThreadSanitizer), found while adding today's API to the
 * fuzzer at ed5ff67, fixed in 15738a3: set_vm_flush_reset_perms() stored
 * vm->flags of a fast-path slot area that it only claimed (a CAS on the
 * slot, no lock), while vmallocinfo() in another thread read the same
 * field in collect_area() through vb_walk(), which found the slot live
 * before the claim (it holds the block's per-CPU lock, which the writer
 * never took). Same shape as the page-array race fixed in a94c2f2 (where
 * vb_set_pages() now writes under that lock).
 *
 *   src/core/api/vmalloc.c:1676   vm->flags |= VM_FLUSH_RESET_PERMS;
 *   src/core/api/vmallocinfo.c:79 l->flags = vm->flags;
 *
 * (line numbers at ed5ff67). The fix sets the flag under the lock the
 * walkers hold for slot areas, as vb_set_pages() does. Build the library with ThreadSanitizer and run:
 *
 *   make BUILD=build/tsan CC=clang OPT=-O1 EXTRA_CFLAGS=-fsanitize=thread \
 *        EXTRA_LDFLAGS=-fsanitize=thread lib     # or: make fuzz-tsan
 *   clang -fsanitize=thread -O1 -g -Iinclude fuzz/regress/race-set-flush-flags.c \
 *        build/tsan/libvmalloc.a -lpthread -ldl -o build/tsan/race-set-flush-flags
 *   build/tsan/race-set-flush-flags   # "WARNING: ThreadSanitizer: data race"
 *
 * (within a second at 856bdfa..ed5ff67; since 15738a3 it prints "done"
 * and no report).
 */
#include <pthread.h>
#include <stdio.h>

#include "vmalloc/vmalloc.h"

static int stop;

static void *lister(void *arg)
{
	static char buf[1 << 16];

	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		vmallocinfo(buf, sizeof(buf));
	return NULL;
}

int main(void)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft", .quiet = true };
	pthread_t t;
	int i;

	if (vmalloc_init(&cfg))
		return 1;
	pthread_create(&t, NULL, lister, NULL);
	for (i = 0; i < 200000; i++) {
		void *p = vmalloc(4 * PAGE_SIZE);	/* a fast-path slot */

		if (!p)
			continue;
		set_vm_flush_reset_perms(p);
		vfree(p);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("done\n");
	return (int)vmalloc_exit();
}
