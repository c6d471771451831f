"""Messaging settings read from the environment: bad values stop the start-up, keys are generated for the demo."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from yingji.core.env import ConfigurationError, env_networks, env_rates, vapid_keys, vapid_public_key


def test_rates_and_networks_are_checked(monkeypatch):
    monkeypatch.setenv("R", "sms=600, robot=20")
    assert env_rates("R", "") == {"sms": 600, "robot": 20}
    for bad in ("sms", "sms=many", "=3"):
        monkeypatch.setenv("R", bad)
        with pytest.raises(ConfigurationError):
            env_rates("R", "")
    monkeypatch.setenv("N", "10.20.0.0/16,127.0.0.1")
    assert env_networks("N", []) == ["10.20.0.0/16", "127.0.0.1"]
    monkeypatch.setenv("N", "10.20.0.0/33")
    with pytest.raises(ConfigurationError):
        env_networks("N", [])


def test_vapid_keys_are_generated_once_for_development_and_required_in_production(tmp_path, monkeypatch):
    monkeypatch.delenv("YINGJI_VAPID_PRIVATE_KEY", raising=False)
    private, public = vapid_keys(tmp_path, production=False)
    assert vapid_keys(tmp_path, production=False) == (private, public)  # kept in the data directory
    assert (tmp_path / "vapid_private_key").stat().st_mode & 0o077 == 0
    assert vapid_keys(tmp_path / "other", production=True) == ("", "")  # production: no push until set
    monkeypatch.setenv("YINGJI_VAPID_PRIVATE_KEY", private)
    assert vapid_keys(tmp_path / "other", production=True) == (private, public)
    monkeypatch.setenv("YINGJI_VAPID_PRIVATE_KEY", "not a key")
    with pytest.raises(ConfigurationError):
        vapid_keys(tmp_path, production=True)


def test_the_command_prints_a_usable_pair():
    out = io.StringIO()
    call_command("vapid_keys", stdout=out)
    first, second = out.getvalue().splitlines()
    private = first.removeprefix("YINGJI_VAPID_PRIVATE_KEY=")
    assert second.endswith(vapid_public_key(private))
