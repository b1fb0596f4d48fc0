"""The MSP network directory: territories, professions, practitioners, MSPs, hubs."""

import unicodedata
from datetime import date

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q

from backend.core.db import QuickLoad

from .validators import validate_finess, validate_insee_commune, validate_rpps, validate_siret

OVERSEAS_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}


def normalize_search(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: « Saint-Martin-sur-le-Pré » -> « saint martin sur le pre »."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for sep in "-'’":
        text = text.replace(sep, " ")
    return " ".join(text.split())


# --- Territories -----------------------------------------------------------------------------


class Region(QuickLoad, models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["code"]

    def __str__(self):
        return self.name


class Department(QuickLoad, models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name="région"
    )

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def time_zone(self) -> str:
        return OVERSEAS_TIME_ZONES.get(self.code, settings.TIME_ZONE)


class Zoning(models.TextChoices):
    """Medical-desert zoning set by each ARS."""

    NONE = "", "Hors zonage"
    ZIP = "ZIP", "Zone d'intervention prioritaire"
    ZAC = "ZAC", "Zone d'action complémentaire"


class Commune(QuickLoad, models.Model):
    code = models.CharField("code INSEE", max_length=5, primary_key=True, validators=[validate_insee_commune])
    name = models.CharField("nom", max_length=150)
    search_name = models.CharField(
        max_length=150, db_index=True, editable=False, verbose_name="nom de recherche"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    postal_codes = ArrayField(
        models.CharField(max_length=5), default=list, blank=True, verbose_name="codes postaux"
    )
    latitude = models.FloatField(
        validators=[MinValueValidator(-90), MaxValueValidator(90)], verbose_name="latitude"
    )
    longitude = models.FloatField(
        validators=[MinValueValidator(-180), MaxValueValidator(180)], verbose_name="longitude"
    )
    population = models.PositiveIntegerField(default=0, verbose_name="population")
    zoning = models.CharField("zonage ARS", max_length=3, choices=Zoning.choices, blank=True, default="")

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "code"]
        # The communes of a box of coordinates: which ones a hub reaches (observatory coverage).
        indexes = [models.Index(fields=["latitude", "longitude"], name="commune_coordinates")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.search_name = normalize_search(self.name)
        super().save(*args, **kwargs)

    @property
    def time_zone(self) -> str:
        return OVERSEAS_TIME_ZONES.get(self.department_id, settings.TIME_ZONE)


class FormerCommune(models.Model):
    """A commune merged into a current one (commune déléguée, associée or suppressed): searching for its code
    or its name finds the commune it is part of now. A commune déléguée may keep its commune's code."""

    code = models.CharField("ancien code INSEE", max_length=5, db_index=True)
    name = models.CharField("nom", max_length=150)
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="former_communes", verbose_name="commune actuelle"
    )

    class Meta:
        verbose_name = "ancienne commune"
        verbose_name_plural = "anciennes communes"
        constraints = [models.UniqueConstraint(fields=["code", "name"], name="former_commune_once")]

    def __str__(self):
        return f"{self.name} ({self.code}), aujourd'hui {self.commune_id}"


# --- Professions and practitioners ------------------------------------------------------------


class ProfessionCategory(models.TextChoices):
    MEDICAL = "MEDICAL", "Profession médicale"
    PHARMACIST = "PHARMACIST", "Pharmacien"
    AUXILIARY = "AUXILIARY", "Auxiliaire médical"
    SUPPORT = "SUPPORT", "Fonction support (non clinicien)"
    PARTNER = "PARTNER", "Partenaire (psychologue, social, médico-social)"


# Health professions (those that may be associates of a Sisa and count in the minimum composition).
HEALTH_CATEGORIES = [ProfessionCategory.MEDICAL, ProfessionCategory.PHARMACIST, ProfessionCategory.AUXILIARY]


class RppsPolicy(models.TextChoices):
    """Whether people of a profession have an RPPS number."""

    REQUIRED = "REQUIRED", "RPPS obligatoire"
    OPTIONAL = "OPTIONAL", "RPPS s'il en a un"
    NONE = "NONE", "Pas de RPPS"


class Profession(QuickLoad, models.Model):
    """ANS nomenclature TRE_G15-ProfessionSante."""

    DOCTOR = "10"
    NURSE = "60"

    code = models.CharField(
        "code",
        max_length=8,
        primary_key=True,
        help_text="TRE_G15 ; « X-… » pour les métiers hors nomenclature.",
    )
    label = models.CharField("libellé", max_length=100)
    category = models.CharField("catégorie", max_length=12, choices=ProfessionCategory.choices)
    rpps_policy = models.CharField(
        "RPPS", max_length=8, choices=RppsPolicy.choices, default=RppsPolicy.REQUIRED
    )

    class Meta:
        verbose_name = "profession"
        verbose_name_plural = "professions"
        ordering = ["code"]

    def __str__(self):
        return self.label


class PracticeMode(models.TextChoices):
    ISOLATED = "ISOLATED", "Exercice isolé"
    MSP_MEMBER = "MSP_MEMBER", "Membre d'une MSP"
    PROJECT_HOLDER = "PROJECT_HOLDER", "Porteur de projet"
    HEALTH_CENTRE = "HEALTH_CENTRE", "Centre de santé"


class IdentityProof(models.TextChoices):
    CNAM = "CNAM", "Vérifiée par la Cnam"
    PRO_SANTE_CONNECT = "PRO_SANTE_CONNECT", "Pro Santé Connect (e-CPS ou carte CPS)"


class Practitioner(QuickLoad, models.Model):
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    profession = models.ForeignKey(
        Profession, on_delete=models.PROTECT, related_name="practitioners", verbose_name="profession"
    )
    specialty = models.CharField("spécialité", max_length=100, blank=True)
    # Unique among proved identities only: a sign-up's RPPS is a claim, and the holder may sign up after a stranger
    # claimed it; the proof (services/identity.py) keeps one and drops the others.
    rpps = models.CharField(
        "RPPS", max_length=11, db_index=True, null=True, blank=True, validators=[validate_rpps],
        help_text="Obligatoire pour les professions de santé ; vide pour les coordinateurs non cliniciens, "
        "assistants médicaux, personnels administratifs et partenaires qui n'en ont pas.",
    )  # fmt: skip
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="practitioners", verbose_name="commune d'exercice"
    )
    practice_mode = models.CharField("mode d'exercice", max_length=16, choices=PracticeMode.choices)
    email = models.EmailField("e-mail de contact", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
        verbose_name="compte",
    )
    # An RPPS typed at sign-up is a claim; it is proved by Pro Santé Connect or checked by the Cnam (who and
    # when recorded). Until then (services/identity.py): no invitation addressed to that RPPS can be accepted,
    # no coordinator role in an MSP others have joined, no member's contact details.
    rpps_verified_at = models.DateTimeField("identité vérifiée le", null=True, blank=True)
    rpps_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="vérifiée par",
    )
    rpps_verified_via = models.CharField(
        "vérifiée par le moyen", max_length=20, choices=IdentityProof.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créé le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifié le")

    class Meta:
        verbose_name = "professionnel de santé"
        verbose_name_plural = "professionnels de santé"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # What the member lists and the composition read of each member (a name, a profession), read from the
            # index alone: a page of 100 hubs reads 800 members, each on a page of the table of its own
            # (bench/http_load.py, Q1's statement about 8 % shorter).
            models.Index(
                fields=["id"], include=["first_name", "last_name", "profession"], name="practitioner_named"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rpps"],
                condition=Q(rpps_verified_at__isnull=False),
                name="practitioner_proved_rpps_unique",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def rpps_verified(self) -> bool:
        return self.rpps_verified_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def mailing_address(self) -> str:
        """Where the platform writes to them: their directory address, else their account's; "" for neither."""
        return self.email or (self.user.email if self.user_id else "")

    @property
    def is_advanced_practice_nurse(self) -> bool:
        """An IPA (infirmier en pratique avancée): a nurse with one of the IPA mentions as specialty."""
        # professions imports these models: an import-time cycle
        from .professions import IPA_MENTIONS

        return self.profession_id == Profession.NURSE and self.specialty in IPA_MENTIONS

    def clean(self):
        """The identifier that fits the profession: an RPPS for health professions, none for the others."""
        # professions imports these models: an import-time cycle
        from .professions import IPA_MENTIONS

        super().clean()
        self.rpps = (self.rpps or "").strip() or None
        profession = Profession.objects.filter(pk=self.profession_id).first()
        if profession is None:
            return
        if profession.rpps_policy == RppsPolicy.REQUIRED and not self.rpps:
            raise ValidationError(
                {
                    "rpps": ValidationError(
                        f"Le numéro RPPS est obligatoire pour : {profession.label}.", code="REQUIRED"
                    )
                }
            )
        if profession.rpps_policy == RppsPolicy.NONE and self.rpps:
            raise ValidationError(
                {"rpps": ValidationError(f"Pas de numéro RPPS pour : {profession.label}.", code="INVALID")}
            )
        if self.specialty in IPA_MENTIONS and self.profession_id != Profession.NURSE:
            raise ValidationError(
                {
                    "specialty": ValidationError(
                        "La pratique avancée (IPA) est une mention des infirmiers.", code="INVALID"
                    )
                }
            )


# --- MSPs ----------------------------------------------------------------------------------


class MspStatus(models.TextChoices):
    PROJECT = "PROJECT", "En projet"
    OPERATING = "OPERATING", "En fonctionnement"
    CLOSED = "CLOSED", "Fermée"


class Msp(QuickLoad, models.Model):
    """A maison de santé pluriprofessionnelle."""

    name = models.CharField("nom", max_length=200)
    finess = models.CharField(
        "FINESS", max_length=9, unique=True, null=True, blank=True, validators=[validate_finess]
    )
    status = models.CharField("statut", max_length=10, choices=MspStatus.choices, default=MspStatus.PROJECT)
    opening_date = models.DateField("date d'ouverture", null=True, blank=True)
    siret = models.CharField("SIRET de la Sisa", max_length=14, blank=True, validators=[validate_siret])
    themes = ArrayField(
        models.CharField(max_length=100), default=list, blank=True, verbose_name="thèmes du projet de santé"
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="créée le")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")
    # A declared MSP is unverified until the Cnam confirms it: until then its coordinators see no one's
    # contact details (network.permissions.Viewer.can_see_contact).
    verified_at = models.DateTimeField("confirmée le", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="confirmée par",
    )

    class Meta:
        verbose_name = "MSP"
        verbose_name_plural = "MSP"
        ordering = ["name", "id"]
        permissions = [("verify_msp", "Peut confirmer une MSP déclarée")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MspStatus.OPERATING) | Q(finess__isnull=False),
                name="msp_operating_has_finess",
                violation_error_message="Une MSP en fonctionnement doit avoir un numéro FINESS.",
            )
        ]

    def __str__(self):
        return self.name


