/* SPDX-License-Identifier: MIT */
/*
 * A ring buffer without wrap-around copies: the same frames are vmap()ed
 * twice in a row, so the byte after the end of the buffer is its first
 * byte again, and a record that starts near the end can be written and
 * read with one memcpy.
 *
 *   virtual:  [ frame 0 | frame 1 | ... | frame n-1 ][ frame 0 | ... ]
 *             ^ base                                ^ base + size
 *
 * Host engine only (it dereferences the mapping).
 *
 * One caution for code like this: the compiler cannot know that base + i
 * and base + size + i are the same memory. Access the two views through
 * calls (memcpy) or volatile, never mix plain loads and stores of both in
 * one expression.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vmalloc/vmalloc.h"

#define RING_PAGES	4
#define RING_SIZE	(RING_PAGES * PAGE_SIZE)

struct ring {
	char *base;		/* 2 * RING_SIZE of virtual space */
	struct page *pages[RING_PAGES];
	unsigned long head;	/* next byte to write, counts up forever */
	unsigned long tail;	/* next byte to read */
};

static int ring_init(struct ring *r)
{
	struct page *twice[2 * RING_PAGES];
	int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < RING_PAGES; i++) {
		r->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!r->pages[i])
			return -1;
		twice[i] = twice[i + RING_PAGES] = r->pages[i];
	}
	r->base = (char *)vmap(twice, 2 * RING_PAGES, VM_MAP, PAGE_KERNEL);
	return r->base ? 0 : -1;
}

static void ring_exit(struct ring *r)
{
	int i;

	vunmap(r->base);
	for (i = 0; i < RING_PAGES; i++)
		__free_page(r->pages[i]);
}

/* Append a length-prefixed record. Return 0, or -1 when it does not fit. */
static int ring_put(struct ring *r, const void *data, uint32_t len)
{
	if (r->head - r->tail + sizeof(len) + len > RING_SIZE)
		return -1;
	memcpy(r->base + r->head % RING_SIZE, &len, sizeof(len));
	memcpy(r->base + (r->head + sizeof(len)) % RING_SIZE, data, len);
	r->head += sizeof(len) + len;
	return 0;
}

/* Take the oldest record into @out. Return its length, or -1 if empty. */
static long ring_get(struct ring *r, void *out)
{
	uint32_t len;

	if (r->tail == r->head)
		return -1;
	memcpy(&len, r->base + r->tail % RING_SIZE, sizeof(len));
	memcpy(out, r->base + (r->tail + sizeof(len)) % RING_SIZE, len);
	r->tail += sizeof(len) + len;
	return len;
}

int main(void)
{
	char rec[3000], got[3000];
	unsigned long crossed = 0, n;
	struct ring r;
	int i;

	if (ring_init(&r)) {
		fprintf(stderr, "ringbuf: cannot build the ring\n");
		return 1;
	}
	if (strcmp(vmalloc_engine(), "host")) {
		fprintf(stderr, "ringbuf: needs the host engine\n");
		return 1;
	}
	for (n = 0; n < 10000; n++) {
		uint32_t len = (uint32_t)(100 + (n * 7919) % 2800);
		unsigned long at = (r.head + 4) % RING_SIZE;

		for (i = 0; i < (int)len; i++)
			rec[i] = (char)(n + (unsigned long)i);
		while (ring_put(&r, rec, len))
			ring_get(&r, got);	/* make room */
		if (at + len > RING_SIZE)
			crossed++;
		/* Read back the newest record straight from the second view. */
		if (memcmp(r.base + at, rec, len)) {
			fprintf(stderr, "ringbuf: record %lu corrupted\n", n);
			return 1;
		}
	}
	printf("ringbuf: 10000 records through a %lu KiB ring at %p, %lu of them "
	       "crossed the end with no copy\n", RING_SIZE / 1024,
	       (void *)r.base, crossed);
	ring_exit(&r);
	return 0;
}
