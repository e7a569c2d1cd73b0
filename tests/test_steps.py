"""One table of workflow steps (``zhili.workflow.steps``) behind the pages and the native API: each
channel offers exactly those steps, reads exactly their fields, and runs the same call."""

import pytest

from zhili.api import steps as api_steps
from zhili.requests.choices import Action
from zhili.web import forms
from zhili.web import steps as web_steps
from zhili.workflow.rules import SYSTEM, TRANSITIONS
from zhili.workflow.steps import STEPS


def test_the_table_has_every_step_a_person_can_take_and_no_system_step():
    people = {a for a, t in TRANSITIONS.items() if t.roles - {SYSTEM}}
    assert set(STEPS) == people
    assert Action.YELLOW_CARD not in STEPS and Action.RED_CARD not in STEPS


@pytest.mark.parametrize("action", list(STEPS))
def test_pages_and_api_run_the_same_call_for_each_step(action):
    assert web_steps.STEPS[action].run == STEPS[action].run
    assert api_steps.STEPS[action].run == STEPS[action].run


@pytest.mark.parametrize("action", list(STEPS))
def test_each_channel_reads_exactly_the_fields_the_step_declares(action):
    declared = set(STEPS[action].fields)
    serializer_fields = set(api_steps.STEPS[action].serializer().fields) - {"version"}
    assert serializer_fields == declared
    form = web_steps.STEPS[action].form
    form_fields = {"parts"} if form is forms.SplitForm else set(form.base_fields)
    assert form_fields == declared


def test_button_texts_are_translatable_and_unchanged():
    assert str(web_steps.STEPS[Action.ACCEPT].submit) == "签收"
    assert str(web_steps.STEPS[Action.RESOLVE_AT_INTAKE].submit) == "直办并办结"
    assert web_steps.STEPS[Action.RETURN].style == "danger"
    assert type(web_steps.STEPS[Action.ACCEPT].submit).__name__ == "__proxy__"  # gettext_lazy
