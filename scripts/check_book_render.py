#!/usr/bin/env python3
"""Checks that a page of the built book renders in a real browser (Debian's headless chromium).

Serves the built book (book/book by default) with `python3 -m http.server` on a free port,
loads index.html in headless chromium twice: once with --dump-dom, to check that the chapter's
title and the sidebar (which mdBook's JavaScript fills in) are in the DOM, and once with
--screenshot, to check that the PNG exists, is not tiny and is not one flat colour. The
screenshot is written to target/book-screenshot.png (not committed).

Usage: python3 scripts/check_book_render.py [BUILT_BOOK_DIR] [SCREENSHOT_PNG]
"""

import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections import Counter
from pathlib import Path

TITLE = 'id="introduction"'  # the h1 of index.html, the book's first chapter
SIDEBAR = "Why a transactional queue"  # a chapter title in the sidebar that toc.js builds
MIN_BYTES = 10_000
MIN_COLOURS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium(url: str, profile: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--window-size=1280,900",
         "--virtual-time-budget=5000", *extra, url],
        capture_output=True, text=True, timeout=120, check=False,
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG: (width, height, pixels)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    pixels = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif kind == 4:
                c = prev[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        pixels.extend(bytes(line[i:i + 3]) for i in range(0, stride, channels))
        prev = line
    return width, height, pixels


def main() -> int:
    book = Path(sys.argv[1] if len(sys.argv) > 1 else "book/book")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "target/book-screenshot.png").resolve()
    if not (book / "index.html").is_file():
        print(f"check_book_render: {book}/index.html missing (run mdbook build book)", file=sys.stderr)
        return 1
    if shutil.which("chromium") is None:
        print("check_book_render: chromium not installed (scripts/setup.sh installs it)", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(book)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/index.html"
    problems = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as profile:
            dom = chromium(url, profile, "--dump-dom")
        for needle in (TITLE, SIDEBAR):
            if needle not in dom.stdout:
                problems.append(f"{needle!r} not in the rendered DOM of {url}")
        with tempfile.TemporaryDirectory() as profile:
            shot = chromium(url, profile, f"--screenshot={out}")
        if not out.is_file():
            problems.append(f"no screenshot written (chromium exit {shot.returncode}): {shot.stderr[-2000:]}")
    finally:
        server.terminate()
        server.wait()
    if out.is_file():
        data = out.read_bytes()
        width, height, pixels = png_pixels(data)
        colours = Counter(pixels)
        top = colours.most_common(1)[0][1] / len(pixels)
        print(f"check_book_render: {out} {width}x{height}, {len(data)} bytes, "
              f"{len(colours)} colours, most common {top:.1%}")
        if len(data) < MIN_BYTES:
            problems.append(f"screenshot is tiny ({len(data)} bytes)")
        if (width, height) != (1280, 900):
            problems.append(f"screenshot is {width}x{height}, not 1280x900")
        if len(colours) < MIN_COLOURS or top > 0.99:
            problems.append(f"screenshot is (almost) one colour: {len(colours)} colours, top {top:.1%}")
    for problem in problems:
        print(f"check_book_render: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
