"""Strict YAML front matter that keeps line numbers.

MkDocs' own reader swallows YAML errors (the block silently becomes page text). Here a broken block
is an error with the file and line, duplicate keys are errors, and only plain data is accepted:
``!!python/…`` tags are rejected, never constructed.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..common.diagnostics import Diagnostics
from ..common.limits import NESTING, YAML_CHARS, YAML_VALUES, file_too_large

FENCE = "---"


@dataclass(frozen=True)
class FrontMatter:
    """Parsed front matter: the data and the line (in the file) of each top-level key."""

    data: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    line: int = 1  # the line of the opening fence
    valid: bool = True  # False when the block could not be read (the error is already reported)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True)
class SplitDocument:
    front_matter: FrontMatter | None
    body: str
    body_line: int  # file line number of the body's first line


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):  # "? [a, b]": unhashable, and never a field's name
            raise yaml.constructor.ConstructorError(None, None, "a key that is a list or a mapping",
                                                    key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key '{key}' (first given on line {seen[key].start_mark.line + 1} of the block)",
                key_node.start_mark,
            )
        seen[key] = key_node
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# libyaml, when PyYAML has it, reads valid front matter several times faster; anything it refuses is
# read again by the pure-Python loader above, whose messages are the ones authors see.
_FastStrictLoader = None
if getattr(yaml, "__with_libyaml__", False):
    class _FastStrictLoader(yaml.CSafeLoader):  # type: ignore[no-redef]
        """CSafeLoader that refuses duplicate keys."""

    _FastStrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _dates_as_text(loader_class: type | None) -> None:
    """Dates read as the text they are: no field is a date, and YAML's reading of one that does not exist
    (``2018-02-30``) raises a ValueError, not a YAML error with its line."""
    if loader_class is not None:
        loader_class.yaml_implicit_resolvers = {
            first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


_dates_as_text(_StrictLoader)
_dates_as_text(_FastStrictLoader)


def _tags_read_as_none(loader_class: type | None) -> type | None:
    if loader_class is None:
        return None
    loader = type(f"AnyTags{loader_class.__name__}", (loader_class,), {})
    loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return loader


_ANY_TAGS_LOADERS = (_tags_read_as_none(_FastStrictLoader), _tags_read_as_none(_StrictLoader))


def _load(loader_class, block: str):
    loader = loader_class(block)
    try:
        node = loader.get_single_node()
        if node is None:
            return node, {}
        _check_values(node)
        data = _text_data(node, set())
        return node, (loader.construct_document(node) if data is None else data)
    finally:
        loader.dispose()


class BeyondLimits(Exception):
    """A document nests deeper than NESTING, or holds more than YAML_VALUES values once its aliases are
    expanded (an alias inside its own anchor: endlessly many): refused before anything walks it."""

    def __init__(self, problem: str, mark: yaml.Mark | None, code: str, limit: str):
        super().__init__(problem)
        self.problem, self.mark, self.code, self.limit = problem, mark, code, limit


def _too_deep(mark: yaml.Mark | None) -> BeyondLimits:
    return BeyondLimits(f"values nested more than {NESTING} deep", mark, "limit.yaml-nesting", f"{NESTING} levels")


def _check_values(root: yaml.Node) -> None:
    """Measure the document's depth and values, each alias counted as the values it repeats (without expanding
    it); raise BeyondLimits at the innermost node that is too deep or holds too many."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (its values, its depth), aliases expanded
    entered: set[int] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        children = _children(node)
        if id(node) not in entered:
            entered.add(id(node))
            if any(id(c) in entered and id(c) not in sizes for c in children):
                raise BeyondLimits("an alias (*name) inside the value it names repeats it endlessly",
                                   node.start_mark, "limit.yaml-values", f"{YAML_VALUES:,} values")
            stack.extend(c for c in reversed(children) if id(c) not in entered)
            continue
        stack.pop()
        values = min(1 + sum(sizes[id(c)][0] for c in children), YAML_VALUES + 1)
        depth = 1 + max((sizes[id(c)][1] for c in children), default=0)
        sizes[id(node)] = (values, depth)
        if depth > NESTING + 1:  # the document itself, then NESTING levels in it
            raise _too_deep(node.start_mark)
    node = root
    if sizes[id(root)][0] <= YAML_VALUES:
        return
    while (inner := next((c for c in _children(node) if sizes[id(c)][0] > YAML_VALUES), None)) is not None:
        node = inner
    raise BeyondLimits(f"more than {YAML_VALUES:,} values in this one, each alias (*name) counted as the values "
                       "it repeats", node.start_mark, "limit.yaml-values", f"{YAML_VALUES:,} values")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{kind}" for kind in ("str", "seq", "map"))


