from __future__ import annotations

from django.urls import path

from varde.incidents import views

app_name = "incidents"
urlpatterns = [
    path("hendelser/", views.incident_list, name="list"),
    path("hendelser/ny/ruset/", views.new_intoxicated, name="new_intoxicated"),
    path("hendelser/ny/salg/", views.new_sale, name="new_sale"),
    path("hendelser/<int:pk>/", views.incident_detail, name="incident"),
    path("hendelser/<int:pk>/steg/<slug:key>/", views.step, name="step"),
    path("hendelser/<int:pk>/politi/", views.police, name="police"),
    path("hendelser/<int:pk>/avverging/", views.avert, name="avert"),
    path("hendelser/<int:pk>/elev/", views.pupil, name="pupil"),
    path("hendelser/<int:pk>/oppfolging/", views.adult, name="adult"),
    path("hendelser/<int:pk>/sak/", views.attach, name="attach"),
    path("oppfolging/<int:pk>/", views.follow_up, name="follow_up"),
]
