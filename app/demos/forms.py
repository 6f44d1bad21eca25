"""A demo's parameter model as HTML form fields, and query strings parsed back into it.

The query encoding is the one of ``app/demos/links.py`` (card deep links): scalars as text,
lists comma-separated, matrices as rows separated by ``;`` or new lines, lists of strings one
per line. A field may carry a slider hint, ``json_schema_extra={"slider": [lo, hi, step]}``:
the page then adds a range input that ``static/demos.js`` keeps in sync with the number box;
``"slider_range": ["x_min", "x_max"]`` makes its ends those fields' values (the plotted range).
``"show_when": {"optimizer": ["adam"]}`` shows the field only while one of the named fields has
one of the listed values (hidden on the server, toggled by ``static/demos.js``), so a form
shows the parameters that apply to the current choice. ``Field(title=...)`` is the label.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from annotated_types import Ge, Gt, Le, Lt, MaxLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from app.demos.registry import DemoParams

Kind = Literal["select", "checkbox", "checkboxes", "number", "text", "textarea"]
ROW_SEPARATOR = re.compile(r"[;\n]")
ITEM_SEPARATOR = re.compile(r"[,\s]+")
TEXTAREA_MIN_ITEMS = 100  # lists that may be this long get a textarea instead of a text box


@dataclass
class FormField:
    """Everything a template needs to draw one input."""

    name: str
    kind: Kind
    value: str = ""
    help: str = ""
    options: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # checkbox groups: the selected options
    min: float | None = None
    max: float | None = None
    step: str = "any"
    slider: list[float] | None = None
    error: str = ""
    placeholder: str = ""
    title: str = ""
    show_when: dict[str, list[str]] = field(default_factory=dict)
    slider_range: list[str] = field(default_factory=list)  # fields giving the slider's ends
    hidden: bool = False

    @property
    def label(self) -> str:
        return self.title or self.name.replace("_", " ")

    @property
    def show_when_json(self) -> str:
        return json.dumps(self.show_when) if self.show_when else ""


@dataclass(frozen=True)
class _Shape:
    """What a field's annotation is, reduced to what the form cares about."""

    kind: str  # bool | number | int | str | literal | list | matrix | lines | union-matrix | model
    options: tuple[str, ...] = ()
    optional: bool = False


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _literal_options(tp: Any) -> tuple[str, ...] | None:
    """The choices of a Literal, else None."""
    tp = _strip_annotated(tp)
    if typing.get_origin(tp) is Literal:
        return tuple(str(a) for a in typing.get_args(tp))
    return None


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _is_tuple(tp: Any) -> bool:
    return typing.get_origin(_strip_annotated(tp)) is tuple


def _is_sequence(tp: Any) -> bool:
    return typing.get_origin(_strip_annotated(tp)) in (list, tuple)


def shape_of(annotation: Any) -> _Shape:
    """Classify a field's type annotation into one of the input kinds of the form."""
    tp = _strip_annotated(annotation)
    optional = False
    if _is_union(tp):
        members = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(members) < len(typing.get_args(tp))
        choices = [_literal_options(a) for a in members]
        if all(c is not None for c in choices):
            return _Shape("literal", tuple(o for c in choices for o in c or ()), optional)
        if len(members) > 1 and any(_is_sequence(a) for a in members):  # a preset or a matrix
            return _Shape("union-matrix", (), optional)
        tp = _strip_annotated(members[0])
    options = _literal_options(tp)
    if options is not None:
        return _Shape("literal", options, optional)
    if tp is bool:
        return _Shape("bool", (), optional)
    if tp is int:
        return _Shape("int", (), optional)
    if tp is float:
        return _Shape("number", (), optional)
    if tp is str:
        return _Shape("str", (), optional)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _Shape("model", (), optional)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple):
        item = _strip_annotated(args[0]) if args else float
        if _is_sequence(item):
            return _Shape("matrix", (), optional)
        if item is str:
            return _Shape("lines", (), optional)
        item_options = _literal_options(item)
        if item_options is not None:
            return _Shape("list", item_options, optional)
        return _Shape("list", (), optional)
    return _Shape("str", (), optional)


def _bounds(info: FieldInfo) -> tuple[float | None, float | None, int | None]:
    """(lower bound, upper bound, maximum length) from the field's constraints."""
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    for m in info.metadata:  # the bounds of our params are numbers (annotated-types allows any)
        if isinstance(m, Ge | Gt):
            low = cast(float, m.ge if isinstance(m, Ge) else m.gt)
        elif isinstance(m, Le | Lt):
            high = cast(float, m.le if isinstance(m, Le) else m.lt)
        elif isinstance(m, MaxLen):
            max_length = m.max_length
    return low, high, max_length


# ---------------------------------------------------------------- values <-> text


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def value_text(value: Any, shape: _Shape) -> str:
    """A parameter value as the text of its input."""
    if value is None:
        return ""
    if shape.kind == "lines":
        return "\n".join(value)
    if isinstance(value, list | tuple):
        if value and all(isinstance(row, list | tuple) for row in value):
            joiner = "\n" if shape.kind in ("matrix", "union-matrix") else "; "
            return joiner.join(", ".join(_number_text(v) for v in row) for row in value)
        return ", ".join(_number_text(v) for v in value)
    return _number_text(value)


def _split_items(text: str) -> list[str]:
    return [item for item in ITEM_SEPARATOR.split(text.strip()) if item]


def _looks_numeric(text: str) -> bool:
    return bool(text.strip()) and re.fullmatch(r"[\d\s,;.eE+\-]+", text.strip()) is not None


