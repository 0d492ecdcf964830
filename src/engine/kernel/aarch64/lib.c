/* SPDX-License-Identifier: MIT */
/*
 * The memory functions the compiler (and the libvmalloc core) may call
 * whose speed depends on the architecture: memset, memcpy, memmove.
 * The rest of the little C library is ../lib.c.
 *
 * Plain loops, word at a time when both pointers allow it. The makefile
 * builds the AArch64 kernel with -fno-tree-loop-distribute-patterns so
 * gcc does not recognise these loops and turn them back into calls to
 * memset and memcpy, i.e. into themselves.
 */
#include "kernel.h"

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	while (n && ((uintptr_t)p & 7)) {
		*p++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, p += 8)
		*(uint64_t *)(void *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0)
		for (; n >= 8; n -= 8, dp += 8, sp += 8)
			*(uint64_t *)(void *)dp = *(const uint64_t *)(const void *)sp;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	/* Overlap with the destination above: copy backwards. */
	while (n--)
		dp[n] = sp[n];
	return d;
}
