"""Follow-up actions get an owner chosen from lists, a theme and a partner summary (issue 19).

An action's owner was free text, so nobody could be told of it and a partner copy could
not say who owns it without risking a name. Now it is a person (an account), a team the
administrator keeps or a partner agency. The administrator also keeps the recipient
groups exports are shared with. The words typed before stay as the owner "as written";
where they are exactly (letter case and spaces aside) a partner agency's name or a
username, the action is linked to that agency or person. The teams table starts empty,
so no team is linked here: adding a team links the actions written with its name
(admin/lists.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

# The partner agencies as they were named when this ran (vocabulary.PARTNER_AGENCIES),
# and the spelling the old form suggested for local authorities.
AGENCY_NAMES = {
    "immigration enforcement": "immigration_enforcement",
    "border force": "border_force",
    "national crime agency": "nca",
    "ambulance service": "ambulance",
    "fire and rescue": "fire",
    "local authority or children's services": "local_authority",
    "local authority children's services": "local_authority",
    "charity or ngo": "ngo",
}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def upgrade() -> None:
    for name in ("teams", "recipient_groups"):
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=120), nullable=False),
            sa.Column("retired", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
            sa.UniqueConstraint("name", name=op.f(f"uq_{name}_name")),
        )
    op.create_table(
        "team_memberships",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_team_memberships_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_memberships_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_team_memberships")),
    )
    op.create_index("ix_team_memberships_team_id", "team_memberships", ["team_id"])
    with op.batch_alter_table("follow_up_actions") as batch:
        batch.add_column(sa.Column("owner_kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("owner_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_team_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_agency", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("theme_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("partner_summary", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "partner_summary_shareable",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.create_foreign_key(
            op.f("fk_follow_up_actions_owner_user_id_users"), "users", ["owner_user_id"], ["id"]
        )
        batch.create_foreign_key(
            op.f("fk_follow_up_actions_owner_team_id_teams"), "teams", ["owner_team_id"], ["id"]
        )
        batch.create_index("ix_follow_up_actions_owner_user_id", ["owner_user_id"])
        batch.create_index("ix_follow_up_actions_owner_team_id", ["owner_team_id"])
    # The defaults were for the rows already there; the models give new rows theirs.
    with op.batch_alter_table("follow_up_actions") as batch:
        batch.alter_column("partner_summary", server_default=None)
        batch.alter_column("partner_summary_shareable", server_default=None)
    link_written_owners(op.get_bind())


def link_written_owners(connection) -> int:
    """Link each action whose owner as written names an agency or a username; return how
    many. Run on the connection as it is (SQLite or PostgreSQL), with the table as it is
    at this revision, never through the models."""
    actions = sa.table(
        "follow_up_actions",
        sa.column("id", sa.Integer),
        sa.column("owner", sa.String),
        sa.column("owner_kind", sa.String),
        sa.column("owner_user_id", sa.Integer),
        sa.column("owner_agency", sa.String),
    )
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String))
    usernames = {
        _key(name): uid for uid, name in connection.execute(sa.select(users.c.id, users.c.username))
    }
    linked = 0
    rows = connection.execute(
        sa.select(actions.c.id, actions.c.owner).where(actions.c.owner_kind.is_(None))
    ).all()
    for action_id, owner in rows:
        key = _key(owner or "")
        if key in AGENCY_NAMES:
            values = {"owner_kind": "agency", "owner_agency": AGENCY_NAMES[key]}
        elif key in usernames:
            values = {"owner_kind": "person", "owner_user_id": usernames[key]}
        else:
            continue
        connection.execute(sa.update(actions).where(actions.c.id == action_id).values(**values))
        linked += 1
    return linked


def downgrade() -> None:
    with op.batch_alter_table("follow_up_actions") as batch:
        batch.drop_index("ix_follow_up_actions_owner_team_id")
        batch.drop_index("ix_follow_up_actions_owner_user_id")
        batch.drop_constraint(op.f("fk_follow_up_actions_owner_team_id_teams"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_follow_up_actions_owner_user_id_users"), type_="foreignkey")
        for column in (
            "partner_summary_shareable",
            "partner_summary",
            "theme_id",
            "owner_agency",
            "owner_team_id",
            "owner_user_id",
            "owner_kind",
        ):
            batch.drop_column(column)
    op.drop_index("ix_team_memberships_team_id", table_name="team_memberships")
    op.drop_table("team_memberships")
    op.drop_table("recipient_groups")
    op.drop_table("teams")
