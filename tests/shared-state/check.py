"""The checker of scripts/test-shared-state.sh: reads what the workers printed and what the
sandbox received (`GET /_sandbox/requests`) and says whether one run kept its promises.

    python3 check.py RUN --sandbox URL --plan FILE --outputs DIR [--killed-at N --restarted-at N]

RUN is `shared` (Redis up the whole time), `restart` (Redis killed and restarted mid-run) or
`fail` (`shared_state_fallback=fail` with Redis stopped). FILE lists `WORKER PHONE` per line:
every send the run made. DIR holds WORKER.out (the worker's JSON lines) and WORKER.err (its
standard error). --killed-at and --restarted-at: how many SMS Club requests the sandbox had
received when Redis was killed and when it answered again (run `restart`).

Prints the run's numbers; exits 1, naming the offending window or recipient, on a failure.
"""

import argparse
import json
import os
import sys
import urllib.request
from collections import Counter, defaultdict
from typing import Any, Dict, List, Tuple

# SMS Club's limit (the sandbox's too): requests per token in any sliding second.
LIMIT = 9
WINDOW_MS = 1000

failures: List[str] = []


def fail(message: str) -> None:
    failures.append(message)


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def read_plan(path: str) -> List[Tuple[str, str]]:
    plan = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                worker, phone = line.split()
                plan.append((worker, digits(phone)))
    return plan


