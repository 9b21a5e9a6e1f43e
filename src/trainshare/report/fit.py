"""Lines that fit a terminal's width without breaking a name mid-word.

A terminal wraps a long line wherever the width runs out, inside an ARN or an account name.
`fit_line` wraps at spaces instead, with a hanging indent, and shortens a single word longer
than a whole line by eliding its middle (`arn:aws:ram:us-east-1:…:resource-share/6409aff2…`),
keeping its start and end, which tell it apart.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
HANG = 4  # a continuation line's indent beyond the first line's
MIN_ROOM = 30  # the least room in which a long word is shortened rather than moved down


def elide(word: str, width: int) -> str:
    """`word` in at most `width` characters: middle parts of it (between `/`, `,` or `:`)
    replaced by …; inside a part only if its first and last do not fit."""
    if len(word) <= width:
        return word
    parts = re.split(r"(?<=[/,:])", word)
    head, tail = 1, 1
    if len(parts) > 2 and len(parts[0]) + 1 + len(parts[-1]) <= width:
        while head + tail < len(parts):
            grown = False
            for take_head in (False, True):  # the end tells IDs apart: prefer it
                h, t = (head + 1, tail) if take_head else (head, tail + 1)
                if h + t <= len(parts) and _joined(parts, h, t) <= width:
                    head, tail, grown = h, t, True
            if not grown:
                break
        return "".join(parts[:head]) + ELLIPSIS + "".join(parts[len(parts) - tail :])
    keep = max(width - 1, 0)
    front = (keep + 1) // 2
    return word[:front] + ELLIPSIS + (word[len(word) - (keep - front) :] if keep > front else "")


def _joined(parts: list[str], head: int, tail: int) -> int:
    return sum(map(len, parts[:head])) + 1 + sum(map(len, parts[len(parts) - tail :]))


def fit_line(line: str, width: int) -> list[str]:
    """`line` as lines of at most `width` characters, wrapped at spaces (runs of spaces that
    align columns are kept on the first line)."""
    if len(line) <= width or width < 20:
        return [line]
    indent = len(line) - len(line.lstrip(" "))
    hang = " " * (indent + HANG)
    lines: list[str] = []
    current = line[:indent]
    rest = line[indent:]
    while rest:
        # the next word and the spaces before it (kept as written inside the first line)
        stripped = rest.lstrip(" ")
        spaces = rest[: len(rest) - len(stripped)]
        word, _, _ = stripped.partition(" ")
        rest = stripped[len(word) :]
        if not word:
            break
        start = current.strip() == ""
        candidate = current + ("" if start else spaces or " ") + word
        if len(candidate) <= width:
            current = candidate
            continue
        # a word too long for a line of its own is shortened where it is, if there is room
        too_long = len(hang) + len(word) > width
        if not start and not (too_long and width - len(candidate) + len(word) >= MIN_ROOM):
            lines.append(current.rstrip())
            current, candidate = hang, hang + word
        current = candidate[: len(candidate) - len(word)] + elide(
            word, width - (len(candidate) - len(word))
        )
    lines.append(current.rstrip())
    return lines
