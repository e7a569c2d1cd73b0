"""The input of each workflow step the API offers. The steps themselves (the fields each reads and
its one ``zhili.workflow.actions`` call) are declared once in ``zhili.workflow.steps``, which the
pages run too. Every body carries ``version``, the order's version the caller saw
(→ ``expected_version``).

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
from zhili.workflow.actions import SPLIT_MAX_PARTS
from zhili.workflow.steps import STEPS as WORKFLOW_STEPS


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
    parts = SplitPartSerializer(many=True, max_length=SPLIT_MAX_PARTS, label="拆分后的各项",
                                help_text=f"2 到 {SPLIT_MAX_PARTS} 项（流程规则：每项是一张新工单）",
                                error_messages={"max_length": f"拆单最多 {SPLIT_MAX_PARTS} 项（更多单位参与时请增加协办单位）"})

    def validate_parts(self, value):
        return [(p["title"], p["text"], p["unit"]) for p in value]


@dataclass(frozen=True)
class Step:
    """An API step: its input serializer and the workflow step's ``run(order, data, user, version)``."""

    serializer: type[StepSerializer]
    run: Callable


# The input of each workflow step (``zhili.workflow.steps`` declares the fields and the call).
SERIALIZERS: dict[str, type[StepSerializer]] = {
    Action.RESOLVE_AT_INTAKE: ResolveSerializer,
    Action.DECLINE: DeclineSerializer,
    Action.CLASSIFY: ClassifySerializer,
    Action.QUEUE_FOR_DISPATCH: QueueSerializer,
    Action.DISPATCH: DispatchSerializer,
    Action.REASSIGN: ReassignSerializer,
    Action.FORCE_DISPATCH: NoteSerializer,
    Action.ACCEPT: StepSerializer,
    Action.RETURN: ReasonSerializer,
    Action.CONTACT: NoteSerializer,
    Action.ADD_ASSISTING_UNIT: AssistingUnitSerializer,
    Action.ASSIST_REPORT: TextSerializer,
    Action.REQUEST_EXTENSION: ExtensionSerializer,
    Action.APPROVE_EXTENSION: NoteSerializer,
    Action.REJECT_EXTENSION: NoteSerializer,
    Action.INTERIM_REPLY: InterimReplySerializer,
    Action.REPLY: TextSerializer,
    Action.REQUEST_STOP: NoteSerializer,
    Action.APPROVE_REVIEW: NoteSerializer,
    Action.SEND_BACK: NoteSerializer,
    Action.FOLLOW_UP: FollowUpSerializer,
    Action.REOPEN: NoteSerializer,
    Action.URGE: NoteSerializer,
    Action.SUPERVISE: NoteSerializer,
    Action.ESCALATE: NoteSerializer,
    Action.CLOSE: NoteSerializer,
    Action.MERGE: MergeSerializer,
    Action.SPLIT: SplitSerializer,
}

STEPS: dict[str, Step] = {action: Step(SERIALIZERS[action], step.run) for action, step in WORKFLOW_STEPS.items()}
