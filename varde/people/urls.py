from __future__ import annotations

from django.urls import path

from varde.people import views

app_name = "people"
urlpatterns = [
    path("elever/", views.pupil_list, name="pupils"),
    path("elever/<int:pk>/", views.pupil_detail, name="pupil"),
    path("elever/<int:pk>/innsyn/", views.pupil_access_log, name="pupil_access"),
    path("import/", views.import_people, name="import"),
    path("brukere/", views.staff_list, name="staff"),
    path("brukere/<int:pk>/aktiv/", views.staff_set_active, name="staff_active"),
    path("brukere/rolle/", views.role_grant_page, name="role_grant"),
    path("brukere/rolle/<int:pk>/fjern/", views.role_revoke_view, name="role_revoke"),
]
