from __future__ import annotations

from django.urls import path

from varde.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ansatt/", views.start, name="start"),
    path("ansatt/varsler/", views.notices, name="notices"),
]
