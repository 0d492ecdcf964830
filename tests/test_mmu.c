/* SPDX-License-Identifier: MIT */
/*
 * Page-table formats (src/core/pgtable/format.h): each format's encoding
 * of the API's pgprot and back, a few entries checked bit for bit against
 * what the architecture manuals define (Intel SDM: P, R/W, PS, G, XD;
 * Arm ARM VMSAv8-64 stage 1: descriptor type, AttrIndx, AP, SH, AF, nG,
 * PXN, UXN), and the soft engine's live tables for each format walked by
 * hand, with the manuals' index arithmetic, against vmalloc_to_page().
 * Every case runs on the soft engine with the format it names, whatever
 * VMALLOC_ENGINE and VMALLOC_MMU say.
 */
#include "harness.h"
#include "pgtable/pgtable.h"
#include "page/page_alloc.h"

static const char *const formats[] = { "x86_64", "x86_64-la57", "aarch64" };

static void init_soft(const char *mmu)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft",
				      .phys_mb = 64, .quiet = true, .mmu = mmu };

	vt_init_cfg(&cfg);
	ASSERT_TRUE(!strcmp(pt_format()->name, mmu));
}

/* A random protection the API accepts: present, low 12 bits, maybe NX. */
static uint64_t random_prot(void)
{
	uint64_t p = _PAGE_PRESENT | (vt_rand() & 0xfff);

	return vt_rand() & 1 ? p | _PAGE_NX : p;
}

TEST(every_format_round_trips_every_protection)
{
	static const uint64_t named[] = {
		__PAGE_KERNEL, __PAGE_KERNEL_RO, __PAGE_KERNEL_EXEC,
		__PAGE_KERNEL_NOCACHE, _PAGE_PRESENT,
		_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_NX,
		__PAGE_KERNEL | _PAGE_PSE,	/* PAT in a PTE */
		_PAGE_PRESENT | 0xe00,		/* the software bits */
	};
	unsigned int f, i;

	for (f = 0; f < ARRAY_LEN(formats); f++) {
		const struct pt_format *fmt = pt_format_find(formats[f]);

		ASSERT_TRUE(fmt != NULL);
		for (i = 0; i < ARRAY_LEN(named) + 4000; i++) {
			uint64_t prot = i < ARRAY_LEN(named) ? named[i] : random_prot();
			uint64_t pfn = 0x12345 + i, bpfn = 0x12200;
			uint64_t e = pt_mk_page(fmt, pfn, prot);

			ASSERT_EQ(pt_decode(fmt, e), prot);
			ASSERT_EQ((e & fmt->addr_mask) >> PAGE_SHIFT, pfn);
			ASSERT_EQ(e & fmt->page_mask, fmt->page_type);
			if (prot & _PAGE_PSE)
				continue;	/* never a 2 MiB leaf (PAT) */
			e = pt_mk_block(fmt, bpfn, prot);
			ASSERT_EQ(pt_decode(fmt, e) & ~_PAGE_PSE, prot);
			ASSERT_EQ((e & fmt->addr_mask) >> PAGE_SHIFT, bpfn);
			ASSERT_EQ(e & fmt->type_mask, fmt->block_type);
			ASSERT_TRUE((e & fmt->type_mask) != fmt->table_type);
		}
	}
	ASSERT_TRUE(pt_format_find(NULL) == &pt_format_x86_64);
	ASSERT_TRUE(pt_format_find("") == &pt_format_x86_64);
	ASSERT_TRUE(pt_format_find("riscv") == NULL);
	ASSERT_TRUE(pt_format_find("x86_64-la5") == NULL);
}

/*
 * Intel SDM vol. 3, 4-level and 5-level paging: P bit 0, R/W 1, A 5, D 6,
 * PS 7 (a 2 MiB page in a PDE), G 8, XD 63. The two x86-64 formats write
 * the same leaves; what differs is the walk.
 */
