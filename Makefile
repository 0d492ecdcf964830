# libvmalloc: the Linux vmalloc subsystem as a standalone C library.
#
#   make            the libraries (build/libvmalloc.a, build/libvmalloc.so.*)
#                   and build/bench/vmbench
#   make run        build and run the main example
#   make test       every test, sanitizer and checker run (see tests/run)
#   make bench      vmbench
#   make install    (and make uninstall, with the same variables)
#   make version    print the library's version
#
# Variables: CC (gcc or clang), CFLAGS, CPPFLAGS, LDFLAGS (the user's:
# the project's flags are added to them), BUILD (output folder),
# EXTRA_CFLAGS, EXTRA_LDFLAGS, WERROR=1 (warnings are errors; make test
# sets it), VM_DEBUG (0 release, 1 lock asserts, 2 sanity walks); for
# install/uninstall: DESTDIR (a staging root), PREFIX (/usr/local),
# LIBDIR (e.g. $(PREFIX)/lib64 or a multiarch folder), INCLUDEDIR,
# BINDIR and MANDIR.

CC        ?= cc
LD        ?= ld
OBJCOPY   ?= objcopy
V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)
BUILD     ?= build
# An empty BUILD= would put objects in /obj and the libraries in / (and
# make clean would remove nothing).
ifeq ($(strip $(BUILD)),)
$(error BUILD is empty: give the output folder, e.g. BUILD=build)
endif
PREFIX    ?= /usr/local
LIBDIR    ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
VM_DEBUG  ?= 0
OPT       ?= -O2
WERROR    ?= 0

# The version lives in one place, the public header; the file names,
# SONAME, pkg-config file and `make version` all read it from there.
vm_version_part = $(shell sed -n 's/^\#define VMALLOC_VERSION_$(1)[[:space:]]*\([0-9]*\).*/\1/p' include/vmalloc/vmalloc.h)
VERSION_MAJOR := $(call vm_version_part,MAJOR)
VERSION       := $(VERSION_MAJOR).$(call vm_version_part,MINOR).$(call vm_version_part,PATCH)
SONAME        := libvmalloc.so.$(VERSION_MAJOR)
SHLIB         := libvmalloc.so.$(VERSION)

# Flags. CFLAGS, CPPFLAGS and LDFLAGS are the user's (the environment or
# the command line, as dpkg and rpm pass them): the project's own flags
# are added to them, never replaced by them. EXTRA_CFLAGS/EXTRA_LDFLAGS
# are the same for the sanitizer builds of `make test`. -Werror is the
# project's own: WERROR=1 (tests/run sets it), never a packager's.
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wpointer-arith -Wundef \
             $(if $(filter 1,$(WERROR)),-Werror)
CFLAGS    ?= $(OPT) -g
VM_CPPFLAGS := -Iinclude -DVM_DEBUG=$(VM_DEBUG) $(CPPFLAGS)
VM_CFLAGS := -std=gnu11 -fPIC $(WARN) $(VM_CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
# The library's own objects. -fvisibility=hidden: only what the public
# headers declare (they mark it visible) leaves the library, and
# src/libvmalloc.map names exactly that list. -fno-semantic-interposition:
# the library's calls to its own functions are not routed through the
# PLT of libvmalloc.so, so they can be inlined (about 6% fewer
# instructions on the fast path). That covers calls within one file only:
# -Bsymbolic-functions binds the calls between the library's files to its
# own functions too, so overriding a libvmalloc function (LD_PRELOAD, or a
# program's own is_vmalloc_addr) affects only the program's calls, never
# the library's (kvfree() asking is_vmalloc_addr(), ...).
LIB_CFLAGS := $(VM_CFLAGS) -fvisibility=hidden -fno-semantic-interposition
# With -flto in the user's CFLAGS (dpkg-buildflags' optimize=+lto) the
# objects hold GCC's intermediate code, which ld -r passes through and
# objcopy cannot localize: libvmalloc.a then exported every internal name
# (to LTO links) and, with slim objects, held no machine code at all. GCC
# builds fat objects then, and the public archive keeps the machine code
# only (as dh_strip would); the shared library and the tests still get
# LTO. (clang's -flto objects are bitcode: ld -r needs LD=ld.lld.)
VM_GCC_LTO = $(if $(filter -flto%,$(VM_CFLAGS)),$(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -q __clang__ || echo yes))
LIB_CFLAGS += $(if $(VM_GCC_LTO),-ffat-lto-objects)
# The core is freestanding: no libc headers, no libc calls. Its files
# include each other by layer: "page/page_alloc.h".
CORE_CFLAGS := $(LIB_CFLAGS) -Isrc/core -ffreestanding
LDLIBS    := -lpthread -ldl
VM_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)
# The shared library resolves every symbol it uses at link time (not
# under sanitizers, whose runtime the program brings).
SO_DEFS   := $(if $(findstring sanitize,$(VM_CFLAGS) $(VM_LDFLAGS)),,-Wl,-z,defs)

