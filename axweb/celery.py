"""The Celery app: broker on Redis, two queues (`runs` for workflows, `lab` for torch jobs)."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")

app = Celery("axweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("runs"), Queue("lab"))
app.autodiscover_tasks()
