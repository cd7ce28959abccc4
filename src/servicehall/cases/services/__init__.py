"""Every operation that changes a case (docs/ARCHITECTURE.md: one function per use case, in a transaction,
permission checked at entry, events recorded).

- `open_case`: intake from the workbench, the hotline desk or the API (C1–C4).
- `act`: a workflow transition (workflows.py) — the engine. It refuses an action the case's
  state does not allow with 409 and the actions that are allowed, a stale `version` with 409
  and the current version (two staff editing one case: the second write is refused, nothing is
  lost), a missing required field with 422 naming it.
- Common operations on any open case: `comment`, `transfer` (C8), `escalate` (C7), `promise`
  (C4), `update`.
- `customer_answer`: the customer confirms or disputes the result (C5, from the survey page).
- Closing on the customer's word (C5): `send_closure_code` (a code texted to the customer's
  number on file, for a confirmation in person), the close transition's check of the structured
  confirmation, and quality's `review_closure` of every closure made by staff.
- `sweep`: the periodic SLA sweep (C7): warnings, missed first responses, escalations level by
  level, return visits when the confirmation does not come. Idempotent.
- Chat routing (K2, C8): `say` (a customer's message goes to the assistant, or to the person who
  took the chat over), `open_from_chat` (the hand-over), `reply_in_chat` (that person answers).

The modules, each importing only those above it in this list (an import-linter contract in
pyproject.toml checks it):

- `common.py`: the clock, refusals (`_bad`), the timeline (`record_event`), the checks made
  before a case is touched (permission, handler, version, open), times and choices, and the
  live notices to staff (`staff_channel`, `desk_people`);
- `intake.py`: `open_case` (and `case_opened`, sent once it is committed) and the checks of what it is given (field labels, category, desk,
  the account-action rule, the case numbers);
- `closure.py`: how the customer confirmed a closure (`clean_confirmation`, the close
  transition's check; `record_confirmation`, its record), the texted code
  (`send_closure_code`) and quality's review (`review_closure`);
- `engine.py`: `EFFECTS` and `@effect`, the effects, `act`, `customer_answer`, `case_resolved`,
  `resolve_together` (a case settled with the incident it follows);
- `operations.py`: `comment`, `transfer`, `escalate`, `promise`, `update`, `contact_number`;
- `sweep.py`: the SLA sweep (`sweep`, `SWEEP_BATCH`); `services.sweep` is the function, the
  module is `servicehall.cases.services.sweep` in `sys.modules`;
- `attachments.py`: files on a case (P1): `upload`, `open_for_download` (audited), `delete`;
- `chat.py`: chat routing: `say`, the hand-over, who gets it, the reply in the chat (the web
  and API chat surfaces import it as `servicehall.cases.services.chat`).

Callers use the package: `from servicehall.cases import services; services.open_case(…)`.
"""

from ..selectors import may_handle  # read here by tests since services.py imported it
from . import attachments
from .chat import (
    channel_name,
    chat_case,
    note_chat_message,
    open_from_chat,
    reply_in_chat,
    say,
)
from .closure import (
    customer_disputes_closure,
    number_on_file,
    review_closure,
    send_closure_code,
)
from .common import MAX_TEXT, desk_people, record_event, staff_channel
from .engine import (
    CHECKS,
    EFFECTS,
    Effect,
    act,
    case_resolved,
    customer_answer,
    effect,
    resolve_together,
)
from .intake import ACCOUNT_CATEGORIES, FIELD_LABELS, case_opened, open_case
from .operations import (
    comment,
    contact_number,
    escalate,
    promise,
    reveal_text,
    transfer,
    update,
)
from .sweep import SWEEP_BATCH, sweep

__all__ = [
    "ACCOUNT_CATEGORIES",
    "CHECKS",
    "EFFECTS",
    "FIELD_LABELS",
    "MAX_TEXT",
    "SWEEP_BATCH",
    "Effect",
    "act",
    "attachments",
    "case_resolved",
    "case_opened",
    "resolve_together",
    "channel_name",
    "chat_case",
    "comment",
    "contact_number",
    "customer_answer",
    "customer_disputes_closure",
    "desk_people",
    "effect",
    "escalate",
    "may_handle",
    "note_chat_message",
    "number_on_file",
    "open_case",
    "open_from_chat",
    "promise",
    "reveal_text",
    "record_event",
    "reply_in_chat",
    "review_closure",
    "say",
    "send_closure_code",
    "staff_channel",
    "sweep",
    "transfer",
    "update",
]
