"""The policy packs shipped with Pinzhi, as YAML, and the parser that checks them.

A pack file `<code>.yaml` holds the pack's name and its rules; `include:` names fragments in
`shared/` whose rules several packs use (the complaint time limits, the complaint
deductions). Every rule cites the seed document and clause it comes from.

A rule's `statement` is the regulation's wording, quoted as its source; its `name` is how
people see it named (never its key), and its `template` is the statement with `{value}` where
the value in force goes, so that an amended figure reads right (issue 8 item 6).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pinzhi.lib.errors import DomainError
from pinzhi.policy import values

PACKS_DIR = Path(__file__).resolve().parent
# libyaml's loader when PyYAML was built with it: the same safe subset, ten times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The source regulations (REQUIREMENTS "seeds/"), by file name, with their titles.
KNOWN_SEEDS = {
    "000_14187720112fa1f5.txt": "公司服务质量监督检查管理办法（汇编）",
    "001_2f7c971b23bb6122.txt": "服务质量管理与考核评价制度",
    "002_f29b99bfd1caa562.txt": "物业管理公司服务质量管理制度",
    "003_a357c3b3d8cd946a.txt": "服务质量管理制度（运维服务台；零售/餐饮）",
    "004_a510a77ce72d5ce5.txt": "公司服务人员管理制度范文（物业、投诉、服务窗口）",
}

# The regulations compiled in a seed, by the part its clauses start with ("第4篇 五.3"): a
# clause is cited under the title of the regulation it belongs to, not the compilation's.
SEED_PARTS = {
    "004_a510a77ce72d5ce5.txt": {
        "第1篇": "物业管理公司服务工作制度",
        "第2篇": "物业管理公司服务工作制度",
        "第3篇": "管理处清洁公司服务质量监控制度",
        "第4篇": "服务投诉管理制度",
        "第5篇": "公司服务质量监督管理制度",
    },
}
# A clause that starts with the title of the regulation it belongs to ("物业管理公司服务质量
# 监督检查规定 3.1", "服务质量管理制度2 第4条") names it with one of these endings.
_TITLE_ENDINGS = ("制度", "办法", "规定", "细则", "标准")
_VARIANT_NUMBERS = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五"}


def source_text(seed: str, clause: str) -> str:
    """How a rule's source reads to people (issue 8 item 6): the regulation's title and the
    clause, 《服务投诉管理制度》第4篇 五.3, never the seed's file name."""
    clause = clause.strip()
    head, _space, rest = clause.partition(" ")
    part = SEED_PARTS.get(seed, {}).get(head)
    if part:
        return f"《{part}》{clause}"
    title = head.split("[", 1)[0]  # "服务质量监督检查管理办法[大全5篇]": a web page's note
    variant = ""
    if title[-1:] in _VARIANT_NUMBERS and title[:-1].endswith(_TITLE_ENDINGS):
        title, variant = title[:-1], f"（{_VARIANT_NUMBERS[title[-1]]}）"
    if rest and title.endswith(_TITLE_ENDINGS):
        return f"《{title}{variant}》{rest}"
    return f"《{KNOWN_SEEDS.get(seed, seed)}》{clause}"


RULE_FIELDS = {
    "key",
    "name",
    "name_en",
    "template",
    "template_en",
    "requirements",
    "type",
    "unit",
    "value",
    "citation",
    "statement",
    "statement_en",
    "default",
}
_TEXTS = ("name", "name_en", "template", "template_en")
REQUIRED_FIELDS = ("key", "requirements", "type", "value", "citation", "statement")

MSG_UNKNOWN_PACK = _("There is no policy pack “%(code)s”. Packs: %(known)s.")
MSG_YAML = _("%(source)s is not valid YAML: %(error)s")
MSG_PACK_SHAPE = _("%(source)s: the file must be a mapping with “code”, “name” and “rules”.")
MSG_PACK_FIELD = _("%(source)s: field “%(field)s” is missing or empty.")
MSG_PACK_CODE = _("%(source)s: the code “%(code)s” does not match the file name.")
MSG_UNKNOWN_INCLUDE = _("%(source)s: included fragment “%(name)s” does not exist.")
MSG_RULE = _("%(source)s, rule %(number)s (%(key)s), field “%(field)s”: %(error)s")
MSG_RULE_SHAPE = _("must be a mapping")
MSG_MISSING = _("is missing or empty")
MSG_UNKNOWN_FIELD = _("is not a rule field")
MSG_KEY_FORMAT = _("must be a dotted key of lower-case words, like complaints.first_contact")
MSG_DUPLICATE_KEY = _("is used by another rule of the pack")
MSG_REQUIREMENTS = _("must be a list of requirement IDs like CMP-4")
MSG_CITATION = _("must be a mapping with “seed” (one of the seed files) and a non-empty “clause”")
MSG_DEFAULT = _("must be true or false")
MSG_TEMPLATE = _("must say where the value in force goes, with {value}")


class PackError(DomainError):
    """A pack that cannot be loaded; the message says which file, rule and field."""

    code = "pack_invalid"
    status = 422


@dataclass
class RuleSpec:
    key: str
    requirements: list[str]
    value_type: str
    unit: str
    value: Any  # normalised, as stored in RuleVersion.value
    seed: str
    clause: str
    statement: str
    statement_en: str = ""
    is_default: bool = False
    # The rule's short name, shown wherever the rule is named (issue 8 item 6), and its
    # statement with "{value}" where the value in force goes; the statement above is the
    # regulation's own wording, quoted as the source.
    name: str = ""
    name_en: str = ""
    template: str = ""
    template_en: str = ""


