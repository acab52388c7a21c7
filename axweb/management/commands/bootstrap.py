from typing import Any

from django.core.management.base import BaseCommand

from axweb.accounts import admin_ensure
from axweb.env import env_str
from workflows.demo import assistant_seed, demo_seed


class Command(BaseCommand):
    help = "Create the admin account (password printed once) and seed the demo workflows."

    def handle(self, *args: Any, **options: Any) -> None:
        admin, password = admin_ensure()
        if password:
            bar = "=" * 64
            port = env_str("PORT") or "8000"  # where `make run` serves (axweb/launcher.py)
            self.stdout.write(
                f"\n{bar}\n  Admin account created. Sign in at http://127.0.0.1:{port}/\n"
                f"  username: {admin.username}\n  password: {password}\n"
                f"  (shown only this once; change it in the admin)\n{bar}\n"
            )
        created = demo_seed(owner=admin)
        if created:
            self.stdout.write("Seeded the demo: agents, tools and the 'Research team' workflow.")
        if assistant_seed(owner=admin):
            self.stdout.write("Seeded the 'Assistant' workflow: open it and press Chat.")
