"""The accelerator's queue as CSV, with the queue's filters, streamed (rows read in chunks as the file goes):
Cnam staff only (mentoring/views.py). UTF-8 with a BOM, `;` as separator.

    GET /accelerator/requests.csv?states=NEW,TRIAGED&category=SISA_LEGAL&search=statuts%20sisa&tags=3,5
"""

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import ValidationError
from django.utils import timezone

from backend.core.csv_stream import csv_lines
from backend.core.input_rules import search_refusal

from . import selectors

CHUNK = 2000
FILTERS = ("category", "priority", "sla_status", "department_code", "region_code")

HEADER = [
    "demande", "recue_le", "objet", "categorie", "priorite", "etat", "delais", "departement", "assignee",
    "etiquettes", "premiere_reponse_h", "resolution_h", "satisfaction",
]  # fmt: skip


def filters_of(params) -> dict:
    """The queue's filter from a query string (the same names as the GraphQL filter, in snake case)."""
    data = {name: params.get(name) for name in FILTERS if params.get(name)}
    if params.get("states"):
        data["states"] = [s for s in params["states"].split(",") if s]
    if params.get("unassigned") in ("1", "true"):
        data["unassigned"] = True
    if params.get("search"):
        refusal = search_refusal(params["search"])  # the API's rule for every search
        if refusal is not None:
            raise ValidationError(refusal[0])
        data["search"] = params["search"]
    if params.get("tags"):
        data["tag_pks"] = [int(t) for t in params["tags"].split(",") if t.strip().isdigit()]
    return data


def queue_csv(data: dict, order: str = "SLA_DUE") -> Iterator[str]:
    rows = (
        selectors.queue(data, order, staff=True)
        .annotate(tag_names=StringAgg("tags__name", ", ", distinct=True, default=""))
        .values_list(
            "pk",
            "created_at",
            "subject",
            "category",
            "priority",
            "state",
            "sla_status",
            "department_id",
            "assignee__email",
            "tag_names",
            "first_response_seconds",
            "resolution_seconds",
            "satisfaction_rating",
        )
    )

    def formatted():
        for row in rows.iterator(chunk_size=CHUNK):
            pk, created, *middle, first, resolution, rating = row
            yield (
                pk, timezone.localtime(created).strftime("%Y-%m-%d %H:%M"), *middle,
                round(first / 3600, 2) if first is not None else None,
                round(resolution / 3600, 2) if resolution is not None else None, rating,
            )  # fmt: skip

    return csv_lines(HEADER, formatted())
