#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make check: builds and runs every test (ASan + UBSan build), then the concurrency suites
("stress", and "tsan" for threaded tests) again under TSan, then the transport tests with amodd
under valgrind (a build without sanitizers), and ends with "N passed, N failed" counting test
cases: each cmocka case counts once, a test program without cmocka output once."""
import json
import os
import re
import subprocess
import sys

PASSED = re.compile(r"^\[  PASSED  \] (\d+) test")
FAILED = re.compile(r"^\[  FAILED  \] (\d+) test")


def run(build, suites, names=()):
    subprocess.run(["ninja", "-C", build], check=True)
    cmd = ["meson", "test", "-C", build, "--print-errorlogs", "--num-processes", "2"]
    for s in suites:
        cmd += ["--suite", s]
    cmd += list(names)
    rc = subprocess.run(cmd).returncode
    passed = failed = 0
    with open(f"{build}/meson-logs/testlog.json") as f:
        for line in f:
            t = json.loads(line)
            p = q = None
            for out in (t.get("stdout") or "", t.get("stderr") or ""):
                for l in out.splitlines():
                    m = PASSED.match(l)
                    if m:
                        p = (p or 0) + int(m.group(1))
                    m = FAILED.match(l)
                    if m:
                        q = (q or 0) + int(m.group(1))
            ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
            if p is None and q is None:
                if ok:
                    passed += 1
                else:
                    failed += 1
            else:
                passed += p or 0
                failed += q or 0
                if not ok and not q:
                    failed += 1  # crashed or timed out after its cases
    return rc, passed, failed


def main():
    check, tsan, vg = sys.argv[1], sys.argv[2], sys.argv[3]
    rc1, p1, f1 = run(check, [])
    rc2, p2, f2 = run(tsan, ["stress", "tsan"])
    os.environ["AMOD_TEST_VALGRIND"] = "1"
    rc3, p3, f3 = run(vg, [], names=["transport"])
    print(f"ASan+UBSan: {p1} passed, {f1} failed; TSan: {p2} passed, {f2} failed; "
          f"valgrind (amodd in the transport tests): {p3} passed, {f3} failed")
    print(f"{p1 + p2 + p3} passed, {f1 + f2 + f3} failed")
    sys.exit(1 if rc1 or rc2 or rc3 or f1 or f2 or f3 else 0)


main()
