"""What the report says in words and tables, computed once from the month's overview for both
the PDF and the workbook."""

from django.conf import settings

from zhili.assessment import formulas, replies
from zhili.requests.choices import State

from .format import change, pct, points

FORMULA_NOTES = [
    ("响应率", "已联系诉求人的有效回访数 ÷ 有效回访数"),
    ("解决率", "诉求已解决的有效回访数 ÷ 有效回访数"),
    ("满意率", "（结果满意数 + {credit} × 结果基本满意数）÷ 有效回访数"),
    ("综合得分", "{w1} × 响应率 + {w2} × 解决率 + {w3} × 满意率（×100 分）"),
    ("按时签收率", "截止时间前签收的次数 ÷ 签收次数"),
    ("按时办结率", "截止时间前答复的次数 ÷ 答复次数（JN 24：5 个工作日，延期获批的按新时限）"),
    ("回退率", "退单次数 ÷ 派单和改派到本单位的次数"),
    ("重办率", "重办次数 ÷ 有效回访数"),
    ("有效回访", "本月内的回访事件，同一工单以本月最后一次为准；并单工单随主单回访，不重复计算"),
]


def formula_notes() -> list[tuple[str, str]]:
    w = formulas.Weights.from_settings()
    values = {"credit": f"{w.basic_credit:g}", "w1": f"{w.response:g}", "w2": f"{w.resolution:g}",
              "w3": f"{w.satisfaction:g}"}
    return [(name, text.format(**values)) for name, text in FORMULA_NOTES]


def list_thresholds() -> dict:
    """The ranking's rules as settings say: {"min_follow_ups", "red", "black"}."""
    return {"min_follow_ups": settings.ZHILI_RANKING_MIN_FOLLOWUPS, "red": settings.ZHILI_RED_LIST_MIN_SCORE,
            "black": settings.ZHILI_BLACK_LIST_BELOW_SCORE}


def shares(counts: dict[str, int], total: int, n: int | None = None) -> list[tuple[str, int, str]]:
    """[(name, count, share of total)] in the totals' order (the first ``n``)."""
    items = list(counts.items())[:n] if n else list(counts.items())
    return [(name, value, pct(value / total) if total else "—") for name, value in items]


def summary(ov: dict) -> list[str]:
    """The paragraphs of "一、总体情况"."""
    t, prev, d = ov["totals"], ov["previous"], ov["district"]
    c, r = d.counts, d.rates
    period = ov["period"]
    lines = []
    trend = change(t["requests"], prev["requests"])
    lines.append(
        f"{period.title}，全区共受理群众诉求 {t['requests']} 件"
        + (f"，环比 {trend}（上月 {prev['requests']} 件）" if prev["requests"] else "")
        + f"。本月派单 {c.dispatched} 件次，签收 {c.accepted} 件次，答复 {c.replied} 件次，"
        f"按时签收率 {pct(r.on_time_acceptance)}，按时办结率 {pct(r.on_time_completion)}；"
        f"退单 {c.returned} 件次，重办 {c.reopened} 件次；截至目前，本月受理的工单中仍有 {t['undispatched']} 件待派单、"
        f"{t['overdue']} 件超期未办结。"
    )
    if c.followed_up:
        lines.append(
            f"本月有效回访 {c.followed_up} 件：响应率 {pct(r.response)}，解决率 {pct(r.resolution)}，"
            f"满意率 {pct(r.satisfaction)}（服务满意率 {pct(r.service_satisfaction)}），"
            f"“三率”综合得分 {points(r.composite)} 分。"
        )
    else:
        lines.append("本月没有有效回访记录，“三率”及综合得分暂不计算，各单位不排名（不以 0 计）。")
    if t["by_category"]:
        top = "、".join(f"{name}（{n} 件，占 {share}）" for name, n, share in shares(t["by_category"], t["requests"], 3))
        lines.append(f"从诉求分类看，主要集中在{top}。")
    places = {k: v for k, v in t["by_subdistrict"].items() if k != "未识别街道"}
    if places:
        top = "、".join(f"{name}（{n} 件）" for name, n, _ in shares(places, t["requests"], 3))
        lines.append(f"从属地看，诉求较多的街道是{top}。")
    if ov["hotspots"]:
        h = ov["hotspots"][0]
        lines.append(f"本月识别热点问题 {len(ov['hotspots'])} 个，热度最高的是“{h.description}”"
                     f"（{h.people} 人反映 {h.requests} 件）。")
    if ov["warnings"]:
        lines.append(f"预警提示 {len(ov['warnings'])} 项：{ov['warnings'][0].label} 等诉求量明显上升，建议提前研判处置。")
    rq = ov["replies"]
    if rq["replies"]:
        lines.append(f"本月答复 {rq['replies']} 件的平均质量得分 {points(rq['score'])} 分，"
                     f"{pct(rq['within_limit'])} 在 5 个工作日内答复。")
    return lines


def state_rows(totals: dict) -> list[tuple[str, int]]:
    labels = dict(State.choices)
    return [(str(labels.get(state, state)), n) for state, n in totals["by_state"].items()]  # labels are lazy


def missing_labels(review) -> str:
    return "、".join(replies.LABELS.get(code, code) for code in review.missing) or "—"
