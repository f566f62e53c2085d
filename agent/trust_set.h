/* trust_set.h - the trust set in force on the device: the trust file it
 * accepted last (state_dir/trust.ota, schema/trust.md), else the factory
 * keys and threshold of the config. */
#ifndef OTA_AGENT_TRUST_SET_H
#define OTA_AGENT_TRUST_SET_H

#include "agent/agent.h"

/* Load it into a->keys and a->threshold, read again at every call.  On
 * failure a->keys is left empty: no key is trusted. */
int trust_set_load(struct agent *a, struct ota_err *err);

#endif
