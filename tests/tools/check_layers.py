#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check_layers.py - the modules of the C tree form layers: no two files
import each other, directly or round a loop.

A module is a .c file with its .h (lib/run.c and lib/run.h are one).  A
module depends on another when its .c includes the other's header or
calls a function the other defines (not static: one its header offers).  Any strongly connected group of two or more
modules is a loop (an upward import closes one: run.c including health.h
while health.c calls run.c).  Prints each loop and exits 1, or prints the
count of modules and edges and exits 0.

    check_layers.py DIR...     (e.g. lib agent cli)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DEFINE = re.compile(r'^(?!static\b)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{', re.M)
CALL = re.compile(r'\b([A-Za-z_]\w*)\s*\(')
COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def modules(dirs):
    """Module -> its files.  X_part.c without a header of its own is a
    part of module X when X.h exists (agent/engine_step.c of engine.h)."""
    mods = {}
    for d in dirs:
        names = sorted(os.listdir(d))
        for name in names:
            base, ext = os.path.splitext(name)
            if ext not in (".c", ".h"):
                continue
            if ext == ".c" and base + ".h" not in names and "_" in base and \
                    base.rsplit("_", 1)[0] + ".h" in names:
                base = base.rsplit("_", 1)[0]
            mods.setdefault(f"{d}/{base}", []).append(f"{d}/{name}")
    return mods


def graph(mods):
    text = {m: "".join(open(f, encoding="utf-8").read() for f in files if f.endswith(".c"))
            for m, files in mods.items()}
    code = {m: STRING.sub('""', COMMENT.sub(" ", t)) for m, t in text.items()}
    owner = {}
    for m, files in mods.items():
        for f in files:
            if f.endswith(".c"):
                for fn in DEFINE.findall(STRING.sub('""', COMMENT.sub(" ", open(f).read()))):
                    owner.setdefault(fn, m)
    edges = {m: set() for m in mods}
    for m, t in text.items():
        for inc in INCLUDE.findall(t):
            dep = os.path.splitext(inc)[0]
            if dep in mods and dep != m:
                edges[m].add(dep)
        for fn in CALL.findall(code[m]):
            dep = owner.get(fn)
            if dep and dep != m:
                edges[m].add(dep)
    return edges


def loops(edges):
    """Tarjan's strongly connected components of size > 1."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    mods = modules(sys.argv[1:])
    edges = graph(mods)
    found = loops(edges)
    for comp in found:
        pairs = [f"{a} -> {b}" for a in comp for b in sorted(edges[a]) if b in comp]
        print("loop: " + ", ".join(pairs))
    if found:
        return 1
    print(f"{len(mods)} modules, {sum(len(e) for e in edges.values())} dependencies, no loop")
    return 0


if __name__ == "__main__":
    sys.exit(main())