class MspSite(QuickLoad, models.Model):
    msp = models.ForeignKey(Msp, on_delete=models.CASCADE, related_name="sites", verbose_name="MSP")
    name = models.CharField("nom du site", max_length=200, blank=True)
    address = models.CharField("adresse", max_length=300)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="msp_sites", verbose_name="commune"
    )
    latitude = models.FloatField(
        validators=[MinValueValidator(-90), MaxValueValidator(90)], verbose_name="latitude"
    )
    longitude = models.FloatField(
        validators=[MinValueValidator(-180), MaxValueValidator(180)], verbose_name="longitude"
    )
    is_main = models.BooleanField("site principal", default=False)

    class Meta:
        verbose_name = "site"
        verbose_name_plural = "sites"
        ordering = ["-is_main", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["msp"],
                condition=Q(is_main=True),
                name="msp_single_main_site",
                violation_error_message="Une MSP n'a qu'un seul site principal.",
            )
        ]
        indexes = [models.Index(fields=["latitude", "longitude"], name="msp_site_coords")]

    def __str__(self):
        return f"{self.msp} — {self.name or self.commune}"


class MembershipRole(models.TextChoices):
    ASSOCIATE = "ASSOCIATE", "Associé"
    EMPLOYEE = "EMPLOYEE", "Salarié"
    COORDINATOR = "COORDINATOR", "Coordinateur"
    PARTNER = "PARTNER", "Partenaire (par convention)"


