"""Report and knowledge-base site generator: a compiler in stages (see README, "Layout of the code").

``common`` -> ``sources`` -> ``knowledge`` -> ``compile`` -> ``outputs`` know nothing of any site engine;
``hosts/mkdocs`` adapts the compiled report to MkDocs; ``cli``, ``entry`` and ``scaffold`` are the ``report``
command.
"""

from .common.release import version

__version__ = version()
