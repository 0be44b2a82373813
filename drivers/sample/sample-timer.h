/* SPDX-License-Identifier: MIT */
#ifndef AMOD_SAMPLE_TIMER_H
#define AMOD_SAMPLE_TIMER_H

/*
 * sample-timer.h: the sample driver's one timer thread (private to drivers/sample). Modules
 * that send on their own (the level meter, the keyword detector) register a source with it;
 * the thread wakes when the earliest source is due and lets each due source send.
 *
 * A real PortCls driver would use a KTIMER with a DPC that queues a work item (sends happen
 * at PASSIVE_LEVEL, spec §1.6); the sample runs one pthread instead, which the WDK face does
 * not hide.
 *
 * Threads: the control thread (property handlers, miniport setup) publishes parameters under
 * the timer's lock and kicks the thread; the timer thread holds the lock only while sources
 * copy what they need (Prepare), never while they send (Fire). Sends go through
 * IPortClsNotifications Alloc/Send/Free, which amod makes RT-safe.
 */

#include <portcls.h>

typedef struct _SAMPLE_TIMER SAMPLE_TIMER;
typedef struct _SAMPLE_TIMER_SOURCE SAMPLE_TIMER_SOURCE;

typedef struct _SAMPLE_TIMER_SOURCE_OPS {
	/*
	 * Timer thread, lock held: take the parameters the control thread published and decide.
	 * Returns TRUE when Fire has something to send now; sets *NextNs to the CLOCK_MONOTONIC
	 * time the source wants to be asked again (0: only when kicked).
	 */
	BOOLEAN (*Prepare)(SAMPLE_TIMER_SOURCE *Source, ULONGLONG NowNs, ULONGLONG *NextNs);
	/* Timer thread, lock not held: send what Prepare decided. */
	VOID (*Fire)(SAMPLE_TIMER_SOURCE *Source);
} SAMPLE_TIMER_SOURCE_OPS;

/* Embedded in the source's own object. */
struct _SAMPLE_TIMER_SOURCE {
	const SAMPLE_TIMER_SOURCE_OPS *Ops;
	SAMPLE_TIMER_SOURCE *Next; /* under the lock */
	BOOLEAN Due;		   /* timer thread only */
};

/* What the driver's options set as the new modules' initial values. */
typedef struct _SAMPLE_TIMER_DEFAULTS {
	ULONG MeterRate;
	ULONG DetectorInterval;
} SAMPLE_TIMER_DEFAULTS;

/* A stopped timer with no sources. Thread: control. */
NTSTATUS SampleTimer_Create(const SAMPLE_TIMER_DEFAULTS *Defaults, SAMPLE_TIMER **Timer);
/* Starts the thread. Thread: control. */
NTSTATUS SampleTimer_Start(SAMPLE_TIMER *Timer);
/* Stops and joins the thread: when it returns nothing is being sent. Idempotent. */
VOID SampleTimer_Stop(SAMPLE_TIMER *Timer);
/* Stops the thread and frees the timer; every source must be gone. NULL-safe. */
VOID SampleTimer_Free(SAMPLE_TIMER *Timer);

const SAMPLE_TIMER_DEFAULTS *SampleTimer_GetDefaults(const SAMPLE_TIMER *Timer);

/*
 * Adds or removes a source. Remove waits until the thread no longer fires it, so the source
 * may be freed when it returns. Thread: control, never from inside Fire.
 */
VOID SampleTimer_AddSource(SAMPLE_TIMER *Timer, SAMPLE_TIMER_SOURCE *Source);
VOID SampleTimer_RemoveSource(SAMPLE_TIMER *Timer, SAMPLE_TIMER_SOURCE *Source);

/*
 * The lock that guards what the sources share with the control thread. Unlock after a change
 * with Kick = TRUE to make the thread Prepare again at once.
 */
VOID SampleTimer_Lock(SAMPLE_TIMER *Timer);
VOID SampleTimer_Unlock(SAMPLE_TIMER *Timer, BOOLEAN Kick);

/* CLOCK_MONOTONIC in ns, the clock of Prepare's times. */
ULONGLONG SampleTimer_Now(VOID);

#endif /* AMOD_SAMPLE_TIMER_H */
