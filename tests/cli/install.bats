#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# make install PREFIX=/usr/local DESTDIR=$T/dest, of the tools under test,
# then what was installed: the tools run, every systemd unit passes
# `systemd-analyze verify` (silent, exit 0) in a device image holding
# systemd's own units, the commands the units run and a release of the
# example app, the udev rule is well formed and names the import unit,
# and the example config is one the agent accepts.
load ../helpers/common
bats_require_minimum_version 1.5.0

OTA_REPO=$(cd "$TESTS_DIR/.." && pwd)
SYSTEMD_ANALYZE=/usr/bin/systemd-analyze
UNITS="app.service app-rollback.service ota-agent.service ota-recover.service ota-usb-import@sdb1.service"

# make install into $DEST of the build under test ($OTA_BIN's tree).
install_into() {
	DEST=$1
	make -C "$OTA_REPO" --no-print-directory -s install B="$(dirname "$OTA_BIN")" \
		PREFIX=/usr/local DESTDIR="$DEST" >"$T/install.log" 2>&1 ||
		{ cat "$T/install.log" >&2; return 1; }
}

# $DEST as a device image systemd-analyze can resolve units in: systemd's
# units, the commands the units run, a release of the example app current.
make_image() {
	local b
	mkdir -p "$DEST/usr/lib/systemd" "$DEST/usr/bin" "$DEST/opt/app/releases"
	cp -a /usr/lib/systemd/system "$DEST/usr/lib/systemd/"
	for b in mount umount mkdir rmdir systemctl systemd-mount systemd-umount sh; do
		cp "$(command -v "$b")" "$DEST/usr/bin/"
	done
	"$OTA_REPO/examples/make-release.sh" 1.0.0 good "$DEST/opt/app/releases/1.0.0" \
		"$(dirname "$OTA_BIN")/examples/gateway" >/dev/null
	ln -s releases/1.0.0 "$DEST/opt/app/current"
}

# systemd-analyze verify of the units in the image: output and status.
verify_units() {
	# shellcheck disable=SC2086
	run "$SYSTEMD_ANALYZE" --root="$DEST" --man=no verify $UNITS
}

@test "make install puts the tools, units, udev rule and example config under DESTDIR/PREFIX" {
	install_into "$T/dest"
	local t
	for t in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		[ -x "$DEST/usr/local/bin/$t" ]
		"$DEST/usr/local/bin/$t" --version | grep -q "^$t "
	done
	for t in $UNITS; do
		[ -f "$DEST/usr/local/lib/systemd/system/${t/@sdb1/@}" ]
	done
	[ -f "$DEST/usr/local/lib/udev/rules.d/90-ota-usb.rules" ]
	cmp "$OTA_REPO/examples/agent.yaml" "$DEST/etc/ota/agent.yaml"
	cmp "$OTA_REPO/examples/agent.yaml" "$DEST/usr/local/share/doc/ota/agent.yaml.example"
	[ -d "$DEST/etc/ota/keys" ]
	# The units run the installed agent.
	! grep -r '@BINDIR@' "$DEST/usr/local/lib/systemd/system"
	grep -qx 'ExecStart=/usr/local/bin/ota-agent watch' "$DEST/usr/local/lib/systemd/system/ota-agent.service"
	grep -qx 'ExecStart=/usr/local/bin/ota-agent rollback' "$DEST/usr/local/lib/systemd/system/app-rollback.service"
	grep -qx 'ExecStart=/opt/app/current/run.sh' "$DEST/usr/local/lib/systemd/system/app.service"
}

@test "make install again keeps a device's own config" {
	install_into "$T/dest"
	echo "# this device's own" >>"$DEST/etc/ota/agent.yaml"
	cp "$DEST/etc/ota/agent.yaml" "$T/mine"
	install_into "$T/dest"
	cmp "$T/mine" "$DEST/etc/ota/agent.yaml"
}

