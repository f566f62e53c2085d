#!/bin/sh
# run.sh - how the supervisor starts a release (installed as <release>/bin/run.sh).
exec "$(dirname "$0")/gateway" "$@"
