from django.core.management.base import BaseCommand

from zhili.workflow.cards import issue_cards


class Command(BaseCommand):
    help = "立即执行一次黄牌/红牌预警、提醒与自动提级（工作进程每隔几分钟自动执行）。"

    def handle(self, *args, **options):
        run = issue_cards()
        self.stdout.write(f"黄牌 {run.yellow}，红牌 {run.red}，自动提级 {run.escalated}，跳过 {run.skipped}")
