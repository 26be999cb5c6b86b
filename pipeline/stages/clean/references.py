"""The numbered reference list: items parsed into ``meta.references``.
"""

from __future__ import annotations

import re

from pipeline.stages.clean.dates import find_dates

URL_RE = re.compile(r"(?:(?:hhttps?|https?|htps?|ttps?|htp|tps?)://|www\.)[^\s<>\"'»”]+", re.I)
SCHEME_RE = re.compile(r"^(?:hhttps?|https?|htps?|ttps?|htp|tps?)://", re.I)
# A reference item: `1. Title…`, `[1]Title…`, `1) Title…`, a Markdown footnote `[^1]: Title…`.
REF_ITEM_RE = re.compile(r"^(?:\[(\d{1,3})\]|(\d{1,3})[.)]|\[\^(\d{1,3})\]:)\s*(?=\S)")
FOOTNOTE_RE = re.compile(r"^\[\^\d{1,3}\]:")
CITATION_RE = re.compile(r"\[\^?(\d{1,3})\]")


# --- references -------------------------------------------------------------------
def repair_scheme(url: str) -> str:
    """`ttps://x` -> `https://x`, `htp://x` -> `http://x` (a scraper's lost letters)."""
    m = SCHEME_RE.match(url)
    if not m:
        return url
    scheme = "https" if "s" in m.group().lower().rstrip(":/") else "http"
    return scheme + "://" + url[m.end():]


def ref_number(text: str) -> int | None:
    m = REF_ITEM_RE.match(text)
    return int(m.group(1) or m.group(2) or m.group(3)) if m else None


def parse_reference(text: str, languages: tuple[str, ...] = ("en", "ru")) -> dict:
    """One reference item -> ``{"n", "text", "url"?, "date"?}``.

    ``text`` keeps the source and date as written, without the number and the URL;
    ``url`` has its scheme repaired; ``date`` is the item's first full date (ISO).
    """
    m = REF_ITEM_RE.match(text)
    n = int(m.group(1) or m.group(2) or m.group(3))
    body = text[m.end():]
    rec: dict = {"n": n}
    urls = list(URL_RE.finditer(body))
    if urls:
        u = urls[-1]
        rec["url"] = repair_scheme(u.group().rstrip(".,;)"))
        body = body[:u.start()] + body[u.end():]
    rec["text"] = re.sub(r"\s+", " ", body).strip()
    dates = find_dates(rec["text"], languages)
    if dates:
        rec["date"] = dates[0][2]
    return {"n": rec["n"], "text": rec["text"], **{k: rec[k] for k in ("url", "date") if k in rec}}


def _ref_key(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().casefold()


def flag_duplicate_references(refs: list[dict]) -> None:
    """Mark an item that cites the same source as an earlier one: ``"duplicate_of": n`` (same URL or same text)."""
    seen: dict[str, int] = {}
    for r in refs:
        keys = [_ref_key(r["text"])] + ([_ref_key(SCHEME_RE.sub("", r["url"]))] if r.get("url") else [])
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None and first != r["n"]:
            r["duplicate_of"] = first
        for k in keys:
            seen.setdefault(k, r["n"])
