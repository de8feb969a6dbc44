#!/usr/bin/env python3
"""Renders the C API reference from the comments of include/vibergate.h (which cbindgen writes
from ffi/src's doc comments) as one HTML page.

    python3 scripts/header_docs.py include/vibergate.h target/docs/c/index.html
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass, field
from typing import List, Tuple


@dataclass
class Item:
    kind: str  # "enum", "type", "function", "macro"
    name: str
    declaration: str
    doc: str
    members: List[Tuple[str, str]] = field(default_factory=list)  # enum values and their docs


def comment_text(block: str) -> str:
    """The text of a /* */ or /** */ comment, without the stars."""
    body = re.sub(r"^/\*+|\*+/$", "", block.strip())
    lines = [re.sub(r"^\s*\* ?", "", line) for line in body.split("\n")]
    return "\n".join(lines).strip("\n")


def parse(source: str) -> Tuple[str, List[Item]]:
    intro_match = re.match(r"\s*(/\*.*?\*/)", source, re.S)
    intro = comment_text(intro_match.group(1)) if intro_match else ""
    rest = source[intro_match.end():] if intro_match else source
    items: List[Item] = []
    for m in re.finditer(r"(/\*\*.*?\*/)\s*\n(.*?)(?=\n\s*\n|\n/\*\*|\Z)", rest, re.S):
        doc = comment_text(m.group(1))
        decl = m.group(2).strip()
        if decl.startswith("typedef enum") or decl.startswith("enum "):
            # `typedef enum { … } name;`, or a fixed-width `enum name : uint32_t { … };` whose
            # typedef follows in `#if` lines (cbindgen's form for `#[repr(u32)]`).
            end = rest.find("}", m.end(1))
            body = rest[rest.find("{", m.end(1)) + 1 : end]
            named = re.match(r"enum\s+(\w+)", decl)
            if named:
                name = named.group(1)
                signature = f"enum {name} {{ … }}; /* typedef uint32_t {name} */"
            else:
                name = re.match(r"\}\s*(\w+)\s*;", rest[end:]).group(1)  # type: ignore[union-attr]
                signature = f"typedef enum {{ … }} {name};"
            members = [
                (value.strip().rstrip(","), comment_text(comment))
                for comment, value in re.findall(r"(/\*\*.*?\*/)\s*\n\s*([^\n]+)", body, re.S)
            ]
            items.append(Item("enum", name, signature, doc, members))
        elif decl.startswith("typedef struct"):
            name = decl.rstrip(";").split()[-1]
            items.append(Item("type", name, decl, doc))
        elif decl.startswith("#define"):
            items.append(Item("macro", decl.split()[1], decl, doc))
        elif "(" in decl and decl.endswith(";"):
            name = re.search(r"(\w+)\s*\(", decl).group(1)  # type: ignore[union-attr]
            items.append(Item("function", name, re.sub(r"\s+", " ", decl), doc))
    return intro, items


def inline(text: str) -> str:
    """Escapes text and turns `code` spans into <code>."""
    parts = text.split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p) for i, p in enumerate(parts))


def paragraphs(text: str) -> str:
    """Paragraphs, with "- " lines (and their indented continuations) as lists."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        if "do not edit" in para:
            continue  # cbindgen's note to the header's readers
        prose: List[str] = []
        entries: List[str] = []

        def flush_prose() -> None:
            if prose:
                out.append(f"<p>{inline(' '.join(prose))}</p>")
                prose.clear()

        def flush_list() -> None:
            if entries:
                out.append("<ul>" + "".join(f"<li>{inline(e)}</li>" for e in entries) + "</ul>")
                entries.clear()

        for line in para.split("\n"):
            stripped = line.strip()
            if stripped.startswith("- "):
                flush_prose()
                entries.append(stripped[2:])
            elif entries and line.startswith("  "):
                entries[-1] += " " + stripped
            else:
                flush_list()
                prose.append(stripped)
        flush_prose()
        flush_list()
    return "\n".join(out)


def render(intro: str, items: List[Item], version: str) -> str:
    groups = [("Types", ["enum", "type"]), ("Functions", ["function"]), ("Macros", ["macro"])]
    toc = []
    body = []
    for title, kinds in groups:
        chosen = [i for i in items if i.kind in kinds]
        if not chosen:
            continue
        toc.append(f"<li>{title}: " + ", ".join(f'<a href="#{i.name}"><code>{i.name}</code></a>' for i in chosen) + "</li>")
        body.append(f"<h2>{title}</h2>")
        for i in chosen:
            body.append(f'<h3 id="{i.name}"><code>{html.escape(i.name)}</code></h3>')
            body.append(f"<pre><code>{html.escape(i.declaration)}</code></pre>")
            body.append(paragraphs(i.doc))
            if i.members:
                rows = "".join(f"<tr><td><code>{html.escape(v)}</code></td><td>{inline(d)}</td></tr>" for v, d in i.members)
                body.append(f"<table><tr><th>value</th><th>meaning</th></tr>{rows}</table>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vibergate.h {html.escape(version)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}}
pre{{background:#f4f4f4;padding:.6rem;overflow-x:auto}}code{{font-size:.95em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}}</style>
</head><body>
<h1><code>vibergate.h</code> {html.escape(version)}</h1>
<p>The C API of vibergate, generated from <code>include/vibergate.h</code>. Error codes, message fields
and results are described in the repository's <code>docs/reference.md</code>.</p>
{paragraphs(intro)}
<ul>{''.join(toc)}</ul>
{chr(10).join(body)}
</body></html>
"""


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        source = f.read()
    version = re.search(r'#define VIBERGATE_VERSION "([^"]+)"', source)
    intro, items = parse(source)
    if not any(i.kind == "function" for i in items):
        print(f"{argv[0]}: no documented functions found", file=sys.stderr)
        return 1
    undocumented = sorted(set(re.findall(r"^[\w\s\*]*?\b(vg_\w+)\s*\(", source, re.M)) - {i.name for i in items})
    if undocumented:
        print(f"{argv[0]}: functions without a doc comment: {', '.join(undocumented)}", file=sys.stderr)
        return 1
    with open(argv[1], "w", encoding="utf-8") as f:
        f.write(render(intro, items, version.group(1) if version else ""))
    print(f"{argv[1]}: {sum(i.kind == 'function' for i in items)} functions, {sum(i.kind != 'function' for i in items)} types and macros")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
