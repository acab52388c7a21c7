"""API tokens, websocket tickets, password change, and the throttled admin login."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken
from accounts.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    PasswordChangeSerializer,
    WsTicketSerializer,
)
from accounts.throttle import client_ip, login_blocked_for, throttled_message
from accounts.tickets import ws_ticket_issue
from accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
from axweb.errors import error_body


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiToken],
):
    """The signed-in user's own API tokens. The secret appears once, in the create response."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_of(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = api_token_create(user=request.user, **serializer.validated_data)
        body = {**ApiTokenSerializer(token).data, "token": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            api_token_revoke(user=request.user, token_id=int(kwargs["pk"]))
        except (ApiToken.DoesNotExist, ValueError):
            return Response(
                error_body(404, "not_found", "No such token, or it is not yours."), status=404
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=None, responses={200: WsTicketSerializer})
@api_view(["POST"])
def ws_ticket(request: Request) -> Response:
    """A single-use ticket for `/ws/...?ticket=<ticket>`, for clients without a session cookie."""
    return Response(
        {"ticket": ws_ticket_issue(user=request.user), "expires_in": settings.AXWEB_WS_TICKET_TTL_S}
    )


@extend_schema(request=PasswordChangeSerializer, responses={204: None})
@api_view(["POST"])
def password_change(request: Request) -> Response:
    serializer = PasswordChangeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user: Any = request.user  # authenticated: IsAuthenticated is the default permission
    data = serializer.validated_data
    if not user.check_password(data["old_password"]):
        raise serializers.ValidationError({"old_password": ["This is not your current password."]})
    try:
        validate_password(data["new_password"], user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
    user.set_password(data["new_password"])
    user.save(update_fields=["password"])
    update_session_auth_hash(request._request, user)  # this session stays signed in; others end
    return Response(status=status.HTTP_204_NO_CONTENT)


def throttled_response(wait: int) -> JsonResponse:
    response = JsonResponse(
        error_body(429, "throttled", throttled_message(wait), fields={}), status=429
    )
    response["Retry-After"] = str(wait)
    return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's login page, refusing a username or address with too many failed sign-ins."""
    if request.method == "POST":
        wait = login_blocked_for(ip=client_ip(request), username=request.POST.get("username", ""))
        if wait is not None:
            return throttled_response(wait)
    return admin.site.login(request)
