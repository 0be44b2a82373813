/* SPDX-License-Identifier: MIT */
/*
 * The sample driver's timer thread (sample-timer.h). One thread for every source of the
 * driver: it sleeps until the earliest due time or a kick, asks each source under the lock
 * what is due (Prepare), then sends without the lock (Fire). Sources are added and removed
 * only while no send round runs, so a round walks the list without the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <portcls.h>

#include "sample-timer.h"

#define SAMPLE_TIMER_POOL_TAG 0x6D546153u /* 'SaTm' */

struct _SAMPLE_TIMER {
	pthread_mutex_t Lock;
	pthread_cond_t Wake; /* the thread: a kick, a stop, or Holds dropped to 0 */
	pthread_cond_t Idle; /* Add/Remove: a send round ended */
	pthread_t Thread;
	BOOLEAN Running; /* control thread only */
	/* Under Lock. */
	BOOLEAN Stop;
	BOOLEAN Firing;
	ULONG Holds; /* Add/Remove waiting to change the list: no new round starts */
	SAMPLE_TIMER_SOURCE *Sources;
	SAMPLE_TIMER_DEFAULTS Defaults;
};

ULONGLONG SampleTimer_Now(VOID)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ULONGLONG)ts.tv_sec * 1000000000u + (ULONGLONG)ts.tv_nsec;
}

NTSTATUS SampleTimer_Create(const SAMPLE_TIMER_DEFAULTS *Defaults, SAMPLE_TIMER **Timer)
{
	pthread_condattr_t attr;
	SAMPLE_TIMER *This;

	*Timer = NULL;
	This = (SAMPLE_TIMER *)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*This),
					       SAMPLE_TIMER_POOL_TAG);
	if (!This)
		return STATUS_INSUFFICIENT_RESOURCES;
	if (Defaults)
		This->Defaults = *Defaults;
	/* Due times are CLOCK_MONOTONIC: a wall clock step must not stall or rush the meter. */
	if (pthread_condattr_init(&attr) != 0) {
		ExFreePoolWithTag(This, SAMPLE_TIMER_POOL_TAG);
		return STATUS_INSUFFICIENT_RESOURCES;
	}
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&This->Lock, NULL);
	pthread_cond_init(&This->Wake, &attr);
	pthread_cond_init(&This->Idle, NULL);
	pthread_condattr_destroy(&attr);
	*Timer = This;
	return STATUS_SUCCESS;
}

const SAMPLE_TIMER_DEFAULTS *SampleTimer_GetDefaults(const SAMPLE_TIMER *Timer)
{
	return &Timer->Defaults;
}

static VOID *SampleTimer_Thread(VOID *Arg)
{
	SAMPLE_TIMER *This = (SAMPLE_TIMER *)Arg;

	pthread_mutex_lock(&This->Lock);
	while (!This->Stop) {
		ULONGLONG now = SampleTimer_Now(), next = 0;
		BOOLEAN due = FALSE;

		if (This->Holds) {
			pthread_cond_wait(&This->Wake, &This->Lock);
			continue;
		}
		for (SAMPLE_TIMER_SOURCE *s = This->Sources; s; s = s->Next) {
			ULONGLONG when = 0;

			s->Due = s->Ops->Prepare(s, now, &when);
			due |= s->Due;
			if (when && (!next || when < next))
				next = when;
		}
		if (due) {
			This->Firing = TRUE;
			pthread_mutex_unlock(&This->Lock);
			/* Holds keeps the list as it is until Firing is cleared. */
			for (SAMPLE_TIMER_SOURCE *s = This->Sources; s; s = s->Next)
				if (s->Due)
					s->Ops->Fire(s);
			pthread_mutex_lock(&This->Lock);
			This->Firing = FALSE;
			pthread_cond_broadcast(&This->Idle);
			continue;
		}
		if (next) {
			struct timespec ts = {
				.tv_sec = (time_t)(next / 1000000000u),
				.tv_nsec = (long)(next % 1000000000u),
			};

			pthread_cond_timedwait(&This->Wake, &This->Lock, &ts);
		} else {
			pthread_cond_wait(&This->Wake, &This->Lock);
		}
	}
	pthread_mutex_unlock(&This->Lock);
	return NULL;
}

NTSTATUS SampleTimer_Start(SAMPLE_TIMER *Timer)
{
	if (Timer->Running)
		return STATUS_SUCCESS;
	Timer->Stop = FALSE;
	if (pthread_create(&Timer->Thread, NULL, SampleTimer_Thread, Timer) != 0)
		return STATUS_INSUFFICIENT_RESOURCES;
	Timer->Running = TRUE;
	return STATUS_SUCCESS;
}

VOID SampleTimer_Stop(SAMPLE_TIMER *Timer)
{
	if (!Timer || !Timer->Running)
		return;
	pthread_mutex_lock(&Timer->Lock);
	Timer->Stop = TRUE;
	pthread_cond_signal(&Timer->Wake);
	pthread_mutex_unlock(&Timer->Lock);
	/* A round in progress finishes its sends first: after the join nothing is sent. */
	pthread_join(Timer->Thread, NULL);
	Timer->Running = FALSE;
}

VOID SampleTimer_Free(SAMPLE_TIMER *Timer)
{
	if (!Timer)
		return;
	SampleTimer_Stop(Timer);
	pthread_cond_destroy(&Timer->Idle);
	pthread_cond_destroy(&Timer->Wake);
	pthread_mutex_destroy(&Timer->Lock);
	ExFreePoolWithTag(Timer, SAMPLE_TIMER_POOL_TAG);
}

/* Lock held on return, no send round running and none starting until SampleTimer_EndChange. */
static VOID SampleTimer_BeginChange(SAMPLE_TIMER *Timer)
{
	pthread_mutex_lock(&Timer->Lock);
	Timer->Holds++;
	while (Timer->Firing)
		pthread_cond_wait(&Timer->Idle, &Timer->Lock);
}

static VOID SampleTimer_EndChange(SAMPLE_TIMER *Timer)
{
	Timer->Holds--;
	pthread_cond_signal(&Timer->Wake);
	pthread_mutex_unlock(&Timer->Lock);
}

VOID SampleTimer_AddSource(SAMPLE_TIMER *Timer, SAMPLE_TIMER_SOURCE *Source)
{
	SampleTimer_BeginChange(Timer);
	Source->Due = FALSE;
	Source->Next = Timer->Sources;
	Timer->Sources = Source;
	SampleTimer_EndChange(Timer);
}

VOID SampleTimer_RemoveSource(SAMPLE_TIMER *Timer, SAMPLE_TIMER_SOURCE *Source)
{
	SampleTimer_BeginChange(Timer);
	for (SAMPLE_TIMER_SOURCE **p = &Timer->Sources; *p; p = &(*p)->Next)
		if (*p == Source) {
			*p = Source->Next;
			break;
		}
	Source->Next = NULL;
	SampleTimer_EndChange(Timer);
}

VOID SampleTimer_Lock(SAMPLE_TIMER *Timer)
{
	pthread_mutex_lock(&Timer->Lock);
}

VOID SampleTimer_Unlock(SAMPLE_TIMER *Timer, BOOLEAN Kick)
{
	if (Kick)
		pthread_cond_signal(&Timer->Wake);
	pthread_mutex_unlock(&Timer->Lock);
}
