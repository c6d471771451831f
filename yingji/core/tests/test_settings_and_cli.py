"""Configuration from the environment, and the `yingji` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yingji.core.env import ConfigurationError, env_bool, env_int, env_list, secret_key

ROOT = Path(__file__).resolve().parents[3]


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The child starts like a server would: none of this test process's settings, nor the async
    # escape hatch the browser tests set in this process (check --deploy refuses it, rightly).
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "YINGJI_MODE", "DATABASE_URL",
                                                              "YINGJI_TESTING", "DJANGO_SETTINGS_MODULE",
                                                              "DJANGO_ALLOW_ASYNC_UNSAFE")}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_python("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; django.setup()",
                        {"YINGJI_MODE": "production", "YINGJI_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = secret_key(tmp_path, production=False)
    assert len(first) > 40
    assert secret_key(tmp_path, production=False) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_defaults_are_sqlite_under_the_data_dir_and_shanghai_time(tmp_path):
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; import django; django.setup();"
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
        " s.TIME_ZONE, s.LANGUAGE_CODE, s.CHANNEL_LAYERS['default']['BACKEND'])",
        {"YINGJI_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    engine, name, tz, language, layer = result.stdout.split()
    assert engine == "django.db.backends.sqlite3" and name == str(tmp_path / "yingji.sqlite3")
    assert tz == "Asia/Shanghai" and language == "zh-hans" and layer.endswith("InMemoryChannelLayer")


def test_redis_url_switches_the_channel_layer(tmp_path):
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; import django; django.setup();"
        "from django.conf import settings as s; print(s.CHANNEL_LAYERS['default']['BACKEND'])",
        {"YINGJI_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/3"})
    assert result.stdout.strip() == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_bad_values_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    with pytest.raises(ConfigurationError, match="X_BOOL"):
        env_bool("X_BOOL", False)
    with pytest.raises(ConfigurationError, match="X_INT"):
        env_int("X_INT", 1)
    assert env_list("X_LIST", []) == ["a", "b", "c"]


def test_the_yingji_command_wraps_management_commands(tmp_path):
    env = {"YINGJI_DATA_DIR": str(tmp_path)}
    helped = run_python("from yingji.cli import main; main(['--help'])", env)
    assert "yingji serve" in helped.stdout and "demo-data" in helped.stdout
    migrated = run_python("from yingji.cli import main; main(['migrate', '-v0'])", env)
    assert migrated.returncode == 0, migrated.stderr
    admin = run_python("from yingji.cli import main; main(['createadmin', 'ops', '--password', 'Ops-password-1'])", env)
    assert "Created superuser ops" in admin.stdout
    checked = run_python("from yingji.cli import main; main(['check'])", env)
    assert checked.returncode == 0, checked.stderr


def test_a_demo_step_that_takes_more_than_the_context_is_refused_where_it_is_written():
    import pytest

    from yingji.core.demo import demo_step

    with pytest.raises(TypeError, match="helper"):
        @demo_step(999, "a helper decorated by mistake")
        def helper(warning: object, context: object, *, share: float) -> None:
            del warning, context, share


STRONG = "k" * 10 + "Zq8-vR2_pL6xW4nT0sY9mB3cH7jF5gD1aE8uI2oK6"


def test_production_refuses_a_weak_secret_key(tmp_path):
    for weak in ("secret", "django-insecure-" + "x1y2z3" * 10, "a" * 60):
        result = run_python("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; django.setup()",
                            {"YINGJI_MODE": "production", "YINGJI_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "x",
                             "SECRET_KEY": weak})
        assert result.returncode != 0 and "SECRET_KEY is too weak" in result.stderr, weak


def test_production_sends_hsts_and_redirects_to_https_unless_told_otherwise(tmp_path):
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; django.setup(); "
            "from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)")
    env = {"YINGJI_MODE": "production", "YINGJI_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "x", "SECRET_KEY": STRONG}
    on = run_python(code, env)
    assert on.returncode == 0, on.stderr
    assert on.stdout.split()[:3] == ["True", "31536000", "True"]
    off = run_python(code, {**env, "YINGJI_HTTPS": "false"})
    assert off.stdout.split()[:3] == ["False", "0", "False"], off.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    env = {"YINGJI_MODE": "production", "YINGJI_DATA_DIR": str(tmp_path), "ALLOWED_HOSTS": "yingji.example.gov.cn",
           "SECRET_KEY": STRONG}
    result = run_python("import sys; sys.argv=['manage.py', 'check', '--deploy', '--fail-level', 'WARNING']; "
                        "import os; os.environ['DJANGO_SETTINGS_MODULE']='yingji.settings'; "
                        "from django.core.management import execute_from_command_line; execute_from_command_line(sys.argv)",
                        env)
    assert result.returncode == 0, result.stdout + result.stderr
