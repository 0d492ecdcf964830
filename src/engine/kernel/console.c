/* SPDX-License-Identifier: MIT */
/*
 * The console above the UART: each architecture's console.c brings
 * console_init(), arch_console_putc() (one raw byte, polled) and kexit();
 * the line discipline, kprintf() and kpanic() are the same everywhere.
 */
#include "kernel.h"

void console_write(const char *s, size_t n)
{
	unsigned long flags = irq_save();
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(s[i]);
	}
	irq_restore(flags);
}

void kprintf(const char *fmt, ...)
{
	char line[512];
	__builtin_va_list ap;
	size_t n;

	__builtin_va_start(ap, fmt);
	n = vm_vsnprintf(line, sizeof(line), fmt, ap);
	__builtin_va_end(ap);
	console_write(line, n < sizeof(line) ? n : sizeof(line) - 1);
}

/**
 * kpanic - report a fatal kernel error and exit with KEXIT_PANIC
 * @fmt: printf-style reason (one line)
 *
 * Prints a KTAP "Bail out!" line so that a parser knows the run ended
 * early. Context: any, including a trap or exception handler.
 */
void kpanic(const char *fmt, ...)
{
	char line[256];
	__builtin_va_list ap;

	irq_save();
	__builtin_va_start(ap, fmt);
	vm_vsnprintf(line, sizeof(line), fmt, ap);
	__builtin_va_end(ap);
	kprintf("# PANIC: %s\nBail out! kernel panic\n", line);
	kexit(KEXIT_PANIC);
}
