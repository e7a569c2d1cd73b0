"""The workflow steps the API offers: one input serializer and one ``zhili.workflow.actions`` call
each. Every body carries ``version``, the order's version the caller saw (→ ``expected_version``).

Serializers only turn codes into objects (unit and category codes, a knowledge article id, a
primary order's number); every rule — who, when, which state, required texts, limits — is the
workflow's, and its refusal comes back as the API's error. The system-only steps (yellow and red
cards) have no endpoint. Texts the workflow requires are optional here so that its own Chinese
message, naming the field, is the one the caller sees.
"""

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework import serializers

from zhili.knowledge.models import KnowledgeArticle
from zhili.organisation.models import Unit
from zhili.requests.choices import Action, DeclineReason, Satisfaction
from zhili.requests.models import ServiceRequest
from zhili.taxonomy.models import Category
from zhili.workflow import actions


class StepSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="调用方看到的工单版本号（乐观锁）；与当前版本不符返回 409")


def _text(label: str, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=4000,
                                 label=label, help_text=help_text)


def _unit(label: str, **options) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.filter(is_active=True),
                                        label=label, help_text="单位代码，如 370102-D09", **options)


class NoteSerializer(StepSerializer):
    note = _text("说明")


class ResolveSerializer(StepSerializer):
    article = serializers.PrimaryKeyRelatedField(queryset=KnowledgeArticle.objects.filter(is_active=True),
                                                 label="知识库条目", help_text="知识库条目 id")
    answer = _text("答复内容")


class DeclineSerializer(StepSerializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices, label="不予受理理由")
    note = _text("说明")


class ClassifySerializer(StepSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True),
                                            label="诉求分类", help_text="分类代码，如 0503")
    subdistrict = _unit("街道", required=False, allow_null=True, default=None)
    note = _text("说明")


class QueueSerializer(StepSerializer):
    reason = _text("转人工派单原因")


class DispatchSerializer(StepSerializer):
    lead_unit = _unit("主办单位")
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True),
                                            required=False, allow_null=True, default=None, label="更正分类")
    note = _text("说明")


class ReassignSerializer(StepSerializer):
    lead_unit = _unit("改派至")
    note = _text("说明")


class ReasonSerializer(StepSerializer):
    reason = _text("理由")


class AssistingUnitSerializer(StepSerializer):
    unit = _unit("协办单位")
    working_days = serializers.IntegerField(required=False, default=3, label="协办时限（工作日）")


class TextSerializer(StepSerializer):
    text = _text("内容")


class ExtensionSerializer(StepSerializer):
    working_days = serializers.IntegerField(label="延期工作日数")
    reason = _text("延期理由")


class InterimReplySerializer(StepSerializer):
    text = _text("阶段性答复内容")
    promised_date = serializers.DateField(label="承诺办结日期", help_text="YYYY-MM-DD")


class FollowUpSerializer(StepSerializer):
    contacted = serializers.BooleanField(label="是否联系到诉求人")
    solved = serializers.BooleanField(label="是否解决")
    service_satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, label="服务满意度")
    result_satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, label="结果满意度")
    note = _text("说明")


class MergeSerializer(StepSerializer):
    primary = serializers.CharField(max_length=32, label="主单编号")

    def validate_primary(self, value):
        """The primary order must be one the caller may see (else: as if it did not exist)."""
        primary = ServiceRequest.objects.visible_to(self.context["user"]).filter(number=value).first()
        if primary is None:
            raise serializers.ValidationError(f"主单“{value}”不存在")
        return primary


class SplitPartSerializer(serializers.Serializer):
    title = _text("标题")
    text = _text("内容")
    unit = _unit("承办单位")


class SplitSerializer(StepSerializer):
    parts = SplitPartSerializer(many=True, label="拆分后的各项", help_text="至少两项")

    def validate_parts(self, value):
        return [(p["title"], p["text"], p["unit"]) for p in value]


@dataclass(frozen=True)
class Step:
    """An API step: its input and the one workflow call (order, data, user, version) → result."""

    serializer: type[StepSerializer]
    run: Callable


def _supervise(action: str) -> Callable:
    return lambda o, d, u, v: actions.supervise(o, action, actor=u, note=d["note"], expected_version=v)


