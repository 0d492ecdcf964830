# The kernel engine: libvmalloc as the vmalloc of a tiny x86-64 kernel,
# tested under QEMU on a real (emulated) MMU. See src/engine/kernel/README.md.
#
#   make kernel       build $(BUILD)/kernel/vmalloc-kernel.elf (Multiboot, ELF32)
#   make qemu-test-x86_64   build it, boot it under QEMU (TCG), check the
#                     result: once with 4-level paging (-cpu qemu64) and
#                     once with 5-level paging (-cpu qemu64,+la57: boot.S
#                     turns LA57 on when the CPU has it); the kernel is told
#                     which it must find (paging=4|5 on its command line)
#   make qemu-test-x86_64 LA57=1   only the 5-level run (LA57=0: only the
#                     4-level one)
#   make qemu-test    every kernel of QEMU_TESTS (this one, the AArch64 one
#                     of mk/kernel-aarch64.mk); ARCH=x86_64 or ARCH=aarch64
#                     runs one (ARCH=x86_64 LA57=1: one paging mode)
#
# The kernel's architecture-neutral files (the KTAP runner, the shared
# cases, vmbench, the console, platform and C library code both kernels
# share) are $(KERNEL_DIR)/*.c; the x86-64 ones are in
# $(KERNEL_DIR)/x86_64/, which comes first on the include path (arch.h).
#
# The core is compiled from the very same $(CORE_SRC) files as the host
# library, with kernel flags, into $(BUILD)/kernel/core/.
#
# Variables: KERNEL_CC (gcc), QEMU (qemu-system-x86_64), QEMU_TIMEOUT
# (seconds, 60), KERNEL_APPEND (kernel command line: seed=N scale=N
# lazy=N), KERNEL_EXTRA_CFLAGS, LA57 (empty: both paging modes; 0 or 1:
# one).

KERNEL_CC      ?= gcc
KERNEL_OBJCOPY ?= objcopy
QEMU           ?= qemu-system-x86_64
QEMU_TIMEOUT   ?= 60
KERNEL_APPEND  ?=
LA57           ?=
QEMU_LEVELS    := $(if $(filter 1,$(LA57)),5,$(if $(filter 0,$(LA57)),4,4 5))
QEMU_CPU_4     := qemu64
QEMU_CPU_5     := qemu64,+la57

KERNEL_DIR := src/engine/kernel
KERNEL_X86 := $(KERNEL_DIR)/x86_64
KERNEL_OUT := $(BUILD)/kernel

# -mgeneral-regs-only: no SSE (its registers are not enabled, and gcc
# would otherwise use them for copies); -mno-red-zone: traps run on the
# same stack; small code model: everything is linked below 2 GiB.
KERNEL_CFLAGS := -std=gnu11 $(OPT) -g $(WARN) -Iinclude -I$(KERNEL_X86) -I$(KERNEL_DIR) \
	-DVM_DEBUG=$(VM_DEBUG) \
	-DVMALLOC_FREESTANDING -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
	$(KERNEL_EXTRA_CFLAGS)
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(KERNEL_X86)/kernel.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

