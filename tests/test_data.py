"""The knowledge base as open data (``site/data/``): one JSON document that its JSON Schema accepts, one CSV
file per collection with the same rows, every row's URL leading to its passage on the built site."""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib

import pytest
from jsonschema import Draft202012Validator

from conftest import MINI_VIGNETTE, REPO, write_project
from generator.compile.project import load_project
from generator.outputs.data import SCHEMA_FILE, data_files
from sitehtml import read_site

COLLECTIONS = ("lessons", "vignettes", "examples", "areas", "extracts", "terms", "sources")
URL_FIELDS = ("url", "page_url", "illustrated_by", "cited_in")
MARKUP_RE = re.compile(r"\*\*|\{#|\[@|\]\(|\]\[|<[a-z/]")


@pytest.fixture(scope="module")
def real():
    kb, diags = load_project(REPO)
    assert diags.items == []
    return kb, data_files(kb)


def document(files: dict[str, bytes]) -> dict:
    return json.loads(files["data/knowledge.json"].decode("utf-8"))


def schema(files: dict[str, bytes]) -> dict:
    return json.loads(files["data/knowledge.schema.json"].decode("utf-8"))


def csv_rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    raw = files[f"data/{name}.csv"]
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel reads UTF-8 only after a byte-order mark
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def as_cell(value) -> str:
    """What a spreadsheet user reads for a JSON scalar, as the schema's description says."""
    text = "" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def urls(row: dict) -> list[str]:
    found = []
    for field in URL_FIELDS:
        value = row.get(field)
        found += value if isinstance(value, list) else [value] if value is not None else []
    return found


def assert_csv_matches_json(files: dict[str, bytes]) -> None:
    data, definitions = document(files), schema(files)["$defs"]
    for name in COLLECTIONS:
        definition = definitions[name.removesuffix("s")]
        rows = csv_rows(files, name)
        assert len(rows) == len(data[name]), name
        for cells, row in zip(rows, data[name], strict=True):
            assert list(cells) == list(definition["properties"]), name  # the schema's fields, in its order
            for field, value in row.items():
                if isinstance(value, list):
                    assert cells[field] == as_cell("; ".join(value)), (name, field)
                else:
                    assert cells[field] == as_cell(value), (name, field)


def test_the_reports_data_is_valid_against_its_json_schema(real):
    _, files = real
    Draft202012Validator.check_schema(schema(files))
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in Draft202012Validator(schema(files)).iter_errors(document(files))]
    assert errors == []
    data = document(files)
    assert (data["title"], data["copyright"], data["licence"]) == (
        "Evaluation of Police and Fire Reform: Year 3 Thematic Case Study – Partnership, Innovation and Prevention",
        "© Crown copyright 2018",
        {"name": "Open Government Licence v3.0",
         "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"})


def test_the_schema_is_published_beside_the_data_and_shipped_with_the_package(real):
    _, files = real
    assert sorted(files) == sorted(["data/knowledge.json", "data/knowledge.schema.json",
                                    *(f"data/{name}.csv" for name in COLLECTIONS)])
    assert files["data/knowledge.schema.json"] == SCHEMA_FILE.read_bytes()
    assert document(files)["$schema"] == "knowledge.schema.json"  # beside the document
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    shipped = package_data["package-data"]["generator.outputs"]
    in_package = SCHEMA_FILE.relative_to(REPO / "generator" / "outputs").as_posix()
    assert any(fnmatch.fnmatch(in_package, pattern) for pattern in shipped), shipped


def test_every_collection_has_a_row_for_each_entity_the_report_holds(real):
    kb, files = real
    data = document(files)
    assert [r["id"] for r in data["lessons"]] == list(kb.lessons)
    assert sorted(r["id"] for r in data["vignettes"]) == sorted(kb.vignettes)
    assert [r["number"] for r in data["vignettes"]][:2] == ["I", "II"]  # the report's order, not the files'
    assert [r["id"] for r in data["examples"]] == list(kb.examples)
    british_gas = data["examples"][list(kb.examples).index("example:british-gas-partnership")]
    assert british_gas["short_label"] == "a partnership with British Gas" and british_gas["label"].startswith(
        "a partnership with British Gas to support")
    assert [r["id"] for r in data["areas"]] == list(kb.areas)
    assert [r["id"] for r in data["extracts"]] == list(kb.quotes)
    assert [r["id"] for r in data["terms"]] == list(kb.terms)
    assert sorted(r["key"] for r in data["sources"]) == sorted(kb.sources)
    grounded = {(link.lesson, link.target) for link in kb.lesson_links if link.target in kb.vignettes}
    assert {(r["id"], v) for r in data["lessons"] for v in r["vignettes"]} == grounded
    assert sum(len(r["cited_in"]) for r in data["sources"]) == sum(len(kb.cited_in(k)) for k in kb.sources)


def test_every_relation_names_a_row_and_text_is_plain(real):
    _, files = real
    data = document(files)
    ids = {r["id"] for name in COLLECTIONS for r in data[name]}
    relations = [(r["id"], v) for name in ("lessons", "examples") for r in data[name] for v in r["vignettes"]]
    relations += [(r["id"], r["area"]) for name in ("vignettes", "extracts") for r in data[name]]
    relations += [(r["id"], a) for r in data["examples"] for a in r["areas"]]
    assert relations and [(row, target) for row, target in relations if target not in ids] == []
    texts = [(r["id"], f, v) for name in COLLECTIONS for r in data[name] for f, v in r.items()
             if isinstance(v, str) and f not in URL_FIELDS]
    assert [t for t in texts if MARKUP_RE.search(t[2])] == []
    lesson = next(r for r in data["lessons"] if r["id"] == "lesson:evaluation-matters")
    assert lesson["text"].startswith("Evaluation matters: understanding which partnerships work")


