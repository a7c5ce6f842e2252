"""Issue #14, the injection table: no script from content, on the site or in the PDF, and no request to
another host — with a payload of every kind in every field an author writes (tests/injection.py: the
body of a chapter and of a vignette, front matter, BibTeX, the glossary, mkdocs.yml's site_name, nav and
copyright).

- ``report check`` and ``report build`` name each payload in the sources, ``path:line``.
- The authors' check turned off (a sitecustomize for the CLI and the MkDocs it starts), ``report build``
  builds the site and the PDF: what the sanitiser alone makes of the payloads. Nothing live is left in
  any page, the search index or the PDF; in Chromium no payload runs, opens a dialog or asks another host
  for anything — with the pages' Content-Security-Policy bypassed (the sanitiser alone), and with it
  (which then finds nothing to block).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from browserkit import RECORD_VIOLATIONS, serve, site_paths
from conftest import once_per_run, run_cli
from generator.compile.sanitize import content_security_policy, is_remote, url_scheme
from injection import BLOCKS, CHECK_OFF, SHOWN_AS_CODE, write_injection_site

pytest_plugins = ["browser_fixtures"]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "srcset", "cite", "background",
                  "xlink:href"}
SEARCH_KEEPS = {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}  # Material's search parser


def problems(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.endswith("]")]


def line_of(text: str, snippet: str, offset: int = 0) -> int:
    return text[:text.index(snippet)].count("\n") + 1 + offset


def offending_line(block: str) -> int:
    """The line of a payload block that holds its markup (a fence or paragraph line before it aside)."""
    return next(i for i, line in enumerate(block.split("\n")) if any(c in line for c in ("<", "{", "](")))


def test_report_check_and_build_name_every_payload_at_its_line(tmp_path):
    root = write_injection_site(tmp_path)
    check, build = run_cli("check", cwd=root), run_cli("build", cwd=root)
    assert check.returncode == build.returncode == 1
    reported = problems(check.stderr)
    assert problems(build.stderr) == reported
    assert not (root / "site").exists()
    expected = []
    for path in ("content/index.md", "vignettes/road-safety.md"):
        text = (root / path).read_text(encoding="utf-8")
        for markdown, code in BLOCKS.values():
            expected.append((f"{path}:{line_of(text, markdown, offending_line(markdown))}:", code))
        code_lines = range(line_of(text, SHOWN_AS_CODE), line_of(text, SHOWN_AS_CODE) + SHOWN_AS_CODE.count("\n") + 1)
        assert not [p for p in reported if any(p.startswith(f"{path}:{n}:") for n in code_lines)]
    index = (root / "content/index.md").read_text(encoding="utf-8")
    bib = (root / "references/references.bib").read_text(encoding="utf-8")
    expected += [
        (f"content/index.md:{line_of(index, '{#lesson:payload}')}:", "html.unsafe"),  # a lesson's words
        ("vignettes/road-safety.md:3:", "html.unsafe"),  # the title: its link (the rest is escaped)
        (f"references/references.bib:{line_of(bib, 'url = {javascript:')}:", "bibtex.url"),
        ("vignettes/enumerated.md:2:", "vignette.number"), ("vignettes/enumerated.md:4:", "vignette.area"),
    ]
    missing = [(where, code) for where, code in expected
               if not any(p.startswith(where + " ") and p.endswith(f"[{code}]") for p in reported)]
    assert missing == [], "\n".join(reported)


@pytest.fixture(scope="module")
def sanitised_site(tmp_path_factory) -> Path:
    return once_per_run(tmp_path_factory, "injection", build_sanitised) / "project" / "site"


def build_sanitised(folder: Path) -> None:
    """The fixture built by the real CLI with the authors' check off: the sanitiser alone."""
    root = write_injection_site(folder / "project", checked_fields=False)
    hook = folder / "check-off"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CHECK_OFF, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "build"], cwd=root,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "html.unsafe" not in result.stderr  # the check was off: what follows is the sanitiser's work


