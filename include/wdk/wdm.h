/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_WDM_H
#define AMOD_WDK_WDM_H

/*
 * wdm.h: the part of the kernel runtime that audio-module code uses: pool allocation, Rtl
 * memory helpers, interlocked operations, IRQL names, and the opaque IRP/device types.
 *
 * There is no IRQL on Linux. PAGED_CODE() and the IRQL constants exist so driver code compiles;
 * amod documents which of its entry points may be called from real-time ("DISPATCH") context.
 */

#include <stdlib.h>
#include <string.h>

#include <ntdef.h>
#include <devioctl.h>

#if defined(DBG) && DBG
#include <assert.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque kernel objects: driver code only passes pointers to them around. */
typedef struct _IRP IRP, *PIRP;
typedef struct _DEVICE_OBJECT DEVICE_OBJECT, *PDEVICE_OBJECT;
typedef struct _DRIVER_OBJECT DRIVER_OBJECT, *PDRIVER_OBJECT;
typedef struct _FILE_OBJECT FILE_OBJECT, *PFILE_OBJECT;

/* Interrupt request levels (names only; nothing enforces them). */
typedef UCHAR KIRQL, *PKIRQL;
#define PASSIVE_LEVEL 0
#define LOW_LEVEL 0
#define APC_LEVEL 1
#define DISPATCH_LEVEL 2

#define PAGED_CODE() ((void)0)
#define PAGED_CODE_LOCKED() ((void)0)

#if defined(DBG) && DBG
#define ASSERT(exp) assert(exp)
#define ASSERTMSG(msg, exp) assert((exp) && (msg))
#define NT_ASSERT(exp) assert(exp)
#else
/* sizeof keeps the expression type-checked and its operands "used", without evaluating it. */
#define ASSERT(exp) ((void)sizeof(!(exp)))
#define ASSERTMSG(msg, exp) ((void)sizeof(!(exp)))
#define NT_ASSERT(exp) ((void)sizeof(!(exp)))
#endif

/* Pool types, with the WDK's values (they travel to AllocNotificationBuffer). */
typedef enum _POOL_TYPE {
	NonPagedPool = 0,
	NonPagedPoolExecute = NonPagedPool,
	PagedPool = 1,
	NonPagedPoolMustSucceed = NonPagedPool + 2,
	DontUseThisType = 3,
	NonPagedPoolCacheAligned = NonPagedPool + 4,
	PagedPoolCacheAligned = 5,
	NonPagedPoolCacheAlignedMustS = NonPagedPool + 6,
	MaxPoolType = 7,
	NonPagedPoolBase = 0,
	NonPagedPoolBaseMustSucceed = NonPagedPoolBase + 2,
	NonPagedPoolBaseCacheAligned = NonPagedPoolBase + 4,
	NonPagedPoolBaseCacheAlignedMustS = NonPagedPoolBase + 6,
	NonPagedPoolSession = 32,
	PagedPoolSession = NonPagedPoolSession + 1,
	NonPagedPoolMustSucceedSession = PagedPoolSession + 1,
	DontUseThisTypeSession = NonPagedPoolMustSucceedSession + 1,
	NonPagedPoolCacheAlignedSession = DontUseThisTypeSession + 1,
	PagedPoolCacheAlignedSession = NonPagedPoolCacheAlignedSession + 1,
	NonPagedPoolCacheAlignedMustSSession = PagedPoolCacheAlignedSession + 1,
	NonPagedPoolNx = 512,
	NonPagedPoolNxCacheAligned = NonPagedPoolNx + 4,
	NonPagedPoolSessionNx = NonPagedPoolNx + 32,
} POOL_TYPE;