@test "systemd-analyze verify finds nothing to say about any installed unit" {
	[ -x "$SYSTEMD_ANALYZE" ]
	install_into "$T/dest"
	make_image
	verify_units
	if [ "$status" -ne 0 ] || [ -n "$output" ]; then
		echo "systemd-analyze verify exited $status: $output" >&2
		return 1
	fi
}

@test "the verify check can fail: a misspelt key, a bad value, a missing ExecStart are reported" {
	[ -x "$SYSTEMD_ANALYZE" ]
	install_into "$T/dest"
	make_image
	local units=$DEST/usr/local/lib/systemd/system
	sed -i 's/^WatchdogSec=60$/WatchdgSec=60/' "$units/ota-agent.service"
	sed -i 's/^Restart=on-failure$/Restart=on-fail/' "$units/app.service"
	rm "$DEST/opt/app/current"
	verify_units
	[ "$status" -ne 0 ]
	[[ "$output" == *"Unknown key 'WatchdgSec'"* ]]
	[[ "$output" == *"on-fail"* ]]
	[[ "$output" == *"/opt/app/current/run.sh is not executable"* ]]
}

@test "the udev rule is well formed, matches only USB block devices being added, and starts the installed import unit" {
	install_into "$T/dest"
	python3 - "$DEST/usr/local/lib/udev/rules.d/90-ota-usb.rules" "$DEST/usr/local/lib/systemd/system" <<-'EOF'
		import os, re, sys
		rules, units = sys.argv[1:3]
		keys = {"ACTION", "SUBSYSTEM", "KERNEL", "ENV", "TAG", "GOTO", "LABEL"}
		pair = re.compile(r'\s*([A-Z_]+)(\{[A-Za-z0-9_]+\})?(==|!=|\+=|-=|:=|=)"([^"]*)"\s*(,|$)')
		labels, gotos, wants, matched = set(), set(), [], set()
		for n, line in enumerate(open(rules), 1):
		    line = line.strip()
		    if not line or line.startswith("#"):
		        continue
		    pos = 0
		    while pos < len(line):
		        m = pair.match(line, pos)
		        assert m, "line %d: not KEY OP \"value\" at %r" % (n, line[pos:])
		        key, attr, op, value = m.group(1), m.group(2), m.group(3), m.group(4)
		        assert key in keys, "line %d: unknown key %s" % (n, key)
		        if key == "LABEL": labels.add(value)
		        if key == "GOTO": gotos.add(value)
		        if op in ("==", "!="): matched.add(key + (attr or "") + "=" + value)
		        if key == "ENV" and attr == "{SYSTEMD_WANTS}": wants.append(value)
		        pos = m.end()
		assert gotos <= labels, "GOTO without LABEL: %s" % (gotos - labels)
		for want in ("ACTION=add", "SUBSYSTEM=block", "ENV{ID_BUS}=usb", "ENV{ID_FS_USAGE}=filesystem"):
		    assert want in matched, "does not match on " + want
		assert wants == ["ota-usb-import@%k.service"], wants
		assert os.path.isfile(os.path.join(units, "ota-usb-import@.service"))
	EOF
	# The import unit has PID 1 mount it without devices, set-uid or exec,
	# without fsck, read-only unless the agent says rw (the unit says why;
	# receipts.bats runs this line).
	grep -q '^ExecStartPre=+sh -c .o=$$(/usr/local/bin/ota-agent import --mount-options) && exec systemd-mount --no-ask-password --fsck=no --collect --options="$$o" /dev/%i /run/ota/usb/%i.$' \
		"$DEST/usr/local/lib/systemd/system/ota-usb-import@.service"
	grep -q '^ExecStopPost=-+systemd-umount /run/ota/usb/%i$' \
		"$DEST/usr/local/lib/systemd/system/ota-usb-import@.service"
}

@test "the installed example config is one the installed agent accepts" {
	install_into "$T/dest"
	run "$DEST/usr/local/bin/ota-agent" --root "$DEST" status --json
	assert_status 0
	assert_output_matches '"device_class":"edge-gw-v2"'
}
