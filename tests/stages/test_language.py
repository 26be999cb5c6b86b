"""The language stage: reports in another language are not annotated with the English models."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.stages.language import paragraph_languages

pytestmark = pytest.mark.model

RUSSIAN = ("Президент Азербайджана встретился с президентом Беларуси\n\n"
           "По его словам, Баку и Минск подписали соглашение о сотрудничестве в области сельского хозяйства и "
           "промышленности. Стороны обсудили поставки тракторов и совместное производство техники.\n\n"
           "Баку 16 мая. Переговоры продолжатся в следующем году в Минске, сообщила пресс-служба.")
ENGLISH_QUOTING = ("Belarus and Azerbaijan expand their cooperation\n\n"
                   "President Aliyev said on Monday that Baku and Minsk had signed an agreement on agriculture "
                   "and industry, and that tractor deliveries would double next year.\n\n"
                   "«По его словам, переговоры продолжатся», the agency wrote.\n\n"
                   "The two presidents also discussed joint production of machinery and new markets in Central "
                   "Asia, according to the press service of the Azerbaijani president.")
RUSSIAN_WITH_ENGLISH_TITLE = "Azerbaijan and Belarus sign a deal\n\n" + RUSSIAN.split("\n\n", 1)[1]


def test_paragraphs_vote_by_their_characters():
    votes = paragraph_languages(ENGLISH_QUOTING, 40)
    assert votes.most_common(1)[0][0] == "en" and votes["ru"] > 0  # the quoted paragraph is Russian
    assert paragraph_languages(RUSSIAN_WITH_ENGLISH_TITLE, 40).most_common(1)[0][0] == "ru"
    assert paragraph_languages("Baku 16", 40) == {}  # too short to judge


def test_the_candidate_languages_keep_russian_from_passing_for_macedonian():
    from pipeline.stages.language import LanguageParams

    mixed = "Президент Беларуси посетил Баку. " * 5 + "Belarus and Azerbaijan signed agreements in Baku."
    assert set(paragraph_languages(mixed, 40)) <= {"mk", "bg"}  # all 97 languages of the model: a near miss
    assert set(paragraph_languages(mixed, 40, tuple(LanguageParams().candidates))) == {"ru"}


def test_a_russian_report_is_kept_but_not_annotated(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in (("ru", RUSSIAN), ("en", ENGLISH_QUOTING), ("ru_title", RUSSIAN_WITH_ENGLISH_TITLE)):
        (inputs / f"{name}.txt").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["run", "config/default.toml", "-q", "--set", f"run.output_dir={json.dumps(str(tmp_path))}",
                                   "--set", f"stages.ingest.paths=[{json.dumps(str(inputs))}]"])
    assert res.exit_code == 0, res.output
    run = tmp_path / "default"
    annotated = [json.loads(line) for line in (run / "annotations.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in annotated] == ["en"] and annotated[0]["meta"]["language"] == "en"
    other = {r["id"]: r for r in map(json.loads, (run / "other_languages.jsonl").read_text(encoding="utf-8").splitlines())}
    assert set(other) == {"ru", "ru_title"}
    assert other["ru"]["meta"]["language"] == "ru" and other["ru"]["sents"] == [] and other["ru"]["ents"] == []
    assert "Баку и Минск подписали соглашение" in other["ru"]["text"]
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["reports"]["skipped"] == {"ru": "other_language", "ru_title": "other_language"}
