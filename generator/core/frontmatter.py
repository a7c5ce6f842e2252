"""Strict YAML front matter that keeps line numbers.

MkDocs' own reader swallows YAML errors (the block silently becomes page text). Here a broken block
is an error with the file and line, duplicate keys are errors, and only plain data is accepted:
``!!python/…`` tags are rejected, never constructed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostics

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


def _load(loader_class, block: str):
    loader = loader_class(block)
    try:
        node = loader.get_single_node()
        if node is None:
            return node, {}
        data = _text_data(node, set())
        return node, (loader.construct_document(node) if data is None else data)
    finally:
        loader.dispose()


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
    """A source file's text, BOM and CRLF accepted; None, with an error at the line, when it is not UTF-8."""
    data = Path(path).read_bytes()
    try:
        return normalise_text(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(rel, line, f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} in column {column} is not "
                    "valid UTF-8 — save the file with UTF-8 encoding.", "file.encoding")
        return None


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
    try:
        # One parse: the node keeps each key's line, and the data is constructed from it (what yaml.load
        # does after composing the same node).
        try:
            if _FastStrictLoader is None:
                raise yaml.YAMLError("libyaml is not available")
            node, data = _load(_FastStrictLoader, block)
        except yaml.YAMLError:
            node, data = _load(_StrictLoader, block)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or str(exc)
        context = exc.context or ""
        # An unclosed quote is found only at the end of the block: point at where the quote opened.
        mark = exc.context_mark if "quoted scalar" in context else (exc.problem_mark or exc.context_mark)
        line = offset + mark.line if mark else offset
        hint = _hint(f"{context} {problem}")
        diags.error(path, line, f"front matter is not valid YAML: {problem}{hint}", "frontmatter.yaml")
        return FrontMatter(line=offset - 1, valid=False)
    except yaml.YAMLError as exc:  # pragma: no cover - every YAML error we know is marked
        diags.error(path, offset, f"front matter is not valid YAML: {exc}", "frontmatter.yaml")
        return FrontMatter(line=offset - 1, valid=False)
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
