from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "workflows.chat"
    label = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workflows.chat import services
        from workflows.runs.signals import run_settled

        run_settled.connect(services.on_run_settled, dispatch_uid="chat-answer-settle")
