/* SPDX-License-Identifier: MIT */
/*
 * A small vsnprintf for the freestanding core: %s %c %d %i %u %x %p %%,
 * the length modifiers l, ll and z, a field width (or '*'), and the '-'
 * and '0' flags. Output is always NUL-terminated when len > 0; the return
 * value is the length the whole output needs, as with snprintf().
 *
 * A conversion outside that list is copied as text, and so is the rest of
 * the format after it: its argument's type is unknown, so no later
 * argument could be read at the right place. Nothing is read past what
 * the format's known conversions name.
 */
#include "base/core.h"

struct out {
	char *buf;
	size_t len;
	size_t pos;
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
	size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
	size_t i;

	if (!left)
		for (i = 0; i < fill; i++)
			put(o, pad);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		for (i = 0; i < fill; i++)
			put(o, ' ');
}

/* Digits of v in @base into the end of tmp; returns the first digit. */
static char *digits(char *end, unsigned long long v, unsigned int base)
{
	static const char hex[] = "0123456789abcdef";

	*--end = '\0';
	do {
		*--end = hex[v % base];
		v /= base;
	} while (v);
	return end;
}

size_t vm_vsnprintf(char *buf, size_t len, const char *fmt,
		    __builtin_va_list ap)
{
	struct out o = { buf, len, 0 };
	bool lost = false;	/* an unknown conversion was met */
	char tmp[32];

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		bool left = false, zero = false, neg = false;
		unsigned long long v;
		const char *s, *conv;
		char *d;

		if (*fmt != '%' || lost) {
			put(&o, *fmt);
			continue;
		}
		conv = fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = __builtin_va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			s = __builtin_va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s, vm_strlen(s), width, left, ' ');
			break;
		case 'c':
			tmp[0] = (char)__builtin_va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case 'd':
		case 'i':
			if (lng) {
				long long x = lng > 1 ? __builtin_va_arg(ap, long long)
						      : __builtin_va_arg(ap, long);
				neg = x < 0;
				v = neg ? 0ULL - (unsigned long long)x
					: (unsigned long long)x;
			} else {
				int x = __builtin_va_arg(ap, int);

				neg = x < 0;
				v = neg ? 0U - (unsigned int)x : (unsigned int)x;
			}
			d = digits(tmp + sizeof(tmp), v, 10);
			if (neg && zero && !left) {
				/* The sign goes before the zeros: -0042. */
				put(&o, '-');
				width = width > 0 ? width - 1 : 0;
			} else if (neg) {
				*--d = '-';
			}
			put_padded(&o, d, vm_strlen(d), width, left,
				   zero && !left ? '0' : ' ');
			break;
		case 'u':
		case 'x':
			if (lng > 1)
				v = __builtin_va_arg(ap, unsigned long long);
			else if (lng)
				v = __builtin_va_arg(ap, unsigned long);
			else
				v = __builtin_va_arg(ap, unsigned int);
			d = digits(tmp + sizeof(tmp), v, *fmt == 'x' ? 16 : 10);
			put_padded(&o, d, vm_strlen(d), width, left,
				   zero ? '0' : ' ');
			break;
		case 'p':
			v = (uintptr_t)__builtin_va_arg(ap, void *);
			d = digits(tmp + sizeof(tmp), v, 16);
			*--d = 'x';
			*--d = '0';
			put_padded(&o, d, vm_strlen(d), width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			/* Unknown: copy it from its '%', and stop converting. */
			lost = true;
			put(&o, '%');
			fmt = conv;
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

size_t vm_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	__builtin_va_list ap;
	size_t n;

	__builtin_va_start(ap, fmt);
	n = vm_vsnprintf(buf, len, fmt, ap);
	__builtin_va_end(ap);
	return n;
}
