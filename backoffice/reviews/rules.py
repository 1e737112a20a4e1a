"""The outcome rules, as plain functions of the assessment and the reviewer's findings.

Each check returns the reasons an outcome is refused, in the rule's own words;
an empty list means the rules allow it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from backoffice.core.vocabulary import Outcome

SATISFACTORY_LEVEL = 2


@dataclass(frozen=True)
class Requirement:
    """One requirement as published, and as the reviewer found it."""

    id: str
    self_assessed: int | None          # None: marked Not Relevant
    exempt: bool = False
    reviewed: bool = False
    agreed_level: int | None = None     # the reviewer's level, when they differ
    changed_from: str | None = None     # republished since its finding: how it read then

    @property
    def overturned(self) -> bool:
        """Marked Not Relevant, and the reviewer found it relevant at a level of theirs."""
        return self.self_assessed is None and self.agreed_level is not None

    @property
    def applicable(self) -> bool:
        """Counted in the outcome: not under an approved exemption, and either self-assessed
        at a level or marked Not Relevant and found relevant by the reviewer."""
        return (self.self_assessed is not None or self.overturned) and not self.exempt

    @property
    def level(self) -> int | None:
        """The level as the reviewer agrees it."""
        return self.agreed_level if self.agreed_level is not None else self.self_assessed


@dataclass(frozen=True)
class PlanItem:
    requirement: str
    action: str
    owner: str
    target_date: date | None
    accepted: bool = False
    changed_from: str | None = None     # republished since its decision: how it read then


@dataclass
class Review:
    reporting_year: str
    requirements: list[Requirement]
    plan: list[PlanItem] = field(default_factory=list)
    baseline: bool = False              # the organisation's first publication (001 FAQ)

    @property
    def applicable(self) -> list[Requirement]:
        return [r for r in self.requirements if r.applicable]

    @property
    def below_level_two(self) -> list[Requirement]:
        return [r for r in self.applicable if (r.level or 0) < SATISFACTORY_LEVEL]


def plan_deadline(reporting_year: str) -> date:
    """31 March at the end of the next reporting year: 2015/16 -> 31 March 2017."""
    start = int(reporting_year[:4])
    return date(start + 2, 3, 31)


def unreviewed(review: Review) -> list[str]:
    return [_unreviewed_reason(r) for r in review.applicable if not r.reviewed]


def no_finding_yet(review: Review) -> list[str]:
    """The applicable requirements never answered (not those a republication set aside)."""
    return [r.id for r in review.applicable if not r.reviewed and r.changed_from is None]


def summarise_no_finding(ids: list[str], shown: int = 10) -> str:
    """One clause for many unanswered requirements: "37 requirements have no finding yet:
    112, 114, …" (the first ``shown`` named)."""
    named = ", ".join(ids[:shown]) + (", …" if len(ids) > shown else "")
    if len(ids) == 1:
        return f"1 requirement has no finding yet: {named}"
    return f"{len(ids)} requirements have no finding yet: {named}"


def _unreviewed_reason(requirement: Requirement) -> str:
    if requirement.changed_from is None:
        return f"requirement {requirement.id} has no finding yet"
    return (f"requirement {requirement.id} was republished at level {requirement.self_assessed}"
            f" ({requirement.changed_from} when you found it): answer it again")


NOT_PUBLISHED = "not published"


def supersedes(published_at: datetime, earlier: datetime) -> bool:
    """Whether a review reads a publication of this moment rather than the earlier one (of two
    published at the same moment, the one received later)."""
    return _utc(published_at) >= _utc(earlier)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps no zone


def self_assessed_as(item: dict | None) -> str:
    """How a published requirement reads: "level 2", "not relevant" or "not published"."""
    if item is None:
        return NOT_PUBLISHED
    return "not relevant" if item.get("not_relevant") else f"level {item['level']}"


def changed_requirements(before: list[dict], after: list[dict]) -> dict[str, str]:
    """The requirements of a newer assessment whose level or Not Relevant status differs from
    the earlier one's, each with how it read before."""
    earlier = {item["id"]: item for item in before}
    return {item["id"]: self_assessed_as(earlier.get(item["id"])) for item in after
            if self_assessed_as(earlier.get(item["id"])) != self_assessed_as(item)}


def findings_to_set_aside(findings: dict[str, str | None], before: list[dict],
                          after: list[dict]) -> dict[str, str]:
    """Findings (requirement -> its ``changed_from``) that a newer assessment sets aside: those
    standing on a requirement it changed, each with how the requirement read when found."""
    changed = changed_requirements(before, after)
    return {requirement: changed[requirement] for requirement, changed_from in findings.items()
            if changed_from is None and requirement in changed}


PLAN_ITEM_FIELDS = ("requirement", "action", "owner", "target_date")
NOT_IN_THE_PLAN = "not in the plan"


def plan_item_as(item: dict | None) -> str:
    """How a published plan item reads: "117: Train staff; owner Manager; by 2017-03-31"."""
    if item is None:
        return NOT_IN_THE_PLAN
    return (f"{item['requirement']}: {item['action']}; owner {item['owner']}; "
            f"by {item['target_date']}")


def _item_at(plan: list[dict], index: int) -> dict | None:
    return plan[index] if 0 <= index < len(plan) else None


def same_plan_item(before: dict | None, after: dict | None) -> bool:
    """The same item: requirement, action, owner and target date as published (or none)."""
    if before is None or after is None:
        return before is after
    return all(before.get(key) == after.get(key) for key in PLAN_ITEM_FIELDS)