class Markup(HTMLParser):
    """The elements of a page, with their attributes (entities decoded) and every script's text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._script: dict[str, str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script = attrs
            self.scripts.append((attrs, ""))

    def handle_data(self, data):
        if self._script is not None:
            self.scripts[-1] = (self._script, self.scripts[-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def live_markup(html: str) -> list[str]:
    """What in a page could run script, leave the site or load from another host."""
    page, found = Markup(html), []
    policy = content_security_policy(html)
    for tag, attrs in page.elements:
        found += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
        for name in URL_ATTRIBUTES & set(attrs):
            if url_scheme(attrs[name]) not in (None, "http", "https", "mailto"):
                found.append(f"<{tag} {name}={attrs[name][:40]}>")
            elif name != "href" and is_remote(attrs[name]) or tag == "link" and is_remote(attrs[name]):
                found.append(f"<{tag} {name}={attrs[name][:40]}> from another host")
        if tag in {"iframe", "frame", "object", "embed", "base", "style", "noscript", "template"}:  # svg: the icons
            found.append(f"<{tag}>")
        if tag == "meta" and attrs.get("http-equiv", "").lower() not in ("", "content-security-policy"):
            found.append(f"<meta http-equiv={attrs['http-equiv']}>")
        if tag == "form" and "action" in attrs:
            found.append("<form action>")
    for attrs, text in page.scripts:
        if "src" in attrs and (url_scheme(attrs["src"]) or attrs["src"].startswith("//")):
            found.append(f"<script src={attrs['src']}>")
        elif "src" not in attrs and attrs.get("type") != "application/json" and \
                content_security_policy(f"<script>{text}</script>").split("; ")[1].split()[-1] not in policy:
            found.append(f"<script>{text[:40]}</script> (not the theme's)")
        if "__pwned" in text:
            found.append(f"<script>{text[:40]}</script>")
    return found


def test_the_sanitiser_alone_leaves_nothing_live_in_any_page(sanitised_site):
    pages = sorted(sanitised_site.rglob("*.html"))
    assert len(pages) >= 8
    found = {p.relative_to(sanitised_site).as_posix(): live_markup(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: what for page, what in found.items() if what} == {}
    home = (sanitised_site / "index.html").read_text(encoding="utf-8")
    assert "window.__pwned=1" in home  # the payloads are there, as text


def test_the_search_index_holds_the_payloads_as_text_only(sanitised_site):
    docs = json.loads((sanitised_site / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    assert any("onerror" in d["text"] for d in docs)
    for doc in docs:
        for field in ("title", "text"):
            markup = Markup(doc[field])
            assert {tag for tag, _ in markup.elements} <= SEARCH_KEEPS, doc[field][:300]
            assert all(attrs == {} for _, attrs in markup.elements), doc[field][:300]


def test_the_pdf_has_no_script_and_links_only_to_the_web(sanitised_site):
    pdf = PdfReader(next((sanitised_site / "downloads").glob("*.pdf")))
    root = pdf.trailer["/Root"]
    assert "/OpenAction" not in root and "/AA" not in root and "/JavaScript" not in root.get("/Names", {})
    uris = []
    for page in pdf.pages:
        assert "/AA" not in page
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None:
                assert action["/S"] in ("/URI", "/GoTo"), action
                if action["/S"] == "/URI":
                    uris.append(str(action["/URI"]))
    assert uris and all(url_scheme(u) in ("http", "https", "mailto") for u in uris), uris
    assert "window.__pwned=1" in "".join(page.extract_text() for page in pdf.pages)  # there, as text


@pytest.fixture(scope="module")
def sanitised_url(sanitised_site):
    with serve(sanitised_site) as url:
        yield url


# Every element of the page pointed at, focused and clicked (links with an address aside: they leave).
PROVOKE = """() => {
    for (const el of document.querySelectorAll('body *')) {
        for (const kind of ['mouseover', 'mouseenter', 'focus', 'focusin', 'error', 'load']) {
            el.dispatchEvent(new Event(kind));
        }
        if (el.focus) el.focus();
        if (!(el.closest('a[href]'))) el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}));
    }
    return [...document.querySelectorAll('a[href]')].map(a => a.protocol)
        .filter(p => !['http:', 'https:', 'mailto:'].includes(p));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("policy", ["bypassed", "enforced"])
def test_no_payload_runs_or_reaches_another_host_in_chromium(browser, sanitised_site, sanitised_url, policy):
    context = browser.new_context(base_url=sanitised_url, bypass_csp=policy == "bypassed")
    context.add_init_script(RECORD_VIOLATIONS)
    foreign, dialogs, ran, odd_links, violations = [], [], [], [], []

    def route(r):
        if r.request.url.startswith(sanitised_url + "/"):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for path in site_paths(sanitised_site):
            pg.goto(path)
            pg.wait_for_load_state("networkidle")
            odd_links += [f"{path}: {p}" for p in pg.evaluate(PROVOKE)]
            pg.wait_for_load_state("networkidle")
            if pg.evaluate("() => window.__pwned !== undefined"):
                ran.append(path)
            violations += [f"{path}: {v}" for v in pg.evaluate("() => window.__violations || []")]
    finally:
        context.close()
    assert (ran, dialogs, foreign, odd_links) == ([], [], [], [])
    assert violations == []  # nothing inline, nothing from elsewhere: the policy has nothing to block


@pytest.mark.browser
def test_the_policy_blocks_script_and_other_hosts_should_any_reach_a_page(browser, sanitised_url):
    context = browser.new_context(base_url=sanitised_url)
    context.add_init_script(RECORD_VIOLATIONS)
    foreign: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(sanitised_url + "/")
                  else (foreign.append(r.request.url), r.abort()))
    pg = context.new_page()
    try:
        pg.goto("/")
        pg.wait_for_load_state("networkidle")
        pg.evaluate("""() => {
            const s = document.createElement('script'); s.textContent = 'window.__pwned = 1'; document.body.append(s);
            document.body.insertAdjacentHTML('beforeend',
                '<img src="https://evil.example/p.png"><img src="x" onerror="window.__pwned = 2">');
        }""")
        pg.wait_for_timeout(0)
        pg.wait_for_load_state("networkidle")
        assert pg.evaluate("() => window.__pwned") is None
        assert foreign == []
        directives = {v.split()[0] for v in pg.evaluate("() => window.__violations")}
        assert {"script-src-elem", "img-src", "script-src-attr"} <= directives
    finally:
        context.close()


def test_a_staged_project_built_without_the_plugin_leaves_nothing_live(tmp_path):
    """`report stage` with the authors' check off, then plain `mkdocs build`: no plugin of ours cleans the pages
    there, so the compile step's sanitiser alone stands between the payloads and readers."""
    root = write_injection_site(tmp_path / "project", checked_fields=False)
    hook = tmp_path / "check-off"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CHECK_OFF, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}
    staged = tmp_path / "staged"
    result = subprocess.run([sys.executable, "-m", "generator.entry", "--root", str(root), "stage", str(staged),
                             "--no-pdf"], cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=staged, capture_output=True, text=True,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    pages = sorted((staged / "site").rglob("*.html"))
    found = {p.relative_to(staged / "site").as_posix(): live_markup(p.read_text(encoding="utf-8")) for p in pages}
    assert {page: what for page, what in found.items() if what} == {}
    assert "window.__pwned=1" in (staged / "site" / "index.html").read_text(encoding="utf-8")  # as text
