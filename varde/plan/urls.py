from __future__ import annotations

from django.urls import path

from varde.plan import editor_views, views

app_name = "plan"
urlpatterns = [
    path("k/<slug:slug>/", views.front, name="front"),
    path("k/<slug:slug>/plan/", views.plan_page, name="plan"),
    path("k/<slug:slug>/plan/versjoner/", views.versions, name="versions"),
    path("k/<slug:slug>/plan/sammenlign/", views.compare, name="compare"),
    path("k/<slug:slug>/plan/versjon/<int:number>/", views.plan_page, name="plan_version"),
    path("k/<slug:slug>/hvem-gjor-hva/", views.duties, name="duties"),
    path("k/<slug:slug>/ressurser/", views.resources, name="resources"),
    path("k/<slug:slug>/tjenester/", views.directory, name="directory"),
    path("k/<slug:slug>/tjenester/<slug:key>/", views.service, name="service"),
    path("k/<slug:slug>/ring/", views.call_now, name="call_now"),
    path("k/<slug:slug>/ring/<slug:situation>/", views.call_now, name="call_now_situation"),
    path("ansatt/plan/", views.plan_admin, name="admin"),
    path("ansatt/plan/rediger/", views.plan_edit, name="edit"),
    path("ansatt/plan/forhandsvis/", views.plan_preview, name="preview"),
    path("ansatt/plan/forhandsvis/planen/", views.plan_preview_text, name="preview_text"),
    path("ansatt/plan/publiser/", views.plan_publish, name="publish"),
    path("ansatt/plan/forkast/", views.plan_discard, name="discard"),
    path("ansatt/plan/godkjenning/", views.plan_approval_setting, name="approval_setting"),
    path("ansatt/plan/eksport/", views.plan_export, name="export"),
    path("ansatt/plan/endre/", editor_views.editor, name="editor"),
    path("ansatt/plan/endre/<slug:part>/", editor_views.editor_part, name="editor_part"),
    path("ansatt/plan/endre/<slug:part>/ny/", editor_views.editor_new, name="editor_new"),
    path("ansatt/plan/endre/<slug:part>/<slug:key>/", editor_views.editor_item, name="editor_item"),
    path(
        "ansatt/plan/endre/<slug:part>/<slug:key>/slett/",
        editor_views.editor_delete,
        name="editor_delete",
    ),
]
