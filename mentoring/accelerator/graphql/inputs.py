"""Inputs of the accelerator's API: the queue's filter, a question."""

import graphene

from .enums import CategoryEnum, LevelEnum, PriorityEnum, SlaStatusEnum, StateEnum


class AcceleratorFilter(graphene.InputObjectType):
    """Filters on the queue; all given ones apply together."""

    states = graphene.List(graphene.NonNull(StateEnum), description="In one of these states.")
    category = CategoryEnum(description="Of this category.")
    priority = PriorityEnum(description="Of this priority.")
    department_code = graphene.String(description="In this department (INSEE code).")
    region_code = graphene.String(description="In this region (INSEE code).")
    assignee_id = graphene.ID(description="Handled by this staff member.")
    unassigned = graphene.Boolean(description="Only those nobody handles.")
    mine = graphene.Boolean(description="Only those the viewer handles (staff).")
    sla_status = SlaStatusEnum(description="With this service-level standing.")
    due_before = graphene.DateTime(description="Resolution due before this time.")
    escalated = graphene.Boolean(description="Only escalated requests (true) or only the others (false).")
    tag_ids = graphene.List(graphene.NonNull(graphene.ID), description="Carrying any of these tags (staff).")
    search = graphene.String(
        description="Words, French full-text search with accents folded and stemming (web-search syntax: "
        '"a phrase", -word, or): subject, question and public replies; internal and ARS notes too for Cnam '
        "staff. `statuts sisa` finds « Statuts de la SISA »."
    )


class QuestionInput(graphene.InputObjectType):
    """A question to the accelerator."""

    subject = graphene.String(required=True, description="Subject, in French.")
    body = graphene.String(required=True, description="The question, in French.")
    category = CategoryEnum(required=True, description="What it is about.")
    commune_code = graphene.String(description="INSEE code of the project's commune.")
    department_code = graphene.String(description="Department (if no commune is given).")
    urgency = LevelEnum(default_value="MEDIUM", description="How urgent it is for the requester.")
    msp_id = graphene.ID(description="Global ID of the MSP (in project) the question is asked for.")
