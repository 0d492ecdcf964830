/* SPDX-License-Identifier: MIT */
/*
 * The exception table, the same on every architecture: the probe
 * instructions (kprobe_* in <arch>/entry.S) that may fault, each with the
 * address to resume at. The trap handlers (<arch>/trap.c) look faults up
 * here.
 */
#include "kernel.h"

extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

/**
 * extable_find - the exception-table entry for a faulting instruction
 * @insn: the address of the instruction
 * @kind: 0 when @insn is the instruction that faulted, 1 when @insn
 *        stands for a call whose callee faulted at its entry (struct
 *        extable_entry in <arch>/arch.h says which address that is)
 *
 * Return: the entry, or NULL when @insn is not a probe.
 */
const struct extable_entry *extable_find(uint64_t insn, uint64_t kind)
{
	const struct extable_entry *e;

	for (e = __start_ex_table; e < __stop_ex_table; e++)
		if (e->insn == insn && e->kind == kind)
			return e;
	return NULL;
}
