"""REST endpoints of the household registry.

Thin views: an input serializer checks shape and types, one service call does the write (checks,
audit, one transaction), a selector does every read. Whatever lies outside the caller's jurisdiction
is "not found" (404) — on lists it is simply absent. See ``assistance.apis`` for authentication.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request
from rest_framework.response import Response

from assistance.apis import ApiPagination, ApiView, error_responses
from cases import serializers as s
from cases.selectors import (
    asset_get_for,
    expense_get_for,
    household_get_for,
    household_history,
    household_list_for,
    income_get_for,
    incomes_of,
    member_get_for,
    member_list_for,
    supporter_get_for,
)
from cases.services import (
    MemberInput,
    asset_add,
    asset_delete,
    asset_update,
    expense_add,
    expense_delete,
    expense_update,
    household_change_head,
    household_create,
    household_update,
    income_delete,
    income_record,
    income_update,
    member_add,
    member_remove,
    member_reveal_id_number,
    member_update,
    supporter_add,
    supporter_delete,
    supporter_update,
)

HOUSEHOLD_ID = OpenApiParameter("household_id", int, OpenApiParameter.PATH, description="家庭编号（id）")
MEMBER_ID = OpenApiParameter("member_id", int, OpenApiParameter.PATH, description="成员编号（id）")
RECORD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="记录编号（id）")

READ_ERRORS = error_responses(403, 404)
WRITE_ERRORS = error_responses(400, 403, 404, 409)


def _household_detail(actor, household_id: int, *, include_inactive: bool = False):
    """The household as the caller may see it, with its members attached for the detail serializer."""
    household = household_get_for(actor=actor, pk=household_id)
    household.api_members = list(member_list_for(actor=actor, household=household, include_inactive=include_inactive))
    household.member_count = sum(1 for m in household.api_members if m.is_active)
    return household


# --- households --------------------------------------------------------------------------------------


class HouseholdListCreateApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        tags=["家庭"],
        summary="家庭列表",
        description=(
            "列出管辖范围内的家庭（分页）。可按家庭编号、成员姓名或身份证号搜索（q），按乡镇、村（社区）、状态筛选。"
            "成员身份证号一律脱敏。"
        ),
        parameters=[s.HouseholdFilterSerializer],
        responses={200: s.HouseholdListSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request: Request) -> Response:
        params = self.query(s.HouseholdFilterSerializer)
        households = household_list_for(
            actor=request.user,
            search=params.get("q", ""),
            town=params.get("town"),
            village=params.get("village"),
            status=params.get("status", ""),
        )
        return self.paginated(s.HouseholdListSerializer, households)

    @extend_schema(
        tags=["家庭"],
        summary="登记家庭",
        description=(
            "登记一个家庭及其成员（members 中恰有一名 relation 为 head 的户主）。户籍地须为您管辖范围内的村（社区）。"
            "身份证号已在其他家庭在册时返回 409 duplicate_member。只有乡镇经办人员可以登记。"
        ),
        request=s.HouseholdCreateInputSerializer,
        responses={201: s.HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = self.input(s.HouseholdCreateInputSerializer)
        members = [
            MemberInput(name=m.pop("name"), id_number=m.pop("id_number"), relation=m.pop("relation"), extra=m)
            for m in (dict(entry) for entry in data.pop("members"))
        ]
        household = household_create(actor=request.user, members=members, **data)
        return self.output(s.HouseholdDetailSerializer, _household_detail(request.user, household.pk), status=201)


class HouseholdDetailApi(ApiView):
    @extend_schema(
        tags=["家庭"],
        summary="家庭详情",
        description="家庭信息及其在册成员（身份证号脱敏）。不在管辖范围内时返回 404。",
        parameters=[HOUSEHOLD_ID],
        responses={200: s.HouseholdDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, household_id: int) -> Response:
        return self.output(s.HouseholdDetailSerializer, _household_detail(request.user, household_id))

    @extend_schema(
        tags=["家庭"],
        summary="修改家庭信息",
        description="只提交要修改的字段，另须提交读取时的 version；记录已被他人修改时返回 409 stale_version。",
        parameters=[HOUSEHOLD_ID],
        request=s.HouseholdUpdateInputSerializer,
        responses={200: s.HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(s.HouseholdUpdateInputSerializer)
        version = data.pop("version")
        household_update(actor=request.user, household=household, expected_version=version, **data)
        return self.output(s.HouseholdDetailSerializer, _household_detail(request.user, household_id))


class HouseholdChangeHeadApi(ApiView):
    @extend_schema(
        tags=["家庭"],
        summary="变更户主",
        description="指定本户另一名在册成员为户主，并说明原户主与新户主的关系。",
        parameters=[HOUSEHOLD_ID],
        request=s.ChangeHeadInputSerializer,
        responses={200: s.HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(s.ChangeHeadInputSerializer, household=household)
        household_change_head(
            actor=request.user,
            household=household,
            new_head=data["new_head"],
            former_head_relation=data["former_head_relation"],
        )
        return self.output(s.HouseholdDetailSerializer, _household_detail(request.user, household_id))


class HouseholdHistoryApi(ApiView):
    pagination_class = ApiPagination

    @extend_schema(
        tags=["家庭"],
        summary="家庭留痕记录",
        description="该家庭及其成员、收入、财产、支出、义务人的全部审计事件，最新的在前（最多200条）。",
        parameters=[HOUSEHOLD_ID],
        responses={200: s.AuditEventSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        return self.paginated(s.AuditEventSerializer, household_history(household=household))


# --- members -----------------------------------------------------------------------------------------


class HouseholdMembersApi(ApiView):
    @extend_schema(
        tags=["成员"],
        summary="家庭成员列表",
        description="该家庭的在册成员；include_inactive=true 时包括已迁出的成员。",
        parameters=[HOUSEHOLD_ID, s.MemberFilterSerializer],
        responses={200: s.MemberSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        params = self.query(s.MemberFilterSerializer)
        members = member_list_for(actor=request.user, household=household, include_inactive=params["include_inactive"])
        return self.output(s.MemberSerializer, members, many=True)

    @extend_schema(
        tags=["成员"],
        summary="添加家庭成员",
        description="身份证号已在任何家庭在册时返回 409 duplicate_member；本户已有户主时不能再添加户主。",
        parameters=[HOUSEHOLD_ID],
        request=s.MemberInputSerializer,
        responses={201: s.MemberSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(s.MemberInputSerializer)
        member = member_add(actor=request.user, household=household, **data)
        return self.output(s.MemberSerializer, member, status=201)


class MemberDetailApi(ApiView):
    @extend_schema(
        tags=["成员"],
        summary="成员详情",
        description="身份证号脱敏；出生日期、性别、年龄由身份证号推算，自理能力等级由六项评估推算。",
        parameters=[MEMBER_ID],
        responses={200: s.MemberSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, member_id: int) -> Response:
        return self.output(s.MemberSerializer, member_get_for(actor=request.user, pk=member_id))

    @extend_schema(
        tags=["成员"],
        summary="修改成员信息",
        description=(
            "只提交要修改的字段，另须提交读取时的 version（已被他人修改时返回 409 stale_version）。"
            "户主的变更请使用“变更户主”接口。"
        ),
        parameters=[MEMBER_ID],
        request=s.MemberUpdateInputSerializer,
        responses={200: s.MemberSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, member_id: int) -> Response:
        member = member_get_for(actor=request.user, pk=member_id)
        data = self.input(s.MemberUpdateInputSerializer)
        version = data.pop("version")
        member = member_update(actor=request.user, member=member, expected_version=version, **data)
        return self.output(s.MemberSerializer, member_get_for(actor=request.user, pk=member.pk))


class MemberRemoveApi(ApiView):
    @extend_schema(
        tags=["成员"],
        summary="成员迁出（死亡）",
        description="结束成员在本户的登记（记录保留）。户主须在其他成员都迁出后才能迁出，最后一人迁出时家庭注销。",
        parameters=[MEMBER_ID],
        request=s.MemberRemoveInputSerializer,
        responses={200: s.MemberSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = member_get_for(actor=request.user, pk=member_id)
        data = self.input(s.MemberRemoveInputSerializer)
        member = member_remove(actor=request.user, member=member, left_on=data["left_on"], reason=data["reason"])
        return self.output(s.MemberSerializer, member_get_for(actor=request.user, pk=member.pk))


class MemberRevealIdNumberApi(ApiView):
    @extend_schema(
        tags=["成员"],
        summary="查看完整身份证号",
        description="返回完整身份证号，并记入审计（谁、何时、用途）。村协理员等无此权限的岗位返回 403。",
        parameters=[MEMBER_ID],
        request=s.RevealInputSerializer,
        responses={200: s.RevealedIdNumberSerializer, **error_responses(400, 403, 404)},
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = member_get_for(actor=request.user, pk=member_id)
        data = self.input(s.RevealInputSerializer)
        number = member_reveal_id_number(actor=request.user, member=member, purpose=data.get("purpose", ""))
        response = Response({"member": member.pk, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response


# --- incomes -----------------------------------------------------------------------------------------


class MemberIncomesApi(ApiView):
    @extend_schema(
        tags=["收入"],
        summary="成员收入列表",
        description="该成员各月各类收入，含计入、不计入或扣减家庭收入的认定及政策依据。",
        parameters=[MEMBER_ID],
        responses={200: s.IncomeSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request: Request, member_id: int) -> Response:
        member = member_get_for(actor=request.user, pk=member_id)
        incomes = incomes_of(member.household).filter(member=member)
        return self.output(s.IncomeSerializer, incomes, many=True)

    @extend_schema(
        tags=["收入"],
        summary="登记成员收入",
        description="一名成员一个月一类收入登记一条；金额不能为负数，不能登记未来月份。",
        parameters=[MEMBER_ID],
        request=s.IncomeCreateInputSerializer,
        responses={201: s.IncomeSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, member_id: int) -> Response:
        member = member_get_for(actor=request.user, pk=member_id)
        data = self.input(s.IncomeCreateInputSerializer)
        income = income_record(actor=request.user, member=member, **data)
        return self.output(s.IncomeSerializer, income, status=201)


class IncomeDetailApi(ApiView):
    @extend_schema(
        tags=["收入"],
        summary="收入详情",
        description="一条收入记录，含计入、不计入或扣减家庭收入的认定及政策依据；不在管辖范围内时返回 404。",
        parameters=[RECORD_ID],
        responses={200: s.IncomeSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.output(s.IncomeSerializer, income_get_for(actor=request.user, pk=pk))

    @extend_schema(
        tags=["收入"],
        summary="修改收入",
        description="可修改金额、来源、说明；月份和类别不能修改（请删除后重新登记）。",
        parameters=[RECORD_ID],
        request=s.IncomeUpdateInputSerializer,
        responses={200: s.IncomeSerializer, **WRITE_ERRORS},
    )
    def patch(self, request: Request, pk: int) -> Response:
        income = income_get_for(actor=request.user, pk=pk)
        data = self.input(s.IncomeUpdateInputSerializer)
        return self.output(s.IncomeSerializer, income_update(actor=request.user, income=income, **data))

    @extend_schema(
        tags=["收入"],
        summary="删除收入",
        description="删除记录；删除前的内容保留在留痕记录中。",
        parameters=[RECORD_ID],
        responses={204: OpenApiResponse(description="已删除"), **error_responses(403, 404, 409)},
    )
    def delete(self, request: Request, pk: int) -> Response:
        income_delete(actor=request.user, income=income_get_for(actor=request.user, pk=pk))
        return Response(status=204)


# --- assets, rigid expenses, legal supporters --------------------------------------------------------


class HouseholdRecordsApi(ApiView):
    """List and add one kind of record of a household (assets, expenses, supporters)."""

    related_name: ClassVar[str]
    input_serializer: ClassVar[type[s.StrictInputSerializer]]
    output_serializer: ClassVar[type]
    add: ClassVar[Any]

    def records(self, household):
        # The household came through a scoped selector, so its records are in scope too.
        return getattr(household, self.related_name).all()

    def get(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        return self.output(self.output_serializer, self.records(household), many=True)

    def post(self, request: Request, household_id: int) -> Response:
        household = household_get_for(actor=request.user, pk=household_id)
        data = self.input(self.input_serializer, household=household)
        record = self.add(actor=request.user, household=household, **data)
        return self.output(self.output_serializer, record, status=201)


class RecordDetailApi(ApiView):
    """Read, change or delete one record of a household."""

    record_name: ClassVar[str]  # the keyword the services take: asset, expense, supporter
    update_serializer: ClassVar[type[s.StrictInputSerializer]]
    output_serializer: ClassVar[type]
    get_for: ClassVar[Any]
    update: ClassVar[Any]
    remove: ClassVar[Any]

    def record(self, pk: int):
        return self.get_for(actor=self.request.user, pk=pk)

    def get(self, request: Request, pk: int) -> Response:
        return self.output(self.output_serializer, self.record(pk))

    def patch(self, request: Request, pk: int) -> Response:
        record = self.record(pk)
        data = self.input(self.update_serializer, household=record.household)
        record = self.update(actor=request.user, **{self.record_name: record}, **data)
        return self.output(self.output_serializer, record)

    def delete(self, request: Request, pk: int) -> Response:
        self.remove(actor=request.user, **{self.record_name: self.record(pk)})
        return Response(status=204)


def _records_schema(tag: str, noun: str, input_serializer, output_serializer, note: str = ""):
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"{noun}列表",
            description=f"该家庭登记的全部{noun}。",
            parameters=[HOUSEHOLD_ID],
            responses={200: output_serializer(many=True), **READ_ERRORS},
        ),
        post=extend_schema(
            tags=[tag],
            summary=f"登记{noun}",
            description=note or f"为该家庭登记一条{noun}。",
            parameters=[HOUSEHOLD_ID],
            request=input_serializer,
            responses={201: output_serializer, **WRITE_ERRORS},
        ),
    )


def _record_schema(tag: str, noun: str, update_serializer, output_serializer):
    return extend_schema_view(
        get=extend_schema(
            tags=[tag],
            summary=f"{noun}详情",
            description=f"一条{noun}记录；不在管辖范围内时返回 404。",
            parameters=[RECORD_ID],
            responses={200: output_serializer, **READ_ERRORS},
        ),
        patch=extend_schema(
            tags=[tag],
            summary=f"修改{noun}",
            description="只提交要修改的字段。",
            parameters=[RECORD_ID],
            request=update_serializer,
            responses={200: output_serializer, **WRITE_ERRORS},
        ),
        delete=extend_schema(
            tags=[tag],
            summary=f"删除{noun}",
            description="删除记录；删除前的内容保留在留痕记录中。",
            parameters=[RECORD_ID],
            responses={204: OpenApiResponse(description="已删除"), **error_responses(403, 404, 409)},
        ),
    )


@_records_schema(
    "财产",
    "家庭财产",
    s.AssetInputSerializer,
    s.AssetSerializer,
    "登记存款、证券、车辆、房产等家庭财产（dibao-shenhe-queren-banfa-2021 第十四条）；豁免的财产须说明理由。",
)
class HouseholdAssetsApi(HouseholdRecordsApi):
    related_name = "assets"
    input_serializer = s.AssetInputSerializer
    output_serializer = s.AssetSerializer
    add = staticmethod(asset_add)


@_record_schema("财产", "家庭财产", s.AssetUpdateInputSerializer, s.AssetSerializer)
class AssetDetailApi(RecordDetailApi):
    record_name = "asset"
    update_serializer = s.AssetUpdateInputSerializer
    output_serializer = s.AssetSerializer
    get_for = staticmethod(asset_get_for)
    update = staticmethod(asset_update)
    remove = staticmethod(asset_delete)


@_records_schema(
    "刚性支出",
    "刚性支出",
    s.ExpenseInputSerializer,
    s.ExpenseSerializer,
    "登记医疗、教育、康复、护理等刚性支出及其起止月份。",
)
class HouseholdExpensesApi(HouseholdRecordsApi):
    related_name = "expenses"
    input_serializer = s.ExpenseInputSerializer
    output_serializer = s.ExpenseSerializer
    add = staticmethod(expense_add)


@_record_schema("刚性支出", "刚性支出", s.ExpenseUpdateInputSerializer, s.ExpenseSerializer)
class ExpenseDetailApi(RecordDetailApi):
    record_name = "expense"
    update_serializer = s.ExpenseUpdateInputSerializer
    output_serializer = s.ExpenseSerializer
    get_for = staticmethod(expense_get_for)
    update = staticmethod(expense_update)
    remove = staticmethod(expense_delete)


@_records_schema(
    "法定义务人",
    "法定义务人",
    s.SupporterInputSerializer,
    s.SupporterSerializer,
    "登记户外的法定赡养、扶养、抚养义务人及判断其有无赡养能力的情况；身份证号在输出中脱敏。",
)
class HouseholdSupportersApi(HouseholdRecordsApi):
    related_name = "supporters"
    input_serializer = s.SupporterInputSerializer
    output_serializer = s.SupporterSerializer
    add = staticmethod(supporter_add)


@_record_schema("法定义务人", "法定义务人", s.SupporterUpdateInputSerializer, s.SupporterSerializer)
class SupporterDetailApi(RecordDetailApi):
    record_name = "supporter"
    update_serializer = s.SupporterUpdateInputSerializer
    output_serializer = s.SupporterSerializer
    get_for = staticmethod(supporter_get_for)
    update = staticmethod(supporter_update)
    remove = staticmethod(supporter_delete)
