/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-internal.h"

AMOD_API bool amod_filter_match(const struct amod_filter *f, const struct amod_notification *n)
{
	bool module_event;

	if (!f || !f->flags)
		return true;
	if ((f->flags & AMOD_FILTER_EVENT) && !amod_guid_equal(&f->event_id, &n->event_id))
		return false;
	if ((f->flags & AMOD_FILTER_DEVICE) && !amod_guid_equal(&f->device_id, &n->device_id))
		return false;
	module_event = memcmp(&n->event_id, &KSNOTIFICATIONID_AudioModule, sizeof(GUID)) == 0;
	if ((f->flags & AMOD_FILTER_CLASS) &&
	    (!module_event || !amod_guid_equal(&f->class_id, &n->class_id)))
		return false;
	if ((f->flags & AMOD_FILTER_INSTANCE) && (!module_event || f->instance_id != n->instance_id))
		return false;
	return true;
}

/*
 * Two preallocated sets: the one senders read and a spare. A change is written into the spare,
 * published, and after the grace period the old one is the spare: no allocation, no failure.
 */
static struct listener_set *listeners_spare(struct amod_adapter *a)
{
	struct listener_set *cur = atomic_load(&a->listeners);

	return cur == a->listener_sets[0] ? a->listener_sets[1] : a->listener_sets[0];
}

static void listeners_publish(struct amod_adapter *a, struct listener_set *set)
{
	atomic_store(&a->listeners, set);
	port_rcu_synchronize(&a->rcu);
}

AMOD_API int amod_adapter_add_listener(struct amod_adapter *adapter, const struct amod_filter *filter,
				       amod_listener_func_t func, void *userdata,
				       struct amod_listener **ret_listener)
{
	struct listener_set *cur, *set;
	struct amod_listener *l;
	int r = 0;

	if (!adapter || !func || !ret_listener)
		return -EINVAL;
	if (filter && (filter->flags & ~(uint32_t)(AMOD_FILTER_EVENT | AMOD_FILTER_DEVICE |
						   AMOD_FILTER_CLASS | AMOD_FILTER_INSTANCE)))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->adapter = adapter;
	if (filter)
		l->filter = *filter;
	l->func = func;
	l->userdata = userdata;

	pthread_mutex_lock(&adapter->lock);
	cur = atomic_load(&adapter->listeners);
	if (cur->count >= adapter->max_listeners) {
		r = -ENOSPC;
	} else {
		set = listeners_spare(adapter);
		memcpy(set->items, cur->items, cur->count * sizeof(cur->items[0]));
		set->items[cur->count] = l;
		set->count = cur->count + 1;
		listeners_publish(adapter, set);
	}
	pthread_mutex_unlock(&adapter->lock);
	if (r < 0) {
		free(l);
		return r;
	}
	*ret_listener = l;
	return 0;
}

AMOD_API void amod_listener_remove(struct amod_listener *listener)
{
	struct amod_adapter *a;
	struct listener_set *cur, *set;

	if (!listener)
		return;
	a = listener->adapter;
	pthread_mutex_lock(&a->lock);
	cur = atomic_load(&a->listeners);
	set = listeners_spare(a);
	set->count = 0;
	for (uint32_t i = 0; i < cur->count; i++)
		if (cur->items[i] != listener)
			set->items[set->count++] = cur->items[i];
	listeners_publish(a, set);
	pthread_mutex_unlock(&a->lock);
	free(listener);
}

int listeners_init(struct amod_adapter *adapter, uint32_t max)
{
	for (int i = 0; i < 2; i++) {
		adapter->listener_sets[i] =
			calloc(1, sizeof(struct listener_set) + max * sizeof(struct amod_listener *));
		if (!adapter->listener_sets[i])
			return -ENOMEM;
	}
	adapter->max_listeners = max;
	atomic_init(&adapter->listeners, adapter->listener_sets[0]);
	return 0;
}

void listeners_free_all(struct amod_adapter *adapter)
{
	struct listener_set *set = atomic_load(&adapter->listeners);

	for (uint32_t i = 0; set && i < set->count; i++)
		free(set->items[i]);
	free(adapter->listener_sets[0]);
	free(adapter->listener_sets[1]);
}
