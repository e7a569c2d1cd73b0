import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zhili.assessment import generator


class Command(BaseCommand):
    help = ("仅用于基准测试：按真实数据的分布批量生成合成工单及其完整事件记录（source=synthetic），"
            "不经过工作流逐条处理。切勿在生产库上运行。")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", type=dt.date.fromisoformat, help="最早受理日期（默认：三年前）")
        parser.add_argument("--end", type=dt.date.fromisoformat, help="截止日期（不含；默认：今天）")
        parser.add_argument("--batch", type=int, default=20_000, help="每批工单数（一个事务）")
        parser.add_argument("--workers", type=int, default=1, help="并行进程数（仅 PostgreSQL）")
        parser.add_argument("--bulk-load", action="store_true",
                            help="仅 PostgreSQL 基准库：写入时不逐行检查外键（需超级用户），提交不等待 WAL 落盘")

    def handle(self, *args, **options):
        if options["count"] <= 0:
            raise CommandError("--count 应为正整数")

        def progress(done):
            self.stderr.write(f"\r已生成 {done}/{options['count']}", ending="")

        result = generator.generate(options["count"], seed=options["seed"], start=options["start"],
                                    end=options["end"], batch=options["batch"], workers=options["workers"],
                                    bulk_load=options["bulk_load"], progress=progress)
        self.stderr.write("")
        self.stdout.write(f"合成工单 {result.requests} 件、事件 {result.events} 条，用时 {result.seconds:.1f} 秒"
                          f"（{result.requests / max(result.seconds, 1e-9):.0f} 件/秒）")
