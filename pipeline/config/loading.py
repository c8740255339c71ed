"""Loading the officer-editable YAML files into strict models, with errors that name the line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError


class ConfigError(Exception):
    """A configuration file is wrong: the run stops at once with this message."""


class StrictModel(BaseModel):
    """Unknown keys are refused so that a misspelt key is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


FILE_NAME_FORBIDDEN = '\\/:*?"<>|'  # what Windows refuses in a file name


def _fits_a_file_name(name: str) -> str:
    """A name that becomes part of a file name (a commentary request's) must be one Windows accepts."""
    if not name.strip():
        raise ValueError("is blank: write a name or a role (or null where the key allows it)")
    if any(ch in name for ch in FILE_NAME_FORBIDDEN) or any(ord(ch) < 32 for ch in name):
        raise ValueError(f"'{name}' is used in a file name, which cannot contain any of \\ / : * ? \" < > |")
    return name.strip()


# A person's name or role, as commentary requests are addressed (and named): 'Rebecca Wall'.
PersonName = Annotated[str, AfterValidator(_fits_a_file_name)]


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when present


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """YAML 1.2 booleans: only true/false. Yes, No, Y and N stay text, as officers mean them."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: the file is missing.") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not saved as UTF-8 text ({exc.reason}).") from None


def read_yaml(path: Path) -> Any:
    text = _read_text(path)
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: this is not valid YAML ({problem}).") from None


def yaml_tree(path: Path) -> yaml.Node | None:
    """The file's YAML tree, which knows the line of every key: composed only when there is an error to point at."""
    return yaml.compose(_read_text(path), Loader=_Loader)


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest key in `loc` that exists in the YAML tree."""
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


M = TypeVar("M", bound=BaseModel)


def describe_errors(path: Path, exc: ValidationError, node: yaml.Node | None) -> str:
    """One line per problem, naming the entry, the key and the line."""
    lines = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        line = line_of(node, loc)
        where = ".".join(str(part) for part in loc) or "(top level)"
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key '{loc[-1]}' (check its spelling)"
        elif error["type"] == "missing":
            message = f"the key '{loc[-1]}' is missing"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        at = f" line {line}" if line else ""
        lines.append(f"{path.name}{at}, at {where}: {message}")
    return "\n".join(lines)


def load_model(path: Path, model: type[M]) -> M:
    """Read a YAML file into `model`, or stop with a ConfigError that says what to fix."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc, yaml_tree(path))) from None