TEST(x86_entries_are_the_manuals)
{
	const struct pt_format *fmts[] = { &pt_format_x86_64, &pt_format_x86_64_la57 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		const struct pt_format *f = fmts[i];

		ASSERT_EQ(pt_mk_page(f, 0x12345, __PAGE_KERNEL), 0x8000000012345163ULL);
		ASSERT_EQ(pt_mk_page(f, 0x12345, __PAGE_KERNEL_RO), 0x8000000012345161ULL);
		ASSERT_EQ(pt_mk_page(f, 0x12345, __PAGE_KERNEL_EXEC), 0x0000000012345163ULL);
		ASSERT_EQ(pt_mk_page(f, 0x12345, __PAGE_KERNEL_NOCACHE), 0x800000001234517bULL);
		ASSERT_EQ(pt_mk_block(f, 0x12200, __PAGE_KERNEL), 0x80000000122001e3ULL);
		ASSERT_EQ(f->table_bits, 0x63);
		ASSERT_FALSE(f->needs_bbm);
	}
	ASSERT_EQ(pt_format_x86_64.levels, 4);
	ASSERT_EQ(pt_format_x86_64_la57.levels, 5);
	ASSERT_EQ(pt_format_x86_64_la57.shift[4], 48);	/* PML5: bits 56:48 */
}

/* The fields of a VMSAv8-64 stage 1 descriptor, as the Arm ARM numbers them. */
#define A64_ATTRINDX(e)	(((e) >> 2) & 7)
#define A64_AP(e)	(((e) >> 6) & 3)	/* AP[2:1] */
#define A64_SH(e)	(((e) >> 8) & 3)
#define A64_AF(e)	(((e) >> 10) & 1)
#define A64_NG(e)	(((e) >> 11) & 1)
#define A64_PXN(e)	(((e) >> 53) & 1)
#define A64_UXN(e)	(((e) >> 54) & 1)
#define A64_HW_MASK	(~(0xfULL << 55))	/* without the software bits */

TEST(aarch64_descriptors_are_the_manuals)
{
	const struct pt_format *f = &pt_format_aarch64;
	uint64_t e = pt_mk_page(f, 0x12345, __PAGE_KERNEL);

	/*
	 * PAGE_KERNEL, level 3 page: 0b11, AttrIndx 0 (Normal WB), AP 00
	 * (EL1 read/write), SH 0b11 (inner shareable), AF, global, PXN and
	 * UXN; bit 55 is software (dirty, as Linux arm64 keeps it).
	 */
	ASSERT_EQ(e & A64_HW_MASK, 0x0060000012345703ULL);
	ASSERT_EQ(e, 0x00e0000012345703ULL);
	ASSERT_EQ(A64_ATTRINDX(e), 0);
	ASSERT_EQ(A64_AP(e), 0);
	ASSERT_EQ(A64_SH(e), 3);
	ASSERT_EQ(A64_AF(e), 1);
	ASSERT_EQ(A64_NG(e), 0);
	ASSERT_EQ(A64_PXN(e), 1);
	ASSERT_EQ(A64_UXN(e), 1);
	/* Read-only: AP[2] = 1 (AP 0b10, EL1 read-only). */
	e = pt_mk_page(f, 0x12345, __PAGE_KERNEL_RO);
	ASSERT_EQ(e & A64_HW_MASK, 0x0060000012345783ULL);
	ASSERT_EQ(A64_AP(e), 2);
	/* Executable at EL1: PXN clear, UXN still set. */
	e = pt_mk_page(f, 0x12345, __PAGE_KERNEL_EXEC);
	ASSERT_EQ(e & A64_HW_MASK, 0x0040000012345703ULL);
	ASSERT_EQ(A64_PXN(e), 0);
	ASSERT_EQ(A64_UXN(e), 1);
	/* Uncached: AttrIndx 3, which MAIR makes Device-nGnRE (0x04). */
	e = pt_mk_page(f, 0x12345, __PAGE_KERNEL_NOCACHE);
	ASSERT_EQ(A64_ATTRINDX(e), 3);
	ASSERT_EQ((f->mair >> (8 * A64_ATTRINDX(e))) & 0xff, 0x04);
	ASSERT_EQ(f->mair & 0xff, 0xff);	/* index 0: Normal WB */
	/* Not global: nG set. */
	e = pt_mk_page(f, 0x12345, __PAGE_KERNEL & ~_PAGE_GLOBAL);
	ASSERT_EQ(A64_NG(e), 1);
	/* 2 MiB block at level 2: 0b01, the same attributes. */
	e = pt_mk_block(f, 0x12200, __PAGE_KERNEL);
	ASSERT_EQ(e & A64_HW_MASK, 0x0060000012200701ULL);
	/* Table descriptor: 0b11, nothing else (no APTable/XNTable limits). */
	ASSERT_EQ(f->table_bits, 3);
	ASSERT_TRUE(f->needs_bbm);
}

