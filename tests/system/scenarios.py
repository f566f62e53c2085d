# SPDX-License-Identifier: Apache-2.0
"""scenarios.py - the numbered scenarios of issue 13 on one booted device
(tests/README.md, "System tests").  Each is a function of the Context;
an AssertionError or GuestError is its failure.  They run in order on
one VM and build on each other's releases (the versions only go up).
"""
import hashlib
import json
import os
import subprocess
import time
import urllib.request

import cuts
import replay
from device import sh

USB_UNITS = ["ota-usb-import@*.service"]


class Context:
    def __init__(self, work, rel):
        self.work = work
        self.rel = rel
        self.vm = self.dev = None
        self.cuts = cuts.DEFAULT_CUTS
        self.summary = []
        self.units = None  # the units whose journal a failure shows
        self.replay = replay.Recording(work, rel)

    def factory_bundle(self):
        return self.rel.make("1.0.0")

    def extra_disks(self):
        return self.replay.disks()

    def say(self, line):
        self.summary.append(line)


def diagnose(ctx):
    vm, dev = ctx.vm, ctx.dev
    if not vm.proc:
        print("# the VM is down; console: %s" % vm.console)
        return
    try:
        print("# journalctl -u %s:" % " -u ".join(ctx.units or []))
        for line in dev.journal(ctx.units or None).splitlines():
            print("#   " + line)
        r = dev.agent("status")
        print("# ota-agent status:")
        for line in (r.stdout + r.stderr).splitlines():
            print("#   " + line)
    except Exception as e:  # the diagnosis must not hide the failure
        print("# no diagnosis from the guest: %s" % e)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def cursor(dev):
    out = dev.vm.out("journalctl -n 0 --show-cursor -q", check=False)
    return out.split("cursor: ", 1)[1].strip() if "cursor: " in out else ""


def journal_since(dev, cur, units):
    args = " ".join("-u '%s'" % u for u in units)
    where = "--after-cursor='%s'" % cur if cur else "-b"
    return dev.vm.out("journalctl --no-pager -o cat %s %s" % (where, args), check=False)


def history_has(dev, to, version):
    return any(r.get("to") == to and r.get("version") == version for r in dev.history())


# 1 -------------------------------------------------------------------
def s1_boot_order(ctx):
    d = ctx.dev
    ctx.units = ["ota-recover.service", "app.service", "ota-agent.service"]
    rec = d.unit("ota-recover.service", "ActiveState", "Result",
                 "ExecMainExitTimestampMonotonic")
    app = d.unit("app.service", "ActiveState", "ExecMainStartTimestampMonotonic")
    ag = d.unit("ota-agent.service", "Type", "ActiveState", "WatchdogUSec",
                "ExecMainStartTimestampMonotonic", "WatchdogTimestampMonotonic")
    expect(rec["ActiveState"] == "active" and rec["Result"] == "success",
           "ota-recover.service: %s" % rec)
    done = int(rec["ExecMainExitTimestampMonotonic"])
    expect(done > 0, "ota-recover.service never finished")
    expect(int(app["ExecMainStartTimestampMonotonic"]) > done,
           "app.service started at %s, before ota-recover.service finished at %d"
           % (app["ExecMainStartTimestampMonotonic"], done))
    expect(int(ag["ExecMainStartTimestampMonotonic"]) > done,
           "ota-agent.service started before ota-recover.service finished")
    expect(ag["Type"] == "notify", "ota-agent.service Type=%s" % ag["Type"])
    expect(ag["ActiveState"] == "active", "ota-agent.service is %s" % ag["ActiveState"])
    expect(ag["WatchdogUSec"] in ("1min", "60s", "60000000"),
           "ota-agent.service WatchdogUSec=%s" % ag["WatchdogUSec"])
    d.serving("1.0.0")
    # Active only after READY=1: the daemon prints "watching" just before
    # it sends READY=1, and systemd says "Started" once it has it.
    lines = d.vm.out("journalctl -b --no-pager -o cat -u ota-agent.service").splitlines()
    watching = [i for i, l in enumerate(lines) if l.startswith("watching")]
    started = [i for i, l in enumerate(lines) if l.startswith("Started ")]
    expect(watching and started and watching[0] < started[0],
           "no 'watching' (READY=1) before systemd's 'Started': %s" % lines[:8])
    # The watchdog is armed and fed: its timestamp moves with each
    # WATCHDOG=1 (every half of WatchdogSec).
    w0 = int(ag["WatchdogTimestampMonotonic"])
    d.wait("a WATCHDOG=1 from ota-agent.service",
           lambda: int(d.unit("ota-agent.service", "WatchdogTimestampMonotonic")
                       ["WatchdogTimestampMonotonic"]) > w0, 45)
    ctx.say("# boot: ota-recover done at %.1f s, app.service started at %.1f s, "
            "ota-agent.service ready with WatchdogUSec=%s" %
            (done / 1e6, int(app["ExecMainStartTimestampMonotonic"]) / 1e6,
             ag["WatchdogUSec"]))


