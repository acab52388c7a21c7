"""The Celery app: broker on Redis, two queues (`runs` for workflows, `lab` for torch jobs)."""

import os

from celery import Celery
from kombu.entity import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")

app = Celery("axweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each queue its own exchange and key: a run never lands on the lab queue or the reverse.
app.conf.task_queues = (
    Queue("runs", Exchange("runs"), routing_key="runs"),
    Queue("lab", Exchange("lab"), routing_key="lab"),
)
app.autodiscover_tasks()
