/* SPDX-License-Identifier: MIT */
/*
 * Object caches. A chunk is KCACHE_CHUNK bytes from meta_alloc(): its first
 * 64 bytes link it into the cache's chunk list, the rest is carved into
 * objects lazily, one object at a time as the free list runs dry, so a
 * cache that holds few objects touches little memory.
 *
 * Objects flow between three kinds of stock, in batches of MAG_BATCH:
 * the cache's own free list (cache lock), a magazine per CPU (its lock),
 * and the stocks of layers that keep objects under their own locks.
 */
#include "lib/slab.h"

#define KCACHE_CHUNK	(64UL * 1024)
#define CHUNK_HEADER	64UL

/* Size classes for vm_kmalloc: 16, 32, ..., 4096 bytes. */
#define KMALLOC_MIN_SHIFT	4
#define KMALLOC_MAX_SHIFT	12
#define KMALLOC_CLASSES		(KMALLOC_MAX_SHIFT - KMALLOC_MIN_SHIFT + 1)

static struct kcache kmalloc_caches[KMALLOC_CLASSES];
static struct kcache kv_caches[KMALLOC_CLASSES];	/* kvmalloc's */
static unsigned long large_live;	/* bytes of live large allocations */
static struct kcache *registry[32];	/* every cache, for the byte counts */
static unsigned long chunk_bytes;	/* bytes of chunks held */

/*
 * kvmalloc's caches tag each free object (carved or freed, not yet handed
 * out) in its second word, which no free list uses: vm_kv_size() then
 * refuses it, so that kvfree() twice, or of a never-allocated neighbour,
 * warns instead of putting the object on a free list twice. The tag is
 * the object's address mixed with a constant (a live object is taken
 * for free only if its owner stored exactly that there); handing an
 * object out zeroes it.
 */
#define KV_FREE_TAG	((uintptr_t)0x6b76667265656421ULL)

static inline uintptr_t *free_tag(void *obj)
{
	return (uintptr_t *)obj + 1;
}

/* Carving state lives in the chunk header after the link word. */
struct chunk {
	void *next;
	unsigned long carved;		/* bytes carved after the header */
};

#define MAG_BATCH	16	/* objects moved to or from the cache at once */
#define MAG_MAX		32	/* a magazine holds at most this many */

void kcache_init(struct kcache *c, const char *name, size_t size)
{
	unsigned int i;

	vm_memset(c, 0, sizeof(*c));
	c->name = name;
	c->size = VM_ALIGN_UP(size, 16UL);
	vm_lock_init(&c->lock, name, VM_RANK_CACHE);
	c->nmags = vm_ncpus();
	c->mags = vm_plat->meta_alloc(vm_plat->ctx, c->nmags * sizeof(*c->mags));
	if (!c->mags)
		c->nmags = 0;	/* still works, through the cache's lock */
	for (i = 0; i < c->nmags; i++)
		vm_lock_init(&c->mags[i].lock, name, VM_RANK_MAG);
	for (i = 0; i < ARRAY_SIZE(registry); i++) {
		if (!registry[i]) {
			registry[i] = c;
			break;
		}
	}
}

void kcache_destroy(struct kcache *c)
{
	void *ch = c->chunks;
	unsigned int i;

	while (ch) {
		void *next = ((struct chunk *)ch)->next;

		vm_plat->meta_free(vm_plat->ctx, ch, KCACHE_CHUNK);
		vm_stat_add(&chunk_bytes, -(long)KCACHE_CHUNK);
		ch = next;
	}
	c->chunks = NULL;
	c->free.head = NULL;
	if (c->index) {
		vm_plat->meta_free(vm_plat->ctx, c->index,
				   c->index_cap * sizeof(*c->index));
		vm_stat_add(&chunk_bytes,
			    -(long)(c->index_cap * sizeof(*c->index)));
	}
	c->index = NULL;
	c->nindex = c->index_cap = 0;
	for (i = 0; i < c->nmags; i++)
		vm_lock_destroy(&c->mags[i].lock);
	if (c->mags)
		vm_plat->meta_free(vm_plat->ctx, c->mags,
				   c->nmags * sizeof(*c->mags));
	c->mags = NULL;
	vm_lock_destroy(&c->lock);
	for (i = 0; i < ARRAY_SIZE(registry); i++)
		if (registry[i] == c)
			registry[i] = NULL;
}

/*
 * Room for one more entry in the chunk index: it doubles (from 16) when
 * full. Return false, with nothing changed, without memory.
 */
static bool index_reserve_locked(struct kcache *c)
{
	unsigned long cap = c->index_cap ? 2 * c->index_cap : 16;
	uintptr_t *n;

	vm_lock_assert_held(&c->lock);
	if (c->nindex < c->index_cap)
		return true;
	n = vm_plat->meta_alloc(vm_plat->ctx, cap * sizeof(*n));
	if (!n)
		return false;
	vm_stat_add(&chunk_bytes, (long)(cap * sizeof(*n)));
	if (c->index) {
		vm_memcpy(n, c->index, c->nindex * sizeof(*n));
		vm_plat->meta_free(vm_plat->ctx, c->index,
				   c->index_cap * sizeof(*n));
		vm_stat_add(&chunk_bytes, -(long)(c->index_cap * sizeof(*n)));
	}
	c->index = n;
	c->index_cap = cap;
	return true;
}

