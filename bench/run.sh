#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# run.sh - `make bench`: our tools against what users would pick instead,
# side by side in the same run, on a generated release tree of >= 400 MB
# and >= 10,000 files (four large binaries, 10,000 small files in 100
# directories, a few symlinks).  Each measurement is run BENCH_RUNS times
# (default 5), interleaved (ours, then the peer, then ours...) so that a
# noisy machine slows both alike, each after a sync(1) so that no run pays
# for the last one's writeback; the table gives medians and the ratios
# against issue 7's goals.  Peak memory is /usr/bin/time's maximum RSS.
#
#   OTA_BIN       the tools (default: build/bin next to this script)
#   BENCH_RUNS    runs per measurement (default 5)
#   BENCH_BIG     0 to skip the 4 GB memory rows (they write ~8 GB)
#   BENCH_DIR     where the temporary trees go (default $TMPDIR or /tmp);
#                 everything is removed at the end
#   BENCH_ONLY    sign: only the rows of signing in place (issue 16):
#                 `ota-sign` into a free slot and `ota-sign` of a bundle
#                 without slots (rewritten), each against `ota-bundle create`
#                 rss: only the peak-memory rows (100 and 100,000 files,
#                 the 100 MB and 4 GB bundles), each measured BENCH_RUNS
#                 times, without the 400 MB tree and the timed rows
#                 delivery: only the rows of import and poll against
#                 install (bench/delivery.sh), with their peak disk
#                 delta: only the rows of shared files (issue 16): a delta
#                 and a full bundle installed over a base release against
#                 a full install with nothing to share, and the disk the
#                 second release adds
#
# Prints the report (markdown) on stdout, progress on stderr.  Not part of
# `make check`: it takes minutes and measures, it does not test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BIN=${OTA_BIN:-$here/../build/bin}
RUNS=${BENCH_RUNS:-5}
BIG=${BENCH_BIG:-1}
ONLY=${BENCH_ONLY:-}
export SOURCE_DATE_EPOCH=1700000000 OTA_PROGRESS_MS=1000000
export PATH="$BIN:$PATH"

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for t in ota-bundle ota-sign ota-verify ota-agent ota-keytool; do
	[ -x "$BIN/$t" ] || die "$BIN/$t: not built (run make)"
done
case "$ONLY" in
"" | rss | sign | delivery | delta) ;;
*) die "BENCH_ONLY=$ONLY: unknown (rss, sign, delivery, delta)" ;;
esac
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed: bench/deps.sh installs it"
W=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/ota-bench.XXXXXX") || die "cannot make a temp dir"
trap 'delivery_stop; rm -rf "$W"' EXIT
. "$here/delivery.sh"
trap 'exit 130' INT TERM
: >"$W/times"

# measure LABEL CMD...: run CMD once after a sync; record "LABEL seconds
# max-rss-KB cpu-seconds" (user + system: what a machine shared with
# other work inflates least).  A failure is recorded and said, and the
# benchmark goes on.
measure() {
	local label=$1 s kb u y
	shift
	sync
	if ! /usr/bin/time -f "%e %M %U %S" -o "$W/t" "$@" >"$W/out" 2>"$W/err"; then
		say "$label failed: $(tail -n 3 "$W/err" | tr '\n' ' ')"
		echo "$label FAIL FAIL FAIL" >>"$W/times"
		return 1
	fi
	read -r s kb u y <<<"$(tail -n 1 "$W/t")"
	echo "$label $s $kb $(awk -v u="$u" -v y="$y" 'BEGIN { printf "%.2f", u + y }')" >>"$W/times"
}

