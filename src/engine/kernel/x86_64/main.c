/* SPDX-License-Identifier: MIT */
/*
 * kmain: from boot.S to a running libvmalloc and its tests.
 *
 *   console -> traps -> Multiboot info copied out -> interrupts on ->
 *   TSC calibrated -> platform filled -> vmalloc_core_init() -> KTAP run
 *   -> isa-debug-exit with the pass or fail code.
 *
 * Command line (QEMU -append): seed=N (random tests), scale=N (multiplies
 * the benchmark loop counts), lazy=N (lazy_max_pages for the core).
 */
#include "arch.h"
#include "kernel.h"

/* Multiboot v1 information (the fields this kernel reads). */
#define MBI_FLAGS		0
#define MBI_CMDLINE		16
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_FLAG_CMDLINE	(1u << 2)
#define MBI_FLAG_MMAP		(1u << 6)
#define MB_BOOT_MAGIC		0x2BADB002u
#define MMAP_AVAILABLE		1

#define PIT_HZ			1193182UL
#define PIT_CH2			0x42
#define PIT_CMD			0x43
#define PIT_GATE		0x61

static uint32_t rd32(uint32_t phys, uint32_t off)
{
	return *(const volatile uint32_t *)(uintptr_t)(phys + off);
}

static uint64_t rd64(uint32_t phys, uint32_t off)
{
	return *(const volatile uint64_t *)(uintptr_t)(phys + off);
}

/*
 * Copy what we need out of the loader's data (it lives in RAM that the
 * frame pool may later cover): the available RAM regions and the command
 * line.
 */
static void boot_parse(uint32_t mbi)
{
	uint32_t flags = rd32(mbi, MBI_FLAGS);

	if (flags & MBI_FLAG_CMDLINE) {
		const char *s = (const char *)(uintptr_t)rd32(mbi, MBI_CMDLINE);
		size_t i;

		for (i = 0; s && s[i] && i + 1 < sizeof(kernel_cmdline); i++)
			kernel_cmdline[i] = s[i];
		kernel_cmdline[i] = '\0';
	}
	if (flags & MBI_FLAG_MMAP) {
		uint32_t p = rd32(mbi, MBI_MMAP_ADDR);
		uint32_t end = p + rd32(mbi, MBI_MMAP_LENGTH);

		/* Each entry: size (of the rest), base, length, type. */
		while (p < end && kernel_nr_ram < KERNEL_MAX_RAM) {
			uint32_t size = rd32(p, 0);

			if (rd32(p, 20) == MMAP_AVAILABLE) {
				kernel_ram[kernel_nr_ram].base = rd64(p, 4);
				kernel_ram[kernel_nr_ram].len = rd64(p, 12);
				kernel_nr_ram++;
			}
			p += size + 4;
		}
	}
}

/*
 * Count TSC ticks over 50 ms of PIT channel 2 (mode 0, gate on,
 * speaker off): OUT2 rises, readable in port 0x61 bit 5, at terminal
 * count. Under TCG the TSC follows the host's and the PIT follows
 * virtual time, which tracks host time: good enough for a benchmark.
 */
static uint64_t tsc_calibrate_khz(void)
{
	const unsigned long ms = 50, count = PIT_HZ * ms / 1000;
	unsigned long spins = 0;
	uint64_t t0, t1;
	uint8_t gate = inb(PIT_GATE);

	outb(PIT_GATE, (uint8_t)((gate & ~0x02) & ~0x01));	/* gate off */
	outb(PIT_CMD, 0xb0);		/* channel 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PIT_GATE, (uint8_t)((gate & ~0x02) | 0x01));	/* gate on */
	t0 = rdtsc();
	while (!(inb(PIT_GATE) & 0x20) && ++spins < 100000000UL)
		cpu_relax();
	t1 = rdtsc();
	outb(PIT_GATE, gate);
	if (t1 <= t0)
		return 1000000;		/* a 1 GHz guess beats a division by 0 */
	return (t1 - t0) / ms;
}

/**
 * kmain - the 64-bit C entry (boot.S)
 * @magic: EAX from the loader, 0x2BADB002 for Multiboot
 * @mbi: physical address of the Multiboot information
 *
 * Never returns: ends QEMU through isa-debug-exit.
 */
void kmain(uint32_t magic, uint32_t mbi);
void kmain(uint32_t magic, uint32_t mbi)
{
	console_init();
	trap_init();
	ktest_header();
	if (magic != MB_BOOT_MAGIC)
		kpanic("bad Multiboot magic 0x%x", magic);
	boot_parse(mbi);
	irq_enable();
	cycle_khz = tsc_calibrate_khz();
	kprintf("# libvmalloc kernel engine: cmdline \"%s\", TSC %lu MHz\n",
		kernel_cmdline, (unsigned long)(cycle_khz / 1000));
	kernel_run();
}
