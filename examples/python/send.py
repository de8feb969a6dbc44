"""Sends a message and follows its delivery.

    python send.py [PHONE] [TEXT]

Uses $VIBERGATE_DSN, or the built-in sandbox when it is not set.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional

import vibergate


def main() -> int:
    phone = sys.argv[1] if len(sys.argv) > 1 else "380989361121"
    text = sys.argv[2] if len(sys.argv) > 2 else "Your order has shipped"
    sandbox: Optional[vibergate.Sandbox] = None
    dsn = os.environ.get("VIBERGATE_DSN")
    if not dsn:
        sandbox = vibergate.Sandbox(step_ms=100)
        dsn = sandbox.dsn("smsclub")
        print("no VIBERGATE_DSN: using the sandbox")
    client = vibergate.Client(dsn)
    try:
        report = client.send(to=[phone], text=text, sms_fallback=vibergate.SmsFallback(text))
    except vibergate.RateLimitedError as e:
        print(f"slow down: retry in {e.retry_after_ms} ms")
        return 1
    except vibergate.VibergateError as e:
        print(f"{e.code}: {e.message}")
        return 1
    for accepted in report.accepted:
        print(f"accepted {accepted.phone}: {accepted.message_id}")
    for rejected in report.rejected:
        print(f"rejected {rejected.phone}: {rejected.reason}")
    for _ in range(50):
        states = client.status(report.message_ids)
        if all(s.state.is_final for s in states):
            break
        time.sleep(0.1)
    for s in states:
        print(f"{s.message_id}: {s.state}")
    if sandbox is not None:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