/*
 * The leaf mapping @va in the live tables, found the way the hardware
 * walks them: the index of each level is 9 bits of the address from bit
 * 12 + 9 * level, a table entry holds the next table's address.
 * *level is where the leaf was (0 page, 1 a 2 MiB block); 0 when none.
 */
static uint64_t *walk_to_slot(const char *mmu, unsigned long va, int *level)
{
	bool arm = !strcmp(mmu, "aarch64");
	int top = !strcmp(mmu, "x86_64-la57") ? 4 : 3, l;
	uint64_t addr_mask = arm ? 0x0000fffffffff000ULL : 0x000ffffffffff000ULL;
	uint64_t *t = pt_top();

	for (l = top; l >= 0; l--) {
		uint64_t *slot = &t[(va >> (12 + 9 * l)) & 511], e = *slot;
		bool table;

		*level = l;
		if (l == 0)
			return slot;
		if (arm) {
			if ((e & 3) == 1 && l == 1)
				return slot;			/* block */
			table = (e & 3) == 3;
			if (table)
				ASSERT_EQ(e & ~addr_mask, 3);
		} else {
			if ((e & 0x81) == 0x81 && l == 1)
				return slot;			/* PS: 2 MiB */
			table = (e & 0x81) == 0x01;
			if (table)
				ASSERT_EQ(e & ~addr_mask, 0x63);
		}
		if (!table)
			return NULL;
		t = page_address(pfn_to_page((unsigned long)((e & addr_mask) >> 12)));
		ASSERT_TRUE(t != NULL);
	}
	return NULL;
}

/* The leaf entry itself, 0 when there is none. */
static uint64_t walk_by_hand(const char *mmu, unsigned long va, int *level)
{
	uint64_t *slot = walk_to_slot(mmu, va, level), e;

	if (!slot)
		return 0;
	e = *slot;
	if (*level == 0)	/* a page: 0b11 on AArch64, P on x86 */
		return !strcmp(mmu, "aarch64") ? ((e & 3) == 3 ? e : 0) :
		       (e & 1 ? e : 0);
	return e;
}

/* The leaf bits the manuals give PAGE_KERNEL for @pfn (page or block). */
static uint64_t expected_leaf(const char *mmu, uint64_t pfn, bool block)
{
	if (!strcmp(mmu, "aarch64"))
		return (pfn << 12) | 0x00e0000000000701ULL | (block ? 0 : 2);
	return (pfn << 12) | 0x8000000000000163ULL | (block ? 0x80 : 0);
}

