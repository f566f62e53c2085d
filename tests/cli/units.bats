#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The systemd units' sandboxes: `systemd-analyze security --offline=true`
# rates every unit of systemd/ (the agent's, the import and rollback
# units, the example app's) at most 4.0 ("OK"), as installed (@BINDIR@
# replaced as `make install` does).  Whether the sandboxed units still do
# their job under a real systemd is the system suite's (tests/system/).
load ../helpers/common
bats_require_minimum_version 1.5.0

BOUND=4.0

setup() {
	helpers_setup
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	systemd-analyze security --help 2>/dev/null | grep -q -- '--offline' ||
		skip "this systemd-analyze has no --offline scoring (systemd < 250)"
	mkdir units
	for f in "$TESTS_DIR"/../systemd/*.service "$TESTS_DIR"/../systemd/*.service.in; do
		sed 's|@BINDIR@|/usr/local/bin|g' "$f" >"units/$(basename "$f" .in)"
	done
}

# score UNIT-FILE: the overall exposure systemd-analyze gives it.
score() {
	systemd-analyze security --offline=true --no-pager "$1" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}

@test "every unit of systemd/ is rated at most $BOUND by systemd-analyze security --offline" {
	n=0
	for u in units/*.service; do
		s="$(score "$u")"
		[ -n "$s" ] || { echo "$u: no score from systemd-analyze" >&2; return 1; }
		echo "# $(basename "$u"): $s" >&3
		awk -v s="$s" -v b="$BOUND" 'BEGIN { exit !(s <= b) }' ||
			{ echo "$u: exposure $s, above $BOUND" >&2; return 1; }
		n=$((n + 1))
	done
	# ota-agent, ota-recover, ota-usb-import@, app-rollback and app.
	[ "$n" -ge 5 ]
}

@test "the scoring tells a bare unit from a sandboxed one (the check can fail)" {
	printf '[Service]\nExecStart=/bin/true\n' >units/bare.service
	s="$(score units/bare.service)"
	awk -v s="$s" -v b="$BOUND" 'BEGIN { exit !(s > b) }'
}

@test "each agent unit writes only the state and app directories, and states why" {
	for u in units/ota-agent.service units/ota-recover.service units/app-rollback.service \
		units/ota-usb-import@.service; do
		grep -qx 'ProtectSystem=strict' "$u"
		# (the import's also its stick, for a receipt when mounted rw)
		grep -qxE 'ReadWritePaths=-/var/lib/ota -/opt/app( -/run/ota/usb/%i)?' "$u"
		grep -qx 'NoNewPrivileges=yes' "$u"
		# The two directories exist before the sandbox is set up.
		grep -qx 'ExecStartPre=+mkdir -p -m 0755 /var/lib/ota /opt/app' "$u"
		grep -B3 '^ReadWritePaths=' "$u" | grep -q '^#'
		grep -B3 '^CapabilityBoundingSet=' "$u" | grep -q '^#'
	done
	# The app runs as a user of its own, its release read-only.
	grep -qx 'DynamicUser=yes' units/app.service
	! grep -q '^ReadWritePaths=.*/opt/app' units/app.service
}
