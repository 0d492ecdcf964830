/* SPDX-License-Identifier: MIT */
/*
 * The /proc/vmallocinfo listing: one line per live area, in address order,
 * in the kernel's format:
 *
 *   0x<start>-0x<end> <size> <caller> [pages=N] [phys=X] [ioremap]
 *   [sparse] [vmalloc] [vmap] [user] [vpages] [N<node>=<pages> ...]
 *
 * then, as today's kernel does, one line per area freed but not yet
 * purged:
 *
 *   0x<start>-0x<end> <size> unpurged vm_area
 *
 * start-end covers the guard page, size counts it (as the kernel prints).
 * A vm_map_ram() mapping, which has no vm_struct, is one line
 * "0x<start>-0x<end> <size> vm_map_ram" (its guard page included).
 * N<node>= counts are printed on every machine, one node or many.
 *
 * The caller's name comes from the platform's symbolize hook, which may
 * take foreign locks (dladdr takes the dynamic loader's), so it is never
 * called with a core lock held: the areas are copied out under the lock a
 * batch at a time (what each line needs), and named and formatted after
 * the lock is dropped. A listing is therefore a sequence of consistent
 * snapshots of consecutive parts of the range, as the kernel's is.
 */
#include "api/api.h"
#include "area/area.h"
#include "page/page_alloc.h"

#define INFO_BATCH	32

/* What one line needs, copied under the lock. */
struct info_line {
	unsigned long start, size, flags, phys;
	const void *caller;
	unsigned int nr_pages;
	bool ram;
	unsigned int nodes[VMALLOC_MAX_NODES];
};

struct collect {
	struct info_line lines[INFO_BATCH];
	unsigned int n;
	unsigned long next;	/* where the next batch starts */
};

struct sink {
	char *buf;
	size_t len;
	size_t pos;
};

static void emit(struct sink *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct sink *s, const char *fmt, ...)
{
	__builtin_va_list ap;
	size_t room = s->pos < s->len ? s->len - s->pos : 0;
	char scratch[1];

	__builtin_va_start(ap, fmt);
	s->pos += vm_vsnprintf(room ? s->buf + s->pos : scratch,
			       room ? room : 0, fmt, ap);
	__builtin_va_end(ap);
}

/* Walk callback (lock held): copy one area's line, stop when full. */
static bool collect_area(struct vm_struct *vm, void *arg)
{
	struct collect *c = arg;
	struct info_line *l;
	unsigned int i;

	/* Its owner is still filling it in (as the kernel skips them). */
	if (!area_is_ready(vm))
		return false;
	l = &c->lines[c->n++];
	vm_memset(l, 0, sizeof(*l));
	l->start = (unsigned long)vm->addr;
	l->size = vm->size;
	l->flags = vm->flags;
	l->phys = vm->phys_addr;
	l->caller = vm->caller;
	l->nr_pages = vm->nr_pages;
	l->ram = area_is_ram(vm);
	if (vm->pages)
		for (i = 0; i < vm->nr_pages; i++)
			l->nodes[pa_page_nid(vm->pages[i])]++;
	c->next = l->start + l->size;
	return c->n == INFO_BATCH;
}

