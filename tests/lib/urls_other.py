"""A URL configuration of its own, for tests/lib/test_urls.py."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("andre/<int:pk>/", lambda request, pk: HttpResponse(), name="only-here")]
