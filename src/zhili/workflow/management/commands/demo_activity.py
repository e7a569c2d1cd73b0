from django.core.management.base import BaseCommand, CommandError

from zhili.workflow.demo import DemoActivityError, run


class Command(BaseCommand):
    help = ("演示库专用：把真实留言作为今日来电受理并由演示账号办理，对最近答复的历史工单进行回访"
            "（地址和回访结果为模拟数据，事件备注“演示数据”）。已生成过则跳过。")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026），同一种子结果相同")

    def handle(self, *args, seed, **options):
        try:
            report = run(seed)
        except DemoActivityError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
