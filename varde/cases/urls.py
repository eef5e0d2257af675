from __future__ import annotations

from django.urls import path

from varde.cases import views

app_name = "cases"
urlpatterns = [
    path("saker/", views.case_list, name="list"),
    path("saker/<int:pk>/", views.case_detail, name="case"),
    path("saker/<int:pk>/samtale/", views.conversation, name="conversation"),
    path("elever/<int:pupil_pk>/undring/", views.worry_open, name="worry_open"),
]
