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

# Every performance target (bench/README.md, "The targets"); each run
# prints the targets table, the other run's rows n/a:
#  1. long_busy_list at 1k, 15k and 1M busy (seed / ours >= 300x, growth
#     <= 1.5x, metadata per area) and fix_size (the full pair, 120 ns);
#  2. fix_size on 2 threads in turns with 1 thread and the ceiling
#     (>= 1.6x), the host section (vm/mmap at 4 KiB, 64 KiB, 1 MiB; the
#     2-thread rows, >= 1.3x) and the ring (<= 1.2x).
# The instruction-count targets are make bench-ir's.
bench-targets: $(BENCH_BIN)
	$(BENCH_BIN) --no-host --scenario fix_size,long_busy_list \
		--busy 1000,15000,1000000 --json $(BUILD)/bench/targets.json $(VMBENCH_ARGS)
	$(BENCH_BIN) --scenario fix_size,ring --threads 2 \
		--json $(BUILD)/bench/threads.json $(VMBENCH_ARGS)

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
