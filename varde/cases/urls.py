from __future__ import annotations

from django.urls import path

from varde.cases import advice_views, archive_views, concern_views, consent_views, views

app_name = "cases"
urlpatterns = [
    path("saker/", views.case_list, name="list"),
    path("saker/slettet/", archive_views.removals, name="removals"),
    path("saker/<int:pk>/", views.case_detail, name="case"),
    path("saker/<int:pk>/samtale/", views.conversation, name="conversation"),
    path("saker/<int:pk>/overfor/", views.handover, name="handover"),
    path("saker/<int:pk>/foresatte/", views.parents, name="parents"),
    path("saker/<int:pk>/beslutning/", views.decide, name="decide"),
    path("saker/<int:pk>/tiltak/", views.measures, name="measures"),
    path(
        "saker/<int:pk>/tiltak/<int:measure_pk>/",
        views.measure_evaluation,
        name="measure_evaluation",
    ),
    path("saker/<int:pk>/koordinator/", views.coordinator, name="coordinator"),
    path("saker/<int:pk>/samtykke/", consent_views.consents, name="consents"),
    path(
        "saker/<int:pk>/samtykke/<int:consent_pk>/trekk/",
        consent_views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("saker/<int:pk>/deltakere/", consent_views.participants, name="participants"),
    path("saker/<int:pk>/henvisning/", consent_views.referral, name="referral"),
    path("saker/<int:pk>/arkiv/", archive_views.archive, name="archive"),
    path("saker/<int:pk>/arkiv/pakke.zip", archive_views.archive_download, name="archive_download"),
    path("saker/<int:pk>/bekymringsmelding/", concern_views.concern_new, name="concern_new"),
    path(
        "saker/<int:pk>/bekymringsmelding/<int:report_pk>/",
        concern_views.concern,
        name="concern",
    ),
    path(
        "saker/<int:pk>/bekymringsmelding/<int:report_pk>/melding.pdf",
        concern_views.concern_document,
        name="concern_document",
    ),
    path("saker/<int:pk>/rad/", advice_views.advice_ask_view, name="advice_ask"),
    path("saker/<int:pk>/kronologi/", advice_views.chronology, name="chronology"),
    path("rad/", advice_views.advice_inbox_view, name="advice_inbox"),
    path("rad/<int:pk>/", advice_views.advice_question_view, name="advice_question"),
    path("overforinger/<int:pk>/", views.handover_reply, name="handover_reply"),
    path("elever/<int:pupil_pk>/undring/", views.worry_open, name="worry_open"),
]
