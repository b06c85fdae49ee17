"""The one place cnum imports Django's Tasks API from.

Django 6 ships it as `django.tasks`; on Django 5.2 the `django-tasks` backport provides the same API. Code imports
`task` and friends from here, so that moving to Django 6 changes this file only (docs/adr/0007-background-tasks.md).
"""

try:  # Django 6+
    from django.tasks import TaskResultStatus, default_task_backend, task, task_backends
except ImportError:  # Django 5.2: the backport
    from django_tasks import TaskResultStatus, default_task_backend, task, task_backends

__all__ = ["TaskResultStatus", "default_task_backend", "task", "task_backends"]
