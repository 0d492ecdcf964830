/* SPDX-License-Identifier: MIT */
/*
 * The binary interface a program relies on: the version it can ask for
 * at run time, and the sized structs (VMALLOC_OPTS) that let fields be
 * added without breaking programs built against another header. A
 * "newer program" is simulated by a struct with fields after ours, an
 * "older library" by vm_opts_take() with a smaller size than the caller's.
 */
#include "harness.h"
#include "vmalloc/platform.h"
#include "base/core.h"		/* vm_opts_give(), the first-release sizes */

TEST(version_macros_and_the_running_library_agree)
{
	char want[32];

	ASSERT_EQ(vmalloc_version(), VMALLOC_VERSION_CODE);
	ASSERT_EQ(VMALLOC_VERSION_CODE,
		  VMALLOC_VERSION(VMALLOC_VERSION_MAJOR, VMALLOC_VERSION_MINOR,
				  VMALLOC_VERSION_PATCH));
	snprintf(want, sizeof(want), "%d.%d.%d", VMALLOC_VERSION_MAJOR,
		 VMALLOC_VERSION_MINOR, VMALLOC_VERSION_PATCH);
	ASSERT_EQ(strcmp(vmalloc_version_string(), want), 0);
	ASSERT_EQ(strcmp(VMALLOC_VERSION_STRING, want), 0);
	/* Ordered: a program can require "at least 1.0.0". */
	ASSERT_GT(VMALLOC_VERSION(1, 0, 1), VMALLOC_VERSION(1, 0, 0));
	ASSERT_GT(VMALLOC_VERSION(1, 1, 0), VMALLOC_VERSION(1, 0, 255));
	ASSERT_GE(vmalloc_version(), VMALLOC_VERSION(1, 0, 0));
}

/* A program built against a header whose config has one more field. */
struct newer_config {
	struct vmalloc_config cfg;
	unsigned long future;
};

static int init_with(const void *cfg)
{
	vmalloc_set_log_hook(vt_log_hook);
	vt_log_clear();
	return vmalloc_init(cfg);
}

