/* SPDX-License-Identifier: MIT */
/*
 * Exception entry and the fault probes.
 *
 * Every vector 0..47 has a stub that makes the stack look the same
 * (an error code, the vector number, then the general registers) and
 * calls trap_dispatch(struct trap_frame *). On the way back the frame,
 * possibly edited by the handler (a new RIP from the exception table),
 * is restored and iretq resumes it.
 *
 *   stack after the stub, low to high (struct trap_frame in kernel.h):
 *     r15 .. rax | vector | error | rip cs rflags rsp ss (pushed by the CPU)
 *
 * The CPU aligns RSP to 16 bytes before pushing its 5 words in 64-bit
 * mode; 5 + 2 + 15 words = 176 bytes keeps the C call aligned.
 *
 * The probes touch memory that may fault. Each faulting instruction has
 * an entry in __ex_table naming where to resume; the page-fault handler
 * records CR2 and the error code and resumes there, so the probe returns
 * -EFAULT instead of the kernel dying.
 */

#include "extable.h"

#define EFAULT	14

	.text
	.code64

/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30. */
.macro STUB n
	.balign 16
isr_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq	$0
	.endif
	pushq	$\n
	jmp	isr_common
.endm

	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	STUB	\n
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl	isr_stubs
isr_stubs:
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad	isr_\n
	.endr
	.text

/* int kprobe_read(const volatile void *addr, uint64_t *val) */
	.globl	kprobe_read
kprobe_read:
1:	movq	(%rdi), %rax
	movq	%rax, (%rsi)
	xorl	%eax, %eax
	ret
2:	movl	$-EFAULT, %eax
	ret
	EXTABLE	1b, 2b, EX_INSN

/* int kprobe_write(volatile void *addr, uint64_t val) */
	.globl	kprobe_write
kprobe_write:
1:	movq	%rsi, (%rdi)
	xorl	%eax, %eax
	ret
2:	movl	$-EFAULT, %eax
	ret
	EXTABLE	1b, 2b, EX_INSN

/*
 * long kprobe_call(const void *code): call @code, return what it returns
 * in RAX, or -EFAULT when fetching its first instruction faulted. The
 * fault is taken at @code itself, with our return address on top of the
 * stack: the handler pops it and resumes at the fixup.
 */
	.globl	kprobe_call
kprobe_call:
	call	*%rdi
1:	ret
2:	movq	$-EFAULT, %rax
	ret
	EXTABLE	1b, 2b, EX_CALL

	.section .note.GNU-stack, "", @progbits
