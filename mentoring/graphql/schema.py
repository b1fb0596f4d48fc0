"""Mentoring's part of the root schema, assembled by concept: offers, slots, bookings, requests, mentorships,
calendars. The accelerator is assembled in backend/schema.py, beside the other domains."""

import graphene

from . import bookings, calendars, compiled, mentorships, offers, requests, slots
from .bookings import BookingQueryFields, BookingSubscriptionFields
from .mentorships import MentorshipQueryFields
from .offers import OfferQueryFields
from .requests import MentoringRequestQueryFields, MentoringRequestSubscriptionFields
from .slots import SlotQueryFields, SlotSubscriptionFields

# `compiled` declares mentoring's types and the slots list to the compiled reads (backend/core/compiled.py).
__all__ = ["MentoringMutationFields", "MentoringQueryFields", "MentoringSubscriptionFields", "compiled"]


class MentoringQueryFields(
    BookingQueryFields, SlotQueryFields, OfferQueryFields, MentorshipQueryFields, MentoringRequestQueryFields,
    graphene.ObjectType,
):  # fmt: skip
    """Requests and mentorships, then offers, slots and bookings (the last base's fields come first)."""


class MentoringMutationFields(graphene.ObjectType):
    submit_mentoring_request = requests.SubmitMentoringRequest.Field()
    send_mentoring_request = requests.SendMentoringRequest.Field()
    accept_mentoring_request = requests.AcceptMentoringRequest.Field()
    decline_mentoring_request = requests.DeclineMentoringRequest.Field()
    ask_mentoring_request_info = requests.AskMentoringRequestInfo.Field()
    provide_mentoring_request_info = requests.ProvideMentoringRequestInfo.Field()
    withdraw_mentoring_request = requests.WithdrawMentoringRequest.Field()
    log_coordination_session = mentorships.LogCoordinationSession.Field()
    end_mentorship = mentorships.EndMentorship.Field()
    give_mentorship_feedback = mentorships.GiveMentorshipFeedback.Field()
    post_mentorship_message = mentorships.PostMentorshipMessage.Field()
    set_session_agenda = slots.SetSessionAgenda.Field()
    submit_peer_case = slots.SubmitPeerCase.Field()
    add_session_material = slots.AddSessionMaterial.Field()
    publish_offer = offers.PublishOffer.Field()
    update_offer = offers.UpdateOffer.Field()
    update_slot_series = slots.UpdateSlotSeries.Field()
    rotate_calendar_feed = calendars.RotateCalendarFeed.Field()
    create_slot = slots.CreateSlot.Field()
    cancel_slot = slots.CancelSlot.Field()
    create_slot_series = slots.CreateSlotSeries.Field()
    assign_slot_staff = slots.AssignSlotStaff.Field()
    swap_rota_turn = slots.SwapRotaTurn.Field()
    book_slot = bookings.BookSlot.Field()
    join_waitlist = bookings.JoinWaitlist.Field()
    cancel_booking = bookings.CancelBooking.Field()
    reschedule_booking = bookings.RescheduleBooking.Field()
    mark_attendance = bookings.MarkAttendance.Field()
    accept_rota_turn = bookings.AcceptRotaTurn.Field()
    decline_rota_turn = bookings.DeclineRotaTurn.Field()
    take_rota_turn = bookings.TakeRotaTurn.Field()


class MentoringSubscriptionFields(
    SlotSubscriptionFields,
    BookingSubscriptionFields,
    MentoringRequestSubscriptionFields,
    mentorships.MentorshipSubscriptionFields,
    graphene.ObjectType,
):
    pass
