# The kernel engine on AArch64: the same KTAP suite as mk/kernel.mk's
# x86-64 kernel, in a small EL1 kernel for QEMU's virt board
# (cortex-a57). See src/engine/kernel/README.md, "AArch64".
#
#   make kernel-aarch64       build $(BUILD)/kernel-aarch64/vmalloc-kernel.elf
#   make qemu-test-aarch64    build it, boot it under QEMU (TCG), check the
#                             result (also: make qemu-test ARCH=aarch64)
#
# The shared files ($(KERNEL_DIR)/*.c) and the core ($(CORE_SRC), the very
# same files as the host library) are compiled with the cross compiler
# and the arch files of $(KERNEL_DIR)/aarch64/, first on the include path.
#
# Variables: KERNEL_A64_CC (aarch64-linux-gnu-gcc), QEMU_A64
# (qemu-system-aarch64), QEMU_TIMEOUT (seconds, 60), KERNEL_A64_RAM_MB
# (256: QEMU's -m and the kernel's idea of its RAM; the kernel maps and
# uses at most 1024), KERNEL_A64_CMDLINE
# (seed=N scale=N lazy=N, built in: QEMU gives a bare ELF no command
# line), KERNEL_EXTRA_CFLAGS.

KERNEL_A64_CC      ?= aarch64-linux-gnu-gcc
QEMU_A64           ?= qemu-system-aarch64
KERNEL_A64_RAM_MB  ?= 256
KERNEL_A64_CMDLINE ?=

KERNEL_DIR     := src/engine/kernel
KERNEL_A64     := $(KERNEL_DIR)/aarch64
KERNEL_A64_OUT := $(BUILD)/kernel-aarch64

# -mgeneral-regs-only: no FP/SIMD registers in the kernel or the core;
# -mstrict-align: mmu.c and the boot path run with the MMU off, where
# every access is Device memory and must be aligned; no outline atomics
# (they would call libgcc helpers that probe for LSE through the OS);
# -fno-tree-loop-distribute-patterns: lib.c's loops stay loops.
KERNEL_A64_CFLAGS := -std=gnu11 $(OPT) -g $(WARN) -Iinclude -I$(KERNEL_A64) \
	-I$(KERNEL_DIR) -DVM_DEBUG=$(VM_DEBUG) -DVMALLOC_FREESTANDING \
	-DKERNEL_RAM_MB=$(KERNEL_A64_RAM_MB)UL \
	-DKERNEL_CMDLINE='"$(KERNEL_A64_CMDLINE)"' \
	-ffreestanding -fno-pic -fno-pie -mcmodel=small -mgeneral-regs-only \
	-mstrict-align -mno-outline-atomics -fno-tree-loop-distribute-patterns \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
	$(KERNEL_EXTRA_CFLAGS)
KERNEL_A64_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(KERNEL_A64)/kernel.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

