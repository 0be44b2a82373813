/* SPDX-License-Identifier: MIT */
#include <sched.h>

#include "port/port-internal.h"

void port_rcu_synchronize(struct port_rcu *r)
{
	unsigned old;

	pthread_mutex_lock(&r->writer);
	old = atomic_load(&r->epoch) & 1;
	/* New readers now count on the other side; wait for the old side to drain. */
	atomic_fetch_add(&r->epoch, 1);
	while (atomic_load(&r->readers[old]) != 0)
		sched_yield();
	pthread_mutex_unlock(&r->writer);
}
