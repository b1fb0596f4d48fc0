"""GraphQL types of an MSP's training places and project steps (measures 1 and 2 of the plan)."""

import graphene

from .enums import MilestoneKindEnum, TraineeKindEnum


class TrainingPlace(graphene.ObjectType):
    """An MSP as a place where students and interns discover coordinated practice (measure 1 of the plan)."""

    kinds = graphene.List(graphene.NonNull(TraineeKindEnum), required=True, description="Whom it takes.")
    places_per_semester = graphene.Int(required=True, description="Places a semester.")
    supervisors = graphene.List(
        graphene.NonNull(lambda: TrainingSupervisor),
        required=True,
        description="The members who supervise them (each with an RPPS).",
    )

    def resolve_supervisors(self, info):
        return sorted(self.supervisors.all(), key=lambda p: (p.last_name, p.first_name, p.pk))


class TrainingSupervisor(graphene.ObjectType):
    """A supervisor of students and interns: name and profession only (public)."""

    full_name = graphene.String(required=True, description="Name.")
    profession = graphene.String(required=True, description="Profession, in French.")

    def resolve_full_name(self, info):
        return f"{self.first_name} {self.last_name}"

    def resolve_profession(self, info):
        return self.profession.label


class ProjectMilestone(graphene.ObjectType):
    """A step an MSP project reached."""

    kind = graphene.Field(MilestoneKindEnum, required=True, description="The step.")
    reached_on = graphene.Date(required=True, description="When.")
    note = graphene.String(description="A precision, in French.")
    recorded_by = graphene.String(description="Who recorded it (name).")
    recorded_at = graphene.DateTime(required=True, description="When it was recorded.")

    def resolve_note(self, info):
        return self.note or None

    def resolve_recorded_by(self, info):
        user = self.recorded_by
        return (f"{user.first_name} {user.last_name}".strip() or None) if user else None
