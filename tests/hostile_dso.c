/* SPDX-License-Identifier: MIT */
/*
 * A shared library whose constructor and destructor use vmalloc, for
 * tests/test_hostile.c: dlopen() runs the constructor while it holds the
 * dynamic loader's lock, so a library call made from here takes the
 * library's locks after the loader's. The test binary is linked with
 * -rdynamic, so these calls resolve to the library linked into it.
 */
#include "vmalloc/vmalloc.h"

/* Read by the test through dlsym(). */
void *hostile_dso_area;
int hostile_dso_constructed;

__attribute__((constructor)) static void hostile_dso_init(void)
{
	/* More than 4 pages: the tree path, which takes the area lock. */
	hostile_dso_area = vmalloc(8 * PAGE_SIZE);
	hostile_dso_constructed = hostile_dso_area != NULL;
}

__attribute__((destructor)) static void hostile_dso_fini(void)
{
	void *small = vmalloc(PAGE_SIZE);

	vfree(small);
	vfree(hostile_dso_area);
	hostile_dso_area = NULL;
}
