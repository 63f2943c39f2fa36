"""Writes of the standards app (STD-1 … STD-4).

- The catalogue (STD-1): a pack's service items and standards installed for a company from
  `standards/data/<pack>.yaml`, each standard published as version 1 (it is the
  regulation's own text) with its source clause.
- A standard's life (STD-2): every step of a version is declared in `standards/workflow.py`
  and checked there; each service locks the version, checks its step, writes and records the
  step's event on the standard. A published version is never edited: a change is a new
  version. Publishing opens the review deadline ("standard.review", period from the pack,
  escalating to leadership); a review or a newer version meets it; a withdrawal cancels it.
- Quality goals (STD-3): an adjustment is a new version with its effective date.
- SLAs per customer contract (STD-3, 003 4.3(1)).
- Public service commitments per post (STD-4): written, published, withdrawn.
"""

from pinzhi.standards.services.common import (
    DATA_DIR,
    DEFAULT_PACK,
    ESCALATION_RULE,
    REVIEW_KIND,
    REVIEW_RULE,
    StandardError,
)
from pinzhi.standards.services.lifecycle import (
    OPEN_STATES,
    Installed,
    catalogue_data,
    catalogue_install_pack,
    service_item_create,
    standard_draft,
    standard_revise,
    version_approve,
    version_comment,
    version_edit,
    version_open_comments,
    version_publish,
    version_return,
    version_review,
    version_submit,
    version_withdraw,
)
from pinzhi.standards.services.targets import (
    commitment_edit,
    commitment_publish,
    commitment_withdraw,
    commitment_write,
    goal_set,
    sla_record,
    sla_update,
)

__all__ = [
    "DATA_DIR",
    "DEFAULT_PACK",
    "REVIEW_KIND",
    "REVIEW_RULE",
    "ESCALATION_RULE",
    "StandardError",
    "Installed",
    "catalogue_data",
    "catalogue_install_pack",
    "service_item_create",
    "standard_draft",
    "standard_revise",
    "OPEN_STATES",
    "version_edit",
    "version_open_comments",
    "version_comment",
    "version_submit",
    "version_return",
    "version_approve",
    "version_publish",
    "version_review",
    "version_withdraw",
    "goal_set",
    "sla_record",
    "sla_update",
    "commitment_write",
    "commitment_edit",
    "commitment_publish",
    "commitment_withdraw",
]
