/* SPDX-License-Identifier: MIT */
/*
 * The metadata region of the kernel platforms (meta_alloc/meta_free):
 * a first-fit, address-ordered free list over one region that the
 * platform carves off RAM at set-up. The same on every architecture.
 */
#include "kernel.h"

#define META_ALIGN	64UL

/* A free block of the metadata region; blocks are address-ordered. */
struct meta_block {
	unsigned long size;
	struct meta_block *next;
};

static struct {
	unsigned long base, end;	/* the metadata region */
	struct meta_block *free;	/* its free blocks */
} km;

void kmeta_init(unsigned long base, unsigned long end)
{
	km.base = base;
	km.end = end;
	km.free = (struct meta_block *)base;
	km.free->size = end - base;
	km.free->next = NULL;
	kplat_stats.meta_region = end - base;
}

/*
 * kmeta_alloc - the meta_alloc hook
 * @ctx: unused
 * @size: bytes wanted
 *
 * Every block is a multiple of 64 bytes at a 64-byte boundary, so a
 * split never leaves a fragment too small for its own header. Requests
 * of a page or more are page aligned.
 *
 * Return: zeroed memory, or NULL when the region is exhausted.
 * Context: may be called with core locks held (interrupts are off then).
 */
void *kmeta_alloc(void *ctx, size_t size)
{
	unsigned long need = ALIGN_UP((unsigned long)(size ? size : 1), META_ALIGN);
	unsigned long align = need >= KPAGE_SIZE ? KPAGE_SIZE : META_ALIGN;
	struct meta_block **link;
	unsigned long flags;
	void *ret = NULL;

	(void)ctx;
	flags = irq_save();
	for (link = &km.free; *link; link = &(*link)->next) {
		struct meta_block *b = *link, *next = b->next;
		unsigned long s = (unsigned long)b, e = s + b->size;
		unsigned long a = ALIGN_UP(s, align);

		if (a >= e || e - a < need)
			continue;
		if (a + need < e) {
			struct meta_block *tail = (struct meta_block *)(a + need);

			tail->size = e - (a + need);
			tail->next = next;
			next = tail;
		}
		if (a > s) {
			b->size = a - s;
			b->next = next;
		} else {
			*link = next;
		}
		kplat_stats.meta_bytes += need;
		if (kplat_stats.meta_bytes > kplat_stats.meta_peak)
			kplat_stats.meta_peak = kplat_stats.meta_bytes;
		ret = (void *)a;
		break;
	}
	irq_restore(flags);
	if (ret)
		memset(ret, 0, need);
	return ret;
}

/*
 * kmeta_free - the meta_free hook
 * @ctx: unused
 * @ptr: what kmeta_alloc() returned
 * @size: the size it was asked for
 *
 * Puts the block back in address order and merges it with free
 * neighbours. A block that is not ours or overlaps a free one is a core
 * bug: panic rather than corrupt the list.
 */
void kmeta_free(void *ctx, void *ptr, size_t size)
{
	unsigned long need = ALIGN_UP((unsigned long)(size ? size : 1), META_ALIGN);
	unsigned long s = (unsigned long)ptr, e = s + need;
	struct meta_block **link = &km.free, *prev = NULL, *b;
	unsigned long flags;

	(void)ctx;
	if (!ptr)
		return;
	if (s < km.base || e > km.end || (s & (META_ALIGN - 1)))
		kpanic("meta_free of %p (%zu bytes): not from meta_alloc", ptr,
		       size);
	flags = irq_save();
	while (*link && (unsigned long)*link < s) {
		prev = *link;
		link = &(*link)->next;
	}
	if ((prev && (unsigned long)prev + prev->size > s) ||
	    (*link && (unsigned long)*link < e))
		kpanic("meta_free of %p (%zu bytes): overlaps a free block",
		       ptr, size);
	b = (struct meta_block *)ptr;
	b->size = need;
	b->next = *link;
	if (b->next && (unsigned long)b->next == e) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (unsigned long)prev + prev->size == s) {
		prev->size += b->size;
		prev->next = b->next;
	} else {
		*link = b;
	}
	kplat_stats.meta_bytes -= need;
	irq_restore(flags);
}