/* Enter chunk @ch in the index, keeping it sorted (room reserved). */
static void index_insert_locked(struct kcache *c, const void *ch)
{
	uintptr_t a = (uintptr_t)ch;
	unsigned long i = c->nindex;

	for (; i && c->index[i - 1] > a; i--)
		c->index[i] = c->index[i - 1];
	c->index[i] = a;
	c->nindex++;
}

/* Carve one object from the newest chunk, adding a chunk when full. */
static void *carve_locked(struct kcache *c)
{
	struct chunk *ch = c->chunks;
	void *obj;

	vm_lock_assert_held(&c->lock);
	if (!ch || ch->carved + c->size > KCACHE_CHUNK - CHUNK_HEADER) {
		if (!index_reserve_locked(c))
			return NULL;
		ch = vm_plat->meta_alloc(vm_plat->ctx, KCACHE_CHUNK);
		if (!ch)
			return NULL;
		vm_stat_add(&chunk_bytes, (long)KCACHE_CHUNK);
		ch->next = c->chunks;
		ch->carved = 0;
		c->chunks = ch;
		index_insert_locked(c, ch);
	}
	obj = (char *)ch + CHUNK_HEADER + ch->carved;
	ch->carved += c->size;
	c->total++;
	if (c->tag_free)
		*free_tag(obj) = KV_FREE_TAG ^ (uintptr_t)obj;
	return obj;
}

/* Move up to @n objects from the cache into @s. */
static unsigned long from_cache(struct kcache *c, struct objstock *s,
				unsigned long n)
{
	unsigned long moved = 0;

	vm_lock(&c->lock);
	while (moved < n) {
		void *o = objstock_pop(&c->free);

		if (!o)
			o = carve_locked(c);
		if (!o)
			break;
		objstock_push(s, o);
		moved++;
	}
	vm_unlock(&c->lock);
	return moved;
}

/* Move the objects of @s beyond @keep into the cache. */
static void to_cache(struct kcache *c, struct objstock *s, unsigned long keep)
{
	vm_lock(&c->lock);
	while (s->n > keep)
		objstock_push(&c->free, objstock_pop(s));
	vm_unlock(&c->lock);
}

static struct kmag *my_mag(struct kcache *c)
{
	return c->nmags ? &c->mags[vm_this_cpu() % c->nmags] : NULL;
}

/* One object for this CPU (not zeroed), counted live; NULL when none. */
static void *take_one(struct kcache *c)
{
	struct kmag *m = my_mag(c);
	void *obj;

	if (!m) {
		struct objstock one = { NULL, 0 };

		obj = from_cache(c, &one, 1) ? objstock_pop(&one) : NULL;
		if (obj)
			vm_stat_add(&c->live, 1);
		return obj;
	}
	vm_lock(&m->lock);
	if (!m->stock.head)
		from_cache(c, &m->stock, MAG_BATCH);
	obj = objstock_pop(&m->stock);
	if (obj)
		vm_counter_add_locked(&m->live, 1);
	vm_unlock(&m->lock);
	return obj;
}

void *kcache_alloc(struct kcache *c)
{
	void *obj;

	if (vm_fault_should_fail(VM_FAULT_META))
		return NULL;
	obj = take_one(c);
	if (obj)
		vm_memset(obj, 0, c->size);
	return obj;
}

void kcache_free(struct kcache *c, void *obj)
{
	struct kmag *m;

	if (!obj)
		return;
	m = my_mag(c);
	if (!m) {
		struct objstock one = { NULL, 0 };

		objstock_push(&one, obj);
		to_cache(c, &one, 0);
		vm_stat_add(&c->live, -1);
		return;
	}
	vm_lock(&m->lock);
	objstock_push(&m->stock, obj);
	vm_counter_add_locked(&m->live, -1);
	if (m->stock.n > MAG_MAX)
		to_cache(c, &m->stock, MAG_MAX - MAG_BATCH);
	vm_unlock(&m->lock);
}

unsigned long kcache_stock_fill(struct kcache *c, struct objstock *s,
				unsigned long n)
{
	unsigned long moved = 0;

	while (moved < n && !vm_fault_should_fail(VM_FAULT_META)) {
		void *o = take_one(c);

		if (!o)
			break;
		objstock_push(s, o);
		moved++;
	}
	return moved;
}

