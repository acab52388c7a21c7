"""The chat API (docs/api.md, Chat): thin views over workflows.chat services and selectors."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from axweb.ownership import owned
from workflows.chat import memory, selectors, services
from workflows.chat.serializers import (
    FeedbackSerializer,
    MemoryItemSerializer,
    MemoryPutSerializer,
    MessageSendSerializer,
    MessageSerializer,
    SentSerializer,
    SessionCreateSerializer,
    SessionSerializer,
    SessionUpdateSerializer,
)
from workflows.chat.spec import HOW_TO, chat_spec
from workflows.models import Workflow


@extend_schema(responses={200: dict})
@api_view(["GET"])
def workflow_chat(request: Request, workflow_id: str) -> Response:
    """Whether the workflow can chat (its newest version, `?version=N`, or `?draft=1`)."""
    workflow = get_object_or_404(owned(Workflow.objects.all(), request.user), pk=int(workflow_id))
    draft = request.query_params.get("draft") in ("1", "true")
    version = request.query_params.get("version")
    if version is not None and not (version.isdigit() and len(version) <= 9):
        raise ValidationError({"version": ["A version is a whole number."]})
    try:
        graph = services.chat_graph(workflow, int(version) if version else None, draft)
    except ValidationError as exc:
        reason = " ".join(str(m) for msgs in exc.detail.values() for m in msgs)  # type: ignore[union-attr]
        return Response({"can_chat": False, "reason": reason, "how_to": HOW_TO})
    return Response(chat_spec(graph).as_dict())


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = SessionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if self.action in ("messages", "memory"):  # the session itself is not shown
            return selectors.sessions_owned(self.request.user)
        sessions = selectors.sessions_visible(self.request.user)
        if self.action == "list":
            workflow = self.request.query_params.get("workflow")
            if workflow is not None:
                if not (workflow.isdigit() and len(workflow) <= 9):
                    raise ValidationError({"workflow": ["A workflow id is a whole number."]})
                sessions = sessions.filter(workflow_id=int(workflow))
            sessions = selectors.sessions_search(
                sessions, self.request.query_params.get("search", "")
            )
        return sessions

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def create(self, request: Request) -> Response:
        serializer = SessionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = services.session_create(
            owner=request.user,
            workflow_id=data["workflow"],
            version=data["version"],
            draft=data["draft"],
            title=data["title"],
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SessionUpdateSerializer, responses={200: SessionSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        serializer = SessionUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        session = services.session_update(
            session=self.get_object(), fields=dict(serializer.validated_data)
        )
        return Response(SessionSerializer(self.get_queryset().get(pk=session.pk)).data)

    def get_object(self) -> Any:
        session = super().get_object()
        session.owner = self.request.user  # its own sessions only: the owner is not read again
        return session

    def perform_destroy(self, instance: Any) -> None:
        services.session_delete(session=instance)

    @extend_schema(methods=["get"], responses={200: MessageSerializer(many=True)})
    @extend_schema(methods=["post"], request=MessageSendSerializer, responses={201: SentSerializer})
    @action(detail=True, methods=["get", "post"])
    def messages(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        if request.method == "GET":
            return Response(selectors.messages_json(selectors.branch(session.leaf)))
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        question, answer = services.message_send(
            session=session,
            content=data["content"],
            parent_id=data.get("parent"),
            has_parent="parent" in data,
        )
        sent, answered = selectors.messages_json([question, answer])
        body = {"user_message": sent, "assistant_message": answered}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses={200: MemoryItemSerializer(many=True)})
    @extend_schema(
        methods=["put"],
        request=MemoryPutSerializer,
        responses={200: MemoryItemSerializer(many=True)},
    )
    @extend_schema(methods=["delete"], request=None, responses={204: None})
    @action(detail=True, methods=["get", "put", "delete"])
    def memory(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        if request.method == "PUT":
            serializer = MemoryPutSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            memory.memory_put(session=session, **serializer.validated_data)
        elif request.method == "DELETE":
            params = request.query_params
            memory.memory_delete(session=session, scope=params.get("scope"), key=params.get("key"))
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(selectors.session_memory(session))


class MessageViewSet(viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = MessageSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> Any:
        return selectors.messages_visible(self.request.user)

    def _done(self, message: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(selectors.messages_json([message])[0], status=code)

    @extend_schema(request=None, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request: Request, pk: str) -> Response:
        answer = services.message_regenerate(message=self.get_object())
        return self._done(answer, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MessageSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def switch(self, request: Request, pk: str) -> Response:
        """Show the branch through this message (a version of it); answers the shown branch."""
        leaf = services.branch_switch(message=self.get_object())
        return Response(selectors.messages_json(selectors.branch(leaf)))

    @extend_schema(request=None, responses={200: MessageSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str) -> Response:
        return self._done(services.message_stop(message=self.get_object()))

    @extend_schema(request=FeedbackSerializer, responses={200: MessageSerializer})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_feedback(message=self.get_object(), **serializer.validated_data)
        return self._done(message)