KERNEL_A64_OBJ := \
	$(patsubst $(KERNEL_DIR)/%.S,$(KERNEL_A64_OUT)/%.o,$(wildcard $(KERNEL_A64)/*.S)) \
	$(patsubst $(KERNEL_DIR)/%.c,$(KERNEL_A64_OUT)/%.o,$(wildcard $(KERNEL_A64)/*.c)) \
	$(patsubst $(KERNEL_DIR)/%.c,$(KERNEL_A64_OUT)/%.o,$(wildcard $(KERNEL_DIR)/*.c)) \
	$(CORE_SRC:src/core/%.c=$(KERNEL_A64_OUT)/core/%.o)
KERNEL_A64_IMAGE := $(KERNEL_A64_OUT)/vmalloc-kernel.elf

# Semihosting SYS_EXIT with subcode (code << 1) | 1: the statuses are the
# x86-64 kernel's (33 pass, 35 a test failed, 37 panic).
KERNEL_A64_PASS_STATUS := 33

QEMU_TESTS += qemu-test-aarch64

.PHONY: kernel-aarch64 qemu-test-aarch64

kernel-aarch64: $(KERNEL_A64_IMAGE)

$(KERNEL_A64_OUT)/core/%.o: src/core/%.c $(CORE_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  KCC64   $<"
	$(Q)$(KERNEL_A64_CC) $(KERNEL_A64_CFLAGS) -Isrc/core -c $< -o $@

$(KERNEL_A64_OUT)/%.o: $(KERNEL_DIR)/%.c $(wildcard $(KERNEL_DIR)/*.h $(KERNEL_A64)/*.h) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  KCC64   $<"
	$(Q)$(KERNEL_A64_CC) $(KERNEL_A64_CFLAGS) -c $< -o $@

$(KERNEL_A64_OUT)/%.o: $(KERNEL_DIR)/%.S $(KERNEL_DIR)/extable.h
	@mkdir -p $(dir $@)
	@echo "  KAS64   $<"
	$(Q)$(KERNEL_A64_CC) $(KERNEL_A64_CFLAGS) -c $< -o $@

# bbm_replace forces a live-entry replacement through the core's pt_map().
$(KERNEL_A64_OUT)/aarch64/tests_arch.o: KERNEL_A64_CFLAGS += -Isrc/core
$(KERNEL_A64_OUT)/aarch64/tests_arch.o: $(CORE_HDR)

# The command line and the RAM size are compiled in: what uses them is
# rebuilt when they change.
KERNEL_A64_BUILT_IN := $(KERNEL_A64_CMDLINE) ram=$(KERNEL_A64_RAM_MB)
$(KERNEL_A64_OUT)/aarch64/main.o $(KERNEL_A64_OUT)/aarch64/mmu.o: $(KERNEL_A64_OUT)/built-in.stamp
$(KERNEL_A64_OUT)/built-in.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(KERNEL_A64_BUILT_IN)' | cmp -s - $@ || echo '$(KERNEL_A64_BUILT_IN)' > $@
.PHONY: FORCE
FORCE:

$(KERNEL_A64_IMAGE): $(KERNEL_A64_OBJ) $(KERNEL_A64)/kernel.ld
	@echo "  KLD64   $@"
	$(Q)$(KERNEL_A64_CC) $(KERNEL_A64_LDFLAGS) -o $@ $(KERNEL_A64_OBJ) -lgcc

# As for x86-64: the console streams through, the status goes through a
# file so the pipe does not hide it, and only the pass code counts (0 is
# PSCI SYSTEM_OFF, the fallback when semihosting is off; 124 the timeout).
# Without the cross compiler or QEMU the target says what to install and
# passes, as mk/kernel.mk does without QEMU.
qemu-test-aarch64:
	@if ! command -v $(KERNEL_A64_CC) >/dev/null 2>&1 || \
	    ! command -v $(QEMU_A64) >/dev/null 2>&1; then \
	  echo "SKIP qemu-test-aarch64: install with apt-get install -y --no-install-recommends qemu-system-arm gcc-aarch64-linux-gnu"; \
	  exit 0; \
	fi; \
	$(MAKE) --no-print-directory kernel-aarch64 || exit 1; \
	log=$(KERNEL_A64_OUT)/qemu-test.log; status=$(KERNEL_A64_OUT)/qemu-test.status; \
	rm -f $$status; \
	{ timeout $(QEMU_TIMEOUT) $(QEMU_A64) -M virt -cpu cortex-a57 -accel tcg \
	    -m $(KERNEL_A64_RAM_MB)M -nographic -monitor none -semihosting \
	    -no-reboot -kernel $(KERNEL_A64_IMAGE) </dev/null; \
	  echo $$? > $$status; } 2>&1 | tr -d '\r' | tee $$log; \
	rc=$$(cat $$status 2>/dev/null || echo missing); \
	case $$rc in \
	  $(KERNEL_A64_PASS_STATUS)) echo "qemu-test-aarch64: PASS (QEMU exit status $$rc = pass code 0x10)"; exit 0 ;; \
	  35) why="some test failed (fail code 0x11)" ;; \
	  37) why="kernel panic or boot failure (code 0x12)" ;; \
	  0) why="QEMU exited 0: PSCI SYSTEM_OFF or reset, not a pass" ;; \
	  124) why="timed out after $(QEMU_TIMEOUT) s" ;; \
	  *) why="unexpected status" ;; \
	esac; \
	echo "qemu-test-aarch64: FAIL (QEMU exit status $$rc: $$why; log in $$log)"; exit 1
