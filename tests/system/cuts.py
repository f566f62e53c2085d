# SPDX-License-Identifier: Apache-2.0
"""cuts.py - scenario 7: power cuts aimed at named steps of an install and
of a rollback.

Each cut: a hand-run `ota-agent install` in a transient unit with
OTA_AGENT_FAULT_ENTER=<STATE> (right after the move to it is on record) or
OTA_AGENT_FAULT_AFTER=<POINT> (after the work of a state, or one of the
finer points STAGING_HALF, PRUNE, ROTATE) and OTA_AGENT_FAULT_SIGNAL=STOP,
so the agent stops itself at that point; once /proc/PID/stat says T (or,
with an agent that only knows SIGKILL, once it died of it), QEMU is
killed: the guest's page cache is lost.  Then the device boots again and
must hold the invariants: current a complete release matching its stored
manifest, the last good one too, state IDLE, `history --verify`, the app
serving the version expected at that point.  That boot is also the one
the next cut starts from, so a cut costs one boot.
"""
import os

DEFAULT_CUTS = 30

# One list of points: (fault variable, point, release kind).  A good
# install's points, then a failed one's (a crashing release: rollback).
INSTALL = [
    ("ENTER", "VERIFYING"), ("AFTER", "VERIFYING"), ("ENTER", "STAGING"),
    ("AFTER", "STAGING_HALF"), ("AFTER", "STAGING"), ("ENTER", "SWITCHING"),
    ("AFTER", "SWITCHING"), ("ENTER", "HEALTH_CHECK"), ("AFTER", "HEALTH_CHECK"),
    ("ENTER", "PROMOTED"), ("AFTER", "PRUNE"), ("AFTER", "PROMOTED"),
    ("AFTER", "ROTATE"), ("ENTER", "IDLE"),
]
ROLLBACK = [
    ("AFTER", "HEALTH_CHECK"), ("ENTER", "ROLLING_BACK"), ("AFTER", "ROLLING_BACK"),
    ("ENTER", "IDLE"),
]
# Round one with the small example release, round two with one of 300
# files (staging long enough to be cut in its middle), where the points
# that move many files come first: the default 30 cuts end within it.
BIG_FIRST = [INSTALL[i] for i in (3, 4, 5, 6, 9, 10, 11, 12, 0, 1, 2, 7, 8, 13)]
TABLE = ([(v, p, "good", 0) for v, p in INSTALL] + [(v, p, "crash", 0) for v, p in ROLLBACK] +
         [(v, p, "crash", 300) for v, p in ROLLBACK] +
         [(v, p, "good", 300) for v, p in BIG_FIRST])

# Where the release that was being installed is current after the cut
# and recover: only from the move to PROMOTED on.
PROMOTED_ON = {"PROMOTED", "PRUNE", "IDLE"}
# The points that are not a state name: the engine's finer fault points,
# and what stands in for them with an agent that lacks them.
FINE = {"STAGING_HALF": ("ENTER", "STAGING"), "PRUNE": ("ENTER", "PROMOTED"),
        "ROTATE": ("AFTER", "PROMOTED")}

WAIT_STOP = r"""
u=%(unit)s
systemd-run --quiet --unit=$u %(env)s /usr/local/bin/ota-agent install --quiet %(bundle)s || exit 1
i=0
while [ $i -lt 2400 ]; do
	pid=$(systemctl show -p MainPID --value $u)
	if [ "$pid" != 0 ] && { read -r line </proc/$pid/stat; } 2>/dev/null; then
		set -- ${line##*) }
		[ "$1" = T ] && { echo "stopped $pid"; exit 0; }
	fi
	case $(systemctl show -p ActiveState --value $u) in
	inactive | failed)
		echo "ended $(systemctl show -p ExecMainCode --value $u)" \
			"$(systemctl show -p ExecMainStatus --value $u)"
		exit 0 ;;
	esac
	sleep 0.05
	i=$((i + 1))
done
echo "still running"
"""


def agent_knows(name):
    """Does the agent under test have the fault point `name`?"""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build",
                        "bin", "ota-agent")
    with open(path, "rb") as f:
        return name.encode() in f.read()


def start_and_stop(ctx, unit, var, point, bundle):
    """Start the install with the fault; how it ended: 'stopped', 'killed'
    (SIGKILL at the point) or 'ran through'."""
    d = ctx.dev
    env = "--setenv=OTA_AGENT_FAULT_%s=%s --setenv=OTA_AGENT_FAULT_SIGNAL=STOP" % (var, point)
    out = d.vm.out(WAIT_STOP % {"unit": unit, "env": env, "bundle": bundle}, timeout=300)
    if out.startswith("stopped"):
        return "stopped"
    if out.startswith("ended"):
        code = out.split()[1:]
        # ExecMainCode 2 (CLD_KILLED) with status 9: SIGKILL at the point.
        return "killed" if code[:2] in (["2", "9"], ["killed", "9"]) else "ran through " + out
    raise AssertionError("%s: %s" % (unit, out))


def one_cut(ctx, prev, n, var, point, mode, files):
    d, vm = ctx.dev, ctx.vm
    aimed = "%s=%s" % (var, point)
    if point in FINE and not agent_knows(point):
        var, point = FINE[point]
        aimed += " (this agent lacks it: %s=%s)" % (var, point)
    for attempt in range(10):
        version = "4.%d.%d" % (n, attempt)
        bundle = d.push(ctx.rel.make(version, mode, index=4, files=files, file_kb=4))
        how = start_and_stop(ctx, "ota-cut-%d-%d" % (n, attempt), var, point, bundle)
        if not how.startswith("ran through"):
            break
        # ROTATE is reached only by an install whose records fill the
        # active segment, PRUNE only with more releases than kept:
        # install again until one does.
        if point not in ("ROTATE", "PRUNE"):
            raise AssertionError("cut %d %s: the fault point was not reached (%s)"
                                 % (n, aimed, how))
        prev = d.check()
    else:
        raise AssertionError("cut %d %s: never reached in 10 installs" % (n, aimed))
    vm.kill()
    vm.start()
    vm.wait_up()
    if mode != "good" or point not in PROMOTED_ON | {"ROTATE"}:
        want = [prev]
    elif point == "ROTATE":
        want = [prev, version]
    else:
        want = [version]
    cur = d.check(want)
    return cur, "cut %2d %-40s %-5s %3d files: %s, boots on %s" % (
        n, aimed, mode, files, how, cur)


def s7_power_cuts(ctx):
    ctx.units = ["ota-recover.service", "app.service", "ota-agent.service"]
    table = (TABLE * (1 + ctx.cuts // len(TABLE)))[:ctx.cuts]
    survived, failures = 0, []
    prev = ctx.dev.check()
    for n, (var, point, mode, files) in enumerate(table, 1):
        try:
            prev, line = one_cut(ctx, prev, n, var, point, mode, files)
            survived += 1
            print("#   " + line, flush=True)
        except Exception as e:
            failures.append("cut %d %s=%s: %s" % (n, var, point, e))
            print("#   cut %2d %s=%s FAILED: %s" % (n, var, point, e), flush=True)
            if not ctx.vm.proc:
                ctx.vm.start()
                ctx.vm.wait_up()
            try:
                prev = ctx.dev.status().get("current")
            except Exception:
                pass
    ctx.say("power cuts: %d/%d survived" % (survived, len(table)))
    if failures:
        raise AssertionError("; ".join(failures[:3]))
