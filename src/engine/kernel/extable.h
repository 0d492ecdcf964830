/* SPDX-License-Identifier: MIT */
/*
 * The exception table of the fault probes, for <arch>/entry.S (assembler
 * only): one 24-byte entry per instruction that may fault, the layout of
 * struct extable_entry (<arch>/arch.h); trap.c looks entries up.
 */
#ifndef KERNEL_EXTABLE_H
#define KERNEL_EXTABLE_H

/* Exception-table kinds. */
#define EX_INSN	0	/* the instruction at .insn faulted */
#define EX_CALL	1	/* the callee of the call (call, blr) returning to
			   .insn faulted on its first instruction fetch */

.macro EXTABLE insn, fixup, kind
	.pushsection __ex_table, "a"
	.balign 8
	.quad	\insn
	.quad	\fixup
	.quad	\kind
	.popsection
.endm

#endif /* KERNEL_EXTABLE_H */
