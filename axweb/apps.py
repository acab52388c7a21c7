from django.apps import AppConfig


class AxwebConfig(AppConfig):
    name = "axweb"
    verbose_name = "AXWeb"