# 2 -------------------------------------------------------------------
def s2_install(ctx):
    d, vm = ctx.dev, ctx.vm
    ctx.units = ["ota-agent.service", "app.service"]
    b = d.push(ctx.rel.make("1.1.0"))
    t_app = d.unit("app.service", "ExecMainStartTimestampMonotonic")
    # The daemon finds it in watch.usb (/media/ota) on its next pass.
    vm.ssh("mv %s /media/ota/" % b)
    d.wait("ota-agent.service to install 1.1.0",
           lambda: d.status().get("current") == "1.1.0" and d.status()["state"] == "IDLE",
           180)
    vm.ssh("rm -f /media/ota/*")
    d.check(["1.1.0"])
    t2 = d.unit("app.service", "ExecMainStartTimestampMonotonic")
    expect(t2 != t_app, "app.service was not restarted")
    expect(history_has(d, "PROMOTED", "1.1.0"), "no PROMOTED record for 1.1.0")
    log = vm.out("journalctl -b --no-pager -o cat -u ota-agent.service")
    expect("1.1.0" in log, "ota-agent.service's journal does not name 1.1.0")
    vm.ssh("systemd-run --unit=ota-dashboard %s dashboard --listen 0.0.0.0:8480 "
           "--allow-remote" % "/usr/local/bin/ota-agent")
    try:
        base = "http://127.0.0.1:%d" % vm.dash_port
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        def get(path):
            with direct.open(base + path, timeout=10) as r:
                return r.read().decode()
        st = d.wait("the dashboard through the port forward",
                    lambda: json.loads(get("/api/status.json")), 30)
        expect(st.get("current") == "1.1.0", "dashboard status: %s" % st)
        page = get("/")
        expect("1.1.0" in page and "PROMOTED" in page.upper(),
               "the dashboard page does not show 1.1.0 promoted")
        hist = json.loads(get("/api/history.json"))
        expect(any(r.get("version") == "1.1.0" and r.get("to") == "PROMOTED" for r in hist),
               "the dashboard's history has no PROMOTED 1.1.0")
    finally:
        vm.ssh("systemctl stop ota-dashboard", check=False)


# 3 -------------------------------------------------------------------
def s3_broken(ctx):
    d, vm = ctx.dev, ctx.vm
    ctx.units = ["ota-agent.service", "app.service", "app-rollback.service"]
    b = d.push(ctx.rel.make("1.2.0", "unhealthy"))
    # A hand-run install holds the run lock; ota-agent.service restarted
    # meanwhile must still come up: its ExecStartPre `ota-agent recover`
    # leaves a live run alone and exits 0.
    vm.ssh("systemd-run --quiet --unit=ota-hand-1 %s install --quiet %s"
           % ("/usr/local/bin/ota-agent", b))
    d.wait("the hand-run install to be under way",
           lambda: d.status()["state"] not in ("IDLE", "VERIFYING"), 60, step=0.3)
    r = vm.ssh("systemctl restart ota-agent.service", check=False, timeout=120)
    active = vm.out("systemctl is-active ota-agent.service", check=False)
    d.wait("the hand-run install of 1.2.0 to end",
           lambda: vm.out("systemctl show -p ActiveState --value ota-hand-1", check=False)
           in ("inactive", "failed"), 120)
    st = vm.out("systemctl show -p ExecMainStatus --value ota-hand-1", check=False)
    expect(st == "15", "unhealthy 1.2.0: install exited %s" % st)
    d.check(["1.1.0"])
    expect(r.returncode == 0 and active == "active",
           "ota-agent.service restarted during a hand-run install: `systemctl restart` "
           "exited %d, the unit is %s" % (r.returncode, active))
    expect(history_has(d, "ROLLING_BACK", "1.2.0"), "no ROLLING_BACK record for 1.2.0")
    b = d.push(ctx.rel.make("1.3.0", "crash"))
    r = d.agent("install --quiet " + b)
    expect(r.returncode == 15, "crashing 1.3.0: install exited %d: %s"
           % (r.returncode, r.stderr))
    # The agent rolled back; app-rollback.service may have fired too
    # (3 failed starts within 60 s): either way the device ends on 1.1.0.
    time.sleep(3)
    d.wait("app-rollback.service idle",
           lambda: vm.out("systemctl is-active app-rollback.service", check=False)
           in ("inactive", "failed"), 60)
    d.check(["1.1.0"])
    expect(history_has(d, "ROLLING_BACK", "1.3.0"), "no ROLLING_BACK record for 1.3.0")
    fired = d.unit("app-rollback.service", "ExecMainStartTimestampMonotonic")
    res = d.unit("app-rollback.service", "Result")["Result"]
    expect(res == "success", "app-rollback.service: Result=%s" % res)
    ctx.say("# broken: unhealthy 1.2.0 and crash-looping 1.3.0 rolled back to 1.1.0; "
            "app-rollback.service %s" %
            ("ran too" if fired["ExecMainStartTimestampMonotonic"] != "0"
             else "not needed (the agent acted first)"))


