#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""run.py - make check-system: the OTA agent on a booted Debian 12 device
(QEMU, TCG) with systemd, udev, USB sticks and real power cuts.

  tests/system/run.py [--only N[,N...]] [--cuts N]

Builds (once per checkout) the Debian root with tests/system/image.sh,
makes the per-run image with `make install DESTDIR=...`, boots it, and
runs the scenarios of tests/README.md ("System tests"), each with one
line "ok N name" or "FAIL N name: reason"; a failure also prints the
guest's journal of the units involved and `ota-agent status`.  Ends with
"N passed, N failed".  Skips (exit 0) unless root with QEMU usable.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm import VM, GuestError  # noqa: E402
from device import REPO, Device, Releases, build_root_image, sh  # noqa: E402
import scenarios  # noqa: E402

BUILD = os.path.join(REPO, "build")
SYSTEM = os.path.join(BUILD, "system")


def skip(why):
    print("check-system: skipped: %s" % why)
    sys.exit(0)


def preflight():
    if os.geteuid() != 0:
        skip("needs root (debootstrap, loop mounts, dm targets)")
    r = subprocess.run(["sh", os.path.join(REPO, "scripts", "ensure-deps.sh"), "system"])
    if r.returncode != 0:
        skip("the system test dependencies could not be installed")
    r = subprocess.run(["qemu-system-x86_64", "-version"], capture_output=True, text=True)
    if r.returncode != 0:
        skip("qemu-system-x86_64 cannot run: %s" % r.stderr.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", help="scenario numbers to run, e.g. 1,2,7")
    ap.add_argument("--cuts", type=int, default=None, help="power cuts in scenario 7")
    args = ap.parse_args()
    preflight()
    t0 = time.monotonic()
    sh(["sh", os.path.join(REPO, "tests", "system", "image.sh"), SYSTEM])
    work = os.path.join(SYSTEM, "run")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    boot = os.path.join(SYSTEM, "rootfs", "boot")
    kernel = sorted(f for f in os.listdir(boot) if f.startswith("vmlinuz-"))[-1]
    initrd = "initrd.img-" + kernel[len("vmlinuz-"):]
    sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(work, "id")])
    rel = Releases(work, os.path.join(BUILD, "bin"), os.path.join(BUILD, "examples"))
    ctx = scenarios.Context(work, rel)
    img = build_root_image(work, os.path.join(SYSTEM, "rootfs"), rel,
                           os.path.join(work, "id.pub"), ctx.factory_bundle())
    disks = [(img, "root")] + ctx.extra_disks()
    vm = VM(work, os.path.join(boot, kernel), os.path.join(boot, initrd), disks,
            os.path.join(work, "id"))
    dev = Device(vm, work)
    ctx.vm, ctx.dev = vm, dev
    if args.cuts:
        ctx.cuts = args.cuts
    only = set(int(x) for x in args.only.split(",")) if args.only else None
    print("check-system: image ready in %.0f s; booting (TCG)" % (time.monotonic() - t0))
    sys.stdout.flush()
    passed = failed = 0
    # SIGTERM (a timeout, make interrupted): power the VM off at once.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    interrupted = False
    try:
        vm.start()
        print("# booted in %.0f s" % vm.wait_up())
        for num, name, fn in scenarios.ALL:
            if only and num not in only:
                continue
            t = time.monotonic()
            try:
                if not vm.proc:
                    vm.start()
                    vm.wait_up()
                fn(ctx)
                passed += 1
                print("ok %d %s (%.0f s)" % (num, name, time.monotonic() - t))
            except Exception as e:
                failed += 1
                print("FAIL %d %s (%.0f s): %s" % (num, name, time.monotonic() - t, e))
                if not isinstance(e, (AssertionError, GuestError)):
                    traceback.print_exc(file=sys.stdout)
                scenarios.diagnose(ctx)
            for line in ctx.summary:
                print(line)
            ctx.summary = []
            sys.stdout.flush()
    except KeyboardInterrupt:
        interrupted = True
        print("check-system: interrupted")
    finally:
        vm.kill() if interrupted else vm.shutdown()
    if interrupted:
        return 130
    print("# wall time %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
