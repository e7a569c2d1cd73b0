"""Every assessment formula of Zhili, written once (domain.md §3, §6). Pure functions of counts.

Rates are fractions in [0, 1] (shown ×100 as "%"); the composite score is a fraction too (shown
×100 as "分"). A rate whose denominator is zero is ``None`` ("—" on screen): no data is not 0 %.

Sources
-------
- 三率 (BJ 32, 《北京市接诉即办工作条例》 2021 art. 32: assessment by response, resolution and
  satisfaction), in the published formula set quoted by domain.md §3:
    响应率 = contacted / valid follow-ups
    解决率 = solved / valid follow-ups
    满意率 = (satisfied + 0.9 × basically satisfied) / valid follow-ups
    综合得分 = 0.1 × 响应率 + 0.5 × 解决率 + 0.4 × 满意率
  The weights and the "basically satisfied" credit vary by city (one uses 30/35/35), so they are
  settings: ``ZHILI_ASSESSMENT_WEIGHTS`` and ``ZHILI_BASIC_SATISFACTION_CREDIT``.
- Valid follow-ups (有效回访) of a period: the follow-up events (回访, BJ 23, JN 27) in the period,
  the latest per order. An order merged into another (并单, 66号) is followed up through its
  primary only, so it adds nothing to the denominators. 满意率 uses the satisfaction with the
  *result* (结果满意); the satisfaction with the *service* (服务满意) is reported beside it.
- Local measures named in domain.md §3: 按时签收率, 按时办结率, 回退率, 重办率, 服务满意 vs 结果满意.
  Their definitions here (cities word them differently):
    按时签收率 = acceptances before the deadline / acceptances            (accept.on_time)
    按时办结率 = replies before the deadline / replies                      (reply.on_time, JN 24)
    回退率     = returns (退单) / dispatches to the unit (派单 + 改派)        (SD, BJ 12)
    重办率     = reopens (重办) / valid follow-ups                           (JN 27, SD17)
  (a reopen is the hotline's verdict on a followed-up reply, so it is counted against the
  follow-ups of the same period; against replies, a month that reopens replies of earlier
  months would show more than 100 %. It can still pass 100 % when one order is reopened twice
  in a period, or reopened before its follow-up: each reopen counts, as each costs the unit)
- Heat index of a hotspot, rise test of the early warning and the reply-quality score are
  Zhili's own definitions for proactive governance (domain.md §6); each docstring says why.
"""

import math
from dataclasses import dataclass, fields

from django.conf import settings
from scipy.special import gammainc

# --- counts ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    """What the event log says about one unit (or place, category …) in one period.

    Every field is a number of events (the rollup ``DailyActivity`` has the same columns):
    ``received`` intake; ``dispatched`` dispatch + reassign *to* the unit; ``accepted`` /
    ``accepted_on_time``; ``replied`` / ``replied_on_time``; ``returned``; ``reopened``;
    ``followed_up`` valid follow-ups (latest per order and month) with ``contacted``, ``solved`` and
    the result and service satisfaction of each; ``closed``; ``red_carded`` red cards issued.
    """

    received: int = 0
    dispatched: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    replied: int = 0
    replied_on_time: int = 0
    returned: int = 0
    reopened: int = 0
    followed_up: int = 0
    contacted: int = 0
    solved: int = 0
    result_satisfied: int = 0
    result_basic: int = 0
    result_dissatisfied: int = 0
    service_satisfied: int = 0
    service_basic: int = 0
    service_dissatisfied: int = 0
    closed: int = 0
    red_carded: int = 0

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(**{name: getattr(self, name) + getattr(other, name) for name in self.names()})

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.names()}


@dataclass(frozen=True)
class Weights:
    """Weights of the composite score and the credit of a "basically satisfied" answer."""

    response: float = 0.1
    resolution: float = 0.5
    satisfaction: float = 0.4
    basic_credit: float = 0.9

    @classmethod
    def from_settings(cls) -> "Weights":
        response, resolution, satisfaction = settings.ZHILI_ASSESSMENT_WEIGHTS
        return cls(response, resolution, satisfaction, settings.ZHILI_BASIC_SATISFACTION_CREDIT)


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is 0 (no data, not 0 %)."""
    return None if not denominator else numerator / denominator