def _text_data(node: yaml.Node, seen: set[int]) -> Any:
    """What the strict loader constructs from a block of text only — strings, lists, and mappings with text keys,
    the shape of almost all front matter — built straight from the nodes; None for anything else (numbers, dates,
    other tags, aliases, repeated keys), which the constructor handles. (Its generic machinery costs as much as
    reading the YAML.)"""
    if id(node) in seen:  # an alias: the constructor shares one object between its uses
        return None
    seen.add(id(node))
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
        items = [_text_data(item, seen) for item in node.value]
        return None if None in items else items
    if node.tag == _MAP and isinstance(node, yaml.MappingNode):
        mapping = {}
        for key_node, value_node in node.value:
            if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode) or key_node.value in mapping:
                return None
            value = _text_data(value_node, seen)
            if value is None:
                return None
            mapping[key_node.value] = value
        return mapping
    return None


def normalise_text(text: str) -> str:
    """Accept a UTF-8 BOM and CRLF/CR line endings."""
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text  # one pass when none


def read_source(path: Path, rel: str, diags: Diagnostics) -> str | None:
    """A source file's text, BOM and CRLF accepted; None, with an error, when it is not a file that can be read,
    is larger than limits.FILE_BYTES, or is not UTF-8 (at its line)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            diags.error(rel, None, f"this is {'a folder' if stat.S_ISDIR(info.st_mode) else 'not a regular file'}, "
                        f"not a file of text — only files are read. Rename it so that its name does not end in "
                        f"'{Path(path).suffix}', or move it away.", "file.not-a-file")
            return None
        if file_too_large(info.st_size, rel, diags):
            return None
        data = Path(path).read_bytes()
    except OSError as exc:
        diags.error(rel, None, _unreadable(Path(path), exc), "file.unreadable")
        return None
    try:
        return normalise_text(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(rel, line, f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} in column {column} is not "
                    "valid UTF-8 — save the file with UTF-8 encoding.", "file.encoding")
        return None


def _unreadable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "this is a symbolic link in a loop (it leads back to itself) — replace it with the file, or remove it."
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"this is a symbolic link to '{os.readlink(path)}', which does not exist — fix the link, or remove it."
    return f"the file cannot be read: {exc.strerror or exc} — check that it exists and that you may read it."


def split(text: str, path: str, diags: Diagnostics) -> SplitDocument:
    """Split ``---`` front matter from the body; report YAML problems with file line numbers."""
    # Line by line from the top rather than text.split("\n"): the block is a few lines at the top, and the body
    # is then a slice of the text, not the whole file cut into lines and joined again.
    opening_end = _line_end(text, 0)
    if text[:opening_end].rstrip() != FENCE:
        return SplitDocument(None, text, 1)
    number, start, end = 0, 0, opening_end  # 0-based number, start and end of the line last read
    while end < len(text):
        number, start = number + 1, end + 1
        end = _line_end(text, start)
        if text[start:end].rstrip() in (FENCE, "..."):
            break
    else:
        diags.error(path, 1, "front matter is not closed — the opening '---' has no closing '---' "
                    "line, so the whole file would be read as YAML. Add a '---' line after the last field.",
                    "frontmatter.unclosed")
        return SplitDocument(FrontMatter(valid=False), "", text.count("\n") + 2)
    block = text[opening_end + 1:start - 1]  # the lines between the fences ("" when there are none)
    body = text[end + 1:]
    body_line = number + 2
    fm = parse_block(block, path, first_line=2, diags=diags)
    return SplitDocument(fm, body, body_line)


def _line_end(text: str, start: int) -> int:
    """The index of the line break ending the line that starts at ``start``, or len(text) for the last line."""
    end = text.find("\n", start)
    return len(text) if end < 0 else end


def parse_block(block: str, path: str, first_line: int, diags: Diagnostics) -> FrontMatter:
    offset = first_line  # file line of the block's first line
    read = read_yaml(block, path, first_line, diags, what="front matter", code="frontmatter.yaml")
    if read is None:
        return FrontMatter(line=offset - 1, valid=False)
    node, data = read
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = type(data).__name__.replace("str", "a string").replace("list", "a list")
        diags.error(path, offset, f"front matter must be a mapping of 'field: value' lines, not {kind} "
                    "— each field needs a name, e.g. 'title: Road Safety'.", "frontmatter.not-mapping")
        return FrontMatter(line=offset - 1, valid=False)
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = offset + key_node.start_mark.line
    return FrontMatter({str(k): v for k, v in data.items()}, key_lines, line=offset - 1)


def read_yaml(text: str, path: str, first_line: int, diags: Diagnostics, *, what: str, code: str,
              any_tags: bool = False) -> tuple[Any, Any] | None:
    """A YAML document's node and data (node None for an empty one); None, with an error at its line, when it
    cannot be read or passes the limits on YAML (limits.py). ``what`` names the document in messages; ``code``
    is its syntax errors'. ``any_tags``: a tag such as ``!ENV`` reads as None instead of being an error."""
    loaders = _ANY_TAGS_LOADERS if any_tags else (_FastStrictLoader, _StrictLoader)
    if len(text) > YAML_CHARS:
        diags.error(path, first_line, f"{what} has {len(text):,} characters — limit {YAML_CHARS:,}, so that "
                    "reading it stays quick. Shorten it.", "limit.yaml-size")
        return None
    try:
        try:
            return _read_with(loaders, text)
        except RecursionError:  # nested deeper than Python's stack allows, in the reader itself
            raise _too_deep(None) from None
    except BeyondLimits as exc:
        line = first_line + exc.mark.line if exc.mark else first_line
        diags.error(path, line, f"{what} is refused: {exc.problem} — limit {exc.limit}, so that nothing that reads "
                    "it runs out of time or memory. Write the values out, without aliases, and nest them less.",
                    exc.code)
    except yaml.reader.ReaderError as exc:  # a control character, refused before any YAML is read
        line = first_line + text.count("\n", 0, exc.position)
        diags.error(path, line, f"{what} is not valid YAML: the character U+{exc.character:04X} is not allowed in "
                    "it — remove it.", code)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        context = exc.context or ""
        # An unclosed quote is found only at the end of the block: point at where the quote opened.
        mark = exc.context_mark if "quoted scalar" in context else (exc.problem_mark or exc.context_mark)
        line = first_line + mark.line if mark else first_line
        hint = _hint(f"{context} {problem}")
        diags.error(path, line, f"{what} is not valid YAML: {problem}{hint}", code)
    except yaml.YAMLError as exc:  # pragma: no cover - every YAML error we know is marked
        diags.error(path, first_line, f"{what} is not valid YAML: {exc}", code)
    return None


