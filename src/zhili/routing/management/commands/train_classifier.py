import csv
import io
import time

from django.core.management.base import BaseCommand, CommandError

from zhili.datafiles import DataFileNotFound, data_path, read_text
from zhili.routing import classifier


class Command(BaseCommand):
    help = "训练一级分类模型（默认数据：data/tipdm2020c/fj2_train_segmented.csv），保存为新版本并启用。"

    def add_arguments(self, parser):
        parser.add_argument("--data", help="训练 CSV（默认 fj2_train_segmented）")
        parser.add_argument("--text-column", default="分词文本")
        parser.add_argument("--label-column", default="一级分类")
        parser.add_argument("--limit", type=int, help="只用前 N 行（测试用）")
        parser.add_argument("--if-missing", action="store_true", help="已有可用模型时不重新训练")

    def handle(self, *args, data=None, text_column="分词文本", label_column="一级分类", limit=None,
               if_missing=False, **options):
        if if_missing and classifier.current_version():
            self.stdout.write(f"已有分类模型 {classifier.current_version()}，不重新训练")
            return
        try:
            path = data or data_path("tipdm2020c/fj2_train_segmented.csv")
            rows = list(csv.DictReader(io.StringIO(read_text(path))))
        except (DataFileNotFound, FileNotFoundError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if rows and (text_column not in rows[0] or label_column not in rows[0]):
            raise CommandError(f"训练文件缺少列“{text_column}”或“{label_column}”；文件的列为：{'、'.join(rows[0])}")
        rows = [r for r in rows if (r[text_column] or "").strip() and (r[label_column] or "").strip()]
        if limit:
            rows = rows[:limit]
        started = time.monotonic()
        try:
            version = classifier.train([r[text_column] for r in rows], [r[label_column] for r in rows],
                                       data_hash=classifier.hash_file(path))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"分类模型 {version}：{len(rows)} 条训练数据，用时 {time.monotonic() - started:.1f} 秒")
