"""Every assessment formula on hand-computed examples (zhili.assessment.formulas; domain.md §3)."""

import math

import pytest

from zhili.assessment import formulas
from zhili.assessment.formulas import Counts, Weights

BJ = Weights(0.1, 0.5, 0.4, 0.9)  # the published formula set (domain.md §3)


def test_three_rates_and_composite_by_hand():
    """GIVEN 4 valid follow-ups: (contacted, solved, result) = (✓,✓,满意) (✓,✓,基本满意) (✓,✗,不满意) (✗,✗,满意)
    THEN 响应率 3/4, 解决率 2/4, 满意率 (2 + 0.9×1)/4 = 0.725, composite 0.1×0.75 + 0.5×0.5 + 0.4×0.725 = 0.615."""
    c = Counts(followed_up=4, contacted=3, solved=2, result_satisfied=2, result_basic=1, result_dissatisfied=1,
               service_satisfied=3, service_basic=0, service_dissatisfied=1)
    r = formulas.rates(c, BJ)
    assert r.response == 0.75
    assert r.resolution == 0.5
    assert r.satisfaction == pytest.approx(0.725)
    assert r.composite == pytest.approx(0.615)
    assert r.service_satisfaction == 0.75


def test_zero_follow_ups_give_no_rates_not_zero():
    r = formulas.rates(Counts(dispatched=5, replied=3), BJ)
    assert r.response is r.resolution is r.satisfaction is r.composite is None
    assert r.return_rate == 0.0  # dispatches are its denominator
    assert r.reopen_rate is None  # reopens are counted against follow-ups


def test_all_dissatisfied():
    """3 follow-ups, all contacted, none solved, all dissatisfied → 1, 0, 0 and composite 0.1."""
    c = Counts(followed_up=3, contacted=3, solved=0, result_dissatisfied=3, service_dissatisfied=3)
    r = formulas.rates(c, BJ)
    assert (r.response, r.resolution, r.satisfaction) == (1.0, 0.0, 0.0)
    assert r.composite == pytest.approx(0.1)


def test_basically_satisfied_credit_and_weights_come_from_settings(settings):
    settings.ZHILI_ASSESSMENT_WEIGHTS = (0.3, 0.35, 0.35)
    settings.ZHILI_BASIC_SATISFACTION_CREDIT = 0.8
    c = Counts(followed_up=2, contacted=2, solved=1, result_basic=2)
    r = formulas.rates(c)
    assert r.satisfaction == pytest.approx(0.8)  # (0 + 0.8 × 2) / 2
    assert r.composite == pytest.approx(0.3 * 1 + 0.35 * 0.5 + 0.35 * 0.8)


def test_local_measures_by_hand():
    c = Counts(dispatched=8, returned=2, accepted=7, accepted_on_time=6, replied=5, replied_on_time=4, reopened=1,
               followed_up=4)
    r = formulas.rates(c, BJ)
    assert r.return_rate == 0.25
    assert r.on_time_acceptance == pytest.approx(6 / 7)
    assert r.on_time_completion == 0.8
    assert r.reopen_rate == 0.25  # 1 reopen ÷ 4 valid follow-ups


@pytest.mark.parametrize(("score", "follow_ups", "mark"), [
    (0.95, 10, "red"), (0.90, 5, "red"), (0.85, 10, ""), (0.79, 10, "black"), (0.5, 4, ""), (None, 10, ""),
])
def test_red_and_black_lists(settings, score, follow_ups, mark):
    settings.ZHILI_RED_LIST_MIN_SCORE, settings.ZHILI_BLACK_LIST_BELOW_SCORE = 0.9, 0.8
    settings.ZHILI_RANKING_MIN_FOLLOWUPS = 5
    assert formulas.list_mark(score, follow_ups) == mark


def test_counts_add_up():
    assert (Counts(received=1, solved=2) + Counts(received=3)).as_dict() == {**Counts().as_dict(), "received": 4,
                                                                             "solved": 2}


def test_heat_counts_each_person_once_weighs_recency_and_votes():
    # one message now (weight 1), one 30 days old with half-life 30 (weight ½), 9 up-votes: ×(1 + ln 10)
    assert formulas.message_heat(0, 0, 0, 30) == 1.0
    assert formulas.message_heat(30, 0, 0, 30) == pytest.approx(0.5)
    assert formulas.message_heat(0, 9, 0, 30) == pytest.approx(1 + math.log(10))
    assert formulas.message_heat(0, 3, 5, 30) == 1.0  # more down- than up-votes: still one writer
    # person A wrote twice (1.0 and 0.5): only the heavier counts; person B once (0.25)
    assert formulas.heat_index({"A": [1.0, 0.5], "B": [0.25]}) == 1.25


def test_poisson_tail_and_rise():
    # P(X ≥ 5 | λ = 2) = 1 − Σ_{k<5} e^{-2} 2^k / k! = 0.052653…
    assert formulas.poisson_upper_tail(5, 2.0) == pytest.approx(0.0526530173)
    assert formulas.poisson_upper_tail(0, 2.0) == 1.0
    flagged = formulas.rise(12, 3.0, min_count=5, min_ratio=1.5, max_p=0.01)
    assert flagged.flagged and flagged.ratio == 4.0 and flagged.p_value < 0.001
    assert not formulas.rise(4, 0.0, min_count=5, min_ratio=1.5, max_p=0.01).flagged  # too few to be a trend
    assert not formulas.rise(6, 5.0, min_count=5, min_ratio=1.5, max_p=0.01).flagged  # not a rise
    zero_base = formulas.rise(5, 0.0, min_count=5, min_ratio=1.5, max_p=0.01)
    assert zero_base.ratio is None and zero_base.flagged  # 5 calls where there were none


@pytest.mark.parametrize(("days", "score"), [(0, 1.0), (5, 1.0), (10, 0.75), (15, 0.5), (30, 0.0), (60, 0.0)])
def test_timeliness_score(days, score):
    assert formulas.timeliness_score(days, 5, 10) == pytest.approx(score)


def test_reply_quality_weighs_its_parts():
    assert formulas.relevance_score(0.15, 0.3) == 0.5
    assert formulas.relevance_score(0.6, 0.3) == 1.0
    assert formulas.reply_quality(0.5, 1.0, 0.75, (0.4, 0.4, 0.2)) == pytest.approx(0.2 + 0.4 + 0.15)
