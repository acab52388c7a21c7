"""HTML pages: the browser app when it is built, else a plain list of the user's workflows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workflows.models import Workflow


def app_shell(request: HttpRequest) -> HttpResponse:
    index = settings.FRONTEND_INDEX
    if index.exists():
        return HttpResponse(index.read_text(), content_type="text/html")
    return workflow_list_page(request)


@login_required
def workflow_list_page(request: HttpRequest) -> HttpResponse:
    workflows = Workflow.objects.filter(owner_id=request.user.pk).order_by("-updated_at")
    return render(request, "home.html", {"workflows": workflows})
