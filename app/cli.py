"""Command-line entry points (``flask --app app …``), thin over the services."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from app.errors import AppError
from app.persistence.audit import KeyRing
from app.persistence.migrate import upgrade_and_grant
from app.services import (
    calendar,
    case_export,
    checkpoints,
    deploy,
    export_check,
    integrity,
    integrity_runs,
    migration,
    organisation_seed,
    organisations,
    reads,
    timers,
    upkeep,
    users,
)
from app.services.runtime import Runtime


def _rt() -> Runtime:
    rt: Runtime = current_app.extensions["runtime"]
    return rt


@click.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    upgrade_and_grant(current_app.config["MIGRATION_DATABASE_URL"], current_app.config["DATABASE_URL"])
    _upkeep()
    click.echo("database schema is up to date")


def _upkeep() -> None:
    report = upkeep.after_migrate(_rt())
    if report.organisations:
        click.echo(f"organisation derived for {report.organisations} existing cases")
    if report.rekeyed:
        click.echo(f"audit chains of {report.rekeyed} existing cases sealed under the audit key")
    if report.deployments:
        click.echo(f"{report.deployments} deployments made before their hash was logged sealed in the account log")
    if report.catalogued:
        click.echo(f"{report.catalogued} organisation codes in use added to the catalogue (named after their code)")


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
@with_appcontext
def create_user_command(username: str, full_name: str, roles: tuple[str, ...], organisation: str | None,
                        password: str) -> None:
    """Create a user with one or more roles (and the catalogue organisation they are limited to)."""
    with _refused_as_usage():
        organisations.require_assignable(_rt(), organisation)
        users.create_user(_rt(), username, full_name, password, roles, organisation, actor="cli")
    click.echo(f"user {username} created")


@click.command("setup")
def setup_command() -> None:
    """Migrate, deploy processes/ and (unless DEMO_USERS=0) create the demo users and organisations."""
    upgrade_and_grant(current_app.config["MIGRATION_DATABASE_URL"], current_app.config["DATABASE_URL"])
    for result in deploy.deploy_directory(_rt()):
        click.echo(f"deployed {result.process_id} v{result.version}{'' if result.created else ' (unchanged)'}")
    _upkeep()
    if current_app.config["DEMO_USERS"] not in ("0", "false", "no", False):
        created = users.ensure_demo_users(_rt())
        click.echo(f"demo users: {', '.join(created) or 'already present'}")
        seeded = organisation_seed.ensure_demo(_rt())
        click.echo(f"demo organisations: {len(seeded) or 'already present'}")
    else:
        click.echo(f"demo users deactivated: {users.disable_demo_users(_rt())}")


@click.command("worker")
@click.option("--name", default=None, help="Worker id in job claims (default: host:pid).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--batch", default=20, show_default=True, help="Jobs claimed per pass.")
@click.option("--lock-seconds", default=timers.LOCK_SECONDS, show_default=True,
              help="How long a claim holds before another worker may take the job over.")
@click.option("--job-seconds", default=timers.JOB_SECONDS, show_default=True,
              help="Hard limit on one job, run in a child process that is killed past it (0: run in this process).")
@click.option("--until-idle", is_flag=True, help="Stop when a pass finds nothing due.")
def worker_command(name: str | None, interval: float, batch: int, lock_seconds: int, job_seconds: float,
                   until_idle: bool) -> None:
    """Fire due timers (deadline escalations) until stopped; safe to run several at once."""
    worker = name or f"{socket.gethostname()}:{os.getpid()}"
    click.echo(f"worker {worker} started")
    report = timers.run_worker(_rt(), worker, interval=interval, until_idle=until_idle, limit=batch,
                               lock_seconds=lock_seconds, job_seconds=job_seconds)
    click.echo(f"worker {worker}: claimed {report.claimed}, fired {report.fired}, failed {report.failed}, "
               f"skipped {report.skipped}")


calendar_group = AppGroup("calendar", help="List, add and remove calendar overrides (extra days off, make-up "
                                           "working Saturdays), confirm or refuse the days off the holidays package "
                                           "estimates; every change is recorded with its source.")
_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _entry_line(entry: calendar.CalendarEntry) -> str:
    flag = f"UNVERIFIED [{entry.note.key}] chờ văn bản chính thức" if entry.note else (
        "override" if entry.overridden else "package")
    return f"{entry.day.isoformat()}  {entry.kind:<12} {entry.name}  ({flag})  [{entry.source}]"


@contextmanager
def _refused_as_usage() -> Iterator[None]:
    """Show a refused change as a one-line error (exit 1), not a traceback."""
    try:
        yield
    except AppError as error:
        raise click.ClickException(error.message) from error


@calendar_group.command("list")
@click.option("--year", type=int, default=None, help="List the whole year: every day off and make-up day, with "
                                                      "its source, the package's unconfirmed ones marked.")
def calendar_list(year: int | None) -> None:
    """List the overrides (or, with --year, the year's whole calendar)."""
    if year is not None:
        with _refused_as_usage():
            for entry in calendar.year_entries(_rt(), year):
                click.echo(_entry_line(entry))
        return
    for override in calendar.list_overrides(_rt()):
        click.echo(f"{override.day.isoformat()}  {override.kind:<12} {override.reason}  [{override.source}]")


@calendar_group.command("unverified")
@click.option("--from-year", type=int, default=None, help="Default: this year.")
@click.option("--to-year", type=int, default=None, help="Default: next year.")
def calendar_unverified(from_year: int | None, to_year: int | None) -> None:
    """List the days off that rest only on the holidays package (24/11, unannounced years) and how to settle them."""
    first = from_year or _rt().today().year
    with _refused_as_usage():
        pending = calendar.unverified_entries(_rt(), first, to_year or max(first, _rt().today().year) + 1)
    for entry in pending:
        click.echo(_entry_line(entry))
    click.echo(f"{len(pending)} day(s) awaiting an official text. Settle one with 'flask calendar confirm DAY "
               "--source TEXT' or 'flask calendar working-day DAY --reason R --source TEXT'; a whole announced year "
               "with 'flask calendar confirm --year YYYY --source TEXT'.")


@calendar_group.command("add")
@click.argument("day", type=_DAY)
@click.argument("kind", type=click.Choice(calendar.KINDS))
@click.option("--reason", required=True)
@click.option("--source", required=True, help="The document that announced it.")
@click.option("--replace", is_flag=True, help="Replace the day's override if it has one (logged: removed, added).")
@click.option("--actor", default="admin", show_default=True)
def calendar_add(day: datetime, kind: str, reason: str, source: str, replace: bool, actor: str) -> None:
    """Add an extra day off or a make-up working day."""
    change = calendar.set_override if replace else calendar.add_override
    with _refused_as_usage():
        change(_rt(), actor, day.date(), kind, reason, source)
    click.echo(f"added {day.date().isoformat()} {kind}")


@calendar_group.command("working-day")
@click.argument("day", type=_DAY)
@click.option("--reason", required=True, help="Why the day is worked (e.g. no text makes 24/11 a holiday).")
@click.option("--source", required=True, help="The document (or finding) it rests on.")
@click.option("--actor", default="admin", show_default=True)
def calendar_working_day(day: datetime, reason: str, source: str, actor: str) -> None:
    """Mark a day a working day, replacing any override it had (e.g. an unconfirmed day off)."""
    with _refused_as_usage():
        calendar.set_working_day(_rt(), actor, day.date(), reason, source)
    click.echo(f"{day.date().isoformat()} is a working day")


@calendar_group.command("confirm")
@click.argument("days", type=_DAY, nargs=-1)
@click.option("--year", type=int, default=None, help="Confirm every estimated day of that year's schedule "
                                                      "(a day with its own note, such as 24/11, is left).")
@click.option("--source", required=True, help="The official text that confirms the days off.")
@click.option("--actor", default="admin", show_default=True)
def calendar_confirm(days: tuple[datetime, ...], year: int | None, source: str, actor: str) -> None:
    """Record that an official text confirms days off the holidays package only estimated."""
    if bool(days) == (year is not None):
        raise click.UsageError("give either the days or --year")
    with _refused_as_usage():
        if year is None:
            done = calendar.confirm(_rt(), actor, [d.date() for d in days], source)
            left = []
        else:
            result = calendar.confirm_year(_rt(), actor, year, source)
            done, left = result.confirmed, result.left
    for override in done:
        click.echo(f"confirmed {override.day.isoformat()} {override.reason}")
    for entry in left:
        click.echo(f"left {entry.day.isoformat()} {entry.name}: confirm it by its own text "
                   f"(flask calendar confirm {entry.day.isoformat()} --source ...)")


@calendar_group.command("remove")
@click.argument("day", type=_DAY)
@click.option("--source", required=True, help="Why it is removed (document).")
@click.option("--actor", default="admin", show_default=True)
def calendar_remove(day: datetime, source: str, actor: str) -> None:
    """Remove a day's override: the holidays package decides the day again."""
    with _refused_as_usage():
        calendar.remove_override(_rt(), actor, day.date(), source)
    click.echo(f"removed {day.date().isoformat()}")


processes_group = AppGroup("processes", help="Check the process diagrams and forms; move running cases between versions.")


@processes_group.command("lint")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def processes_lint(directory: Path | None) -> None:
    """Print every problem of the processes as 'file:line element rule: message'; exit 1 if any.

    DIRECTORY holds processes/ and forms/ (default: the ones the app deploys from).
    """
    processes_dir, forms_dir = (directory / "processes", directory / "forms") if directory else (
        _rt().processes_dir, _rt().forms_dir)
    if not processes_dir.is_dir():
        raise click.UsageError(f"{processes_dir} is not a directory")
    problems = deploy.lint_directory(processes_dir, forms_dir, _rt().procedures)
    for problem in problems:
        click.echo(str(problem))
    click.echo(f"{len(problems)} problem(s)", err=True)
    if problems:
        raise SystemExit(1)


@processes_group.command("migrate")
@click.argument("process_id")
@click.option("--to", "to_version", type=click.IntRange(1), required=True, help="The version to move the cases to.")
@click.option("--from", "from_version", type=click.IntRange(1), help="Every running case of this version (at most 500).")
@click.option("--case", "case_ids", type=click.IntRange(1), multiple=True, help="A case id (repeat for several).")
@click.option("--dry-run", is_flag=True, help="Only say which cases can move and why the others cannot.")
def processes_migrate(process_id: str, to_version: int, from_version: int | None, case_ids: tuple[int, ...],
                      dry_run: bool) -> None:
    """Move running cases of PROCESS_ID to version --to, or with --dry-run only preview it; exit 1 if any is refused."""
    with _refused_as_usage():
        ids = list(case_ids) if case_ids else None
        if dry_run:
            shown = migration.preview(_rt(), migration.COMMAND_LINE, process_id, to_version, ids, from_version)
            movable = [c for c in shown.cases if c.movable]
            refused = [c for c in shown.cases if not c.movable]
            more = shown.more
            heading = f"Xem trước: {len(movable)} hồ sơ chuyển được sang phiên bản {to_version}, {len(refused)} hồ sơ không."
        else:
            result = migration.migrate(_rt(), migration.COMMAND_LINE, process_id, to_version, ids, from_version)
            movable, refused, more = result.moved, result.refused, False
            heading = f"Đã chuyển {len(movable)} hồ sơ sang phiên bản {to_version}; {len(refused)} hồ sơ giữ nguyên."
    click.echo(heading)
    for case in movable + refused:
        click.echo(_case_line(case, to_version))
    if more:
        click.echo(f"Còn hồ sơ khác trên phiên bản {from_version}: mỗi lần xét tối đa {migration.MAX_CASES} hồ sơ.")
    if refused:
        raise SystemExit(1)


def _case_line(case: migration.CaseMove, to_version: int) -> str:
    name = f"{case.case_number} (#{case.instance_id})" if case.case_number else f"#{case.instance_id}"
    if case.movable:
        return f"  ✔ {name}: phiên bản {case.from_version} → {to_version}"
    return f"  ✘ {name}: " + " ".join(case.reasons)


audit_group = AppGroup("audit", help="Check the audit trail and the account log; sign checkpoints.")


@audit_group.command("verify")
def audit_verify() -> None:
    """Check every case's chain, the account log and the checkpoints; print each break; exit 1 if any."""
    started = _rt().now()
    report = integrity.verify_all(_rt())
    integrity_runs.record_full_run(_rt(), report, started)
    for problem in report.problems:
        where = f"sự kiện {problem.seq}" if problem.seq is not None else "cả chuỗi"
        click.echo(f"BROKEN {problem.label} [{problem.chain}] {where} ({problem.kind}): {problem.message}")
    click.echo(f"checked {report.cases} cases, {report.events} events, {report.account_events} account events, "
               f"{report.checkpoints} checkpoints, {report.access_events} reads: "
               f"{'intact' if report.ok else f'{len(report.problems)} break(s)'}")
    if not report.ok:
        raise SystemExit(1)


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the heads of the chains that moved since the last checkpoint (the worker does it every 10 minutes)."""
    seq = checkpoints.checkpoint(_rt())
    click.echo(f"checkpoint {seq} signed" if seq else "nothing moved since the last checkpoint")


@audit_group.command("prune-access")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Drop reads before this day (UTC); default: ACCESS_LOG_RETENTION_DAYS ago.")
def audit_prune_access(before: datetime | None) -> None:
    """Drop reads of cases older than the retention, keeping every chain checkable from its sealed prune mark."""
    rt = _rt()
    cutoff = before.replace(tzinfo=UTC) if before else rt.now() - timedelta(
        days=int(current_app.config["ACCESS_LOG_RETENTION_DAYS"]))
    pruned = reads.prune(rt, cutoff)
    click.echo(f"pruned {pruned.events} reads of {pruned.cases} cases before {cutoff:%d/%m/%Y}")
    if pruned.broken:
        click.echo(f"left alone (chain broken, see audit verify): cases {', '.join(map(str, pruned.broken))}")
        raise SystemExit(1)


@audit_group.command("public-key")
def audit_public_key() -> None:
    """Print the public key case exports are signed with (PEM) and its fingerprint, to hand to auditors."""
    pem, fingerprint = case_export.public_key(_rt())
    click.echo(pem.decode().rstrip())
    click.echo(f"# dấu vân tay: {fingerprint}")


@click.command("verify-export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The instance's public key (PEM); default: the one inside the file (then compare its fingerprint).")
@click.option("--audit-key", "audit_keys", multiple=True,
              help="An audit key (repeat for older ones): the events' HMACs and the anchor's seal are checked too.")
def audit_verify_export(file: Path, public_key: Path | None, audit_keys: tuple[str, ...]) -> None:
    """Check a case export offline (no database): signature, files, event chain; say what was altered; exit 1 if so."""
    keys = KeyRing.of(audit_keys[0].encode(), [k.encode() for k in audit_keys[1:]]) if audit_keys else None
    check = export_check.verify_export(file.read_bytes(), public_key.read_bytes() if public_key else None, keys)
    for line in export_check.report_lines(check):
        click.echo(line)
    if not check.ok:
        raise SystemExit(1)


# offline: no app, no database, no instance dir needed (``flask --app app audit verify-export`` works anywhere)
audit_group.add_command(audit_verify_export)


def init_app(app: Flask) -> None:
    for command in (migrate_command, deploy_command, demo_users_command, create_user_command, setup_command,
                    worker_command, calendar_group, processes_group, audit_group):
        app.cli.add_command(command)
