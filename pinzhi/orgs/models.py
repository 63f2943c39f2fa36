"""The organisation tree (ORG-1), people and their scoped roles (ORG-2), and external
companies with registration data (ORG-4)."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.fields import optional_fk
from pinzhi.orgs.roles import Role

# GB 32100-2015: the unified social credit code is 18 characters of this alphabet (no I, O,
# S, V, Z), the last one a check character over the first 17.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_LENGTH = _("A unified social credit code has exactly 18 characters.")
CREDIT_CODE_CHARACTERS = _(
    "A unified social credit code uses only digits and the capital letters "
    "A–H, J–N, P–R, T, U, W–Y (GB 32100)."
)
CREDIT_CODE_CHECK = _("The last character of the credit code does not match its check digit.")
CAPITAL_NEGATIVE = _("The registered capital cannot be negative.")
OPERATOR_WITH_OPERATOR = _(
    "An operator company runs Pinzhi itself: it cannot have an operator of its own."
)
OWN_OPERATOR = _("A company cannot be its own operator.")


def credit_code_errors(code: str) -> list:
    """Why `code` is not a valid unified social credit code (GB 32100), or []."""
    if len(code) != 18:
        return [CREDIT_CODE_LENGTH]
    if any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        return [CREDIT_CODE_CHARACTERS]
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(code, CREDIT_CODE_WEIGHTS, strict=False)
    )
    check = (31 - total % 31) % 31
    if CREDIT_CODE_ALPHABET[check] != code[17]:
        return [CREDIT_CODE_CHECK]
    return []


class Company(models.Model):
    """A company: the operator itself, an outsourced supplier or an inspected company."""

    class Kind(models.TextChoices):
        OPERATOR = "operator", _("Operator")  # the company running Pinzhi
        SUPPLIER = "supplier", _("Supplier")  # 外包供方
        INSPECTED = "inspected", _("Inspected company")  # ORG-4, under a supervising body

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OPERATOR)
    credit_code = models.CharField(_("unified social credit code"), max_length=30, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10k yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    licence_number = models.CharField(_("business licence number"), max_length=60, blank=True)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    # The number customers call (服务热线), shown on the public pages (issue 8 item 6).
    service_hotline = models.CharField(_("service hotline"), max_length=40, blank=True)
    policy_pack = models.CharField(_("policy pack"), max_length=30, blank=True)
    # The operator company that works with (or supervises) this external company; its
    # company-wide roles see and manage it (ORG-4).
    operator = optional_fk("self", _("operator"), related_name="partners")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.credit_code:
            if problems := credit_code_errors(self.credit_code):
                errors["credit_code"] = problems
        if self.registered_capital is not None and self.registered_capital < 0:
            errors["registered_capital"] = [CAPITAL_NEGATIVE]
        if self.operator_id is not None:
            if self.pk is not None and self.operator_id == self.pk:
                errors["operator"] = [OWN_OPERATOR]
            elif self.kind == self.Kind.OPERATOR:
                errors["operator"] = [OPERATOR_WITH_OPERATOR]
        if errors:
            raise ValidationError(errors)


class Unit(models.Model):
    """单位: a node of the organisation tree — department, estate, site, project, window."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")  # 部门
        OFFICE = "office", _("Management office")  # 管理处
        ESTATE = "estate", _("Estate")  # 小区
        SITE = "site", _("Site")  # 场所
        PROJECT = "project", _("Project")  # 项目
        WINDOW = "window", _("Service window")  # 服务窗口
        TEAM = "team", _("Team")  # 班组

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    is_quality_department = models.BooleanField(_("quality department"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Materialised path of codes ("/HQ/KF/") so that a subtree is one indexed prefix query.
    path = models.CharField(max_length=1000, editable=False, db_index=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="unit_code_unique_in_company")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Post(models.Model):
    """岗位: a position within a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="posts")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    duties = models.TextField(_("duties"), blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["unit__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="post_code_unique_in_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} / {self.name}"


class PersonManager(UserManager):
    pass


class Person(AbstractUser):
    """员工 / 服务人员 and every other person who signs in (the user model)."""

    full_name = models.CharField(_("full name"), max_length=60)
    employee_no = models.CharField(_("employee number"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, related_name="people", null=True, blank=True
    )

    objects: ClassVar[PersonManager] = PersonManager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The person's role codes, read once per request; from the prefetched
        `role_assignments` when a selector prefetched them (no query per row)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("role_assignments")
        if prefetched is not None:
            return frozenset(assignment.role for assignment in prefetched)
        if not hasattr(self, "_role_codes"):
            self._role_codes = frozenset(self.role_assignments.values_list("role", flat=True))
        return self._role_codes

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes & set(roles))


class RoleAssignment(models.Model):
    """One role held by a person, with the units it covers (its scope)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role)
    scope = models.ManyToManyField(
        Unit, blank=True, related_name="role_assignments", verbose_name=_("scope")
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["person", "role"], name="one_assignment_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}"


class PasswordReset(models.Model):
    """A one-time sign-in code (一次性验证码) with which a person sets their own password
    (issue 6 item 4). An administrator issues it and sees it once; only a keyed hash is
    stored; it expires, works once, and a newer code for the same person replaces it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="password_resets")
    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_from = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["person", "expires_at"], name="password_reset_open")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.issued_at:%Y-%m-%d %H:%M}"


class ContractorScope(models.Model):
    """承包范围: the service an outsourced supplier (外包供方) is contracted for — the
    operator's units it works at (each with the units below it) and the kinds of service
    (complaint categories, e.g. 环境卫生 for a cleaning contractor; none listed: every kind).
    Its people read, masked, the complaints about that service (ORG-2, issue 8 item 6)."""

    contractor = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="contractor_scopes",
        verbose_name=_("contractor"),
    )
    service = models.CharField(_("contracted service"), max_length=120)
    units = models.ManyToManyField(
        Unit, related_name="contractor_scopes", verbose_name=_("units served")
    )
    categories = models.JSONField(_("complaint categories"), default=list, blank=True)

    class Meta:
        verbose_name = _("contractor scope")
        verbose_name_plural = _("contractor scopes")
        ordering = ["contractor", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["contractor", "service"], name="contractor_scope_unique_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contractor} — {self.service}"
