/* SPDX-License-Identifier: MIT */
/* Built by test-install.sh against an installed amod, as C and as C++. */
#include <stdio.h>
#include <string.h>

#include <amodwdk.h>
#include <amod/amod-port.h>

int main(void)
{
	struct amod_device_info info = { "speaker", "Speaker", { 0xC01C987A, 0x30A9, 0x4DB7,
				      { 0x8D, 0x69, 0x69, 0x6C, 0xFF, 0x41, 0xE4, 0xB9 } } };
	struct amod_adapter *adapter = NULL;
	struct amod_device *device = NULL;
	PPORTCLSNOTIFICATIONS p = NULL;
	PPCNOTIFICATION_BUFFER buf = NULL;
	ULONG delivered = 1;
	int ok;

	if (amod_adapter_new(NULL, &adapter) < 0 ||
	    amod_adapter_add_device(adapter, &info, &device) < 0)
		return 1;
	ok = IUnknown_QueryInterface((IUnknown *)amod_device_get_port(device),
				     &IID_IPortClsNotifications, (PVOID *)&p) == STATUS_SUCCESS &&
	     IPortClsNotifications_AllocNotificationBuffer(p, NonPagedPoolNx, 4, &buf) ==
		     STATUS_SUCCESS &&
	     AmodSendNotificationEx(p, &KSNOTIFICATIONID_SoundDetector, buf, &delivered) ==
		     STATUS_SUCCESS &&
	     delivered == 0;
	if (buf)
		IPortClsNotifications_FreeNotificationBuffer(p, buf);
	if (p)
		IPortClsNotifications_Release(p);
	amod_adapter_unref(adapter);
	printf("installed amod %s\n", ok ? "works" : "FAILED");
	return ok ? 0 : 1;
}
