from django.core.management.base import BaseCommand, CommandError

from zhili.assessment.hotspots import find_hotspots
from zhili.assessment.overview import default_month
from zhili.assessment.periods import Period, PeriodError


class Command(BaseCommand):
    help = "计算并保存某月的热点问题（按文本、地点、时间归并同一事项，按热度排序）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份 YYYY-MM（默认：最近有数据的月份）")
        parser.add_argument("--top", type=int, default=5, help="显示前几个")

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["month"]) if options.get("month") else default_month()
        except PeriodError as exc:
            raise CommandError(f"--month：{exc}") from None
        run = find_hotspots(period)
        self.stdout.write(f"{period.title}：分析 {run.analysed} 件诉求（{run.window_start:%Y-%m-%d} 起）")
        for h in run.hotspots.order_by("rank")[:options["top"]]:
            self.stdout.write(f"  {h.rank}. 热度 {h.heat:.2f}｜{h.people} 人 {h.requests} 件｜{h.place or '—'}｜"
                              f"{h.first_at:%Y-%m-%d}～{h.last_at:%Y-%m-%d}｜{h.description}")
