#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The design's Python reference: build_manifest, sign_manifest and
verify_bundle from the design document (signer/sign.py, agent/verify.py),
kept faithful, with a small command line for the interop tests.

Faithful means: the signature is over
    json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
(ensure_ascii on), base64 with the standard padded alphabet, and verify
re-serializes the *parsed* manifest, checks every hash of "files" and then
the target.  Like the design it does not check the exact file set, modes,
symlinks or duplicate JSON keys: those are the C tools' job, and the
attack tests show where the two differ.

build_manifest and sign_manifest are the design's, as it wrote them: its
manifest has exactly "version", "target" (always "edge-gw-v2") and
"files", the form our tools accept as the design's (schema/manifest.md).
build_full_manifest is the contract's manifest (format, target,
rollback_index, created, entries) built the same way; its "files" field is
the design's own, except that symlinks are entries, not files (the
design's is_file() follows them).

    reference.py keygen   --out PREFIX
    reference.py manifest --tree DIR --version V [--target T] [--rollback-index N]
    reference.py manifest --design --tree DIR --version V   (build_manifest's form)
    reference.py sign     --key K.key --manifest M.json
    reference.py verify   --pub K.pub --manifest M.json --signature M.sig
                          --tree DIR --device-class T
Exit status: 0 ok, 1 verification failed, 2 usage.
"""
import argparse
import base64
import binascii
import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

DEVICE_CLASS = None  # set by the command line; the design reads the device


def read_device_class() -> str:
    return DEVICE_CLASS


def canonical(manifest: dict) -> bytes:
    """The design's one serialization, used for signing and verifying."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


# signer/sign.py, as the design wrote it
def build_manifest(bundle_dir: Path, version: str) -> dict:
    files = {}
    for f in sorted(bundle_dir.rglob("*")):
        if f.is_file():
            rel = str(f.relative_to(bundle_dir))
            files[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return {"version": version, "target": "edge-gw-v2", "files": files}


# The contract's manifest, built the same way.
def build_full_manifest(bundle_dir: Path, version: str, target: str = "edge-gw-v2",
                        rollback_index: int = 0, created: int = 0) -> dict:
    files = {}
    entries = {}
    for f in sorted(bundle_dir.rglob("*")):
        rel = str(f.relative_to(bundle_dir))
        st = f.lstat()
        if stat.S_ISLNK(st.st_mode):
            entries[rel] = {"type": "symlink", "target": os.readlink(f)}
        elif stat.S_ISDIR(st.st_mode):
            entries[rel] = {"type": "dir", "mode": stat.S_IMODE(st.st_mode)}
        elif f.is_file():
            files[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
            entries[rel] = {"type": "file", "mode": stat.S_IMODE(st.st_mode),
                            "size": st.st_size}
    return {"format": 1, "version": version, "target": target,
            "rollback_index": rollback_index, "created": created,
            "files": files, "entries": entries}


def sign_manifest(manifest: dict, key: Ed25519PrivateKey) -> str:
    payload = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    sig = key.sign(payload)
    return base64.b64encode(sig).decode()


# agent/verify.py
def verify_bundle(manifest: dict, signature: str, bundle_dir: Path,
                  pub_key: Ed25519PublicKey) -> bool:
    # 1. Signature over the canonical manifest
    payload = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    try:
        pub_key.verify(base64.b64decode(signature), payload)
    except InvalidSignature:
        return False

    # 2. Every file hash matches the manifest
    for rel, expected in manifest["files"].items():
        actual = hashlib.sha256((bundle_dir / rel).read_bytes()).hexdigest()
        if actual != expected:
            return False

    # 3. Target device class matches
    return manifest["target"] == read_device_class()


def load_private(path: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public(path: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


def cmd_keygen(a) -> int:
    key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    fd = os.open(a.out + ".key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(priv)
    Path(a.out + ".pub").write_bytes(pub)
    return 0


def cmd_manifest(a) -> int:
    created = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    if a.design:
        m = build_manifest(Path(a.tree), a.version)
    else:
        m = build_full_manifest(Path(a.tree), a.version, a.target, a.rollback_index, created)
    sys.stdout.buffer.write(canonical(m))
    return 0


def cmd_sign(a) -> int:
    manifest = json.loads(Path(a.manifest).read_bytes())
    print(sign_manifest(manifest, load_private(a.key)))
    return 0


def cmd_verify(a) -> int:
    global DEVICE_CLASS
    DEVICE_CLASS = a.device_class
    manifest = json.loads(Path(a.manifest).read_bytes())
    # Line 1 of a signature file is the design's base64 string.
    signature = Path(a.signature).read_text().split("\n")[0]
    if not verify_bundle(manifest, signature, Path(a.tree), load_public(a.pub)):
        print("reference: verification failed", file=sys.stderr)
        return 1
    print("reference: verified")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("keygen")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_keygen)
    s = sub.add_parser("manifest")
    s.add_argument("--tree", required=True)
    s.add_argument("--version", required=True)
    s.add_argument("--target", default="edge-gw-v2")
    s.add_argument("--rollback-index", type=int, default=0)
    s.add_argument("--design", action="store_true")
    s.set_defaults(fn=cmd_manifest)
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--manifest", required=True)
    s.set_defaults(fn=cmd_sign)
    s = sub.add_parser("verify")
    s.add_argument("--pub", required=True)
    s.add_argument("--manifest", required=True)
    s.add_argument("--signature", required=True)
    s.add_argument("--tree", required=True)
    s.add_argument("--device-class", required=True)
    s.set_defaults(fn=cmd_verify)
    a = p.parse_args()
    try:
        return a.fn(a)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as e:
        # A file the design would crash on is a failed verification.
        print(f"reference: {a.cmd}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
