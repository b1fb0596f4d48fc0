"""Weak signals in the API: read by the region's ARS and by Cnam staff, acknowledged and closed with a note,
followed live. The rules are in observatory/services/weak_signals.py, who sees what in
observatory/permissions.py."""

import graphene
from django.db.models import Prefetch
from graphene import relay
from graphene_django import DjangoObjectType
from graphql import GraphQLError

from backend.core.graphql import BaseMutation, Field, enum_from_choices, enum_value, error_type, get_object
from backend.core.pagination import ConnectionField, CountableConnection
from backend.core.permissions import Permission
from backend.realtime.live import Listen
from backend.realtime.subscriptions import EventNotVisible
from network.graphql.types import Hub, Msp
from network.permissions import viewer_for

from .. import events, selectors
from ..errors import ObservatoryErrorCode
from ..models import SignalAction, SignalKind, SignalStatus, SuggestedHub
from ..models import WeakSignal as WeakSignalModel
from ..models import WeakSignalNote as WeakSignalNoteModel
from ..permissions import signal_scope, signals_visible_to
from ..services import weak_signals
from .queries import _territory
from .types import ObservatoryScopeInput

WeakSignalKind = enum_from_choices(
    SignalKind,
    "WeakSignalKind",
    "What a weak signal is about.",
    {
        "COMPOSITION_GRACE": "An operating MSP below the minimum composition whose 3-year grace period ends "
        "within 90 days or has ended.",
        "COMPOSITION_BELOW_MINIMUM": "An operating MSP below the minimum composition with no grace period.",
        "DEPARTURES_ANNOUNCED": "Announced departures that would take an MSP below the minimum within 6 months.",
        "HUB_BELOW_COMPOSITION": "An approved hub whose MSP is below the minimum: to follow during its grace "
        "period, to suspend after.",
        "PROJECT_STALLED": "An MSP in project with no new step (milestone) for 6 months.",
        "MEMBERS_LOST": "An operating MSP that lost its only doctor, or a third of its members, in 6 months.",
        "HUB_OVER_CAPACITY": "A hub that committed or gave more coordination hours than its monthly capacity.",
        "HUB_INACTIVE": "An approved hub with no session, slot held or answer to a request for 3 months.",
        "MENTORING_UNANSWERED": "A mentoring request its hub has not answered after 10 business days.",
        "ACCELERATOR_BREACHED": "A question of an MSP in project past its service level at the accelerator.",
    },
)
WeakSignalStatus = enum_from_choices(
    SignalStatus,
    "WeakSignalStatus",
    "Where a weak signal stands.",
    {
        "OPEN": "Found, nobody has taken it in hand yet.",
        "ACKNOWLEDGED": "Taken in hand by an ARS agent or Cnam staff.",
        "CLOSED": "Closed by hand with a note, or by itself when the situation ended.",
    },
)
WeakSignalAction = enum_from_choices(
    SignalAction,
    "WeakSignalAction",
    "A step of a weak signal's history.",
    {
        "OPENED": "The scan found the situation.",
        "ACKNOWLEDGED": "Taken in hand, with a note.",
        "CLOSED": "Closed by hand, with a note.",
        "CONDITION_ENDED": "Closed by the scan: the situation no longer holds.",
        "REOPENED": "The situation holds again after it had ended.",
    },
)
ObservatoryErrorCodeEnum = enum_from_choices(
    ObservatoryErrorCode,
    "ObservatoryErrorCode",
    "Why an observatory mutation failed.",
    {
        "INVALID": "A value is not acceptable.",
        "REQUIRED": "A required value is missing.",
        "NOT_FOUND": "No such object, or not one the caller may see.",
        "INVALID_SIGNAL_TRANSITION": "The signal is not in a status that allows it.",
    },
)
ObservatoryError = error_type("ObservatoryError", ObservatoryErrorCodeEnum, "observatory")


class WeakSignalNote(graphene.ObjectType):
    """A step of a signal's history."""

    action = graphene.Field(WeakSignalAction, required=True, description="What happened.")
    note = graphene.String(
        required=True, description="The note given with it (in French), or the scan's words."
    )
    author_name = graphene.String(description="Who did it (none for the scan).")
    created_at = graphene.DateTime(required=True, description="When.")

    def resolve_author_name(self, info):
        return (self.author.get_full_name() or self.author.email) if self.author else None


class WeakSignal(DjangoObjectType):
    """A situation that puts an MSP or a hub at risk (plan "4 000 MSP", measure 5): for the ARS of its region
    and Cnam staff only."""

    kind = graphene.Field(WeakSignalKind, required=True, description="What it is about.")
    status = graphene.Field(WeakSignalStatus, required=True, description="Where it stands.")
    msp = graphene.Field(
        Msp, required=True, description="The MSP concerned (the hub's MSP for a hub's signal)."
    )
    hub = graphene.Field(Hub, description="The hub concerned, for a hub's signal.")
    region_code = graphene.String(required=True, description="INSEE code of the MSP's region.")
    department_code = graphene.String(required=True, description="INSEE code of the MSP's department.")
    reason = graphene.String(required=True, description="Why, in French.")
    suggested_action = graphene.String(required=True, description="What to do, in French.")
    suggested_hubs = graphene.List(
        graphene.NonNull(Hub),
        required=True,
        description="The nearest hubs with coordination time left this month, nearest first (at most 3).",
    )
    started_at = graphene.DateTime(required=True, description="When the situation started to hold.")
    detected_at = graphene.DateTime(required=True, description="When the scan found it.")
    closed_at = graphene.DateTime(description="When it was closed.")
    history = graphene.List(
        graphene.NonNull(WeakSignalNote),
        required=True,
        description="Its steps with their notes, oldest first.",
    )

    class Meta:
        model = WeakSignalModel
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = ("kind", "status", "reason", "suggested_action", "started_at", "detected_at", "closed_at")

    @classmethod
    def get_queryset(cls, queryset, info):
        return (
            signals_visible_to(queryset, viewer_for(info.context))
            .select_related("msp", "hub__msp")
            .prefetch_related(
                Prefetch("suggestions", queryset=SuggestedHub.objects.select_related("hub__msp")),
                Prefetch("history", queryset=WeakSignalNoteModel.objects.select_related("author")),
            )
        )

    def resolve_msp(self, info):
        return self.msp

    def resolve_hub(self, info):
        return self.hub

    def resolve_region_code(self, info):
        return self.region_id

    def resolve_department_code(self, info):
        return self.department_id

    def resolve_suggested_hubs(self, info):
        return [suggestion.hub for suggestion in self.suggestions.all()]  # prefetched, nearest first

    def resolve_history(self, info):
        return self.history.all()  # prefetched, oldest first


