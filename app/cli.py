"""Command-line entry points (``flask --app app …``), thin over the services."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.persistence.migrate import upgrade
from app.services import deploy, users
from app.services.runtime import Runtime


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["runtime"]
    return rt


@click.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database schema is up to date")


@click.command("deploy")
def deploy_command() -> None:
    """Deploy every process under processes/ (idempotent)."""
    for result in deploy.deploy_directory(_rt()):
        state = "new version" if result.created else "unchanged"
        click.echo(f"{result.process_id}: version {result.version} ({state})")


@click.command("demo-users")
@click.option("--disable", is_flag=True, help="Deactivate the demo users instead of creating them.")
def demo_users_command(disable: bool) -> None:
    """Create one demo user per role (password 'demo'), or deactivate them."""
    if disable:
        click.echo(f"deactivated {users.disable_demo_users(_rt())} demo users")
        return
    created = users.ensure_demo_users(_rt())
    click.echo(f"demo users created: {', '.join(created) or 'none (already there)'}")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--organisation", default=None)
@click.password_option()
def create_user_command(username: str, full_name: str, roles: tuple[str, ...], organisation: str | None,
                        password: str) -> None:
    """Create a user with one or more roles."""
    users.create_user(_rt(), username, full_name, password, roles, organisation)
    click.echo(f"user {username} created")


@click.command("setup")
def setup_command() -> None:
    """Migrate, deploy processes/ and (unless DEMO_USERS=0) create the demo users."""
    upgrade(current_app.config["DATABASE_URL"])
    for result in deploy.deploy_directory(_rt()):
        click.echo(f"deployed {result.process_id} v{result.version}{'' if result.created else ' (unchanged)'}")
    if current_app.config["DEMO_USERS"] not in ("0", "false", "no", False):
        created = users.ensure_demo_users(_rt())
        click.echo(f"demo users: {', '.join(created) or 'already present'}")
    else:
        click.echo(f"demo users deactivated: {users.disable_demo_users(_rt())}")


def init_app(app: Flask) -> None:
    for command in (migrate_command, deploy_command, demo_users_command, create_user_command, setup_command):
        app.cli.add_command(command)
