"""What every page's HTML must be, whatever its template: balanced (every element opened is closed, in order),
so that a template typo shows in a test and not in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
SVG_LEAVES = {"line", "polyline", "polygon", "rect", "circle"}  # written self-closed


def assert_balanced(html: str) -> None:
    stack: list[str] = []

    class Balance(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in VOID:
                stack.append(tag)

        def handle_startendtag(self, tag: str, attrs: object) -> None:
            assert tag in VOID | SVG_LEAVES, tag

        def handle_endtag(self, tag: str) -> None:
            assert stack and stack[-1] == tag, f"</{tag}> closes <{stack[-1] if stack else None}>"
            stack.pop()

    Balance().feed(html)
    assert stack == []
