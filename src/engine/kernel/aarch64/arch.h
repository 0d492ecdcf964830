/* SPDX-License-Identifier: MIT */
/*
 * AArch64 for the kernel engine: system registers, barriers, TLB and
 * cache maintenance, the interrupt mask and the generic timer, as inline
 * functions; then what the shared files (ktest.c, tests.c, bench.c) ask
 * of an architecture (the ARCH_* block at the end). The x86-64 twin is
 * ../x86_64/arch.h.
 *
 * Every asm that changes how the CPU sees memory (translation, barriers,
 * the interrupt mask) clobbers "memory", so the compiler does not move
 * loads and stores across it.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>
#include <stdbool.h>

/* How to set seed= and scale= (printed by the runner). */
#define ARCH_CMDLINE_HINT	"make qemu-test KERNEL_A64_CMDLINE=\"seed=N scale=N\""

/* ---- system registers -------------------------------------------- */

#define read_sysreg(r) ({						\
	uint64_t __v;							\
	__asm__ volatile("mrs %0, " #r : "=r"(__v) : : "memory");	\
	__v;								\
})
#define write_sysreg(r, v)						\
	__asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")

static inline void isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

static inline void dsb_ish(void)
{
	__asm__ volatile("dsb ish" : : : "memory");
}

static inline void dsb_ishst(void)
{
	__asm__ volatile("dsb ishst" : : : "memory");
}

static inline void dsb_sy(void)
{
	__asm__ volatile("dsb sy" : : : "memory");
}

/* SCTLR_EL1 bits this kernel sets or checks. */
#define SCTLR_M		(1UL << 0)	/* stage 1 translation */
#define SCTLR_A		(1UL << 1)	/* alignment checks (kept off) */
#define SCTLR_C		(1UL << 2)	/* data cacheable */
#define SCTLR_SA	(1UL << 3)	/* SP alignment check */
#define SCTLR_I		(1UL << 12)	/* instruction cacheable */
#define SCTLR_WXN	(1UL << 19)	/* writable implies XN (kept off) */

/* ESR_ELx: exception class and the fault status codes of the tests. */
#define ESR_EC(esr)	(((esr) >> 26) & 0x3f)
#define ESR_IL		(1UL << 25)
#define ESR_WNR		(1UL << 6)	/* data abort: the access was a write */
#define ESR_FSC(esr)	((esr) & 0x3f)
#define EC_UNKNOWN	0x00
#define EC_SVC64	0x15
#define EC_IABT_CUR	0x21	/* instruction abort, same EL */
#define EC_PC_ALIGN	0x22
#define EC_DABT_CUR	0x25	/* data abort, same EL */
#define EC_SP_ALIGN	0x26
#define EC_BRK64	0x3c
#define FSC_TRANS(l)	(0x04UL + (unsigned long)(l))	/* translation fault, level l */
#define FSC_ACCESS(l)	(0x08UL + (unsigned long)(l))	/* access flag fault */
#define FSC_PERM(l)	(0x0cUL + (unsigned long)(l))	/* permission fault */

/* PAR_EL1 after AT: F (bit 0) set means the walk faulted. */
#define PAR_F		(1UL << 0)
#define PAR_PA_MASK	0x0000fffffffff000ULL

/* Stage 1 translation (AT S1E1R/S1E1W) of @va; returns PAR_EL1. */
static inline uint64_t at_s1e1r(unsigned long va)
{
	__asm__ volatile("at s1e1r, %0" : : "r"(va) : "memory");
	isb();
	return read_sysreg(par_el1);
}

static inline uint64_t at_s1e1w(unsigned long va)
{
	__asm__ volatile("at s1e1w, %0" : : "r"(va) : "memory");
	isb();
	return read_sysreg(par_el1);
}

/* ---- TLB and caches ------------------------------------------------ */

/* One page, every ASID, inner shareable (the address goes in bits 43:0
 * as VA >> 12). The caller brackets it with DSB ISHST / DSB ISH; ISB. */
static inline void tlbi_vaae1is(unsigned long va)
{
	__asm__ volatile("tlbi vaae1is, %0" : : "r"((va >> 12) & 0xfffffffffffUL)
			 : "memory");
}

static inline void tlbi_vmalle1is(void)
{
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
}

/* Make freshly written code at [start, start + len) fetchable. */
static inline void sync_icache(unsigned long start, unsigned long len)
{
	unsigned long ctr = read_sysreg(ctr_el0);
	unsigned long dline = 4UL << ((ctr >> 16) & 0xf);
	unsigned long iline = 4UL << (ctr & 0xf);
	unsigned long a;

	for (a = start & ~(dline - 1); a < start + len; a += dline)
		__asm__ volatile("dc cvau, %0" : : "r"(a) : "memory");
	dsb_ish();
	for (a = start & ~(iline - 1); a < start + len; a += iline)
		__asm__ volatile("ic ivau, %0" : : "r"(a) : "memory");
	dsb_ish();
	isb();
}

