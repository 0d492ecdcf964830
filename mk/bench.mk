# vmbench: the benchmark of issue 4 (see bench/README.md).
#
#   make bench                        build and run with default arguments
#   make bench VMBENCH_ARGS="--quick" any vmbench options
#   make vmbench                      build only: $(BUILD)/bench/vmbench

BENCH_SRC  := $(wildcard bench/*.c)
BENCH_OBJ  := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_BIN  := $(BUILD)/bench/vmbench
VMBENCH_ARGS ?=

.PHONY: bench vmbench
vmbench: $(BENCH_BIN)

$(BUILD)/obj/bench/%.o: bench/%.c $(wildcard bench/*.h) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Ibench -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJ) $(BUILD)/libvmalloc.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJ) $(BUILD)/libvmalloc.a $(LDLIBS) -lm

bench: $(BENCH_BIN)
	$(BENCH_BIN) $(VMBENCH_ARGS)
