# SPDX-License-Identifier: Apache-2.0
"""replay.py - scenario 8: every flush point of one install, replayed.

The guest records one `ota-agent --root /mnt/dev install` on a data disk
through the kernel's dm-log-writes target (every write, in the order it
completed, with its FLUSH/FUA flags, onto a log disk).  The host then
rebuilds the data disk as it stood at each FLUSH or FUA point: what a
disk that keeps only what it was told to make durable holds after a
power cut there.  Each state is loop-mounted (ext4 replays its journal),
`ota-agent --root MNT recover --boot` (the host build) runs on it, and
the invariants must hold: check_release.py, state IDLE, `history
--verify`, current the old release or the new one.

The log format, written from Documentation/admin-guide/device-mapper/
log-writes.rst and drivers/md/dm-log-writes.c: block 0 is the super
(le64 magic 0x6a736677736872, le64 version 1, le64 nr_entries, le32
sectorsize); entries follow from block 1, each one block of header
(le64 sector, le64 nr_sectors, le64 flags, le64 data_len; a MARK's text
after it) and then, unless it is a DISCARD, nr_sectors blocks of data.
Sectors and blocks are in units of sectorsize.
"""
import os
import shutil
import struct
import subprocess
import tempfile

from device import CHECK_RELEASE, sh

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK = 1, 2, 4, 8
DATA_MB = 64
LOG_MB = 512

DATA_YAML = """\
device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
keep_releases: 2
service:
  restart: "true"
  restart_count: "echo 0"
health:
  timeout: 10
  interval: 0.1
  stable: 0.2
  command: "true"
history:
  max_kb: 16
"""


def read_log(path):
    """(sectorsize, [(sector, nr_sectors, flags, data offset or mark text)])."""
    with open(path, "rb") as f:
        magic, version, n, ss = struct.unpack("<QQQI", f.read(28))
        if magic != MAGIC or version != 1:
            raise AssertionError("log: bad super (magic %#x, version %d)" % (magic, version))
        entries, pos = [], 1
        for _ in range(n):
            f.seek(pos * ss)
            head = f.read(ss)
            sector, nr, flags, dlen = struct.unpack("<QQQQ", head[:32])
            if flags & MARK:
                entries.append((sector, 0, flags, head[32:32 + dlen].decode(errors="replace")))
                pos += 1
                continue
            entries.append((sector, nr, flags, (pos + 1) * ss))
            pos += 1 + (0 if flags & DISCARD else nr)
    return ss, entries


def apply(log, img, ss, entry):
    sector, nr, flags, where = entry
    if flags & MARK or nr == 0:
        return False
    img.seek(sector * ss)
    if flags & DISCARD:
        img.write(b"\0" * (nr * ss))
    else:
        log.seek(where)
        img.write(log.read(nr * ss))
    return True


