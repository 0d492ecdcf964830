/* SPDX-License-Identifier: MIT */
/*
 * The exception vector table (VBAR_EL1) and the fault probes.
 *
 * The table has 16 entries of 128 bytes: {current EL with SP_EL0,
 * current EL with SP_ELx, lower EL AArch64, lower EL AArch32} x {sync,
 * IRQ, FIQ, SError}. The kernel runs at EL1 on SP_EL1, so real traffic
 * comes through entries 4-7; every entry saves the same frame (struct
 * trap_frame in arch.h) and calls trap_dispatch(frame) with its number.
 * On the way back the frame, possibly edited (a new ELR_EL1 from the
 * exception table, a new x30), is restored and eret resumes it.
 *
 *   frame, low to high: x0 .. x30 | sp | elr spsr esr far | vector pad
 *   (38 words = 304 bytes: the stack stays 16-byte aligned)
 *
 * The probes touch memory that may fault. Each faulting instruction has
 * an __ex_table entry naming where to resume: the data-abort handler
 * records FAR_EL1 and ESR_EL1 and resumes there, so the probe returns
 * -EFAULT instead of the kernel dying.
 */

#include "extable.h"

#define EFAULT		14
#define FRAME_SIZE	304

.macro VENTRY n
	.balign	128
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #0]
	mov	x0, #\n
	b	trap_common
.endm

	.text
	.balign	2048
	.globl	vectors
vectors:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	VENTRY	\n
	.endr

trap_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	add	x1, sp, #FRAME_SIZE	/* sp at the exception */
	stp	x30, x1, [sp, #240]
	mrs	x1, elr_el1
	mrs	x2, spsr_el1
	stp	x1, x2, [sp, #256]
	mrs	x1, esr_el1
	mrs	x2, far_el1
	stp	x1, x2, [sp, #272]
	stp	x0, xzr, [sp, #288]	/* vector, pad */
	mov	x0, sp
	bl	trap_dispatch
	ldp	x1, x2, [sp, #256]
	msr	elr_el1, x1
	msr	spsr_el1, x2
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #FRAME_SIZE
	eret

/* int kprobe_read(const volatile void *addr, uint64_t *val) */
	.globl	kprobe_read
kprobe_read:
1:	ldr	x2, [x0]
	str	x2, [x1]
	mov	w0, #0
	ret
2:	mov	w0, #-EFAULT
	ret
	EXTABLE	1b, 2b, EX_INSN

/* int kprobe_write(volatile void *addr, uint64_t val) */
	.globl	kprobe_write
kprobe_write:
1:	str	x1, [x0]
	mov	w0, #0
	ret
2:	mov	w0, #-EFAULT
	ret
	EXTABLE	1b, 2b, EX_INSN

/*
 * long kprobe_call(const void *code): call @code, return what it returns
 * in x0, or -EFAULT when fetching its first instruction faulted. The
 * instruction abort is taken at @code itself with x30 = our return
 * address: the handler matches x30 against the table and resumes at the
 * fixup (blr pushed nothing, so the stack is as we left it).
 */
	.globl	kprobe_call
kprobe_call:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	blr	x0
1:	ldp	x29, x30, [sp], #16
	ret
2:	mov	x0, #-EFAULT
	ldp	x29, x30, [sp], #16
	ret
	EXTABLE	1b, 2b, EX_CALL

	.section .note.GNU-stack, "", @progbits
