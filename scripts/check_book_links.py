#!/usr/bin/env python3
"""Checks the internal links of the built book (mdbook build book).

Walks every .html file under the book's output directory (book/book by default) and fails when
an internal href or src points to a file that does not exist, or to an #anchor that the target
page does not define. External links (http:, https:, mailto:, ...) are not checked.

Usage: python3 scripts/check_book_links.py [BUILT_BOOK_DIR]
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Page(HTMLParser):
    """The ids a page defines and the links it makes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []  # (attribute value, line)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            if (name == "href" and tag in ("a", "link", "area")) or (
                name == "src" and tag in ("img", "script", "iframe", "source")
            ):
                self.links.append((value, self.getpos()[0]))


def parse(path, cache):
    if path not in cache:
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        page.close()
        cache[path] = page
    return cache[path]


def is_external(url):
    parts = urlsplit(url)
    return bool(parts.scheme) or url.startswith("//")


def check(root):
    cache = {}
    problems = []
    pages = sorted(root.rglob("*.html"))
    if not pages:
        return [f"no .html files under {root}: run `mdbook build book` first"], 0
    links = 0
    for page_path in pages:
        page = parse(page_path, cache)
        for url, line in page.links:
            if is_external(url) or url in ("", "#"):
                continue
            links += 1
            parts = urlsplit(url)
            where = f"{page_path.relative_to(root)}:{line}: {url}"
            if parts.path:
                target = (page_path.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    problems.append(f"{where}: no such file")
                    continue
            else:
                target = page_path
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                if fragment not in parse(target, cache).ids:
                    problems.append(f"{where}: no #{fragment} in {target.name}")
    return problems, links


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "book/book").resolve()
    problems, links = check(root)
    for problem in problems:
        print(f"broken link: {problem}", file=sys.stderr)
    if problems:
        print(f"check_book_links: {len(problems)} broken of {links} internal links", file=sys.stderr)
        return 1
    print(f"check_book_links: {links} internal links ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
