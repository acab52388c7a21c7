from django.urls import URLPattern, path

from workflows.chat import openai_api

urlpatterns: list[URLPattern] = [
    path("chat/completions", openai_api.chat_completions, name="openai-chat-completions"),
    path("models", openai_api.models, name="openai-models"),
]
