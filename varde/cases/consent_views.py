"""Pages for the consent register, inviting staff into a case, and referrals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from varde.cases.access import case_for_user
from varde.cases.consent import (
    SharingRefused,
    consent_record,
    consent_withdraw,
    invite_candidates,
    participant_invite,
    referral_make,
)
from varde.cases.consent_rules import (
    add_months,
    consent_check,
    consent_services,
    consent_state,
    guardians_asked,
    referral_services,
    role_service,
)
from varde.cases.models import Consent
from varde.cases.rules import CaseRules, case_rules
from varde.cases.services import case_may_steer
from varde.lib.ids import id_or_404
from varde.people.access import guardians_for
from varde.people.forms import NameField, StyledForm
from varde.people.models import Guardian
from varde.people.roles import Role
from varde.web.pages import render_page

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
FSI, PDI = "\u2068", "\u2069"


class ConsentForm(StyledForm):
    service = forms.ChoiceField(label=gettext_lazy("Til hvilken tjeneste?"))
    giver = forms.ChoiceField(
        label=gettext_lazy("Hvem samtykker?"),
        choices=Consent.Giver.choices,
        widget=forms.RadioSelect,
    )
    guardian = forms.ChoiceField(label=gettext_lazy("Hvilken foresatt?"), required=False)
    giver_name = NameField(
        label=gettext_lazy("Navn på den foresatte"),
        help_text=gettext_lazy("Bare når en foresatt som ikke står over samtykker."),
        max_length=200,
        required=False,
    )
    scope = forms.CharField(
        label=gettext_lazy("Hva kan deles?"),
        help_text=gettext_lazy("For eksempel: bekymringen og det eleven har fortalt."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Gjelder fra"),
        help_text=gettext_lazy("Dato, for eksempel 01.12.2026."),
        input_formats=DATE_FORMATS,
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Gjelder til og med"), input_formats=DATE_FORMATS
    )

    def __init__(
        self, *args: Any, rules: CaseRules, guardians: Sequence[Guardian] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = consent_services(rules)
        self.guardians = {str(g.pk): g for g in guardians if g.may_be_called}
        self.fields["guardian"].choices = [
            ("", _("En annen (skriv navnet)")),
            *(
                (key, f"{g.name} ({g.get_relation_display().lower()})")
                for key, g in self.guardians.items()
            ),
        ]
        self.fields["valid_until"].help_text = _("Høyst %(months)s måneder.") % {
            "months": rules.consent_max_months
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["guardian"] = self.guardians.get(str(data.get("guardian") or ""))
        if (
            data.get("giver") == Consent.Giver.GUARDIAN
            and data["guardian"] is None
            and not data.get("giver_name", "").strip()
        ):
            self.add_error(
                "giver_name",
                _("Velg den foresatte, eller skriv navnet.")
                if self.guardians
                else _("Skriv navnet på den foresatte som samtykker."),
            )
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Sluttdatoen kan ikke være før startdatoen."))
        return data


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest, pk: int) -> HttpResponse:
    """The consent register of a case: what is valid, what is missing, record a new one."""
    case = case_for_user(request.user, pk, reason=_lazy("Samtykker"))
    rules = case_rules(municipality_id=case.municipality_id)
    today = timezone.localdate()
    guardians = guardians_for(request.user, case.pupil, reason=_lazy("Samtykker: foresatte"))
    form = ConsentForm(
        request.POST or None,
        rules=rules,
        guardians=guardians,
        initial={
            "valid_from": today.strftime("%d.%m.%Y"),
            "valid_until": (
                add_months(today, rules.consent_max_months) - dt.timedelta(days=1)
            ).strftime("%d.%m.%Y"),
        },
    )
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            consent_record(actor=request.user, case=case, **form.cleaned_data)
        except SharingRefused as exc:
            # The reason goes next to the field it is about (the service for an age limit),
            # and so into the summary above the form too.
            if exc.field in form.fields:
                for reason in exc.reasons:
                    form.add_error(exc.field, reason)
            else:
                refused = exc.reasons
        else:
            messages.success(request, _("Samtykket er registrert."))
            return redirect("cases:consents", pk=case.pk)
    registered = list(case.consents.select_related("recorded_by"))
    names = dict(consent_services(rules))
    for consent in registered:
        consent.state = consent_state(consent, on=today)
        consent.service_name = names.get(consent.service, consent.service)
    asked = guardians_asked(case)
    checks = [
        consent_check(
            case=case, service=key, on=today, rules=rules, consents=registered, asked=asked
        )
        for key, _name in consent_services(rules)
    ]
    # Who of the guardians with parental responsibility has consented to each service.
    by_id = {g.pk: g for g in guardians}
    needs = [
        {
            "check": check,
            "guardians": [(by_id[pk], True) for pk in check.guardians_consented if pk in by_id]
            + [(by_id[pk], False) for pk in check.guardians_missing if pk in by_id],
        }
        for check in checks
    ]
    return render_page(
        request,
        "cases/consents.html",
        {
            "case": case,
            "form": form,
            "refused": refused,
            "registered": registered,
            "needs": needs,
            "age": case.pupil.age_on(today),
        },
    )


@login_required
@require_POST
def consent_withdraw_view(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    case = case_for_user(request.user, pk, reason=_lazy("Trekk samtykke"))
    consent = case.consents.filter(pk=id_or_404(consent_pk)).first()
    if consent is None:
        raise Http404
    try:
        consent_withdraw(actor=request.user, consent=consent)
    except SharingRefused as exc:
        messages.error(request, " ".join(exc.reasons))
    else:
        messages.success(request, _("Samtykket er trukket tilbake. Det gjelder ikke lenger."))
    return redirect("cases:consents", pk=case.pk)


class InviteForm(StyledForm):
    user = forms.TypedChoiceField(label=gettext_lazy("Hvem skal inn i saken?"), coerce=int)
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("Lovgrunnlag, bare når samtykke mangler"), required=False
    )
    legal_reason = forms.CharField(
        label=gettext_lazy("Hvorfor krever loven deling uten samtykke?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        bases: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Velg en person")), *people]
        self.fields["legal_basis"].choices = [("", _("Ingen")), *bases]


def _person_label(user: Any, case: Any, rules: CaseRules, checks: dict[str, bool]) -> str:
    roles = [Role(a.role).label for a in user.assignments if a.school_id == case.school_id]
    # An option's text cannot hold markup, so the name is isolated with the Unicode isolate
    # controls themselves (FSI … PDI): a direction control in it cannot reverse the roles.
    label = f"{FSI}{user}{PDI} – {', '.join(str(r) for r in roles)}"
    service = role_service(rules, user, case)
    if not service:
        return label
    name = rules.service_name(service)
    if checks[service]:
        return label + " " + _("(samtykke til %(service)s er gitt)") % {"service": name}
    return label + " " + _("(mangler samtykke til %(service)s)") % {"service": name}


@login_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is in the case, and inviting staff at the school into it."""
    case = case_for_user(request.user, pk, reason=_lazy("Deltakere i saken"))
    rules = case_rules(municipality_id=case.municipality_id)
    candidates = invite_candidates(case=case)
    services = {role_service(rules, u, case) for u in candidates} - {""}
    given = list(case.consents.all())
    asked = guardians_asked(case)
    checks = {
        s: consent_check(case=case, service=s, rules=rules, consents=given, asked=asked).ok
        for s in services
    }
    bases = [
        (b.key, f"{b.title} ({b.law})")
        for b in rules.legal_bases
        if any(s in b.services for s in services)
    ]
    form = InviteForm(
        request.POST or None,
        people=[(u.pk, _person_label(u, case, rules, checks)) for u in candidates],
        bases=bases,
    )
    allowed = case_may_steer(request.user, case)
    refused: list[str] = []
    if request.method == "POST" and not allowed:
        refused = [_("Bare eieren eller skolens ledelse kan invitere inn i saken.")]
    elif request.method == "POST" and form.is_valid():
        user = next(u for u in candidates if u.pk == form.cleaned_data["user"])
        try:
            participant_invite(
                actor=request.user,
                case=case,
                user=user,
                legal_basis=form.cleaned_data["legal_basis"],
                legal_reason=form.cleaned_data["legal_reason"],
            )
        except SharingRefused as exc:
            refused = exc.reasons
        else:
            messages.success(
                request, _("%(name)s er med i saken nå.") % {"name": f"{FSI}{user}{PDI}"}
            )
            return redirect("cases:participants", pk=case.pk)
    return render_page(
        request,
        "cases/participants.html",
        {
            "case": case,
            "form": form,
            "refused": refused,
            "allowed": allowed,
            "bases": bases,
            "people": case.participants.select_related("user", "invited_by").order_by("pk"),
        },
    )