class Recording:
    def __init__(self, work, rel):
        self.work, self.rel = work, rel
        self.data = os.path.join(work, "data.img")
        self.base = os.path.join(work, "data.base.img")
        self.log = os.path.join(work, "log.img")

    def disks(self):
        """The data disk, provisioned on the host with 1.0.0 and 1.1.0 by
        the host-built agent, and an empty log disk."""
        tree = os.path.join(self.work, "data-root")
        os.makedirs(os.path.join(tree, "etc/ota/keys"))
        os.makedirs(os.path.join(tree, "opt"))
        os.makedirs(os.path.join(tree, "var/lib"))
        with open(os.path.join(tree, "etc/ota/agent.yaml"), "w") as f:
            f.write(DATA_YAML)
        shutil.copy(self.rel.key + ".pub", os.path.join(tree, "etc/ota/keys/release.pub"))
        cfg = os.path.join(tree, "etc/ota/agent.yaml")
        for v in ("1.0.0", "1.1.0"):
            sh([os.path.join(self.rel.bindir, "ota-agent"), "--root", tree, "--config", cfg,
                "install", "--quiet", self.rel.make(v)])
        sh(["mkfs.ext4", "-q", "-F", "-L", "data", "-d", tree, self.data, "%dM" % DATA_MB])
        shutil.rmtree(tree)
        sh(["cp", "--sparse=always", self.data, self.base])
        sh(["truncate", "-s", "%dM" % LOG_MB, self.log])
        return [(self.data, "data"), (self.log, "log")]

    def record(self, ctx):
        d = ctx.dev
        b = d.push(ctx.rel.make("2.0.0", index=2, files=60, file_kb=8, name="data-2.0.0"))
        d.vm.ssh(RECORD % {"bundle": b}, timeout=600)

    def check_point(self, img, mnt):
        """recover --boot on the image at mnt, then the invariants; the
        current version."""
        agent = os.path.join(self.rel.bindir, "ota-agent")
        sh(["mount", "-o", "loop", img, mnt])
        try:
            r = subprocess.run([agent, "--root", mnt, "recover", "--boot"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise AssertionError("recover --boot exited %d: %s"
                                     % (r.returncode, r.stderr.strip()))
            r = subprocess.run(["python3", CHECK_RELEASE, mnt], capture_output=True, text=True)
            if r.returncode != 0:
                raise AssertionError("check_release.py: " + r.stdout.strip().replace("\n", "; "))
            r = subprocess.run([agent, "--root", mnt, "history", "--verify"],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise AssertionError("history --verify exited %d: %s"
                                     % (r.returncode, r.stdout + r.stderr))
            cur = os.path.basename(os.readlink(os.path.join(mnt, "opt/app/current")))
            if cur not in ("1.1.0", "2.0.0"):
                raise AssertionError("current is %s" % cur)
            return cur
        finally:
            subprocess.run(["umount", mnt])


RECORD = r"""
set -e
modprobe dm_log_writes
D=/dev/disk/by-id/virtio-data L=/dev/disk/by-id/virtio-log
dmsetup create otalw --table "0 $(blockdev --getsz $D) log-writes $D $L"
mkdir -p /mnt/dev
mount /dev/mapper/otalw /mnt/dev
dmsetup message otalw 0 mark mounted
/usr/local/bin/ota-agent --root /mnt/dev install --quiet %(bundle)s
dmsetup message otalw 0 mark installed
umount /mnt/dev
dmsetup remove otalw
blockdev --flushbufs $D $L
"""


def s8_replay(ctx):
    rec = ctx.replay
    ctx.units = ["ota-agent.service"]
    rec.record(ctx)
    ss, entries = read_log(rec.log)
    tmp = tempfile.mkdtemp(dir=ctx.work)
    work_img = os.path.join(tmp, "replay.img")
    snap = os.path.join(tmp, "point.img")
    mnt = os.path.join(tmp, "mnt")
    os.makedirs(mnt)
    sh(["cp", "--sparse=always", rec.base, work_img])
    points = ok = distinct = 0
    seen = {}
    failures = []
    dirty = True
    last = None
    with open(rec.log, "rb") as log, open(work_img, "r+b") as img:
        for i, e in enumerate(entries):
            dirty |= apply(log, img, ss, e)
            if not e[2] & (FLUSH | FUA):
                continue
            points += 1
            if dirty:
                img.flush()
                sh(["cp", "--sparse=always", work_img, snap])
                distinct += 1
                try:
                    cur = rec.check_point(snap, mnt)
                    seen[cur] = seen.get(cur, 0) + 1
                    last = None
                except AssertionError as err:
                    last = "entry %d: %s" % (i, err)
                    failures.append(last)
                dirty = False
            if last is None:
                ok += 1
        img.flush()
    # The replayer itself: the whole log over the base gives the disk the
    # guest left.
    same = subprocess.run(["cmp", "-s", work_img, rec.data]).returncode == 0
    shutil.rmtree(tmp)
    ctx.say("flush points: %d/%d recover" % (ok, points))
    ctx.say("# %d log entries, %d flush points (%d distinct states checked); after recover: %s"
            % (len(entries), points, distinct,
               ", ".join("%s %d" % kv for kv in sorted(seen.items()))))
    if not same:
        raise AssertionError("the replayed log does not give the recorded disk")
    if points == 0 or not seen.get("2.0.0") or not seen.get("1.1.0"):
        raise AssertionError("the log does not span the install (%s)" % seen)
    if failures:
        raise AssertionError("; ".join(failures[:3]))

