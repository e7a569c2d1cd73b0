import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zhili.workcalendar import loader, service


class Command(BaseCommand):
    help = "工作日历：seed（从 chinese-calendar 初始化）、load CSV（导入放假通知）、due（计算截止时间）、check YEAR。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="从 chinese-calendar 初始化所有年份（不覆盖人工修改）")
        seed.add_argument("--year", type=int, action="append", help="只初始化这些年份")
        load = sub.add_parser("load", help="导入一年的放假通知 CSV（列 date,kind,name）")
        load.add_argument("path")
        due = sub.add_parser("due", help="打印截止时间")
        due.add_argument("--from", dest="start", required=True, help="开始时间，如 2026-02-13T10:00（北京时间）")
        due.add_argument("--working-days", type=int, required=True)
        due.add_argument("--count-start-day", action="store_true", default=None, help="含本数：开始当天计为第一天")
        check = sub.add_parser("check", help="某年是否已有日历数据")
        check.add_argument("year", type=int)

    def handle(self, *args, action, **opts):
        if action == "seed":
            result = loader.seed_from_chinese_calendar(opts.get("year"))
            self.stdout.write(f"已初始化 {len(result)} 个年份（{min(result)}–{max(result)}），例外日 {sum(result.values())} 天")
        elif action == "load":
            try:
                count, years = loader.load_notice_csv(opts["path"])
            except (ValueError, OSError, UnicodeDecodeError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"已导入 {count} 天，年份：{'、'.join(map(str, years))}")
        elif action == "due":
            try:
                start = dt.datetime.fromisoformat(opts["start"])
            except ValueError:
                raise CommandError(f"--from：“{opts['start']}”不是有效的日期时间（例：2026-02-13T10:00）") from None
            if start.tzinfo is None:
                start = start.replace(tzinfo=service.LOCAL_TZ)
            try:
                due = service.add_working_days(start, opts["working_days"], opts.get("count_start_day"))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            missing = service.missing_years(range(service.local_date(start).year, due.year + 1))
            if missing:
                self.stderr.write(f"警告：{'、'.join(map(str, missing))} 年没有日历数据，按仅周末休息计算")
            self.stdout.write(due.isoformat())
        elif action == "check":
            year = opts["year"]
            if service.year_has_data(year):
                self.stdout.write(f"{year} 年：已有日历数据")
            else:
                self.stdout.write(f"{year} 年：没有日历数据（按仅周末休息计算）")
                raise SystemExit(1)
