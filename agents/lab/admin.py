"""Admin pages of the lab: create a job (it launches on save), watch it live, cancel it,
compare results in a table with plots (inline SVG from agents.lab.plots, no JS library)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from agents.lab.models import BenchmarkJob, LabJob, QuantizationJob
from agents.lab.plots import results_plots
from agents.lab.services import lifecycle, results, validation

STATUS_COLOURS = {
    "queued": "#888",
    "running": "#2a7ae2",
    "succeeded": "#2e9e44",
    "failed": "#d9342b",
    "cancelled": "#b07b00",
}


class QuantizationJobForm(forms.ModelForm):  # type: ignore[type-arg]
    calib_file = forms.FileField(
        required=False,
        help_text="Or upload a UTF-8 text file (sets the calibration corpus to 'uploaded').",
    )
    eval_file = forms.FileField(
        required=False,
        help_text="Or upload a UTF-8 text file (sets the evaluation corpus to 'uploaded').",
    )

    class Meta:
        model = QuantizationJob
        fields = [
            "base_model",
            "method",
            "bits",
            "group_size",
            "calib_corpus",
            "calib_text",
            "eval_corpus",
            "eval_text",
            "options",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for role in ("calib", "eval"):
            upload = data.get(f"{role}_file")
            if upload:
                data[f"{role}_text"] = upload.read().decode("utf-8", errors="replace")
                data[f"{role}_corpus"] = "uploaded"
        for field, problems in validation.quantization_validate(data).items():
            name = field.split(".")[0]
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)
        return data

    def save(self, commit: bool = True) -> QuantizationJob:
        job: QuantizationJob = super().save(commit=False)
        job.calib_text = self.cleaned_data.get("calib_text", "")
        job.eval_text = self.cleaned_data.get("eval_text", "")
        job.calib_corpus = self.cleaned_data.get("calib_corpus", job.calib_corpus)
        job.eval_corpus = self.cleaned_data.get("eval_corpus", job.eval_corpus)
        if commit:
            job.save()
        return job


class BenchmarkJobForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = BenchmarkJob
        fields = [
            "target",
            "model_ref",
            "workflow",
            "inputs",
            "prompts",
            "requests",
            "concurrency",
            "max_new_tokens",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = validation.benchmark_validate(data)
        if self.instance.pk is None:  # the same ceilings as the API
            errors = {
                **errors,
                "requests": validation.benchmark_requests_problems(int(data.get("requests") or 0)),
                **validation.benchmark_capacity_problems(),
            }
        for field, problems in errors.items():
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        return data


class LabJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shared: launch on save, read-only once created, live page, cancel, results page."""

    change_form_template = "admin/lab/job_change_form.html"
    change_list_template = "admin/lab/job_change_list.html"
    list_filter = ["status"]
    actions = ["cancel_jobs"]
    add_fields: list[str] = []
    spec_fields: list[str] = []
    state_fields = [
        "status",
        "stage",
        "progress_bar",  # a bar and a percentage, not the raw 0..1 float
        "current_step",
        "total_steps",
        "elapsed_s",
        "eta_s",
        "cancel_requested",
        "error",
        "result_table",
        "created_at",
        "started_at",
        "finished_at",
        "owner",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [*self.spec_fields, *self.state_fields]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return list(self.add_fields or self.spec_fields)
        return [*self.spec_fields, *self.state_fields]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # a job's spec is fixed once created; saving would clobber its progress
        obj.owner = request.user
        super().save_model(request, obj, form, change)
        lifecycle.job_enqueue_on_commit(obj)

    @admin.display(description="Status")
    def status_badge(self, job: LabJob) -> str:
        colour = STATUS_COLOURS.get(job.status, "#888")
        return format_html('<b style="color:{}">{}</b>', colour, job.status)

    @admin.display(description="Progress")
    def progress_bar(self, job: LabJob) -> str:
        pct = round(job.progress * 100)
        return format_html(
            '<div style="width:120px;background:#eee;border-radius:3px">'
            '<div style="width:{}%;background:{};height:10px;border-radius:3px"></div></div>'
            "<small>{}%{}</small>",
            pct,
            STATUS_COLOURS.get(job.status, "#888"),
            pct,
            f" · step {job.current_step}/{job.total_steps}" if job.total_steps else "",
        )

    @admin.display(description="Result")
    def result_table(self, job: LabJob) -> str:
        rows = [(k, v) for k, v in (job.result or {}).items() if not isinstance(v, (dict, list))]
        if not rows:
            return "—"
        cells = "".join(
            format_html(
                "<tr><th>{}</th><td>{}</td></tr>", k, f"{v:.4g}" if isinstance(v, float) else v
            )
            for k, v in rows
        )
        return format_html("<table>{}</table>", format_html(cells))

    @admin.action(description="Cancel the selected jobs")
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for job in queryset:
            lifecycle.job_cancel(job=job)
        messages.info(request, f"Cancel requested for {queryset.count()} job(s).")

    def get_urls(self) -> list[Any]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<int:job_id>/progress/", wrap(self.progress_view), name=f"{prefix}_progress"),
            path(
                "<int:job_id>/cancel/",
                wrap(require_POST(self.cancel_view)),
                name=f"{prefix}_cancel",
            ),
            path("results/", wrap(self.results_view), name=f"{prefix}_results"),
            *super().get_urls(),
        ]

    def _job(self, request: HttpRequest, job_id: int) -> LabJob:
        job: LabJob = get_object_or_404(self.model, pk=job_id)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def progress_view(self, request: HttpRequest, job_id: int) -> JsonResponse:
        return JsonResponse(self._job(request, job_id).progress_payload())

    def cancel_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        job = lifecycle.job_cancel(job=self._job(request, job_id))
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse(job.progress_payload())
        messages.info(request, f"Cancel requested for {job}.")
        change = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        return HttpResponseRedirect(reverse(change, args=[job.pk]))

    def results_view(self, request: HttpRequest) -> TemplateResponse:
        data = results.lab_results(
            jobs=QuantizationJob.objects.all(), benchmarks=BenchmarkJob.objects.all()
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Lab results",
            "opts": self.opts,
            "quant_rows": data["quantization"],
            "bench_rows": data["benchmarks"],
            **results_plots(data),
        }
        return TemplateResponse(request, "admin/lab/results.html", context)


