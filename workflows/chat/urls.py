from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.routers import DefaultRouter

from workflows.chat.views import MessageViewSet, SessionViewSet, workflow_chat

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("chat/sessions", SessionViewSet, basename="chat-session")
router.register("chat/messages", MessageViewSet, basename="chat-message")

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^workflows/(?P<workflow_id>\d{1,18})/chat/$", workflow_chat, name="workflow-chat"),
    path("", include(router.urls)),
]
