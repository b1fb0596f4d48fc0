"""The observatory's types: figures only (counts, hours, medians), which anyone may read."""

import graphene

from backend.core.db import heavy_reads
from backend.core.graphql import bad_input
from network.graphql.enums import OfferKindEnum, ProjectStageEnum

from ..selectors import NATIONAL_TARGET, PLAN_2023, Level, coverage, drawings, remembered


class ObservatoryLevel(graphene.Enum):
    """The kind of territory figures are computed for."""

    NATION = Level.NATION
    REGION = Level.REGION
    DEPARTMENT = Level.DEPARTMENT

    @property
    def description(self):
        return {
            Level.NATION: "The whole of France, overseas included.",
            Level.REGION: "A region, by its INSEE code (e.g. 44, Grand Est).",
            Level.DEPARTMENT: "A department, by its INSEE code (e.g. 51, Marne).",
        }[self.value]


class ObservatoryScopeInput(graphene.InputObjectType):
    """A territory: the nation, or a region or department by its INSEE code."""

    level = ObservatoryLevel(required=True, description="Nation, region or department.")
    code = graphene.String(description="INSEE code of the region or department (not for the nation).")


class ProfessionCount(graphene.ObjectType):
    """Members of operating MSPs in one profession."""

    code = graphene.String(required=True, description="Profession code (TRE_G15).")
    label = graphene.String(required=True, description="Profession, in French.")
    count = graphene.Int(required=True, description="Practitioners with a current membership.")


class OfferKindCount(graphene.ObjectType):
    """Active support offers of approved hubs, of one kind."""

    kind = graphene.Field(OfferKindEnum, required=True, description="Kind of support.")
    count = graphene.Int(required=True, description="Active offers.")


class CoordinationMonth(graphene.ObjectType):
    """Coordination time given by the territory's hubs in one month."""

    month = graphene.Date(required=True, description="First day of the month.")
    hours_given = graphene.Float(required=True, description="Hours of coordination sessions logged.")


class AcceleratorFigures(graphene.ObjectType):
    """Accelerator questions from the territory over the last 365 days."""

    total = graphene.Int(required=True, description="Questions received.")
    median_first_response_hours = graphene.Float(description="Median business hours to the first reply.")
    median_resolution_hours = graphene.Float(description="Median business hours to resolution.")
    breach_rate = graphene.Float(description="Share of questions whose service level was breached.")


class CommuneReach(graphene.ObjectType):
    """A commune of a priority zone (ZIP) that no approved hub reaches."""

    code = graphene.String(required=True, description="INSEE code.")
    name = graphene.String(required=True, description="Name.")
    population = graphene.Int(required=True, description="Population.")


class Coverage(graphene.ObjectType):
    """How much of a territory lives within reach of an approved hub (its service radius from a site)."""

    population = graphene.Int(required=True, description="Population of the territory's communes.")
    population_covered = graphene.Int(required=True, description="Of which within reach of an approved hub.")
    share_covered = graphene.Float(description="The share within reach (0–1); none without population.")
    uncovered_priority_communes = graphene.List(
        graphene.NonNull(CommuneReach),
        required=True,
        first=graphene.Int(default_value=20, description="How many (at most 500)."),
        description="Communes of priority zones (ZIP, the ARS's zoning) that no approved hub reaches, most "
        "populous first.",
    )
    uncovered_priority_count = graphene.Int(required=True, description="How many such communes in all.")

    def resolve_uncovered_priority_communes(self, info, first=20):
        if not 0 <= first <= 500:
            raise bad_input("`first` doit être compris entre 0 et 500.")
        return [CommuneReach(code=c, name=n, population=p) for c, n, p in self.rows[:first]]


