# vmbench: the benchmark (see bench/README.md).
#
#   make bench                         build and run with default arguments
#   make bench VMBENCH_ARGS="--quick"  the same with any vmbench options
#   make bench-targets                 the runs every performance target needs
#   make bench-plot                    the 1k..1M busy sweep as SVG + JSON
#   make vmbench                       build only: $(BUILD)/bench/vmbench

BENCH_SRC    := $(wildcard bench/*.c)
BENCH_OBJ    := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_BIN    := $(BUILD)/bench/vmbench
VMBENCH_ARGS ?=

.PHONY: bench bench-targets bench-plot vmbench
vmbench: $(BENCH_BIN)

$(BUILD)/obj/bench/%.o: bench/%.c $(wildcard bench/*.h) $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(VM_CFLAGS) -Ibench -c $< -o $@

$(BENCH_BIN): $(BENCH_OBJ) $(INTERNAL_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(VM_LDFLAGS) -o $@ $(BENCH_OBJ) $(INTERNAL_LIB) $(LDLIBS) -lm

bench: $(BENCH_BIN)
	$(BENCH_BIN) $(VMBENCH_ARGS)

# long_busy_list at 1k, 15k and 1M busy areas (the 300x, growth and 50 ns
# targets), fix_size on two threads (the scaling target) and the
# double-mapped ring against memfd + mmap (the 1.2x ring target).
bench-targets: $(BENCH_BIN)
	$(BENCH_BIN) --no-host --scenario fix_size,long_busy_list \
		--busy 1000,15000,1000000 --json $(BUILD)/bench/targets.json $(VMBENCH_ARGS)
	$(BENCH_BIN) --no-host --scenario fix_size --threads 2 \
		--json $(BUILD)/bench/threads.json $(VMBENCH_ARGS)
	$(BENCH_BIN) --scenario ring --json $(BUILD)/bench/ring.json $(VMBENCH_ARGS)

bench-plot: $(BENCH_BIN)
	$(BENCH_BIN) --no-host --scenario long_busy_list \
		--plot $(BUILD)/bench/busy.svg --json $(BUILD)/bench/busy.json $(VMBENCH_ARGS)

# irbench: the KVA pairs of issue 12, counted by callgrind (bench/ir/run).
IRBENCH_BIN := $(BUILD)/bench/irbench
.PHONY: bench-ir irbench
irbench: $(IRBENCH_BIN)

$(IRBENCH_BIN): bench/ir/irbench.c $(INTERNAL_LIB) $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(VM_CFLAGS) -o $@ $< $(INTERNAL_LIB) $(LDLIBS) $(VM_LDFLAGS)

bench-ir: $(IRBENCH_BIN)
	bench/ir/run $(IRBENCH_BIN)
