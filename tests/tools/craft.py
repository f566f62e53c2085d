#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Craft hostile bundles for the attack tests, with tarfile and cryptography
only, never the tools under test.

    craft.py KIND --tree DIR --key K.key --out X.bundle [--target T] [--version V]
                  [--claim K.pub]

builds the bundle of the tree as the contract lays it out (manifest.json,
signatures/<keyid>.sig, payload/<path> in UTF-8 byte order, directories
without a trailing slash) and then applies one attack KIND.  Signatures are
made over the raw manifest bytes actually shipped, so a non-canonical or
duplicate-key manifest carries a signature that verifies: only the
canonical checks can refuse it.  KIND "valid" applies no attack, as the
control that the crafting itself is right.  `craft.py kinds` lists them.
With OTA_CRAFT_SLOTS=N in the environment every kind but the slots-* ones
gets the reserved entry signatures/.slots of N free slots after its head's
signatures, as ota-bundle writes it (schema/bundle.md).

Helpers on existing files:
    craft.py truncate --in B --out X      cut B in the middle of its last file
    craft.py splice --manifest-from A --payload-from B --out X
                                          A's manifest and signatures, B's payload
    craft.py weak-pub --out F.pub         SPKI PEM of a small-order point
    craft.py random --out X [--size N]    seeded random bytes
    craft.py list B                       member names, one per line
    craft.py show B NAME                  a member's content on stdout
    craft.py raw-sig --sig M.sig --out R  line 1 of M.sig decoded to 64 bytes
    craft.py design-bundle --tree DIR --manifest M.json [--signature M.sig] --pub K.pub --out X
                                          the design's manifest and signature in a
                                          bundle, as schema/bundle.md lays it out
"""
import argparse
import base64
import hashlib
import io
import json
import os
import random
import sys
import tarfile
from pathlib import Path

sys.dont_write_bytecode = True  # leave nothing behind in tests/tools
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference  # noqa: E402

KINDS = {}


def kind(name):
    def reg(fn):
        KINDS[name] = fn
        return fn
    return reg


def canon(m):
    return reference.canonical(m)


def path_key(p):
    """Payload order: the byte order of the UTF-8 path."""
    return p.encode("utf-8", "surrogateescape")


class _Info(tarfile.TarInfo):
    """A TarInfo that keeps directory names without the trailing slash
    tarfile adds, as the contract's bundles have them."""

    def get_info(self):
        info = super().get_info()
        if info["type"] == tarfile.DIRTYPE and info["name"].endswith("/"):
            info["name"] = info["name"][:-1]
        return info


def member(name, type=tarfile.REGTYPE, data=b"", mode=0o644, linkname=""):
    return {"name": name, "type": type, "data": data, "mode": mode, "linkname": linkname}


class AfterEnd(list):
    """Members, then, in place of tarfile's end (two zero blocks and the
    padding to 10240 bytes), `zero_blocks` zero blocks and `tail` bytes."""

    def __init__(self, members, zero_blocks, tail):
        super().__init__(members)
        self.zero_blocks, self.tail = zero_blocks, tail


def tar_bytes(members, mtime):
    """The tar of members alone, without its end-of-archive marker."""
    buf = io.BytesIO()
    write_tar(buf, members, mtime)
    data = buf.getvalue()
    end = len(data) - 1024
    while end % 10240 and not any(data[end - 512:end]):
        end -= 512
    return data[:end]


