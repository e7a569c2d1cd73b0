import json

from django.core.management.base import BaseCommand, CommandError

from zhili.assessment.periods import Period, PeriodError
from zhili.assessment.stats import NONE_LABELS, STATE_LABELS, totals


class Command(BaseCommand):
    help = ("工单统计：总数、按状态、按一级分类、按主办单位、未派单数。--json 时最后一行输出一个 JSON 对象；"
            "--month YYYY-MM 只统计该月受理的工单（与月度报告的数字相同）。")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="最后一行输出 JSON")
        parser.add_argument("--month", help="只统计该月（YYYY-MM）受理的工单")

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["month"]) if options.get("month") else None
        except PeriodError as exc:
            raise CommandError(f"--month：{exc}") from None
        data = totals(month=period)
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        scope = f"{period.title}受理的" if period else ""
        self.stdout.write(f"{scope}工单总数 {data['requests']}，未派单 {data['undispatched']}，超期 {data['overdue']}")
        # The "none" buckets as the dashboard shows them (无主办单位, not 未派单: the header's 未派单
        # counts only the orders still waiting for dispatch).
        for title, key, names in [("按状态", "by_state", STATE_LABELS), ("按一级分类", "by_category", NONE_LABELS),
                                  ("按主办单位", "by_lead_unit", NONE_LABELS)]:
            self.stdout.write(title + "：")
            for name, count in data[key].items():
                self.stdout.write(f"  {names.get(name, name)}\t{count}")
