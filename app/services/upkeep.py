"""Data upgrades that need the engine or the application's keys, run by ``flask setup`` after the migrations.

A migration sees only tables; some facts of an existing database can only be derived by loading each
case through the engine (the organisation a case belongs to). Each step is idempotent: it touches
only rows still missing what it derives, so running setup again is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from app.persistence import queries, worklist
from app.persistence.models import Instance
from app.services import deployment_seals, duplicates, integrity, organisation_seed
from app.services.runtime import Runtime
from app.services.state import case_organisation, load_run


@dataclass(frozen=True)
class UpkeepReport:
    organisations: int = 0
    rekeyed: int = 0  # chains written before the keyed audit trail, sealed under the key (migration 0010)
    catalogued: int = 0  # organisation codes in use that the catalogue lacked (migration 0013 took the rest)
    petitions: int = 0  # complaint cases given their duplicate-check keys (migration 0014)
    deployments: int = 0  # deployments made before their hash was sealed in the account log, sealed once


def after_migrate(rt: Runtime) -> UpkeepReport:
    filled = fill_case_organisations(rt)  # before the catalogue adopts the codes the filled cases hold
    return UpkeepReport(organisations=filled, rekeyed=integrity.rekey_legacy(rt),
                        catalogued=len(organisation_seed.adopt_used(rt)), petitions=fill_petition_keys(rt),
                        deployments=deployment_seals.seal_legacy(rt))


def fill_case_organisations(rt: Runtime) -> int:
    """Give cases created before migration 0008 the organisation their diagram names (if their data has one)."""
    filled = 0
    with rt.db.writing() as session:
        declaring = {d.process_id for d in queries.deployments(session)
                     if rt.process(session, d).case_organisation}
        rows = session.scalars(select(Instance).where(Instance.organisation.is_(None),
                                                      Instance.process_id.in_(sorted(declaring)))).all()
        for instance in rows:
            _, run = load_run(rt, session, instance)
            organisation = case_organisation(run)
            if organisation is not None:  # a Core update: the case's version (optimistic lock) stays as it is
                session.execute(update(Instance).where(Instance.id == instance.id).values(organisation=organisation))
                filled += 1
    return filled


def fill_petition_keys(rt: Runtime) -> int:
    """Give complaint cases opened before migration 0014 the keys a registration is checked against for duplicates."""
    filled = 0
    with rt.db.writing() as session:
        for procedure in rt.procedures.all():
            if not procedure.duplicate_checked:  # its start form names a complainant and a first decision
                continue
            for instance in worklist.instances_without_keys(session, procedure.process_id):
                _, run = load_run(rt, session, instance)
                keys = duplicates.petition_keys(run.data)
                worklist.add_keys(session, instance.id, keys)
                filled += bool(keys)
    return filled
