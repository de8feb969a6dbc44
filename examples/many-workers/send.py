"""Four worker processes, one SMS Club account: they share its 9 requests per second in Redis."""

import functools
import multiprocessing
import os
from collections import Counter

import vibergate

WORKERS = 4
# VIBERGATE_DSN as above (it has options already: `&` adds more), plus the Redis that holds the
# account's shared schedule, and how many processes share it (for the fallback while it is down).
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
DSN = f"{os.environ['VIBERGATE_DSN']}&shared_state={REDIS_URL}&workers={WORKERS}"


@functools.cache
def client() -> vibergate.Client:
    # Built on first use in each worker process: the parent never builds one, so that no
    # client is inherited through fork.
    return vibergate.Client(DSN)


def notify(phone: str) -> tuple[str, str]:
    """One job, one order notification: its outcome and a line about it."""
    try:
        report = client().send(to=[phone], text="Your order has shipped")
    except vibergate.VibergateError as e:  # nothing was accepted or uncertain
        return "failed", f"{phone}: {e.code}: {e.message}"
    if report.uncertain:
        # Sent, but no answer came: it may have gone out. Check before sending it again.
        return "uncertain", f"{phone}: {report.uncertain[0].detail}"
    if report.rejected:
        return "rejected", f"{phone}: {report.rejected[0].reason}"
    return "accepted", f"{phone}: message id {report.accepted[0].message_id}"


if __name__ == "__main__":
    phones = [f"38098936{n}" for n in range(1000, 1020)]  # the jobs your queue hands out
    with multiprocessing.Pool(WORKERS) as pool:
        results = list(pool.imap_unordered(notify, phones))
    for outcome, line in results:
        if outcome != "accepted":
            print(outcome, line)
    count = Counter(outcome for outcome, _ in results)
    print(
        f"{WORKERS} workers, {len(phones)} messages: {count['accepted']} accepted, "
        f"{count['rejected']} rejected, {count['uncertain']} uncertain, {count['failed']} failed"
    )
    raise SystemExit(1 if count["failed"] else 0)
