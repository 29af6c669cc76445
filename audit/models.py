"""The append-only, hash-chained audit trail (全程留痕).

Every write in the system goes through a service that calls ``audit.services.audit_record`` in the
same transaction. Events are never updated or deleted: the ORM refuses it here, and on PostgreSQL a
trigger refuses it in the database (migration 0002). Each event carries the hash of the one before,
so ``manage.py audit_verify`` can find the first altered, inserted or removed event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能修改")

    def delete(self):
        raise AppendOnlyError("审计记录只能追加，不能删除")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("审计记录只能追加，不能修改")


GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One audited action: who did what to which object, the fields it changed, when, from where."""

    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField("操作人账号", max_length=150)
    action = models.CharField("操作", max_length=60, db_index=True)
    target_type = models.CharField("对象类型", max_length=60)
    target_id = models.CharField("对象编号", max_length=40)
    target_label = models.CharField("对象", max_length=200, blank=True)
    region = models.ForeignKey(
        "assistance.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField("区划路径", max_length=255, blank=True)
    household_ref = models.BigIntegerField(
        "所涉家庭", null=True, blank=True, help_text="事件所属家庭的编号，用于按户查看全部留痕"
    )
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target"),
            models.Index(fields=["actor", "id"], name="audit_actor"),
            models.Index(fields=["household_ref", "id"], name="audit_household"),
            models.Index(fields=["region_path"], name="audit_region_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计记录只能追加，不能删除")


class AuditChainHead(models.Model):
    """The single row holding the newest event's hash; locked while an event is appended.

    Locking this row serialises appends, so the chain never forks under concurrent writers.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"head → #{self.last_event_id}"