/* ---- interrupts: PSTATE.I --------------------------------------- */

#define DAIF_I		(1UL << 7)

static inline unsigned long read_flags(void)
{
	return read_sysreg(daif);
}

/* Mask IRQs; return the previous DAIF for irq_restore(). */
static inline unsigned long irq_save(void)
{
	unsigned long f = read_sysreg(daif);

	__asm__ volatile("msr daifset, #2" : : : "memory");
	return f;
}

static inline void irq_restore(unsigned long f)
{
	if (!(f & DAIF_I))
		__asm__ volatile("msr daifclr, #2" : : : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

static inline bool irqs_enabled(void)
{
	return !(read_flags() & DAIF_I);
}

static inline void cpu_relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

/* ---- time: the generic timer's virtual count --------------------- */

static inline uint64_t arch_cycles(void)
{
	isb();		/* do not let the read float above earlier work */
	return read_sysreg(cntvct_el0);
}

/* ---- what the shared kernel files need from an architecture ------- */

/* The last fault that an exception-table fixup recovered from. */
struct kfault {
	unsigned long count;	/* recovered faults since boot */
	uint64_t vector;	/* the exception class, ESR_EL1.EC */
	uint64_t error;		/* ESR_EL1 as the fault left it */
	uint64_t addr;		/* FAR_EL1 */
	uint64_t pc;		/* ELR_EL1: where it happened */
};

/*
 * The syndrome a fault of each kind must have, with the bits that vary
 * between instructions (ISV and the register fields, IL) left out by
 * kfault_key(). A vmalloc guard page or a purged area sits in a PTE table
 * that stays (tables are never freed), so its translation fault is at
 * level 3.
 */
enum kfault_kind {
	KF_READ_UNMAPPED,
	KF_WRITE_UNMAPPED,
	KF_WRITE_READONLY,
	KF_FETCH_NOEXEC,
};

static inline uint64_t kfault_key(uint64_t esr)
{
	return (uint64_t)ESR_EC(esr) << 26 |
	       (ESR_EC(esr) == EC_DABT_CUR ? (esr & ESR_WNR) : 0) | ESR_FSC(esr);
}

static inline uint64_t kfault_expect(enum kfault_kind k)
{
	switch (k) {
	case KF_READ_UNMAPPED:
		return (uint64_t)EC_DABT_CUR << 26 | FSC_TRANS(3);
	case KF_WRITE_UNMAPPED:
		return (uint64_t)EC_DABT_CUR << 26 | ESR_WNR | FSC_TRANS(3);
	case KF_WRITE_READONLY:
		return (uint64_t)EC_DABT_CUR << 26 | ESR_WNR | FSC_PERM(3);
	case KF_FETCH_NOEXEC:
		return (uint64_t)EC_IABT_CUR << 26 | FSC_PERM(3);
	}
	return ~0ULL;
}

/* One __ex_table entry (EXTABLE in entry.S). */
struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
	uint64_t kind;		/* 0: insn faulted; 1: the callee of the blr
				   that returns to insn faulted at its entry */
};

/* The registers as entry.S saves them for trap_dispatch(). */
struct trap_frame {
	uint64_t x[31];		/* x0 .. x30 (x30 is the link register) */
	uint64_t sp;		/* at the exception */
	uint64_t elr, spsr, esr, far;
	uint64_t vector;	/* entry number in the table, 0 .. 15 */
	uint64_t pad;
};

/*
 * Physical memory on QEMU's virt board starts at 1 GiB; the image is
 * linked at RAM + 512 KiB (kernel.ld), below it QEMU may put the DTB.
 * KERNEL_RAM_MB is the -m the makefile gives QEMU.
 */
#define KERNEL_RAM_BASE	0x40000000UL
#ifndef KERNEL_RAM_MB
#define KERNEL_RAM_MB	256UL
#endif
#define KERNEL_UART_BASE 0x09000000UL

/*
 * The vmalloc range: 1 TiB in the middle of the TTBR1 half (which spans
 * 0xffff000000000000 up: T1SZ = 16), level-0 slots 256-257 of the TTBR1
 * root, where arm64 Linux puts its vmalloc range too. The core owns the
 * root's entries for it; boot_ttbr1 (mmu.h) is that root.
 */
#define KPLAT_VMALLOC_START	0xffff800000000000UL
#define KPLAT_VMALLOC_SIZE	(1UL << 40)
/* The runner's cases of this architecture only (after the shared ones). */
#define ARCH_CASES	{ "bbm_replace", test_bbm_replace, KT_WARNINGS_OK },

/* Above this many pages a flush is TLBI VMALLE1IS instead of per page. */
#define KPLAT_INVLPG_MAX	32UL

#endif /* KERNEL_ARCH_H */
