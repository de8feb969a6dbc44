#!/usr/bin/env python3
"""The fenced code samples of the repository's READMEs, for scripts/test-readme.sh.

Every fenced block in a README (README.md, bindings-python/README.md, bindings-node/README.md and
any other README*.md outside target/ and node_modules/) must be preceded by a marker naming it:

    <!-- sample: NAME -->                      run by scripts/test-readme.sh under NAME
    <!-- sample: NAME, fragment of PATH -->    a fragment (its text says so) that must appear
                                               whole in PATH, a file the test runs
    <!-- sample: NAME, file PATH -->           the whole of PATH, which must be equal to it

Commands:
    list                 NAME, language, file:line and fragment host of every block
    extract NAME [OUT]   the block's text, to OUT or standard output
    check                every block is marked, names are unique, every fragment is in its
                         host and every file block equals its file; every link from a README
                         or docs/*.md to a file (and heading) of the repository resolves
    covered LOG          every block's NAME is a line of LOG (the names the test ran)
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP_DIRS = {".git", "target", "node_modules", "corpus", "artifacts"}
MARKER = re.compile(r"^<!--\s*sample:\s*([a-z0-9][a-z0-9-]*)\s*(?:,\s*(fragment of|file)\s+(\S+)\s*)?-->\s*$")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([A-Za-z0-9_+-]*)")


@dataclass
class Block:
    name: Optional[str]
    lang: str
    file: str
    line: int
    text: str
    fragment_of: Optional[str]
    file_of: Optional[str]


def readmes() -> List[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for f in sorted(filenames):
            if f.upper().startswith("README") and f.lower().endswith(".md"):
                found.append(os.path.relpath(os.path.join(dirpath, f), ROOT))
    return found


def blocks_of(path: str) -> List[Block]:
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        lines = f.read().split("\n")
    out: List[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3)
        start = i
        body: List[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            line = lines[i]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1  # the closing fence
        # The marker is the nearest non-blank line above the opening fence.
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        marker = MARKER.match(lines[j].strip()) if j >= 0 else None
        out.append(
            Block(
                name=marker.group(1) if marker else None,
                lang=lang,
                file=path,
                line=start + 1,
                text="\n".join(body) + "\n",
                fragment_of=marker.group(3) if marker and marker.group(2) == "fragment of" else None,
                file_of=marker.group(3) if marker and marker.group(2) == "file" else None,
            )
        )
    return out


def all_blocks() -> List[Block]:
    return [b for path in readmes() for b in blocks_of(path)]


def embedded(fragment: str, host: str) -> bool:
    """Whether every line of `fragment` appears, in order and contiguous, in `host`, with one
    common indentation added (a fragment may sit inside a function)."""
    frag = fragment.rstrip("\n").split("\n")
    lines = host.split("\n")
    for start in range(len(lines) - len(frag) + 1):
        first = lines[start]
        if not first.endswith(frag[0]) or first[: len(first) - len(frag[0])].strip():
            continue
        pad = first[: len(first) - len(frag[0])]
        if all((lines[start + k] == pad + frag[k]) or (not frag[k] and not lines[start + k].strip()) for k in range(len(frag))):
            return True
    return False


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


LINK = re.compile(r"\]\(([^)\s]+)\)")


def check_links(path: str, problems: List[str]) -> None:
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = f.read()
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(os.path.join(ROOT, path)), file_part)) if file_part else os.path.join(ROOT, path)
        if not os.path.exists(dest):
            problems.append(f"{path}: link {target!r}: {os.path.relpath(dest, ROOT)} does not exist")
            continue
        if anchor and dest.endswith(".md"):
            with open(dest, encoding="utf-8") as f:
                anchors = {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", f.read(), re.M)}
            if anchor not in anchors:
                problems.append(f"{path}: link {target!r}: no heading with anchor #{anchor} in {os.path.relpath(dest, ROOT)}")


def check() -> int:
    problems: List[str] = []
    docs = [os.path.join("docs", f) for f in sorted(os.listdir(os.path.join(ROOT, "docs"))) if f.endswith(".md")]
    for path in readmes() + docs:
        check_links(path, problems)
    seen: Dict[str, Block] = {}
    for b in all_blocks():
        where = f"{b.file}:{b.line}"
        if b.name is None:
            problems.append(f"{where}: a ```{b.lang} block has no <!-- sample: NAME --> marker above it")
            continue
        if b.name in seen:
            other = seen[b.name]
            problems.append(f"{where}: sample name {b.name!r} is already used at {other.file}:{other.line}")
        seen[b.name] = b
        if b.fragment_of:
            host_path = os.path.join(ROOT, b.fragment_of)
            if not os.path.isfile(host_path):
                problems.append(f"{where}: fragment host {b.fragment_of} does not exist")
                continue
            with open(host_path, encoding="utf-8") as f:
                if not embedded(b.text, f.read()):
                    problems.append(f"{where}: fragment {b.name!r} does not appear whole in {b.fragment_of}")
        if b.file_of:
            path = os.path.join(ROOT, b.file_of)
            if not os.path.isfile(path):
                problems.append(f"{where}: {b.file_of} does not exist")
                continue
            with open(path, encoding="utf-8") as f:
                if f.read() != b.text:
                    problems.append(f"{where}: sample {b.name!r} differs from {b.file_of} (copy one onto the other)")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "list":
        for b in all_blocks():
            host = f"fragment of {b.fragment_of}" if b.fragment_of else f"file {b.file_of}" if b.file_of else "-"
            print(f"{b.name or '-'}\t{b.lang or '-'}\t{b.file}:{b.line}\t{host}")
        return 0
    if cmd == "extract" and args:
        matches = [b for b in all_blocks() if b.name == args[0]]
        if len(matches) != 1:
            print(f"no single sample named {args[0]!r}", file=sys.stderr)
            return 1
        if len(args) > 1:
            os.makedirs(os.path.dirname(os.path.abspath(args[1])), exist_ok=True)
            with open(args[1], "w", encoding="utf-8") as f:
                f.write(matches[0].text)
        else:
            sys.stdout.write(matches[0].text)
        return 0
    if cmd == "check":
        return check()
    if cmd == "covered" and args:
        with open(args[0], encoding="utf-8") as f:
            ran = {line.strip() for line in f if line.strip()}
        missing = [b for b in all_blocks() if b.name not in ran]
        for b in missing:
            print(f"{b.file}:{b.line}: sample {b.name!r} was not run by scripts/test-readme.sh", file=sys.stderr)
        return 1 if missing else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
