#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check the attack table of tests/README.md against the tests themselves.

    check_attack_table.py [--readme FILE] [--tests DIR]

Every test the table names must exist, exactly once, in the file its
letter stands for (the "Files:" line: a capital letter, or one and a
digit, such as U1 for a second unit-test file): a bats test by its name
up to the first ": " (or its whole name), a cmocka test by its function
name, a fuzz target by its name.  Every test of the files that must be
covered (COVERED: attacks.bats, test_extract_race.c, and the tests of
delta.bats and roles.bats named "attack...") must be named somewhere in the table;
controls named "control..." may be left out.  Where a row's exit column
is a single number and a named bats test states its class, as "(N)" or
"exit N" (N up to 255: "(404)" is HTTP's), the two must agree.  Prints
one line per problem and exits 1 if there is any.
"""
import argparse
import re
import sys
from pathlib import Path

# Every test of these files whose name starts so must be in the table.
COVERED = {
    "cli/attacks.bats": "",
    "unit/test_extract_race.c": "",
    "cli/delta.bats": "attack",
    "cli/roles.bats": "attack",
}
LETTER = r"[A-Z][0-9]?"


def bats_names(path):
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r'\s*@test "((?:[^"\\]|\\.)*)"', line)
        if m:
            names.append(re.sub(r"\\(.)", r"\1", m.group(1)))
    return names


def cmocka_names(path):
    return re.findall(r"^static void (test_\w+)\(", path.read_text(encoding="utf-8"), re.M)


def load_files(readme, tests):
    m = re.search(r"^Files: (.*?)\.\s+A test is", readme, re.M | re.S)
    if not m:
        raise SystemExit("check_attack_table: no \"Files:\" line in the attack table section")
    files = {}
    for letter, rel in re.findall(r"\b(%s) = `([^`]+)`" % LETTER, m.group(1)):
        files[letter] = rel
    return files


def names_of(letter, rel, tests):
    if rel.startswith("../fuzz/"):
        pattern = rel.replace("<target>", "*")
        return [p.stem[len("fuzz_"):] for p in sorted(tests.glob(pattern))]
    path = tests / rel
    if not path.is_file():
        raise SystemExit(f"check_attack_table: {letter} = {rel}: no such file")
    return bats_names(path) if rel.endswith(".bats") else cmocka_names(path)


def refs_of(cell):
    """[(letter, name)] from a cell like: A `x`, `y`, V `z` and prose."""
    out, letter = [], None
    for m in re.finditer(r"(?:\b(%s) )?`([^`]+)`" % LETTER, cell):
        if m.group(1):
            letter = m.group(1)
        if letter:
            out.append((letter, m.group(2)))
    return out


def rows(readme):
    section = readme[readme.index("## Attack table"):]
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Threat") or line.startswith("| ---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4:
            yield cells


def stated_class(name):
    """The first "(N)" or "exit N" that can be an exit status: not "(404)"."""
    for m in re.finditer(r"\((\d+)\)|\bexit (\d+)\b", name):
        if int(m.group(1) or m.group(2)) <= 255:
            return int(m.group(1) or m.group(2))
    return None


def main():
    here = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser()
    p.add_argument("--readme", default=here / "README.md", type=Path)
    p.add_argument("--tests", default=here, type=Path)
    a = p.parse_args()
    readme = a.readme.read_text(encoding="utf-8")
    files = load_files(readme, a.tests)
    known = {k: names_of(k, v, a.tests) for k, v in files.items()}
    used = {k: set() for k in files}
    problems = []
    for threat, attack, cell, exit_ in rows(readme):
        for letter, ref in refs_of(cell):
            if letter not in files:
                continue  # a backticked word in prose, not a test reference
            hits = [n for n in known[letter] if n == ref or n.split(": ")[0] == ref]
            if len(hits) != 1:
                problems.append(f"{files[letter]}: {len(hits)} tests named \"{ref}\"")
                continue
            used[letter].add(hits[0])
            want = stated_class(hits[0]) if files[letter].endswith(".bats") else None
            if want is not None and re.fullmatch(r"\d+", exit_) and int(exit_) != want:
                problems.append(f"{files[letter]}: \"{ref}\" says {want}, the table {exit_}")
    for rel in sorted(set(COVERED) - set(files.values())):
        problems.append(f"{rel}: must be covered, but has no letter on the \"Files:\" line")
    for letter in sorted(k for k, v in files.items() if v in COVERED):
        prefix = COVERED[files[letter]]
        for n in known[letter]:
            if n.startswith(prefix) and n not in used[letter] and not n.startswith("control"):
                problems.append(f"{files[letter]}: \"{n}\" is not in the attack table")
    for line in problems:
        print(f"check_attack_table: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
