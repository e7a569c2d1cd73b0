"""What the report says in words and tables, computed once from the month's overview for both
the PDF and the workbook."""

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from zhili.assessment import formulas, replies, stats

from .format import change, pct, points

FORMULA_NOTES = [
    (gettext_lazy("响应率"), gettext_lazy("已联系诉求人的有效回访数 ÷ 有效回访数")),
    (gettext_lazy("解决率"), gettext_lazy("诉求已解决的有效回访数 ÷ 有效回访数")),
    (gettext_lazy("满意率"), gettext_lazy("（结果满意数 + {credit} × 结果基本满意数）÷ 有效回访数")),
    (gettext_lazy("综合得分"), gettext_lazy("{w1} × 响应率 + {w2} × 解决率 + {w3} × 满意率（×100 分）")),
    (gettext_lazy("按时签收率"), gettext_lazy("截止时间前签收的次数 ÷ 签收次数")),
    (gettext_lazy("按时办结率"), gettext_lazy("截止时间前答复的次数 ÷ 答复次数（JN 24：5 个工作日，延期获批的按新时限）")),
    (gettext_lazy("回退率"), gettext_lazy("退单次数 ÷ 派单和改派到本单位的次数")),
    (gettext_lazy("重办率"), gettext_lazy("重办次数 ÷ 有效回访数")),
    (gettext_lazy("有效回访"), gettext_lazy("本月内的回访事件，同一工单以本月最后一次为准；并单工单随主单回访，不重复计算")),
]
# The totals' rows for orders without a category / lead unit / recognised subdistrict
# (``stats.NO_*``, Chinese keys): translated where the report shows them.
NONE_BUCKETS = frozenset({stats.NO_CATEGORY, stats.NO_UNIT, stats.NO_SUBDISTRICT})


def bucket_name(name: str) -> str:
    """A row name of the totals as shown: the "none" rows in the active language, names as they are."""
    return gettext(name) if name in NONE_BUCKETS else name


def formula_notes() -> list[tuple[str, str]]:
    w = formulas.Weights.from_settings()
    values = {"credit": f"{w.basic_credit:g}", "w1": f"{w.response:g}", "w2": f"{w.resolution:g}",
              "w3": f"{w.satisfaction:g}"}
    return [(str(name), str(text).format(**values)) for name, text in FORMULA_NOTES]


def list_thresholds() -> dict:
    """The ranking's rules as settings say: {"min_follow_ups", "red", "black"}."""
    return {"min_follow_ups": settings.ZHILI_RANKING_MIN_FOLLOWUPS, "red": settings.ZHILI_RED_LIST_MIN_SCORE,
            "black": settings.ZHILI_BLACK_LIST_BELOW_SCORE}


def shares(counts: dict[str, int], total: int, n: int | None = None) -> list[tuple[str, int, str]]:
    """[(name, count, share of total)] in the totals' order (the first ``n``)."""
    items = list(counts.items())[:n] if n else list(counts.items())
    return [(bucket_name(name), value, pct(value / total) if total else "—") for name, value in items]


def summary(ov: dict) -> list[str]:
    """The paragraphs of "一、总体情况"."""
    t, prev, d = ov["totals"], ov["previous"], ov["district"]
    c, r = d.counts, d.rates
    period = ov["period"]
    lines = []
    numbers = {"period": period.title, "requests": t["requests"], "trend": change(t["requests"], prev["requests"]),
               "previous": prev["requests"], "dispatched": c.dispatched, "accepted": c.accepted,
               "replied": c.replied, "on_time_acceptance": pct(r.on_time_acceptance),
               "on_time_completion": pct(r.on_time_completion), "returned": c.returned, "reopened": c.reopened,
               "undispatched": t["undispatched"], "overdue": t["overdue"]}
    if prev["requests"]:
        lines.append(gettext(
            "%(period)s，全区共受理群众诉求 %(requests)s 件，环比 %(trend)s（上月 %(previous)s 件）。"
            "本月派单 %(dispatched)s 件次，签收 %(accepted)s 件次，答复 %(replied)s 件次，"
            "按时签收率 %(on_time_acceptance)s，按时办结率 %(on_time_completion)s；"
            "退单 %(returned)s 件次，重办 %(reopened)s 件次；截至目前，本月受理的工单中仍有 %(undispatched)s 件待派单、"
            "%(overdue)s 件超期未办结。") % numbers)
    else:
        lines.append(gettext(
            "%(period)s，全区共受理群众诉求 %(requests)s 件。"
            "本月派单 %(dispatched)s 件次，签收 %(accepted)s 件次，答复 %(replied)s 件次，"
            "按时签收率 %(on_time_acceptance)s，按时办结率 %(on_time_completion)s；"
            "退单 %(returned)s 件次，重办 %(reopened)s 件次；截至目前，本月受理的工单中仍有 %(undispatched)s 件待派单、"
            "%(overdue)s 件超期未办结。") % numbers)
    if c.followed_up:
        lines.append(gettext(
            "本月有效回访 %(followed_up)s 件：响应率 %(response)s，解决率 %(resolution)s，"
            "满意率 %(satisfaction)s（服务满意率 %(service_satisfaction)s），"
            "“三率”综合得分 %(composite)s 分。") % {
                "followed_up": c.followed_up, "response": pct(r.response), "resolution": pct(r.resolution),
                "satisfaction": pct(r.satisfaction), "service_satisfaction": pct(r.service_satisfaction),
                "composite": points(r.composite)})
    else:
        lines.append(gettext("本月没有有效回访记录，“三率”及综合得分暂不计算，各单位不排名（不以 0 计）。"))
    separator = gettext("、")
    if t["by_category"]:
        top = separator.join(gettext("%(name)s（%(count)s 件，占 %(share)s）") % {"name": name, "count": n, "share": share}
                             for name, n, share in shares(t["by_category"], t["requests"], 3))
        lines.append(gettext("从诉求分类看，主要集中在%(top)s。") % {"top": top})
    places = {k: v for k, v in t["by_subdistrict"].items() if k != stats.NO_SUBDISTRICT}
    if places:
        top = separator.join(gettext("%(name)s（%(count)s 件）") % {"name": name, "count": n}
                             for name, n, _ in shares(places, t["requests"], 3))
        lines.append(gettext("从属地看，诉求较多的街道是%(top)s。") % {"top": top})
    if ov["hotspots"]:
        h = ov["hotspots"][0]
        lines.append(gettext("本月识别热点问题 %(hotspots)s 个，热度最高的是“%(description)s”"
                             "（%(people)s 人反映 %(requests)s 件）。") % {
                                 "hotspots": len(ov["hotspots"]), "description": h.description,
                                 "people": h.people, "requests": h.requests})
    if ov["warnings"]:
        lines.append(gettext("预警提示 %(warnings)s 项：%(label)s 等诉求量明显上升，建议提前研判处置。") % {
            "warnings": len(ov["warnings"]), "label": ov["warnings"][0].label})
    rq = ov["replies"]
    if rq["replies"]:
        lines.append(gettext("本月答复 %(replies)s 件的平均质量得分 %(score)s 分，"
                             "%(within_limit)s 在 5 个工作日内答复。") % {
                                 "replies": rq["replies"], "score": points(rq["score"]),
                                 "within_limit": pct(rq["within_limit"])})
    return lines


def state_rows(totals: dict) -> list[tuple[str, int]]:
    return [(str(stats.STATE_LABELS.get(state, state)), n) for state, n in totals["by_state"].items()]  # labels are lazy


def missing_labels(review) -> str:
    return gettext("、").join(str(replies.LABELS.get(code, code)) for code in review.missing) or "—"