void kcache_stock_put(struct kcache *c, struct objstock *s, unsigned long keep)
{
	struct kmag *m = my_mag(c);
	long n = (long)(s->n > keep ? s->n - keep : 0);

	if (!n)
		return;
	if (!m) {
		to_cache(c, s, keep);
		vm_stat_add(&c->live, -n);
		return;
	}
	vm_lock(&m->lock);
	while (s->n > keep)
		objstock_push(&m->stock, objstock_pop(s));
	vm_counter_add_locked(&m->live, -n);
	if (m->stock.n > MAG_MAX)
		to_cache(c, &m->stock, MAG_MAX - MAG_BATCH);
	vm_unlock(&m->lock);
}

/* Objects handed out, over every magazine (and the lock-only path). */
static unsigned long live_objects(const struct kcache *c)
{
	unsigned long sum = vm_stat_read(&c->live);
	unsigned int i;

	for (i = 0; i < c->nmags; i++)
		sum += vm_counter_read(&c->mags[i].live);
	return sum;
}

/*
 * The chunk that may hold @p is the last one starting at or below it
 * (chunks never overlap): a binary search of the index, then the test
 * that @p is inside the carved part at an object boundary.
 */
bool kcache_owns(struct kcache *c, const void *obj)
{
	uintptr_t p = (uintptr_t)obj;
	unsigned long lo = 0, hi;
	bool owns = false;

	vm_lock(&c->lock);
	hi = c->nindex;
	while (lo < hi) {		/* first entry above p */
		unsigned long mid = lo + (hi - lo) / 2;

		if (c->index[mid] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		const struct chunk *ch = (const struct chunk *)c->index[lo - 1];
		uintptr_t first = (uintptr_t)ch + CHUNK_HEADER;

		owns = p >= first && p < first + ch->carved &&
		       (p - first) % c->size == 0;
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

static const char *const kv_names[KMALLOC_CLASSES] = {
	"kvmalloc-16", "kvmalloc-32", "kvmalloc-64", "kvmalloc-128",
	"kvmalloc-256", "kvmalloc-512", "kvmalloc-1k", "kvmalloc-2k",
	"kvmalloc-4k",
};

int slab_init(void)
{
	int i;

	large_live = 0;
	chunk_bytes = 0;
	vm_memset(registry, 0, sizeof(registry));
	for (i = 0; i < KMALLOC_CLASSES; i++) {
		kcache_init(&kmalloc_caches[i], class_names[i],
			    1UL << (i + KMALLOC_MIN_SHIFT));
		kcache_init(&kv_caches[i], kv_names[i],
			    1UL << (i + KMALLOC_MIN_SHIFT));
		kv_caches[i].tag_free = true;
	}
	return 0;
}

void slab_exit(void)
{
	int i;

	for (i = 0; i < KMALLOC_CLASSES; i++) {
		kcache_destroy(&kmalloc_caches[i]);
		kcache_destroy(&kv_caches[i]);
	}
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

size_t vm_kmalloc_bytes(size_t size)
{
	int cls = size_class(size ? size : 1);

	return cls >= 0 ? kmalloc_caches[cls].size : size;
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

_Static_assert(VM_KV_MAX == 1UL << KMALLOC_MAX_SHIFT,
	       "kvmalloc's classes end where the metadata's do");

void *vm_kv_alloc(size_t size)
{
	int cls = size_class(size ? size : 1);

	return cls >= 0 ? kcache_alloc(&kv_caches[cls]) : NULL;
}

/*
 * Which class owns @p? Objects are carved from chunks that stay with
 * their cache, so the chunk indexes find the owner, and nothing is read
 * at @p (a foreign pointer may point anywhere, even before a mapping).
 */
size_t vm_kv_size(const void *p)
{
	int i;

	for (i = 0; i < KMALLOC_CLASSES; i++)
		if (kcache_owns(&kv_caches[i], p))
			/* Ours: its tag may be read. A free object: none. */
			return __atomic_load_n(free_tag((void *)p),
					       __ATOMIC_RELAXED) ==
			       (KV_FREE_TAG ^ (uintptr_t)p) ? 0 :
			       kv_caches[i].size;
	return 0;
}

/*
 * The tag turns "free" with one compare-and-swap, so of two threads that
 * free the same object at once exactly one puts it back; the other gets
 * false (and the caller reports the second free).
 */
bool vm_kv_free(void *p, size_t class_size)
{
	uintptr_t freed = KV_FREE_TAG ^ (uintptr_t)p, seen;
	int cls = size_class(class_size);

	if (!p || cls < 0)
		return false;
	seen = __atomic_load_n(free_tag(p), __ATOMIC_RELAXED);
	do {
		if (seen == freed)
			return false;
	} while (!__atomic_compare_exchange_n(free_tag(p), &seen, freed, false,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	kcache_free(&kv_caches[cls], p);
	return true;
}

unsigned long slab_live_bytes(void)
{
	unsigned long sum = vm_stat_read(&large_live);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(registry); i++)
		if (registry[i])
			sum += live_objects(registry[i]) * registry[i]->size;
	return sum;
}

unsigned long slab_reserved_bytes(void)
{
	return vm_stat_read(&chunk_bytes) + vm_stat_read(&large_live);
}
