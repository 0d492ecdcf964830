/* SPDX-License-Identifier: MIT */
/*
 * Open library race (ThreadSanitizer), found while adding today's API to
 * the fuzzer at ed5ff67: set_vm_flush_reset_perms() stores vm->flags of
 * a fast-path slot area that it only claimed (a CAS on the slot, no
 * lock), while vmallocinfo() in another thread reads the same field in
 * collect_area() through vb_walk(), which found the slot live before the
 * claim (it holds the block's per-CPU lock, which the writer never
 * takes). Same shape as the page-array race fixed in a94c2f2 (where
 * vb_set_pages() now writes under that lock).
 *
 *   src/core/api/vmalloc.c:1676   vm->flags |= VM_FLUSH_RESET_PERMS;
 *   src/core/api/vmallocinfo.c:79 l->flags = vm->flags;
 *
 * Expected: the flag is set under the lock walkers hold for slot areas
 * (as vb_set_pages() does), or the walkers skip claimed slots they
 * already hold. Build the library with ThreadSanitizer and run:
 *
 *   make BUILD=build/tsan CC=clang OPT=-O1 EXTRA_CFLAGS=-fsanitize=thread \
 *        EXTRA_LDFLAGS=-fsanitize=thread lib     # or: make fuzz-tsan
 *   clang -fsanitize=thread -O1 -g -Iinclude fuzz/regress/race-set-flush-flags.c \
 *        build/tsan/libvmalloc.a -lpthread -ldl -o build/tsan/race-set-flush-flags
 *   build/tsan/race-set-flush-flags   # "WARNING: ThreadSanitizer: data race"
 *
 * (within a second at 3dac676..ed5ff67). fuzz/tsan.supp suppresses it in
 * `make fuzz-tsan` until it is fixed.
 */
#include <pthread.h>
#include <stdio.h>

#include "vmalloc/vmalloc.h"

static volatile int stop;

static void *lister(void *arg)
{
	static char buf[1 << 16];

	(void)arg;
	while (!stop)
		vmallocinfo(buf, sizeof(buf));
	return NULL;
}

int main(void)
{
	struct vmalloc_config cfg = { .engine = "soft", .quiet = true };
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
	stop = 1;
	pthread_join(t, NULL);
	printf("done\n");
	return (int)vmalloc_exit();
}
