from django.core.management.base import BaseCommand, CommandError

from zhili.organisation.demo import DEMO_PASSWORD, create_demo_users


class Command(BaseCommand):
    help = "创建演示账号（每个角色一个），并打印用户名和密码。重复运行会重置这些账号的密码。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help=f"演示密码（默认 {DEMO_PASSWORD}）")

    def handle(self, *args, password, **options):
        try:
            users = create_demo_users(password)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        for cast in users:
            unit = f"，{cast.unit_name}" if cast.unit_name else ""
            self.stdout.write(f"  {cast.username:<12} {cast.label}{unit}")
