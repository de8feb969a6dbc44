"""Parses provider callbacks the way a web handler would (Flask-style arguments)."""

from __future__ import annotations

import vibergate


def handle(provider: str, method: str, args: dict[str, str], body: bytes, content_type: str) -> None:
    for event in vibergate.parse_webhook(provider, method=method, query=args, body=body, content_type=content_type):
        if event.kind == "inbound":
            print(f"{event.phone} replied: {event.text}")
        else:
            print(f"{event.message_id} is now {event.state}")


if __name__ == "__main__":
    handle("inteltele", "GET", {"msgid": "f3e76f4e", "status": "delivrd"}, b"", "")
    handle(
        "decisiontelecom",
        "POST",
        {},
        b'{"message_token":1,"phone_number":"972512222222","time":1700000000,"message":{"text":"YES","tracking_data":"tracking_id:429"}}',
        "application/json",
    )