def write_tar(path, members, mtime):
    if isinstance(members, AfterEnd):
        body = tar_bytes(list(members), mtime)
        Path(path).write_bytes(body + b"\0" * (512 * members.zero_blocks) + members.tail)
        return
    with tarfile.open(path if isinstance(path, str) else None, "w",
                      fileobj=None if isinstance(path, str) else path,
                      format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape", tarinfo=_Info) as tf:
        for m in members:
            ti = _Info(m["name"])
            ti.type = m["type"]
            ti.mode = m["mode"]
            ti.mtime = mtime
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.linkname = m["linkname"]
            if m["type"] == tarfile.CHRTYPE:
                ti.devmajor, ti.devminor = 1, 3
            ti.size = len(m["data"]) if m["type"] == tarfile.REGTYPE else 0
            tf.addfile(ti, io.BytesIO(m["data"]) if ti.size else None)


class Ctx:
    """The honest bundle of a tree, for a kind to take apart."""

    def __init__(self, a):
        self.tree = Path(a.tree)
        self.claim = a.claim
        self.key = reference.load_private(a.key)
        created = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
        self.m = reference.build_full_manifest(self.tree, a.version, a.target, 0, created)

    def sig_members(self, manifest_bytes):
        from cryptography.hazmat.primitives import serialization
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
        sig = base64.b64encode(self.key.sign(manifest_bytes)) + b"\n"
        return [member(f"signatures/{hashlib.sha256(raw).hexdigest()}.sig", data=sig)]

    def payload(self, m=None):
        m = m or self.m
        out = []
        for p in sorted(m["entries"], key=path_key):
            e = m["entries"][p]
            name = "payload/" + p
            if e["type"] == "file":
                out.append(member(name, data=(self.tree / p).read_bytes(), mode=e["mode"]))
            elif e["type"] == "dir":
                out.append(member(name, tarfile.DIRTYPE, mode=e["mode"]))
            else:
                out.append(member(name, tarfile.SYMTYPE, mode=0o777, linkname=e["target"]))
        return out

    def bundle(self, manifest_bytes, payload=None, signed_bytes=None):
        """manifest.json, a signature over signed_bytes (default: the
        manifest shipped), then the payload."""
        sigs = self.sig_members(manifest_bytes if signed_bytes is None else signed_bytes)
        return [member("manifest.json", data=manifest_bytes)] + sigs + (
            self.payload() if payload is None else payload)


def replace(members, which, **changes):
    """members with the one entry named which changed (KeyError if absent)."""
    out, hit = [], False
    for m in members:
        if m["name"] == which:
            m = dict(m, **changes)
            hit = True
        out.append(m)
    if not hit:
        raise KeyError(which)
    return out


def insert_sorted(members, new):
    """Add a payload entry at its place in UTF-8 byte order."""
    out = [m for m in members if m["name"] != new["name"]]
    pos = len(out)
    for i, m in enumerate(out):
        if m["name"].startswith("payload/") and path_key(m["name"]) > path_key(new["name"]):
            pos = i
            break
    return out[:pos] + [new] + out[pos:]


def add_file(m, path, data, mode=0o644):
    """m with a regular file entry added (the caller signs the result)."""
    m = json.loads(json.dumps(m))
    m["files"][path] = hashlib.sha256(data).hexdigest()
    m["entries"][path] = {"type": "file", "mode": mode, "size": len(data)}
    return m


VICTIM = "etc/greeting"  # a regular file every test tree has


@kind("valid")
def k_valid(c):
    """No attack: the control."""
    return c.bundle(canon(c.m))


@kind("flip-byte")
def k_flip_byte(c):
    """One bit of a payload file flipped, same size."""
    data = bytearray((c.tree / VICTIM).read_bytes())
    data[0] ^= 0x01
    return replace(c.bundle(canon(c.m)), "payload/" + VICTIM, data=bytes(data))


@kind("oversize")
def k_oversize(c):
    """Endless data: a payload file longer than the manifest's size."""
    data = (c.tree / VICTIM).read_bytes() + b"A" * 65536
    return replace(c.bundle(canon(c.m)), "payload/" + VICTIM, data=data)


@kind("manifest-changed")
def k_manifest_changed(c):
    """Arbitrary software: payload and manifest (hash, size) changed after
    signing; the signature is the one of the original manifest."""
    evil = b"#!/bin/sh\nrm -rf /\n"
    m = add_file(c.m, VICTIM, evil)
    members = c.bundle(canon(m), signed_bytes=canon(c.m))
    return replace(members, "payload/" + VICTIM, data=evil)


@kind("rollback-changed")
def k_rollback_changed(c):
    """rollback_index raised after signing (to pass an old release off as new)."""
    m = dict(c.m, rollback_index=c.m["rollback_index"] + 1000)
    return c.bundle(canon(m), signed_bytes=canon(c.m))


@kind("extra-entry")
def k_extra_entry(c):
    """Extraneous file: a payload file the manifest does not list."""
    return insert_sorted(c.bundle(canon(c.m)), member("payload/etc/extra", data=b"x\n"))


@kind("missing-file")
def k_missing_file(c):
    """A listed file left out of the payload."""
    return [m for m in c.bundle(canon(c.m)) if m["name"] != "payload/" + VICTIM]


@kind("duplicate-entry")
def k_duplicate_entry(c):
    """The same payload path twice in a row (the second one would win)."""
    out = []
    for m in c.bundle(canon(c.m)):
        out.append(m)
        if m["name"] == "payload/" + VICTIM:
            out.append(dict(m, data=b"second copy\n"))
    return out


@kind("tar-dotdot")
def k_tar_dotdot(c):
    """A payload entry climbing out: payload/../evil."""
    return insert_sorted(c.bundle(canon(c.m)), member("payload/../evil", data=b"evil\n"))


@kind("tar-absolute")
def k_tar_absolute(c):
    """A payload entry with an absolute path: payload//tmp/evil."""
    return insert_sorted(c.bundle(canon(c.m)), member("payload//tmp/evil", data=b"evil\n"))


@kind("tar-non-utf8")
def k_tar_non_utf8(c):
    """A payload entry whose name is not UTF-8 (byte 0xff)."""
    name = "payload/etc/" + b"\xff".decode("utf-8", "surrogateescape")
    return insert_sorted(c.bundle(canon(c.m)), member(name, data=b"evil\n"))


def signed_with_path(c, path):
    data = b"evil\n"
    m = add_file(c.m, path, data)
    return insert_sorted(c.bundle(canon(m)), member("payload/" + path, data=data))


@kind("manifest-dotdot")
def k_manifest_dotdot(c):
    """A validly signed manifest listing ../evil (and the payload has it)."""
    return signed_with_path(c, "../evil")


@kind("manifest-absolute")
def k_manifest_absolute(c):
    """A validly signed manifest listing /tmp/evil."""
    return signed_with_path(c, "/tmp/evil")


@kind("manifest-non-utf8")
def k_manifest_non_utf8(c):
    """A validly signed manifest listing a non-UTF-8 name, as the design's
    build_manifest writes it for a file named b"etc/\\xff": "etc/\\udcff"."""
    return signed_with_path(c, "etc/" + b"\xff".decode("utf-8", "surrogateescape"))


def retype(c, **changes):
    return replace(c.bundle(canon(c.m)), "payload/" + VICTIM, data=b"", **changes)


@kind("symlink-for-file")
def k_symlink_for_file(c):
    """An undeclared symlink: the manifest's regular file is a symlink in the tar."""
    return retype(c, type=tarfile.SYMTYPE, mode=0o777, linkname="../bin/app")


@kind("hardlink-for-file")
def k_hardlink_for_file(c):
    """A hard-link entry in place of the manifest's regular file."""
    return retype(c, type=tarfile.LNKTYPE, linkname="payload/bin/app")


@kind("chardev-for-file")
def k_chardev_for_file(c):
    """A character device (1,3: /dev/null) in place of a regular file."""
    return retype(c, type=tarfile.CHRTYPE)


@kind("fifo-for-file")
def k_fifo_for_file(c):
    """A fifo in place of a regular file."""
    return retype(c, type=tarfile.FIFOTYPE)


def escaping_link(c, target):
    m = json.loads(json.dumps(c.m))
    m["entries"]["bin/escape"] = {"type": "symlink", "target": target}
    return c.bundle(canon(m), payload=c.payload(m))


@kind("symlink-escape-up")
def k_symlink_escape_up(c):
    """A declared, signed symlink climbing above the root: ../../etc/passwd."""
    return escaping_link(c, "../../etc/passwd")


@kind("symlink-escape-absolute")
def k_symlink_escape_absolute(c):
    """A declared, signed symlink with an absolute target: /etc/passwd."""
    return escaping_link(c, "/etc/passwd")


@kind("noncanonical-indent")
def k_noncanonical_indent(c):
    """Valid JSON, sorted, but pretty-printed."""
    return c.bundle(json.dumps(c.m, sort_keys=True, indent=1).encode())


@kind("noncanonical-order")
def k_noncanonical_order(c):
    """Valid JSON, compact, keys in reverse order."""
    def rev(v):
        if isinstance(v, dict):
            return {k: rev(v[k]) for k in sorted(v, reverse=True)}
        return v
    return c.bundle(json.dumps(rev(c.m), separators=(",", ":")).encode())


@kind("noncanonical-escape")
def k_noncanonical_escape(c):
    """Valid JSON with the same value: "entries" spelled "\\u0065ntries"."""
    text = canon(c.m).replace(b'"entries"', b'"\\u0065ntries"', 1)
    return c.bundle(text)


@kind("noncanonical-newline")
def k_noncanonical_newline(c):
    """The canonical bytes plus a final newline."""
    return c.bundle(canon(c.m) + b"\n")


@kind("duplicate-key")
def k_duplicate_key(c):
    """"target" twice: another class first, the real one last (json.loads
    keeps the last; a parser keeping the first installs elsewhere)."""
    real = b'"target":' + json.dumps(c.m["target"]).encode()
    text = canon(c.m).replace(real, b'"target":"other-class",' + real, 1)
    return c.bundle(text)


@kind("duplicate-key-nested")
def k_duplicate_key_nested(c):
    """A file hash listed twice in "files": an attacker's hash first."""
    key = json.dumps(VICTIM).encode() + b":"
    real = key + json.dumps(c.m["files"][VICTIM]).encode()
    evil = key + json.dumps(hashlib.sha256(b"evil").hexdigest()).encode() + b","
    text = canon(c.m).replace(real, evil + real, 1)
    return c.bundle(text)


@kind("keyid-spoof")
def k_keyid_spoof(c):
    """A signature by the crafting key filed under the id of --claim K.pub
    (a trusted key): the trusted key's signature then does not verify."""
    from cryptography.hazmat.primitives import serialization
    raw = reference.load_public(c.claim).public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)
    members = c.bundle(canon(c.m))
    name = next(m["name"] for m in members if m["name"].startswith("signatures/"))
    return replace(members, name, name=f"signatures/{hashlib.sha256(raw).hexdigest()}.sig")


