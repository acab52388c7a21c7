"""Lab services, one module per idea; views, admin, Celery tasks and commands call them.

- ``validation``: field-level problems of a job spec, and the ceilings on benchmark jobs;
- ``lifecycle``: launch and cancel, claim (queued → running once), heartbeat, the reaper;
- ``progress``: the core's progress and cancel callbacks over the job row;
- ``quantization``: run a quantization job and register its packed model;
- ``benchmark``: run a model or a workflow benchmark job;
- ``results``: rows of finished jobs for the results table and plots.

The torch work itself lives in the Django-free core (``agents.lab.jobs``), imported lazily so
the web process loads torch only when it must (to check a group size against the model).
"""
