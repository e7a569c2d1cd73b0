from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhili.assessment import report
from zhili.assessment.overview import default_month
from zhili.assessment.periods import Period, PeriodError
from zhili.assessment.report.fonts import MissingFont


class Command(BaseCommand):
    help = "月度报告：zhili report --month YYYY-MM --format pdf|xlsx [--output PATH]（数字与数据看板、zhili stats 相同）"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份 YYYY-MM（默认：最近有数据的月份）")
        parser.add_argument("--format", choices=sorted(report.FORMATS), default="pdf")
        parser.add_argument("--output", help="输出文件（默认：当前目录下 zhili-monthly-report-YYYY-MM.pdf|xlsx）")

    def handle(self, *args, **options):
        try:
            period = Period.parse_month(options["month"]) if options.get("month") else default_month()
        except PeriodError as exc:
            raise CommandError(f"--month：{exc}") from None
        fmt = options["format"]
        try:
            data = report.build(period, fmt)
        except MissingFont as exc:
            raise CommandError(str(exc)) from None
        path = Path(options.get("output") or report.filename(period, fmt))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.stdout.write(f"已生成 {period.title}月度报告：{path}（{len(data) // 1024} KB）")