# 4 -------------------------------------------------------------------
CRASH_MARK = "/run/ota-test-crash"


def crash_on_mark(tree):
    """The release's run.sh fails while CRASH_MARK exists: a promoted
    release that starts crash-looping later (a bad disk, a config it
    meets on its third boot)."""
    path = os.path.join(tree, "bin", "run.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n[ -e %s ] && { echo 'crashing: %s exists' >&2; exit 1; }\n"
                'exec "$(dirname "$(readlink -f "$0")")/gateway" "$@"\n'
                % (CRASH_MARK, CRASH_MARK))
    os.chmod(path, 0o755)


def s4_promoted_crash(ctx):
    d, vm = ctx.dev, ctx.vm
    ctx.units = ["app.service", "app-rollback.service"]
    before = d.check()
    b = d.push(ctx.rel.make("3.1.0", index=3, hook=crash_on_mark))
    r = d.agent("install --quiet " + b)
    expect(r.returncode == 0, "3.1.0: install exited %d: %s" % (r.returncode, r.stderr))
    d.check(["3.1.0"])
    cur = cursor(d)
    nrec = len(d.history())
    vm.ssh("touch %s && systemctl restart app.service" % CRASH_MARK)
    try:
        d.wait("app-rollback.service to run",
               lambda: "ota-agent rollback" in journal_since(d, cur, ["app-rollback.service"])
               or "Finished" in journal_since(d, cur, ["app-rollback.service"])
               or "Failed" in journal_since(d, cur, ["app-rollback.service"]), 90)
        d.wait("app-rollback.service to finish",
               lambda: vm.out("systemctl is-active app-rollback.service", check=False)
               in ("inactive", "failed"), 60)
        d.check([before])
        new = d.history()[nrec:]
        expect(any(r.get("version") == "3.1.0" or "3.1.0" in (r.get("reason") or "")
                   for r in new),
               "the history does not tell 3.1.0 was rolled back: %s" % new)
        st = d.status()
        expect(st.get("last_good") == before, "last good is %s" % st.get("last_good"))
        ctx.say("# promoted 3.1.0 crash-looped: app-rollback.service fell back to %s; "
                "history: %s" % (st.get("current"), "; ".join(
                    "%s>%s %s" % (r.get("from"), r.get("to"), r.get("reason") or "")
                    for r in new)[:300]))
    finally:
        # Whatever happened, the next scenarios start from a serving device.
        vm.ssh("rm -f %s; systemctl is-active -q app.service || "
               "{ systemctl reset-failed app.service; systemctl restart app.service; }"
               % CRASH_MARK, check=False)


# 5 -------------------------------------------------------------------
def s5_hung_agent(ctx):
    d, vm = ctx.dev, ctx.vm
    ctx.units = ["ota-agent.service", "app.service"]
    n0 = int(d.unit("ota-agent.service", "NRestarts")["NRestarts"])
    b = d.push(ctx.rel.make("3.0.0", index=3, files=150))
    vm.ssh("mv %s /media/ota/" % b)
    try:
        st = d.wait("the daemon's install of 3.0.0 to be under way",
                    lambda: d.status()["state"] in ("STAGING", "SWITCHING", "HEALTH_CHECK")
                    and d.status()["state"], 90, step=0.2)
        pid = d.unit("ota-agent.service", "MainPID")["MainPID"]
        vm.ssh("kill -STOP %s" % pid)
        t = time.monotonic()
        d.wait("systemd's watchdog to restart ota-agent.service",
               lambda: int(d.unit("ota-agent.service", "NRestarts")["NRestarts"]) > n0, 150)
        waited = time.monotonic() - t
        log = vm.out("journalctl -b --no-pager -o cat -u ota-agent.service")
        expect("atchdog timeout" in log, "no watchdog timeout in ota-agent.service's journal")
        d.wait("the restarted daemon to install 3.0.0",
               lambda: d.status().get("current") == "3.0.0" and d.status()["state"] == "IDLE",
               180)
        d.check(["3.0.0"])
        hist = d.history()
        expect(any((r.get("reason") or "").startswith("recovered") and
                   r.get("version") == "3.0.0" for r in hist),
               "no record of the run interrupted in %s being finished or undone" % st)
        ctx.say("# hung agent: stopped in %s; the watchdog restarted it after %.0f s; "
                "3.0.0 installed by the restarted daemon" % (st, waited))
    finally:
        vm.ssh("rm -f /media/ota/*", check=False)


