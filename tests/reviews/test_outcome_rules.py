"""The outcome rules as a table of scenarios."""

from datetime import date
from types import SimpleNamespace

import pytest

from backoffice.reviews.covers import Cover, cover_warnings
from backoffice.reviews.rules import (
    BASELINE_RULE,
    PLAN_NOT_ACCEPTED,
    Outcome,
    PlanItem,
    Requirement,
    Review,
    changed_requirements,
    findings_to_set_aside,
    plan_decisions_to_set_aside,
    refusals,
)

PLAN_COVERS_EVERY_GAP = (
    "every requirement below level 2 has an accepted improvement plan item and you accept the "
    "plan as a whole: the outcome is Satisfactory with Improvement Plan. Untick “I accept the "
    "improvement plan” if its risks are not acceptable")
S, SWIP, NS = (Outcome.SATISFACTORY, Outcome.SATISFACTORY_WITH_IMPROVEMENT_PLAN,
               Outcome.NOT_SATISFACTORY)


def req(rid, level, **kwargs):
    return Requirement(rid, level, reviewed=kwargs.pop("reviewed", True), **kwargs)


def plan(rid="117", target=date(2017, 3, 31), accepted=True, action="Train staff",
         owner="Manager", changed_from=None):
    return PlanItem(rid, action, owner, target, accepted, changed_from)


ALL_TWO = [req("114", 2), req("115", 3), req("117", 2)]
ONE_BELOW = [req("114", 2), req("115", 3), req("117", 1)]

