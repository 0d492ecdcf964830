/* SPDX-License-Identifier: MIT */
/*
 * The IDT, the 8259 PICs, and what happens on a trap.
 *
 * Vectors 0..31 are CPU exceptions, 32..47 the (remapped, masked) PIC
 * lines. A page fault whose instruction has an exception-table entry is
 * recovered: CR2 and the error code go to kfault_last and execution
 * resumes at the entry's fixup. Every other exception is a kernel bug and
 * panics with the registers, which the run reports as a failure.
 */
#include "arch.h"
#include "kernel.h"

#define IDT_ENTRIES	48
#define GATE_INTR	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define KERNEL_CS	0x08

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIC_EOI		0x20

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static unsigned long spurious;

struct kfault kfault_last;

extern const uint64_t isr_stubs[IDT_ENTRIES];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 error", "alignment check",
	"machine check", "SIMD error", "virtualization", "control protection",
	"reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
	"hypervisor injection", "VMM communication", "security", "reserved",
};

/*
 * Remap the PICs to vectors 32..47 (their power-on vectors 8..15 collide
 * with CPU exceptions) and mask every line: this kernel polls, and the
 * only interrupts it could see are spurious ones.
 */
static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 32);		/* ICW2: vector base */
	outb(PIC2_DATA, 40);
	outb(PIC1_DATA, 0x04);		/* ICW3: slave on line 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void trap_init(void)
{
	struct idt_desc d;
	unsigned int i;

	for (i = 0; i < IDT_ENTRIES; i++) {
		uint64_t a = isr_stubs[i];

		idt[i].off_lo = (uint16_t)a;
		idt[i].sel = KERNEL_CS;
		idt[i].ist = 0;
		idt[i].type = GATE_INTR;
		idt[i].off_mid = (uint16_t)(a >> 16);
		idt[i].off_hi = (uint32_t)(a >> 32);
		idt[i].zero = 0;
	}
	d.limit = sizeof(idt) - 1;
	d.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
	pic_init();
}

unsigned long trap_spurious_irqs(void)
{
	return spurious;
}

/*
 * A page fault we know how to recover from: either the faulting
 * instruction is in the table, or (an instruction fetch that faulted at
 * the very first byte of a callee, RIP == CR2) the return address on top
 * of the stack is a kprobe_call site.
 */
static bool fixup_page_fault(struct trap_frame *f, uint64_t cr2)
{
	const struct extable_entry *e = extable_find(f->rip, 0);
	uint64_t rip = f->rip;

	if (!e && (f->error & PF_INSTR) && f->rip == cr2) {
		e = extable_find(*(const uint64_t *)f->rsp, 1);
		if (e)
			f->rsp += 8;	/* the call's return address */
	}
	if (!e)
		return false;
	kfault_last.vector = f->vector;
	kfault_last.error = f->error;
	kfault_last.addr = cr2;
	kfault_last.pc = rip;
	kfault_last.count++;
	f->rip = e->fixup;
	return true;
}

static void dump_frame(const struct trap_frame *f, uint64_t cr2)
{
	kprintf("# trap %lu (%s) error 0x%lx at rip 0x%lx, cr2 0x%lx\n",
		f->vector, f->vector < 32 ? exception_names[f->vector] : "irq",
		f->error, f->rip, cr2);
	kprintf("# rax %016lx rbx %016lx rcx %016lx rdx %016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("# rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n",
		f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("# r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n",
		f->r8, f->r9, f->r10, f->r11);
	kprintf("# r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n",
		f->r12, f->r13, f->r14, f->r15);
	kprintf("# rflags %016lx cs %lx ss %lx cr3 %016lx\n",
		f->rflags, f->cs, f->ss, read_cr3());
}

/**
 * trap_dispatch - C side of every exception and interrupt (entry.S)
 * @f: the saved state; edits to it take effect on return
 *
 * Context: interrupts off (interrupt gates), on the interrupted stack.
 */
void trap_dispatch(struct trap_frame *f)
{
	uint64_t cr2 = f->vector == 14 ? read_cr2() : 0;

	if (f->vector >= 32) {
		/*
		 * Every line is masked, so this is a spurious IRQ 7 or 15:
		 * IRQ 7 is not in service (no EOI); for IRQ 15 the master's
		 * cascade line is, so the master alone gets one.
		 */
		spurious++;
		if (f->vector >= 40)
			outb(PIC1_CMD, PIC_EOI);
		return;
	}
	if (f->vector == 14 && fixup_page_fault(f, cr2))
		return;
	dump_frame(f, cr2);
	kpanic("unexpected %s at 0x%lx", exception_names[f->vector], f->rip);
}
