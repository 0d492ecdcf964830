/* SPDX-License-Identifier: MIT */
/*
 * Concurrency stress: threads allocate and free private areas of every
 * kind, share a set of areas that writers replace while readers check
 * them (vread, vmalloc_to_page, the pointer on the host engine), and probe
 * the whole range with vread/find_vm_area/vmallocinfo racing everything.
 * Run under ThreadSanitizer by `make test` (bounded) and `make stress`
 * (VT_LONG=1, STRESS_SECONDS).
 */
#include "harness.h"	/* first: it defines _GNU_SOURCE */

#include <pthread.h>

#define NSHARED		16
#define NTHREADS	4

struct shared {
	pthread_rwlock_t lock;		/* the test's rule: no free while read */
	unsigned char *addr;
	unsigned long size;
	unsigned int gen;
};

static struct shared shared[NSHARED];
static volatile int stop;
static bool host;

static unsigned char pattern(unsigned int gen, unsigned long off)
{
	return (unsigned char)(gen * 131 + off * 7 + (off >> 12));
}

struct worker {
	unsigned int id;
	uint64_t rng;
	unsigned long ops, checks, probes;
	const char *err;
};

static uint64_t next(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* Fill via vwrite, so it works on both engines. */
static bool fill(void *addr, unsigned long size, unsigned int gen)
{
	unsigned char buf[512];
	unsigned long off, i;

	for (off = 0; off < size; off += sizeof(buf)) {
		unsigned long n = vm_min_ul(sizeof(buf), size - off);

		for (i = 0; i < n; i++)
			buf[i] = pattern(gen, off + i);
		if (vwrite((char *)buf, (char *)addr + off, n) != (long)n)
			return false;
	}
	return true;
}

static bool verify(const unsigned char *addr, unsigned long size,
		   unsigned int gen, struct worker *w)
{
	unsigned char buf[256];
	unsigned long off = next(w) % size, i, n;
	struct page *pg;

	n = vm_min_ul(sizeof(buf), size - off);
	if (vread((char *)buf, (char *)addr + off, n) != (long)n)
		return false;
	for (i = 0; i < n; i++)
		if (buf[i] != pattern(gen, off + i))
			return false;
	/* The frame behind it holds the same byte. */
	pg = vmalloc_to_page(addr + off);
	if (!pg || ((unsigned char *)page_address(pg))[off & (PAGE_SIZE - 1)] !=
		   pattern(gen, off))
		return false;
	if (host && addr[off] != pattern(gen, off))
		return false;
	w->checks++;
	return true;
}

static void shared_read(struct worker *w)
{
	struct shared *s = &shared[next(w) % NSHARED];

	pthread_rwlock_rdlock(&s->lock);
	if (s->addr && !verify(s->addr, s->size, s->gen, w))
		w->err = "shared area changed under a reader";
	pthread_rwlock_unlock(&s->lock);
}

static void shared_replace(struct worker *w)
{
	static unsigned int generations;
	struct shared *s = &shared[next(w) % NSHARED];
	unsigned long size = (1 + next(w) % 6) * PAGE_SIZE;
	unsigned int gen = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	unsigned char *p = vmalloc(size);

	if (!p || !fill(p, size, gen)) {
		w->err = "vmalloc/fill of a shared area failed";
		vfree(p);
		return;
	}
	pthread_rwlock_wrlock(&s->lock);
	vfree(s->addr);
	s->addr = p;
	s->size = size;
	s->gen = gen;
	pthread_rwlock_unlock(&s->lock);
}

/* Private work of every kind, checked before it is freed. */
static void private_op(struct worker *w)
{
	unsigned int kind = (unsigned int)(next(w) % 5);
	unsigned long pages = next(w) % 8 ? 1 + next(w) % 4 : 5 + next(w) % 120;
	unsigned int gen = (unsigned int)next(w);
	struct page *pg[4] = { NULL };
	unsigned char *p = NULL;
	struct vm_struct *vm = NULL;
	int i;

	switch (kind) {
	case 0:
		p = vmalloc(pages * PAGE_SIZE);
		break;
	case 1:
		p = vzalloc_node(pages * PAGE_SIZE, (int)(next(w) % 2));
		break;
	case 2:
		for (i = 0; i < 4; i++)
			pg[i] = alloc_page(GFP_KERNEL);
		if (pg[0] && pg[1] && pg[2] && pg[3])
			p = vmap(pg, 4, VM_MAP, PAGE_KERNEL);
		pages = 4;
		break;
	case 3:
		vm = get_vm_area(pages * PAGE_SIZE, VM_ALLOC);
		if (vm)
			free_vm_area(vm);
		w->ops++;
		return;
	default:
		p = vmalloc_user(pages * PAGE_SIZE);
		break;
	}
	if (!p) {
		w->err = "private allocation failed";
	} else if (!fill(p, pages * PAGE_SIZE, gen) ||
		   !verify(p, pages * PAGE_SIZE, gen, w)) {
		w->err = "private area did not read back";
	}
	if (kind == 2) {
		vunmap(p);
		for (i = 0; i < 4; i++)
			if (pg[i])
				__free_page(pg[i]);
	} else {
		vfree(p);
	}
	w->ops++;
}

/* Anything goes: any address, any time. Safety only. */
static void probe(struct worker *w)
{
	unsigned long a = VMALLOC_START + next(w) % (256UL << 20);
	char buf[64];

	switch (next(w) % 3) {
	case 0:
		vread(buf, (char *)a, sizeof(buf));
		break;
	case 1:
		(void)find_vm_area((void *)a);
		break;
	default:
		if (next(w) % 64 == 0)
			(void)vmallocinfo(NULL, 0);
		break;
	}
	w->probes++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED) && !w->err) {
		unsigned int r = (unsigned int)(next(w) % 100);

		if (r < 40)
			private_op(w);
		else if (r < 70)
			shared_read(w);
		else if (r < 80)
			shared_replace(w);
		else
			probe(w);
		if (w->ops >= w->probes + 1000000)	/* keeps the compiler honest */
			break;
	}
	return NULL;
}