# 6 -------------------------------------------------------------------
def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def make_stick(ctx, name, fs, bundles, mb=64):
    img = os.path.join(ctx.work, name + ".img")
    if fs == "vfat":
        sh(["mkfs.vfat", "-n", "OTA", "-C", img, str(mb * 1024)])
        for b in bundles:
            sh(["mcopy", "-i", img, b, "::/"])
    else:
        d = os.path.join(ctx.work, name + ".d")
        os.makedirs(d)
        for b in bundles:
            sh(["cp", b, d])
        sh(["mkfs.ext4", "-q", "-F", "-d", d, img, "%dM" % mb])
    return img


def import_finished(d, cur):
    log = journal_since(d, cur, USB_UNITS)
    return ("Deactivated successfully" in log or "Failed with result" in log
            or "Finished" in log)


def mount_point_gone(d, vm):
    """The import unit removed its mount point: /run/ota/usb is left empty,
    and its rmdir reported nothing (a busy mount point once left one empty
    directory in /run per stick)."""
    d.wait("the stick's mount point removed", lambda: vm.out(
        "ls -A /run/ota/usb 2>/dev/null", check=False) == "", 30)
    log = vm.out("journalctl -b -o cat --no-pager -u 'ota-usb-import@*' | grep -i 'rmdir' || true",
                 check=False)
    expect(not log, "the import unit's rmdir complained: %s" % log)


def plug_and_wait(ctx, img, done, what, timeout=180):
    d, vm = ctx.dev, ctx.vm
    cur = cursor(d)
    stick = vm.usb_plug(img)
    d.wait(what, lambda: done(cur), timeout)
    d.wait("the stick unmounted", lambda: vm.out(
        "findmnt -rn -o TARGET | grep -c '^/run/ota/usb/' || true", check=False) == "0", 60)
    mount_point_gone(d, vm)
    log = journal_since(d, cur, USB_UNITS)
    vm.usb_pull(stick)
    return log


def s6_usb(ctx):
    d, vm = ctx.dev, ctx.vm
    ctx.units = USB_UNITS + ["app.service"]
    start = d.check()
    results = []
    for version, fs in (("2.0.0", "vfat"), ("2.1.0", "ext4")):
        img = make_stick(ctx, "stick-" + fs, fs, [ctx.rel.make(version, index=2)])
        h0 = sha256(img)
        log = plug_and_wait(ctx, img, lambda cur, v=version: d.status().get("current") == v
                            and import_finished(d, cur),
                            "the %s stick's %s installed by ota-usb-import@" % (fs, version))
        expect("ota-usb-import@" in vm.out("journalctl -b -o cat --no-pager -u "
                                           "'ota-usb-import@*' | head -n 3", check=False)
               or log, "no ota-usb-import@ unit ran")
        d.check([version])
        expect(sha256(img) == h0, "the %s stick's bytes changed" % fs)
        results.append("%s %s" % (fs, version))
    # Foreign bundles only: nothing changes.
    before = d.status()
    img = make_stick(ctx, "stick-foreign", "vfat",
                     [ctx.rel.make("9.0.0", target="other-board", index=9)])
    h0 = sha256(img)
    plug_and_wait(ctx, img, lambda cur: import_finished(d, cur), "the foreign stick's import")
    after = d.status()
    expect(after.get("current") == before.get("current") and
           after.get("releases") == before.get("releases"),
           "a foreign stick changed the device: %s -> %s" % (before, after))
    d.check([before.get("current")])
    expect(sha256(img) == h0, "the foreign stick's bytes changed")
    # Pulled in the middle of the install straight off it (watch.direct:
    # staged as it is read, no spool copy): once the first files landed.
    nrec = len(d.history())
    img = make_stick(ctx, "stick-big", "vfat",
                     [ctx.rel.make("2.2.0", index=2, files=100, file_kb=1024)], mb=192)
    cur = cursor(d)
    stick = vm.usb_plug(img)
    d.wait("the install off the stick to start staging", lambda: vm.out(
        "find /opt/app/releases/2.2.0 -type f -size +512k 2>/dev/null | head -n 1",
        check=False), 120, step=0.2)
    vm.usb_pull(stick)
    d.wait("the interrupted import to end", lambda: import_finished(d, cur), 120)
    mount_point_gone(d, vm)
    d.check([before.get("current")])
    expect(d.status().get("releases") == before.get("releases"),
           "a pulled stick left a release behind")
    left = vm.out("find /var/lib/ota/spool -type f ! -name '*.lock' 2>/dev/null", check=False)
    expect(not left, "the spool is not empty: %s" % left)
    new = d.history()[nrec:]
    expect(new, "the pulled stick left no record in the history")
    ctx.say("# usb: %s installed; foreign-only stick: nothing changed; pulled stick: %s"
            % (", ".join(results), (new[-1].get("reason") or new[-1].get("to"))[:100]))


