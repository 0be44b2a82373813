/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "port/port-internal.h"

static const uint32_t class_capacity[AMOD_POOL_CLASSES] = { 64, 256, 1024, 4096, 16384, 65536 };
static const uint32_t class_default_count[AMOD_POOL_CLASSES] = { 256, 256, 128, 64, 16, 8 };

#define EMPTY_INDEX UINT32_MAX

static struct pool_slot *slot_at(const struct pool_class *c, uint32_t index)
{
	return (struct pool_slot *)(c->base + (size_t)index * c->stride);
}

int pool_init(struct port_pool *pool, const uint32_t counts[AMOD_POOL_CLASSES])
{
	size_t total = 0;
	unsigned char *p;

	memset(pool, 0, sizeof(*pool));
	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		struct pool_class *c = &pool->classes[i];

		c->capacity = class_capacity[i];
		c->count = counts && counts[i] ? counts[i] : class_default_count[i];
		/* Header, payload, guard; 16-byte multiple so every payload is 16-aligned. */
		c->stride = (uint32_t)ALIGN_UP(POOL_HEADER_SIZE + c->capacity + POOL_GUARD_SIZE, 16);
		if ((size_t)c->count * c->stride / c->stride != c->count)
			return -EINVAL;
		total += (size_t)c->count * c->stride;
	}
	/* mmap: page-aligned, zeroed, and outside the heap so a stray free() cannot hit it. */
	p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	pool->memory = p;
	pool->memory_size = total;
	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		struct pool_class *c = &pool->classes[i];

		c->base = p;
		p += (size_t)c->count * c->stride;
		for (uint32_t k = 0; k < c->count; k++) {
			struct pool_slot *s = slot_at(c, k);

			atomic_init(&s->state, POOL_SLOT_FREE);
			atomic_init(&s->next, k + 1 < c->count ? k + 1 : EMPTY_INDEX);
		}
		atomic_init(&c->head, c->count ? 0 : EMPTY_INDEX);
	}
	return 0;
}

void pool_fini(struct port_pool *pool)
{
	if (pool->memory)
		munmap(pool->memory, pool->memory_size);
	pool->memory = NULL;
}

static struct pool_slot *class_pop(struct pool_class *c)
{
	uint64_t head = atomic_load_explicit(&c->head, memory_order_acquire);

	for (;;) {
		uint32_t index = (uint32_t)head;
		uint64_t next;

		if (index == EMPTY_INDEX)
			return NULL;
		/* The tag in the high half makes a stale head (ABA) fail the exchange. */
		next = ((head >> 32) + 1) << 32 |
		       atomic_load_explicit(&slot_at(c, index)->next, memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&c->head, &head, next,
							  memory_order_acquire,
							  memory_order_acquire))
			return slot_at(c, index);
	}
}

static void class_push(struct pool_class *c, struct pool_slot *s)
{
	uint32_t index = (uint32_t)(((unsigned char *)s - c->base) / c->stride);
	uint64_t head = atomic_load_explicit(&c->head, memory_order_relaxed);

	for (;;) {
		atomic_store_explicit(&s->next, (uint32_t)head, memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&c->head, &head,
							  ((head >> 32) + 1) << 32 | index,
							  memory_order_release,
							  memory_order_relaxed))
			return;
	}
}

void *pool_alloc(struct port_pool *pool, uint32_t size, uint32_t pool_type, struct port *owner)
{
	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		struct pool_class *c = &pool->classes[i];
		struct pool_slot *s;
		unsigned char *payload;

		if (c->capacity < size)
			continue;
		s = class_pop(c);
		if (!s)
			continue; /* exhausted: a larger class still serves */
		payload = pool_slot_payload(s);
		memset(payload, 0, size);
		memset(payload + size, POOL_GUARD_BYTE, POOL_GUARD_SIZE);
		s->size = size;
		s->pool_type = pool_type;
		s->owner = owner;
		atomic_fetch_add_explicit(&pool->live, 1, memory_order_relaxed);
		atomic_store_explicit(&s->state, POOL_SLOT_LIVE, memory_order_release);
		return payload;
	}
	return NULL;
}

struct pool_slot *pool_find(const struct port_pool *pool, const void *p)
{
	uintptr_t a = (uintptr_t)p;

	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		const struct pool_class *c = &pool->classes[i];
		uintptr_t first = (uintptr_t)c->base + POOL_HEADER_SIZE;
		uintptr_t end = (uintptr_t)c->base + (uintptr_t)c->count * c->stride;

		if (a < first || a >= end)
			continue;
		if ((a - first) % c->stride != 0)
			return NULL;
		return (struct pool_slot *)(a - POOL_HEADER_SIZE);
	}
	return NULL;
}

static struct pool_class *slot_class(struct port_pool *pool, struct pool_slot *s)
{
	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		struct pool_class *c = &pool->classes[i];

		if ((unsigned char *)s >= c->base &&
		    (unsigned char *)s < c->base + (size_t)c->count * c->stride)
			return c;
	}
	return NULL;
}

void pool_release(struct port_pool *pool, struct pool_slot *slot)
{
	struct pool_class *c = slot_class(pool, slot);

	atomic_fetch_sub_explicit(&pool->live, 1, memory_order_relaxed);
	class_push(c, slot);
}

bool pool_guard_intact(const struct pool_slot *slot)
{
	const unsigned char *g =
		(const unsigned char *)slot + POOL_HEADER_SIZE + slot->size;

	for (uint32_t i = 0; i < POOL_GUARD_SIZE; i++)
		if (g[i] != POOL_GUARD_BYTE)
			return false;
	return true;
}

void pool_for_each_live(struct port_pool *pool, void (*fn)(struct pool_slot *slot, void *ud),
			void *ud)
{
	for (int i = 0; i < AMOD_POOL_CLASSES; i++) {
		struct pool_class *c = &pool->classes[i];

		for (uint32_t k = 0; k < c->count; k++) {
			struct pool_slot *s = slot_at(c, k);

			if (atomic_load_explicit(&s->state, memory_order_acquire) == POOL_SLOT_LIVE)
				fn(s, ud);
		}
	}
}
