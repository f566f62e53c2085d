#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_release.py ROOT: the device invariants the agent must restore.

What must hold after every agent run, however it ended (the crash suite
runs it after each kill and recover):
  - state.json is absent or says IDLE (no run left half done);
  - current resolves to releases/<v>, an existing directory;
  - manifests/<v>.json exists and names version <v>;
  - releases/<v> matches that manifest exactly: every entry with its type,
    the SHA-256 of every file, every symlink's target, and nothing else
    (modes are not compared);
  - .last-good and .previous-good, if present, resolve to existing releases;
  - no leftover temporary entries (".tmp" in the name, or a name starting
    with ".staging") in releases/ or the app dir.
The layout is the agent's contract: ROOT/opt/app and ROOT/var/lib/ota.
Prints one line per violation; exit 0 if none, 1 if any, 2 on usage.
Only the standard library, so it judges the agent with nothing of its own.
"""
import hashlib
import json
import os
import stat
import sys

APP_DIR = "opt/app"
STATE_DIR = "var/lib/ota"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def check_state(state_dir, bad):
    path = os.path.join(state_dir, "state.json")
    if not os.path.lexists(path):
        return
    try:
        with open(path, "rb") as f:
            run = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        bad("state.json: unreadable: %s" % e)
        return
    if not isinstance(run, dict) or run.get("state") != "IDLE":
        bad("state.json: a run is still in progress: %r" %
            (run.get("state") if isinstance(run, dict) else run))


def resolve_release(app_dir, link, bad):
    """The version link names (releases/<v>, an existing dir), else None."""
    path = os.path.join(app_dir, link)
    if not os.path.lexists(path):
        return None
    if not os.path.islink(path):
        bad("%s: not a symlink" % link)
        return None
    releases = os.path.realpath(os.path.join(app_dir, "releases"))
    target = os.path.realpath(path)
    if os.path.dirname(target) != releases:
        bad("%s: -> %s resolves to %s, not a release in %s" %
            (link, os.readlink(path), target, releases))
        return None
    if not os.path.isdir(target):
        bad("%s: -> %s: release does not exist" % (link, os.readlink(path)))
        return None
    return os.path.basename(target)


def walk(top):
    """{relative path: absolute path} of everything under top (links not followed)."""
    found = {}
    for d, dirs, files in os.walk(top, followlinks=False):
        for name in dirs + files:
            p = os.path.join(d, name)
            found[os.path.relpath(p, top)] = p
    return found


def entry_type(path):
    m = os.lstat(path).st_mode
    if stat.S_ISLNK(m):
        return "symlink"
    if stat.S_ISDIR(m):
        return "dir"
    if stat.S_ISREG(m):
        return "file"
    return "special"


def design_entries(hashes):
    """The entries the design's own form implies (schema/manifest.md,
    "The design's form"): its files, no size recorded, and the directories
    their paths name."""
    entries = {}
    for rel in hashes:
        entries[rel] = {"type": "file"}
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            entries["/".join(parts[:i])] = {"type": "dir"}
    return entries


def check_tree(tree, manifest, where, bad):
    entries = manifest.get("entries")
    hashes = manifest.get("files")
    if entries is None and isinstance(hashes, dict) and \
            set(manifest) == {"files", "target", "version"}:
        entries = design_entries(hashes)
    if not isinstance(entries, dict) or not isinstance(hashes, dict):
        bad("%s: manifest has no entries/files object" % where)
        return
    on_disk = walk(tree)
    for rel in sorted(set(entries) | set(on_disk)):
        if rel not in on_disk:
            bad("%s/%s: missing (listed in the manifest)" % (where, rel))
            continue
        if rel not in entries:
            bad("%s/%s: extra %s (not in the manifest)" %
                (where, rel, entry_type(on_disk[rel])))
            continue
        want, path = entries[rel], on_disk[rel]
        have = entry_type(path)
        if have != want.get("type"):
            bad("%s/%s: is a %s, manifest says %s" % (where, rel, have, want.get("type")))
        elif have == "file":
            if os.lstat(path).st_size != want.get("size", os.lstat(path).st_size):
                bad("%s/%s: size %d, manifest says %s" %
                    (where, rel, os.lstat(path).st_size, want.get("size")))
            elif sha256(path) != hashes.get(rel):
                bad("%s/%s: SHA-256 differs from the manifest" % (where, rel))
        elif have == "symlink" and os.readlink(path) != want.get("target"):
            bad("%s/%s: -> %s, manifest says -> %s" %
                (where, rel, os.readlink(path), want.get("target")))
    for rel in sorted(set(hashes) - set(entries)):
        bad("%s/%s: in the manifest's files but not its entries" % (where, rel))


def check_current(app_dir, state_dir, bad):
    if not os.path.lexists(os.path.join(app_dir, "current")):
        bad("current: missing")
        return
    v = resolve_release(app_dir, "current", bad)
    if v is None:
        return
    mpath = os.path.join(state_dir, "manifests", v + ".json")
    try:
        with open(mpath, "rb") as f:
            manifest = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        bad("manifests/%s.json: %s" % (v, e))
        return
    if not isinstance(manifest, dict):
        bad("manifests/%s.json: not a JSON object" % v)
        return
    if manifest.get("version") != v:
        bad("manifests/%s.json: names version %r" % (v, manifest.get("version")))
    check_tree(os.path.join(app_dir, "releases", v), manifest, "releases/" + v, bad)


def check_leftovers(app_dir, bad):
    for where, d in (("", app_dir), ("releases/", os.path.join(app_dir, "releases"))):
        try:
            names = os.listdir(d)
        except OSError as e:
            bad("%s: %s" % (where or "app dir", e))
            continue
        for name in sorted(names):
            if ".tmp" in name or name.startswith(".staging"):
                bad("%s%s: leftover temporary entry" % (where, name))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: check_release.py ROOT\n")
        return 2
    root = argv[1]
    app_dir = os.path.join(root, APP_DIR)
    state_dir = os.path.join(root, STATE_DIR)
    violations = []
    bad = violations.append
    check_state(state_dir, bad)
    check_current(app_dir, state_dir, bad)
    resolve_release(app_dir, ".last-good", bad)  # reports what is wrong with it
    resolve_release(app_dir, ".previous-good", bad)
    check_leftovers(app_dir, bad)
    for v in violations:
        print(v)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