/* ExAllocatePool2 flags (the low 32 bits are requirements, the high 32 bits hints). */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_REQUIRED_START ((POOL_FLAGS)0x0000000000000001ULL)
#define POOL_FLAG_USE_QUOTA ((POOL_FLAGS)0x0000000000000001ULL)
#define POOL_FLAG_UNINITIALIZED ((POOL_FLAGS)0x0000000000000002ULL)
#define POOL_FLAG_SESSION ((POOL_FLAGS)0x0000000000000004ULL)
#define POOL_FLAG_CACHE_ALIGNED ((POOL_FLAGS)0x0000000000000008ULL)
#define POOL_FLAG_RAISE_ON_FAILURE ((POOL_FLAGS)0x0000000000000020ULL)
#define POOL_FLAG_NON_PAGED ((POOL_FLAGS)0x0000000000000040ULL)
#define POOL_FLAG_NON_PAGED_EXECUTE ((POOL_FLAGS)0x0000000000000080ULL)
#define POOL_FLAG_PAGED ((POOL_FLAGS)0x0000000000000100ULL)

/*
 * Allocates from the C heap: zero-filled unless POOL_FLAG_UNINITIALIZED. As in the WDK,
 * exactly one of POOL_FLAG_NON_PAGED, POOL_FLAG_NON_PAGED_EXECUTE and POOL_FLAG_PAGED is
 * required; anything else returns NULL (Windows rejects it too). The tag is ignored. Not
 * real-time safe: the heap may lock and page.
 */
static inline PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
	POOL_FLAGS kind = Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE |
				   POOL_FLAG_PAGED);

	(void)Tag;
	if (kind != POOL_FLAG_NON_PAGED && kind != POOL_FLAG_NON_PAGED_EXECUTE &&
	    kind != POOL_FLAG_PAGED)
		return NULL;
	if (NumberOfBytes == 0)
		NumberOfBytes = 1;
	if (Flags & POOL_FLAG_UNINITIALIZED)
		return malloc(NumberOfBytes);
	return calloc(1, NumberOfBytes);
}

/* The deprecated pool-type allocator: uninitialised memory, as on Windows. */
static inline PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
	(void)PoolType;
	(void)Tag;
	return malloc(NumberOfBytes ? NumberOfBytes : 1);
}

static inline PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
	(void)PoolType;
	(void)Tag;
	return calloc(1, NumberOfBytes ? NumberOfBytes : 1);
}

static inline VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
	(void)Tag;
	free(P);
}

static inline VOID ExFreePool(PVOID P)
{
	free(P);
}

/* Memory helpers. */
#define RtlCopyMemory(Destination, Source, Length) memcpy((Destination), (Source), (Length))
#define RtlMoveMemory(Destination, Source, Length) memmove((Destination), (Source), (Length))
#define RtlFillMemory(Destination, Length, Fill) memset((Destination), (Fill), (Length))
#define RtlZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlSecureZeroMemory(Destination, Length) memset((Destination), 0, (Length))
#define RtlEqualMemory(Destination, Source, Length) (!memcmp((Destination), (Source), (Length)))

/* The number of leading bytes that are equal (Length when all are), not memcmp's sign. */
static inline SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
	const UCHAR *a = (const UCHAR *)Source1;
	const UCHAR *b = (const UCHAR *)Source2;
	SIZE_T i = 0;

	while (i < Length && a[i] == b[i])
		i++;
	return i;
}

/*
 * Interlocked operations, sequentially consistent like the Windows ones. Increment and
 * Decrement return the new value; Exchange, CompareExchange and ExchangeAdd the old one.
 */
static inline LONG InterlockedIncrement(LONG volatile *Addend)
{
	return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedDecrement(LONG volatile *Addend)
{
	return __atomic_sub_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedExchange(LONG volatile *Target, LONG Value)
{
	return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedExchangeAdd(LONG volatile *Addend, LONG Value)
{
	return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);
}

static inline LONG InterlockedCompareExchange(LONG volatile *Destination, LONG Exchange,
					      LONG Comparand)
{
	__atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return Comparand;
}

static inline PVOID InterlockedExchangePointer(PVOID volatile *Target, PVOID Value)
{
	return __atomic_exchange_n(Target, Value, __ATOMIC_SEQ_CST);
}

static inline PVOID InterlockedCompareExchangePointer(PVOID volatile *Destination,
						      PVOID Exchange, PVOID Comparand)
{
	__atomic_compare_exchange_n(Destination, &Comparand, Exchange, 0, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	return Comparand;
}

#ifdef __cplusplus
}
#endif

#endif /* AMOD_WDK_WDM_H */
