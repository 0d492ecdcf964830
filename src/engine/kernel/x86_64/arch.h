/* SPDX-License-Identifier: MIT */
/*
 * x86-64 instructions the kernel engine needs, as inline functions: port
 * I/O, control registers, MSRs, TLB maintenance, the interrupt flag and
 * the time-stamp counter. Everything here is a single instruction (or
 * two); the asm statements carry "memory" clobbers wherever the CPU's view
 * of memory changes (paging, interrupts), so the compiler cannot move
 * loads and stores across them.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>
#include <stdbool.h>

/* How to set seed= and scale= (printed by the runner). */
#define ARCH_CMDLINE_HINT	"make qemu-test KERNEL_APPEND=\"seed=N scale=N\""

#define X86_CR0_WP	(1UL << 16)	/* ring 0 honours read-only PTEs */
#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PAE	(1UL << 5)
#define X86_CR4_PGE	(1UL << 7)	/* global pages survive CR3 loads */
#define X86_CR4_LA57	(1UL << 12)	/* 5-level paging */
#define X86_EFLAGS_IF	(1UL << 9)
#define MSR_EFER	0xc0000080u
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define EFER_NXE	(1UL << 11)

/* Page-fault error code bits (the CPU pushes them with vector 14). */
#define PF_PROT		0x01u	/* 0: not present, 1: protection violation */
#define PF_WRITE	0x02u
#define PF_USER		0x04u
#define PF_RSVD		0x08u
#define PF_INSTR	0x10u	/* instruction fetch (needs EFER.NXE) */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v) : : "memory");
	return v;
}

static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v) : : "memory");
	return v;
}

static inline void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void invlpg(unsigned long va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: do not let the read float above earlier work. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline unsigned long read_flags(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0" : "=r"(f) : : "memory");
	return f;
}

/* Disable interrupts; return the previous RFLAGS for irq_restore(). */
static inline unsigned long irq_save(void)
{
	unsigned long f;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(unsigned long f)
{
	if (f & X86_EFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline uint64_t arch_cycles(void)
{
	return rdtsc();
}

static inline bool irqs_enabled(void)
{
	return read_flags() & X86_EFLAGS_IF;
}

/* ---- what the shared kernel files need from an architecture ------- */

/* The last fault that an exception-table fixup recovered from. */
struct kfault {
	unsigned long count;	/* recovered faults since boot */
	uint64_t vector;	/* 14 */
	uint64_t error;		/* the page-fault error code */
	uint64_t addr;		/* CR2 */
	uint64_t pc;		/* RIP: where it happened */
};

/* The page-fault error code each kind of fault must have. */
enum kfault_kind {
	KF_READ_UNMAPPED,
	KF_WRITE_UNMAPPED,
	KF_WRITE_READONLY,
	KF_FETCH_NOEXEC,
};

static inline uint64_t kfault_key(uint64_t error)
{
	return 14ULL << 32 | error;
}

static inline uint64_t kfault_expect(enum kfault_kind k)
{
	static const uint64_t err[] = {
		[KF_READ_UNMAPPED] = 0,
		[KF_WRITE_UNMAPPED] = PF_WRITE,
		[KF_WRITE_READONLY] = PF_PROT | PF_WRITE,
		[KF_FETCH_NOEXEC] = PF_PROT | PF_INSTR,
	};

	return 14ULL << 32 | err[k];
}

/* One __ex_table entry (EXTABLE in entry.S). */
struct extable_entry {
	uint64_t insn;
	uint64_t fixup;
	uint64_t kind;		/* 0: insn faulted; 1: call to insn's callee */
};

/* The stack as entry.S leaves it for trap_dispatch(). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * The PML4 and PML5 (boot.S; the PML5 is used only with 5-level paging,
 * where PML5[0] -> the PML4), and how many levels the CPU walks (4 or 5,
 * set by boot.S from CPUID before paging is on).
 */
extern uint64_t kernel_pml4[512];
extern uint64_t kernel_pml5[512];
extern uint32_t boot_paging_levels;

static inline bool kernel_la57(void)
{
	return boot_paging_levels == 5;
}

/* The live top-level table: what CR3 points at. */
static inline uint64_t *kernel_top(void)
{
	return kernel_la57() ? kernel_pml5 : kernel_pml4;
}

/* The runner's cases of this architecture only: none. */
#define ARCH_CASES

/* Above this many pages a flush reloads the whole TLB instead. */
#define KPLAT_INVLPG_MAX	32UL

/*
 * The vmalloc range: where Linux puts it with 4-level paging (PML4 slots
 * 402-403), or with 5-level paging (PML5 slot 416: above anything 4-level
 * paging can address).
 */
#define KPLAT_VMALLOC_START_4L	0xffffc90000000000UL
#define KPLAT_VMALLOC_START_5L	0xffa0000000000000UL
#define KPLAT_VMALLOC_START	(kernel_la57() ? KPLAT_VMALLOC_START_5L : \
				 KPLAT_VMALLOC_START_4L)
#define KPLAT_VMALLOC_SIZE	(1UL << 40)		/* 1 TiB */

#endif /* KERNEL_ARCH_H */
