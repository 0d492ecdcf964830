/* SPDX-License-Identifier: MIT */
/*
 * The little C library a freestanding kernel must bring: the parts that
 * are plain C on every architecture. memset, memcpy and memmove are per
 * architecture (<arch>/lib.c); formatting is the core's own
 * (vm_vsnprintf, platform.h).
 */
#include "kernel.h"

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t kstrlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
