"""Service items and their measurable standards (STD-1).

The catalogue the checklists, goals and commitments refer to: a service item (服务项目) such as
cleaning or security, and its standards (服务标准), each measurable and of one quality dimension
(000 检验管理规定 第十四条)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pinzhi.orgs.models import Company


class Category(models.TextChoices):
    """The kinds of service the seeds describe (STD-1)."""

    CLEANING = "cleaning", _("Cleaning")  # 清洁
    SECURITY = "security", _("Security")  # 安全 / 秩序维护
    GREENING = "greening", _("Greening")  # 绿化
    FACILITIES = "facilities", _("Facilities")  # 设施设备
    CUSTOMER_SERVICE = "customer_service", _("Customer service")  # 客户服务
    IT_INCIDENTS = "it_incidents", _("IT incidents")  # 运维事件
    WINDOW_SERVICE = "window_service", _("Window service")  # 服务窗口
    SHOP = "shop", _("Shop service")  # 店面服务
    CANTEEN = "canteen", _("Canteen service")  # 食堂 / 餐饮


class Dimension(models.TextChoices):
    """The five dimensions a standard measures (000 检验管理规定 第十四条)."""

    ATTITUDE = "attitude", _("Attitude")  # 服务态度
    EFFICIENCY = "efficiency", pgettext_lazy("quality dimension", "Efficiency")  # 服务效率
    SKILL = "skill", _("Skill")  # 服务技能
    ENVIRONMENT = "environment", _("Environment")  # 服务环境
    RESULT = "result", pgettext_lazy("quality dimension", "Result")  # 服务结果


class ServiceItem(models.Model):
    """服务项目: a service the company delivers and measures (STD-1)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="service_items")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=30, choices=Category)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["company", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="service_item_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class Standard(models.Model):
    """服务标准: one measurable requirement of a service item (STD-1), e.g. 「公共场所每天至少
    打扫一次」, of one dimension. Its life (draft → comments → approval → published) and its
    versions are kept by the standards services (STD-2)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="standards")
    item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        related_name="standards",
        verbose_name=_("service item"),
    )
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("requirement"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension)
    # How it is measured, in people's words (「≥ 1 次/天」, 「3 声内接听」).
    measure = models.CharField(_("measure"), max_length=200, blank=True)
    # The pack rule whose value the standard states, when one does (standards.theft_rate …).
    rule_key = models.CharField(_("rule"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["company", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="standard_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