def read_outputs(directory: str, workers: List[str]) -> Tuple[List[Dict[str, Any]], Dict[str, List[str]]]:
    """Every worker's JSON lines, and the WARNING lines each one printed on standard error."""
    lines: List[Dict[str, Any]] = []
    stderr_warnings: Dict[str, List[str]] = {}
    for worker in workers:
        out = os.path.join(directory, f"{worker}.out")
        with open(out, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    fail(f"{worker}.out line {n} is not JSON: {line.rstrip()}")
                    continue
                if record.get("worker") != worker:
                    fail(f"{worker}.out line {n} names worker {record.get('worker')!r}")
                lines.append(record)
        err = os.path.join(directory, f"{worker}.err")
        if os.path.exists(err):
            with open(err, encoding="utf-8", errors="replace") as f:
                stderr_warnings[worker] = [line.rstrip() for line in f if "vibergate: WARNING:" in line]
    return lines, stderr_warnings


def sandbox_requests(url: str) -> List[Dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/_sandbox/requests", timeout=10) as answer:
        requests: List[Dict[str, Any]] = json.load(answer)
    return requests


def phones_of(request: Dict[str, Any]) -> List[str]:
    try:
        body = json.loads(request.get("body") or "{}")
    except ValueError:
        return []
    return [digits(str(p)) for p in body.get("phones", [])] if isinstance(body, dict) else []


def describe(request: Dict[str, Any]) -> str:
    return (
        f"#{request['seq']} at {request['at_ms']} ms {request['method']} {request['path']} "
        f"-> {request.get('status', 'no answer')} phones {','.join(phones_of(request))}"
    )


def busiest_window(requests: List[Dict[str, Any]]) -> Tuple[int, List[Dict[str, Any]]]:
    """The most requests in any window [t, t + 1000 ms) that starts at a request. at_ms is
    truncated to whole milliseconds, so two requests 1000 ms or more apart never share one
    here: the count never exceeds the sandbox's own (which answers 429 beyond 9)."""
    ordered = sorted(requests, key=lambda r: (r["at_ms"], r["seq"]))
    best: List[Dict[str, Any]] = []
    end = 0
    for start, first in enumerate(ordered):
        end = max(end, start)
        while end < len(ordered) and ordered[end]["at_ms"] - first["at_ms"] < WINDOW_MS:
            end += 1
        if end - start > len(best):
            best = ordered[start:end]
    return len(best), best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", choices=["shared", "restart", "fail"])
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--outputs", required=True)
    parser.add_argument("--killed-at", type=int)
    parser.add_argument("--restarted-at", type=int)
    args = parser.parse_args()

    plan = read_plan(args.plan)
    workers = sorted({w for w, _ in plan})
    owner = {phone: worker for worker, phone in plan}
    if len(owner) != len(plan):
        fail("the plan names a phone twice")
    lines, stderr_warnings = read_outputs(args.outputs, workers)
    requests = sandbox_requests(args.sandbox)
    # Kept beside the workers' output, for a failure's post-mortem.
    with open(os.path.join(args.outputs, "requests.json"), "w", encoding="utf-8") as f:
        json.dump(requests, f, indent=1)
    smsclub = [r for r in requests if r.get("provider") == "smsclub"]
    sends = [r for r in smsclub if r["path"] == "/vibers/send"]

    # Warnings: JSON lines (Python, Node) and the core's own stderr line (CLI, PHP).
    warned: Dict[str, int] = Counter()
    for record in lines:
        if "warning" in record:
            warned[record["worker"]] += 1
    for worker, found in stderr_warnings.items():
        if found:
            warned[worker] += len(found)
    reports = [r for r in lines if "warning" not in r]

    # ---- the buckets: every recipient in exactly one bucket of exactly one report ------------
    buckets: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    errors: Dict[str, Dict[str, Any]] = {}
    sends_per_worker: Counter[str] = Counter()
    for report in reports:
        worker, to = report["worker"], digits(report.get("to", ""))
        sends_per_worker[worker] += 1
        if owner.get(to) != worker:
            fail(f"{worker} reported a send to {to}, which the plan gives to {owner.get(to)}")
        if "error" in report:
            errors[to] = report["error"]
            continue
        for bucket in ("accepted", "rejected", "uncertain"):
            for phone in report.get(bucket, []):
                buckets[digits(phone)].append((worker, bucket))
    for worker in workers:
        planned = sum(1 for w, _ in plan if w == worker)
        if sends_per_worker[worker] != planned:
            fail(f"{worker} reported {sends_per_worker[worker]} sends of its {planned} (see {worker}.out and {worker}.err)")

    if args.run == "fail":
        # Every send refused with `transport` before anything was sent.
        for worker, phone in plan:
            error = errors.get(phone)
            if error is None:
                fail(f"{worker}: the send to {phone} did not fail (shared_state_fallback=fail, Redis down): {buckets.get(phone)}")
            elif error.get("code") != "transport":
                fail(f"{worker}: the send to {phone} failed with {error.get('code')}, not transport: {error.get('message')}")
        for request in requests:
            fail(f"the sandbox received a request although every send had to fail first: {describe(request)}")
        print(f"   fail: {len(plan)} sends by {len(workers)} workers, all refused with transport; "
              f"{len(requests)} requests reached the sandbox")
        return report_failures()

    for phone, error in errors.items():
        fail(f"{owner.get(phone)}: the send to {phone} failed: {error.get('code')}: {error.get('message')}")
    stray = sorted(set(buckets) - set(owner))
    for phone in stray:
        fail(f"{phone} is in a report but not in the plan: {buckets[phone]}")
    ok_requests: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    all_requests: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for request in sends:
        for phone in phones_of(request):
            all_requests[phone].append(request)
            if request.get("status") == 200:
                ok_requests[phone].append(request)
    for worker, phone in plan:
        found = buckets.get(phone, [])
        if phone in errors:
            continue
        if len(found) != 1:
            fail(f"{phone} (worker {worker}) is in {len(found)} buckets, not one: {found}")
            continue
        if found[0][1] != "accepted":
            # Every number of the plan is a valid one the sandbox accepts: a rejected or
            # uncertain one was lost to the run's troubles (429s, the Redis outage).
            fail(f"{phone} (worker {worker}) is {found[0][1]}, not accepted; its requests: "
                 + "; ".join(describe(r) for r in all_requests.get(phone, [])))
            continue
        sent = ok_requests.get(phone, [])
        if len(sent) != 1:
            fail(f"{phone} (worker {worker}) was accepted but is in {len(sent)} requests answered 200: "
                 + "; ".join(describe(r) for r in sent))
    for phone in sorted(set(ok_requests) - set(owner)):
        fail(f"the sandbox accepted {phone}, which no worker sent: "
             + "; ".join(describe(r) for r in ok_requests[phone]))

    # ---- the rate: no second over the limit, no 429 -------------------------------------------
    too_many = [r for r in smsclub if r.get("status") == 429]
    busiest, window = busiest_window(smsclub)
    duration_ms = (max(r["at_ms"] for r in smsclub) - min(r["at_ms"] for r in smsclub)) if smsclub else 0
    rate = (len(smsclub) - 1) * 1000 / duration_ms if duration_ms else 0.0
    print(f"   {args.run}: {len(smsclub)} SMS Club requests ({len(sends)} sends) for {len(plan)} recipients "
          f"from {len(workers)} workers in {duration_ms / 1000:.2f} s ({rate:.2f} requests/s); "
          f"busiest second {busiest} requests; {len(too_many)} answered 429")
    # How close the fleet came to the limit: the shortest span of LIMIT + 1 requests in a row
    # (the shared slots are 1000 ms × 1.05 / 9 apart: 1050 ms without any jitter).
    times = sorted(r["at_ms"] for r in smsclub)
    spans = [b - a for a, b in zip(times, times[LIMIT:])]
    if spans:
        print(f"   the closest {LIMIT + 1} requests in a row span {min(spans)} ms (a 429 below 1000 ms)")
    print(f"   accepted once each: {sum(1 for p in owner if len(ok_requests.get(p, [])) == 1)}/{len(owner)}; "
          f"warnings about the shared state: {dict(sorted(warned.items())) or 'none'}")
    if args.run == "shared":
        if too_many:
            shown = "\n      ".join(describe(r) for r in too_many[:12])
            more = f"\n      … and {len(too_many) - 12} more" if len(too_many) > 12 else ""
            fail(f"{len(too_many)} requests were answered 429:\n      {shown}{more}")
        if busiest > LIMIT:
            fail(f"{busiest} SMS Club requests within one second (limit {LIMIT}):\n      "
                 + "\n      ".join(describe(r) for r in window))
    else:
        # The outage: every worker sends by its own share for a while, so the 429s and the
        # busiest second are shown, not judged; what must hold is that nothing is lost or doubled
        # (above) and that the restart happened while the fleet was sending.
        if window:
            print(f"   busiest second of the restart run, {window[0]['at_ms']}–{window[-1]['at_ms']} ms")
        if not warned:
            fail("no worker logged the WARNING about an unreachable shared state: the outage was not seen")
        if args.killed_at is None or args.restarted_at is None:
            fail("run restart needs --killed-at and --restarted-at")
        elif args.restarted_at >= len(smsclub):
            fail(f"Redis answered again after {args.restarted_at} of {len(smsclub)} requests: "
                 "the fleet was no longer sending")
        else:
            print(f"   Redis killed after {args.killed_at} requests, answering again after {args.restarted_at}; "
                  f"{len(smsclub) - args.restarted_at} requests after the restart")
    return report_failures()


def report_failures() -> int:
    for message in failures:
        print(f"FAIL: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
