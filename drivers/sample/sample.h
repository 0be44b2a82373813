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
 * IPortClsNotifications. Besides SYSVAD's modules, the speaker has a level meter and the
 * headphone a keyword detector, which send on their own from the driver's timer thread.
 * drivers/sample/README.md lists every module, parameter and payload. Everything else is
 * reached through the devices (amod-port.h).
 */

#include <amod/amod-port.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sample_driver;

/*
 * Adds the sample's endpoints to adapter as devices, registers their miniports and starts the
 * driver's timer thread, which sends the level meter's and the keyword detector's
 * notifications (drivers/sample/README.md). The driver keeps a reference on the adapter until
 * sample_driver_free().
 *
 * options: NULL or "" for the defaults, else comma-separated key=value items:
 *   meter-rate=N       the speaker meter's initial Rate: 0 (default), 1, 2, 5, 10, 20, 50, 100
 *   detect-interval=MS the headphone detector's initial Interval: 0 (default) or 100..60000
 *   stream=MODE        open one stream in MODE ("default" or "movie") on each endpoint now,
 *                      closed by sample_driver_free()
 *
 * Thread: control. Errors: -EINVAL (NULL argument; unknown key, bad value, empty item or
 * item without '='), -EEXIST (an endpoint id or notification id is already used on the
 * adapter), -ENOMEM, or the error of opening a stream; nothing is left on the adapter on
 * failure.
 */
int sample_driver_create(struct amod_adapter *adapter, const char *options,
			 struct sample_driver **ret_driver);

/*
 * Stops and joins the timer thread (nothing is sent once it returns), removes the sample's
 * devices (closing their streams), releases its miniports and its adapter reference.
 * NULL-safe. Thread: control.
 */
void sample_driver_free(struct sample_driver *driver);

/* The device of one of the sample's endpoints ("speaker", "headphone"), or NULL. */
struct amod_device *sample_driver_get_device(const struct sample_driver *driver,
					     const char *endpoint_id);

#ifdef __cplusplus
}
#endif

#endif /* AMOD_SAMPLE_H */
