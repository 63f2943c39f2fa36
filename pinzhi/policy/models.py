"""Policy packs (DESIGN "Policy, not constants"; STD-5): every number of the regulations as a
rule citing its clause, with an append-only history of values and their effective dates."""

from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import company_fk, person_fk, unique_shared_and_per_company
from pinzhi.policy import values
from pinzhi.policy.packs import source_text

# A value loaded with a pack applies "since always", so that a case recorded with an earlier
# start (an import of last year's complaints) still finds the rule that applied to it.
BEGINNING = datetime(2000, 1, 1, tzinfo=UTC)
LOADED_REASON = "loaded from pack"
UPDATED_REASON = "updated from pack"
# A rule without a statement template reads as its name and the value in force.
STATEMENT_GENERATED = _("%(name)s: %(value)s")


class PolicyPack(models.Model):
    """制度规则包: the rules of one industry's regulations, loaded from a YAML pack."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    loaded_at = models.DateTimeField(_("last loaded"))

    class Meta:
        verbose_name = _("policy pack")
        verbose_name_plural = _("policy packs")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if not (get_language() or "").startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class Rule(models.Model):
    """规则: one value of the regulations (a time limit, a frequency, points, an amount), the
    clause it comes from and a plain statement. Its values live in RuleVersion."""

    pack = models.ForeignKey(PolicyPack, on_delete=models.CASCADE, related_name="rules")
    key = models.CharField(_("key"), max_length=100)
    # Requirement IDs separated by spaces ("CMP-4 CMP-5"), so that one indexed text search
    # finds a rule by any of them.
    requirement_ids = models.CharField(_("requirement IDs"), max_length=200)
    value_type = models.CharField(_("value type"), max_length=20, choices=values.VALUE_TYPE_CHOICES)
    unit = models.CharField(_("unit"), max_length=20, choices=values.UNIT_CHOICES, blank=True)
    citation_seed = models.CharField(_("source document"), max_length=100)
    citation_clause = models.CharField(_("clause"), max_length=200)
    # The regulation's own wording (quoted as the source); the rule as it reads today is
    # `template` with the value in force, or its name and that value (issue 8 item 6).
    statement = models.TextField(_("statement"))
    statement_en = models.TextField(_("English statement"), blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    template = models.TextField(
        _("statement with the value"),
        blank=True,
        help_text=_("The statement with {value} where the value in force goes."),
    )
    template_en = models.TextField(_("English statement with the value"), blank=True)
    is_default = models.BooleanField(
        _("company default"),
        default=False,
        help_text=_("The regulation asks for a value but leaves the figure to the company."),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["pack", "position", "key"]
        constraints = [
            models.UniqueConstraint(fields=["pack", "key"], name="policy_rule_key_unique_in_pack")
        ]

    def __str__(self) -> str:
        return f"{self.pack.code}:{self.key}"

    @property
    def timeline_label(self) -> str:
        """How the event log names the rule (X-2): its name (issue 8 item 6: never the
        internal key), else the start of its statement."""
        return self.name or Truncator(self.statement).chars(30)

    @property
    def requirements(self) -> list[str]:
        return self.requirement_ids.split()

    @property
    def display_statement(self) -> str:
        """The regulation's wording, as quoted: it keeps the figure the regulation gives."""
        if not _chinese() and self.statement_en:
            return self.statement_en
        return self.statement

    @property
    def display_name(self) -> str:
        """How people see the rule named (issue 8 item 6): its name, never its key."""
        if not _chinese() and self.name_en:
            return self.name_en
        return self.name or Truncator(self.display_statement).chars(40)

    @property
    def source(self) -> str:
        """The regulation's title and the clause: 《服务投诉管理制度》第4篇 五.3."""
        return source_text(self.citation_seed, self.citation_clause)

    def statement_with(self, value: str) -> str:
        """The rule as it reads with `value` (as displayed) in force (issue 8 item 6): the
        pack's statement template with the value, else the rule's name and the value."""
        template = self.template if _chinese() else self.template_en
        if template:
            return template.replace("{value}", value)
        return str(STATEMENT_GENERATED % {"name": self.display_name, "value": value})


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


