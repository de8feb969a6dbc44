"""The examples type-check against the package; the native stubs match the module."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_examples_type_check() -> None:
    examples = sorted(str(p) for p in (ROOT / "examples" / "python").glob("*.py"))
    assert examples
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", *examples], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_type_checks_strictly() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "-p", "vibergate"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_native_stubs_match_the_module() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy.stubtest", "vibergate._native"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_examples_run() -> None:
    for name in ("send.py", "webhook.py"):
        result = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / name)], capture_output=True, text=True, env={"PATH": ""})
        assert result.returncode == 0, result.stdout + result.stderr


KEYWORDS = '''
import asyncio
import vibergate

def good(client: vibergate.Client, router: vibergate.Router) -> None:
    report: vibergate.SendReport = client.send(
        to=["380989361121"], sender="Shop", text="Hi", button=vibergate.Button("Open", "https://x.example"),
        sms_fallback="Hi", ttl_seconds=3600, category="promotional", two_way=False,
    )
    routed: vibergate.RoutedReport = router.send(to=["380989361121"], text="Hi")
    router.send_personalized([vibergate.PersonalizedItem("380989361121", "Hi")], sender="Shop", button_text="Open")
    fields: vibergate.MessageFields = {"to": ["380989361121"], "text": "Hi"}
    client.send(**fields)
    with vibergate.Client("smsclub://T@default") as c:
        c.send(to=["380989361121"], text="Hi")

async def good_async(client: vibergate.AsyncClient) -> None:
    async with client as c:
        report: vibergate.SendReport = await c.send(to=["380989361121"], text="Hi")
        states: list[vibergate.DeliveryReport] = await c.status(report.message_ids)

def bad(client: vibergate.Client, router: vibergate.Router) -> None:
    client.send(to=["380989361121"], txt="Hi")  # error
    router.send(to=["380989361121"], txt="Hi")  # error
    client.send(to=["380989361121"], ttl_seconds="1h")  # error
    router.send_personalized([], sendr="Shop")  # error

async def bad_async(client: vibergate.AsyncClient) -> None:
    await client.send(to=["380989361121"], txt="Hi")  # error
    await client.status(5)  # error
'''


def test_keyword_arguments_are_typed(tmp_path: pathlib.Path) -> None:
    """mypy --strict refuses a misspelt field (txt=) or a wrong type, sync and async."""
    path = tmp_path / "keywords.py"
    path.write_text(KEYWORDS)
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(path)], capture_output=True, text=True)
    errors = {int(line.split(":")[1]): line for line in result.stdout.splitlines() if ": error:" in line}
    marked = [n for n, line in enumerate(KEYWORDS.splitlines(), 1) if line.endswith("# error")]
    assert sorted(errors) == marked, result.stdout
    txt = [errors[n] for n in marked if "txt=" in KEYWORDS.splitlines()[n - 1]]
    assert len(txt) == 3 and all('Unexpected keyword argument "txt"' in e for e in txt), txt
    assert 'did you mean "text"' in txt[0], txt[0]
