"""What the native API shows of orders, events, units and categories (read-only).

The requester appears only masked (``requester_name_masked``, ``requester_phone_masked``;
"（保密）" for a confidential order): the API has no field with the full name or phone, and
phone or ID numbers written into an order's title or description are masked there too.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhili.organisation.models import Unit
from zhili.requests.choices import Action
from zhili.requests.models import AssistingUnit, RequestEvent, ServiceRequest
from zhili.requests.privacy import mask_text
from zhili.taxonomy.models import Category


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class CategoryRefSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "level", "full_name"]


class UnitSerializer(serializers.ModelSerializer):
    """A unit, with its parent's code (the tree) — ids are what the list filters take."""

    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "short_name", "kind", "parent_code"]


class CategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "level", "parent_code", "is_active"]


class RequestSerializer(serializers.ModelSerializer):
    """A row of the order list."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    lead_unit = UnitRefSerializer(read_only=True, allow_null=True)
    subdistrict = UnitRefSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    requester_name_masked = serializers.CharField(read_only=True)
    requester_phone_masked = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceRequest
        fields = ["number", "title", "state", "state_label", "version", "channel", "request_type", "category",
                  "lead_unit", "subdistrict", "received_at", "dispatched_at", "due_at", "closed_at",
                  "is_overdue", "supervision_level", "red_cards", "confidential", "requester_name_masked",
                  "requester_phone_masked"]

    def to_representation(self, instance):
        """The order's fields; phone and ID numbers written into its title and description masked,
        and the requester's name there too (``privacy.mask_text``): the API shows the requester
        only masked, wherever it appears."""
        data = super().to_representation(instance)
        for name in ("title", "description"):
            if data.get(name):
                data[name] = mask_text(data[name], instance.requester_name)
        return data


class AssistingUnitSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = AssistingUnit
        fields = ["unit", "due_at", "reported_at", "report"]


class EventSerializer(serializers.ModelSerializer):
    """One immutable event of the order's history."""

    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.CharField(source="actor_display", read_only=True)
    to_unit = UnitRefSerializer(read_only=True, allow_null=True)
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = RequestEvent
        fields = ["seq", "action", "action_label", "actor", "from_state", "to_state", "to_unit", "note",
                  "confidence", "data", "at"]


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    label = serializers.CharField()
    path = serializers.CharField(help_text="POST 此路径执行该操作")


class RequestDetailSerializer(RequestSerializer):
    """One order: the row's fields, its text and place, its handling facts, its history and the
    actions the caller may take now."""

    community = UnitRefSerializer(read_only=True, allow_null=True)
    merged_into = serializers.CharField(source="merged_into.number", default=None, read_only=True,
                                        allow_null=True)
    split_from = serializers.CharField(source="split_from.number", default=None, read_only=True,
                                       allow_null=True)
    assisting_units = AssistingUnitSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = RequestSerializer.Meta.fields + [
            "description", "address", "lat", "long", "community", "accepted_at", "replied_at",
            "first_contacted_at", "promised_at", "extension_days_total", "pending_extension_days",
            "pending_extension_reason", "return_count", "reopen_count", "decline_reason", "resolution",
            "followup_contacted", "followup_solved", "service_satisfaction", "result_satisfaction",
            "merged_into", "split_from", "assisting_units", "events", "allowed_actions",
        ]

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, obj) -> list[dict]:
        return [{"action": a, "label": Action(a).label, "path": f"/api/v1/requests/{obj.number}/actions/{a}/"}
                for a in self.context.get("allowed_actions", [])]


class ErrorSerializer(serializers.Serializer):
    """Every refusal: ``detail`` in Chinese, the input ``field`` at fault (or null), a ``code``."""

    detail = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ActionResultSerializer(serializers.Serializer):
    """The answer to a step: the order as it is now (null if the caller no longer sees it), the
    event written, and for a split the numbers of the new orders."""

    request = RequestDetailSerializer(allow_null=True)
    event = EventSerializer(allow_null=True)
    created = serializers.ListField(child=serializers.CharField())

