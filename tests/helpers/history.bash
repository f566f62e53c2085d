# SPDX-License-Identifier: Apache-2.0
# history.bash - the device the history and dashboard suites read
# (history.bats, dashboard.bats): made once per file by the real agent with
# the real example service, then copied into each test's own $T/root.
# Load after common.bash and agent.bash.
#
# The device's history, oldest first:
#   #1 1.0.0 promoted                  (app-1.0.0-good.bundle)
#   #2 2.0.0 promoted                  (app-2.0.0-good.bundle)
#   #3 3.0.0 failed its health check, rolled back to 2.0.0
#   #4 a validly signed 1.5.0 refused (older than 2.0.0), its file named
#      $XSS_NAME.bundle: markup, as a hostile USB stick could name it
# 20 records; the bundles stay in $BATS_FILE_TMPDIR.

XSS_NAME='"><script>alert(1)<!--'

# setup_file: make the device under $BATS_FILE_TMPDIR/device, stop its service.
history_device_make() {
	local T=$BATS_FILE_TMPDIR st=0
	agent_setup
	write_config HEALTH_TIMEOUT=1 HEALTH_STABLE=0.2
	install_ok 1.0.0 good || st=1
	install_ok 2.0.0 good || st=1
	make_bundle 3.0.0 unhealthy || st=1
	run agent install "$BUNDLE"
	[ "$status" -eq 15 ] || { echo "3.0.0: exit $status: $output" >&2; st=1; }
	make_bundle 1.5.0 good INDEX=2 NAME="$XSS_NAME" || st=1
	run agent install "$BUNDLE"
	[ "$status" -eq 14 ] || { echo "1.5.0: exit $status: $output" >&2; st=1; }
	agent_teardown || st=1
	cp -a "$ROOT" "$T/device"
	return $st
}

# setup: this test's own copy of the device at $ROOT and its own run dir.
# No service runs; a test that starts one calls history_device_service.
history_device_copy() {
	cp "$BATS_FILE_TMPDIR/k.key" "$BATS_FILE_TMPDIR/k.pub" "$T/"
	ROOT=$T/root
	APP=$ROOT/opt/app
	STATE=$ROOT/var/lib/ota
	export OTA_RUN_DIR="$T/run"
	cp -a "$BATS_FILE_TMPDIR/device" "$ROOT"
	B=$BATS_FILE_TMPDIR
	HIST=$STATE/history.jsonl
}

# A port of this test's own for the service, and the config naming it.
history_device_service() {
	agent_setup
	write_config "$@"
}

# Rewrite the history file with the Python expression $1 applied to its
# list of lines L (bytes, newline included), e.g. 'L[:-3]'.
history_edit() {
	python3 - "$HIST" "$1" <<-'EOF'
		import sys
		path, expr = sys.argv[1], sys.argv[2]
		L = open(path, "rb").read().splitlines(keepends=True)
		L = eval(expr)
		open(path, "wb").write(b"".join(L))
	EOF
}

# The setup of a history suite: the device made once per file
# (history_device_make, in setup_file), a copy of it per test.
setup_file() { history_device_make; }
history_suite_setup() {
	helpers_setup
	history_device_copy
}
setup() { history_suite_setup; }
