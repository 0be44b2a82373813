/* SPDX-License-Identifier: MIT */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common-internal.h"

/*
 * One process-wide handler, swapped under a mutex and read under it too: logging is for error
 * paths and the control thread, never the success path of the RT entry points.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static amod_log_func_t log_handler;
static void *log_userdata;

enum amod_log_level common_log_max_level = AMOD_LOG_WARNING;

__attribute__((constructor)) static void log_init_from_env(void)
{
	const char *e = getenv("AMOD_DEBUG");

	if (e && *e && strcmp(e, "0") != 0)
		common_log_max_level = AMOD_LOG_DEBUG;
}

AMOD_API void amod_set_log_handler(amod_log_func_t handler, void *userdata)
{
	pthread_mutex_lock(&log_lock);
	log_handler = handler;
	log_userdata = userdata;
	pthread_mutex_unlock(&log_lock);
}

AMOD_API void amod_set_log_level(enum amod_log_level level)
{
	__atomic_store_n(&common_log_max_level, level, __ATOMIC_RELAXED);
}

AMOD_API enum amod_log_level amod_get_log_level(void)
{
	return __atomic_load_n(&common_log_max_level, __ATOMIC_RELAXED);
}

void common_log(enum amod_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* Formatted outside the lock: only the handler call is serialised. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_handler)
		log_handler(level, msg, log_userdata);
	pthread_mutex_unlock(&log_lock);
}