class RuleVersion(models.Model):
    """One value of a rule from `effective_from` on. Never edited: a revision is a new row,
    so a case keeps the value that applied when it started.

    A version without a company is the pack's own value (shipped, or revised by an
    operator): the default of every company. A version of a company is that company's own
    value and, from its effective date on, takes precedence over the default for it alone."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    company = company_fk(on_delete=models.CASCADE)
    value = models.JSONField(_("value"))
    effective_from = models.DateTimeField(_("effective from"))
    author = person_fk(_("author"))
    reason = models.TextField(_("reason"))
    # Whether the value came from the shipped pack or from a revision by a person: loading a
    # pack again never replaces a value the quality department revised.
    from_pack = models.BooleanField(_("from the pack"), default=False)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "-effective_from"]
        constraints = unique_shared_and_per_company(
            "rule",
            "effective_from",
            shared_name="policy_version_one_per_instant",
            company_name="policy_company_version_one_per_instant",
            company_fields=["rule", "company", "effective_from"],
        )

    def __str__(self) -> str:
        return f"{self.rule} @ {self.effective_from:%Y-%m-%d %H:%M}"

    @property
    def applies_from_start(self) -> bool:
        return self.effective_from == BEGINNING

    @property
    def display_reason(self) -> str:
        if self.from_pack:
            return str(
                _("loaded from pack") if self.reason == LOADED_REASON else _("updated from pack")
            )
        return self.reason

    @property
    def display_value(self) -> str:
        return values.display(self.rule.value_type, self.rule.unit, self.value)

    @property
    def statement(self) -> str:
        """The rule as it reads with this version's value (issue 8 item 6)."""
        return self.rule.statement_with(self.display_value)


class PolicyStamp(models.Model):
    """One row whose counter moves (F() + 1, in the same transaction) with every write of a
    RuleVersion, so that each process knows when its cached rules are stale. A counter and
    not the newest id: on PostgreSQL ids are handed out before commit, so a version with a
    smaller id can commit after one with a larger id and would go unnoticed."""

    SINGLETON = 1

    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("policy stamp")
        verbose_name_plural = _("policy stamps")

    def __str__(self) -> str:
        return f"policy stamp {self.counter}"


class AmendmentState(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    REVIEWED = "reviewed", _("reviewed")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class RuleAmendment(models.Model):
    """制度修订: a proposed new value of a rule (STD-5). Proposed by the quality department,
    a department manager or a member of the quality committee, reviewed by the quality
    department, approved by leadership; only the approval writes the RuleVersion."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="amendments")
    # The company whose value it amends; None: the pack's default (an operator's amendment).
    company = company_fk(on_delete=models.CASCADE)
    value = models.JSONField(_("proposed value"))
    # None: as soon as leadership approves.
    effective_from = models.DateTimeField(_("effective from"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=AmendmentState,
        default=AmendmentState.PROPOSED,
        db_index=True,
    )
    reviewed_by = person_fk(_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    # Who approved, rejected or withdrew it, when, and why (a rejection needs a reason).
    decided_by = person_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    version = models.OneToOneField(
        RuleVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendment",
        verbose_name=_("version created"),
    )

    class Meta:
        verbose_name = _("rule amendment")
        verbose_name_plural = _("rule amendments")
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rule} → {self.display_value} ({self.state})"

    @property
    def timeline_label(self) -> str:
        """How the event log names the amendment (X-2): the rule and the proposed value; its
        state is what each event itself says."""
        return f"{self.rule.timeline_label} → {self.display_value}"

    @property
    def display_value(self) -> str:
        return values.display(self.rule.value_type, self.rule.unit, self.value)

    @property
    def statement(self) -> str:
        """The rule as it would read with the proposed value (issue 8 item 6)."""
        return self.rule.statement_with(self.display_value)

    @property
    def is_open(self) -> bool:
        return self.state in (AmendmentState.PROPOSED, AmendmentState.REVIEWED)