SCENARIOS = [
    ("all at 2 or above is Satisfactory", ALL_TWO, [], S, {}, []),
    ("one below 2 refuses Satisfactory", ONE_BELOW, [], S, {},
     ["requirement 117 is at level 1, below level 2"]),
    ("one below 2 with an accepted plan due 31 March 2017", ONE_BELOW, [plan()], SWIP,
     {"plan_accepted": True}, []),
    ("one below 2 without a plan refuses the improvement plan outcome", ONE_BELOW, [], SWIP,
     {"plan_accepted": True},
     ["requirement 117 is below level 2 and has no improvement plan item"]),
    ("a plan item not accepted refuses it", ONE_BELOW, [plan(accepted=False)], SWIP,
     {"plan_accepted": True}, ["requirement 117 is below level 2 and its plan is not accepted"]),
    ("a target date of 1 April 2017 is too late", ONE_BELOW, [plan(target=date(2017, 4, 1))],
     SWIP, {"plan_accepted": True},
     ["requirement 117: the plan's target date 01 April 2017 is after 31 March 2017"]),
    ("the plan as a whole must be accepted", ONE_BELOW, [plan()], SWIP,
     {"plan_accepted": False}, [PLAN_NOT_ACCEPTED]),
    ("a plan not accepted as a whole, every item accepted, is Not Satisfactory", ONE_BELOW,
     [plan()], NS, {"plan_accepted": False, "reasons": "The plan's risks are too high"}, []),
    ("a plan item without an owner does not count", ONE_BELOW, [plan(owner=" ")], SWIP,
     {"plan_accepted": True},
     ["requirement 117: the plan item needs an action, an owner and a target date"]),
    ("a requirement below 2 marked Not Relevant does not count",
     [req("114", 2), req("304", None)], [], S, {}, []),
    ("a requirement below 2 under an approved exemption does not count",
     [req("114", 2), req("321", 0, exempt=True)], [], S, {}, []),
    ("an exemption for the previous version only leaves it applicable",
     [req("114", 2), req("321", 0, exempt=False)], [], S, {},
     ["requirement 321 is at level 0, below level 2"]),
    ("a reviewer re-levelling a 2 down to 1 refuses Satisfactory",
     [req("114", 2), req("117", 2, agreed_level=1)], [], S, {},
     ["requirement 117 is at level 1, below level 2"]),
    ("a reviewer re-levelling a 1 up to 2 allows Satisfactory",
     [req("114", 2), req("117", 1, agreed_level=2)], [], S, {}, []),
    ("Not Satisfactory needs written reasons", ONE_BELOW, [], NS, {"reasons": ""},
     ["a Not Satisfactory outcome needs written reasons"]),
    ("Not Satisfactory with reasons when no plan covers the gap", ONE_BELOW, [], NS,
     {"reasons": "No training at all"}, []),
    ("Not Satisfactory is refused when an accepted plan covers every gap", ONE_BELOW,
     [plan()], NS, {"reasons": "Weak", "plan_accepted": True}, [PLAN_COVERS_EVERY_GAP]),
    ("a Not Relevant requirement found relevant at level 1 refuses Satisfactory",
     [req("114", 2), req("209", None, agreed_level=1)], [], S, {},
     ["requirement 209 is at level 1, below level 2 (marked Not Relevant; you found it "
      "relevant)"]),
    ("a Not Relevant requirement found relevant at level 1 needs a plan item",
     [req("114", 2), req("209", None, agreed_level=1)], [], SWIP, {"plan_accepted": True},
     ["requirement 209 is below level 2 and has no improvement plan item"]),
    ("a Not Relevant requirement found relevant at level 1 with a plan item",
     [req("114", 2), req("209", None, agreed_level=1)], [plan("209")], SWIP,
     {"plan_accepted": True}, []),
    ("a Not Relevant requirement found relevant at level 3 allows Satisfactory",
     [req("114", 2), req("209", None, agreed_level=3)], [], S, {}, []),
    ("a Not Relevant requirement found relevant needs no finding when unanswered",
     [req("114", 2), req("209", None, reviewed=False)], [], S, {}, []),
    ("a Not Relevant requirement found relevant but exempt does not count",
     [req("114", 2), req("304", None, agreed_level=0, exempt=True)], [], S, {}, []),
    ("baseline: level 0 and 1 with accepted plan items allow the improvement plan outcome",
     [req("114", 0), req("117", 1)], [plan("114"), plan()], SWIP, {"plan_accepted": True}, [],
     "baseline"),
    ("baseline: Satisfactory is refused, naming the baseline rule",
     [req("114", 0), req("117", 2)], [plan("114")], S, {},
     ["requirement 114 is at level 0, below level 2",
      f"this is a baseline assessment: {BASELINE_RULE}, so the outcome may be Satisfactory "
      "with Improvement Plan"], "baseline"),
    ("baseline: a level 0 without a plan item refuses it, naming the baseline rule",
     [req("114", 0), req("117", 1)], [plan()], SWIP, {"plan_accepted": True},
     ["requirement 114 is below level 2 and has no improvement plan item",
      f"this is a baseline assessment, and {BASELINE_RULE}"], "baseline"),
    ("baseline: Not Satisfactory is refused when accepted plan items cover every gap",
     [req("114", 0), req("117", 1)], [plan("114"), plan()], NS,
     {"plan_accepted": True, "reasons": "Weak"},
     [PLAN_COVERS_EVERY_GAP.replace(" with Improvement Plan.", f" with Improvement Plan "
                                    f"({BASELINE_RULE}).")], "baseline"),
    ("baseline: a plan not accepted as a whole is Not Satisfactory",
     [req("114", 0), req("117", 1)], [plan("114"), plan()], NS,
     {"plan_accepted": False, "reasons": "Level 0 on records management is too risky"}, [],
     "baseline"),
    ("Not Satisfactory is refused when everything is at level 2", ALL_TWO, [], NS,
     {"reasons": "Feels weak"},
     ["every applicable requirement is at level 2 or above: the outcome is Satisfactory"]),
    ("an improvement plan outcome is refused when nothing is below 2", ALL_TWO, [], SWIP,
     {"plan_accepted": True},
     ["every applicable requirement is at level 2 or above: the outcome is Satisfactory"]),
    ("every applicable requirement needs a finding first",
     [req("114", 2), req("117", 3, reviewed=False)], [], S, {},
     ["requirement 117 has no finding yet"]),
    ("a finding set aside by a republication must be answered again",
     [req("114", 2), req("117", 2, reviewed=False, changed_from="level 1")], [], S, {},
     ["requirement 117 was republished at level 2 (level 1 when you found it): "
      "answer it again"]),
    ("a plan decision set aside by a republication must be made again", ONE_BELOW,
     [plan(accepted=False, owner="Deputy",
           changed_from="117: Train staff; owner Manager; by 2017-03-31")], SWIP,
     {"plan_accepted": True},
     ["improvement plan item 1 (requirement 117) changed when republished (it read "
      "“117: Train staff; owner Manager; by 2017-03-31” when you decided it): decide it again",
      "requirement 117 is below level 2 and its plan is not accepted"]),
    ("a set-aside decision on an item nothing depends on still needs deciding again",
     ONE_BELOW, [plan(), plan("114", accepted=False, changed_from="114: Audit; owner IG; "
                                                                  "by 2017-01-31")], SWIP,
     {"plan_accepted": True},
     ["improvement plan item 2 (requirement 114) changed when republished (it read "
      "“114: Audit; owner IG; by 2017-01-31” when you decided it): decide it again"]),
]


@pytest.mark.parametrize(("requirements", "items", "outcome", "options", "expected", "kind"),
                         [(*s[1:6], s[6] if len(s) > 6 else "") for s in SCENARIOS],
                         ids=[s[0] for s in SCENARIOS])
def test_outcome_rules(requirements, items, outcome, options, expected, kind):
    review = Review(reporting_year="2015/16", requirements=requirements, plan=items,
                    baseline=kind == "baseline")
    assert refusals(review, outcome, **options) == expected


