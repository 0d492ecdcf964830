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

struct boot_region kernel_ram[KERNEL_MAX_RAM];
unsigned int kernel_nr_ram;
char kernel_cmdline[256];
uint64_t cycle_khz;

static struct vm_platform plat;

/**
 * kmain - the C entry (boot.S), at EL1 with the MMU off
 *
 * Never returns: ends QEMU through semihosting (console.c).
 */
void kmain(void);
void kmain(void)
{
	static const char cmdline[] = KERNEL_CMDLINE;
	struct vmalloc_tunables tun = { .sz = sizeof(tun) };
	unsigned int i;
	int err, failed;

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

	err = kplat_setup(&plat);
	if (err)
		kpanic("platform set-up failed (%d)", err);
	tun.lazy_max_pages = cmdline_ulong("lazy", 2048);
	err = vmalloc_core_init(&plat, &tun);
	if (err)
		kpanic("vmalloc_core_init failed (%d)", err);
	kprintf("# vmalloc range 0x%lx-0x%lx, %lu frames from pfn 0x%lx, lazy_max_pages %lu\n",
		VMALLOC_START, VMALLOC_END, plat.nr_frames, plat.base_pfn,
		tun.lazy_max_pages);

	failed = ktest_run_all(&plat);
	kexit(failed ? KEXIT_FAIL : KEXIT_PASS);
}
