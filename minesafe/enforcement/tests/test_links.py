"""Findings hand over to the hazard loop; archiving traces responsibility (ENF-3, HAZ-9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minesafe.enforcement import services
from minesafe.enforcement.choices import FindingKind, Step
from minesafe.enforcement.models import Inspection
from minesafe.enforcement.tests.conftest import NOW
from minesafe.hazards.catalogue import items_in_force
from minesafe.hazards.models import Hazard, ResponsibilityCase
from minesafe.localtime import local_date
from minesafe.testing import World


def _check(world: World, user: Any, org: Any, when: dt.datetime, **finding: Any) -> Inspection:
    inspection = Inspection.objects.create(
        mine=world.mine_a, organization=org, planned_on=local_date(when), leader=user
    )
    for step in (Step.PREPARE, Step.ONSITE):
        services.take_step(inspection, step, user, when)
    if finding:
        services.add_finding(inspection, user, local_date(when), **finding)
    services.sign(inspection, user, when + dt.timedelta(hours=2), when + dt.timedelta(hours=1))
    return inspection


def test_enf3_signed_finding_becomes_a_linked_hazard(world: World) -> None:
    officer = world.users["regulator_x"]
    inspection = _check(
        world,
        officer,
        world.regulator_x_org,
        NOW,
        kind=FindingKind.GENERAL_HAZARD,
        description="皮带巷积煤",
        place="主斜井",
    )
    finding = inspection.findings.get()
    hazard = Hazard.objects.get(pk=finding.hazard_id_ref)
    assert hazard.mine == world.mine_a and hazard.origin == finding
    assert hazard.source == "regulator_inspection" and hazard.signer == str(officer)
    assert hazard.deadline == finding.rectify_by


def test_haz9_archive_traces_a_basic_condition_hazard_missed_by_the_county(world: World) -> None:
    item = items_in_force(local_date(NOW)).get(code="8(1)")
    county = world.users["regulator_x"]
    inspector = world.users["inspector"]
    inspectorate = inspector.organization
    _check(world, county, world.regulator_x_org, NOW - dt.timedelta(days=60))
    found = _check(
        world,
        inspector,
        inspectorate,
        NOW,
        kind=FindingKind.MAJOR_HAZARD,
        situation=item,
        description="未按规定建立安全监控系统",
    )
    finding = found.findings.get()
    assert finding.basic_condition and finding.major
    services.decide(
        found,
        consequences=services.propose(found, local_date(NOW)).consequences,
        user=inspector,
        now=NOW + dt.timedelta(hours=3),
        legal_basis="《煤矿安全生产条例》",
        manager_id_number="140101198001010011",
    )
    case_count = ResponsibilityCase.objects.count()
    links_cases = services.links.trace_responsibility(found, NOW + dt.timedelta(hours=4))
    assert len(links_cases) == 1
    case = ResponsibilityCase.objects.get(hazard_id=finding.hazard_id_ref)
    assert str(county) in case.inspectors
    assert ResponsibilityCase.objects.count() == case_count + 1