class Observatory(graphene.ObjectType):
    """Figures of the MSP network for one territory. Counts only: nothing names a person."""

    level = ObservatoryLevel(required=True, description="The kind of territory.")
    code = graphene.String(description="Its INSEE code (none for the nation).")
    name = graphene.String(required=True, description="Its name, in French.")
    msps_operating = graphene.Int(
        required=True, description="MSPs in operation (main site in the territory)."
    )
    msps_in_project = graphene.Int(required=True, description="MSPs in project.")
    msps_closed = graphene.Int(required=True, description="MSPs closed.")
    national_target = graphene.Int(
        required=True, description=f"The plan's national target of MSPs ({NATIONAL_TARGET:,} by 2027)."
    )
    plan_2023_operating = graphene.Int(
        required=True, description="MSPs in operation nationally in 2023, the plan's starting point."
    )
    plan_2023_in_project = graphene.Int(
        required=True, description="MSPs in project nationally in 2023 (about), the plan's starting point."
    )
    share_of_target = graphene.Float(
        required=True, description="MSPs in operation in the territory over the national target (0–1)."
    )
    members_by_profession = graphene.List(
        graphene.NonNull(ProfessionCount),
        required=True,
        description="Practitioners with a current membership of an operating MSP, by profession, most first.",
    )
    hubs_approved = graphene.Int(required=True, description="Approved hubs (têtes de pont).")
    hubs_candidate = graphene.Int(required=True, description="Hubs waiting for the Cnam's decision.")
    offers_by_kind = graphene.List(
        graphene.NonNull(OfferKindCount),
        required=True,
        description="Active offers of approved hubs, by kind.",
    )
    monthly_hours_offered = graphene.Float(
        required=True,
        description="Coordination hours the approved hubs lend each month (their current capacity).",
    )
    hours_given_by_month = graphene.List(
        graphene.NonNull(CoordinationMonth),
        required=True,
        description="Coordination hours given by the territory's hubs, the last 12 months, oldest first.",
    )
    bookings_held = graphene.Int(required=True, description="Confirmed bookings of slots that have started.")
    projects_by_stage = graphene.List(
        graphene.NonNull(lambda: StageCount),
        required=True,
        description="MSPs in project by the furthest step they reached (IDEA before any), in the steps' order.",
    )
    training_msps = graphene.Int(
        required=True, description="Operating MSPs that take students or interns in training (measure 1)."
    )
    training_places_per_semester = graphene.Int(
        required=True, description="Their training places a semester."
    )
    mentoring_requests_submitted = graphene.Int(
        required=True, description="Mentoring requests sent to a hub (requester in the territory)."
    )
    mentoring_requests_accepted = graphene.Int(required=True, description="Of which accepted.")
    mentoring_median_hours_to_answer = graphene.Float(
        description="Median hours from a request's first sending to a hub's first answer (accepted, declined or "
        "details asked); none before any answer."
    )
    accelerator = graphene.Field(
        AcceleratorFigures,
        required=True,
        description="Accelerator questions from the territory, last 365 days.",
    )
    coverage = graphene.Field(
        Coverage,
        required=True,
        description="The population within reach of an approved hub, and the priority-zone communes none reaches "
        "(computed only when asked: a national coverage compares every commune with every hub site).",
    )

    progress_chart = graphene.String(
        required=True,
        description="MSPs in operation month by month as an SVG picture (towards the national target for the "
        "nation), drawn by the server for pages to show; its figures are in `observatoryTrend`.",
    )
    coverage_map = graphene.String(
        required=True,
        description="The territory's MSPs and hubs with their service areas, communes coloured by coverage, as an "
        "SVG picture drawn by the server (computed only when asked, kept a few minutes).",
    )

    def _drawings(self):
        with heavy_reads():
            return remembered("drawings", self.scope, lambda: drawings(self.scope))

    def resolve_progress_chart(self, info):
        return self._drawings()[0]

    def resolve_coverage_map(self, info):
        return self._drawings()[1]

    def resolve_coverage(self, info):
        with heavy_reads():
            found = remembered("coverage", self.scope, lambda: coverage(self.scope))
        result = Coverage(
            population=found.population,
            population_covered=found.covered,
            share_covered=found.share,
            uncovered_priority_count=len(found.uncovered_priority),
        )
        result.rows = found.uncovered_priority
        return result

    @staticmethod
    def of(figures):
        stats = figures.accelerator
        observatory = Observatory(
            level=figures.scope.level,
            code=figures.scope.code,
            name=figures.scope.name,
            msps_operating=figures.msps_operating,
            msps_in_project=figures.msps_project,
            msps_closed=figures.msps_closed,
            national_target=NATIONAL_TARGET,
            plan_2023_operating=PLAN_2023["operating"],
            plan_2023_in_project=PLAN_2023["project"],
            share_of_target=round(figures.msps_operating / NATIONAL_TARGET, 4),
            members_by_profession=[
                ProfessionCount(code=code, label=label, count=n)
                for code, label, n in figures.members_by_profession
            ],
            hubs_approved=figures.hubs_approved,
            hubs_candidate=figures.hubs_candidate,
            offers_by_kind=[OfferKindCount(kind=kind, count=n) for kind, n in figures.offers_by_kind],
            monthly_hours_offered=float(figures.hours_capacity),
            hours_given_by_month=[
                CoordinationMonth(month=month, hours_given=float(hours))
                for month, hours in figures.hours_given_by_month
            ],
            bookings_held=figures.bookings_held,
            training_msps=figures.training_msps,
            projects_by_stage=[StageCount(stage=stage, count=n) for stage, n in figures.projects_by_stage],
            training_places_per_semester=figures.training_places,
            mentoring_requests_submitted=figures.mentoring_submitted,
            mentoring_requests_accepted=figures.mentoring_accepted,
            mentoring_median_hours_to_answer=figures.mentoring_median_answer_hours,
            accelerator=AcceleratorFigures(
                total=stats.total,
                median_first_response_hours=stats.median_first_response_hours,
                median_resolution_hours=stats.median_resolution_hours,
                breach_rate=stats.breach_rate,
            ),
        )
        observatory.scope = figures.scope
        return observatory


class ObservatoryPoint(graphene.ObjectType):
    """A territory's figures at the end of one month (its monthly snapshot)."""

    month = graphene.Date(required=True, description="First day of the month.")
    msps_operating = graphene.Int(required=True, description="MSPs in operation.")
    msps_in_project = graphene.Int(required=True, description="MSPs in project.")
    members = graphene.Int(
        required=True, description="Practitioners with a current membership of an operating MSP."
    )
    hubs_approved = graphene.Int(required=True, description="Approved hubs.")
    hours_offered = graphene.Float(
        required=True, description="Coordination hours the approved hubs lent a month."
    )
    hours_given = graphene.Float(required=True, description="Coordination hours given in the month.")
    bookings_held = graphene.Int(required=True, description="Confirmed bookings of slots started, to date.")
    accelerator_questions = graphene.Int(
        required=True, description="Accelerator questions, the 365 days before."
    )

    @staticmethod
    def of(snapshot):
        figures = snapshot.figures
        return ObservatoryPoint(
            month=snapshot.month,
            msps_operating=figures["msps_operating"],
            msps_in_project=figures["msps_project"],
            members=figures["members"],
            hubs_approved=figures["hubs_approved"],
            hours_offered=figures["hours_offered"],
            hours_given=figures["hours_given"],
            bookings_held=figures["bookings_held"],
            accelerator_questions=figures["accelerator_questions"],
        )


class StageCount(graphene.ObjectType):
    """How many MSP projects reached a stage."""

    stage = graphene.Field(ProjectStageEnum, required=True, description="The furthest step reached.")
    count = graphene.Int(required=True, description="How many projects.")
