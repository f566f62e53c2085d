#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh - how the supervisor starts a release (installed as <release>/bin/run.sh,
# and as the link <release>/run.sh that app.service starts).
exec "$(dirname "$(readlink -f "$0")")/gateway" "$@"
