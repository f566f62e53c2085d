# SPDX-License-Identifier: Apache-2.0
# delivery.sh - sourced by run.sh: the rows of installing straight from
# the stick and from the wire (issue 16), side by side with `ota-agent
# install` of the same bundle on local disk.  `import` reads a directory
# standing for the stick; `poll` a loopback server (the tests' httpd.py,
# with Range) serving the bundle and its index.json.  Peak disk is
# sampled in a run of its own (the sampler's CPU would tax the timings):
# the most the device's whole root (app_dir, state_dir, spool) grew by
# during an import, against what the release itself takes when done
# (releases/<v> and the manifest kept for it).
#
#   delivery_setup        once, after $W/one.bundle exists
#   delivery_measure R    run R: import and poll, each on a new device (run.sh
#                         measures install, the peer, beside them)
#   delivery_disk         the peak-disk run
#   delivery_rows         the table's rows (run.sh's row/ratio/met)
#   delivery_stop         stop the server

HTTPD="$here/../tests/tools/httpd.py"

# A device as make_device's, the bundle on a "stick" directory and a server.
delivery_setup() {
	mkdir -p "$W/stick" "$W/www"
	cp "$W/one.bundle" "$W/stick/app.bundle"
	cp "$W/one.bundle" "$W/www/app.bundle"
	ota-bundle index "$W/www" >/dev/null || die "ota-bundle index failed"
	python3 "$HTTPD" "$W/www" --port-file "$W/http.port" </dev/null >/dev/null 2>&1 &
	httpd_pid=$!
	local i
	for i in $(seq 100); do
		[ -s "$W/http.port" ] && break
		sleep 0.1
	done
	[ -s "$W/http.port" ] || die "the loopback server did not start"
	bench_url="http://127.0.0.1:$(cat "$W/http.port")/"
}

delivery_stop() {
	[ -n "${httpd_pid:-}" ] && kill "$httpd_pid" 2>/dev/null
	httpd_pid=""
}

delivery_measure() { # RUN
	make_device "$W/dl-u$1"
	measure import ota-agent --root "$W/dl-u$1" import "$W/stick"
	make_device "$W/dl-p$1"
	measure poll ota-agent --root "$W/dl-p$1" poll "$bench_url" --once
}

# Bytes the files under $1 take on disk (allocated blocks), every 20 ms
# while process $2 runs: the most seen.
peak_disk() { # DIR PID
	python3 - "$1" "$2" <<-'EOF'
		import os, sys, time
		root, pid = sys.argv[1], int(sys.argv[2])
		def used():
		    n = 0
		    for d, dirs, files in os.walk(root):
		        for f in dirs + files:
		            try:
		                n += os.lstat(os.path.join(d, f)).st_blocks * 512
		            except OSError:
		                pass
		    return n
		peak = used()
		while os.path.exists("/proc/%d" % pid) and open("/proc/%d/stat" % pid).read().split()[2] != "Z":
		    peak = max(peak, used())
		    time.sleep(0.02)
		print(max(peak, used()))
	EOF
}

delivery_disk() {
	local base pid
	make_device "$W/dl-disk"
	ota-agent --root "$W/dl-disk" status >/dev/null 2>&1 # the layout, before it is measured
	base=$(peak_disk "$W/dl-disk" 0)
	ota-agent --root "$W/dl-disk" import "$W/stick" >/dev/null 2>&1 &
	pid=$!
	import_peak=$(($(peak_disk "$W/dl-disk" "$pid") - base))
	wait "$pid" || say "the peak-disk import failed"
	release_bytes=$(du -s --block-size=1 "$W/dl-disk/opt/app/releases" \
		"$W/dl-disk/var/lib/ota/manifests" | awk '{ n += $1 } END { print n }')
	bundle_bytes=$(stat -c %s "$W/one.bundle")
	rm -rf "$W/dl-disk"
}

delivery_rows() {
	local install import poll ri rp extra
	install=$(median install)
	import=$(median import)
	poll=$(median poll)
	ri=$(ratio "$import" "$install")
	rp=$(ratio "$poll" "$install")
	row "\`ota-agent import\` from a directory (the stick) vs \`install\` of a local bundle" \
		"$import" "$install" "${ri}x" "<= 1.1x" "$(met "$ri" "<=" 1.1)"
	row "\`ota-agent poll --once\` from a loopback server vs \`install\` of a local bundle" \
		"$poll" "$install" "${rp}x" "<= 1.2x" "$(met "$rp" "<=" 1.2)"
	extra=$(awk -v p="${import_peak:-0}" -v r="${release_bytes:-0}" \
		'BEGIN { printf "%.2f", (p - r) / 1048576 }')
	row "peak extra disk during \`import\` vs the release's own bytes (bundle: ${bundle_bytes:-?})" \
		"${import_peak:-?}" "${release_bytes:-?}" "+${extra} MiB" "<= +1 MiB" \
		"$(awk -v e="$extra" 'BEGIN { print (e <= 1 ? "met" : "NOT met") }')"
}
