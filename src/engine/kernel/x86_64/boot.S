/* SPDX-License-Identifier: MIT */
/*
 * From a Multiboot v1 loader to 64-bit C.
 *
 * The loader (QEMU's -kernel, GRUB) enters _start in 32-bit protected
 * mode with paging off, EAX = 0x2BADB002 and EBX = the physical address
 * of the Multiboot information. We then:
 *
 *   1. clear .bss (the page tables and the boot stack live there),
 *   2. check that the CPU has long mode and NX (no point going on
 *      without them: the vmalloc PTEs carry the NX bit),
 *   3. identity-map the first 4 GiB: PML4[0] -> one PDPT -> four PDs of
 *      2 MiB pages, except the first 2 MiB, mapped with 4 KiB pages so
 *      that page 0 stays unmapped and a NULL dereference faults; when
 *      the CPU has 5-level paging (CPUID.(EAX=7,ECX=0):ECX[16], LA57),
 *      a PML5 goes on top, PML5[0] -> that PML4,
 *   4. turn on PAE + PGE (and LA57 with 5 levels: CR4.LA57 can only be
 *      set while long mode is not active, so here, before paging), then
 *      EFER.LME + EFER.NXE, then paging with CR0.WP (so ring 0 honours
 *      read-only PTEs, which the tests rely on),
 *   5. far-jump into a 64-bit code segment and call kmain(magic, mbi).
 *
 * Everything is linked at its physical address below 4 GiB, so 32-bit
 * absolute references work in both modes. The top-level table (the PML4,
 * kernel_pml4, or with 5 levels the PML5, kernel_pml5) is live:
 * libvmalloc fills its entries for the vmalloc range and the CPU walks
 * them. boot_paging_levels says which (4 or 5).
 */

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory map */
#define MB_BOOT_MAGIC	0x2BADB002

#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PS		0x080

#define CR0_PE		0x00000001
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define CR4_PGE		0x00000080
#define CR4_LA57	0x00001000
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4
#define BOOT_FAIL_CODE	0x12		/* same as a panic (see kernel.h) */

#define BOOT_STACK_SIZE	65536

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	movl	%eax, %esi		/* keep magic and mbi out of stosl's way */
	movl	%ebx, %ebp
	movl	$boot_stack_top, %esp

	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	cmpl	$MB_BOOT_MAGIC, %esi
	jne	no_multiboot

	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx		/* LM */
	jnc	no_long_mode
	btl	$20, %edx		/* NX */
	jnc	no_nx

	/* 5-level paging when the CPU has it (leaf 7, ECX bit 16). */
	movl	$4, boot_paging_levels
	xorl	%eax, %eax
	cpuid
	cmpl	$7, %eax
	jb	8f
	movl	$7, %eax
	xorl	%ecx, %ecx
	cpuid
	btl	$16, %ecx		/* LA57 */
	jnc	8f
	movl	$5, boot_paging_levels
8:

	/* PML4[0] -> PDPT; PDPT[0..3] -> the four PDs. */
	movl	$boot_pdpt, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, kernel_pml4
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, boot_pdpt(, %ecx, 8)
	incl	%ecx
	cmpl	$4, %ecx
	jb	1b

	/* 2048 PD entries of 2 MiB each: 0 .. 4 GiB. */
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_RW | PTE_PS), %eax
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	/* The first 2 MiB again, with 4 KiB pages and page 0 left out. */
	movl	$1, %ecx
3:	movl	%ecx, %eax
	shll	$12, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, boot_pt_low(, %ecx, 8)
	incl	%ecx
	cmpl	$512, %ecx
	jb	3b
	movl	$boot_pt_low, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, boot_pd

	/* With 5 levels, PML5[0] -> the PML4 above, and CR3 -> the PML5. */
	movl	$kernel_pml4, %eax
	cmpl	$5, boot_paging_levels
	jne	9f
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, kernel_pml5
	movl	$kernel_pml5, %eax
9:	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_PGE), %eax
	cmpl	$5, boot_paging_levels
	jne	10f
	orl	$CR4_LA57, %eax
10:	movl	%eax, %cr4
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	boot_gdt_desc
	ljmp	$0x08, $long_entry

/* Fatal boot errors: one line on COM1, then the failure exit code. */
no_multiboot:
	movl	$msg_no_multiboot, %ebx
	jmp	boot_fail
no_long_mode:
	movl	$msg_no_long_mode, %ebx
	jmp	boot_fail
no_nx:
	movl	$msg_no_nx, %ebx
boot_fail:
	movw	$COM1, %dx
4:	movb	(%ebx), %al
	testb	%al, %al
	jz	5f
	outb	%al, %dx
	incl	%ebx
	jmp	4b
5:	movw	$DEBUG_EXIT, %dx
	movl	$BOOT_FAIL_CODE, %eax
	outl	%eax, %dx
6:	hlt
	jmp	6b

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorl	%eax, %eax
	movw	%ax, %fs
	movw	%ax, %gs
	movq	$boot_stack_top, %rsp
	movl	%esi, %edi		/* kmain(magic, mbi): zero-extended */
	movl	%ebp, %esi
	xorl	%ebp, %ebp		/* end of the frame-pointer chain */
	call	kmain
7:	cli
	hlt
	jmp	7b

	.section .rodata
msg_no_multiboot:
	.asciz	"Bail out! not started by a Multiboot loader\r\n"
msg_no_long_mode:
	.asciz	"Bail out! CPU has no long mode\r\n"
msg_no_nx:
	.asciz	"Bail out! CPU has no NX bit\r\n"

	.balign 8
boot_gdt:
	.quad	0			/* null */
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, ring 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, ring 0 */
boot_gdt_end:
	.balign 8
	.globl	boot_gdt_desc
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.section .bss
	.balign 4096
	.globl	kernel_pml4
kernel_pml4:
	.skip	4096
	.globl	kernel_pml5
kernel_pml5:
	.skip	4096
boot_pdpt:
	.skip	4096
boot_pd:
	.skip	4 * 4096
boot_pt_low:
	.skip	4096
	.balign 4
	.globl	boot_paging_levels
boot_paging_levels:
	.skip	4
	.balign 16
boot_stack:
	.skip	BOOT_STACK_SIZE
	.globl	boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