def plan_decisions_to_set_aside(decisions: dict[int, str | None], before: list[dict],
                                after: list[dict]) -> dict[int, str]:
    """Plan decisions (item position -> its ``changed_from``) that a newer plan sets aside:
    those standing on a position where it has another item, or none, each with how the item
    read when decided (decisions are kept by position, so a reordered plan sets them aside)."""
    return {index: plan_item_as(_item_at(before, index))
            for index, changed_from in decisions.items()
            if changed_from is None
            and not same_plan_item(_item_at(before, index), _item_at(after, index))}


def undecided_again(review: Review) -> list[str]:
    """The plan items whose decision a republication set aside, to be decided again."""
    return [f"improvement plan item {index} (requirement {item.requirement}) changed when "
            f"republished (it read “{item.changed_from}” when you decided it): decide it again"
            for index, item in enumerate(review.plan, start=1) if item.changed_from is not None]


# The rules a refusal names, in the guidance's words.
PLAN_NOT_ACCEPTED = ("you have not accepted the improvement plan as a whole: a plan the "
                     "reviewer does not accept, taking into account any risks (000 §5), makes "
                     "the outcome Not Satisfactory. Tick “I accept the improvement plan” if "
                     "you accept it")
BASELINE_RULE = ("the baseline rule: on an organisation's first assessment, levels 0 and 1 "
                 "could be regarded as acceptable where an accepted improvement plan item "
                 "covers each (001)")


def _below_reason(requirement: Requirement) -> str:
    if requirement.overturned:
        return (f"requirement {requirement.id} is at level {requirement.level}, below level 2 "
                "(marked Not Relevant; you found it relevant)")
    return f"requirement {requirement.id} is at level {requirement.level}, below level 2"


def check_satisfactory(review: Review) -> list[str]:
    """Satisfactory: every applicable requirement at level 2 or above, as agreed."""
    problems = unreviewed(review) + [_below_reason(r) for r in review.below_level_two]
    if review.below_level_two and review.baseline:
        problems.append(f"this is a baseline assessment: {BASELINE_RULE}, so the outcome may "
                        "be Satisfactory with Improvement Plan")
    return problems


def _plan_problems(review: Review, requirement: Requirement) -> list[str]:
    items = [item for item in review.plan if item.requirement == requirement.id]
    if not items:
        return [f"requirement {requirement.id} is below level 2 and has no improvement plan item"]
    deadline = plan_deadline(review.reporting_year)
    good = [item for item in items if item.accepted and item.action.strip()
            and item.owner.strip() and item.target_date and item.target_date <= deadline]
    if good:
        return []
    if not any(item.accepted for item in items):
        return [f"requirement {requirement.id} is below level 2 and its plan is not accepted"]
    late = [item for item in items if item.target_date and item.target_date > deadline]
    if late:
        return [f"requirement {requirement.id}: the plan's target date "
                f"{late[0].target_date:%d %B %Y} is after {deadline:%d %B %Y}"]
    return [f"requirement {requirement.id}: the plan item needs an action, an owner and a "
            "target date"]


def _items_problems(review: Review) -> list[str]:
    """Each requirement below 2 without an accepted, complete, timely plan item; on a
    baseline assessment, the rule that lets levels 0 and 1 stand with one is named."""
    problems = [p for r in review.below_level_two for p in _plan_problems(review, r)]
    if problems and review.baseline:
        problems.append(f"this is a baseline assessment, and {BASELINE_RULE}")
    return problems


def plan_covers_every_gap(review: Review) -> bool:
    """Every requirement below 2 has an accepted, complete, timely plan item."""
    return not any(_plan_problems(review, r) for r in review.below_level_two)


def check_improvement_plan(review: Review, *, plan_accepted: bool) -> list[str]:
    """Each requirement below 2 has an accepted, complete, timely plan item; the plan accepted
    as a whole; no item's decision set aside by a republication."""
    problems = unreviewed(review) + undecided_again(review)
    if not review.below_level_two:
        problems.append("every applicable requirement is at level 2 or above: the outcome is "
                        "Satisfactory")
    problems += _items_problems(review)
    if not plan_accepted and review.below_level_two:
        problems.append(PLAN_NOT_ACCEPTED)
    return problems


def check_not_satisfactory(review: Review, *, reasons: str,
                           plan_accepted: bool = False) -> list[str]:
    """Not Satisfactory: a requirement below 2 that no accepted plan item covers, or a plan
    the reviewer does not accept as a whole; and the reasons are written."""
    problems = unreviewed(review)
    if not reasons.strip():
        problems.append("a Not Satisfactory outcome needs written reasons")
    if not review.below_level_two:
        problems.append("every applicable requirement is at level 2 or above: the outcome is "
                        "Satisfactory")
    elif plan_accepted and plan_covers_every_gap(review):
        problems.append("every requirement below level 2 has an accepted improvement plan "
                        "item and you accept the plan as a whole: the outcome is Satisfactory "
                        "with Improvement Plan"
                        + (f" ({BASELINE_RULE})" if review.baseline else "")
                        + ". Untick “I accept the improvement plan” if its risks are not "
                        "acceptable")
    return problems


def refusals(review: Review, outcome: Outcome, *, plan_accepted: bool = False,
             reasons: str = "") -> list[str]:
    """Why the rules refuse this outcome for this review (empty: allowed)."""
    if outcome is Outcome.SATISFACTORY:
        return check_satisfactory(review)
    if outcome is Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN:
        return check_improvement_plan(review, plan_accepted=plan_accepted)
    return check_not_satisfactory(review, reasons=reasons, plan_accepted=plan_accepted)