# Objects are rebuilt when the flags change, not only the sources: the
# flags of the last build are kept in $(BUILD)/flags, rewritten only when
# they differ, and every object depends on that file. (make 4.2's $(file)
# writes it exactly, whatever quotes the flags hold.) Goals that build
# nothing leave the folder alone.
FLAGS_STAMP := $(BUILD)/flags
VM_FLAGS_NOW := $(CC) $(CORE_CFLAGS) $(VM_LDFLAGS) $(LDLIBS)
ifneq ($(filter-out clean version uninstall uninstall-man,$(or $(MAKECMDGOALS),all)),)
ifneq ($(file <$(FLAGS_STAMP)),$(VM_FLAGS_NOW))
$(shell mkdir -p "$(BUILD)")
$(file >$(FLAGS_STAMP),$(VM_FLAGS_NOW))
endif
endif

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

# Two archives: libvmalloc.a is the public one (one object whose internal
# symbols are local, so a program's own rb_insert or va_init cannot
# collide with ours); libvmalloc-internal.a keeps them global for the
# project's tests, fuzzer and benchmark, which reach into the core.
INTERNAL_LIB := $(BUILD)/libvmalloc-internal.a
VERSION_SCRIPT := src/libvmalloc.map

.PHONY: all lib tests examples run test stress bench install uninstall clean \
	check-freestanding version abi-baseline
all: lib vmbench
lib: $(BUILD)/libvmalloc.a $(BUILD)/libvmalloc.so $(BUILD)/$(SONAME) $(INTERNAL_LIB)

version:
	@echo $(VERSION)