def _read_with(loaders: tuple[type | None, type], text: str) -> tuple[Any, Any]:
    # One parse: the node keeps each key's line, and the data is constructed from it (what yaml.load does after
    # composing the same node).
    fast, slow = loaders
    if fast is not None:
        try:
            return _load(fast, text)
        except yaml.YAMLError as exc:
            if "maximum nesting depth" in str(exc):  # libyaml's own limit: the other reader would run out of stack
                raise _too_deep(getattr(exc, "problem_mark", None)) from None
    return _load(slow, text)


def _hint(problem: str) -> str:
    if "'\\t'" in problem or "tab" in problem.lower():
        return " — YAML does not allow tabs for indentation. Indent with spaces."
    if "could not determine a constructor" in problem:
        return (" — only plain YAML data is accepted; tags such as '!!python/…' are never executed. "
                "Remove the tag.")
    if "duplicate key" in problem:
        return " — a field may be given once. Remove one of them."
    if "a key that is a list or a mapping" in problem:
        return " — a field's name is a word, e.g. 'title'. Write 'name: value'."
    if "quoted scalar" in problem:
        return " — a quoted value is not closed. Add the closing quote."
    return ""


def nested_lines(root: Path, rel: str, field: str) -> dict[tuple, int]:
    """Line numbers of the entries of a front-matter field: (key,) and (key, n) for list items."""
    text = (root / rel).read_text(encoding="utf-8")
    block = text.split("\n---", 1)[0].removeprefix("---\n")
    out: dict[tuple, int] = {}
    try:
        node = yaml.compose(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml keeps marks too
    except yaml.YAMLError:
        return out
    if not isinstance(node, yaml.MappingNode):
        return out
    for key, value in node.value:
        if key.value != field or not isinstance(value, yaml.MappingNode):
            continue
        for lkey, lval in value.value:
            out[(lkey.value,)] = lkey.start_mark.line + 2
            if isinstance(lval, yaml.SequenceNode):
                for n, item in enumerate(lval.value):
                    out[(lkey.value, n)] = item.start_mark.line + 2
    return out