class DateRange(Func):
    function = "DATERANGE"
    output_field = models.DateField()  # only used inside the exclusion constraint


class MembershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or date.today()
        return self.filter(Q(start_date__lte=on), Q(end_date__isnull=True) | Q(end_date__gt=on))


class Membership(QuickLoad, models.Model):
    """A practitioner's place in an MSP. `end_date` is the first day they are no longer a member."""

    # Indexed by `membership_by_msp` below, which leads with it.
    msp = models.ForeignKey(
        Msp, on_delete=models.CASCADE, related_name="memberships", verbose_name="MSP", db_index=False
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="memberships", verbose_name="professionnel"
    )
    role = models.CharField("rôle", max_length=12, choices=MembershipRole.choices)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    end_reason = models.CharField("motif de fin", max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "adhésion"
        verbose_name_plural = "adhésions"
        ordering = ["start_date", "id"]
        indexes = [
            # An MSP's memberships in their order, with what the composition and the member lists read: read
            # from the index alone (an MSP's memberships lie on as many pages of the table as it has members;
            # a list of 100 hubs read 2,400 pages for them: bench/http_load.py, Q1's statement 10.3 -> 8.3 ms).
            models.Index(
                fields=["msp", "start_date", "id"],
                include=["role", "end_date", "practitioner"],
                name="membership_by_msp",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="membership_end_after_start",
                violation_error_message="La date de fin doit suivre la date de début.",
            ),
            # The same person cannot hold the same role twice at once in one MSP.
            ExclusionConstraint(
                name="membership_no_overlap",
                expressions=[
                    ("msp", RangeOperators.EQUAL),
                    ("practitioner", RangeOperators.EQUAL),
                    ("role", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date", models.Value("[)")), RangeOperators.OVERLAPS),
                ],
                violation_error_message="Ce professionnel occupe déjà ce rôle dans cette MSP sur cette période.",
            ),
        ]

    def __str__(self):
        return f"{self.practitioner} — {self.get_role_display()} — {self.msp}"

    def is_current(self, on: date | None = None) -> bool:
        on = on or date.today()
        return self.start_date <= on and (self.end_date is None or self.end_date > on)

    def clean(self):
        """Only health professionals are associates of the Sisa (and count in the minimum composition);
        coordinators, medical assistants, administrative staff and partners join in another role."""
        super().clean()
        if self.role != MembershipRole.ASSOCIATE or not self.practitioner_id:
            return
        category = (
            Practitioner.objects.filter(pk=self.practitioner_id)
            .values_list("profession__category", flat=True)
            .first()
        )
        if category is not None and category not in HEALTH_CATEGORIES:
            raise ValidationError(
                {
                    "role": ValidationError(
                        "Seuls les professionnels de santé sont associés de la MSP : choisissez salarié, "
                        "coordinateur ou partenaire.",
                        code="INVALID",
                    )
                }
            )


class InvitationStatus(models.TextChoices):
    PENDING = "PENDING", "En attente de réponse"
    ACCEPTED = "ACCEPTED", "Acceptée"
    DECLINED = "DECLINED", "Refusée"
    CANCELLED = "CANCELLED", "Annulée"


class MspInvitation(QuickLoad, models.Model):
    """An MSP's invitation to a practitioner: they become a member only when they accept it.

    Invited by their directory record (`practitioner`) or by an RPPS number (`rpps`): in the latter
    case nothing tells the coordinator whether that number is registered; the invitation waits
    for whoever holds it, registered now or later.
    """

    msp = models.ForeignKey(Msp, on_delete=models.CASCADE, related_name="invitations", verbose_name="MSP")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="msp_invitations",
        verbose_name="professionnel invité",
    )
    rpps = models.CharField("RPPS invité", max_length=11, blank=True)
    role = models.CharField("rôle", max_length=12, choices=MembershipRole.choices)
    start_date = models.DateField("début proposé", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invité par",
    )
    created_at = models.DateTimeField("invitée le", auto_now_add=True)
    responded_at = models.DateTimeField("réponse le", null=True, blank=True)
    membership = models.OneToOneField(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name="adhésion",
    )

    class Meta:
        verbose_name = "invitation à rejoindre une MSP"
        verbose_name_plural = "invitations à rejoindre une MSP"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(practitioner__isnull=False) | ~Q(rpps=""), name="invitation_has_invitee"
            ),
            models.UniqueConstraint(
                fields=["msp", "practitioner", "role"],
                condition=Q(status="PENDING", practitioner__isnull=False),
                name="invitation_one_pending_per_practitioner",
            ),
            models.UniqueConstraint(
                fields=["msp", "rpps", "role"],
                condition=Q(status="PENDING", practitioner__isnull=True),
                name="invitation_one_pending_per_rpps",
            ),
        ]
        indexes = [models.Index(fields=["rpps"], name="invitation_rpps", condition=~Q(rpps=""))]

    def __str__(self):
        return f"{self.practitioner or self.rpps} → {self.msp} ({self.get_status_display()})"


