"""The long select (form_fields.LongGovSelect) writes the GOV.UK select component's
markup: the same label, hint, error message, select and options as the component's own
template, for the dropdowns with hundreds of options (the outstanding list's sergeants)."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.validators import AnyOf

from debrief.form_fields import LongGovSelect

NAMES = ["Sgt Ash", 'Sgt "Quote" O\'Neil', "<script>alert(1)</script>", "Sgt Ünal & Co"]


def _pair(data: dict | None = None):
    class Short(FlaskForm):
        class Meta:
            csrf = False

        sergeant = SelectField(
            "Sergeant", description="Who hosted it", widget=GovSelect(), validators=[AnyOf(["x"])]
        )

    class Long(Short):
        sergeant = SelectField(
            "Sergeant",
            description="Who hosted it",
            widget=LongGovSelect(),
            validators=[AnyOf(["x"])],
        )

    forms = []
    for form_class in (Short, Long):
        form = form_class(data=data)
        form.sergeant.choices = [("", "Any")] + [(name, name) for name in NAMES]
        forms.append(form)
    return forms


def _tags(html: str) -> str:
    """The markup with the whitespace between tags and inside them made alike."""
    html = re.sub(r">\s+<", "><", str(html).strip())
    return re.sub(r"\s+", " ", html)


def test_the_long_select_writes_the_components_markup(app):
    with app.test_request_context():
        short, long = _pair({"sergeant": NAMES[1]})
        assert _tags(long.sergeant()) == _tags(short.sergeant())
        assert 'value="Sgt &#34;Quote&#34; O&#39;Neil" selected' in _tags(long.sergeant())


def test_with_an_error_and_hostile_names_it_still_writes_the_components_markup(app):
    with app.test_request_context():
        short, long = _pair({"sergeant": NAMES[2]})
        for form in (short, long):
            assert not form.validate()
        rendered = _tags(long.sergeant())
        assert rendered == _tags(short.sergeant())
        assert "govuk-select--error" in rendered and "<script>" not in rendered
