"""Python side of `make bench`: vibergate vs requests.Session vs http.client (keep-alive) vs the
official decisiontelecom package, for one DecisionTelecom send and one status, against the
loopback responder. Prints one JSON object per measurement."""

from __future__ import annotations

import base64
import http.client
import json
import statistics
import sys
import time
import urllib.parse
from typing import Callable, Dict, List

import decisiontelecom.viber as dt_viber
import requests

import vibergate

REQUESTS = 500
RUNS = 7


def compare(contenders: Dict[str, Callable[[], object]]) -> Dict[str, float]:
    for f in contenders.values():
        for _ in range(20):
            f()
    rates: Dict[str, List[float]] = {name: [] for name in contenders}
    for _ in range(RUNS):
        for name, f in contenders.items():
            start = time.perf_counter()
            for _ in range(REQUESTS):
                f()
            rates[name].append(REQUESTS / (time.perf_counter() - start))
    return {name: statistics.median(r) for name, r in rates.items()}


def main(base: str) -> None:
    client = vibergate.Client(f"decisiontelecom://KEY@default?base_url={urllib.parse.quote(base, safe='')}&sender=Shop&max_retries=0")
    auth = {"Authorization": "Basic " + base64.b64encode(b"KEY").decode(), "Content-Type": "application/json"}
    send_body = json.dumps({"source_addr": "Shop", "destination_addr": 380989361121, "message_type": 106, "text": "Hi", "source_type": 2})
    session = requests.Session()
    session.headers.update(auth)
    host = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port)

    def http_client(path: str, body: str) -> Dict[str, object]:
        conn.request("POST", path, body, auth)
        result: Dict[str, object] = json.loads(conn.getresponse().read())
        return result

    # The official SDK hard-codes its production URL: send its requests to the responder.
    real_post = requests.post
    dt_viber.requests.post = lambda url, **kw: real_post(url.replace("https://web.it-decision.com", base), **kw)  # type: ignore[attr-defined]
    official = dt_viber.ViberClient("KEY")
    message = dt_viber.ViberMessage("Shop", "380989361121", dt_viber.ViberMessageType.TextOnly, "Hi", dt_viber.ViberMessageSourceType.Transactional)

    sends = compare(
        {
            "vibergate": lambda: client.send(to=["380989361121"], text="Hi"),
            "requests.Session": lambda: session.post(f"{base}/v1/api/send-viber", data=send_body).json(),
            "http.client (keep-alive)": lambda: http_client("/v1/api/send-viber", send_body),
            "decisiontelecom (official SDK)": lambda: official.send_message(message),
        }
    )
    statuses = compare(
        {
            "vibergate": lambda: client.status(["429"]),
            "requests.Session": lambda: session.post(f"{base}/v1/api/receive-viber", data='{"message_id":429}').json(),
            "http.client (keep-alive)": lambda: http_client("/v1/api/receive-viber", '{"message_id":429}'),
            "decisiontelecom (official SDK)": lambda: official.get_message_status(429),
        }
    )
    for operation, rates in (("send", sends), ("status", statuses)):
        for name, rate in rates.items():
            print(json.dumps({"group": "Python", "name": name, "operation": operation, "rps": rate}))


if __name__ == "__main__":
    main(sys.argv[1])
