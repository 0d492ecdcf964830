/* SPDX-License-Identifier: MIT */
/*
 * The little C library a freestanding kernel must bring: the memory
 * functions the compiler (and the libvmalloc core) may call, and a small
 * printf-style formatter.
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

/* ------------------------------------------------------------------ */
/* Formatting                                                          */
/* ------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t len;	/* capacity including the NUL */
	size_t pos;	/* characters produced so far (may exceed len) */
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, bool neg,
		       unsigned int base, bool upper, int width, bool left,
		       char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0') {
			/* The sign goes before the zeros. */
			put(o, '-');
			width--;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, (size_t)n, width, left, pad);
}

/**
 * kvsnprintf - format into a buffer, like vsnprintf()
 * @buf: destination (may be NULL when @len is 0)
 * @len: its size, NUL included
 * @fmt: %% %c %s %d %i %u %x %X %p with flags '-' '0', a width, and the
 *	 length modifiers l, ll, z
 * @ap: the arguments
 *
 * Return: the length the whole output needs, excluding the NUL.
 */
size_t kvsnprintf(char *buf, size_t len, const char *fmt,
		  __builtin_va_list ap)
{
	struct out o = { buf, len, 0 };

	for (; *fmt; fmt++) {
		bool left = false;
		char pad = ' ';
		int width = 0, lng = 0;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		if (left)
			pad = ' ';
		switch (*fmt) {
		case 'c': {
			char c = (char)__builtin_va_arg(ap, int);

			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = __builtin_va_arg(ap, const char *);

			if (!str)
				str = "(null)";
			put_padded(&o, str, kstrlen(str), width, left, ' ');
			break;
		}
		case 'd':
		case 'i':
			s = lng ? __builtin_va_arg(ap, long long) :
				  __builtin_va_arg(ap, int);
			put_number(&o, s < 0 ? 0ULL - (unsigned long long)s :
				   (unsigned long long)s, s < 0, 10, false,
				   width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? __builtin_va_arg(ap, unsigned long long) :
				  __builtin_va_arg(ap, unsigned int);
			put_number(&o, u, false, *fmt == 'u' ? 10 : 16,
				   *fmt == 'X', width, left, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (uintptr_t)__builtin_va_arg(ap, void *),
				   false, 16, false, width, left, pad);
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

size_t ksnprintf(char *buf, size_t len, const char *fmt, ...)
{
	__builtin_va_list ap;
	size_t n;

	__builtin_va_start(ap, fmt);
	n = kvsnprintf(buf, len, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
