/* SPDX-License-Identifier: MIT */
/*
 * The kernel engine's internal interface: console, traps, the platform
 * for libvmalloc, and the test runner. Nothing here is libvmalloc API;
 * the core sees only the struct vm_platform that kplat_setup() fills.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "vmalloc/vmalloc.h"
#include "vmalloc/platform.h"

/*
 * The architecture's own header (x86_64/arch.h or aarch64/arch.h, chosen
 * by the include path): its instructions, struct kfault, struct
 * trap_frame, struct extable_entry, the vmalloc range KPLAT_VMALLOC_*,
 * the flush threshold KPLAT_INVLPG_MAX, arch_cycles(), irqs_enabled(),
 * and the expected fault syndromes (enum kfault_kind).
 */
#include "arch.h"

#define KERNEL_EFAULT	14
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))
#define KPAGE_SIZE	4096UL
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))

/*
 * Exit codes. QEMU exits with status (code << 1) | 1: on x86-64 the
 * isa-debug-exit device computes it, on AArch64 kexit() asks for that
 * status through semihosting. So only odd statuses come from the guest:
 * 33 means every test passed. A triple fault with -no-reboot (x86-64) or
 * a PSCI SYSTEM_OFF (AArch64) exits 0, which therefore always means
 * failure.
 */
#define KEXIT_PASS	0x10	/* status 33 */
#define KEXIT_FAIL	0x11	/* status 35: some test failed */
#define KEXIT_PANIC	0x12	/* status 37: unexpected trap, bad boot */

/* ---- console (console.c, lib.c, <arch>/console.c, <arch>/lib.c) -- */

/* Per architecture: the UART and the way out of QEMU. */
void console_init(void);
void arch_console_putc(char c);		/* one raw byte, polled, bounded */
__attribute__((noreturn)) void kexit(unsigned int code);

/* Shared (console.c). */
void console_write(const char *s, size_t n);	/* '\n' becomes "\r\n" */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 1, 2)))
void kpanic(const char *fmt, ...);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t kstrlen(const char *s);

/* ---- boot (main.c, <arch>/main.c) -------------------------------- */

/* The end of every kmain: the core, the tests, the exit code. */
__attribute__((noreturn)) void kernel_run(void);

/* ---- traps (trap.c, entry.S) ------------------------------------- */

extern struct kfault kfault_last;

void trap_init(void);
const struct extable_entry *extable_find(uint64_t insn, uint64_t kind);
void trap_dispatch(struct trap_frame *f);
unsigned long trap_spurious_irqs(void);

/* Fault probes (entry.S): 0, or -EFAULT with kfault_last filled in. */
int kprobe_read(const volatile void *addr, uint64_t *val);
int kprobe_write(volatile void *addr, uint64_t val);
long kprobe_call(const void *code);

/* ---- time (main.c) ----------------------------------------------- */

extern uint64_t cycle_khz;		/* arch_cycles() per millisecond */

/* ---- the platform (platform.c, <arch>/platform.c) ---------------- */

/* What the engine counts about itself (printed and checked by tests). */
struct kplat_stats {
	unsigned long flush_calls;	/* flush_tlb_kernel_range() calls */
	unsigned long flush_pages;	/* pages flushed one by one */
	unsigned long flush_full;	/* whole-TLB flushes */
	unsigned long sync_calls;	/* flush_cache_vmap() calls (AArch64) */
	unsigned long log_lines[8];	/* per VM_LOG_* level */
	unsigned long meta_bytes;	/* handed out by meta_alloc */
	unsigned long meta_peak;
	unsigned long meta_region;	/* size of the metadata region */
	unsigned long lock_depth;	/* platform locks held now */
};
extern struct kplat_stats kplat_stats;

/*
 * kplat_setup - fill @p for this machine: frames and the metadata region
 * from kernel_ram[], the live top-level table, the hooks.
 * Return: 0, or -ENOMEM (with a console line) when no RAM region is
 * big enough.
 */
int kplat_setup(struct vm_platform *p);

/*
 * Per architecture (<arch>/platform.c), called by kplat_setup():
 * arch_plat_ram - the page-aligned RAM range [*start, *end) above the
 *   image, inside the identity map, that kplat_setup() may carve up
 *   (*start >= *end when there is none);
 * arch_plat_fill - set what differs in @p: name, pgd, mmu, the new-entry
 *   hook, cpu; and print the architecture's set-up line.
 */
void arch_plat_ram(unsigned long *start, unsigned long *end);
void arch_plat_fill(struct vm_platform *p);
/*
 * The TLB, for kplat_setup()'s flush_tlb_kernel_range: drop the entries
 * of @pages pages from @va, or every entry (global ones too). Both must
 * order the core's earlier table writes before the invalidation and be
 * complete on return.
 */
void arch_flush_tlb_pages(unsigned long va, unsigned long pages);
void arch_flush_tlb_all(void);

/*
 * The metadata region (meta.c): kmeta_init() hands it [base, end), page
 * aligned; kmeta_alloc/kmeta_free are the meta_alloc/meta_free hooks.
 */
void kmeta_init(unsigned long base, unsigned long end);
void *kmeta_alloc(void *ctx, size_t size);
void kmeta_free(void *ctx, void *ptr, size_t size);

/* The kernel image bounds (kernel.ld). */
extern char __kernel_start[], __kernel_end[];

/* ---- boot information (main.c), copied out of the loader's data ---- */

struct boot_region {
	uint64_t base;
	uint64_t len;
};
#define KERNEL_MAX_RAM	32
extern struct boot_region kernel_ram[KERNEL_MAX_RAM];	/* available RAM */
extern unsigned int kernel_nr_ram;
extern char kernel_cmdline[256];			/* "" when none */

/* The value of "key=<number>" on the command line, or @dflt. */
unsigned long cmdline_ulong(const char *key, unsigned long dflt);

/* ---- tests (ktest.c, tests.c, bench.c) ----------------------------- */

/* Print the KTAP header and plan (first thing on the console). */
void ktest_header(void);

/*
 * ktest_run_all - run every test case, printing KTAP results.
 * Return: the number of failed cases.
 */
int ktest_run_all(const struct vm_platform *plat);

#endif /* KERNEL_KERNEL_H */