@kind("sig-after-payload")
def k_sig_after_payload(c):
    """A valid signature in place and a second copy after the payload."""
    members = c.bundle(canon(c.m))
    return members + [m for m in members if m["name"].startswith("signatures/")]


@kind("manifest-not-first")
def k_manifest_not_first(c):
    """The payload before manifest.json and the signatures."""
    members = c.bundle(canon(c.m))
    head = [m for m in members if not m["name"].startswith("payload/")]
    return [m for m in members if m["name"].startswith("payload/")] + head


@kind("outside-payload")
def k_outside_payload(c):
    """An entry that is neither manifest, signature nor payload/."""
    return c.bundle(canon(c.m)) + [member("evil", data=b"evil\n")]


@kind("sig-no-newline")
def k_sig_no_newline(c):
    """The trusted signature entry without its final newline (88 bytes):
    the same signature in a second encoding."""
    members = c.bundle(canon(c.m))
    name = next(m["name"] for m in members if m["name"].startswith("signatures/"))
    data = next(m["data"] for m in members if m["name"] == name)
    return replace(members, name, data=data.rstrip(b"\n"))


@kind("bad-sig-encoding")
def k_bad_sig_encoding(c):
    """A signature file that is not 88 base64 characters."""
    members = c.bundle(canon(c.m))
    name = next(m["name"] for m in members if m["name"].startswith("signatures/"))
    return replace(members, name, data=b"not base64!\n")


