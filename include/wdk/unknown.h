/* SPDX-License-Identifier: MIT */
#ifndef AMOD_WDK_UNKNOWN_H
#define AMOD_WDK_UNKNOWN_H

/*
 * unknown.h: IUnknown in the kernel (PortCls) flavour: QueryInterface returns an NTSTATUS
 * (STATUS_SUCCESS, or STATUS_NOINTERFACE with *Interface set to NULL), not an HRESULT.
 *
 * One object, two faces. C sees a structure whose first member points to a table of function
 * pointers taking the object first (IUnknownVtbl). C++ sees an abstract class with the same
 * virtual functions in the same order and no virtual destructor, so under the Itanium C++ ABI
 * its virtual table pointer is at offset 0 and slot i is the i-th method: a C++ caller can use
 * an object implemented in C (amod's port is), and the other way round.
 */

#include <ntdef.h>

DEFINE_GUID(IID_IUnknown, 0x00000000L, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	    0x46);

#ifndef _HRESULT_DEFINED
#define _HRESULT_DEFINED
typedef LONG HRESULT;
#endif

#ifdef __cplusplus
struct IUnknown;
#else
typedef struct IUnknown IUnknown;
#endif
typedef IUnknown *PUNKNOWN;

typedef struct IUnknownVtbl {
	NTSTATUS (*QueryInterface)(IUnknown *This, REFIID InterfaceId, PVOID *Interface);
	ULONG (*AddRef)(IUnknown *This);
	ULONG (*Release)(IUnknown *This);
} IUnknownVtbl;

#ifdef __cplusplus

struct IUnknown {
	virtual NTSTATUS QueryInterface(REFIID InterfaceId, PVOID *Interface) = 0;
	virtual ULONG AddRef() = 0;
	virtual ULONG Release() = 0;
};

/* C-style calls also compile as C++, with the IID passed by reference or by address. */
static inline NTSTATUS IUnknown_QueryInterface(IUnknown *This, REFIID InterfaceId,
					       PVOID *Interface)
{
	return This->QueryInterface(InterfaceId, Interface);
}

static inline NTSTATUS IUnknown_QueryInterface(IUnknown *This, const GUID *InterfaceId,
					       PVOID *Interface)
{
	return This->QueryInterface(*InterfaceId, Interface);
}

static inline ULONG IUnknown_AddRef(IUnknown *This)
{
	return This->AddRef();
}

static inline ULONG IUnknown_Release(IUnknown *This)
{
	return This->Release();
}

/*
 * For C++ code that declares its own interfaces the WDK way, e.g.
 * DECLARE_INTERFACE_(IMyThing, IUnknown) { DEFINE_ABSTRACT_UNKNOWN() STDMETHOD_(...)... };
 */
#define DECLARE_INTERFACE(iface) struct iface
#define DECLARE_INTERFACE_(iface, baseiface) struct iface : public baseiface
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#define PURE = 0
#define THIS_
#define THIS void
#define DEFINE_ABSTRACT_UNKNOWN()                                                                  \
	STDMETHOD_(NTSTATUS, QueryInterface)(THIS_ REFIID InterfaceId, PVOID *Interface) PURE;     \
	STDMETHOD_(ULONG, AddRef)(THIS) PURE;                                                      \
	STDMETHOD_(ULONG, Release)(THIS) PURE;

#else /* !__cplusplus */

struct IUnknown {
	const IUnknownVtbl *lpVtbl;
};

static inline NTSTATUS IUnknown_QueryInterface(IUnknown *This, REFIID InterfaceId,
					       PVOID *Interface)
{
	return This->lpVtbl->QueryInterface(This, InterfaceId, Interface);
}

static inline ULONG IUnknown_AddRef(IUnknown *This)
{
	return This->lpVtbl->AddRef(This);
}

static inline ULONG IUnknown_Release(IUnknown *This)
{
	return This->lpVtbl->Release(This);
}

#endif /* __cplusplus */

#endif /* AMOD_WDK_UNKNOWN_H */
