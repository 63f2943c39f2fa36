"""Ladder-level labels belong to the app that defines the ladder (issue 7 item 5): another
app's "department head" does not rename complaints'."""

from pinzhi.deadlines import display


def test_each_app_names_the_levels_of_its_own_deadlines():
    display.register_level("department_head", "整改部门负责人", kind_prefix="rectification")
    try:
        assert display.level_label("department_head", kind="rectification.due") == "整改部门负责人"
        complaint = display.level_label("department_head", kind="complaint.first_contact")
        assert complaint != "整改部门负责人"
        assert display.level_label("department_head") == str(
            display.LEVEL_LABELS["department_head"]
        )
    finally:
        display._APP_LEVEL_LABELS.pop("rectification", None)


def test_the_most_specific_prefix_wins_and_unknown_levels_show_their_code():
    display.register_level("handler", "首联责任人", kind_prefix="complaint.first_contact")
    try:
        assert display.level_label("handler", kind="complaint.first_contact") == "首联责任人"
        assert display.level_label("handler", kind="complaint.resolution") != "首联责任人"
        assert display.level_label("nobody", kind="complaint.resolution") == "nobody"
    finally:
        display._APP_LEVEL_LABELS.pop("complaint.first_contact", None)
