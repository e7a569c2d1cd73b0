"""``zhili apikey create NAME`` / ``revoke NAME`` / ``list``: API keys of Open311 client applications."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhili.open311.keys import ApiKeyError, create_client, revoke_client
from zhili.open311.models import ApiClient


class Command(BaseCommand):
    help = "管理 Open311 客户端的 API 密钥：create NAME（最后一行输出新密钥）、revoke NAME、list"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="创建客户端并签发密钥（密钥只显示一次）")
        create.add_argument("name")
        create.add_argument("--contact", default="", help="联系人")
        create.add_argument("--rate", default="", help="限流，如 600/min；默认取 ZHILI_OPEN311_CLIENT_RATE")
        create.add_argument("--history", action="store_true", help="允许导入历史工单（迁移其他系统时用）")
        revoke = sub.add_parser("revoke", help="吊销客户端的密钥")
        revoke.add_argument("name")
        sub.add_parser("list", help="列出客户端")

    def handle(self, *args, verb, **options):
        try:
            if verb == "create":
                client, key = create_client(options["name"], contact=options["contact"], rate=options["rate"],
                                            may_import_history=options["history"])
                self.stdout.write(f"已创建客户端“{client.name}”。密钥只显示这一次，请妥善转交：")
                self.stdout.write(key)
            elif verb == "revoke":
                client = revoke_client(options["name"])
                self.stdout.write(f"已吊销客户端“{client.name}”的密钥")
            else:
                for client in ApiClient.objects.all():
                    state = (f"已吊销 {timezone.localtime(client.revoked_at):%Y-%m-%d}" if client.revoked_at
                             else "有效")
                    self.stdout.write(f"{client.name}\t{client.key_hint}…\t{client.rate or '默认限流'}\t{state}")
        except ApiKeyError as exc:
            raise CommandError(str(exc)) from exc
