/* SPDX-License-Identifier: MIT */
#ifndef AMOD_SAMPLE_H
#define AMOD_SAMPLE_H

/*
 * sample.h: the in-tree sample driver, seen from the native side. It adds SYSVAD's two
 * module-aware render endpoints to an adapter (spec §3.5):
 *
 *   "speaker"   "Speaker"            notification id {C01C987A-30A9-4DB7-8D69-696CFF41E4B9}
 *   "headphone" "Speaker Headphone"  notification id {3A66BE17-5440-48E7-8376-B75A0B1A922D}
 *
 * Each endpoint is a miniport written the WDK way (<portcls.h>): it owns
 * KSPROPSETID_AudioModule through its automation tables, instantiates its module templates on
 * every stream opened on the device, and sends module notifications through
 * IPortClsNotifications. Everything else is reached through the devices (amod-port.h).
 */

#include <amod/amod-port.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sample_driver;

/*
 * Adds the sample's endpoints to adapter as devices and registers their miniports. The driver
 * keeps a reference on the adapter until sample_driver_free(). Thread: control.
 * Errors: -EINVAL (NULL argument), -EEXIST (an endpoint id or notification id is already used
 * on the adapter), -ENOMEM; nothing is left on the adapter on failure.
 */
int sample_driver_create(struct amod_adapter *adapter, struct sample_driver **ret_driver);

/*
 * Removes the sample's devices (closing their streams), releases its miniports and its
 * adapter reference. NULL-safe. Thread: control.
 */
void sample_driver_free(struct sample_driver *driver);

/* The device of one of the sample's endpoints ("speaker", "headphone"), or NULL. */
struct amod_device *sample_driver_get_device(const struct sample_driver *driver,
					     const char *endpoint_id);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_SAMPLE_H */