@kind("sig-flipped")
def k_sig_flipped(c):
    """One bit of the trusted signature flipped (re-encoded, so the entry
    is still 88 canonical base64 characters)."""
    members = c.bundle(canon(c.m))
    sig = next(m for m in members if m["name"].startswith("signatures/"))
    raw = bytearray(base64.b64decode(sig["data"].strip()))
    raw[10] ^= 0x04
    return replace(members, sig["name"], data=base64.b64encode(bytes(raw)) + b"\n")


def delta_of(m, omitted, base="0.9.0"):
    """m made a delta of release base (its manifest hash is not checked by
    the verifier, only signed) leaving out the files omitted."""
    m = json.loads(json.dumps(m))
    m["delta"] = {"base": base, "base_manifest": "00" * 32,
                  "omitted": sorted(omitted, key=path_key)}
    return m


def without(members, path):
    return [x for x in members if x["name"] != "payload/" + path]


@kind("delta-valid")
def k_delta_valid(c):
    """No attack: a delta leaving VICTIM out, its payload without it."""
    m = delta_of(c.m, [VICTIM])
    return without(c.bundle(canon(m), payload=c.payload(m)), VICTIM)


@kind("delta-omitted-in-payload")
def k_delta_omitted_in_payload(c):
    """A delta whose payload still holds the file its manifest omits."""
    m = delta_of(c.m, [VICTIM])
    return c.bundle(canon(m), payload=c.payload(m))


