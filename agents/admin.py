from django.contrib import admin

from agents.models import Agent, Credential, ModelEntry


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "model", "owner", "updated_at"]
    list_filter = ["owner", "model"]
    search_fields = ["name", "role", "system_prompt"]
    filter_horizontal = ["tools"]


@admin.register(ModelEntry)
class ModelEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tier", "context_length", "cost_in_per_1k", "cost_out_per_1k"]
    list_filter = ["provider", "tier"]
    search_fields = ["name"]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["provider", "label", "last4", "owner", "created_at"]
    list_filter = ["provider"]
    search_fields = ["label"]
    exclude = ["secret_encrypted"]
    readonly_fields = ["last4"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # secrets are entered through the credentials page, which encrypts them
