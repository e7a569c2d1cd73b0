from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from zhili.imports.importer import import_file
from zhili.imports.reader import ImportFileError


class Command(BaseCommand):
    help = ("从 CSV 或 XLSX 导入工单（支持 TipDM 列名与通用列名，见 docs/import.md）。"
            "按（来源，编号）去重：重复运行或中断后重跑不会产生重复工单。")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", help="来源名称（默认：文件名）")
        parser.add_argument("--encoding", default="utf-8", help="CSV 编码（默认 utf-8；GBK 文件用 gb18030）")
        parser.add_argument("--history", action="store_true",
                            help="作为历史数据导入：受理、分类、派单按原时间记录后历史归档（不进待办、不发黄红牌、不计三率）")
        parser.add_argument("--max-errors", type=int, default=50, help="最多列出多少条错误（默认 50）")

    def handle(self, *args, path, source=None, encoding="utf-8", max_errors=50, history=False, **options):
        bar = tqdm(desc="导入", unit="行", disable=None, file=self.stderr._out)
        try:
            report = import_file(path, source=source, encoding=encoding, progress=bar.update, history=history)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except LookupError as exc:
            raise CommandError(f"未知编码：{encoding}") from exc
        finally:
            bar.close()
        for sheet in report.skipped_sheets:
            self.stdout.write(f"已跳过工作表“{sheet}”：没有“诉求内容”列")
        if report.ignored_columns:
            self.stdout.write(f"未使用的列：{'、'.join(report.ignored_columns)}")
        for problem in report.problems[:max_errors]:
            self.stdout.write(f"错误：{problem}")
        if report.failed > max_errors:
            self.stdout.write(f"……另有 {report.failed - max_errors} 条错误未列出")
        handled = (f"历史归档 {report.archived}" if history
                   else f"自动派单 {report.dispatched}，待人工派单 {report.queued}")
        self.stdout.write(f"来源“{report.source}”：新建 {report.created}（{handled}），"
                          f"已存在 {report.existing}，错误 {report.failed}")