def test_no_plan_judgement_leaves_an_outcome_for_every_finished_review():
    """Whatever the reviewer decides of the plan, one outcome stays open to them: the rules
    never refuse all three."""
    for plan_accepted in (True, False):
        for items in ([plan()], [plan(accepted=False)], []):
            review = Review(reporting_year="2015/16", requirements=ONE_BELOW, plan=items)
            allowed = [o for o in Outcome if not refusals(
                review, o, plan_accepted=plan_accepted, reasons="Reasons written")]
            assert len(allowed) == 1, (plan_accepted, items, allowed)


BEFORE = [{"id": "114", "level": 1}, {"id": "115", "level": 3}, {"id": "304", "level": 0},
          {"id": "117", "level": 2}]
AFTER = [{"id": "114", "level": 2}, {"id": "115", "level": 3},
         {"id": "304", "not_relevant": True}, {"id": "321", "level": 1}]


def test_a_newer_assessment_changes_levels_not_relevant_marks_and_new_requirements():
    assert changed_requirements(BEFORE, AFTER) == {
        "114": "level 1", "304": "level 0", "321": "not published"}


def test_only_standing_findings_on_changed_requirements_are_set_aside():
    findings = {"114": None, "115": None, "304": "level 2", "117": None}
    assert findings_to_set_aside(findings, BEFORE, AFTER) == {"114": "level 1"}


TRAIN = {"requirement": "117", "action": "Train staff", "owner": "Manager",
         "target_date": "2017-03-31"}
AUDIT = {"requirement": "114", "action": "Audit", "owner": "IG", "target_date": "2017-01-31"}


@pytest.mark.parametrize(("after", "expected"), [
    ([TRAIN, AUDIT], {}),
    ([{**TRAIN, "action": "Train all staff"}, AUDIT],
     {0: "117: Train staff; owner Manager; by 2017-03-31"}),
    ([{**TRAIN, "owner": "Deputy"}, AUDIT], {0: "117: Train staff; owner Manager; by 2017-03-31"}),
    ([{**TRAIN, "target_date": "2017-02-28"}, AUDIT],
     {0: "117: Train staff; owner Manager; by 2017-03-31"}),
    ([{**TRAIN, "requirement": "115"}, AUDIT],
     {0: "117: Train staff; owner Manager; by 2017-03-31"}),
    ([AUDIT, TRAIN], {0: "117: Train staff; owner Manager; by 2017-03-31",
                      1: "114: Audit; owner IG; by 2017-01-31"}),
    ([TRAIN], {1: "114: Audit; owner IG; by 2017-01-31"}),
    ([TRAIN, AUDIT, TRAIN], {}),
], ids=["unchanged", "action", "owner", "target date", "requirement", "reordered", "dropped",
        "an item added after"])
def test_a_plan_decision_stands_only_on_the_same_item(after, expected):
    assert plan_decisions_to_set_aside({0: None, 1: None}, [TRAIN, AUDIT], after) == expected


def test_a_decision_already_set_aside_keeps_how_its_item_read_when_decided():
    decisions = {0: "117: Train; owner Nobody; by 2016-12-31", 1: None, 2: None}
    assert plan_decisions_to_set_aside(decisions, [TRAIN, AUDIT], [AUDIT, AUDIT, TRAIN]) == {
        2: "not in the plan"}


# Covers missing (000 §5: covers link an application to the assessment): a warning before
# the outcome, never a refusal — the outcome is about the assessment's levels.
def _reason(kind, reference):
    return SimpleNamespace(application_type=kind, reference=reference)


def _cover(reference):
    return Cover(kind="Study", name="A study", reference=reference, ods_code="")


S251 = _reason("S251", "CAG 4-08(b)/2013")
DARS = _reason("DARS", "DARS-NIC-12345")
N3 = _reason("N3", "IGSOC-55102")
COVER_SCENARIOS = [
    ("covers missing for an S251 reason warns and still allows Satisfactory", [S251], [],
     ["the assessment lists no organisations that it covers, so no S251 application of this "
      "case is linked to it; the approval group will see that in its letter"]),
    ("a DARS reference in no cover warns", [DARS], [_cover("CAG 4-08(b)/2013")],
     ["DARS DARS-NIC-12345 is named by none of the organisations that this assessment "
      "covers; check that the application belongs to this assessment"]),
    ("a cover naming the reference, whatever its spacing and capitals, is enough", [S251],
     [_cover("cag 4-08(b)/2013 ")], []),
    ("an N3 application needs no cover", [N3], [], []),
]


@pytest.mark.parametrize(("reasons", "covers", "warnings"), [s[1:] for s in COVER_SCENARIOS],
                         ids=[s[0] for s in COVER_SCENARIOS])
def test_covers_missing_warns_but_never_refuses_an_outcome(reasons, covers, warnings):
    review = Review(reporting_year="2015/16", requirements=ALL_TWO)
    assert cover_warnings(reasons, covers) == warnings
    assert refusals(review, S) == []
