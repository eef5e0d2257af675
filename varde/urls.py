from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("varde.web.urls")),
    path("", include("varde.plan.urls")),
    path("ansatt/", include("varde.people.urls")),
    path("ansatt/", include("varde.cases.urls")),
    path("ansatt/", include("varde.incidents.urls")),
    path("ansatt/innsikt/", include("varde.insights.urls")),
    path("", include("varde.yearplan.urls")),
    path("", include("varde.questions.urls")),
    path("konto/oidc/", include("varde.people.oidc")),
    path("konto/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]