static void walk_format(const char *mmu)
{
	void *small, *big;
	unsigned long i, huge_seen = 0;
	int level;

	init_soft(mmu);
	small = vmalloc(5 * PAGE_SIZE);
	big = vmalloc_huge(4UL << 20, GFP_KERNEL);
	ASSERT_TRUE(small && big);
	for (i = 0; i < 5; i++) {
		char *va = (char *)small + i * PAGE_SIZE;
		uint64_t e = walk_by_hand(mmu, (unsigned long)va, &level);

		ASSERT_EQ(level, 0);
		ASSERT_EQ(e, expected_leaf(mmu, vmalloc_to_pfn(va), false));
		ASSERT_TRUE(pfn_to_page(vmalloc_to_pfn(va)) == vmalloc_to_page(va));
	}
	ASSERT_EQ(walk_by_hand(mmu, (unsigned long)small + 5 * PAGE_SIZE, &level), 0);
	for (i = 0; i < (4UL << 20) / PAGE_SIZE; i += 7) {
		char *va = (char *)big + i * PAGE_SIZE;
		uint64_t e = walk_by_hand(mmu, (unsigned long)va, &level);
		unsigned long pfn = vmalloc_to_pfn(va);

		ASSERT_TRUE(e != 0);
		if (level == 1) {
			unsigned long first = pfn & ~511UL;

			ASSERT_EQ(e, expected_leaf(mmu, first, true));
			ASSERT_EQ(pfn - first, ((unsigned long)va >> 12) & 511);
			huge_seen++;
		} else {
			ASSERT_EQ(e, expected_leaf(mmu, pfn, false));
		}
	}
	ASSERT_TRUE(huge_seen > 0);	/* the soft pool has aligned blocks */
	ASSERT_EQ(vmalloc_check(), 0);
	vfree(small);
	vfree(big);
	vm_unmap_aliases();	/* the area cache may have kept small mapped */
	ASSERT_EQ(walk_by_hand(mmu, (unsigned long)small, &level) & 1, 0);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(walk_by_hand_x86_64)
{
	walk_format("x86_64");
}

TEST(walk_by_hand_x86_64_la57)
{
	walk_format("x86_64-la57");
}

TEST(walk_by_hand_aarch64)
{
	walk_format("aarch64");
}

/*
 * pt_check() holds each format to its own encoding: a leaf with a bit its
 * protection would not give, or of a kind the format does not have at its
 * level, is malformed.
 */
TEST(sanity_walk_refuses_malformed_entries)
{
	static const struct { const char *mmu; uint64_t flip; } bad[] = {
		{ "x86_64", 1ULL << 52 },	/* a reserved bit */
		{ "x86_64-la57", 1ULL << 52 },
		{ "aarch64", 3ULL << 8 },	/* SH 0b00: non-shareable */
		{ "aarch64", 2 },		/* 0b01 at level 3: reserved */
		{ "aarch64", 1ULL << 54 },	/* UXN clear */
	};
	unsigned int i;

	if (VM_DEBUG)
		SKIP("pt_check reports a malformed table as a bug, which traps under VM_DEBUG");
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		uint64_t *slot, good;
		void *p;
		int level;

		init_soft(bad[i].mmu);
		p = vmalloc(PAGE_SIZE);
		ASSERT_TRUE(p != NULL);
		slot = walk_to_slot(bad[i].mmu, (unsigned long)p, &level);
		ASSERT_TRUE(slot && level == 0);
		good = *slot;
		ASSERT_EQ(vmalloc_check(), 0);
		*slot = good ^ bad[i].flip;
		ASSERT_EQ(vmalloc_check(), -EUCLEAN);
		*slot = good;
		ASSERT_EQ(vmalloc_check(), 0);
		vfree(p);
		ASSERT_EQ(vmalloc_exit(), 0);
	}
}

/*
 * An area across a boundary of top-level entries (the 256 TiB one of the
 * PML5 with LA57, the 512 GiB one of the PML4 or of AArch64's level 0):
 * the walk splits it between two top-level slots, and every page is
 * where the hardware would look for it.
 */
