# SPDX-License-Identifier: Apache-2.0
"""device.py - what the system scenarios share: the per-run image (the cached
Debian root plus `make install DESTDIR=...`, the test config, the keys),
signed releases built on the host with the build-side tools, and the
checks of a device (the invariants of tests/tools/check_release.py, the
state, the history chain, app.service serving).  Standard library only.
"""
import json
import os
import shutil
import subprocess
import time

from vm import GuestError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CHECK_RELEASE = os.path.join(REPO, "tests", "tools", "check_release.py")
BINDIR = "/usr/local/bin"
AGENT = BINDIR + "/ota-agent"
UNITS = ["ota-recover.service", "app.service", "ota-agent.service",
         "app-rollback.service", "ota-usb-import@*.service"]

# The device's config: the example's, with health bounds a TCG guest
# meets in seconds and the daemon watching a directory (the stand-in for
# a mounted medium that scenario 2 fills).  The interval stays at 2 s:
# it is also the time one check may take (at least 1 s), and on a loaded
# TCG guest `systemctl show` can take longer than 1 s.
AGENT_YAML = """\
device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
threshold: 1
keep_releases: 3
service:
  restart: "systemctl reset-failed app.service; systemctl restart app.service"
  restart_count: "systemctl show -p NRestarts --value app.service"
health:
  timeout: 15
  interval: 2
  stable: 2
  tcp_port: 8080
  http_url: http://127.0.0.1:8080/health
  command: "/opt/app/current/bin/selftest"
watch:
  usb: /media/ota
  interval: 5
history:
  max_kb: 16
  keep: 4
"""


def sh(argv, **kw):
    """Run a host command; raise with its output if it fails."""
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s exited %d: %s%s" % (" ".join(argv), r.returncode,
                                                    r.stdout, r.stderr))
    return r.stdout


