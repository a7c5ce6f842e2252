"""Report and knowledge-base site generator.

``generator.core`` knows nothing of MkDocs: it loads and validates the project (Markdown chapters,
vignettes with YAML front matter, BibTeX sources), resolves citations and cross-references, and
renders generated pages. ``generator.hosts.mkdocs.plugin`` and ``generator.cli`` are thin glue around it.
"""



def __getattr__(name: str) -> str:
    """``__version__``, from the installed metadata (pyproject.toml), looked up on first use: reading the
    metadata costs more than everything `report build` imports before it forks its PDF worker."""
    if name == "__version__":
        from .common.release import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