TEST(an_area_across_a_top_level_boundary)
{
	unsigned int f;

	for (f = 0; f < ARRAY_LEN(formats); f++) {
		const struct pt_format *fmt = pt_format_find(formats[f]);
		unsigned long top = 1UL << fmt->shift[fmt->levels - 1];
		unsigned long edge = (fmt->vmalloc_start | (top - 1)) + 1;
		struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft",
					      .phys_mb = 64, .quiet = true,
					      .mmu = formats[f],
					      .vmalloc_start = edge - (1UL << 30),
					      .vmalloc_size_mb = 2048 };
		unsigned long i;
		char *p;
		int level;

		vt_init_cfg(&cfg);
		p = __vmalloc_node_range(8 * PAGE_SIZE, PAGE_SIZE,
					 edge - 4 * PAGE_SIZE, edge + 5 * PAGE_SIZE,
					 GFP_KERNEL, PAGE_KERNEL, 0, NUMA_NO_NODE,
					 NULL);
		ASSERT_TRUE(p != NULL);
		ASSERT_EQ((unsigned long)p, edge - 4 * PAGE_SIZE);
		for (i = 0; i < 8; i++) {
			unsigned long va = (unsigned long)p + i * PAGE_SIZE;
			uint64_t e = walk_by_hand(formats[f], va, &level);

			ASSERT_EQ(level, 0);
			ASSERT_EQ(e, expected_leaf(formats[f], vmalloc_to_pfn((void *)va),
						   false));
		}
		ASSERT_EQ(vmalloc_check(), 0);
		vfree(p);
		ASSERT_EQ(vmalloc_exit(), 0);
	}
}

TEST(la57_range_is_above_the_4_level_address_space)
{
	char line[64], *buf;
	unsigned long a;
	void *p;
	int level;

	init_soft("x86_64-la57");
	ASSERT_EQ(VMALLOC_START, 0xffa0000000000000UL);
	ASSERT_EQ(VMALLOC_END, VMALLOC_START + (32UL << 40));
	p = vmalloc(3 * PAGE_SIZE);
	ASSERT_TRUE(p != NULL);
	a = (unsigned long)p;
	/* Not an address 4-level paging can have: bits 56:47 are not all 1. */
	ASSERT_TRUE(a >= 0xff00000000000000UL && a < 0xffff800000000000UL);
	ASSERT_EQ((a >> 48) & 511, 0x1a0);	/* its PML5 slot */
	ASSERT_TRUE(is_vmalloc_addr(p));
	ASSERT_FALSE(is_vmalloc_addr((void *)0xffffc90000000000UL));
	ASSERT_TRUE(walk_by_hand("x86_64-la57", a, &level) != 0);
	strcpy(line, "la57");
	ASSERT_EQ(vwrite(line, p, 5), 5);
	memset(line, 0, sizeof(line));
	ASSERT_EQ(vread(line, p, 5), 5);
	ASSERT_TRUE(!strcmp(line, "la57"));
	buf = calloc(1, 1 << 16);
	ASSERT_TRUE(buf != NULL);
	vmallocinfo(buf, 1 << 16);
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx", a, a + 4 * PAGE_SIZE);
	if (!strstr(buf, line))
		vt_fail(__FILE__, __LINE__, "vmallocinfo lacks '%s':\n%s", line, buf);
	free(buf);
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(aarch64_range_is_linux_arm64s_in_the_ttbr1_half)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft",
				      .phys_mb = 64, .quiet = true,
				      .mmu = "aarch64" };
	void *p;

	init_soft("aarch64");
	ASSERT_EQ(VMALLOC_START, 0xffff800080000000UL);
	p = vmalloc(PAGE_SIZE);
	ASSERT_TRUE(p && is_vmalloc_addr(p));
	vfree(p);
	ASSERT_EQ(vmalloc_exit(), 0);
	/* All 48 bits are TTBR1's: the range may start below bit 47. */
	cfg.vmalloc_start = 0xffff100000000000UL;
	ASSERT_EQ(vmalloc_init(&cfg), 0);
	ASSERT_EQ(VMALLOC_START, 0xffff100000000000UL);
	ASSERT_EQ(vmalloc_exit(), 0);
	/* ... but not below them (not canonical: no TTBR translates it). */
	cfg.vmalloc_start = 0xfffe000000000000UL;
	ASSERT_EQ(vmalloc_init(&cfg), -EINVAL);
}

