/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line: "key=<number>" words, decimal or 0x hex.
 * Each architecture's main.c fills kernel_cmdline from its loader.
 */
#include "kernel.h"

unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
	size_t klen = kstrlen(key);
	const char *s = kernel_cmdline;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!memcmp(s, key, klen) && s[klen] == '=') {
			unsigned long v = 0, base = 10;

			s += klen + 1;
			if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
				base = 16;
				s += 2;
			}
			for (;; s++) {
				unsigned long d;

				if (*s >= '0' && *s <= '9')
					d = (unsigned long)(*s - '0');
				else if (base == 16 && *s >= 'a' && *s <= 'f')
					d = (unsigned long)(*s - 'a' + 10);
				else if (base == 16 && *s >= 'A' && *s <= 'F')
					d = (unsigned long)(*s - 'A' + 10);
				else
					break;
				v = v * base + d;
			}
			return v;
		}
		while (*s && *s != ' ')
			s++;
	}
	return dflt;
}
