/* SPDX-License-Identifier: MIT */
/*
 * kmain: from boot.S to a running libvmalloc and its tests.
 *
 *   MMU on (mmu.c) -> console -> traps -> RAM and the counter ->
 *   interrupts unmasked -> platform filled -> vmalloc_core_init() ->
 *   KTAP run -> semihosting exit with the pass or fail code.
 *
 * RAM is what the makefile gives QEMU (-m, KERNEL_RAM_MB) from 1 GiB up;
 * the image sits at its start (kernel.ld). QEMU passes no command line
 * to a bare ELF, so seed=, scale= and lazy= take their defaults here
 * (KERNEL_CMDLINE, a build-time string, may set them).
 */
#include "kernel.h"
#include "mmu.h"

#ifndef KERNEL_CMDLINE
#define KERNEL_CMDLINE	""
#endif

/**
 * kmain - the C entry (boot.S), at EL1 with the MMU off
 *
 * Never returns: ends QEMU through semihosting (console.c).
 */
void kmain(void);
void kmain(void)
{
	static const char cmdline[] = KERNEL_CMDLINE;
	unsigned int i;

	mmu_init();
	console_init();
	trap_init();
	ktest_header();
	for (i = 0; i + 1 < sizeof(kernel_cmdline) && cmdline[i]; i++)
		kernel_cmdline[i] = cmdline[i];
	kernel_ram[0].base = KERNEL_RAM_BASE;
	/* mmu.c maps RAM with one level-2 table: at most 1 GiB of it. */
	kernel_ram[0].len = (KERNEL_RAM_MB < 1024 ? KERNEL_RAM_MB : 1024UL) << 20;
	kernel_nr_ram = 1;
	cycle_khz = read_sysreg(cntfrq_el0) / 1000;
	irq_enable();
	kprintf("# libvmalloc kernel engine (aarch64): EL%lu, cmdline \"%s\", counter %lu kHz, %lu MiB RAM\n",
		(unsigned long)(read_sysreg(CurrentEL) >> 2) & 3, kernel_cmdline,
		(unsigned long)cycle_khz, (unsigned long)KERNEL_RAM_MB);
	kernel_run();
}
