from django.contrib import admin

from workflows.models import Approval, NodeRun, Run, RunEvent, Workflow, WorkflowVersion


class VersionInline(admin.TabularInline):
    model = WorkflowVersion
    fields = readonly_fields = ("number", "message", "created_by", "created_at")
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "updated_at"]
    list_filter = ["owner"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VersionInline]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "number", "message", "created_by", "created_at"]
    list_filter = ["workflow"]
    search_fields = ["workflow__name", "message"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields] if obj else []


class NodeRunInline(admin.TabularInline):
    model = NodeRun
    fields = readonly_fields = (
        "node_id",
        "status",
        "attempt",
        "started_at",
        "finished_at",
        "error",
    )
    extra = 0
    can_delete = False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["id", "workflow", "version", "status", "owner", "created_at", "finished_at"]
    list_filter = ["status", "workflow"]
    search_fields = ["id", "workflow__name", "error"]
    readonly_fields = ["id", "last_seq", "created_at", "started_at", "finished_at"]
    inlines = [NodeRunInline]


@admin.register(RunEvent)
class RunEventAdmin(admin.ModelAdmin):
    list_display = ["run", "seq", "type", "node", "ts"]
    list_filter = ["type"]
    search_fields = ["run__id", "node"]


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ["run", "node_id", "status", "decided_by", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["run__id", "node_id", "prompt"]
