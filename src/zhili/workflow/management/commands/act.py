"""``zhili act NUMBER ACTION --user NAME [...]``: take a workflow step from the command line,
with exactly the same rules and history as the pages and the API."""

import argparse
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhili.knowledge.models import KnowledgeArticle
from zhili.organisation.models import Unit
from zhili.requests.choices import Action, Satisfaction, State
from zhili.requests.models import ServiceRequest
from zhili.workflow import actions
from zhili.workflow.errors import WorkflowError


def _unit(code):
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(f"--unit：单位代码“{code}”不存在")
    return unit


def _request(number):
    request = ServiceRequest.objects.filter(number=number).first()
    if request is None:
        raise CommandError(f"工单“{number}”不存在")
    return request


def _follow_up_facts(options) -> dict:
    """The four facts of a 回访 (BJ 23, JN 27), each stated by the operator: 响应率 and 解决率 are
    contacted / solved over valid follow-ups, so a fact the operator left out must never count
    as "no" (nor as "yes"). Raises CommandError naming every missing option."""
    missing = [flag for flag, key in (("--contacted 或 --no-contacted（是否联系过诉求人）", "contacted"),
                                      ("--solved 或 --no-solved（问题是否解决）", "solved"))
               if options.get(key) is None]
    missing += [f"--{key}（{title}：{'/'.join(Satisfaction.values)}）"
                for key, title in (("service", "服务满意度"), ("result", "结果满意度")) if not options.get(key)]
    if missing:
        raise CommandError("回访须写明：" + "；".join(missing))
    return {"contacted": options["contacted"], "solved": options["solved"],
            "service_satisfaction": options["service"], "result_satisfaction": options["result"]}


STEPS = {
    Action.RESOLVE_AT_INTAKE: lambda r, o, u: actions.resolve_at_intake(
        r, KnowledgeArticle.objects.filter(pk=o["article"]).first(), actor=u, answer=o["text"]),
    Action.DECLINE: lambda r, o, u: actions.decline(r, o["reason"], actor=u, note=o["text"]),
    Action.QUEUE_FOR_DISPATCH: lambda r, o, u: actions.queue_for_dispatch(r, actor=u, reason=o["text"] or "转人工派单"),
    Action.DISPATCH: lambda r, o, u: actions.dispatch(r, _unit(o["unit"]), actor=u, note=o["text"]),
    Action.REASSIGN: lambda r, o, u: actions.reassign(r, _unit(o["unit"]), actor=u, note=o["text"]),
    Action.FORCE_DISPATCH: lambda r, o, u: actions.force_dispatch(r, actor=u, note=o["text"]),
    Action.ACCEPT: lambda r, o, u: actions.accept(r, actor=u),
    Action.RETURN: lambda r, o, u: actions.return_to_hotline(r, o["text"], actor=u),
    Action.CONTACT: lambda r, o, u: actions.contact(r, actor=u, note=o["text"]),
    Action.ADD_ASSISTING_UNIT: lambda r, o, u: actions.add_assisting_unit(r, _unit(o["unit"]), actor=u,
                                                                         working_days=o["days"] or 3),
    Action.ASSIST_REPORT: lambda r, o, u: actions.assist_report(r, o["text"], actor=u),
    Action.REQUEST_EXTENSION: lambda r, o, u: actions.request_extension(r, o["days"] or 0, o["text"], actor=u),
    Action.APPROVE_EXTENSION: lambda r, o, u: actions.approve_extension(r, actor=u, note=o["text"]),
    Action.REJECT_EXTENSION: lambda r, o, u: actions.reject_extension(r, actor=u, note=o["text"]),
    Action.INTERIM_REPLY: lambda r, o, u: actions.interim_reply(r, o["text"], o["date"], actor=u),
    Action.REPLY: lambda r, o, u: actions.reply(r, o["text"], actor=u),
    Action.REQUEST_STOP: lambda r, o, u: actions.request_stop(r, o["text"], actor=u),
    Action.APPROVE_REVIEW: lambda r, o, u: actions.approve_review(r, actor=u, note=o["text"]),
    Action.SEND_BACK: lambda r, o, u: actions.send_back(r, actor=u, note=o["text"]),
    Action.FOLLOW_UP: lambda r, o, u: actions.follow_up(r, actor=u, note=o["text"], **_follow_up_facts(o)),
    Action.REOPEN: lambda r, o, u: actions.reopen(r, actor=u, note=o["text"]),
    Action.URGE: lambda r, o, u: actions.supervise(r, Action.URGE, actor=u, note=o["text"]),
    Action.SUPERVISE: lambda r, o, u: actions.supervise(r, Action.SUPERVISE, actor=u, note=o["text"]),
    Action.ESCALATE: lambda r, o, u: actions.supervise(r, Action.ESCALATE, actor=u, note=o["text"]),
    Action.CLOSE: lambda r, o, u: actions.close(r, actor=u, note=o["text"]),
    Action.MERGE: lambda r, o, u: actions.merge(r, _request(o["primary"]), actor=u),
}


class Command(BaseCommand):
    help = "以某个用户的身份对工单执行一个流程动作（规则与页面相同）。例：zhili act LX20260213-000001 accept --user zhujian"

    def add_arguments(self, parser):
        parser.add_argument("number", help="工单编号")
        parser.add_argument("action", choices=[str(a) for a in STEPS], help="动作")
        parser.add_argument("--user", required=True, help="操作人用户名")
        parser.add_argument("--text", default="", help="说明 / 答复 / 理由")
        parser.add_argument("--unit", help="单位代码（派单、改派、协办）")
        parser.add_argument("--days", type=int, help="工作日数（延期、协办时限）")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="承诺日期 YYYY-MM-DD（阶段性答复）")
        parser.add_argument("--reason", default="", help="不予受理理由代码")
        parser.add_argument("--article", type=int, help="知识库条目 id（直办）")
        parser.add_argument("--primary", help="主单编号（并单）")
        # No default for the follow-up facts: an omitted fact is an error, never a silent "no".
        parser.add_argument("--contacted", action=argparse.BooleanOptionalAction, default=None,
                            help="回访：是否联系过诉求人（--contacted 或 --no-contacted，必填）")
        parser.add_argument("--solved", action=argparse.BooleanOptionalAction, default=None,
                            help="回访：问题是否解决（--solved 或 --no-solved，必填）")
        parser.add_argument("--service", default=None, choices=Satisfaction.values,
                            help="回访：服务满意度 satisfied/basically_satisfied/dissatisfied（必填）")
        parser.add_argument("--result", default=None, choices=Satisfaction.values,
                            help="回访：结果满意度 satisfied/basically_satisfied/dissatisfied（必填）")

    def handle(self, *args, number, action, user, **options):
        actor = get_user_model().objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"--user：用户“{user}”不存在")
        request = _request(number)
        try:
            event = STEPS[action](request, options, actor)
        except WorkflowError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{request.number}：{Action(action).label} 完成，状态 {State(request.state).label}，事件 #{event.seq}")
