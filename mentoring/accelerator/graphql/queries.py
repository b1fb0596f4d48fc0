"""Read entry points of the accelerator: each declares who may call it and calls a selector."""

import graphene
from graphql import GraphQLError

from backend.core.graphql import Field, bad_input, decode_global_id, enum_value, find_object
from backend.core.pagination import ConnectionField
from backend.core.permissions import Permission
from mentoring.accelerator.permissions import ars_inbox_region, is_accelerator_staff, queue_filters_refused
from network.permissions import viewer_for

from .. import models, selectors, services
from . import types
from .enums import AcceleratorOrder, CategoryEnum
from .inputs import AcceleratorFilter

STAFF = [Permission.ACCELERATOR_STAFF]


class AcceleratorQueryFields(graphene.ObjectType):
    accelerator_requests = ConnectionField(
        types.AcceleratorRequest,
        filter=AcceleratorFilter(description="Filters."),
        order_by=AcceleratorOrder(default_value="SLA_DUE", description="Sort order."),
        description="Accelerator requests the viewer may see (staff: the queue; requesters: their own; hubs: "
        "those routed to them).",
        permissions=[Permission.SIGNED_IN],
    )
    ars_inbox = ConnectionField(
        types.AcceleratorRequest,
        region_code=graphene.String(description="Staff: only this region's ARS (INSEE code)."),
        description="Questions with an ARS now, the longest waiting first: an agent's region's; for Cnam "
        "staff, every region's.",
        permissions=[Permission.ARS_AGENT, Permission.ACCELERATOR_STAFF],
    )
    accelerator_request = Field(
        types.AcceleratorRequest,
        id=graphene.ID(required=True, description="Global ID."),
        description="One request, if the viewer may see it.",
        permissions=[Permission.SIGNED_IN],
    )
    accelerator_stats = Field(
        types.AcceleratorStats,
        required=True,
        since=graphene.Date(required=True, description="First day of the period."),
        until=graphene.Date(required=True, description="Last day of the period."),
        region_code=graphene.String(description="Only this region (INSEE code)."),
        description="Queue statistics.",
        permissions=STAFF,
    )
    canned_answers = Field(
        graphene.List(graphene.NonNull(types.CannedAnswer)),
        required=True,
        category=CategoryEnum(description="Those suiting this category (and general ones)."),
        description="Reusable answers.",
        permissions=STAFF,
    )
    accelerator_staff = Field(
        graphene.List(graphene.NonNull(types.StaffMember)),
        required=True,
        description="Staff members requests can be assigned to.",
        permissions=STAFF,
    )

    accelerator_saved_views = Field(
        graphene.List(graphene.NonNull(types.AcceleratorSavedView)),
        required=True,
        description="The queue filters the viewer saved, by name.",
        permissions=STAFF,
    )
    accelerator_tags = Field(
        graphene.List(graphene.NonNull(types.AcceleratorTag)),
        required=True,
        description="The tags staff put on requests, by name, with their counts.",
        permissions=[Permission.ACCELERATOR_STAFF],
    )

    def resolve_accelerator_saved_views(root, info):
        return list(selectors.saved_views(info.context.user))

    def resolve_accelerator_tags(root, info):
        return list(selectors.tags())

    def resolve_accelerator_requests(root, info, filter=None, order_by="SLA_DUE", **kwargs):
        data = filter or {}
        assignee = decode_global_id(data["assignee_id"], "StaffMember") if data.get("assignee_id") else None

        viewer = viewer_for(info.context)
        refused = queue_filters_refused(viewer, data)
        if refused:
            raise GraphQLError(
                f"Filtres réservés à l'équipe de l'accélérateur : {', '.join(refused)}.",
                extensions={"code": "FORBIDDEN"},
            )
        staff = is_accelerator_staff(viewer)
        if data.get("mine"):
            if assignee is not None and str(assignee) != str(info.context.user.pk):
                raise bad_input("« mine » et « assigneeId » désignent deux agents différents.")
            assignee = info.context.user.pk
        if len(data.get("tag_ids") or []) > 20:
            raise bad_input("20 étiquettes au plus dans le filtre.")
        if data.get("tag_ids"):
            data = {**data, "tag_pks": [int(decode_global_id(t, "AcceleratorTag")) for t in data["tag_ids"]]}
        return selectors.queue(data, enum_value(order_by), assignee, staff=staff)

    def resolve_ars_inbox(root, info, region_code=None, **kwargs):
        try:
            region = ars_inbox_region(viewer_for(info.context), region_code)
        except PermissionError as refused:
            raise GraphQLError(str(refused), extensions={"code": "FORBIDDEN"}) from None
        return selectors.ars_inbox(region)  # scoped by the type as well

    def resolve_accelerator_request(root, info, id):
        visible = types.AcceleratorRequest.get_queryset(models.AcceleratorRequest.objects.all(), info)
        return find_object(id, models.AcceleratorRequest, "AcceleratorRequest", visible)

    def resolve_accelerator_stats(root, info, since, until, region_code=None):
        if until < since:
            raise bad_input("La fin de la période doit suivre son début.")
        figures = selectors.stats(since, until, region_code, breakdowns=True)
        by_agent, by_category = selectors.satisfaction(since, until, region_code)
        return types.AcceleratorStats(
            total=figures.total,
            by_state=[types.StateCount(state=state, count=n) for state, n in figures.by_state],
            by_category=[
                types.CategoryCount(category=category, count=n) for category, n in figures.by_category
            ],
            median_first_response_hours=figures.median_first_response_hours,
            median_resolution_hours=figures.median_resolution_hours,
            breach_rate=figures.breach_rate,
            satisfaction_by_agent=[
                types.SatisfactionCount(key=name, count=n, average_rating=average)
                for name, n, average in by_agent
            ],
            satisfaction_by_category=[
                types.SatisfactionCount(key=category, count=n, average_rating=average)
                for category, n, average in by_category
            ],
            breaches_by_category=[
                types.CategoryCount(category=category, count=n)
                for category, n in figures.breached_by_category
            ],
            by_region=[
                types.RegionCount(region_code=code, region_name=name, count=n)
                for code, name, n in figures.by_region
            ],
            by_month=[
                types.MonthStats(
                    month=month.month,
                    received=month.received,
                    breached=month.breached,
                    median_first_response_hours=month.median_first_response_hours,
                    median_resolution_hours=month.median_resolution_hours,
                )
                for month in figures.by_month
            ],
            suggested_articles=types.SuggestedArticleReads(
                **vars(selectors.suggestion_reads(since, until, region_code))
            ),
        )

    def resolve_canned_answers(root, info, category=None):
        return list(selectors.canned_answers(category))

    def resolve_accelerator_staff(root, info):
        return list(services.staff_users())
