"""How a past demo case was decided: the findings, plan decisions and outcome its reviewer
recorded, chosen so that the outcome is one the outcome rules allow for its assessment."""

from __future__ import annotations

from dataclasses import dataclass, field

from backoffice.cases.models import Assessment, Case
from backoffice.core.vocabulary import Outcome
from backoffice.reviews.rules import SATISFACTORY_LEVEL

EVIDENCE_SEEN = "Evidence seen on the site visit"
PLAN_REFUSED = "The action names nobody with the time to complete it by the target date"


@dataclass
class Decision:
    """The outcome, its reasons, the requirements found at level 2 after all, and whether
    the plan's items were accepted (None: the case had no plan to decide on)."""

    outcome: Outcome
    reasons: str = ""
    lifted: list[str] = field(default_factory=list)
    plan_accepted: bool | None = None


def below_level_two(assessment: Assessment) -> list[str]:
    """The applicable requirements self-assessed below level 2."""
    return [item["id"] for item in assessment.requirements
            if not item.get("not_relevant") and item["level"] < SATISFACTORY_LEVEL]


def decide(assessment: Assessment, wanted: Outcome) -> Decision:
    """The wanted outcome where the assessment can support it; otherwise Satisfactory, the
    requirements below level 2 found at level 2 on a site visit."""
    below = below_level_two(assessment)
    planned = {item["requirement"] for item in assessment.improvement_plan}
    if wanted is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN and planned & set(below):
        return Decision(wanted, lifted=[r for r in below if r not in planned],
                        plan_accepted=True)
    if wanted is Outcome.NOT_SATISFACTORY and below:
        return Decision(wanted, plan_accepted=False if planned else None,
                        reasons="Below level 2 with no accepted improvement plan: "
                                f"requirements {', '.join(below)}.")
    return Decision(Outcome.SATISFACTORY, lifted=below)


def finding_rows(case: Case, assessment: Assessment, decision: Decision,
                 reviewer_id: int) -> list[dict]:
    """The reviewer's finding on every applicable requirement, as ``findings`` rows."""
    rows = []
    for item in assessment.requirements:
        if item.get("not_relevant"):
            continue
        lifted = item["id"] in decision.lifted
        rows.append({"case_id": case.id, "requirement_id": item["id"], "agreed": not lifted,
                     "level": SATISFACTORY_LEVEL if lifted else None,
                     "comment": EVIDENCE_SEEN if lifted else "", "updated_by_id": reviewer_id})
    return rows


def plan_decision_rows(case: Case, assessment: Assessment, decision: Decision) -> list[dict]:
    """The reviewer's decision on every improvement plan item, as ``plan_decisions`` rows."""
    if decision.plan_accepted is None:
        return []
    return [{"case_id": case.id, "item_index": index, "requirement_id": item["requirement"],
             "accepted": decision.plan_accepted,
             "comment": "" if decision.plan_accepted else PLAN_REFUSED}
            for index, item in enumerate(assessment.improvement_plan)]