$(BUILD)/obj/src/core/%.o: src/core/%.c $(CORE_HDR) $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/obj/src/%.o: src/%.c $(wildcard src/*/*.h) $(CORE_HDR) $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(LIB_CFLAGS) -c $< -o $@

$(INTERNAL_LIB): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

# ld -r joins the objects (so calls between them resolve inside), then
# every hidden symbol, that is everything the public headers do not
# declare, becomes local.
$(BUILD)/obj/libvmalloc.o: $(LIB_OBJ)
	@echo "  LD -r   $@"
	$(Q)$(LD) -r -o $@.tmp $^
	$(Q)$(OBJCOPY) --localize-hidden $(if $(VM_GCC_LTO),-R '.gnu.lto_*' \
		-R '.gnu.debuglto_*' -N __gnu_lto_v1 -N __gnu_lto_slim) $@.tmp $@
	@rm -f $@.tmp

$(BUILD)/libvmalloc.a: $(BUILD)/obj/libvmalloc.o
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(BUILD)/$(SHLIB): $(LIB_OBJ) $(VERSION_SCRIPT)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,$(VERSION_SCRIPT) \
		-Wl,-Bsymbolic-functions \
		$(SO_DEFS) $(VM_LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/$(SONAME) $(BUILD)/libvmalloc.so: $(BUILD)/$(SHLIB)
	$(Q)ln -sf $(SHLIB) $@

tests: $(TEST_BIN)
$(BUILD)/tests/%: tests/%.c tests/harness.h $(INTERNAL_LIB) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(VM_CFLAGS) -Isrc/core -Itests $< -o $@ $(VM_LDFLAGS) $(INTERNAL_LIB) $(LDLIBS)

examples: $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c $(BUILD)/libvmalloc.a $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  EXAMPLE $@"
	$(Q)$(CC) $(VM_CFLAGS) -rdynamic $< -o $@ $(VM_LDFLAGS) $(BUILD)/libvmalloc.a $(LDLIBS)

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

# Paths are quoted: DESTDIR, PREFIX and the folders may contain spaces.
install: lib vmbench install-man
	install -d "$(DESTDIR)$(INCLUDEDIR)/vmalloc" "$(DESTDIR)$(LIBDIR)/pkgconfig" "$(DESTDIR)$(BINDIR)"
	install -m 644 $(HEADERS) "$(DESTDIR)$(INCLUDEDIR)/vmalloc/"
	install -m 644 $(BUILD)/libvmalloc.a "$(DESTDIR)$(LIBDIR)/"
	install -m 755 $(BUILD)/$(SHLIB) "$(DESTDIR)$(LIBDIR)/"
	ln -sf $(SHLIB) "$(DESTDIR)$(LIBDIR)/$(SONAME)"
	ln -sf $(SONAME) "$(DESTDIR)$(LIBDIR)/libvmalloc.so"
	install -m 755 $(BENCH_BIN) "$(DESTDIR)$(BINDIR)/"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' vmalloc.pc.in \
	    > "$(DESTDIR)$(LIBDIR)/pkgconfig/vmalloc.pc"

# Removes exactly what install put there, and the folders of its own
# (vmalloc/ and pkgconfig/) when they are left empty.
uninstall: uninstall-man
	for f in $(notdir $(HEADERS)); do rm -f "$(DESTDIR)$(INCLUDEDIR)/vmalloc/$$f"; done
	for f in libvmalloc.a $(SHLIB) $(SONAME) libvmalloc.so pkgconfig/vmalloc.pc; do \
	  rm -f "$(DESTDIR)$(LIBDIR)/$$f"; done
	rm -f "$(DESTDIR)$(BINDIR)/$(notdir $(BENCH_BIN))"
	-rmdir "$(DESTDIR)$(INCLUDEDIR)/vmalloc" 2>/dev/null
	-rmdir "$(DESTDIR)$(LIBDIR)/pkgconfig" 2>/dev/null

# At a release: record the shared library's ABI (tests/check_symbols
# compares every later build against it).
abi-baseline: $(BUILD)/$(SHLIB)
	abidw --headers-dir include/vmalloc --no-corpus-path $< | \
		sed "s| comp-dir-path='[^']*'||" > abi/$(SONAME).abi
	@echo "abi/$(SONAME).abi: the ABI of $(VERSION)"

clean:
	rm -rf $(BUILD)

# Pieces with their own rules (bench, fuzz, the QEMU kernel) live in mk/.
-include $(wildcard mk/*.mk)

# make qemu-test: every kernel the mk/ fragments list in QEMU_TESTS
# (qemu-test-x86_64, qemu-test-aarch64, ...), one after the other so their
# consoles do not mix; ARCH=<arch> runs qemu-test-<arch> alone. Each one
# skips (and passes) when its QEMU or cross compiler is missing.
ARCH ?=
.PHONY: qemu-test
qemu-test:
	@set -e; for t in $(if $(ARCH),qemu-test-$(ARCH),$(QEMU_TESTS)); do \
	  $(MAKE) --no-print-directory $$t; \
	done