def _scope(info, scope):
    territory = _territory(scope)
    try:
        return signal_scope(viewer_for(info.context), territory)
    except PermissionError as refused:
        raise GraphQLError(str(refused), extensions={"code": "FORBIDDEN"}) from None


class WeakSignalQueryFields(graphene.ObjectType):
    weak_signals = ConnectionField(
        WeakSignal,
        scope=ObservatoryScopeInput(required=True, description="The territory."),
        kinds=graphene.List(graphene.NonNull(WeakSignalKind), description="Only these kinds."),
        statuses=graphene.List(
            graphene.NonNull(WeakSignalStatus),
            description="Only these statuses (default: open and acknowledged).",
        ),
        description="Weak signals of a territory, the most recent first: an ARS agent reads their region (or one "
        "of its departments), Cnam staff any territory.",
        permissions=[Permission.ARS_AGENT, Permission.FOLLOW_SIGNALS],
    )

    def resolve_weak_signals(root, info, scope, kinds=None, statuses=None, **kwargs):
        territory = _scope(info, scope)
        signals = territory.signals(WeakSignalModel.objects.all())
        if kinds:
            signals = signals.filter(kind__in=[enum_value(k) for k in kinds])
        wanted = (
            [enum_value(s) for s in statuses] if statuses else [SignalStatus.OPEN, SignalStatus.ACKNOWLEDGED]
        )
        return signals.filter(status__in=wanted).order_by("-started_at", "-pk")


class SignalMutation(BaseMutation):
    class Meta:
        abstract = True

    error_code_enum = ObservatoryErrorCode
    error_type_class = ObservatoryError

    signal = graphene.Field(WeakSignal, description="The signal, with its new status and history.")

    class Arguments:
        id = graphene.ID(required=True, description="Global ID of the signal.")
        note = graphene.String(
            required=True, description="What is done about it, in French (kept in its history)."
        )

    action = None

    @classmethod
    def perform(cls, root, info, id, note):
        visible = WeakSignal.get_queryset(WeakSignalModel.objects.all(), info)
        signal = get_object(id, WeakSignalModel, "WeakSignal", "id", visible)
        return cls(signal=cls.action(signal, info.context.user, note), errors=[])


class AcknowledgeWeakSignal(SignalMutation):
    """Take an open signal in hand, with a note: the region's ARS agents and Cnam staff."""

    class Meta:
        permissions = [Permission.ARS_AGENT, Permission.FOLLOW_SIGNALS]

    action = staticmethod(weak_signals.acknowledge)


class CloseWeakSignal(SignalMutation):
    """Close a signal with a note (what was done, or why nothing is needed): the region's ARS agents and Cnam
    staff. The scan does not reopen it for the same episode."""

    class Meta:
        permissions = [Permission.ARS_AGENT, Permission.FOLLOW_SIGNALS]

    action = staticmethod(weak_signals.close)


class WeakSignalMutationFields(graphene.ObjectType):
    acknowledge_weak_signal = AcknowledgeWeakSignal.Field()
    close_weak_signal = CloseWeakSignal.Field()


class WeakSignalEvent(graphene.ObjectType):
    """A signal opened (or reopened), acknowledged or closed."""

    kind = graphene.String(required=True, description="OPENED, ACKNOWLEDGED or CLOSED.")
    signal = graphene.Field(WeakSignal, required=True, description="The signal as it now stands.")


def _keys(info, scope):
    territory = _scope(info, scope)
    key = territory.region_code() if territory.level != selectors.Level.NATION else events.NATION
    return [(events.WEAK_SIGNALS, key)]


def _event(event, info, scope):
    signal = WeakSignal.get_queryset(
        WeakSignalModel.objects.filter(pk=event["payload"]["signal"]), info
    ).first()
    level, code = enum_value(scope["level"]), (scope.get("code") or "").strip().upper()
    if signal is None or (level == selectors.Level.DEPARTMENT and signal.department_id != code):
        raise EventNotVisible()
    return WeakSignalEvent(kind=event["payload"]["kind"], signal=signal)


class WeakSignalSubscriptionFields(graphene.ObjectType):
    weak_signal_events = Field(
        WeakSignalEvent,
        required=True,
        scope=ObservatoryScopeInput(required=True, description="The territory."),
        description="Signals of a territory as they open, are acknowledged and close: an ARS agent follows their "
        "region (or one of its departments), Cnam staff any territory.",
        permissions=[Permission.ARS_AGENT, Permission.FOLLOW_SIGNALS],
        live=Listen(keys=_keys, resolve=_event, topics=(events.WEAK_SIGNALS,)),
    )