# median LABEL [FIELD]: the median of the seconds (2), RSS (3) or CPU
# seconds (4) of LABEL.
median() {
	awk -v l="$1" -v f="${2:-2}" '$1 == l && $f != "FAIL" { print $f }' "$W/times" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

samples() { awk -v l="$1" '$1 == l { printf "%s ", $2 }' "$W/times"; }

# A deterministic stream of n pseudo-random bytes, fast (AES-CTR).
random_bytes() { # SEED N
	openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
		-iv "$(printf '%032x' "$1")" -in /dev/zero 2>/dev/null | head -c "$2"
}

make_tree() { # DIR
	mkdir -p "$1/bin" "$1/lib" "$1/share"
	random_bytes 1 125829120 >"$1/bin/app"
	random_bytes 2 104857600 >"$1/lib/libbig.so"
	random_bytes 3 83886080 >"$1/lib/libmid.so"
	random_bytes 4 62914560 >"$1/bin/tool"
	chmod 755 "$1/bin/app" "$1/bin/tool"
	ln -s app "$1/bin/start"
	ln -s libbig.so "$1/lib/libbig.so.1"
	python3 - "$1/share" <<-'EOF'
		import os, random, sys
		r = random.Random(7)
		for d in range(100):
		    dd = os.path.join(sys.argv[1], "d%03d" % d)
		    os.makedirs(dd)
		    for f in range(100):
		        with open(os.path.join(dd, "f%03d.dat" % f), "wb") as fh:
		            fh.write(r.randbytes(r.randint(0, 8192)))
	EOF
}

# tiny_tree DIR N: N small files in directories of 100.
tiny_tree() {
	python3 - "$1" "$2" <<-'EOF'
		import os, sys
		root, n = sys.argv[1], int(sys.argv[2])
		for i in range(n):
		    d = os.path.join(root, "d%04d" % (i // 100))
		    os.makedirs(d, exist_ok=True)
		    with open(os.path.join(d, "f%03d.txt" % (i % 100)), "w") as f:
		        f.write("file %d\n" % i)
	EOF
}

# make_device ROOT: a device under ROOT whose health check is trivially
# true (the restart command is `true`, no checks), trusting $W/k.
make_device() {
	rm -rf "$1"
	mkdir -p "$1/etc/ota/keys" "$1/opt" "$1/var/lib"
	cp "$W/k.pub" "$1/etc/ota/keys/k.pub"
	cat >"$1/etc/ota/agent.yaml" <<-EOF
		device_class: bench
		app_dir: /opt/app
		state_dir: /var/lib/ota
		keys: /etc/ota/keys
		service:
		  restart: "true"
		health:
		  timeout: 10
	EOF
}

bundle() { # TREE VERSION OUT [ARGS...]
	local tree=$1 v=$2 out=$3
	shift 3
	ota-bundle create --quiet --tree "$tree" --version "$v" --target bench --out "$out" \
		--sign-key "$W/k.key" "$@" >/dev/null
}

machine() {
	local cpu disk
	cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
	disk=$(df -h --output=source,fstype,size,avail "$W" 2>/dev/null | tail -n 1)
	echo "- CPU: ${cpu:-unknown}, $(nproc) cores; memory $(free -g | awk '/^Mem:/ { print $2 }') GB"
	echo "- disk of the temp dir: $disk (rotational: $(lsblk -dno ROTA "$(df --output=source "$W" | tail -n 1)" 2>/dev/null || echo ?))"
	echo "- kernel $(uname -r); $(tar --version | head -n 1); $(openssl version | cut -d' ' -f1-2); $(rauc --version 2>/dev/null || echo 'rauc: not installed')"
	echo "- load average at the start: $load_start"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
ota-keytool generate --no-passphrase --out "$W/k" >/dev/null || die "keytool failed"
# The timed rows, up to the memory rows: all but BENCH_ONLY=rss.
# The report's helpers.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
met() { # RATIO OP LIMIT
	awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN { if (r == "-") print "not measured";
	     else if ((op == "<=" && r <= l) || (op == ">=" && r >= l)) print "met"; else print "NOT met" }'
}
mib() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.1f MiB", k / 1024 }'; }
row() { # WHAT OURS PEER RATIO GOAL VERDICT
	printf '| %s | %s | %s | %s | %s | %s |\n' "$@"
}

if [ "$ONLY" != rss ]; then
say "generating the benchmark tree in $W"
make_tree "$W/tree"
tree_mb=$(du -sm --apparent-size "$W/tree" | cut -f1)
tree_files=$(find "$W/tree" -type f | wc -l)

# sign_only: BENCH_ONLY=sign's runs and rows, then the end.
sign_only() {
	local r c s n w
	say "tree: $tree_mb MB, $tree_files files; $RUNS runs of each measurement (BENCH_ONLY=sign)"
	for r in $(seq "$RUNS"); do
		say "run $r of $RUNS"
		rm -f "$W/two.bundle" "$W/old.bundle"
		measure create ota-bundle create --quiet --tree "$W/tree" --version 1.0.0 --target bench \
			--out "$W/two.bundle"
		measure sign ota-sign --quiet --key "$W/k.key" "$W/two.bundle"
		ota-bundle create --quiet --tree "$W/tree" --version 1.0.0 --target bench \
			--signature-slots 0 --out "$W/old.bundle" >/dev/null
		measure sign_rewrite ota-sign --quiet --key "$W/k.key" "$W/old.bundle"
	done
	c=$(median create) s=$(median sign) w=$(median sign_rewrite)
	n=$(awk -v a="$s" -v b="$c" 'BEGIN { printf "%.3f", a / b }')
	echo "## ota benchmark (BENCH_ONLY=sign), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	machine
	echo "- tree: $tree_mb MB in $tree_files files; medians of $RUNS runs (seconds)"
	echo
	echo "| measurement | ours | peer | ratio | goal | |"
	echo "| --- | --- | --- | --- | --- | --- |"
	echo "| \`ota-sign\` in place (a free slot) vs \`ota-bundle create\` | $s | $c | $n | <= 0.05 |" \
		"$(awk -v r="$n" 'BEGIN { print (r <= 0.05 ? "met" : "NOT met") }') |"
	echo "| \`ota-sign\` of a bundle without slots (rewritten) vs \`ota-bundle create\` | $w | $c |" \
		"$(awk -v a="$w" -v b="$c" 'BEGIN { printf "%.2f", a / b }') | (before slots) | - |"
	echo
	echo "Every sample (seconds):"
	echo
	for l in create sign sign_rewrite; do
		echo "- $l: $(samples "$l")"
	done
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
}
[ "$ONLY" = sign ] && sign_only
(cd "$W/tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"$W/SHA256SUMS")
cp "$W/SHA256SUMS" "$W/tree/SHA256SUMS"
tar cf "$W/peer.tar" -C "$W/tree" .
rm "$W/tree/SHA256SUMS"
have_rauc=0
rauc_why="rauc is not installed (bench/deps.sh installs rauc and squashfs-tools as root)"
if command -v rauc >/dev/null 2>&1 && command -v mksquashfs >/dev/null 2>&1; then
	mkdir -p "$W/rauc/content"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$W/rauc/key.pem" -out "$W/rauc/cert.pem" -days 365 -subj "/CN=ota-bench" \
		>/dev/null 2>&1
	printf '[update]\ncompatible=bench\nversion=1.0\n\n[image.rootfs]\nfilename=rootfs.tar\n' \
		>"$W/rauc/content/manifest.raucm"
	: >"$W/rauc/content/rootfs.tar"
	if rauc bundle --cert="$W/rauc/cert.pem" --key="$W/rauc/key.pem" "$W/rauc/content" \
		"$W/rauc/probe.raucb" >/dev/null 2>"$W/rauc/err"; then
		have_rauc=1
	else
		rauc_why="rauc bundle failed here: $(tr '\n' ' ' <"$W/rauc/err")"
	fi
	rm -f "$W/rauc/probe.raucb"
fi


if [ "$ONLY" = delivery ]; then
	say "delivery rows only: $tree_mb MB, $tree_files files; $RUNS runs"
	bundle "$W/tree" 1.0.0 "$W/one.bundle"
	delivery_setup
	for r in $(seq "$RUNS"); do
		say "run $r of $RUNS"
		make_device "$W/dl-l$r"
		measure install ota-agent --root "$W/dl-l$r" install --quiet "$W/one.bundle"
		delivery_measure "$r"
	done
	rm -rf "$W"/dl-*
	delivery_disk
	echo "## ota benchmark (BENCH_ONLY=delivery), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	machine
	echo "- tree: $tree_mb MB in $tree_files files; page cache warm; medians of $RUNS runs (seconds)"
	echo
	echo "| measurement | ours | peer | ratio | goal | |"
	echo "| --- | --- | --- | --- | --- | --- |"
	delivery_rows
	echo
	echo "Every sample (seconds):"
	echo
	for l in install import poll; do
		echo "- $l: $(samples "$l")"
	done
	echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	exit 0
fi

say "tree: $tree_mb MB, $tree_files files; $RUNS runs of each measurement"
for r in $(seq "$RUNS"); do
	[ "$ONLY" = delta ] && break
	say "run $r of $RUNS"
	rm -f "$W/peer-out.tar" "$W/one.bundle" "$W/two.bundle"
	measure tar_cf tar cf "$W/peer-out.tar" -C "$W/tree" .
	# ota-bundle fsyncs the bundle before renaming it into place (a crash
	# must not leave a named but empty or partial bundle); tar does not,
	# so tar followed by an fsync of its file (sync FILE) is the peer of
	# the same durability.
	rm -f "$W/peer-out.tar"
	measure tar_cf_fsync sh -c 'tar cf "$1" -C "$2" . && sync "$1"' sh "$W/peer-out.tar" "$W/tree"
	measure create_sign ota-bundle create --quiet --tree "$W/tree" --version 1.0.0 --target bench \
		--out "$W/one.bundle" --sign-key "$W/k.key"
	measure create ota-bundle create --quiet --tree "$W/tree" --version 1.0.0 --target bench \
		--out "$W/two.bundle"
	measure sign ota-sign --quiet --key "$W/k.key" "$W/two.bundle"
	if [ "$have_rauc" = 1 ]; then
		rm -f "$W/rauc/content/rootfs.tar" "$W/rauc/b.raucb"
		measure tar_rauc sh -c 'tar cf "$1/content/rootfs.tar" -C "$2" . &&
			rauc bundle --cert="$1/cert.pem" --key="$1/key.pem" "$1/content" "$1/b.raucb"' \
			sh "$W/rauc" "$W/tree"
	fi
	measure dgst openssl dgst -sha256 "$W/one.bundle"
	measure verify ota-verify --quiet --keys "$W/k.pub" --device-class bench "$W/one.bundle"
	# Trees are only removed at the end: ext4 slows down creating inodes
	# where many were just deleted (recently_deleted()), which would tax
	# whichever side runs after a removal.
	mkdir "$W/peer-x$r"
	measure peer_install sh -c 'tar xf "$1" -C "$2" && cd "$2" &&
		sha256sum --quiet --strict -c SHA256SUMS && sync' sh "$W/peer.tar" "$W/peer-x$r"
	make_device "$W/dev$r"
	measure install ota-agent --root "$W/dev$r" install --quiet "$W/one.bundle"
	[ "$r" = 1 ] && delivery_setup
	delivery_measure "$r"
done
rm -rf "$W"/peer-x* "$W"/dev* "$W"/dl-*
[ "$ONLY" = delta ] || delivery_disk
delivery_stop
# create then sign, per run: the two steps' sum.
paste -d' ' <(awk '$1 == "create" { print $2 }' "$W/times") \
	<(awk '$1 == "sign" { print $2 }' "$W/times") |
	awk '$1 != "FAIL" && $2 != "FAIL" { print "create_then_sign", $1 + $2, 0 }' >>"$W/times"

# tree_added DEV: KiB that release 2.0.0's tree adds to 1.0.0's on device
# DEV: its blocks that 1.0.0 does not hold (du counts a hard-linked inode
# once, where it first meets it).  manifest_kb DEV: the manifest the
# agent keeps for 2.0.0 beside it (state_dir/manifests/).  By du, not by
# free blocks: the disk here is shared with other work.
tree_added() {
	du -sk "$1/opt/app/releases/1.0.0" "$1/opt/app/releases/2.0.0" | awk 'NR == 2 { print $1 }'
}
manifest_kb() { du -sk "$1/var/lib/ota/manifests/2.0.0.json" | cut -f1; }

say "delta: release 2.0.0 changes one small file"
[ -f "$W/one.bundle" ] || bundle "$W/tree" 1.0.0 "$W/one.bundle"
cp -al "$W/tree" "$W/tree2"
rm "$W/tree2/share/d050/f050.dat"
printf 'changed in 2.0.0\n' >"$W/tree2/share/d050/f050.dat"
changed_bytes=$(stat -c %s "$W/tree2/share/d050/f050.dat")
bundle "$W/tree2" 2.0.0 "$W/full2.bundle"
bundle "$W/tree2" 2.0.0 "$W/delta2.bundle" --base "$W/one.bundle"
full_bytes=$(stat -c %s "$W/full2.bundle")
delta_bytes=$(stat -c %s "$W/delta2.bundle")
for r in $(seq "$RUNS"); do
	# The full install on a device with nothing to share: every byte
	# written, the reference the delta is measured against.
	make_device "$W/dev-fresh$r"
	measure fresh_install ota-agent --root "$W/dev-fresh$r" install --quiet "$W/full2.bundle"
	for kind in delta full; do
		make_device "$W/dev-$kind$r"
		ota-agent --root "$W/dev-$kind$r" install --quiet "$W/one.bundle" >/dev/null ||
			say "installing the base failed"
		measure "${kind}_install" ota-agent --root "$W/dev-$kind$r" install --quiet \
			"$W/${kind}2.bundle"
		echo "${kind}_tree $(tree_added "$W/dev-$kind$r") 0 0" >>"$W/times"
		echo "${kind}_manifest $(manifest_kb "$W/dev-$kind$r") 0 0" >>"$W/times"
	done
done
rm -rf "$W"/dev-* "$W/tree2"
fi # the timed rows

# mem LABEL BUNDLE: peak RSS of ota-verify and of ota-agent install, once
# (BENCH_RUNS times for BENCH_ONLY=rss, which has the time for it).
mem() {
	local r
	for r in $(seq "$([ "$ONLY" = rss ] && echo "$RUNS" || echo 1)"); do
		measure "mv_$1" ota-verify --quiet --keys "$W/k.pub" --device-class bench "$2"
		make_device "$W/dev"
		measure "mi_$1" ota-agent --root "$W/dev" install --quiet "$2"
		rm -rf "$W/dev"
	done
}

big_why=""
if [ "$ONLY" != delta ]; then
say "memory: 100 and 100,000 files"
for n in 100 100000; do
	tiny_tree "$W/t$n" "$n"
	bundle "$W/t$n" 1.0.0 "$W/t$n.bundle"
	mem "files$n" "$W/t$n.bundle"
	manifest_kb[n]=$(($(ota-bundle manifest "$W/t$n.bundle" | wc -c) / 1024))
	rm -rf "$W/t$n" "$W/t$n.bundle"
done
say "memory: a 100 MB and a 4 GB bundle"
mkdir "$W/s100m"
random_bytes 9 104857600 >"$W/s100m/blob"
bundle "$W/s100m" 1.0.0 "$W/s100m.bundle"
mem size100m "$W/s100m.bundle"
rm -rf "$W/s100m" "$W/s100m.bundle"
if [ "$BIG" != 1 ]; then
	big_why="skipped (BENCH_BIG=0)"
elif [ "$(df -Pk "$W" | awk 'NR == 2 { print $4 }')" -lt $((12 * 1024 * 1024)) ]; then
	big_why="skipped: less than 12 GB free in $W"
else
	mkdir "$W/s4g"
	truncate -s 4G "$W/s4g/blob" # sparse in the tree; the bundle and the install are real
	bundle "$W/s4g" 1.0.0 "$W/s4g.bundle"
	mem size4g "$W/s4g.bundle"
	rm -rf "$W/s4g" "$W/s4g.bundle"
fi
fi # the memory rows

# ---- the report ----------------------------------------------------------

tar_cf=$(median tar_cf)
tar_cf_fsync=$(median tar_cf_fsync)
cs=$(median create_sign)
cts=$(median create_then_sign)
rauc=$(median tar_rauc)
dgst=$(median dgst)
verify=$(median verify)
peer=$(median peer_install)
install=$(median install)
r1=$(ratio "$cs" "$tar_cf")
r1b=$(ratio "$cts" "$tar_cf")
r1f=$(ratio "$cs" "$tar_cf_fsync")
r2=$(ratio "$rauc" "$cs")
r3=$(ratio "$verify" "$dgst")
r4=$(ratio "$install" "$peer")
rd=$(ratio "$(median delta_install)" "$(median fresh_install)")
rdc=$(ratio "$(median delta_install 4)" "$(median fresh_install 4)")
rdf=$(ratio "$(median delta_install)" "$(median full_install)")
rff=$(ratio "$(median full_install)" "$(median fresh_install)")
room_kb=$(( ${changed_bytes:-0} / 1024 + 1 + 1024 )) # changed bytes (KiB, rounded up) + 1 MiB

echo "## ota benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
machine
if [ "$ONLY" != rss ]; then
echo "- tree: $tree_mb MB in $tree_files files (4 binaries of 60-120 MiB, 10,000 files of 0-8 KiB in 100 dirs, 2 symlinks); page cache warm; medians of $RUNS runs (seconds)"
echo
echo "| measurement | ours | peer | ratio | goal | |"
echo "| --- | --- | --- | --- | --- | --- |"
if [ -z "$ONLY" ]; then
row "\`ota-bundle create --sign-key\` vs \`tar cf\`" "$cs" "$tar_cf" "${r1}x" "<= 1.1x" "$(met "$r1" "<=" 1.1)"
row "\`ota-bundle create --sign-key\` vs \`tar cf\` + \`sync FILE\` (the same durability)" "$cs" \
	"$tar_cf_fsync" "${r1f}x" "<= 1.1x" "$(met "$r1f" "<=" 1.1)"
row "\`ota-bundle create\` then \`ota-sign\` vs \`tar cf\`" "$cts" "$tar_cf" "${r1b}x" "(two steps)" "-"
rs=$(ratio "$(median sign)" "$(median create)")
row "\`ota-sign\` in place (a free slot) vs \`ota-bundle create\`" "$(median sign)" "$(median create)" \
	"$rs" "<= 0.05" "$(met "$rs" "<=" 0.05)"
if [ "$have_rauc" = 1 ]; then
	row "\`tar cf\` + \`rauc bundle\` vs \`ota-bundle create --sign-key\`" "$cs" "$rauc" \
		"${r2}x faster" ">= 3x faster" "$(met "$r2" ">=" 3)"
else
	row "\`tar cf\` + \`rauc bundle\`" "$cs" "-" "-" ">= 3x faster" "not run: $rauc_why"
fi
row "\`ota-verify\` vs \`openssl dgst -sha256\` of the bundle" "$verify" "$dgst" "${r3}x" "<= 1.5x" "$(met "$r3" "<=" 1.5)"
row "\`ota-agent install\` vs \`tar xf\` + \`sha256sum -c\` + \`sync\`" "$install" "$peer" "${r4}x" "<= 1.0x" "$(met "$r4" "<=" 1.0)"
delivery_rows
fi
row "delta, one small file changed: bytes shipped (delta vs full)" "$delta_bytes" "$full_bytes" \
	"$(awk -v a="$delta_bytes" -v b="$full_bytes" 'BEGIN { printf "%.2f%%", 100 * a / b }')" "-" "-"
row "delta install of a one-file change (base installed) vs full install (nothing to share)" \
	"$(median delta_install)" "$(median fresh_install)" "${rd}x" "<= 0.20x" "$(met "$rd" "<=" 0.20)"
row "the same in CPU seconds (user + system), which other work on the machine inflates least" \
	"$(median delta_install 4)" "$(median fresh_install 4)" "${rdc}x" "<= 0.20x" "$(met "$rdc" "<=" 0.20)"
row "full bundle of that release over its base (shared too) vs full install (nothing to share)" \
	"$(median full_install)" "$(median fresh_install)" "${rff}x" "-" "-"
row "delta vs full bundle, both over the base" "$(median delta_install)" "$(median full_install)" \
	"${rdf}x" "-" "-"
for kind in delta full; do
	k=$(median "${kind}_tree")
	row "disk added by the second of two releases differing in one file ($kind bundle): its tree, KiB (du) vs changed bytes + 1 MiB" \
		"$k" "$room_kb" "$(ratio "$k" "$room_kb")x" "<= 1.0x" "$(met "$(ratio "$k" "$room_kb")" "<=" 1.0)"
	k=$(awk -v a="$k" -v b="$(median "${kind}_manifest")" 'BEGIN { print a + b }')
	row "the same with the manifest the agent keeps for it (state_dir/manifests/), KiB" \
		"$k" "$room_kb" "$(ratio "$k" "$room_kb")x" "<= 1.0x" "$(met "$(ratio "$k" "$room_kb")" "<=" 1.0)"
done
else
echo "- BENCH_ONLY=rss: the memory rows alone, medians of $RUNS runs"
fi
if [ "$ONLY" != delta ]; then
echo
echo "Peak memory (maximum RSS; goal: at most 16 MiB, and flat):"
echo
echo "| tool | 100 files | 100,000 files | 100 MB bundle | 4 GB bundle |"
echo "| --- | --- | --- | --- | --- |"
for t in mv:ota-verify mi:"ota-agent install"; do
	p=${t%%:*}
	printf '| `%s` | %s | %s | %s | %s |\n' "${t#*:}" "$(mib "$(median "${p}_files100" 3)")" \
		"$(mib "$(median "${p}_files100000" 3)")" "$(mib "$(median "${p}_size100m" 3)")" \
		"$(if [ -n "$big_why" ]; then echo "$big_why"; else mib "$(median "${p}_size4g" 3)"; fi)"
done
echo
echo "Manifest sizes: 100 files ${manifest_kb[100]} KiB, 100,000 files ${manifest_kb[100000]} KiB (over 1 MiB a manifest is kept in an unlinked file, in TMPDIR for ota-verify and in the state dir for the agent, and read mapped: page cache, not the heap)."
fi
echo
echo "Every sample (seconds; \`*_tree\` and \`*_manifest\`: KiB added to the disk; \`cpu:\` user + system seconds):"
echo
for l in tar_cf tar_cf_fsync create_sign create sign create_then_sign tar_rauc dgst verify peer_install install import poll fresh_install delta_install full_install delta_tree full_tree delta_manifest full_manifest; do
	[ -n "$(samples "$l")" ] && echo "- $l: $(samples "$l")"
done
for l in fresh_install delta_install full_install; do
	[ -n "$(samples "$l")" ] && echo "- cpu: $l: $(awk -v l="$l" '$1 == l { printf "%s ", $4 }' "$W/times")"
done
for l in mv_files100 mv_files100000 mi_files100 mi_files100000; do
	[ -n "$(samples "$l")" ] && echo "- $l (max RSS, KB): $(awk -v l="$l" '$1 == l { printf "%s ", $3 }' "$W/times")"
done
echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
