"""The states of a deadline and the steps between them, declared once (DESIGN mechanism 2;
issue 7 item 1). Deadlines are moved by other services and by the sweep, never by a person on
a page of their own, so no step carries a rule over people. `deadlines/services.py` checks its
steps here; the sweep takes the breach and the escalations with a conditional UPDATE (a claim,
not a checked step) and is declared here for the diagram.
"""

from django.utils.translation import gettext_lazy as _

from pinzhi.deadlines.events import DeadlineEvent
from pinzhi.deadlines.models import Deadline
from pinzhi.lib.workflow import Step, Workflow

State = Deadline.State
RUNNING = {State.OPEN, State.BREACHED, State.PAUSED}

INVALID_TRANSITION = _("This deadline is %(state)s; it cannot be %(action)s.")
EXTEND_ONLY_OPEN = _(
    "A longer limit can only be granted while the deadline is still running; this one is %(state)s."
)

DEADLINE_WORKFLOW = Workflow(
    name="deadline",
    label=_("Time limit"),
    description=_(
        "Every time limit: opened by the record it belongs to, met, paused and resumed, "
        "extended or cancelled by its services, breached and escalated by the sweep."
    ),
    states=dict(State.choices),
    state_of=lambda deadline: deadline.state,
    error="pinzhi.deadlines.services.DeadlineError",
    wrong_state=INVALID_TRANSITION,
    services="pinzhi.deadlines.services",
    record_kw="deadline",
    initial=_("A time limit starts"),
    steps=[
        Step("open", _("Open"), sources=(), target=State.OPEN, event=DeadlineEvent.OPENED),
        Step(
            "breach",
            _("Breached (the sweep)"),
            sources={State.OPEN},
            target=State.BREACHED,
            event=DeadlineEvent.BREACHED,
        ),
        Step(
            "escalate",
            _("Escalated (the sweep)"),
            sources={State.BREACHED},
            event=DeadlineEvent.ESCALATED,
        ),
        Step(
            "meet",
            _("Met"),
            sources=RUNNING,
            target=State.MET,
            event=DeadlineEvent.MET,
            participle=_("met"),
        ),
        Step(
            "pause",
            _("Paused"),
            sources={State.OPEN, State.BREACHED},
            target=State.PAUSED,
            event=DeadlineEvent.PAUSED,
            participle=_("paused"),
        ),
        Step(
            "resume",
            _("Resumed"),
            sources={State.PAUSED},
            # Back to breached when it was paused after its breach.
            target=(State.OPEN, State.BREACHED),
            event=DeadlineEvent.RESUMED,
            participle=_("resumed"),
        ),
        Step(
            "cancel",
            _("Cancelled"),
            sources=RUNNING,
            target=State.CANCELLED,
            event=DeadlineEvent.CANCELLED,
            participle=_("cancelled"),
        ),
        Step(
            "extend",
            _("Extended"),
            sources={State.OPEN},
            event=DeadlineEvent.EXTENDED,
            participle=_("extended"),
            wrong_state=EXTEND_ONLY_OPEN,
        ),
        Step(
            "reassign",
            _("Reassigned"),
            sources=RUNNING,
            event=DeadlineEvent.REASSIGNED,
            participle=_("reassigned"),
        ),
    ],
)
