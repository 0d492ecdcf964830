# libvmalloc: the Linux vmalloc subsystem as a standalone C library.
#
#   make            build/libvmalloc.a and build/libvmalloc.so
#   make run        build and run the main example
#   make test       every test, sanitizer and checker run (see tests/run)
#   make bench      vmbench
#   make install PREFIX=/usr/local   (and make uninstall, the same variables)
#
# Variables: CC (gcc or clang), BUILD (output folder), EXTRA_CFLAGS,
# EXTRA_LDFLAGS, VM_DEBUG (0 release, 1 lock asserts, 2 sanity walks);
# for install/uninstall: PREFIX, LIBDIR (e.g. $(PREFIX)/lib64 or a
# multiarch folder), INCLUDEDIR, and DESTDIR (a staging root).

CC        ?= cc
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)
BUILD     ?= build
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VM_DEBUG  ?= 0
OPT       ?= -O2

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wundef
# -fno-semantic-interposition: the library's calls to its own functions
# are not routed through the PLT of libvmalloc.so, so they can be inlined
# (about 6% fewer instructions on the fast path). Overriding a libvmalloc
# function with LD_PRELOAD affects only the program's calls to it.
CFLAGS    := -std=gnu11 $(OPT) -g -fPIC -fno-semantic-interposition $(WARN) \
             -Iinclude -DVM_DEBUG=$(VM_DEBUG) $(EXTRA_CFLAGS)
# The core is freestanding: no libc headers, no libc calls. Its files
# include each other by layer: "page/page_alloc.h".
CORE_CFLAGS := $(CFLAGS) -Isrc/core -ffreestanding
LDLIBS    := -lpthread -ldl
LDFLAGS   := $(EXTRA_LDFLAGS)

CORE_SRC   := $(wildcard src/core/*/*.c)
CORE_HDR   := $(wildcard src/core/*/*.h)
HOSTED_SRC := $(wildcard src/hosted/*.c) src/engine/soft/soft.c src/engine/host/host.c
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
HOSTED_OBJ := $(HOSTED_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ    := $(CORE_OBJ) $(HOSTED_OBJ)

TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
EXAMPLES   := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
HEADERS    := $(wildcard include/vmalloc/*.h)

.PHONY: all lib tests examples run test stress bench install uninstall clean check-freestanding
all: lib
lib: $(BUILD)/libvmalloc.a $(BUILD)/libvmalloc.so

$(BUILD)/obj/src/core/%.o: src/core/%.c $(CORE_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(wildcard src/*/*.h) $(CORE_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libvmalloc.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

$(BUILD)/libvmalloc.so: $(LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

tests: $(TEST_BIN)
$(BUILD)/tests/%: tests/%.c tests/harness.h $(BUILD)/libvmalloc.a
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -Isrc/core -Itests $< -o $@ $(LDFLAGS) $(BUILD)/libvmalloc.a $(LDLIBS)

examples: $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c $(BUILD)/libvmalloc.a
	@mkdir -p $(dir $@)
	@echo "  EXAMPLE $@"
	$(Q)$(CC) $(CFLAGS) -rdynamic $< -o $@ $(LDFLAGS) $(BUILD)/libvmalloc.a $(LDLIBS)

run: $(BUILD)/examples/tour
	$(BUILD)/examples/tour

test:
	@tests/run

# Long randomized runs (VT_LONG=1) of the stress, oracle and fault tests,
# the stress test under ThreadSanitizer for STRESS_SECONDS (default 60).
STRESS_SECONDS ?= 60
stress:
	$(MAKE) -s BUILD=build/tsan CC=clang OPT=-O1 EXTRA_CFLAGS=-fsanitize=thread \
		EXTRA_LDFLAGS=-fsanitize=thread lib tests
	for e in host soft; do \
	  VT_LONG=1 STRESS_SECONDS=$(STRESS_SECONDS) TSAN_OPTIONS=halt_on_error=1 \
	    VMALLOC_ENGINE=$$e build/tsan/tests/test_stress || exit 1; \
	done
	$(MAKE) -s lib tests
	for e in host soft; do \
	  VT_LONG=1 VMALLOC_ENGINE=$$e prove -e '' build/tests/test_vmap_area \
	    build/tests/test_faults build/tests/test_rbtree build/tests/test_vmap_block || exit 1; \
	done

# The core must link against nothing but memcpy/memset and the one
# embedding hook: compile it freestanding and list what it needs.
check-freestanding:
	@rm -rf $(BUILD)/freestanding && mkdir -p $(BUILD)/freestanding
	@for f in $(CORE_SRC); do \
	  $(CC) -std=gnu11 -O2 $(WARN) -Iinclude -Isrc/core -ffreestanding -nostdlib -fno-pic \
	    -mno-red-zone -c $$f -o $(BUILD)/freestanding/$$(basename $$f .c).o || exit 1; \
	done
	@ld -r -o $(BUILD)/freestanding.o $(BUILD)/freestanding/*.o
	@undef=$$(nm -u $(BUILD)/freestanding.o | awk '{print $$2}' | \
	  grep -v -x -e memcpy -e memset -e memmove -e vm_platform_autoinit); \
	if [ -n "$$undef" ]; then echo "check-freestanding: the core needs $$undef"; exit 1; fi; \
	echo "check-freestanding: the core needs only memcpy, memset and vm_platform_autoinit"

install: lib
	install -d $(DESTDIR)$(INCLUDEDIR)/vmalloc $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/vmalloc/
	install -m 644 $(BUILD)/libvmalloc.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(BUILD)/libvmalloc.so $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' vmalloc.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/vmalloc.pc

# Removes exactly what install put there, and the folders it made when
# they are left empty.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/vmalloc/,$(notdir $(HEADERS)))
	rm -f $(DESTDIR)$(LIBDIR)/libvmalloc.a $(DESTDIR)$(LIBDIR)/libvmalloc.so
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/vmalloc.pc
	-rmdir $(DESTDIR)$(INCLUDEDIR)/vmalloc 2>/dev/null
	-rmdir $(DESTDIR)$(LIBDIR)/pkgconfig 2>/dev/null

clean:
	rm -rf $(BUILD)

# Pieces with their own rules (bench, fuzz, the QEMU kernel) live in mk/.
-include $(wildcard mk/*.mk)
