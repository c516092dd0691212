"""Inspection and enforcement: plans, draws, inspection records, decisions, documents, scores,
referrals (ENF-1 … ENF-10, PER-8, PER-9, HAZ-9).

Scoping (core.scoping): plans, draws and the expert pool belong to a government body and are seen
inside its division; inspection records and everything hanging off them follow the mine, except
that a record that is still **sealed** (an unannounced check before the day) is invisible to the
mine and its enterprise in every page, list, API and count (ENF-2).

The app's models, one module per topic: ``access`` (actions and scopes), ``planning`` (plans,
draws, experts), ``inspections`` (the record and its on-site parts), ``decisions`` (decisions,
documents, scores, referrals). Django finds them here.
"""

from minesafe.enforcement.models.access import DECIDE, DRAW, REVIEW, SIGN
from minesafe.enforcement.models.decisions import (
    Decision,
    Document,
    DocumentCounter,
    ManagerScore,
    Referral,
)
from minesafe.enforcement.models.inspections import (
    ChecklistResult,
    Finding,
    Inspection,
    InspectionStep,
    QuizResult,
    SealedAudit,
)
from minesafe.enforcement.models.officers import OfficerCertificate
from minesafe.enforcement.models.planning import AnalysisReport, Draw, Expert, Plan, PlanEntry

__all__ = [
    "DECIDE",
    "DRAW",
    "REVIEW",
    "SIGN",
    "AnalysisReport",
    "ChecklistResult",
    "Decision",
    "Document",
    "DocumentCounter",
    "Draw",
    "Expert",
    "Finding",
    "Inspection",
    "InspectionStep",
    "ManagerScore",
    "OfficerCertificate",
    "Plan",
    "PlanEntry",
    "QuizResult",
    "Referral",
    "SealedAudit",
]