def test_every_url_leads_to_a_page_and_an_id_of_the_built_site(real, built_site):
    _, files = real
    pages = read_site(built_site)
    data = document(files)
    checked, missing = 0, []
    for name in COLLECTIONS:
        for row in data[name]:
            for url in urls(row):
                path, _, anchor = url.partition("#")
                page = pages.get(f"{path}index.html")
                checked += 1
                if page is None or anchor and anchor not in page.ids:
                    missing.append((row["id"], url))
    assert missing == []
    assert checked >= sum(len(data[name]) for name in COLLECTIONS)


def test_urls_are_absolute_under_the_sites_address_when_it_is_given(real):
    kb, files = real
    for address in ("https://example.org/report/", "https://example.org/report"):
        absolute = document(data_files(kb, address))
        relative = document(files)
        for name in COLLECTIONS:
            for a, r in zip(absolute[name], relative[name], strict=True):
                assert urls(a) == ["https://example.org/report/" + u for u in urls(r)]
        assert absolute["$schema"] == "https://example.org/report/data/knowledge.schema.json"


def test_csv_rows_read_back_as_the_json_rows(real):
    _, files = real
    assert_csv_matches_json(files)
    assert csv_rows(files, "lessons")[0]["number"] == "1"
    assert {r["inline"] for r in csv_rows(files, "extracts")} == {"true", "false"}


DIGESTS = """\
import hashlib, sys
from generator.compile.project import load_project
from generator.outputs.data import data_files
kb, _ = load_project(sys.argv[1], cache=False)
for path, content in data_files(kb).items():
    print(path, hashlib.sha256(content).hexdigest())
"""


def test_the_same_report_gives_the_same_bytes(real):
    kb, files = real
    assert data_files(kb) == files
    expected = "".join(f"{path} {hashlib.sha256(content).hexdigest()}\n" for path, content in files.items())
    for seed in ("1", "2"):  # another process, its sets in another order
        run = subprocess.run([sys.executable, "-c", DIGESTS, str(REPO)], capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, cwd=REPO)
        assert (run.stdout, run.stderr) == (expected, "")
    text = files["data/knowledge.json"].decode("utf-8")
    assert text.endswith("}\n") and "\\u" not in text and "–" in text  # UTF-8 as it is, not escaped
    assert json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True, indent=2) + "\n" == text


AWKWARD_VIGNETTE = MINI_VIGNETTE.replace("title: Road Safety", 'title: "Road \\"Safety\\", naïve"').replace(
    "  - council", '  - "=HYPERLINK(\\"http://evil.example\\", \\"click\\")"\n  - "-2+3"\n  - "@SUM(A1)"\n'
                   '  - "+44 café, “quoted”"')

AWKWARD_PRACTICES = """\
# Practices

## Prevention, “in practice”

Partners run [=cmd|' /C calc'!A0, “naïve” drills]{#example:cmd level=primary services="SFRS, partners" vignettes=road-safety areas=B}.

> 'First line, with "double" and ‘single’ quotes,
> =1+2 on the second line; and a tab:\there.'
>
> — B11 fire
"""


def test_awkward_text_gives_valid_json_and_csv_that_spreadsheets_do_not_run(tmp_path):
    root = write_project(tmp_path, {
        "vignettes/road-safety.md": AWKWARD_VIGNETTE,
        "content/practices.md": AWKWARD_PRACTICES,
        "content/glossary.md": "---\nterms:\n  CSV: |\n    =Comma, \"separated\"\n    values\n---\n# Glossary\n\nCSV.\n",
    })
    kb, diags = load_project(root)
    assert [str(d) for d in diags.items if d.severity == "error"] == []
    files = data_files(kb)
    data = document(files)
    assert list(Draft202012Validator(schema(files)).iter_errors(data)) == []
    assert_csv_matches_json(files)
    vignette, = csv_rows(files, "vignettes")
    assert vignette["title"] == 'Road "Safety", naïve'
    assert vignette["partners"] == ("'=HYPERLINK(\"http://evil.example\", \"click\"); -2+3; @SUM(A1); "
                                    "+44 café, “quoted”")
    example, = csv_rows(files, "examples")
    assert example["label"] == "'=cmd|' /C calc'!A0, “naïve” drills"
    assert example["section"] == "Prevention, “in practice”"
    extract, = csv_rows(files, "extracts")
    assert extract["text"] == ("'First line, with \"double\" and ‘single’ quotes, =1+2 on the second line; and a "
                               "tab: here.'")
    term, = csv_rows(files, "terms")
    assert term["expansion"] == "'=Comma, \"separated\"\nvalues"  # the line break kept, inside its quoted cell
    assert "naïve".encode("utf-8") in files["data/examples.csv"]
    assert data_files(kb) == files


def test_the_site_publishes_the_data_under_data(real, built_site):
    """`report build` publishes every file data_files gives at its path, byte for byte, and lists it in
    SHA256SUMS like every other file."""
    _, files = real
    for path, content in files.items():
        assert (built_site / path).read_bytes() == content, path
    listed = (built_site / "SHA256SUMS").read_text(encoding="utf-8")
    assert all(f"  {path}\n" in listed for path in files)
