from __future__ import annotations

from django.urls import path

from varde.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.trends, name="trends"),
    path("eksport.csv", views.trends_csv, name="export"),
]
