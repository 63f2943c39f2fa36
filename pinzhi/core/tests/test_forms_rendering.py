"""One form renderer (issue 7 item 4): forms declare no Bootstrap classes; the project's
FORM_RENDERER gives every control its class and renders fields with one template."""

from django import forms


class Sample(forms.Form):
    name = forms.CharField(label="名称", help_text="写全称")
    kind = forms.ChoiceField(label="类别", choices=[("a", "A"), ("b", "B")])
    urgent = forms.BooleanField(label="紧急", required=False)
    note = forms.CharField(widget=forms.HiddenInput, required=False)


def test_it_gives_each_control_its_bootstrap_class():
    """Issue 7 item 4: form-control, form-select and form-check-input without a class-adder."""
    html = str(Sample())
    assert 'class="form-control"' in html and 'name="name"' in html
    assert 'class="form-select"' in html
    assert 'class="form-check-input"' in html
    assert 'type="hidden" name="note"' in html and 'class="form-control" id="id_note"' not in html


def test_it_marks_an_invalid_field_and_says_why_beside_it():
    """Issue 7 item 4: is-invalid on the control, the reason in invalid-feedback."""
    form = Sample(data={"kind": "a"})
    assert not form.is_valid()
    html = str(form["name"].as_field_group())
    assert "form-control is-invalid" in html
    assert 'class="invalid-feedback d-block" data-testid="field-error"' in html
    assert 'aria-invalid="true"' in html


def test_it_shows_help_text_tied_to_its_control():
    html = str(Sample()["name"].as_field_group())
    assert '<div class="form-text" id="id_name_helptext">写全称</div>' in html
    assert 'aria-describedby="id_name_helptext"' in html


def test_a_class_chosen_by_the_form_wins():
    class Compact(forms.Form):
        q = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))

    assert 'class="form-control form-control-sm"' in str(Compact()["q"])


def test_it_offers_the_empty_choice_of_every_dropdown_in_chinese(db):
    """Issue 8 item 6: Django 6.1's blank choice ("- Select an option -") of every select
    (model choice fields, model fields with choices) reads 「请选择」 in Chinese."""
    from django import forms as django_forms

    from pinzhi.orgs.models import Unit

    class Choose(django_forms.Form):
        unit = django_forms.ModelChoiceField(queryset=Unit.objects.none())
        kind = django_forms.TypedChoiceField(choices=Unit._meta.get_field("kind").get_choices())

    html = str(Choose())
    assert "Select an option" not in html
    assert html.count("- 请选择 -") == 2
