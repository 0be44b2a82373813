/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/port-internal.h"

static bool verifier_from_env(void)
{
	const char *e = getenv("AMOD_VERIFIER");

	return e && *e && strcmp(e, "0") != 0;
}

AMOD_API int amod_adapter_new(const struct amod_adapter_config *config,
			      struct amod_adapter **ret_adapter)
{
	struct amod_adapter *a;
	int r;

	if (!ret_adapter)
		return -EINVAL;
	if (config && (config->version != AMOD_ADAPTER_CONFIG_VERSION || config->verifier < -1 ||
		       config->verifier > 1 || config->max_listeners > 65536))
		return -EINVAL;
	for (int i = 0; config && i < AMOD_POOL_CLASSES; i++)
		if (config->pool_buffers[i] > 1u << 20)
			return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	r = listeners_init(a, config && config->max_listeners ? config->max_listeners : 64);
	if (r >= 0)
		r = pool_init(&a->pool, config ? config->pool_buffers : NULL);
	if (r < 0) {
		listeners_free_all(a);
		free(a);
		return r;
	}
	atomic_init(&a->refs, 1);
	atomic_init(&a->holds, 1);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->rcu.writer, NULL);
	atomic_init(&a->verifier,
		    !config || config->verifier < 0 ? verifier_from_env() : config->verifier == 1);
	*ret_adapter = a;
	return 0;
}

AMOD_API struct amod_adapter *amod_adapter_ref(struct amod_adapter *adapter)
{
	if (adapter)
		atomic_fetch_add(&adapter->refs, 1);
	return adapter;
}

void adapter_hold(struct amod_adapter *adapter)
{
	atomic_fetch_add(&adapter->holds, 1);
}

static void count_leftover(struct pool_slot *slot, void *ud)
{
	(*(uint32_t *)ud)++;
}

void adapter_release(struct amod_adapter *adapter)
{
	uint32_t left = 0;

	if (atomic_fetch_sub(&adapter->holds, 1) != 1)
		return;
	pool_for_each_live(&adapter->pool, count_leftover, &left);
	if (left)
		log_error("amod: adapter freed with %u notification buffer(s) still allocated "
			  "(already reported as leaks of their ports)", left);
	listeners_free_all(adapter);
	pool_fini(&adapter->pool);
	pthread_mutex_destroy(&adapter->lock);
	pthread_mutex_destroy(&adapter->rcu.writer);
	free(adapter->devices);
	free(adapter);
}

AMOD_API struct amod_adapter *amod_adapter_unref(struct amod_adapter *adapter)
{
	if (!adapter)
		return NULL;
	if (atomic_fetch_sub(&adapter->refs, 1) != 1)
		return NULL;
	/* Remove from the end: devices are kept in creation order. */
	while (adapter->n_devices)
		amod_device_remove(adapter->devices[adapter->n_devices - 1]);
	adapter_release(adapter);
	return NULL;
}

AMOD_API int amod_adapter_set_observer(struct amod_adapter *adapter,
				       const struct amod_adapter_observer *observer, void *userdata)
{
	if (!adapter || (observer && observer->version != AMOD_ADAPTER_OBSERVER_VERSION))
		return -EINVAL;
	pthread_mutex_lock(&adapter->lock);
	adapter->observer = observer ? *observer : (struct amod_adapter_observer){ 0 };
	adapter->observer_userdata = userdata;
	pthread_mutex_unlock(&adapter->lock);
	return 0;
}

AMOD_API void amod_adapter_set_verifier(struct amod_adapter *adapter, bool on)
{
	if (adapter)
		atomic_store(&adapter->verifier, on);
}

AMOD_API bool amod_adapter_get_verifier(const struct amod_adapter *adapter)
{
	return adapter && atomic_load(&((struct amod_adapter *)adapter)->verifier);
}

AMOD_API int amod_adapter_get_verifier_stats(const struct amod_adapter *adapter,
					     struct amod_verifier_stats *ret_stats)
{
	struct verifier_counters *c;

	if (!adapter || !ret_stats)
		return -EINVAL;
	c = (struct verifier_counters *)&adapter->counters;
	*ret_stats = (struct amod_verifier_stats){
		.double_frees = atomic_load(&c->double_frees),
		.invalid_frees = atomic_load(&c->invalid_frees),
		.overruns = atomic_load(&c->overruns),
		.leaks = atomic_load(&c->leaks),
		.rejected_sends = atomic_load(&c->rejected_sends),
		.alloc_failures = atomic_load(&c->alloc_failures),
	};
	return 0;
}

AMOD_API uint32_t amod_adapter_get_live_buffers(const struct amod_adapter *adapter)
{
	return adapter ? atomic_load(&((struct amod_adapter *)adapter)->pool.live) : 0;
}
