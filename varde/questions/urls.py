from __future__ import annotations

from django.urls import path

from varde.questions import views

app_name = "questions"
urlpatterns = [
    path("k/<slug:slug>/elev/sporsmal/", views.ask, name="ask"),
    path("k/<slug:slug>/elev/svar/", views.answer, name="answer"),
    path("ansatt/elevsporsmal/<int:pk>/", views.question_view, name="question"),
    path("ansatt/elevsporsmal/<int:pk>/skjul/", views.hide_view, name="hide"),
    path("ansatt/innsikt/elevsporsmal/", views.topics, name="topics"),
]