@kind("delta-kept-missing")
def k_delta_kept_missing(c):
    """The reverse: a file the delta does not omit, missing from its payload."""
    m = delta_of(c.m, [VICTIM])
    return without(without(c.bundle(canon(m), payload=c.payload(m)), VICTIM), "bin/app")


@kind("delta-omitted-unsigned")
def k_delta_omitted_unsigned(c):
    """The omitted set changed after signing: the full release was signed,
    the manifest shipped omits VICTIM (and the payload lacks it)."""
    m = delta_of(c.m, [VICTIM])
    members = c.bundle(canon(m), payload=c.payload(m), signed_bytes=canon(c.m))
    return without(members, VICTIM)


@kind("bare-payload-dir")
def k_bare_payload_dir(c):
    """A directory entry named "payload/" itself, right after another
    directory (once read as a duplicate of it, from a stale buffer)."""
    members = c.bundle(canon(c.m))
    i = max(i for i, m in enumerate(members) if m["type"] == tarfile.DIRTYPE)
    # "x//": tarfile's writer (through _Info) keeps "x/", as tar writes dirs
    members[i] = dict(members[i], name=members[i]["name"] + "//")
    return members[:i + 1] + [member("payload//", tarfile.DIRTYPE, mode=0o755)] + members[i + 1:]


@kind("entry-after-end")
def k_entry_after_end(c):
    """A whole payload/evil entry after a single zero block (the first half
    of the end-of-archive marker): tar readers that stop there never see it."""
    evil = tar_bytes([member("payload/evil", data=b"evil\n")], c.m["created"])
    return AfterEnd(c.bundle(canon(c.m)), 1, evil + b"\0" * 1024)


@kind("garbage-after-end")
def k_garbage_after_end(c):
    """Bytes that are not a tar header after the whole end-of-archive marker."""
    return AfterEnd(c.bundle(canon(c.m)), 2, b"not a tar header\n" * 64)


@kind("zeros-after-end")
def k_zeros_after_end(c):
    """No attack: the end-of-archive marker and 8 KiB of zeros (a writer's
    padding to its record size)."""
    return AfterEnd(c.bundle(canon(c.m)), 2, b"\0" * 8192)


SLOTS = "signatures/.slots"


