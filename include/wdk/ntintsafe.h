/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_NTINTSAFE_H
#define AMOD_WDK_NTINTSAFE_H

/*
 * ntintsafe.h: overflow-checked integer arithmetic. On overflow each function stores the
 * type's *_ERROR value (all bits set) in *Result and returns STATUS_INTEGER_OVERFLOW, as the
 * WDK does; otherwise it stores the result and returns STATUS_SUCCESS.
 */

#include <ntdef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USHORT_ERROR ((USHORT)0xffff)
#define WORD_ERROR ((WORD)0xffff)
#define ULONG_ERROR ((ULONG)0xffffffffUL)
#define DWORD_ERROR ((DWORD)0xffffffffUL)
#define ULONGLONG_ERROR ((ULONGLONG)0xffffffffffffffffULL)
#define SIZE_T_ERROR ((SIZE_T)-1)
#define ULONG_PTR_ERROR ((ULONG_PTR)-1)

static inline NTSTATUS RtlUShortAdd(USHORT usAugend, USHORT usAddend, USHORT *pusResult)
{
	if (__builtin_add_overflow(usAugend, usAddend, pusResult)) {
		*pusResult = USHORT_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlUShortMult(USHORT usMultiplicand, USHORT usMultiplier,
				     USHORT *pusResult)
{
	if (__builtin_mul_overflow(usMultiplicand, usMultiplier, pusResult)) {
		*pusResult = USHORT_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlULongAdd(ULONG ulAugend, ULONG ulAddend, ULONG *pulResult)
{
	if (__builtin_add_overflow(ulAugend, ulAddend, pulResult)) {
		*pulResult = ULONG_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlULongSub(ULONG ulMinuend, ULONG ulSubtrahend, ULONG *pulResult)
{
	if (__builtin_sub_overflow(ulMinuend, ulSubtrahend, pulResult)) {
		*pulResult = ULONG_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlULongMult(ULONG ulMultiplicand, ULONG ulMultiplier, ULONG *pulResult)
{
	if (__builtin_mul_overflow(ulMultiplicand, ulMultiplier, pulResult)) {
		*pulResult = ULONG_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlULongLongAdd(ULONGLONG ullAugend, ULONGLONG ullAddend,
				       ULONGLONG *pullResult)
{
	if (__builtin_add_overflow(ullAugend, ullAddend, pullResult)) {
		*pullResult = ULONGLONG_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlULongLongMult(ULONGLONG ullMultiplicand, ULONGLONG ullMultiplier,
					ULONGLONG *pullResult)
{
	if (__builtin_mul_overflow(ullMultiplicand, ullMultiplier, pullResult)) {
		*pullResult = ULONGLONG_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlSizeTAdd(size_t Augend, size_t Addend, size_t *pResult)
{
	if (__builtin_add_overflow(Augend, Addend, pResult)) {
		*pResult = SIZE_T_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

static inline NTSTATUS RtlSizeTMult(size_t Multiplicand, size_t Multiplier, size_t *pResult)
{
	if (__builtin_mul_overflow(Multiplicand, Multiplier, pResult)) {
		*pResult = SIZE_T_ERROR;
		return STATUS_INTEGER_OVERFLOW;
	}
	return STATUS_SUCCESS;
}

#define RtlDWordAdd RtlULongAdd
#define RtlDWordSub RtlULongSub
#define RtlDWordMult RtlULongMult
#define RtlSIZETAdd RtlSizeTAdd
#define RtlSIZETMult RtlSizeTMult

#ifdef __cplusplus
}
#endif

#endif /* AMOD_WDK_NTINTSAFE_H */