class Releases:
    """Signed bundles of the example gateway, built on the host."""

    def __init__(self, work, bindir, exbin):
        self.dir = os.path.join(work, "bundles")
        os.makedirs(self.dir, exist_ok=True)
        self.bindir, self.exbin = bindir, exbin
        self.key = os.path.join(work, "k")
        sh([os.path.join(bindir, "ota-keytool"), "generate", "--no-passphrase",
            "--out", self.key])

    def make(self, version, mode="good", index=1, target="edge-gw-v2",
             files=0, file_kb=16, hook=None, name=None):
        """The path of a signed bundle of release `version`."""
        name = name or "app-%s-%s" % (version, mode)
        tree = os.path.join(self.dir, "tree-" + name)
        out = os.path.join(self.dir, name + ".bundle")
        if os.path.exists(out):
            return out
        shutil.rmtree(tree, ignore_errors=True)
        sh([os.path.join(REPO, "examples", "make-release.sh"), version, mode, tree,
            os.path.join(self.exbin, "gateway")])
        for i in range(files):
            d = os.path.join(tree, "share", "data", "d%02d" % (i // 50))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "f%03d" % i), "wb") as f:
                f.write(os.urandom(file_kb * 1024))
        if hook:
            hook(tree)
        sh([os.path.join(self.bindir, "ota-bundle"), "create", "--tree", tree,
            "--version", version, "--target", target, "--rollback-index", str(index),
            "--out", out], env=dict(os.environ, SOURCE_DATE_EPOCH="1700000000"))
        sh([os.path.join(self.bindir, "ota-sign"), "--key", self.key + ".key", out])
        shutil.rmtree(tree)
        return out


# The factory's config: the agent installs the first release into the
# image on the build host, where there is no app.service to restart.
FACTORY_YAML = """\
device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
service:
  restart: "true"
  restart_count: "echo 0"
health:
  timeout: 5
  interval: 0.1
  stable: 0.1
  command: "true"
"""


def provision(bindir, root, bundle):
    """Install bundle into the device tree root with the host-built agent
    (ota-agent --root), as a factory would: the device is never empty."""
    cfg = root + ".factory.yaml"
    with open(cfg, "w") as f:
        f.write(FACTORY_YAML)
    sh([os.path.join(bindir, "ota-agent"), "--root", root, "--config", cfg, "install",
        "--quiet", bundle])
    os.unlink(cfg)


def new_file(path, data):
    """Write a file into the hard-linked copy of the cached root: a new
    inode, never through a link into the cache."""
    if os.path.lexists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.write(data)


def build_root_image(work, rootfs, releases, ssh_pub, factory, size="2G"):
    """work/root.img: the cached Debian root, hard-linked (never written
    through: only new files are added), plus the project's own install,
    the test config, the release key, root's ssh key, the units enabled
    as a device's image would have them, and the factory release."""
    root = os.path.join(work, "root")
    shutil.rmtree(root, ignore_errors=True)
    sh(["cp", "-al", rootfs, root])
    sh(["make", "-C", REPO, "--no-print-directory", "-s", "install", "DESTDIR=" + root,
        "PREFIX=/usr/local"])
    new_file(os.path.join(root, "etc/ota/agent.yaml"), AGENT_YAML.encode())
    with open(releases.key + ".pub", "rb") as f:
        new_file(os.path.join(root, "etc/ota/keys/release.pub"), f.read())
    os.makedirs(os.path.join(root, "root/.ssh"), mode=0o700, exist_ok=True)
    with open(ssh_pub, "rb") as f:
        new_file(os.path.join(root, "root/.ssh/authorized_keys"), f.read())
    wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants")
    os.makedirs(wants, exist_ok=True)
    for unit in ("ota-recover.service", "ota-agent.service", "app.service"):
        os.symlink("/usr/local/lib/systemd/system/" + unit, os.path.join(wants, unit))
    os.makedirs(os.path.join(root, "media/ota"), exist_ok=True)
    os.makedirs(os.path.join(root, "var/tmp/bundles"), exist_ok=True)
    provision(releases.bindir, root, factory)
    img = os.path.join(work, "root.img")
    sh(["mkfs.ext4", "-q", "-F", "-L", "root", "-d", root, img, size])
    shutil.rmtree(root)
    return img


class Device:
    """The booted guest seen as an OTA device."""

    def __init__(self, vm, work):
        self.vm = vm
        self.work = work
        self.n = 0

    def agent(self, args, check=False, timeout=300, env=""):
        return self.vm.ssh("%s %s %s" % (env, AGENT, args), check=check, timeout=timeout)

    def status(self):
        return json.loads(self.agent("status --json", check=True).stdout)

    def current(self):
        return self.status().get("current")

    def history(self):
        return json.loads(self.agent("history --json", check=True).stdout)

    def push(self, bundle):
        """Copy a host bundle into the guest; its guest path."""
        remote = "/var/tmp/bundles/" + os.path.basename(bundle)
        self.vm.put(bundle, remote)
        return remote

    def unit(self, unit, *props):
        out = self.vm.out("systemctl show %s -p %s" % (unit, ",".join(props)))
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def http(self, path, port=8080):
        """GET http://127.0.0.1:port/path in the guest (bash's /dev/tcp)."""
        r = self.vm.ssh("exec 3<>/dev/tcp/127.0.0.1/%d && printf 'GET %s HTTP/1.0\\r\\n"
                        "Host: 127.0.0.1\\r\\n\\r\\n' >&3 && timeout 5 cat <&3" % (port, path),
                        check=False, timeout=30)
        if r.returncode != 0 or not r.stdout.startswith("HTTP/1."):
            return None, ""
        # (text mode: the \r\n of the answer arrive as \n)
        head, _, body = r.stdout.replace("\r\n", "\n").partition("\n\n")
        return int(head.split()[1]), body

    def wait(self, what, pred, timeout, step=1.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = pred()
                if last:
                    return last
            except (GuestError, OSError, ValueError, KeyError) as e:
                last = e
            time.sleep(step)
        raise AssertionError("timed out after %d s waiting for %s (last: %r)"
                             % (timeout, what, last))

    def serving(self, version, timeout=60):
        """app.service active, /health 200 and /version == version."""
        def ok():
            if self.vm.out("systemctl is-active app.service", check=False) != "active":
                return False
            st, _ = self.http("/health")
            if st != 200:
                return False
            st, body = self.http("/version")
            return st == 200 and body.strip() == version
        self.wait("app.service serving %s" % version, ok, timeout)

    def check(self, versions=None, serving=True):
        """The invariants after any run: state IDLE, history --verify,
        check_release.py on a copy of /opt/app and /var/lib/ota, current
        one of `versions` and also the last good, the app serving it.
        Returns the current version."""
        st = self.status()
        if st.get("state") != "IDLE":
            raise AssertionError("state is %s, not IDLE" % st.get("state"))
        r = self.agent("history --verify")
        if r.returncode != 0:
            raise AssertionError("history --verify exited %d: %s%s"
                                 % (r.returncode, r.stdout, r.stderr))
        self.n += 1
        copy = os.path.join(self.work, "check-%d" % self.n)
        self.vm.get_tree(["opt/app", "var/lib/ota"], copy)
        r = subprocess.run(["python3", CHECK_RELEASE, copy], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError("check_release.py: " + r.stdout.strip().replace("\n", "; "))
        shutil.rmtree(copy)
        cur = st.get("current")
        if versions is not None and cur not in versions:
            raise AssertionError("current is %s, expected one of %s" % (cur, versions))
        if cur and st.get("last_good") != cur:
            raise AssertionError("current %s is not the last good (%s)"
                                 % (cur, st.get("last_good")))
        if serving and cur:
            self.serving(cur)
        return cur

    def journal(self, units=UNITS, lines=60):
        args = " ".join("-u '%s'" % u for u in units)
        return self.vm.out("journalctl -b --no-pager -o short-monotonic %s | tail -n %d"
                           % (args, lines), check=False, timeout=60)
