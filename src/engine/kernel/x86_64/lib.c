/* SPDX-License-Identifier: MIT */
/*
 * The memory functions the compiler (and the libvmalloc core) may call
 * whose speed depends on the architecture: memset, memcpy, memmove.
 * The rest of the little C library is ../lib.c.
 *
 * memset/memcpy use the string instructions. Written as C loops, gcc
 * would recognise them at -O2 and turn them back into calls to memset and
 * memcpy, i.e. into themselves.
 */
#include "kernel.h"

void *memset(void *d, int c, size_t n)
{
	void *p = d;

	__asm__ volatile("rep stosb"
			 : "+D"(p), "+c"(n)
			 : "a"(c)
			 : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;

	__asm__ volatile("rep movsb"
			 : "+D"(p), "+S"(s), "+c"(n)
			 :
			 : "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	/* Overlap with the destination above: copy backwards. */
	dp += n - 1;
	sp += n - 1;
	__asm__ volatile("std; rep movsb; cld"
			 : "+D"(dp), "+S"(sp), "+c"(n)
			 :
			 : "memory");
	return d;
}
