#!/bin/sh
# Example edge-gateway application: the service the OTA agent updates.
exec "$(dirname "$0")/gateway" "$@"
