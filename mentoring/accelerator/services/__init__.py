"""The accelerator's rules, one module per concern; what other code calls is re-exported here
(`from mentoring.accelerator import services; services.reply(...)`).

- `requests.py`: a request's life — submit, triage, assign, reply (public or internal), state transitions;
- `routing.py`: suggested hubs, routing to a hub or the ARS, merging;
- `ars.py`: the ARS's side of a question routed to it (replies, its notes, handing it back);
- `service_levels.py`: priority matrix, business-hours clocks, due times, the periodic watch and its e-mails;
- `staff.py`: the agents, the team's address, canned answers, presence;
- `recording.py`: the audit row, the announcement and the row lock every change goes through;
- `tags.py`: staff's tags (create, rename, merge, set on a request);
- `articles.py`: the knowledge base — articles published from answers, and their reads.
"""

from . import tags
from .ars import hand_back_to_cnam, reply_as_ars
from .articles import record_read, save_article, withdraw_article
from .macros import apply_macro, save_canned_answer
from .recording import MAX_BODY, publish_presence
from .requests import (
    MAX_BULK,
    OPEN_STATES,
    PAUSED_STATES,
    RESOLVED_STATES,
    TRANSITIONS,
    Question,
    assign,
    assign_many,
    close,
    rate,
    reopen,
    reply,
    set_state,
    submit,
    triage,
)
from .routing import CATEGORY_TOPICS, merge, route_to_ars, route_to_hub, suggested_hubs
from .service_levels import (
    MATRIX,
    Clock,
    all_targets,
    check_service_levels,
    clocks,
    effective_impact,
    priority_of,
    refresh_due,
    sla_status,
)
from .staff import delete_view, save_view, set_presence, staff_addresses, staff_users

__all__ = [
    "CATEGORY_TOPICS",
    "MATRIX",
    "MAX_BODY",
    "MAX_BULK",
    "OPEN_STATES",
    "PAUSED_STATES",
    "RESOLVED_STATES",
    "TRANSITIONS",
    "Clock",
    "Question",
    "all_targets",
    "apply_macro",
    "assign",
    "assign_many",
    "check_service_levels",
    "clocks",
    "close",
    "delete_view",
    "effective_impact",
    "hand_back_to_cnam",
    "merge",
    "priority_of",
    "publish_presence",
    "rate",
    "record_read",
    "refresh_due",
    "reopen",
    "reply",
    "reply_as_ars",
    "route_to_ars",
    "route_to_hub",
    "save_article",
    "save_canned_answer",
    "save_view",
    "set_presence",
    "set_state",
    "sla_status",
    "staff_addresses",
    "staff_users",
    "submit",
    "suggested_hubs",
    "tags",
    "triage",
    "withdraw_article",
]
