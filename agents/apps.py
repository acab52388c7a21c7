from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # User tools (an MCP server's token) read stored credentials through this store; the
        # tools app may not import agents.credentials itself.
        from agents.credentials import ToolCredentialStore
        from tools.credentials import credential_store_register

        credential_store_register(ToolCredentialStore())