TEST(config_without_sz_is_refused_with_a_reason_and_leaves_nothing)
{
	struct vmalloc_config cfg = { .engine = "soft", .phys_mb = 16 };

	ASSERT_EQ(init_with(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("struct vmalloc_config with sz 0 refused"), 1);
	ASSERT_EQ(vt_log_count("set it to sizeof the struct"), 1);
	ASSERT_NULL(vmalloc_engine());
	ASSERT_FALSE(vmalloc_core_ready());
	/* Short of the first release's struct: refused the same way. */
	cfg.sz = offsetof(struct vmalloc_config, quiet);
	ASSERT_EQ(init_with(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("refused"), 1);
	ASSERT_NULL(vmalloc_engine());
	/* Garbage: refused before a byte past the struct is read. */
	cfg.sz = (size_t)-1;
	ASSERT_EQ(init_with(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("larger than any struct will be"), 1);
	ASSERT_NULL(vmalloc_engine());
	/* And then the right size works. */
	cfg.sz = sizeof(cfg);
	cfg.quiet = true;
	ASSERT_EQ(init_with(&cfg), 0);
	ASSERT_EQ(strcmp(vmalloc_engine(), "soft"), 0);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(config_from_a_newer_header_works_when_its_new_fields_are_zero)
{
	struct newer_config n;
	struct vmalloc_stats st = { .sz = sizeof(st) };

	memset(&n, 0, sizeof(n));
	n.cfg.sz = sizeof(n);
	n.cfg.engine = "soft";
	n.cfg.phys_mb = 16;
	n.cfg.quiet = true;
	ASSERT_EQ(init_with(&n), 0);
	/* The fields it shares with ours were read. */
	ASSERT_EQ(vmalloc_get_stats(&st), 0);
	ASSERT_EQ(st.phys_pages, 16UL * 256);
	ASSERT_EQ(vmalloc_exit(), 0);

	/* A field this library does not know is set: refused, said why. */
	n.future = 1;
	ASSERT_EQ(init_with(&n), -EINVAL);
	ASSERT_EQ(vt_log_count("does not know is set"), 1);
	ASSERT_NULL(vmalloc_engine());
}

TEST(stats_write_only_the_callers_bytes_and_zero_what_they_do_not_know)
{
	struct {
		struct vmalloc_stats st;
		unsigned long future[3];
		unsigned long canary;
	} n;
	struct vmalloc_stats ref = { .sz = sizeof(ref) }, v1;
	void *p;

	vt_init(16, 1);
	p = vmalloc(3 * PAGE_SIZE);
	ASSERT_NONNULL(p);
	ASSERT_EQ(vmalloc_get_stats(&ref), 0);

	/* A newer caller: its unknown tail is zeroed, nothing past sz. */
	memset(&n, 0xab, sizeof(n));
	n.st.sz = offsetof(__typeof__(n), canary);
	ASSERT_EQ(vmalloc_get_stats(&n.st), 0);
	ASSERT_EQ(n.st.sz, offsetof(__typeof__(n), canary));
	ASSERT_EQ(n.st.areas, ref.areas);
	ASSERT_EQ(n.st.phys_pages, ref.phys_pages);
	ASSERT_EQ(n.future[0] | n.future[1] | n.future[2], 0UL);
	ASSERT_EQ(n.canary, 0xababababababababUL);

	/* The first release's size exactly: filled, sz kept. */
	memset(&v1, 0xab, sizeof(v1));
	v1.sz = VM_STATS_SIZE_V1;
	ASSERT_EQ(vmalloc_get_stats(&v1), 0);
	ASSERT_EQ(v1.sz, VM_STATS_SIZE_V1);
	ASSERT_EQ(v1.host_huge_bytes, ref.host_huge_bytes);
	ASSERT_EQ(v1.phys_pages, ref.phys_pages);

	/* Unset or too short: refused, untouched, logged. */
	memset(&n, 0xcd, sizeof(n));
	n.st.sz = 0;
	vt_log_clear();
	ASSERT_EQ(vmalloc_get_stats(&n.st), -EINVAL);
	ASSERT_EQ(n.st.areas, 0xcdcdcdcdcdcdcdcdUL);
	ASSERT_EQ(vt_log_count("struct vmalloc_stats with sz 0 refused"), 1);
	n.st.sz = VM_STATS_SIZE_V1 - 1;
	ASSERT_EQ(vmalloc_get_stats(&n.st), -EINVAL);
	/* Garbage (an uninitialised sz): refused, nothing written past it. */
	n.st.sz = 0xcdcdcdcdcdcdcdcdUL;
	vt_log_clear();
	ASSERT_EQ(vmalloc_get_stats(&n.st), -EINVAL);
	ASSERT_EQ(n.st.areas, 0xcdcdcdcdcdcdcdcdUL);
	ASSERT_EQ(n.canary, 0xcdcdcdcdcdcdcdcdUL);
	ASSERT_EQ(vt_log_count("larger than any struct will be"), 1);
	n.st.sz = 4097;
	ASSERT_EQ(vmalloc_get_stats(&n.st), -EINVAL);
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);
}

/*
 * The library's side of the rules, with sizes no build has yet: an older
 * library (smaller struct) given a newer caller's struct, and a newer
 * library given an older caller's.
 */
TEST(opts_rules_hold_for_older_and_newer_sizes)
{
	unsigned char caller[64], lib[48];
	size_t sz;

	/* Newer caller (64 bytes), older library (48): tail must be zero. */
	memset(caller, 0, sizeof(caller));
	sz = sizeof(caller);
	memcpy(caller, &sz, sizeof(sz));
	memset(caller + 8, 0x5a, 40);
	ASSERT_NULL(vm_opts_problem(caller, sizeof(lib), 24));
	memset(lib, 0xee, sizeof(lib));
	vm_opts_take(lib, sizeof(lib), caller);
	ASSERT_MEMEQ(lib + 8, caller + 8, 40);
	caller[63] = 1;
	ASSERT_NONNULL(vm_opts_problem(caller, sizeof(lib), 24));

	/* Older caller (32 bytes), newer library (48): the rest reads 0. */
	sz = 32;
	memcpy(caller, &sz, sizeof(sz));
	ASSERT_NULL(vm_opts_problem(caller, sizeof(lib), 24));
	memset(lib, 0xee, sizeof(lib));
	vm_opts_take(lib, sizeof(lib), caller);
	ASSERT_MEMEQ(lib + 8, caller + 8, 24);
	ASSERT_TRUE(lib[32] == 0 && !memcmp(lib + 32, lib + 33, 15));
	/* No struct at all: a reason, not a crash. */
	ASSERT_NONNULL(vm_opts_problem(NULL, sizeof(lib), 24));
	/* Below the first release's size: never a real struct. */
	sz = 16;
	memcpy(caller, &sz, sizeof(sz));
	ASSERT_NONNULL(vm_opts_problem(caller, sizeof(lib), 24));
	/* Above a page: garbage, refused without reading that far. */
	sz = (size_t)-1;
	memcpy(caller, &sz, sizeof(sz));
	ASSERT_NONNULL(vm_opts_problem(caller, sizeof(lib), 24));
	sz = 4097;
	memcpy(caller, &sz, sizeof(sz));
	ASSERT_NONNULL(vm_opts_problem(caller, sizeof(lib), 24));

	/* Output: the older caller gets its 32 bytes, not one more. */
	memset(caller, 0x77, sizeof(caller));
	sz = 32;
	memcpy(caller, &sz, sizeof(sz));
	memset(lib, 0x11, sizeof(lib));
	vm_opts_give(caller, lib, sizeof(lib));
	ASSERT_EQ(memcmp(caller, &sz, sizeof(sz)), 0);
	ASSERT_TRUE(caller[8] == 0x11 && caller[31] == 0x11);
	ASSERT_EQ(caller[32], 0x77);
}

/* The embedding door checks the same rules before it trusts a hook. */
TEST(core_init_refuses_platform_and_tunables_without_their_size)
{
	struct vm_platform plat;
	struct vmalloc_tunables tun;

	/* The core is down: no engine was initialised in this process. */
	ASSERT_FALSE(vmalloc_core_ready());
	vmalloc_set_log_hook(vt_log_hook);
	vt_log_clear();
	memset(&plat, 0, sizeof(plat));
	ASSERT_EQ(vmalloc_core_init(&plat, NULL), -EINVAL);
	ASSERT_EQ(vt_log_count("struct vm_platform rejected: sz is smaller"), 1);

	plat.sz = sizeof(plat);
	memset(&tun, 0, sizeof(tun));
	ASSERT_EQ(vmalloc_core_init(&plat, &tun), -EINVAL);
	ASSERT_EQ(vt_log_count("struct vmalloc_tunables rejected: sz is smaller"), 1);
	tun.sz = (size_t)-1;	/* garbage: refused before any byte past it is read */
	ASSERT_EQ(vmalloc_core_init(&plat, &tun), -EINVAL);
	ASSERT_EQ(vt_log_count("struct vmalloc_tunables rejected: sz is larger"), 1);

	/* Sizes right: now the contract itself is checked (no hooks here). */
	tun.sz = sizeof(tun);
	vt_log_clear();
	ASSERT_EQ(vmalloc_core_init(&plat, &tun), -EINVAL);
	ASSERT_EQ(vt_log_count("vmalloc: platform rejected: "), 1);
	ASSERT_EQ(vt_log_count("sz"), 0);
	ASSERT_FALSE(vmalloc_core_ready());
}

