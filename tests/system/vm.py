# SPDX-License-Identifier: Apache-2.0
"""vm.py - the test device: one QEMU process (TCG, user-mode network
forwarded to 127.0.0.1 only), driven over ssh with a key made per run, and
its QMP monitor for USB hot-plug and power.

The root disk is a raw image opened with cache=none (O_DIRECT on the host:
QEMU keeps no copy of a guest write in the host's page cache, and the
guest is told its disk has a volatile write cache, so it sends the
flushes and FUA writes a real disk gets).  A SIGKILL of QEMU is a power
cut: whatever the guest had not written out is lost with its RAM.
Standard library only.
"""
import json
import os
import signal
import socket
import subprocess
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class GuestError(Exception):
    pass


class VM:
    """One device.  disks: [(path, id)] virtio disks, the first the root."""

    def __init__(self, work, kernel, initrd, disks, key):
        self.work = work
        self.kernel, self.initrd = kernel, initrd
        self.disks = disks
        self.key = key
        self.ssh_port = free_port()
        self.dash_port = free_port()
        self.proc = None
        self.qmp_sock = None
        self.qmp_buf = b""
        self.boots = 0
        self.usb_n = 0

    # -- power ---------------------------------------------------------
    def start(self):
        self.boots += 1
        self.console = os.path.join(self.work, "console-%d.log" % self.boots)
        qmp_path = os.path.join(self.work, "qmp.sock")
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
        cmd = [
            "qemu-system-x86_64", "-accel", "tcg", "-machine", "q35",
            "-cpu", "max", "-smp", "2", "-m", "1024",
            "-nodefaults", "-display", "none", "-no-reboot",
            "-serial", "file:" + self.console,
            "-qmp", "unix:%s,server=on,wait=off" % qmp_path,
            "-kernel", self.kernel, "-initrd", self.initrd,
            "-append", "root=/dev/vda rw console=ttyS0 quiet loglevel=4 "
                       "systemd.show_status=0 net.ifnames=0 panic=-1 mitigations=off modprobe.blacklist=kvm,kvm_amd,kvm_intel",
            "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22,"
                       "hostfwd=tcp:127.0.0.1:%d-:8480" % (self.ssh_port, self.dash_port),
            "-device", "virtio-net-pci,netdev=n0",
            "-device", "qemu-xhci,id=xhci",
        ]
        for path, ident in self.disks:
            cmd += ["-drive", "file=%s,format=raw,if=none,id=%s,cache=none,aio=threads"
                    % (path, ident),
                    "-device", "virtio-blk-pci,drive=%s,serial=%s" % (ident, ident)]
        log = open(os.path.join(self.work, "qemu.log"), "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log, start_new_session=True)
        log.close()
        self.t_start = time.monotonic()
        for _ in range(100):
            if os.path.exists(qmp_path):
                break
            if self.proc.poll() is not None:
                raise GuestError("qemu exited %d at start (see %s/qemu.log)"
                                 % (self.proc.returncode, self.work))
            time.sleep(0.1)
        self.qmp_sock = socket.socket(socket.AF_UNIX)
        self.qmp_sock.connect(qmp_path)
        self.qmp_buf = b""
        self._qmp_read()  # greeting
        self.qmp("qmp_capabilities")

    def kill(self):
        """Power cut: SIGKILL, nothing flushed by anyone."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None
        if self.qmp_sock:
            self.qmp_sock.close()
            self.qmp_sock = None

    def shutdown(self, timeout=90):
        """A clean power-off (systemctl poweroff), SIGKILL past timeout."""
        if not self.proc:
            return
        try:
            self.ssh("systemctl poweroff", timeout=15, check=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def wait_up(self, timeout=300):
        """Until ssh answers and systemd has finished booting; seconds taken."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GuestError("qemu exited %d while booting (console: %s)"
                                 % (self.proc.returncode, self.console))
            r = self.ssh("systemctl is-system-running --wait", check=False, timeout=60,
                         connect_timeout=5)
            if r.returncode != 255:
                return time.monotonic() - self.t_start
            time.sleep(1)
        raise GuestError("no ssh after %d s (console: %s)" % (timeout, self.console))

    # -- ssh -----------------------------------------------------------
    def ssh_argv(self, connect_timeout=10):
        return ["ssh", "-p", str(self.ssh_port), "-i", self.key,
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "ConnectTimeout=%d" % connect_timeout,
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=6",
                "-o", "ControlMaster=auto", "-o", "ControlPersist=600",
                "-o", "ControlPath=%s/ssh-%d.ctl" % (self.work, self.boots),
                "root@127.0.0.1"]

    def ssh(self, command, check=True, timeout=120, input=None, connect_timeout=10):
        """Run command (a shell line) in the guest; CompletedProcess, text."""
        try:
            r = subprocess.run(self.ssh_argv(connect_timeout) + [command], input=input,
                               capture_output=True, timeout=timeout,
                               text=not isinstance(input, bytes))
        except subprocess.TimeoutExpired:
            raise GuestError("guest command timed out after %d s: %s" % (timeout, command))
        if isinstance(input, bytes):
            r.stdout = r.stdout.decode("utf-8", "replace")
            r.stderr = r.stderr.decode("utf-8", "replace")
        if check and r.returncode != 0:
            raise GuestError("guest: `%s` exited %d: %s%s" %
                             (command, r.returncode, r.stdout, r.stderr))
        return r

    def out(self, command, **kw):
        return self.ssh(command, **kw).stdout.strip()

    def put(self, local, remote):
        with open(local, "rb") as f:
            self.ssh("cat > '%s'" % remote, input=f.read())

    def get_tree(self, paths, dest):
        """Copy guest paths (relative to /) into the host dir dest, as tar."""
        os.makedirs(dest, exist_ok=True)
        argv = self.ssh_argv() + ["tar -C / -cf - %s" % " ".join(paths)]
        p1 = subprocess.Popen(argv, stdout=subprocess.PIPE)
        r = subprocess.run(["tar", "-C", dest, "-xf", "-"], stdin=p1.stdout,
                           capture_output=True)
        p1.wait()
        if p1.returncode or r.returncode:
            raise GuestError("copying %s from the guest failed: %s" % (paths, r.stderr))

    # -- QMP -----------------------------------------------------------
    def _qmp_read(self):
        while b"\n" not in self.qmp_buf:
            chunk = self.qmp_sock.recv(65536)
            if not chunk:
                raise GuestError("QMP connection closed")
            self.qmp_buf += chunk
        line, self.qmp_buf = self.qmp_buf.split(b"\n", 1)
        return json.loads(line)

    def qmp(self, execute, **arguments):
        msg = {"execute": execute}
        if arguments:
            msg["arguments"] = arguments
        self.qmp_sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._qmp_read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise GuestError("QMP %s: %s" % (execute, r["error"]))

    def hmp(self, line):
        return self.qmp("human-monitor-command", **{"command-line": line})

    def usb_plug(self, image):
        """Plug image in as a USB stick (raw, cache=none); returns its id."""
        self.usb_n += 1
        ident = "stick%d" % self.usb_n
        out = self.hmp("drive_add 0 if=none,id=%s,file=%s,format=raw,cache=none"
                       % (ident, image))
        if "OK" not in out:
            raise GuestError("drive_add: %s" % out)
        self.qmp("device_add", driver="usb-storage", bus="xhci.0", drive=ident,
                 id="dev" + ident, removable=True)
        return ident

    def usb_pull(self, ident, wait=True):
        self.qmp("device_del", id="dev" + ident)
        if not wait:
            return
        for _ in range(100):
            devs = self.qmp("query-block")
            if not any(d.get("device") == ident for d in devs):
                return
            time.sleep(0.1)