class ReferralForm(StyledForm):
    confirmed = forms.MultipleChoiceField(
        label=gettext_lazy("Bekreft det tjenesten krever"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("Lovgrunnlag, bare når samtykke mangler"), required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Hva gjelder henvisningen?"),
        help_text=gettext_lazy("Deles det uten samtykke, skriv også hvorfor loven krever det."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
    )

    def __init__(
        self,
        *args: Any,
        requires: list[tuple[str, str]],
        bases: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirmed"].choices = requires
        self.fields["legal_basis"].choices = [("", _("Ingen")), *bases]


@login_required
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    """Refer the case to a service: first choose the service, then what it needs."""
    case = case_for_user(request.user, pk, reason=_lazy("Henvisning"))
    rules = case_rules(municipality_id=case.municipality_id)
    services = referral_services(rules)
    service = request.GET.get("tjeneste", "")
    made = list(case.referrals.select_related("made_by"))
    for item in made:
        item.service_name = rules.service_name(item.service)
    context: dict[str, Any] = {
        "case": case,
        "allowed": case_may_steer(request.user, case),
        "referrals": made,
        "names": dict(services),
    }
    if service not in context["names"]:
        given = list(case.consents.all())
        asked = guardians_asked(case)
        context["checks"] = [
            consent_check(case=case, service=key, rules=rules, consents=given, asked=asked)
            for key, _name in services
        ]
        return render_page(request, "cases/referral.html", context)
    rule = rules.consent_rule(service)
    requires = [(r.key, r.title) for r in rule.requires] if rule else []
    bases = [(b.key, f"{b.title} ({b.law})") for b in rules.legal_bases_for(service)]
    form = ReferralForm(request.POST or None, requires=requires, bases=bases)
    refused: list[str] = []
    if request.method == "POST" and not context["allowed"]:
        refused = [_("Bare eieren eller skolens ledelse kan henvise saken.")]
    elif request.method == "POST" and form.is_valid():
        try:
            referral_make(actor=request.user, case=case, service=service, **form.cleaned_data)
        except SharingRefused as exc:
            refused = exc.reasons
        else:
            messages.success(
                request,
                _("Henvisningen til %(service)s er registrert.")
                % {"service": context["names"][service]},
            )
            return redirect("cases:case", pk=case.pk)
    context.update(
        service=service,
        service_name=context["names"][service],
        referral_title=rule.referral_title if rule else "",
        actions=[a for a in rules.sharing_actions if a.service == service],
        check=consent_check(case=case, service=service, rules=rules),
        form=form,
        refused=refused,
        bases=bases,
        requires=requires,
    )
    return render_page(request, "cases/referral_form.html", context)