TEST(threads_stress_shared_and_private_areas)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	struct vt_snap s0;
	const char *sec = getenv("STRESS_SECONDS");
	unsigned long ms = sec ? strtoul(sec, NULL, 0) * 1000 :
			   vt_long() ? 60000 : 1500;
	unsigned long ops = 0, checks = 0, probes = 0;
	uint64_t seed = vt_seed();
	int i;

	vt_init(256, 2);
	host = vt_is_host();
	s0 = vt_snap();
	for (i = 0; i < NSHARED; i++) {
		pthread_rwlock_init(&shared[i].lock, NULL);
		shared[i].addr = NULL;
		shared[i].gen = 0;
	}
	stop = 0;
	for (i = 0; i < NTHREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = (unsigned int)i;
		w[i].rng = seed * 2654435761u + (uint64_t)i * 97 + 1;
		ASSERT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	usleep((useconds_t)ms * 1000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
		if (w[i].err)
			vt_fail(__FILE__, __LINE__, "thread %d: %s", i, w[i].err);
		ops += w[i].ops;
		checks += w[i].checks;
		probes += w[i].probes;
	}
	for (i = 0; i < NSHARED; i++) {
		vfree(shared[i].addr);
		shared[i].addr = NULL;
		pthread_rwlock_destroy(&shared[i].lock);
	}
	ASSERT_GT(ops, 0);
	ASSERT_GT(checks, 0);
	ASSERT_SNAP_EQ(vt_snap(), s0);
	ASSERT_SANE();
	printf("# %d threads for %.1f s (%.1f thread-seconds): %lu private ops, "
	       "%lu content checks, %lu racing probes\n", NTHREADS, ms / 1000.0,
	       NTHREADS * ms / 1000.0, ops, checks, probes);
}
