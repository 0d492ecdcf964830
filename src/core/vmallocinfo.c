/* SPDX-License-Identifier: MIT */
/*
 * The /proc/vmallocinfo listing: one line per live area, in address order,
 * in the kernel's format:
 *
 *   0x<start>-0x<end> <size> <caller> [pages=N] [phys=X] [ioremap]
 *   [vmalloc] [vmap] [user] [vpages] [N<node>=<pages> ...]
 *
 * start-end covers the guard page, size counts it (as the kernel prints).
 * The caller's name comes from the platform's symbolize hook, called with
 * the area locks held.
 */
#include "core.h"
#include "page_alloc.h"
#include "vmap_area.h"

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

static void emit_caller(struct sink *s, const void *caller)
{
	char name[128];
	const char *sym = NULL;

	if (caller && vm_plat->symbolize)
		sym = vm_plat->symbolize(vm_plat->ctx, caller, name, sizeof(name));
	if (sym)
		emit(s, " %s", sym);
	else
		emit(s, " %p", caller);
}

static void emit_nodes(struct sink *s, const struct vm_struct *vm)
{
	unsigned int counts[VMALLOC_MAX_NODES] = { 0 };
	unsigned int i, n = pa_nr_nodes();

	if (n < 2 || !vm->pages)
		return;
	for (i = 0; i < vm->nr_pages; i++) {
		int nid = page_to_nid(vm->pages[i]);

		if (nid >= 0)
			counts[nid]++;
	}
	for (i = 0; i < n; i++)
		if (counts[i])
			emit(s, " N%u=%u", i, counts[i]);
}

static bool emit_area(struct vm_struct *vm, void *arg)
{
	struct sink *s = arg;
	unsigned long start = (unsigned long)vm->addr;

	/* Its owner is still filling it in (as the kernel skips them). */
	if (!va_is_ready(vm))
		return false;
	emit(s, "0x%016lx-0x%016lx %7lu", start, start + vm->size, vm->size);
	emit_caller(s, vm->caller);
	if (vm->nr_pages)
		emit(s, " pages=%u", vm->nr_pages);
	if (vm->phys_addr)
		emit(s, " phys=%lx", vm->phys_addr);
	if (vm->flags & VM_IOREMAP)
		emit(s, " ioremap");
	if (vm->flags & VM_ALLOC)
		emit(s, " vmalloc");
	if (vm->flags & VM_MAP)
		emit(s, " vmap");
	if (vm->flags & VM_USERMAP)
		emit(s, " user");
	if (vm->flags & VM_VPAGES)
		emit(s, " vpages");
	emit_nodes(s, vm);
	emit(s, "\n");
	return false;
}

/**
 * vmallocinfo - the /proc/vmallocinfo listing, written like snprintf()
 * @buf: destination (may be NULL when @len is 0)
 * @len: its size in bytes
 *
 * Return: the length of the whole listing, without the NUL; it was
 * written completely when that is less than @len.
 * Context: holds the area lock while it formats.
 */
size_t vmallocinfo(char *buf, size_t len)
{
	struct sink s = { buf, len, 0 };

	if (!vm_ensure_ready()) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	va_lock();
	va_walk_locked(vm_plat->vmalloc_start, vm_plat->vmalloc_end, emit_area,
		       &s);
	va_unlock();
	if (len)
		buf[s.pos < len ? s.pos : len - 1] = '\0';
	return s.pos;
}
