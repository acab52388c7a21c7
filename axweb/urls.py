from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts import views as account_views
from agents.views import AgentViewSet, CredentialViewSet, ModelEntryViewSet
from axweb import auth_views, pages
from tools.views import ToolViewSet
from workflows.runs.views import ApprovalViewSet, RunViewSet
from workflows.views import WorkflowVersionViewSet, WorkflowViewSet, node_kinds

router = DefaultRouter()
router.register("auth/tokens", account_views.ApiTokenViewSet, basename="api-token")
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register(
    r"workflows/(?P<workflow_pk>\d+)/versions", WorkflowVersionViewSet, basename="workflow-version"
)
router.register("agents", AgentViewSet, basename="agent")
router.register("tools", ToolViewSet, basename="tool")
router.register("models", ModelEntryViewSet, basename="model")
router.register("credentials", CredentialViewSet, basename="credential")
router.register("runs", RunViewSet, basename="run")
router.register("approvals", ApprovalViewSet, basename="approval")

api: list[URLPattern | URLResolver] = [
    path("auth/csrf/", auth_views.csrf, name="auth-csrf"),
    path("auth/login/", auth_views.login_view, name="auth-login"),
    path("auth/logout/", auth_views.logout_view, name="auth-logout"),
    path("auth/me/", auth_views.me, name="auth-me"),
    path("auth/password/", account_views.password_change, name="auth-password"),
    path("auth/ws-ticket/", account_views.ws_ticket, name="auth-ws-ticket"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("node-kinds/", node_kinds, name="node-kinds"),
    path("knowledge/", include("agents.knowledge.urls")),
    path("lab/", include("agents.lab.urls")),
    path("", include("workflows.chat.urls")),  # chatapi: chat sessions (docs/chat.md)
    path("", include(router.urls)),
]

APP_ROUTES = (
    r"^(?:login|workflows|runs|agents|tools|models|knowledge|credentials|settings)(?:/.*)?$"
)

urlpatterns = [
    path("admin/login/", account_views.admin_login),  # the admin's own view, throttled
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    path("v1/", include("workflows.chat.openai_urls")),  # chatapi: OpenAI-compatible API
    path("", pages.app_shell, name="home"),
    re_path(APP_ROUTES, pages.app_shell),
]
