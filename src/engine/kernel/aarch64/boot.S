/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 entry. QEMU's virt board loads the ELF at its physical
 * addresses (kernel.ld: RAM + 512 KiB) and jumps to _start with the MMU
 * off, at EL1 (cortex-a57 without virtualization=on), or at EL2 when the
 * board emulates it: then we set EL1 up as a 64-bit kernel level and drop
 * to it. Next: the vector table into VBAR_EL1, FP/SIMD access on (the
 * kernel is built -mgeneral-regs-only, but a stray instruction should not
 * trap), the boot stack, .bss cleared, and kmain() (main.c), which turns
 * the MMU on and never returns.
 */

#define CURRENTEL_EL2	(2 << 2)
#define HCR_RW		(1 << 31)	/* EL1 is AArch64 */
#define SPSR_EL1H_MASKED 0x3c5		/* EL1h, D A I F masked */
#define CPACR_FPEN	(3 << 20)

	.section .text.boot, "ax"
	.globl	_start
_start:
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	1f
	/* EL2: EL1 runs AArch64, may read the counters, sees no traps. */
	mov	x0, #HCR_RW
	msr	hcr_el2, x0
	mov	x0, #3			/* EL1PCTEN, EL1PCEN */
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	msr	cptr_el2, xzr		/* no FP/SIMD traps to EL2 */
	mov	x0, #SPSR_EL1H_MASKED
	msr	spsr_el2, x0
	adr	x0, 1f
	msr	elr_el2, x0
	eret
1:
	/* EL1, MMU off. SCTLR_EL1: known state, caches off, little endian. */
	ldr	x0, =0x30d00800		/* RES1 bits of SCTLR_EL1 */
	msr	sctlr_el1, x0
	isb
	adr	x0, vectors
	msr	vbar_el1, x0
	mov	x0, #CPACR_FPEN
	msr	cpacr_el1, x0
	isb
	msr	spsel, #1
	ldr	x0, =boot_stack_top
	mov	sp, x0
	/* .bss: 16-byte aligned and sized (kernel.ld). */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
2:	cmp	x0, x1
	b.hs	3f
	stp	xzr, xzr, [x0], #16
	b	2b
3:	mov	x29, xzr
	mov	x30, xzr
	bl	kmain
4:	wfi
	b	4b

	.bss
	.balign	16
boot_stack:
	.space	64 * 1024
	.globl	boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
