"""A Python worker of scripts/test-shared-state.sh.

    python worker.py NAME PHONE...

Sends one single-recipient message per PHONE, one after the other, through the DSN in
VIBERGATE_DSN (an SMS Club account with `shared_state`), and prints one JSON line per send on
standard output: the recipient's buckets, or the error the send raised. Every WARNING of the
`vibergate` logger (the shared state became unreachable) is a JSON line too, so that the
checker can see that the Redis restart happened while this worker was sending.
"""

import json
import logging
import sys
import threading
from typing import Any, Dict

import vibergate

name, phones = sys.argv[1], sys.argv[2:]
# The log hook may run on one of vibergate's own threads: one line at a time.
lock = threading.Lock()


def emit(fields: Dict[str, Any]) -> None:
    with lock:
        print(json.dumps({"worker": name, **fields}), flush=True)


class Warnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        emit({"warning": record.getMessage()})


logger = logging.getLogger("vibergate")
logger.setLevel(logging.WARNING)
logger.addHandler(Warnings(logging.WARNING))

with vibergate.Client.from_env() as client:
    for i, phone in enumerate(phones, 1):
        try:
            report = client.send(to=[phone], text=f"shared-state {name} {i}")
        except vibergate.VibergateError as e:
            emit({"to": phone, "error": {"code": e.code, "message": e.message}})
            continue
        emit(
            {
                "to": phone,
                "accepted": [a.phone for a in report.accepted],
                "rejected": [r.phone for r in report.rejected],
                "uncertain": [u.phone for u in report.uncertain],
            }
        )
