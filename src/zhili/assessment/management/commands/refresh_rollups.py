from django.core.management.base import BaseCommand

from zhili.assessment import rollups


class Command(BaseCommand):
    help = "更新汇总表（从上次读到的事件之后增量更新；--rebuild 从全部事件日志重建）。幂等。"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="从全部事件日志重建")

    def handle(self, *args, **options):
        result = rollups.rebuild() if options["rebuild"] else rollups.refresh()
        self.stdout.write(f"{'重建' if result.rebuilt else '增量更新'}：事件 {result.events}，天数 {result.days}，"
                          f"工单 {result.requests}，用时 {result.seconds:.2f} 秒")
