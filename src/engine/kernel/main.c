/* SPDX-License-Identifier: MIT */
/*
 * What every kernel does once its kmain (<arch>/main.c) has the console,
 * the traps, kernel_ram[], kernel_cmdline and cycle_khz: fill the
 * platform, start the libvmalloc core, run the KTAP suite, and exit with
 * the pass or fail code.
 */
#include "kernel.h"

struct boot_region kernel_ram[KERNEL_MAX_RAM];
unsigned int kernel_nr_ram;
char kernel_cmdline[256];
uint64_t cycle_khz;

static struct vm_platform plat;

/**
 * kernel_run - platform, vmalloc_core_init(), the tests, kexit()
 *
 * Never returns. Context: boot, interrupts enabled, called once.
 */
void kernel_run(void)
{
	struct vmalloc_tunables tun = { .sz = sizeof(tun) };
	int err, failed;

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