TEST(mmu_names_are_checked)
{
	struct vmalloc_config cfg = { .sz = sizeof(cfg), .engine = "soft",
				      .mmu = "riscv-sv48" };

	vmalloc_set_log_hook(vt_log_hook);
	vt_log_clear();
	ASSERT_EQ(vmalloc_init(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("vmalloc_config.mmu = riscv-sv48 is not a page-table format (x86_64, x86_64-la57, aarch64)"), 1);
	cfg.mmu = NULL;
	setenv("VMALLOC_MMU", "x86-64", 1);
	vt_log_clear();
	ASSERT_EQ(vmalloc_init(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("VMALLOC_MMU=x86-64 is not a page-table format"), 1);
	setenv("VMALLOC_MMU", "aarch64", 1);
	cfg.engine = "host";
	vt_log_clear();
	ASSERT_EQ(vmalloc_init(&cfg), -EINVAL);
	ASSERT_EQ(vt_log_count("host: VMALLOC_MMU=aarch64 needs the soft engine"), 1);
	/* The struct wins over the environment. */
	cfg.engine = "soft";
	cfg.mmu = "x86_64-la57";
	ASSERT_EQ(vmalloc_init(&cfg), 0);
	ASSERT_TRUE(!strcmp(pt_format()->name, "x86_64-la57"));
	ASSERT_EQ(vmalloc_exit(), 0);
	unsetenv("VMALLOC_MMU");
}

/*
 * Break-before-make. The core never replaces a live entry with another
 * (it fills empty entries and clears live ones); if it ever does, an
 * AArch64 entry must go invalid, be flushed from the TLB, and only then
 * take its new value. Force one replacement through pt_map() and watch
 * the TLB hook: on AArch64 it runs once, while the entry reads empty; on
 * x86-64 it does not run (a plain store is allowed there).
 */
static unsigned long bbm_addr, bbm_flushes, bbm_live_at_flush;

static void bbm_flush(void *ctx, unsigned long start, unsigned long end)
{
	(void)ctx;
	if (start <= bbm_addr && bbm_addr < end) {
		bbm_flushes++;
		if (pt_lookup(bbm_addr))
			bbm_live_at_flush++;
	}
}

static void bbm_case(const char *mmu, unsigned long want_flushes)
{
	struct vm_platform *plat;
	struct vm_struct *area;
	struct page *pg;
	bool refused;

	if (VM_DEBUG)
		SKIP("the forced replacement is a bug report, which traps under VM_DEBUG (the other builds run it)");
	init_soft(mmu);
	plat = (struct vm_platform *)vm_plat;	/* the core's own copy */
	plat->flush_tlb_kernel_range = bbm_flush;
	area = get_vm_area(PAGE_SIZE, VM_MAP);
	pg = alloc_page(GFP_KERNEL);
	ASSERT_TRUE(area && pg);
	bbm_addr = (unsigned long)area->addr;
	ASSERT_EQ(pt_map(bbm_addr, &pg, 1, __PAGE_KERNEL, false, &refused), 0);
	ASSERT_EQ(bbm_flushes, 0);
	/* The replacement (the core warns: no caller of its does this). */
	ASSERT_EQ(pt_map(bbm_addr, &pg, 1, __PAGE_KERNEL_RO, false, &refused), 0);
	ASSERT_EQ(bbm_flushes, want_flushes);
	ASSERT_EQ(bbm_live_at_flush, 0);
	ASSERT_EQ(pt_lookup(bbm_addr) & PT_PROT_MASK, __PAGE_KERNEL_RO);
	pt_unmap_noflush(bbm_addr, 1);
	plat->flush_tlb_kernel_range = NULL;
	free_vm_area(area);
	__free_page(pg);
	ASSERT_EQ(vmalloc_exit(), 0);
}

TEST(aarch64_replaces_a_live_entry_break_before_make)
{
	bbm_case("aarch64", 1);
}

TEST(x86_replaces_a_live_entry_in_one_store)
{
	bbm_case("x86_64", 0);
}


