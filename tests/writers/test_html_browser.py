"""The HTML report in a real headless browser (Debian's chromium, driven with plain subprocess).

Chromium loads each page from disk and prints the DOM after the load event
(``--dump-dom``); with ``--enable-logging=stderr`` every console message of the
page appears on stderr as ``...:CONSOLE:<line>] "<message>", source: ...``. The
pages carry no script, so any console message (a script error, a blocked or
failed load) is a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from contextlib import ExitStack
from html import unescape
from pathlib import Path

import pytest

from tests.util import fixture_doc
from pipeline.writers.html import HtmlWriter


pytestmark = [pytest.mark.model, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CONSOLE_RE = re.compile(r":CONSOLE[:(]\d*\)?\] (.*)")
MARK_RE = re.compile(r'<mark class="entity"[^>]*>\s*(.*?)\s*<span[^>]*>([A-Z_]+)</span>\s*</mark>', re.S)


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI={os.environ['CI']} but {CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI installs it and runs this test")
    return CHROMIUM


def load(chromium: Path, page: Path, profile: Path) -> tuple[str, list[str]]:
    """Open ``page`` headless; return ``(DOM after load, console messages)``."""
    cmd = [str(chromium), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, CONSOLE_RE.findall(proc.stderr)


def test_console_errors_are_caught(chromium, tmp_path):
    # The check below can fail: a page that logs an error and throws is seen.
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body>'
                    '<script>console.error("broken page"); missing();</script></body></html>', encoding="utf-8")
    _, console = load(chromium, page, tmp_path / "profile")
    assert any("broken page" in m for m in console) and any("Uncaught ReferenceError" in m for m in console)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The fixture report written by the HTML writer: ``(report folder, document)``."""
    out = tmp_path_factory.mktemp("run")
    doc = fixture_doc()
    doc.meta["keyterms"] = [{"term": "Belarus", "score": 0.115}, {"term": "multifaceted construction project", "score": 0.087}]
    topic_terms = {"diplomacy": [{"term": "Belarus", "score": 0.03, "reports": 1}]}
    writer = HtmlWriter(out, Counter(), {"topic_keyterms": topic_terms}, run="fixture")
    with ExitStack() as stack:
        writer.open(stack)
        writer.add(doc, doc.to_record(), None)
        writer.finish()
    return out / "report", doc


def _local_links_resolve(dom: str, folder: Path) -> None:
    for link in re.findall(r'(?:href|src)="([^"]*)"', dom):
        if link.startswith(("#", "data:")):
            continue
        assert "://" not in link and (folder / link).exists(), f"link {link!r} leaves the report or is missing"


def test_report_page_in_browser(chromium, report, tmp_path):
    folder, doc = report
    page = folder / f"{doc.id}.html"
    dom, console = load(chromium, page, tmp_path / "profile")
    assert console == []
    assert '<html lang="en">' in dom
    assert re.search(r"<h1>Belarus to build agro-towns in Artsakh territories now under Azerbaijan control</h1>", dom)
    # Every entity is highlighted with its label, in text order.
    marks = [(unescape(t), lab) for t, lab in MARK_RE.findall(dom)]
    assert marks == [(doc.text[e.start:e.end], e.label) for e in doc.ents]
    # Every sentence shows its topic and stance as text, with the probabilities in its title.
    sents = re.findall(r'<p class="sent topic-(\w+) stance-(\w+)"[^>]*title="([^"]*)"><span class="tag"[^>]*>'
                       r'<span class="t">(\w+)</span> <span class="s">(.) (\w+)</span>', dom)
    assert [(t, s) for t, s, *_ in sents] == [(s.topic, s.stance) for s in doc.sents]
    assert all(t == shown_t and s == shown_s for t, s, _, shown_t, _, shown_s in sents)
    assert sents[4][2] == "Topic: diplomacy (p = 0.81); stance: FAVOR (p = 0.62)" and sents[4][4] == "+"
    for heading in ("Text", "Key terms", "Entity types in this report", "Removed blocks (5)", "Repairs (4)"):
        assert re.search(rf'<h2 id="h-\w+">{re.escape(heading)}</h2>', dom)
    assert "multifaceted construction project" in dom and "This text available in Հայերեն and Русский" in dom
    _local_links_resolve(dom, folder)


def test_index_page_in_browser(chromium, report, tmp_path):
    folder, doc = report
    dom, console = load(chromium, folder / "index.html", tmp_path / "profile")
    assert console == []
    assert f'<a href="{doc.id}.html">' in dom
    rows = dict(re.findall(r'<tr><td><span class="tag"[^>]*>(\w+)</span></td>(.*?)</tr>', dom))
    numbers = {t: [int(n) for n in re.findall(r">(\d+)</td>", cells)] for t, cells in rows.items()}
    assert numbers["reconstruction_infrastructure"] == [0, 0, 4, 4] and numbers["diplomacy"] == [1, 0, 0, 1]
    assert "<caption>" in dom and 'scope="col"' in dom
    _local_links_resolve(dom, folder)
