from django.urls import path

from workflows.runs.consumers import RunListConsumer, RunTraceConsumer

websocket_urlpatterns = [
    path("ws/runs/", RunListConsumer.as_asgi()),
    path("ws/runs/<uuid:run_id>/", RunTraceConsumer.as_asgi()),
]
