"""The clean stage: boilerplate, references, duplicates, datelines, titles (guidelines section 1).

Small inputs are cut from the real reports in corpus/raw and /work/shared/corpus/unlabelled;
the gold tests run repair + clean on the raw reports and compare with corpus/gold.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from rapidfuzz.distance import Indel

from pipeline import contacts
from pipeline.stages.clean import dates, evidence
from pipeline.runner import load_config
from pipeline.stages.clean.dedup import CorpusDeduper, ParagraphDeduper
from pipeline.document import Document
from pipeline.errors import ConfigError
from pipeline.registry import get
from pipeline.stages import factories  # noqa: F401
from pipeline.stages.base import Context
from pipeline.stages.clean import Clean, CleanParams

from tests.util import RAW, ROOT, SEED

GOLD = ROOT / "corpus" / "gold"
PATTERNS = evidence.Patterns.load(ROOT / "corpus" / "patterns" / "boilerplate.toml")


def clean(ctx, text: str, doc_id: str = "x", meta: dict | None = None, **params) -> Document:
    stage = Clean("clean", CleanParams(**params), ctx)
    doc = Document(id=doc_id, source=doc_id, raw=text, meta=dict(meta or {}))
    list(stage([doc]))
    assert doc.reconstruct_raw() == doc.raw
    return doc


def reasons(doc: Document) -> dict[str, str]:
    return {r["text"]: r["reason"] for r in doc.meta["removed"]}


def paragraphs(doc: Document) -> list[str]:
    return doc.text.split("\n\n") if doc.text else []


# --- the shipped reports against the gold clean texts ---------------------------------
def gold_records() -> dict[str, dict]:
    out = {}
    for name in ("seed.jsonl", "similar.jsonl"):
        for line in (GOLD / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            out[rec["id"]] = rec
    return out


def repair_and_clean(ctx, path) -> Document:
    stages = [get(spec.factory)(spec.name, spec.params, ctx) for spec in ctx.config.stages
              if spec.name in ("repair", "clean")]
    stream = iter([Document(id=path.stem, source=str(path), raw=path.read_text(encoding="utf-8"))])
    for st in stages:
        stream = st(stream)
    [doc] = list(stream)
    return doc


def char_alignment(gold: str, out: str) -> tuple[float, float]:
    """(share of gold characters kept, share of output characters that are in the gold), by LCS."""
    same = sum(op.src_end - op.src_start for op in Indel.opcodes(gold, out) if op.tag == "equal")
    return same / max(1, len(gold)), same / max(1, len(out))


@pytest.mark.parametrize("rid", sorted(gold_records()))
def test_gold_reports_come_out_clean(ctx, rid):
    gold = gold_records()[rid]
    doc = repair_and_clean(ctx, ROOT / gold["source"])
    kept, precise = char_alignment(gold["text"], doc.text)
    assert kept >= 0.995 and precise >= 0.995, (kept, precise)
    assert doc.meta["title"] == gold["meta"]["title"]
    assert doc.meta["date"] == gold["meta"]["date"]
    assert doc.meta.get("references", []) == gold["meta"].get("references", [])


def test_seed_keeps_title_headings_and_body_once(ctx):
    doc = repair_and_clean(ctx, SEED)
    paras = paragraphs(doc)
    assert paras[0] == "Azerbaijan and Belarus Take Bilateral Relations to a Whole New Level"
    assert len(paras) == len(set(paras))  # the second copy of the article is gone
    assert "Agriculture prioritized" in paras and "Conclusion" in paras
    assert doc.meta["date"] == "2024-05-20"
    for junk in ("RUS", "Search", "photo; president.az", "16+", "top", "Legal footer", "Reports",
                 "Caspian Institute for Strategic Studies"):
        assert junk not in paras
    for junk in ("caspian.institute", "©", "1. Key Interests", "Novodmitrovskaya"):
        assert junk not in doc.text
    refs = doc.meta["references"]
    assert [r["n"] for r in refs] == list(range(1, 11))
    assert refs[7]["url"].startswith("https://az.sputniknews.ru/") and refs[7]["duplicate_of"] == 3
    assert refs[9] == {"n": 10, "text": "Azerbaijan – Belarus: Milestones of a Great Journey and Equally Great "
                       "Prospects. Caliber.Az, 16.05. 2024.", "url": "https://caliber.az/post/240971/",
                       "date": "2024-05-16"}
    why = reasons(doc)
    assert why["20 мая 2024"] == "dateline" and why["Ph. +7 (495) 767-81-36"] == "contact"
    assert why["E-mail: info@caspian.institute"] == "contact"  # kept as they were: nothing of the raw input is lost


# --- header: navigation, tagline, title, credits, datelines ----------------------------
SEED_HEAD = ("RUS\nGlobal perspective through the lens of regional issues\nRUS\nSearch\nReports\n\n"
             "Azerbaijan and Belarus Take Bilateral Relations to a Whole New Level\n\n"
             "photo; president.az\n20 May 2024\n\n"
             "President of the Republic of Belarus (RB) Alexander Lukashenko was on a state visit to "
             "Azerbaijan from May 15 to 17.\n")


def test_header_keeps_only_the_title_and_parses_the_date(ctx):
    doc = clean(ctx, SEED_HEAD)
    assert paragraphs(doc) == ["Azerbaijan and Belarus Take Bilateral Relations to a Whole New Level",
                               "President of the Republic of Belarus (RB) Alexander Lukashenko was on a "
                               "state visit to Azerbaijan from May 15 to 17."]
    assert doc.meta["title"] == "Azerbaijan and Belarus Take Bilateral Relations to a Whole New Level"
    assert doc.meta["date"] == "2024-05-20"
    assert reasons(doc) == {"RUS": "navigation", "Global perspective through the lens of regional issues": "tagline",
                            "Search": "navigation", "Reports": "navigation",
                            "photo; president.az": "photo_credit", "20 May 2024": "dateline"}


def test_russian_dateline_after_repair_gives_the_same_date(ctx):
    assert clean(ctx, SEED_HEAD.replace("20 May 2024", "20 мая 2024")).meta["date"] == "2024-05-20"


@pytest.mark.parametrize("line, iso", [
    ("20 May 2024", "2024-05-20"), ("20 мая 2024", "2024-05-20"), ("26 / 08 / 2022", "2022-08-26"),
    (" date 2021-04-20 News", "2021-04-20"), (" date 2022-03-15 Politics", "2022-03-15"),
    ("20.06.2007, 10:10 2632", "2007-06-20"), ("Published: 12.03.2023 14:25", "2023-03-12"),
    ("19 November 2024", "2024-11-19"), ("March 20, 2019", "2019-03-20"),
    ("Elections of 4 December 2016", None),  # a heading that holds a date is not a dateline
    ("August 13", None),  # no year: no date (similar/08)
    ("Kazakhstan ready to increase exports to Uzbekistan by USD 550 mln", None),
])
def test_dateline_date(line, iso):
    assert dates.dateline_date(line, PATTERNS) == iso


def test_title_next_to_the_dateline_wins_over_byline_and_author_box(ctx):
    text = ("RUS\nGlobal perspective through the lens of regional issues\nPublications\n\n"
            "Russia and Kazakhstan: opening up new horizons\n\n19 November 2024\n"
            "Yuri SolozobovYuri Solozobov\n\nYuri Solozobov\n\n"
            "Candidate of Science, Physics and Mathematics, Regional Programs Director of CISS\n\n"
            "Vladimir Putin, the President of the Russian Federation, intends to visit the Republic of "
            "Kazakhstan (RoK) in the end of November.\n")
    doc = clean(ctx, text)
    assert doc.meta["title"] == "Russia and Kazakhstan: opening up new horizons"
    assert doc.meta["date"] == "2024-11-19"
    why = reasons(doc)
    assert why["Yuri SolozobovYuri Solozobov"] == "byline" and why["Yuri Solozobov"] == "byline"
    assert "Candidate of Science" not in doc.text


def test_repeated_headline_becomes_one_title_and_section_labels_go(ctx):
    text = (" date 2021-04-20 News\n"
            "Belarus to build agro-towns in Artsakh territories now under Azerbaijan control\n"
            "Belarus to build agro-towns in Artsakh territories now under Azerbaijan control\n"
            "Region:World News, Karabakh, Azerbaijan\nTheme: Politics\n\n"
            "Belarus will build agro-towns in the Nagorno-Karabakh [(Artsakh)] territories that are now under "
            "the control of Azerbaijan, writes the National Television of Belarus.\n"
            "This text available in   Հայերեն and Русский\n")
    doc = clean(ctx, text)
    assert paragraphs(doc)[0] == "Belarus to build agro-towns in Artsakh territories now under Azerbaijan control"
    assert len(paragraphs(doc)) == 2 and "[(Artsakh)]" in doc.text
    assert doc.meta["date"] == "2021-04-20"
    why = reasons(doc)
    assert why["Region:World News, Karabakh, Azerbaijan"] == "navigation"
    assert why["This text available in   Հայերեն and Русский"] == "widget"


def test_report_without_headline_has_no_title(ctx):
    text = ("This is the first foreign trip for Mr. Berdymukhamedov, 40, since he was chosen in March to head "
            "the oil-rich former Soviet republic of Turkmenistan.\n"
            "“Our countries have ample potential to increase mutual trade and investment,” he said.\n"
            "Amateur web specialist. General food junkie. Typical zombie enthusiast. Avid music trailblazer. "
            "Lifelong explorer.")
    doc = clean(ctx, text)
    assert doc.meta["title"] is None
    assert len(paragraphs(doc)) == 2
    assert "author_bio" in reasons(doc).values()


def test_a_title_only_in_the_input_metadata_becomes_the_first_paragraph(ctx):
    # guidelines section 1: the title is kept in the clean text; this scrape has it only in meta.title
    text = ("The Astana Times <br>\nEditorial\n\nWhen taking stock of the last 12 months, it is always helpful "
            "to have independent analysis of the direction a country is taking.\n")
    doc = clean(ctx, text, meta={"title": "At year-end, ratings\xa0confirm Kazakhstan’s progress",
                                 "date": "2019-12-30 09:00:00 -0500"})
    assert doc.meta["title"] == "At year-end, ratings confirm Kazakhstan’s progress"
    assert paragraphs(doc) == ["At year-end, ratings confirm Kazakhstan’s progress",
                               "When taking stock of the last 12 months, it is always helpful to have "
                               "independent analysis of the direction a country is taking."]
    assert [e.reason for e in doc.edits if e.reason == "title_from_meta"] == ["title_from_meta"]
    assert doc.meta["date"] == "2019-12-30" and doc.meta["date_text"] == "2019-12-30 09:00:00 -0500"
    # switched off: the title stays in meta only
    off = clean(ctx, text, meta={"title": "At year-end, ratings confirm Kazakhstan’s progress"}, title_from_meta=False)
    assert paragraphs(off)[0].startswith("When taking stock")


def test_a_lede_repeating_the_title_does_not_stand_for_it(ctx):
    # the lede's words include the title's (token set ratio 100), but as a whole it is another paragraph
    body = ("Uzbekistan and Russia agree on migration cooperation, the ministry said on Monday after the talks "
            "in Tashkent ended.\n\nThe sides signed a plan for 2024 and will meet again in the autumn in Moscow.")
    doc = clean(ctx, body, meta={"title": "Uzbekistan and Russia agree on migration cooperation"})
    assert paragraphs(doc)[0] == "Uzbekistan and Russia agree on migration cooperation"
    assert paragraphs(doc)[1].startswith("Uzbekistan and Russia agree on migration cooperation, the ministry")


def test_an_inserted_title_has_no_raw_span_and_cleaning_again_changes_nothing(ctx):
    # A Tehran Times slug title (lowercase, no punctuation) is not title-shaped: the planner must still take
    # its own line for the title when the output is cleaned again.
    body = ("Iranian and Turkish experts have recently discussed ideas to help expand tourism between the two "
            "neighbors.\n\nIn a meeting on Wednesday, the sides agreed to hold a joint fair next spring.")
    meta = {"title": "iranian turkish experts exchange views on tourism"}
    doc = clean(ctx, body, meta=meta)
    assert paragraphs(doc)[0] == "iranian turkish experts exchange views on tourism"
    ins = [e for e in doc.edits if e.reason == "title_from_meta"]
    assert [(e.op, e.start, e.end, e.before) for e in ins] == [("insert", 0, 0, "")]
    n = len("iranian turkish experts exchange views on tourism")
    assert doc.raw_span(0, n) == (0, 0)  # nothing of the raw input
    assert doc.raw_span(0, n + 2 + 8) == (0, 8)  # title + separator + "Iranian " : only the raw part counts
    again = clean(ctx, doc.text, meta=dict(doc.meta))
    assert again.text == doc.text and not again.edits and not again.meta["removed"]


@pytest.mark.parametrize("title, outlet, line", [
    ("Turkmen-Russian summit talks held in Moscow - News Central Asia (nCa)", "News Central Asia",
     "Turkmen-Russian summit talks held in Moscow"),
    ("Russia to introduce registration rules - The Astana Times", "The Astana Times",
     "Russia to introduce registration rules"),
    ("Putin congratulated Kyrgyzstan - Day of Independence of the Kyrgyz Republic",
     "President of Russia (en.kremlin.ru)", "Putin congratulated Kyrgyzstan - Day of Independence of the Kyrgyz Republic"),
    ("Baku and Minsk | Daryo", None, "Baku and Minsk | Daryo"),
    ("Talks held in Moscow - Russia", "President of Russia (en.kremlin.ru)", "Talks held in Moscow - Russia"),
    ("The Astana Times", "The Astana Times", ""),
    ("  Statement\xa0by  Press Secretary  ", "The White House", "Statement by Press Secretary"),
])
def test_title_line_drops_the_site_name_only(title, outlet, line):
    from pipeline.stages.clean.stage import title_line

    assert title_line(title, outlet) == line


# --- body: headings, inline datelines, short lines ---------------------------------------
def test_headings_are_kept_and_menu_labels_between_paragraphs_go(ctx):
    text = ("Trade and economic relations between Minsk and Baku produce good results, the ambassador said.\n\n"
            "Agriculture prioritized\n\n"
            "Belarus is known as an important producer and exporter of farm products and machinery.\n\n"
            "Share\nPrint\nPolitics\n\n"
            "Economy\n\nAgriculture generates around 20% of the country’s export volume, officials say.")
    doc = clean(ctx, text)
    assert "Agriculture prioritized" in paragraphs(doc) and "Economy" in paragraphs(doc)
    assert reasons(doc) == {"Share": "navigation", "Print": "navigation", "Politics": "navigation"}
    doc = clean(ctx, text.replace("Share\nPrint\nPolitics", "Politics\n\nWorld"))
    assert reasons(doc) == {"Politics": "short_line"}  # a label before a heading: "World" heads "Economy"


@pytest.mark.parametrize("opening, kept", [
    ("ASTANA (TCA) — ", "Belarus and Kazakhstan"),
    ("Almaty. June 20. Kazakhstan Today - ", "Belarus and Kazakhstan"),
    ("TEHRAN- ", "Belarus and Kazakhstan"),
    ("TEHRAN/ANKARA – ", "Belarus and Kazakhstan"),
])
def test_inline_dateline_opening_the_body_is_removed(ctx, opening, kept):
    text = f"{opening}Belarus and Kazakhstan can step up cooperation in the oil industry, IT sector and transport."
    doc = clean(ctx, text)
    assert doc.text.startswith(kept)
    assert reasons(doc) == {opening.strip(): "dateline"}


@pytest.mark.parametrize("opening", ["Baku, Aug 6, IRNA -- ", "MOSCOW (TASS) – ", "Tehran, 12 May (IRNA) – "])
def test_agency_dateline_opening_a_later_paragraph_is_removed(ctx, opening):
    first = "Belarus and Kazakhstan can step up cooperation in the oil industry, IT sector and transport."
    later = "Iran and Azerbaijan signed a memorandum on the North-South transport corridor on Friday."
    doc = clean(ctx, f"{first}\n\n{opening}{later}")
    assert later in paragraphs(doc) and opening.strip() not in doc.text
    assert reasons(doc) == {opening.strip(): "dateline"}


@pytest.mark.parametrize("opening", ["ASTANA — ", "NATO Secretary General – "])
def test_a_capitalised_opening_of_a_later_paragraph_needs_a_date_or_an_agency(ctx, opening):
    first = "Belarus and Kazakhstan can step up cooperation in the oil industry, IT sector and transport."
    later = f"{opening}The sides agreed to meet again in the autumn to sign the transport deal."
    doc = clean(ctx, f"{first}\n\n{later}")
    assert later in paragraphs(doc)


def test_a_metadata_title_with_no_break_spaces_still_finds_its_line(ctx):
    # Cut from a Kremlin page of the regional corpus (president-of-russia-en-kremlin-ru-111): its metadata
    # title keeps the page's no-break spaces, the text line does not.
    title = ("President Vladimir Putin sent Belarusian President Alexander Lukashenko a\xa0message on\xa0forming "
             "a\xa0common economic space and\xa0the\xa0deeper integration of\xa0Russia and\xa0Belarus")
    line = " ".join(title.split())
    body = "The message said, in part: the time to take further steps in integration is now, and we are ready."
    doc = clean(ctx, f"Events\n{line}\n\nAugust 28, 2003\n00:00\n\n{body}", meta={"title": title})
    assert paragraphs(doc) == [line, body]
    assert reasons(doc) == {"Events": "tagline", "August 28, 2003": "dateline", "00:00": "dateline"}


def test_a_dash_after_a_name_is_not_a_dateline():
    assert dates.inline_dateline("President Putin - who arrived on Monday - met the minister.") == 0
    assert dates.inline_dateline("Two companies – Gomselmash and MAZ were displaying their products.") == 0


def test_salutations_and_list_items_are_content(ctx):
    text = ("Dear Delegates and Guests of the Convention!\nDear Party Members!\n\n"
            "My sincere congratulations to you on the 20th anniversary of the Nur Otan Party, friends.\n\n"
            "General\n- Independent from the Soviet Union since 1991\n"
            "- 9th largest country, 4 times the size of Texas\n"
            "204 invention applications (up from 201)\n\n"
            "Dear compatriots!\n\nThe economy of the country has grown considerably over these twenty years.\n\n"
            "Dear compatriots!\n\nWe have increased the country’s income by 16 times since independence.\n")
    doc = clean(ctx, text)
    paras = paragraphs(doc)
    assert paras[:2] == ["Dear Delegates and Guests of the Convention!", "Dear Party Members!"]
    assert "- Independent from the Soviet Union since 1991" in paras
    assert "204 invention applications (up from 201)" in paras
    assert paras.count("Dear compatriots!") == 2  # a repeated short sentence is not a duplicate paragraph


def test_links_after_read_also_go_but_the_paragraph_after_a_photo_credit_stays(ctx):
    text = ("Kazakhstan, Kyrgyzstan sign roadmap on trade\n12 March 2023, 14:25\nPhoto: Akorda\n"
            "ASTANA. KAZINFORM – President Kassym-Jomart Tokayev held talks with President Sadyr Japarov on Monday.\n"
            "Read also\nKazakhstan, Uzbekistan discuss water issues\n"
            "The two presidents signed a roadmap to raise trade to 3 billion US dollars by 2025.\n"
            "Photo: Akorda press service\n“We have agreed to expand cooperation in all areas,” Tokayev said.\n"
            "Tags: Kazakhstan, Kyrgyzstan\nShare\n© 2012-2023 Kazinform. All rights reserved.")
    doc = clean(ctx, text)
    assert paragraphs(doc) == [
        "Kazakhstan, Kyrgyzstan sign roadmap on trade",
        "President Kassym-Jomart Tokayev held talks with President Sadyr Japarov on Monday.",
        "The two presidents signed a roadmap to raise trade to 3 billion US dollars by 2025.",
        "“We have agreed to expand cooperation in all areas,” Tokayev said."]
    assert reasons(doc)["Kazakhstan, Uzbekistan discuss water issues"] == "related_link"
    assert doc.meta["date"] == "2023-03-12"


def test_cookie_banner_byline_and_comment_form_go(ctx):
    text = ("We use cookies to improve your experience on our website. By continuing to browse, you agree to our "
            "use of cookies.\nAccept\nNews Explained\n\nArmenia and Iran discuss the North-South corridor\n\n"
            "By Anna Petrosyan\n\nOn March 10, the foreign ministers of Armenia and Iran met in Yerevan to discuss "
            "the corridor.\n\nLeave a Reply\n\nYour email address will not be published. Required fields are "
            "marked *\n\nName *\n\nSave my name, email, and website in this browser for the next time I comment.")
    doc = clean(ctx, text)
    assert paragraphs(doc) == ["Armenia and Iran discuss the North-South corridor",
                               "On March 10, the foreign ministers of Armenia and Iran met in Yerevan to discuss "
                               "the corridor."]


def test_a_name_alone_before_the_body_is_a_byline_not_the_title(ctx):
    text = ("RUS\nSearch\n\nKazakhstan and Turkmenistan: Caspian Gas Transit Options\n\nAlexander Shpakovsky\n\n"
            "The Caspian region remains one of the key sources of hydrocarbons for Europe and Asia.")
    doc = clean(ctx, text)
    assert doc.meta["title"] == "Kazakhstan and Turkmenistan: Caspian Gas Transit Options"
    assert reasons(doc)["Alexander Shpakovsky"] == "byline"


# --- footer, widgets, bylines, truncation ---------------------------------------------------
def test_footer_widgets_and_legal_notice_go(ctx):
    text = ("Agreement on construction of Kazakhstan - Turkmenistan - Iran railway to be signed\n\n"
            "The agreement on construction of railway of three states is planned to be signed at the summit.\n\n"
            "This information may not be reproduced without reference to Kazakhstan Today\n\n"
            "Found an error in the text?\n\nSelect the error and press Ctrl + Enter at the same time.\n\n"
            "relevant news\n\nMost viewed")
    doc = clean(ctx, text)
    assert len(paragraphs(doc)) == 2
    assert reasons(doc)["This information may not be reproduced without reference to Kazakhstan Today"] == "legal"
    assert reasons(doc)["Select the error and press Ctrl + Enter at the same time."] == "widget"


def test_an_unknown_widget_sentence_after_the_footer_starts_is_footer(ctx):
    # Not in the pattern lists: it goes because it follows a legal notice after the body.
    text = ("The agreement on construction of railway of three states is planned to be signed at the summit.\n"
            "© 2024 Kazakhstan Today\nTell us what you think about this article today.\n")
    doc = clean(ctx, text)
    assert paragraphs(doc) == ["The agreement on construction of railway of three states is planned to be "
                               "signed at the summit."]


def test_byline_and_agency_after_the_body_go(ctx):
    text = ("Belarus is an important market for Kazakhstan’s oil products, coal, metals, and cotton fiber.\n\n"
            "Sergey Kwan\n\nTCA")
    doc = clean(ctx, text)
    assert reasons(doc) == {"Sergey Kwan": "byline", "TCA": "footer"}


def test_short_sentences_right_after_the_body_stay(ctx):
    text = ("May we meet the 30th anniversary of the country's independence in a safe and well-off position!\n\n"
            "It’s time to act, friends!\nLet’s go, Kazakhstan!\n")
    assert len(paragraphs(clean(ctx, text))) == 3


def test_truncated_last_fragment_goes_and_the_complete_sentence_stays(ctx):
    text = ("Long-term projects in the energy sphere hold a significant place in the package of agreements.\n\n"
            "It should be noted that all the projects in the energy sector are long-term. For e")
    doc = clean(ctx, text)
    assert doc.text.endswith("It should be noted that all the projects in the energy sector are long-term.")
    assert reasons(doc) == {"For e": "truncated"}


def test_cut_off_paragraph_without_a_sentence_end_goes_whole(ctx):
    text = ("Long-term projects in the energy sphere hold a significant place in the package of agreements.\n\n"
            "The parties will also be discussing the construction of the new nuclear power plant in the region of")
    assert paragraphs(clean(ctx, text)) == ["Long-term projects in the energy sphere hold a significant place "
                                            "in the package of agreements."]


def test_truncation_can_be_switched_off(ctx):
    text = "It should be noted that all the projects in the energy sector are long-term. For e"
    assert clean(ctx, text, drop_truncated=False).text == text


# --- references ------------------------------------------------------------------------------
def test_numbered_references_are_parsed_repaired_and_flagged(ctx):
    text = ("Belarus supplies Azerbaijan with fertilizers and chemicals for plant treatment [1], [2].\n\n"
            "1. Reality and Prospects. SPUTNIK Azerbaijan, 17.05.2024. https://az.sputniknews.ru/20240517/a.html\n\n"
            "2. Reality and Prospects. SPUTNIK Azerbaijan, 17.05.2024. ttps://az.sputniknews.ru/20240517/a.html\n")
    doc = clean(ctx, text)
    assert doc.text == "Belarus supplies Azerbaijan with fertilizers and chemicals for plant treatment [1], [2]."
    assert doc.meta["references"] == [
        {"n": 1, "text": "Reality and Prospects. SPUTNIK Azerbaijan, 17.05.2024.",
         "url": "https://az.sputniknews.ru/20240517/a.html", "date": "2024-05-17"},
        {"n": 2, "text": "Reality and Prospects. SPUTNIK Azerbaijan, 17.05.2024.",
         "url": "https://az.sputniknews.ru/20240517/a.html", "date": "2024-05-17", "duplicate_of": 1},
    ]


def test_bracketed_reference_without_url_is_taken_when_the_body_cites_it(ctx):
    text = ("It is delivered through the pipeline to the Turkish port of Ceyhan[1].However, the minister denied it.\n\n"
            "[1]The gates of Central Asia are opening to Pan-Turanism, on 25.08.2022).\n\n"
            "Click to view article in Armenian.")
    doc = clean(ctx, text)
    assert doc.meta["references"] == [{"n": 1, "text": "The gates of Central Asia are opening to Pan-Turanism, "
                                                        "on 25.08.2022).", "date": "2022-08-25"}]
    assert "Ceyhan[1].However" in doc.text


def test_a_numbered_list_in_the_body_is_not_a_reference_list(ctx):
    text = ("The program sets three priorities for the coming decade in the social sphere of the country:\n"
            "1. Increasing income and supporting low-income segments of the population.\n"
            "2. Addressing housing issues for citizens with low income and improving health care.\n"
            "It will be implemented by the government together with the regions of the country.")
    doc = clean(ctx, text)
    assert "references" not in doc.meta and len(paragraphs(doc)) == 4


def test_markdown_footnotes_are_references(ctx):
    text = ("Moser travelled across the steppe in the 1880s and described the Kazakh auls in detail.[^1]\n\n"
            "[^1]: Henry Moser, Across Central Asia, 1885, p.23\n")
    doc = clean(ctx, text)
    assert doc.meta["references"][0]["n"] == 1 and "[^1]:" not in doc.text


# --- contacts ------------------------------------------------------------------------------
def test_contact_details_never_reach_the_text_and_are_redacted_in_meta_on_request(ctx):
    text = ("Belarus and Azerbaijan signed contracts worth $54 mln at the exhibition in Baku this week.\n"
            "For accreditation write to press@mfa.gov.by or call the press office of the ministry at once, "
            "the ministry said in its statement on Monday.\n"
            "Ph. +7 (495) 767-81-36\nE-mail: info@caspian.institute")
    doc = clean(ctx, text, redact_contacts=True)
    assert "@" not in doc.text and "767-81-36" not in doc.text
    assert "press office" in doc.text
    removed = " ".join(r["text"] for r in doc.meta["removed"])
    assert "_EMAIL_" in removed and "_PHONE_" in removed and "767" not in removed
    assert doc.meta["redacted_contacts"] is True
    plain = clean(ctx, text)  # the default: lossless
    assert "info@caspian.institute" in " ".join(r["text"] for r in plain.meta["removed"])
    assert "redacted_contacts" not in plain.meta


def test_phone_numbers_need_phone_evidence():
    assert contacts.find_phones("Ph./Fax: +7 (495) 783-68-27") == [(9, 27)]
    assert contacts.find_phones("between 2002 and 2012, 1,943 hectares, 20.06.2007, 10:10 2632") == []
    assert contacts.redact("the Joseon dynasty (1392-1910)") == "the Joseon dynasty (1392-1910)"


# --- duplicates ----------------------------------------------------------------------------
def test_repeated_suffix_tails_are_contained_duplicates(ctx):
    body = ("Turkey's exports to Iran was $43.455 million in the first two months of 2001. "
            "The report was made available to IRNA. Turkey's total exports stood at $4.582 billion. "
            "The volume of trade between Iran and Turkey stood at $1.4 billion in 2000.")
    tails = [body[body.index(s):] for s in ("The report", "Turkey's total", "The volume")]
    text = body + "\n" + "\n".join("                  " + t for t in tails)
    text += ("\n All Content by Mehr News Agency is licensed under a Creative Commons Attribution 4.0 "
             "International License.")
    doc = clean(ctx, text)
    assert doc.text == body
    assert sorted(reasons(doc).values()) == ["contained_duplicate"] * 3 + ["legal"]


def test_licence_footer_and_editor_initials_glued_to_the_body_are_cut(ctx):
    body = ("TEHRAN – Iran and Turkey are at loggerheads over the current situation in the Middle East, "
            "the official said. The last ECO summit was held in October 2012 in Baku.")
    doc = clean(ctx, body + " AK/PA All Content by Mehr News Agency is licensed under a Creative Commons "
                            "Attribution 4.0 International License.")
    assert doc.text == body.removeprefix("TEHRAN – ")
    doc = clean(ctx, body + " \u00a0 NA/PA \u00a0 (Reuter)")
    assert doc.text == body.removeprefix("TEHRAN – ")


def test_near_duplicate_paragraph_goes(ctx):
    a = ("Trade and economic relations between Minsk and Baku produce good results, according to Andrei "
         "Ravkov, Ambassador Extraordinary and Plenipotentiary of Belarus in Azerbaijan, who spoke on Monday.")
    b = a.replace("on Monday", "on Tuesday")
    doc = clean(ctx, f"{a}\n\n{b}")
    assert doc.text == a and reasons(doc) == {b: "near_duplicate"}
    assert clean(ctx, f"{a}\n\n{b}", near_duplicates=False).text == f"{a}\n\n{b}"


def test_paragraph_deduper_keeps_first_and_compares_with_kept_only():
    dd = ParagraphDeduper(threshold=0.8, min_words=4)
    assert dd.check("Conclusion", near=False) is None
    assert dd.check("conclusion!", near=False) == "duplicate"
    assert dd.check("In conclusion the two sides agreed on many things", near=True) is None
    assert dd.check("the two sides agreed on many", near=True) == "contained_duplicate"
    assert dd.check("Conclusion the two", near=True) is None  # too short for containment


def test_syndicated_copy_is_marked_duplicate_across_reports(ctx):
    body = " ".join(f"Sentence {i} tells how Iran and Turkey exchanged goods worth {i} million dollars."
                    for i in range(12))
    stage = Clean("clean", CleanParams(), ctx)
    docs = [Document(id="a", source="a", raw=f"Site A\n\nIran and Turkey trade grows\n\n{body}\n\n© Site A"),
            Document(id="b", source="b", raw=f"Menu\n\nIran and Turkey trade grows\n\n{body}\n\nLeave a Reply"),
            Document(id="c", source="c", raw=body.replace("Turkey", "Armenia").replace("goods", "gas"))]
    a, b, c = list(stage(docs))
    assert (a.status, b.status, c.status) == ("ok", "duplicate", "ok")
    assert b.meta["duplicate_of"] == "a"
    assert ctx.stats["clean"]["duplicate_report"] == 1


def test_corpus_deduper_keeps_signatures_only():
    cd = CorpusDeduper(min_words=5)
    assert cd.check("a", "one two three four five six seven eight nine ten") is None
    assert cd.check("b", "one two three four five six seven eight nine ten") == "a"
    assert cd.check("c", "short text") is None  # too short to judge
    assert set(vars(cd)) == {"threshold", "k", "num_perm", "min_words", "similarity", "head_words", "index", "heads"}
    assert cd.heads["a"].dtype == np.uint32 and len(cd.heads) == 1  # word hashes of kept reports only
    assert set(vars(cd.index)) == {"num_perm", "ranges", "tables", "blocks", "ids", "rows"}


def test_signature_index_finds_what_datasketch_lsh_finds():
    # Paragraphs of the shipped reports and copies with one word in five changed: same candidates, same Jaccard.
    from pipeline.stages.clean.dedup import SignatureIndex, new_lsh, signature

    paras = [p.split() for f in sorted((ROOT / "corpus" / "raw").glob("*.txt"))
             for p in f.read_text(encoding="utf-8").split("\n") if len(p.split()) >= 20]
    edited = [[w if i % 5 else "changed" for i, w in enumerate(p)] for p in paras]
    sigs = [signature(p, 3, 128) for p in paras + edited]
    ours, theirs = SignatureIndex(0.5, 128), new_lsh(0.5, 128)
    for i, sig in enumerate(sigs[: len(paras)]):
        ours.insert(str(i), sig)
        theirs.insert(str(i), sig)
    found = 0
    for i, sig in enumerate(sigs):
        got = dict(ours.query(sig))
        assert set(got) == set(theirs.query(sig))
        assert all(got[k] == sig.jaccard(sigs[int(k)]) for k in got)
        found += len(got)
    assert len(paras) > 100 and found > len(paras)  # the edited copies are found too


# --- hard wraps and markup -------------------------------------------------------------------
def test_hard_wrapped_paragraphs_are_joined(ctx):
    text = ("On July 21, at the Baku Military Court, the injured party Şəhla\nTalıbova testified during the trial, "
            "stating that she was deported\nfrom her ancestral lands in Armenia in 1988. She said that her\n"
            "family settled in the Shusha district and later moved to Khojaly\nbecause her husband worked there.\n\n"
            "According to Azernews, she recounted that when\nthe pressure against Azerbaijanis began, a stone was "
            "thrown at a\nbus, causing a shard of glass to injure her baby's eye.")
    doc = clean(ctx, text)
    assert len(paragraphs(doc)) == 2 and "Şəhla Talıbova testified" in doc.text and "\n" not in paragraphs(doc)[0]


def test_one_paragraph_a_line_is_not_joined(ctx):
    lines = ["Kazakhstan ready to increase exports to Uzbekistan by USD 550 mln",
             "The Presidents of Kazakhstan and Uzbekistan made a joint statement for journalists, Kazinform reports.",
             "The main goal of the program is to strengthen friendship between the two states in various sectors.",
             "In particular, the parties agreed to boost economic ties between the two countries this year."]
    assert paragraphs(clean(ctx, "\n".join(lines))) == lines


def test_html_and_markdown_remnants_are_stripped_and_words_kept(ctx):
    text = ("<div class=\"border\">\n<h1 class=\"p-3\">\n2019 was a year of measurable progress\n</h1>\n"
            "<iframe src=\"https://x.io/e\" width=\"100%\"></iframe>\n</div>\n"
            "The World Bank’s **assessment** is the [most up-to-date](https://wb.org/r) one and MAZ [trucks] "
            "concentrate on Kazakhstan&amp;Belarus [4].<br><br>\n"
            "<script>var x = 1;</script>{% include post-css.html %}{:.zoom .figure-img}\n"
            "## Economy\n\nThe economy grew by 4 percent in 2019, the report says in its summary for the year.")
    doc = clean(ctx, text)
    assert paragraphs(doc) == ["2019 was a year of measurable progress",
                               "The World Bank’s assessment is the most up-to-date one and MAZ [trucks] "
                               "concentrate on Kazakhstan&Belarus [4].",
                               "Economy",
                               "The economy grew by 4 percent in 2019, the report says in its summary for the year."]


# --- stage plumbing ----------------------------------------------------------------------------
def test_empty_and_boilerplate_only_reports_are_marked_empty(ctx):
    assert clean(ctx, "RUS\nSearch\n16+").status == "empty"
    assert clean(ctx, "").status == "empty"


def test_missing_pattern_file_is_a_config_error(ctx):
    with pytest.raises(ConfigError, match="stages.clean.patterns"):
        Clean("clean", CleanParams(patterns="nope.toml"), ctx)


def test_clean_table_of_the_default_config_is_valid():
    spec = load_config(ROOT / "config" / "default.toml").stage("clean")
    assert spec.params.patterns == "corpus/patterns/boilerplate.toml" and spec.params.corpus_threshold == 0.5


def test_stage_built_as_in_the_brief(tmp_path):
    cfg = load_config(ROOT / "config" / "default.toml")
    stage = Clean("clean", CleanParams(), Context(cfg, tmp_path))
    [doc] = list(stage([Document(id="x", source="x", raw=(RAW / "08_timesca_kazakhstan-belarus-manufacturing-"
                                                                "agriculture.txt").read_text(encoding="utf-8"))]))
    assert doc.meta["title"] == "Manufacturing and agriculture key areas of Kazakhstan-Belarus cooperation"
    assert doc.meta["date"] is None and not doc.text.endswith("TCA")


# A short agency report (89 words) as syndicated: each copy edits three words, headline unchanged.
SHORT = ("Kazakhstan and Uzbekistan agree to raise trade to ten billion dollars\n\n"
         "ASTANA The presidents of Kazakhstan and Uzbekistan agreed on Tuesday to raise mutual trade to ten billion "
         "dollars by 2030, the press service of the Kazakh president said. The leaders discussed joint industrial "
         "projects, the new border trade centre and water sharing on the Syr Darya river. They also signed an "
         "agreement on the demarcation of the state border and a programme of cultural cooperation for the next "
         "three years, officials said after the talks in the capital.")


def test_syndicated_short_copies_form_one_cluster_with_their_similarity(tmp_path):
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app

    n = len(SHORT.split())
    assert n == 89  # headline and body; normalisation (case, punctuation) keeps every word
    copies = [SHORT.replace("Tuesday", "Monday").replace("joint", "new").replace("officials", "diplomats"),
              SHORT.replace("mutual", "bilateral").replace("water", "energy").replace("capital", "city"),
              SHORT.replace("ten billion", "10 billion").replace("river", "basin")]
    follow_up = ("Kazakhstan and Uzbekistan begin border demarcation\n\nTASHKENT Surveyors of Kazakhstan and "
                 "Uzbekistan began marking the state border on Monday, a week after the presidents signed the "
                 "demarcation agreement in Astana. The first section runs along the Syr Darya river near the new "
                 "border trade centre. Officials said the work would take three years and that local residents "
                 "would keep their access to water and pastures. The presidents had also agreed to raise trade "
                 "to ten billion dollars by 2030.")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i, text in enumerate([SHORT, *copies, follow_up]):
        (inputs / f"r{i}.txt").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
                                   "--set", f"stages.ingest.paths=[{json.dumps(str(inputs))}]",
                                   *[a for s in ("segment", "ner", "classify") for a in ("--set", f"stages.{s}.enabled=false")],
                                   "--set", "stages.clean.corpus_min_words=50"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "default" / "manifest.json").read_text(encoding="utf-8"))
    clusters = manifest["reports"]["duplicate_clusters"]
    assert {k: [c["id"] for c in v] for k, v in clusters.items()} == {"r0": ["r1", "r2", "r3"]}  # the follow-up r4 is kept
    assert [c["similarity"] for c in clusters["r0"]] == [round(1 - 3 / n, 4)] * 3
    assert manifest["reports"]["skipped"] == {"r1": "duplicate", "r2": "duplicate", "r3": "duplicate"}
    # Word-level Indel similarity: a substitution is one deletion and one insertion of the 2n words compared.
    # Each copy has three one-word substitutions (r3: "ten" -> "10" in the headline and the body, "river" -> "basin").
    from pipeline.stages.clean.dedup import CorpusDeduper

    cd = CorpusDeduper(min_words=50)
    assert cd.match("r0", SHORT) is None
    assert [cd.match(f"r{i + 1}", c) for i, c in enumerate(copies)] == [
        ("r0", round(1 - 3 / n, 4))] * 3
    assert cd.match("r4", follow_up) is None


def _sectioned(head: str, sections: bool = True) -> str:
    text = ("Azerbaijan and Belarus deepen ties\n\n20 May 2024\n\n" + head + "\n\n"
            "The presidents of Azerbaijan and Belarus met in Baku on Monday and discussed the supply of tractors, "
            "trucks and fertiliser, as well as joint production of machinery in the Ganja automobile plant.\n\n")
    if sections:
        text += "Trade Prospects\n\n"
    return text + ("Trade between the two countries reached 38 million dollars last year, the ministry said, and "
                   "both sides expect it to double within three years.")


@pytest.mark.parametrize("head, sections, kept", [
    ("ENERGY COOPERATION", True, True), ("Energy Cooperation", True, True),
    ("ENERGY COOPERATION", False, True),  # not a name: a heading even in a report with no other
    ("John Smith", False, False),         # a name alone before the body, no sections: a byline
])
def test_the_first_section_heading_after_title_and_dateline_stays(ctx, head, sections, kept):
    doc = clean(ctx, _sectioned(head, sections))
    assert paragraphs(doc)[0] == "Azerbaijan and Belarus deepen ties"
    assert (head in paragraphs(doc)) is kept
    assert [r["reason"] for r in doc.meta["removed"]] == ["dateline"] + ([] if kept else ["byline"])


def test_a_replan_keeps_the_title_it_found(ctx):
    # Two lines match the input's title word for word (token set); the one equal to it as a whole wins.
    doc = clean(ctx, "Baku and Minsk sign a deal\n\nBaku and Minsk\n\n" + _sectioned("Energy Cooperation").split("\n\n", 1)[1],
                meta={"title": "Baku and Minsk sign a deal"})
    assert doc.meta["title"] == "Baku and Minsk sign a deal"


@pytest.mark.parametrize("line, is_time", [("16:25", True), ("10:45 am", True), ("09:15 GMT", True), ("00:00", True),
                                           ("25:00", False), ("16:25 Moscow", False), ("at 16:25", False),
                                           ("16:5", False)])
def test_a_line_with_only_a_clock_time_is_part_of_the_dateline(line, is_time):
    assert dates.is_time_line(line) is is_time


def test_a_clock_time_is_dateline_only_right_after_a_date_line(ctx):
    body = ("The forum opens with a plenary session of the ministers of the five states.\n\n10:00\n\n"
            "Opening of the exhibition of Caspian industries by the heads of delegation.")
    doc = clean(ctx, body)
    assert "10:00" in paragraphs(doc)


@pytest.mark.parametrize("line, kept", [("Events Baku and Minsk sign a deal", "Baku and Minsk sign a deal"),
                                        ("Talks between Baku and Minsk sign a deal", "Talks between Baku and Minsk sign a deal"),
                                        ("Events Baku and Minsk sign a deal today", "Events Baku and Minsk sign a deal today")])
def test_only_a_capitalised_label_before_the_whole_title_is_cut(line, kept):
    from pipeline.stages.clean.planner import Block, Cleaner

    b = Block(0, len(line), line)
    Cleaner.trim_title(b, "Baku and Minsk sign a deal")
    assert b.live == kept


def test_a_section_label_joined_before_the_metadata_title_is_cut(ctx):
    # A Kremlin page of the regional corpus (president-of-russia-en-kremlin-ru-31, copied to the fixtures), through
    # repair and clean: the hard-wrap join puts the section label "Events" before the title.
    rec = json.loads((ROOT / "tests/fixtures/clean/kremlin-31.jsonl").read_text(encoding="utf-8"))
    stages = [get(spec.factory)(spec.name, spec.params, ctx) for spec in ctx.config.stages
              if spec.name in ("repair", "clean")]
    doc = Document(id=rec["id"], source=rec["id"], raw=rec["text"], meta=dict(rec["meta"]))
    for stage in stages:
        list(stage([doc]))
    assert doc.reconstruct_raw() == doc.raw
    assert paragraphs(doc)[:2] == ["Telephone conversation with President of Azerbaijan Ilham Aliyev",
                                   "Vladimir Putin had a telephone conversation with President of the Republic of "
                                   "Azerbaijan Ilham Aliyev."]
    assert paragraphs(doc)[-1] == ("When discussing the bilateral agenda, the two presidents reaffirmed their "
                                   "resolve to promote cooperation in various spheres.")
    removed = reasons(doc)
    assert (removed["Events"], removed["April 2, 2019 16:25"]) == ("navigation", "dateline")
    assert doc.meta["title"] == "Telephone conversation with President of Azerbaijan Ilham Aliyev"