# --- 三率 and the composite (BJ 32) -------------------------------------------------------------

def response_rate(c: Counts) -> float | None:
    """响应率 = contacted / valid follow-ups (BJ 32). Fraction 0–1."""
    return ratio(c.contacted, c.followed_up)


def resolution_rate(c: Counts) -> float | None:
    """解决率 = solved / valid follow-ups (BJ 32). Fraction 0–1."""
    return ratio(c.solved, c.followed_up)


def satisfaction_rate(c: Counts, credit: float) -> float | None:
    """满意率 = (satisfied + credit × basically satisfied) / valid follow-ups, on the result
    (结果满意). ``credit`` is 0.9 in the published formula set (domain.md §3). Fraction 0–1."""
    return ratio(c.result_satisfied + credit * c.result_basic, c.followed_up)


def service_satisfaction_rate(c: Counts, credit: float) -> float | None:
    """服务满意率: the same formula on the satisfaction with the service (attitude, contact)."""
    return ratio(c.service_satisfied + credit * c.service_basic, c.followed_up)


def composite(response: float | None, resolution: float | None, satisfaction: float | None,
              w: Weights) -> float | None:
    """综合得分 = w₁ × 响应率 + w₂ × 解决率 + w₃ × 满意率 (default 0.1 / 0.5 / 0.4, BJ 32).

    None when any rate is None (no valid follow-up). Fraction 0–1 when the weights sum to 1.
    """
    if response is None or resolution is None or satisfaction is None:
        return None
    return w.response * response + w.resolution * resolution + w.satisfaction * satisfaction


# --- local measures (domain.md §3) --------------------------------------------------------------

def on_time_acceptance_rate(c: Counts) -> float | None:
    """按时签收率 = acceptances before the order's deadline / acceptances."""
    return ratio(c.accepted_on_time, c.accepted)


def on_time_completion_rate(c: Counts) -> float | None:
    """按时办结率 = replies before the deadline (5 working days, JN 24; extended when approved,
    SD) / replies."""
    return ratio(c.replied_on_time, c.replied)


def return_rate(c: Counts) -> float | None:
    """回退率 = returns (退单) / dispatches and reassignments to the unit."""
    return ratio(c.returned, c.dispatched)


def reopen_rate(c: Counts) -> float | None:
    """重办率 = reopens (重办, JN 27) / valid follow-ups of the unit in the period."""
    return ratio(c.reopened, c.followed_up)


@dataclass(frozen=True)
class Rates:
    """Every rate of one row (fractions 0–1 or None)."""

    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None
    service_satisfaction: float | None
    on_time_acceptance: float | None
    on_time_completion: float | None
    return_rate: float | None
    reopen_rate: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def rates(c: Counts, w: Weights | None = None) -> Rates:
    """All the rates of ``c`` with weights ``w`` (default: the settings)."""
    w = w or Weights.from_settings()
    response, resolution = response_rate(c), resolution_rate(c)
    satisfaction = satisfaction_rate(c, w.basic_credit)
    return Rates(
        response=response, resolution=resolution, satisfaction=satisfaction,
        composite=composite(response, resolution, satisfaction, w),
        service_satisfaction=service_satisfaction_rate(c, w.basic_credit),
        on_time_acceptance=on_time_acceptance_rate(c), on_time_completion=on_time_completion_rate(c),
        return_rate=return_rate(c), reopen_rate=reopen_rate(c),
    )


def list_mark(score: float | None, followed_up: int) -> str:
    """"red" (红榜), "black" (黑榜) or "" for a unit's monthly composite score.

    Only a unit with at least ``ZHILI_RANKING_MIN_FOLLOWUPS`` valid follow-ups is ranked (a score
    from two calls says little). Red: score ≥ ``ZHILI_RED_LIST_MIN_SCORE``; black: score <
    ``ZHILI_BLACK_LIST_BELOW_SCORE`` (fractions 0–1).
    """
    if score is None or followed_up < settings.ZHILI_RANKING_MIN_FOLLOWUPS:
        return ""
    if score >= settings.ZHILI_RED_LIST_MIN_SCORE:
        return "red"
    if score < settings.ZHILI_BLACK_LIST_BELOW_SCORE:
        return "black"
    return ""


