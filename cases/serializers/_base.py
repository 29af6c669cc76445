"""Serializer bases shared by the registry API (and ``assistance.apis``).

``StrictInputSerializer`` refuses keys it does not declare; ``PatchFields`` makes every field but
``version`` optional for PATCH; ``RegionRefSerializer`` is the short form of a region in outputs.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from assistance.models import Region

UNKNOWN_FIELD_MESSAGE = "不支持的字段"


# --- input serializers -------------------------------------------------------------------------------


class StrictInputSerializer(serializers.Serializer):
    """Refuses keys it does not declare (400 with the offending keys as field errors)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [key for key in data if key not in self.fields or self.fields[key].read_only]
            if unknown:
                raise serializers.ValidationError({key: [UNKNOWN_FIELD_MESSAGE] for key in unknown[:20]})
        return super().to_internal_value(data)


class PatchFields:
    """For PATCH: every field optional except ``version`` (the version the client last read), if declared.

    The serializer is never "partial" (DRF would then skip ``version`` too); the property also keeps
    drf-spectacular from documenting the PATCH body as all-optional.
    """

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if name != "version":
                field.required = False
        return fields


# --- output serializers ------------------------------------------------------------------------------


class RegionRefSerializer(serializers.ModelSerializer):
    """行政区划（简要）。"""

    class Meta:
        model = Region
        fields = ["id", "code", "name"]
        read_only_fields = fields
