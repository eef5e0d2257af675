"""The pupil's question and pickup-code forms, and the adviser's answer and hide forms.

The form's time token
---------------------
The question form carries a token signed with the site's secret that says when the form was
shown. A question is taken only with a token at least MIN_SECONDS and at most MAX_AGE old: a
script that posts without loading the form, or faster than anyone writes, is turned away. The
token is the same for every pupil who opens the form in the same second, is not stored, and
is no identity. A proof of work was considered and left out: it needs JavaScript, costs an
old phone more than a spammer's computer, and the limit per school already caps a flood. A
pupil whose token has run out or came too fast gets the form back with the text kept and a
fresh token.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from varde.people.forms import StyledForm
from varde.people.models import School
from varde.people.roles import Role
from varde.questions.codes import code_normal
from varde.questions.models import PupilQuestion
from varde.questions.rules import QuestionRules

TOKEN_SALT = "varde.questions.ask"
MIN_SECONDS = 3
MAX_AGE = 12 * 3600
# The choice for "whichever adviser answers first"; stored as "".
ANY_ADVISER = "any"
MAX_QUESTION = 3_000
MAX_ANSWER = 10_000


def form_token(*, issued: float | None = None) -> str:
    """A signed token saying when the question form was shown."""
    return signing.dumps(int(time.time() if issued is None else issued), salt=TOKEN_SALT)


def form_token_problem(token: str) -> str | None:
    """Why the token is refused, as the pupil reads it; None when it is good."""
    try:
        issued = signing.loads(token or "", salt=TOKEN_SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return str(
            _(
                "Siden har vært åpen lenge, så spørsmålet er ikke sendt ennå. Se over og send "
                "på nytt."
            )
        )
    except signing.BadSignature:
        return str(_("Skjemaet var ikke fra denne siden. Se over og send på nytt."))
    if not isinstance(issued, int) or time.time() - issued < MIN_SECONDS:
        return str(_("Det gikk veldig fort. Vent noen sekunder og send på nytt."))
    return None


class AskForm(StyledForm):
    school = forms.TypedChoiceField(label=_("Skolen din"), coerce=int, empty_value=None)
    to_role = forms.ChoiceField(
        label=_("Hvem vil du spørre?"), widget=forms.RadioSelect, initial=ANY_ADVISER
    )
    topic = forms.ChoiceField(label=_("Hva handler spørsmålet om?"), widget=forms.RadioSelect)
    question = forms.CharField(
        label=_("Spørsmålet ditt"),
        help_text=_(
            "Du er anonym. Ikke skriv navnet ditt eller andres navn hvis du vil at ingen skal "
            "vite hvem du er."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_QUESTION,
        error_messages={"required": _("Skriv spørsmålet ditt.")},
    )
    urgent = forms.BooleanField(
        label=_("Det haster – jeg trenger hjelp nå"),
        help_text=_("Da ser de voksne spørsmålet ditt først. Er noen i fare akkurat nå, ring 112."),
        required=False,
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[School, set[str]]],
        rules: QuestionRules,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [
            ("", _("Velg skole")),
            *((school.pk, school.name) for school, _roles in schools),
        ]
        self.fields["school"].error_messages.update(
            {"required": _("Velg skolen din."), "invalid_choice": _("Velg skolen din fra listen.")}
        )
        self.fields["to_role"].choices = [
            (ANY_ADVISER, _("Den som svarer først")),
            *((role, Role(role).label) for role in rules.roles),
        ]
        self.fields["to_role"].error_messages["invalid_choice"] = _(
            "Velg hvem du vil spørre fra listen."
        )
        self.fields["topic"].choices = list(rules.topics)
        self.fields["topic"].error_messages.update(
            {"required": _("Velg et tema."), "invalid_choice": _("Velg et tema fra listen.")}
        )
        self.schools = {school.pk: school for school, _roles in schools}

    def clean_question(self) -> str:
        text = self.cleaned_data["question"].strip()
        if not text:
            raise forms.ValidationError(_("Skriv spørsmålet ditt."), code="required")
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problem = form_token_problem(data.get("token") or "")
        if problem:
            raise forms.ValidationError(problem, code="token")
        return data

    @property
    def chosen_school(self) -> School:
        return self.schools[self.cleaned_data["school"]]

    @property
    def chosen_role(self) -> str:
        role = self.cleaned_data["to_role"]
        return "" if role == ANY_ADVISER else role


class CodeForm(StyledForm):
    code = forms.CharField(
        label=_("Hentekoden din"),
        help_text=_("16 tegn, for eksempel K7QM-3XPA-9DFT-WH2R. Store eller små bokstaver."),
        max_length=64,
        error_messages={"required": _("Skriv hentekoden din.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if code_normal(code) is None:
            raise forms.ValidationError(
                _(
                    "Hentekoden har 16 tegn: bokstaver og tall, for eksempel "
                    "K7QM-3XPA-9DFT-WH2R. Sjekk at du har skrevet av hele koden."
                ),
                code="invalid",
            )
        return code


class AnswerForm(StyledForm):
    answer = forms.CharField(
        label=_("Svaret ditt"),
        help_text=_(
            "Eleven leser svaret med hentekoden. Skriv slik at det kan leses av en elev, og "
            "fortell gjerne hvor eleven kan få snakke med noen."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_ANSWER,
        error_messages={"required": _("Skriv svaret ditt.")},
    )


class HideForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Hvorfor skal spørsmålet skjules?"),
        help_text=_(
            "Teksten slettes med en gang. Spørsmålet telles som skjult, og ingen andre kan lese "
            "det. Inneholder det en trussel om noe alvorlig, følg avvergingsplikten først."
        ),
        widget=forms.RadioSelect,
        choices=PupilQuestion.HiddenReason.choices,
        error_messages={
            "required": _("Velg hvorfor spørsmålet skal skjules."),
            "invalid_choice": _("Velg en grunn fra listen."),
        },
    )
