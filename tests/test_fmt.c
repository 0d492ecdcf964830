/* SPDX-License-Identifier: MIT */
/*
 * The core's formatter (vm_snprintf, public for platforms without one)
 * against the C library's snprintf: random formats in the language it
 * supports must give the same text and the same length at every buffer
 * size; an unsupported conversion stops the conversions and reads no
 * argument after it.
 */
#include "harness.h"
#include <stdarg.h>
#include <vmalloc/platform.h>

/* Both formatters on one format and one argument list. */
static void check_same(size_t len, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void check_same(size_t len, const char *fmt, ...)
{
	char ours[256], theirs[256];
	va_list a, b;
	size_t n;
	int m;

	memset(ours, 'Z', sizeof(ours));
	memset(theirs, 'Z', sizeof(theirs));
	va_start(a, fmt);
	va_copy(b, a);
	n = vm_vsnprintf(ours, len, fmt, a);
	m = vsnprintf(theirs, len, fmt, b);
	va_end(b);
	va_end(a);
	if ((int)n != m || memcmp(ours, theirs, sizeof(ours)))
		vt_fail(__FILE__, __LINE__, "format \"%s\", len %zu: ours \"%.*s\" (%zu), libc \"%.*s\" (%d)",
			fmt, len, (int)(len ? len : 0), ours, n,
			(int)(len ? len : 0), theirs, m);
}

TEST(every_supported_conversion_matches_the_c_library)
{
	static const size_t lens[] = { 0, 1, 2, 5, 17, 256 };
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(lens); i++) {
		size_t l = lens[i];

		check_same(l, "plain text, no conversion");
		check_same(l, "%s|%-8s|%8s|%c|%%", "abc", "left", "right", 'q');
		check_same(l, "%d %i %d %d", 0, -1, INT_MIN, INT_MAX);
		check_same(l, "%u %x %08x %-6u|", 0u, 0xdeadbeefu, 0xabu, 42u);
		check_same(l, "%ld %lu %lx %016lx", LONG_MIN, ULONG_MAX,
			   0x1234UL, 0xffffffffffUL);
		check_same(l, "%lld %llu %llx", LLONG_MIN, ULLONG_MAX, 0x1ULL);
		check_same(l, "%zu %zx %7lu|%-7ld|", (size_t)99, (size_t)0x10,
			   7UL, -7L);
		check_same(l, "%*d|%-*u|%0*x", 6, -5, 4, 3u, 9, 0xbeu);
		check_same(l, "%05d %05d", 42, -42);
	}
}

TEST(random_formats_match_the_c_library_at_every_length)
{
	static const char *const convs[] = { "d", "i", "u", "x", "ld", "lu",
					     "lx", "lld", "llu", "llx", "zu",
					     "zx", "s", "c", "%" };
	unsigned int round, k;

	for (round = 0; round < 3000; round++) {
		char fmt[64];
		size_t pos = 0, len = vt_below(80);
		unsigned int c = vt_below(ARRAY_LEN(convs));
		const char *conv = convs[c];
		unsigned long long v = vt_rand();
		char str[8] = "xyzzy";

		pos += (size_t)snprintf(fmt + pos, sizeof(fmt) - pos, "<%c",
					'a' + (int)vt_below(26));
		fmt[pos++] = '%';
		if (conv[0] != '%') {
			if (vt_below(3) == 0)
				fmt[pos++] = '-';
			else if (vt_below(3) == 0 && conv[0] != 's' &&
				 conv[0] != 'c')
				fmt[pos++] = '0';
			if (vt_below(2))
				pos += (size_t)snprintf(fmt + pos,
							sizeof(fmt) - pos, "%u",
							(unsigned int)vt_below(24));
		}
		pos += (size_t)snprintf(fmt + pos, sizeof(fmt) - pos, "%s>",
					conv);
		fmt[pos] = '\0';
		str[vt_below(6)] = '\0';

		/* The argument of the conversion's own type. */
		k = (unsigned int)(strchr(conv, 'l') ? (conv[1] == 'l' ? 2 : 1)
			: conv[0] == 'z' ? 1 : 0);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"
		switch (conv[strlen(conv) - 1]) {
		case 'd': case 'i':
			if (k == 2)
				check_same(len, fmt, (long long)v);
			else if (k == 1)
				check_same(len, fmt, (long)v);
			else
				check_same(len, fmt, (int)v);
			break;
		case 'u': case 'x':
			if (k == 2)
				check_same(len, fmt, v);
			else if (k == 1)
				check_same(len, fmt, (unsigned long)v);
			else
				check_same(len, fmt, (unsigned int)v);
			break;
		case 's':
			check_same(len, fmt, str);
			break;
		case 'c':
			check_same(len, fmt, 'A' + (int)(v % 26));
			break;
		default:
			check_same(len, fmt);
			break;
		}
#pragma GCC diagnostic pop
	}
}

/* A varargs wrapper, so the test can hand it formats the compiler
 * would reject. */
static size_t ours(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = vm_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

TEST(an_unsupported_conversion_stops_conversion_and_reads_no_argument)
{
	static const char *const bad[] = { "%X", "%o", "%hx", "%.3s", "%+d",
					   "%#x", "%f", "%n", "% d" };
	unsigned int i;
	char buf[128], want[128];

	for (i = 0; i < ARRAY_LEN(bad); i++) {
		char fmt[64];

		/* One known conversion before, one after: the one before
		 * is converted, everything from the bad one on is text. */
		snprintf(fmt, sizeof(fmt), "a=%%d %s b=%%s c=%%lx", bad[i]);
		snprintf(want, sizeof(want), "a=7 %s b=%%s c=%%lx", bad[i]);
		/* The arguments after the first are never read: pass
		 * none, so a read would be seen by the sanitizers and
		 * valgrind, and by a wrong text here. */
		ASSERT_EQ(ours(buf, sizeof(buf), fmt, 7), strlen(want));
		if (strcmp(buf, want))
			vt_fail(__FILE__, __LINE__, "\"%s\" gave \"%s\", want \"%s\"",
				fmt, buf, want);
	}
	/* A '%' at the very end is dropped, and nothing is read. */
	ASSERT_EQ(ours(buf, sizeof(buf), "end %"), 4);
	ASSERT_TRUE(!strcmp(buf, "end "));
}

TEST(pointers_print_as_0x_and_hex_and_null_strings_as_null)
{
	char buf[64];

	ASSERT_EQ(vm_snprintf(buf, sizeof(buf), "%p %p", (void *)0,
			      (void *)0x7fff1000), strlen("0x0 0x7fff1000"));
	ASSERT_TRUE(!strcmp(buf, "0x0 0x7fff1000"));
	ASSERT_EQ(ours(buf, sizeof(buf), "[%s]", (char *)NULL), 8);
	ASSERT_TRUE(!strcmp(buf, "[(null)]"));
	/* len 0: nothing written, buf may be NULL, the length is still
	 * returned. */
	ASSERT_EQ(vm_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
}
