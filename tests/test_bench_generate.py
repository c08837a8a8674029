"""The benchmark's generated data is what the app itself would accept (bench/generate.py).

Always on a SQLite file of its own: the generator drops whatever schema it is given.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bench.generate import BENCH_CLIENTS, BENCH_PASSWORD, DRAFTS_PER_BENCH_SERGEANT, generate
from debrief.debriefs import drafting
from debrief.debriefs.submitting import submission_problems
from debrief.extensions import db_session
from debrief.models import Answer, Debrief, DebriefTheme, User
from debrief.questions.themes import suggest
from debrief.vocabulary import event_counts


def test_generated_debriefs_are_complete_and_consistent(tmp_path, build_app):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    result = generate(url, 120, echo=lambda _line: None)
    assert result.rows["debriefs"] == 120 + BENCH_CLIENTS * DRAFTS_PER_BENCH_SERGEANT
    app = build_app(DATABASE_URL=url)
    with app.app_context():
        session = db_session()
        states = dict(
            session.execute(select(Debrief.state, func.count()).group_by(Debrief.state)).all()
        )
        assert {"draft", "submitted", "closed"} <= set(states)
        checked = (
            session.scalars(select(Debrief).where(Debrief.state != "draft").limit(60)).all()
            + session.scalars(
                select(Debrief)
                .join(User, User.id == Debrief.host_id)
                .where(User.username == "bench-sgt-01")
            ).all()
        )
        for debrief in checked:
            question_set = drafting.question_set_for(debrief)
            assert submission_problems(question_set, debrief) == [], debrief.id
            answers = drafting.answers_of(debrief)
            event = debrief.event
            referral = question_set.bound("nccu_referral").id
            assert answers[referral] == ("yes" if event.nccu_referral_made else "no")
            if debrief.state != "draft":
                expected = {
                    s.theme_id
                    for s in suggest(question_set, answers, event_counts(event), event.reported_at)
                }
                stored = set(
                    session.scalars(
                        select(DebriefTheme.theme_id).where(
                            DebriefTheme.debrief_id == debrief.id, DebriefTheme.suggested
                        )
                    )
                )
                assert stored == expected, debrief.id
        assert session.scalar(select(func.count()).select_from(Answer)) > 120 * 30


def test_generated_accounts_sign_in_through_the_form(tmp_path, build_app):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    generate(url, 10, echo=lambda _line: None)
    client = build_app(DATABASE_URL=url).test_client()
    response = client.post(
        "/sign-in", data={"username": "bench-hub-01", "password": BENCH_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/review/").status_code == 200