def text_value(raw: Sequence[str], shape: _Shape) -> Any:
    """Query values of one field as the Python value pydantic validates (None: use default)."""
    values = [v for v in raw if v.strip()]
    if shape.kind == "list" and shape.options:  # checkbox group: present but empty means []
        return [item for v in values for item in _split_items(v)]
    if not values:
        return None
    last = values[-1].strip()
    if shape.kind == "list":
        return [item for v in values for item in _split_items(v)]
    if shape.kind == "lines":
        text = "\n".join(values).replace("\r\n", "\n").replace("\r", "\n")
        return [line for line in text.split("\n") if line.strip()]
    if shape.kind == "matrix" or (shape.kind == "union-matrix" and _looks_numeric(last)):
        rows = [r for r in ROW_SEPARATOR.split(last) if r.strip()]
        return [_split_items(r) for r in rows]
    return last


# ---------------------------------------------------------------- public API


@dataclass
class ParsedForm:
    """The outcome of reading a query string: the valid params, or errors per field."""

    params: DemoParams | None
    errors: dict[str, str]  # field name (or "" for the form as a whole) -> message
    raw: dict[str, list[str]]  # what the user typed, to show it again next to the errors


def parse_query(model: type[DemoParams], query: Mapping[str, Sequence[str]]) -> ParsedForm:
    """Validate query values (``name -> [values]``) against the model; unknown keys are ignored."""
    data: dict[str, Any] = {}
    raw: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        if name not in query:
            continue
        raw[name] = list(query[name])
        shape = shape_of(info.annotation)
        if shape.kind == "model":
            continue
        value = text_value(raw[name], shape)
        if value is not None:
            data[name] = value
    try:
        return ParsedForm(model.model_validate(data), {}, raw)
    except ValidationError as exc:
        return ParsedForm(None, field_errors(exc, list(model.model_fields)), raw)


def field_errors(exc: ValidationError, names: list[str]) -> dict[str, str]:
    """One message per field, naming the bound ("lr: Input should be greater than 0")."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error["loc"]
        message = error["msg"].removeprefix("Value error, ")
        name = str(loc[0]) if loc else ""
        if not name:  # a model-level check: attach it to the field its message starts with
            first = message.split(" ", 1)[0]
            name = first if first in names else ""
        if len(loc) > 1:
            message = f"item {'.'.join(str(p) for p in loc[1:])}: {message}"
        named = name and loc  # a model-level message already begins with the field's name
        errors.setdefault(name, f"{name}: {message}" if named else message)
    return errors


def form_fields(
    model: type[DemoParams],
    params: DemoParams | None,
    raw: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The inputs of the model's form, showing ``raw`` text where given, else the params."""
    raw, errors = raw or {}, errors or {}
    fields = []
    for name, info in model.model_fields.items():
        shape = shape_of(info.annotation)
        if shape.kind == "model":
            continue  # nested objects (e.g. explicit weights) are for the JSON API
        current = getattr(params, name) if params is not None else info.get_default(
            call_default_factory=True
        )  # fmt: skip
        fields.append(_form_field(name, info, shape, current, raw.get(name), errors.get(name, "")))
    values = {f.name: f.value for f in fields}
    for f in fields:
        if f.show_when:
            f.hidden = not f.error and not any(
                values.get(other) in allowed for other, allowed in f.show_when.items()
            )
        if f.slider and len(f.slider_range) == 2:
            try:
                ends = [float(values.get(other, "")) for other in f.slider_range]
            except ValueError:
                continue
            if ends[0] < ends[1]:
                f.slider = [ends[0], ends[1], f.slider[2]]
    return fields


def _form_field(
    name: str,
    info: FieldInfo,
    shape: _Shape,
    current: Any,
    typed: Sequence[str] | None,
    error: str,
) -> FormField:
    low, high, max_length = _bounds(info)
    help_text = info.description or ""
    text = value_text(current, shape)
    if typed is not None and error:
        text = "\n".join(typed) if shape.kind == "lines" else (typed[-1] if typed else "")
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    f = FormField(name=name, kind="text", value=text, help=help_text, error=error)
    f.title = info.title or ""
    show_when = extra.get("show_when")
    if isinstance(show_when, dict):  # {field: [values]}, as the module docstring says
        rules = cast(dict[str, list[object]], show_when)
        f.show_when = {str(k): [str(v) for v in vs] for k, vs in rules.items()}
    slider_range = extra.get("slider_range")
    if isinstance(slider_range, list | tuple):
        f.slider_range = [str(v) for v in slider_range]
    if shape.kind == "literal":
        f.kind, f.options = "select", list(shape.options)
    elif shape.kind == "bool":
        f.kind, f.value = "checkbox", "true" if current else "false"
    elif shape.kind in ("int", "number"):
        f.kind, f.min, f.max = "number", low, high
        f.step = "1" if shape.kind == "int" else "any"
        slider = extra.get("slider")
        # [lo, hi, step], numbers
        f.slider = cast(list[float], list(slider)) if isinstance(slider, list | tuple) else None
        f.placeholder = "default" if shape.optional else ""
    elif shape.kind == "list" and shape.options:
        f.kind, f.options = "checkboxes", list(shape.options)
        f.checked = [str(v) for v in (current or [])]
    elif shape.kind in ("matrix", "lines", "union-matrix") or (
        shape.kind == "list"
        and not _is_tuple(info.annotation)
        and (max_length is None or max_length >= TEXTAREA_MIN_ITEMS)
    ):
        f.kind = "textarea"
        f.placeholder = {
            "matrix": "rows separated by ; or new lines, values by commas",
            "lines": "one per line",
            "union-matrix": "a preset name, or rows of numbers",
        }.get(shape.kind, "comma-separated numbers")
    elif shape.kind == "list":
        f.placeholder = "comma-separated"
    return f