def with_slots(members, data, extra=()):
    """members with the reserved entry (schema/bundle.md) holding data
    after the head's signatures, and extra members right after it."""
    i = 0
    while i < len(members) and (members[i]["name"] == "manifest.json"
                                or members[i]["name"].startswith("signatures/")):
        i += 1
    out = members[:i] + [member(SLOTS, data=data)] + list(extra) + members[i:]
    if isinstance(members, AfterEnd):
        out = AfterEnd(out, members.zero_blocks, members.tail)
    return out


@kind("slots-nonzero")
def k_slots_nonzero(c):
    """a byte that is not zero in the reserved signature slots"""
    data = bytearray(8 * 1024)
    data[5000] = 1
    return with_slots(c.bundle(canon(c.m)), bytes(data))


@kind("slots-pending-junk")
def k_slots_pending_junk(c):
    """text past a pending signature's place in the first slot"""
    data = bytearray(8 * 1024)
    data[100:105] = b"hello"
    return with_slots(c.bundle(canon(c.m)), bytes(data))


@kind("slots-odd-size")
def k_slots_odd_size(c):
    """reserved slots that are not a whole number of 1024-byte slots"""
    return with_slots(c.bundle(canon(c.m)), bytes(1000))


@kind("slots-too-many")
def k_slots_too_many(c):
    """room for 65 signatures: more than a head may hold"""
    return with_slots(c.bundle(canon(c.m)), bytes(64 * 1024))


@kind("slots-twice")
def k_slots_twice(c):
    """two reserved entries"""
    return with_slots(c.bundle(canon(c.m)), bytes(1024), [member(SLOTS, data=bytes(1024))])


@kind("slots-sig-after")
def k_slots_sig_after(c):
    """the signature after the reserved slots instead of before them"""
    b = canon(c.m)
    return with_slots([member("manifest.json", data=b)], bytes(1024),
                      c.sig_members(b)) + c.payload()


@kind("slots-duplicate-sig")
def k_slots_duplicate_sig(c):
    """one signature twice in a slotted head (counted twice, it could meet
    a threshold of two alone)"""
    b = canon(c.m)
    sig = c.sig_members(b)
    return with_slots([member("manifest.json", data=b)] + sig + sig, bytes(1024)) + c.payload()


def cmd_kind(a):
    c = Ctx(a)
    members = KINDS[a.kind](c)
    # Every kind again with the reserved entry a bundle of ota-bundle has
    # (attacks_slotted.bats): what it attacks must be refused there too.
    slots = int(os.environ.get("OTA_CRAFT_SLOTS", "0"))
    if slots and not a.kind.startswith("slots-"):
        members = with_slots(members, bytes(slots * 1024))
    write_tar(a.out, members, c.m["created"])


def open_bundle(path):
    return tarfile.open(path, "r:*", encoding="utf-8", errors="surrogateescape")


def cmd_truncate(a):
    with open_bundle(a.input) as tf:
        last = [m for m in tf.getmembers() if m.isreg() and m.size > 1][-1]
        cut = last.offset_data + last.size // 2
    data = Path(a.input).read_bytes()[:cut]
    Path(a.out).write_bytes(data)


def cmd_splice(a):
    with open_bundle(a.manifest_from) as ta, open_bundle(a.payload_from) as tb:
        def members(tf, want_payload):
            out = []
            for ti in tf.getmembers():
                if ti.name.startswith("payload/") != want_payload:
                    continue
                t = {tarfile.REGTYPE: tarfile.REGTYPE, tarfile.AREGTYPE: tarfile.REGTYPE}
                data = tf.extractfile(ti).read() if ti.isreg() else b""
                out.append(member(ti.name, t.get(ti.type, ti.type), data, ti.mode, ti.linkname))
            return out
        head = members(ta, False)
        mtime = json.loads(ta.extractfile("manifest.json").read())["created"]
        write_tar(a.out, head + members(tb, True), mtime)