/* Format one line, the caller named by the platform (no lock held). */
static void emit_line(struct sink *s, const struct info_line *l)
{
	char name[128];
	const char *sym = NULL;
	unsigned int i;

	emit(s, "0x%016lx-0x%016lx %7lu", l->start, l->start + l->size,
	     l->size);
	if (l->ram) {
		emit(s, " vm_map_ram\n");
		return;
	}
	if (l->caller && vm_plat->symbolize) {
		vm_assert_unlocked(0, "symbolize");
		sym = vm_plat->symbolize(vm_plat->ctx, l->caller, name,
					 sizeof(name));
	}
	if (sym)
		emit(s, " %s", sym);
	else
		emit(s, " %p", l->caller);
	if (l->nr_pages)
		emit(s, " pages=%u", l->nr_pages);
	if (l->phys)
		emit(s, " phys=%lx", l->phys);
	if (l->flags & VM_IOREMAP)
		emit(s, " ioremap");
	if (l->flags & VM_SPARSE)
		emit(s, " sparse");
	if (l->flags & VM_ALLOC)
		emit(s, " vmalloc");
	if (l->flags & VM_MAP)
		emit(s, " vmap");
	if (l->flags & VM_USERMAP)
		emit(s, " user");
	if (l->flags & VM_VPAGES)
		emit(s, " vpages");
	for (i = 0; i < VMALLOC_MAX_NODES; i++)
		if (l->nodes[i])
			emit(s, " N%u=%u", i, l->nodes[i]);
	emit(s, "\n");
}

/* Lazy-list callback (lock held): formatting only, no call out. */
static void emit_unpurged(unsigned long start, unsigned long size, void *arg)
{
	emit(arg, "0x%016lx-0x%016lx %7lu unpurged vm_area\n", start,
	     start + size, size);
}

/**
 * vmallocinfo - the /proc/vmallocinfo listing, written like snprintf()
 * @buf: destination (may be NULL when @len is 0)
 * @len: its size in bytes
 *
 * Return: the length of the whole listing, without the NUL; it was
 * written completely when that is less than @len.
 * Context: takes the area lock for each batch of INFO_BATCH areas, and
 * calls the platform's symbolize hook with no lock held.
 */
size_t vmallocinfo(char *buf, size_t len)
{
	struct sink s = { buf, len, 0 };
	struct collect c;
	unsigned int i;

	if (!vm_ensure_ready()) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	c.next = vm_plat->vmalloc_start;
	do {
		c.n = 0;
		area_walk(c.next, vm_plat->vmalloc_end, collect_area, &c);
		for (i = 0; i < c.n; i++)
			emit_line(&s, &c.lines[i]);
	} while (c.n == INFO_BATCH && c.next < vm_plat->vmalloc_end);
	area_walk_lazy(emit_unpurged, &s);
	if (len)
		buf[s.pos < len ? s.pos : len - 1] = '\0';
	return s.pos;
}

/**
 * vmalloc_dump_obj - say which vmalloc area holds an address
 * @object: any address
 *
 * Logs one line (VM_LOG_INFO), as the kernel prints when it reports a
 * bad object: "<n>-page vmalloc region starting at 0x<start> allocated
 * at <caller>", <n> being the frames the area owns (0 for a vmap area).
 *
 * Return: true if @object is inside a live area (its guard page
 * included), false otherwise (nothing logged). Context: takes the area
 * lock briefly; names the caller with no lock held.
 */
bool vmalloc_dump_obj(void *object)
{
	unsigned long a = (unsigned long)object;
	const struct info_line *l;
	char name[128];
	const char *sym = NULL;
	struct collect c;

	if (!vm_ensure_ready() || a < vm_plat->vmalloc_start ||
	    a >= vm_plat->vmalloc_end)
		return false;
	c.n = 0;
	area_walk(a, a + 1, collect_area, &c);
	l = &c.lines[0];
	/* vm_map_ram() mappings have no vm_struct: not an object's home. */
	if (!c.n || a < l->start || a - l->start >= l->size || l->ram)
		return false;
	if (l->caller && vm_plat->symbolize) {
		vm_assert_unlocked(0, "symbolize");
		sym = vm_plat->symbolize(vm_plat->ctx, l->caller, name,
					 sizeof(name));
	}
	if (sym)
		vm_log(VM_LOG_INFO,
		       "%u-page vmalloc region starting at 0x%lx allocated at %s",
		       l->nr_pages, l->start, sym);
	else
		vm_log(VM_LOG_INFO,
		       "%u-page vmalloc region starting at 0x%lx allocated at %p",
		       l->nr_pages, l->start, l->caller);
	vm_log_flush();
	return true;
}
