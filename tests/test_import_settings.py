"""Settings for imports and reconciliation are checked at start-up, naming the mistake."""

from __future__ import annotations

import pytest

from debrief.config import SettingsError, load_settings


def _load(tmp_path, **settings):
    return load_settings(tmp_path, {"SECRET_KEY": "x" * 40, **settings})


def test_defaults_give_every_column_a_heading(tmp_path):
    settings = _load(tmp_path)
    assert settings["NCCU_IMPORT_COLUMNS"]["nccu_reference"] == "NCCU reference"
    assert settings["DEBRIEF_DUE_DAYS"] == 7


def test_a_partial_column_map_overrides_only_what_it_names(tmp_path):
    settings = _load(tmp_path, EVENTS_IMPORT_COLUMNS={"incident_ref": "Log number"})
    assert settings["EVENTS_IMPORT_COLUMNS"]["incident_ref"] == "Log number"
    assert settings["EVENTS_IMPORT_COLUMNS"]["district"] == "District"


def test_the_column_map_can_come_from_the_instance_file(tmp_path):
    (tmp_path / "config.toml").write_text('[nccu_import_columns]\nnccu_reference = "Ref"\n')
    assert _load(tmp_path)["NCCU_IMPORT_COLUMNS"]["nccu_reference"] == "Ref"


def test_the_column_map_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEBRIEF_NCCU_IMPORT_COLUMNS", '{"district": "Area"}')
    assert _load(tmp_path)["NCCU_IMPORT_COLUMNS"]["district"] == "Area"
    monkeypatch.setenv("DEBRIEF_NCCU_IMPORT_COLUMNS", "district=Area")
    with pytest.raises(SettingsError, match="must be a JSON object of column headings"):
        _load(tmp_path)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"NCCU_IMPORT_COLUMNS": {"officer": "Officer"}}, "names unknown fields: officer"),
        ({"NCCU_IMPORT_COLUMNS": {"district": " "}}, "non-empty heading for every field"),
        ({"NCCU_IMPORT_COLUMNS": {"district": "NCCU Reference"}}, "same heading to two fields"),
        ({"NCCU_IMPORT_COLUMNS": ["District"]}, "must be a table of field = column heading"),
        ({"DEBRIEF_DUE_DAYS": 0}, "DEBRIEF_DUE_DAYS must be a whole number from 1 to 365"),
        ({"IMPORT_MAX_BYTES": 20 * 1024 * 1024}, "IMPORT_MAX_BYTES must not be larger"),
        ({"NCCU_MATCH_WINDOW_HOURS": 0}, "NCCU_MATCH_WINDOW_HOURS must be a whole number"),
    ],
)
def test_wrong_settings_stop_start_up_with_a_message(tmp_path, settings, message):
    with pytest.raises(SettingsError, match=message):
        _load(tmp_path, **settings)