def cmd_design_bundle(a):
    """A bundle of the design's own manifest, laid out as schema/bundle.md
    says: manifest.json (the bytes given), signatures/<keyid>.sig (line 1
    of the design's signature file), then payload/ with every directory the
    paths imply (0755) and every file (0644), in byte order of the path."""
    from cryptography.hazmat.primitives import serialization
    mbytes = Path(a.manifest).read_bytes()
    m = json.loads(mbytes)
    pub = reference.load_public(a.pub).public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw)
    names = {}
    for p in m["files"]:
        parts = p.split("/")
        for i in range(1, len(parts)):
            names["/".join(parts[:i])] = None
        names[p] = (Path(a.tree) / p).read_bytes()
    payload = [member("payload/" + p, tarfile.DIRTYPE, mode=0o755) if d is None
               else member("payload/" + p, data=d, mode=0o644)
               for p, d in sorted(names.items(), key=lambda kv: path_key(kv[0]))]
    sigs = [member(f"signatures/{hashlib.sha256(pub).hexdigest()}.sig",
                   data=Path(a.signature).read_text().split("\n")[0].encode() + b"\n")
            ] if a.signature else []
    write_tar(a.out, [member("manifest.json", data=mbytes)] + sigs + payload, 0)


def cmd_weak_pub(a):
    # SubjectPublicKeyInfo for Ed25519 (OID 1.3.101.112) around the point
    # encoded 01 00..00: the identity, of order 1.
    der = bytes.fromhex("302a300506032b6570032100") + b"\x01" + b"\x00" * 31
    pem = base64.encodebytes(der).decode().replace("\n", "")
    Path(a.out).write_text(f"-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----\n")


def cmd_random(a):
    Path(a.out).write_bytes(random.Random(1700000000).randbytes(a.size))


def cmd_list(a):
    with open_bundle(a.bundle) as tf:
        for name in tf.getnames():
            sys.stdout.buffer.write(name.encode("utf-8", "surrogateescape") + b"\n")


def cmd_show(a):
    with open_bundle(a.bundle) as tf:
        sys.stdout.buffer.write(tf.extractfile(a.name).read())


def cmd_raw_sig(a):
    line = Path(a.sig).read_text().split("\n")[0]
    Path(a.out).write_bytes(base64.b64decode(line, validate=True))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, fn in KINDS.items():
        s = sub.add_parser(name, help=fn.__doc__)
        s.add_argument("--tree", required=True)
        s.add_argument("--key", required=True)
        s.add_argument("--out", required=True)
        s.add_argument("--target", default="edge-gw-v2")
        s.add_argument("--version", default="1.0.0")
        s.add_argument("--claim", help="keyid-spoof: the public key to impersonate")
        s.set_defaults(fn=cmd_kind, kind=name)
    s = sub.add_parser("kinds")
    s.set_defaults(fn=lambda a: [print(f"{k:26} {f.__doc__.splitlines()[0]}")
                                 for k, f in KINDS.items()])
    s = sub.add_parser("truncate")
    s.add_argument("--in", dest="input", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_truncate)
    s = sub.add_parser("splice")
    s.add_argument("--manifest-from", required=True)
    s.add_argument("--payload-from", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_splice)
    s = sub.add_parser("design-bundle")
    s.add_argument("--tree", required=True)
    s.add_argument("--manifest", required=True)
    s.add_argument("--signature", help="none: an unsigned bundle")
    s.add_argument("--pub", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_design_bundle)
    s = sub.add_parser("weak-pub")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_weak_pub)
    s = sub.add_parser("random")
    s.add_argument("--out", required=True)
    s.add_argument("--size", type=int, default=4096)
    s.set_defaults(fn=cmd_random)
    s = sub.add_parser("list")
    s.add_argument("bundle")
    s.set_defaults(fn=cmd_list)
    s = sub.add_parser("show")
    s.add_argument("bundle")
    s.add_argument("name")
    s.set_defaults(fn=cmd_show)
    s = sub.add_parser("raw-sig")
    s.add_argument("--sig", required=True)
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_raw_sig)
    a = p.parse_args()
    a.fn(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
