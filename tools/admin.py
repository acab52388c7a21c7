from django.contrib import admin

from tools.models import Tool


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "owner", "updated_at"]
    list_filter = ["kind", "owner"]
    search_fields = ["name", "description"]
