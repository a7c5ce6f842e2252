"""``python -m generator.hosts.mkdocs.run --config-file … --site-dir …``: the ``mkdocs build --strict`` that
``report build`` runs (:mod:`.sitebuild`), with Python's collector tuned for one build.

MkDocs' "Documentation built in … seconds" is left out: the site is built once the PDF is in it and it is
in place, which ``report build`` says ("site written to …").

A build makes millions of short-lived objects (every page's Markdown tree) while MkDocs, Material and the
generator live on: what is imported is set aside (``gc.freeze``) and full collections run a tenth as often.
The process ends with the build, so what it made is set aside too: the interpreter's last collection would
only walk it all.
"""

from __future__ import annotations

import gc
import logging
import sys

from mkdocs.__main__ import cli


def _not_done(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Documentation built in")


def main(argv: list[str]) -> None:
    logging.getLogger("mkdocs.commands.build").addFilter(_not_done)
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 100)
    gc.freeze()
    try:
        cli.main(args=["build", "--strict", *argv], prog_name="mkdocs")
    finally:
        gc.freeze()


if __name__ == "__main__":
    main(sys.argv[1:])
