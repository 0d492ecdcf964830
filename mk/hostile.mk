# tests/test_hostile dlopen()s a small library whose constructor calls
# vmalloc (tests/hostile_dso.c). It is built next to the test binaries, and
# the test binary exports its symbols (-rdynamic) so that the library's
# calls reach the libvmalloc linked into the test.

HOSTILE_DSO := $(BUILD)/tests/hostile_dso.so

tests: $(HOSTILE_DSO)

$(HOSTILE_DSO): tests/hostile_dso.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  DSO     $@"
	$(Q)$(CC) $(VM_CFLAGS) -shared -o $@ $< $(VM_LDFLAGS)

$(BUILD)/tests/test_hostile: private VM_LDFLAGS += -rdynamic
$(BUILD)/tests/test_hostile: | $(HOSTILE_DSO)
