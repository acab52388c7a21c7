"""Session login for the browser app (API clients may use tokens instead).

The login is CSRF-protected (fetch /api/auth/csrf/ first, send X-CSRFToken) and throttled per
username and per client address (accounts/throttle.py): 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.throttle import client_ip, login_blocked_for, throttled_message


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})


class UserSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


class LoginThrottled(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, wait: int) -> None:
        super().__init__(throttled_message(wait))
        self.wait = wait  # DRF turns it into the Retry-After header


def _user(user: Any) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "is_staff": user.is_staff}


@extend_schema(responses={204: None})
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
@ensure_csrf_cookie
def csrf(request: Request) -> Response:
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(request=LoginSerializer, responses={200: UserSerializer})
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
def login_view(request: Request) -> Response:
    # DRF exempts views from Django's CSRF check and checks it only for session-authenticated
    # requests; a login has no session yet, so check here (a cross-site form must not sign anyone
    # in).
    SessionAuthentication().enforce_csrf(request)
    serializer = LoginSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    username = serializer.validated_data["username"]
    wait = login_blocked_for(ip=client_ip(request._request), username=username)
    if wait is not None:
        raise LoginThrottled(wait)
    user = authenticate(request._request, **serializer.validated_data)
    if user is None:
        raise serializers.ValidationError(
            {"password": ["Wrong username or password. Check both and try again."]}
        )
    login(request._request, user)
    return Response(_user(user))


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def logout_view(request: Request) -> Response:
    logout(request._request)
    return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: UserSerializer})
@api_view(["GET"])
def me(request: Request) -> Response:
    return Response(_user(request.user))