@dataclass
class PackSpec:
    code: str
    name: str
    name_en: str = ""
    description: str = ""
    rules: list[RuleSpec] = field(default_factory=list)


def available(directory: Path = PACKS_DIR) -> list[str]:
    """The codes of the packs in `directory`."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise PackError(MSG_YAML % {"source": path.name, "error": error}) from None


def _is_key(text: str) -> bool:
    parts = text.split(".")
    return len(parts) >= 2 and all(
        part and part[0].isalpha() and all(c.islower() or c.isdigit() or c == "_" for c in part)
        for part in parts
    )


def _is_requirement_id(text: Any) -> bool:
    if not isinstance(text, str) or "-" not in text:
        return False
    family, number = text.split("-", 1)
    return family.isalpha() and family.isupper() and number.isdigit()


def parse_rule(raw: Any, *, source: str, number: int) -> RuleSpec:
    """Check one rule of a pack file; errors name the file, the rule and the field."""

    def fail(field_name: str, error) -> PackError:
        key = raw.get("key", "?") if isinstance(raw, dict) else "?"
        return PackError(
            MSG_RULE
            % {"source": source, "number": number, "key": key, "field": field_name, "error": error}
        )

    if not isinstance(raw, dict):
        raise fail("-", MSG_RULE_SHAPE)
    for name in raw:
        if name not in RULE_FIELDS:
            raise fail(name, MSG_UNKNOWN_FIELD)
    for name in REQUIRED_FIELDS:
        if raw.get(name) in (None, "", [], {}):
            raise fail(name, MSG_MISSING)
    key = str(raw["key"])
    if not _is_key(key):
        raise fail("key", MSG_KEY_FORMAT)
    requirements = raw["requirements"]
    if not isinstance(requirements, list) or not all(map(_is_requirement_id, requirements)):
        raise fail("requirements", MSG_REQUIREMENTS)
    value_type = str(raw["type"])
    unit = str(raw.get("unit") or "")
    try:
        values.check_unit(value_type, unit)
    except ValidationError as error:
        field_name = "type" if value_type not in values.VALUE_TYPES else "unit"
        raise fail(field_name, error.messages[0]) from None
    try:
        value = values.normalise(value_type, unit, raw["value"])
    except ValidationError as error:
        raise fail("value", error.messages[0]) from None
    citation = raw["citation"]
    if (
        not isinstance(citation, dict)
        or citation.get("seed") not in KNOWN_SEEDS
        or not str(citation.get("clause") or "").strip()
    ):
        raise fail("citation", MSG_CITATION)
    is_default = raw.get("default", False)
    if not isinstance(is_default, bool):
        raise fail("default", MSG_DEFAULT)
    texts = {name: str(raw.get(name) or "").strip() for name in _TEXTS}
    for name in ("template", "template_en"):
        if texts[name] and texts[name].count("{value}") != 1:
            raise fail(name, MSG_TEMPLATE)
    return RuleSpec(
        key=key,
        requirements=list(requirements),
        value_type=value_type,
        unit=unit,
        value=value,
        seed=citation["seed"],
        clause=str(citation["clause"]).strip(),
        statement=str(raw["statement"]).strip(),
        statement_en=str(raw.get("statement_en") or "").strip(),
        is_default=is_default,
        **texts,
    )


def _parse_rules(raw_rules: Any, *, source: str, keys: set[str]) -> list[RuleSpec]:
    if not isinstance(raw_rules, list):
        raise PackError(MSG_PACK_SHAPE % {"source": source})
    specs = []
    for number, raw in enumerate(raw_rules, start=1):
        spec = parse_rule(raw, source=source, number=number)
        if spec.key in keys:
            raise PackError(
                MSG_RULE
                % {
                    "source": source,
                    "number": number,
                    "key": spec.key,
                    "field": "key",
                    "error": MSG_DUPLICATE_KEY,
                }
            )
        keys.add(spec.key)
        specs.append(spec)
    return specs


def read_pack(code: str, directory: Path = PACKS_DIR) -> PackSpec:
    """Read and check the pack `code` from `directory`, with its included fragments."""
    path = directory / f"{code}.yaml"
    known = available(directory)
    if code not in known:
        raise PackError(MSG_UNKNOWN_PACK % {"code": code, "known": ", ".join(known) or "—"})
    data = _read(path)
    if not isinstance(data, dict):
        raise PackError(MSG_PACK_SHAPE % {"source": path.name})
    for name in ("code", "name", "rules"):
        if not data.get(name):
            raise PackError(MSG_PACK_FIELD % {"source": path.name, "field": name})
    if data["code"] != code:
        raise PackError(MSG_PACK_CODE % {"source": path.name, "code": data["code"]})
    keys: set[str] = set()
    rules = []
    for name in data.get("include") or []:
        fragment = directory / "shared" / f"{name}.yaml"
        if not fragment.exists():
            raise PackError(MSG_UNKNOWN_INCLUDE % {"source": path.name, "name": name})
        fragment_data = _read(fragment)
        if not isinstance(fragment_data, dict):
            raise PackError(MSG_PACK_SHAPE % {"source": f"shared/{fragment.name}"})
        rules += _parse_rules(
            fragment_data.get("rules"), source=f"shared/{fragment.name}", keys=keys
        )
    rules += _parse_rules(data["rules"], source=path.name, keys=keys)
    return PackSpec(
        code=code,
        name=str(data["name"]),
        name_en=str(data.get("name_en") or ""),
        description=str(data.get("description") or "").strip(),
        rules=rules,
    )
