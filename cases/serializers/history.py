"""Serializer of the change history (audit events) shown for a household and its records."""

from __future__ import annotations

from rest_framework import serializers

from audit.models import AuditEvent

# --- output serializers ------------------------------------------------------------------------------


class AuditEventSerializer(serializers.ModelSerializer):
    """一条留痕记录：谁在何时对哪条记录做了什么、改了哪些字段。"""

    actor_name = serializers.CharField(source="actor.display_name", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_username",
            "actor_name",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "changes",
            "note",
            "request_id",
        ]
        read_only_fields = fields
