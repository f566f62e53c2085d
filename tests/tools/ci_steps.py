#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ci_steps.py - print, as one shell script, what a CI file would run:
the variables it sets (GitHub Actions: the workflow's and the job's
`env`, then the step's; GitLab: the file's and the job's `variables`),
then the commands of the steps named.  tests/cli/ci.bats runs the output,
so that examples/ci/build-bundle.sh is tested exactly as the workflow
and the job call it.

  ci_steps.py github FILE JOB STEP-NAME... [--expr 'EXPR=VALUE']...
  ci_steps.py gitlab FILE JOB [--env NAME=VALUE]...

A GitHub expression `${{ EXPR }}` must be given a value with --expr (an
unknown one is an error, not an empty string).  GitLab's CI/CD variables
(the secrets) come from the environment, as GitLab gives them.
"""
import re
import shlex
import sys

import yaml


def github(doc, job, steps, exprs):
    def sub(text):
        def one(m):
            e = m.group(1).strip()
            if e not in exprs:
                sys.exit("ci_steps.py: no value for ${{ %s }}" % e)
            return exprs[e]
        return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

    j = doc["jobs"][job]
    base = dict(doc.get("env") or {})
    base.update(j.get("env") or {})
    out = ["set -e"]
    for k, v in base.items():
        out.append("export %s=%s" % (k, shlex.quote(sub(v))))
    by_name = {s.get("name"): s for s in j["steps"]}
    for name in steps:
        s = by_name.get(name)
        if s is None or "run" not in s:
            sys.exit("ci_steps.py: no step %r with run:" % name)
        env = "".join("export %s=%s\n" % (k, shlex.quote(sub(v)))
                      for k, v in (s.get("env") or {}).items())
        # Each step runs in a shell of its own (bash -e, as GitHub's).
        out.append("( %s\n%s\n)" % (env, sub(s["run"])))
    return "\n".join(out)


def gitlab(doc, job, env):
    j = doc[job]
    # Predefined and project variables (CI_COMMIT_TAG, the secrets, an
    # OTA_SIGN set in the project's settings) take precedence over the
    # file's, which may refer to them ($CI_COMMIT_TAG).
    out = ["set -e"] + ["export %s=%s" % (k, shlex.quote(v)) for k, v in env.items()]
    for src in (doc.get("variables") or {}, j.get("variables") or {}):
        for k, v in src.items():
            if k not in env:
                out.append('export %s="%s"' % (k, str(v).replace('"', '\\"')))
    out.extend(j.get("script") or [])
    return "\n".join(out)


def main():
    argv = sys.argv[1:]
    exprs, env = {}, {}
    for opt, into in (("--expr", exprs), ("--env", env)):
        while opt in argv:
            i = argv.index(opt)
            k, _, v = argv[i + 1].partition("=")
            into[k] = v
            del argv[i:i + 2]
    kind, path, job = argv[:3]
    doc = yaml.safe_load(open(path))
    if kind == "github":
        print(github(doc, job, argv[3:], exprs))
    else:
        print(gitlab(doc, job, env))


main()
