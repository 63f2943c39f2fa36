import factory

from pinzhi.orgs import services
from pinzhi.orgs.models import Company, Person, Post, Unit

PASSWORD = "Pinzhi-test-2026"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试物业公司{n}")
    kind = Company.Kind.OPERATOR
    policy_pack = "property"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.DEPARTMENT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.unit_create(**kwargs)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    unit = factory.SubFactory(UnitFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"岗位{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    """A person who can sign in with PASSWORD; `roles` gives roles scoped to their unit."""

    class Meta:
        model = Person
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Sequence(lambda n: f"员工{n}")
    unit = factory.SubFactory(UnitFactory)
    company = factory.SelfAttribute("unit.company")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            services.role_assign(person=self, role=role, scope=[self.unit] if self.unit else [])


def person_in_role(username, role, unit, scope=None):
    """A person of `unit` (and its company) with one role, scoped to `scope` (default: their
    unit; [] for the whole company)."""
    person = PersonFactory(username=username, unit=unit, company=unit.company)
    services.role_assign(person=person, role=role, scope=[unit] if scope is None else scope)
    return person