STEPS: dict[str, Step] = {
    Action.RESOLVE_AT_INTAKE: Step(ResolveSerializer, lambda o, d, u, v: actions.resolve_at_intake(
        o, d["article"], actor=u, answer=d["answer"], expected_version=v)),
    Action.DECLINE: Step(DeclineSerializer, lambda o, d, u, v: actions.decline(
        o, d["reason"], actor=u, note=d["note"], expected_version=v)),
    Action.CLASSIFY: Step(ClassifySerializer, lambda o, d, u, v: actions.classify(
        o, d["category"], actor=u, note=d["note"], subdistrict=d.get("subdistrict"), expected_version=v)),
    Action.QUEUE_FOR_DISPATCH: Step(QueueSerializer, lambda o, d, u, v: actions.queue_for_dispatch(
        o, reason=d["reason"] or "转人工派单", actor=u, expected_version=v)),
    Action.DISPATCH: Step(DispatchSerializer, lambda o, d, u, v: actions.dispatch(
        o, d["lead_unit"], actor=u, note=d["note"], category=d["category"], expected_version=v)),
    Action.REASSIGN: Step(ReassignSerializer, lambda o, d, u, v: actions.reassign(
        o, d["lead_unit"], actor=u, note=d["note"], expected_version=v)),
    Action.FORCE_DISPATCH: Step(NoteSerializer, lambda o, d, u, v: actions.force_dispatch(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.ACCEPT: Step(StepSerializer, lambda o, d, u, v: actions.accept(o, actor=u, expected_version=v)),
    Action.RETURN: Step(ReasonSerializer, lambda o, d, u, v: actions.return_to_hotline(
        o, d["reason"], actor=u, expected_version=v)),
    Action.CONTACT: Step(NoteSerializer, lambda o, d, u, v: actions.contact(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.ADD_ASSISTING_UNIT: Step(AssistingUnitSerializer, lambda o, d, u, v: actions.add_assisting_unit(
        o, d["unit"], actor=u, working_days=d["working_days"], expected_version=v)),
    Action.ASSIST_REPORT: Step(TextSerializer, lambda o, d, u, v: actions.assist_report(
        o, d["text"], actor=u, expected_version=v)),
    Action.REQUEST_EXTENSION: Step(ExtensionSerializer, lambda o, d, u, v: actions.request_extension(
        o, d["working_days"], d["reason"], actor=u, expected_version=v)),
    Action.APPROVE_EXTENSION: Step(NoteSerializer, lambda o, d, u, v: actions.approve_extension(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.REJECT_EXTENSION: Step(NoteSerializer, lambda o, d, u, v: actions.reject_extension(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.INTERIM_REPLY: Step(InterimReplySerializer, lambda o, d, u, v: actions.interim_reply(
        o, d["text"], d["promised_date"], actor=u, expected_version=v)),
    Action.REPLY: Step(TextSerializer, lambda o, d, u, v: actions.reply(o, d["text"], actor=u, expected_version=v)),
    Action.REQUEST_STOP: Step(NoteSerializer, lambda o, d, u, v: actions.request_stop(
        o, d["note"], actor=u, expected_version=v)),
    Action.APPROVE_REVIEW: Step(NoteSerializer, lambda o, d, u, v: actions.approve_review(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.SEND_BACK: Step(NoteSerializer, lambda o, d, u, v: actions.send_back(
        o, actor=u, note=d["note"], expected_version=v)),
    Action.FOLLOW_UP: Step(FollowUpSerializer, lambda o, d, u, v: actions.follow_up(
        o, actor=u, contacted=d["contacted"], solved=d["solved"], service_satisfaction=d["service_satisfaction"],
        result_satisfaction=d["result_satisfaction"], note=d["note"], expected_version=v)),
    Action.REOPEN: Step(NoteSerializer, lambda o, d, u, v: actions.reopen(o, actor=u, note=d["note"],
                                                                         expected_version=v)),
    Action.URGE: Step(NoteSerializer, _supervise(Action.URGE)),
    Action.SUPERVISE: Step(NoteSerializer, _supervise(Action.SUPERVISE)),
    Action.ESCALATE: Step(NoteSerializer, _supervise(Action.ESCALATE)),
    Action.CLOSE: Step(NoteSerializer, lambda o, d, u, v: actions.close(o, actor=u, note=d["note"],
                                                                       expected_version=v)),
    Action.MERGE: Step(MergeSerializer, lambda o, d, u, v: actions.merge(o, d["primary"], actor=u,
                                                                        expected_version=v)),
    Action.SPLIT: Step(SplitSerializer, lambda o, d, u, v: actions.split(o, d["parts"], actor=u,
                                                                        expected_version=v)),
}
