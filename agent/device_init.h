/* SPDX-License-Identifier: Apache-2.0 */
/* device_init.h - `ota-agent init`: a new device's config, trusted keys
 * and directories, written all or nothing, never over what is there. */
#ifndef OTA_DEVICE_INIT_H
#define OTA_DEVICE_INIT_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/keys.h"

struct device_init {
	const char *root;         /* "" or the --root directory */
	const char *config;       /* the config file's device path (/etc/ota/agent.yaml) */
	const char *device_class; /* [A-Za-z0-9._-], as a manifest's target */
	const char *app_dir;      /* device paths, absolute */
	const char *state_dir;
	const char *const *keys; /* public key files to trust, n_keys of them */
	size_t n_keys;
	char device_id[OTA_KEYID_HEX_LEN + 1]; /* out: the device key's id */
};

/* Write root+config (commented, 0644), the keys directory beside it
 * (each key copied as <its name>.pub, 0644) and make the app and state
 * directories.  Every key is loaded first as the agent's key loader does
 * (OTA_EKEY: not Ed25519, weak, unreadable; two files of one key), the
 * config is parsed by the agent's own loader before it gets its name, and
 * nothing is written until all of that held: OTA_EEXIST if the config or
 * the keys directory is already there, leaving both as they were.  The
 * device's own key (devkey.h, its identity for receipts) is made in the
 * state directory, or kept if there is one; its id into d->device_id. */
int device_init_write(struct device_init *d, struct ota_err *err);

#endif
