"""A content-addressed cache of loading's per-file work: a rebuild reads again only the files that changed.

What is kept, in ``<root>/.cache/load/``: for each Markdown file, what ``frontmatter.split`` and
``scan.scan`` made of its text (``documents.pickle``; the body is not stored, it is the end of the text);
what ``citations.load_sources`` made of the ``*.bib`` files (``bibliography.pickle``). Everything else —
the vignettes' fields, citation keys, entities, links: the checks across files — runs on every load.

The key: an entry is the file's project-relative path with the SHA-256 of its text (of every ``*.bib``
file's path and text, for the bibliography), used only for that text. A whole file is used only when it
was written under this process's code fingerprint: the bytes of every ``generator/*.py``, the
Python version, the versions of PyYAML (and whether it has libyaml), pybtex, latexcodec and Markdown.
(Code replaced while the process runs, as a test's monkeypatch does, is not what the fingerprint
describes: such a test loads with ``cache=False``.)

Why it is safe: only a result that reported no problem is kept, so a file with a problem reports it on
every load, exactly as without the cache. A result is pickled as soon as it is computed (later changes
to the objects cannot leak in) and unpickled afresh on each hit, by an unpickler that builds only the
core's dataclasses and plain data. A file is written only when it changed, to a temporary file renamed
into place, with the entries of the files this load saw and no others: it never grows beyond the project.

The cache's own failures — a file missing, unreadable, corrupt or of another format, a result that
cannot be pickled, a folder that cannot be written, a full disk — are ignored: the result is computed
as without the cache. They are the only errors this module silences.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import pickle
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

from . import model
from ..common.files import atomic_write
from ..common.project import caches_read
from ..common.release import package_version
from ..sources import dialect, frontmatter, scan
from ..sources.frontmatter import FrontMatter, SplitDocument
from ..sources.scan import Scan

FORMAT = "report-load-cache 1"  # change it when what is stored changes shape
GENERATOR = Path(__file__).resolve().parent.parent  # the code whose results are kept: every stage's modules
PACKAGES = ("PyYAML", "pybtex", "latexcodec", "Markdown")  # whose code shapes the results kept
STALE_TEMP_SECONDS = 3600  # a temporary file this old belongs to a load that was killed
# What an entry may be built of besides plain data: the core's dataclasses, and the dates YAML reads.
_CLASSES = {(c.__module__, c.__qualname__): c for m in (model, frontmatter, scan, dialect) for c in vars(m).values()
            if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == m.__name__}
_CLASSES.update((("datetime", c.__name__), c) for c in (datetime.date, datetime.datetime, datetime.timedelta,
                                                         datetime.timezone))

def _digest(*parts: str | bytes) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))  # lengths first: no two inputs run into each other
        digest.update(data)
    return digest.digest()


@lru_cache(maxsize=1)
def fingerprint() -> bytes | None:
    """The code the cached results depend on (computed once per process); None when it cannot be read."""
    try:
        sources = [(p.relative_to(GENERATOR).as_posix(), p.read_bytes()) for p in sorted(GENERATOR.glob("*/*.py"))]
    except OSError:
        return None
    versions = [sys.version, str(getattr(yaml, "__with_libyaml__", False))] + [package_version(p) for p in PACKAGES]
    return _digest(FORMAT, *versions, *(part for source in sources for part in source))


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _CLASSES[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not something the load cache keeps") from None


class _Store:
    """One file: {key: (digest, pickled result)}, for the keys seen in this load."""

    def __init__(self, path: Path, code: bytes, read: bool, valid: Callable[[Any], bool]):
        self.path, self.code, self.valid = path, code, valid
        self.changed = not read  # not read: written afresh
        self.old: dict[str, tuple[bytes, bytes]] = self._read() if read else {}
        self.new: dict[str, tuple[bytes, bytes]] = {}

    def _read(self) -> dict[str, tuple[bytes, bytes]]:
        try:
            with open(self.path, "rb") as f:
                form, code, entries = _Unpickler(f).load()
            if form == FORMAT and code == self.code and isinstance(entries, dict) and all(
                    isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], bytes) and isinstance(e[1], bytes)
                    for e in entries.values()):
                return entries
        except Exception:  # noqa: BLE001 - missing, unreadable, corrupt: the cache's own failure, computed instead
            pass
        self.changed = True
        return {}

    def get(self, key: str, digest: bytes) -> Any | None:
        entry = self.old.get(key)
        if entry is None or entry[0] != digest:
            return None
        try:
            value = _Unpickler(io.BytesIO(entry[1])).load()
        except Exception:  # noqa: BLE001 - a corrupt entry: computed instead
            return None
        if not self.valid(value):
            return None
        self.new[key] = entry
        return value

    def keep(self, key: str, digest: bytes, value: Any) -> None:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - what cannot be pickled is only not kept
            return
        self.new[key] = (digest, data)
        self.changed = True

    def save(self) -> None:
        if not self.changed and self.new.keys() == self.old.keys():
            return
        try:
            with atomic_write(self.path) as f:
                pickle.dump((FORMAT, self.code, self.new), f, protocol=pickle.HIGHEST_PROTOCOL)
            for old in self.path.parent.glob(".*.tmp"):  # left by a load that was killed
                if time.time() - old.stat().st_mtime > STALE_TEMP_SECONDS:
                    old.unlink()
        except OSError:  # a read-only folder, a full disk, a file removed meanwhile: not kept, nothing else
            pass


def _is_document(v: Any) -> bool:  # (front matter, body line, where the body starts in the text, scan)
    return (isinstance(v, tuple) and len(v) == 4 and (v[0] is None or isinstance(v[0], FrontMatter))
            and type(v[1]) is int and type(v[2]) is int and isinstance(v[3], Scan))


def _is_bibliography(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(s, model.Source) for s in v.values())


class LoadCache:
    """The cache for one load of the project at ``root``. ``read=False`` recomputes everything but still
    writes what it computed (by default: read unless ``REPORT_NO_CACHE`` is set to anything but 0);
    ``enabled=False`` neither reads nor writes."""

    def __init__(self, root: Path, *, read: bool | None = None, enabled: bool = True):
        if read is None:
            read = caches_read()
        code = fingerprint() if enabled else None
        self.on = code is not None
        if self.on:
            folder = Path(root) / ".cache" / "load"
            self._documents = _Store(folder / "documents.pickle", code, read, _is_document)
            self._bibliography = _Store(folder / "bibliography.pickle", code, read, _is_bibliography)
        self._digests: dict[str, bytes] = {}  # of the text each document was last looked up with
        self._bib_digest: bytes | None = None

    def document(self, rel: str, text: str) -> tuple[SplitDocument, Scan] | None:
        """What split and scan made of this text of ``rel`` before, or None."""
        if not self.on:
            return None
        self._digests[rel] = digest = _digest(text)
        found = self._documents.get(rel, digest)
        if found is None:
            return None
        front_matter, body_line, body_start, result = found
        return SplitDocument(front_matter, text[body_start:], body_line), result

    def keep_document(self, rel: str, text: str, result: tuple[SplitDocument, Scan]) -> None:
        """Keep ``result``, computed from ``text``, which was last given to :meth:`document` for ``rel``."""
        doc, found = result
        body_start = len(text) - len(doc.body)  # the body is the end of the text: kept once, in the file
        if self.on and text[body_start:] == doc.body:
            self._documents.keep(rel, self._digests[rel], (doc.front_matter, doc.body_line, body_start, found))

    def bibliography(self, files: list[tuple[str, str | None]]) -> dict[str, model.Source] | None:
        """The sources made of these (path, text) before, or None."""
        if not self.on or any(text is None for _, text in files):
            return None
        self._bib_digest = _digest(*(part for file in files for part in file))
        return self._bibliography.get("sources", self._bib_digest)

    def keep_bibliography(self, sources: dict[str, model.Source]) -> None:
        """Keep ``sources``, made of the files last given to :meth:`bibliography`."""
        if self.on and self._bib_digest is not None:
            self._bibliography.keep("sources", self._bib_digest, sources)

    def save(self) -> None:
        """Write what changed; drop the entries of the files this load did not see."""
        if self.on:
            self._documents.save()
            self._bibliography.save()
