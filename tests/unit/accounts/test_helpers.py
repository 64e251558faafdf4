from __future__ import annotations

import pytest

from api.domain.accounts.services import derive_initials, normalize_email
from api.lib.exceptions import ApplicationClientError
from api.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("name", "initials"),
    [("Ada Lovelace", "AL"), ("Grace Brewster Hopper", "GH"), ("plato", "PL"), ("  ", "?"), ("Zoë Ångström", "ZÅ")],
)
def test_initials_come_from_the_first_and_last_word(name: str, initials: str) -> None:
    assert derive_initials(name) == initials


def test_addresses_are_normalised_to_lower_case() -> None:
    assert normalize_email("  Ada@Example.COM ") == "ada@example.com"


def test_a_bad_address_names_the_field() -> None:
    with pytest.raises(ApplicationClientError) as caught:
        normalize_email("nope", field="newEmail")
    assert caught.value.errors == [{"key": "newEmail", "message": "An email address must have an @-sign."}]


def test_accounts_settings_defaults_and_validation() -> None:
    base = {"VERDICT_DATA_DIR": "/tmp/v"}
    settings = Settings.from_env(base)
    assert (settings.access_token_ttl_s, settings.refresh_token_ttl_s) == (900, 30 * 24 * 3600)
    assert settings.cookie_secure is False
    assert settings.instructor_invite_code == ""
    assert Settings.from_env({**base, "PUBLIC_URL": "https://verdict.example.org"}).cookie_secure is True
    assert Settings.from_env({**base, "PUBLIC_URL": "https://x.org", "COOKIE_SECURE": "false"}).cookie_secure is False
    with pytest.raises(SettingsError, match="ACCESS_TOKEN_TTL must be between 60 and 86400"):
        Settings.from_env({**base, "ACCESS_TOKEN_TTL": "5"})
