/* SPDX-License-Identifier: MIT */
/*
 * The console is the virt board's PL011 UART at 0x09000000, which QEMU's
 * -nographic (or -serial stdio) connects to its standard output; the way
 * out is semihosting's SYS_EXIT, with a PSCI SYSTEM_OFF behind it.
 */
#include "kernel.h"

#define UART_DR		0x00	/* data */
#define UART_FR		0x18	/* flags */
#define UART_LCR_H	0x2c	/* line control */
#define UART_CR		0x30	/* control */
#define FR_TXFF		(1u << 5)	/* transmit FIFO full */
#define LCR_H_8N1_FIFO	0x70	/* 8 bits, FIFOs on */
#define CR_UARTEN_TXE	0x101	/* UART on, transmit on */

/* Semihosting (HLT #0xF000, needs QEMU's -semihosting). */
#define SYS_EXIT			0x18
#define ADP_STOPPED_APPLICATION_EXIT	0x20026
/* PSCI 0.2 function ids, called through HVC on virt without EL2. */
#define PSCI_SYSTEM_OFF			0x84000008u

static inline volatile uint32_t *uart_reg(unsigned int off)
{
	return (volatile uint32_t *)(KERNEL_UART_BASE + off);
}

void console_init(void)
{
	*uart_reg(UART_CR) = 0;
	*uart_reg(UART_LCR_H) = LCR_H_8N1_FIFO;
	*uart_reg(UART_CR) = CR_UARTEN_TXE;
}

void arch_console_putc(char c)
{
	unsigned int spins = 0;

	/* Bounded: a missing UART must not hang the kernel forever. */
	while ((*uart_reg(UART_FR) & FR_TXFF) && ++spins < 100000)
		cpu_relax();
	*uart_reg(UART_DR) = (uint32_t)(unsigned char)c;
}

/**
 * kexit - leave QEMU with status (@code << 1) | 1, as on x86-64
 * @code: KEXIT_PASS, KEXIT_FAIL or KEXIT_PANIC
 *
 * Semihosting SYS_EXIT with ADP_Stopped_ApplicationExit makes QEMU exit
 * with the subcode as its status. Without -semihosting the HLT is an
 * undefined instruction: the panic path comes back here, so semihosting
 * is tried once only; then PSCI SYSTEM_OFF, which QEMU turns into status
 * 0 (never a pass); then the CPU waits for interrupts, masked, forever.
 */
void kexit(unsigned int code)
{
	static bool tried;
	static uint64_t block[2];
	register uint64_t x0 __asm__("x0");
	register uint64_t x1 __asm__("x1");

	irq_save();
	if (!tried) {
		tried = true;
		block[0] = ADP_STOPPED_APPLICATION_EXIT;
		block[1] = (uint64_t)code << 1 | 1;
		x0 = SYS_EXIT;
		x1 = (uint64_t)(uintptr_t)block;
		__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	}
	x0 = PSCI_SYSTEM_OFF;
	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	for (;;)
		__asm__ volatile("wfi");
}
