"""REST endpoints of the case workflow: applications and their transitions, 急难 aid, the inbox,
active-discovery reports and enrolments.

The same transitions, with the same rules, as the case pages: each view validates the body with a
serializer, fetches the application through a scoped selector (404 outside the caller's jurisdiction),
calls exactly one service of ``cases.services.workflow`` (which checks the role, the state, the version
and the deadlines, in one transaction) and returns the application as it now stands. A refused
transition is a 4xx with a stable ``code`` (``illegal_transition``, ``stale_version``, ``notice_running`` …)
and leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from assistance.errors import ApplicationError
from cases.actions import available_actions
from cases.models import Application, HomeVisit, Objection
from cases.selectors import (
    application_clocks_for,
    application_get_for,
    application_list_for,
    application_timeline,
    discovery_get_for,
    discovery_list_for,
    enrolment_list_for,
    household_get_for,
    inbox_for,
)
from cases.serializers import StrictInputSerializer
from cases.serializers import applications as s
from cases.services import (
    application_accept,
    application_decide,
    application_deliberation_record,
    application_evaluate,
    application_extend,
    application_investigation_start,
    application_materials_complete,
    application_notice_close,
    application_notice_publish,
    application_objection_record,
    application_refusal_notify,
    application_return,
    application_town_review,
    application_visit_record,
    application_withdraw,
    discovery_report_close,
    discovery_report_create,
    emergency_aid_grant,
    emergency_papers_complete,
)

APPLICATION_ID = OpenApiParameter("application_id", int, OpenApiParameter.PATH, description="申请编号（id）")
HOUSEHOLD_ID = OpenApiParameter("household_id", int, OpenApiParameter.PATH, description="家庭编号（id）")
DISCOVERY_ID = OpenApiParameter("discovery_id", int, OpenApiParameter.PATH, description="线索编号（id）")

TAG_APPLICATIONS = "申请办理"
TAG_EMERGENCY = "临时救助（急难型）"
TAG_INBOX = "待办"
TAG_DISCOVERY = "主动发现"
TAG_ENROLMENTS = "在保对象"

READ_ERRORS = error_responses(403, 404)
WRITE_ERRORS = error_responses(400, 403, 404, 409)

# The page's action codes (cases.actions) whose API path segment differs: one ``visits`` endpoint records the
# town's home visit and the county's (the service decides by status), ``objections`` records an objection.
ACTION_ENDPOINTS = {"visit": "visits", "county-visit": "visits", "objection": "objections"}


def _action_endpoint(code: str, application_id: int) -> str | None:
    try:
        return reverse(f"api-application-{ACTION_ENDPOINTS.get(code, code)}", args=[application_id])
    except NoReverseMatch:  # an action the API does not offer (yet): the page handles it
        return None


def _application_detail(actor, application_id: int) -> Application:
    """The application as the caller may see it, with what the detail serializer shows attached.

    Everything hangs off the application fetched through the scoped selector (so it is in scope too):
    its clocks, timeline, visits, objections, linked applications, enrolment, and the actions the caller
    may take now.
    """
    app = application_get_for(actor=actor, pk=application_id)
    prefetch_related_objects(
        [app],
        "linked",
        Prefetch(
            "visits",
            queryset=HomeVisit.objects.select_related("recorded_by").prefetch_related("visitors"),
            to_attr="api_visits",
        ),
        Prefetch("objections", queryset=Objection.objects.select_related("recorded_by"), to_attr="api_objections"),
    )
    if app.evaluation is not None:
        prefetch_related_objects([app], "evaluation__evaluated_by")
    app.api_linked = list(app.linked.all())
    app.api_clocks = application_clocks_for(app)
    app.api_timeline = list(application_timeline(app))
    app.api_enrolment = enrolment_list_for(actor=actor).filter(application=app).first()
    app.api_actions = [
        {"code": a.code, "label": a.label, "hint": a.hint, "endpoint": _action_endpoint(a.code, app.pk)}
        for a in available_actions(actor, app)
    ]
    return app


def _detail_response(view: ApiView, application_id: int, status: int = 200) -> Response:
    app = _application_detail(view.request.user, application_id)
    return view.output(s.ApplicationDetailSerializer, app, status=status)


# --- applications ----------------------------------------------------------------------------------


class ApplicationListCreateApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="applications_list",
        tags=[TAG_APPLICATIONS],
        summary="申请列表",
        description=(
            "列出管辖范围内的救助申请（分页），最新的在前。可按状态（status）、救助项目（program）筛选，"
            "按申请编号、家庭编号或成员姓名搜索（search），open=1 只列正在办理的申请。"
        ),
        parameters=[s.ApplicationFilterSerializer],
        responses={200: s.ApplicationSummarySerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(s.ApplicationFilterSerializer)
        applications = application_list_for(
            actor=request.user,
            status=params.get("status", ""),
            program=params.get("program", ""),
            search=params.get("search", ""),
            open_only=params.get("open", False),
        )
        return self.paginated(s.ApplicationSummarySerializer, applications)

    @extend_schema(
        operation_id="application_accept",
        tags=[TAG_APPLICATIONS],
        summary="受理申请",
        description=(
            "在乡镇（街道）一门受理救助申请。申请即授权：未签署家庭经济状况核对授权书（authorisation_signed_on）的"
            "不予接收（400 authorisation_missing）。有缺少材料（missing_materials）的一次性告知，申请为“待补齐材料”；"
            "否则当日正式受理，办理时限开始计算。同一家庭（人员）同一项目已有申请在办时返回 409 "
            "duplicate_application；已在保的返回 409 already_enrolled；失信惩戒期内返回 409 integrity_penalty。"
            "只有该家庭所在乡镇的经办人员可以受理。"
        ),
        request=s.ApplicationCreateInputSerializer,
        responses={201: s.ApplicationDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.input(s.ApplicationCreateInputSerializer)
        app = application_accept(actor=request.user, **data)
        return _detail_response(self, app.pk, status=201)


class ApplicationDetailApi(ApiView):
    @extend_schema(
        operation_id="application_retrieve",
        tags=[TAG_APPLICATIONS],
        summary="申请详情",
        description=(
            "申请的全部办理情况：状态、各环节日期、法定办理时限（clocks，按工作日计）、办理记录（timeline）、"
            "入户调查、公示异议、评估结果（保存时的决定与解释）、在保情况，以及当前用户现在可以办理的操作"
            "（actions，含办理接口）。不在管辖范围内时返回 404。"
        ),
        parameters=[APPLICATION_ID],
        responses={200: s.ApplicationDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, application_id: int) -> Response:
        return _detail_response(self, application_id)


# --- transitions ------------------------------------------------------------------------------------


class ApplicationTransitionApi(ApiView):
    """POST one transition of an application: the body's keys are the service's keyword arguments."""

    input_serializer: ClassVar[type[StrictInputSerializer]] = s.VersionInputSerializer
    service: ClassVar[Callable[..., Any]]
    success_status: ClassVar[int] = 200
    # Service field names that the API calls otherwise (so a field error names the field the client sent).
    field_names: ClassVar[dict[str, str]] = {}

    def post(self, request: Request, application_id: int) -> Response:
        app = application_get_for(actor=request.user, pk=application_id)
        data = self.input(self.input_serializer, application=app)
        try:
            self.perform(app, data)
        except ApplicationError as error:
            error.fields = {self.field_names.get(name, name): messages for name, messages in error.fields.items()}
            raise
        return _detail_response(self, app.pk, status=self.success_status)

    def perform(self, application: Application, data: dict) -> None:
        self.service(actor=self.request.user, application=application, **data)


TRANSITION_NOTE = (
    " 可带读取时的 version：申请已被他人办理时返回 409 stale_version。当前状态不能办理时返回 409 illegal_transition；"
    "岗位无权办理时返回 403。成功时返回办理后的申请详情。"
)


def _transition(operation_id: str, summary: str, description: str, request, *, status: int = 200, tag: str = ""):
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            tags=[tag or TAG_APPLICATIONS],
            summary=summary,
            description=description + TRANSITION_NOTE,
            parameters=[APPLICATION_ID],
            request=request,
            responses={status: s.ApplicationDetailSerializer, **WRITE_ERRORS},
        )
    )


@_transition(
    "application_materials_complete",
    "材料补齐，正式受理",
    "一次性告知的材料已补齐：申请正式受理（on：受理日期，默认今天），办理时限开始计算。",
    s.MaterialsCompleteInputSerializer,
)
class ApplicationMaterialsCompleteApi(ApplicationTransitionApi):
    input_serializer = s.MaterialsCompleteInputSerializer
    service = staticmethod(application_materials_complete)


@_transition(
    "application_investigation_start",
    "启动调查核实",
    "发起家庭经济状况核对，申请进入调查核实（受理后3个工作日内，dibao-shenhe-queren-banfa-2021 第十五条）。"
    "waive_visit=true：本地政策允许时，经济状况核对已覆盖的免于入户调查（近亲属备案的申请不可免）。",
    s.InvestigationStartInputSerializer,
)
class ApplicationInvestigationStartApi(ApplicationTransitionApi):
    input_serializer = s.InvestigationStartInputSerializer
    service = staticmethod(application_investigation_start)


@_transition(
    "application_visit_record",
    "记录入户调查",
    "记录入户调查：调查人员不少于2人（visitor_ids，本地在岗工作人员），调查记录须经申请人签字确认"
    "（dibao-shenhe-queren-banfa-2021 第十六条）。调查核实中由乡镇经办人员记录；待审核确认时由县级审核人员记录"
    "县级入户核查（近亲属备案、特困抽查）。返回 201。",
    s.VisitInputSerializer,
    status=201,
)
class ApplicationVisitApi(ApplicationTransitionApi):
    input_serializer = s.VisitInputSerializer
    service = staticmethod(application_visit_record)
    success_status = 201
    field_names = {"visitors": "visitor_ids"}


@_transition(
    "application_evaluate",
    "评估（规则引擎测算）",
    "用规则引擎按家庭登记信息测算，保存评估结果（决定与解释，此后不再改变）。低保、特困须先记录入户调查"
    "（免于入户的除外，否则 409 visit_missing）；登记信息更正后可重新评估，申请采用最新的评估结果。",
    s.VersionInputSerializer,
)
class ApplicationEvaluateApi(ApplicationTransitionApi):
    service = staticmethod(application_evaluate)


@_transition(
    "application_deliberation_record",
    "记录民主评议",
    "有争议（公示异议）或本地政策要求时，记录民主评议：评议日期、参加人数（不少于5人）、评议结果、评议记录。",
    s.DeliberationInputSerializer,
)
class ApplicationDeliberationApi(ApplicationTransitionApi):
    input_serializer = s.DeliberationInputSerializer
    service = staticmethod(application_deliberation_record)


@_transition(
    "application_town_review",
    "提出乡镇审核意见",
    "乡镇审核：同意的低保、特困申请进入公示；其他项目及不同意的报审核确认机关（县级，或审核确认权下放的乡镇）。"
    "评估结果不符合条件的不能同意（409 not_eligible）；须民主评议而未评议的返回 409 deliberation_missing。",
    s.TownReviewInputSerializer,
)
class ApplicationTownReviewApi(ApplicationTransitionApi):
    input_serializer = s.TownReviewInputSerializer
    service = staticmethod(application_town_review)


@_transition(
    "application_notice_publish",
    "发布公示",
    "在村（社区）公示（本地规定的天数，默认7天，dibao-shenhe-queren-banfa-2021 第十九条）。",
    s.NoticeInputSerializer,
)
class ApplicationNoticeApi(ApplicationTransitionApi):
    input_serializer = s.NoticeInputSerializer
    service = staticmethod(application_notice_publish)


@_transition(
    "application_objection_record",
    "记录公示异议",
    "公示期间收到异议：申请退回调查核实，此后须民主评议。返回 201。",
    s.ObjectionInputSerializer,
    status=201,
)
class ApplicationObjectionApi(ApplicationTransitionApi):
    input_serializer = s.ObjectionInputSerializer
    service = staticmethod(application_objection_record)
    success_status = 201


@_transition(
    "application_notice_close",
    "公示期满，报送审核确认",
    "公示期满无异议，报送审核确认（县级，或审核确认权下放的乡镇）；公示期未满时返回 409 notice_running。"
    "特困申请按比例列入县级抽查。",
    s.VersionInputSerializer,
)
class ApplicationNoticeCloseApi(ApplicationTransitionApi):
    service = staticmethod(application_notice_close)


@_transition(
    "application_extend",
    "延长办理时限",
    "特殊情况下延长低保办理时限至45个工作日，须说明理由（dibao-shenhe-queren-banfa-2021 第二十二条）；只能延长一次。",
    s.ReasonInputSerializer,
)
class ApplicationExtendApi(ApplicationTransitionApi):
    input_serializer = s.ReasonInputSerializer
    service = staticmethod(application_extend)


@_transition(
    "application_decide",
    "审核确认",
    "县级审核人员（审核确认权下放乡镇的，为乡镇经办人员）作出决定：confirm=true 确认，低保、特困自次月起纳入在保"
    "（返回的 enrolment）；confirm=false 不予确认，须写明理由（reasons），并在3个工作日内书面告知。"
    "作出乡镇审核意见的人员不能再对同一申请作出决定（403 same_reviewer）。急难型“已先行救助，待后置审批”的申请"
    "也用本接口审批。",
    s.DecideInputSerializer,
)
class ApplicationDecideApi(ApplicationTransitionApi):
    input_serializer = s.DecideInputSerializer
    service = staticmethod(application_decide)


@_transition(
    "application_return",
    "退回重新调查",
    "审核确认机关将申请退回乡镇重新调查核实，须说明理由；乡镇审核意见和公示随之清除。",
    s.ReasonInputSerializer,
)
class ApplicationReturnApi(ApplicationTransitionApi):
    input_serializer = s.ReasonInputSerializer
    service = staticmethod(application_return)


@_transition(
    "application_withdraw",
    "申请人撤回",
    "申请人撤回申请，须记录原因（乡镇经办人员办理）。",
    s.ReasonInputSerializer,
)
class ApplicationWithdrawApi(ApplicationTransitionApi):
    input_serializer = s.ReasonInputSerializer
    service = staticmethod(application_withdraw)


@_transition(
    "application_refusal_notify",
    "登记书面告知送达",
    "不予确认的申请，登记书面告知（理由及救济途径）已送达申请人（on：送达日期，默认今天）。",
    s.RefusalNoticeInputSerializer,
)
class ApplicationRefusalNoticeApi(ApplicationTransitionApi):
    input_serializer = s.RefusalNoticeInputSerializer
    service = staticmethod(application_refusal_notify)


@_transition(
    "emergency_papers_complete",
    "补齐签字盖章手续",
    "急难型先行救助发放后，补齐经办人签字、盖章等手续。",
    s.PapersCompleteInputSerializer,
    tag=TAG_EMERGENCY,
)
class ApplicationPapersCompleteApi(ApplicationTransitionApi):
    input_serializer = s.PapersCompleteInputSerializer
    service = staticmethod(emergency_papers_complete)


@_transition(
    "application_bridge_aid",
    "申请期间先行急难救助",
    "对正在办理的低保、特困申请，按本地规定（如 changbai-2021 §二(四)18：1个月城市低保标准）先行给予急难型临时"
    "救助；返回原申请详情，新的临时救助申请见 linked。本地未规定的返回 409 no_bridge_aid；已给予过的返回 409 "
    "duplicate_application。",
    s.VersionInputSerializer,
    tag=TAG_EMERGENCY,
)
class ApplicationBridgeAidApi(ApplicationTransitionApi):
    def perform(self, application: Application, data: dict) -> None:
        emergency_aid_grant(
            actor=self.request.user,
            household=application.household,
            cause="pending_application",
            expense=Decimal("0"),
            parent=application,
            version=data.get("version"),
        )


class HouseholdEmergencyAidApi(ApiView):
    @extend_schema(
        operation_id="household_emergency_aid",
        tags=[TAG_EMERGENCY],
        summary="先行救助（急难型临时救助）",
        description=(
            "对遭遇急难的家庭先行救助，不经家庭经济状况核对和公示：需求金额在乡镇审批额度内的由乡镇直接发放，申请即为"
            "“已确认”；超过的先行发放、报县级后置审批（“已先行救助，待后置审批”，由县级用“审核确认”接口审批）；超过"
            "先行救助上限的按上限发放，超出部分“一事一议”（maiji-2021 §四(四)15）。返回 201 及新申请的详情。"
        ),
        parameters=[HOUSEHOLD_ID],
        request=s.EmergencyAidInputSerializer,
        responses={201: s.ApplicationDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(s.EmergencyAidInputSerializer, household=household)
        app = emergency_aid_grant(actor=request.user, household=household, **data)
        return _detail_response(self, app.pk, status=201)


# --- inbox, discovery reports, enrolments -------------------------------------------------------------


class InboxApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="inbox_list",
        tags=[TAG_INBOX],
        summary="待办",
        description=(
            "等待当前用户办理的申请（分页），最近时限最早的在前，没有时限的在后。乡镇经办：本乡镇受理至公示的申请、"
            "下放乡镇的审核确认、未登记书面告知的不予确认、未补齐手续的急难救助；县级审核：待审核确认和待后置审批的申请；"
            "村协理员：本村正在办理的申请（只读）。due_provisional 表示时限按尚未公布的节假日暂定；overdue 表示已超期。"
        ),
        responses={200: s.ApplicationSummarySerializer(many=True), **error_responses(403)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(s.ApplicationSummarySerializer, inbox_for(actor=request.user))


class DiscoveryListCreateApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="discoveries_list",
        tags=[TAG_DISCOVERY],
        summary="主动发现线索列表",
        description=(
            "管辖范围内的主动发现线索（分页），默认只列待处理的；include_closed=true 包括已办结和已转为申请的。"
        ),
        parameters=[s.DiscoveryFilterSerializer],
        responses={200: s.DiscoveryReportSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(s.DiscoveryFilterSerializer)
        reports = discovery_list_for(actor=request.user, open_only=not params["include_closed"])
        return self.paginated(s.DiscoveryReportSerializer, reports)

    @extend_schema(
        operation_id="discovery_create",
        tags=[TAG_DISCOVERY],
        summary="报告主动发现线索",
        description=(
            "村（社区）协理员或乡镇经办人员报告需要救助的困难群众。经办人员可在受理申请时填写线索编号（discovery），"
            "线索即转为申请；不需救助的用“办结线索”接口办结。"
        ),
        request=s.DiscoveryCreateInputSerializer,
        responses={201: s.DiscoveryReportSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.input(s.DiscoveryCreateInputSerializer)
        report = discovery_report_create(actor=request.user, **data)
        return self.output(s.DiscoveryReportSerializer, discovery_get_for(actor=request.user, pk=report.pk), status=201)


class DiscoveryCloseApi(ApiView):
    @extend_schema(
        operation_id="discovery_close",
        tags=[TAG_DISCOVERY],
        summary="办结主动发现线索",
        description="经核实不需救助的线索，说明理由后办结（乡镇经办人员）；已办结的返回 409 discovery_closed。",
        parameters=[DISCOVERY_ID],
        request=s.DiscoveryCloseInputSerializer,
        responses={200: s.DiscoveryReportSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, discovery_id: int) -> Response:
        report = discovery_get_for(actor=request.user, pk=discovery_id)
        data = self.input(s.DiscoveryCloseInputSerializer)
        discovery_report_close(actor=request.user, report=report, reason=data["reason"])
        return self.output(s.DiscoveryReportSerializer, discovery_get_for(actor=request.user, pk=report.pk))


class EnrolmentListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="enrolments_list",
        tags=[TAG_ENROLMENTS],
        summary="在保对象列表",
        description="管辖范围内审核确认后纳入在保的对象（分页），最新的在前；可按状态（status）筛选。",
        parameters=[s.EnrolmentFilterSerializer],
        responses={200: s.EnrolmentSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(s.EnrolmentFilterSerializer)
        enrolments = enrolment_list_for(actor=request.user, status=params.get("status", ""))
        return self.paginated(s.EnrolmentSerializer, enrolments)
