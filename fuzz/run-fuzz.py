#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make fuzz: runs every libFuzzer target of a fuzzing build for a bounded time.

run-fuzz.py BUILD SECONDS [TARGET...]

Each target fuzzes for SECONDS, seeded from fuzz/corpus/<target>/ (read only); new inputs go
to BUILD/fuzz-scratch/<target>/, crash inputs to BUILD/fuzz-artifacts/<target>/, the whole
output to BUILD/fuzz-logs/<target>.log. $FUZZ_JOBS targets run at a time (default: the
number of CPUs). Ends with a table of executions per target; exits 1 if a target crashed.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import time

SOURCE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(SOURCE, "corpus")

STAT = re.compile(r"^stat::(\w+):\s*(\d+)")
DONE = re.compile(r"^#(\d+)\s+DONE\s.*?cov: (\d+)")
PULSE = re.compile(r"^#(\d+)\s+\w+\s.*?cov: (\d+)")
ARTIFACT = re.compile(r"Test unit written to (\S+)")


def run(build, seconds, target):
    exe = os.path.join(build, "fuzz", "fuzz-" + target)
    scratch = os.path.join(build, "fuzz-scratch", target)
    artifacts = os.path.join(build, "fuzz-artifacts", target)
    logs = os.path.join(build, "fuzz-logs")
    for d in (scratch, artifacts, logs):
        os.makedirs(d, exist_ok=True)
    log = os.path.join(logs, target + ".log")
    cmd = [
        exe,
        f"-max_total_time={seconds}",
        "-print_final_stats=1",
        "-timeout=25",          # per input; the host target waits up to 5 s for the host
        "-rss_limit_mb=4096",
        "-use_value_profile=1",
        f"-artifact_prefix={artifacts}/",
        scratch,                # first: where new inputs go
        os.path.join(CORPUS, target),
    ]
    start = time.monotonic()
    with open(log, "w") as f:
        # Bounded even if the target hangs somewhere libFuzzer's timeout cannot see.
        try:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT,
                                timeout=seconds + 120).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    elapsed = time.monotonic() - start

    result = {"target": target, "rc": rc, "seconds": elapsed, "log": log, "artifact": None,
              "execs": None, "cov": None}
    with open(log, errors="replace") as f:
        for line in f:
            m = STAT.match(line)
            if m:
                result[m.group(1)] = int(m.group(2))
            m = DONE.match(line) or PULSE.match(line)
            if m:
                result["done_execs"] = int(m.group(1))
                result["cov"] = int(m.group(2))
            m = ARTIFACT.search(line)
            if m:
                result["artifact"] = m.group(1)
    result["execs"] = result.get("number_of_executed_units", result.get("done_execs"))
    return result


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    build, seconds = sys.argv[1], int(sys.argv[2])
    targets = sys.argv[3:] or sorted(os.listdir(CORPUS))
    for t in targets:
        if not os.access(os.path.join(build, "fuzz", "fuzz-" + t), os.X_OK):
            sys.exit(f"run-fuzz: no fuzz target '{t}' in {build} (a fuzzing build?)")
    jobs = int(os.environ.get("FUZZ_JOBS") or os.cpu_count() or 1)
    print(f"Fuzzing {len(targets)} targets for {seconds} s each, {jobs} at a time; "
          f"logs in {build}/fuzz-logs/")
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda t: run(build, seconds, t), targets))
    total = time.monotonic() - start

    def num(v):
        return "-" if v is None else f"{v:,}"

    rows = [("target", "result", "executions", "exec/s", "coverage", "new inputs", "peak MB")]
    failed = []
    for r in results:
        ok = r["rc"] == 0 and not r["artifact"]
        if not ok:
            failed.append(r)
        rows.append((r["target"], "ok" if ok else "CRASH" if r["artifact"] else f"rc {r['rc']}",
                     num(r["execs"]), num(r.get("average_exec_per_sec")), num(r["cov"]),
                     num(r.get("new_units_added")), num(r.get("peak_rss_mb"))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j < 2 else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\nTotal: {total:.0f} s")
    for r in failed:
        print(f"\n{r['target']}: failed, see {r['log']}")
        if r["artifact"]:
            print(f"  input: {r['artifact']}\n  keep it as a regression input once fixed:\n"
                  f"  cp {r['artifact']} fuzz/corpus/{r['target']}/")
    sys.exit(1 if failed else 0)


main()
