/* SPDX-License-Identifier: MIT */
/*
 * The console is COM1 (a 16550 UART at 0x3f8), which QEMU's
 * -serial stdio connects to its standard output; and the way out is
 * QEMU's isa-debug-exit port.
 */
#include "arch.h"
#include "kernel.h"

#define COM1		0x3f8
#define UART_DATA	0	/* DLAB=0: transmit holding register */
#define UART_IER	1	/* DLAB=0: interrupt enable; DLAB=1: divisor hi */
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_THRE	0x20	/* transmit holding register empty */
#define DEBUG_EXIT_PORT	0xf4

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);	/* polled: no UART interrupts */
	outb(COM1 + UART_LCR, 0x80);	/* DLAB on: divisor follows */
	outb(COM1 + UART_DATA, 0x01);	/* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);	/* FIFOs on, cleared */
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

void arch_console_putc(char c)
{
	unsigned int spins = 0;

	/* Bounded: a missing UART must not hang the kernel forever. */
	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && ++spins < 100000)
		cpu_relax();
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/**
 * kexit - leave QEMU with @code through isa-debug-exit
 * @code: KEXIT_PASS, KEXIT_FAIL or KEXIT_PANIC
 *
 * Without the device (real hardware, another emulator) the write is
 * ignored, and the CPU halts with interrupts off.
 */
void kexit(unsigned int code)
{
	outl(DEBUG_EXIT_PORT, code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
