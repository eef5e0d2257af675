from __future__ import annotations

from django.urls import path

from varde.web import doors, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
    path("k/<slug:slug>/forelder/", doors.parents, name="parents"),
    path("k/<slug:slug>/forelder/skole/<int:pk>/", doors.school_meetings, name="school_meetings"),
    path(
        "k/<slug:slug>/forelder/skole/<int:pk>/kalender.ics",
        doors.school_calendar,
        name="school_calendar",
    ),
    path("k/<slug:slug>/elev/", doors.pupils, name="pupils"),
    path("ansatt/", views.start, name="start"),
    path("ansatt/varsler/", views.notices, name="notices"),
]
