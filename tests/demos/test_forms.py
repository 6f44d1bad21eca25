"""Forms: parameter models become inputs, and query strings parse back with per-field errors."""

from typing import Annotated, Literal

import pytest
from pydantic import Field

from app.demos.forms import form_fields, parse_query
from app.demos.registry import DemoParams

Item = Annotated[float, Field(ge=-10, le=10)]


class Inner(DemoParams):
    a: int = 0


class Example(DemoParams):
    mode: Literal["a", "b"] = Field("a", description="The mode")
    other: Literal["x", "y"] | Literal[""] = ""
    flag: bool = True
    count: int = Field(3, ge=1, le=10)
    rate: float | None = Field(None, gt=0, le=1, json_schema_extra={"slider": [0, 1, 0.01]})
    values: list[Item] = Field([1.0, 2.0], max_length=5)
    long_values: list[float] | None = Field(None, max_length=1000)
    pair: tuple[float, float] = (0.9, 0.999)
    matrix: list[list[Item]] = [[1.0, 0.0], [0.0, 1.0]]
    docs: list[Annotated[str, Field(max_length=20)]] | None = None
    choices: list[Literal["p", "q", "r"]] = []
    preset: str | list[list[float]] = "cross"
    nested: Inner | None = None


def parse(query: dict[str, list[str]]):
    return parse_query(Example, query)


def fields_by_name(params=None, raw=None, errors=None):
    return {f.name: f for f in form_fields(Example, params or Example(), raw, errors)}


def test_field_kinds_and_attributes():
    f = fields_by_name()
    assert f["mode"].kind == "select" and f["mode"].options == ["a", "b"]
    assert f["mode"].help == "The mode"
    assert f["other"].options == ["x", "y", ""]
    assert f["flag"].kind == "checkbox" and f["flag"].value == "true"
    assert (f["count"].kind, f["count"].min, f["count"].max, f["count"].step) == (
        "number", 1, 10, "1"
    )  # fmt: skip
    assert f["rate"].step == "any" and f["rate"].slider == [0, 1, 0.01] and f["rate"].value == ""
    assert f["values"].kind == "text" and f["values"].value == "1, 2"
    assert f["long_values"].kind == "textarea"
    assert f["pair"].kind == "text" and f["pair"].value == "0.9, 0.999"
    assert f["matrix"].kind == "textarea" and f["matrix"].value == "1, 0\n0, 1"
    assert f["docs"].kind == "textarea"
    assert f["choices"].kind == "checkboxes" and f["choices"].options == ["p", "q", "r"]
    assert f["preset"].kind == "textarea" and f["preset"].value == "cross"
    assert "nested" not in f  # JSON API only


def test_parse_every_kind():
    parsed = parse(
        {
            "mode": ["b"],
            "flag": ["false"],
            "count": ["7"],
            "rate": ["0.25"],
            "values": ["1, -2.5,3"],
            "pair": ["0.5,0.6"],
            "matrix": ["1,2;3,4"],
            "docs": ["first doc\r\nsecond doc\n\n"],
            "choices": ["p", "r"],
            "preset": ["0 1\n1 0"],
            "unknown": ["ignored"],
        }
    )
    assert parsed.errors == {}
    p = parsed.params
    assert (p.mode, p.flag, p.count, p.rate) == ("b", False, 7, 0.25)
    assert p.values == [1, -2.5, 3] and p.pair == (0.5, 0.6)
    assert p.matrix == [[1, 2], [3, 4]]
    assert p.docs == ["first doc", "second doc"]
    assert p.choices == ["p", "r"]
    assert p.preset == [[0, 1], [1, 0]]


def test_checkbox_with_hidden_false_marker_takes_the_last_value():
    assert parse({"flag": ["false", "true"]}).params.flag is True
    assert parse({"flag": ["false"]}).params.flag is False


def test_deep_link_encoding_of_lists_is_accepted():
    assert parse({"choices": ["p,q"]}).params.choices == ["p", "q"]
    assert parse({"choices": [""]}).params.choices == []


def test_empty_inputs_mean_the_default():
    parsed = parse({"rate": [""], "values": ["  "], "docs": [""], "preset": ["cross"]})
    assert parsed.errors == {}
    assert parsed.params.rate is None and parsed.params.values == [1, 2]
    assert parsed.params.preset == "cross"


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ({"count": ["11"]}, "count", "less than or equal to 10"),
        ({"count": ["0"]}, "count", "greater than or equal to 1"),
        ({"count": ["2.5"]}, "count", "integer"),
        ({"rate": ["0"]}, "rate", "greater than 0"),
        ({"rate": ["nan"]}, "rate", "finite"),
        ({"rate": ["inf"]}, "rate", "finite"),
        ({"values": ["1,2,3,4,5,6"]}, "values", "at most 5"),
        ({"values": ["1,x"]}, "values", "item 1"),
        ({"values": ["11"]}, "values", "less than or equal to 10"),
        ({"mode": ["c"]}, "mode", "'a' or 'b'"),
        ({"pair": ["1"]}, "pair", "item 1: Field required"),
    ],
)
def test_errors_name_the_field_and_bound(query, field, fragment):
    parsed = parse(query)
    assert parsed.params is None
    assert field in parsed.errors
    message = parsed.errors[field]
    assert message.startswith(f"{field}: ") and fragment in message


def test_model_level_errors_attach_to_the_field_they_name():
    class Ranged(DemoParams):
        lo: float = 0
        hi: float = 1

        def model_post_init(self, _context):
            if self.hi <= self.lo:
                raise ValueError("hi must be greater than lo")

    parsed = parse_query(Ranged, {"lo": ["2"]})
    assert parsed.errors == {"hi": "hi must be greater than lo"}  # not "hi: hi must ..."


def test_fields_show_what_the_user_typed_next_to_the_error():
    parsed = parse({"count": ["99"]})
    f = fields_by_name(None, parsed.raw, parsed.errors)
    assert f["count"].value == "99" and "less than or equal to 10" in f["count"].error
    assert f["mode"].error == ""


def test_only_the_parameters_that_apply_are_shown_with_human_labels() -> None:
    from app.demos.activations import ActivationParams
    from app.demos.gradient_descent import GradientDescentParams

    def shown(model, **values):
        fields = form_fields(model, model(**values))
        return {f.name: f for f in fields if not f.hidden}

    sgd = shown(GradientDescentParams)
    assert "momentum" not in sgd and "betas" not in sgd and "alpha" not in sgd
    assert sgd["lr"].label == "Learning rate" and sgd["optimizer"].label == "Optimizer"
    adam = shown(GradientDescentParams, optimizer="adam")
    assert "betas" in adam and "eps" in adam and "momentum" not in adam
    compared = shown(GradientDescentParams, compare_optimizer="momentum")
    assert "momentum" in compared
    leaky = shown(ActivationParams, fn="leaky_relu")
    assert "pieces" not in leaky and "alpha" in leaky and leaky["fn"].label == "Function"
    assert "pieces" in shown(ActivationParams, fn="maxout")
    # The read-out slider spans the plotted range, not a fixed one.
    at = shown(ActivationParams, x_min=-3, x_max=2)["at"]
    assert at.slider == [-3.0, 2.0, 0.1] and at.slider_range == ["x_min", "x_max"]
