"""`registry user …` and tokens bound to a user: the password printed alone, once; refusals in
one line."""

import subprocess
import sys
from pathlib import Path

from registry.application import open_registry
from registry.settings import Settings
from registry.tokens import Principal, authenticate
from registry.users import Accounts
from tests.processes import cli, hunt_clock, settings_env


def settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/registry.sqlite")


def test_user_create_prints_the_initial_password_alone(tmp_path: Path) -> None:
    result = cli(settings(tmp_path), "user", "create", "--name", "root", "--role", "admin")

    password = result.stdout.strip()
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1
    with open_registry(settings(tmp_path)) as registry:
        assert Accounts(registry).sign_in("root", password) is not None


def test_user_create_reads_the_password_from_stdin_when_asked(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry.cli",
            "user",
            "create",
            "--name",
            "ann",
            "--stdin",
            "--role",
            "registrar",
            "--role",
            "auditor",
        ],
        input="a long enough passphrase\n",
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **hunt_clock(), **settings_env(settings(tmp_path))},
        check=False,
    )

    assert result.returncode == 0
    with open_registry(settings(tmp_path)) as registry:
        user = Accounts(registry).sign_in("ann", "a long enough passphrase")
    assert user is not None
    assert user.roles == ["registrar", "auditor"]


def test_user_list_disable_and_reset_password(tmp_path: Path) -> None:
    cli(settings(tmp_path), "user", "create", "--name", "bob", "--role", "auditor")

    disabled = cli(settings(tmp_path), "user", "disable", "bob")
    reset = cli(settings(tmp_path), "user", "reset-password", "bob")
    listed = cli(settings(tmp_path), "user", "list")

    assert (disabled.returncode, reset.returncode) == (0, 0)
    assert len(reset.stdout.strip()) >= 20
    assert listed.stdout.split()[:3] == ["bob", "disabled", "-"]
    assert listed.stdout.split()[-1] == "auditor"


def test_creating_a_taken_user_name_is_refused_in_one_line(tmp_path: Path) -> None:
    cli(settings(tmp_path), "user", "create", "--name", "bob", "--role", "auditor")

    result = cli(settings(tmp_path), "user", "create", "--name", "bob", "--role", "auditor")

    assert result.returncode == 2
    assert result.stderr.strip() == "registry: the user name 'bob' is taken"


def test_demo_creates_one_user_per_role_and_prints_each_password_once(tmp_path: Path) -> None:
    first = cli(settings(tmp_path), "demo", "--count", "3")
    second = cli(settings(tmp_path), "demo", "--count", "3")

    lines = [line for line in first.stdout.splitlines() if line.startswith("user ")]
    assert [line.split()[1] for line in lines] == [
        "demo-registrar",
        "demo-auditor",
        "demo-regulator",
        "demo-admin",
    ]
    assert "password" not in second.stdout
    with open_registry(settings(tmp_path)) as registry:
        assert Accounts(registry).sign_in("demo-admin", lines[-1].split()[-1]) is not None


def test_token_create_binds_a_token_to_a_user_and_lists_it_with_them(tmp_path: Path) -> None:
    cli(settings(tmp_path), "user", "create", "--name", "alice", "--role", "registrar")

    created = cli(
        settings(tmp_path), "token", "create", "--role", "registrar", "--name", "ci-bot",
        "--user", "alice",
    )  # fmt: skip
    listed = cli(settings(tmp_path), "token", "list")

    assert created.returncode == 0
    with open_registry(settings(tmp_path)) as registry:
        who = authenticate(registry, created.stdout.strip())
    assert who == Principal("alice via token ci-bot", "registrar")
    assert listed.stdout.rstrip().endswith("ci-bot  (for alice)")


def test_binding_a_token_to_an_unknown_user_is_refused_in_one_line(tmp_path: Path) -> None:
    result = cli(
        settings(tmp_path), "token", "create", "--role", "auditor", "--name", "ci-bot",
        "--user", "nobody",
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "registry: a token is bound to a live user holding the auditor role; 'nobody' is not one"
    )
    assert cli(settings(tmp_path), "token", "list").stdout == ""


def test_a_token_whose_person_is_disabled_is_listed_idle(tmp_path: Path) -> None:
    cli(settings(tmp_path), "user", "create", "--name", "alice", "--role", "registrar")
    cli(
        settings(tmp_path), "token", "create", "--role", "registrar", "--name", "ci-bot",
        "--user", "alice",
    )  # fmt: skip
    live = cli(settings(tmp_path), "token", "list").stdout.split()[2]
    cli(settings(tmp_path), "user", "disable", "alice")

    idle = cli(settings(tmp_path), "token", "list").stdout.split()[2]

    assert (live, idle) == ("live", "idle")
