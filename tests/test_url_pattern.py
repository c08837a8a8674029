"""`web.url_pattern` gives exactly url_for's URL for every id, built once a page."""

from __future__ import annotations

from flask import url_for

from debrief.web import url_pattern


def test_a_pattern_gives_url_fors_url_for_any_id(app):
    with app.test_request_context():
        one = url_pattern("review.show", "debrief_id")
        two = url_pattern("compliance.record_submission", "referral_id", "debrief_id")
        for first, second in [(1, 2), (0, 10), (987654321000, 5), (123456, 9_999_999)]:
            assert one(first) == url_for("review.show", debrief_id=first)
            assert two(first, second) == url_for(
                "compliance.record_submission", referral_id=first, debrief_id=second
            )


def test_a_pattern_keeps_the_prefix_a_proxy_gives_and_extra_values(app):
    with app.test_request_context("/", base_url="https://example.test/debrief/"):
        page = url_pattern("compliance.reconciliation", "page", slug="outstanding", state="x")
        assert page(3) == url_for(
            "compliance.reconciliation", page=3, slug="outstanding", state="x"
        )
        assert page(3).startswith("/debrief/compliance/reconciliation/outstanding")


def test_a_number_in_the_query_string_is_patterned_too(app):
    with app.test_request_context():
        # the page number goes in the query string: still a plain number there
        slug = url_pattern("compliance.reconciliation", "page", slug="unmatched")
        assert slug(7) == url_for("compliance.reconciliation", slug="unmatched", page=7)


def test_an_id_the_url_writes_otherwise_is_built_by_url_for_each_time():
    from flask import Flask
    from werkzeug.routing import BaseConverter

    class Padded(BaseConverter):
        def to_url(self, value):
            return f"{int(value):020d}"

    app = Flask(__name__)
    app.url_map.converters["padded"] = Padded
    app.add_url_rule("/thing/<padded:thing_id>", "thing", lambda thing_id: "")
    with app.test_request_context():
        thing = url_pattern("thing", "thing_id")
        assert thing(7) == "/thing/00000000000000000007"