# 9 -------------------------------------------------------------------
def s9_unprovisioned(ctx):
    """A device with no release: quiet, and a first install cut in its
    health check leaves it so (an unproven release is never kept)."""
    d, vm = ctx.dev, ctx.vm
    ctx.units = ["app.service", "app-rollback.service", "ota-recover.service"]
    keep = d.check()
    vm.ssh("systemctl stop ota-agent.service app.service && "
           "mv /opt/app /opt/app.saved && mv /var/lib/ota /var/lib/ota.saved && "
           "systemctl start ota-agent.service")
    try:
        b = d.push(ctx.rel.make("5.0.0", index=5))
        env = ("--setenv=OTA_AGENT_FAULT_ENTER=HEALTH_CHECK "
               "--setenv=OTA_AGENT_FAULT_SIGNAL=STOP")
        out = vm.out(cuts.WAIT_STOP % {"unit": "ota-first", "env": env, "bundle": b})
        expect(out.startswith("stopped"), "the first install did not stop: %s" % out)
        vm.kill()
        vm.start()
        vm.wait_up()
        st = d.status()
        expect(st.get("state") == "IDLE" and not st.get("current"),
               "after the cut: %s" % st)
        r = d.agent("history --verify")
        expect(r.returncode == 0, "history --verify: %s" % r.stdout)
        app = d.unit("app.service", "ActiveState", "ConditionResult")
        expect(app["ActiveState"] == "inactive" and app["ConditionResult"] == "no",
               "app.service on a device with no release: %s" % app)
        rb = vm.out("systemctl show -p ActiveState --value app-rollback.service")
        expect(rb == "inactive", "app-rollback.service is %s" % rb)
        r = d.agent("rollback")
        expect(r.returncode == 0 and "nothing installed" in r.stdout,
               "rollback on an empty device: exit %d: %s%s"
               % (r.returncode, r.stdout, r.stderr))
        ctx.say("# first install cut in HEALTH_CHECK: no release kept, app.service "
                "skipped by its condition, rollback says: %s" % r.stdout.strip()[:90])
    finally:
        vm.ssh("systemctl stop ota-agent.service app.service; rm -rf /opt/app /var/lib/ota; "
               "mv /opt/app.saved /opt/app && mv /var/lib/ota.saved /var/lib/ota && "
               "systemctl start ota-agent.service app.service", check=False)
    d.check([keep])


# 7 and 8 live in cuts.py and replay.py.
ALL = [
    (1, "boot order: ota-recover before app, ota-agent ready with its watchdog", s1_boot_order),
    (2, "install under systemd: the daemon installs, app.service restarted, dashboard",
     s2_install),
    (3, "a broken release: unhealthy and crash-looping, both rolled back", s3_broken),
    (6, "USB sticks: vfat and ext4 hot-plugged, foreign-only, pulled mid-install", s6_usb),
    (5, "a hung agent: the watchdog restarts it, recover finishes the run", s5_hung_agent),
    (4, "a promoted release crash-loops later: back to the previous good", s4_promoted_crash),
    (7, "power cuts aimed at every step of an install and a rollback", cuts.s7_power_cuts),
    (8, "every flush point of an install replayed (dm-log-writes)", replay.s8_replay),
    (9, "a device with no release: quiet; a first install cut keeps none", s9_unprovisioned),
]
