/* SPDX-License-Identifier: MIT */
/*
 * Object caches. A chunk is KCACHE_CHUNK bytes from meta_alloc(): its first
 * 64 bytes link it into the cache's chunk list, the rest is carved into
 * objects lazily, one object at a time as the free list runs dry, so a
 * cache that holds few objects touches little memory.
 */
#include "slab.h"

#define KCACHE_CHUNK	(64UL * 1024)
#define CHUNK_HEADER	64UL

/* Size classes for vm_kmalloc: 16, 32, ..., 4096 bytes. */
#define KMALLOC_MIN_SHIFT	4
#define KMALLOC_MAX_SHIFT	12
#define KMALLOC_CLASSES		(KMALLOC_MAX_SHIFT - KMALLOC_MIN_SHIFT + 1)

static struct kcache kmalloc_caches[KMALLOC_CLASSES];
static unsigned long large_live;	/* bytes of live large allocations */
static struct kcache *registry[16];	/* every cache, for the byte counts */
static unsigned long chunk_bytes;	/* bytes of chunks held */

/* Carving state lives in the chunk header after the link word. */
struct chunk {
	void *next;
	unsigned long carved;		/* bytes carved after the header */
};

void kcache_init(struct kcache *c, const char *name, size_t size)
{
	vm_memset(c, 0, sizeof(*c));
	c->name = name;
	c->size = VM_ALIGN_UP(size, 16UL);
	vm_lock_init(&c->lock, name);
	for (unsigned int i = 0; i < ARRAY_SIZE(registry); i++) {
		if (!registry[i]) {
			registry[i] = c;
			break;
		}
	}
}

void kcache_destroy(struct kcache *c)
{
	void *ch = c->chunks;

	while (ch) {
		void *next = ((struct chunk *)ch)->next;

		vm_plat->meta_free(vm_plat->ctx, ch, KCACHE_CHUNK);
		vm_stat_add(&chunk_bytes, -(long)KCACHE_CHUNK);
		ch = next;
	}
	c->chunks = NULL;
	c->free = NULL;
	vm_lock_destroy(&c->lock);
	for (unsigned int i = 0; i < ARRAY_SIZE(registry); i++)
		if (registry[i] == c)
			registry[i] = NULL;
}

/* Carve one object from the newest chunk, adding a chunk when full. */
static void *carve_locked(struct kcache *c)
{
	struct chunk *ch = c->chunks;
	void *obj;

	if (!ch || ch->carved + c->size > KCACHE_CHUNK - CHUNK_HEADER) {
		ch = vm_plat->meta_alloc(vm_plat->ctx, KCACHE_CHUNK);
		if (!ch)
			return NULL;
		vm_stat_add(&chunk_bytes, (long)KCACHE_CHUNK);
		ch->next = c->chunks;
		ch->carved = 0;
		c->chunks = ch;
	}
	obj = (char *)ch + CHUNK_HEADER + ch->carved;
	ch->carved += c->size;
	c->total++;
	return obj;	/* fresh chunk memory is zero */
}

void *kcache_alloc(struct kcache *c)
{
	void *obj;
	bool fresh = false;

	if (vm_fault_should_fail(VM_FAULT_META))
		return NULL;
	vm_lock(&c->lock);
	obj = c->free;
	if (obj) {
		c->free = *(void **)obj;
	} else {
		obj = carve_locked(c);
		fresh = true;
	}
	if (obj)
		vm_stat_add(&c->live, 1);
	vm_unlock(&c->lock);
	if (obj && !fresh)
		vm_memset(obj, 0, c->size);
	return obj;
}

void kcache_free(struct kcache *c, void *obj)
{
	if (!obj)
		return;
	vm_lock(&c->lock);
	*(void **)obj = c->free;
	c->free = obj;
	vm_stat_add(&c->live, -1);
	vm_unlock(&c->lock);
}

bool kcache_owns(struct kcache *c, const void *obj)
{
	uintptr_t p = (uintptr_t)obj;
	struct chunk *ch;
	bool owns = false;

	vm_lock(&c->lock);
	for (ch = c->chunks; ch; ch = ch->next) {
		uintptr_t first = (uintptr_t)ch + CHUNK_HEADER;

		if (p >= first && p < first + ch->carved) {
			owns = (p - first) % c->size == 0;
			break;
		}
	}
	vm_unlock(&c->lock);
	return owns;
}

static int size_class(size_t size)
{
	int shift = KMALLOC_MIN_SHIFT;

	while (shift <= KMALLOC_MAX_SHIFT && (1UL << shift) < size)
		shift++;
	return shift <= KMALLOC_MAX_SHIFT ? shift - KMALLOC_MIN_SHIFT : -1;
}

static const char *const class_names[KMALLOC_CLASSES] = {
	"kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128",
	"kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k",
	"kmalloc-4k",
};

int slab_init(void)
{
	int i;

	large_live = 0;
	chunk_bytes = 0;
	vm_memset(registry, 0, sizeof(registry));
	for (i = 0; i < KMALLOC_CLASSES; i++)
		kcache_init(&kmalloc_caches[i], class_names[i],
			    1UL << (i + KMALLOC_MIN_SHIFT));
	return 0;
}

void slab_exit(void)
{
	int i;

	for (i = 0; i < KMALLOC_CLASSES; i++)
		kcache_destroy(&kmalloc_caches[i]);
}

void *vm_kmalloc(size_t size)
{
	int cls = size_class(size ? size : 1);
	void *p;

	if (cls >= 0)
		return kcache_alloc(&kmalloc_caches[cls]);
	if (vm_fault_should_fail(VM_FAULT_META))
		return NULL;
	p = vm_plat->meta_alloc(vm_plat->ctx, size);
	if (p)
		vm_stat_add(&large_live, (long)size);
	return p;
}

void vm_kfree(void *p, size_t size)
{
	int cls = size_class(size ? size : 1);

	if (!p)
		return;
	if (cls >= 0) {
		kcache_free(&kmalloc_caches[cls], p);
		return;
	}
	vm_plat->meta_free(vm_plat->ctx, p, size);
	vm_stat_add(&large_live, -(long)size);
}

unsigned long slab_live_bytes(void)
{
	unsigned long sum = vm_stat_read(&large_live);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(registry); i++)
		if (registry[i])
			sum += vm_stat_read(&registry[i]->live) *
			       registry[i]->size;
	return sum;
}

unsigned long slab_reserved_bytes(void)
{
	return vm_stat_read(&chunk_bytes) + vm_stat_read(&large_live);
}
