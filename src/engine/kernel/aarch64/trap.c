/* SPDX-License-Identifier: MIT */
/*
 * What happens on an exception (entry.S saved the frame).
 *
 * A synchronous data abort or instruction abort taken at EL1 whose
 * instruction has an exception-table entry is recovered: FAR_EL1 and
 * ESR_EL1 go to kfault_last and execution resumes at the entry's fixup.
 * IRQs and FIQs are counted as spurious (no interrupt controller is set
 * up, so none should come). Everything else is a kernel bug and panics
 * with the registers, which the run reports as a failure.
 */
#include "kernel.h"

struct kfault kfault_last;
static unsigned long spurious;


static const char *const vector_names[16] = {
	"sync (EL1, SP_EL0)", "IRQ (EL1, SP_EL0)", "FIQ (EL1, SP_EL0)",
	"SError (EL1, SP_EL0)", "sync", "IRQ", "FIQ", "SError",
	"sync from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
	"sync from AArch32", "IRQ from AArch32", "FIQ from AArch32",
	"SError from AArch32",
};

void trap_init(void)
{
	/* boot.S installed the table; nothing else to route. */
}

unsigned long trap_spurious_irqs(void)
{
	return spurious;
}

/*
 * An abort we know how to recover from: either the faulting instruction
 * is in the table (a data abort), or an instruction fetch faulted at the
 * very first instruction of a callee (ELR == FAR) and the link register
 * is a kprobe_call return address.
 */
static bool fixup_abort(struct trap_frame *f)
{
	uint64_t ec = ESR_EC(f->esr);
	const struct extable_entry *e = NULL;

	if (ec == EC_DABT_CUR)
		e = extable_find(f->elr, 0);
	else if (ec == EC_IABT_CUR && f->elr == f->far)
		e = extable_find(f->x[30], 1);
	if (!e)
		return false;
	kfault_last.vector = ec;
	kfault_last.error = f->esr;
	kfault_last.addr = f->far;
	kfault_last.pc = f->elr;
	kfault_last.count++;
	f->elr = e->fixup;
	return true;
}

static void dump_frame(const struct trap_frame *f)
{
	unsigned int i;

	kprintf("# exception %s: ESR_EL1 0x%lx (EC 0x%lx) FAR_EL1 0x%lx ELR_EL1 0x%lx SPSR 0x%lx\n",
		vector_names[f->vector & 15], (unsigned long)f->esr,
		(unsigned long)ESR_EC(f->esr), (unsigned long)f->far,
		(unsigned long)f->elr, (unsigned long)f->spsr);
	for (i = 0; i < 31; i += 4)
		kprintf("# x%-2u %016lx %016lx %016lx %016lx\n", i,
			(unsigned long)f->x[i], (unsigned long)f->x[i + 1],
			(unsigned long)f->x[i + 2],
			(unsigned long)(i + 3 < 31 ? f->x[i + 3] : f->sp));
}

/**
 * trap_dispatch - C side of every exception (entry.S)
 * @f: the saved state; edits to it (elr, x[]) take effect on return
 *
 * Context: interrupts masked (the CPU masks them on entry), on the
 * interrupted stack.
 */
void trap_dispatch(struct trap_frame *f)
{
	unsigned int kind = (unsigned int)(f->vector & 3);

	if (kind == 1 || kind == 2) {
		spurious++;
		return;
	}
	if (f->vector == 4 && fixup_abort(f))
		return;
	dump_frame(f);
	kpanic("unexpected %s exception at 0x%lx", vector_names[f->vector & 15],
	       (unsigned long)f->elr);
}