KERNEL_CORE_OBJ := $(CORE_SRC:src/core/%.c=$(KERNEL_OUT)/core/%.o)
KERNEL_C_OBJ    := $(patsubst $(KERNEL_DIR)/%.c,$(KERNEL_OUT)/%.o,$(wildcard $(KERNEL_DIR)/*.c)) \
	$(patsubst $(KERNEL_DIR)/%.c,$(KERNEL_OUT)/%.o,$(wildcard $(KERNEL_X86)/*.c))
KERNEL_S_OBJ    := $(patsubst $(KERNEL_DIR)/%.S,$(KERNEL_OUT)/%.o,$(wildcard $(KERNEL_X86)/*.S))
KERNEL_OBJ      := $(KERNEL_S_OBJ) $(KERNEL_C_OBJ) $(KERNEL_CORE_OBJ)
KERNEL_ELF64    := $(KERNEL_OUT)/vmalloc-kernel64.elf
KERNEL_IMAGE    := $(KERNEL_OUT)/vmalloc-kernel.elf

# isa-debug-exit: the guest writes v, QEMU exits with (v << 1) | 1.
# KEXIT_PASS in kernel.h is 0x10.
KERNEL_PASS_STATUS := 33

QEMU_TESTS += qemu-test-x86_64

.PHONY: kernel qemu-test-x86_64 qemu-run

kernel: $(KERNEL_IMAGE)

$(KERNEL_OUT)/core/%.o: src/core/%.c $(CORE_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	$(Q)$(KERNEL_CC) $(KERNEL_CFLAGS) -Isrc/core -c $< -o $@

$(KERNEL_OUT)/%.o: $(KERNEL_DIR)/%.c $(wildcard $(KERNEL_DIR)/*.h $(KERNEL_X86)/*.h) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  KCC     $<"
	$(Q)$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OUT)/%.o: $(KERNEL_DIR)/%.S $(KERNEL_DIR)/extable.h
	@mkdir -p $(dir $@)
	@echo "  KAS     $<"
	$(Q)$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_ELF64): $(KERNEL_OBJ) $(KERNEL_X86)/kernel.ld
	@echo "  KLD     $@"
	$(Q)$(KERNEL_CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJ)

# QEMU's Multiboot loader takes 32-bit ELF only: same code, ELF32 wrapper.
$(KERNEL_IMAGE): $(KERNEL_ELF64)
	@echo "  OBJCOPY $@"
	$(Q)$(KERNEL_OBJCOPY) -O elf32-i386 --strip-debug $< $@

qemu-test-x86_64: $(KERNEL_IMAGE)
	@for lv in $(QEMU_LEVELS); do \
	  $(MAKE) -s --no-print-directory qemu-run QEMU_RUN_LEVELS=$$lv || exit 1; \
	done

# One boot with QEMU_RUN_LEVELS-level paging. The output streams
# through; the exit status goes through a file so the pipe does not hide
# it. Only the pass code counts: 0 is what QEMU returns after a triple
# fault with -no-reboot, 124 is the timeout.
qemu-run: $(KERNEL_IMAGE)
	@if ! command -v $(QEMU) >/dev/null 2>&1; then \
	  echo "SKIP qemu-test-x86_64: install with apt-get install -y --no-install-recommends qemu-system-x86"; \
	  exit 0; \
	fi; \
	what="$(QEMU_RUN_LEVELS)-level paging, -cpu $(QEMU_CPU_$(QEMU_RUN_LEVELS))"; \
	echo "qemu-test-x86_64: $$what"; \
	log=$(KERNEL_OUT)/qemu-test-$(QEMU_RUN_LEVELS).log; status=$(KERNEL_OUT)/qemu-test-$(QEMU_RUN_LEVELS).status; \
	rm -f $$status; \
	{ timeout $(QEMU_TIMEOUT) $(QEMU) -accel tcg -cpu $(QEMU_CPU_$(QEMU_RUN_LEVELS)) -m 256M \
	    -display none -monitor none -serial stdio -no-reboot \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	    -kernel $(KERNEL_IMAGE) -append "paging=$(QEMU_RUN_LEVELS) $(KERNEL_APPEND)" </dev/null; \
	  echo $$? > $$status; } 2>&1 | tr -d '\r' | tee $$log; \
	rc=$$(cat $$status 2>/dev/null || echo missing); \
	case $$rc in \
	  $(KERNEL_PASS_STATUS)) echo "qemu-test-x86_64: PASS ($$what; QEMU exit status $$rc = pass code 0x10)"; exit 0 ;; \
	  35) why="some test failed (fail code 0x11)" ;; \
	  37) why="kernel panic or boot failure (code 0x12)" ;; \
	  0) why="QEMU exited 0: triple fault or reset (-no-reboot), not a pass" ;; \
	  124) why="timed out after $(QEMU_TIMEOUT) s" ;; \
	  *) why="unexpected status" ;; \
	esac; \
	echo "qemu-test-x86_64: FAIL ($$what; QEMU exit status $$rc: $$why; log in $$log)"; exit 1
