import json

from django.core.management.base import BaseCommand, CommandError

from zhili.assessment import metrics
from zhili.assessment.overview import default_month
from zhili.assessment.periods import Period
from zhili.assessment.report.format import pct, points


class Command(BaseCommand):
    help = ("考核：任一期间（YYYY-MM、YYYY-Www、YYYY-Qn、YYYY）按单位、街道或分类的“三率”、综合得分与本地指标；"
            "月度时给出排名和红黑榜。--json 时最后一行输出 JSON。")

    def add_arguments(self, parser):
        parser.add_argument("--period", help="期间（默认：最近有数据的月份）")
        parser.add_argument("--by", choices=sorted(metrics.GROUPINGS), default="unit")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"]) if options.get("period") else default_month()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        rows = metrics.ranking(period, options["by"]).rows
        if options["json"]:
            self.stdout.write(json.dumps({"period": period.label, "by": options["by"], "rows": [
                {"key": r.key, "name": r.name, "rank": r.rank, "list": r.mark, "counts": r.counts.as_dict(),
                 "rates": r.rates.as_dict()} for r in rows]}, ensure_ascii=False))
            return
        self.stdout.write(f"{period.title} 按{metrics.GROUPINGS[options['by']][2]}：")
        self.stdout.write("名次\t名称\t有效回访\t响应率\t解决率\t满意率\t综合得分\t按时签收率\t按时办结率\t回退率\t重办率\t榜单")
        for r in rows:
            self.stdout.write("\t".join([
                str(r.rank or "—"), r.name, str(r.counts.followed_up), pct(r.rates.response),
                pct(r.rates.resolution), pct(r.rates.satisfaction), points(r.rates.composite),
                pct(r.rates.on_time_acceptance), pct(r.rates.on_time_completion), pct(r.rates.return_rate),
                pct(r.rates.reopen_rate), {"red": "红榜", "black": "黑榜"}.get(r.mark, "")]))
