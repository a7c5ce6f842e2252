"""Report and knowledge-base site generator.

``generator.core`` knows nothing of MkDocs: it loads and validates the project (Markdown chapters,
vignettes with YAML front matter, BibTeX sources), resolves citations and cross-references, and
renders generated pages. ``generator.mkdocs_plugin`` and ``generator.cli`` are thin glue around it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("report-generator")  # from pyproject.toml, via the installed metadata
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
