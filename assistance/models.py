"""Core models: administrative regions, staff and their role assignments, the program catalogue and
each county's list of recognised serious illnesses."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from assistance.roles import LEVEL_DEPTH, RegionLevel, Role

PATH_SEPARATOR = "/"


class Region(models.Model):
    """An administrative region (行政区划) from province down to village/community.

    ``path`` is a materialised path of codes (``/220000/220600/220623/``) so a subtree is one indexed
    prefix match; every scoped query uses it. Paths are written only by ``assistance.services``.
    Counties carry their GB/T 2260 code; towns and villages use 9- and 12-digit statistical codes.
    """

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("区划路径", max_length=255, unique=True, editable=False)
    is_urban = models.BooleanField("城镇（街道/社区）", default=False, help_text="街道、社区为城镇；乡镇、行政村为农村")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]
        indexes = [
            # Prefix (LIKE 'x%') lookups on PostgreSQL need the pattern operator class.
            models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "path"], name="region_level_path"),
        ]
        constraints = [
            # A province is a root; every other region hangs under a parent.
            models.CheckConstraint(
                condition=(Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=True))
                | (~Q(level=RegionLevel.PROVINCE) & Q(parent__isnull=False)),
                name="region_root_is_province",
                violation_error_message="省级区划不能有上级，其他区划必须有上级",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[RegionLevel(self.level)]

    def subtree_q(self, prefix: str = "") -> Q:
        """Return a Q matching this region and everything below it (``prefix`` is the lookup path to the region)."""
        return Q(**{f"{prefix}path__startswith": self.path})

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split(PATH_SEPARATOR) if c]

    def county(self) -> Region | None:
        """Return the county-level ancestor (or self), None above county level. One query at most."""
        if self.level == RegionLevel.COUNTY:
            return self
        if LEVEL_DEPTH[RegionLevel(self.level)] < LEVEL_DEPTH[RegionLevel.COUNTY]:
            return None
        codes = self.ancestor_codes()
        return Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).first()

    def full_name(self) -> str:
        """Return the names from province down, e.g. ``吉林省白山市长白朝鲜族自治县``."""
        names = dict(Region.objects.filter(code__in=self.ancestor_codes()).values_list("code", "name"))
        return "".join(names.get(c, "") for c in self.ancestor_codes())


class Staff(AbstractUser):
    """A person who uses the system. Roles and regions are in :class:`RoleAssignment`."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    is_system = models.BooleanField(
        "系统账号", default=False, help_text="自动任务（定时任务、数据导入）以系统账号身份操作，不能登录"
    )

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """One role held by one staff member over one region (and everything below it)."""

    staff = models.ForeignKey(Staff, verbose_name="工作人员", on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField("岗位", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name="管辖区划", on_delete=models.PROTECT, related_name="assignments")
    is_active = models.BooleanField("有效", default=True)
    granted_by = models.ForeignKey(
        Staff, verbose_name="授权人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    ended_at = models.DateTimeField("撤销时间", null=True, blank=True)

    class Meta:
        verbose_name = "岗位授权"
        verbose_name_plural = "岗位授权"
        ordering = ["staff_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "role", "region"],
                condition=Q(is_active=True),
                name="roleassignment_one_active_per_staff_role_region",
                violation_error_message="该人员在此区划已有相同岗位",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()} · {self.region}"


class ProgramKind(models.TextChoices):
    MONTHLY_CASH = "monthly_cash", "按月发放"  # 低保, 特困
    STATUS = "status", "身份认定"  # 低收入: a recognised status, no cash by itself
    TEMPORARY = "temporary", "临时救助"  # one-off or instalments
    SPECIALISED = "specialised", "专项救助"  # medical, education …


class Program(models.Model):
    """A kind of assistance in the catalogue (救助项目). Extensible by data: add a row, no code change."""

    code = models.SlugField("项目代码", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=60, unique=True)
    short_name = models.CharField("简称", max_length=20)
    kind = models.CharField("类别", max_length=20, choices=ProgramKind.choices)
    by_household = models.BooleanField("按户认定", default=True, help_text="否：按人认定（如特困人员）")
    legal_basis = models.CharField("政策依据", max_length=200, blank=True)
    description = models.TextField("说明", blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "救助项目"
        verbose_name_plural = "救助项目"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class RecognisedIllness(models.Model):
    """A serious illness the county recognises (重特大疾病目录) for 单人户 and income deductions."""

    county = models.ForeignKey(
        Region,
        verbose_name="县（市、区）",
        on_delete=models.PROTECT,
        related_name="recognised_illnesses",
        limit_choices_to={"level": RegionLevel.COUNTY},
    )
    name = models.CharField("病种名称", max_length=100)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "重病病种"
        verbose_name_plural = "重病病种（县级认定目录）"
        ordering = ["county_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "name"], name="recognisedillness_unique_per_county"),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """An administrator's ruling on one date of the national working-day calendar (节假日安排补录).

    The official calendar, with its make-up working days (调休), comes from the ``chinesecalendar``
    library; a row here wins over it. It is for dates the library does not know yet (a new year
    announced by the State Council before the library's release) or that a later notice changed.
    Written only by ``assistance.services.calendar_override_set`` / ``calendar_override_delete``.
    """

    day = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField(
        "工作日", help_text="勾选为工作日（含调休上班日），不勾选为休息日（含法定节假日）"
    )
    note = models.CharField("依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    recorded_by = models.ForeignKey(
        Staff, verbose_name="录入人", on_delete=models.PROTECT, related_name="calendar_overrides"
    )
    recorded_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排补录"
        verbose_name_plural = "节假日安排补录（工作日日历）"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'工作日' if self.is_working_day else '休息日'}"


class CalendarYear(models.Model):
    """An administrator's declaration that a whole year's holiday arrangement (节假日安排年度) has been
    entered as ``CalendarOverride`` rows: every holiday taken off on a weekday and every make-up working day
    (调休) on a weekend, as the State Council's notice lists them.

    For a year the ``chinesecalendar`` library does not cover, a declared year is then counted as Monday to
    Friday plus its overrides, and deadlines in it are no longer provisional (see ``assistance.workdays``).
    Written only by ``assistance.services.calendar_year_declare`` / ``calendar_year_undeclare``.
    """

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(
        "依据",
        max_length=200,
        help_text="如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）",
    )
    declared_by = models.ForeignKey(
        Staff, verbose_name="声明人", on_delete=models.PROTECT, related_name="calendar_years"
    )
    declared_at = models.DateTimeField("声明时间", auto_now_add=True)

    class Meta:
        verbose_name = "节假日安排年度"
        verbose_name_plural = "节假日安排年度（工作日日历）"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排"


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """A long-running job people can watch (后台任务): what it is, who or what started it, its progress and
    its outcome. ``key`` makes starting idempotent: the daily run of one day, or one county's recomputation
    after one standards change, is one job however often it is asked for. Written only through
    ``assistance.jobs``; the Celery task that does the work claims the job with a conditional update."""

    kind = models.CharField("类型", max_length=40)
    key = models.CharField("幂等键", max_length=120, unique=True)
    label = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    county = models.ForeignKey(
        Region, verbose_name="县（市、区）", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(Staff, verbose_name="发起人", on_delete=models.PROTECT, related_name="+")
    trigger = models.CharField("发起方式", max_length=10, default="user")  # "user", "beat", "api"
    params = models.JSONField("参数", default=dict, blank=True)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("失败原因", blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进度时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")) | Q(total=0),
                name="job_done_within_total",
                violation_error_message="已处理数不能超过总数",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
