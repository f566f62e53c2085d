/* SPDX-License-Identifier: Apache-2.0 */
/* bundler.h - the subcommands of ota-bundle, one file each. */
#ifndef OTA_BUNDLER_H
#define OTA_BUNDLER_H

int cmd_create(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_index(int argc, char **argv);

#endif
