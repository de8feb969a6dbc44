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
