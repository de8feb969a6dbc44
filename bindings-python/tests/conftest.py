from typing import Iterator

import pytest

import vibergate


@pytest.fixture()
def sandbox() -> Iterator[vibergate.Sandbox]:
    with vibergate.Sandbox(smsclub_rate_limit=0) as sb:
        yield sb