class PendingRegistration(QuickLoad, models.Model):
    """A practitioner's sign-up waiting for its e-mail address to be confirmed.

    Nothing is created in the directory before the address is proved: so a sign-up never tells
    whether an address or an RPPS number is already registered to someone else.
    """

    email = models.CharField("adresse e-mail", max_length=254, db_index=True)
    password = models.CharField("mot de passe (haché)", max_length=128)
    data = models.JSONField("fiche professionnelle")
    token_hash = models.CharField(max_length=64, unique=True, verbose_name="empreinte du code")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="demandée le")
    expires_at = models.DateTimeField("expire le")

    class Meta:
        verbose_name = "inscription à confirmer"
        verbose_name_plural = "inscriptions à confirmer"

    def __str__(self):
        return f"{self.email} (jusqu'au {self.expires_at:%Y-%m-%d %H:%M})"


class ContactAccess(QuickLoad, models.Model):
    """One read of a practitioner's contact details (e-mail, RPPS) by staff, for the admins to review."""

    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="contact_reads",
        verbose_name="consulté par",
    )
    viewer_email = models.CharField("consulté par", max_length=254)
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.CASCADE,
        related_name="contact_reads",
        verbose_name="professionnel consulté",
    )
    accessed_at = models.DateTimeField("consulté le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "consultation de coordonnées"
        verbose_name_plural = "consultations de coordonnées"
        ordering = ["-accessed_at", "-id"]

    def __str__(self):
        return f"{self.viewer_email} → {self.practitioner} ({self.accessed_at:%Y-%m-%d %H:%M})"


# --- Hubs -----------------------------------------------------------------------------------


class OfferKind(models.TextChoices):
    COORDINATION_TIME = "COORDINATION_TIME", "Temps de coordination mis à disposition"
    ADVANCED_CONSULTATION = "ADVANCED_CONSULTATION", "Consultations avancées"
    PEER_FACILITATION = "PEER_FACILITATION", "Facilitation par les pairs"


class HubStatus(models.TextChoices):
    CANDIDATE = "CANDIDATE", "Candidature"
    APPROVED = "APPROVED", "Désignée"
    SUSPENDED = "SUSPENDED", "Suspendue"


class ArsAgent(QuickLoad, models.Model):
    """An agent of a regional health agency (ARS): a user who sees and acts on one region only.

    Created by an administrator (back office). The Cnam's staff see the nation; an agent, their region.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ars_agent", verbose_name="compte"
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="ars_agents", verbose_name="région de l'ARS"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "agent d'ARS"
        verbose_name_plural = "agents d'ARS"
        ordering = ["region", "user"]

    def __str__(self):
        return f"{self.user} — ARS {self.region}"


class HubDesignation(QuickLoad, models.Model):
    """The "MSP tête de pont" designation held by an operating MSP."""

    msp = models.OneToOneField(Msp, on_delete=models.CASCADE, related_name="hub", verbose_name="MSP")
    status = models.CharField("statut", max_length=10, choices=HubStatus.choices, default=HubStatus.CANDIDATE)
    service_radius_km = models.PositiveSmallIntegerField(
        "rayon d'intervention (km)", validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    monthly_coordination_hours = models.DecimalField(
        "heures de coordination mensuelles", max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    offer_kinds = ArrayField(
        models.CharField(max_length=24, choices=OfferKind.choices), default=list, verbose_name="offres"
    )
    applied_at = models.DateTimeField("candidature le", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="désignée par",
    )
    approved_at = models.DateTimeField("désignée le", null=True, blank=True)
    approval_reason = models.TextField(
        "motif de la désignation", blank=True,
        help_text="Obligatoire quand l'ARS de la région a donné un avis défavorable à la désignation.",
    )  # fmt: skip
    suspended_at = models.DateTimeField("suspendue le", null=True, blank=True)
    suspension_reason = models.CharField("motif de suspension", max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="modifiée le")

    class Meta:
        verbose_name = "MSP tête de pont"
        verbose_name_plural = "MSP tête de pont"
        ordering = ["msp__name", "id"]
        permissions = [
            ("approve_hub", "Peut désigner ou suspendre une MSP tête de pont"),
            ("view_contact_details", "Peut voir les coordonnées et le RPPS des professionnels"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_radius_km__gte=1, service_radius_km__lte=200),
                name="hub_radius_range",
            ),
            models.CheckConstraint(condition=Q(monthly_coordination_hours__gte=0), name="hub_hours_positive"),
        ]

    def __str__(self):
        return f"{self.msp} ({self.get_status_display()})"


class HubDecision(models.TextChoices):
    APPROVAL = "APPROVAL", "Désignation comme tête de pont"
    SUSPENSION = "SUSPENSION", "Suspension de la désignation"


class HubOpinion(QuickLoad, models.Model):
    """The opinion of the ARS of a hub's region on designating it or suspending it, recorded for the Cnam,
    which sees it before deciding. Kept as given: a new opinion is a new row."""

    hub = models.ForeignKey(
        HubDesignation, on_delete=models.CASCADE, related_name="ars_opinions", verbose_name="tête de pont"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="ARS")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="agent"
    )
    decision = models.CharField("décision envisagée", max_length=12, choices=HubDecision.choices)
    favourable = models.BooleanField("avis favorable")
    reason = models.TextField("motif")
    created_at = models.DateTimeField("donné le", auto_now_add=True)

    class Meta:
        verbose_name = "avis d'ARS sur une tête de pont"
        verbose_name_plural = "avis d'ARS sur les têtes de pont"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason__regex=r"^\s*$"), name="hub_opinion_has_reason"
            )  # given with its reason, as the Cnam reads it
        ]

    def __str__(self):
        sense = "favorable" if self.favourable else "défavorable"
        return f"ARS {self.region} : avis {sense} — {self.get_decision_display().lower()}"


class TraineeKind(models.TextChoices):
    """Who an MSP takes in training (plan "4 000 MSP", measure 1)."""

    GP_INTERNS = "GP_INTERNS", "Internes de médecine générale"
    OTHER_INTERNS = "OTHER_INTERNS", "Autres internes"
    SERVICE_SANITAIRE = "SERVICE_SANITAIRE", "Étudiants du service sanitaire"
    EXTERNS = "EXTERNS", "Externes"


class TrainingPlace(QuickLoad, models.Model):
    """An MSP as a place where students and interns discover coordinated practice: whom it takes, how many
    a semester, and the members with an RPPS who supervise them."""

    msp = models.OneToOneField(Msp, on_delete=models.CASCADE, related_name="training", verbose_name="MSP")
    kinds = ArrayField(models.CharField(max_length=20, choices=TraineeKind.choices), verbose_name="accueille")
    places_per_semester = models.PositiveSmallIntegerField(
        "places par semestre", validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    supervisors = models.ManyToManyField(Practitioner, related_name="+", verbose_name="maîtres de stage")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="mis à jour le")

    class Meta:
        verbose_name = "lieu de stage"
        verbose_name_plural = "lieux de stage"
        constraints = [
            models.CheckConstraint(
                condition=Q(places_per_semester__gte=1, places_per_semester__lte=50),
                name="training_places_range",
            ),
            models.CheckConstraint(condition=~Q(kinds=[]), name="training_has_kinds"),
        ]

    def __str__(self):
        return f"{self.msp} — {self.places_per_semester} place(s) par semestre"


class MilestoneKind(models.TextChoices):
    """The steps of an MSP project from the idea to the opening (plan "4 000 MSP", measure 2), in order."""

    HEALTH_PROJECT_WRITTEN = "HEALTH_PROJECT_WRITTEN", "Projet de santé rédigé"
    SISA_CREATED = "SISA_CREATED", "Sisa créée (SIRET)"
    HEALTH_PROJECT_VALIDATED = "HEALTH_PROJECT_VALIDATED", "Projet de santé validé par l'ARS"
    ACI_SIGNED = "ACI_SIGNED", "ACI signé"
    PREMISES_SUPPORT_REQUESTED = (
        "PREMISES_SUPPORT_REQUESTED",
        "Demande d'appui immobilier de l'État déposée",
    )
    PREMISES_SECURED = "PREMISES_SECURED", "Locaux trouvés"
    OPENED = "OPENED", "Ouverture"


class ProjectMilestone(QuickLoad, models.Model):
    """A step an MSP project reached, with its date and who recorded it; one per kind (recording it again
    corrects it)."""

    msp = models.ForeignKey(Msp, on_delete=models.CASCADE, related_name="milestones", verbose_name="MSP")
    kind = models.CharField("étape", max_length=30, choices=MilestoneKind.choices)
    reached_on = models.DateField("atteinte le")
    note = models.CharField("précision", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="notée par",
    )
    recorded_at = models.DateTimeField("notée le", auto_now=True)

    class Meta:
        verbose_name = "étape du projet"
        verbose_name_plural = "étapes du projet"
        ordering = ["reached_on", "id"]
        constraints = [models.UniqueConstraint(fields=["msp", "kind"], name="milestone_once_per_kind")]

    def __str__(self):
        return f"{self.msp} — {self.get_kind_display()} ({self.reached_on})"
