from __future__ import annotations

from django.urls import path

from varde.yearplan import views

app_name = "yearplan"
urlpatterns = [
    path("ansatt/arshjul/", views.index, name="index"),
    path("ansatt/arshjul/rull-ut/", views.roll, name="roll"),
    path("ansatt/arshjul/skole/<int:pk>/", views.school_page, name="school"),
    path("ansatt/arshjul/mote/<int:pk>/", views.event_page, name="event"),
    path("ansatt/arshjul/kalender/", views.calendar_page, name="calendar"),
    path("ansatt/arshjul/kalender/ny/", views.feed_new, name="feed_new"),
    path("ansatt/arshjul/kalender/<int:pk>/stopp/", views.feed_revoke, name="feed_revoke"),
    path("ansatt/kompetanse/", views.competence, name="competence"),
    path("ansatt/kompetanse/<int:pk>/", views.competence_edit, name="competence_edit"),
    path("ansatt/rutiner-lest/", views.routines_read, name="routines_read"),
    path("ansatt/slt/", views.coordination_page, name="coordination"),
    path("kalender/<slug:token>.ics", views.feed, name="feed"),
]