@admin.register(QuantizationJob)
class QuantizationJobAdmin(LabJobAdmin):
    form = QuantizationJobForm
    spec_fields = QuantizationJobForm.Meta.fields
    add_fields = [
        "base_model",
        "method",
        "bits",
        "group_size",
        "calib_corpus",
        "calib_text",
        "calib_file",
        "eval_corpus",
        "eval_text",
        "eval_file",
        "options",
    ]
    list_display = [
        "id",
        "__str__",
        "owner",
        "status_badge",
        "progress_bar",
        "ppl",
        "registered_model",
        "created_at",
    ]
    list_filter = ["status", "method", "bits", "group_size"]
    state_fields = [*LabJobAdmin.state_fields, "output_path", "registered_model"]

    @admin.display(description="PPL (base → quantized)")
    def ppl(self, job: QuantizationJob) -> str:
        base, quant = job.result.get("ppl_baseline"), job.result.get("ppl_quantized")
        if quant is None:
            return "—"
        return f"{base:.2f} → {quant:.2f}" if base else f"{quant:.2f}"


@admin.register(BenchmarkJob)
class BenchmarkJobAdmin(LabJobAdmin):
    form = BenchmarkJobForm
    spec_fields = BenchmarkJobForm.Meta.fields
    list_display = [
        "id",
        "__str__",
        "owner",
        "target",
        "status_badge",
        "progress_bar",
        "p50",
        "created_at",
    ]
    list_filter = ["status", "target"]

    @admin.display(description="Latency p50 / p95 (s)")
    def p50(self, job: BenchmarkJob) -> str:
        p50, p95 = job.result.get("latency_p50_s"), job.result.get("latency_p95_s")
        return f"{p50:.2f} / {p95:.2f}" if p50 is not None and p95 is not None else "—"
