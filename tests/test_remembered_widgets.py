"""GOV.UK widgets whose markup is remembered (form_fields.RememberedRendering) write
exactly what the component writes, for every choice, selection and error, and never
answer one field's rendering with another's."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as library
from markupsafe import Markup
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import AnyOf

from debrief import form_fields

HOSTILE = ["Sgt Ash", 'Sgt "Quote" O\'Neil', "<script>alert(1)</script>", "Sgt Ünal & Co"]
WIDGETS = [
    (SelectField, form_fields.GovSelect, library.GovSelect),
    (RadioField, form_fields.GovRadioInput, library.GovRadioInput),
    (SelectMultipleField, form_fields.GovCheckboxesInput, library.GovCheckboxesInput),
]


def _form(field_class, widget, data=None, label="Who hosted it"):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        choice = field_class(label, widget=widget, validators=[AnyOf(["never"])])

    form = Form(data=data)
    form.choice.choices = [(name, name) for name in HOSTILE]
    return form


@pytest.mark.parametrize(("field_class", "ours", "theirs"), WIDGETS)
def test_remembered_markup_is_the_components_for_every_selection_and_error(
    app, field_class, ours, theirs
):
    with app.test_request_context():
        seen = set()
        for chosen in HOSTILE:
            data = {"choice": [chosen] if field_class is SelectMultipleField else chosen}
            for invalid in (False, True):
                for _ in range(2):  # the second time from memory
                    mine = _form(field_class, ours(), data)
                    reference = _form(field_class, theirs(), data)
                    if invalid:
                        assert not mine.validate() and not reference.validate()
                    assert str(mine.choice()) == str(reference.choice())
                    assert "<script>" not in str(mine.choice())
                seen.add(str(mine.choice()))
        assert len(seen) == 2 * len(HOSTILE)  # each selection and error its own markup


def test_text_and_markup_given_alike_are_not_taken_for_each_other(app):
    with app.test_request_context():
        text = _form(SelectField, form_fields.GovSelect(), label="<b>Bold</b>")
        html = _form(SelectField, form_fields.GovSelect(), label="x")
        plain = str(text.choice())
        marked = str(html.choice(params={"label": {"text": Markup("<b>Bold</b>")}}))
        assert "&lt;b&gt;Bold&lt;/b&gt;" in plain and "<b>Bold</b>" in marked


def test_true_and_one_are_not_the_same_parameter(app):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        agree = BooleanField("Agree", widget=form_fields.GovCheckboxInput())
        go = SubmitField("Go", widget=form_fields.GovSubmitInput())

    with app.test_request_context():
        form = Form()
        one, true = str(form.go(params={"value": 1})), str(form.go(params={"value": True}))
        assert 'value="1"' in one and 'value="True"' in true
        assert str(form.agree()) == str(Form().agree())


def test_fields_revealed_inside_a_choice_are_not_kept(app):
    with app.test_request_context():
        form = _form(RadioField, form_fields.GovRadioInput())
        kept = len(form_fields.RememberedRendering._remembered)
        typed = Markup('<input name="typed" value="something a user typed">')
        items = [{"value": HOSTILE[0], "text": "A", "conditional": {"html": typed}}]
        assert "something a user typed" in str(form.choice(params={"items": items}))
        assert len(form_fields.RememberedRendering._remembered) == kept
        assert not any(
            "something a user typed" in str(markup)
            for _, markup in form_fields.RememberedRendering._remembered.values()
        )


def test_a_rendering_unused_for_a_while_is_forgotten(app, monkeypatch):
    """Choices can name officers: a name deleted from the database must not stay in
    memory, so what is not rendered again for KEEP_SECONDS goes at the next rendering."""
    from debrief.form_fields import RememberedRendering

    clock = [form_fields.time.monotonic() + 10_000]  # after anything remembered so far
    monkeypatch.setattr(form_fields.time, "monotonic", lambda: clock[0])
    with app.test_request_context():
        form = _form(SelectField, form_fields.GovSelect())
        form.choice.choices = [("9", "Sgt Leaver")]
        form.choice()
        assert any("Sgt Leaver" in m for _, m in RememberedRendering._remembered.values())
        clock[0] += RememberedRendering.KEEP_SECONDS + 1
        other = _form(SelectField, form_fields.GovSelect())
        other.choice()  # any later rendering
        assert not any("Sgt Leaver" in m for _, m in RememberedRendering._remembered.values())


def test_choices_given_as_objects_are_remembered_by_what_they_hold(app):
    from wtforms.fields.choices import SelectChoice

    def rendered(label: str) -> str:
        form = _form(SelectField, form_fields.LongGovSelect())
        form.choice.choices = [SelectChoice("a", "Any"), SelectChoice("b", label)]
        return str(form.choice())

    with app.test_request_context():
        assert ">June 2026<" in rendered("June 2026")
        assert ">July 2026<" in rendered("July 2026")  # not June's, remembered


def test_a_long_select_of_plain_names_is_remembered_by_the_names_and_the_choice(app):
    def rendered(names: list[str], chosen: str | None) -> str:
        form = _form(SelectField, form_fields.LongGovSelect(), {"choice": chosen})
        form.choice.choices = [(n, n) for n in names]
        return str(form.choice())

    with app.test_request_context():
        first = rendered(["Sgt A", "Sgt B"], "Sgt A")
        assert '<option value="Sgt A" selected>' in first
        assert '<option value="Sgt B" selected>' in rendered(["Sgt A", "Sgt B"], "Sgt B")
        assert ">Sgt C<" in rendered(["Sgt A", "Sgt C"], "Sgt A")
        assert rendered(["Sgt A", "Sgt B"], "Sgt A") == first
        marked = _form(SelectField, form_fields.LongGovSelect(), {"choice": "x"})
        marked.choice.choices = [("x", Markup("<b>Sgt A</b>"))]
        plain = _form(SelectField, form_fields.LongGovSelect(), {"choice": "x"})
        plain.choice.choices = [("x", "<b>Sgt A</b>")]
        assert "<b>Sgt A</b>" in str(marked.choice())
        assert "&lt;b&gt;Sgt A&lt;/b&gt;" in str(plain.choice())