# --- hotspots (热点, domain.md §6) ---------------------------------------------------------------

def recency_weight(age_days: float, half_life_days: float) -> float:
    """2^(−age / half-life): 1 for a message written at the reference time, ½ one half-life earlier.
    A message "from the future" (age < 0) weighs 1."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def message_heat(age_days: float, votes_up: int, votes_down: int, half_life_days: float) -> float:
    """One message's weight: recency × (1 + ln(1 + net up-votes)).

    Up-votes (点赞) mean other citizens share the problem; the logarithm keeps one viral post from
    outweighing many writers; down-votes cancel up-votes but never go below "one writer".
    """
    return recency_weight(age_days, half_life_days) * (1.0 + math.log1p(max(votes_up - votes_down, 0)))


def heat_index(messages_by_person: dict[str, list[float]]) -> float:
    """热度 of a group: Σ over distinct requesters of their heaviest message (``message_heat``).

    Counting each person once makes "people affected" — not one person's repeated posts — the
    volume of the matter. Unitless; only comparable within one run.
    """
    return sum(max(weights) for weights in messages_by_person.values() if weights)


# --- early warning (未诉先办, domain.md §6) -------------------------------------------------------

def poisson_upper_tail(observed: int, expected: float) -> float:
    """P(X ≥ observed) for X ~ Poisson(expected): how surprising a count is if nothing changed.

    Equal to the regularised lower incomplete gamma function P(observed, expected) (scipy, which
    scikit-learn brings)."""
    if observed <= 0:
        return 1.0
    return float(gammainc(observed, max(expected, 1e-9)))


@dataclass(frozen=True)
class Rise:
    """A rise test: ``ratio`` = observed / expected (None when expected is 0), ``p_value`` the
    Poisson upper tail, ``flagged`` when every threshold is passed."""

    observed: int
    expected: float
    ratio: float | None
    p_value: float
    flagged: bool


def rise(observed: int, expected: float, *, min_count: int, min_ratio: float, max_p: float,
         floor: float = 0.5) -> Rise:
    """Is ``observed`` (this week's requests) a real rise over ``expected`` (the baseline mean)?

    Flagged when observed ≥ ``min_count`` (a handful of calls is not a trend), observed ≥
    ``min_ratio`` × expected, and P(X ≥ observed | Poisson(max(expected, floor))) ≤ ``max_p``
    (the floor keeps a zero baseline from making every single call "infinitely" surprising).
    """
    p = poisson_upper_tail(observed, max(expected, floor))
    r = ratio(observed, expected)
    flagged = observed >= min_count and observed >= min_ratio * max(expected, floor) and p <= max_p
    return Rise(observed, expected, r, p, flagged)


# --- reply quality (答复质量) ---------------------------------------------------------------------

def timeliness_score(working_days: int, limit: int = 5, extension: int = 10) -> float:
    """Timeliness of a reply, 0–1, from the working days between message and reply.

    1 within the limit (5 working days, JN 24); falls linearly to 0.5 at the end of the longest
    extension (+10, SD); then to 0 at the same span again (30 working days with the defaults).
    """
    if working_days <= limit:
        return 1.0
    extended = limit + extension
    if working_days <= extended:
        return 1.0 - 0.5 * (working_days - limit) / extension
    return max(0.0, 0.5 - 0.5 * (working_days - extended) / extended)


def relevance_score(similarity: float, full_at: float) -> float:
    """Relevance 0–1 from the cosine similarity of message and reply: similarity / ``full_at``,
    capped at 1 (a reply need not repeat the message to be on topic)."""
    return max(0.0, min(1.0, similarity / full_at))


def reply_quality(relevance: float, completeness: float, timeliness: float,
                  weights: tuple[float, float, float]) -> float:
    """答复质量得分 = w₁ × relevance + w₂ × completeness + w₃ × timeliness (each 0–1; default
    weights 0.4 / 0.4 / 0.2, ``ZHILI_REPLY_QUALITY_WEIGHTS``). Fraction 0–1."""
    w1, w2, w3 = weights
    return w1 * relevance + w2 * completeness + w3 * timeliness
