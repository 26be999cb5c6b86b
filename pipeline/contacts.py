"""Contact details (e-mail addresses, phone numbers): found by regex, redacted on request.

Used by the clean stage (contact lines are boilerplate) and by the record writer
(redaction of removed blocks and logged edits).
"""

from __future__ import annotations

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International phone numbers: `+7 (495) 767-81-36`, `(202) 555-0100`, `+994 12 555 55 55`.
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,5}(?![\w])")
PHONE_HINT_RE = re.compile(r"\d{3}[\s.)-]{1,2}\d{2,4}")  # cheap test before the slow phone patterns
PHONE_KEY_RE = re.compile(r"(?:ph|tel|phone|fax|mob|mobile|call)\.?\s*[:.]?\s*$", re.I)


# --- contacts ------------------------------------------------------------------
def find_phones(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers: 9+ digits written with `+`, an area code in brackets, or after `Ph.`/`Tel`/`Fax`."""
    out = []
    for m in PHONE_RE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        keyed = PHONE_KEY_RE.search(text[max(0, m.start() - 12):m.start()])
        if digits >= 9 and (m.group().startswith("+") or "(" in m.group() or keyed):
            out.append((m.start(), m.end()))
    return out


def contact_spans(text: str) -> list[tuple[int, int]]:
    """E-mail addresses and phone numbers in ``text``, sorted, not overlapping."""
    if "@" not in text and not PHONE_HINT_RE.search(text):
        return []
    spans = sorted([(m.start(), m.end()) for m in EMAIL_RE.finditer(text)] + find_phones(text))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if not out or s >= out[-1][1]:
            out.append((s, e))
    return out


def redact(text: str, contact: bool = False) -> str:
    """Replace e-mails and phone numbers with `_EMAIL_` / `_PHONE_`.

    textacy's ``replace.emails``, then this module's international phone
    pattern; textacy's ``replace.phone_numbers`` (North-American formats) only
    on text known to be contact details (``contact``), because it also takes
    year ranges such as ``(1397-1433)`` for phone numbers.
    """
    if "@" not in text and not PHONE_HINT_RE.search(text):
        return text  # nothing to redact; textacy's patterns are slow on long text
    from textacy.preprocessing import replace

    text = replace.emails(text)
    if contact:
        text = replace.phone_numbers(text)
    for s, e in reversed(find_phones(text)):
        text = text[:s] + "_PHONE_" + text[e:]
    return text
