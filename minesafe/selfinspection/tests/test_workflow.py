"""The campaign workflow (HAZ-8) through the services, with the real hazard ledger."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client

from minesafe.accounts.choices import Role
from minesafe.core.workflow import Refusal
from minesafe.hazards.models import Hazard
from minesafe.notifications.testing import notes
from minesafe.selfinspection import services
from minesafe.selfinspection.checklists import ensure_default_templates
from minesafe.selfinspection.choices import AnswerResult, ReportStatus, ScopeMode
from minesafe.selfinspection.models import CampaignReport, ReportAnswer
from minesafe.selfinspection.testing import shared_template
from minesafe.testing import World, make_user

TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def _launch(world: World, mines: list | None = None):
    return services.launch_campaign(
        user=world.users["regulator_x"],
        name="2026年下半年自查自改",
        template=shared_template(),
        mines=mines if mines is not None else [world.mine_a, world.mine_b],
        deadline=TODAY + dt.timedelta(days=20),
        today=TODAY,
        scope_mode=ScopeMode.CHOSEN,
    )


def _answer_all(report: CampaignReport, hazard_on_first: bool = True) -> None:
    items = list(services.template_items(report))
    answers = {i.pk: services.AnswerInput(AnswerResult.COMPLIANT) for i in items}
    if hazard_on_first:
        answers[items[0].pk] = services.AnswerInput(
            AnswerResult.HAZARD, "主要通风机反风设施未试验", "主通风机房"
        )
    services.save_answers(report, answers)


def test_haz8_launch_gives_each_mine_in_scope_a_draft_report(world: World) -> None:
    campaign = _launch(world)
    reports = campaign.reports.order_by("mine__code")
    assert [r.mine for r in reports] == [world.mine_a, world.mine_b]
    assert {r.status for r in reports} == {ReportStatus.DRAFT}
    assert campaign.organization == world.regulator_x_org


def test_haz8_launch_refuses_mine_outside_jurisdiction_and_past_deadline(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _launch(world, [world.mine_c])
    assert "mines" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.launch_campaign(
            user=world.users["regulator_x"],
            name="x",
            template=shared_template(),
            mines=[world.mine_a],
            deadline=TODAY - dt.timedelta(days=1),
            today=TODAY,
            scope_mode=ScopeMode.ALL,
        )
    assert "deadline" in caught.value.message_dict


def test_haz8_hazard_found_without_finding_is_refused_and_nothing_saved(world: World) -> None:
    report = _launch(world).reports.get(mine=world.mine_a)
    first, second = list(services.template_items(report))[:2]
    with pytest.raises(ValidationError) as caught:
        services.save_answers(
            report,
            {
                first.pk: services.AnswerInput(AnswerResult.COMPLIANT),
                second.pk: services.AnswerInput(AnswerResult.HAZARD, ""),
            },
        )
    assert f"item-{second.pk}" in caught.value.message_dict
    assert not report.answers.exists()


def test_haz8_manager_signs_complete_report_and_findings_become_hazards(world: World) -> None:
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = _launch(world).reports.get(mine=world.mine_a)
    with pytest.raises(Refusal, match="未完成的检查内容"):
        services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    _answer_all(report)
    with pytest.raises(Refusal) as caught:  # a safety officer is not the manager
        services.sign_report(report, user=world.users["mine_a"], signer_name="王", now=NOW)
    assert caught.value.forbidden
    made = services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    report.refresh_from_db()
    assert made == 1 and report.status == ReportStatus.SIGNED
    assert (report.signer_name, report.signed_at) == ("王矿长", NOW)
    answer = report.answers.get(result=AnswerResult.HAZARD)
    hazard = Hazard.objects.get(pk=answer.hazard_id)
    assert hazard.mine == world.mine_a and hazard.source == "mine_self_check"
    assert "反风设施" in hazard.description and hazard.place == "主通风机房"
    with pytest.raises(ValidationError):  # signed: answers are frozen
        _answer_all(report)


def test_haz8_return_makes_report_editable_and_resign_adds_only_new_hazards(world: World) -> None:
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = _launch(world).reports.get(mine=world.mine_a)
    _answer_all(report)
    services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    regulator = world.users["regulator_x"]
    with pytest.raises(Refusal) as caught:
        services.review_report(
            report, user=regulator, decision=ReportStatus.RETURNED, reason="", now=NOW
        )
    assert caught.value.field == "reason" and not caught.value.forbidden
    services.review_report(
        report, user=regulator, decision=ReportStatus.RETURNED, reason="现状描述不写实", now=NOW
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_note == "现状描述不写实"
    _answer_all(report)  # editable again
    assert services.sign_report(report, user=manager, signer_name="王矿长", now=NOW) == 0
    services.review_report(
        report, user=regulator, decision=ReportStatus.ACCEPTED, reason="", now=NOW
    )
    steps = [(t.step, t.from_state, t.to_state) for t in report.transitions.all()]
    assert steps == [
        ("sign", ReportStatus.DRAFT, ReportStatus.SIGNED),
        ("return", ReportStatus.SIGNED, ReportStatus.RETURNED),
        ("sign", ReportStatus.RETURNED, ReportStatus.SIGNED),
        ("accept", ReportStatus.SIGNED, ReportStatus.ACCEPTED),
    ]
    from_answers = Hazard.objects.filter(
        origin_type=ContentType.objects.get_for_model(ReportAnswer)
    )
    assert from_answers.filter(mine=world.mine_a).count() == 1


def test_haz8_only_a_regulator_of_the_mine_reviews(world: World) -> None:
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = _launch(world).reports.get(mine=world.mine_a)
    _answer_all(report, hazard_on_first=False)
    services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    for persona in ("regulator_y", "inspector", "enterprise"):
        with pytest.raises(Refusal):
            services.review_report(
                report, user=world.users[persona], decision="accepted", reason="", now=NOW
            )


def test_haz8_default_templates_ship_enough_items(db: None) -> None:
    underground, open_pit = ensure_default_templates()
    assert underground.items().count() >= 60 and open_pit.items().count() >= 30
    assert all(item.basis for item in underground.items())
    assert ensure_default_templates()[0].pk == underground.pk  # idempotent


def test_haz8_report_steps_through_the_one_api_action(world: World) -> None:
    """``POST …/steps/<name>/``: 404 outside jurisdiction, 403 without the right, 400 naming
    the field, 200 with the history row written."""
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = _launch(world).reports.get(mine=world.mine_a)
    _answer_all(report, hazard_on_first=False)
    services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    url = f"/api/self-inspection/reports/{report.pk}/steps/"

    def post(persona: str, step: str, body: dict) -> Any:
        client = Client()
        client.force_login(world.users[persona])
        return client.post(url + f"{step}/", body, content_type="application/json")

    assert post("regulator_y", "accept", {}).status_code == 404
    assert post("mine_a", "accept", {}).status_code == 403
    assert post("regulator_x", "approve", {}).json() == {"step": ["没有这个办理步骤"]}
    assert post("regulator_x", "return", {"reason": " "}).json() == {"reason": ["须填写原因"]}
    done = post("regulator_x", "return", {"reason": "现状描述不写实"})
    assert done.status_code == 200 and done.json()["status"] == ReportStatus.RETURNED
    last = done.json()["transitions"][-1]
    assert (last["step"], last["from_state"], last["to_state"]) == ("return", "signed", "returned")
    again = post("regulator_x", "accept", {})
    assert again.status_code == 400 and "已退回重做" in again.json()["step"][0]


def test_haz8_signing_tells_the_county_and_the_review_tells_the_mine(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """A signed report reaches the county's regulators, a return (with its reason) the mine's
    staff, through the notifications app."""
    manager = make_user("mgr_a", Role.MINE_MANAGER, mine=world.mine_a)
    report = _launch(world).reports.get(mine=world.mine_a)
    _answer_all(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_report(report, user=manager, signer_name="王矿长", now=NOW)
    told = notes(report)
    county = world.regulator_x_org.user_set.filter(role=Role.COUNTY_REGULATOR)
    assert world.users["regulator_x"] in county
    assert set(told.values_list("kind", "recipient")) == {("sign", u.pk) for u in county}
    with django_capture_on_commit_callbacks(execute=True):
        services.review_report(
            report,
            user=world.users["regulator_x"],
            decision=ReportStatus.RETURNED,
            reason="现状描述不写实",
            now=NOW,
        )
    returned = notes(report).filter(kind="return")
    assert set(returned.values_list("recipient", flat=True)) == {
        world.users["mine_a"].pk,
        manager.pk,
    }
    assert all("现状描述不写实" in body for body in returned.values_list("body", flat=True))
