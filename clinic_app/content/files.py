"""Reading content files: YAML with line numbers, validated into the pydantic schema.

Every problem is a :class:`Problem` naming the file, the field path and, where the YAML
parser knows it, the line, so ``clinic-app content check`` can print ``file:line: field: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


@dataclass
class Parsed:
    """A YAML document and the line of every field path in it."""

    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def _walk(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), lines)


MAX_FILE_BYTES = 1_000_000  # the largest shipped file is about 40 KB
MAX_ALIASES = 50  # the shipped content uses none; an "alias bomb" uses thousands
_ALIAS = re.compile(r"(?:^|[\s\[{,:-])\*[^\s,\]}]+", re.MULTILINE)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The safe loader (libyaml's, where PyYAML has it: several times faster) that refuses
    duplicate keys instead of keeping the last one."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(path: Path, label: str) -> tuple[Parsed | None, list[Problem]]:
    try:
        if not path.is_file():  # a pipe or a device would block the read, or never end
            return None, [Problem(label, "(file)", "not a regular file (a pipe or a device?); it was not read")]
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(label, "(file)", f"{size:,} bytes; a content file may hold at most "
                                                   f"{MAX_FILE_BYTES:,}")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(label, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [Problem(label, "(file)", f"cannot read: {exc.strerror or exc}")]
    aliases = len(_ALIAS.findall(text))
    if aliases > MAX_ALIASES:  # a few anchors expanded many times over would fill the memory
        return None, [Problem(label, "(yaml)", f"{aliases} YAML aliases (*name); a content file may use at most "
                                               f"{MAX_ALIASES}")]
    try:
        loader = _UniqueKeyLoader(text)  # parsed once: the node tree gives the lines, then the data
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, [Problem(label, "(yaml)", f"not valid YAML: {message}", line)]
    except yaml.YAMLError as exc:
        return None, [Problem(label, "(yaml)", f"not valid YAML: {exc}")]
    parsed = Parsed(data=data)
    if node is not None:
        _walk(node, (), parsed.lines)
    return parsed, []


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def validate(model: type[M], parsed: Parsed, label: str, prefix: tuple = ()) -> tuple[M | None, list[Problem]]:
    data = parsed.data
    for part in prefix:
        data = data[part]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = prefix + tuple(error["loc"])
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown field (not part of the content schema)"
            elif error["type"] == "missing":
                message = "required field is missing"
            problems.append(Problem(label, _field_path(loc), message, parsed.line_of(loc)))
        return None, problems


def load_list(model: type[M], path: Path, label: str) -> tuple[list[M], list[Problem], Parsed | None]:
    """A YAML file holding a list of ``model`` records."""
    parsed, problems = parse_yaml(path, label)
    if parsed is None:
        return [], problems, None
    if not isinstance(parsed.data, list):
        return [], [Problem(label, "(document)", "expected a list of entries", parsed.line_of(()))], parsed
    items: list[M] = []
    for index in range(len(parsed.data)):
        item, item_problems = validate(model, parsed, label, (index,))
        problems.extend(item_problems)
        if item is not None:
            items.append(item)
    return items, problems, parsed


def load_one(model: type[M], path: Path, label: str) -> tuple[M | None, list[Problem], Parsed | None]:
    parsed, problems = parse_yaml(path, label)
    if parsed is None:
        return None, problems, None
    if not isinstance(parsed.data, dict):
        return None, [Problem(label, "(document)", "expected a mapping of fields", parsed.line_of(()))], parsed
    item, problems = validate(model, parsed, label)
    return item, problems, parsed
