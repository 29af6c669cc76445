"""REST endpoints of life events (生命事件): a household's events and recording one — by a caseworker, or pushed by
another department (``source=department`` with its name; for now under the same permissions) — and the events of
the caller's jurisdiction.

Each view validates with a serializer, fetches through a scoped selector (404 outside the jurisdiction) and makes
one service call, ``life_event_record``; a refused event is a 4xx with a stable ``code`` (``conflict`` for the
same event pushed twice, ``member_deceased``, ``not_imprisoned`` …) and leaves nothing behind.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from cases.selectors import household_get_for, life_event_get_for, life_event_list_for
from cases.serializers import events as s
from cases.services import life_event_record

HOUSEHOLD_ID = OpenApiParameter("household_id", int, OpenApiParameter.PATH, description="家庭编号（id）")
EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="事件编号（id）")
TAG = "生命事件"
WRITE_ERRORS = error_responses(400, 403, 404, 409)


class HouseholdLifeEventsApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="household_life_events_list",
        tags=[TAG],
        summary="家庭的生命事件",
        description="该家庭成员的生命事件（死亡、服刑、刑满释放、特困未成年人年满18周岁）及处理结果（分页），最新的在前。",
        parameters=[HOUSEHOLD_ID, s.LifeEventFilterSerializer],
        responses={200: s.LifeEventSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        params = self.query(s.LifeEventFilterSerializer)
        events = life_event_list_for(
            actor=request.user, household=household, kind=params.get("kind", ""), overdue_review=params["overdue"]
        )
        return self.paginated(s.LifeEventSerializer, events)

    @extend_schema(
        operation_id="household_life_event_create",
        tags=[TAG],
        summary="登记生命事件",
        description=(
            "登记本户成员的生命事件，系统自动更新家庭档案并调整在保项目，自事件发生的次月起生效：特困人员死亡终止供养，"
            "按本地政策计算丧葬费（funeral_amount，麦积区为12个月基本生活标准和照料护理标准）；低保家庭成员死亡，家庭仍有"
            "在世成员的自动发起复核，review_due_on 为死亡之日起3个月的核查期限（doudi-baozhang-tongzhi-2022 一(三)），"
            "无在世成员的停保；服刑：特困人员暂停供养，低保家庭不再计入该成员、重新核算金额（不符合或信息不全的发起复核）；"
            "刑满释放：发起复核；特困未成年人年满18周岁（日期为其18周岁生日，一般由每日例行任务登记）：不在校的终止供养。"
            "其他部门推送时 source=department 并填写 department（部门名称）；"
            "同一成员同一日期的同一事件重复推送返回 409 conflict。"
            "只有该家庭所在乡镇的经办人员或县级审核人员可以登记。返回 201 及事件（outcome 为处理结果）。"
        ),
        parameters=[HOUSEHOLD_ID],
        request=s.LifeEventInputSerializer,
        responses={201: s.LifeEventSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(s.LifeEventInputSerializer, household=household)
        event = life_event_record(actor=request.user, **data)
        return self.output(s.LifeEventSerializer, life_event_get_for(actor=request.user, pk=event.pk), status=201)


class LifeEventListApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="life_events_list",
        tags=[TAG],
        summary="生命事件列表",
        description=(
            "管辖范围内的生命事件（分页），最新的在前。可按事件类型（kind）筛选；overdue=true 只列核查期限已过、"
            "复核尚未办结的事件（低保家庭成员死亡后3个月内须完成核查）。"
        ),
        parameters=[s.LifeEventFilterSerializer],
        responses={200: s.LifeEventSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(s.LifeEventFilterSerializer)
        events = life_event_list_for(actor=request.user, kind=params.get("kind", ""), overdue_review=params["overdue"])
        return self.paginated(s.LifeEventSerializer, events)


class LifeEventDetailApi(ApiView):
    @extend_schema(
        operation_id="life_event_retrieve",
        tags=[TAG],
        summary="生命事件详情",
        description="一件生命事件及系统的处理结果（outcome）、发起的复核、核查期限和丧葬费。",
        parameters=[EVENT_ID],
        responses={200: s.LifeEventSerializer, **error_responses(403, 404)},
    )
    def get(self, request: Request, event_id: int) -> Response:
        return self.output(s.LifeEventSerializer, life_event_get_for(actor=request.user, pk=event_id))
