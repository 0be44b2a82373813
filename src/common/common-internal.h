/* SPDX-License-Identifier: MIT */
#ifndef AMOD_COMMON_INTERNAL_H
#define AMOD_COMMON_INTERNAL_H

#include <stddef.h>

#include <amod/amod.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((size_t)(a) - 1))

/* A spin-wait hint for the CPU. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield");
#endif
}

void common_log(enum amod_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The level check is inline so a disabled message costs no call and no formatting. */
extern enum amod_log_level common_log_max_level;

#define amod_log(level, ...)                                                                       \
	do {                                                                                       \
		if ((level) <= __atomic_load_n(&common_log_max_level, __ATOMIC_RELAXED))                                               \
			common_log((level), __VA_ARGS__);                                          \
	} while (0)
#define log_error(...) amod_log(AMOD_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) amod_log(AMOD_LOG_WARNING, __VA_ARGS__)
#define log_info(...) amod_log(AMOD_LOG_INFO, __VA_ARGS__)
#define log_debug(...) amod_log(AMOD_LOG_DEBUG, __VA_ARGS__)

#endif
